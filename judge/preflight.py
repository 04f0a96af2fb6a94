"""One tiny request to the judge before a run spends anything: a wrong URL, key or model name is found
before the generation pass, not after it.

The request is what a run sends (a chat completion of the judge model) cut to one output token, with
no retries; it goes around the engine, so it counts against no token budget and never touches the
verdict cache. `check_judge` asks every time (for a `doctor` command); `preflight_problem` asks once
per endpoint and process, so a suite of twenty tasks costs one request.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import openai

from .settings import OPENAI_URL, JudgeSettings

# Marks the request so that judge.local_server answers it without showing it to a test's policy.
PREFLIGHT_HEADER = "X-VLSBench-Preflight"
SWITCH = "VLSBENCH_TASK_JUDGE_PREFLIGHT=off"
KEY_VARIABLES = "VLSBENCH_TASK_JUDGE_API_KEY (or OPENAI_API_KEY)"
MODEL_VARIABLES = "VLSBENCH_TASK_JUDGE_MODEL (or <B>_JUDGE_MODEL)"


@dataclass(frozen=True)
class JudgeCheck:
    ok: bool
    url: str  # the endpoint asked, without credentials
    model_answered: str | None = None  # the model name the API returned
    problem: str | None = None  # one line: the URL, what failed, the variable to set


def check_judge(settings: JudgeSettings) -> JudgeCheck:
    """Ask the judge of `settings` (one endpoint: see JudgeSettings.endpoint_settings) for one token.
    Settings that cannot work (settings.problem) fail without a request; the keyword judge needs none
    and passes."""
    url = settings.public_base_url or OPENAI_URL
    if (problem := settings.problem()) is not None:
        return JudgeCheck(ok=False, url=url, problem=problem)
    if settings.backend != "openai":
        return JudgeCheck(ok=True, url=url)
    client = openai.OpenAI(
        api_key=settings.api_key or "no-key",  # local servers often need none
        base_url=settings.base_url,
        timeout=settings.timeout_s,
        max_retries=0,
    )
    try:
        completion = client.chat.completions.create(
            model=settings.model,
            messages=[{"role": "user", "content": "Reply with the word OK."}],
            temperature=0,
            max_tokens=1,
            extra_headers={PREFLIGHT_HEADER: "1"},
        )
    except openai.APIError as error:
        failure = settings.redact(_failure(error, settings))
        where = f"the judge at {url} (model {settings.model})"
        return JudgeCheck(ok=False, url=url, problem=f"{where} {failure} ({SWITCH} skips this check)")
    finally:
        client.close()
    return JudgeCheck(ok=True, url=url, model_answered=completion.model)


def _failure(error: openai.APIError, settings: JudgeSettings) -> str:
    """What went wrong and what to set, from the error the SDK raised."""
    if isinstance(error, openai.APITimeoutError):
        return (
            f"gave no answer within {settings.timeout_s:g} s (timeout): raise VLSBENCH_TASK_JUDGE_TIMEOUT, "
            "or check VLSBENCH_TASK_JUDGE_BASE_URL"
        )
    if isinstance(error, openai.APIConnectionError):
        cause = error.__cause__ or error
        reason = str(cause).strip().splitlines()[0] if str(cause).strip() else type(cause).__name__
        return f"cannot be reached ({reason}): set VLSBENCH_TASK_JUDGE_BASE_URL to a running server"
    status = getattr(error, "status_code", None)
    said = _message(error)
    if status in (401, 403):
        given = "" if settings.api_key else "; no key is set"
        return f"refused the API key (HTTP {status}: {said}{given}): set {KEY_VARIABLES}"
    if status == 404:
        return (
            f"has no model {settings.model!r} (HTTP 404: {said}): set {MODEL_VARIABLES} to a model it "
            "serves, or fix the path in VLSBENCH_TASK_JUDGE_BASE_URL"
        )
    return f"failed a one-token request (HTTP {status}: {said}): check VLSBENCH_TASK_JUDGE_BASE_URL and the model"


def _message(error: openai.APIError) -> str:
    """The server's own message, on one short line."""
    body = error.body if isinstance(error.body, dict) else {}
    message = body.get("message") or (body.get("error") or {}).get("message") or error.message
    return " ".join(str(message).split())[:200]


_outcomes: dict[tuple[str | None, str | None, str], JudgeCheck] = {}
_lock = threading.Lock()


def preflight_problem(settings: JudgeSettings) -> str | None:
    """Why the judge of `settings` cannot answer, or None; asked once per (URL, key, model) and
    process. None without a request when settings.preflight is off or the judge is offline."""
    if not settings.preflight or settings.backend != "openai":
        return None
    for each in settings.endpoint_settings():  # of several endpoints, each is asked: one typo stops a run
        endpoint = (each.base_url, each.api_key, each.model)
        with _lock:  # tasks load one after another; the lock only keeps two threads from asking twice
            if endpoint not in _outcomes:
                _outcomes[endpoint] = check_judge(each)
            if (problem := _outcomes[endpoint].problem) is not None:
                return problem
    return None
