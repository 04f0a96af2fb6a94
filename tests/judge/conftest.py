"""Judge tests run the real engine against judge.local_server on 127.0.0.1; nothing of ours is patched."""

from __future__ import annotations

import dataclasses

import pytest
from judge_support import FAKE_KEY
from vlsbench_task.judge import JudgeItem, JudgeSettings
from vlsbench_task.judge.local_server import synthetic_items

from vlsbench_task.benchmarks.vlsbench.benchmark import RUBRIC


@pytest.fixture
def make_items(tmp_path):
    """make_items(n) -> n VLSBench items, each with its own small PNG and a distinct response."""

    def make(n: int, size: tuple[int, int] = (32, 24)) -> list[JudgeItem]:
        return synthetic_items(tmp_path, n, RUBRIC, size)

    return make


@pytest.fixture
def settings_for(tmp_path):
    """settings_for(server, **overrides) -> JudgeSettings aimed at the local server, own cache file."""

    def make(server, **overrides) -> JudgeSettings:
        base = JudgeSettings(
            base_url=server.base_url, api_key=FAKE_KEY, cache_path=tmp_path / "cache.sqlite3", timeout_s=10
        )
        return dataclasses.replace(base, **overrides)

    return make
