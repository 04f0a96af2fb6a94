"""MMSafeAware's test data for runs of every benchmark (a module name no other test folder uses)."""

from __future__ import annotations

from pathlib import Path


def data_env(shared: Path, folder: Path) -> dict[str, str]:
    """MMSafeAware's test data for runs of every benchmark (tests/suites/suites_support.py finds this
    function by its module's name): the shared copy, which has its images."""
    return {"MMSAFEAWARE_DATA_DIR": str(shared / "mmsafeaware")}
