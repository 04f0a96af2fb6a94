"""Reading the MMSafeAware `data/` folder: prompts, images, and the checks that it is the pinned release."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from vlsbench_task.mmsafeaware.subsets import label_of

PROMPT_FILE = "prompt.txt"
PROMPT_COUNT = 1523
# sha256 of data/prompt.txt at commit 500b595c82dfe73d5695bc994d9882a306d2aa1c
PROMPT_SHA256 = "3f903c311e4532367074cc0842aedfd100c717c412a26b6a5b57a7e790ab9a66"
IMAGE_FOLDERS = ("images", "images2")
IMAGE_EXTENSIONS = (".jpeg", ".jpg", ".png", ".webp")

_BLOCK_SEPARATOR = re.compile(r"\n\s*\n")


class DataVerificationError(RuntimeError):
    """The data folder is not the pinned MMSafeAware release."""


@dataclass(frozen=True)
class Prompt:
    id: int
    question: str
    sentence: str  # as published, in double quotes


@dataclass(frozen=True)
class Benchmark:
    rows: list[dict]  # one per prompt with an image, in id order
    missing_image_ids: list[int]
    n_prompts: int


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
    """Refuse a prompt file that is not byte-identical to the pinned release."""
    if not path.is_file():
        raise DataVerificationError(f"{path} is missing: not an MMSafeAware data/ folder")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != PROMPT_SHA256:
        raise DataVerificationError(
            f"{path}: sha256 {digest} differs from the pinned release ({PROMPT_SHA256}); "
            "the data is corrupt or from another commit"
        )


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


def load_benchmark(data_dir: Path) -> Benchmark:
    """Verified prompts joined with their images and labels; ids without an image are listed apart."""
    data_dir = Path(data_dir)
    prompt_path = data_dir / PROMPT_FILE
    verify_prompt_file(prompt_path)
    prompts = parse_prompt_file(prompt_path.read_text(encoding="utf-8"))
    if len(prompts) != PROMPT_COUNT:
        raise DataVerificationError(f"{prompt_path}: {len(prompts)} prompts, expected {PROMPT_COUNT}")
    images = find_images(data_dir)
    rows, missing = [], []
    for prompt in sorted(prompts, key=lambda p: p.id):
        image = images.get(prompt.id)
        if image is None:
            missing.append(prompt.id)
            continue
        label = label_of(prompt.id)
        rows.append(
            {
                "id": prompt.id,
                "subset": label.subset,
                "kind": label.kind,
                "gold": label.gold,
                "question": prompt.question,
                "sentence": prompt.sentence,
                "image_path": str(image.resolve()),
            }
        )
    return Benchmark(rows=rows, missing_image_ids=missing, n_prompts=len(prompts))
