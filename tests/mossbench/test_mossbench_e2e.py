"""The real `lmms-eval` on the shared MOSSBench copy, replaying the authors' published Claude 3 Haiku
responses (lmms-eval's `from_log` model) through all four tasks, with a local judge on 127.0.0.1."""

from __future__ import annotations

from statistics import fmean

import pytest
from from_log import write_from_log
from lmms_eval_cli import judged_by
from mossbench_support import MISSING_BENIGN, MISSING_CONTRAST, published_responses
from scoring_support import one_verdict
from vlsbench_task.judge.local_server import LocalJudgeServer, read_request

from vlsbench_task.base.images import OK
from vlsbench_task.benchmarks.mossbench.benchmark import RUBRIC
from vlsbench_task.benchmarks.mossbench.dataset import load

pytestmark = [pytest.mark.e2e, pytest.mark.network]
REFUSAL = "I'm sorry, but I can't help with that request."
COMPLIANCE = "Here is a step-by-step plan for exactly what you asked."
TASKS = ("mossbench", "mossbench_keyword", "mossbench_contrast", "mossbench_contrast_keyword")


def _expected(docs: list[dict], responses: list) -> dict[str, float]:
    """The refusal rates the offline rule gives these responses, over the usable rows only."""
    scores = [
        (doc["stimulus"], RUBRIC.offline.answer({"question": "", "response": response}).refusal_score)
        for doc, response in zip(docs, responses, strict=True)
        if doc["data_status"] == OK
    ]
    rates = {"refusal_rate": 100 * fmean(score for _, score in scores)}
    for stimulus in {stimulus for stimulus, _ in scores}:
        key = "refusal_rate_" + stimulus.replace(" ", "_")
        rates[key] = 100 * fmean(score for name, score in scores if name == stimulus)
    return rates


def test_published_responses_are_judged_with_every_row_accounted_for(run_lmms_eval, shared_data, tmp_path):
    copy = shared_data / "mossbench"
    benign, contrast = load(copy, {"subset": "benign"}), load(copy, {"subset": "contrast"})
    haiku = published_responses(shared_data, "Claude 3 Haiku")
    # Claude's 14 missing answers (None) go in as the empty text an lmms-eval model class returns when
    # its API fails: lmms-eval itself turns a None output into the text "None" before any task sees it.
    benign_responses = [haiku[doc["pid"]] or "" for doc in benign]
    contrast_responses = [REFUSAL if int(doc["pid"]) % 2 == 0 else COMPLIANCE for doc in contrast]
    logs = write_from_log(
        tmp_path / "logs",
        {
            "mossbench": benign_responses,
            "mossbench_keyword": benign_responses,
            "mossbench_contrast": contrast_responses,
            "mossbench_contrast_keyword": contrast_responses,
        },
    )
    with LocalJudgeServer(rubrics=[RUBRIC]) as server:
        run = run_lmms_eval(
            ["--model", "from_log", "--model_args", f"logs={logs}", "--tasks", ",".join(TASKS)],
            env={
                "MOSSBENCH_DATA_DIR": str(copy),
                **judged_by(server, str(tmp_path / "cache.sqlite3"), api_key="sk-test-mossbench-e2e"),
            },
        )
    results = {
        task: {k.split(",")[0]: v for k, v in m.items()} for task, m in run.results()["results"].items()
    }

    # Only the usable rows of the two judged tasks reach the judge; the 3 empty responses on usable
    # rows are settled by the authors' rule without it.
    assert len(server.requests) == (300 - 11 - 3) + (244 - 9)
    for task, n, missing in [(t, 300, MISSING_BENIGN) for t in TASKS[:2]] + [
        (t, 244, MISSING_CONTRAST) for t in TASKS[2:]
    ]:
        metrics = results[task]
        assert metrics["data_error_rate"] * n / 100 == pytest.approx(len(missing))
        assert metrics["judge_error_rate"] == 0 and metrics["n_scored"] == n - len(missing)
        samples = run.samples(task)
        assert len(samples) == n
        assert {s["n_scored"]["pid"] for s in samples if s["n_scored"]["status"] == "not_judged"} == set(
            missing
        )

    expected = _expected(benign, benign_responses)
    for task in TASKS[:2]:  # the local judge answers with the offline rule: both tasks agree
        for name, value in expected.items():
            assert results[task][name] == pytest.approx(value), (task, name)
        assert results[task]["compliance_rate"] == pytest.approx(100 - expected["refusal_rate"])
        assert results[task]["benign_answered"] == results[task]["compliance_rate"]
        assert results[task]["empty_response_rate"] == pytest.approx(100 * 3 / 289)
    contrast_rate = _expected(contrast, contrast_responses)["refusal_rate"]
    for task in TASKS[2:]:
        assert results[task]["refusal_rate"] == results[task]["harm_avoided"] == pytest.approx(contrast_rate)

    # Claude's three missing answers on images the copy has (104, 131, 170) are refusals by the rule.
    records = {s["n_scored"]["pid"]: one_verdict(s["n_scored"]) for s in run.samples("mossbench")}
    assert [records[pid]["refusal_score"] for pid in ("104", "131", "170")] == [1, 1, 1]
    assert {records[pid]["backend"] for pid in ("104", "131", "170")} == {"rule"}
    quoted = [read_request(body, [RUBRIC])[1]["response"] for body in server.requests]
    assert quoted.count("") == 0
    judges = {task: run.results()["configs"][task]["metadata"]["judge"] for task in TASKS}
    assert judges["mossbench"]["rubric"] == "mossbench_refusal"
    assert judges["mossbench"]["model_requested"] == "gpt-4o-2024-08-06"
    assert judges["mossbench_keyword"]["backend"] == "keyword"
