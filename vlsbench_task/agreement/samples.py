"""Verdicts read from two samples files, checked to be of the same items, and the whole agreement report."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from statistics import fmean, stdev

from ..base import records, registry
from ..base.benchmark import Benchmark
from ..rejudge import SamplesError, logged_response, read_samples
from ..reports.stats import Z95, Interval
from .compare import RateDifference, compare
from .kappa import paired_difference

# --- Samples files ---------------------------------------------------------------------------------


def judged_units(samples: Sequence[dict], benchmark: Benchmark) -> dict[str, dict[str, dict]]:
    """{judgement name: {unit key: verdict record}} of a samples file. A unit is one response judged
    once: key `doc_id`, or `doc_id#n` for the n-th of several responses; the item's identity
    fields are part of each record, and a document not judged is a unit of each judgement."""
    units: dict[str, dict[str, dict]] = {name: {} for name in benchmark.judgements}
    for sample in samples:
        found = records.record_of(sample, benchmark)
        if found is None or "doc_id" not in sample:
            raise SamplesError(
                f"sample {sample.get('doc_id')!r} carries no verdict record ({records.RECORD_METRIC}): judge the "
                "file first (vlsbench-task judge), or pass a scored run's samples"
            )
        doc_id, item = sample["doc_id"], records.item(found)
        for name, index, verdict in records.verdicts(found):
            several = len(found["verdicts"][name]) > 1
            units.setdefault(name, {})[f"{doc_id}#{index}" if several else str(doc_id)] = {**item, **verdict}
        if not found["verdicts"]:
            for name in units:
                units[name][str(doc_id)] = item
    return units


def check_same_items(a: Sequence[dict], b: Sequence[dict], benchmark: Benchmark) -> None:
    """Samples of the same doc_id must be the same item on both sides (same recorded identity)."""
    b_by_doc = {sample.get("doc_id"): sample for sample in b}
    for sample in a:
        other = b_by_doc.get(sample.get("doc_id"))
        if other is None:
            continue
        mine = records.record_of(sample, benchmark) or {}
        theirs = records.record_of(other, benchmark) or {}
        differ = [
            key for key in benchmark.item_fields if key in mine and key in theirs and mine[key] != theirs[key]
        ]
        if differ:
            raise SamplesError(
                f"doc_id {sample['doc_id']} is not the same item in A and B ({', '.join(differ)} differ): "
                "compare samples of the same data"
            )


def metric_rates(a: Sequence[dict], b: Sequence[dict], metrics: Sequence[str]) -> list[RateDifference]:
    """Each per-item task metric (percent per item) averaged under A and under B over the items both
    scored, with the paired difference B - A."""
    b_by_doc = {sample["doc_id"]: sample for sample in b}
    found = []
    for metric in metrics:
        values = [
            (sample[metric], b_by_doc[sample["doc_id"]][metric])
            for sample in a
            if sample["doc_id"] in b_by_doc
            and _number(sample.get(metric))
            and _number(b_by_doc[sample["doc_id"]].get(metric))
        ]
        if values:
            found.append(_paired_rate(metric, values))
    return found


def _number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _paired_rate(name: str, values: list[tuple[float, float]]) -> RateDifference:
    n = len(values)
    mean_a, mean_b = fmean(v for v, _ in values), fmean(v for _, v in values)
    if all(v in (0, 100) for pair in values for v in pair):
        cells = Counter((va == 100, vb == 100) for va, vb in values)
        interval = paired_difference(
            cells[True, True], cells[False, True], cells[True, False], cells[False, False]
        )
    elif n > 1:  # a per-item value that is not a 0/100 rate: the normal approximation of the mean difference
        spread = stdev(vb - va for va, vb in values) / math.sqrt(n)
        interval = Interval(
            low=mean_b - mean_a - Z95 * spread, high=mean_b - mean_a + Z95 * spread, method="paired-normal"
        )
    else:
        interval = None
    return RateDifference(name, n, mean_a, mean_b, interval)


def task_of(path: Path, given: str | None) -> str:
    """The task of a samples file: --task, else its name (`vlsbench-task judge` adds `_judged`)."""
    if given:
        return given
    task = registry.task_of_samples_file(path)
    known = registry.configs()
    if task not in known and task.endswith("_judged") and task.removesuffix("_judged") in known:
        return task.removesuffix("_judged")
    return task


def _judge_of(units: Mapping[str, Mapping[str, dict]]) -> str:
    """The judge that gave most `ok` verdicts of a side, as its records name it."""
    seen = Counter(
        f"{record.get('backend')} {record.get('judge_model')}"
        for records in units.values()
        for record in records.values()
        if record.get("status") == "ok"
    )
    return seen.most_common(1)[0][0] if seen else "no ok verdict"


def _responses_differ(a: Sequence[dict], b: Sequence[dict]) -> int:
    b_by_doc = {sample["doc_id"]: sample for sample in b}
    return sum(
        1
        for sample in a
        if sample["doc_id"] in b_by_doc
        and logged_response(sample) != logged_response(b_by_doc[sample["doc_id"]])
    )


def judged_benchmark(task_a: str, task_b: str) -> Benchmark:
    """The one judged benchmark both tasks are of, else SamplesError."""
    tasks = [task_a, task_b]
    benchmarks = [registry.benchmark_of(task) for task in tasks]
    for task, benchmark in zip(tasks, benchmarks, strict=True):
        if benchmark is None or not benchmark.judged:
            raise SamplesError(f"{task} is not a judged task of vlsbench-task")
    if benchmarks[0].name != benchmarks[1].name:
        raise SamplesError(
            f"A is {benchmarks[0].title} ({tasks[0]}) and B is {benchmarks[1].title} ({tasks[1]}): "
            "agreement needs judgements of the same items"
        )
    return benchmarks[0]


def agreement_report(
    path_a: Path, path_b: Path, task_a: str | None = None, task_b: str | None = None
) -> dict:
    """Everything `vlsbench-task agreement` reports on two samples files, as JSON-ready data."""
    tasks = task_of(path_a, task_a), task_of(path_b, task_b)
    judged_benchmark(*tasks)  # before reading: a task that cannot be compared fails at once
    return agreement_of(read_samples(path_a), read_samples(path_b), *tasks, path_a, path_b)


def agreement_of(
    a: Sequence[dict],
    b: Sequence[dict],
    task_a: str,
    task_b: str,
    file_a: Path | str = "A",
    file_b: Path | str = "B",
) -> dict:
    """The agreement report on two sides' parsed samples (e.g. `TaskRun.samples`, already read):
    what `agreement_report` returns for files `file_a` and `file_b` holding them."""
    tasks = [task_a, task_b]
    benchmark = judged_benchmark(task_a, task_b)
    for samples, file in ((a, file_a), (b, file_b)):
        if not samples:
            raise SamplesError(f"{file} holds no samples")  # as read_samples says it
    check_same_items(a, b, benchmark)
    units_a, units_b = judged_units(a, benchmark), judged_units(b, benchmark)
    breakdown_fields = tuple(dict.fromkeys(breakdown.field for breakdown in benchmark.breakdowns))
    recorded = {key for sample in [*a, *b] for key in records.record_of(sample, benchmark) or {}}
    group_fields = tuple(name for name in breakdown_fields if name in recorded)
    judgements = {
        name: compare(units_a.get(name, {}), units_b.get(name, {}), judgement.rubric, group_fields)
        for name, judgement in benchmark.judgements.items()
    }
    config = registry.configs()[tasks[0]]
    headline = (config.get("metadata") or {}).get("headline")
    own = [entry["metric"] for entry in config.get("metric_list", []) if entry.get("aggregation") == "mean"]
    metrics = [name for name in dict.fromkeys([headline, *own]) if name]
    common = {sample["doc_id"] for sample in a} & {sample["doc_id"] for sample in b}
    return {
        "benchmark": benchmark.name,
        "title": benchmark.title,
        "a": {"file": str(file_a), "task": tasks[0], "judge": _judge_of(units_a), "samples": len(a)},
        "b": {"file": str(file_b), "task": tasks[1], "judge": _judge_of(units_b), "samples": len(b)},
        "items_in_both": len(common),
        "responses_differ": _responses_differ(a, b),
        "judgements": {name: agreement.as_dict() for name, agreement in judgements.items()},
        "headline": headline,
        "task_metrics": [rate.as_dict() for rate in metric_rates(a, b, metrics)],
        "intervals": {
            "kappa": "kappa ± 1.96 large-sample standard errors (Fleiss, Cohen & Everitt 1969)",
            "agreement_and_rates": "Wilson score interval",
            "differences": "B - A over the same items: Newcombe (1998) paired score interval (method 10), "
            "which accounts for the correlation of the two judges; a metric that is not a 0/100 rate "
            "per item uses the normal approximation of the mean paired difference",
        },
    }
