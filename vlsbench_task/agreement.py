"""`vlsbench-task agreement A B`: how far two judges, or two runs of one judge, agree on the same items.

A and B are samples files of judged tasks of one benchmark (what lmms-eval writes with
--log_samples, or what `vlsbench-task judge` writes), e.g. `vlsbench_keyword` and `vlsbench` run on
the same data. Items are matched by `doc_id` and checked against the identity recorded with each
verdict. For each judgement the benchmark declares: Cohen's kappa and the raw agreement, the
confusion matrix over the rubric's outcomes, agreement per value of each breakdown field the
records carry, and each outcome's rate under A and under B with their difference; then the task's
own rates (its headline first) as each judge implies them. Items judged by one side only, or with
a judge error on either side, are counted and listed, never dropped silently.

Intervals (95 %): kappa ± 1.96 large-sample standard errors (Fleiss, Cohen and Everitt 1969);
agreement and rates by Wilson; the difference of two rates on the same items by Newcombe's (1998)
paired score interval (his method 10), which accounts for the two judges' correlation. The
independent-samples interval of reports/stats.py would be too wide: two judges that mostly agree
move together. Differences are B - A.

The core is importable: `compare(a, b, rubric)` on {unit key: verdict record} (`judged_units` reads
them from samples), as the verdict browser's disagreement view does.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from statistics import fmean, stdev

from .base import registry
from .base.benchmark import Benchmark
from .base.scoring import VERDICT_METRIC
from .judge import Rubric
from .rejudge import SamplesError, read_samples
from .reports.stats import Z95, Interval, wilson

# Why an item of A or B was not compared, and what each reason means.
UNMATCHED = {
    "only_a": "judged by A only (B has no verdict for it: absent, or a data error)",
    "only_b": "judged by B only (A has no verdict for it: absent, or a data error)",
    "error_a": "judge error in A (not ok: parse_error, judge_refused or error)",
    "error_b": "judge error in B",
    "error_both": "judge error in A and in B",
    "neither": "judged by neither (data errors on both sides)",
}


@dataclass(frozen=True)
class Kappa:
    """Cohen's kappa of a confusion matrix, with its 95 % interval. The value is None where kappa
    is undefined (no items, or both sides gave every item one and the same outcome); where only one
    side gave a single outcome, kappa is 0 by construction and has no interval (`note` says so)."""

    value: float | None
    low: float | None
    high: float | None
    n: int
    note: str | None = None

    def __str__(self) -> str:
        if self.value is None:
            return f"n/a ({self.note})"
        if self.low is None:
            return f"{self.value:.3f} ({self.note})"
        return f"{self.value:.3f} [{self.low:.3f}, {self.high:.3f}]"


def cohen_kappa(matrix: Sequence[Sequence[int]]) -> Kappa:
    """Kappa of a square matrix of counts (rows: one rater, columns: the other), with the
    large-sample standard error of Fleiss, Cohen and Everitt (1969), valid whatever kappa is."""
    n = sum(map(sum, matrix))
    if n == 0:
        return Kappa(None, None, None, 0, "no items")
    k = len(matrix)
    p = [[cell / n for cell in row] for row in matrix]
    rows = [sum(row) for row in p]
    columns = [sum(p[i][j] for i in range(k)) for j in range(k)]
    observed = sum(p[i][i] for i in range(k))
    expected = sum(rows[i] * columns[i] for i in range(k))
    if expected >= 1 - 1e-12:
        return Kappa(None, None, None, n, "both sides gave one and the same outcome to every item")
    kappa = (observed - expected) / (1 - expected)
    if max(rows) >= 1 - 1e-12 or max(columns) >= 1 - 1e-12:
        return Kappa(kappa, None, None, n, "one side gave every item the same outcome")
    diagonal = sum(p[i][i] * (1 - (rows[i] + columns[i]) * (1 - kappa)) ** 2 for i in range(k))
    off_diagonal = (1 - kappa) ** 2 * sum(
        p[i][j] * (columns[i] + rows[j]) ** 2 for i in range(k) for j in range(k) if i != j
    )
    variance = (diagonal + off_diagonal - (kappa - expected * (1 - kappa)) ** 2) / (n * (1 - expected) ** 2)
    error = math.sqrt(max(0.0, variance))
    return Kappa(kappa, max(-1.0, kappa - Z95 * error), min(1.0, kappa + Z95 * error), n)


def binary_kappa(first: Sequence[bool], second: Sequence[bool]) -> Kappa:
    """Kappa of two raters' yes/no calls on the same items."""
    pairs = Counter(zip(first, second, strict=True))
    return cohen_kappa([[pairs[True, True], pairs[True, False]], [pairs[False, True], pairs[False, False]]])


