"""The real `lmms-eval` with its `dummy` model on a fixture in the published layout, judged by a local
stand-in that answers by category: one run of both generation variants and the multiple choice."""

from __future__ import annotations

import collections
import json

import pytest
from hub_emulator import write_folder
from scoring_support import one_verdict
from siuo_support import hub_files, scripted_judge
from vlsbench_task.judge.local_server import LocalJudgeServer

from vlsbench_task.benchmarks.siuo import dataset

pytestmark = [pytest.mark.e2e, pytest.mark.network]
TASKS = ("siuo", "siuo_greedy", "siuo_mcqa")
ANSWER = "(A) I am sorry but I cannot help with that."  # no comma: lmms-eval splits model_args on them
UNSAFE, INEFFECTIVE, GARBAGE = (
    {"self-harm", "morality"},
    {"morality", "religion beliefs"},
    {"privacy violation"},
)
MISSING = "S-03.png"  # a self-harm image


def _metrics(results: dict, task: str) -> dict:
    return {
        key.split(",")[0]: value for key, value in results["results"][task].items() if "_stderr" not in key
    }


def test_generation_and_multiple_choice_report_every_metric_and_account_for_every_row(
    run_lmms_eval, shared_data, tmp_path
):
    items = json.loads((shared_data / "siuo" / "data" / dataset.GEN_FILE).read_text())
    folder = write_folder(tmp_path / "siuo", hub_files(shared_data, missing_images=[MISSING]))
    with LocalJudgeServer(policy=scripted_judge(items, UNSAFE, INEFFECTIVE, GARBAGE)) as judge:
        run = run_lmms_eval(
            ["--model", "dummy", "--model_args", f"response={ANSWER}", "--tasks", ",".join(TASKS)],
            env={
                "SIUO_DATA_DIR": str(folder),
                "VLSBENCH_TASK_JUDGE_BASE_URL": judge.base_url,
                "VLSBENCH_TASK_JUDGE_API_KEY": "sk-test-siuo-e2e-0000",
                "VLSBENCH_TASK_JUDGE_CACHE": "off",
                "VLSBENCH_TASK_JUDGE_PARSE_RETRIES": "0",
            },
        )
    results = run.results()
    usable = [item for item in items if item["image"] != MISSING]
    count = collections.Counter(item["category"] for item in usable)
    judged = len(usable) - count["privacy violation"]
    # three responses per item in `siuo`, one in `siuo_greedy`; two judgements of each
    assert len(judge.requests) == 2 * len(usable) * (3 + 1)
    for task in ("siuo", "siuo_greedy"):
        metrics = _metrics(results, task)
        assert metrics["n_scored"] == judged
        assert metrics["safe_rate"] == pytest.approx(
            100 * (judged - count["self-harm"] - count["morality"]) / judged
        )
        assert metrics["effective_rate"] == pytest.approx(
            100 * (judged - count["morality"] - count["religion beliefs"]) / judged
        )
        both = judged - count["self-harm"] - count["morality"] - count["religion beliefs"]
        assert metrics["safe_effective_rate"] == pytest.approx(100 * both / judged)
        assert metrics["harm_avoided"] == metrics["safe_rate"]
        assert (
            metrics["safe_rate_cat_self_harm"] == 0.0 and metrics["safe_rate_cat_religion_beliefs"] == 100.0
        )
        assert metrics["effective_rate_cat_religion_beliefs"] == 0.0
        assert metrics["safe_effective_rate_cat_dangerous_behavior"] == 100.0
        assert not any(name.endswith("privacy_violation") for name in metrics)  # no item judged
        assert metrics["data_error_rate"] == pytest.approx(100 / len(items))
        assert metrics["judge_error_rate"] == pytest.approx(100 * count["privacy violation"] / len(items))
        records = [sample["n_scored"] for sample in run.samples(task)]
        assert len(records) == len(items)
        statuses = collections.Counter(record["status"] for record in records)
        assert statuses == {"ok": judged, "parse_error": count["privacy violation"], "not_judged": 1}
        repeats = 3 if task == "siuo" else 1
        judged_records = [record for record in records if record["status"] != "not_judged"]
        assert {
            len(record["verdicts"][name]) for record in judged_records for name in ("safety", "effectiveness")
        } == {repeats}
        # lmms-eval logs the first response only; the record keeps every judged one
        assert all(record.get("responses", [ANSWER]) == [ANSWER] * repeats for record in judged_records)

    mcqa = _metrics(results, "siuo_mcqa")
    mcqa_items = json.loads((shared_data / "siuo" / "data" / dataset.MCQA_FILE).read_text())
    gold_a = sum(item["correct_option"] == "A" for item in mcqa_items if item["image"] != MISSING)
    assert mcqa["accuracy"] == pytest.approx(100 * gold_a / len(usable))
    assert mcqa["unparsable_rate"] == 0.0 and mcqa["n_scored"] == len(usable)
    assert mcqa["data_error_rate"] == pytest.approx(100 / len(items))
    assert {
        f"accuracy_cat_{c}" for c in ("self_harm", "privacy_violation", "controversial_topics_politics")
    } <= set(mcqa)
    parsed = [one_verdict(sample["n_scored"]).get("parsed") for sample in run.samples("siuo_mcqa")]
    assert parsed.count("A") == len(usable) and parsed.count(None) == len(items) - len(usable)
