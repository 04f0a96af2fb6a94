"""JailBreakV-28K data: the Hugging Face dataset JailbreakV-28K/JailBreakV-28k at a pinned commit.

`JailBreakV_28K.csv` (28,000 rows) and `mini_JailBreakV_28K.csv` (its `selected_mini` rows) have the
columns the dataset card names: id, jailbreak_query, redteam_query, format (the attack), policy,
image_path (relative to the dataset's root), from, selected_mini, transfer_from_llm. Every image the
full CSV names is fetched at the commit the CSV resolved to. Each row becomes one document in
published order; a row whose image is missing or unreadable keeps its place with a `data_status`.
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

from ...base.rows import Statuses, read_csv_rows, report_rows

REPO = "JailbreakV-28K/JailBreakV-28k"
REVISION = "ee52b89772bdcfb4f7827b176ca515daf532dc27"  # the newest commit whose id could be read here
FULL, MINI = "JailBreakV_28K.csv", "mini_JailBreakV_28K.csv"
SETS = {"full": FULL, "mini": MINI}
COLUMNS = ("id", "jailbreak_query", "redteam_query", "format", "policy", "image_path")


def _rows(path: Path) -> list[dict]:
    return read_csv_rows(path, COLUMNS, f"{FULL} and {MINI} with the images they name")


def image_paths(full_csv: Path) -> list[str]:
    """The images the CSV names, each once, in first-use order (HubDataset.listed_in)."""
    return list(dict.fromkeys(row["image_path"] for row in _rows(full_csv)))


def verify(folder: Path) -> None:
    """Refuse a copy whose CSVs lack the published columns."""
    for name in SETS.values():
        _rows(Path(folder) / name)


_NUMBERING = re.compile(r"(?:^|_)\d+(?:_\d+)*$")  # the trailing `_1365` of `nature_1365`


def image_type(image_path: str) -> str:
    """The kind of image an attack uses, in the dataset's own names: the folder and the file name
    without its numbering. The published files sit flat in their attack's folder, named after their
    kind (`llm_transfer_attack/nature_1365.jpeg` is `llm_transfer_attack/nature`,
    `llm_transfer_attack/SD_related_566.png` is `llm_transfer_attack/SD_related`); a file named by
    its number alone (`query_related/SD/6.png`) takes its folder's name."""
    path = PurePosixPath(image_path)
    kind = _NUMBERING.sub("", path.stem)
    return str(path.parent / kind) if kind else str(path.parent)


def load(folder: Path, options) -> list[dict]:
    """One document per row of the set `options["set"]` ("full" or "mini")."""
    statuses = Statuses()
    docs = []
    for row in _rows(Path(folder) / SETS[options["set"]]):
        image_file = (Path(folder) / row["image_path"]).resolve()
        docs.append(
            {
                "id": row["id"],
                "jailbreak_query": row["jailbreak_query"],
                "redteam_query": row["redteam_query"],
                "format": row["format"],
                "policy": row["policy"],
                "image_path": row["image_path"],
                "image_type": image_type(row["image_path"]),
                "image_file": str(image_file),
                "data_status": statuses.of(image_file),
            }
        )
    report_rows(f"JailBreakV-28K ({options['set']})", docs, "id")
    return docs
