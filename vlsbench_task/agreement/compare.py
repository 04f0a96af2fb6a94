"""Two judges' verdicts on the same items compared: what was compared, the confusion matrix, kappa, rates."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field

from ..judge import Rubric
from ..reports.stats import Interval, wilson
from .kappa import Kappa, cohen_kappa, paired_difference

# Why an item of A or B was not compared, and what each reason means.
UNMATCHED = {
    "only_a": "judged by A only (B has no verdict for it: absent, or a data error)",
    "only_b": "judged by B only (A has no verdict for it: absent, or a data error)",
    "error_a": "judge error in A (not ok: parse_error, judge_refused or error)",
    "error_b": "judge error in B",
    "error_both": "judge error in A and in B",
    "neither": "judged by neither (data errors on both sides)",
}


@dataclass(frozen=True)
class Pair:
    """One unit judged `ok` by both sides: its key, each side's outcome, and its breakdown values."""

    key: str
    a: str
    b: str
    groups: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RateDifference:
    """A rate (percent) under A and under B over the same items, and B - A with its interval."""

    name: str
    n: int
    a: float
    b: float
    interval: Interval | None

    @property
    def difference(self) -> float:
        return self.b - self.a

    def as_dict(self) -> dict:
        interval = None if self.interval is None else self.interval.model_dump()
        return {
            "name": self.name,
            "n": self.n,
            "a": self.a,
            "b": self.b,
            "difference": self.difference,
            "interval": interval,
        }


@dataclass
class Agreement:
    """Two sides' verdicts on the same units under one rubric."""

    rubric: str
    outcomes: tuple[str, ...]
    pairs: list[Pair]
    unmatched: dict[str, list[str]]  # reason (UNMATCHED) -> unit keys
    error_statuses: dict[str, dict[str, int]]  # "a" / "b" -> status -> count
    group_fields: tuple[str, ...] = ()

    @property
    def n(self) -> int:
        return len(self.pairs)

    @property
    def agreeing(self) -> int:
        return sum(pair.a == pair.b for pair in self.pairs)

    @property
    def raw_agreement(self) -> float | None:
        return 100 * self.agreeing / self.n if self.n else None

    @property
    def raw_agreement_interval(self) -> Interval | None:
        return wilson(self.agreeing, self.n) if self.n else None

    @property
    def confusion(self) -> list[list[int]]:
        """counts[i][j]: units A calls outcomes[i] and B calls outcomes[j]."""
        index = {outcome: i for i, outcome in enumerate(self.outcomes)}
        counts = [[0] * len(self.outcomes) for _ in self.outcomes]
        for pair in self.pairs:
            counts[index[pair.a]][index[pair.b]] += 1
        return counts

    @property
    def kappa(self) -> Kappa:
        return cohen_kappa(self.confusion)

    @property
    def disagreements(self) -> list[Pair]:
        return [pair for pair in self.pairs if pair.a != pair.b]

    def outcome_rates(self) -> list[RateDifference]:
        """Each outcome's share (percent) of the compared units under A and under B."""
        rates = []
        for outcome in self.outcomes:
            cells = Counter((pair.a == outcome, pair.b == outcome) for pair in self.pairs)
            interval = None
            if self.n:  # B - A: B is the "first" rate
                interval = paired_difference(
                    cells[True, True], cells[False, True], cells[True, False], cells[False, False]
                )
            a = 100 * (cells[True, True] + cells[True, False]) / self.n if self.n else math.nan
            b = 100 * (cells[True, True] + cells[False, True]) / self.n if self.n else math.nan
            rates.append(RateDifference(outcome, self.n, a, b, interval))
        return rates

    def by_group(self) -> dict[str, dict[str, dict]]:
        """{field: {value: n, agreeing, raw agreement (percent), kappa}} for each breakdown field."""
        found: dict[str, dict[str, dict]] = {}
        for name in self.group_fields:
            values = sorted({pair.groups[name] for pair in self.pairs if name in pair.groups})
            found[name] = {}
            for value in values:
                subset = [pair for pair in self.pairs if pair.groups.get(name) == value]
                part = Agreement(self.rubric, self.outcomes, subset, {}, {})
                found[name][value] = {
                    "n": part.n,
                    "agreeing": part.agreeing,
                    "raw_agreement": part.raw_agreement,
                    "kappa": asdict(part.kappa),
                }
        return found

    def as_dict(self) -> dict:
        return {
            "rubric": self.rubric,
            "outcomes": list(self.outcomes),
            "n": self.n,
            "kappa": asdict(self.kappa),
            "raw_agreement": self.raw_agreement,
            "raw_agreement_interval": _interval_dict(self.raw_agreement_interval),
            "confusion": {
                "rows_a": list(self.outcomes),
                "columns_b": list(self.outcomes),
                "counts": self.confusion,
            },
            "outcome_rates": [rate.as_dict() for rate in self.outcome_rates()],
            "by_group": self.by_group(),
            "unmatched": {
                reason: {"count": len(keys), "keys": keys} for reason, keys in self.unmatched.items()
            },
            "error_statuses": self.error_statuses,
            "disagreements": [{"key": p.key, "a": p.a, "b": p.b} for p in self.disagreements],
        }


