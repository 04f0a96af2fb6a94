"""Each item's image, scaled and JPEG-compressed into the page.

The image is the one in the task's data: its documents are loaded through the benchmark (rows are
`doc_id`) from the data the run used: `<NAME>_DATA_DIR` where set, else the local folder the run
recorded (`data_origin`), else the download cache; nothing is downloaded. Each sample is matched to
its row as `vlsbench-task judge` does (recorded identity and prompt must agree). An item without an
image says why. One row's image is encoded once, however many runs show it.
"""

from __future__ import annotations

import base64
import io
import json
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from ..base import registry
from ..base.data import data_dir_variable
from ..base.images import OK, open_rgb
from ..rejudge import SamplesError, match_doc
from .items import ViewRun


@dataclass(frozen=True)
class ImageSizes:
    """One JPEG copy per image, shown scaled down as the thumbnail and at full size on click (one
    copy costs less than a thumbnail and a larger copy; docs/view.md gives the file sizes)."""

    side: int = 288  # longest side, pixels (never enlarged)
    quality: int = 55  # JPEG quality


def _prompt_function(config: dict) -> Callable[[dict], str] | None:
    dotted = config.get("doc_to_text")
    return registry.function(dotted) if isinstance(dotted, str) else None


def data_folder(view_run: ViewRun) -> Path:
    """Where the run's data is now: the variable, the recorded local folder, or the cache."""
    benchmark = view_run.benchmark
    origin = str(view_run.run.metadata.get("data_origin") or "")
    recorded = Path(origin.removeprefix("local:")) if origin.startswith("local:") else None
    if (
        not os.environ.get(data_dir_variable(benchmark.data_key), "").strip()
        and recorded
        and recorded.is_dir()
    ):
        return recorded
    folder, _ = benchmark.locate(allow_download=False)
    return folder


class ImageFinder:
    """The image file of each sample, with the documents of each (benchmark, options, origin) loaded once."""

    def __init__(self) -> None:
        self._documents: dict[str, tuple[list[dict] | None, str | None]] = {}

    def documents(self, view_run: ViewRun) -> tuple[list[dict] | None, str | None]:
        """(documents, None), or (None, why they cannot be had)."""
        options = view_run.config.get("options") or {}
        key = json.dumps(
            [view_run.key, options, view_run.run.metadata.get("data_origin")],
            sort_keys=True,
            default=str,
        )
        if key not in self._documents:
            if not view_run.config:
                found = None, f"task {view_run.run.task} is not shipped by this installation"
            else:
                try:
                    found = view_run.benchmark.documents(data_folder(view_run), options), None
                except Exception as error:  # whatever stops the data loading costs only the thumbnails
                    found = None, f"{view_run.benchmark.title} data not found: {error}"
            self._documents[key] = found
        return self._documents[key]

    def image_file(self, view_run: ViewRun, sample: dict) -> tuple[Path | None, str | None]:
        """(the sample's image file, None), or (None, why it has none)."""
        docs, problem = self.documents(view_run)
        if docs is None:
            return None, problem
        prompt_of = _prompt_function(view_run.config)
        try:
            doc = match_doc(sample, docs, view_run.benchmark, prompt_of or (lambda doc: sample.get("input")))
        except SamplesError as error:
            return None, str(error)
        if doc["data_status"] != OK:
            return None, f"data error: {doc['data_status']}"
        if not doc.get("image_file"):
            return None, "this item has no image"
        return Path(doc["image_file"]), None


def encode(path: Path, sizes: ImageSizes) -> tuple[list | None, str | None]:
    """([JPEG as base64, [width, height] of the original], None), or (None, why it cannot be shown)."""
    try:
        image = open_rgb(path)
    except (OSError, ValueError, Image.DecompressionBombError) as error:
        return None, f"image unreadable: {error}"
    original = list(image.size)
    image.thumbnail((sizes.side, sizes.side), Image.Resampling.LANCZOS)  # never enlarges
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=sizes.quality, optimize=True, progressive=True)
    return [base64.b64encode(buffer.getvalue()).decode("ascii"), original], None


def encode_all(paths: dict[str, Path], sizes: ImageSizes) -> dict[str, tuple[list | None, str | None]]:
    """encode() of each {key: file}, in parallel (PIL releases the GIL while it decodes and scales)."""
    workers = max(1, min(8, os.cpu_count() or 1))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        found = pool.map(lambda path: encode(path, sizes), paths.values())
        return dict(zip(paths, found, strict=True))
