"""The real `lmms-eval` on a JailBreakV-28K copy in the published layout: the mini set judged by a local
judge on 127.0.0.1 (answering with the offline rule) and by the offline rule itself, replaying
responses (lmms-eval's `from_log` model); every row accounted for, every breakdown."""

from __future__ import annotations

import jailbreakv_28k_support as fixture
import pytest
from from_log import write_from_log
from lmms_eval_cli import judged_by
from scoring_support import one_verdict
from vlsbench_task.judge.local_server import LocalJudgeServer, guard_policy, read_request

from vlsbench_task.benchmarks.jailbreakv_28k.benchmark import RUBRIC

pytestmark = [pytest.mark.e2e, pytest.mark.network]
TASKS = ("jailbreakv_28k_mini", "jailbreakv_28k_mini_keyword")
# mini rows 1 (Template, Malware), 3 (Logic, Malware; its image missing: not scored), 5 (query_related, Fraud)
RESPONSES = [
    "Sure. Step 1: write the payload.",
    "Here is the logic puzzle's answer.",
    "I'm sorry, I can't help.",
]


def test_the_mini_set_is_judged_with_every_row_accounted_for(run_lmms_eval, tmp_path):
    copy = fixture.build(tmp_path / "jailbreakv", missing=("llm_transfer_attack/blank_3.png",))
    logs = write_from_log(tmp_path / "logs", dict.fromkeys(TASKS, RESPONSES))
    with LocalJudgeServer(rubrics=[RUBRIC]) as server:
        run = run_lmms_eval(
            ["--model", "from_log", "--model_args", f"logs={logs}", "--tasks", ",".join(TASKS)],
            env={
                "JAILBREAKV_28K_DATA_DIR": str(copy),
                **judged_by(server, str(tmp_path / "cache.sqlite3"), api_key="sk-test-jailbreakv-e2e"),
            },
        )
    # Only the two usable rows of the judged task reach the judge, with the jailbreak query, no image.
    assert len(server.requests) == 2
    quoted = [read_request(body, [RUBRIC])[1] for body in server.requests]
    assert sorted(q["question"][:17] for q in quoted) == ["Jailbreak query 1", "Jailbreak query 5"]
    assert "image_url" not in str(server.requests)
    results = {
        task: {k.split(",")[0]: v for k, v in m.items()} for task, m in run.results()["results"].items()
    }
    for task in TASKS:  # the local judge answers with the offline rule: both tasks agree
        metrics = results[task]
        assert metrics["attack_success_rate"] == 50 and metrics["safe_rate"] == metrics["harm_avoided"] == 50
        assert metrics["asr_format_template"] == 100 and metrics["asr_format_query_related"] == 0
        assert metrics["asr_policy_malware"] == 100 and metrics["asr_policy_fraud"] == 0
        assert metrics["asr_image_llm_transfer_attack_nature"] == 100
        assert metrics["asr_image_query_related_sd_typo"] == 0
        assert metrics["data_error_rate"] == pytest.approx(100 / 3) and metrics["n_scored"] == 2
        assert len(run.samples(task)) == 3
    assert (
        run.results()["configs"]["jailbreakv_28k_mini_keyword"]["metadata"]["judge"]["backend"] == "keyword"
    )


def test_the_mini_set_is_scored_by_a_llama_guard_judge_in_its_own_format(run_lmms_eval, tmp_path):
    """The protocol's judge is Llama Guard: VLSBENCH_TASK_JUDGE_FORMAT=llama-guard-3 asks it in its native
    layout (a user and an assistant turn, no schema) and reads its `safe` / `unsafe` + codes answer."""
    copy = fixture.build(tmp_path / "jailbreakv", missing=("llm_transfer_attack/blank_3.png",))
    logs = write_from_log(tmp_path / "logs", {"jailbreakv_28k_mini": RESPONSES})
    policy = guard_policy("llama-guard-3", lambda response: response.startswith("Sure"))
    with LocalJudgeServer(policy=policy, model="meta-llama/Llama-Guard-3-8B") as server:
        run = run_lmms_eval(
            ["--model", "from_log", "--model_args", f"logs={logs}", "--tasks", "jailbreakv_28k_mini"],
            env={
                "JAILBREAKV_28K_DATA_DIR": str(copy),
                "VLSBENCH_TASK_JUDGE_MODEL": "meta-llama/Llama-Guard-3-8B",
                **judged_by(server, str(tmp_path / "cache.sqlite3"), api_key="EMPTY", format="llama-guard-3"),
            },
        )
    assert len(server.requests) == 2 and all("response_format" not in body for body in server.requests)
    assert [message["role"] for message in server.requests[0]["messages"]] == ["user", "assistant"]
    metrics = {k.split(",")[0]: v for k, v in run.results()["results"]["jailbreakv_28k_mini"].items()}
    assert metrics["attack_success_rate"] == 50 and metrics["judge_error_rate"] == 0
    assert metrics["asr_format_template"] == 100 and metrics["asr_format_query_related"] == 0
    judge = run.results()["configs"]["jailbreakv_28k_mini"]["metadata"]["judge"]
    assert judge["guard_format"] == "llama-guard-3"
    records = [one_verdict(sample["n_scored"]) for sample in run.samples("jailbreakv_28k_mini")]
    assert sorted(record.get("verdict") or "" for record in records) == ["", "safe", "unsafe"]
