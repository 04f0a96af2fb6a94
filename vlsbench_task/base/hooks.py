"""YAML hooks shared by every benchmark: what the model sees of a document's image."""

from __future__ import annotations

from PIL import Image

from .images import OK, open_rgb


def doc_to_visual(doc: dict) -> list[Image.Image]:
    """The image, or nothing for a row without a usable one (it is reported, not scored)."""
    if doc["data_status"] != OK or not doc.get("image_file"):
        return []
    return [open_rgb(doc["image_file"])]


def doc_to_no_visual(doc: dict) -> list[Image.Image]:
    """Text-only variants: the model never sees the image (a judge that looks at images still does)."""
    return []
