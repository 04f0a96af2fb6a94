"""Scoring tables for the benchmark tests: hand-made documents and verdicts through the base's own
per-document values, then each metric aggregated as lmms-eval aggregates our tasks' metrics."""

from __future__ import annotations

import collections
from statistics import fmean

from vlsbench_task.judge.parsing import ParseError, parse_answer

from vlsbench_task.base import records, scoring
from vlsbench_task.base.benchmark import Benchmark


def aggregate(benchmark: Benchmark, table: list[tuple[dict, dict | None]], suite: dict) -> dict:
    """Per-document values (one response "r" each) collected per metric, then aggregated."""
    columns = collections.defaultdict(list)
    for doc, verdicts in table:
        for name, value in scoring.document_values(benchmark, doc, ["r"], verdicts, {}, suite).items():
            columns[name].append(value)
    special = {"n_scored": scoring.count_scored, **dict.fromkeys(scoring.COST_METRICS, scoring.total)}
    return {name: special.get(name, fmean)(values) for name, values in columns.items()}


def read_or_parse_error(raw: str, rubric, read):
    """`read(answer)` of a judge's raw text parsed as `rubric` reads it, or "parse_error"."""
    try:
        return read(parse_answer(raw, rubric))
    except ParseError:
        return "parse_error"


def one_verdict(record: dict) -> dict:
    """A record of one judgement of one response, flat: the item's fields beside its verdict's (a
    document not judged gives its item alone)."""
    (*found,) = (verdict for _, _, verdict in records.verdicts(record))
    assert len(found) <= 1, record
    return {**records.item(record), **(found[0] if found else {})}
