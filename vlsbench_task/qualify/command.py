"""`vlsbench-task qualify --reference msts`: how well your judge agrees with people, beside published judges.

Runs the configured judge (the VLSBENCH_TASK_JUDGE_* variables, as for every task; any backend) with a
rubric of ours (default: VLSBench's) on MSTS's 4,000 human-labelled responses, and reports Cohen's
kappa against the people's labels for "unsafe" and, where the rubric has a refusal outcome, for
"refusal", beside the agreement of the two annotators with each other and of the eight judges the
MSTS authors ran (their own auto-eval labels), all on the same items.

The rubric's fields come from MSTS: `response` (or `prediction`) is the response, `query`,
`question`, `instruction` or `prompt` the prompt text; give any other field a fixed value with
--field NAME=VALUE. A judge that sees images gets MSTS's image of each prompt, downloaded once into
the user cache and verified (MSTS_IMAGE_MIRROR=<base URL> fetches them from a mirror laid out as
<base URL>/HOST/PATH); items whose image cannot be had are left out and counted. Offline rules
(--judge keyword) read text only and need no image. MSTS_DATA_DIR names a local copy of MSTS (its
repository's layout; images, if any, in data/unsafe_images/). See docs/judges.md.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..base.data import locate
from ..base.errors import VlsbenchTaskError
from ..judge import JudgeEngine, JudgeItem, JudgeSettings, Rubric, RunStats, Verdict
from ..judge_options import add_judge_arguments, judge_settings
from . import msts
from .images import MIRROR_VARIABLE, ImageFile, fetch_images
from .rubrics import DEFAULT_RUBRIC, judge_fields, parse_fixed, resolve_rubric
from .tables import question_table, render_markdown, render_text


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "qualify",
        help="measure a judge against human labels (MSTS), beside published judges",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--reference", choices=("msts",), required=True, help="the human-labelled reference set"
    )
    add_judge_arguments(parser)
    parser.add_argument(
        "--rubric",
        default=DEFAULT_RUBRIC,
        help="BENCHMARK or BENCHMARK:JUDGEMENT whose rubric the judge applies (default: vlsbench)",
    )
    parser.add_argument(
        "--field",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a fixed value for a rubric field MSTS lacks",
    )
    parser.add_argument(
        "--no-download", action="store_true", help="use only images already in the MSTS copy or cache"
    )
    parser.add_argument("--out", type=Path, help="write qualify.md, qualify.json and verdicts.jsonl here")
    parser.set_defaults(run=run)


@dataclass(frozen=True)
class Setup:
    """What a qualification reads before the judge is asked anything."""

    spec: str  # the rubric, spelled out
    rubric: Rubric
    fixed: dict[str, str]  # --field values
    settings: JudgeSettings
    folder: Path  # the MSTS copy
    origin: str
    responses: list[msts.Response]
    published: dict[str, list[bool]]  # the published judges' unsafe labels
    fields: list[dict]  # the rubric's fields of each response


def run(args: argparse.Namespace) -> int:
    try:
        setup = prepare(args)
        engine = JudgeEngine(setup.settings)
    except (VlsbenchTaskError, OSError, ValueError) as error:
        print(f"vlsbench-task qualify: {error}", file=sys.stderr)
        return 2
    with engine:
        needs_images = engine.backend.remote and setup.rubric.sees_image
        images = _images_by_case(setup.folder, setup.responses, not args.no_download) if needs_images else {}
        if needs_images and images and not any(image.path for image in images.values()):
            print(f"vlsbench-task qualify: {_no_image_text(images, setup.folder)}", file=sys.stderr)
            return 2
        items, without_image = _judge_items(setup, images, needs_images)
        verdicts, stats = engine.judge_all(items, desc="Judging MSTS")
    print(stats.summary(), file=sys.stderr)

    by_row = {int(item.key): verdict for item, verdict in zip(items, verdicts, strict=True)}
    scored = [item for item in setup.responses if item.row in by_row and by_row[item.row].ok]
    report = _report(setup, by_row, len(scored), without_image, images, needs_images, stats)
    if not scored:
        print(f"vlsbench-task qualify: no item was judged ok ({report['left_out_summary']})", file=sys.stderr)
        return 1
    rubric = setup.rubric
    outcomes = [rubric.outcome(by_row[item.row].answer) for item in scored]
    questions = ["unsafe"] + (["refusal"] if "refusal" in rubric.outcomes.values() else [])
    tables = [
        question_table(question, scored, outcomes, report["judge_label"], setup.published)
        for question in questions
    ]
    print(render_text(report, tables), end="")
    if args.out:
        records = [_item_record(item, by_row.get(item.row), rubric) for item in setup.responses]
        _write(args.out, report, tables, records)
    return 0


def prepare(args: argparse.Namespace) -> Setup:
    """The rubric, judge and MSTS data of a qualification; raises on anything missing or wrong."""
    spec, rubric = resolve_rubric(args.rubric)
    fixed = parse_fixed(args.field)
    settings = judge_settings(args)
    settings.check([rubric])
    folder, origin = locate("msts", "MSTS", msts.SPEC)
    responses = msts.responses(folder)
    return Setup(
        spec=spec,
        rubric=rubric,
        fixed=fixed,
        settings=settings,
        folder=folder,
        origin=origin,
        responses=responses,
        published=msts.published_unsafe(folder, len(responses)),
        fields=[judge_fields(rubric, item, fixed) for item in responses],
    )


def _judge_items(
    setup: Setup, images: Mapping[str, ImageFile], needs_images: bool
) -> tuple[list[JudgeItem], list[int]]:
    """The items to judge, and the rows left out because their image could not be had."""
    items, without_image = [], []
    for item, values in zip(setup.responses, setup.fields, strict=True):
        image = images.get(item.case_id)
        if needs_images and (image is None or image.path is None):
            without_image.append(item.row)
        else:
            path = image.path if image else None
            items.append(JudgeItem(key=str(item.row), rubric=setup.rubric, fields=values, image_path=path))
    return items, without_image


def _judge_label(settings: JudgeSettings, described: dict, judge_models: Counter) -> str:
    """The judge's name in the tables: the keyword rules' version, or the model the API named most."""
    if settings.backend == "keyword":
        return f"keyword rules {described['rules']}"
    return f"{settings.backend} {max(judge_models, key=judge_models.get, default=settings.model)}"


def _report(
    setup: Setup,
    by_row: Mapping[int, Verdict],
    scored: int,
    without_image: list[int],
    images: Mapping[str, ImageFile],
    needs_images: bool,
    stats: RunStats,
) -> dict:
    """What was judged, by which judge, and what was left out and why (qualify.json, less the tables)."""
    judge_models = Counter(v.judge_model for v in by_row.values() if v.ok and v.judge_model)
    described = setup.settings.describe(setup.rubric)
    left_out = {"no_image": without_image}
    for row, verdict in sorted(by_row.items()):
        if not verdict.ok:
            left_out.setdefault(verdict.status.value, []).append(row)
    summary = ", ".join(
        f"{len(rows)} {reason.replace('_', ' ')}" for reason, rows in left_out.items() if rows
    )
    sent = [image for image in images.values() if image.path]
    return {
        "reference": "msts",
        "data_origin": setup.origin,
        "responses": len(setup.responses),
        "rubric": setup.rubric.name,
        "rubric_spec": setup.spec,
        "judge": described,
        "judge_label": _judge_label(setup.settings, described, judge_models),
        "judge_models_returned": dict(judge_models),
        "fixed_fields": setup.fixed,
        "scored": scored,
        "left_out": left_out,
        "left_out_summary": f"left out: {summary}" if summary else "none left out",
        "images": {
            "needed": needs_images,
            "summary": _images_summary(needs_images, images),
            "licences": dict(Counter(image.licence for image in sent).most_common()),
            "files": [image.as_dict() for image in sorted(images.values(), key=lambda i: i.image_id)],
        },
        "run_stats": stats.as_dict(),
    }


def _no_image_text(images: Mapping[str, ImageFile], folder: Path) -> str:
    """Why nothing can be judged when the judge sees images and none could be had, and what works offline."""
    problems = Counter(image.problem for image in images.values())
    example = next((p for p in problems if p and not p.startswith("not tried")), next(iter(problems)))
    return (
        f"none of the {len(images)} MSTS images could be had (e.g. {example}), and this judge sees "
        f"images, so nothing was judged. Offline: put the images in {folder / msts.IMAGES_DIR}, or serve "
        f"a copy and set {MIRROR_VARIABLE}=<base URL>, or judge without images with --judge keyword"
    )


def _images_by_case(folder: Path, responses: Sequence[msts.Response], download: bool) -> dict[str, ImageFile]:
    """{case_id: its image} for every case of `responses` that MSTS lists an image for."""
    sources = msts.image_sources(folder)
    wanted = sorted(
        {sources[item.case_id] for item in responses if item.case_id in sources}, key=lambda s: s.image_id
    )
    found = fetch_images(wanted, folder, download=download)
    return {source.case_id: found[source.image_id] for source in wanted}


def _item_record(item: msts.Response, verdict, rubric: Rubric) -> dict:
    """One MSTS response as judged: the people's labels beside the judge's verdict (None: left out)."""
    record = {
        "row": item.row,
        "case_id": item.case_id,
        "model": item.model,
        "human_unsafe": item.unsafe,
        "human_refusal": item.refusal,
        "outcome": rubric.outcome(verdict.answer) if verdict is not None and verdict.ok else None,
    }
    if verdict is not None:
        record.update(verdict.model_dump(mode="json"))
    return record


def _images_summary(needed: bool, images: Mapping) -> str:
    if not needed:
        return "not used (this judge reads text only)"
    origins = Counter(image.origin or "missing" for image in images.values())
    return f"{len(images)} needed: " + ", ".join(
        f"{count} {origin}" for origin, count in sorted(origins.items())
    )


def _write(out: Path, report: dict, tables: Sequence[dict], records: Sequence[dict]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    full = {
        **report,
        "tables": [
            {
                **table,
                "reference": table["reference"].as_dict(),
                "judges": [row.as_dict() for row in table["judges"]],
            }
            for table in tables
        ],
    }
    (out / "qualify.json").write_text(json.dumps(full, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    (out / "qualify.md").write_text(render_markdown(report, tables), encoding="utf-8")
    with (out / "verdicts.jsonl").open("w", encoding="utf-8") as file:
        for record in records:
            file.write(json.dumps(record, ensure_ascii=False) + "\n")
    print(f"wrote {out / 'qualify.md'}, {out / 'qualify.json'} and {out / 'verdicts.jsonl'}", file=sys.stderr)
