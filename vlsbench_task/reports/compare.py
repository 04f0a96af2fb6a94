"""`vlsbench-task compare OUTPUTS...`: our numbers beside the papers' tables, with 95 % intervals.

A run is matched to the paper rows of its model through the model list (lmms-eval --model plus the
checkpoint or API model it loads), in every benchmark's paper table (`vlsbench_task/benchmarks/<benchmark>/
paper_results.json`); `--paper-model KEY` names the model for runs that loaded it some other way (a
local path, another server).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

from .estimates import Estimate, estimate
from .notes import scorer_summary
from .paper import tables
from .paper_models import PAPER_MODELS, PaperModel, paper_model_by_key
from .runs import ModelRuns, load_or_exit


@dataclass
class ComparisonRow:
    model: str
    table: str
    paper_row: str
    task: str
    metric: str
    ours: Estimate
    paper: float

    @property
    def difference(self) -> float | None:
        return None if self.ours.value is None else self.ours.value - self.paper

    @property
    def paper_inside(self) -> bool | None:
        return None if self.ours.interval is None else self.ours.interval.contains(self.paper)


def comparison_rows(model: ModelRuns, paper_model: PaperModel) -> list[ComparisonRow]:
    """Our value beside the paper's, for every table row of this model and every task of ours that
    the table's numbers apply to (its protocol tasks, and variants scored differently)."""
    rows = []
    for name, table in tables().items():
        for paper_row, entry in table.results.items():
            if entry.model != paper_model.key:
                continue
            for task in model.tasks:
                published = entry.values.get(table.protocol_task(task) or "", {})
                for metric, paper_value in published.items():
                    ours = estimate(model, task, metric)
                    rows.append(ComparisonRow(model.label, name, paper_row, task, metric, ours, paper_value))
    return rows


def _cell(value: float | None, signed: bool = False) -> str:
    if value is None:
        return "n/a"
    return f"{value:+.2f}" if signed else f"{value:.2f}"


def _inside(flag: bool | None) -> str:
    return {True: "yes", False: "NO", None: "?"}[flag]


def format_rows(rows: list[ComparisonRow]) -> list[str]:
    header = ("metric", "ours", "paper", "diff", "ours 95% CI", "n", "paper in CI")
    cells = [
        (
            r.metric,
            _cell(r.ours.value),
            _cell(r.paper),
            _cell(r.difference, signed=True),
            str(r.ours.interval or "n/a"),
            str(r.ours.n or "?"),
            _inside(r.paper_inside),
        )
        for r in rows
    ]
    widths = [max(len(row[i]) for row in [header, *cells]) for i in range(len(header))]
    return [
        "  ".join(text.ljust(width) for text, width in zip(row, widths, strict=True))
        for row in [header, *cells]
    ]


def render(models: list[ModelRuns], forced: PaperModel | None = None) -> str:
    lines: list[str] = []
    for model in models:
        paper_model = forced or model.paper_model
        lines.append(f"== {model.label}  ({model.model} {model.model_args or ''})".rstrip() + " ==")
        if paper_model is None:
            lines += [
                "   no paper row for this model; known models: " + ", ".join(m.key for m in PAPER_MODELS),
                "   (name one with --paper-model KEY)",
                "",
            ]
            continue
        rows = comparison_rows(model, paper_model)
        if not rows:
            lines += ["   no task of a paper table in these outputs", ""]
            continue
        for (table, task), group in _by_table_and_task(rows).items():
            published = tables()[table]
            lines.append(f"-- {published.source['citation']}: {published.source['table']}")
            lines.append(f"   paper row {group[0].paper_row!r}; our task {task}")
            if task not in published.tasks:
                protocol = published.protocol_task(task)
                lines.append(f"   note: {protocol} follows the paper's protocol; {task} scores differently")
            theirs = published.source.get("judge") or published.source.get("parser") or "not stated"
            lines.append(f"   scored by: {scorer_summary(model.tasks[task])}; the paper's: {theirs}")
            lines += ["   " + line for line in format_rows(group)]
            lines.append("")
    return "\n".join(lines)


def _by_table_and_task(rows: list[ComparisonRow]) -> dict[tuple[str, str], list[ComparisonRow]]:
    grouped: dict[tuple[str, str], list[ComparisonRow]] = {}
    for row in rows:
        grouped.setdefault((row.table, row.task), []).append(row)
    return grouped


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("compare", help="compare lmms-eval results with the papers' tables")
    parser.add_argument(
        "outputs", nargs="+", type=Path, help="lmms-eval --output_path folders or results files"
    )
    parser.add_argument(
        "--paper-model",
        metavar="KEY",
        help="treat every model found as this paper model (keys: "
        + ", ".join(m.key for m in PAPER_MODELS)
        + ")",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    models = load_or_exit(args.outputs, "compare")
    if not models:
        raise SystemExit(f"no lmms-eval *_results.json under {', '.join(map(str, args.outputs))}")
    try:
        forced = paper_model_by_key(args.paper_model) if args.paper_model else None
    except KeyError as error:
        raise SystemExit(str(error.args[0])) from None
    print(render(models, forced))
    return 0
