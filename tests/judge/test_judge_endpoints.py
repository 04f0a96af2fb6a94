"""Several endpoints of one judge (VLSBENCH_TASK_JUDGE_BASE_URL=url1,url2,...), each a real local server
on 127.0.0.1: load spreading, routing around failures, and verdicts that do not depend on the endpoint."""

from __future__ import annotations

import socket
import threading
import time

import pytest
from judge_support import FAKE_KEY, expected_label, rules_verdict
from vlsbench_task.judge import JudgeEngine, JudgeSettings
from vlsbench_task.judge.local_server import LocalJudgeServer, Reply
from vlsbench_task.judge.preflight import preflight_problem

from vlsbench_task.benchmarks.vlsbench.benchmark import RUBRIC

pytestmark = pytest.mark.network


def several(servers, tmp_path, **overrides) -> JudgeSettings:
    urls = ",".join(server.base_url for server in servers)
    base = JudgeSettings(base_url=urls, api_key=FAKE_KEY, cache_path=tmp_path / "cache.sqlite3", timeout_s=10)
    return base.with_overrides(**overrides)


def failing_first(count: int, reply: Reply):
    """A policy that answers `reply` to its first `count` requests and a correct verdict afterwards."""

    def policy(body: dict, index: int) -> Reply:
        return reply if index < count else rules_verdict(body, index)

    return policy


