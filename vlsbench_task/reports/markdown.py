"""Markdown pieces of a report: tables, headings' anchors, the cells of an estimate."""

from __future__ import annotations

import re
from collections.abc import Sequence

from .estimates import Estimate


def row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def head(columns: Sequence[str]) -> list[str]:
    """A table's header row and the rule under it."""
    return [row(columns), "|" + "---|" * len(columns)]


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """A table and the empty line that ends it."""
    return [*head(header), *map(row, rows), ""]


def anchor(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces as hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return "#" + text.replace(" ", "-")


def arrow(higher_is_better: bool | None) -> str:
    return {True: "↑", False: "↓"}.get(higher_is_better, "?")


def column(metric: str, higher_is_better: bool | None) -> str:
    """A metric's column title with its direction; counts (`n_*`) have none."""
    return metric if metric.startswith("n_") else f"{metric} {arrow(higher_is_better)}"


def cell(estimate: Estimate, metric: str) -> str:
    """A rate with its interval; a count (`n_*`) as a whole number."""
    if metric.startswith("n_") and estimate.value is not None and estimate.interval is None:
        return f"{estimate.value:.0f}"
    return estimate.format()
