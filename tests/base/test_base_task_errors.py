"""What a task says before any download or inference when it cannot run: the judge first, both
problems at once, in one line that names what to set (lmms-eval itself exits 0 and prints its own
traceback around it; the run writes no results file)."""

from __future__ import annotations

import socket

import pytest
from hub_emulator import HubEmulator

pytestmark = [pytest.mark.e2e, pytest.mark.network]

NO_JUDGE = {"VLSBENCH_TASK_JUDGE_API_KEY": "", "OPENAI_API_KEY": "", "VLSBENCH_TASK_JUDGE_BASE_URL": ""}


def _error_line(run) -> str:
    (line,) = [line for line in run.output.splitlines() if "Error during evaluation:" in line]
    return line


def test_no_judge_and_no_data_are_both_named_and_nothing_is_downloaded(run_lmms_eval, tmp_path):
    with HubEmulator({"Foreshhh/vlsbench": {"data.json": b"[]", "imgs.tar": b""}}) as hub:
        env = {**NO_JUDGE, "HF_HUB_OFFLINE": "", "HF_ENDPOINT": hub.url, "HF_HOME": str(tmp_path / "hf")}
        run = run_lmms_eval(["--model", "dummy", "--tasks", "vlsbench"], env={**env, "VLSBENCH_DATA_DIR": ""})
    assert hub.gets == [] and hub.revisions == []  # the judge is checked before any download
    assert not list(run.output_dir.rglob("*_results.json"))
    line = _error_line(run)
    for wanted in (
        "VLSBench (vlsbench): no judge is configured",
        "VLSBENCH_TASK_JUDGE_API_KEY",
        "vlsbench_keyword",
    ):
        assert wanted in line
    assert "Also: VLSBench: looked for a downloaded copy" in line and "Set VLSBENCH_DATA_DIR" in line


def test_an_unavailable_benchmark_ends_in_one_clear_line(run_lmms_eval):
    run = run_lmms_eval(["--model", "dummy", "--tasks", "mmsafeaware"], env={"MMSAFEAWARE_DATA_DIR": ""})
    line = _error_line(run)
    assert "MMSafeAware: could not download github.com/Jarviswang94/MMSafetyAwareness" in line
    assert "Set MMSAFEAWARE_DATA_DIR to a local copy" in line
    assert "During handling of the above exception" not in run.output  # no chained httpx traceback
    assert run.output.count("Traceback") == 1


def test_an_unusable_offline_judge_setting_is_named_before_any_download(run_lmms_eval, tmp_path):
    with HubEmulator({"Foreshhh/vlsbench": {"data.json": b"[]", "imgs.tar": b""}}) as hub:
        env = {"HF_HUB_OFFLINE": "", "HF_ENDPOINT": hub.url, "HF_HOME": str(tmp_path / "hf")}
        run = run_lmms_eval(
            ["--model", "dummy", "--tasks", "vlsbench_keyword"],
            env={**env, "VLSBENCH_DATA_DIR": "", "VLSBENCH_TASK_JUDGE_CONCURRENCY": "0"},
        )
    assert hub.gets == [] and hub.revisions == []
    assert not list(run.output_dir.rglob("*_results.json"))
    assert "VLSBENCH_TASK_JUDGE_CONCURRENCY must be at least 1" in _error_line(run)


def test_an_unreachable_judge_stops_the_run_before_inference(run_lmms_eval, make_vlsbench_data):
    """A judge URL that refuses connections costs one request at task construction, not a generation
    pass that ends in judge_error_rate 100."""
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}/v1"
    run = run_lmms_eval(
        ["--model", "dummy", "--tasks", "vlsbench", "--limit", "2"],
        env={"VLSBENCH_DATA_DIR": str(make_vlsbench_data(3)), "VLSBENCH_TASK_JUDGE_BASE_URL": url},
    )
    assert not list(run.output_dir.rglob("*_results.json"))
    assert not list(run.output_dir.rglob("*_samples_*.jsonl"))
    assert "Running generate_until requests" not in run.output  # stopped before any inference
    line = _error_line(run)
    assert f"VLSBench (vlsbench): the judge at {url} (model gpt-4o-2024-08-06) cannot be reached" in line
    assert "Connection refused" in line and "set VLSBENCH_TASK_JUDGE_BASE_URL" in line
    assert "VLSBENCH_TASK_JUDGE_PREFLIGHT=off" in line and "vlsbench_keyword" in line
