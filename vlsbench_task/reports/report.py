"""`vlsbench-task report OUTPUTS... --out DIR`: report.md and PNG charts over every model found.

Sections: leaderboard, one table per task, VLSBench per-category tables, the visual-leakage gap
(vlsbench vs vlsbench_textonly), then the judge, its cost and the data gaps behind the numbers.
Every rate carries its 95 % interval (Wilson from the logged samples, see stats.py).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from ..base import registry
from ..base.benchmark import Breakdown, benchmark_named
from ..base.scoring import SUITE_AXES, VERDICT_METRIC
from ..mmsafeaware.subsets import OVERSAFE, SUBSETS
from . import charts
from .estimates import Estimate, estimate, rate_counts
from .notes import cost_summary, data_gaps, judge_summary
from .paper import load_table
from .runs import ModelRuns, TaskRun, load_models
from .stats import difference

WITH_IMAGE, WITHOUT_IMAGE = "vlsbench", "vlsbench_textonly"  # same items and judge; see docs/suites.md
LEAKAGE_METRIC = "safe_rate"
ACCOUNTING = ("judge_error_rate", "data_error_rate", "empty_response_rate")
OUTCOME_RATES = tuple(f"{outcome}_rate" for outcome in charts.OUTCOME_COLOURS)


def benchmark_name(task_run: TaskRun) -> str | None:
    """The benchmark a run of ours declares (results configs metadata), None for others' tasks."""
    return task_run.metadata.get("benchmark")


def headline_metrics(task_run: TaskRun) -> list[str]:
    """A group's suite rows, or the headline metric its task declares."""
    if task_run.subtasks:
        return [axis for axis in SUITE_AXES if axis in task_run.metrics]
    headline = task_run.metadata.get("headline")
    return [headline] if headline in task_run.metrics else []


def table_metrics(task_run: TaskRun) -> list[str]:
    """A task's own metrics (its YAML metric_list) and the accounting ones; any numeric ones otherwise."""
    config = registry.configs().get(task_run.task)
    if config is None:
        return [name for name, value in task_run.metrics.items() if isinstance(value, int | float)]
    own = [entry["metric"] for entry in config.get("metric_list", [])]
    return [name for name in [*own, *ACCOUNTING] if isinstance(task_run.metrics.get(name), int | float)]


def breakdowns(task_run: TaskRun) -> tuple[Breakdown, ...]:
    name = benchmark_name(task_run)
    return tuple(benchmark_named(name).breakdowns) if name else ()


def markdown_table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return [*lines, ""]


def _tasks_in_order(models: list[ModelRuns]) -> list[str]:
    """Groups first (the suites' numbers), then tasks by name."""
    names = {task for model in models for task in model.tasks}
    is_group = {task for model in models for task, run in model.tasks.items() if run.subtasks}
    return sorted(names, key=lambda task: (task not in is_group, task))


def _first_run(models: list[ModelRuns], task: str) -> TaskRun:
    return next(model.tasks[task] for model in models if task in model.tasks)