def paired_difference(both: int, first_only: int, second_only: int, neither: int) -> Interval:
    """95 % interval, in points, for rate(first) - rate(second) when both rates are measured on the
    same items: Newcombe's (1998) method 10, which combines each rate's Wilson interval with the
    correlation (phi) of the two yes/no calls."""
    n = both + first_only + second_only + neither
    yes_first, yes_second = both + first_only, both + second_only
    p1, p2 = yes_first / n, yes_second / n
    first, second = wilson(yes_first, n), wilson(yes_second, n)  # in percent
    low1, high1, low2, high2 = first.low / 100, first.high / 100, second.low / 100, second.high / 100
    margins = yes_first * (n - yes_first) * yes_second * (n - yes_second)
    phi = (both * neither - first_only * second_only) / math.sqrt(margins) if margins else 0.0
    below = math.sqrt(max(0.0, (p1 - low1) ** 2 - 2 * phi * (p1 - low1) * (high2 - p2) + (high2 - p2) ** 2))
    above = math.sqrt(max(0.0, (high1 - p1) ** 2 - 2 * phi * (high1 - p1) * (p2 - low2) + (p2 - low2) ** 2))
    difference = p1 - p2
    return Interval(
        low=100 * max(-1.0, difference - below),
        high=100 * min(1.0, difference + above),
        method="newcombe-paired",
    )


@dataclass(frozen=True)
class Pair:
    """One unit judged `ok` by both sides: its key, each side's outcome, and its breakdown values."""

    key: str
    a: str
    b: str
    groups: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RateDifference:
    """A rate (percent) under A and under B over the same items, and B - A with its interval."""

    name: str
    n: int
    a: float
    b: float
    interval: Interval | None

    @property
    def difference(self) -> float:
        return self.b - self.a

    def as_dict(self) -> dict:
        interval = None if self.interval is None else self.interval.model_dump()
        return {
            "name": self.name,
            "n": self.n,
            "a": self.a,
            "b": self.b,
            "difference": self.difference,
            "interval": interval,
        }


