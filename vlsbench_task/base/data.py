"""Where a benchmark's files come from: `<NAME>_DATA_DIR`, else a pinned Hugging Face dataset revision
or a pinned GitHub archive, downloaded once into the user cache under a lock.

Either way the benchmark's loader gets one folder in the published layout. A source that cannot be
had ends in one line (DataUnavailable) naming the benchmark, what was tried and the variable that
points at a local copy.
"""

from __future__ import annotations

import collections
import hashlib
import os
import shutil
import socket
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import platformdirs
from filelock import FileLock
from loguru import logger
from tqdm import tqdm

from .. import variables
from ..archives import extract_once
from .errors import DataError
from .files import partial_file
from .images import OK

_TIMEOUT = httpx.Timeout(60.0, connect=20.0)
LISTED_DOWNLOADS = 8  # files of an index fetched at once
MAX_DATA_ERROR_VARIABLE = variables.MAX_DATA_ERROR_RATE
MAX_DATA_ERROR_RATE = 50.0  # percent of unusable rows above which a task refuses to run


class DataUnavailable(DataError, RuntimeError):
    """The data cannot be had; the message is one line saying what to do."""


class DataVerificationError(DataError, RuntimeError):
    """The files are not what the benchmark's authors publish (or not the pinned release); the
    message says which file and what is wrong."""


class DataNotVerified(DataUnavailable):
    """Files were found, but they are not the expected data."""


def cache_root() -> Path:
    return Path(platformdirs.user_cache_dir("vlsbench_task"))


def file_tag(path: Path, length: int = 16) -> str:
    """A name for one version of a file, without reading it: its resolved path (in the HF cache, the
    blob of one file version), size and modification time."""
    resolved = Path(path).resolve()
    stat = resolved.stat()
    return hashlib.sha256(f"{resolved}|{stat.st_size}|{stat.st_mtime_ns}".encode()).hexdigest()[:length]


@dataclass(frozen=True)
class HubDataset:
    """Files of a Hugging Face dataset repository at a revision (HF cache, HF_TOKEN, HF_HUB_OFFLINE
    and HF_ENDPOINT honoured); the loader gets the snapshot folder that holds them.

    `listed_in` reads the files an index names (the first of `files`, e.g. the images of a JSON
    file); they are fetched at the commit the index resolved to, so a moving branch cannot mix two
    releases, and one the hub lacks is left for the loader to report as a missing row."""

    repo: str
    files: tuple[str, ...]
    revision: str | None = None  # a commit; None follows the default branch (say so where used)
    listed_in: Callable[[Path], list[str]] | None = None

    def describe(self, revision: str | None = None) -> str:
        return f"the Hugging Face dataset {self.repo}@{revision or self.revision or 'main'}"

    def fetch(self, name: str, revision: str | None, local_only: bool) -> tuple[Path, str]:
        from huggingface_hub import constants, hf_hub_download

        revision = revision or self.revision
        if not local_only and not constants.HF_HUB_OFFLINE and (problem := unreachable(constants.ENDPOINT)):
            # huggingface_hub would retry for ~25 s before looking in its cache: look there at once.
            try:
                return self.fetch(name, revision, local_only=True)
            except Exception:
                raise ConnectionError(problem) from None
        paths = [
            Path(
                hf_hub_download(
                    self.repo, file, repo_type="dataset", revision=revision, local_files_only=local_only
                )
            )
            for file in self.files
        ]
        # hf_hub_download returns .../snapshots/<commit>/<file>: every file lands in one snapshot folder
        snapshot = paths[0].parents[len(Path(self.files[0]).parts) - 1]
        if self.listed_in is not None:
            self._fetch_listed(self.listed_in(paths[0]), snapshot.name, local_only)
        return snapshot, f"hub:{self.repo}@{snapshot.name}"

    def _fetch_listed(self, files: list[str], commit: str, local_only: bool) -> None:
        from huggingface_hub import hf_hub_download
        from huggingface_hub.errors import EntryNotFoundError

        def fetch_one(file: str) -> str | None:
            """None once the file is in the cache (no request if it was), the file's name if absent."""
            try:
                hf_hub_download(
                    self.repo, file, repo_type="dataset", revision=commit, local_files_only=local_only,
                    tqdm_class=_Silent,
                )  # fmt: skip
            except EntryNotFoundError:  # not on the hub (404), or offline and not in the cache
                return file
            return None

        with ThreadPoolExecutor(LISTED_DOWNLOADS) as pool:
            bar = tqdm(pool.map(fetch_one, files), total=len(files), desc=f"{self.repo} files", unit="file")
            absent = [file for file in bar if file is not None]
        if absent:
            shown = ", ".join(absent[:10]) + (" ..." if len(absent) > 10 else "")
            where = "the downloaded copy of " if local_only else ""
            logger.warning(
                f"{len(absent)} of {len(files)} files are not in {where}{self.repo}@{commit}: {shown}"
            )