def refused_url() -> str:
    """The URL of a port on 127.0.0.1 that nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


def test_requests_spread_by_load_not_in_turn(make_items, tmp_path):
    # In turn, each server would get half; by requests in flight, the fast one gets far more.
    items = make_items(60)
    with (
        LocalJudgeServer(rubrics=[RUBRIC], latency_s=0.02) as fast,
        LocalJudgeServer(rubrics=[RUBRIC], latency_s=0.3) as slow,
    ):
        verdicts, stats = JudgeEngine(several([fast, slow], tmp_path, concurrency=4)).judge_all(items)
    assert [v.answer["label"] for v in verdicts] == [expected_label(item) for item in items]
    assert len(fast.requests) + len(slow.requests) == 60 and stats.endpoint_failures == {}
    assert len(fast.requests) > 3 * len(slow.requests) > 0
    answered_by = [v.endpoint for v in verdicts]
    assert answered_by.count(fast.base_url) == len(fast.requests)
    assert answered_by.count(slow.base_url) == len(slow.requests)


def test_equal_endpoints_share_the_work(make_items, tmp_path):
    items = make_items(48)
    with (
        LocalJudgeServer(rubrics=[RUBRIC], latency_s=0.1) as a,
        LocalJudgeServer(rubrics=[RUBRIC], latency_s=0.1) as b,
        LocalJudgeServer(rubrics=[RUBRIC], latency_s=0.1) as c,
    ):
        verdicts, _ = JudgeEngine(several([a, b, c], tmp_path, concurrency=6)).judge_all(items)
    assert all(v.ok for v in verdicts)
    assert all(8 <= len(server.requests) <= 24 for server in (a, b, c))
    assert max(server.max_in_flight for server in (a, b, c)) <= 4


def test_a_server_killed_mid_run_costs_no_item(make_items, tmp_path):
    items = make_items(90)
    with (
        LocalJudgeServer(rubrics=[RUBRIC], latency_s=0.1) as doomed,
        LocalJudgeServer(rubrics=[RUBRIC], latency_s=0.1) as b,
        LocalJudgeServer(rubrics=[RUBRIC], latency_s=0.1) as c,
    ):

        def kill_after_some_answers():
            for _ in range(500):  # at most 10 s
                if len(doomed.requests) >= 8:
                    break
                time.sleep(0.02)
            doomed.kill()

        killer = threading.Thread(target=kill_after_some_answers)
        killer.start()
        verdicts, stats = JudgeEngine(several([doomed, b, c], tmp_path, concurrency=9)).judge_all(items)
        killer.join()
    assert [v.status.value for v in verdicts] == ["ok"] * 90
    assert [v.answer["label"] for v in verdicts] == [expected_label(item) for item in items]
    # The requests in flight at the kill were dropped, counted, and answered elsewhere.
    assert stats.endpoint_failures.get(doomed.base_url, 0) >= 1
    assert set(stats.endpoint_failures) == {doomed.base_url}
    assert stats.requests == 90 + stats.endpoint_failures[doomed.base_url]
    assert {v.endpoint for v in verdicts} >= {b.base_url, c.base_url}
    assert f"failed requests by endpoint: {doomed.base_url}" in stats.summary()


@pytest.mark.parametrize(
    "fault",
    [
        Reply(status=503, body=b'{"error": {"message": "overloaded"}}'),
        Reply(delay_s=4.0, content="too late"),  # past the 1.5 s timeout
        Reply(status=429, body=b'{"error": {"message": "slow down"}}', headers={"Retry-After": "0.5"}),
    ],
    ids=["503", "timeout", "429"],
)
def test_a_failing_endpoint_is_routed_around_and_asked_again_later(make_items, tmp_path, fault):
    items = make_items(240)  # about 3 s: the flaky one rests 1 s or more after its failures
    with (
        LocalJudgeServer(policy=failing_first(2, fault), latency_s=0.05) as flaky,
        LocalJudgeServer(rubrics=[RUBRIC], latency_s=0.05) as steady,
    ):
        settings = several([flaky, steady], tmp_path, concurrency=4, timeout_s=1.5)
        verdicts, stats = JudgeEngine(settings).judge_all(items)
    assert [v.answer["label"] for v in verdicts] == [expected_label(item) for item in items]
    assert stats.endpoint_failures == {flaky.base_url: 2}
    # Set aside after its failures, then asked again once it had rested, and answering.
    assert [v.endpoint for v in verdicts].count(flaky.base_url) == len(flaky.requests) - 2 > 0


def test_every_endpoint_failing_ends_in_an_error_within_the_retries(make_items, tmp_path):
    with LocalJudgeServer(policy=failing_first(100, Reply(status=500, body=b"{}"))) as broken:
        settings = several([broken], tmp_path).with_overrides(
            base_url=f"{broken.base_url},{refused_url()}", max_retries=2
        )
        verdicts, stats = JudgeEngine(settings).judge_all(make_items(1))
    assert verdicts[0].status.value == "error" and verdicts[0].endpoint is None
    assert sum(stats.endpoint_failures.values()) == 3  # the first try and two retries


def test_verdicts_and_cache_keys_do_not_depend_on_the_endpoint(make_items, tmp_path):
    items = make_items(12)
    with (
        LocalJudgeServer(rubrics=[RUBRIC]) as a,
        LocalJudgeServer(rubrics=[RUBRIC]) as b,
        LocalJudgeServer(rubrics=[RUBRIC]) as other,
    ):
        first, _ = JudgeEngine(several([a, b], tmp_path)).judge_all(items)
        again, stats = JudgeEngine(several([other], tmp_path)).judge_all(items)
    assert len(other.requests) == 0 and stats.cache_hits == 12
    strip = {"endpoint", "cached", "requests", "prompt_tokens", "completion_tokens"}
    assert [v.model_dump(exclude=strip) for v in first] == [v.model_dump(exclude=strip) for v in again]
    assert "endpoint" in first[0].record(RUBRIC)


def test_one_endpoint_records_no_endpoint_per_verdict(make_items, settings_for):
    with LocalJudgeServer(rubrics=[RUBRIC]) as server:
        verdicts, _ = JudgeEngine(settings_for(server)).judge_all(make_items(2))
    assert verdicts[0].endpoint is None and "endpoint" not in verdicts[0].record(RUBRIC)


def test_endpoints_are_recorded_without_credentials(make_items, tmp_path):
    secret = "pw-VLSBENCH-secret-1234"
    with LocalJudgeServer(rubrics=[RUBRIC]) as a, LocalJudgeServer(rubrics=[RUBRIC]) as b:
        host_b = b.base_url.removeprefix("http://")
        settings = several([a], tmp_path).with_overrides(
            base_url=f"{a.base_url}, http://user:{secret}@{host_b}?token={secret}"
        )
        verdicts, _ = JudgeEngine(settings.with_overrides(concurrency=2)).judge_all(make_items(8))
    assert settings.public_base_url == f"{a.base_url},{b.base_url}"
    assert {v.endpoint for v in verdicts} == {a.base_url, b.base_url}
    assert secret not in str(settings.describe(RUBRIC))
    assert settings.redact(f"echo {secret}") == "echo ***"


def test_the_preflight_asks_every_endpoint(tmp_path):
    with LocalJudgeServer(rubrics=[RUBRIC]) as good:
        dead = refused_url()
        settings = several([good], tmp_path, model="local-stand-in-judge", timeout_s=2)
        assert preflight_problem(settings) is None
        problem = preflight_problem(settings.with_overrides(base_url=f"{good.base_url},{dead}"))
    assert problem is not None and dead in problem and "cannot be reached" in problem
    assert len(good.preflights) == 1  # asked once per endpoint and process
