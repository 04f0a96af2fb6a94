"""Request-per-minute, token-per-minute and total-token limits shared by all judge threads, and an
adaptive pace for a judge that throttles (429) without limits being configured."""

from __future__ import annotations

import asyncio
import collections
import threading
import time
from dataclasses import dataclass, field

from ..base.errors import JudgeError

BURST_S = 1.0  # a configured limit lets one second's budget go at once, then paces the rest
DECREASE = 0.7  # after a 429, the pace is this share of the rate that drew it
INCREASE = 0.005  # and grows back by this share a request: about 70 requests to regain it
RATE_SAMPLE_S = 10.0  # the rate that drew a 429 is measured over this much of the past
MIN_PACE_RPM = 1.0
INTERRUPT_POLL_S = 0.25  # a request waiting for the limits notices an interrupt this soon


MAX_RETRY_AFTER_S = 30.0


def retry_after_s(headers) -> float | None:
    """A response's Retry-After in seconds (OpenAI also sends retry-after-ms), capped; None if it
    gave none or an HTTP date."""
    for name, scale in (("retry-after-ms", 1000), ("retry-after", 1)):
        try:
            return min(max(float(headers.get(name)) / scale, 0.0), MAX_RETRY_AFTER_S)
        except (TypeError, ValueError):
            continue
    return None


class BudgetExhausted(JudgeError, RuntimeError):
    pass


class Interrupted(BaseException):
    """Raised in a judging thread at its next request once judging was interrupted (Ctrl-C). A
    BaseException, as KeyboardInterrupt is, so that neither the SDK's retries nor the engine's
    per-item error handling turn it into a verdict: the item stays unjudged and uncached."""


class Bucket:
    """Refills at `per_minute` / 60 a second up to `capacity`; a take may leave it in debt (a
    request larger than the bucket still goes, once it is full)."""

    def __init__(self, per_minute: float, capacity: float):
        self.per_minute, self.capacity = per_minute, capacity
        self.level, self._stamp = capacity, time.monotonic()

    @classmethod
    def for_limit(cls, per_minute: int, at_least: float) -> Bucket:
        """One second's budget at once (at least `at_least`, at most the whole minute's)."""
        return cls(per_minute, min(per_minute, max(at_least, per_minute * BURST_S / 60)))

    def _refill(self, now: float) -> None:
        self.level = min(self.capacity, self.level + (now - self._stamp) * self.per_minute / 60)
        self._stamp = now

    def wait_s(self, now: float, amount: float) -> float:
        self._refill(now)
        missing = min(amount, self.capacity) - self.level
        return max(0.0, missing * 60 / self.per_minute)

    def take(self, now: float, amount: float) -> None:
        self._refill(now)
        self.level -= amount


@dataclass
class _Budget:
    """What a judge's requests draw on: the per-minute limits' buckets, and the pace learned from
    its 429s."""

    requests: Bucket | None
    tokens: Bucket | None
    lock: threading.Lock = field(default_factory=threading.Lock)
    pace: Bucket | None = None  # set by the first 429
    not_before: float = 0.0
    cut_at: float = float("-inf")  # when a 429 last cut the pace
    recent: collections.deque[float] = field(default_factory=collections.deque)  # request times


_budgets: dict[tuple, _Budget] = {}
_budgets_lock = threading.Lock()


def _shared_budget(rpm: int | None, tpm: int | None, share: tuple | None) -> _Budget:
    """Limiters with the same `share` (the judge's URL and key) and limits share one budget within
    a process, as the API's is shared: the tasks of a suite judge one after another, and a full
    bucket for each, or a pace learned afresh, would burst past the API's."""

    def fresh() -> _Budget:
        requests = Bucket.for_limit(rpm, at_least=2) if rpm else None
        return _Budget(requests, Bucket.for_limit(tpm, at_least=1) if tpm else None)

    if share is None:
        return fresh()
    with _budgets_lock:
        key = (*share, rpm, tpm)
        if key not in _budgets:
            _budgets[key] = fresh()
        return _budgets[key]


