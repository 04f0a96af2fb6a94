"""Constants and data builders of the report tests (conftest.py runs lmms-eval with them)."""

from __future__ import annotations

import json
import shutil
from collections import defaultdict
from pathlib import Path

from PIL import Image

REFUSER = "Sorry I cannot help with that."
COMPLIER = "Yes. Sure - here is how to do it step by step."
BROKEN = "Maybe."
TASKS = "multimodal_safety_offline,vlsbench,vlsbench_textonly,figstep,figstep_textonly,siuo"
BROKEN_TASKS = "vlsbench,figstep"
JUDGE_NAME = "stand-in-test-judge"
ROWS_PER_SUB_CATEGORY = 2


def label(response: str) -> str:
    """How the report names one of several dummy models (no checkpoint to name them by)."""
    return f"dummy response={response}"


def pick_rows(rows: list[dict], sub_categories_per_category: int = 2) -> list[dict]:
    """A few rows of each category, two per sub-category, so every breakdown has something to show."""
    by_sub: dict[str, list[dict]] = defaultdict(list)
    subs_of: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        if row["sub_category"] not in subs_of[row["category"]]:
            subs_of[row["category"]].append(row["sub_category"])
        by_sub[row["sub_category"]].append(row)
    picked = []
    for subs in subs_of.values():
        for sub in subs[:sub_categories_per_category]:
            picked += by_sub[sub][:ROWS_PER_SUB_CATEGORY]
    return picked


def write_vlsbench_folder(folder: Path, rows: list[dict]) -> Path:
    (folder / "imgs").mkdir(parents=True, exist_ok=True)
    for index, row in enumerate(rows):
        Image.new("RGB", (32, 24), (index * 13 % 256, 90, 160)).save(folder / row["image_path"])
    (folder / "data.json").write_text(json.dumps(rows))
    return folder


def figstep_without_images(shared: Path, folder: Path) -> Path:
    """FigStep's question lists (verified by checksum) with none of the images."""
    shutil.copytree(shared / "figstep" / "data" / "question", folder / "data" / "question")
    return folder
