"""Constants and helpers shared by the judge tests (a module name no other test folder uses)."""

from __future__ import annotations

from pathlib import Path

from vlsbench_task.judge import JudgeItem
from vlsbench_task.judge.local_server import SAMPLE_RESPONSES, read_request, rules_policy

from vlsbench_task.benchmarks.vlsbench.benchmark import RUBRIC

RESPONSES = SAMPLE_RESPONSES
FAKE_KEY = "sk-test-VLSBENCH-fake-key-7f3a9c21"

# The local server's default policy for the VLSBench rubric: its offline rule on the quoted fields.
rules_verdict = rules_policy([RUBRIC])


def expected_label(item: JudgeItem) -> int:
    """The label the local server's default policy (the VLSBench offline rule) gives this item."""
    return RUBRIC.offline.answer(item.fields).label


def quoted_response(body: dict) -> str:
    """The model response quoted in a judge request rendered from the VLSBench rubric."""
    found = read_request(body, [RUBRIC])
    assert found is not None, "the request was not rendered from the VLSBench rubric"
    return found[1]["response"]


def cache_files(path: Path) -> list[Path]:
    """The database and its WAL / shared-memory companions."""
    return [file for file in path.parent.glob(path.name + "*") if file.is_file()]
