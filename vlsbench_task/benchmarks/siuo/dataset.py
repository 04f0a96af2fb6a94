"""SIUO data: `siuo_gen.json`, `siuo_mcqa.json` and `images/<name>.png`, side by side.

That is the hub dataset sinwang/SIUO (JSON at its root, images in `images/`) and equally the
authors' GitHub `data/` folder once their image zip is unzipped into `data/images`. Every item
becomes one document, in file order; an item whose image is missing or unreadable keeps its place
with a `data_status` saying why.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from loguru import logger
from pydantic import BaseModel

from ...base.data import DataVerificationError
from ...base.rows import Statuses, read_json_rows, report_rows

GEN_FILE = "siuo_gen.json"
MCQA_FILE = "siuo_mcqa.json"
LAYOUT = f"{GEN_FILE}, {MCQA_FILE} and images/"
N_ITEMS = 167
# Image file names by category prefix (S-01.png ... S-19.png): the 167 names siuo_gen.json uses.
IMAGE_COUNTS = {"S": 19, "D": 18, "M": 20, "I": 18, "C": 16, "DS": 18, "R": 20, "IM": 17, "P": 21}
IMAGE_FILES = tuple(
    f"images/{prefix}-{n:02d}.png" for prefix, count in IMAGE_COUNTS.items() for n in range(1, count + 1)
)
CHOICES = ("A", "B", "C", "D")


class _Item(BaseModel):
    model_config = {"extra": "allow"}

    question_id: int
    image: str
    question: str
    category: str


class GenItem(_Item):
    """An item of siuo_gen.json."""

    safety_warning: str
    reference_answer: str


class McqaItem(_Item):
    """An item of siuo_mcqa.json."""

    options: dict[str, str]
    correct_option: str


def read_items(path: Path, model: type[_Item]) -> list[_Item]:
    """The JSON list of items, each checked for the fields SIUO publishes."""
    return read_json_rows(path, model, LAYOUT, what="item")


def _load_items(path: Path, model: type[_Item]) -> list[_Item]:
    """`read_items`, warning (once per load, not again at verification) when the count is off."""
    items = read_items(path, model)
    if len(items) != N_ITEMS:
        logger.warning(f"SIUO: {path} holds {len(items)} items; the authors' release has {N_ITEMS}")
    return items


def verify_gen(folder: Path) -> None:
    read_items(Path(folder) / GEN_FILE, GenItem)


def verify_mcqa(folder: Path) -> None:
    read_items(Path(folder) / MCQA_FILE, McqaItem)


def _document(folder: Path, item: _Item, statuses: Statuses) -> dict:
    image_file = (Path(folder) / "images" / item.image).resolve()
    fields = item.model_dump(include=set(type(item).model_fields))
    return {**fields, "image_file": str(image_file), "data_status": statuses.of(image_file, item.question)}


def load_gen(folder: Path, options: Mapping | None = None) -> list[dict]:
    statuses = Statuses()
    docs = [_document(folder, item, statuses) for item in _load_items(Path(folder) / GEN_FILE, GenItem)]
    report_rows("SIUO", docs, "question_id")
    return docs


def load_mcqa(folder: Path, options: Mapping | None = None) -> list[dict]:
    path = Path(folder) / MCQA_FILE
    statuses = Statuses()
    docs = []
    for index, item in enumerate(_load_items(path, McqaItem)):
        if sorted(item.options) != list(CHOICES):
            raise DataVerificationError(f"{path}: item {index} must have the options {', '.join(CHOICES)}")
        if item.correct_option not in CHOICES:
            raise DataVerificationError(
                f"{path}: item {index} has the correct option {item.correct_option!r}"
            )
        # the options in the published order (A-D), as the authors' prompt lists them
        docs.append(
            {**_document(folder, item, statuses), "options": [list(pair) for pair in item.options.items()]}
        )
    report_rows("SIUO multiple choice", docs, "question_id")
    return docs
