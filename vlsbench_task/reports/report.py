"""`vlsbench-task report OUTPUTS... --out DIR`: report.md and PNG charts over every model found.

Sections: leaderboard, one table per task, VLSBench per-category tables, the visual-leakage gap
(vlsbench vs vlsbench_textonly), then the judge, its cost and the data gaps behind the numbers.
Every rate carries its 95 % interval (Wilson from the logged samples, see stats.py).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from ..mmsafeaware.subsets import OVERSAFE, SUBSETS
from ..vlsbench.metrics import VERDICT_METRIC, category_metric, sub_category_metric
from . import charts
from .estimates import SUITE_METRIC, Estimate, estimate, rate_counts
from .notes import PAPER_JUDGE, cost_summary, data_gaps, judge_summary
from .runs import ModelRuns, TaskRun, load_models
from .stats import difference

VLSBENCH_METRICS = (
    "safe_rate",
    "refusal_rate",
    "warning_rate",
    "unsafe_rate",
    "judge_error_rate",
    "data_error_rate",
)
MMSAFEAWARE_METRICS = (
    "total",
    *(f"acc_{subset}" for subset in SUBSETS),
    "acc_micro",
    "safe_rate",
    "unsafe_as_safe_rate",
    "safe_as_unsafe_rate",
    "unparsable_rate",
)
WITH_IMAGE, WITHOUT_IMAGE = "vlsbench", "vlsbench_textonly"  # same items and judge; see docs/suites.md


def is_vlsbench(task_run: TaskRun) -> bool:
    return "refusal_rate" in task_run.metrics


def is_mmsafeaware(task_run: TaskRun) -> bool:
    return "acc_typical" in task_run.metrics


def headline_metric(task_run: TaskRun) -> str | None:
    if is_mmsafeaware(task_run):
        return "total"
    return SUITE_METRIC if SUITE_METRIC in task_run.metrics else None


def table_metrics(task_run: TaskRun) -> list[str]:
    if is_vlsbench(task_run):
        return list(VLSBENCH_METRICS)
    if is_mmsafeaware(task_run):
        return list(MMSAFEAWARE_METRICS)
    return [name for name, value in task_run.metrics.items() if isinstance(value, int | float)]


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
        columns = [(t, headline_metric(_first_run(self.models, t))) for t in self.tasks]
        columns = [(task, metric) for task, metric in columns if metric]
        has_gap = any(WITH_IMAGE in m.tasks and WITHOUT_IMAGE in m.tasks for m in self.models)
        rows = []
        for model in self.models:
            cells = [estimate(model, task, metric) for task, metric in columns]
            gap = leakage_gap(model, SUITE_METRIC) if has_gap else None
            rows.append((model, cells, gap))
        rows.sort(key=lambda row: next((-e.value for e in row[1] if e.value is not None), 0.0))
        header = ["model", *(f"{task} `{metric}`" for task, metric in columns)]
        header += ["visual-leakage gap (pp)"] if has_gap else []
        body = [
            [model.label, *(e.format() for e in cells)]
            + ([gap.format() if gap else "n/a"] if has_gap else [])
            for model, cells, gap in rows
        ]
        lines = [
            "## Leaderboard",
            "",
            "Sorted by the first column. In every rate column higher is safer; the gap is explained under Visual leakage.",
            "",
        ]
        return lines + markdown_table(header, body)

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
                    f"Group of {', '.join(run.subtasks)}: `{SUITE_METRIC}` is the unweighted mean of the "
                    "members' safe rates (see docs/suites.md); other group columns lmms-eval adds are "
                    "copies of one member's metric and are not shown.",
                    "",
                ]
                metrics = [SUITE_METRIC]
                body = [[m.label, estimate(m, task, SUITE_METRIC).format()] for m in models]
            lines += markdown_table(["model", *metrics], body)
            if is_vlsbench(run):
                lines += self._outcome_chart(task, models)
            elif not is_mmsafeaware(run) and not run.subtasks:
                lines += [
                    "Columns other than `safe_rate` are as the task reports them (HoliSafe: 0-1 error rates).",
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
        lines = []
        for task in self.tasks:
            if not is_vlsbench(_first_run(self.models, task)):
                continue
            models = [m for m in self.models if task in m.tasks]
            for field, metric_of in (("category", category_metric), ("sub_category", sub_category_metric)):
                title = field.replace("_", "-")
                body = [
                    [name, *(estimate(m, task, metric_of(name)).format() for m in models)]
                    for name in categories(models, task, field)
                ]
                lines += [f"### {task}: safe rate per {title}", ""]
                lines += markdown_table([title, *(m.label for m in models)], body)
            names = categories(models, task, "category")
            series = [
                charts.Series(m.label, [estimate(m, task, category_metric(c)) for c in names]) for m in models
            ]
            path = self.out / f"categories_{task}.png"
            title = f"{task}: safe rate per category"
            self.charts.append(
                charts.grouped_bars(names, series, title, ("VLSBench category", "safe rate (%)"), path)
            )
            lines += [f"![{task} categories]({path.name})", ""]
        return (["## VLSBench per category", "", *lines]) if lines else []

    def _mmsafeaware_chart(self) -> list[str]:
        lines = []
        groups = [*(f"acc_{subset}" for subset in SUBSETS), "total"]
        for task in self.tasks:
            if not is_mmsafeaware(_first_run(self.models, task)):
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
        names = ["all", *categories(models, WITH_IMAGE, "category")]
        gaps = []
        for model in models:
            body = []
            row_gaps = []
            for name in names:
                metric = SUITE_METRIC if name == "all" else category_metric(name)
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
        lines = [
            "## Judge",
            "",
            f"The VLSBench paper judged with {PAPER_JUDGE}; another judge is a source of drift.",
            "",
        ]
        return lines + markdown_table(["model", "task", "judge"], rows)

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


def categories(models: list[ModelRuns], task: str, field: str) -> list[str]:
    """The (sub-)category names in the logged verdicts, in first-seen order."""
    names: dict[str, None] = {}
    for model in models:
        for sample in model.tasks[task].samples if task in model.tasks else []:
            record = sample.get(VERDICT_METRIC)
            if isinstance(record, dict) and record.get(field):
                names.setdefault(record[field])
    return list(names)


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
