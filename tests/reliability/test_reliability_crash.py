"""Point 4: the judge cache survives SIGKILL and concurrent lmms-eval runs sharing it."""

from __future__ import annotations

import os
import signal
import time

import pytest
from reliability_support import (
    COMPLIANCE,
    cache_integrity,
    cache_rows,
    judge_env,
    metric,
    results_of,
    samples_of,
    start_lmms_eval,
)
from vlsbench_task.judge.local_server import LocalJudgeServer

from vlsbench_task.benchmarks.vlsbench.benchmark import RUBRIC

pytestmark = [pytest.mark.e2e, pytest.mark.network]
ARGS = ["--model", "dummy", "--model_args", f"response={COMPLIANCE}", "--tasks", "vlsbench"]


def _wait(process, timeout: float = 240) -> int:
    try:
        return process.wait(timeout=timeout)
    except Exception:
        os.killpg(process.pid, signal.SIGKILL)
        raise


def test_a_run_killed_while_judging_leaves_a_sound_cache_that_the_next_run_reuses(
    make_vlsbench_data, tmp_path
):
    n = 10
    folder = make_vlsbench_data(n)
    cache = tmp_path / "cache.sqlite3"
    with LocalJudgeServer(rubrics=[RUBRIC], latency_s=0.4) as server:
        env = {
            "VLSBENCH_DATA_DIR": str(folder),
            "VLSBENCH_TASK_JUDGE_CONCURRENCY": "2",
            **judge_env(server, cache),
        }
        killed = start_lmms_eval(ARGS, env, tmp_path / "killed", tmp_path / "killed.log")
        deadline = time.monotonic() + 120
        while len(server.requests) < 5 and killed.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert killed.poll() is None, (tmp_path / "killed.log").read_text()[-3000:]
        os.killpg(killed.pid, signal.SIGKILL)  # the whole lmms-eval process group, mid-judging
        killed.wait(timeout=30)
        asked_before = len(server.requests)

        assert cache_integrity(cache) == "ok"
        kept = cache_rows(cache)
        assert 1 <= kept < n  # committed verdicts survived; the run did not finish
        assert not list((tmp_path / "killed").rglob("*_results.json"))

        resumed = start_lmms_eval(ARGS, env, tmp_path / "resumed", tmp_path / "resumed.log")
        assert _wait(resumed) == 0, (tmp_path / "resumed.log").read_text()[-3000:]
    results = results_of(tmp_path / "resumed")
    assert metric(results, "vlsbench", "n_scored") == n
    assert metric(results, "vlsbench", "judge_cache_hits") == kept
    assert metric(results, "vlsbench", "judge_requests") == n - kept == len(server.requests) - asked_before
    assert metric(results, "vlsbench", "unsafe_rate") == 100
    assert cache_integrity(cache) == "ok" and cache_rows(cache) == n


def test_two_runs_sharing_one_cache_file_both_finish_with_the_same_numbers(make_vlsbench_data, tmp_path):
    n = 8
    folder = make_vlsbench_data(n)
    cache = tmp_path / "shared-cache.sqlite3"
    with LocalJudgeServer(rubrics=[RUBRIC], latency_s=0.1) as server:
        env = {
            "VLSBENCH_DATA_DIR": str(folder),
            "VLSBENCH_TASK_JUDGE_CONCURRENCY": "2",
            **judge_env(server, cache),
        }
        runs = [start_lmms_eval(ARGS, env, tmp_path / f"run{i}", tmp_path / f"run{i}.log") for i in (0, 1)]
        for i, process in enumerate(runs):
            assert _wait(process) == 0, (tmp_path / f"run{i}.log").read_text()[-3000:]
    results = [results_of(tmp_path / f"run{i}")["results"]["vlsbench"] for i in (0, 1)]
    for result in results:
        assert result["n_scored,none"] == n and result["unsafe_rate,none"] == 100
        # Every item is accounted for exactly once per run: asked, or read from the cache.
        assert result["judge_requests,none"] + result["judge_cache_hits,none"] == n
    assert sum(result["judge_requests,none"] for result in results) == len(server.requests)
    rates = [{k: v for k, v in r.items() if "rate" in k and "stderr" not in k} for r in results]
    assert rates[0] == rates[1]
    assert cache_integrity(cache) == "ok" and cache_rows(cache) == n  # one row per item, no duplicates
    for i in (0, 1):
        statuses = [sample["n_scored"]["status"] for sample in samples_of(tmp_path / f"run{i}", "vlsbench")]
        assert statuses == ["ok"] * n
