"""Cohen's kappa with its large-sample interval, and the paired difference of two rates on the same items."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from ..reports.stats import Z95, Interval, wilson


@dataclass(frozen=True)
class Kappa:
    """Cohen's kappa of a confusion matrix, with its 95 % interval. The value is None where kappa
    is undefined (no items, or both sides gave every item one and the same outcome); where only one
    side gave a single outcome, kappa is 0 by construction and has no interval (`note` says so)."""

    value: float | None
    low: float | None
    high: float | None
    n: int
    note: str | None = None

    def text(self, width: int = 0, undefined: str = "n/a ({note})", one_sided: str = "({note})") -> str:
        """The value (3 decimals, right-aligned in `width`) and its interval; where kappa has no
        interval, `one_sided` follows the value; where it has no value, `undefined` stands alone
        (both may name the `{note}`)."""
        if self.value is None:
            return undefined.format(note=self.note)
        value = f"{self.value:{width or ''}.3f}"
        if self.low is None:
            return f"{value} {one_sided.format(note=self.note)}"
        return f"{value} [{self.low:.3f}, {self.high:.3f}]"

    def __str__(self) -> str:
        return self.text()


def cohen_kappa(matrix: Sequence[Sequence[int]]) -> Kappa:
    """Kappa of a square matrix of counts (rows: one rater, columns: the other), with the
    large-sample standard error of Fleiss, Cohen and Everitt (1969), valid whatever kappa is."""
    n = sum(map(sum, matrix))
    if n == 0:
        return Kappa(None, None, None, 0, "no items")
    k = len(matrix)
    p = [[cell / n for cell in row] for row in matrix]
    rows = [sum(row) for row in p]
    columns = [sum(p[i][j] for i in range(k)) for j in range(k)]
    observed = sum(p[i][i] for i in range(k))
    expected = sum(rows[i] * columns[i] for i in range(k))
    if expected >= 1 - 1e-12:
        return Kappa(None, None, None, n, "both sides gave one and the same outcome to every item")
    kappa = (observed - expected) / (1 - expected)
    if max(rows) >= 1 - 1e-12 or max(columns) >= 1 - 1e-12:
        return Kappa(kappa, None, None, n, "one side gave every item the same outcome")
    diagonal = sum(p[i][i] * (1 - (rows[i] + columns[i]) * (1 - kappa)) ** 2 for i in range(k))
    off_diagonal = (1 - kappa) ** 2 * sum(
        p[i][j] * (columns[i] + rows[j]) ** 2 for i in range(k) for j in range(k) if i != j
    )
    variance = (diagonal + off_diagonal - (kappa - expected * (1 - kappa)) ** 2) / (n * (1 - expected) ** 2)
    if variance > 1e-12:
        error = math.sqrt(variance)
        return Kappa(kappa, max(-1.0, kappa - Z95 * error), min(1.0, kappa + Z95 * error), n)
    # Every item agreed: the large-sample error is 0 and its interval a point, however few the items.
    # Given the marginals, kappa is a linear function of the observed agreement, so the agreement's
    # Wilson interval gives kappa's (conditional on the marginals, so if anything too narrow).
    agreement = wilson(round(observed * n), n)
    low, high = ((bound / 100 - expected) / (1 - expected) for bound in (agreement.low, agreement.high))
    return Kappa(kappa, max(-1.0, low), min(1.0, high), n, "interval from the agreement's Wilson interval")


def binary_kappa(first: Sequence[bool], second: Sequence[bool]) -> Kappa:
    """Kappa of two raters' yes/no calls on the same items."""
    pairs = Counter(zip(first, second, strict=True))
    return cohen_kappa([[pairs[True, True], pairs[True, False]], [pairs[False, True], pairs[False, False]]])


def paired_difference(both: int, first_only: int, second_only: int, neither: int) -> Interval:
    """95 % interval, in points, for rate(first) - rate(second) when both rates are measured on the
    same items: Newcombe's (1998) method 10, which combines each rate's Wilson interval with the
    correlation (phi) of the two yes/no calls."""
    n = both + first_only + second_only + neither
    yes_first, yes_second = both + first_only, both + second_only
    p1, p2 = yes_first / n, yes_second / n
    first, second = wilson(yes_first, n), wilson(yes_second, n)  # in percent
    low1, high1, low2, high2 = first.low / 100, first.high / 100, second.low / 100, second.high / 100
    margins = yes_first * (n - yes_first) * yes_second * (n - yes_second)
    phi = (both * neither - first_only * second_only) / math.sqrt(margins) if margins else 0.0
    below = math.sqrt(max(0.0, (p1 - low1) ** 2 - 2 * phi * (p1 - low1) * (high2 - p2) + (high2 - p2) ** 2))
    above = math.sqrt(max(0.0, (high1 - p1) ** 2 - 2 * phi * (high1 - p1) * (p2 - low2) + (p2 - low2) ** 2))
    difference = p1 - p2
    return Interval(
        low=100 * max(-1.0, difference - below),
        high=100 * min(1.0, difference + above),
        method="newcombe-paired",
    )
