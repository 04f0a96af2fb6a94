"""Writing a file so that readers see it whole or not at all (a crash, or another rank writing the
same file at once, leaves no half-written copy under the final name)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def partial_file(folder: Path, name: str, suffix: str = ".part") -> Iterator[tuple[Path, int]]:
    """(path, open descriptor) of a fresh hidden file in `folder` named after `name`. The caller
    writes it and moves it to its final name with `path.replace(...)`; whatever is left at the end
    (a failed write, a file refused) is deleted."""
    folder.mkdir(parents=True, exist_ok=True)
    handle, name_of_partial = tempfile.mkstemp(prefix=f".{name}.", suffix=suffix, dir=folder)
    partial = Path(name_of_partial)
    try:
        yield partial, handle
    finally:
        partial.unlink(missing_ok=True)


def write_atomically(target: Path, data: bytes) -> Path:
    """`data` as `target`, which appears only once complete (an existing file is replaced)."""
    with partial_file(target.parent, target.name) as (partial, handle):
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        partial.replace(target)
    return target
