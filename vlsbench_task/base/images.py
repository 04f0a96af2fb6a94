"""Checking a row's image before anything is sent, and reading it for the model."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageFile, UnidentifiedImageError

from ..judge.images import to_rgb

# Values of a row's `data_status`; only OK rows are judged or scored.
OK, MISSING_IMAGE, UNREADABLE_IMAGE = "ok", "missing_image", "unreadable_image"


def check_image(path: str | Path | None) -> str:
    """OK, MISSING_IMAGE or UNREADABLE_IMAGE (truncated, undecodable, or too large to decode safely)."""
    if path is None or not Path(path).is_file():
        return MISSING_IMAGE
    try:
        with Image.open(path) as image:
            image.verify()  # PNG: every chunk's checksum; decodes no pixels
            checksummed = image.format == "PNG"
        if not checksummed:
            _decode(Path(path))  # a truncated JPEG passes verify(); only decoding finds it
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


def open_rgb(path: str | Path) -> Image.Image:
    with Image.open(path) as image:
        return to_rgb(image)
