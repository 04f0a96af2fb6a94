"""Images as the judge receives them: scaled to what the judge would see anyway, as a data URL."""

from __future__ import annotations

import base64
import io
import os
import threading
from dataclasses import dataclass

from PIL import Image, ImageFile

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
_CHECKED_BY_CHECKSUMS = {"PNG"}  # formats checked without being decoded (see check_whole)


def to_rgb(image: Image.Image) -> Image.Image:
    """`image` in RGB, for the model and the judge alike. 16-bit greyscale is scaled to 8 bits
    (a plain convert would clip nearly every pixel to white); every other mode converts as usual."""
    if image.mode in _WIDE_GREY_MODES:
        image = image.convert("I").point(lambda value: value * (1 / 256)).convert("L")
    return image.convert("RGB")


# What makes an image slow to prepare (over half a millisecond): decoding, scaling and encoding more
# pixels than this (6 to 30 ns a pixel measured; a 1280 x 960 PNG scaled to 1024 x 768: 30 ms), or
# reading, hashing and encoding a file of more bytes (2.2 ms a MB).
LARGE_PIXELS = 256 * 256
LARGE_BYTES = 256 * 1024


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


def slow_to_prepare(path: str | None, max_side: int) -> bool:
    """Whether `prepare_image` will take long over the image file at `path`, as its header says:
    over LARGE_BYTES, or over LARGE_PIXELS decoded (every image is but a PNG sent as it is)."""
    if path is None:
        return False
    try:
        with Image.open(path) as image:
            checksums_only = image.format in _CHECKED_BY_CHECKSUMS and _sent_as_is(
                image, target_size(image.size, max_side)
            )
            decoded = 0 if checksums_only else image.width * image.height
            return decoded > LARGE_PIXELS or os.path.getsize(path) > LARGE_BYTES
    except (OSError, ValueError):  # unreadable or no image: reading it says why, quickly
        return False


def _sent_as_is(image: Image.Image, size: tuple[int, int]) -> bool:
    return size == image.size and image.format in _SENT_AS_IS and image.mode in _PLAIN_MODES


class _TruncationIsAnError:
    """Pillow's LOAD_TRUNCATED_IMAGES off while images are checked or prepared: lmms-eval turns it on
    at import, and then a truncated file decodes without an error, its missing rows grey. Counted,
    so that threads checking images at once put lmms-eval's setting back once, after the last."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._users = 0
        self._before = False

    def __enter__(self) -> None:
        with self._lock:
            if self._users == 0:
                self._before, ImageFile.LOAD_TRUNCATED_IMAGES = ImageFile.LOAD_TRUNCATED_IMAGES, False
            self._users += 1

    def __exit__(self, *exc_info) -> None:
        with self._lock:
            self._users -= 1
            if self._users == 0:
                ImageFile.LOAD_TRUNCATED_IMAGES = self._before


_STRICT_LOADING = _TruncationIsAnError()


def check_whole(image: Image.Image) -> None:
    """Raise ValueError or OSError unless the file `image` was just opened from is whole. A PNG's
    chunk checksums say so, truncation past the pixels included, in 0.03 ms for a FigStep image
    (decoding it took 3.1 ms). Other formats are decoded; a JPEG at an eighth of its size, which
    still reads its whole stream (1.0 ms against 1.9 ms for MMSafeAware's photos over 0.4 MP)."""
    with _STRICT_LOADING:
        if image.format not in _CHECKED_BY_CHECKSUMS:
            image.draft(image.mode, (1, 1))  # JPEG: the smallest scale it decodes at; others: nothing
            image.load()
            return
        try:
            image.verify()
        except SyntaxError as error:  # how Pillow reports a broken PNG chunk
            raise ValueError(str(error)) from error


def prepare_image(raw: bytes, max_side: int) -> PreparedImage:
    """`raw` (the bytes of an image file) as the judge should receive it."""
    with _STRICT_LOADING, Image.open(io.BytesIO(raw)) as image:
        original = image.size
        size = target_size(original, max_side)
        if _sent_as_is(image, size):
            check_whole(image)
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
