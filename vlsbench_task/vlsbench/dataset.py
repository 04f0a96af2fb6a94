"""VLSBench data: `data.json` + `imgs/`, from a local folder or the Hugging Face hub.

Every row of `data.json` becomes one item, in order, whatever its state: a row whose image is
missing or unreadable, or whose instruction is empty, keeps its place with a `data_status` that
says why it cannot be scored, so the denominator never shrinks silently.
"""

from __future__ import annotations

import collections
import hashlib
import json
import os
from pathlib import Path

import platformdirs
from loguru import logger
from PIL import Image, ImageFile, UnidentifiedImageError
from pydantic import BaseModel, TypeAdapter, ValidationError
from tqdm import tqdm

from ..archives import extract_once

HUB_REPO = "Foreshhh/vlsbench"
DATA_DIR_ENV = "VLSBENCH_DATA_DIR"
REVISION_ENV = "VLSBENCH_REVISION"
# Status values of a row (the `data_status` field); only "ok" rows are shown to the judge.
OK, MISSING_IMAGE, UNREADABLE_IMAGE, EMPTY_INSTRUCTION = (
    "ok",
    "missing_image",
    "unreadable_image",
    "empty_instruction",
)


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


def locate_data() -> tuple[Path, Path, str]:
    """(data.json, folder that `image_path` is relative to, origin) from $VLSBENCH_DATA_DIR or the hub."""
    local = os.environ.get(DATA_DIR_ENV)
    if local:
        return _local_data(Path(local).expanduser())
    return download_from_hub(os.environ.get(REVISION_ENV) or None)


def _local_data(folder: Path) -> tuple[Path, Path, str]:
    data_json = folder / "data.json"
    if not data_json.is_file():
        raise FileNotFoundError(
            f"{DATA_DIR_ENV}={folder} has no data.json (expected data.json + imgs/ or imgs.tar)"
        )
    image_root = folder
    if not (folder / "imgs").is_dir() and (folder / "imgs.tar").is_file():
        image_root = extract_once(folder / "imgs.tar", _extraction_dir(folder / "imgs.tar"))
    return data_json, image_root, f"local:{folder.resolve()}"


def download_from_hub(revision: str | None = None) -> tuple[Path, Path, str]:
    """data.json and imgs.tar of the hub dataset (HF cache, HF_TOKEN and HF_HUB_OFFLINE honoured);
    the tar is extracted once per dataset commit."""
    from huggingface_hub import hf_hub_download

    try:
        data_json = Path(hf_hub_download(HUB_REPO, "data.json", repo_type="dataset", revision=revision))
        tar = Path(hf_hub_download(HUB_REPO, "imgs.tar", repo_type="dataset", revision=revision))
    except Exception as error:
        raise RuntimeError(
            f"could not get VLSBench from the Hugging Face hub ({HUB_REPO}): {error}\n"
            f"Download it once with network access, or set {DATA_DIR_ENV} to a folder holding "
            "data.json and imgs/ (or imgs.tar)."
        ) from error
    commit = data_json.parent.name  # hf_hub_download returns .../snapshots/<commit>/data.json
    return data_json, extract_once(tar, _extraction_dir(tar, commit)), f"hub:{HUB_REPO}@{commit}"


def _extraction_dir(tar: Path, tag: str | None = None) -> Path:
    stat = tar.stat()
    fingerprint = f"{tar.resolve()}|{stat.st_size}|{stat.st_mtime_ns}".encode()
    tag = tag or hashlib.sha256(fingerprint).hexdigest()[:16]
    return Path(platformdirs.user_cache_dir("vlsbench_task")) / "vlsbench_images" / tag


def read_rows(data_json: Path) -> list[VLSBenchRow]:
    try:
        raw = json.loads(Path(data_json).read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise DataError(f"{data_json} is not valid JSON: {error}") from error
    if not isinstance(raw, list):
        raise DataError(f"{data_json} must hold a JSON list of rows, found {type(raw).__name__}")
    try:
        return TypeAdapter(list[VLSBenchRow]).validate_python(raw)
    except ValidationError as error:
        first = error.errors()[0]
        raise DataError(
            f"{data_json}: row {first['loc'][0]} is invalid at {'.'.join(map(str, first['loc'][1:]))}: "
            f"{first['msg']} ({error.error_count()} problem(s) in all)"
        ) from error


def check_image(path: Path) -> str:
    """OK, MISSING_IMAGE or UNREADABLE_IMAGE."""
    if not path.is_file():
        return MISSING_IMAGE
    try:
        with Image.open(path) as image:
            image.verify()  # PNG: every chunk's checksum; decodes no pixels
            checksummed = image.format == "PNG"
        if not checksummed:
            _decode(path)  # a truncated JPEG passes verify(); only decoding finds it
    except (OSError, UnidentifiedImageError, SyntaxError, ValueError, Image.DecompressionBombError):
        return UNREADABLE_IMAGE  # PIL's ways of saying "corrupt" (or "too large to be safe")
    return OK


def _decode(path: Path) -> None:
    # lmms-eval sets LOAD_TRUNCATED_IMAGES at import, which would hide the damage we look for.
    previous, ImageFile.LOAD_TRUNCATED_IMAGES = ImageFile.LOAD_TRUNCATED_IMAGES, False
    try:
        with Image.open(path) as image:
            image.draft("RGB", (1, 1))  # JPEG: decode at 1/8 scale, still reading the whole stream
            image.load()
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = previous


def load_items(data_json: Path, image_root: Path) -> list[dict]:
    """One flat record per row, in data.json order, with `row`, `image_file` and `data_status`."""
    rows = read_rows(data_json)
    items = []
    for index, row in enumerate(tqdm(rows, desc="Checking VLSBench images", unit="row", leave=False)):
        image_file = (Path(image_root) / row.image_path).resolve()
        status = OK if row.instruction.strip() else EMPTY_INSTRUCTION
        if status == OK:
            status = check_image(image_file)
        items.append(
            {
                "row": index,
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
    _report_problems(items)
    return items


def _report_problems(items: list[dict]) -> None:
    by_status = collections.defaultdict(list)
    for item in items:
        by_status[item["data_status"]].append(item["instruction_id"])
    for status, ids in by_status.items():
        if status != OK:
            shown = ", ".join(ids[:20]) + (" ..." if len(ids) > 20 else "")
            logger.warning(f"VLSBench: {len(ids)} of {len(items)} rows not scorable ({status}): ids {shown}")
    duplicated = [
        i for i, n in collections.Counter(item["instruction_id"] for item in items).items() if n > 1
    ]
    if duplicated:
        logger.warning(
            f"VLSBench: duplicated instruction_id(s) {duplicated[:20]}; rows are kept and told apart by `row`"
        )
