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


def _read(path: Path) -> dict:
    config = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader) or {}
    included = config.pop("include", None)
    if included:
        config = {**_read(path.parent / included), **config}
    return config


@functools.cache
def configs() -> dict[str, dict]:
    """Every task and group we ship, by name, with `include`s resolved."""
    root = Path(str(files("vlsbench_task.task_configs")))
    found = {}
    for path in sorted(root.rglob("*.yaml")):
        config = _read(path)
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
