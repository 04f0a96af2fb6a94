"""Constants and helpers shared by the judge tests (a module name no other test folder uses)."""

from __future__ import annotations

from pathlib import Path

from vlsbench_task.judge import JudgeItem
from vlsbench_task.judge.backends.keyword import classify
from vlsbench_task.judge.local_server import SAMPLE_RESPONSES

RESPONSES = SAMPLE_RESPONSES
FAKE_KEY = "sk-test-VLSBENCH-fake-key-7f3a9c21"


def expected_label(item: JudgeItem) -> int:
    """The label the local server's default keyword policy gives this item."""
    return classify(item.response)[0]


def cache_files(path: Path) -> list[Path]:
    """The database and its WAL / shared-memory companions."""
    return [file for file in path.parent.glob(path.name + "*") if file.is_file()]
