"""YAML hooks shared by every benchmark: what the model sees of a document's image."""

from __future__ import annotations

from PIL import Image

from .images import OK, open_rgb

# What a row without a usable image sends. Its answer is never scored (the row is a data error), but
# some model classes cannot answer a request without an image at all (lmms-eval 0.7.3's llava_hf
# crashes or repeats an earlier answer), and one such row must not cost the whole run.
PLACEHOLDER_SIZE = (32, 32)
# Model classes of lmms-eval 0.7.3 that cannot answer a request without an image: tasks that send
# such requests refuse to run with them.
NO_TEXT_ONLY = {
    "llava_hf": "its chat class crashes on a request without an image, and its simple class "
    "(--force_simple) answers such a request with the previous request's answer",
}


def doc_to_visual(doc: dict) -> list[Image.Image]:
    """The document's image; a blank placeholder for a row whose image is unusable (not scored);
    nothing for a document that has no image by design."""
    if doc["data_status"] != OK:
        return [Image.new("RGB", PLACEHOLDER_SIZE, "white")]
    return [open_rgb(doc["image_file"])] if doc.get("image_file") else []


def doc_to_no_visual(doc: dict) -> list[Image.Image]:
    """Text-only variants: the model never sees the image (a judge that looks at images still does)."""
    return []