@dataclass
class Agreement:
    """Two sides' verdicts on the same units under one rubric."""

    rubric: str
    outcomes: tuple[str, ...]
    pairs: list[Pair]
    unmatched: dict[str, list[str]]  # reason (UNMATCHED) -> unit keys
    error_statuses: dict[str, dict[str, int]]  # "a" / "b" -> status -> count
    group_fields: tuple[str, ...] = ()

    @property
    def n(self) -> int:
        return len(self.pairs)

    @property
    def agreeing(self) -> int:
        return sum(pair.a == pair.b for pair in self.pairs)

    @property
    def raw_agreement(self) -> float | None:
        return 100 * self.agreeing / self.n if self.n else None

    @property
    def raw_agreement_interval(self) -> Interval | None:
        return wilson(self.agreeing, self.n) if self.n else None

    @property
    def confusion(self) -> list[list[int]]:
        """counts[i][j]: units A calls outcomes[i] and B calls outcomes[j]."""
        index = {outcome: i for i, outcome in enumerate(self.outcomes)}
        counts = [[0] * len(self.outcomes) for _ in self.outcomes]
        for pair in self.pairs:
            counts[index[pair.a]][index[pair.b]] += 1
        return counts

    @property
    def kappa(self) -> Kappa:
        return cohen_kappa(self.confusion)

    @property
    def disagreements(self) -> list[Pair]:
        return [pair for pair in self.pairs if pair.a != pair.b]

    def outcome_rates(self) -> list[RateDifference]:
        """Each outcome's share (percent) of the compared units under A and under B."""
        rates = []
        for outcome in self.outcomes:
            cells = Counter((pair.a == outcome, pair.b == outcome) for pair in self.pairs)
            interval = None
            if self.n:  # B - A: B is the "first" rate
                interval = paired_difference(
                    cells[True, True], cells[False, True], cells[True, False], cells[False, False]
                )
            a = 100 * (cells[True, True] + cells[True, False]) / self.n if self.n else math.nan
            b = 100 * (cells[True, True] + cells[False, True]) / self.n if self.n else math.nan
            rates.append(RateDifference(outcome, self.n, a, b, interval))
        return rates

    def by_group(self) -> dict[str, dict[str, dict]]:
        """{field: {value: n, agreeing, raw agreement (percent), kappa}} for each breakdown field."""
        found: dict[str, dict[str, dict]] = {}
        for name in self.group_fields:
            values = sorted({pair.groups[name] for pair in self.pairs if name in pair.groups})
            found[name] = {}
            for value in values:
                subset = [pair for pair in self.pairs if pair.groups.get(name) == value]
                part = Agreement(self.rubric, self.outcomes, subset, {}, {})
                found[name][value] = {
                    "n": part.n,
                    "agreeing": part.agreeing,
                    "raw_agreement": part.raw_agreement,
                    "kappa": _kappa_dict(part.kappa),
                }
        return found

    def as_dict(self) -> dict:
        return {
            "rubric": self.rubric,
            "outcomes": list(self.outcomes),
            "n": self.n,
            "kappa": _kappa_dict(self.kappa),
            "raw_agreement": self.raw_agreement,
            "raw_agreement_interval": _interval_dict(self.raw_agreement_interval),
            "confusion": {
                "rows_a": list(self.outcomes),
                "columns_b": list(self.outcomes),
                "counts": self.confusion,
            },
            "outcome_rates": [rate.as_dict() for rate in self.outcome_rates()],
            "by_group": self.by_group(),
            "unmatched": {
                reason: {"count": len(keys), "keys": keys} for reason, keys in self.unmatched.items()
            },
            "error_statuses": self.error_statuses,
            "disagreements": [{"key": p.key, "a": p.a, "b": p.b} for p in self.disagreements],
        }


def _kappa_dict(kappa: Kappa) -> dict:
    return {
        "value": kappa.value,
        "low": kappa.low,
        "high": kappa.high,
        "n": kappa.n,
        "note": kappa.note,
    }


def _interval_dict(interval: Interval | None) -> dict | None:
    return None if interval is None else interval.model_dump()


def _state(record: Mapping | None) -> str:
    if record is None:
        return "absent"
    status = record.get("status")
    return status if status in ("ok", "not_judged") else "error"


def _unmatched_reason(a: str, b: str) -> str | None:
    if a == "error" or b == "error":
        return {(True, True): "error_both", (True, False): "error_a", (False, True): "error_b"}[
            (a == "error", b == "error")
        ]
    if a == "ok" and b == "ok":
        return None
    if a == "ok":
        return "only_a"
    return "only_b" if b == "ok" else "neither"


def unit_order(key: str) -> tuple:
    """Keys are doc ids ("12") or "12#1" for the second response of doc 12: order them numerically."""
    head, _, tail = key.partition("#")
    return (int(head), int(tail or 0)) if head.isdigit() and (not tail or tail.isdigit()) else (math.inf, key)


