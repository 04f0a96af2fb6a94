"""Safe, once-only extraction of downloaded archives."""

from __future__ import annotations

import shutil
import tarfile
import tempfile
import zipfile
from pathlib import Path

from .base.errors import DataError

_DONE_MARKER = ".extracted"


class UnsafeArchiveError(DataError, RuntimeError):
    """An archive member would land outside the target folder, or is a link or device."""


def extract_once(archive: Path, target: Path) -> Path:
    """Extract `archive` (tar, tar.gz or zip) into `target` unless a finished extraction is there.

    Extraction goes to a temporary sibling folder that is renamed into place only when complete,
    so an interrupted run never leaves a half-extracted folder that a later run would trust.
    Members that would escape the folder (`..`, links pointing outside, devices) are refused: tar
    members through the standard `data` filter (which also strips a leading `/`, so absolute
    names land inside the folder), zip members checked here.
    """
    target = Path(target)
    if (target / _DONE_MARKER).is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        if zipfile.is_zipfile(archive):
            _extract_zip(Path(archive), staging)
        else:
            with tarfile.open(archive) as tar:
                try:
                    tar.extractall(staging, filter="data")
                except tarfile.FilterError as error:
                    raise UnsafeArchiveError(f"{archive}: refused unsafe member: {error}") from error
        (staging / _DONE_MARKER).write_text(str(archive))
        if (target / _DONE_MARKER).is_file():  # another process finished first
            return target
        if target.exists():  # a stale, unfinished extraction from an older run
            shutil.rmtree(target)
        staging.rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def _extract_zip(archive: Path, staging: Path) -> None:
    root = staging.resolve()
    with zipfile.ZipFile(archive) as zf:
        for info in zf.infolist():
            destination = (root / info.filename).resolve()
            if not destination.is_relative_to(root) or _is_zip_symlink(info):
                raise UnsafeArchiveError(f"{archive}: refused unsafe member {info.filename!r}")
        zf.extractall(root)


def _is_zip_symlink(info: zipfile.ZipInfo) -> bool:
    return (info.external_attr >> 16) & 0o170000 == 0o120000
