"""Reading the MMSafeAware `data/` folder: prompts, images, and the checks that it is the pinned release.

Every prompt becomes one document, in id order; a prompt without an image (70 upstream, 7 more in
some copies) keeps its place with the status `missing_image` and is reported, never scored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from vlsbench_task.base.data import DataVerificationError, verify_sha256
from vlsbench_task.base.rows import Statuses, report_rows
from vlsbench_task.benchmarks.mmsafeaware.subsets import label_of

PROMPT_FILE = "prompt.txt"
PROMPT_COUNT = 1523
# sha256 of data/prompt.txt at commit 500b595c82dfe73d5695bc994d9882a306d2aa1c
PROMPT_SHA256 = "3f903c311e4532367074cc0842aedfd100c717c412a26b6a5b57a7e790ab9a66"
IMAGE_FOLDERS = ("images", "images2")
IMAGE_EXTENSIONS = (".jpeg", ".jpg", ".png", ".webp")

_BLOCK_SEPARATOR = re.compile(r"\n\s*\n")


@dataclass(frozen=True)
class Prompt:
    id: int
    question: str
    sentence: str  # as published, in double quotes


def parse_prompt_file(text: str) -> list[Prompt]:
    """Blocks separated by blank lines, each an id line, the question line and the quoted sentence."""
    prompts = []
    for block in _BLOCK_SEPARATOR.split(text.strip()):
        lines = block.strip().splitlines()
        if len(lines) != 3 or not lines[0].strip().isdigit():
            raise DataVerificationError(f"{PROMPT_FILE}: expected 'id / question / sentence', got {block!r}")
        prompts.append(Prompt(int(lines[0]), lines[1].strip(), lines[2].strip()))
    return prompts


def verify_prompt_file(path: Path) -> None:
    verify_sha256(path, PROMPT_SHA256, "MMSafeAware's data/ folder at commit 500b595")


def find_images(data_dir: Path) -> dict[int, Path]:
    """Image path per id, from `<folder>/<id>.<ext>` in the image folders."""
    images: dict[int, Path] = {}
    for folder in IMAGE_FOLDERS:
        directory = data_dir / folder
        if not directory.is_dir():
            continue
        for path in sorted(directory.iterdir()):
            if path.suffix.lower() not in IMAGE_EXTENSIONS or not path.stem.isdigit():
                continue
            item_id = int(path.stem)
            if item_id in images:
                raise DataVerificationError(f"two images for id {item_id}: {images[item_id]} and {path}")
            images[item_id] = path
    return images


def verify(data_dir: Path) -> None:
    verify_prompt_file(Path(data_dir) / PROMPT_FILE)


def load(data_dir: Path, options: dict | None = None) -> list[dict]:
    """Verified prompts joined with their labels and images, in id order."""
    data_dir = Path(data_dir)
    prompt_path = data_dir / PROMPT_FILE
    verify_prompt_file(prompt_path)
    prompts = parse_prompt_file(prompt_path.read_text(encoding="utf-8"))
    if len(prompts) != PROMPT_COUNT:
        raise DataVerificationError(f"{prompt_path}: {len(prompts)} prompts, expected {PROMPT_COUNT}")
    images = find_images(data_dir)
    statuses = Statuses()
    docs = []
    for prompt in sorted(prompts, key=lambda p: p.id):
        label = label_of(prompt.id)
        image = images.get(prompt.id)
        docs.append(
            {
                "id": prompt.id,
                "subset": label.subset,
                "kind": label.kind,
                "gold": label.gold,
                "question": prompt.question,
                "sentence": prompt.sentence,
                "image_file": str(image.resolve()) if image else None,
                "data_status": statuses.of(image),
            }
        )
    report_rows("MMSafeAware", docs, "id")
    return docs
