"""VLGuard helpfulness' test data for runs of every benchmark (a module name no other test folder uses)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.append(str(Path(__file__).resolve().parents[1] / "vlguard"))
import vlguard_support


def data_env(shared: Path, folder: Path) -> dict[str, str]:
    """VLGuard helpfulness' test data for runs of every benchmark (tests/suites/suites_support.py finds
    this function by its module's name): VLGuard's fixture, whose files it reads, written to `folder`."""
    return {"VLGUARD_HELPFULNESS_DATA_DIR": str(vlguard_support.build(folder))}
