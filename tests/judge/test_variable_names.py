"""The old variable names keep working through the one alias table (vlsbench_task/variables.py), each
with one deprecation warning per process, and the new name wins where both are set."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from loguru import logger
from vlsbench_task.judge import JudgeSettings

from vlsbench_task import variables
from vlsbench_task.base.data import max_data_error_rate


@pytest.fixture
def warnings_seen(monkeypatch):
    """The loguru warnings of the test, with the once-per-process memory of a fresh process."""
    monkeypatch.setattr(variables, "_warned", set())
    for name in [*variables.RENAMED, *variables.RENAMED.values()]:
        monkeypatch.delenv(name, raising=False)
    seen: list[str] = []
    sink = logger.add(lambda message: seen.append(message.record["message"]), level="WARNING")
    yield seen
    logger.remove(sink)


def test_every_package_wide_variable_has_the_package_prefix_and_an_old_name():
    assert variables.RENAMED  # the table is not empty
    for new, old in variables.RENAMED.items():
        assert new.startswith("VLSBENCH_TASK_") and old.startswith("VLSBENCH_") and new != old
        assert new.removeprefix("VLSBENCH_TASK_") == old.removeprefix("VLSBENCH_")


@pytest.mark.parametrize(
    ("old", "value", "read", "expected"),
    [
        (
            "VLSBENCH_JUDGE_BASE_URL",
            "http://127.0.0.1:9/v1",
            lambda: JudgeSettings.from_env().base_url,
            "http://127.0.0.1:9/v1",
        ),
        (
            "VLSBENCH_JUDGE_API_KEY",
            "sk-old-name-key",
            lambda: JudgeSettings.from_env().api_key,
            "sk-old-name-key",
        ),
        ("VLSBENCH_JUDGE_CONCURRENCY", "3", lambda: JudgeSettings.from_env().concurrency, 3),
        ("VLSBENCH_JUDGE_TIMEOUT", "7", lambda: JudgeSettings.from_env().timeout_s, 7.0),
        ("VLSBENCH_JUDGE_RPM", "11", lambda: JudgeSettings.from_env().rpm, 11),
        ("VLSBENCH_JUDGE_IMAGE_MAX_SIDE", "0", lambda: JudgeSettings.from_env().image_max_side, 0),
        ("VLSBENCH_JUDGE_PREFLIGHT", "off", lambda: JudgeSettings.from_env().preflight, False),
        (
            "VLSBENCH_JUDGE_FORMAT",
            "llama-guard-3",
            lambda: JudgeSettings.from_env().guard_format,
            "llama-guard-3",
        ),
        ("VLSBENCH_MAX_DATA_ERROR_RATE", "12.5", max_data_error_rate, 12.5),
    ],
)
def test_an_old_name_still_works_with_one_warning(monkeypatch, warnings_seen, old, value, read, expected):
    monkeypatch.setenv(old, value)
    first, second = read(), read()
    assert first == second == expected
    new = next(new for new, each in variables.RENAMED.items() if each == old)
    assert warnings_seen == [f"{old} is deprecated and will stop working: set {new} instead"]


def test_the_new_name_wins_silently(monkeypatch, warnings_seen):
    monkeypatch.setenv("VLSBENCH_JUDGE_BASE_URL", "http://127.0.0.1:9/old")
    monkeypatch.setenv("VLSBENCH_TASK_JUDGE_BASE_URL", "http://127.0.0.1:9/new")
    assert JudgeSettings.from_env().base_url == "http://127.0.0.1:9/new"
    assert warnings_seen == []


def test_the_old_per_task_model_names_its_task_and_points_at_the_benchmark_variable(
    monkeypatch, warnings_seen
):
    monkeypatch.delenv("MOSSBENCH_JUDGE_MODEL", raising=False)
    monkeypatch.setenv("VLSBENCH_JUDGE_MODEL_MOSSBENCH_CONTRAST", "for-the-harmful-set")
    contrast = JudgeSettings.from_env(benchmark="mossbench", task="mossbench_contrast")
    benign = JudgeSettings.from_env(benchmark="mossbench", task="mossbench")
    assert (contrast.model, benign.model) == ("for-the-harmful-set", "gpt-4o-2024-08-06")
    assert warnings_seen == [
        "VLSBENCH_JUDGE_MODEL_MOSSBENCH_CONTRAST is deprecated and will stop working: set "
        "MOSSBENCH_JUDGE_MODEL instead"
    ]
    monkeypatch.setenv("MOSSBENCH_JUDGE_MODEL", "new")
    assert JudgeSettings.from_env(benchmark="mossbench", task="mossbench_contrast").model == "new"


def test_the_old_package_wide_model_still_judges_every_task(monkeypatch, warnings_seen):
    monkeypatch.delenv("FIGSTEP_JUDGE_MODEL", raising=False)
    monkeypatch.setenv("VLSBENCH_JUDGE_MODEL", "qwen")
    assert JudgeSettings.from_env(benchmark="vlsbench", task="vlsbench").model == "qwen"
    assert warnings_seen == []  # VLSBench's own variable
    assert JudgeSettings.from_env(benchmark="figstep", task="figstep").model == "qwen"
    assert len(warnings_seen) == 1 and "set VLSBENCH_TASK_JUDGE_MODEL instead" in warnings_seen[0]


def test_doctor_lists_the_old_names_in_use(monkeypatch, warnings_seen):
    monkeypatch.setenv("VLSBENCH_JUDGE_CACHE", "off")
    monkeypatch.setenv("VLSBENCH_JUDGE_MODEL_MOSSBENCH_CONTRAST", "x")
    monkeypatch.setenv("VLSBENCH_JUDGE_RPM", "5")
    monkeypatch.setenv("VLSBENCH_TASK_JUDGE_RPM", "5")  # renamed already: the old one is not read
    found = variables.deprecated_in_use({"mossbench_contrast": "mossbench", "figstep": "figstep"})
    assert found == {
        "VLSBENCH_JUDGE_CACHE": "VLSBENCH_TASK_JUDGE_CACHE",
        "VLSBENCH_JUDGE_MODEL_MOSSBENCH_CONTRAST": "MOSSBENCH_JUDGE_MODEL",
    }


def test_one_warning_per_name_and_process(tmp_path):
    """In a real process: two settings reads, two old names, two warnings."""
    code = "from vlsbench_task.judge import JudgeSettings\nfor _ in range(3): JudgeSettings.from_env()\n"
    env = {
        "PATH": "",
        "VLSBENCH_JUDGE_RPM": "5",
        "VLSBENCH_JUDGE_TIMEOUT": "9",
        "XDG_CACHE_HOME": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "-c", code], env={**_python_env(), **env}, capture_output=True, text=True, check=True
    )
    lines = [line for line in result.stderr.splitlines() if "is deprecated" in line]
    assert len(lines) == 2, result.stderr
    assert {line.split(" is deprecated")[0].split()[-1] for line in lines} == {
        "VLSBENCH_JUDGE_RPM",
        "VLSBENCH_JUDGE_TIMEOUT",
    }


def _python_env() -> dict[str, str]:
    return {
        name: value for name, value in os.environ.items() if name in ("PYTHONPATH", "HOME", "VIRTUAL_ENV")
    }
