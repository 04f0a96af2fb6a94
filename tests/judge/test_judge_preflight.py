"""The judge preflight over real HTTP on 127.0.0.1: one tiny request, a one-line problem that names the
URL (without credentials), what failed and the variable to set; asked once per endpoint."""

from __future__ import annotations

import json
import socket
import time

import pytest
from judge_support import FAKE_KEY
from vlsbench_task.judge import JudgeSettings
from vlsbench_task.judge.local_server import STAND_IN_MODEL, LocalJudgeServer, Reply
from vlsbench_task.judge.preflight import check_judge, preflight_problem


def _error(status: int, message: str, code: str) -> Reply:
    body = {"error": {"message": message, "type": "invalid_request_error", "code": code}}
    return Reply(status=status, body=json.dumps(body).encode())


def _refusing_url() -> str:
    """A port on 127.0.0.1 that nothing listens on (bound once, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


def test_a_working_judge_passes_with_the_model_it_names(settings_for):
    with LocalJudgeServer(model="served-judge-name") as server:
        settings = settings_for(server)
        check = check_judge(settings)
    assert check.ok and check.problem is None
    assert check.model_answered == "served-judge-name" and check.url == server.base_url
    (body,) = server.preflights
    assert body["max_tokens"] == 1 and body["model"] == settings.model
    assert server.requests == []  # not an item: the policy never saw it
    assert not settings.cache_path.exists()  # the verdict cache is not touched


def test_a_refused_connection_names_the_url_and_the_variable():
    settings = JudgeSettings(base_url=_refusing_url(), api_key=FAKE_KEY)
    check = check_judge(settings)
    assert not check.ok and check.model_answered is None
    assert f"the judge at {settings.base_url} (model {settings.model}) cannot be reached" in check.problem
    assert "Connection refused" in check.problem
    assert (
        "set VLSBENCH_TASK_JUDGE_BASE_URL" in check.problem
        and "VLSBENCH_TASK_JUDGE_PREFLIGHT=off" in check.problem
    )
    assert "\n" not in check.problem


def test_a_wrong_key_is_named_without_the_key_or_the_urls_credentials():
    echo = _error(401, f"Incorrect API key provided: {FAKE_KEY}", "invalid_api_key")
    with LocalJudgeServer(preflight_policy=lambda body, index: echo) as server:
        url = server.base_url.replace("http://", "http://someone:hunter2-password@") + "?token=t0ken-secret-1"
        check = check_judge(JudgeSettings(base_url=url, api_key=FAKE_KEY))
    assert not check.ok
    assert f"the judge at {server.base_url} " in check.problem  # no user, password or query
    assert "refused the API key (HTTP 401: Incorrect API key provided: ***)" in check.problem
    assert "set VLSBENCH_TASK_JUDGE_API_KEY (or OPENAI_API_KEY)" in check.problem
    for secret in (FAKE_KEY, "hunter2-password", "t0ken-secret-1", "someone"):
        assert secret not in check.problem


def test_an_unknown_model_is_named_with_the_model_variable():
    missing = _error(404, "The model `no-such-judge` does not exist", "model_not_found")
    with LocalJudgeServer(preflight_policy=lambda body, index: missing) as server:
        check = check_judge(JudgeSettings(base_url=server.base_url, model="no-such-judge"))
    assert not check.ok
    assert (
        "has no model 'no-such-judge' (HTTP 404: The model `no-such-judge` does not exist)" in check.problem
    )
    assert "set VLSBENCH_TASK_JUDGE_MODEL (or <B>_JUDGE_MODEL)" in check.problem


def test_a_judge_that_does_not_answer_in_time_is_a_timeout_asked_once():
    slow = Reply(content="OK", delay_s=3)
    with LocalJudgeServer(preflight_policy=lambda body, index: slow) as server:
        started = time.monotonic()
        check = check_judge(JudgeSettings(base_url=server.base_url, timeout_s=0.3, max_retries=6))
        elapsed = time.monotonic() - started
    assert not check.ok and "gave no answer within 0.3 s (timeout)" in check.problem
    assert "VLSBENCH_TASK_JUDGE_TIMEOUT" in check.problem
    assert len(server.preflights) == 1  # no retries, whatever VLSBENCH_TASK_JUDGE_MAX_RETRIES says
    assert elapsed < 3  # it did not wait for the answer


def test_the_outcome_is_kept_per_endpoint_and_model(tmp_path):
    with LocalJudgeServer() as server:
        settings = JudgeSettings(base_url=server.base_url, cache_path=None)
        assert [preflight_problem(settings) for _ in range(3)] == [None] * 3
        assert len(server.preflights) == 1
        assert preflight_problem(settings.with_overrides(model=STAND_IN_MODEL)) is None
        assert [body["model"] for body in server.preflights] == [settings.model, STAND_IN_MODEL]


def test_no_request_when_switched_off_or_offline():
    with LocalJudgeServer() as server:
        assert preflight_problem(JudgeSettings(base_url=server.base_url, preflight=False)) is None
        assert preflight_problem(JudgeSettings(backend="keyword", base_url=server.base_url)) is None
        assert check_judge(JudgeSettings(backend="keyword")).ok
    assert server.preflights == [] and server.requests == []


def test_the_switch_is_read_from_the_environment(monkeypatch):
    monkeypatch.delenv("VLSBENCH_TASK_JUDGE_PREFLIGHT", raising=False)
    assert JudgeSettings.from_env().preflight
    monkeypatch.setenv("VLSBENCH_TASK_JUDGE_PREFLIGHT", "OFF")
    assert not JudgeSettings.from_env().preflight
    monkeypatch.setenv("VLSBENCH_TASK_JUDGE_PREFLIGHT", "nope")
    with pytest.raises(ValueError, match="VLSBENCH_TASK_JUDGE_PREFLIGHT must be on or off"):
        JudgeSettings.from_env()


def test_settings_that_cannot_work_fail_without_a_request():
    check = check_judge(JudgeSettings(api_key=None, base_url=None))
    assert not check.ok and "no judge is configured: set VLSBENCH_TASK_JUDGE_API_KEY" in check.problem
