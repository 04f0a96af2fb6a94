"""MMSafeAware's own part of a report: each subset's accuracy beside their unweighted mean, the Total."""

from __future__ import annotations

from ...reports import charts
from ...reports.estimates import estimate
from .benchmark import BENCHMARK
from .subsets import OVERSAFE

NAMES = {OVERSAFE: "over-safety"}


def subsets_chart(report, task: str, models: list) -> list[str]:
    groups = BENCHMARK.metrics["total"].groups
    metrics = [*groups.values(), "total"]
    series = [charts.Series(m.label, [estimate(m, task, metric) for metric in metrics]) for m in models]
    names = [*(NAMES.get(subset, subset) for subset in groups), "total"]
    path = report.out / f"subsets_{task}.png"
    title = f"{task}: accuracy per subset (over-safety: safe items judged safe)"
    axes = ("MMSafeAware subset (total: their unweighted mean)", "accuracy (%)")
    report.charts.append(charts.grouped_bars(names, series, title, axes, path, note=report.note))
    return [f"![{task} subsets]({path.name})", ""]
