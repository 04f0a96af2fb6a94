"""VLSBench data: `data.json` + `imgs/` (or `imgs.tar`), as the hub repository publishes them.

Every row of `data.json` becomes one document, in order, whatever its state: a row whose image is
missing or unreadable, or whose instruction is empty, keeps its place with a `data_status` that
says why it cannot be scored, so the denominator never shrinks silently.
"""

from __future__ import annotations

import collections
import json
from pathlib import Path

from loguru import logger
from pydantic import BaseModel, TypeAdapter, ValidationError
from tqdm import tqdm

from ...archives import extract_once
from ...base.benchmark import report_unusable
from ...base.data import cache_root, file_tag
from ...base.images import check_image

EMPTY_INSTRUCTION = "empty_instruction"


class VLSBenchRow(BaseModel):
    """A row of data.json. Newer revisions add fields (image_description, safety_reason): kept as extra."""

    model_config = {"extra": "allow"}

    instruction_id: int | str
    instruction: str
    image_path: str
    category: str
    sub_category: str
    source: str | None = None


class DataError(ValueError):
    """data.json is not what VLSBench publishes; the message says what is wrong and where."""


def image_root(folder: Path) -> Path:
    """The folder that `image_path` is relative to: `folder`, or `imgs.tar` extracted once."""
    if not (folder / "imgs").is_dir() and (folder / "imgs.tar").is_file():
        tar = folder / "imgs.tar"
        return extract_once(tar, cache_root() / "vlsbench_images" / file_tag(tar))
    return folder


def read_rows(data_json: Path) -> list[VLSBenchRow]:
    try:
        raw = json.loads(Path(data_json).read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise DataError(f"{data_json} is not valid JSON: {error}") from None
    if not isinstance(raw, list):
        raise DataError(f"{data_json} must hold a JSON list of rows, found {type(raw).__name__}")
    try:
        return TypeAdapter(list[VLSBenchRow]).validate_python(raw)
    except ValidationError as error:
        first = error.errors()[0]
        raise DataError(
            f"{data_json}: row {first['loc'][0]} is invalid at {'.'.join(map(str, first['loc'][1:]))}: "
            f"{first['msg']} ({error.error_count()} problem(s) in all)"
        ) from None


def load(folder: Path, options: dict | None = None) -> list[dict]:
    """One flat document per row, in data.json order, with `image_file` and `data_status`."""
    data_json = Path(folder) / "data.json"
    if not data_json.is_file():
        raise DataError(f"{folder} has no data.json (expected data.json + imgs/ or imgs.tar)")
    rows = read_rows(data_json)
    root = image_root(Path(folder))
    docs = []
    for row in tqdm(rows, desc="Checking VLSBench images", unit="row", leave=False):
        image_file = (root / row.image_path).resolve()
        status = check_image(image_file) if row.instruction.strip() else EMPTY_INSTRUCTION
        docs.append(
            {
                "instruction_id": str(row.instruction_id),
                "instruction": row.instruction,
                "image_path": row.image_path,
                "category": row.category,
                "sub_category": row.sub_category,
                "source": row.source or "",
                "image_file": str(image_file),
                "data_status": status,
            }
        )
    _report_problems(docs)
    return docs


def _report_problems(docs: list[dict]) -> None:
    report_unusable("VLSBench", docs, "instruction_id")
    duplicated = [i for i, n in collections.Counter(doc["instruction_id"] for doc in docs).items() if n > 1]
    if duplicated:
        logger.warning(
            f"VLSBench: duplicated instruction_id(s) {duplicated[:20]}; rows are kept and told apart by `row`"
        )
