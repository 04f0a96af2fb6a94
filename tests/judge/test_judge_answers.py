"""How the judge's refusals, rejections and failures are recorded; budget and rate limits."""

from __future__ import annotations

import json
import threading
import time

import pytest
from judge_support import FAKE_KEY, expected_label
from vlsbench_task.judge import JudgeEngine, JudgeSettings, Status
from vlsbench_task.judge.limits import RateLimiter
from vlsbench_task.judge.local_server import LocalJudgeServer, Reply, keyword_verdict


@pytest.mark.network
def test_401_is_an_error_that_never_shows_the_key(make_items, settings_for):
    echo = json.dumps(
        {"error": {"message": f"Incorrect API key provided: {FAKE_KEY}.", "code": "invalid_api_key"}}
    )
    with LocalJudgeServer(policy=lambda body, index: Reply(status=401, body=echo.encode())) as server:
        verdicts, _ = JudgeEngine(settings_for(server)).judge_all(make_items(2))
        sent = {name.lower(): value for name, value in server.headers[0].items()}
        assert sent["authorization"] == f"Bearer {FAKE_KEY}"  # the key was really used
    for verdict in verdicts:
        assert verdict.status is Status.ERROR and verdict.label is None
        assert "401" in verdict.error and "***" in verdict.error
        assert FAKE_KEY not in verdict.model_dump_json()
    assert len(server.requests) == 2  # authentication failures are not retried


@pytest.mark.network
def test_content_filter_finish_reason_is_judge_refused(make_items, settings_for):
    filtered = Reply(content="", finish_reason="content_filter")
    with LocalJudgeServer(policy=lambda body, index: filtered) as server:
        verdicts, stats = JudgeEngine(settings_for(server)).judge_all(make_items(2))
    assert [v.status for v in verdicts] == [Status.JUDGE_REFUSED] * 2
    assert all(v.label is None for v in verdicts)
    assert stats.statuses == {"judge_refused": 2}


@pytest.mark.network
def test_content_filter_rejection_is_judge_refused_and_not_cached(make_items, settings_for):
    body = {
        "error": {
            "message": "The prompt was filtered",
            "code": "content_filter",
            "type": "invalid_request_error",
        }
    }
    rejection = Reply(status=400, body=json.dumps(body).encode())
    items = make_items(1)
    with LocalJudgeServer(policy=lambda body, index: rejection) as server:
        settings = settings_for(server)
        (verdict,), _ = JudgeEngine(settings).judge_all(items)
        JudgeEngine(settings).judge_all(items)
    assert verdict.status is Status.JUDGE_REFUSED and verdict.label is None
    assert len(server.requests) == 2  # asked again on the second run


@pytest.mark.network
def test_servers_without_structured_outputs_get_text_json(make_items, settings_for):
    """A 400 naming response_format switches to plain requests whose JSON is read from prose."""

    def no_structured_outputs(body: dict, index: int) -> Reply:
        if "response_format" in body:
            error = {"error": {"message": "response_format json_schema is not supported by this model"}}
            return Reply(status=400, body=json.dumps(error).encode())
        verdict = json.loads(keyword_verdict(body, index).content)
        return Reply(content=f"Sure! Here is the verdict:\n```json\n{json.dumps(verdict)}\n```")

    items = make_items(6)
    with LocalJudgeServer(policy=no_structured_outputs) as server:
        verdicts, _ = JudgeEngine(settings_for(server, concurrency=1)).judge_all(items)
    assert [v.label for v in verdicts] == [expected_label(item) for item in items]
    assert ["response_format" in body for body in server.requests] == [True] + [False] * 6


@pytest.mark.network
def test_token_budget_stops_new_requests_and_reports_the_rest_as_errors(make_items, settings_for):
    # The local server reports 120 tokens per request: the budget is spent after two.
    items = make_items(5)
    with LocalJudgeServer() as server:
        verdicts, stats = JudgeEngine(settings_for(server, concurrency=1, max_tokens_total=240)).judge_all(
            items
        )
    assert [v.status for v in verdicts] == [Status.OK] * 2 + [Status.ERROR] * 3
    assert all("VLSBENCH_JUDGE_MAX_TOKENS_TOTAL" in v.error for v in verdicts[2:])
    assert len(server.requests) == stats.requests == 2
    assert (stats.prompt_tokens, stats.completion_tokens) == (200, 40)


def test_rpm_limit_holds_back_the_request_over_the_limit():
    limiter = RateLimiter(rpm=2)
    limiter.acquire()
    limiter.acquire()
    third = threading.Thread(target=limiter.acquire, daemon=True)
    third.start()
    third.join(timeout=0.3)
    assert third.is_alive()  # waits for the one-minute window to move


def test_tpm_limit_holds_back_requests_once_the_tokens_are_spent():
    limiter = RateLimiter(tpm=100)
    limiter.acquire()
    limiter.record_tokens(100)
    started = time.monotonic()
    blocked = threading.Thread(target=limiter.acquire, daemon=True)
    blocked.start()
    blocked.join(timeout=0.3)
    assert blocked.is_alive() and time.monotonic() - started >= 0.3


@pytest.mark.network
def test_missing_and_unreadable_images_are_errors_without_requests(make_items, settings_for, tmp_path):
    missing, unreadable, fine = make_items(3)
    (tmp_path / "broken.png").write_bytes(b"not a png")
    items = [
        missing.model_copy(update={"image_path": str(tmp_path / "absent.png")}),
        unreadable.model_copy(update={"image_path": str(tmp_path / "broken.png")}),
        fine,
    ]
    with LocalJudgeServer() as server:
        verdicts, _ = JudgeEngine(settings_for(server)).judge_all(items)
    assert [v.status for v in verdicts] == [Status.ERROR, Status.ERROR, Status.OK]
    assert all("image unusable" in v.error for v in verdicts[:2])
    assert len(server.requests) == 1


def test_redaction_blanks_real_secrets_but_not_placeholder_keys():
    assert JudgeSettings(api_key=FAKE_KEY).redact(f"key {FAKE_KEY} rejected") == "key *** rejected"
    url = "http://user:s3cret-password@judge.local:8000/v1?api-key=abcdef123456"
    redacted = JudgeSettings(base_url=url).redact(f"calling {url}")
    assert "s3cret-password" not in redacted and "abcdef123456" not in redacted
    # Local servers take keys such as "EMPTY"; the judge's words must survive them.
    assert JudgeSettings(api_key="EMPTY").redact("EMPTY bottle, label 3") == "EMPTY bottle, label 3"
