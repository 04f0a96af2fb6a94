"""MSTS's images: fetched once from their URLs (mostly Wikimedia), verified, cached, licences kept.

Each image is looked for, in this order:
1. in the MSTS copy itself, `data/unsafe_images/<unsafe_image_id>.<ext>`;
2. in the user cache (`<user cache>/vlsbench_task/msts_images/`), where a file counts only while its
   size and sha256 match what the manifest recorded when it was first downloaded;
3. at its URL, unless downloads are off. A download must decode as an image; it is then stored as
   `<unsafe_image_id>.<ext>` and `manifest.json` records its URL, licence, size, sha256 and date.
An image that cannot be had keeps its reason (HTTP status, not an image, ...), for the report.

`MSTS_IMAGE_MIRROR=<base URL>` fetches every image from a mirror instead of its original host:
`https://HOST/PATH?QUERY` becomes `<base URL>/HOST/PATH?QUERY`, the host/path layout that
`wget --force-directories` writes; for a copy inside a closed network, and for tests.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from functools import partial
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from filelock import FileLock
from PIL import Image

from .. import __version__
from ..base.data import cache_root
from ..base.errors import DataError
from ..base.files import partial_file
from ..base.images import OK, check_image
from .msts import IMAGES_DIR, ImageSource

MIRROR_VARIABLE = "MSTS_IMAGE_MIRROR"
MANIFEST = "manifest.json"
MAX_BYTES = 50 * 1024 * 1024
ATTEMPTS = 3  # per image, for 429 and 5xx answers and dropped connections
FAIL_FAST = 8  # downloads in a row that reach no server, after which the rest are not tried
EXTENSIONS = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp", "GIF": ".gif"}
# Wikimedia refuses clients that do not say who they are.
USER_AGENT = f"vlsbench-task/{__version__} (judge qualification: the MSTS benchmark's reference images)"


class ImageUnavailable(DataError, RuntimeError):
    def __init__(self, problem: str, no_server: bool = False):
        super().__init__(problem)
        self.no_server = no_server  # no server answered at all (refused, unknown host, timeout)


@dataclass(frozen=True)
class ImageFile:
    """One image as found: its file (None when it cannot be had, with the reason in `problem`)."""

    image_id: str
    url: str
    licence: str
    path: str | None
    origin: str  # "local" (the MSTS copy), "cache", "download", or "" when missing
    bytes: int | None = None
    sha256: str | None = None
    problem: str | None = None

    def as_dict(self) -> dict:
        return asdict(self)


def default_cache_dir() -> Path:
    return cache_root() / "msts_images"


def mirrored(url: str, mirror: str | None) -> str:
    """`url` as fetched: from `mirror` (host/path layout) when one is set."""
    if not mirror:
        return url
    parts = urlsplit(url)
    query = f"?{parts.query}" if parts.query else ""
    return f"{mirror.rstrip('/')}/{parts.netloc}{parts.path}{query}"


def _digest(path: Path) -> tuple[int, str]:
    data = path.read_bytes()
    return len(data), hashlib.sha256(data).hexdigest()


class _Cache:
    """The cache folder and its manifest (written after every download, under a lock)."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        path = folder / MANIFEST
        self.entries: dict[str, dict] = json.loads(path.read_text())["images"] if path.is_file() else {}

    def lookup(self, source: ImageSource) -> ImageFile | None:
        entry = self.entries.get(source.image_id)
        if entry is None or entry["url"] != source.url:
            return None
        path = self.folder / entry["file"]
        if not path.is_file() or _digest(path) != (entry["bytes"], entry["sha256"]):
            return None  # changed since its first download: fetched again
        return _found(source, path, "cache", entry["bytes"], entry["sha256"])

    def record(self, source: ImageSource, path: Path, size: int, sha256: str) -> None:
        entry = {
            "url": source.url,
            "file": path.name,
            "bytes": size,
            "sha256": sha256,
            "licence": source.licence,
            "description": source.description,
            "downloaded": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        }
        with self._lock:
            self.entries[source.image_id] = entry
            payload = json.dumps({"images": dict(sorted(self.entries.items()))}, indent=1, ensure_ascii=False)
            partial = self.folder / f".{MANIFEST}.part"
            partial.write_text(payload + "\n", encoding="utf-8")
            partial.replace(self.folder / MANIFEST)


def _found(source: ImageSource, path: Path, origin: str, size: int, sha256: str) -> ImageFile:
    return ImageFile(source.image_id, source.url, source.licence, str(path), origin, size, sha256)


def _missing(source: ImageSource, problem: str) -> ImageFile:
    return ImageFile(source.image_id, source.url, source.licence, None, "", problem=problem)


