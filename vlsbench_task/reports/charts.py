"""PNG charts of a report (matplotlib, Agg backend: no display needed).

Every chart has a title, axis labels with units and a legend; model names are shortened and
category labels wrapped so that nothing overlaps. A report's note (e.g. that it is a demo) is printed
above every chart, so that a chart seen on its own says so too.
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # after choosing the backend
import numpy as np

from .estimates import Estimate

OUTCOME_COLOURS = {"refusal": "#2e7d32", "warning": "#f9a825", "unsafe": "#c62828"}
DPI = 130
MAX_WIDTH = 13.0  # inches


@dataclass
class Series:
    """One bar per group for one model: its estimates, in the chart's group order."""

    label: str
    estimates: list[Estimate]


def symmetric_limit(series: list[Series], step: float = 25.0) -> float:
    """The smallest multiple of `step` (at most 100) that holds every value and interval, for +-axes."""
    bounds = [
        abs(b)
        for one in series
        for e in one.estimates
        if e.interval
        for b in (e.interval.low, e.interval.high)
    ]
    return min(100.0, step * max(1, math.ceil(max(bounds, default=step) / step)))


def short_labels(labels: list[str], width: int = 38) -> list[str]:
    """Labels that fit a chart and still tell models apart: long ones keep their start and end (a
    model's arguments often differ only there), and any left alike are numbered."""
    half = (width - 1) // 2
    shortened = [label if len(label) <= width else f"{label[:half]}…{label[-half:]}" for label in labels]
    return [
        f"{text} ({index + 1})" if shortened.count(text) > 1 else text for index, text in enumerate(shortened)
    ]


def _wrap(text: str, width: int = 14) -> str:
    return "\n".join(textwrap.wrap(text, width, break_long_words=False)) or text


def save(fig, path: Path, note: str | None = None) -> Path:
    """Lay out `fig`, print `note` above it, write it as a PNG at `path` and close it."""
    fig.tight_layout()
    if note:
        fig.text(0.01, 1.0, "\n".join(textwrap.wrap(note, 110)), fontsize=9, va="bottom", color="#b71c1c")
    fig.savefig(path, dpi=DPI, bbox_inches="tight")
    plt.close(fig)
    return path


NO_DATA = "n/a (no data)"  # where a model has no value: marked, never drawn as 0 %


def stacked_outcomes(
    models: list[str], shares: dict[str, list[float | None]], title: str, path: Path, note: str | None = None
) -> Path:
    """Horizontal bars, one per model, split into refusal / warning / unsafe shares (percent); a
    model without shares (None) is marked n/a."""
    fig, ax = plt.subplots(figsize=(9, 1.2 + 0.55 * len(models)))
    y = np.arange(len(models))
    left = np.zeros(len(models))
    for yi in range(len(models)):
        if all(shares[outcome][yi] is None for outcome in OUTCOME_COLOURS):
            ax.text(1, yi, NO_DATA, va="center", fontsize=8, color="#616161")
    for outcome, colour in OUTCOME_COLOURS.items():
        values = np.array([value or 0.0 for value in shares[outcome]], dtype=float)
        ax.barh(y, values, left=left, color=colour, label=f"{outcome} (%)", edgecolor="white")
        for yi, (start, value) in enumerate(zip(left, values, strict=True)):
            if value >= 8:  # label only segments wide enough to hold the text
                ax.text(
                    start + value / 2, yi, f"{value:.0f}", ha="center", va="center", color="white", fontsize=8
                )
        left += values
    ax.set_yticks(y, short_labels(models))
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel("share of judged items (%)")
    ax.set_title(title)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), title="judge's verdict")
    return save(fig, path, note)


