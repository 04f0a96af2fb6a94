"""Building the page: the runs' items, images, headline rates and comparisons in one HTML file.

The file is self-contained: its style, script and data are inlined and images are JPEG data URLs.
A Content-Security-Policy lets only that script and that style apply (by their hashes) and loads
nothing else (no network, no other file). The data travel as JSON in script elements the browser
never executes, with `<`, `>`, `&` and `://` escaped, and the script shows every string through
textContent: a response that holds HTML or a script shows as text.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import os
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib.resources import files
from pathlib import Path
from urllib.parse import quote

from ..agreement import UNMATCHED
from ..base.data import file_tag
from ..reports.report import headline_rows
from ..reports.runs import ModelRuns, load_models
from .audit import audit_outcomes
from .images import ImageFinder, ImageSizes, encode_all
from .items import STATUSES, item_of, run_summary, view_runs
from .pairs import disagreement_pairs

# What may appear in data text but must not reach the HTML parser or read as a URL.
_SCRIPT_ESCAPES = (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("://", ":\\/\\/"))


@dataclass
class Page:
    html: str
    items: int
    runs: int
    images: int
    pairs: int
    notes: list[str]


def headline(models: list[ModelRuns]) -> dict:
    """The report's leaderboard numbers (reports/report.py): each group's suite rows and each task's
    headline metric, per model, with the same estimates and formatting; one row per (task, metric)."""
    rows = [
        {
            "task": row.task,
            "metric": row.metric,
            "group": row.group,
            "higher": row.higher is not False,  # the page has no "?": unknown reads as higher
            "cells": row.cells,
        }
        for row in headline_rows(models)
    ]
    return {"models": [model.label for model in models], "rows": rows}


def _href(path: Path | None, out_dir: Path) -> str | None:
    """A relative link from the page to a samples file (no scheme: it cannot be anything else)."""
    if path is None:
        return None
    try:
        relative = os.path.relpath(path.resolve(), out_dir.resolve())
    except ValueError:  # another drive
        return None
    return quote(Path(relative).as_posix())


def collect(paths: list[Path], sizes: ImageSizes | None, out_dir: Path) -> tuple[dict, dict]:
    """(the page's data, {image key: [JPEG as base64, original size]})."""
    models = load_models(paths)
    runs, notes = view_runs(models)
    finder = ImageFinder()
    items: list[dict] = []
    summaries = []
    image_files: dict[str, Path] = {}
    for index, view_run in enumerate(runs):
        own = []
        for line, sample in enumerate(view_run.run.samples, start=1):
            item = item_of(view_run, index, line, sample)
            if sizes is None:
                item["no_image"] = "images left out (--no-images)"
            else:
                path, problem = finder.image_file(view_run, sample)
                try:
                    key = file_tag(path, 20) if path is not None else None  # the same file, one key
                except OSError as error:
                    key, problem = None, f"image unreadable: {error}"
                if key is None:
                    item["no_image"] = problem
                else:
                    image_files[key], item["image"] = path, key
            own.append(item)
        items += own
        summaries.append(run_summary(view_run, own, _href(view_run.run.samples_file, out_dir)))
    encoded = encode_all(image_files, sizes) if sizes is not None and image_files else {}
    images = {}
    for item in items:
        if item["image"] is not None:
            found, problem = encoded[item["image"]]
            if found is None:
                item["image"], item["no_image"] = None, problem
            else:
                images[item["image"]] = found
    pairs, pair_notes = disagreement_pairs(runs)
    data = {
        "generated": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "models": [{"label": model.label, "full": model.full_name()} for model in models],
        "runs": summaries,
        "items": items,
        "headline": headline(models),
        "pairs": pairs,
        "notes": notes + pair_notes,
        "statuses": list(STATUSES),
        "unmatched": UNMATCHED,
        "audit": audit_outcomes(runs),
    }
    return data, images


def _finite(value):
    """NaN and infinities (e.g. a rate over no items) as null: JSON has no other spelling for them."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(item) for item in value]
    return value


def script_json(value) -> str:
    """JSON that can sit inside <script type="application/json">: nothing in it can close the element,
    start markup, or read as a URL (every escape is one JSON already allows inside a string)."""
    text = json.dumps(_finite(value), ensure_ascii=True, separators=(",", ":"), allow_nan=False)
    for raw, escaped in _SCRIPT_ESCAPES:
        text = text.replace(raw, escaped)
    return text


def _hash(source: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode("utf-8")).digest()).decode() + "'"


def render(data: dict, images: dict, title: str) -> str:
    # The audit mode's script and style follow the page's in the same elements (one hash each).
    parts = {
        name: "\n".join(
            (files(__package__) / f"{stem}.{name}").read_text(encoding="utf-8")
            for stem in ("page", "page_audit")
        )
        for name in ("css", "js")
    }
    policy = (
        f"default-src 'none'; img-src data:; style-src {_hash(parts['css'])}; "
        f"script-src {_hash(parts['js'])}; base-uri 'none'; form-action 'none'"
    )
    values = {
        "csp": policy,
        "title": title.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"),
        "style": parts["css"],
        "script": parts["js"],
        "data": script_json({**data, "title": title}),
        "images": script_json(images),
    }
    template = (files(__package__) / "page.html").read_text(encoding="utf-8")
    # One pass over the template: nothing substituted is scanned again.
    return re.sub(r"\{\{(\w+)\}\}", lambda match: values[match.group(1)], template)


def build(paths: list[Path], out_dir: Path, sizes: ImageSizes | None, title: str | None = None) -> Page:
    """The page over the runs under `paths`, for a file in `out_dir` (links to samples files are relative)."""
    data, images = collect(paths, sizes, out_dir)
    title = title or "Verdicts: " + ", ".join(dict.fromkeys(run["title"] for run in data["runs"]))
    html = render(data, images, title)
    return Page(html, len(data["items"]), len(data["runs"]), len(images), len(data["pairs"]), data["notes"])
