"""One configuration (VLSBENCH_TASK_JUDGE_*) serves every judged task; the judge model can be set per
benchmark (<B>_JUDGE_MODEL). The old names' aliases are tested in test_variable_names.py."""

from __future__ import annotations

import pytest
from vlsbench_task.judge import JudgeSettings
from vlsbench_task.judge.settings import DEFAULT_MODEL

MODEL_VARIABLES = (
    "VLSBENCH_TASK_JUDGE_MODEL",
    "VLSBENCH_JUDGE_MODEL",
    "MOSSBENCH_JUDGE_MODEL",
    "SIUO_JUDGE_MODEL",
    "VLSBENCH_JUDGE_MODEL_MOSSBENCH",
    "VLSBENCH_JUDGE_MODEL_MOSSBENCH_CONTRAST",
    "VLSBENCH_JUDGE_MODEL_SIUO",
)


@pytest.fixture(autouse=True)
def no_judge_variables(monkeypatch):
    for name in MODEL_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize(
    ("variables", "task_model", "expected"),
    [
        ({}, None, DEFAULT_MODEL),
        ({}, "gpt-4-turbo-2024-04-09", "gpt-4-turbo-2024-04-09"),  # the task's own default (YAML)
        ({"VLSBENCH_TASK_JUDGE_MODEL": "qwen"}, "gpt-4-turbo-2024-04-09", "qwen"),  # the user's wins
        (
            {"VLSBENCH_TASK_JUDGE_MODEL": "qwen", "MOSSBENCH_JUDGE_MODEL": "gpt-4-turbo-2024-04-09"},
            None,
            "gpt-4-turbo-2024-04-09",  # and the benchmark's own variable over all
        ),
        ({"SIUO_JUDGE_MODEL": "other"}, None, DEFAULT_MODEL),  # another benchmark's variable
    ],
)
def test_the_judge_model_of_a_benchmark(monkeypatch, variables, task_model, expected):
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    settings = JudgeSettings.from_env(benchmark="mossbench", task="mossbench", task_model=task_model)
    assert settings.model == expected


def test_a_benchmark_variable_serves_each_of_its_tasks(monkeypatch):
    monkeypatch.setenv("MOSSBENCH_JUDGE_MODEL", "gpt-4-turbo-2024-04-09")
    settings = JudgeSettings.from_env(benchmark="mossbench", task="mossbench_contrast")
    assert settings.model == "gpt-4-turbo-2024-04-09"


def test_vlsbench_judge_model_is_vlsbench_own(monkeypatch):
    monkeypatch.setenv("VLSBENCH_TASK_JUDGE_MODEL", "qwen")
    monkeypatch.setenv("VLSBENCH_JUDGE_MODEL", "gpt-4o-2024-08-06")
    assert JudgeSettings.from_env(benchmark="vlsbench", task="vlsbench").model == "gpt-4o-2024-08-06"
    assert JudgeSettings.from_env(benchmark="figstep", task="figstep").model == "qwen"
