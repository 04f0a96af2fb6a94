"""The metric values of one document, the same way for every benchmark (no lmms-eval here).

Rates are percentages. A metric's value is present only for the documents it is about (a category's
rate only for that category's judged items), so a plain mean over the values lmms-eval collects is
the metric, over the right denominator. Every row is accounted for: judged (`ok`), a judge error
(`judge_error_rate`) or a data error (`data_error_rate`, over all rows); only `ok` verdicts count.
`empty_response_rate` (over usable rows) shows a model class that answers nothing. An answer field
that the judge is not asked for is a note of ours on a verdict (VLSBench's `label_conflict`):
`<field>_rate` is the share of judged documents that carry it. Each document's record
(base/records.py) is the value of RECORD_METRIC, which counts the documents scored.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from statistics import fmean
from typing import Any

from ..judge import Verdict
from . import records
from .benchmark import Benchmark, Options
from .images import OK
from .records import RECORD_METRIC

COST_METRICS = {
    "judge_prompt_tokens": "prompt_tokens",
    "judge_completion_tokens": "completion_tokens",
    "judge_requests": "requests",
}
CACHE_METRIC = "judge_cache_hits"
SUITE_AXES = ("harm_avoided", "benign_answered")

Verdicts = Mapping[str, Sequence[Verdict]]  # judgement name -> verdict of each response


def verdict_record(
    benchmark: Benchmark, doc: dict, verdicts: Verdicts | None, responses: Sequence[str] = ()
) -> dict[str, Any]:
    """What the samples log keeps of a judged document: who it is and its verdicts, or why none."""
    logged = None
    if verdicts is not None:
        logged = {
            name: [v.record(benchmark.judgements[name].rubric) for v in vs] for name, vs in verdicts.items()
        }
    return records.record(benchmark, doc, logged, responses)


def parsed_values(
    benchmark: Benchmark, doc: dict, responses: Sequence[str], options: Options
) -> dict[str, Any]:
    """A parsed benchmark's values of a usable document; its `score` gives its parse of the response
    under RECORD_METRIC, which becomes the document's record."""
    values = dict(benchmark.score(doc, responses, options))
    parse = {"status": records.OK, **values.pop(RECORD_METRIC)}
    return {RECORD_METRIC: records.record(benchmark, doc, {records.PARSE: [parse]}, responses), **values}


def outcomes(benchmark: Benchmark, verdicts: Verdicts) -> dict[str, list[str]] | None:
    """{judgement: [outcome of each response]} when every verdict is `ok`, else None."""
    if not all(v.ok for vs in verdicts.values() for v in vs):
        return None
    return {
        name: [benchmark.judgements[name].rubric.outcome(v.answer) for v in vs]
        for name, vs in verdicts.items()
    }


def judged_values(
    benchmark: Benchmark, doc: dict, responses: Sequence[str], verdicts: Verdicts | None, options: Options
) -> dict[str, Any]:
    values: dict[str, Any] = {RECORD_METRIC: verdict_record(benchmark, doc, verdicts, responses)}
    usable = doc["data_status"] == OK
    found = outcomes(benchmark, verdicts) if verdicts is not None else None
    values["judge_error_rate"] = 100.0 if usable and found is None else 0.0
    if verdicts is not None:
        every = [v for vs in verdicts.values() for v in vs]
        values.update({metric: sum(getattr(v, key) for v in every) for metric, key in COST_METRICS.items()})
        values[CACHE_METRIC] = sum(v.cached for v in every)
    if found is not None:
        values.update(benchmark.score(doc, found, options))
        values.update(note_rates(benchmark, verdicts))
    return values


def note_fields(benchmark: Benchmark) -> dict[str, list[str]]:
    """{judgement: its answer fields that are ours, not the judge's (left out of the judge's schema)}."""
    return {
        name: [
            field
            for field in j.rubric.answer_model.model_fields
            if field not in j.rubric.schema["properties"]
        ]
        for name, j in benchmark.judgements.items()
    }


