"""A task whose rows are (nearly) all unusable stops before inference, with the count and the reason,
unless VLSBENCH_TASK_MAX_DATA_ERROR_RATE allows it."""

from __future__ import annotations

import shutil

import pytest

from vlsbench_task.base.data import unusable_share_problem
from vlsbench_task.benchmarks.vlsbench.benchmark import BENCHMARK


@pytest.fixture
def without_images(tmp_path, shared_data):
    """VLSBench's real data.json (2,241 rows) without its images, as a user gets it from a partial copy."""
    folder = tmp_path / "vlsbench_no_images"
    folder.mkdir()
    shutil.copy(shared_data / "vlsbench" / "data.json", folder / "data.json")
    return folder


def _problem(folder):
    docs = BENCHMARK.documents(folder, {})
    return unusable_share_problem(BENCHMARK.name, BENCHMARK.title, BENCHMARK.data, docs, folder)


def test_all_images_missing_is_refused_with_the_count_and_the_reason(without_images, monkeypatch):
    monkeypatch.delenv("VLSBENCH_TASK_MAX_DATA_ERROR_RATE", raising=False)
    problem = _problem(without_images)
    assert problem.startswith(
        f"VLSBench: 2241 of 2241 rows of {without_images} cannot be used (missing_image"
    )
    assert (
        "more than the 50 % that VLSBENCH_TASK_MAX_DATA_ERROR_RATE allows, so the model is not run" in problem
    )
    assert "data.json and imgs/" in problem and "VLSBENCH_DATA_DIR" in problem
    assert "set VLSBENCH_TASK_MAX_DATA_ERROR_RATE=100 to run anyway" in problem


def test_the_share_is_a_stated_limit_that_the_user_can_move(make_vlsbench_data, monkeypatch):
    monkeypatch.delenv("VLSBENCH_TASK_MAX_DATA_ERROR_RATE", raising=False)
    half = make_vlsbench_data(4, missing=(0, 1), name="half")
    assert _problem(half) is None  # 50 % is still allowed
    most = make_vlsbench_data(4, missing=(0, 1), corrupt=(2,), name="most")
    assert "3 of 4 rows" in _problem(most) and "missing_image 2, unreadable_image 1" in _problem(most)
    monkeypatch.setenv("VLSBENCH_TASK_MAX_DATA_ERROR_RATE", "100")
    assert _problem(most) is None
    monkeypatch.setenv("VLSBENCH_TASK_MAX_DATA_ERROR_RATE", "20")
    assert "more than the 20 %" in _problem(half)
    monkeypatch.setenv("VLSBENCH_TASK_MAX_DATA_ERROR_RATE", "lots")
    with pytest.raises(
        ValueError, match="VLSBENCH_TASK_MAX_DATA_ERROR_RATE must be a percentage from 0 to 100"
    ):
        _problem(half)


@pytest.mark.e2e
def test_lmms_eval_stops_before_inference_on_a_copy_without_images(run_lmms_eval, without_images):
    run = run_lmms_eval(
        ["--model", "dummy", "--tasks", "vlsbench_keyword"], env={"VLSBENCH_DATA_DIR": str(without_images)}
    )
    assert not list(run.output_dir.rglob("*_results.json"))
    assert "Running generate_until requests" not in run.output
    (line,) = [line for line in run.output.splitlines() if "Error during evaluation:" in line]
    assert "VLSBench: 2241 of 2241 rows" in line and "VLSBENCH_TASK_MAX_DATA_ERROR_RATE=100" in line
