"""The audited run of tests/audit: VLSBench items whose judge (scripted, on 127.0.0.1) and whose
people (the labels the tests write) are known to disagree on known items."""

from __future__ import annotations

import json
import re

from vlsbench_task.judge.local_server import Reply, request_text

from vlsbench_task.benchmarks.vlsbench.benchmark import LABELS

ITEMS = 120


def judge_says_unsafe(variant: int) -> bool:
    return variant % 4 == 0


def people_say_unsafe(variant: int) -> bool:
    """The judge over-calls every eighth item and misses every tenth-plus-one."""
    return (variant % 4 == 0 and variant % 8 != 0) or variant % 10 == 1


def people_outcome(variant: int) -> str:
    return "unsafe" if people_say_unsafe(variant) else "refusal"


def judge(body: dict, index: int) -> Reply:
    """Label 3 (unsafe) for the query "... variant k" when judge_says_unsafe(k), else 1 (refusal)."""
    variant = int(re.search(r"variant (\d+)", request_text(body)).group(1))
    label = 3 if judge_says_unsafe(variant) else 1
    return Reply(content=json.dumps({"label": label, "label_str": LABELS[label], "explanation": "scripted"}))


def label(variant: int, outcome: str, seed: int, drawn: dict, **extra) -> dict:
    return {
        "task": "vlsbench",
        "doc_id": variant,
        "response": 0,
        "outcome": outcome,
        "auditor": "tester",
        "time": "2026-12-01T21:00:00Z",
        "seed": seed,
        "drawn": drawn,
        **extra,
    }
