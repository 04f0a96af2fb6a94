"""One configuration (VLSBENCH_JUDGE_*) serves every judged task; the judge model can be set per task."""

from __future__ import annotations

import pytest
from vlsbench_task.judge import JudgeSettings
from vlsbench_task.judge.settings import DEFAULT_MODEL


@pytest.fixture(autouse=True)
def no_judge_variables(monkeypatch):
    for name in ("VLSBENCH_JUDGE_MODEL", "VLSBENCH_JUDGE_MODEL_MOSSBENCH", "VLSBENCH_JUDGE_MODEL_SIUO"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize(
    ("variables", "task_model", "expected"),
    [
        ({}, None, DEFAULT_MODEL),
        ({}, "gpt-4-turbo-2024-04-09", "gpt-4-turbo-2024-04-09"),  # the task's own default (YAML)
        ({"VLSBENCH_JUDGE_MODEL": "qwen-judge"}, "gpt-4-turbo-2024-04-09", "qwen-judge"),  # the user's wins
        (
            {
                "VLSBENCH_JUDGE_MODEL": "qwen-judge",
                "VLSBENCH_JUDGE_MODEL_MOSSBENCH": "gpt-4-turbo-2024-04-09",
            },
            None,
            "gpt-4-turbo-2024-04-09",  # and the per-task variable over all
        ),
        ({"VLSBENCH_JUDGE_MODEL_SIUO": "other"}, None, DEFAULT_MODEL),  # another task's variable
    ],
)
def test_the_judge_model_of_a_task(monkeypatch, variables, task_model, expected):
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    assert JudgeSettings.from_env(task="mossbench", task_model=task_model).model == expected


def test_a_task_variable_names_the_task_exactly(monkeypatch):
    monkeypatch.setenv("VLSBENCH_JUDGE_MODEL_MOSSBENCH", "for-the-benign-set")
    assert JudgeSettings.from_env(task="mossbench_contrast").model == DEFAULT_MODEL
