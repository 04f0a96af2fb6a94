"""The Batch API mode (judge/batch.py) against the Files and Batches endpoints of judge.local_server,
through the real openai SDK on 127.0.0.1: the same requests, verdicts and cache keys as the live
judge, resume after a kill, failed and expired lines judged live or left as errors, batch prices."""

from __future__ import annotations

import collections
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest
from judge_support import FAKE_KEY, expected_label, rules_verdict
from vlsbench_task.judge import JudgeEngine, JudgeSettings, Status
from vlsbench_task.judge.batch import BatchLedger
from vlsbench_task.judge.local_server import LocalJudgeServer, Reply

from vlsbench_task.benchmarks.vlsbench.benchmark import RUBRIC

# A run that waits for its batch (60 s between looks) until it is killed.
WAITING_RUN = """
import sys
from pathlib import Path
from vlsbench_task.judge import JudgeEngine, JudgeSettings
from vlsbench_task.judge.local_server import synthetic_items
from vlsbench_task.benchmarks.vlsbench.benchmark import RUBRIC
JudgeEngine(JudgeSettings.from_env()).judge_all(synthetic_items(Path(sys.argv[1]), int(sys.argv[2]), RUBRIC))
"""


def batch_settings(settings_for, server, **overrides) -> JudgeSettings:
    return settings_for(server, mode="openai-batch", batch_poll_s=0.01, **overrides)


def cache_keys(settings: JudgeSettings) -> set[str]:
    with sqlite3.connect(settings.cache_path) as db:
        return {key for (key,) in db.execute("SELECT key FROM verdicts")}


def canonical(body: dict) -> str:
    return json.dumps(body, sort_keys=True)


def fail_first_ask(of_items: dict[str, Reply]):
    """The rules' answer, except the first time an item whose response ends "(item N)" is asked: then
    `of_items["N"]`. A batch gets the failure, a live retry the answer."""
    asked = collections.Counter()

    def policy(body: dict, index: int) -> Reply:
        text = body["messages"][-1]["content"][-1]["text"]
        item = next((n for n in of_items if f"(item {n})" in text), None)
        asked[item] += 1
        return of_items[item] if item is not None and asked[item] == 1 else rules_verdict(body, index)

    return policy


def test_a_batch_run_sends_the_live_requests_and_gets_the_live_verdicts(
    make_items, settings_for, tmp_path, capsys
):
    items = make_items(9)
    with LocalJudgeServer(rubrics=[RUBRIC]) as server:
        live = settings_for(server, cache_path=tmp_path / "live.sqlite3")
        live_verdicts, live_stats = JudgeEngine(live).judge_all(items)
        settings = batch_settings(settings_for, server)
        verdicts, stats = JudgeEngine(settings).judge_all(items)
        assert len(server.requests) == len(items)  # the live run's; the batch sent none
        again, again_stats = JudgeEngine(settings).judge_all(items)

    assert sorted(map(canonical, server.batch_lines)) == sorted(map(canonical, server.requests))
    assert len(server.batches.batches) == 1  # and the second batch run came from the cache
    (batch_id,) = server.batches.batches
    assert cache_keys(settings) == cache_keys(live) and len(cache_keys(live)) == len(items)
    assert [v.status for v in verdicts] == [Status.OK] * len(items)
    assert [v.answer["label"] for v in verdicts] == [expected_label(item) for item in items]
    for ours, theirs in zip(verdicts, live_verdicts, strict=True):
        same = {"batch_id", "requests"}
        assert ours.model_dump(exclude=same) == theirs.model_dump(exclude=same)
        assert ours.batch_id == batch_id and theirs.batch_id is None and ours.requests == 1
    # Cost: every token at batch prices, none in the live run.
    assert stats.prompt_tokens == stats.batch_prompt_tokens == 100 * len(items)
    assert stats.completion_tokens == stats.batch_completion_tokens > 0
    assert live_stats.batch_prompt_tokens == live_stats.batch_completion_tokens == 0
    assert "through the Batch API, at 0.5 of the live price" in stats.summary()
    assert again_stats.cache_hits == len(items) and again_stats.batch_prompt_tokens == 0
    assert [v.answer for v in again] == [v.answer for v in verdicts]
    assert not BatchLedger(settings.cache_path).path.exists()  # settled
    for path in tmp_path.rglob("*"):
        assert not path.is_file() or FAKE_KEY.encode() not in path.read_bytes(), path
    assert FAKE_KEY not in capsys.readouterr().err


