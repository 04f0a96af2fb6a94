"""A judged rate corrected by people's labels on a sample: judge-only, labels-only and PPI estimates.

The judge gave a verdict on all N items of a run; people labelled n of them, drawn at random or
stratified (by the judge's outcome, say) with known stratum sizes. The target is **the people's
rate on these N items** (the finite-population view): it is what an auditor of the whole run would
find, and it is the truth the MSTS validation (performance/ppi_msts.py) checks coverage against.

- judge-only: the judge's rate on all N with the report's usual Wilson interval. That interval
  covers the luck of the items drawn, not the judge's mistakes; its coverage of the people's rate
  is whatever the judge's bias allows.
- labels-only: the (stratified) mean of the labels, with a Wilson interval (statsmodels) at the
  design's effective sample size, which carries the finite-population correction and the
  stratification (Korn & Graubard 1998's use of the design effect).
- PPI: prediction-powered inference (Angelopoulos et al. 2023) with power tuning (PPI++,
  Angelopoulos, Duchi & Zrnic 2023): lam x (judge's rate on all N) + the (stratified) mean of
  (label - lam x verdict) over the labelled items; lam = 0 is labels-only, lam = 1 plain PPI.
  The point estimate equals ppi_py's `ppi_mean_pointestimate` for the same lam (a test checks).
  We do not use ppi_py's `ppi_mean_ci`: it treats the unlabelled items as a second sample from an
  infinite population (it adds the variance of the judge's mean and has no finite-population
  correction: with n = N/2, its interval for the rate of these N items is 1.6-1.8x as wide as ours
  on a simulated run whose judge is right on 85 % of items); it knows no strata; and it is not
  batched over the thousands of draws of the validation.

The PPI interval is a normal interval whose variance is that of the rectifier label - lam x verdict
with the finite-population correction, per stratum. A sample in which people agree with every
verdict would give a zero-width interval; to keep coverage there the variance counts, in each
stratum, two pseudo-labels (one 1, one 0, both carrying the stratum's mean verdict), in the spirit
of Agresti & Coull's "add two". They enter only the variance, never the point estimate.

Every function works on the last axis, so a (draws, n) array gives one estimate per draw.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from statsmodels.stats.proportion import proportion_confint

from .stats import Z95


@dataclass(frozen=True)
class Design:
    """How the labelled items were drawn from the N judged ones: `sizes[h]` items in stratum h, and
    each labelled item's stratum index in `strata` (a simple random draw is one stratum of N)."""

    sizes: np.ndarray  # (H,) items per stratum in the population
    strata: np.ndarray  # (..., n) stratum index of each labelled item

    @classmethod
    def random(cls, population: int, labelled: int) -> Design:
        return cls(np.array([population]), np.zeros(labelled, dtype=int))

    @property
    def population(self) -> int:
        return int(self.sizes.sum())


@dataclass(frozen=True)
class Rate:
    """Point estimates and 95 % bounds as proportions (0-1), one per draw."""

    point: np.ndarray
    low: np.ndarray
    high: np.ndarray

    @property
    def width(self) -> np.ndarray:
        return self.high - self.low

    def contains(self, truth: float | np.ndarray) -> np.ndarray:
        return (self.low <= truth) & (truth <= self.high)


def _per_stratum(values: np.ndarray, design: Design):
    """(stratum share of N, its labels' mask, labels in it, their mean) per stratum; a stratum
    without labels is an error, since nothing then stands for it."""
    for h, size in enumerate(design.sizes):
        mask = np.broadcast_to(design.strata == h, values.shape)
        n_h = mask.sum(-1)
        if np.any(n_h == 0):
            raise ValueError(f"stratum {h} ({size} items) has no labelled item: its rate cannot be estimated")
        mean = np.where(mask, values, 0.0).sum(-1) / n_h
        yield size / design.population, mask, n_h, mean


