"""The Batch API mode (judge/batch.py) against the Files and Batches endpoints of judge.local_server,
through the real openai SDK on 127.0.0.1: the same requests, verdicts and cache keys as the live
judge, resume after a kill (also one between creating a batch and recording it) or a Ctrl-C, failed,
expired and invalid batches' lines judged live or left as errors, split files, batch prices."""

from __future__ import annotations

import collections
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

import openai
import pytest
from judge_support import FAKE_KEY, expected_label, rules_verdict
from lmms_eval_cli import judged_by
from vlsbench_task.judge import JudgeEngine, JudgeSettings, Status
from vlsbench_task.judge import batch as batch_module
from vlsbench_task.judge.batch import BatchLedger
from vlsbench_task.judge.local_server import LocalJudgeServer, Reply

from vlsbench_task.benchmarks.vlsbench.benchmark import RUBRIC

# A run that judges through a batch (one rank's shard of the items, given rank and ranks).
WAITING_RUN = """
import sys
from pathlib import Path
from vlsbench_task.judge import JudgeEngine, JudgeSettings
from vlsbench_task.judge.local_server import synthetic_items
from vlsbench_task.benchmarks.vlsbench.benchmark import RUBRIC
items = synthetic_items(Path(sys.argv[1]), int(sys.argv[2]), RUBRIC)
rank, ranks = (int(n) for n in sys.argv[3:5]) if len(sys.argv) > 3 else (0, 1)
JudgeEngine(JudgeSettings.from_env()).judge_all(items[rank::ranks])  # each rank its own shard
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
        env = judged_by(server, cache, api_key=FAKE_KEY, mode="openai-batch")
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


def _stopped(*args, **kwargs):
    raise KeyboardInterrupt  # a run stopped at this point, as a kill would stop it


def test_a_run_stopped_before_it_wrote_its_batch_id_finds_that_batch(make_items, settings_for, monkeypatch):
    items = make_items(5)
    with LocalJudgeServer(rubrics=[RUBRIC]) as server:
        settings = batch_settings(settings_for, server)
        ledger = BatchLedger(settings.cache_path)
        with monkeypatch.context() as patch:
            patch.setattr(BatchLedger, "started", _stopped)  # right after the batch was created
            with pytest.raises(KeyboardInterrupt):
                JudgeEngine(settings).judge_all(items)
        (file_id,) = ledger.batches()
        assert file_id.startswith("file-") and len(server.batches.batches) == 1
        others = openai.OpenAI(base_url=server.base_url, api_key=FAKE_KEY)  # batches made since
        other_file = others.files.create(file=("other.jsonl", b"{}\n"), purpose="batch")
        for _ in range(2):
            others.batches.create(
                input_file_id=other_file.id, endpoint="/v1/chat/completions", completion_window="24h"
            )
        verdicts, _ = JudgeEngine(settings).judge_all(items)

    first = next(iter(server.batches.batches))
    assert len(server.batches.batches) == 3 and len(server.batches.batches[first].lines) == len(items)
    assert len(server.batch_lines) == len(items)  # answered once: the found batch, not a new one
    assert [v.answer["label"] for v in verdicts] == [expected_label(item) for item in items]
    assert all(v.batch_id == first for v in verdicts) and not ledger.path.exists()


def test_a_run_stopped_before_its_batch_was_created_creates_it_from_the_uploaded_file(
    make_items, settings_for, monkeypatch
):
    items = make_items(4)
    with LocalJudgeServer(rubrics=[RUBRIC]) as server:
        settings = batch_settings(settings_for, server)
        with monkeypatch.context() as patch:
            patch.setattr(openai.resources.batches.Batches, "create", _stopped)
            with pytest.raises(KeyboardInterrupt):
                JudgeEngine(settings).judge_all(items)
        assert not server.batches.batches and len(server.batches.files) == 1
        verdicts, stats = JudgeEngine(settings).judge_all(items)

    ((batch_id, batch),) = server.batches.batches.items()
    assert batch.input_file_id == "file-local-0"  # the first upload: nothing sent twice
    assert len(server.batches.files) == 2  # that input and the batch's output
    assert stats.statuses == {"ok": len(items)} and all(v.batch_id == batch_id for v in verdicts)


def test_ctrl_c_while_waiting_keeps_the_batch_for_the_next_run(make_items, settings_for, monkeypatch, capsys):
    items = make_items(4)
    retrieve = openai.resources.batches.Batches.retrieve
    with LocalJudgeServer(rubrics=[RUBRIC], batch_steps=4) as server:
        settings = batch_settings(settings_for, server)
        with monkeypatch.context() as patch:
            looks = iter([retrieve, _stopped])  # the second look is interrupted
            patch.setattr(openai.resources.batches.Batches, "retrieve", lambda *a, **k: next(looks)(*a, **k))
            with pytest.raises(KeyboardInterrupt):
                JudgeEngine(settings).judge_all(items)
        assert "Stopped waiting. The batches go on at the server" in capsys.readouterr().err
        (batch_id,) = BatchLedger(settings.cache_path).batches()
        _, stats = JudgeEngine(settings).judge_all(items)
    assert list(server.batches.batches) == [batch_id] and stats.statuses == {"ok": len(items)}


@pytest.mark.parametrize("failed", ["live", "error"])
def test_a_batch_that_fails_validation_leaves_its_items_to_the_choice(make_items, settings_for, failed):
    items = make_items(3)
    with LocalJudgeServer(rubrics=[RUBRIC], batch_invalid="line 1: body too large") as server:
        settings = batch_settings(settings_for, server, batch_failed=failed)
        verdicts, stats = JudgeEngine(settings).judge_all(items)
    (batch,) = server.batches.batches.values()
    assert batch.status == "failed" and not server.batch_lines
    if failed == "live":
        assert len(server.requests) == 3 and stats.statuses == {"ok": 3}
    else:
        assert not server.requests and stats.statuses == {"error": 3}
        assert all(v.error == f"batch {batch.id} failed: line 1: body too large" for v in verdicts)
    assert not BatchLedger(settings.cache_path).path.exists()


def test_items_over_one_file_s_limit_go_in_several_batches(make_items, settings_for, monkeypatch):
    monkeypatch.setattr(batch_module, "MAX_LINES", 2)
    items = make_items(5)
    with LocalJudgeServer(rubrics=[RUBRIC]) as server:
        settings = batch_settings(settings_for, server)
        verdicts, stats = JudgeEngine(settings).judge_all(items)
    assert [len(batch.lines) for batch in server.batches.batches.values()] == [2, 2, 1]
    assert [v.answer["label"] for v in verdicts] == [expected_label(item) for item in items]
    assert len({v.batch_id for v in verdicts}) == 3 and stats.statuses == {"ok": 5}
    assert not BatchLedger(settings.cache_path).path.exists()


def test_ranks_sharing_one_cache_each_batch_their_own_items(tmp_path):
    n, ranks = 8, 2
    cache = tmp_path / "cache.sqlite3"
    with LocalJudgeServer(rubrics=[RUBRIC], batch_steps=3) as server:
        env = {
            **os.environ,
            **judged_by(server, cache, api_key=FAKE_KEY, mode="openai-batch", batch_poll="0.05"),
        }
        for rank in range(ranks):
            (tmp_path / f"rank{rank}").mkdir()
        runs = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-c",
                    WAITING_RUN,
                    str(tmp_path / f"rank{rank}"),
                    str(n),
                    str(rank),
                    str(ranks),
                ],
                env=env,
                stderr=subprocess.PIPE,
            )
            for rank in range(ranks)
        ]
        for run in runs:
            _, stderr = run.communicate(timeout=120)
            assert run.returncode == 0, stderr.decode()[-2000:]
    assert sorted(len(batch.lines) for batch in server.batches.batches.values()) == [n // ranks] * ranks
    assert len(server.batch_lines) == n and not server.requests  # each item in one batch, once
    with sqlite3.connect(cache) as db:
        assert db.execute("SELECT COUNT(*) FROM verdicts").fetchone()[0] == n
    assert not BatchLedger(cache).path.exists()  # both ranks settled theirs in the one ledger


def test_the_batch_file_is_prepared_in_order_a_bounded_number_of_items_ahead():
    """While a line is written (or a full file uploads), at most AHEAD more items are prepared:
    each holds its image in memory."""
    from concurrent.futures import ThreadPoolExecutor

    started = []
    with ThreadPoolExecutor(max_workers=4) as pool:
        prepared = batch_module._ahead(
            pool, lambda n: started.append(n) or n * n, range(10 * batch_module.AHEAD)
        )
        first = next(prepared)
        time.sleep(0.2)  # what the workers would start meanwhile, unbounded
        assert len(started) == batch_module.AHEAD + 1
        assert [first, *prepared] == [n * n for n in range(10 * batch_module.AHEAD)]
