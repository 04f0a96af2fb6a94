"""The disagreement view's numbers: every two runs of one judged benchmark, compared by
`vlsbench-task agreement` itself (agreement.agreement_of, on the samples the page already read), so
the page and the command agree."""

from __future__ import annotations

from itertools import combinations

from ..agreement import agreement_of
from ..base.errors import VlsbenchTaskError
from .items import ViewRun


def _slim(found: dict) -> dict:
    """A judgement's comparison without the lists of unmatched keys (their counts stay)."""
    unmatched = {reason: entry["count"] for reason, entry in found["unmatched"].items()}
    return {**found, "unmatched": unmatched}


KINDS = ("one model, two tasks (judges)", "two models, one task", "two models and two tasks")


def kind(a: ViewRun, b: ViewRun) -> str:
    if a.model is b.model:
        return KINDS[0]
    return KINDS[1] if a.run.task == b.run.task else KINDS[2]


def disagreement_pairs(runs: list[ViewRun]) -> tuple[list[dict], list[str]]:
    """([comparison of runs a and b (indices into `runs`)], [why a pair was not compared])."""
    pairs, notes = [], []
    for (i, a), (j, b) in combinations(enumerate(runs), 2):
        if a.key != b.key or not a.benchmark.judged:
            continue
        try:
            report = agreement_of(
                a.run.samples, b.run.samples, a.run.task, b.run.task, a.run.samples_file, b.run.samples_file
            )
        except (VlsbenchTaskError, OSError, ValueError, KeyError) as error:
            notes.append(f"{a.name} vs {b.name}: not compared ({error})")
            continue
        pairs.append(
            {
                "a": i,
                "b": j,
                "kind": kind(a, b),
                "items_in_both": report["items_in_both"],
                "responses_differ": report["responses_differ"],
                "headline": report["headline"],
                "task_metrics": report["task_metrics"],
                "judgements": {name: _slim(found) for name, found in report["judgements"].items()},
            }
        )
    # Two judges of one model's answers first: what an audit of the judge looks at.
    pairs.sort(key=lambda pair: KINDS.index(pair["kind"]))
    return pairs, notes
