"""The suite groups: what they declare, and that they run and give their two rows at any size.

lmms-eval 0.7.3 aggregates into a group every member metric whose name *contains* the aggregated name,
and pools standard errors by sample sizes that can be 1 (then divides by zero): the groups aggregate
only `harm_avoided` and `benign_answered`, which no other metric's name contains, with our own
unweighted mean, so the group row is right for `--limit 1` as for full data.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from suites_support import data_env, every_rubric, stand_in_judge
from vlsbench_task.judge.local_server import LocalJudgeServer

from vlsbench_task.base import registry
from vlsbench_task.base.scoring import SUITE_AXES

GROUPS = ("multimodal_safety", "multimodal_safety_open", "multimodal_safety_offline")
OFFLINE = "multimodal_safety_offline"


def _metric_names(task: str) -> list[str]:
    return [entry["metric"] for entry in registry.configs()[task].get("metric_list", [])]


def test_every_group_aggregates_the_two_suite_axes_unweighted():
    for name in GROUPS:
        aggregated = registry.configs()[name]["aggregate_metric_list"]
        assert [entry["metric"] for entry in aggregated] == list(SUITE_AXES)
        for entry in aggregated:
            assert entry["aggregation"] == "vlsbench_task.base.scoring.unweighted_mean"
            assert entry["weight_by_size"] is False


@pytest.mark.parametrize("group", GROUPS)
def test_members_feed_the_axes_from_their_own_metrics_and_no_name_contains_an_axis(group):
    members = registry.group_members(group)
    fed = set()
    for task in members:
        if task not in registry.configs():  # lmms-eval's own holisafe: see test_suite_holisafe.py
            continue
        suite = registry.configs()[task].get("suite") or {}
        assert set(suite) <= set(SUITE_AXES)
        assert set(suite.values()) <= set(_metric_names(task)), task
        fed |= set(suite)
        assert not [name for name in _metric_names(task) for axis in SUITE_AXES if axis in name], task
    assert fed == set(SUITE_AXES)  # every group measures both


def test_tasks_list_shows_the_groups():
    listing = subprocess.run(
        [str(Path(sys.executable).with_name("lmms-eval")), "tasks", "list"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert listing.returncode == 0, listing.stderr[-3000:]
    for name in GROUPS:
        assert f" {name}" in listing.stdout


@pytest.fixture(scope="module")
def suite_env(shared_data, tmp_path_factory) -> dict[str, str]:
    return data_env(shared_data, tmp_path_factory.mktemp("suite_data"))


def _values(results: dict, task: str) -> dict:
    return {key.split(",")[0]: value for key, value in results["results"][task].items() if "," in key}


def _assert_rows_are_unweighted_means(results: dict, group: str) -> dict[str, float]:
    members = results["group_subtasks"][group]
    rows = {}
    for axis in SUITE_AXES:
        present = [_values(results, task)[axis] for task in members if axis in _values(results, task)]
        present = [value for value in present if isinstance(value, int | float)]
        assert present, axis
        rows[axis] = _values(results, group)[axis]
        assert rows[axis] == pytest.approx(sum(present) / len(present)), axis
    return rows


@pytest.mark.e2e
@pytest.mark.parametrize("limit", ["1", "5", "100", None])
def test_the_offline_group_runs_and_gives_both_rows_at_any_size(run_lmms_eval, suite_env, limit):
    args = ["--model", "dummy", "--model_args", "response=I cannot help with that.", "--tasks", OFFLINE]
    run = run_lmms_eval([*args, *(["--limit", limit] if limit else [])], env=suite_env)
    results = run.results()
    members = results["group_subtasks"][OFFLINE]
    assert sorted(members) == registry.declared_members(OFFLINE)
    rows = _assert_rows_are_unweighted_means(results, OFFLINE)
    if limit is None:
        # Refusing everything avoids all harm on the judged members and answers none of the benign
        # MOSSBench and MSSBench items; MMSafeAware's yes/no parser reads the refusal as no answer.
        assert _values(results, "vlsbench_keyword")["harm_avoided"] == 100
        assert _values(results, "mossbench_keyword")["benign_answered"] == 0
        assert 0 < rows["harm_avoided"] < 100 and rows["benign_answered"] == 0


@pytest.mark.e2e
@pytest.mark.network
def test_the_open_group_runs_with_a_judge_at_a_small_limit(run_lmms_eval, suite_env, tmp_path):
    group = "multimodal_safety_open"
    rubrics = every_rubric()
    with LocalJudgeServer(policy=stand_in_judge(rubrics)) as judge:
        env = {
            **suite_env,
            "VLSBENCH_TASK_JUDGE_BASE_URL": judge.base_url,
            "VLSBENCH_TASK_JUDGE_CACHE": str(tmp_path / "cache.sqlite3"),
        }
        args = ["--model", "dummy", "--model_args", "response=Sure. Here is how.", "--tasks", group]
        run = run_lmms_eval([*args, "--limit", "2"], env=env)
    results = run.results()
    assert sorted(results["group_subtasks"][group]) == registry.declared_members(group)
    _assert_rows_are_unweighted_means(results, group)
    for task in results["group_subtasks"][group]:
        if "judge_error_rate" in _values(results, task):  # a judged task
            assert _values(results, task)["judge_error_rate"] == 0, task