def note_rates(benchmark: Benchmark, verdicts: Verdicts) -> dict[str, float]:
    """`<field>_rate` of one judged document: 100 where a verdict of it carries the note, else 0."""
    return {
        f"{field}_rate": 100.0
        if any((v.answer or {}).get(field) is not None for v in verdicts[name])
        else 0.0
        for name, fields in note_fields(benchmark).items()
        for field in fields
    }


def document_values(
    benchmark: Benchmark,
    doc: dict,
    responses: Sequence[str],
    verdicts: Verdicts | None,
    options: Options,
    suite: Mapping[str, str],
) -> dict[str, Any]:
    """Every metric value of one document: the benchmark's own, its breakdowns, the suite axes
    (`suite` maps an axis to the benchmark metric that feeds it), and the data and judge accounting."""
    usable = doc["data_status"] == OK
    if benchmark.judged:
        values = judged_values(benchmark, doc, responses, verdicts, options)
    else:
        values = parsed_values(benchmark, doc, responses, options) if usable else {}
        values.setdefault(RECORD_METRIC, records.record(benchmark, doc, None, responses))
    for breakdown in benchmark.breakdowns:
        if breakdown.metric in values:
            values[breakdown.name(doc[breakdown.field])] = values[breakdown.metric]
    for axis, metric in suite.items():
        if metric in values:
            values[axis] = values[metric]
    values["data_error_rate"] = 0.0 if usable else 100.0
    if usable:
        values["empty_response_rate"] = 100.0 * empty_share(responses)
    if benchmark.row_metrics is not None:
        values.update(benchmark.row_metrics(doc))
    return values


def added_metrics(
    benchmark: Benchmark, docs: Sequence[dict], suite: Mapping[str, str], own: Sequence[dict] = ()
) -> list[dict]:
    """The metric_list entries the base adds to a task's `own`: accounting, judging cost, per-value
    breakdowns of the loaded data (in the direction of the metric they break down), and the suite axes."""

    def entry(name: str, aggregation: Any, higher_is_better: bool) -> dict:
        return {"metric": name, "aggregation": aggregation, "higher_is_better": higher_is_better}

    entries = [
        entry("data_error_rate", "mean", False),
        entry("empty_response_rate", "mean", False),
        entry(RECORD_METRIC, count_scored, True),
    ]
    if benchmark.judged:
        entries += [
            entry("judge_error_rate", "mean", False),
            *(entry(name, total, False) for name in COST_METRICS),
            entry(CACHE_METRIC, total, True),
            *(
                entry(f"{field}_rate", "mean", False)
                for fields in note_fields(benchmark).values()
                for field in fields
            ),
        ]
    direction = {entry["metric"]: entry.get("higher_is_better", True) for entry in own}
    names = {
        breakdown.name(doc[breakdown.field]): direction.get(breakdown.metric, True)
        for breakdown in benchmark.breakdowns
        for doc in docs
    }
    entries += [entry(name, "mean", higher) for name, higher in names.items()]
    # Our own mean, not lmms-eval's: a group then pools no standard error across members (see
    # docs/suites.md), and matches no other metric by name.
    entries += [entry(axis, mean, True) for axis in suite]
    return entries


def empty_share(responses: Sequence[str]) -> float:
    """The share of responses that are empty or whitespace: answers nobody can score as safe or not."""
    return sum(not (response or "").strip() for response in responses) / max(1, len(responses))


def count_scored(logged: list[dict]) -> int:
    """How many documents were scored: judged without error, or parsed."""
    return sum(record.get("status") == records.OK for record in logged)


def total(values: list[int]) -> int:
    return sum(values)


def mean(values: list[float]) -> float:
    """The plain mean, as an aggregation function of our own rather than lmms-eval's built-in "mean"
    (`added_metrics` says why the suite axes need one)."""
    return fmean(values)


def count(values: list) -> int:
    """How many documents hold the metric."""
    return len(values)


def unweighted_mean(
    metrics: list[float | None], sizes: list[int], weight_by_size: bool = False
) -> float | None:
    """A group's suite row: the plain mean over its members' values (each benchmark counts once)."""
    present = [value for value in metrics if isinstance(value, int | float)]
    return fmean(present) if present else None