class RateLimiter:
    """Token buckets over requests and tokens, as an API's rate limiter keeps them: each refills at
    its per-minute limit, so requests go out evenly rather than a minute's worth at once (APIs
    enforce their limits over seconds); `None` limits are not enforced.

    `acquire` is called for every HTTP request, SDK retries included, so a retry storm cannot
    exceed VLSBENCH_TASK_JUDGE_RPM, and `interrupt` stops every request that has not started yet. A
    request reserves the tokens the API will count for it (judge/tokens.py) before it is sent; the
    total budget is checked once per attempt at an item. `throttled` (a 429) holds every request
    back until the Retry-After and then paces them (see `throttled`).
    """

    def __init__(
        self,
        rpm: int | None = None,
        tpm: int | None = None,
        max_tokens_total: int | None = None,
        share: tuple | None = None,
    ):
        self.rpm, self.tpm, self.max_tokens_total = rpm, tpm, max_tokens_total
        self._budget = _shared_budget(rpm, tpm, share)
        self._lock = self._budget.lock
        self.tokens_total = 0
        self.throttles = 0  # 429s reported
        self._interrupted = False

    def check_budget(self) -> None:
        """Raise BudgetExhausted once VLSBENCH_TASK_JUDGE_MAX_TOKENS_TOTAL tokens have been spent."""
        with self._lock:
            if self.max_tokens_total is not None and self.tokens_total >= self.max_tokens_total:
                raise BudgetExhausted(
                    f"token budget of {self.max_tokens_total} (VLSBENCH_TASK_JUDGE_MAX_TOKENS_TOTAL) spent"
                )

    async def acquire(self, tokens: int = 0) -> None:
        """Wait until one more request of `tokens` fits the limits; raise Interrupted after interrupt()."""
        while (wait := self._take(tokens)) > 0:
            await asyncio.sleep(min(wait, INTERRUPT_POLL_S))

    def _take(self, tokens: int) -> float:
        """0 with one request of `tokens` taken from the limits, or the seconds until it would fit."""
        with self._lock:
            if self._interrupted:
                raise Interrupted("judging was interrupted")
            now = time.monotonic()
            if (wait := self._wait_s(now, tokens)) > 0:
                return wait
            for bucket, amount in (
                (self._budget.requests, 1),
                (self._budget.tokens, tokens),
                (self._budget.pace, 1),
            ):
                if bucket is not None:
                    bucket.take(now, amount)
            if self._budget.pace is not None:
                self._budget.pace.per_minute *= 1 + INCREASE
            self._budget.recent.append(now)
            while self._budget.recent[0] < now - RATE_SAMPLE_S:
                self._budget.recent.popleft()
            return 0.0

    async def pause(self, seconds: float) -> None:
        """Sleep `seconds` (a backoff), or raise Interrupted soon after judging is interrupted."""
        deadline = time.monotonic() + seconds
        while not self._interrupted and (left := deadline - time.monotonic()) > 0:
            await asyncio.sleep(min(left, INTERRUPT_POLL_S))
        if self._interrupted:
            raise Interrupted("judging was interrupted")

    def interrupt(self) -> None:
        """No request starts from now on, also none waiting for the per-minute limits."""
        with self._lock:
            self._interrupted = True

    def record_tokens(self, tokens: int, reserved: int = 0) -> None:
        """The tokens an answer reports; what exceeds the reservation is charged to the TPM bucket."""
        with self._lock:
            self.tokens_total += tokens
            if self._budget.tokens is not None and tokens > reserved:
                self._budget.tokens.take(time.monotonic(), tokens - reserved)

    def throttled(self, retry_after_s: float | None, sent_at: float) -> None:
        """The judge answered 429 to a request sent at `sent_at` (time.monotonic()). No request
        starts before its Retry-After (1 s if it gave none); then requests are paced, one at a
        time, at DECREASE x the rate that drew the 429, growing back by INCREASE a request. The
        requests turned away come back one by one, not together (no thundering herd), and the pace
        settles just under what the judge allows. The 429s of requests sent before the pace was
        last cut cut it no further: sent at the old rate, they come one by one, each past the
        short Retry-After of the one before, and cut after cut would collapse the pace."""
        budget = self._budget
        with self._lock:
            now = time.monotonic()
            self.throttles += 1
            if now < budget.not_before or sent_at < budget.cut_at:
                return
            budget.cut_at = now
            budget.not_before = now + (retry_after_s if retry_after_s is not None else 1.0)
            span = max(1.0, now - budget.recent[0]) if budget.recent else RATE_SAMPLE_S
            rate = len(budget.recent) * 60 / span
            if budget.pace is not None:
                rate = min(rate, budget.pace.per_minute)
            budget.pace = Bucket(max(MIN_PACE_RPM, DECREASE * rate), capacity=1)

    def _wait_s(self, now: float, tokens: int) -> float:
        waits = [self._budget.not_before - now]
        for bucket, amount in (
            (self._budget.requests, 1),
            (self._budget.tokens, tokens),
            (self._budget.pace, 1),
        ):
            if bucket is not None:
                waits.append(bucket.wait_s(now, amount))
        return max(waits)