class Report:
    def __init__(self, models: list[ModelRuns], out: Path, note: str | None = None):
        self.models, self.out, self.note = models, out, note
        self.tasks = _tasks_in_order(models)
        self.charts: list[Path] = []

    def write(self) -> Path:
        self.out.mkdir(parents=True, exist_ok=True)
        sections: list[Callable[[], list[str]]] = [
            self._header,
            self._leaderboard,
            self._task_tables,
            self._category_tables,
            self._mmsafeaware_chart,
            self._leakage,
            self._judges,
            self._costs,
            self._gaps,
        ]
        lines = [line for section in sections for line in section()]
        path = self.out / "report.md"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path

    # -- sections -------------------------------------------------------------------------------

    def _header(self) -> list[str]:
        lines = ["# Multimodal safety report", ""]
        if self.note:
            lines += [f"> **{self.note}**", ""]
        lines += [
            f"{len(self.models)} model(s), tasks: {', '.join(self.tasks)}. Rates are percentages; "
            "brackets give 95 % intervals (Wilson score intervals from the logged samples; "
            "means of several rates and differences use MOVER/Newcombe intervals built on them).",
            "",
            "Models (lmms-eval `--model` and `--model_args`):",
            "",
        ]
        lines += [f"- **{m.label}**: `{m.model}` `{m.model_args or ''}`" for m in self.models]
        return [*lines, ""]

    def _leaderboard(self) -> list[str]:
        columns = [(t, metric) for t in self.tasks for metric in headline_metrics(_first_run(self.models, t))]
        has_gap = any(WITH_IMAGE in m.tasks and WITHOUT_IMAGE in m.tasks for m in self.models)
        rows = []
        for model in self.models:
            cells = [estimate(model, task, metric) for task, metric in columns]
            gap = leakage_gap(model, LEAKAGE_METRIC) if has_gap else None
            rows.append((model, cells, gap))
        lines = ["## Leaderboard", ""]
        if columns:
            task, metric = columns[0]
            higher = _first_run(self.models, task).higher_is_better.get(metric) is not False
            rows.sort(
                key=lambda row: (
                    row[1][0].value is None,
                    -(row[1][0].value or 0) if higher else row[1][0].value or 0,
                )
            )
            lines += [f"Sorted by {task} `{metric}` ({'highest' if higher else 'lowest'} first)."]
        directions = [
            f"`{metric}` {'↑' if _first_run(self.models, task).higher_is_better.get(metric) is not False else '↓'}"
            for task, metric in columns
        ]
        lines += (
            [f"Higher or lower is better as marked: {', '.join(dict.fromkeys(directions))}."]
            if columns
            else []
        )
        if has_gap:
            lines += [
                "The visual-leakage gap is explained under [Visual leakage](#visual-leakage-safe-rate-with-and-without-the-image)."
            ]
        header = ["model", *(f"{task} `{metric}`" for task, metric in columns)]
        header += ["visual-leakage gap (pp)"] if has_gap else []
        body = [
            [model.label, *(e.format() for e in cells)]
            + ([gap.format() if gap else "n/a"] if has_gap else [])
            for model, cells, gap in rows
        ]
        return [*lines, "", *markdown_table(header, body)]

    def _task_tables(self) -> list[str]:
        lines = ["## Per-task results", ""]
        for task in self.tasks:
            metrics = table_metrics(_first_run(self.models, task))
            models = [m for m in self.models if task in m.tasks]
            body = [[m.label, *(estimate(m, task, metric).format() for metric in metrics)] for m in models]
            lines += [f"### {task}", ""]
            run = _first_run(self.models, task)
            if run.subtasks:
                lines += [
                    f"Group of {', '.join(run.subtasks)}: each suite row is the unweighted mean over the "
                    "members that measure it (see docs/suites.md).",
                    "",
                ]
                metrics = headline_metrics(run)
                body = [
                    [m.label, *(estimate(m, task, metric).format() for metric in metrics)] for m in models
                ]
            lines += markdown_table(["model", *metrics], body)
            if all(name in run.metrics for name in OUTCOME_RATES):
                lines += self._outcome_chart(task, models)
            elif benchmark_name(run) is None and not run.subtasks:
                lines += [
                    "A task that is not ours: columns are as it reports them (HoliSafe: 0-1 error rates).",
                    "",
                ]
        return lines

    def _outcome_chart(self, task: str, models: list[ModelRuns]) -> list[str]:
        shares = {
            outcome: [estimate(m, task, f"{outcome}_rate").value or 0.0 for m in models]
            for outcome in charts.OUTCOME_COLOURS
        }
        path = self.out / f"outcomes_{task}.png"
        title = f"{task}: how each model's responses were judged"
        self.charts.append(charts.stacked_outcomes([m.label for m in models], shares, title, path))
        return [f"![{task} outcomes]({path.name})", ""]

    def _category_tables(self) -> list[str]:
        """One table per breakdown a benchmark declares (its metric per category, topic, type...),
        and a chart of the first."""
        lines = []
        for task in self.tasks:
            declared = breakdowns(_first_run(self.models, task))
            models = [m for m in self.models if task in m.tasks]
            for index, breakdown in enumerate(declared):
                names = categories(models, task, breakdown)
                if not names:
                    continue
                title = breakdown.field.replace("_", "-")
                body = [
                    [name, *(estimate(m, task, metric).format() for m in models)]
                    for name, metric in names.items()
                ]
                lines += [f"### {task}: `{breakdown.metric}` per {title}", ""]
                lines += markdown_table([title, *(m.label for m in models)], body)
                if index == 0:
                    series = [
                        charts.Series(m.label, [estimate(m, task, metric) for metric in names.values()])
                        for m in models
                    ]
                    path = self.out / f"categories_{task}.png"
                    axes = (title, f"{breakdown.metric} (%)")
                    self.charts.append(
                        charts.grouped_bars(
                            list(names), series, f"{task}: {breakdown.metric} per {title}", axes, path
                        )
                    )
                    lines += [f"![{task} per {title}]({path.name})", ""]
        return (["## Per category", "", *lines]) if lines else []

    def _mmsafeaware_chart(self) -> list[str]:
        lines = []
        groups = [*(f"acc_{subset}" for subset in SUBSETS), "total"]
        for task in self.tasks:
            if benchmark_name(_first_run(self.models, task)) != "mmsafeaware":
                continue
            models = [m for m in self.models if task in m.tasks]
            series = [charts.Series(m.label, [estimate(m, task, g) for g in groups]) for m in models]
            names = [*({OVERSAFE: "over-safety"}.get(subset, subset) for subset in SUBSETS), "total"]
            path = self.out / f"subsets_{task}.png"
            title = f"{task}: accuracy per subset (over-safety: safe items judged safe)"
            axes = ("MMSafeAware subset (total: their unweighted mean)", "accuracy (%)")
            self.charts.append(charts.grouped_bars(names, series, title, axes, path))
            lines += [f"![{task} subsets]({path.name})", ""]
        return (["## MMSafeAware subsets", "", *lines]) if lines else []

    def _leakage(self) -> list[str]:
        models = [m for m in self.models if WITH_IMAGE in m.tasks and WITHOUT_IMAGE in m.tasks]
        if not models:
            return []
        lines = [
            "## Visual leakage: safe rate with and without the image",
            "",
            f"`{WITH_IMAGE}` shows the model the image; `{WITHOUT_IMAGE}` asks the same instructions "
            "without it (the judge sees the image in both). Gap = with − without, in percentage points; "
            "a gap near zero means the image does not change how safely the model answers. Intervals of "
            "the gap treat the two runs as independent, so they are conservative.",
            "",
        ]
        by_category = categories(models, WITH_IMAGE, breakdowns(models[0].tasks[WITH_IMAGE])[0])
        metrics = {"all": LEAKAGE_METRIC, **by_category}
        names = list(metrics)
        gaps = []
        for model in models:
            body = []
            row_gaps = []
            for name, metric in metrics.items():
                with_image, without = (
                    estimate(model, WITH_IMAGE, metric),
                    estimate(model, WITHOUT_IMAGE, metric),
                )
                gap = leakage_gap(model, metric)
                row_gaps.append(gap)
                body.append([name, with_image.format(), without.format(), gap.format() if gap else "n/a"])
            gaps.append(charts.Series(model.label, [g or Estimate(None) for g in row_gaps]))
            lines += [f"### {model.label}", ""]
            lines += markdown_table(["category", "with image", "without image", "gap (pp)"], body)
        path = self.out / "visual_leakage.png"
        limit = charts.symmetric_limit(gaps)
        self.charts.append(
            charts.grouped_bars(
                names,
                gaps,
                "Visual-leakage gap: safe rate with the image minus without it",
                ("VLSBench category (all: every item)", "gap (percentage points)"),
                path,
                ylim=(-limit, limit),
                zero_line=True,
            )
        )
        return [*lines, f"![visual leakage]({path.name})", ""]

    def _judges(self) -> list[str]:
        rows = [
            [m.label, task, summary]
            for m in self.models
            for task, run in m.tasks.items()
            if (summary := judge_summary(run)) is not None
        ]
        if not rows:
            return []
        papers = {
            name: table.source.get("judge", "not stated")
            for name in {benchmark_name(m.tasks[task]) for m in self.models for task in m.tasks} - {None}
            if (table := load_table(name)) is not None
        }
        lines = [
            "## Judge",
            "",
            "Another judge than the paper's is a source of drift. The papers judged with:",
            "",
        ]
        lines += [f"- {name}: {judge}" for name, judge in sorted(papers.items())]
        return [*lines, "", *markdown_table(["model", "task", "judge"], rows)]

    def _costs(self) -> list[str]:
        rows = [
            [m.label, task, *(str(v) for v in cost.values())]
            for m in self.models
            for task, run in m.tasks.items()
            if (cost := cost_summary(run)) is not None
        ]
        if not rows:
            return []
        header = ["model", "task", "prompt tokens", "completion tokens", "requests", "cache hits"]
        return ["## Judge cost", "", *markdown_table(header, rows)]

    def _gaps(self) -> list[str]:
        rows = [
            [m.label, task, "; ".join(notes)]
            for m in self.models
            for task, run in m.tasks.items()
            if (notes := data_gaps(run))
        ]
        lines = ["## Data gaps and provenance", ""]
        lines += markdown_table(["model", "task", "notes"], rows) if rows else ["No gaps recorded.", ""]
        return lines


