"""Images as the judge receives them: scaled to what the judge would see anyway, as a data URL."""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass

from PIL import Image

from .schema import ImageInfo

# OpenAI scales every image to fit 2048 x 2048 and then to 768 px on the short side before the model
# sees it; sending more pixels only costs upload time.
SHORT_SIDE = 768
_SENT_AS_IS = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp", "GIF": "image/gif"}
_PLAIN_MODES = {
    "RGB",
    "RGBA",
    "L",
    "LA",
    "P",
    "1",
}  # 8-bit modes any decoder reads; others (CMYK, 16-bit) are re-encoded
_WIDE_GREY_MODES = {"I", "I;16", "I;16B", "I;16L", "I;16N"}


def to_rgb(image: Image.Image) -> Image.Image:
    """`image` in RGB, for the model and the judge alike. 16-bit greyscale is scaled to 8 bits
    (a plain convert would clip nearly every pixel to white); every other mode converts as usual."""
    if image.mode in _WIDE_GREY_MODES:
        image = image.convert("I").point(lambda value: value * (1 / 256)).convert("L")
    return image.convert("RGB")


# Decoding, scaling and encoding cost 6 to 30 ns a pixel (a 760 x 760 FigStep PNG: 3.3 ms; a 1280 x
# 960 PNG scaled to 1024 x 768: 30 ms): an image of more pixels than this takes over half a millisecond.
LARGE_PIXELS = 256 * 256


@dataclass(frozen=True)
class PreparedImage:
    data_url: str
    info: ImageInfo


def target_size(size: tuple[int, int], max_side: int) -> tuple[int, int]:
    """Fit within max_side x max_side, then bring the short side down to 768 px; never enlarge."""
    width, height = size
    if max_side <= 0:
        return size
    scale = min(1.0, max_side / max(width, height), SHORT_SIDE / max(1, min(width, height)))
    return max(1, round(width * scale)), max(1, round(height * scale))


def is_large(path: str | None) -> bool:
    """Whether the image file at `path` has over LARGE_PIXELS pixels, as its header says."""
    if path is None:
        return False
    try:
        with Image.open(path) as image:
            return image.width * image.height > LARGE_PIXELS
    except (OSError, ValueError):  # unreadable or no image: reading it says why, quickly
        return False


def prepare_image(raw: bytes, max_side: int) -> PreparedImage:
    """`raw` (the bytes of an image file) as the judge should receive it."""
    with Image.open(io.BytesIO(raw)) as image:
        image.load()
        original = image.size
        size = target_size(original, max_side)
        if size == original and image.format in _SENT_AS_IS and image.mode in _PLAIN_MODES:
            payload, mime = raw, _SENT_AS_IS[image.format]
        else:  # scale, or re-encode what the API may not take (BMP, TIFF, CMYK, 16-bit...)
            buffer = io.BytesIO()
            to_rgb(image).resize(size, Image.Resampling.LANCZOS).save(buffer, format="JPEG", quality=90)
            payload, mime = buffer.getvalue(), "image/jpeg"
    return PreparedImage(
        data_url=f"data:{mime};base64,{base64.b64encode(payload).decode()}",
        info=ImageInfo(
            original_size=original, sent_size=size, sent_bytes=len(payload), resized=size != original
        ),
    )
