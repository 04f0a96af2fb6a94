"""`vlsbench-task report` on folders written by real lmms-eval runs of the dummy model (conftest.py)."""

from __future__ import annotations

import json
import re
import shutil

import numpy as np
import pytest
from PIL import Image
from reports_support import BROKEN, COMPLIER, JUDGE_NAME, REFUSER, label

from vlsbench_task.base import registry
from vlsbench_task.base.scoring import SUITE_AXES
from vlsbench_task.cli import main
from vlsbench_task.reports import markdown
from vlsbench_task.reports.stats import difference, mean_of_rates, wilson

pytestmark = pytest.mark.e2e

GROUP = "multimodal_safety_offline"
NOTE = "DEMO with stand-in models"


@pytest.fixture(scope="module")
def report(dummy_outputs, tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    assert main(["report", str(dummy_outputs), "--out", str(out), "--note", NOTE]) == 0
    return out


@pytest.fixture(scope="module")
def text(report) -> str:
    return (report / "report.md").read_text()


def section(markdown_text: str, heading: str) -> str:
    """From the line `heading` to the next heading of the same or a higher level."""
    lines = markdown_text.splitlines()
    start = lines.index(heading)
    level = len(heading.split(" ", 1)[0])
    ends = (i for i in range(start + 1, len(lines)) if re.match(rf"#{{1,{level}}} ", lines[i]))
    return "\n".join(lines[start : next(ends, len(lines))])


def rows(block: str) -> list[list[str]]:
    """The cells of every table row in `block` (header and separator lines dropped)."""
    lines = [line for line in block.splitlines() if line.startswith("|") and not line.startswith("|---")]
    return [[cell.strip() for cell in line.strip("|").split("|")] for line in lines[1:]]


def row(block: str, first_cell: str) -> list[str]:
    return next(cells for cells in rows(block) if cells[0] == first_cell)


def value(cell: str) -> float | None:
    return None if cell.startswith("n/a") or cell == "not run" else float(cell.split(" [")[0])


def bounds(cell: str) -> tuple[float, float]:
    low, high = re.search(r"\[(-?[\d.]+), (-?[\d.]+)\]", cell).groups()
    return float(low), float(high)


def samples(dummy_outputs, name: str, task: str) -> list[dict]:
    (path,) = (dummy_outputs / name).rglob(f"*_samples_{task}.jsonl")
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def counts(dummy_outputs, name: str, task: str, metric: str) -> tuple[int, int]:
    values = [s[metric] for s in samples(dummy_outputs, name, task) if metric in s]
    return sum(v == 100 for v in values), len(values)


def test_the_note_and_every_model_are_at_the_top(text):
    head = text[: text.index("## Leaderboard")]
    assert f"> **{NOTE}**" in head
    for response in (REFUSER, COMPLIER, BROKEN):
        assert f"| **{label(response)}** | `dummy` | `response={response}` |" in head


def test_leaderboard_gives_both_suite_rows_and_says_truthfully_how_it_is_sorted(text, results_of):
    board = section(text, "## Leaderboard")
    assert f"Models are sorted by `{GROUP}` `harm_avoided`, highest first" in board
    table = rows(section(board, "### Suite rows"))
    assert [cells[0] for cells in table] == [label(REFUSER), label(COMPLIER), label(BROKEN)]
    harm = [value(cells[1]) for cells in table]
    assert harm[0] > harm[1] and harm[2] is None  # highest first, a model without the row last
    for name, cells in zip(("refuser", "complier"), table, strict=False):
        results = results_of(name)["results"][GROUP]
        for axis, cell in zip(SUITE_AXES, cells[1:], strict=True):
            assert value(cell) == pytest.approx(results[f"{axis},none"], abs=0.05)
    # Refusing everything avoids harm and answers none of the harmless items; complying, the reverse.
    assert value(table[0][2]) == 0 and value(table[1][2]) == 100


def test_a_suite_row_interval_is_the_mover_mean_of_its_members_wilson_intervals(
    text, dummy_outputs, results_of
):
    members = results_of("refuser")["group_subtasks"][GROUP]
    for axis, column in zip(SUITE_AXES, (1, 2), strict=True):
        parts = [counts(dummy_outputs, "refuser", t, axis) for t in members]
        parts = [part for part in parts if part[1]]
        expected = mean_of_rates(parts)
        cell = row(section(text, "### Suite rows"), label(REFUSER))[column]
        assert bounds(cell) == pytest.approx((expected.low, expected.high), abs=0.051), axis


def test_each_task_headline_is_listed_with_its_direction(text, results_of):
    table = rows(section(text, "### Each task's headline"))
    results = results_of("refuser")
    listed = {cells[0].strip("`"): cells for cells in table}
    ours = [task for task in results["results"] if task != GROUP]
    assert sorted(listed) == sorted(ours)
    for task, cells in listed.items():
        headline = results["configs"][task]["metadata"]["headline"]
        assert cells[1] == f"`{headline}` {markdown.arrow(results['higher_is_better'][task][headline])}"
    assert listed["mossbench_keyword"][1] == "`refusal_rate` ↓"  # benign items: refusing is wrong
    assert listed["mossbench_contrast_keyword"][1] == "`refusal_rate` ↑"
    assert (
        listed["vlsbench"][4] == "n/a (every usable row is a judge error)" and listed["siuo"][4] == "not run"
    )  # ran and scored nothing / never ran


def test_the_scatter_chart_comes_right_after_the_leaderboard(text, report):
    after = text[text.index("## Leaderboard") :]
    headings = re.findall(r"^## .*$", after, re.MULTILINE)
    assert headings[1] == "## Harm avoided and harmless requests answered"
    first_image = re.search(r"!\[[^\]]*\]\(([^)]+)\)", after).group(1)
    assert first_image == f"suite_{GROUP}.png"
    with Image.open(report / first_image) as image:
        assert image.size[0] >= 600 and image.size[1] >= 600


def test_what_feeds_each_row_is_the_yaml_suite_mapping(text, results_of):
    table = rows(section(text, "### `multimodal_safety_offline`"))
    members = results_of("refuser")["group_subtasks"][GROUP]
    expected = sorted(
        (axis, task, metric)
        for task in members
        for axis, metric in (registry.configs()[task].get("suite") or {}).items()
    )
    assert sorted((c[0].strip("`"), c[1].strip("`"), c[2].strip("`")) for c in table) == expected


def test_skipped_and_failed_benchmarks_are_listed(text):
    table = rows(section(text, "## Skipped or failed"))
    found = {(cells[0], cells[1].strip("`")): cells[2] for cells in table}
    broken = label(BROKEN)
    assert found[(broken, "figstep")] == "failed: every row is a data error, nothing scored"
    assert found[(broken, "vlsbench")] == "failed: every usable row is a judge error, nothing scored"
    assert found[(broken, GROUP)].startswith("not run for this model nor any of its members")
    assert found[(broken, "vlsbench_textonly")].startswith("not run for this model")
    assert (broken, "vlsbench_keyword") not in found  # the group's line speaks for its members
    assert not [key for key in found if key[0] != broken]


def test_a_group_member_missing_from_the_results_is_listed(dummy_outputs, tmp_path):
    """As an older version of the group, or a member that did not run, would leave it."""
    folder = tmp_path / "run"
    shutil.copytree(dummy_outputs / "refuser", folder)
    (path,) = folder.rglob("*_results.json")
    results = json.loads(path.read_text())
    del results["results"]["mossbench_keyword"]
    results["group_subtasks"][GROUP].remove("mossbench_keyword")
    path.write_text(json.dumps(results))
    assert main(["report", str(folder), "--out", str(tmp_path / "report")]) == 0
    table = rows(section((tmp_path / "report" / "report.md").read_text(), "## Skipped or failed"))
    assert table == [
        [
            "dummy",  # the only model: its short name needs nothing to tell it apart
            "`mossbench_keyword`",
            f"member of `{GROUP}` has no results (skipped, failed, or an older version of the group), "
            "so this group row leaves it out",
        ]
    ]


def test_task_tables_hold_own_metrics_and_accounting_with_intervals(text, results_of):
    block = section(text, "#### `vlsbench`")
    header = next(line for line in block.splitlines() if line.startswith("| model"))
    own = [e["metric"] for e in registry.configs()["vlsbench"]["metric_list"]]
    assert [c.strip() for c in header.strip("|").split("|")][1:] == [
        *(f"{m} {markdown.arrow(results_of('refuser')['higher_is_better']['vlsbench'][m])}" for m in own),
        "judge_error_rate ↓",
        "data_error_rate ↓",
        "empty_response_rate ↓",
        "n_scored",
    ]
    refuser, complier = row(block, label(REFUSER)), row(block, label(COMPLIER))
    assert refuser[1].startswith("100.0 [") and complier[1].startswith("0.0 [0.0, ")
    assert complier[4].startswith("100.0 [") and refuser[-1] == complier[-1] == "24"
    assert 80 < bounds(refuser[1])[0] < 100  # Wilson for 24 of 24: open below, unlike a normal approximation
    assert "Headline `safe_rate` ↑; suite rows: `safe_rate` feeds `harm_avoided`." in block
    assert "Headline `safe_rate` ↑; feeds no suite row." in section(text, "#### `vlsbench_textonly`")


def test_breakdown_tables_list_every_category_of_the_data(text, vlsbench_folder):
    categories = {r["category"] for r in json.loads((vlsbench_folder / "data.json").read_text())}
    block = section(text, "##### `vlsbench`: `safe_rate` per category")
    assert len(categories) == 6 and {cells[0] for cells in rows(block)} == categories
    for cells in rows(block):
        assert cells[1].startswith("100.0 [") and cells[2].startswith("0.0 [")
    assert "![vlsbench per category](categories_vlsbench.png)" in block
    topics = rows(section(text, "##### `figstep`: `attack_success_rate` per category name"))
    assert len(topics) == 10  # FigStep's ten forbidden topics


def test_both_contrasts_are_reported_with_newcombe_intervals(text, dummy_outputs):
    contrasts = section(text, "## Contrasts")
    assert "Newcombe's hybrid score" in contrasts and "conservative" in contrasts
    leakage = section(contrasts, "### VLSBench: visual leakage")
    uplift = section(contrasts, "### FigStep: jailbreak uplift")
    for block, first, second, metric, categories in (
        (leakage, "vlsbench", "vlsbench_textonly", "safe_rate", 6),
        (uplift, "figstep", "figstep_textonly", "attack_success_rate", 10),
    ):
        for name in ("refuser", "complier"):
            table = rows(section(block, f"#### {label(REFUSER if name == 'refuser' else COMPLIER)}"))
            assert table[0][0] == "all items" and len(table) == 1 + categories
            interval = difference(
                counts(dummy_outputs, name, first, metric), counts(dummy_outputs, name, second, metric)
            )
            # A fixed answer is judged alike with and without the image: no difference, around zero.
            assert value(table[0][3]) == 0 and bounds(table[0][3]) == pytest.approx(
                (interval.low, interval.high), abs=0.051
            )
    assert "![Visual leakage](contrast_vlsbench.png)" in leakage
    assert "![Jailbreak uplift](contrast_figstep.png)" in uplift


def test_every_task_has_its_scorer_and_the_judge_cost_adds_up(text, results_of):
    judges = section(text, "## Judges and their cost")
    table = rows(judges.split("The papers scored with")[0])
    tasks = {cells[0].strip("`") for cells in table}
    assert tasks == {t for t in results_of("refuser")["results"] if t != GROUP}
    scored_by = {cells[0].strip("`"): cells[1] for cells in table if label(REFUSER) in cells[2]}
    assert scored_by["vlsbench"].startswith(f"{JUDGE_NAME} at http://127.0.0.1:")
    assert f"answered as {JUDGE_NAME} (24)" in scored_by["vlsbench"]
    assert scored_by["vlsbench_keyword"].startswith("keyword rules refusal-rules-")
    assert scored_by["mmsafeaware"] == "no judge: answers parsed by rule (`strict` parser)"
    for title in ("VLSBench: GPT-4o", "FigStep: manual review", "MOSSBench: gpt-4-turbo", "SIUO: human"):
        assert f"- {title}" in judges
    cost = [cells for cells in rows(judges.split("Judge cost")[1]) if cells[0] == label(REFUSER)]
    per_task, total = cost[:-1], cost[-1]
    assert {cells[1].strip("`") for cells in per_task} == {
        "vlsbench",
        "vlsbench_textonly",
        "figstep",
        "figstep_textonly",
        "siuo",
    }
    for column in range(2, 6):
        assert int(total[column].strip("*")) == sum(int(cells[column]) for cells in per_task)
    requests = dict((cells[1].strip("`"), int(cells[4])) for cells in per_task)
    assert requests["vlsbench"] == 24 and requests["figstep"] == 500


def test_data_gaps_name_local_copies_without_their_paths(text, report_data_env):
    gaps = section(text, "## Data gaps and provenance")
    assert "77 prompts without an image, not scored: ids 18, 441, 449, 627, 950, 958, 1142, 2301-2370" in gaps
    assert "data: local copy (`VLSBENCH_DATA_DIR`, folder `" in gaps
    for variable, path in report_data_env.items():
        if variable.endswith("_DATA_DIR"):
            assert path not in text


def test_links_point_to_sections_that_exist(text):
    anchors = {markdown.anchor(h) for h in re.findall(r"^#+ (.*)$", text, re.MULTILINE)}
    for target in re.findall(r"\]\((#[^)]+)\)", text):
        assert target in anchors


def test_a_report_without_groups_or_contrasts_never_mentions_them(dummy_outputs, tmp_path):
    assert main(["report", str(dummy_outputs / "broken"), "--out", str(tmp_path)]) == 0
    text = (tmp_path / "report.md").read_text()
    assert "## Contrasts" not in text and "contrast" not in text.lower()
    assert "suite" not in text.split("## Skipped or failed")[0].lower().replace("suite group(s)", "")
    assert "No headline metric in these results: models are in the order they were found." in text
    assert not list(tmp_path.glob("suite_*.png"))


def test_embedded_charts_are_readable_pngs(text, report):
    names = re.findall(r"!\[[^\]]*\]\(([^)]+\.png)\)", text)
    assert {p.name for p in report.glob("*.png")} == set(names)  # every chart embedded, none dangling
    assert len(names) >= 15
    for name in names:
        with Image.open(report / name) as image:
            assert image.format == "PNG"
            width, height = image.size
            pixels = np.asarray(image.convert("L"), dtype=float)
        assert width >= 600 and height >= 250, name
        assert pixels.std() > 20 and (pixels < 128).mean() > 0.01, name  # not blank


def test_wilson_cells_match_the_samples(text, dummy_outputs):
    k, n = counts(dummy_outputs, "complier", "figstep", "attack_success_rate")
    cell = row(section(text, "#### `figstep`"), label(COMPLIER))[1]
    expected = wilson(k, n)
    assert (k, n) == (500, 500) and bounds(cell) == pytest.approx((expected.low, expected.high), abs=0.051)


def test_a_declared_mean_of_group_means_has_the_mean_interval_of_its_groups(text, dummy_outputs):
    """MMSafeAware's Total and MSSBench's total_acc, each declared a mean of group means: its cell's
    interval is the MOVER mean of its groups' Wilson intervals; MMSafeAware's declaration adds its
    subset chart."""
    for task, metric in (("mmsafeaware", "total"), ("mssbench_chat_keyword", "total_acc")):
        groups = registry.benchmark_of(task).metrics[metric].groups.values()
        expected = mean_of_rates([counts(dummy_outputs, "complier", task, group) for group in groups])
        block = section(text, f"#### `{task}`")
        header = next(line for line in block.splitlines() if line.startswith("| model"))
        column = [cell.strip() for cell in header.strip("|").split("|")].index(f"{metric} ↑")
        cell = row(block, label(COMPLIER))[column]
        assert bounds(cell) == pytest.approx((expected.low, expected.high), abs=0.051), task
    assert "![mmsafeaware subsets](subsets_mmsafeaware.png)" in section(text, "#### `mmsafeaware`")


def test_the_judge_commands_output_is_read_as_a_newer_run_of_its_task(
    dummy_outputs, report_data_env, tmp_path, monkeypatch
):
    for name, value in report_data_env.items():
        monkeypatch.setenv(name, value)
    (samples,) = (dummy_outputs / "refuser").rglob("*_samples_vlsbench.jsonl")
    assert main(["judge", str(samples), "--judge", "keyword", "--out", str(tmp_path / "judged")]) == 0
    judged = tmp_path / "judged" / f"{samples.stem}_judged.jsonl"
    assert main(["report", str(dummy_outputs / "refuser"), str(judged), "--out", str(tmp_path / "out")]) == 0
    text = (tmp_path / "out" / "report.md").read_text()
    judges = rows(section(text, "## Judges and their cost").split("The papers")[0])
    assert [cells[1] for cells in judges if cells[0] == "`vlsbench`"] == [
        "keyword rules refusal-rules-v3 (offline; an approximation, not the paper's judge); answered as "
        "refusal-rules-v3 (24)"
    ]
    (left_out,) = [cells for cells in rows(section(text, "## Skipped or failed")) if cells[1] == "`vlsbench`"]
    assert f"judged by {JUDGE_NAME} at" in left_out[2] and "the newer one by keyword rules" in left_out[2]
    refuser = row(section(text, "#### `vlsbench`"), "dummy")
    assert refuser[1].startswith("100.0 [")  # the keyword rules call every refusal safe, from the samples

    page = tmp_path / "view.html"
    assert main(["view", str(dummy_outputs / "refuser"), str(judged), "--out", str(page), "--no-images"]) == 0
    data = json.loads(page.read_text().split('id="view-data">', 1)[1].split("</script>", 1)[0])
    vlsbench = [run for run in data["runs"] if run["task"] == "vlsbench"]
    assert sorted(run["judge"].split()[0] for run in vlsbench) == ["keyword", "openai"]
    assert any(
        {data["runs"][p["a"]]["task"], data["runs"][p["b"]]["task"]} == {"vlsbench"} for p in data["pairs"]
    )