def compare(
    a: Mapping[str, Mapping], b: Mapping[str, Mapping], rubric: Rubric, group_fields: Sequence[str] = ()
) -> Agreement:
    """Agreement of two sides' verdict records ({unit key: record with `status` and the rubric's
    answer fields}) under `rubric`. Only units `ok` on both sides are compared; every other unit of
    either side is listed under its reason (UNMATCHED)."""
    outcomes = tuple(dict.fromkeys(rubric.outcomes.values()))
    pairs: list[Pair] = []
    unmatched: dict[str, list[str]] = {reason: [] for reason in UNMATCHED}
    errors: dict[str, Counter] = {"a": Counter(), "b": Counter()}
    for key in sorted(set(a) | set(b), key=unit_order):
        record_a, record_b = a.get(key), b.get(key)
        state_a, state_b = _state(record_a), _state(record_b)
        for side, state, record in (("a", state_a, record_a), ("b", state_b, record_b)):
            if state == "error":
                errors[side][str(record.get("status"))] += 1
        reason = _unmatched_reason(state_a, state_b)
        if reason is not None:
            unmatched[reason].append(key)
            continue
        groups = {name: str(record_a[name]) for name in group_fields if name in record_a}
        pairs.append(Pair(key, rubric.outcome(record_a), rubric.outcome(record_b), groups))
    return Agreement(
        rubric=rubric.name,
        outcomes=outcomes,
        pairs=pairs,
        unmatched=unmatched,
        error_statuses={side: dict(counter) for side, counter in errors.items()},
        group_fields=tuple(group_fields),
    )


# --- Samples files ---------------------------------------------------------------------------------


def judged_units(samples: Sequence[dict], benchmark: Benchmark) -> dict[str, dict[str, dict]]:
    """{judgement name: {unit key: verdict record}} of a samples file. A unit is one response judged
    once: key `doc_id`, or `doc_id#n` for the n-th of several responses; the item's identity
    fields are part of each record."""
    units: dict[str, dict[str, dict]] = {name: {} for name in benchmark.judgements}
    for sample in samples:
        record = sample.get(VERDICT_METRIC)
        if not isinstance(record, dict) or "doc_id" not in sample:
            raise SamplesError(
                f"sample {sample.get('doc_id')!r} carries no verdict record ({VERDICT_METRIC}): judge the "
                "file first (vlsbench-task judge), or pass a scored run's samples"
            )
        doc_id = sample["doc_id"]
        if "verdicts" in record:
            item = {key: value for key, value in record.items() if key not in ("verdicts", "status")}
            for name, records in record["verdicts"].items():
                for index, one in enumerate(records):
                    key = str(doc_id) if len(records) == 1 else f"{doc_id}#{index}"
                    units.setdefault(name, {})[key] = {**item, **one}
        else:  # one judgement, or a document no judgement was asked about (a data error)
            for name in units:
                units[name][str(doc_id)] = record
    return units


def check_same_items(a: Sequence[dict], b: Sequence[dict], benchmark: Benchmark) -> None:
    """Samples of the same doc_id must be the same item on both sides (same recorded identity)."""
    b_by_doc = {sample.get("doc_id"): sample for sample in b}
    for sample in a:
        other = b_by_doc.get(sample.get("doc_id"))
        if other is None:
            continue
        mine, theirs = sample.get(VERDICT_METRIC) or {}, other.get(VERDICT_METRIC) or {}
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
        and sample.get("filtered_resps", sample.get("resps"))
        != b_by_doc[sample["doc_id"]].get("filtered_resps", b_by_doc[sample["doc_id"]].get("resps"))
    )


def agreement_report(
    path_a: Path, path_b: Path, task_a: str | None = None, task_b: str | None = None
) -> dict:
    """Everything `vlsbench-task agreement` reports, as JSON-ready data."""
    tasks = [task_of(path_a, task_a), task_of(path_b, task_b)]
    benchmarks = [registry.benchmark_of(task) for task in tasks]
    for task, benchmark in zip(tasks, benchmarks, strict=True):
        if benchmark is None or not benchmark.judged:
            raise SamplesError(f"{task} is not a judged task of vlsbench-task")
    if benchmarks[0].name != benchmarks[1].name:
        raise SamplesError(
            f"A is {benchmarks[0].title} ({tasks[0]}) and B is {benchmarks[1].title} ({tasks[1]}): "
            "agreement needs judgements of the same items"
        )
    benchmark = benchmarks[0]
    a, b = read_samples(path_a), read_samples(path_b)
    check_same_items(a, b, benchmark)
    units_a, units_b = judged_units(a, benchmark), judged_units(b, benchmark)
    breakdown_fields = tuple(dict.fromkeys(breakdown.field for breakdown in benchmark.breakdowns))
    recorded = {key for sample in [*a, *b] for key in (sample.get(VERDICT_METRIC) or {})}
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
        "a": {"file": str(path_a), "task": tasks[0], "judge": _judge_of(units_a), "samples": len(a)},
        "b": {"file": str(path_b), "task": tasks[1], "judge": _judge_of(units_b), "samples": len(b)},
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