def categories(models: list[ModelRuns], task: str, breakdown: Breakdown) -> dict[str, str]:
    """{name: metric} of a breakdown in these runs: the names as the logged verdicts spell them where
    they record the field, else the metric's slug; in first-seen order."""
    spelled: dict[str, str] = {}
    for model in models:
        for sample in model.tasks[task].samples if task in model.tasks else []:
            record = sample.get(VERDICT_METRIC)
            if isinstance(record, dict) and record.get(breakdown.field):
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


def leakage_gap(model: ModelRuns, metric: str) -> Estimate | None:
    if WITH_IMAGE not in model.tasks or WITHOUT_IMAGE not in model.tasks:
        return None
    with_image = rate_counts(model.tasks[WITH_IMAGE], metric)
    without = rate_counts(model.tasks[WITHOUT_IMAGE], metric)
    if not with_image or not without:
        return None
    value = 100 * (with_image[0] / with_image[1] - without[0] / without[1])
    return Estimate(value, with_image[1], difference(with_image, without))


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("report", help="write report.md and charts from lmms-eval outputs")
    parser.add_argument(
        "outputs", nargs="+", type=Path, help="lmms-eval --output_path folders or results files"
    )
    parser.add_argument("--out", type=Path, required=True, help="folder for report.md and the PNG charts")
    parser.add_argument("--note", help="a line shown at the top of the report (e.g. that it is a demo)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    models = load_models(args.outputs)
    if not models:
        raise SystemExit(f"no lmms-eval *_results.json under {', '.join(map(str, args.outputs))}")
    report = Report(models, args.out, args.note)
    path = report.write()
    print(f"wrote {path} and {len(report.charts)} chart(s)")
    return 0