class _Silent(tqdm):
    """No bar per listed file: one bar counts them."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **{**kwargs, "disable": True})


@dataclass(frozen=True)
class GitHubArchive:
    """A repository at a commit, as GitHub's tar.gz archive; the loader gets its `folder`."""

    repo: str
    commit: str
    folder: str = ""  # the data folder inside the repository

    @property
    def url(self) -> str:
        return f"https://codeload.github.com/{self.repo}/tar.gz/{self.commit}"

    def describe(self, url: str | None = None) -> str:
        pinned = f"github.com/{self.repo} at commit {self.commit[:12]}"
        return f"{url} (for {pinned})" if url else pinned

    def target(self, name: str) -> Path:
        """Where the archive is extracted (deleted again when its content does not verify)."""
        return cache_root() / name / f"{self.repo.replace('/', '-')}-{self.commit}"

    def fetch(self, name: str, url: str | None, local_only: bool) -> tuple[Path, str]:
        target = self.target(name)
        if not (target / ".extracted").is_file():
            if local_only:
                raise FileNotFoundError(f"no downloaded copy in {target}")
            archive = target.with_suffix(".tar.gz")
            download(url or self.url, archive, f"{name} archive")
            try:
                extract_once(archive, target)
            finally:  # an archive that was extracted is not needed, one that failed must not be reused
                archive.unlink(missing_ok=True)
        tops = [path for path in target.iterdir() if path.is_dir()]
        if len(tops) != 1:
            raise DataVerificationError(f"{target}: expected the archive's one top folder, found {len(tops)}")
        return tops[0] / self.folder, f"github:{self.repo}@{self.commit}"


