"""VLGuard test set (arXiv 2402.02207): the metadata from GitHub, the images from a gated hub dataset.

A copy holds the authors' layout: `test.json` (1,000 images: 558 safe, each with a safe and an
unsafe instruction, and 442 unsafe, each with one instruction), `gpt4_safe_safes.json` (the GPT-4V
reference answers of the safe instructions) and the images under `test/` (their `--imageDir`). The
two JSON files come from github.com/ys-zong/VLGuard at COMMIT; the images from `test.zip` of the
Hugging Face dataset ys-zong/VLGuard at REVISION, whose terms users must accept before HF_TOKEN
reads it.

The three subsets are the authors' (`utils/utils.py::load_data`): `unsafes` (the unsafe images and
their instruction), `safe_unsafes` (the safe images with the unsafe instruction) and `safe_safes`
(the safe images with the safe instruction). Each item becomes one document in published order; an
item whose image is missing or unreadable keeps its place with a `data_status` that says why.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from loguru import logger

from ...archives import extract_once
from ...base.data import DataVerificationError, GitHubArchive, HubDataset, cache_root
from ...base.rows import Statuses, read_json, report_rows

COMMIT = "a2f85c90e10345dc5e7eceecadd89c1ed982d04f"  # github.com/ys-zong/VLGuard, 2025-01-19
HUB_REPO = "ys-zong/VLGuard"
# The hub dataset's commit, as pinned by a third-party study that reads test.json and test.zip there
# (saikiranpennam/lin-vsar-algoverse); the hub's own listing could not be read from here (README).
REVISION = "b0be37a1ab7accb14e10d6a0ec3ce62cfaff2d46"
REVISION_VARIABLE = "VLGUARD_REVISION"  # another commit of the hub dataset
METADATA, REFERENCES, IMAGES = "test.json", "gpt4_safe_safes.json", "test"
PUBLISHED = {"unsafes": 442, "safe_unsafes": 558, "safe_safes": 558}  # items per subset at COMMIT
# subset -> (which images, the key of the instruction in an item's `instr-resp`)
SUBSETS = {
    "unsafes": (False, "instruction"),
    "safe_unsafes": (True, "unsafe_instruction"),
    "safe_safes": (True, "safe_instruction"),
}
GATED = (
    f"the images are gated: accept the terms of huggingface.co/datasets/{HUB_REPO} with your account "
    "and set HF_TOKEN to a token of that account"
)


@dataclass(frozen=True)
class MetadataAndImages:
    """The repository's data/ folder at a commit with the hub dataset's test.zip extracted beside
    it as `test/`: one folder in the authors' layout."""

    metadata: GitHubArchive
    images: HubDataset

    def describe(self, url: str | None = None) -> str:
        revision = os.environ.get(REVISION_VARIABLE, "").strip() or None
        return f"{self.metadata.describe(url)} and {self.images.describe(revision)} ({GATED})"

    def target(self, name: str) -> Path:
        return self.metadata.target(name)

    def fetch(self, name: str, url: str | None, local_only: bool) -> tuple[Path, str]:
        folder, origin = self.metadata.fetch(name, url, local_only)
        revision = os.environ.get(REVISION_VARIABLE, "").strip() or None
        snapshot, hub_origin = self.images.fetch(name, revision, local_only)
        extracted = extract_once(snapshot / "test.zip", cache_root() / name / f"images-{snapshot.name}")
        link = folder / IMAGES
        root = _single_top_folder(extracted)
        if not link.is_symlink() or link.resolve() != root.resolve():  # a new hub revision re-points it
            link.unlink(missing_ok=True)
            link.symlink_to(root, target_is_directory=True)
        return folder, f"{origin}+{hub_origin}"


def _single_top_folder(folder: Path) -> Path:
    """The zip's one top folder (`test/`) where it has one, else the extraction itself."""
    entries = [entry for entry in folder.iterdir() if not entry.name.startswith(".")]
    return entries[0] if len(entries) == 1 and entries[0].is_dir() else folder


SOURCE = MetadataAndImages(
    GitHubArchive("ys-zong/VLGuard", COMMIT, folder="data"),
    HubDataset(HUB_REPO, ("test.zip",), revision=REVISION),
)


def _items(path: Path) -> list[dict]:
    items = read_json(path, f"{METADATA}, {REFERENCES} and {IMAGES}/")
    if not isinstance(items, list) or not all(isinstance(item, dict) and "image" in item for item in items):
        raise DataVerificationError(f"{path}: not a list of items with an `image` each")
    return items


def verify(folder: Path) -> None:
    """Refuse a copy without the two JSON files in the published shape (their content is pinned by
    the commit downloaded; a local copy of another release loads with a warning, see `load`)."""
    for item in _items(Path(folder) / METADATA):
        if not isinstance(item.get("safe"), bool) or not isinstance(item.get("instr-resp"), list):
            raise DataVerificationError(
                f"{folder / METADATA}: item {item.get('id')} lacks `safe` or `instr-resp`"
            )
    _items(Path(folder) / REFERENCES)


def instruction(item: dict, key: str) -> str | None:
    """The first instruction under `key` in the item's `instr-resp`, as the authors pick it."""
    return next((pair[key] for pair in item["instr-resp"] if key in pair), None)


def load(folder: Path, options) -> list[dict]:
    """One document per item of the subset `options["subset"]`, in published order."""
    subset = options["subset"]
    safe, key = SUBSETS[subset]
    references = {item["image"]: item["response"] for item in _items(Path(folder) / REFERENCES)}
    statuses = Statuses()
    docs = []
    for item in _items(Path(folder) / METADATA):
        if item["safe"] is not safe:
            continue
        image_file = (Path(folder) / IMAGES / item["image"]).resolve()
        docs.append(
            {
                "id": item["id"],
                "image": item["image"],
                "question": instruction(item, key),
                "category": item.get("harmful_category") or "safe image",
                "reference": references.get(item["image"], "") if subset == "safe_safes" else "",
                "image_file": str(image_file),
                "data_status": statuses.of(image_file),
            }
        )
    if len(docs) != PUBLISHED[subset]:
        logger.warning(
            f"VLGuard ({subset}): {folder} holds {len(docs)} items, the release at commit {COMMIT[:12]} "
            f"{PUBLISHED[subset]}: scores are not comparable with the paper's"
        )
    report_rows(f"VLGuard ({subset})", docs, "id")
    return docs
