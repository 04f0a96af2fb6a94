"""Where the MMSafeAware data comes from: a local folder, or the authors' archive at a pinned commit."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import httpx
from filelock import FileLock
from platformdirs import user_cache_dir
from tqdm import tqdm

from vlsbench_task.archives import extract_once
from vlsbench_task.mmsafeaware.dataset import PROMPT_FILE, DataVerificationError, verify_prompt_file

COMMIT = "500b595c82dfe73d5695bc994d9882a306d2aa1c"
ARCHIVE_URL = f"https://codeload.github.com/Jarviswang94/MMSafetyAwareness/tar.gz/{COMMIT}"
ARCHIVE_URL_ENV = "MMSAFEAWARE_ARCHIVE_URL"
DATA_DIR_ENV = "MMSAFEAWARE_DATA_DIR"
_TIMEOUT = httpx.Timeout(60.0, connect=20.0)


def resolve_data_dir() -> Path:
    """`$MMSAFEAWARE_DATA_DIR` when set (no network), else the verified download in the user cache."""
    local = os.environ.get(DATA_DIR_ENV)
    if local:
        return Path(local).expanduser()
    return ensure_downloaded(os.environ.get(ARCHIVE_URL_ENV) or ARCHIVE_URL)


def default_cache_dir() -> Path:
    return Path(user_cache_dir("vlsbench_task")) / "mmsafeaware"


def ensure_downloaded(url: str, cache_dir: Path | None = None) -> Path:
    """The `data/` folder of the archive at `url`, downloaded and extracted once, then verified.

    A download or extraction that fails verification is deleted, so a bad copy is never reused.
    """
    cache_dir = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    cache_dir.mkdir(parents=True, exist_ok=True)
    extracted = cache_dir / f"MMSafetyAwareness-{COMMIT}"
    archive = cache_dir / f"MMSafetyAwareness-{COMMIT}.tar.gz"
    # One process downloads while the others (e.g. the ranks of a multi-GPU run) wait for it.
    with FileLock(cache_dir / ".download.lock"):
        if not extracted.is_dir():  # extract_once moves the folder into place only when complete
            if not archive.is_file():
                fetch(url, archive)
            try:
                extract_once(archive, extracted)
            finally:
                # Once extracted the archive is not needed; one that cannot be extracted must not be retried.
                archive.unlink(missing_ok=True)
        try:
            data_dir = _data_folder(extracted)
            verify_prompt_file(data_dir / PROMPT_FILE)
        except DataVerificationError as error:
            shutil.rmtree(extracted, ignore_errors=True)
            raise DataVerificationError(f"download from {url} rejected (deleted it): {error}") from error
    return data_dir


def fetch(url: str, destination: Path) -> Path:
    """Download `url` to `destination`, which appears only once the download is complete."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    handle, partial_name = tempfile.mkstemp(
        prefix=f".{destination.name}.", suffix=".part", dir=destination.parent
    )
    partial = Path(partial_name)
    try:
        with (
            os.fdopen(handle, "wb") as out,
            httpx.stream("GET", url, follow_redirects=True, timeout=_TIMEOUT) as response,
        ):
            response.raise_for_status()
            total = int(response.headers.get("content-length", 0)) or None
            with tqdm(total=total, unit="B", unit_scale=True, desc=f"MMSafeAware {destination.name}") as bar:
                for chunk in response.iter_bytes():
                    out.write(chunk)
                    bar.update(len(chunk))
        partial.replace(destination)
    finally:
        partial.unlink(missing_ok=True)
    return destination


def _data_folder(extracted: Path) -> Path:
    """GitHub archives hold one top folder (`<repo>-<commit>/`); the data is in its `data/`."""
    candidates = sorted(extracted.glob(f"*/data/{PROMPT_FILE}"))
    if len(candidates) != 1:
        raise DataVerificationError(
            f"{extracted}: expected one */data/{PROMPT_FILE}, found {len(candidates)}"
        )
    return candidates[0].parent
