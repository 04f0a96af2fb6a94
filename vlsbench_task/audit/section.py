"""The report's "Corrected for judge error" section (`vlsbench-task report --labels labels.jsonl`)."""

from __future__ import annotations

from collections.abc import Sequence

from ..base import registry
from ..base.scoring import SUITE_AXES
from ..reports import coverage, markdown
from ..reports.estimates import Estimate, estimate
from ..reports.runs import ModelRuns
from ..reports.stats import mean_interval
from .labels import Label
from .rates import ENOUGH_LABELS, Corrected, corrected, labels_for

INTRO = (
    "People labelled a random sample of some runs' items (the verdict browser's audit mode). For each "
    "such task, three estimates of the people's rate on the run's items: **judge-only** (the judge's "
    "rate, with the usual interval, which covers the luck of the items drawn but not the judge's "
    "mistakes), **labels-only** (the labels alone, Wilson interval with the finite-population "
    "correction) and **PPI** (prediction-powered inference: the judge's rate corrected by its errors "
    "on the labelled items, with power tuning). Use the PPI row: its interval holds the people's rate "
    'about 95 % of the time whatever the judge\'s errors (docs/judges.md, "Correcting for your judge", '
    "validates it on MSTS). Breakdowns get rows where at least "
    f"{ENOUGH_LABELS} labels fall in them."
)


def metrics_of(model: ModelRuns, task: str) -> list[str]:
    """The headline and its breakdowns (in the run's order)."""
    run = model.tasks[task]
    headline = run.metadata.get("headline")
    if headline not in run.metrics:
        return []
    benchmark = registry.benchmark_of(task)
    prefixes = [b.prefix for b in (benchmark.breakdowns if benchmark else ()) if b.metric == headline]
    parts = [m for m in run.metrics if any(m.startswith(f"{prefix}_") for prefix in prefixes)]
    return [headline, *parts]


def labelled_tasks(
    model: ModelRuns, labels: Sequence[Label], models: Sequence[ModelRuns]
) -> dict[str, list[Label]]:
    found = {}
    for task, run in model.tasks.items():
        if not coverage.is_group(run) and (mine := labels_for(model, task, labels, models)):
            found[task] = mine
    return found


def mean_of(estimates: Sequence[Estimate]) -> Estimate:
    """The unweighted mean of independent estimates with MOVER bounds, as the report's suite rows
    combine their members' intervals (reports/stats.py)."""
    interval = mean_interval([(e.value, e.interval.low, e.interval.high) for e in estimates])
    return Estimate(
        sum(e.value for e in estimates) / len(estimates), sum(e.n or 0 for e in estimates), interval
    )


def _suite_rows(models: Sequence[ModelRuns], labels: Sequence[Label]) -> list[list[str]]:
    body = []
    for model in models:
        labelled = labelled_tasks(model, labels, models)
        for group, run in model.tasks.items():
            if not coverage.is_group(run):
                continue
            for axis in (a for a in SUITE_AXES if a in run.metrics):
                members = [t for t in run.subtasks if t in model.tasks and axis in model.tasks[t].metrics]
                parts, used = [], []
                for member in members:
                    fixed = (
                        corrected(model, member, axis, labelled[member]).ppi if member in labelled else None
                    )
                    used += [member] if fixed is not None else []
                    parts.append(fixed or estimate(model, member, axis))
                if not used or any(p.interval is None or p.value is None for p in parts):
                    continue
                body.append(
                    [
                        model.label,
                        f"`{group}` `{axis}`",
                        estimate(model, group, axis).format(),
                        mean_of(parts).format(),
                        ", ".join(f"`{m}`" for m in used),
                    ]
                )
    return body


def section(models: Sequence[ModelRuns], labels: Sequence[Label] | None) -> list[str]:
    if not labels:
        return []
    body = []
    for model in models:
        for task, mine in labelled_tasks(model, labels, models).items():
            for index, metric in enumerate(metrics_of(model, task)):
                found: Corrected = corrected(model, task, metric, mine)
                if index and found.labels < ENOUGH_LABELS:  # a breakdown with too few labels
                    continue
                notes = "; ".join(found.notes)
                for method, value in found.rows():
                    cell = value.format() if value is not None else "n/a"
                    n = str(found.labels) if method != "judge-only" else str(value.n or "")
                    body.append([model.label, f"`{task}`", f"`{metric}`", method, cell, n, notes])
                    notes = ""  # once per metric
    lines = ["## Corrected for judge error", "", INTRO, ""]
    if not body:
        return [*lines, "No label matches an item of these runs.", ""]
    header = ["model", "task", "metric", "estimate", "value [95 % CI]", "items / labels", "notes"]
    lines += markdown.table(header, body)
    suite = _suite_rows(models, labels)
    if suite:
        lines += [
            "Suite rows with the PPI estimate in place of each labelled member's judged rate (the other "
            "members keep theirs):",
            "",
            *markdown.table(["model", "row", "as judged", "corrected", "corrected members"], suite),
        ]
    return lines