def unreachable(url: str, timeout_s: float = 5.0) -> str | None:
    """Why the server of `url` cannot be reached (name lookup or TCP connect), or None."""
    parts = httpx.URL(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        socket.create_connection((parts.host, port), timeout=timeout_s).close()
    except OSError as error:
        return f"{parts.scheme}://{parts.host} is not reachable ({error.strerror or error})"
    return None


def download(url: str, destination: Path, label: str) -> Path:
    """`url` to `destination`, which appears only once the download is complete."""
    with partial_file(destination.parent, destination.name) as (partial, handle):
        with (
            os.fdopen(handle, "wb") as out,
            httpx.stream("GET", url, follow_redirects=True, timeout=_TIMEOUT) as response,
        ):
            response.raise_for_status()
            total = int(response.headers.get("content-length", 0)) or None
            with tqdm(total=total, unit="B", unit_scale=True, desc=label) as bar:
                for chunk in response.iter_bytes():
                    out.write(chunk)
                    bar.update(len(chunk))
        partial.replace(destination)
    return destination


@dataclass(frozen=True)
class DataSpec:
    """What a benchmark declares about its data."""

    source: HubDataset | GitHubArchive
    layout: str  # what a local copy holds, for messages: "data.json and imgs/ (or imgs.tar)"
    verify: Callable[[Path], None] | None = None  # raises DataVerificationError on a wrong copy
    size: str = ""  # the download's size, for messages: "2.45 GB"
    # Whose data this is: the prefix of its variables (<KEY>_DATA_DIR) and its cache folder. Empty:
    # the benchmark's own name; a benchmark reading another's data names that one (siuo_mcqa: "siuo").
    key: str = ""


def verify_sha256(path: Path, expected: str, release: str) -> None:
    """Refuse a file that is missing or not byte-identical to the pinned `release`."""
    if not path.is_file():
        raise DataVerificationError(f"{path} is missing: not a copy of {release}")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != expected:
        raise DataVerificationError(
            f"{path}: sha256 {digest} differs from the pinned release, {release} ({expected}); "
            "the data is corrupt or from another commit"
        )


def data_dir_variable(name: str) -> str:
    return variables.of_benchmark(name, "DATA_DIR")


def locate(name: str, title: str, spec: DataSpec, allow_download: bool = True) -> tuple[Path, str]:
    """(folder in the published layout, origin) of a benchmark's data.

    `<NAME>_DATA_DIR` wins (no network). Otherwise the pinned source, fetched once under a lock so
    the ranks of a multi-process run wait for one download; `allow_download=False` only looks in the
    cache. `<NAME>_REVISION` (hub) or `<NAME>_ARCHIVE_URL` (archive) override the pinned source.
    """
    variable = data_dir_variable(name)
    local = os.environ.get(variable, "").strip()
    if local:
        folder = Path(local).expanduser()
        if not folder.is_dir():
            raise DataUnavailable(f"{title}: {variable}={local} is not a folder (expected {spec.layout})")
        _verify(spec, folder, title, f"{variable}={local}")
        return folder, f"local:{folder.resolve()}"
    override_name = "REVISION" if isinstance(spec.source, HubDataset) else "ARCHIVE_URL"
    override = os.environ.get(variables.of_benchmark(name, override_name), "").strip() or None
    what = spec.source.describe(override)
    lock_dir = cache_root()
    lock_dir.mkdir(parents=True, exist_ok=True)
    try:
        with FileLock(lock_dir / f"{name}.download.lock"):
            folder, origin = spec.source.fetch(name, override, local_only=not allow_download)
    except DataVerificationError as error:
        raise DataNotVerified(f"{title}: {what} did not verify: {error}") from None
    except Exception as error:
        tried = "looked for a downloaded copy of" if not allow_download else "could not download"
        size = f" ({spec.size})" if spec.size else ""
        raise DataUnavailable(
            f"{title}: {tried} {what}{size}: {_reason(error)}. Set {variable} to a local copy "
            f"holding {spec.layout}"
        ) from None
    discard = spec.source.target(name) if isinstance(spec.source, GitHubArchive) else None
    _verify(spec, folder, title, what, discard)
    return folder, origin


def _verify(spec: DataSpec, folder: Path, title: str, what: str, discard: Path | None = None) -> None:
    if spec.verify is None:
        return
    try:
        spec.verify(folder)
    except DataVerificationError as error:
        deleted = ""
        if discard is not None:  # a downloaded copy that is wrong is deleted, never reused
            shutil.rmtree(discard, ignore_errors=True)
            deleted = " (the downloaded copy was deleted)"
        raise DataNotVerified(f"{title}: {what} does not hold the expected data: {error}{deleted}") from None


def _reason(error: Exception) -> str:
    """The first line of an error, without the chain of causes that follows it."""
    text = str(error).strip().splitlines()
    return (text[0] if text else type(error).__name__)[:300].rstrip(".")


def max_data_error_rate() -> float:
    """VLSBENCH_TASK_MAX_DATA_ERROR_RATE, a percentage (default MAX_DATA_ERROR_RATE)."""
    value = variables.value(MAX_DATA_ERROR_VARIABLE) or ""
    try:
        rate = float(value) if value else MAX_DATA_ERROR_RATE
    except ValueError:
        rate = -1.0
    if not 0 <= rate <= 100:
        raise ValueError(f"{MAX_DATA_ERROR_VARIABLE} must be a percentage from 0 to 100, got {value!r}")
    return rate


def unusable_share_problem(
    name: str, title: str, spec: DataSpec, docs: list[dict], folder: Path
) -> str | None:
    """Why a run on `docs` should not start: more than VLSBENCH_TASK_MAX_DATA_ERROR_RATE % of them cannot be
    scored (the images were not downloaded, say), so a generation pass would be spent for nothing."""
    allowed = max_data_error_rate()
    reasons = collections.Counter(doc["data_status"] for doc in docs if doc["data_status"] != OK)
    unusable = sum(reasons.values())
    if 100 * unusable / len(docs) <= allowed:
        return None
    counts = ", ".join(f"{reason} {count}" for reason, count in reasons.most_common())
    return (
        f"{title}: {unusable} of {len(docs)} rows of {folder} cannot be used ({counts}), more than the "
        f"{allowed:g} % that {MAX_DATA_ERROR_VARIABLE} allows, so the model is not run. Check that the "
        f"folder holds {spec.layout} ({data_dir_variable(name)} points at a local copy), or set "
        f"{MAX_DATA_ERROR_VARIABLE}=100 to run anyway"
    )