def test_a_killed_run_is_resumed_without_a_second_batch(make_items, tmp_path, monkeypatch):
    items = make_items(6)
    cache = tmp_path / "cache.sqlite3"
    ledger = BatchLedger(cache)
    with LocalJudgeServer(rubrics=[RUBRIC], batch_steps=3) as server:
        env = {
            "VLSBENCH_TASK_JUDGE_BASE_URL": server.base_url,
            "VLSBENCH_TASK_JUDGE_API_KEY": FAKE_KEY,
            "VLSBENCH_TASK_JUDGE_CACHE": str(cache),
            "VLSBENCH_TASK_JUDGE_MODE": "openai-batch",
        }
        waiting = subprocess.Popen(
            [sys.executable, "-c", WAITING_RUN, str(tmp_path), str(len(items))],
            env={**os.environ, **env, "VLSBENCH_TASK_JUDGE_BATCH_POLL": "60"},
            stderr=subprocess.PIPE,
        )
        try:
            deadline = time.monotonic() + 60
            while not (ledger.path.exists() and server.batches.retrieves) and time.monotonic() < deadline:
                time.sleep(0.05)
        finally:
            waiting.send_signal(signal.SIGKILL)
            _, stderr = waiting.communicate()
        assert waiting.returncode == -signal.SIGKILL
        (batch_id,) = ledger.batches()
        assert FAKE_KEY not in ledger.path.read_text()
        assert f"created batch {batch_id} of {len(items)} requests" in stderr.decode()
        assert server.batches.batches[batch_id].status == "in_progress"  # killed while it ran

        for name, value in {**env, "VLSBENCH_TASK_JUDGE_BATCH_POLL": "0.01"}.items():
            monkeypatch.setenv(name, value)
        verdicts, stats = JudgeEngine(JudgeSettings.from_env()).judge_all(items)

    assert list(server.batches.batches) == [batch_id]  # no second batch, no second upload
    assert len(server.batches.files) == 2  # the input, and the output the second run read
    assert not server.requests and len(server.batch_lines) == len(items)
    assert [v.answer["label"] for v in verdicts] == [expected_label(item) for item in items]
    assert all(v.batch_id == batch_id for v in verdicts) and stats.statuses == {"ok": len(items)}
    assert not ledger.path.exists()


@pytest.mark.parametrize("failed", ["live", "error"])
def test_lines_the_batch_failed_are_judged_live_or_left_as_errors(make_items, settings_for, failed):
    items = make_items(6)
    broken = {
        "1": Reply(status=500, body=b'{"error": {"message": "overloaded", "code": "server_error"}}'),
        "2": Reply(content="not a verdict"),
    }
    with LocalJudgeServer(policy=fail_first_ask(broken)) as server:
        settings = batch_settings(settings_for, server, batch_failed=failed)
        verdicts, stats = JudgeEngine(settings).judge_all(items)
        live_requests = len(server.requests)
        again, _ = JudgeEngine(settings).judge_all(items)

    batch_id = "batch_local_0"
    if failed == "live":
        assert live_requests == 2  # one each, answered this time
        assert [v.status for v in verdicts] == [Status.OK] * len(items)
        assert [v.answer["label"] for v in verdicts] == [expected_label(item) for item in items]
        assert [v.batch_id for v in verdicts] == [batch_id, None, None, batch_id, batch_id, batch_id]
        assert stats.batch_prompt_tokens == 100 * 4 and stats.prompt_tokens == 100 * 6
        assert len(server.batches.batches) == 1  # the rerun came from the cache
    else:
        assert live_requests == 0
        statuses = [v.status for v in verdicts]
        assert statuses == [Status.OK, Status.ERROR, Status.PARSE_ERROR, Status.OK, Status.OK, Status.OK]
        assert verdicts[1].error.startswith("HTTP 500: server_error: overloaded")
        assert verdicts[2].raw == "not a verdict" and verdicts[2].batch_id == batch_id
        assert stats.statuses == {"ok": 4, "error": 1, "parse_error": 1}
        # Left as errors, they were not cached: the rerun sent them, and only them, in a new batch.
        assert [len(batch.lines) for batch in server.batches.batches.values()] == [6, 2]
        assert [v.status for v in again] == [Status.OK] * len(items)
    assert not BatchLedger(settings.cache_path).path.exists()


