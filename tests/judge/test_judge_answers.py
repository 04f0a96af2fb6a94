"""How the judge's refusals, rejections and failures are recorded; budget and rate limits."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from pathlib import Path

import pytest
from judge_support import FAKE_KEY, expected_label, rules_verdict
from vlsbench_task.judge import JudgeEngine, JudgeSettings, Status
from vlsbench_task.judge.limits import RateLimiter
from vlsbench_task.judge.local_server import LocalJudgeServer, Reply

from vlsbench_task.benchmarks.vlsbench.benchmark import LABELS, RUBRIC


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
        assert verdict.status is Status.ERROR and verdict.answer is None
        assert "401" in verdict.error and "***" in verdict.error
        assert FAKE_KEY not in verdict.model_dump_json()
    assert len(server.requests) == 2  # authentication failures are not retried


@pytest.mark.network
def test_content_filter_finish_reason_is_judge_refused(make_items, settings_for):
    filtered = Reply(content="", finish_reason="content_filter")
    with LocalJudgeServer(policy=lambda body, index: filtered) as server:
        verdicts, stats = JudgeEngine(settings_for(server)).judge_all(make_items(2))
    assert [v.status for v in verdicts] == [Status.JUDGE_REFUSED] * 2
    assert all(v.answer is None for v in verdicts)
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
    assert verdict.status is Status.JUDGE_REFUSED and verdict.answer is None
    assert len(server.requests) == 2  # asked again on the second run


@pytest.mark.network
def test_servers_without_structured_outputs_get_text_json(make_items, settings_for):
    """A 400 naming response_format switches to plain requests whose JSON is read from prose."""

    def no_structured_outputs(body: dict, index: int) -> Reply:
        if "response_format" in body:
            error = {"error": {"message": "response_format json_schema is not supported by this model"}}
            return Reply(status=400, body=json.dumps(error).encode())
        verdict = json.loads(rules_verdict(body, index).content)
        return Reply(content=f"Sure! Here is the verdict:\n```json\n{json.dumps(verdict)}\n```")

    items = make_items(6)
    with LocalJudgeServer(policy=no_structured_outputs) as server:
        verdicts, _ = JudgeEngine(settings_for(server, concurrency=1)).judge_all(items)
    assert [v.answer["label"] for v in verdicts] == [expected_label(item) for item in items]
    assert ["response_format" in body for body in server.requests] == [True] + [False] * 6


@pytest.mark.network
def test_a_reasoning_judge_is_read_from_its_final_answer(make_items, settings_for):
    """A judge that thinks aloud: the JSON inside its reasoning is ignored, the answer after it
    counts, and the raw text (reasoning included) is kept for audits. Cut off while thinking, it
    has given no answer: a parse error, asked again, never a label."""

    def draft_against(final: dict) -> str:
        """A first guess that differs from the final answer, so only the final one can give the label."""
        label = 1 if final["label"] == 3 else 3
        return json.dumps({"label": label, "label_str": LABELS[label], "explanation": "draft"})

    def thinking(body: dict, index: int) -> Reply:
        final = rules_verdict(body, index).content
        draft = draft_against(json.loads(final))
        return Reply(content=f"<think>At first: {draft}. On reflection no.</think>\n{final}")

    items = make_items(3)
    with LocalJudgeServer(policy=thinking) as server:
        verdicts, _ = JudgeEngine(settings_for(server, concurrency=1)).judge_all(items)
    assert [v.answer["label"] for v in verdicts] == [expected_label(item) for item in items]
    assert all(v.raw.startswith("<think>At first:") for v in verdicts)

    draft = draft_against({"label": 3})
    cut_off = Reply(content=f"<think>Maybe {draft}, but", finish_reason="length")
    with LocalJudgeServer(policy=lambda body, index: cut_off) as server:
        (verdict,), _ = JudgeEngine(settings_for(server, parse_retries=1, cache_path=None)).judge_all(
            items[:1]
        )
    assert verdict.status is Status.PARSE_ERROR and verdict.answer is None
    assert "reasoning" in verdict.error and len(server.requests) == 2


@pytest.mark.network
def test_a_completion_of_choices_alone_is_read_and_one_of_the_wrong_shape_asked_again(
    make_items, settings_for
):
    """A server that leaves out id, created, model and usage is judged all the same; a message
    whose content is not text is a malformed body, asked again like an unparsable answer."""

    def bare(body: dict, index: int) -> Reply:
        content = rules_verdict(body, index).content
        return Reply(body=json.dumps({"choices": [{"message": {"content": content}}]}).encode())

    items = make_items(3)
    with LocalJudgeServer(policy=bare) as server:
        verdicts, stats = JudgeEngine(settings_for(server)).judge_all(items)
    assert [v.answer["label"] for v in verdicts] == [expected_label(item) for item in items]
    assert all(v.judge_model is None for v in verdicts) and stats.prompt_tokens == 0

    not_text = Reply(body=json.dumps({"choices": [{"message": {"content": {"label": 1}}}]}).encode())
    with LocalJudgeServer(policy=lambda body, index: not_text) as server:
        (verdict,), _ = JudgeEngine(settings_for(server, parse_retries=1, cache_path=None)).judge_all(
            items[:1]
        )
    assert verdict.status is Status.PARSE_ERROR and "malformed response body" in verdict.error
    assert len(server.requests) == 2


@pytest.mark.network
def test_token_budget_stops_new_requests_and_reports_the_rest_as_errors(make_items, settings_for):
    # The local server reports 120 tokens per request: the budget is spent after two.
    items = make_items(5)
    with LocalJudgeServer(rubrics=[RUBRIC]) as server:
        verdicts, stats = JudgeEngine(settings_for(server, concurrency=1, max_tokens_total=240)).judge_all(
            items
        )
    assert [v.status for v in verdicts] == [Status.OK] * 2 + [Status.ERROR] * 3
    assert all("VLSBENCH_TASK_JUDGE_MAX_TOKENS_TOTAL" in v.error for v in verdicts[2:])
    assert len(server.requests) == stats.requests == 2
    assert (stats.prompt_tokens, stats.completion_tokens) == (200, 40)


def test_rpm_limit_holds_back_the_request_over_the_limit():
    limiter = RateLimiter(rpm=2)

    async def three_requests() -> None:
        await limiter.acquire()
        await limiter.acquire()
        with pytest.raises(TimeoutError):  # the third waits for the one-minute window to move
            await asyncio.wait_for(limiter.acquire(), timeout=0.3)

    asyncio.run(three_requests())


def test_tpm_limit_holds_back_requests_once_the_tokens_are_spent():
    limiter = RateLimiter(tpm=100)

    async def spend_then_ask() -> None:
        await limiter.acquire()
        limiter.record_tokens(100)
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(limiter.acquire(), timeout=0.3)

    asyncio.run(spend_then_ask())


@pytest.mark.network
def test_missing_and_unreadable_images_are_errors_without_requests(make_items, settings_for, tmp_path):
    missing, unreadable, truncated, fine = make_items(4)
    (tmp_path / "broken.png").write_bytes(b"not a png")
    whole = Path(truncated.image_path).read_bytes()
    (tmp_path / "truncated.png").write_bytes(whole[: len(whole) - 5])  # its last chunk cut short
    items = [
        dataclasses.replace(missing, image_path=str(tmp_path / "absent.png")),
        dataclasses.replace(unreadable, image_path=str(tmp_path / "broken.png")),
        dataclasses.replace(truncated, image_path=str(tmp_path / "truncated.png")),
        fine,
    ]
    with LocalJudgeServer(rubrics=[RUBRIC]) as server:
        verdicts, _ = JudgeEngine(settings_for(server)).judge_all(items)
    assert [v.status for v in verdicts] == [Status.ERROR, Status.ERROR, Status.ERROR, Status.OK]
    assert all("image unusable" in v.error for v in verdicts[:3])
    assert len(server.requests) == 1


def test_redaction_blanks_real_secrets_but_not_placeholder_keys():
    assert JudgeSettings(api_key=FAKE_KEY).redact(f"key {FAKE_KEY} rejected") == "key *** rejected"
    url = "http://user:s3cret-password@judge.local:8000/v1?api-key=abcdef123456"
    redacted = JudgeSettings(base_url=url).redact(f"calling {url}")
    assert "s3cret-password" not in redacted and "abcdef123456" not in redacted
    # Local servers take keys such as "EMPTY"; the judge's words must survive them.
    assert JudgeSettings(api_key="EMPTY").redact("EMPTY bottle, label 3") == "EMPTY bottle, label 3"


def test_no_items_judge_to_no_verdicts_without_a_request(settings_for):
    with LocalJudgeServer(rubrics=[RUBRIC]) as server:
        verdicts, stats = JudgeEngine(settings_for(server)).judge_all([])
    assert verdicts == [] and stats.items == 0 and not server.requests
