"""The per-benchmark part of a report: each task's own metrics and accounting with 95 % intervals,
the judge's verdicts as outcome shares, one table per declared breakdown with a chart of the first,
and the section a benchmark declares of its own (`Benchmark.report_section`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..base import records, registry
from ..base.benchmark import Breakdown, benchmark_named
from . import charts, markdown
from .coverage import is_group
from .declared import cell_of, direction, headline_metrics
from .estimates import estimate
from .runs import ModelRuns, TaskRun

if TYPE_CHECKING:
    from .report import Report

ACCOUNTING = ("judge_error_rate", "data_error_rate", "empty_response_rate", records.RECORD_METRIC)
OUTCOME_RATES = tuple(f"{outcome}_rate" for outcome in charts.OUTCOME_COLOURS)
OTHERS = "Other tasks"


def benchmark_key(task: str, task_run: TaskRun) -> str:
    """The benchmark a task's YAML names, else its results' metadata (older siuo_mcqa runs say "siuo")."""
    config = registry.configs().get(task) or {}
    return config.get("benchmark") or task_run.metadata.get("benchmark") or OTHERS


def title_of(key: str) -> str:
    try:
        return benchmark_named(key).title
    except KeyError:
        return key


def table_metrics(task: str, runs: list[TaskRun]) -> list[str]:
    """A task's own metrics (its YAML metric_list, every one: a run without a value shows n/a) and
    the accounting ones any run has; for a task not of ours, the numeric ones its runs have."""
    config = registry.configs().get(task)
    names = [entry["metric"] for entry in config.get("metric_list", [])] if config else []
    others = ACCOUNTING if config else dict.fromkeys(name for run in runs for name in run.metrics)
    numeric = [name for name in others if any(isinstance(run.metrics.get(name), int | float) for run in runs)]
    return list(dict.fromkeys([*names, *numeric]))


def declared_breakdowns(task: str) -> tuple[Breakdown, ...]:
    benchmark = registry.benchmark_of(task)
    return tuple(benchmark.breakdowns) if benchmark else ()


def values_of(models: list[ModelRuns], task: str, breakdown: Breakdown) -> dict[str, str]:
    """{value: metric} of a breakdown in these runs: values as the logged verdicts spell them where
    they record the field, else the metric's slug; in first-seen order."""
    spelled: dict[str, str] = {}
    benchmark = registry.benchmark_of(task)
    for model in models:
        for sample in model.tasks[task].samples if task in model.tasks and benchmark else []:
            record = records.record_of(sample, benchmark)
            if record is not None and record.get(breakdown.field):
                spelled.setdefault(breakdown.name(record[breakdown.field]), record[breakdown.field])
    prefix = f"{breakdown.prefix}_"
    metrics = [
        m
        for model in models
        if task in model.tasks
        for m in model.tasks[task].metrics
        if m.startswith(prefix)
    ]
    ordered = sorted(
        dict.fromkeys(metrics), key=lambda m: list(spelled).index(m) if m in spelled else len(spelled)
    )
    return {spelled.get(metric, metric.removeprefix(prefix)): metric for metric in ordered}


def section(report: Report) -> list[str]:
    by_benchmark: dict[str, list[str]] = {}
    for task in report.tasks:
        run = report.first_run(task)
        if not is_group(run):
            by_benchmark.setdefault(benchmark_key(task, run), []).append(task)
    lines = ["## Per-benchmark results", ""]
    lines += [
        "Each task's own metrics (its YAML `metric_list`) and the accounting of its rows, with 95 % "
        "intervals; ↑ higher is better, ↓ lower is better (lmms-eval's `higher_is_better`). `n_scored` "
        "counts the items scored (judged without error, or parsed); the rates are over those items.",
        "",
    ]
    for key, tasks in sorted(by_benchmark.items(), key=lambda item: item[0] == OTHERS):
        lines += [f"### {title_of(key) if key != OTHERS else OTHERS}", ""]
        for task in tasks:
            lines += _task(report, task)
    return lines


def _task(report: Report, task: str) -> list[str]:
    models = report.models_with(task)
    runs = [m.tasks[task] for m in models]
    metrics = table_metrics(task, runs)
    lines = [f"#### `{task}`", "", *_about(task, runs)]
    header = ["model", *(markdown.column(m, direction(task, runs, m)) for m in metrics)]
    body = [[m.label, *(_cell(m, task, metric) for metric in metrics)] for m in models]
    lines += markdown.table(header, body)
    if any(all(name in one.metrics for name in OUTCOME_RATES) for one in runs):
        lines += _outcome_chart(report, task, models)
    for index, breakdown in enumerate(declared_breakdowns(task)):
        lines += _breakdown(report, task, models, breakdown, chart=index == 0)
    benchmark = registry.benchmark_of(task)
    if benchmark is not None and benchmark.report_section is not None:
        lines += benchmark.report_section(report, task, models)
    return lines


def _cell(model: ModelRuns, task: str, metric: str) -> str:
    found = estimate(model, task, metric)
    return markdown.cell(found, metric) if found.value is not None else cell_of(model, task, found)


def _about(task: str, runs: list[TaskRun]) -> list[str]:
    config = registry.configs().get(task)
    if config is None:
        return ["Not a task of ours: its metrics as it reports them (HoliSafe: 0-1 error rates).", ""]
    (headline,) = headline_metrics(task, runs) or [None]
    parts = [f"Headline `{headline}` {markdown.arrow(direction(task, runs, headline))}"] if headline else []
    suite = config.get("suite") or {}
    fed = ", ".join(f"`{metric}` feeds `{axis}`" for axis, metric in suite.items())
    parts.append(f"suite rows: {fed}" if fed else "feeds no suite row")
    return ["; ".join(parts) + ".", ""]


def _outcome_chart(report: Report, task: str, models: list[ModelRuns]) -> list[str]:
    shares = {
        outcome: [estimate(m, task, f"{outcome}_rate").value for m in models]
        for outcome in charts.OUTCOME_COLOURS
    }
    path = report.out / f"outcomes_{task}.png"
    title = f"{task}: how each model's responses were judged"
    report.charts.append(charts.stacked_outcomes([m.label for m in models], shares, title, path, report.note))
    return [f"![{task} outcomes]({path.name})", ""]


def _breakdown(
    report: Report, task: str, models: list[ModelRuns], breakdown: Breakdown, chart: bool
) -> list[str]:
    names = values_of(models, task, breakdown)
    if not names:
        return []
    per = breakdown.field.replace("_", " ")
    body = [[name, *(estimate(m, task, metric).format() for m in models)] for name, metric in names.items()]
    lines = [f"##### `{task}`: `{breakdown.metric}` per {per}", ""]
    lines += markdown.table([per, *(m.label for m in models)], body)
    if not chart:
        return lines
    series = [
        charts.Series(m.label, [estimate(m, task, metric) for metric in names.values()]) for m in models
    ]
    path = report.out / f"categories_{task}.png"
    title = f"{task}: {breakdown.metric} per {per}"
    axes = (per, f"{breakdown.metric} (%)")
    report.charts.append(charts.grouped_bars(list(names), series, title, axes, path, note=report.note))
    return [*lines, f"![{task} per {per}]({path.name})", ""]