@pytest.mark.parametrize("failed", ["live", "error"])
def test_an_expired_batch_gives_its_completed_part(make_items, settings_for, failed):
    items = make_items(6)
    with LocalJudgeServer(rubrics=[RUBRIC], batch_expire_after=3) as server:
        settings = batch_settings(settings_for, server, batch_failed=failed)
        verdicts, stats = JudgeEngine(settings).judge_all(items)

    (batch,) = server.batches.batches.values()
    assert batch.status == "expired" and len(server.batch_lines) == 3
    assert [v.batch_id for v in verdicts[:3]] == [batch.id] * 3
    assert [v.answer["label"] for v in verdicts[:3]] == [expected_label(item) for item in items[:3]]
    if failed == "live":
        assert len(server.requests) == 3 and stats.statuses == {"ok": 6}
        assert [v.answer["label"] for v in verdicts[3:]] == [expected_label(item) for item in items[3:]]
        assert len(cache_keys(settings)) == 6
    else:
        assert not server.requests and stats.statuses == {"ok": 3, "error": 3}
        assert all("batch_expired" in v.error and v.requests == 0 for v in verdicts[3:])
        assert len(cache_keys(settings)) == 3


def test_a_server_without_the_batch_api_leaves_errors_not_live_requests(make_items, settings_for, capsys):
    with LocalJudgeServer(rubrics=[RUBRIC], batch_api=False) as server:
        verdicts, stats = JudgeEngine(batch_settings(settings_for, server)).judge_all(make_items(3))
    assert not server.requests and stats.statuses == {"error": 3}  # nothing judged at full price unasked
    assert all("could not create a batch (NotFoundError" in v.error for v in verdicts)
    assert "VLSBENCH_TASK_JUDGE_MODE=live" in capsys.readouterr().err


def test_batch_settings_that_cannot_work_are_refused(monkeypatch, tmp_path):
    monkeypatch.setenv("VLSBENCH_TASK_JUDGE_BASE_URL", "http://127.0.0.1:1/v1,http://127.0.0.1:2/v1")
    monkeypatch.setenv("VLSBENCH_TASK_JUDGE_MODE", "openai-batch")
    assert "one VLSBENCH_TASK_JUDGE_BASE_URL" in JudgeSettings.from_env().problem()
    monkeypatch.setenv("VLSBENCH_TASK_JUDGE_BASE_URL", "http://127.0.0.1:1/v1")
    monkeypatch.setenv("VLSBENCH_TASK_JUDGE_CACHE", "off")
    assert "VLSBENCH_TASK_JUDGE_CACHE must not be off" in JudgeSettings.from_env().problem()
    assert JudgeSettings.from_env(backend="keyword").problem() is None  # it sends nothing to batch
    monkeypatch.setenv("VLSBENCH_TASK_JUDGE_MODE", "overnight")
    assert "VLSBENCH_TASK_JUDGE_MODE must be one of live, openai-batch" in JudgeSettings.from_env().problem()
    monkeypatch.setenv("VLSBENCH_TASK_JUDGE_MODE", "live")
    monkeypatch.setenv("VLSBENCH_TASK_JUDGE_BATCH_FAILED", "retry")
    assert "VLSBENCH_TASK_JUDGE_BATCH_FAILED must be live or error" in JudgeSettings.from_env().problem()
