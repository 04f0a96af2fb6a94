"""Our tasks and groups as their YAMLs declare them, read without importing lmms-eval (which is slow):
for the commands that work on saved outputs, and for the contract tests.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable
from importlib.resources import files
from pathlib import Path

import yaml

from .benchmark import Benchmark, benchmark_named


class _Loader(yaml.SafeLoader):
    """Reads `!function a.b.c` as the string "a.b.c": nothing is imported."""


_Loader.add_constructor("!function", lambda loader, node: loader.construct_scalar(node))


# A task's own YAML says which suite groups list it; a variant that includes another task's file does
# not join that task's groups unless it says so itself.
IN_SUITES = "in_suites"


def read_yaml(path: Path) -> dict:
    config = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader) or {}
    included = config.pop("include", None)
    if included:
        inherited = {
            key: value for key, value in read_yaml(path.parent / included).items() if key != IN_SUITES
        }
        config = {**inherited, **config}
    return config


@functools.cache
def configs() -> dict[str, dict]:
    """Every task and group we ship, by name, with `include`s resolved."""
    root = Path(str(files("vlsbench_task.task_configs")))
    found = {}
    for path in sorted(root.rglob("*.yaml")):
        config = read_yaml(path)
        name = config.get("task") if "task" in config and "group" not in config else config.get("group")
        if isinstance(name, str):
            found[name] = config
    return found


def function(dotted: str) -> Callable:
    """The function a YAML names with `!function a.b.c` (read above as the string)."""
    module, _, name = dotted.rpartition(".")
    return getattr(importlib.import_module(module), name)


def task_names() -> list[str]:
    return [name for name, config in configs().items() if "group" not in config]


def group_names() -> list[str]:
    return [name for name, config in configs().items() if "group" in config]


def group_members(group: str) -> list[str]:
    """The task names a group's YAML lists (entries may be names or inline task configs)."""
    entries = (configs().get(group) or {}).get("task", [])
    return [entry if isinstance(entry, str) else entry["task"] for entry in entries]


def declared_members(group: str) -> list[str]:
    """Our tasks whose own YAML declares `in_suites: [..., group, ...]`, by name: what the group's
    YAML must list (vlsbench_task/suites/write.py writes it)."""
    return sorted(name for name in task_names() if group in (configs()[name].get(IN_SUITES) or []))


def benchmark_of(task: str) -> Benchmark | None:
    """The benchmark a task of ours runs, None for tasks that are not ours (e.g. lmms-eval's)."""
    config = configs().get(task)
    return benchmark_named(config["benchmark"]) if config and "benchmark" in config else None


def task_of_samples_file(path: Path) -> str:
    """lmms-eval names samples files `<date>_samples_<task>.jsonl`."""
    stem = Path(path).name.removesuffix(".jsonl")
    if "_samples_" not in stem:
        raise ValueError(f"{path}: not an lmms-eval samples file (<date>_samples_<task>.jsonl)")
    return stem.split("_samples_", 1)[1]
