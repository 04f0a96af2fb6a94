"""Several endpoints of one judge (`VLSBENCH_TASK_JUDGE_BASE_URL=url1,url2,...`, e.g. one vLLM replica per
GPU): each request goes to the endpoint with the fewest requests in flight, and one that fails is
set aside for a while, longer after each failure in a row, then tried again.

Which endpoint answers changes nothing of a verdict or its cache key: the endpoints serve the same
model. Failures are counted per endpoint for the run totals.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from .limits import MAX_RETRY_AFTER_S
from .settings import JudgeSettings, public_url

FIRST_REST_S = 1.0  # an endpoint that failed once is left alone this long; doubled per failure in a row
MAX_REST_S = MAX_RETRY_AFTER_S


@dataclass
class Endpoint:
    settings: JudgeSettings  # the judge's settings, with this endpoint's URL
    public_url: str  # without credentials: safe to record
    client: object = None  # the backend's client of this endpoint, while it judges
    in_flight: int = 0
    failures: int = 0  # requests that failed here, for the run totals
    failures_in_a_row: int = 0
    rests_until: float = 0.0  # time.monotonic() before which no new request is sent here


class EndpointPool:
    def __init__(self, settings: JudgeSettings):
        self.endpoints = [
            Endpoint(settings=each, public_url=public_url(each.base_url or ""))
            for each in settings.endpoint_settings()
        ]
        self.several = len(self.endpoints) > 1
        self._lock = threading.Lock()

    def take(self) -> tuple[Endpoint, float]:
        """The endpoint for the next request, counted in flight until `give_back`, and how long to
        wait before sending (0 unless every endpoint is resting: then the one back soonest)."""
        with self._lock:
            now = time.monotonic()
            awake = [each for each in self.endpoints if each.rests_until <= now]
            if awake:
                endpoint, wait = min(awake, key=lambda each: each.in_flight), 0.0
            else:
                endpoint = min(self.endpoints, key=lambda each: each.rests_until)
                wait = endpoint.rests_until - now
            endpoint.in_flight += 1
            return endpoint, wait

    def give_back(self, endpoint: Endpoint, failed: bool, rest_s: float | None = None) -> None:
        """Release a request; a failure sets the endpoint aside for `rest_s` (a Retry-After) or for
        its backoff, when there is another endpoint to send to."""
        with self._lock:
            endpoint.in_flight -= 1
            if not failed:
                endpoint.failures_in_a_row = 0
                return
            endpoint.failures += 1
            now = time.monotonic()
            # Requests sent before the endpoint was set aside fail together: one step of backoff.
            if self.several and endpoint.rests_until <= now:
                endpoint.failures_in_a_row += 1
                backoff = min(MAX_REST_S, FIRST_REST_S * 2 ** (endpoint.failures_in_a_row - 1))
                endpoint.rests_until = now + (rest_s if rest_s is not None else backoff)

    def failures(self) -> dict[str, int]:
        with self._lock:
            return {each.public_url: each.failures for each in self.endpoints}
