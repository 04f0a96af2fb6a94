"""MSSBench data: `combined.json` + `chat/` + `embodied/`, as the hub repository kzhou35/mssbench publishes them.

`combined.json` is `{"chat": [...], "embodied": [...]}`. A chat entry has `queries`, an `intent`, a
`Type` (its category) and two images, `safe_image_path` and `unsafe_image_path`, relative to `chat/`.
An embodied entry has `safe_instructions` / `unsafe_instructions` (paired by position), a `task`, a
`category` and two images, `safe` and `unsafe`, relative to `embodied/`.

Documents follow the authors' loop: per entry, per query (or instruction pair), the safe image, then
the unsafe one. A row whose image is missing or unreadable, or whose text is empty, keeps its place
with a `data_status` that says why, so the denominator never shrinks silently.

The hub holds several hundred images whose names only `combined.json` knows, so the download fetches
`combined.json` first and then every image it names, all at the commit that `combined.json` came from.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from loguru import logger
from pydantic import BaseModel
from tqdm import tqdm

from ...base.data import DataVerificationError
from ...base.rows import INVALID_IMAGE_PATH, Statuses, read_json_rows, report_rows

INDEX = "combined.json"
# The authors' inference.py opens "combine.json": a local copy prepared for it works too.
INDEX_NAMES = (INDEX, "combine.json")
SCENARIOS = ("chat", "embodied")
SIDES = ("safe", "unsafe")
LAYOUT = f"{INDEX}, chat/ and embodied/"
UNKNOWN_CATEGORY = "unknown"


class ChatEntry(BaseModel):
    """An entry of `combined.json["chat"]`; other fields (`unsafe_image`, a caption) are kept as extra."""

    model_config = {"extra": "allow"}

    safe_image_path: str
    unsafe_image_path: str
    queries: list[str]
    intent: str = ""
    Type: str = UNKNOWN_CATEGORY

    def texts(self) -> list[tuple[str, str]]:
        """(safe-side, unsafe-side) text of each document pair: every query is asked with both images."""
        return [(query, query) for query in self.queries]

    def images(self) -> tuple[str, str]:
        return self.safe_image_path, self.unsafe_image_path

    def describe(self) -> tuple[str, str]:
        """(category, intent)"""
        return self.Type, self.intent


class EmbodiedEntry(BaseModel):
    """An entry of `combined.json["embodied"]` (single-instruction and caption fields kept as extra)."""

    model_config = {"extra": "allow"}

    safe: str
    unsafe: str
    safe_instructions: list[str]
    unsafe_instructions: list[str]
    task: str = ""
    category: str = UNKNOWN_CATEGORY

    def texts(self) -> list[tuple[str, str]]:
        # The authors zip the two lists, so an unpaired instruction is never asked.
        return list(zip(self.safe_instructions, self.unsafe_instructions, strict=False))

    def images(self) -> tuple[str, str]:
        return self.safe, self.unsafe

    def describe(self) -> tuple[str, str]:
        return self.category, self.task


ENTRY_MODELS = {"chat": ChatEntry, "embodied": EmbodiedEntry}


def find_index(folder: Path) -> Path:
    for name in INDEX_NAMES:
        if (Path(folder) / name).is_file():
            return Path(folder) / name
    raise DataVerificationError(f"{folder} has no {INDEX} (expected {LAYOUT})")


def read_entries(index: Path, scenario: str) -> list[ChatEntry] | list[EmbodiedEntry]:
    """The validated entries of one scenario; DataVerificationError says what is wrong and where."""
    return read_json_rows(index, ENTRY_MODELS[scenario], LAYOUT, key=scenario, what=f"{scenario} entry")


def verify(folder: Path) -> None:
    """The folder holds a readable index with both scenarios (images are checked row by row)."""
    index = find_index(folder)
    for scenario in SCENARIOS:
        read_entries(index, scenario)


def image_files(index: Path) -> list[str]:
    """Every image `index` names, as a path in the repository (`chat/114.jpg`), once each, in order."""
    paths = {
        f"{scenario}/{name}": None
        for scenario in SCENARIOS
        for entry in read_entries(index, scenario)
        for name in entry.images()
        if _safe_relative(name)
    }
    return list(paths)


def _safe_relative(name: str) -> bool:
    path = PurePosixPath(name)
    return bool(name.strip()) and not path.is_absolute() and ".." not in path.parts and "\\" not in name


def load(folder: Path, options: dict | None = None) -> list[dict]:
    """One document per (entry, query, side) of `options["scenario"]`, in the authors' order."""
    scenario = (options or {}).get("scenario", "chat")
    if scenario not in SCENARIOS:
        raise ValueError(f"MSSBench has no scenario {scenario!r} (choose {' or '.join(SCENARIOS)})")
    folder = Path(folder)
    entries = read_entries(find_index(folder), scenario)
    statuses = Statuses()  # each image is checked once, though several queries share it
    docs = []
    for number, entry in enumerate(tqdm(entries, desc=f"Checking MSSBench {scenario} images", leave=False)):
        category, intent = entry.describe()
        for query_index, texts in enumerate(entry.texts()):
            for side, text, image in zip(SIDES, texts, entry.images(), strict=True):
                image_file = (folder / scenario / image).resolve() if _safe_relative(image) else None
                status = statuses.of(image_file, text) if image_file else INVALID_IMAGE_PATH
                docs.append(
                    {
                        "item_id": f"{scenario}-{number}-q{query_index}-{side}",
                        "scenario": scenario,
                        "entry": number,
                        "query_index": query_index,
                        "side": side,
                        "category": category,
                        "intent": intent,
                        "query": text,
                        "image_path": image,
                        "image_file": str(image_file) if image_file else None,
                        "data_status": status,
                    }
                )
    _report_problems(scenario, entries, docs)
    return docs


def _report_problems(scenario: str, entries: list, docs: list[dict]) -> None:
    report_rows(f"MSSBench {scenario}", docs, "item_id")
    unpaired = [
        number
        for number, entry in enumerate(entries)
        if isinstance(entry, EmbodiedEntry) and len(entry.safe_instructions) != len(entry.unsafe_instructions)
    ]
    if unpaired:
        logger.warning(
            f"MSSBench embodied: entries {unpaired[:20]} have unequal safe/unsafe instruction lists; "
            "as in the authors' code, only the paired instructions are asked"
        )
