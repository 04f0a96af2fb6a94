"""The installed versions that a number depends on, and how they differ from the lock.

The lock (`constraints/ci.txt`, shipped in the wheel as `vlsbench_task/constraints/ci.txt`) is the
exact set of versions CI passed with: `pip install . -c constraints/ci.txt` reproduces it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

# Recorded in every task's results metadata, so a number can be traced to its environment.
KEY_PACKAGES = ("vlsbench-task", "lmms-eval", "torch", "transformers", "openai", "datasets")
_LOCKED = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;#]+)")


def canonical(name: str) -> str:
    """A distribution name as pip compares them (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def installed(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def versions(names: tuple[str, ...] = KEY_PACKAGES) -> dict[str, str | None]:
    return {name: installed(name) for name in names}


def lock_file() -> Path | None:
    """The lock inside the installed package (wheel), else beside it in a source checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "constraints" / "ci.txt", here.parent / "constraints" / "ci.txt"):
        if candidate.is_file():
            return candidate
    return None


def read_lock(path: Path) -> dict[str, str]:
    """{canonical name: version} of a constraints file's `name==version` lines."""
    pins = {}
    for line in path.read_text().splitlines():
        match = _LOCKED.match(line.strip())
        if match:
            pins[canonical(match.group(1))] = match.group(2)
    return pins


@dataclass(frozen=True)
class Drift:
    name: str
    locked: str
    installed: str

    def __str__(self) -> str:
        return f"{self.name} {self.locked} (locked) -> {self.installed}"


def drift(lock: dict[str, str]) -> list[Drift]:
    """The installed packages whose version differs from the lock, by name. (A plain install lacks
    the test extra's packages: those are not drift.)"""
    found = {canonical(d.metadata["Name"]): d.version for d in metadata.distributions() if d.metadata["Name"]}
    return [
        Drift(name, version, found[name])
        for name, version in sorted(lock.items())
        if name in found and found[name] != version
    ]
