"""What the tasks' YAMLs declare, for the tables: their rows and columns must not depend on which
model's run comes first, since lmms-eval leaves a metric without values (every row a judge error)
out of that run's results."""

from __future__ import annotations

from ..base import registry
from ..base.scoring import SUITE_AXES
from . import coverage
from .estimates import Estimate
from .runs import ModelRuns, TaskRun


def runs_of(models: list[ModelRuns], task: str) -> list[TaskRun]:
    return [model.tasks[task] for model in models if task in model.tasks]


def headline_metrics(task: str, runs: list[TaskRun]) -> list[str]:
    """A group's suite rows, or the headline metric its task declares: from its YAML where it is
    ours, since lmms-eval leaves a metric without values (every row a judge error) out of a run's
    results; else from what its runs recorded."""
    config = registry.configs().get(task)
    if any(coverage.is_group(run) for run in runs):
        if config is not None:
            declared = [entry["metric"] for entry in config.get("aggregate_metric_list", [])]
            return [axis for axis in SUITE_AXES if axis in declared]
        return [axis for axis in SUITE_AXES if any(axis in run.metrics for run in runs)]
    recorded = [run.metadata.get("headline") for run in runs]
    headline = ((config or {}).get("metadata") or {}).get("headline") or next(filter(None, recorded), None)
    return [headline] if headline else []


def direction(task: str, runs: list[TaskRun], metric: str) -> bool | None:
    """Whether higher is better: the task's YAML metric_list, else lmms-eval's higher_is_better of
    a run that has it; the suite rows are better higher by definition."""
    if metric in SUITE_AXES:
        return True
    declared = (registry.configs().get(task) or {}).get("metric_list", [])
    for entry in declared:
        if entry.get("metric") == metric and "higher_is_better" in entry:
            return entry["higher_is_better"]
    return next((run.higher_is_better[metric] for run in runs if metric in run.higher_is_better), None)


def cell_of(model: ModelRuns, task: str, found: Estimate) -> str:
    """An estimate as a table shows it; where there is none, why ("not run", or n/a and the reason)."""
    run = model.tasks.get(task)
    if run is None:
        return "not run"
    if found.value is not None:
        return found.format()
    return f"n/a ({coverage.nothing_scored(run) or 'not in its results'})"