def _interval_dict(interval: Interval | None) -> dict | None:
    return None if interval is None else interval.model_dump()


def _state(record: Mapping | None) -> str:
    if record is None:
        return "absent"
    status = record.get("status")
    return status if status in ("ok", "not_judged") else "error"


def _unmatched_reason(a: str, b: str) -> str | None:
    if a == "error" or b == "error":
        return {(True, True): "error_both", (True, False): "error_a", (False, True): "error_b"}[
            (a == "error", b == "error")
        ]
    if a == "ok" and b == "ok":
        return None
    if a == "ok":
        return "only_a"
    return "only_b" if b == "ok" else "neither"


def unit_order(key: str) -> tuple:
    """Keys are doc ids ("12") or "12#1" for the second response of doc 12: order them numerically."""
    head, _, tail = key.partition("#")
    return (int(head), int(tail or 0)) if head.isdigit() and (not tail or tail.isdigit()) else (math.inf, key)


def compare(
    a: Mapping[str, Mapping], b: Mapping[str, Mapping], rubric: Rubric, group_fields: Sequence[str] = ()
) -> Agreement:
    """Agreement of two sides' verdict records ({unit key: record with `status` and the rubric's
    answer fields}) under `rubric`. Only units `ok` on both sides are compared; every other unit of
    either side is listed under its reason (UNMATCHED)."""
    outcomes = tuple(dict.fromkeys(rubric.outcomes.values()))
    pairs: list[Pair] = []
    unmatched: dict[str, list[str]] = {reason: [] for reason in UNMATCHED}
    errors: dict[str, Counter] = {"a": Counter(), "b": Counter()}
    for key in sorted(set(a) | set(b), key=unit_order):
        record_a, record_b = a.get(key), b.get(key)
        state_a, state_b = _state(record_a), _state(record_b)
        for side, state, record in (("a", state_a, record_a), ("b", state_b, record_b)):
            if state == "error":
                errors[side][str(record.get("status"))] += 1
        reason = _unmatched_reason(state_a, state_b)
        if reason is not None:
            unmatched[reason].append(key)
            continue
        groups = {name: str(record_a[name]) for name in group_fields if name in record_a}
        pairs.append(Pair(key, rubric.outcome(record_a), rubric.outcome(record_b), groups))
    return Agreement(
        rubric=rubric.name,
        outcomes=outcomes,
        pairs=pairs,
        unmatched=unmatched,
        error_statuses={side: dict(counter) for side, counter in errors.items()},
        group_fields=tuple(group_fields),
    )
