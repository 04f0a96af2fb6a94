"""The papers' published tables: `vlsbench_task/benchmarks/<benchmark>/paper_results.json`, one per benchmark that
has one, declaring its source, the tasks of ours that follow its protocol, and its rows."""

from __future__ import annotations

from functools import cache
from importlib.resources import files

from pydantic import BaseModel

from ..base import registry


class PaperRow(BaseModel):
    model: str | None  # a key of paper_models.PAPER_MODELS: the lmms-eval loader of this row's model
    values: dict[str, dict[str, float]]  # task -> metric -> percent


class PaperTable(BaseModel):
    benchmark: str = ""
    source: dict[str, str]
    tasks: list[str]  # our tasks that follow the paper's protocol
    variants: dict[
        str, str
    ] = {}  # another task of ours -> the protocol task whose numbers it is compared with
    results: dict[str, PaperRow]  # paper row -> its model and values

    def protocol_task(self, task: str) -> str | None:
        """The task whose published numbers `task` is compared with, or None."""
        return task if task in self.tasks else self.variants.get(task)


@cache
def load_table(benchmark: str) -> PaperTable | None:
    path = files(f"vlsbench_task.benchmarks.{benchmark}") / "paper_results.json"
    if not path.is_file():
        return None
    table = PaperTable.model_validate_json(path.read_text(encoding="utf-8"))
    return table.model_copy(update={"benchmark": benchmark})


def tables() -> dict[str, PaperTable]:
    """Every benchmark's table, by benchmark name."""
    names = {config["benchmark"] for config in registry.configs().values() if "benchmark" in config}
    return {name: table for name in sorted(names) if (table := load_table(name)) is not None}


def table_of_task(task: str) -> PaperTable | None:
    benchmark = registry.benchmark_of(task)
    table = load_table(benchmark.name) if benchmark else None
    return table if table is not None and table.protocol_task(task) else None
