"""The persistent verdict cache: reuse, crash safety, sharing between processes, no secrets."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from judge_support import FAKE_KEY, cache_files, expected_label, rules_verdict
from vlsbench_task.judge import JudgeEngine, JudgeSettings, Status
from vlsbench_task.judge.local_server import LocalJudgeServer, Reply

from vlsbench_task.benchmarks.vlsbench.benchmark import RUBRIC

pytestmark = pytest.mark.network

# Judges the (VLSBench) items in a JSON file into a cache, as a separate process (so it can be killed).
WORKER = """
import json, sys
from vlsbench_task.judge import JudgeEngine, JudgeItem, JudgeSettings
from vlsbench_task.benchmarks.vlsbench.benchmark import RUBRIC
items_file, base_url, cache, concurrency = sys.argv[1:]
items = [JudgeItem(rubric=RUBRIC, **item) for item in json.load(open(items_file))]
settings = JudgeSettings(base_url=base_url, api_key="k", cache_path=cache, concurrency=int(concurrency))
verdicts, stats = JudgeEngine(settings).judge_all(items)
print(json.dumps(stats.as_dict()))
"""


def start_worker(tmp_path: Path, items, base_url: str, cache: Path, concurrency: int, name: str):
    items_file = tmp_path / f"{name}.json"
    fields = [{"key": i.key, "fields": dict(i.fields), "image_path": i.image_path} for i in items]
    items_file.write_text(json.dumps(fields))
    # One script per worker: rewriting a shared one could truncate it under a worker still starting,
    # which then ran an empty file and exited 0 having judged nothing.
    script = tmp_path / f"{name}_worker.py"
    script.write_text(WORKER)
    return subprocess.Popen(
        [sys.executable, str(script), str(items_file), base_url, str(cache), str(concurrency)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )


def committed(cache: Path) -> int:
    if not cache.exists():
        return 0
    with sqlite3.connect(cache, timeout=10) as db:
        try:
            return db.execute("SELECT COUNT(*) FROM verdicts").fetchone()[0]
        except sqlite3.OperationalError:  # the worker has not created the table yet
            return 0


def comparable(verdicts) -> list[tuple]:
    return [(v.status, v.answer, v.raw) for v in verdicts]


def test_second_run_over_the_same_responses_makes_no_request(make_items, settings_for):
    items = make_items(12)
    with LocalJudgeServer(rubrics=[RUBRIC]) as server:
        settings = settings_for(server, concurrency=4)
        first, first_stats = JudgeEngine(settings).judge_all(items)
        second, second_stats = JudgeEngine(settings).judge_all(items)
    assert len(server.requests) == 12
    assert (first_stats.cache_hits, second_stats.cache_hits, second_stats.requests) == (0, 12, 0)
    assert comparable(first) == comparable(second)
    assert all(v.cached and v.requests == 0 for v in second)
    assert first_stats.prompt_tokens > 0 and first_stats.completion_tokens > 0
    assert (second_stats.prompt_tokens, second_stats.completion_tokens) == (0, 0)  # cost nothing


def test_an_engine_in_a_with_block_closes_its_cache_and_keeps_its_verdicts(make_items, settings_for):
    items = make_items(2)
    with LocalJudgeServer(rubrics=[RUBRIC]) as server:
        settings = settings_for(server)
        with JudgeEngine(settings) as engine:
            engine.judge_all(items)
            cache = engine.cache
        with pytest.raises(sqlite3.ProgrammingError):  # closed
            len(cache)
        with JudgeEngine(settings) as engine:
            _, stats = engine.judge_all(items)
    assert (len(server.requests), stats.cache_hits) == (2, 2)


def test_the_key_covers_model_prompt_query_response_and_image(make_items, settings_for, tmp_path):
    (item,) = make_items(1)
    (other_image,) = make_items(1, size=(20, 20))
    prompt = tmp_path / "prompt.txt"
    prompt.write_text(
        "Grade.\n<user_query>\n{query}\n</user_query>\n<assistant_response>\n{response}\n</assistant_response>\n"
    )
    other_rubric = RUBRIC.with_prompt_file(prompt)
    with LocalJudgeServer(rubrics=[RUBRIC, other_rubric]) as server:
        settings = settings_for(server)
        variants = [
            (settings, item),
            (
                settings,
                dataclasses.replace(item, fields={**item.fields, "response": item.fields["response"] + "!"}),
            ),
            (
                settings,
                dataclasses.replace(item, fields={**item.fields, "query": item.fields["query"] + "?"}),
            ),
            (settings, dataclasses.replace(item, image_path=other_image.image_path)),
            (settings_for(server, model="another-judge"), item),
            (settings, dataclasses.replace(item, rubric=other_rubric)),
        ]
        for variant_settings, variant in variants:
            (verdict,), _ = JudgeEngine(variant_settings).judge_all([variant])
            assert verdict.ok, verdict  # only ok verdicts are cached
        assert len(server.requests) == len(variants)
        for variant_settings, variant in variants:  # all cached now
            JudgeEngine(variant_settings).judge_all([variant])
        assert len(server.requests) == len(variants)


def test_cache_off_always_asks(make_items, settings_for, monkeypatch):
    monkeypatch.setenv("VLSBENCH_TASK_JUDGE_CACHE", "off")
    assert JudgeSettings.from_env().cache_path is None
    monkeypatch.delenv("VLSBENCH_TASK_JUDGE_CACHE")
    assert "vlsbench_task" in str(JudgeSettings.from_env().cache_path)  # the user cache dir
    items = make_items(3)
    with LocalJudgeServer(rubrics=[RUBRIC]) as server:
        for _ in range(2):
            JudgeEngine(settings_for(server, cache_path=None)).judge_all(items)
    assert len(server.requests) == 6


def test_the_cache_never_holds_the_api_key(make_items, settings_for, tmp_path):
    def echo_key(body: dict, index: int) -> Reply:
        # A judge that repeats the credentials it was sent in its explanation.
        verdict = json.loads(rules_verdict(body, index).content)
        verdict["explanation"] = f"request authorised with Bearer {FAKE_KEY}"
        return Reply(content=json.dumps(verdict))

    cache = tmp_path / "cache.sqlite3"
    with LocalJudgeServer(policy=echo_key) as server:
        verdicts, _ = JudgeEngine(settings_for(server, cache_path=cache)).judge_all(make_items(10))
        sent = {name.lower(): value for name, value in server.headers[0].items()}
        assert sent["authorization"] == f"Bearer {FAKE_KEY}"  # the key was really used
    assert all(v.ok and v.answer["explanation"] == "request authorised with Bearer ***" for v in verdicts)
    assert committed(cache) == 10
    files = cache_files(cache)
    assert files
    for file in files:
        data = file.read_bytes()
        assert FAKE_KEY.encode() not in data and FAKE_KEY[-12:].encode() not in data


def test_processes_sharing_one_cache_file_do_not_corrupt_it(make_items, tmp_path):
    items = make_items(90)
    cache = tmp_path / "shared.sqlite3"
    with LocalJudgeServer(rubrics=[RUBRIC], latency_s=0.01) as server:
        # Three processes with overlapping thirds of the items, writing at the same time.
        workers = [
            start_worker(tmp_path, items[start : start + 45], server.base_url, cache, 8, f"part{start}")
            for start in (0, 22, 45)
        ]
        for worker in workers:
            assert worker.wait(timeout=60) == 0
        with sqlite3.connect(cache) as db:
            assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert committed(cache) == 90
        settings = JudgeSettings(base_url=server.base_url, api_key="k", cache_path=cache)
        before = len(server.requests)
        verdicts, stats = JudgeEngine(settings).judge_all(items)
        assert len(server.requests) == before and stats.cache_hits == 90
    assert [v.answer["label"] for v in verdicts] == [expected_label(item) for item in items]


def test_a_killed_run_resumes_with_only_the_unfinished_items(make_items, tmp_path):
    items = make_items(200)
    cache = tmp_path / "resume.sqlite3"
    with LocalJudgeServer(rubrics=[RUBRIC], latency_s=0.05) as server:
        worker = start_worker(tmp_path, items, server.base_url, cache, 4, "all")
        deadline = time.monotonic() + 60
        while committed(cache) < 40:
            assert worker.poll() is None and time.monotonic() < deadline, (
                "the worker ended before it was killed"
            )
            time.sleep(0.02)
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
        survived = committed(cache)
        requests_before = len(server.requests)
        assert 40 <= survived < 200
        assert requests_before >= survived  # in-flight requests at the kill are lost, nothing else

        settings = JudgeSettings(base_url=server.base_url, api_key="k", cache_path=cache, concurrency=8)
        resumed, stats = JudgeEngine(settings).judge_all(items)
        assert len(server.requests) - requests_before == 200 - survived == stats.requests
        assert stats.cache_hits == survived

        uninterrupted, _ = JudgeEngine(
            JudgeSettings(base_url=server.base_url, api_key="k", cache_path=None, concurrency=8)
        ).judge_all(items)
    assert comparable(resumed) == comparable(uninterrupted)
    assert all(v.status is Status.OK for v in resumed)
