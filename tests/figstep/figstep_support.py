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
