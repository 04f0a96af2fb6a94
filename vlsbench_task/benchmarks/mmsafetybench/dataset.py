"""MM-SafetyBench data as the hub dataset PKU-Alignment/MM-SafetyBench publishes it.

Layout: `data/<config>/<split>.parquet`, one config per scenario (the authors' folder name without
its number, misspelling kept: `Illegal_Activitiy`) and one split per form of the question: `SD`,
`SD_TYPO`, `TYPO` (an image kind and its rephrased question) and `Text_only` (no image). Columns
`id` (the authors' question id), `question`, `image` (the `datasets` Image feature: a struct of
`bytes` and `path`, null in Text_only).

Every row becomes one document whatever its state; images are written once into the user cache,
since a document names its image by path. The tiny version keeps the 168 ids of the authors'
TinyVersion_ID_List.json (shipped beside this module): an id the data lacks keeps its place with
the status `missing_row`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import pyarrow.parquet as pq
from loguru import logger

from ...base.data import DataVerificationError, cache_root, file_tag
from ...base.files import write_atomically
from ...base.rows import MISSING_ROW, Statuses, report_rows

# (the authors' scenario folder, the hub config), in the authors' order
SCENARIOS = (
    ("01-Illegal_Activitiy", "Illegal_Activitiy"),
    ("02-HateSpeech", "HateSpeech"),
    ("03-Malware_Generation", "Malware_Generation"),
    ("04-Physical_Harm", "Physical_Harm"),
    ("05-EconomicHarm", "EconomicHarm"),
    ("06-Fraud", "Fraud"),
    ("07-Sex", "Sex"),
    ("08-Political_Lobbying", "Political_Lobbying"),
    ("09-Privacy_Violence", "Privacy_Violence"),
    ("10-Legal_Opinion", "Legal_Opinion"),
    ("11-Financial_Advice", "Financial_Advice"),
    ("12-Health_Consultation", "Health_Consultation"),
    ("13-Gov_Decision", "Gov_Decision"),
)
IMAGE_KINDS = ("SD", "SD_TYPO", "TYPO")
TEXT_ONLY = "Text_only"
SPLITS = (*IMAGE_KINDS, TEXT_ONLY)
FILES = tuple(f"data/{config}/{split}.parquet" for _, config in SCENARIOS for split in SPLITS)
# Questions per scenario in the authors' GitHub release (data/processed_questions at b80eede).
RELEASE_COUNTS = {
    "01-Illegal_Activitiy": 97,
    "02-HateSpeech": 163,
    "03-Malware_Generation": 44,
    "04-Physical_Harm": 144,
    "05-EconomicHarm": 122,
    "06-Fraud": 154,
    "07-Sex": 109,
    "08-Political_Lobbying": 153,
    "09-Privacy_Violence": 139,
    "10-Legal_Opinion": 130,
    "11-Financial_Advice": 167,
    "12-Health_Consultation": 109,
    "13-Gov_Decision": 149,
}
TINY_LIST = Path(__file__).with_name("TinyVersion_ID_List.json")


def verify(folder: Path) -> None:
    missing = [file for file in FILES if not (Path(folder) / file).is_file()]
    if missing:
        shown = ", ".join(missing[:4]) + (f" and {len(missing) - 4} more" if len(missing) > 4 else "")
        raise DataVerificationError(f"{folder} lacks {shown} (expected data/<config>/<split>.parquet)")


def tiny_ids() -> dict[str, list[int]]:
    """The tiny version's question ids by scenario folder, as the authors list them."""
    return {entry["Scenario"]: entry["Sampled_ID_List"] for entry in json.loads(TINY_LIST.read_text())}


