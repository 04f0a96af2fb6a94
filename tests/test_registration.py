"""Registration with lmms-eval, with no flag: every entry point a user may take, and the wheel's layout."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

from vlsbench_task import lmms_eval_adapter as adapter
from vlsbench_task.base import registry

REPO = Path(__file__).resolve().parents[1]
OUR_TASKS = {"vlsbench", "vlsbench_keyword", "vlsbench_textonly", "mmsafeaware", "mmsafeaware_paper_parse"}
OUR_GROUPS = {"multimodal_safety", "multimodal_safety_open", "multimodal_safety_offline"}

_LIST_OUR_TASKS = """
import json
from lmms_eval.tasks import TaskManager
print(json.dumps(sorted(TaskManager().all_tasks)))
"""


def _our_task_and_group_names() -> set[str]:
    """Every task and group name declared under task_configs/, read from the YAMLs themselves."""

    class Loader(yaml.SafeLoader):
        pass

    Loader.add_constructor("!function", lambda loader, node: None)
    names = set()
    for path in (REPO / "task_configs").rglob("*.yaml"):
        config = yaml.load(path.read_text(), Loader=Loader) or {}
        if isinstance(config.get("task"), str):
            names.add(config["task"])
        elif "group" in config:
            names.add(config["group"])
    return names


def test_the_registry_reads_the_same_names_as_the_yamls():
    """The commands that work on saved outputs (rejudge, reports) find every task and group."""
    expected = _our_task_and_group_names()
    assert expected >= OUR_TASKS | OUR_GROUPS
    assert set(registry.task_names()) | set(registry.group_names()) == expected
    assert set(registry.group_names()) >= OUR_GROUPS and not OUR_TASKS & set(registry.group_names())
    assert registry.benchmark_of("vlsbench").name == "vlsbench"
    assert registry.benchmark_of("mmsafeaware_paper_parse").name == "mmsafeaware"


def _python(code: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_python_api_indexes_our_tasks_in_a_fresh_interpreter():
    completed = _python(_LIST_OUR_TASKS)
    assert completed.returncode == 0, completed.stderr[-3000:]
    indexed = set(json.loads(completed.stdout.strip().splitlines()[-1]))
    expected = _our_task_and_group_names()
    assert expected >= OUR_TASKS | OUR_GROUPS
    assert expected <= indexed, f"not registered: {sorted(expected - indexed)}"


@pytest.mark.e2e
def test_lmms_eval_tasks_list_shows_every_task_and_group_of_this_package():
    script = Path(sys.executable).parent / "lmms-eval"
    completed = subprocess.run([str(script), "tasks", "list"], capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stderr[-3000:]
    listed = {line.strip() for line in completed.stdout.splitlines()}
    missing = _our_task_and_group_names() - listed
    assert not missing, f"`lmms-eval tasks list` lacks {sorted(missing)}"


def test_a_broken_task_plugin_does_not_break_lmms_eval(tmp_path):
    dist_info = tmp_path / "broken_plugin-0.1.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text("Metadata-Version: 2.1\nName: broken-plugin\nVersion: 0.1\n")
    (dist_info / "entry_points.txt").write_text("[lmms_eval.tasks]\nbroken = no_such_module_for_tasks\n")
    pythonpath = os.pathsep.join(filter(None, [str(tmp_path), os.environ.get("PYTHONPATH")]))
    completed = _python(_LIST_OUR_TASKS, env={"PYTHONPATH": pythonpath})
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert "vlsbench" in json.loads(completed.stdout.strip().splitlines()[-1])
    assert "no_such_module_for_tasks" in completed.stderr  # reported, then skipped


@pytest.mark.network  # builds the wheel, which may fetch hatchling from the package registry
def test_the_wheel_nests_judge_and_task_configs_and_ships_the_startup_file(tmp_path):
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--wheel-dir", str(tmp_path), str(REPO)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert built.returncode == 0, built.stderr[-3000:]
    (wheel,) = tmp_path.glob("vlsbench_task-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "vlsbench_task_lmms_eval.pth" in names
    assert "vlsbench_task/judge/engine.py" in names
    assert "vlsbench_task/base/task.py" in names
    # each benchmark's data files: the judge's rubric and the papers' tables
    assert "vlsbench_task/benchmarks/vlsbench/rubric.txt" in names
    assert "vlsbench_task/benchmarks/vlsbench/paper_results.json" in names
    assert "vlsbench_task/benchmarks/mmsafeaware/paper_results.json" in names
    assert "vlsbench_task/task_configs/mmsafeaware/_default_template_yaml" in names
    assert "vlsbench_task/task_configs/suites/multimodal_safety.yaml" in names
    assert "vlsbench_task/task_configs/vlsbench/_default_template_yaml" in names
    assert "vlsbench_task/task_configs/vlsbench/vlsbench.yaml" in names
    top_level = {name.split("/")[0] for name in names}
    assert not top_level & {"judge", "task_configs", "tests"}, sorted(top_level)
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    assert "[lmms_eval.tasks]" in zipfile.ZipFile(wheel).read(entry_points).decode()


def test_the_hooks_wrappers_fall_back_to_lmms_eval_when_their_own_part_fails(monkeypatch, capsys):
    """Someone else's tasks must load whatever goes wrong in ours."""
    calls = []

    def load_task_or_group(self, task_list=None, task_type="simple"):
        calls.append((task_list, task_type))
        return {"their_task": object()}

    def initialize_tasks(self, include_path=None, include_defaults=True):
        calls.append((include_path, include_defaults))
        return {}

    def fail(*args):
        raise RuntimeError("our part broke")

    monkeypatch.setattr(adapter, "_context", fail)
    monkeypatch.setattr(adapter, "plugin_task_dirs", fail)
    assert "their_task" in adapter._with_loading_context(load_task_or_group)(object(), ["their_task"], "chat")
    assert adapter._with_plugin_dirs(initialize_tasks)(object(), "their/tasks", False) == {}
    assert calls == [(["their_task"], "chat"), ("their/tasks", False)]
    assert capsys.readouterr().err.count("our part broke") == 2  # said, not swallowed
