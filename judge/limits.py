"""Optional request-per-minute, token-per-minute and total-token limits shared by all judge threads."""

from __future__ import annotations

import collections
import threading
import time


class BudgetExhausted(RuntimeError):
    pass


class Interrupted(BaseException):
    """Raised in a judging thread at its next request once judging was interrupted (Ctrl-C). A
    BaseException, as KeyboardInterrupt is, so that neither the SDK's retries nor the engine's
    per-item error handling turn it into a verdict: the item stays unjudged and uncached."""


class RateLimiter:
    """Sliding one-minute window over requests and tokens; `None` limits are not enforced.

    `acquire` is called for every HTTP request, SDK retries included, so a retry storm cannot
    exceed VLSBENCH_JUDGE_RPM, and `interrupt` stops every request that has not started yet; the
    token budget is checked once per attempt at an item.
    """

    WINDOW_S = 60.0

    def __init__(self, rpm: int | None = None, tpm: int | None = None, max_tokens_total: int | None = None):
        self.rpm, self.tpm, self.max_tokens_total = rpm, tpm, max_tokens_total
        self._condition = threading.Condition()
        self._requests: collections.deque[float] = collections.deque()
        self._tokens: collections.deque[tuple[float, int]] = collections.deque()
        self.tokens_total = 0
        self._interrupted = False

    def check_budget(self) -> None:
        """Raise BudgetExhausted once VLSBENCH_JUDGE_MAX_TOKENS_TOTAL tokens have been spent."""
        with self._condition:
            if self.max_tokens_total is not None and self.tokens_total >= self.max_tokens_total:
                raise BudgetExhausted(
                    f"token budget of {self.max_tokens_total} (VLSBENCH_JUDGE_MAX_TOKENS_TOTAL) spent"
                )

    def acquire(self) -> None:
        """Wait until one more request fits the per-minute limits; raise Interrupted after interrupt()."""
        with self._condition:
            while not self._interrupted and (wait := self._wait_s(time.monotonic())) > 0:
                self._condition.wait(timeout=wait)
            if self._interrupted:
                raise Interrupted("judging was interrupted")
            self._requests.append(time.monotonic())

    def pause(self, seconds: float) -> None:
        """Sleep `seconds` (a backoff), or raise Interrupted as soon as judging is interrupted."""
        deadline = time.monotonic() + seconds
        with self._condition:
            while not self._interrupted and (left := deadline - time.monotonic()) > 0:
                self._condition.wait(timeout=left)
            if self._interrupted:
                raise Interrupted("judging was interrupted")

    def interrupt(self) -> None:
        """No request starts from now on, also none waiting for the per-minute limits."""
        with self._condition:
            self._interrupted = True
            self._condition.notify_all()

    def record_tokens(self, tokens: int) -> None:
        with self._condition:
            self.tokens_total += tokens
            self._tokens.append((time.monotonic(), tokens))
            self._condition.notify_all()

    def _wait_s(self, now: float) -> float:
        horizon = now - self.WINDOW_S
        while self._requests and self._requests[0] <= horizon:
            self._requests.popleft()
        while self._tokens and self._tokens[0][0] <= horizon:
            self._tokens.popleft()
        waits = [0.0]
        if self.rpm is not None and len(self._requests) >= self.rpm:
            waits.append(self._requests[0] - horizon)
        if self.tpm is not None and sum(tokens for _, tokens in self._tokens) >= self.tpm:
            waits.append(self._tokens[0][0] - horizon)
        return max(waits)
