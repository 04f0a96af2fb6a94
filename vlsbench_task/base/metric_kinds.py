"""What kind of number a metric is, declared on its benchmark (`Benchmark.metrics`): each kind owns
its aggregation (what lmms-eval's metric_list calls over the per-document values) and its 95 %
interval (what reports show beside it). A metric a benchmark does not declare is a `Rate`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from statistics import fmean
from typing import TYPE_CHECKING, Any, Protocol

from ..reports.stats import Interval, mean_of_rates, wilson

if TYPE_CHECKING:
    from .benchmark import Benchmark

# metric -> (documents at 100, documents with a value) where every logged value is 0 or 100, else None
Counts = Callable[[str], tuple[int, int] | None]


@dataclass(frozen=True)
class Spread:
    """A value's 95 % interval and how many documents are behind it."""

    n: int
    interval: Interval


class MetricKind(Protocol):
    def aggregate(self, values: list) -> Any: ...

    def spread(self, metric: str, counts: Counts) -> Spread | None: ...


@dataclass(frozen=True)
class Rate:
    """A percentage over the documents it is about, each giving 0 or 100: their mean, with Wilson's
    interval over those counts. (Its YAML entry names its aggregation, usually lmms-eval's mean.)"""

    def aggregate(self, values: list[float]) -> float:
        return fmean(values)

    def spread(self, metric: str, counts: Counts) -> Spread | None:
        found = counts(metric)
        return Spread(found[1], wilson(*found)) if found else None


@dataclass(frozen=True)
class MeanOfGroupMeans:
    """The unweighted mean over groups of each group's accuracy, each group counting once whatever
    its size (MMSafeAware's Total over its subsets, MSSBench's over the safe and the unsafe image).

    A document's value is its record: its group in `field` and whether it is `correct`. `groups`
    maps each group to the rate metric holding its accuracy, whose counts give the interval (MOVER
    over their Wilson intervals)."""

    field: str
    groups: Mapping[str, str]

    def aggregate(self, records: list[dict]) -> float | None:
        """None when a group has no record (e.g. under a tiny --limit): the mean is then undefined."""
        hits: dict[str, list[float]] = {group: [] for group in self.groups}
        for record in records:
            if record[self.field] in hits:
                hits[record[self.field]].append(100.0 if record["correct"] else 0.0)
        if not all(hits.values()):
            return None
        return fmean(fmean(values) for values in hits.values())

    def spread(self, metric: str, counts: Counts) -> Spread | None:
        parts = [counts(part) for part in self.groups.values()]
        if not parts or not all(parts):
            return None
        return Spread(sum(n for _, n in parts), mean_of_rates(parts))


@dataclass(frozen=True)
class Summary:
    """A number or text read off the documents' records by `function` (a count of rows without an
    image, their ids): no interval."""

    function: Callable[[list], Any]

    def aggregate(self, values: list) -> Any:
        return self.function(values)

    def spread(self, metric: str, counts: Counts) -> Spread | None:
        return None


RATE = Rate()


def with_declared_aggregations(benchmark: Benchmark, own: Sequence[dict]) -> list[dict]:
    """A task's YAML metric_list with each entry that names no aggregation given its declared kind's.
    A metric is declared once: in its YAML entry's `aggregation` or as a kind on the benchmark."""
    entries = []
    for entry in own:
        kind = benchmark.metrics.get(entry["metric"])
        if ("aggregation" in entry) == (kind is not None):
            where = f"vlsbench_task/benchmarks/{benchmark.name}/benchmark.py (metrics=)"
            raise ValueError(
                f"{benchmark.title}: metric {entry['metric']!r} needs exactly one aggregation: in its "
                f"task YAML's metric_list entry or as its kind in {where}"
            )
        entries.append(dict(entry) if kind is None else {**entry, "aggregation": kind.aggregate})
    return entries
