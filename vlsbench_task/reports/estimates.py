"""A reported number with its 95 % interval: as the metric's declared kind gives it from the samples'
counts where they were logged (base/metric_kinds.py), else from lmms-eval's stderr."""

from __future__ import annotations

from dataclasses import dataclass

from ..base import registry
from ..base.metric_kinds import RATE, MetricKind
from ..base.scoring import SUITE_AXES
from .runs import ModelRuns, TaskRun
from .stats import Interval, difference, from_stderr, mean_of_rates


@dataclass
class Estimate:
    value: float | None
    n: int | None = None  # items behind the value (None when unknown)
    interval: Interval | None = None

    def format(self, digits: int = 1) -> str:
        if self.value is None:
            return "n/a"
        text = f"{self.value:.{digits}f}"
        if self.interval is not None:
            text += f" {self.interval}"
        return text


def rate_counts(task_run: TaskRun, metric: str) -> tuple[int, int] | None:
    """(items scoring 100, items with a value) when every logged value of `metric` is 0 or 100."""
    values = [sample[metric] for sample in task_run.samples if isinstance(sample.get(metric), int | float)]
    if not values or any(value not in (0, 100) for value in values):
        return None
    return sum(value == 100 for value in values), len(values)


def kind_of(task: str, metric: str) -> MetricKind:
    """What its benchmark declares the metric to be; a rate for tasks not of ours."""
    benchmark = registry.benchmark_of(task)
    return benchmark.kind_of(metric) if benchmark is not None else RATE


def estimate(model: ModelRuns, task: str, metric: str) -> Estimate:
    task_run = model.tasks.get(task)
    if task_run is None or not isinstance(task_run.metrics.get(metric), int | float):
        return Estimate(None)
    value = float(task_run.metrics[metric])
    if task_run.subtasks and metric in SUITE_AXES:
        return _group_estimate(model, task_run, metric, value)
    spread = kind_of(task, metric).spread(metric, lambda name: rate_counts(task_run, name))
    if spread is not None:
        return Estimate(value, spread.n, spread.interval)
    if metric in task_run.stderrs:
        return Estimate(value, None, from_stderr(value, task_run.stderrs[metric]))
    return Estimate(value)


def _group_estimate(model: ModelRuns, group: TaskRun, axis: str, value: float) -> Estimate:
    """A suite row is an unweighted mean over the members that measure it (lmms-eval's group stderr
    assumes size-weighted pooling, so it is not used)."""
    members = [model.tasks[t] for t in group.subtasks if t in model.tasks and axis in model.tasks[t].metrics]
    counts = [rate_counts(member, axis) for member in members]
    if not counts or not all(counts):
        return Estimate(value)
    return Estimate(value, sum(n for _, n in counts), mean_of_rates(counts))


def difference_estimate(model: ModelRuns, first: str, second: str, metric: str) -> Estimate:
    """`metric` of task `first` minus that of task `second`, in percentage points, with Newcombe's
    interval; it treats the two runs as independent samples, so for the same items scored twice it
    is conservative (wider than a paired interval would be). No value without both runs' samples."""
    runs = [model.tasks.get(task) for task in (first, second)]
    counts = [rate_counts(run, metric) if run is not None else None for run in runs]
    if not counts[0] or not counts[1]:
        return Estimate(None)
    (k1, n1), (k2, n2) = counts
    return Estimate(100 * (k1 / n1 - k2 / n2), n1, difference((k1, n1), (k2, n2)))
