"""A document's record in the samples log: one shape for every benchmark, under one metric name.

    {<item fields>, "data_status": ..., "status": ...,
     "verdicts": {<judgement>: [<verdict of each response>]},   # parsed benchmarks: {"parse": [...]}
     "responses": [...]}                                         # only with several responses

`status` is `ok`, `not_judged` (its data is unusable), or the first judge failure of its verdicts.
A parsed benchmark's verdict is its parse of the response (a parse that reads nothing is `ok`:
scored wrong, and counted). Aggregated, the metric counts the documents whose status is `ok`.

Every reader (agreement, view, rejudge, reports) asks `record_of`, which also reads the records of
samples files written before this shape: `n_judged` (flat for one judgement of one response),
MMSafeAware's record under `total`, SIUO multiple choice's under `n_scored` without a status.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from .benchmark import Benchmark

RECORD_METRIC = "n_scored"  # per document: its record; aggregated: how many were scored (`ok`)
PARSE = "parse"  # the judgement name of a parsed benchmark's verdict
OK, NOT_JUDGED = "ok", "not_judged"
OLD_KEYS = ("n_judged", "total")  # where earlier versions logged the record (besides RECORD_METRIC)


def record(
    benchmark: Benchmark,
    doc: dict,
    verdicts: Mapping[str, Sequence[dict]] | None,
    responses: Sequence[str] = (),
) -> dict[str, Any]:
    """The record of a document: who it is and each verdict ({judgement: [record per response]}, as
    the samples log keeps them), or none (`verdicts` None: not judged). Several responses (repeats)
    are kept, as judged: lmms-eval logs the first only."""
    found = {key: doc[key] for key in benchmark.item_fields}
    found["data_status"] = doc["data_status"]
    statuses = [v["status"] for vs in (verdicts or {}).values() for v in vs]
    found["status"] = NOT_JUDGED if verdicts is None else next((s for s in statuses if s != OK), OK)
    found["verdicts"] = {name: list(vs) for name, vs in (verdicts or {}).items()}
    if len(responses) > 1:
        found["responses"] = list(responses)
    return found


def record_of(sample: Mapping[str, Any], benchmark: Benchmark) -> dict[str, Any] | None:
    """A logged sample's record in this module's shape, or None where it holds none (e.g. a
    --predict_only run, or a row an earlier MMSafeAware left unlogged)."""
    for key in (RECORD_METRIC, *OLD_KEYS):
        found = sample.get(key)
        if not isinstance(found, dict):
            continue
        if isinstance(found.get("verdicts"), dict) and "status" in found:
            return found
        if key == "n_judged" and "status" in found:
            return _from_flat(found, benchmark)
        if "correct" in found and "status" not in found:  # an earlier parsed benchmark's record
            return _from_flat({**found, "status": OK, "data_status": OK}, benchmark, PARSE)
    return None


def _from_flat(flat: dict, benchmark: Benchmark, name: str | None = None) -> dict[str, Any]:
    """An earlier flat record: the item's fields beside the one verdict's."""
    item = {key: flat[key] for key in (*benchmark.item_fields, "data_status", "status") if key in flat}
    if flat["status"] == NOT_JUDGED:
        return {**item, "verdicts": {}}
    verdict = {key: value for key, value in flat.items() if key not in item or key == "status"}
    name = name or next(iter(benchmark.judgements), PARSE)
    return {**item, "verdicts": {name: [verdict]}}


def verdicts(found: Mapping[str, Any]) -> Iterator[tuple[str, int, dict]]:
    """(judgement, response index, verdict) of each verdict of a record."""
    for name, per_response in (found.get("verdicts") or {}).items():
        for index, verdict in enumerate(per_response):
            yield name, index, verdict


def item(found: Mapping[str, Any]) -> dict[str, Any]:
    """A record without its verdicts and responses: the item's fields, data status and status."""
    return {key: value for key, value in found.items() if key not in ("verdicts", "responses")}
