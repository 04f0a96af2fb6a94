"""Rate limits and faults between the judge and its server: retried, bounded, never silently scored."""

from __future__ import annotations

import json
import random
import threading
import time

import pytest
from judge_support import expected_label, quoted_response, rules_verdict
from vlsbench_task.judge import JudgeEngine, JudgeSettings, Status
from vlsbench_task.judge.local_server import LocalJudgeServer, Reply

from vlsbench_task.benchmarks.vlsbench.benchmark import RUBRIC

pytestmark = pytest.mark.network


def first_then_verdict(first: Reply):
    """A policy that answers `first` to the first request and a correct verdict afterwards."""

    def policy(body: dict, index: int) -> Reply:
        return first if index == 0 else rules_verdict(body, index)

    return policy


def judge(server, settings, items):
    return JudgeEngine(settings).judge_all(items)


@pytest.mark.parametrize("concurrency", [1, 5, 16])
def test_concurrency_is_reached_and_never_exceeded(make_items, settings_for, concurrency):
    items = make_items(3 * concurrency)
    with LocalJudgeServer(rubrics=[RUBRIC], latency_s=0.15) as server:
        verdicts, stats = judge(server, settings_for(server, concurrency=concurrency), items)
    assert server.max_in_flight == concurrency
    assert [v.answer["label"] for v in verdicts] == [expected_label(item) for item in items]
    assert stats.requests == len(items)


def test_default_concurrency_is_16_and_read_from_the_environment(monkeypatch):
    monkeypatch.delenv("VLSBENCH_TASK_JUDGE_CONCURRENCY", raising=False)
    assert JudgeSettings.from_env().concurrency == 16
    monkeypatch.setenv("VLSBENCH_TASK_JUDGE_CONCURRENCY", "3")
    assert JudgeSettings.from_env().concurrency == 3


def test_429_with_retry_after_is_honoured(make_items, settings_for):
    # The SDK's own backoff before a first retry is at most 0.5 s; Retry-After asks for 1.5 s.
    too_many = Reply(status=429, body=b'{"error": {"message": "slow down"}}', headers={"Retry-After": "1.5"})
    with LocalJudgeServer(policy=first_then_verdict(too_many)) as server:
        verdicts, stats = judge(server, settings_for(server), make_items(1))
    assert verdicts[0].ok and verdicts[0].requests == 2 and stats.retries == 1
    assert 1.5 <= server.arrivals[1] - server.arrivals[0] < 3.0


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_are_retried(make_items, settings_for, status):
    failure = Reply(status=status, body=b'{"error": {"message": "overloaded"}}')
    with LocalJudgeServer(policy=first_then_verdict(failure)) as server:
        verdicts, _ = judge(server, settings_for(server), make_items(1))
    assert verdicts[0].ok and verdicts[0].requests == 2


def test_a_request_over_the_timeout_is_abandoned_and_retried(make_items, settings_for):
    slow = Reply(content='{"label": 1}', delay_s=5.0)
    with LocalJudgeServer(policy=first_then_verdict(slow)) as server:
        started = time.monotonic()
        verdicts, _ = judge(server, settings_for(server, timeout_s=0.5), make_items(1))
        elapsed = time.monotonic() - started
    assert verdicts[0].ok and verdicts[0].requests == 2
    assert elapsed < 3.0  # the 5 s answer was not waited for


def test_a_dropped_connection_is_retried(make_items, settings_for):
    with LocalJudgeServer(policy=first_then_verdict(Reply(drop_connection=True))) as server:
        verdicts, _ = judge(server, settings_for(server), make_items(1))
    assert verdicts[0].ok and verdicts[0].requests == 2


def test_retries_are_bounded_and_the_failure_is_recorded(make_items, settings_for, tmp_path):
    always = Reply(status=503, body=b'{"error": {"message": "down"}}', headers={"Retry-After": "0.01"})
    with LocalJudgeServer(policy=lambda body, index: always) as server:
        settings = settings_for(server, max_retries=2)
        verdicts, stats = judge(server, settings, make_items(2))
    assert [v.status for v in verdicts] == [Status.ERROR, Status.ERROR]
    assert all(v.answer is None and "503" in v.error for v in verdicts)
    assert len(server.requests) == stats.requests == 2 * 3
    assert stats.statuses == {"error": 2}


def test_thirty_percent_faults_end_with_every_item_judged_correctly(make_items, settings_for):
    """429, 500, a 200 whose body is not JSON, and an unparsable verdict, on 30 % of requests
    (at most two per item): each costs exactly one extra request and no item is lost."""
    rng = random.Random(20241129)
    lock = threading.Lock()
    faults_of: dict[str, int] = {}
    faults = [
        Reply(status=429, body=b'{"error": {"message": "rate"}}', headers={"retry-after-ms": "20"}),
        Reply(status=500, body=b'{"error": {"message": "boom"}}'),
        Reply(body=b'{"id": "x", "choices": [ this is not json'),
        Reply(content="I would say it is probably unsafe."),
    ]

    def flaky(body: dict, index: int) -> Reply:
        item = quoted_response(body)
        with lock:
            if faults_of.get(item, 0) < 2 and rng.random() < 0.3:
                faults_of[item] = faults_of.get(item, 0) + 1
                return rng.choice(faults)
        return rules_verdict(body, index)

    items = make_items(60)
    with LocalJudgeServer(policy=flaky) as server:
        verdicts, stats = judge(server, settings_for(server, concurrency=8), items)
    injected = sum(faults_of.values())
    assert injected >= 10
    assert [v.answer["label"] for v in verdicts] == [expected_label(item) for item in items]
    assert len(server.requests) == stats.requests == len(items) + injected
    assert stats.retries == injected


def test_unparsable_answers_are_asked_again_a_bounded_number_of_times(make_items, settings_for):
    unreadable = json.dumps({"label": 4, "label_str": "Unsafe", "explanation": "?"})  # no such class
    with LocalJudgeServer(policy=lambda body, index: Reply(content=unreadable)) as server:
        settings = settings_for(server, parse_retries=2)
        verdicts, _ = judge(server, settings, make_items(1))
        (verdict,) = verdicts
        assert verdict.status is Status.PARSE_ERROR and verdict.answer is None
        assert verdict.raw == unreadable and "1, 2 or 3" in verdict.error
        assert verdict.requests == len(server.requests) == 3
        # Failures are not cached: the next run asks again.
        judge(server, settings, make_items(1))
        assert len(server.requests) == 6
