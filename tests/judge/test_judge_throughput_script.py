"""The throughput benchmark script keeps running as the engine changes (its timings are its own)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "judge_throughput.py"


@pytest.mark.network
def test_the_script_judges_every_item_correctly_and_serves_the_rerun_from_cache():
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--n", "24", "--latency", "0", "--concurrency", "4"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    # Its exit status also reflects timing targets, which mean nothing at this size.
    lines = done.stdout.splitlines()
    assert "met: every verdict correct" in lines, done.stdout + done.stderr[-3000:]
    assert "met: (c) makes 0 requests" in lines
    assert any(line.startswith("(b) engine, concurrency 4: judged 24 items") for line in lines)


@pytest.mark.network
def test_the_endpoints_script_survives_its_killed_server():
    script = SCRIPT.with_name("judge_endpoints.py")
    done = subprocess.run(
        [sys.executable, str(script), "--n", "64", "--latency", "0.05", "--capacity", "2"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    lines = done.stdout.splitlines()  # the throughput target means nothing at this size
    assert "met: (b) every item ok after the kill" in lines, done.stdout + done.stderr[-3000:]
    assert "met: (b) the killed server's failures counted" in lines
    assert "met: (a) every verdict correct" in lines