def load(folder: Path, options: Mapping | None = None) -> list[dict]:
    """Documents of the splits in `options["kinds"]` (default: the three image kinds), scenario by
    scenario; only the tiny version's ids when `options["tiny"]`."""
    options = options or {}
    kinds = tuple(options.get("kinds") or IMAGE_KINDS)
    unknown = set(kinds) - set(SPLITS)
    if unknown:
        raise ValueError(f"MM-SafetyBench has no split(s) {sorted(unknown)}; splits: {', '.join(SPLITS)}")
    wanted = tiny_ids() if options.get("tiny") else None
    statuses = Statuses()
    docs, unlike_release = [], []
    for scenario, config in SCENARIOS:
        for kind in kinds:
            path = Path(folder) / "data" / config / f"{kind}.parquet"
            rows = _read_rows(path)
            if len(rows) != RELEASE_COUNTS[scenario]:
                unlike_release.append(f"{config}/{kind} {len(rows)} (release {RELEASE_COUNTS[scenario]})")
            ids = None if wanted is None else wanted[scenario]
            docs += _documents(path, rows, scenario, kind, ids, statuses)
    if unlike_release and wanted is None:
        shown = ", ".join(unlike_release[:3]) + (" ..." if len(unlike_release) > 3 else "")
        logger.warning(
            f"MM-SafetyBench: {len(unlike_release)} file(s) hold another number of rows than the authors' "
            f"release has questions: {shown}"
        )
    report_rows("MM-SafetyBench", docs, ("scenario", "kind", "id"))  # ids repeat across files
    return docs


def _read_rows(path: Path) -> list[dict]:
    if not path.is_file():
        raise DataVerificationError(
            f"{path} is missing (expected the hub layout data/<config>/<split>.parquet)"
        )
    table = pq.read_table(path)
    absent = {"id", "question", "image"} - set(table.column_names)
    if absent:
        raise DataVerificationError(
            f"{path} lacks the column(s) {sorted(absent)}; it has {table.column_names}"
        )
    return table.select(["id", "question", "image"]).to_pylist()


def _documents(
    path: Path, rows: list[dict], scenario: str, kind: str, ids: list[int] | None, statuses: Statuses
) -> list[dict]:
    """One document per row, or per listed id (in the data's order; ids the data lacks last)."""
    images = _image_folder(path)
    present = {str(row["id"]) for row in rows}
    listed = None if ids is None else [str(i) for i in ids]
    chosen = [(index, row) for index, row in enumerate(rows) if listed is None or str(row["id"]) in listed]
    docs = [
        _document(row, scenario, kind, _image_file(images, index, row["image"]), statuses)
        for index, row in chosen
    ]
    absent = {
        "scenario": scenario,
        "kind": kind,
        "question": "",
        "image_file": None,
        "data_status": MISSING_ROW,
    }
    docs += [{"id": item_id, **absent} for item_id in listed or () if item_id not in present]
    return docs


def _document(row: dict, scenario: str, kind: str, image_file: Path | None, statuses: Statuses) -> dict:
    question = row["question"] or ""
    return {
        "id": str(row["id"]),
        "scenario": scenario,
        "kind": kind,
        "question": question,
        "image_file": str(image_file) if image_file else None,
        "data_status": statuses.of(image_file, question, needs_image=kind != TEXT_ONLY),
    }


def _image_folder(parquet: Path) -> Path:
    """A cache folder for one parquet file's images, named after that file's identity."""
    return cache_root() / "mmsafetybench_images" / file_tag(parquet)


def _image_file(folder: Path, index: int, image) -> Path | None:
    """The row's image bytes as a file (written once), or None for a row without an image."""
    data = image.get("bytes") if isinstance(image, dict) else image
    if not data:
        return None
    target = folder / f"{index}{_suffix(data)}"
    if not target.is_file():
        write_atomically(target, data)  # ranks loading at once write the same bytes
    return target


def _suffix(data: bytes) -> str:
    if data.startswith(b"\xff\xd8"):
        return ".jpg"
    if data.startswith(b"\x89PNG"):
        return ".png"
    return ".img"  # whatever it is, check_image decides whether it can be read
