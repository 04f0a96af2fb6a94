"""Each lmms-eval internal that vlsbench_task/lmms_eval_adapter.py relies on, checked against the
installed lmms-eval. A failure names the touch point and the version, so an lmms-eval release that
changes one is seen in CI, not on a user's machine."""

from __future__ import annotations

import dataclasses
import inspect

import pytest

from vlsbench_task import lmms_eval_adapter as adapter
from vlsbench_task.base import registry
from vlsbench_task.base.task import REASONING_TAGS

VERSION = adapter.lmms_eval_version()


def broken(touch_point: str, what: str) -> str:
    return f"lmms-eval {VERSION}: touch point {touch_point} of vlsbench_task/lmms_eval_adapter.py: {what}"


def _parameters(function) -> list[str]:
    return list(inspect.signature(inspect.unwrap(function)).parameters)


def test_the_installed_lmms_eval_is_a_supported_one():
    assert adapter.supported(VERSION), broken("SUPPORTED", f"not within {adapter.SUPPORTED}")


def test_task_index():
    from lmms_eval.tasks import TaskManager

    assert getattr(TaskManager.initialize_tasks, "__vlsbench_task_wrapped__", False), broken(
        "TASK_INDEX", "the start-up hook did not wrap TaskManager.initialize_tasks"
    )
    assert _parameters(TaskManager.initialize_tasks)[:3] == ["self", "include_path", "include_defaults"], (
        broken(
            "TASK_INDEX", f"TaskManager.initialize_tasks takes {_parameters(TaskManager.initialize_tasks)}"
        )
    )


def test_request_format():
    from lmms_eval.tasks import TaskManager

    assert getattr(TaskManager.load_task_or_group, "__vlsbench_task_wrapped__", False), broken(
        "REQUEST_FORMAT", "the start-up hook did not wrap TaskManager.load_task_or_group"
    )
    assert _parameters(TaskManager.load_task_or_group) == ["self", "task_list", "task_type"], broken(
        "REQUEST_FORMAT",
        f"TaskManager.load_task_or_group takes {_parameters(TaskManager.load_task_or_group)}",
    )
    assert "model_name" in _parameters(TaskManager.__init__), broken(
        "REQUEST_FORMAT", "TaskManager() takes no model_name"
    )


def test_predict_only_is_an_argument_of_simple_evaluate():
    from lmms_eval.evaluator import simple_evaluate

    assert "predict_only" in _parameters(simple_evaluate), broken(
        "PREDICT_ONLY", "simple_evaluate has no predict_only argument"
    )


def test_responses_live_on_instances():
    from lmms_eval.api.instance import Instance

    fields = {field.name for field in dataclasses.fields(Instance)}
    assert {"resps", "filtered_resps", "doc_id"} <= fields, broken(
        "RESPONSES", f"Instance has {sorted(fields)}"
    )


def test_reasoning_blocks_are_stripped_as_lmms_eval_does():
    stripped = adapter.strip_reasoning(["<think>plan</think>The answer.", None], REASONING_TAGS)
    assert stripped == ["The answer.", None], broken("REASONING", f"stripped to {stripped!r}")


def test_the_evaluators_prerequisites_run():
    """What every evaluation runs first (lmms-eval 0.7.3 imports filelock._api here)."""
    try:
        adapter.check_evaluator()
    except Exception as error:
        pytest.fail(broken("EVALUATOR", f"{error!r}; `vlsbench-task doctor` names the package"))


def test_holisafe_scoring_is_where_the_suites_read_it():
    utils = adapter.holisafe_utils()
    for name in ("UNSAFE_TYPES", "holisafe_process_results"):
        assert hasattr(utils, name), broken("HOLISAFE", f"lmms_eval.tasks.holisafe.utils has no {name}")
    suite = registry.configs()["multimodal_safety"]
    holisafe = next(m for m in suite["task"] if isinstance(m, dict) and m.get("task") == "holisafe")
    for metric in holisafe["metric_list"]:
        if str(metric.get("aggregation", "")).startswith("lmms_eval."):
            assert callable(registry.function(metric["aggregation"])), broken(
                "HOLISAFE", metric["aggregation"]
            )


@pytest.mark.parametrize("predict_only", [False, True])
def test_a_real_evaluation_hands_the_task_its_context(
    predict_only, make_vlsbench_data, monkeypatch, tmp_path
):
    """REQUEST_FORMAT, PREDICT_ONLY and SCORING, seen by our task in lmms-eval's own simple_evaluate."""
    from lmms_eval.evaluator import simple_evaluate

    monkeypatch.setenv("VLSBENCH_DATA_DIR", str(make_vlsbench_data(2)))
    seen_contexts, seen_scoring = [], []
    read_context, read_scoring = adapter.loading_context, adapter.scores
    monkeypatch.setattr(
        adapter, "loading_context", lambda: seen_contexts.append(read_context()) or seen_contexts[-1]
    )
    monkeypatch.setattr(
        adapter, "scores", lambda task: seen_scoring.append(read_scoring(task)) or seen_scoring[-1]
    )

    results = simple_evaluate(
        model="dummy", tasks=["vlsbench_keyword"], limit=2, predict_only=predict_only, log_samples=True
    )

    assert seen_contexts == [{"task_type": "simple", "predict_only": predict_only, "model": "dummy"}], broken(
        "REQUEST_FORMAT / PREDICT_ONLY", f"the task saw {seen_contexts}"
    )
    assert seen_scoring == [not predict_only], broken("SCORING", f"apply_filters saw scoring={seen_scoring}")
    if not predict_only:
        assert results["results"]["vlsbench_keyword"]["n_scored,none"] == 2
