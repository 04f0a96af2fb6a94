"""PNG charts of a report (matplotlib, Agg backend: no display needed).

Every chart has a title, axis labels with units and a legend; model names are shortened and
category labels wrapped so that nothing overlaps.
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
    return "\n".join(textwrap.wrap(text, width)) or text


def _save(fig, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=DPI, bbox_inches="tight")
    plt.close(fig)
    return path


def stacked_outcomes(models: list[str], shares: dict[str, list[float]], title: str, path: Path) -> Path:
    """Horizontal bars, one per model, split into refusal / warning / unsafe shares (percent)."""
    fig, ax = plt.subplots(figsize=(9, 1.2 + 0.55 * len(models)))
    y = np.arange(len(models))
    left = np.zeros(len(models))
    for outcome, colour in OUTCOME_COLOURS.items():
        values = np.array(shares[outcome], dtype=float)
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
    return _save(fig, path)


def grouped_bars(
    groups: list[str],
    series: list[Series],
    title: str,
    axis_labels: tuple[str, str],
    path: Path,
    ylim: tuple[float, float] = (0, 100),
    zero_line: bool = False,
) -> Path:
    """Vertical bars: one cluster per group (category, subset), one bar per model, 95 % intervals as whiskers."""
    fig, ax = plt.subplots(figsize=(max(7, 1.1 * len(groups) * max(1, len(series)) ** 0.5 + 3), 4.8))
    x = np.arange(len(groups))
    width = 0.8 / max(1, len(series))
    for index, (one, label) in enumerate(
        zip(series, short_labels([one.label for one in series]), strict=True)
    ):
        values = np.array([e.value if e.value is not None else np.nan for e in one.estimates], dtype=float)
        lower = [max(0.0, e.value - e.interval.low) if e.interval else 0.0 for e in one.estimates]
        upper = [max(0.0, e.interval.high - e.value) if e.interval else 0.0 for e in one.estimates]
        offset = (index - (len(series) - 1) / 2) * width
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
    ax.set_xticks(x, [_wrap(g) for g in groups], fontsize=8)
    ax.set_ylim(ylim[0] - (5 if ylim[0] < 0 else 0), ylim[1] + 5)  # room for whiskers at the limits
    ax.set_xlabel(axis_labels[0])
    ax.set_ylabel(axis_labels[1])
    ax.set_title(title)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(title="model (whiskers: 95 % interval)", fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
    return _save(fig, path)
