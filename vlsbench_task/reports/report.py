"""`vlsbench-task report OUTPUTS... --out DIR`: report.md and PNG charts over every model found.

Sections: the leaderboard (each group's two suite rows, each task's headline), the two-axis chart of
each group, what was skipped or failed, per-benchmark tables and charts, the contrasts benchmarks
declare (visual leakage, jailbreak uplift), the judges and their cost, data gaps and provenance.
Every rate carries its 95 % interval (Wilson from the logged samples, see stats.py).
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..audit import section as corrected_section
from ..audit.labels import Label, LabelsError, read_labels
from ..base import registry
from ..base.scoring import SUITE_AXES
from . import benchmarks, charts, contrasts, coverage, markdown
from .declared import cell_of, direction, headline_metrics, runs_of
from .estimates import Estimate, estimate
from .notes import cost_summary, data_gaps, scorer_summary
from .paper import table_of_task
from .runs import ModelRuns, TaskRun, load_or_exit

HARM, BENIGN = SUITE_AXES
AXES_TEXT = (
    f"`{HARM}` ↑ is the share of unsafe inputs handled safely (refused, or answered with a safe "
    f"warning, as each benchmark's own judge or parser decides); `{BENIGN}` ↑ is the share of harmless "
    "inputs answered rather than refused. Each is the unweighted mean over the group's members that "
    "measure it (docs/suites.md says which metric of each feeds which row), with a 95 % interval "
    "combining the members' Wilson intervals (MOVER). They summarise a trade-off and never replace "
    f"the benchmarks' own numbers: a model that refuses everything scores high on `{HARM}` and low "
    f"on `{BENIGN}`."
)


def tasks_in_order(models: list[ModelRuns]) -> list[str]:
    """Groups first (the suites' numbers), then tasks by name."""
    names = {task for model in models for task in model.tasks}
    groups = {task for model in models for task, run in model.tasks.items() if coverage.is_group(run)}
    return sorted(names, key=lambda task: (task not in groups, task))


def first_run(models: list[ModelRuns], task: str) -> TaskRun:
    return next(model.tasks[task] for model in models if task in model.tasks)


@dataclass(frozen=True)
class HeadlineRow:
    """One row of the leaderboard: a group's suite row or a task's headline metric, per model."""

    task: str
    metric: str
    group: bool
    higher: bool | None  # direction()
    estimates: list[Estimate]  # one per model, in the order given ("n/a" where it did not run)
    cells: list[str]  # the estimates as the leaderboard shows them; "not run" where it did not run


def headline_rows(models: list[ModelRuns]) -> list[HeadlineRow]:
    """Each group's suite rows, then each task's headline metric (tasks_in_order), for `models`:
    every declared row, whichever model has a value."""
    rows = []
    for task in tasks_in_order(models):
        runs = runs_of(models, task)
        group = coverage.is_group(runs[0])
        for metric in headline_metrics(task, runs):
            estimates = [estimate(model, task, metric) for model in models]
            cells = [cell_of(model, task, found) for model, found in zip(models, estimates, strict=True)]
            rows.append(HeadlineRow(task, metric, group, direction(task, runs, metric), estimates, cells))
    return rows


def _sort_key(task: str, metrics: tuple[str, ...], higher: bool) -> Callable[[ModelRuns], tuple]:
    """Better values of `metrics` (in turn) first, models without the first one last."""

    def key(model: ModelRuns) -> tuple:
        values = [estimate(model, task, metric).value for metric in metrics]
        return (values[0] is None, *((-(v or 0.0) if higher else v or 0.0) for v in values))

    return key


def order_models(models: list[ModelRuns], tasks: list[str]) -> tuple[list[ModelRuns], str]:
    """The models in the leaderboard's order, and a sentence that says what that order is."""
    headlines = [(task, headline_metrics(task, runs_of(models, task))) for task in tasks]
    group = next((task for task, metrics in headlines if HARM in metrics), None)
    if group is not None:
        return sorted(models, key=_sort_key(group, (HARM, BENIGN), True)), (
            f"Models are sorted by `{group}` `{HARM}`, highest first, ties broken by `{BENIGN}`; models "
            "without it come last. That is an order, not a verdict on which model is safer overall."
        )
    valued = [
        (task, metric)
        for task, metrics in headlines
        for metric in metrics
        if any(estimate(model, task, metric).value is not None for model in models)
    ]
    headline = next(iter(valued), None)
    if headline is not None:
        task, metric = headline
        higher = direction(task, runs_of(models, task), metric) is not False
        return sorted(models, key=_sort_key(task, (metric,), higher)), (
            f"No suite group in these results: models are sorted by `{task}` `{metric}`, "
            f"{'highest' if higher else 'lowest'} (the better) first; models without it come last."
        )
    return list(models), "No headline metric in these results: models are in the order they were found."


# The names of the charts a report writes (suite_, contrast_, outcomes_, categories_, subsets_).
CHART_NAME = re.compile(r"(?:suite|contrast|outcomes|categories|subsets)_[\w.-]+\.png")


def charts_of(report_md: Path) -> set[str]:
    """The charts an earlier report in this folder embeds, by the names reports give them: files
    it wrote, which a new report that no longer has them removes (nothing else is touched)."""
    if not report_md.is_file():
        return set()
    linked = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", report_md.read_text(encoding="utf-8"))
    return {name for name in linked if CHART_NAME.fullmatch(name)}


class Report:
    def __init__(
        self, models: list[ModelRuns], out: Path, note: str | None = None, labels: list[Label] | None = None
    ):
        self.out, self.note, self.labels = out, note, labels
        self.tasks = tasks_in_order(models)
        self.models, self.order_text = order_models(models, self.tasks)
        self.charts: list[Path] = []

    def first_run(self, task: str) -> TaskRun:
        return first_run(self.models, task)

    def models_with(self, task: str) -> list[ModelRuns]:
        return [m for m in self.models if task in m.tasks]

    @property
    def groups(self) -> list[str]:
        return [t for t in self.tasks if coverage.is_group(self.first_run(t))]

    def write(self) -> Path:
        self.out.mkdir(parents=True, exist_ok=True)
        sections: list[Callable[[], list[str]]] = [
            self._header,
            self._leaderboard,
            lambda: corrected_section.section(self.models, self.labels),
            self._suite_charts,
            self._skipped,
            lambda: benchmarks.section(self),
            lambda: contrasts.section(self),
            self._judges,
            self._gaps,
        ]
        earlier = charts_of(self.out / "report.md")
        lines = [line for section in sections for line in section()]
        path = self.out / "report.md"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        for stale in earlier - {chart.name for chart in self.charts}:
            (self.out / stale).unlink(missing_ok=True)
        return path

    # -- sections -------------------------------------------------------------------------------

    def _header(self) -> list[str]:
        lines = ["# Multimodal safety report", ""]
        if self.note:
            lines += [f"> **{self.note}**", ""]
        lines += [
            f"{len(self.models)} model(s); {len(self.groups)} suite group(s) and "
            f"{len(self.tasks) - len(self.groups)} task(s). Rates are percentages; brackets give 95 % "
            "intervals (Wilson score intervals from the logged samples; means of several rates and "
            "differences use MOVER and Newcombe intervals built on them; lmms-eval's standard error "
            "where no samples were logged). n/a: no value.",
            "",
            "Models: the short names that tables and charts use, and what lmms-eval ran:",
            "",
        ]
        rows = [[f"**{m.label}**", f"`{m.model}`", f"`{m.model_args or ''}`"] for m in self.models]
        return lines + markdown.table(["model", "`--model`", "`--model_args`"], rows)

    def _leaderboard(self) -> list[str]:
        lines = ["## Leaderboard", "", self.order_text, ""]
        found = headline_rows(self.models)
        suite = [row for row in found if row.group]
        if suite:
            lines += ["### Suite rows", "", AXES_TEXT, ""]
            header = ["model", *(f"{row.task} `{row.metric}` ↑" for row in suite)]
            body = [[m.label, *(row.cells[i] for row in suite)] for i, m in enumerate(self.models)]
            lines += markdown.table(header, body)
        rows = [
            [f"`{row.task}`", f"`{row.metric}` {markdown.arrow(row.higher)}", *row.cells]
            for row in found
            if not row.group
        ]
        if rows:
            lines += [
                "### Each task's headline",
                "",
                "The metric each task declares as its headline; ↑ higher is better, ↓ lower is better. "
                "Columns are the models in the order above.",
                "",
            ]
            lines += markdown.table(["task", "headline", *(m.label for m in self.models)], rows)
        return lines

    def _suite_charts(self) -> list[str]:
        lines = []
        for group in self.groups:
            points, missing = [], []
            for model in self.models_with(group):
                x, y = estimate(model, group, BENIGN), estimate(model, group, HARM)
                if x.value is None or y.value is None:
                    missing.append(model.label)
                else:
                    points.append(charts.Point(model.label, x, y))
            if not points:
                continue
            path = self.out / f"suite_{group}.png"
            title = f"{group}: harm avoided against harmless requests answered"
            self.charts.append(charts.suite_scatter(points, title, path, self.note))
            lines += [f"### `{group}`", "", f"![{group}: the two suite rows]({path.name})", ""]
            if missing:
                lines += [f"Not plotted (a row without a value): {', '.join(missing)}.", ""]
            lines += self._members(group)
        if not lines:
            return []
        intro = (
            "Each point is a model: how many harmless requests it answered (x) against how much harm it "
            "avoided (y); bars are 95 % intervals. Top right is the goal; a model that refuses everything "
            "sits top left, one that answers everything bottom right. Below each chart, what feeds its rows."
        )
        return ["## Harm avoided and harmless requests answered", "", intro, "", *lines]

    def _members(self, group: str) -> list[str]:
        """Each member's value on each row, and the metric of the member it comes from."""
        models = self.models_with(group)
        members = list(dict.fromkeys(t for m in models for t in m.tasks[group].subtasks))
        body = []
        for axis in SUITE_AXES:
            for task in members:
                fed_by = ((registry.configs().get(task) or {}).get("suite") or {}).get(axis)
                measured = any(axis in m.tasks[task].metrics for m in models if task in m.tasks)
                if fed_by is None and not measured:
                    continue
                source = f"`{fed_by}`" if fed_by else "set in the group's YAML"
                body.append(
                    [f"`{axis}`", f"`{task}`", source, *(estimate(m, task, axis).format() for m in models)]
                )
        header = ["row", "member", "from its metric", *(m.label for m in models)]
        return [f"What feeds the rows of `{group}`:", "", *markdown.table(header, body)]

    def _skipped(self) -> list[str]:
        found = coverage.problems(self.models)
        lines = ["## Skipped or failed", ""]
        if not found:
            return [
                *lines,
                "Nothing: every member of each group has results, every task ran for every model, and "
                "every task scored at least one row.",
                "",
            ]
        lines += [
            "Benchmarks missing from a model's results or that scored nothing, and runs left out because "
            "a newer run of the same model and task counts:",
            "",
        ]
        return [
            *lines,
            *markdown.table(
                ["model", "task", "what happened"], [[p.model, f"`{p.task}`", p.what] for p in found]
            ),
        ]

    def _judges(self) -> list[str]:
        rows: dict[tuple[str, str], list[str]] = {}
        for task in self.tasks:
            for model in self.models_with(task):
                if not coverage.is_group(model.tasks[task]):
                    rows.setdefault((task, scorer_summary(model.tasks[task])), []).append(model.label)
        lines = [
            "## Judges and their cost",
            "",
            "Who scored each task in these runs (another judge than the paper's is a source of drift):",
            "",
        ]
        lines += markdown.table(
            ["task", "scored by", "models"],
            [[f"`{task}`", summary, ", ".join(labels)] for (task, summary), labels in rows.items()],
        )
        papers = {}
        for task in self.tasks:
            table = table_of_task(task)
            if table is not None:
                source = table.source
                papers[table.benchmark] = source.get("judge") or source.get("parser") or "not stated"
        if papers:
            lines += ["The papers scored with (their `paper_results.json`):", ""]
            lines += [f"- {benchmarks.title_of(name)}: {judge}" for name, judge in sorted(papers.items())]
            lines += [""]
        return lines + self._costs()

    def _costs(self) -> list[str]:
        rows = []
        for model in self.models:
            totals = None
            for task, run in model.tasks.items():
                cost = cost_summary(run)
                if cost is None or not any(cost.values()):
                    continue
                rows.append([model.label, f"`{task}`", *(str(v) for v in cost.values())])
                totals = {k: (totals or {}).get(k, 0) + v for k, v in cost.items()}
            if totals is not None:
                rows.append([model.label, "**all tasks**", *(f"**{v}**" for v in totals.values())])
        if not rows:
            return ["No judge model was asked anything here, so there is no judge cost.", ""]
        header = ["model", "task", "prompt tokens", "completion tokens", "requests", "cache hits"]
        return [
            "Judge cost (tokens and requests; cache hits cost nothing; offline rules cost nothing and are "
            "not listed):",
            "",
            *markdown.table(header, rows),
        ]

    def _gaps(self) -> list[str]:
        rows = [
            [m.label, f"`{task}`", "; ".join(notes)]
            for m in self.models
            for task, run in m.tasks.items()
            if (notes := data_gaps(run))
        ]
        lines = ["## Data gaps and provenance", ""]
        lines += markdown.table(["model", "task", "notes"], rows) if rows else ["No gaps recorded.", ""]
        return lines


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("report", help="write report.md and charts from lmms-eval outputs")
    parser.add_argument(
        "outputs", nargs="+", type=Path, help="lmms-eval --output_path folders or results files"
    )
    parser.add_argument("--out", type=Path, required=True, help="folder for report.md and the PNG charts")
    parser.add_argument(
        "--note", help="a line shown at the top of the report and under every chart (e.g. DEMO)"
    )
    parser.add_argument(
        "--labels",
        type=Path,
        help="labels.jsonl of people's outcomes on a sample of the runs' items (the verdict browser's audit "
        "mode): adds judge-only, labels-only and PPI-corrected rates",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    models = load_or_exit(args.outputs, "report")
    if not models:
        raise SystemExit(f"no lmms-eval *_results.json under {', '.join(map(str, args.outputs))}")
    try:
        labels = read_labels(args.labels) if args.labels else None
        report = Report(models, args.out, args.note, labels)
        path = report.write()
    except LabelsError as error:
        raise SystemExit(f"--labels {args.labels}: {error}") from None
    print(f"wrote {path} and {len(report.charts)} chart(s)")
    return 0
