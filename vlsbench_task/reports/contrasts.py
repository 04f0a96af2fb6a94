"""The contrasts benchmarks declare (`Benchmark.contrasts`): the same items run two ways and scored
alike, e.g. VLSBench with and without the image, FigStep typed into an image or asked as text.
Each is shown overall and per value of the first breakdown of its metric, with 95 % intervals."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..base import registry
from ..base.benchmark import Benchmark, Breakdown, Contrast
from . import charts, markdown
from .benchmarks import values_of
from .estimates import Estimate, difference_estimate, estimate

if TYPE_CHECKING:
    from .report import Report

INTERVAL_NOTE = (
    "Differences are in percentage points. Their 95 % intervals are Newcombe's hybrid score "
    "intervals for a difference of two independent rates; here the same items are scored twice by "
    "two runs (paired), so the intervals are conservative: wider than a paired interval would be."
)


def declared(tasks: list[str]) -> list[tuple[Benchmark, Contrast]]:
    """Every contrast of the benchmarks whose tasks are in `tasks`, once."""
    found: dict[tuple[str, str], tuple[Benchmark, Contrast]] = {}
    for task in tasks:
        benchmark = registry.benchmark_of(task)
        for contrast in benchmark.contrasts if benchmark else ():
            found.setdefault((contrast.first_task, contrast.second_task), (benchmark, contrast))
    return list(found.values())


def breakdown_of(benchmark: Benchmark, metric: str) -> Breakdown | None:
    return next((b for b in benchmark.breakdowns if b.metric == metric), None)


def section(report: Report) -> list[str]:
    lines = []
    for benchmark, contrast in declared(report.tasks):
        models = [
            m for m in report.models if contrast.first_task in m.tasks and contrast.second_task in m.tasks
        ]
        if models:
            lines += _contrast(report, benchmark, contrast, models)
    if not lines:
        return []
    return ["## Contrasts", "", INTERVAL_NOTE, "", *lines]


def _contrast(report: Report, benchmark: Benchmark, contrast: Contrast, models) -> list[str]:
    first, second, metric = contrast.first_task, contrast.second_task, contrast.metric
    breakdown = breakdown_of(benchmark, metric)
    rows = {"all items": metric, **(values_of(models, first, breakdown) if breakdown else {})}
    per = breakdown.field.replace("_", " ") if breakdown else ""
    lines = [
        f"### {benchmark.title}: {contrast.title.lower()}",
        "",
        f"`{metric}` of `{first}` minus `{metric}` of `{second}`: {contrast.meaning}."
        + (f" Per {per} below the overall difference." if breakdown else ""),
        "",
    ]
    series = []
    for model in models:
        body, gaps = [], []
        for name, name_metric in rows.items():
            gap = difference_estimate(model, first, second, name_metric)
            gaps.append(gap)
            pair = [estimate(model, first, name_metric), estimate(model, second, name_metric)]
            body.append([name, *(markdown.cell(e, name_metric) for e in pair), gap.format(), _n(pair)])
        series.append(charts.Series(model.label, gaps))
        lines += [f"#### {model.label}", ""]
        header = [per or "items", f"`{first}`", f"`{second}`", "difference (pp)", "items (n)"]
        lines += markdown.table(header, body)
    path = report.out / f"contrast_{first}.png"
    limit = charts.symmetric_limit(series)
    report.charts.append(
        charts.grouped_bars(
            list(rows),
            series,
            f"{benchmark.title} {contrast.title.lower()}: {metric} of {first} minus {second}",
            (f"{per or 'items'} (all items: every item)", "difference (percentage points)"),
            path,
            ylim=(-limit, limit),
            zero_line=True,
            note=report.note,
        )
    )
    return [*lines, f"![{contrast.title}]({path.name})", ""]


def _n(pair: list[Estimate]) -> str:
    """The item counts of both runs; they differ when the runs did not cover the same items."""
    first, second = (e.n if e.n is not None else "?" for e in pair)
    return f"{first}" if first == second else f"{first} vs {second} (not the same items)"
