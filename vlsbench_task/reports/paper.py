"""The papers' published tables (data files with their source), and which of our tasks each one scores."""

from __future__ import annotations

from functools import cache
from importlib.resources import files

from pydantic import BaseModel

VLSBENCH_TABLE = "vlsbench_table3"
MMSAFEAWARE_TABLE = "mmsafeaware_main"

# One copy of each table: ours beside this module, MMSafeAware's beside its task code.
_TABLE_FILES = {
    VLSBENCH_TABLE: files(__package__) / "vlsbench_paper_results.json",
    MMSAFEAWARE_TABLE: files("vlsbench_task.mmsafeaware") / "paper_results.json",
}

# Our tasks whose metrics a table reports; the first listed follows the paper's protocol.
TASKS_OF_TABLE = {
    VLSBENCH_TABLE: ("vlsbench", "vlsbench_keyword"),
    MMSAFEAWARE_TABLE: ("mmsafeaware_paper_parse", "mmsafeaware"),
}


class PaperTable(BaseModel):
    source: dict[str, str]
    metrics: list[str]
    results: dict[str, dict[str, float]]  # paper row -> metric -> percent


@cache
def load_table(table: str) -> PaperTable:
    return PaperTable.model_validate_json(_TABLE_FILES[table].read_text(encoding="utf-8"))


def table_of_task(task: str) -> str | None:
    return next((table for table, tasks in TASKS_OF_TABLE.items() if task in tasks), None)
