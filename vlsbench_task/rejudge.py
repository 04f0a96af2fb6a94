"""`vlsbench-task judge SAMPLES_JSONL`: judge (again) the responses of a saved lmms-eval samples file.

Works for every judged task of ours: the file is what `lmms-eval --tasks <task> --log_samples` writes,
scored or `--predict_only`, and the task is read from its name (`<date>_samples_<task>.jsonl`) unless
--task names it. Each sample is matched to its row by `doc_id` (the row number) and checked against
the row's recorded identity and prompt; images come from the data source the task uses. Writes, beside
the input unless --out says otherwise, `<name>_judged.jsonl` (the samples with fresh verdicts and
per-sample metrics) and `<name>_judged_metrics.json` (aggregated metrics, judge, run totals).

Exit status: 0 every scorable sample judged, 1 some judge errors, 2 bad input (one line says why).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from dataclasses import dataclass
from pathlib import Path

from .base import records, registry, scoring
from .base.benchmark import Benchmark
from .base.data import data_dir_variable
from .base.errors import SamplesError, VlsbenchTaskError
from .base.judging import describe_judges, judge_documents
from .base.metric_kinds import with_declared_aggregations
from .judge import JudgeEngine, JudgeNotConfigured, JudgeSettings, RunStats
from .judge_options import add_judge_arguments, judge_settings

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


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "judge",
        help="judge the responses in an lmms-eval samples JSONL",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "samples", type=Path, help="a *_samples_<task>.jsonl written by lmms-eval --log_samples"
    )
    parser.add_argument("--task", help="the task the samples are of (default: read from the file name)")
    add_judge_arguments(parser)
    parser.add_argument("--out", type=Path, help="output folder (default: the folder of SAMPLES)")
    parser.set_defaults(run=run)


@dataclass(frozen=True)
class Job:
    """A samples file matched to its task and data, with the judge to ask: all read before any request."""

    task: str
    config: dict
    benchmark: Benchmark
    settings: JudgeSettings
    samples: list[dict]
    docs: list[dict]  # the row of each sample
    responses: list[list[str]]  # the response(s) of each sample
    origin: str

    @property
    def options(self) -> dict:
        return self.config.get("options") or {}

    @property
    def suite(self) -> dict:
        return self.config.get("suite") or {}


def run(args: argparse.Namespace) -> int:
    try:
        job = prepare(args)
        engine = JudgeEngine(job.settings)
    except (VlsbenchTaskError, OSError, ValueError) as error:
        print(f"vlsbench-task judge: {error}", file=sys.stderr)
        return 2
    with engine:
        pairs = zip(job.docs, job.responses, strict=True)
        verdicts, stats = judge_documents(engine, job.benchmark, pairs, f"Judging {job.task}")
    per_sample = [
        scoring.document_values(job.benchmark, doc, answers, verdicts.get(doc["row"]), job.options, job.suite)
        for doc, answers in zip(job.docs, job.responses, strict=True)
    ]
    out_dir = args.out or args.samples.parent
    samples_out, metrics_out, report = write_outputs(job, per_sample, stats, args.samples, out_dir)
    print(stats.summary(), file=sys.stderr)
    for name, value in report["metrics"].items():
        print(f"{name}: {value}")
    print(f"wrote {samples_out} and {metrics_out}", file=sys.stderr)
    folders = " ".join(dict.fromkeys(str(folder) for folder in (args.samples.parent, out_dir)))
    print(f"to report or browse them: vlsbench-task report {folders} --out report/", file=sys.stderr)
    ok = all(v.ok for by_name in verdicts.values() for vs in by_name.values() for v in vs)
    return 0 if ok else 1


def prepare(args: argparse.Namespace) -> Job:
    """The task, judge, samples and data of a re-judge; raises on anything that does not fit."""
    task = args.task or registry.task_of_samples_file(args.samples)
    config, benchmark = _judged_task(task)
    settings = judge_settings(args, benchmark.name, task, config.get("judge_model"))
    if (problem := settings.problem(benchmark.rubrics.values())) is not None:
        hint = (
            ""
            if settings.backend == "keyword"
            else "; or judge offline with --judge keyword (an approximation)"
        )
        raise JudgeNotConfigured(f"{problem}{hint}")
    samples = read_samples(args.samples)
    folder, origin = benchmark.locate()
    docs = benchmark.documents(folder, config.get("options") or {})
    prompt_of = registry.function(config["doc_to_text"])
    return Job(
        task=task,
        config=config,
        benchmark=benchmark,
        settings=settings,
        samples=samples,
        docs=[match_doc(sample, docs, benchmark, prompt_of) for sample in samples],
        responses=[responses_of(sample, benchmark, config.get("repeats", 1)) for sample in samples],
        origin=origin,
    )


def write_outputs(
    job: Job, per_sample: list[dict], stats: RunStats, source: Path, out_dir: Path
) -> tuple[Path, Path, dict]:
    """`<name>_judged.jsonl` (each sample with its fresh values) and `<name>_judged_metrics.json`
    (the aggregated metrics, judge and run totals, also returned) in `out_dir`."""
    own = with_declared_aggregations(job.benchmark, job.config.get("metric_list", []))
    entries = [*own, *scoring.added_metrics(job.benchmark, job.docs, job.suite, own)]
    out_dir.mkdir(parents=True, exist_ok=True)
    samples_out = out_dir / f"{source.stem}_judged.jsonl"
    metrics_out = out_dir / f"{source.stem}_judged_metrics.json"
    with samples_out.open("w", encoding="utf-8") as file:
        for sample, values in zip(job.samples, per_sample, strict=True):
            kept = {key: sample[key] for key in LMMS_EVAL_FIELDS if key in sample}
            file.write(json.dumps({**kept, **values}, ensure_ascii=False) + "\n")
    report = {
        "source": str(source.resolve()),
        "task": job.task,
        "data_origin": job.origin,
        "n_samples": len(job.samples),
        "metrics": aggregate(per_sample, entries),
        "judge": describe_judges(job.settings, job.benchmark),
        "run_stats": stats.as_dict(),
    }
    metrics_out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return samples_out, metrics_out, report


def _judged_task(task: str) -> tuple[dict, Benchmark]:
    benchmark = registry.benchmark_of(task)
    if benchmark is None or not benchmark.judged:
        judged = [name for name in registry.task_names() if (b := registry.benchmark_of(name)) and b.judged]
        raise SamplesError(f"{task} is not a judged task of vlsbench-task; judged tasks: {', '.join(judged)}")
    return registry.configs()[task], benchmark.with_prompt_overrides()


def read_samples(path: Path) -> list[dict]:
    samples = []
    with path.open(encoding="utf-8") as file:
        for number, line in enumerate(file, start=1):
            if not line.strip():
                continue
            try:
                samples.append(json.loads(line))
            except json.JSONDecodeError as error:
                raise SamplesError(f"{path}:{number} is not JSON: {error}") from None
    if not samples:
        raise SamplesError(f"{path} holds no samples")
    return samples


def logged_response(sample: dict):
    """The response as lmms-eval logged it: after its filters where it ran them."""
    return sample.get("filtered_resps", sample.get("resps"))


def responses_of(sample: dict, benchmark: Benchmark, repeats: int = 1) -> list[str]:
    """The response(s) of a sample: the filtered one; for a task with repeats, every repeat's, which only
    our record keeps (lmms-eval logs the first). (lmms-eval writes a one-element list where it
    did not flatten the response.)"""
    if repeats > 1:
        response = (records.record_of(sample, benchmark) or {}).get("responses")
        if response is None:
            raise SamplesError(
                f"sample {sample.get('doc_id')}: lmms-eval logs only the first of a task's {repeats} repeats; "
                "re-judge the samples of a scored run, whose verdict records keep every response"
            )
    else:
        response = logged_response(sample)
    while isinstance(response, list) and len(response) == 1 and isinstance(response[0], list):
        response = response[0]
    responses = response if isinstance(response, list) else [response]
    if len(responses) != repeats or not all(isinstance(r, str) for r in responses):
        raise SamplesError(f"sample {sample.get('doc_id')} has not {repeats} text response(s): {response!r}")
    return responses


def match_doc(sample: dict, docs: list[dict], benchmark: Benchmark, prompt_of) -> dict:
    """The row of a sample: `doc_id` is the row number; the identity recorded with its verdict (scored
    runs only) and the prompt the model saw must agree, so a file from other data fails loudly."""
    doc_id = sample.get("doc_id")
    if not isinstance(doc_id, int) or not 0 <= doc_id < len(docs):
        raise SamplesError(
            f"sample doc_id {doc_id!r} is not a row of the {benchmark.title} data ({len(docs)} rows)"
        )
    doc = docs[doc_id]
    recorded = records.record_of(sample, benchmark) or {}
    differ = [key for key in benchmark.item_fields if key in recorded and recorded[key] != doc[key]]
    if "input" in sample and sample["input"] != prompt_of(doc):
        differ.append("prompt")
    if differ:
        raise SamplesError(
            f"sample doc_id {doc_id} does not match row {doc_id} of the {benchmark.title} data "
            f"({', '.join(differ)} differ): judge it against the data it was generated from "
            f"({data_dir_variable(benchmark.data_key)})"
        )
    return doc


def aggregate(per_sample: list[dict], entries: list[dict]) -> dict:
    """Each metric as the task's metric_list aggregates it; None when no sample has a value."""
    result = {}
    for entry in entries:
        values = [values[entry["metric"]] for values in per_sample if entry["metric"] in values]
        aggregation = entry["aggregation"]
        if aggregation == "mean":
            result[entry["metric"]] = statistics.fmean(values) if values else None
        else:
            function = registry.function(aggregation) if isinstance(aggregation, str) else aggregation
            result[entry["metric"]] = function(values) if values else None
    return result