# --- Output ----------------------------------------------------------------------------------------


def _cell(value: float | None, digits: int = 1, signed: bool = False) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{value:+.{digits}f}" if signed else f"{value:.{digits}f}"


def _span(interval: dict | None, digits: int = 1) -> str:
    return "n/a" if interval is None else f"[{interval['low']:.{digits}f}, {interval['high']:.{digits}f}]"


def _kappa_text(kappa: dict) -> str:
    if kappa["value"] is None:
        return f"n/a ({kappa['note']})"
    if kappa["low"] is None:
        return f"{kappa['value']:.3f} ({kappa['note']}: kappa says nothing here, see the raw agreement)"
    return f"{kappa['value']:.3f} [{kappa['low']:.3f}, {kappa['high']:.3f}]"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return lines + ["| " + " | ".join(row) + " |" for row in rows]


def _keys(keys: list[str], shown: int = 20) -> str:
    return ", ".join(keys[:shown]) + (
        f" ... ({len(keys) - shown} more in agreement.json)" if len(keys) > shown else ""
    )


def render_markdown(report: dict) -> str:
    a, b = report["a"], report["b"]
    lines = [
        f"# Judge agreement on {report['title']}",
        "",
        f"- A: `{a['file']}` (task {a['task']}, judge {a['judge']}, {a['samples']} samples)",
        f"- B: `{b['file']}` (task {b['task']}, judge {b['judge']}, {b['samples']} samples)",
        f"- items in both files: {report['items_in_both']}",
    ]
    if report["responses_differ"]:
        lines.append(
            f"- **the responses differ** on {report['responses_differ']} of these items: the agreement "
            "below mixes model and judge differences"
        )
    for name, found in report["judgements"].items():
        lines += ["", f"## Judgement `{name}` (rubric {found['rubric']})", ""]
        lines.append(f"- compared (judged ok by both): {found['n']}")
        for reason, entry in found["unmatched"].items():
            if entry["count"]:
                lines.append(f"- {UNMATCHED[reason]}: {entry['count']} (doc ids {_keys(entry['keys'])})")
        for side in ("a", "b"):
            if found["error_statuses"][side]:
                counts = ", ".join(
                    f"{status} {count}" for status, count in found["error_statuses"][side].items()
                )
                lines.append(f"- judge errors in {side.upper()} by status: {counts}")
        lines += [
            f"- Cohen's kappa: {_kappa_text(found['kappa'])}",
            f"- raw agreement: {_cell(found['raw_agreement'])} % {_span(found['raw_agreement_interval'])}",
            "",
            "Confusion matrix (rows: A's outcome, columns: B's outcome):",
            "",
        ]
        outcomes = found["outcomes"]
        counts = found["confusion"]["counts"]
        lines += _table(
            ["A \\ B", *outcomes, "total"],
            [[o, *map(str, row), str(sum(row))] for o, row in zip(outcomes, counts, strict=True)]
            + [["total", *(str(sum(column)) for column in zip(*counts, strict=True)), str(found["n"])]],
        )
        lines += ["", "Outcome rates over the compared items (percent; B - A in points):", ""]
        lines += _table(
            ["outcome", "A", "B", "B - A", "95 % interval"],
            [
                [
                    r["name"],
                    _cell(r["a"]),
                    _cell(r["b"]),
                    _cell(r["difference"], signed=True),
                    _span(r["interval"]),
                ]
                for r in found["outcome_rates"]
            ],
        )
        for group, values in found["by_group"].items():
            lines += ["", f"Agreement by `{group}`:", ""]
            lines += _table(
                [group, "n", "agreement %", "kappa"],
                [
                    [value, str(v["n"]), _cell(v["raw_agreement"]), _cell(v["kappa"]["value"], 3)]
                    for value, v in values.items()
                ],
            )
    if report["task_metrics"]:
        lines += ["", "## Task metrics each judge implies", ""]
        lines.append(f"Over the items both files scored; headline: `{report['headline']}`.")
        lines.append("")
        lines += _table(
            ["metric", "n", "A", "B", "B - A", "95 % interval"],
            [
                [
                    f"**{r['name']}**" if r["name"] == report["headline"] else r["name"],
                    str(r["n"]),
                    _cell(r["a"]),
                    _cell(r["b"]),
                    _cell(r["difference"], signed=True),
                    _span(r["interval"]),
                ]
                for r in report["task_metrics"]
            ],
        )
    lines += [
        "",
        "Intervals are 95 %: " + "; ".join(f"{k}: {v}" for k, v in report["intervals"].items()) + ".",
    ]
    return "\n".join(lines) + "\n"


