"""One Ctrl-C stops judging: queued requests are dropped, the ones in flight are waited for, every
verdict that arrived is in the cache, and the next run resumes from it. A real process and a slow
judge on 127.0.0.1; every wait is bounded."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from reliability_support import cache_rows
from vlsbench_task.judge.limits import Interrupted, RateLimiter
from vlsbench_task.judge.local_server import LocalJudgeServer

from vlsbench_task.benchmarks.vlsbench.benchmark import RUBRIC

SCRIPT = Path(__file__).with_name("judge_batch.py")
N, CONCURRENCY, LATENCY_S = 40, 2, 0.4  # 8 s of judging left when it is interrupted
BOUND_S = 60


def _judge(server: LocalJudgeServer, cache: Path, images: Path) -> subprocess.Popen:
    command = [
        sys.executable,
        str(SCRIPT),
        server.base_url,
        str(cache),
        str(images),
        str(N),
        str(CONCURRENCY),
    ]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_one_ctrl_c_drops_the_queue_keeps_the_verdicts_and_a_rerun_resumes(tmp_path):
    cache, images = tmp_path / "cache.sqlite3", tmp_path / "images"
    images.mkdir()
    with LocalJudgeServer(rubrics=[RUBRIC], latency_s=LATENCY_S) as server:
        process = _judge(server, cache, images)
        deadline = time.monotonic() + BOUND_S
        while len(server.requests) < 4 and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        asked_before = len(server.requests)
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=BOUND_S)
        assert process.returncode != 0 and "KeyboardInterrupt" in err
        asked = len(server.requests)
        # only those in flight when the signal came were still answered; no queued item was sent
        assert asked_before >= 4 and asked <= asked_before + CONCURRENCY < N
        assert "Judging interrupted:" in err and "queued ones dropped" in err
        assert cache_rows(cache) == asked  # every answer that arrived is a committed verdict

        rerun = _judge(server, cache, images)
        out, err = rerun.communicate(timeout=BOUND_S)
        assert rerun.returncode == 0, err
    stats = json.loads(out.splitlines()[-1])
    assert stats["statuses"] == {"ok": N}
    assert (stats["cache_hits"], stats["requests"]) == (asked, N - asked)
    assert len(server.requests) == N


def test_a_request_waiting_for_the_rate_limit_is_released_by_the_interrupt():
    limiter = RateLimiter(rpm=1)

    async def wait_then_interrupt() -> None:
        await limiter.acquire()  # the minute's one request: the next waits about 60 s
        waiter = asyncio.create_task(limiter.acquire())
        await asyncio.sleep(0.2)
        assert not waiter.done()  # waiting for the window
        limiter.interrupt()
        with pytest.raises(Interrupted):
            await asyncio.wait_for(waiter, timeout=5)

    asyncio.run(wait_then_interrupt())
    with pytest.raises(Interrupted):  # and nothing starts afterwards
        asyncio.run(limiter.acquire())
