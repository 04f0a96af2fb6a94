"""The throughput benchmark script keeps running as the engine changes (its timings are its own)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

PERFORMANCE = Path(__file__).resolve().parents[2] / "performance"


def run_script(name: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(PERFORMANCE / name), *args], capture_output=True, text=True, timeout=120
    )


@pytest.mark.network
def test_the_script_judges_every_item_correctly_and_serves_the_rerun_from_cache():
    done = run_script("judge_throughput.py", "--n", "24", "--latency", "0", "--concurrency", "4", "8")
    # Its exit status also reflects timing targets, which mean nothing at this size.
    lines = done.stdout.splitlines()
    assert "met: every verdict correct" in lines, done.stdout + done.stderr[-3000:]
    assert "met: (c) makes 0 requests" in lines
    assert any(line.startswith("(b) engine, concurrency 4: judged 24 items") for line in lines)
    assert any(line.startswith("(b) engine, concurrency 8: judged 24 items") for line in lines)
    assert any(line.startswith("(a) serial, one at a time: judged 24 items") for line in lines)
    # the bare client's and the SDK's baselines ran at each concurrency, on the same requests
    floors = [line for line in lines if "bare client" in line and "SDK alone" in line and "engine" in line]
    assert [line.split(":")[0] for line in floors] == ["concurrency   4", "concurrency   8"]


@pytest.mark.network
def test_no_serial_skips_the_serial_baseline_and_images_judges_a_folders_files(tmp_path):
    for name, size in [("a.png", (300, 300)), ("b.jpg", (40, 30)), ("c.PNG", (1000, 800))]:
        Image.new("RGB", size, (90, 20, 200)).save(tmp_path / name)
    done = run_script(
        "judge_throughput.py",
        *("--n", "12", "--latency", "0", "--concurrency", "4", "--no-serial", "--images", str(tmp_path)),
    )
    lines = done.stdout.splitlines()
    assert "met: every verdict correct" in lines, done.stdout + done.stderr[-3000:]
    assert "(a) serial" not in done.stdout
    assert f"N=12 items, server latency 0.0 s, the 3 images under {tmp_path}, cycled" in lines


@pytest.mark.network
def test_the_endpoints_script_survives_its_killed_server():
    done = run_script("judge_endpoints.py", "--n", "64", "--latency", "0.05", "--capacity", "2")
    lines = done.stdout.splitlines()  # the throughput target means nothing at this size
    assert "met: (b) every item ok after the kill" in lines, done.stdout + done.stderr[-3000:]
    assert "met: (b) the killed server's failures counted" in lines
    assert "met: (a) every verdict correct" in lines


@pytest.mark.network
def test_the_rate_limits_script_loses_nothing_with_or_without_configured_limits():
    done = run_script(
        "judge_rate_limits.py", "--n", "30", "--rpm", "1200", "--tpm", "300000", "--latency", "0.02"
    )
    lines = done.stdout.splitlines()  # the throughput target means little at this size
    assert "met: (a) 0 items lost or left as errors" in lines, done.stdout + done.stderr[-3000:]
    assert "met: (b) 0 items lost or left as errors" in lines
    assert any(line.startswith("(a) limits set: ") and "throughput / binding limit" in line for line in lines)


@pytest.mark.e2e
@pytest.mark.network
def test_the_suite_script_judges_the_whole_suite_within_the_budget(shared_data):
    # --limit 2: every member of multimodal_safety_open through lmms-eval, a few rows each.
    done = run_script("judge_suite_rate_limited.py", "--limit", "2", "--rpm", "600", "--tpm", "600000")
    lines = done.stdout.splitlines()
    assert "met: 0 items lost or left as errors" in lines, done.stdout + done.stderr[-3000:]
    assert "met: fewer than 1 % of requests answered 429" in lines
    assert any("sustained throughput / binding limit = " in line for line in lines)
