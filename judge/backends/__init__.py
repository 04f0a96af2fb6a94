"""Judge backends: each turns one JudgeItem (and its prepared image) into a Verdict."""

from __future__ import annotations

import contextlib
from typing import Protocol

from ..images import PreparedImage
from ..limits import RateLimiter
from ..schema import JudgeItem, Verdict
from ..settings import JudgeSettings


class Backend(Protocol):
    name: str
    model_id: str  # the model as requested; part of the cache key
    remote: bool  # False: answers at once, from rules; the engine neither sends images nor caches

    def connected(self) -> contextlib.AbstractAsyncContextManager:
        """What `judge` needs open in the event loop that judges (the HTTP clients)."""
        ...

    async def judge(self, item: JudgeItem, image: PreparedImage | None) -> Verdict: ...

    def endpoint_failures(self) -> dict[str, int]:
        """Failed requests so far by endpoint (without credentials)."""
        ...


def make_backend(settings: JudgeSettings, limiter: RateLimiter) -> Backend:
    if settings.backend == "keyword":
        from .keyword import KeywordJudge

        return KeywordJudge()
    if settings.backend == "openai":
        from .openai_compatible import OpenAICompatibleJudge

        return OpenAICompatibleJudge(settings, limiter)
    raise ValueError(f"unknown judge backend {settings.backend!r} (choose 'openai' or 'keyword')")