def grouped_bars(
    groups: list[str],
    series: list[Series],
    title: str,
    axis_labels: tuple[str, str],
    path: Path,
    ylim: tuple[float, float] = (0, 100),
    zero_line: bool = False,
    note: str | None = None,
) -> Path:
    """Vertical bars: one cluster per group (category, subset), one bar per model, 95 % intervals as whiskers."""
    # Wide enough for the bars, but no wider than a page: many groups get slanted labels instead.
    width = min(MAX_WIDTH, max(7.0, 3 + 0.35 * len(groups) * max(1, len(series))))
    fig, ax = plt.subplots(figsize=(width, 4.8))
    x = np.arange(len(groups))
    width = 0.8 / max(1, len(series))
    for index, (one, label) in enumerate(
        zip(series, short_labels([one.label for one in series]), strict=True)
    ):
        values = np.array([e.value if e.value is not None else np.nan for e in one.estimates], dtype=float)
        lower = [max(0.0, e.value - e.interval.low) if e.interval else 0.0 for e in one.estimates]
        upper = [max(0.0, e.interval.high - e.value) if e.interval else 0.0 for e in one.estimates]
        offset = (index - (len(series) - 1) / 2) * width
        for xi in np.flatnonzero(np.isnan(values)):
            ax.text(
                x[xi] + offset, 1, NO_DATA, rotation=90, ha="center", va="bottom", fontsize=7, color="#616161"
            )
        ax.bar(
            x + offset,
            values,
            width,
            label=label,
            yerr=[lower, upper],
            capsize=2,
            error_kw={"lw": 0.8},
        )
    if zero_line:
        ax.axhline(0, color="black", lw=0.8)
    slanted = len(groups) > 8
    ax.set_xticks(
        x,
        [_wrap(g, 22 if slanted else 14) for g in groups],
        fontsize=8,
        rotation=35 if slanted else 0,
        ha="right" if slanted else "center",
        rotation_mode="anchor",
    )
    ax.set_ylim(ylim[0] - (5 if ylim[0] < 0 else 0), ylim[1] + 5)  # room for whiskers at the limits
    ax.set_xlabel(axis_labels[0])
    ax.set_ylabel(axis_labels[1])
    ax.set_title(title)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(title="model (whiskers: 95 % interval)", fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
    return save(fig, path, note)


@dataclass
class Point:
    """One model on the two suite axes."""

    label: str
    x: Estimate  # benign_answered
    y: Estimate  # harm_avoided


MARKERS = "osD^vP*Xhp<>"


def _whisker(estimate: Estimate) -> list[list[float]]:
    if estimate.interval is None or estimate.value is None:
        return [[0.0], [0.0]]
    return [
        [max(0.0, estimate.value - estimate.interval.low)],
        [max(0.0, estimate.interval.high - estimate.value)],
    ]


def suite_scatter(points: list[Point], title: str, path: Path, note: str | None = None) -> Path:
    """Models as points on harmless inputs answered (x) against harm avoided (y), both 0-100 %, with
    95 % intervals as bars. Markers, colours and sizes differ per model (hollow, so that models at
    the same spot show as nested markers) and the legend gives each model's two values."""
    fig, ax = plt.subplots(figsize=(7.5, 7.5 + 0.25 * len(points)))
    colours = plt.get_cmap("tab10").colors
    for index, (point, label) in enumerate(zip(points, short_labels([p.label for p in points]), strict=True)):
        ax.errorbar(
            [point.x.value],
            [point.y.value],
            xerr=_whisker(point.x),
            yerr=_whisker(point.y),
            fmt=MARKERS[index % len(MARKERS)],
            markersize=max(6, 15 - 3 * index),  # hollow and shrinking: models at one spot nest
            markerfacecolor="none",
            markeredgewidth=2,
            capsize=4,
            color=colours[index % len(colours)],
            alpha=0.85,
            label=f"{label}: {point.x.value:.1f} answered, {point.y.value:.1f} avoided",
        )
    # In the middle of their quadrants: the extreme models sit in the corners.
    hints = (
        (75, 75, "goal: harm avoided and\nharmless requests answered"),
        (25, 75, "refuses the harmless too"),
        (75, 25, "complies with the harmful too"),
    )
    for x, y, text in hints:
        ax.text(x, y, text, ha="center", va="center", fontsize=9, color="#9e9e9e", style="italic")
    ax.set_xlim(-4, 104)
    ax.set_ylim(-4, 104)
    ax.set_xlabel("benign_answered: harmless inputs answered rather than refused (%)")
    ax.set_ylabel("harm_avoided: unsafe inputs handled safely (%)")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.set_aspect("equal")
    ax.legend(
        title="model (bars: 95 % intervals)", fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.1)
    )
    return save(fig, path, note)