def _local(source: ImageSource, folder: Path | None) -> ImageFile | None:
    if folder is None:
        return None
    for path in sorted((folder / IMAGES_DIR).glob(f"{source.image_id}.*")):
        if check_image(path) == OK:
            return _found(source, path, "local", *_digest(path))
    return None


def _get(client: httpx.Client, url: str) -> bytes:
    """The body of `url`, retrying rate limits, server errors and dropped connections."""
    problem, delay = "no answer", 0.0
    for attempt in range(ATTEMPTS):
        time.sleep(delay)
        delay = 0.5 * 2**attempt
        try:
            with client.stream("GET", url) as response:
                if response.status_code == 429 or response.status_code >= 500:
                    problem = f"HTTP {response.status_code}"
                    delay = min(10.0, max(delay, _seconds(response.headers.get("retry-after"))))
                    continue
                if response.status_code != 200:
                    raise ImageUnavailable(f"HTTP {response.status_code}")
                body = bytearray()
                for chunk in response.iter_bytes():
                    body += chunk
                    if len(body) > MAX_BYTES:
                        raise ImageUnavailable(f"larger than {MAX_BYTES // 2**20} MiB")
                return bytes(body)
        except httpx.TransportError as error:
            problem = f"{type(error).__name__}: {error}"
    answered = problem.startswith("HTTP ")
    raise ImageUnavailable(f"{problem} after {ATTEMPTS} attempts", no_server=not answered)


def _seconds(retry_after: str | None) -> float:
    try:
        return float(retry_after or 0)
    except ValueError:  # an HTTP date: the exponential delay will do
        return 0.0


class _Reachability:
    """Whether any image host answers: after FAIL_FAST downloads in a row that reached no server
    and none that did, the rest are not tried (no network costs seconds per image, not minutes)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.unreached = 0
        self.answered = False
        self.problem: str | None = None

    def note(self, error: ImageUnavailable | None) -> None:
        with self._lock:
            if error is None or not error.no_server:
                self.answered = True
            else:
                self.unreached += 1
                self.problem = str(error)

    @property
    def given_up(self) -> bool:
        return not self.answered and self.unreached >= FAIL_FAST


def _download(
    client: httpx.Client, source: ImageSource, cache: _Cache, mirror: str | None, reach: _Reachability
) -> ImageFile:
    url = mirrored(source.url, mirror)
    if reach.given_up:
        return _missing(source, f"not tried: {reach.unreached} downloads reached no server ({reach.problem})")
    try:
        body = _get(client, url)
    except ImageUnavailable as error:
        reach.note(error)
        return _missing(source, f"download failed from {url}: {error}")
    reach.note(None)
    with partial_file(cache.folder, source.image_id) as (partial, handle):
        with os.fdopen(handle, "wb") as out:
            out.write(body)
        if check_image(partial) != OK:
            return _missing(source, f"{url} did not give a decodable image ({len(body)} bytes)")
        with Image.open(partial) as image:
            extension = EXTENSIONS.get(image.format or "", f".{(image.format or 'img').lower()}")
        path = cache.folder / f"{source.image_id}{extension}"
        partial.replace(path)
    sha256 = hashlib.sha256(body).hexdigest()
    cache.record(source, path, len(body), sha256)
    return _found(source, path, "download", len(body), sha256)


def fetch_images(
    sources: Sequence[ImageSource],
    local_folder: Path | None = None,
    download: bool = True,
    cache_dir: Path | None = None,
    workers: int = 8,
) -> dict[str, ImageFile]:
    """{image_id: ImageFile} for every source, from the MSTS copy, the cache or the network."""
    cache_dir = cache_dir or default_cache_dir()
    mirror = os.environ.get(MIRROR_VARIABLE, "").strip() or None
    cache_dir.mkdir(parents=True, exist_ok=True)
    with FileLock(cache_dir / ".lock"):  # one process downloads; the others then find the files
        cache = _Cache(cache_dir)
        found: dict[str, ImageFile] = {}
        wanted = []
        for source in sources:
            hit = _local(source, local_folder) or cache.lookup(source)
            if hit is not None:
                found[source.image_id] = hit
            elif download:
                wanted.append(source)
            else:
                found[source.image_id] = _missing(
                    source, "not in the MSTS copy or the cache, and downloads are off"
                )
        if wanted:
            timeout = httpx.Timeout(60.0, connect=15.0)
            headers = {"User-Agent": USER_AGENT}
            with (
                httpx.Client(follow_redirects=True, timeout=timeout, headers=headers) as client,
                ThreadPoolExecutor(max_workers=workers, thread_name_prefix="msts-image") as pool,
            ):
                fetch = partial(_download, client, cache=cache, mirror=mirror, reach=_Reachability())
                for image in pool.map(fetch, wanted):
                    found[image.image_id] = image
    return {source.image_id: found[source.image_id] for source in sources}
