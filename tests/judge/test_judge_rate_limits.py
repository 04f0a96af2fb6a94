"""A rate-limited judge (judge.local_server's RateBudget: RPM and TPM, 429 with Retry-After), with
the limits configured and without: real HTTP on 127.0.0.1."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from pathlib import Path

import pytest
from judge_support import expected_label, rules_verdict
from vlsbench_task.judge import JudgeEngine
from vlsbench_task.judge.backends.openai_compatible import OpenAICompatibleJudge
from vlsbench_task.judge.images import prepare_image
from vlsbench_task.judge.limits import RateLimiter, retry_after_s
from vlsbench_task.judge.local_server import LocalJudgeServer, RateBudget, Reply
from vlsbench_task.judge.tokens import chat_tokens, image_tokens

from vlsbench_task.benchmarks.vlsbench.benchmark import RUBRIC

pytestmark = pytest.mark.network


def reserved_tokens(item) -> int:
    image = prepare_image(Path(item.image_path).read_bytes(), 2048)
    return chat_tokens(OpenAICompatibleJudge.messages(item, image), RUBRIC.max_tokens, [image.info.sent_size])


def test_image_tokens_follow_the_tiles_of_the_scaled_image():
    assert image_tokens((512, 512)) == 85 + 170
    assert image_tokens((1024, 1024)) == 85 + 170 * 4  # shown at 768 x 768: 2 x 2 tiles
    assert image_tokens((4096, 1024)) == 85 + 170 * 4  # fits 2048 x 512, then as it is: 4 x 1


def test_retry_after_is_read_in_milliseconds_or_seconds_and_capped():
    assert retry_after_s({"retry-after-ms": "250", "retry-after": "1"}) == 0.25
    assert retry_after_s({"retry-after": "2"}) == 2.0
    assert retry_after_s({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}) is None
    assert retry_after_s({"retry-after": "3600"}) == 30.0


def test_configured_tpm_keeps_every_request_inside_the_servers_budget(make_items, settings_for):
    items = make_items(40, size=(600, 400))  # two tiles each: images weigh in the count
    tokens = [reserved_tokens(item) for item in items]
    tpm = 12 * 60 * max(tokens)  # about 12 requests a second: 3 s or more for 40 items
    budget = RateBudget(tpm=tpm)
    with LocalJudgeServer(rubrics=[RUBRIC], latency_s=0.05, budget=budget) as server:
        settings = settings_for(server, tpm=tpm, concurrency=16)
        verdicts, stats = JudgeEngine(settings).judge_all(items)
    assert [v.answer["label"] for v in verdicts] == [expected_label(item) for item in items]
    assert server.throttled == [] and stats.requests == 40
    # The judge reserved exactly what the server charged, image tiles included.
    assert budget.tokens_charged == sum(tokens) and min(tokens) > RUBRIC.max_tokens + 2 * 170


def test_engines_of_one_judge_share_its_budget(make_items, settings_for):
    # The tasks of a suite judge one after another, each with its own engine: a fresh full bucket
    # for each would burst past what the server has left.
    items = make_items(135)
    budget = RateBudget(rpm=900)  # 15 requests a second, 30 at once at most: the judge's 15 and slack
    with LocalJudgeServer(rubrics=[RUBRIC], latency_s=0.02, budget=budget) as server:
        settings = settings_for(server, rpm=900, concurrency=16, cache_path=None)
        for part in (items[:45], items[45:90], items[90:]):
            verdicts, _ = JudgeEngine(settings).judge_all(part)
            assert all(v.ok for v in verdicts)
    assert server.throttled == []


def test_the_tasks_of_a_suite_share_the_pace_a_throttling_judge_taught(make_items, settings_for):
    # No limits configured; 20 requests a second allowed. Six tasks judge one after another, as a
    # suite's do, each with its own engine. Answers take 0.2-0.5 s, so the 429s of requests sent
    # before the pace was cut come one by one: they must not cut it again and again.
    def scattered(body: dict, index: int) -> Reply:
        return dataclasses.replace(rules_verdict(body, index), delay_s=index % 7 * 0.05)

    tasks = [make_items(240)[start : start + 40] for start in range(0, 240, 40)]
    with LocalJudgeServer(policy=scattered, latency_s=0.2, budget=RateBudget(rpm=1200, burst_s=2)) as server:
        settings = settings_for(server, concurrency=32, cache_path=None)
        throttled = []
        for items in tasks:
            verdicts, _ = JudgeEngine(settings).judge_all(items)
            assert [v.answer["label"] for v in verdicts] == [expected_label(item) for item in items]
            throttled.append(len(server.throttled) - sum(throttled))
    taught = next(index for index, count in enumerate(throttled) if count)  # the server's bucket starts full
    assert sum(throttled[taught + 1 :]) <= 10, throttled  # the later tasks start at the learned pace
    arrivals = sorted(server.arrivals)
    assert len(arrivals) / (arrivals[-1] - arrivals[0]) >= 0.5 * 20  # and it did not collapse


def test_configured_rpm_paces_instead_of_bursting():
    limiter = RateLimiter(rpm=600)  # one second's budget (10) at once, then one per 0.1 s

    async def fifteen_requests() -> None:
        for _ in range(15):
            await limiter.acquire()

    started = time.monotonic()
    asyncio.run(fifteen_requests())
    assert 0.4 <= time.monotonic() - started < 2.0


def test_without_limits_a_throttling_judge_is_met_by_a_pace_not_a_herd(make_items, settings_for):
    # 20 requests a second allowed; 16 threads would send 300 a second unchecked.
    budget = RateBudget(rpm=1200, burst_s=0.5)
    items = make_items(200)
    with LocalJudgeServer(rubrics=[RUBRIC], latency_s=0.05, budget=budget) as server:
        verdicts, stats = JudgeEngine(settings_for(server, concurrency=16)).judge_all(items)
    assert [v.answer["label"] for v in verdicts] == [expected_label(item) for item in items]
    throttled = len(server.throttled)
    assert stats.requests == 200 + throttled and throttled < 0.15 * stats.requests
    # After the first 429 the turned-away threads come back paced, not together.
    after = [t for t in server.arrivals + server.throttled if t > server.throttled[0] + 1.0]
    busiest = max(sum(s <= t < s + 0.1 for t in after) for s in after)
    assert busiest <= 6, busiest
    # And it converges: the 429s thin out as the pace settles.
    middle = (server.arrivals[0] + server.arrivals[-1]) / 2
    assert sum(t > middle for t in server.throttled) < sum(t <= middle for t in server.throttled)
