"""The paper's judge: a chat-completions model that sees the image (OpenAI, Azure, vLLM, SGLang...)."""

from __future__ import annotations

import threading

import openai

from ..images import PreparedImage
from ..limits import BudgetExhausted, RateLimiter
from ..parsing import ParseError, parse_answer
from ..prompt import SYSTEM_MESSAGE, PromptTemplate
from ..schema import JudgeItem, Status, Verdict, response_format
from ..settings import JudgeSettings

MAX_TOKENS = 128  # the authors' setting


class OpenAICompatibleJudge:
    name = "openai"
    sees_image = True

    def __init__(self, settings: JudgeSettings, prompt: PromptTemplate, limiter: RateLimiter):
        self.settings = settings
        self.prompt = prompt
        self.limiter = limiter
        self.model_id = settings.model
        self._client: openai.OpenAI | None = None
        self._client_lock = threading.Lock()
        self._structured_outputs = True  # turned off once for servers that reject response_format
        self._requests = threading.local()  # HTTP requests of the current item, retries included

    def _get_client(self) -> openai.OpenAI:
        with self._client_lock:  # built on first use: nothing touches the network at import
            if self._client is None:
                http_client = openai.DefaultHttpxClient(event_hooks={"request": [self._before_request]})
                self._client = openai.OpenAI(
                    api_key=self.settings.api_key or "no-key",  # local servers often need none
                    base_url=self.settings.base_url,
                    timeout=self.settings.timeout_s,
                    max_retries=self.settings.max_retries,  # backoff with jitter, honours Retry-After
                    http_client=http_client,
                )
            return self._client

    def _before_request(self, request) -> None:
        """Runs for every HTTP request, the SDK's retries included, in the judging thread."""
        self.limiter.acquire()
        self._requests.count = getattr(self._requests, "count", 0) + 1

    def messages(self, item: JudgeItem, image: PreparedImage) -> list[dict]:
        return [
            {"role": "system", "content": SYSTEM_MESSAGE},
            {
                "role": "user",
                "content": [
                    {"type": "image_url", "image_url": {"url": image.data_url}},
                    {"type": "text", "text": self.prompt.render(item.query, item.response)},
                ],
            },
        ]

    def judge(self, item: JudgeItem, image: PreparedImage | None) -> Verdict:
        assert image is not None, "the engine prepares the image of every item for this backend"
        self._requests.count = 0
        record = {"backend": self.name, "prompt_sha256": self.prompt.sha256, "image": image.info}
        tokens = {"prompt_tokens": 0, "completion_tokens": 0}
        messages = self.messages(item, image)
        last_problem, last_raw, returned_model = "no answer", None, None
        for _ in range(1 + self.settings.parse_retries):
            try:
                self.limiter.check_budget()
                completion = self._create(messages)
            except BudgetExhausted as error:
                return self._verdict(Status.ERROR, record, tokens, error=str(error))
            except openai.BadRequestError as error:
                if _is_content_filter(error):
                    return self._verdict(Status.JUDGE_REFUSED, record, tokens, error=self._describe(error))
                return self._verdict(Status.ERROR, record, tokens, error=self._describe(error))
            except openai.APIError as error:  # retries inside the SDK are used up
                return self._verdict(Status.ERROR, record, tokens, error=self._describe(error))
            except ValueError as error:  # a 200 whose body is not JSON: ask again, like an unparsable answer
                last_problem = f"malformed response body: {error}"
                continue
            if completion.usage is not None:
                tokens["prompt_tokens"] += completion.usage.prompt_tokens or 0
                tokens["completion_tokens"] += completion.usage.completion_tokens or 0
                self.limiter.record_tokens(completion.usage.total_tokens or 0)
            returned_model = completion.model
            if not completion.choices:
                last_problem = "answer without choices"
                continue
            choice = completion.choices[0]
            # A judge that echoes its request could repeat the key; nothing we store may hold it.
            last_raw = self._redact(choice.message.content)
            refusal = self._redact(getattr(choice.message, "refusal", None))
            if choice.finish_reason == "content_filter" or refusal:
                return self._verdict(
                    Status.JUDGE_REFUSED, record, tokens, raw=last_raw or refusal, judge_model=returned_model
                )
            try:
                answer = parse_answer(last_raw)
            except ParseError as error:
                last_problem = str(error)
                continue
            return Verdict.from_answer(
                answer,
                raw=last_raw,
                judge_model=returned_model,
                requests=self._requests.count,
                **record,
                **tokens,
            )
        return self._verdict(
            Status.PARSE_ERROR, record, tokens, raw=last_raw, error=last_problem, judge_model=returned_model
        )

    def _create(self, messages: list[dict]):
        client = self._get_client()
        arguments = {
            "model": self.settings.model,
            "messages": messages,
            "temperature": 0,
            "max_tokens": MAX_TOKENS,
        }
        if self._structured_outputs:
            try:
                return client.chat.completions.create(**arguments, response_format=response_format())
            except openai.BadRequestError as error:
                if not _rejects_response_format(error):
                    raise
                self._structured_outputs = False  # parse JSON from text from now on
        return client.chat.completions.create(**arguments)

    def _redact(self, text: str | None) -> str | None:
        return None if text is None else self.settings.redact(text)

    def _describe(self, error: openai.APIError) -> str:
        status = getattr(error, "status_code", None)
        prefix = f"HTTP {status}: " if status else ""
        return self.settings.redact(f"{prefix}{type(error).__name__}: {error}")[:500]

    def _verdict(self, status: Status, record: dict, tokens: dict, **fields) -> Verdict:
        return Verdict(status=status, requests=self._requests.count, **record, **tokens, **fields)


def _is_content_filter(error: openai.BadRequestError) -> bool:
    return "content_filter" in f"{error.code} {error.body}"


def _rejects_response_format(error: openai.BadRequestError) -> bool:
    text = f"{error.message} {error.body}".lower()
    return "response_format" in text or "json_schema" in text
