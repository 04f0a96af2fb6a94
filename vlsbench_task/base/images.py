"""Checking a row's image before anything is sent, and reading it for the model."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, UnidentifiedImageError

from ..judge.images import check_whole, to_rgb

# Values of a row's `data_status`; only OK rows are judged or scored.
OK, MISSING_IMAGE, UNREADABLE_IMAGE = "ok", "missing_image", "unreadable_image"


def check_image(path: str | Path | None) -> str:
    """OK, MISSING_IMAGE or UNREADABLE_IMAGE (truncated, undecodable, or too large to decode safely)."""
    if path is None or not Path(path).is_file():
        return MISSING_IMAGE
    try:
        with Image.open(path) as image:
            check_whole(image)
    except (OSError, UnidentifiedImageError, ValueError, Image.DecompressionBombError):
        return UNREADABLE_IMAGE  # PIL's ways of saying "corrupt" (or "too large to be safe")
    return OK


def open_rgb(path: str | Path) -> Image.Image:
    with Image.open(path) as image:
        return to_rgb(image)
