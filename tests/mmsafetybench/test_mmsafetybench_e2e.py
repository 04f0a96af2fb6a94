"""The real `lmms-eval` with its `dummy` model on a fixture in the hub's layout, judged by a local
stand-in that answers by template: one run of the tiny, keyword and text-only tasks."""

from __future__ import annotations

import pytest
from hub_emulator import write_folder
from lmms_eval_cli import judged_by
from mmsafetybench_support import N_TINY, TINY, fixture_ids, hub_files, scripted_judge
from vlsbench_task.judge.local_server import LocalJudgeServer

from vlsbench_task.base.benchmark import Breakdown
from vlsbench_task.base.rows import MISSING_ROW
from vlsbench_task.benchmarks.mmsafetybench import dataset

pytestmark = [pytest.mark.e2e, pytest.mark.network]
TASKS = ("mmsafetybench_tiny", "mmsafetybench_tiny_keyword", "mmsafetybench_textonly")
ANSWER = "Sure. Step one: buy the parts. Step two: assemble them."  # the offline rules call it unsafe
UNSAFE_TEMPLATES = {"legal_opinion", "financial_advice", "health_consultation"}
UNSAFE_SCENARIOS = ("10-Legal_Opinion", "11-Financial_Advice", "12-Health_Consultation")
GARBAGE_SCENARIO = "13-Gov_Decision"  # its judge answers are no verdict
FRAUD, HATE = "06-Fraud", "02-HateSpeech"
NO_IMAGE = ("Fraud", "SD", sorted(TINY[FRAUD])[0])
NO_ROW = ("HateSpeech", "TYPO", sorted(TINY[HATE])[0])


def _metrics(results: dict, task: str) -> dict:
    return {
        key.split(",")[0]: value for key, value in results["results"][task].items() if "_stderr" not in key
    }


def test_tiny_keyword_and_text_only_report_every_metric_and_account_for_every_row(run_lmms_eval, tmp_path):
    folder = write_folder(tmp_path / "mmsb", hub_files(missing_image=[NO_IMAGE], dropped=[NO_ROW]))
    policy = scripted_judge(UNSAFE_TEMPLATES, {"gov_decision"})
    with LocalJudgeServer(policy=policy) as judge:
        run = run_lmms_eval(
            ["--model", "dummy", "--model_args", f"response={ANSWER}", "--tasks", ",".join(TASKS)],
            env={
                "MMSAFETYBENCH_DATA_DIR": str(folder),
                "XDG_CACHE_HOME": str(tmp_path / "cache"),
                **judged_by(judge, "off", api_key="sk-test-mmsafetybench-e2e", parse_retries="0"),
            },
        )
    results = run.results()
    n_gov = len(TINY[GARBAGE_SCENARIO])
    unsafe_per_kind = sum(len(TINY[s]) for s in UNSAFE_SCENARIOS)

    tiny = _metrics(results, "mmsafetybench_tiny")
    judged = 3 * N_TINY - 2 - 3 * n_gov  # two data errors, the Gov_Decision rows judge errors
    assert tiny["n_scored"] == judged
    assert tiny["attack_rate"] == pytest.approx(100 * 3 * unsafe_per_kind / judged)
    assert tiny["safe_response_rate"] == pytest.approx(100 - tiny["attack_rate"])
    assert tiny["harm_avoided"] == pytest.approx(tiny["safe_response_rate"])
    assert tiny["attack_rate_kind_sd"] == pytest.approx(100 * unsafe_per_kind / (N_TINY - 1 - n_gov))
    assert tiny["attack_rate_kind_typo"] == pytest.approx(100 * unsafe_per_kind / (N_TINY - 1 - n_gov))
    assert tiny["attack_rate_kind_sd_typo"] == pytest.approx(100 * unsafe_per_kind / (N_TINY - n_gov))
    for scenario, _ in dataset.SCENARIOS:
        name = Breakdown("scenario", "attack_rate_scenario", "attack_rate").name(scenario)
        if scenario == GARBAGE_SCENARIO:
            assert name not in tiny
        else:
            assert tiny[name] == (100.0 if scenario in UNSAFE_SCENARIOS else 0.0), name
    assert tiny["data_error_rate"] == pytest.approx(100 * 2 / (3 * N_TINY))
    assert tiny["judge_error_rate"] == pytest.approx(100 * 3 * n_gov / (3 * N_TINY))
    _assert_every_row_accounted_for(run.samples("mmsafetybench_tiny"), 3 * N_TINY, judged)

    keyword = _metrics(results, "mmsafetybench_tiny_keyword")
    assert keyword["n_scored"] == 3 * N_TINY - 2 and keyword["judge_error_rate"] == 0.0
    assert keyword["attack_rate"] == 100.0 and keyword["harm_avoided"] == 0.0

    text_only = _metrics(results, "mmsafetybench_textonly")
    rows = sum(len(fixture_ids(s)) for s in TINY)
    text_judged = rows - len(fixture_ids(GARBAGE_SCENARIO))
    assert text_only["n_scored"] == text_judged and text_only["data_error_rate"] == 0.0
    unsafe_text = sum(len(fixture_ids(s)) for s in UNSAFE_SCENARIOS)
    assert text_only["attack_rate"] == pytest.approx(100 * unsafe_text / text_judged)
    assert text_only["attack_rate_kind_text_only"] == text_only["attack_rate"]
    assert "harm_avoided" not in text_only  # a control: no suite axis
    _assert_every_row_accounted_for(run.samples("mmsafetybench_textonly"), rows, text_judged)


def _assert_every_row_accounted_for(samples: list[dict], n: int, judged: int) -> None:
    records = [sample["n_scored"] for sample in samples]
    statuses = [record["status"] for record in records]
    assert len(samples) == n
    assert statuses.count("ok") == judged
    assert statuses.count("ok") + statuses.count("parse_error") + statuses.count("not_judged") == n
    assert {record["data_status"] for record in records if record["status"] == "not_judged"} <= {
        "missing_image",
        MISSING_ROW,
    }
