"""SIUO data: `siuo_gen.json`, `siuo_mcqa.json` and `images/<name>.png`, side by side.

That is the hub dataset sinwang/SIUO (JSON at its root, images in `images/`) and equally the
authors' GitHub `data/` folder once their image zip is unzipped into `data/images`. Every item
becomes one document, in file order; an item whose image is missing or unreadable keeps its place
with a `data_status` saying why.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from loguru import logger

from ...base.benchmark import report_unusable
from ...base.data import DataVerificationError
from ...base.images import check_image

GEN_FILE = "siuo_gen.json"
MCQA_FILE = "siuo_mcqa.json"
N_ITEMS = 167
# Image file names by category prefix (S-01.png ... S-19.png): the 167 names siuo_gen.json uses.
IMAGE_COUNTS = {"S": 19, "D": 18, "M": 20, "I": 18, "C": 16, "DS": 18, "R": 20, "IM": 17, "P": 21}
IMAGE_FILES = tuple(
    f"images/{prefix}-{n:02d}.png" for prefix, count in IMAGE_COUNTS.items() for n in range(1, count + 1)
)
CHOICES = ("A", "B", "C", "D")
EMPTY_QUESTION = "empty_question"

_COMMON = ("question_id", "image", "question", "category")
_GEN_KEYS = (*_COMMON, "safety_warning", "reference_answer")
_MCQA_KEYS = (*_COMMON, "options", "correct_option")


class DataError(DataVerificationError):
    """A file is not what SIUO publishes; the message says which and why."""


def read_items(path: Path, keys: tuple[str, ...]) -> list[dict]:
    """The JSON list of items, each checked for the fields SIUO publishes."""
    if not path.is_file():
        raise DataVerificationError(f"{path} is missing (expected {GEN_FILE}, {MCQA_FILE} and images/)")
    try:
        items = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise DataError(f"{path} is not valid JSON: {error}") from None
    if not isinstance(items, list):
        raise DataError(f"{path} must hold a JSON list of items, found {type(items).__name__}")
    for index, item in enumerate(items):
        absent = [key for key in keys if not isinstance(item, dict) or key not in item]
        if absent:
            raise DataError(f"{path}: item {index} lacks {', '.join(absent)}")
    return items


def _load_items(path: Path, keys: tuple[str, ...]) -> list[dict]:
    """`read_items`, warning (once per load, not again at verification) when the count is off."""
    items = read_items(path, keys)
    if len(items) != N_ITEMS:
        logger.warning(f"SIUO: {path} holds {len(items)} items; the authors' release has {N_ITEMS}")
    return items


def verify_gen(folder: Path) -> None:
    read_items(Path(folder) / GEN_FILE, _GEN_KEYS)


def verify_mcqa(folder: Path) -> None:
    read_items(Path(folder) / MCQA_FILE, _MCQA_KEYS)


def _image_and_status(folder: Path, item: dict) -> tuple[str, str]:
    image_file = (Path(folder) / "images" / item["image"]).resolve()
    status = check_image(image_file) if str(item["question"]).strip() else EMPTY_QUESTION
    return str(image_file), status


def load_gen(folder: Path, options: Mapping | None = None) -> list[dict]:
    docs = []
    for item in _load_items(Path(folder) / GEN_FILE, _GEN_KEYS):
        image_file, status = _image_and_status(folder, item)
        docs.append(
            {
                **{key: item[key] for key in _GEN_KEYS},
                "question_id": int(item["question_id"]),
                "image_file": image_file,
                "data_status": status,
            }
        )
    report_unusable("SIUO", docs, "question_id")
    return docs


def load_mcqa(folder: Path, options: Mapping | None = None) -> list[dict]:
    path = Path(folder) / MCQA_FILE
    docs = []
    for index, item in enumerate(_load_items(path, _MCQA_KEYS)):
        choices = item["options"]
        if not isinstance(choices, dict) or sorted(choices) != list(CHOICES):
            raise DataError(f"{path}: item {index} must have the options {', '.join(CHOICES)}")
        if item["correct_option"] not in CHOICES:
            raise DataError(f"{path}: item {index} has the correct option {item['correct_option']!r}")
        image_file, status = _image_and_status(folder, item)
        docs.append(
            {
                **{key: item[key] for key in _MCQA_KEYS},
                "question_id": int(item["question_id"]),
                # in the published order (A-D), as the authors' prompt lists them
                "options": [[letter, choices[letter]] for letter in choices],
                "image_file": image_file,
                "data_status": status,
            }
        )
    report_unusable("SIUO multiple choice", docs, "question_id")
    return docs