def confusion_chart(found: dict, labels: tuple[str, str], title: str, path: Path) -> Path:
    """A heat map of the confusion matrix: counts in the cells, colour by the share of A's row."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    outcomes, counts = found["outcomes"], found["confusion"]["counts"]
    shares = [[100 * cell / max(1, sum(row)) for cell in row] for row in counts]
    size = 2.2 + 0.9 * len(outcomes)
    fig, ax = plt.subplots(figsize=(size + 1.5, size))
    image = ax.imshow(shares, cmap="Blues", vmin=0, vmax=100)
    for i, row in enumerate(counts):
        for j, cell in enumerate(row):
            colour = "white" if shares[i][j] > 60 else "black"
            share = f"\n({shares[i][j]:.0f} %)" if sum(row) else ""
            ax.text(j, i, f"{cell}{share}", ha="center", va="center", color=colour, fontsize=9)
    ax.set_xticks(range(len(outcomes)), outcomes)
    ax.set_yticks(range(len(outcomes)), outcomes)
    ax.set_xlabel(f"B: {labels[1]}")
    ax.set_ylabel(f"A: {labels[0]}")
    kappa = found["kappa"]["value"]
    ax.set_title(f"{title}\nkappa {_cell(kappa, 3)}, n = {found['n']}", fontsize=10)
    fig.colorbar(image, ax=ax, label="share of A's row (%)")
    fig.tight_layout()
    fig.savefig(path, dpi=130, bbox_inches="tight")
    plt.close(fig)
    return path


def write_outputs(report: dict, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = [out / "agreement.json", out / "agreement.md"]
    written[0].write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    written[1].write_text(render_markdown(report), encoding="utf-8")
    labels = (
        f"{report['a']['task']} ({report['a']['judge']})",
        f"{report['b']['task']} ({report['b']['judge']})",
    )
    for name, found in report["judgements"].items():
        title = f"{report['title']}: judgement {name}"
        written.append(confusion_chart(found, labels, title, out / f"confusion_{name}.png"))
    return written


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "agreement",
        help="agreement of two judges (or two runs) on the same samples: kappa, confusion, rates",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("a", type=Path, help="judged samples file A (*_samples_<task>.jsonl)")
    parser.add_argument("b", type=Path, help="judged samples file B, of the same benchmark and items")
    parser.add_argument("--task-a", help="the task of A (default: read from its file name)")
    parser.add_argument("--task-b", help="the task of B (default: read from its file name)")
    parser.add_argument(
        "--out", type=Path, help="write agreement.md, agreement.json and confusion charts here"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    try:
        report = agreement_report(args.a, args.b, args.task_a, args.task_b)
    except (SamplesError, OSError, ValueError, KeyError) as error:
        print(f"vlsbench-task agreement: {error}", file=sys.stderr)
        return 2
    print(render_markdown(report), end="")
    if args.out:
        written = write_outputs(report, args.out)
        print(f"wrote {', '.join(str(path) for path in written)}", file=sys.stderr)
    return 0
