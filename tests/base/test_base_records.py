"""One record per document: judged and parsed benchmarks log the same shape under one metric, and
the reader (base/records.py) reads it, and the records that earlier versions logged."""

from __future__ import annotations

from vlsbench_task.judge.schema import Status, Verdict

from vlsbench_task.base import records, scoring
from vlsbench_task.benchmarks.mmsafeaware.benchmark import BENCHMARK as MMSAFEAWARE
from vlsbench_task.benchmarks.siuo_mcqa.benchmark import BENCHMARK as SIUO_MCQA
from vlsbench_task.benchmarks.vlsbench.benchmark import BENCHMARK, LABELS, RUBRIC

DOC = {"row": 3, "instruction_id": "17", "category": "Privacy", "sub_category": "Data", "data_status": "ok"}
ITEM = {**DOC, "status": "ok"}
MMSAFEAWARE_DOC = {"id": 983, "subset": "typical", "kind": None, "gold": "No", "data_status": "ok"}


def ok(label: int) -> Verdict:
    answer = {"label": label, "label_str": LABELS[label], "explanation": "why"}
    return Verdict(status=Status.OK, answer=answer, raw="{}", backend="openai", judge_model="judge-1")


def test_judged_and_parsed_documents_log_one_shape_under_one_metric():
    judged = scoring.document_values(BENCHMARK, DOC, ["r"], {"verdict": [ok(2)]}, {}, {})
    parsed = scoring.document_values(MMSAFEAWARE, MMSAFEAWARE_DOC, ["No."], None, {"parser": "strict"}, {})
    for values in (judged, parsed):
        assert {"data_status", "status", "verdicts"} <= values[records.RECORD_METRIC].keys()
    assert judged[records.RECORD_METRIC] == {**ITEM, "verdicts": {"verdict": [ok(2).record(RUBRIC)]}}
    assert parsed[records.RECORD_METRIC] == {
        "id": 983,
        "subset": "typical",
        "kind": None,
        "data_status": "ok",
        "status": "ok",
        "verdicts": {
            "parse": [{"status": "ok", "gold": "No", "parser": "strict", "parsed": "No", "correct": True}]
        },
    }
    # and the headline's value holds only what its aggregation needs, not the record
    assert parsed["total"] == {"subset": "typical", "correct": True}


def test_the_metric_counts_the_documents_scored():
    unusable = {**DOC, "data_status": "missing_image"}
    logged = [
        scoring.document_values(BENCHMARK, DOC, ["r"], {"verdict": [ok(1)]}, {}, {}),
        scoring.document_values(
            BENCHMARK, DOC, ["r"], {"verdict": [Verdict(status=Status.ERROR, backend="x")]}, {}, {}
        ),
        scoring.document_values(BENCHMARK, unusable, [""], None, {}, {}),
        scoring.document_values(
            SIUO_MCQA, {**DOC, "question_id": 1, "correct_option": "A"}, ["no idea"], None, {}, {}
        ),
    ]
    found = [values[records.RECORD_METRIC] for values in logged]
    assert [record["status"] for record in found] == [
        "ok",
        "error",
        "not_judged",
        "ok",
    ]  # unparsable: scored wrong
    assert scoring.count_scored(found) == 2
    entries = {entry["metric"]: entry for entry in scoring.added_metrics(SIUO_MCQA, [], {})}
    assert entries[records.RECORD_METRIC]["aggregation"] is scoring.count_scored


def test_several_responses_are_kept_with_their_verdicts():
    found = scoring.verdict_record(BENCHMARK, DOC, {"verdict": [ok(1), ok(3)]}, ["first", "second"])
    assert found["responses"] == ["first", "second"]
    assert [(name, index, v["label"]) for name, index, v in records.verdicts(found)] == [
        ("verdict", 0, 1),
        ("verdict", 1, 3),
    ]
    assert records.item(found) == ITEM


def test_the_reader_reads_records_of_this_version_and_of_earlier_ones():
    new = scoring.verdict_record(BENCHMARK, DOC, {"verdict": [ok(2)]})
    assert records.record_of({records.RECORD_METRIC: new}, BENCHMARK) == new
    # Earlier versions: one verdict of one response flat beside the item's fields, under n_judged...
    flat = {**DOC, **ok(2).record(RUBRIC)}
    assert records.record_of({"n_judged": flat}, BENCHMARK) == new
    unjudged = {**DOC, "data_status": "missing_image", "status": "not_judged", "label": None}
    assert records.record_of({"n_judged": unjudged}, BENCHMARK) == scoring.verdict_record(
        BENCHMARK, {**DOC, "data_status": "missing_image"}, None
    )
    # ...several nested (already this shape), and MMSafeAware's parse under its headline `total`.
    nested = scoring.verdict_record(BENCHMARK, DOC, {"verdict": [ok(1), ok(3)]}, ["a", "b"])
    assert records.record_of({"n_judged": nested}, BENCHMARK) == nested
    parsed = scoring.document_values(MMSAFEAWARE, MMSAFEAWARE_DOC, ["No."], None, {"parser": "strict"}, {})
    old = {"id": 983, "subset": "typical", "kind": None, "gold": "No", "parser": "strict", "parsed": "No"}
    old_sample = {"total": {**old, "correct": True}, "n_scored": {"id": 983}}
    assert records.record_of(old_sample, MMSAFEAWARE) == parsed[records.RECORD_METRIC]
    assert records.record_of({"doc_id": 0, "resps": ["x"]}, BENCHMARK) is None  # a --predict_only run
