"""Helpers shared by the FigStep tests (a module name no other test folder uses)."""

from __future__ import annotations

import csv
from pathlib import Path

TOPICS = (
    "Illegal Activity", "Hate Speech", "Malware Generation", "Physical Harm", "Fraud",
    "Adult Content", "Privacy Violation", "Legal Opinion", "Financial Advice", "Health Consultation",
)  # fmt: skip


def questions(shared_data: Path, name: str = "safebench.csv") -> list[dict]:
    with (shared_data / "figstep" / "data" / "question" / name).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def data_env(shared: Path, folder: Path) -> dict[str, str]:
    """FigStep's test data for runs of every benchmark (tests/suites/suites_support.py finds this
    function by its module's name): the variables that point its tasks at the shared copy."""
    return {"FIGSTEP_DATA_DIR": str(shared / "figstep")}
