"""VLSBench data: `data.json` + `imgs/` (or `imgs.tar`), as the hub repository publishes them.

Every row of `data.json` becomes one document, in order, whatever its state: a row whose image is
missing or unreadable, or whose instruction is empty, keeps its place with a `data_status` that
says why it cannot be scored, so the denominator never shrinks silently.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel
from tqdm import tqdm

from ...archives import extract_once
from ...base.data import cache_root, file_tag
from ...base.rows import Statuses, read_json_rows, report_rows

LAYOUT = "data.json + imgs/ or imgs.tar"


class VLSBenchRow(BaseModel):
    """A row of data.json. Newer revisions add fields (image_description, safety_reason): kept as extra."""

    model_config = {"extra": "allow"}

    instruction_id: int | str
    instruction: str
    image_path: str
    category: str
    sub_category: str
    source: str | None = None


def image_root(folder: Path) -> Path:
    """The folder that `image_path` is relative to: `folder`, or `imgs.tar` extracted once."""
    if not (folder / "imgs").is_dir() and (folder / "imgs.tar").is_file():
        tar = folder / "imgs.tar"
        return extract_once(tar, cache_root() / "vlsbench_images" / file_tag(tar))
    return folder


def read_rows(data_json: Path) -> list[VLSBenchRow]:
    return read_json_rows(data_json, VLSBenchRow, LAYOUT)


def load(folder: Path, options: dict | None = None) -> list[dict]:
    """One flat document per row, in data.json order, with `image_file` and `data_status`."""
    rows = read_rows(Path(folder) / "data.json")
    root = image_root(Path(folder))
    statuses = Statuses()
    docs = []
    for row in tqdm(rows, desc="Checking VLSBench images", unit="row", leave=False):
        image_file = (root / row.image_path).resolve()
        docs.append(
            {
                "instruction_id": str(row.instruction_id),
                "instruction": row.instruction,
                "image_path": row.image_path,
                "category": row.category,
                "sub_category": row.sub_category,
                "source": row.source or "",
                "image_file": str(image_file),
                "data_status": statuses.of(image_file, row.instruction),
            }
        )
    report_rows("VLSBench", docs, "instruction_id")
    return docs
