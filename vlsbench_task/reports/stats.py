"""95 % intervals for the rates we report (all in percent)."""

from __future__ import annotations

import math

from pydantic import BaseModel

Z95 = 1.959963984540054


class Interval(BaseModel):
    low: float
    high: float
    method: str  # "wilson", "stderr" (lmms-eval's), "mover-mean", "newcombe"

    def contains(self, value: float) -> bool:
        return self.low <= value <= self.high

    def __str__(self) -> str:
        return f"[{self.low:.1f}, {self.high:.1f}]"


def _wilson_bounds(successes: int, n: int) -> tuple[float, float]:
    """Wilson score bounds as proportions (0-1)."""
    p = successes / n
    centre = (p + Z95**2 / (2 * n)) / (1 + Z95**2 / n)
    half = Z95 * math.sqrt(p * (1 - p) / n + Z95**2 / (4 * n**2)) / (1 + Z95**2 / n)
    # At 0 and n successes the bound is exactly 0 (or 1): centre and half are then equal in exact
    # arithmetic, but in floating point their difference is off by ~1e-15, which would put a
    # published 0.00 % outside our interval.
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == n else min(1.0, centre + half)
    return low, high


def wilson(successes: int, n: int) -> Interval:
    low, high = _wilson_bounds(successes, n)
    return Interval(low=100 * low, high=100 * high, method="wilson")


def from_stderr(value: float, stderr: float, high: float = 100.0) -> Interval:
    """value ± 1.96 stderr, clipped to the metric's range (lmms-eval's stderr, when no samples were logged)."""
    return Interval(low=max(0.0, value - Z95 * stderr), high=min(high, value + Z95 * stderr), method="stderr")


def mover(estimates: list[tuple[float, float, float]], weights: list[float], method: str) -> Interval:
    """Interval for sum(w_i x estimate_i) of independent estimates given as (point, low, high), by
    MOVER (Zou & Donner 2008): each estimate's own bounds widen the combination on each side."""
    point = low_sq = high_sq = 0.0
    for (value, bound_low, bound_high), w in zip(estimates, weights, strict=True):
        lo, hi = sorted((w * bound_low, w * bound_high))
        point += w * value
        low_sq += (w * value - lo) ** 2
        high_sq += (hi - w * value) ** 2
    return Interval(low=point - math.sqrt(low_sq), high=point + math.sqrt(high_sq), method=method)


def _percent(k: int, n: int) -> tuple[float, float, float]:
    """A rate of k in n with its Wilson bounds, in percent."""
    return (100 * k / n, *(100 * bound for bound in _wilson_bounds(k, n)))


def linear_combination(counts: list[tuple[int, int]], weights: list[float], method: str) -> Interval:
    """Interval for sum(w_i x rate_i) of independent rates given as (successes, n), by MOVER over
    their Wilson bounds. It stays sensible at 0 % and 100 %, where a normal approximation collapses
    to a point."""
    return mover([_percent(k, n) for k, n in counts], weights, method)


def mean_interval(estimates: list[tuple[float, float, float]]) -> Interval:
    """The unweighted mean of independent estimates (point, low, high) in percent, by MOVER, kept
    within 0-100 % where rounding would step outside."""
    interval = mover(estimates, [1 / len(estimates)] * len(estimates), method="mover-mean")
    return interval.model_copy(update={"low": max(0.0, interval.low), "high": min(100.0, interval.high)})


def mean_of_rates(counts: list[tuple[int, int]]) -> Interval:
    """The unweighted mean of several rates (MMSafeAware's Total, a suite's group number)."""
    return mean_interval([_percent(k, n) for k, n in counts])


def difference(first: tuple[int, int], second: tuple[int, int]) -> Interval:
    """rate(first) - rate(second) (Newcombe's hybrid score interval). It treats the rates as
    independent; for the same items scored twice (paired) it is conservative, i.e. wider."""
    return linear_combination([first, second], [1.0, -1.0], method="newcombe")