def _design_variance(values: np.ndarray, design: Design, pseudo: list[tuple] | None = None) -> np.ndarray:
    """The finite-population variance of the stratified mean of `values`; `pseudo[h]` gives extra
    values that count in stratum h's sample variance only."""
    variance = 0.0
    for h, (share, mask, n_h, _) in enumerate(_per_stratum(values, design)):
        extra = pseudo[h] if pseudo else ()
        count = n_h + len(extra)
        total = np.where(mask, values, 0.0).sum(-1) + sum(extra)
        squares = np.where(mask, values**2, 0.0).sum(-1) + sum(e**2 for e in extra)
        spread = np.maximum(squares - total**2 / count, 0.0) / np.maximum(count - 1, 1)
        variance = variance + share**2 * (1 - n_h / design.sizes[h]) * spread / n_h
    return variance


def stratified_mean(values: np.ndarray, design: Design) -> np.ndarray:
    return sum(share * mean for share, _, _, mean in _per_stratum(values, design))


def labels_only(labels: np.ndarray, design: Design) -> Rate:
    labels = np.asarray(labels, dtype=float)
    point = stratified_mean(labels, design)
    variance = _design_variance(labels, design)
    n = labels.shape[-1]
    # Effective sample size: the simple random sample with the same variance; where the labels are
    # all alike (no variance to measure) the unstratified formula stands in.
    fallback = n / (1 - n / design.population) if n < design.population else np.inf
    binomial = point * (1 - point)
    with np.errstate(divide="ignore", invalid="ignore"):
        effective = np.where((variance > 0) & (binomial > 0), binomial / variance, fallback)
    if not np.all(np.isfinite(effective)):  # every item labelled: the rate is known exactly
        return Rate(point, point, point)
    low, high = proportion_confint(point * effective, effective, alpha=0.05, method="wilson")
    # Wilson's bounds hold the point; at 0 % or 100 % rounding can leave it a hair outside.
    return Rate(point, np.minimum(low, point), np.maximum(high, point))


def tuning(labels: np.ndarray, verdicts: np.ndarray, design: Design) -> np.ndarray:
    """PPI++'s lam = cov(label, verdict) / var(verdict) over the labelled items (weighted by how many
    items each stands for), clipped to [0, 1]. Where the labelled items' verdicts do not vary, the
    labels say nothing of how far the verdicts can be trusted: lam = 0, the labels alone. (With lam = 1
    there, coverage fell to 0.87 on MSTS where a judge's few flags went undrawn; docs/judges.md.)"""
    weights = sum(
        np.where(mask, (share / n_h)[..., None], 0.0) for share, mask, n_h, _ in _per_stratum(labels, design)
    )
    total = weights.sum(-1, keepdims=True)
    mean_label = (weights * labels).sum(-1, keepdims=True) / total
    mean_verdict = (weights * verdicts).sum(-1, keepdims=True) / total
    covariance = (weights * (labels - mean_label) * (verdicts - mean_verdict)).sum(-1)
    spread = (weights * (verdicts - mean_verdict) ** 2).sum(-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        lam = np.where(spread > 0, covariance / spread, 0.0)
    return np.clip(lam, 0.0, 1.0)


def ppi(labels: np.ndarray, verdicts: np.ndarray, judge_rate: float, design: Design) -> Rate:
    """`labels` and `verdicts` (0/1) of the labelled items, `judge_rate` the judge's rate on all N."""
    labels = np.asarray(labels, dtype=float)
    verdicts = np.asarray(verdicts, dtype=float)
    lam = tuning(labels, verdicts, design)
    rectifier = labels - lam[..., None] * verdicts
    point = lam * judge_rate + stratified_mean(rectifier, design)
    pseudo = [(1 - lam * verdict, -lam * verdict) for _, _, _, verdict in _per_stratum(verdicts, design)]
    half = Z95 * np.sqrt(_design_variance(rectifier, design, pseudo))
    return Rate(point, np.clip(point - half, 0.0, 1.0), np.clip(point + half, 0.0, 1.0))
