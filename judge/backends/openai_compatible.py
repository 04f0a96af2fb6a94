"""An LLM judge behind any OpenAI-compatible chat-completions server (OpenAI, Azure, vLLM, SGLang...)."""

from __future__ import annotations

import base64
import contextlib
import contextvars
import itertools
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import openai
from pydantic import BaseModel

from ..endpoints import Endpoint, EndpointPool
from ..images import PreparedImage
from ..limits import BudgetExhausted, RateLimiter, retry_after_s
from ..parsing import ParseError, parse_answer
from ..schema import JudgeItem, Status, Verdict
from ..settings import JudgeSettings
from ..tokens import chat_tokens


@dataclass
class Attempts:
    """One item's HTTP requests, the SDK's retries included, and the tokens each reserves."""

    tokens: int
    requests: int = 0
    sent_at: float = 0.0  # time.monotonic() when the latest request went out


class _Message(BaseModel):
    content: str | None = None
    refusal: str | None = None


class _Choice(BaseModel):
    message: _Message = _Message()
    finish_reason: str | None = None


class _Usage(BaseModel):
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    total_tokens: int | None = None


class Completion(BaseModel):
    """What the judge reads of a chat completion, live or in a batch's output file; the rest is
    ignored, and what a server leaves out is None. Validated from the response's bytes in 5 us,
    where the SDK's ChatCompletion, built field by field in Python, took about 100 us."""

    model: str | None = None
    choices: list[_Choice] = []
    usage: _Usage | None = None

    def spent(self) -> dict[str, int]:
        """The prompt and completion tokens the answer reports, as verdict fields; 0 where it
        reports none."""
        usage = self.usage or _Usage()
        return {"prompt_tokens": usage.prompt_tokens or 0, "completion_tokens": usage.completion_tokens or 0}


# The item whose request is being sent, for the client's event hooks: each item is judged in an
# asyncio task of its own, and each task has its own context.
_ATTEMPTS: contextvars.ContextVar[Attempts] = contextvars.ContextVar("judge_attempts")


