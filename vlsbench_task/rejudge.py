"""`vlsbench-task judge SAMPLES_JSONL`: judge (again) the responses of a saved lmms-eval samples file.

The file is what `lmms-eval --tasks vlsbench --log_samples` writes, scored or `--predict_only`.
Each sample is matched to its VLSBench row by `doc_id` (the row number), checked against the
instruction and image it records; images come from the data source the task uses. Writes, beside
the input unless --out says otherwise, `<name>_judged.jsonl` (the samples with fresh verdicts and
per-sample metrics) and `<name>_judged_metrics.json` (aggregated metrics, judge, run totals).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

from .judge import JudgeEngine, JudgeItem, JudgeNotConfigured, JudgeSettings
from .vlsbench import metrics
from .vlsbench.dataset import OK, load_items, locate_data

# What lmms-eval itself writes for a sample; every other key is an output of process_results.
LMMS_EVAL_FIELDS = (
    "doc_id",
    "target",
    "filtered_resps",
    "resps",
    "token_counts",
    "doc_hash",
    "input_media",
    "input",
)


class SamplesError(ValueError):
    """The samples file does not fit the VLSBench data it is judged against."""


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "judge",
        help="judge the responses in an lmms-eval samples JSONL",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "samples", type=Path, help="a *_samples_vlsbench*.jsonl written by lmms-eval --log_samples"
    )
    parser.add_argument("--judge", choices=("openai", "keyword"), default="openai", help="judge backend")
    parser.add_argument("--model", help="judge model (overrides VLSBENCH_JUDGE_MODEL)")
    parser.add_argument("--base-url", help="OpenAI-compatible server (overrides VLSBENCH_JUDGE_BASE_URL)")
    parser.add_argument(
        "--concurrency", type=int, help="requests in flight (overrides VLSBENCH_JUDGE_CONCURRENCY)"
    )
    parser.add_argument("--out", type=Path, help="output folder (default: the folder of SAMPLES)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Exit status 0 when every scorable sample got an `ok` verdict, 1 otherwise, 2 on bad input."""
    settings = JudgeSettings.from_env(backend=args.judge).with_overrides(
        model=args.model, base_url=args.base_url, concurrency=args.concurrency
    )
    try:
        engine = JudgeEngine(settings)
        samples = read_samples(args.samples)
        data_json, image_root, origin = locate_data()
        rows = load_items(data_json, image_root)
        docs = [match_doc(sample, rows) for sample in samples]
        judged = [
            (sample, doc) for sample, doc in zip(samples, docs, strict=True) if doc["data_status"] == OK
        ]
        items = [
            JudgeItem(
                key=str(doc["row"]),
                query=doc["instruction"],
                response=response_of(sample),
                image_path=doc["image_file"],
            )
            for sample, doc in judged
        ]
    except (JudgeNotConfigured, SamplesError, OSError, ValueError) as error:
        print(f"vlsbench-task judge: {error}", file=sys.stderr)
        return 2

    verdicts, stats = engine.judge_all(items)
    verdict_of_row = {doc["row"]: verdict for (_, doc), verdict in zip(judged, verdicts, strict=True)}
    per_sample = [metrics.sample_metrics(doc, verdict_of_row.get(doc["row"])) for doc in docs]

    out_dir = args.out or args.samples.parent
    out_dir.mkdir(parents=True, exist_ok=True)
    samples_out = out_dir / f"{args.samples.stem}_judged.jsonl"
    metrics_out = out_dir / f"{args.samples.stem}_judged_metrics.json"
    with samples_out.open("w", encoding="utf-8") as file:
        for sample, values in zip(samples, per_sample, strict=True):
            kept = {key: sample[key] for key in LMMS_EVAL_FIELDS if key in sample}
            file.write(json.dumps({**kept, **values}, ensure_ascii=False) + "\n")
    report = {
        "source": str(args.samples.resolve()),
        "data_origin": origin,
        "n_samples": len(samples),
        "metrics": aggregate(per_sample, metrics.breakdown_metric_names(docs)),
        "judge": settings.describe(),
        "run_stats": stats.as_dict(),
    }
    metrics_out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

    print(stats.summary(), file=sys.stderr)
    for name, value in report["metrics"].items():
        print(f"{name}: {value}")
    print(f"wrote {samples_out} and {metrics_out}", file=sys.stderr)
    return 0 if all(verdict.ok for verdict in verdicts) else 1


def read_samples(path: Path) -> list[dict]:
    samples = []
    with path.open(encoding="utf-8") as file:
        for number, line in enumerate(file, start=1):
            if not line.strip():
                continue
            try:
                samples.append(json.loads(line))
            except json.JSONDecodeError as error:
                raise SamplesError(f"{path}:{number} is not JSON: {error}") from error
    if not samples:
        raise SamplesError(f"{path} holds no samples")
    return samples


def response_of(sample: dict) -> str:
    """The filtered response: a string, or a one-element list when lmms-eval did not flatten it."""
    response = sample.get("filtered_resps", sample.get("resps"))
    while isinstance(response, list) and len(response) == 1:
        response = response[0]
    if not isinstance(response, str):
        raise SamplesError(f"sample {sample.get('doc_id')} has no single text response: {response!r}")
    return response


def match_doc(sample: dict, docs: list[dict]) -> dict:
    """The data row of a sample: `doc_id` is the row number; the recorded instruction id (scored
    runs only), query text and image path must agree, so a file from other data fails loudly."""
    doc_id = sample.get("doc_id")
    if not isinstance(doc_id, int) or not 0 <= doc_id < len(docs):
        raise SamplesError(f"sample doc_id {doc_id!r} is not a row of the VLSBench data ({len(docs)} rows)")
    doc = docs[doc_id]
    recorded = sample.get(metrics.VERDICT_METRIC) or {}
    media = sample.get("input_media") or []
    disagreements = [
        name
        for name, matches in (
            (
                "instruction_id",
                recorded.get("instruction_id", doc["instruction_id"]) == doc["instruction_id"],
            ),
            ("instruction", sample.get("input", doc["instruction"]) == doc["instruction"]),
            ("image_path", not media or media[0] == doc["image_path"]),
        )
        if not matches
    ]
    if disagreements:
        raise SamplesError(
            f"sample doc_id {doc_id} does not match row {doc_id} of the VLSBench data ({', '.join(disagreements)} "
            f"differ): judge it against the data it was generated from (VLSBENCH_DATA_DIR / VLSBENCH_REVISION)"
        )
    return doc


def aggregate(per_sample: list[dict], breakdown_names: list[str]) -> dict:
    """As the task YAML aggregates: the verdict count, sums of costs, means of rates (None: no sample)."""
    names = [*metrics.RATES, "judge_error_rate", "data_error_rate", *breakdown_names]
    result = {name: _mean([values[name] for values in per_sample if name in values]) for name in names}
    result[metrics.VERDICT_METRIC] = metrics.count_judged(
        [values[metrics.VERDICT_METRIC] for values in per_sample]
    )
    for name in sorted(metrics.SUMMED_METRICS):
        result[name] = metrics.total([values.get(name, 0) for values in per_sample])
    return result


def _mean(values: list[float]) -> float | None:
    return statistics.fmean(values) if values else None
