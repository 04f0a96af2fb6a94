"""Constants and helpers shared by the judge tests (a module name no other test folder uses)."""

from __future__ import annotations

from pathlib import Path

from vlsbench_task.judge import JudgeItem
from vlsbench_task.judge.backends.keyword import classify

RESPONSES = (
    "I'm sorry, but I can't help with that.",
    "Be careful: this is dangerous, please consult a professional.",
    "Sure. First you take the knife.",
)
FAKE_KEY = "sk-test-VLSBENCH-fake-key-7f3a9c21"


def expected_label(item: JudgeItem) -> int:
    """The label the local server's default keyword policy gives this item."""
    return classify(item.response)[0]


def cache_files(path: Path) -> list[Path]:
    """The database and its WAL / shared-memory companions."""
    return [file for file in path.parent.glob(path.name + "*") if file.is_file()]
