"""Data of every benchmark for the suite groups and the contract test, found by convention: each
benchmark folder `vlsbench_task/benchmarks/<name>/` has a test support module
`tests/<name>/<name>_support.py` whose `data_env(shared, folder)` gives the variables that point its
tasks at test data (a shared copy, or a fixture in its published layout written to `folder`). A new
benchmark edits no file here."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

from vlsbench_task.judge.local_server import Reply, read_request, rules_policy

from vlsbench_task.base import registry
from vlsbench_task.base.benchmark import benchmark_named

TESTS = Path(__file__).resolve().parents[1]


class NoTestData(LookupError):
    """A benchmark folder without a test support module that gives its test data."""


def data_keys() -> list[str]:
    """The data of every task of ours, by data key (`siuo_mcqa` reads SIUO's data: `siuo/`)."""
    names = {config["benchmark"] for config in registry.configs().values() if "benchmark" in config}
    return sorted({benchmark_named(name).data_key for name in names})


def support_module(folder: str):
    """tests/<folder>/<folder>_support.py, imported by its name (support module names are unique)."""
    path = TESTS / folder / f"{folder}_support.py"
    if not path.is_file():
        raise NoTestData(
            f"{path} is missing: each benchmark's tests give its data (docs/adding_a_benchmark.md)"
        )
    if str(path.parent) not in sys.path:
        sys.path.append(str(path.parent))
    module = importlib.import_module(path.stem)
    if not callable(getattr(module, "data_env", None)):
        raise NoTestData(f"{path} has no data_env(shared, folder) (docs/adding_a_benchmark.md)")
    return module


def data_env(shared: Path, root: Path) -> dict[str, str]:
    """Every benchmark's data variables, each fixture written to its own folder under `root`."""
    env: dict[str, str] = {}
    for folder in data_keys():
        env.update(support_module(folder).data_env(shared, root / folder))
    return env


def every_rubric() -> list:
    names = {config["benchmark"] for config in registry.configs().values() if "benchmark" in config}
    return [rubric for name in sorted(names) for rubric in benchmark_named(name).rubrics.values()]


def _first_answer(rubric) -> str:
    """A valid answer of the rubric's first allowed value in every field ("stand-in" for free text)."""
    properties = rubric.schema["properties"]
    answer = {
        name: spec["enum"][0] if "enum" in spec else "stand-in" if spec.get("type") == "string" else 0
        for name, spec in properties.items()
    }
    return rubric.answer_model.model_validate(answer).model_dump_json()


def stand_in_judge(rubrics: list):
    """Each rubric's offline rule where it has one, else its first allowed answer."""
    with_rules = rules_policy(rubrics)

    def policy(body: dict, index: int) -> Reply:
        found = read_request(body, rubrics)
        if found is not None and found[0].offline is None:
            return Reply(content=_first_answer(found[0]))
        return with_rules(body, index)

    return policy