class OpenAICompatibleJudge:
    """Requests go out through the SDK's async client on its aiohttp transport: at 128 in flight
    that costs about half the CPU a request (2.55 ms against 3.8-5.2 ms) of the sync client in 128
    threads, which made the engine CPU-bound past 32 in flight (performance/judge_throughput.py)."""

    name = "openai"
    remote = True

    def __init__(self, settings: JudgeSettings, limiter: RateLimiter):
        self.settings = settings
        self.limiter = limiter
        self.model_id = settings.model
        self.endpoints = EndpointPool(settings)
        self._structured_outputs = True  # turned off for good once a server rejects response_format

    @contextlib.asynccontextmanager
    async def connected(self) -> AsyncIterator[None]:
        """A client of each endpoint for the event loop that judges (aiohttp's sessions belong to
        the loop they are made in), closed when it is done. Building one touches no network."""
        for endpoint in self.endpoints.endpoints:
            endpoint.client = self._client(endpoint.settings)
        try:
            yield
        finally:
            for endpoint in self.endpoints.endpoints:
                await endpoint.client.close()
                endpoint.client = None

    def _client(self, endpoint: JudgeSettings) -> openai.AsyncOpenAI:
        """With one endpoint the SDK retries (backoff with jitter, honouring Retry-After); with
        several, `_create` does, each time at the least loaded endpoint that is not resting."""
        url, headers = httpx.URL(endpoint.base_url or ""), {}
        if url.userinfo:  # aiohttp refuses them beside the key's header: sent as Basic auth, as httpx did
            basic = base64.b64encode(f"{url.username}:{url.password}".encode()).decode()
            url, headers = url.copy_with(username=None, password=None), {"Authorization": f"Basic {basic}"}
        return openai.AsyncOpenAI(
            api_key=endpoint.api_key or "no-key",  # local servers often need none
            base_url=str(url),
            default_headers=headers,
            timeout=endpoint.timeout_s,
            max_retries=0 if len(self.settings.base_urls) > 1 else endpoint.max_retries,
            http_client=openai.DefaultAioHttpClient(
                event_hooks={"request": [self._before_request], "response": [self._after_response]}
            ),
        )

    def endpoint_failures(self) -> dict[str, int]:
        return self.endpoints.failures()

    async def _before_request(self, request) -> None:
        """Runs for every HTTP request, the SDK's retries included: waits for the rate limits."""
        attempts = _ATTEMPTS.get()
        await self.limiter.acquire(attempts.tokens)
        attempts.requests += 1
        attempts.sent_at = time.monotonic()

    async def _after_response(self, response) -> None:
        """A 429 of the one endpoint slows every request down (judge/limits.py); of one of several,
        only that endpoint is set aside (judge/endpoints.py)."""
        if response.status_code == 429 and not self.endpoints.several:
            self.limiter.throttled(retry_after_s(response.headers), _ATTEMPTS.get().sent_at)

    @staticmethod
    def messages(item: JudgeItem, image: PreparedImage | None) -> list[dict]:
        rubric = item.rubric
        if rubric.conversation is not None:  # a guard model: its chat template writes the prompt
            return rubric.conversation(item.fields, image.data_url if image else None)
        text = rubric.template_for(item.fields).render(item.fields)
        content = [{"type": "image_url", "image_url": {"url": image.data_url}}] if image else []
        system = [{"role": "system", "content": rubric.system_message}] if rubric.system_message else []
        return [*system, {"role": "user", "content": [*content, {"type": "text", "text": text}]}]

    def record(self, item: JudgeItem, image: PreparedImage | None) -> dict:
        """What a verdict of this item records whatever the answer: backend, template, image."""
        return {
            "backend": self.name,
            "prompt_sha256": item.rubric.template_for(item.fields).sha256,
            "image": image.info if image else None,
        }

    def request_body(self, item: JudgeItem, image: PreparedImage | None) -> dict:
        """The chat-completions body of an item: sent as it is live, and as a line of a batch
        (judge/batch.py). Structured output where the rubric has it and no server refused it."""
        rubric = item.rubric
        body = {
            "model": self.settings.model,
            "messages": self.messages(item, image),
            "temperature": 0,
            "max_tokens": rubric.max_tokens,
        }
        if self._structured_outputs and rubric.structured_output:
            body["response_format"] = rubric.response_format()
        return body

    async def judge(self, item: JudgeItem, image: PreparedImage | None) -> Verdict:
        """Within `connected()`."""
        body = self.request_body(item, image)
        # What the API's rate limiter will count for each request of this item, reserved beforehand.
        sizes = [image.info.sent_size] if image else []
        attempts = Attempts(tokens=chat_tokens(body["messages"], item.rubric.max_tokens, sizes))
        _ATTEMPTS.set(attempts)
        verdict = await self._judge(item, body, self.record(item, image), attempts)
        return verdict.model_copy(update={"requests": attempts.requests})

    async def _judge(self, item: JudgeItem, body: dict, record: dict, attempts: Attempts) -> Verdict:
        tokens = {"prompt_tokens": 0, "completion_tokens": 0}
        last: dict = {"error": "no answer"}
        for _ in range(1 + self.settings.parse_retries):
            try:
                self.limiter.check_budget()
                completion, endpoint = await self._create(body)
            except BudgetExhausted as error:
                return self._verdict(Status.ERROR, record, tokens, error=str(error))
            except openai.BadRequestError as error:
                if _is_content_filter(error):
                    return self._verdict(Status.JUDGE_REFUSED, record, tokens, error=self._describe(error))
                return self._verdict(Status.ERROR, record, tokens, error=self._describe(error))
            except openai.APIError as error:  # retries inside the SDK are used up
                return self._verdict(Status.ERROR, record, tokens, error=self._describe(error))
            except ValueError as error:  # a 200 whose body is not JSON: ask again, like an unparsable answer
                last = {**last, "error": f"malformed response body: {error}"}
                continue
            for name, count in completion.spent().items():
                tokens[name] += count
            if completion.usage is not None:  # else the reservation stands for what was spent
                self.limiter.record_tokens(completion.usage.total_tokens or 0, reserved=attempts.tokens)
            if self.endpoints.several:  # one endpoint is named in the run's metadata already
                record["endpoint"] = endpoint.public_url
            status, last = self.read_answer(completion, item)
            if status is not Status.PARSE_ERROR:
                return self._verdict(status, record, tokens, **last)
        return self._verdict(Status.PARSE_ERROR, record, tokens, **last)

    def read_answer(self, completion: Completion, item: JudgeItem) -> tuple[Status, dict]:
        """What one completion says, as the status and verdict fields: `ok` with the parsed answer,
        `judge_refused`, or `parse_error` (worth asking again). Live and batch answers alike."""
        found: dict = {"judge_model": completion.model}
        if not completion.choices:
            return Status.PARSE_ERROR, {**found, "error": "answer without choices"}
        choice = completion.choices[0]
        # A judge that echoes its request could repeat the key; nothing we store may hold it.
        found["raw"] = self._redact(choice.message.content)
        refusal = self._redact(choice.message.refusal)
        if choice.finish_reason == "content_filter" or refusal:
            return Status.JUDGE_REFUSED, {**found, "raw": found["raw"] or refusal}
        try:
            answer = parse_answer(found["raw"], item.rubric, item.fields)
        except ParseError as error:
            return Status.PARSE_ERROR, {**found, "error": str(error)}
        return Status.OK, {**found, "answer": answer.model_dump()}

    async def _create(self, body: dict) -> tuple[object, Endpoint]:
        """A completion and the endpoint that gave it. With several endpoints, one that cannot be
        reached, times out, is overloaded (429) or fails (5xx) is set aside and the request goes
        to another, up to VLSBENCH_TASK_JUDGE_MAX_RETRIES times."""
        retries = self.settings.max_retries if self.endpoints.several else 0
        for attempt in itertools.count():
            endpoint, wait = self.endpoints.take()
            failed, rest_s = False, None
            try:
                if wait > 0:
                    await self.limiter.pause(wait)
                return await self._create_at(endpoint.client, body), endpoint
            except ENDPOINT_FAILURES as error:
                response = getattr(error, "response", None)
                failed, rest_s = True, retry_after_s(response.headers) if response is not None else None
                if attempt == retries:
                    raise
            finally:
                self.endpoints.give_back(endpoint, failed, rest_s)

    async def _create_at(self, client: openai.AsyncOpenAI, body: dict):
        if "response_format" in body and self._structured_outputs:
            try:
                return await post_completion(client, body)
            except openai.BadRequestError as error:
                if not _rejects_response_format(error):
                    raise
                self._structured_outputs = False  # parse JSON from text from now on
        return await post_completion(
            client, {key: value for key, value in body.items() if key != "response_format"}
        )

    def _redact(self, text: str | None) -> str | None:
        return None if text is None else self.settings.redact(text)

    def _describe(self, error: openai.APIError) -> str:
        status = getattr(error, "status_code", None)
        prefix = f"HTTP {status}: " if status else ""
        return self.settings.redact(f"{prefix}{type(error).__name__}: {error}")[:500]

    def _verdict(self, status: Status, record: dict, tokens: dict, **fields) -> Verdict:
        return Verdict(status=status, **record, **tokens, **fields)


async def post_completion(client: openai.AsyncOpenAI, body: dict) -> Completion:
    """A chat completion through the client's own request path (retries, error types, hooks). Not
    `chat.completions.create`: that first walks the whole body through the SDK's type transform,
    JSON schema and image data URL included, which took 40 % of the engine's CPU per request and
    capped it near 300 requests/s. Our body is plain JSON already, with nothing to transform.
    A body that is not a completion raises ValidationError, a ValueError."""
    return Completion.model_validate_json(await client.post("/chat/completions", body=body, cast_to=bytes))


# What one endpoint does wrong rather than the request: another endpoint may well answer it.
ENDPOINT_FAILURES = (openai.APIConnectionError, openai.RateLimitError, openai.InternalServerError)


def _is_content_filter(error: openai.BadRequestError) -> bool:
    return "content_filter" in f"{error.code} {error.body}"


def _rejects_response_format(error: openai.BadRequestError) -> bool:
    text = f"{error.message} {error.body}".lower()
    return "response_format" in text or "json_schema" in text
