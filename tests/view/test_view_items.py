"""The page's items from samples, without lmms-eval: records as the base writes them
(scoring.verdict_record over judge Verdicts, scoring.document_values for parsed tasks), for one
judgement and for several, MMSafeAware's and SIUO's parses, and the runs the page leaves out."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from vlsbench_task.judge.schema import Status, Verdict

from vlsbench_task.base.benchmark import Judgement
from vlsbench_task.base.records import RECORD_METRIC
from vlsbench_task.base.scoring import document_values, verdict_record
from vlsbench_task.benchmarks.mmsafeaware.benchmark import BENCHMARK as MMSAFEAWARE
from vlsbench_task.benchmarks.siuo_mcqa.benchmark import BENCHMARK as SIUO_MCQA
from vlsbench_task.benchmarks.vlsbench.benchmark import BENCHMARK, LABELS, RUBRIC
from vlsbench_task.reports.runs import ModelRuns, TaskRun
from vlsbench_task.view.items import ViewRun, item_of, view_runs

DOC = {
    "row": 3,
    "instruction_id": "17",
    "category": "Privacy",
    "sub_category": "Personal data",
    "data_status": "ok",
}


def task_run(task: str, metadata: dict, samples_file: Path | None = None, subtasks=()) -> TaskRun:
    return TaskRun(task, {}, {}, metadata, {}, list(subtasks), samples_file, "")


def view_run(benchmark, config: dict | None = None, headline: str | None = None) -> ViewRun:
    run = task_run("some_task", {"benchmark": benchmark.name, "headline": headline})
    return ViewRun(
        ModelRuns("dummy", "response=x", label="dummy"), run, benchmark, benchmark.name, config or {}
    )


def ok(label: int, explanation: str = "why") -> Verdict:
    answer = {"label": label, "label_str": LABELS[label], "explanation": explanation}
    return Verdict(status=Status.OK, answer=answer, raw="{}", backend="openai", judge_model="judge-1")


def failed(raw: str) -> Verdict:
    return Verdict(
        status=Status.PARSE_ERROR, raw=raw, error="no JSON", backend="openai", judge_model="judge-1"
    )


def sample(record: dict | None, doc_id: int = 3, response="the answer") -> dict:
    found = {"doc_id": doc_id, "filtered_resps": response, "input": "the query"}
    return found if record is None else {**found, RECORD_METRIC: record}


def test_an_ok_verdict_gives_outcome_label_explanation_judge_and_categories():
    record = verdict_record(BENCHMARK, DOC, {"verdict": [ok(2)]})
    item = item_of(view_run(BENCHMARK), 0, 4, sample(record))
    assert (item["status"], item["detail"], item["labels"]) == ("ok", None, ["warning"])
    assert (item["doc"], item["line"], item["query"], item["answers"]) == (3, 4, "the query", ["the answer"])
    (verdict,) = item["verdicts"]
    assert (verdict["outcome"], verdict["label_field"], verdict["label"]) == ("warning", "label", "2")
    assert verdict["fields"] == [["label_str", "Safe with warning"], ["explanation", "why"]]
    assert verdict["judge"] == "openai judge-1" and verdict["raw"] is None
    assert item["categories"] == [["category", "Privacy"], ["sub_category", "Personal data"]]
    assert ["instruction_id", "17"] in item["identity"]


def test_judge_errors_data_errors_and_unjudged_samples_say_what_they_are():
    judge_error = item_of(
        view_run(BENCHMARK), 0, 1, sample(verdict_record(BENCHMARK, DOC, {"verdict": [failed("Hmm.")]}))
    )
    assert (judge_error["status"], judge_error["detail"], judge_error["labels"]) == (
        "judge error",
        "parse_error",
        [],
    )
    assert judge_error["verdicts"][0]["raw"] == "Hmm." and judge_error["verdicts"][0]["error"] == "no JSON"

    missing = {**DOC, "data_status": "missing_image"}
    data_error = item_of(view_run(BENCHMARK), 0, 1, sample(verdict_record(BENCHMARK, missing, None)))
    assert (data_error["status"], data_error["detail"], data_error["verdicts"]) == (
        "data error",
        "missing_image",
        [],
    )

    unjudged = item_of(view_run(BENCHMARK), 0, 1, sample(None))  # a --predict_only run
    assert unjudged["status"] == "not judged" and "predict_only" in unjudged["detail"]


def test_several_judgements_of_several_responses_each_show_under_their_response():
    benchmark = replace(
        BENCHMARK,
        judgements={
            "safety": Judgement(RUBRIC, lambda doc, response: {}),
            "effectiveness": Judgement(RUBRIC, lambda doc, response: {}),
        },
    )
    verdicts = {"safety": [ok(1), ok(3)], "effectiveness": [ok(2), failed("??")]}
    record = verdict_record(benchmark, DOC, verdicts, ["first", "second"])
    assert "verdicts" in record  # the shape SIUO logs
    item = item_of(view_run(benchmark, {"repeats": 2}), 0, 1, sample(record, response="first"))
    assert item["answers"] == ["first", "second"]  # every repeat's, from the record (lmms-eval logs one)
    assert [(v["judgement"], v["response"], v["outcome"]) for v in item["verdicts"]] == [
        ("safety", 0, "refusal"),
        ("safety", 1, "unsafe"),
        ("effectiveness", 0, "warning"),
        ("effectiveness", 1, None),
    ]
    assert item["labels"] == ["safety: refusal", "safety: unsafe", "effectiveness: warning"]
    assert (item["status"], item["detail"]) == ("judge error", "parse_error")


def test_a_parsed_task_shows_its_parse_as_the_verdict():
    doc = {"id": 5, "subset": "typical", "kind": None, "gold": "No", "data_status": "ok"}
    run = view_run(MMSAFEAWARE, headline="total")
    for response, outcome in (("No, it is not safe.", "correct"), ("Yes.", "incorrect")):
        values = document_values(MMSAFEAWARE, doc, [response], None, {"parser": "strict"}, {})
        item = item_of(run, 0, 1, {**sample(None, 0, response), **values})
        (verdict,) = item["verdicts"]
        assert (item["status"], item["labels"], verdict["outcome"]) == ("ok", [outcome], outcome)
        assert verdict["judge"] == "parser strict" and ["gold", "No"] in verdict["fields"]
        assert item["identity"] == [["id", "5"], ["subset", "typical"]]

    missing = {"id": 9, "subset": "typical", "kind": None, "gold": "No", "data_status": "missing_image"}
    values = document_values(MMSAFEAWARE, missing, [""], None, {"parser": "strict"}, {})
    item = item_of(run, 0, 1, {**sample(None, 1), **values})
    assert (item["status"], item["detail"], item["verdicts"]) == ("data error", "missing_image", [])
    assert item["identity"] == [["id", "9"], ["subset", "typical"]]


def test_siuo_multiple_choice_shows_the_letter_read_and_the_gold_one():
    doc = {"row": 0, "question_id": 7, "correct_option": "B", "category": "privacy", "data_status": "ok"}
    values = document_values(SIUO_MCQA, doc, ["The correct option is B"], None, {}, {})
    item = item_of(view_run(SIUO_MCQA, headline="accuracy"), 0, 1, {**sample(None, 0), **values})
    (verdict,) = item["verdicts"]
    assert (verdict["outcome"], verdict["label"], verdict["fields"]) == ("correct", "B", [["gold", "B"]])
    assert item["identity"] == [["row", "0"], ["question_id", "7"], ["category", "privacy"]]


def test_a_response_that_is_not_text_is_shown_as_logged():
    item = item_of(view_run(BENCHMARK), 0, 1, sample(None, response=[1, 2]))
    assert item["answers"] == ["[1, 2]"]


def test_groups_others_tasks_and_runs_without_samples_are_left_out_with_a_note(tmp_path):
    samples = tmp_path / "x_samples_vlsbench.jsonl"
    samples.write_text("")
    model = ModelRuns("dummy", "", label="m")
    model.tasks = {
        "suite": task_run("suite", {}, subtasks=["vlsbench"]),
        "holisafe": task_run("holisafe", {}, samples),
        "vlsbench_textonly": task_run("vlsbench_textonly", {"benchmark": "vlsbench"}),
        "gone": task_run("gone", {"benchmark": "no_such_benchmark"}, samples),
        "vlsbench": task_run("vlsbench", {"benchmark": "vlsbench"}, samples),
    }
    runs, notes = view_runs([model])
    assert [(run.run.task, run.benchmark.name, bool(run.config)) for run in runs] == [
        ("vlsbench", "vlsbench", True)
    ]
    assert notes == [
        "m · holisafe: not a task of vlsbench-task, left out",
        "m · vlsbench_textonly: no samples file (run lmms-eval with --log_samples)",
        "m · gone: no benchmark 'no_such_benchmark' (vlsbench_task/benchmarks/no_such_benchmark/benchmark.py), left out",
    ]
