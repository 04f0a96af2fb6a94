"""What every loader does with a benchmark's rows: read them (JSON or CSV), check them against the
published shape, give each document its `data_status`, and warn about the rows that cannot be used.

A file that is not what the authors publish raises DataVerificationError with one message shape:
`<file>: <row> <n> <what is wrong>`. A row that can be read but not scored keeps its place with
one of the statuses below, so the denominator never shrinks silently.
"""

from __future__ import annotations

import collections
import csv
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypeVar

from loguru import logger
from pydantic import BaseModel, TypeAdapter, ValidationError

from .data import DataVerificationError
from .images import MISSING_IMAGE, OK, UNREADABLE_IMAGE, check_image

# Values of a document's `data_status`; only OK rows are judged or scored.
EMPTY_PROMPT = "empty_prompt"  # the text put to the model (instruction, question, query) is blank
MISSING_ROW = "missing_row"  # a row the benchmark lists (e.g. a tiny version's id) that the data lacks
INVALID_IMAGE_PATH = "invalid_image_path"  # the image path is absolute, empty or leaves the folder
STATUSES = (OK, MISSING_IMAGE, UNREADABLE_IMAGE, EMPTY_PROMPT, MISSING_ROW, INVALID_IMAGE_PATH)

Row = TypeVar("Row", bound=BaseModel)


def read_json(path: Path, layout: str) -> Any:
    """The parsed content of a JSON file of the data; `layout` says what the folder should hold."""
    path = Path(path)
    if not path.is_file():
        raise DataVerificationError(f"{path} is missing (expected {layout})")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise DataVerificationError(f"{path} is not valid JSON: {error}") from None


def read_json_rows(
    path: Path, model: type[Row], layout: str, key: str | None = None, what: str = "row"
) -> list[Row]:
    """The rows of a JSON list (or of the list under `key` of a JSON object), each validated as
    `model`; `what` names a row in messages ("item", "chat entry")."""
    raw = read_json(path, layout)
    if key is not None:
        if not isinstance(raw, dict) or not isinstance(raw.get(key), list):
            raise DataVerificationError(f'{path} must hold a JSON object with a "{key}" list')
        raw = raw[key]
    elif not isinstance(raw, list):
        raise DataVerificationError(f"{path} must hold a JSON list of {what}s, found {type(raw).__name__}")
    return validate_rows(path, raw, model, what)


def validate_rows(path: Path, raw: list, model: type[Row], what: str = "row") -> list[Row]:
    """`raw` as `model`s; the first problem (and how many there are) in the error."""
    try:
        return TypeAdapter(list[model]).validate_python(raw)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(map(str, first["loc"][1:]))
        raise DataVerificationError(
            f"{path}: {what} {first['loc'][0]} is invalid at {where}: {first['msg']} "
            f"({error.error_count()} problem(s) in all)"
        ) from None


def read_csv_rows(path: Path, columns: Sequence[str], layout: str) -> list[dict[str, str]]:
    """The rows of a CSV file with a header, which must name every one of `columns`."""
    path = Path(path)
    if not path.is_file():
        raise DataVerificationError(f"{path} is missing (expected {layout})")
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [column for column in columns if column not in (reader.fieldnames or [])]
        if missing:
            raise DataVerificationError(f"{path}: no column {', '.join(missing)} (not the published CSV)")
        return list(reader)


class Statuses:
    """The `data_status` of each document of one load; an image several rows share is checked once."""

    def __init__(self) -> None:
        self._images: dict[str, str] = {}

    def of(self, image_file: Path | str | None, prompt: str | None = None, needs_image: bool = True) -> str:
        """EMPTY_PROMPT for a blank `prompt` (None: the row has no text of its own), else the image's
        check (OK, MISSING_IMAGE or UNREADABLE_IMAGE); OK without a look where `needs_image` is False."""
        if prompt is not None and not str(prompt).strip():
            return EMPTY_PROMPT
        if not needs_image:
            return OK
        if image_file is None:
            return MISSING_IMAGE
        key = str(image_file)
        if key not in self._images:
            self._images[key] = check_image(image_file)
        return self._images[key]


def report_rows(title: str, docs: Sequence[dict], id_fields: str | Sequence[str]) -> None:
    """Warn, per reason, which rows cannot be scored, and which ids occur more than once (such rows
    are kept and told apart by `row`). `id_fields` is the field, or the fields, naming an item."""
    fields = (id_fields,) if isinstance(id_fields, str) else tuple(id_fields)
    ids = ["/".join(str(doc[field]) for field in fields) for doc in docs]
    by_status: dict[str, list[str]] = {}
    for doc, item_id in zip(docs, ids, strict=True):
        if doc["data_status"] != OK:
            by_status.setdefault(doc["data_status"], []).append(item_id)
    for status, unusable in by_status.items():
        logger.warning(
            f"{title}: {len(unusable)} of {len(docs)} rows not scorable ({status}): ids {_shown(unusable)}"
        )
    duplicated = [item_id for item_id, n in collections.Counter(ids).items() if n > 1]
    if duplicated:
        logger.warning(
            f"{title}: duplicated {'/'.join(fields)}(s) {_shown(duplicated)}; rows are kept and told apart by `row`"
        )


def _shown(ids: list[str]) -> str:
    return ", ".join(ids[:20]) + (" ..." if len(ids) > 20 else "")
