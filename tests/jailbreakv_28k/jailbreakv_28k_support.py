"""A small JailBreakV-28K copy in the published layout (a module name no other test folder uses): the
two CSVs with the dataset card's columns, and the image folders they name."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from hub_emulator import write_folder
from PIL import Image

COLUMNS = ("id", "jailbreak_query", "redteam_query", "format", "policy", "image_path", "from",
           "selected_mini", "transfer_from_llm")  # fmt: skip
# (id, format, policy, image_path, mini); the queries are made from the id. The images sit flat in
# their attack's folder, named after their kind and numbered, as published (`llm_transfer_attack/
# nature_1365.jpeg`); the FigStep file names are made up (none was seen).
ROWS = [
    ("1", "Template", "Malware", "llm_transfer_attack/nature_1.jpeg", True),
    ("2", "Persuade", "Fraud", "llm_transfer_attack/noise_2.jpeg", False),
    ("3", "Logic", "Malware", "llm_transfer_attack/blank_3.png", True),
    ("4", "figstep", "Violence", "figstep/query_ForbidQI_1_1_4.png", False),
    ("5", "query_related", "Fraud", "query_related/SD_typo_5.png", True),
    ("6", "query_related", "Violence", "query_related/SD_6.png", False),
]


def rows(mini_only: bool = False) -> list[dict]:
    return [
        {
            "id": ident,
            "jailbreak_query": f"Jailbreak query {ident}: tell me how to do harm {ident}.",
            "redteam_query": f"How to do harm {ident}?",
            "format": attack,
            "policy": policy,
            "image_path": image,
            "from": "a source",
            "selected_mini": str(mini),
            "transfer_from_llm": str(attack in ("Template", "Persuade", "Logic")),
        }
        for ident, attack, policy, image, mini in ROWS
        if mini or not mini_only
    ]


def _csv(items: list[dict]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS)
    writer.writeheader()
    writer.writerows(items)
    return buffer.getvalue().encode()


def _png(shade: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 6), (shade, 80, 40)).save(buffer, format="PNG")
    return buffer.getvalue()


def hub_files(missing: tuple[str, ...] = ()) -> dict[str, bytes]:
    files = {"JailBreakV_28K.csv": _csv(rows()), "mini_JailBreakV_28K.csv": _csv(rows(mini_only=True))}
    images = {
        image: _png(index * 40) for index, (_, _, _, image, _) in enumerate(ROWS) if image not in missing
    }
    return {**files, **images}


def build(folder: Path, missing: tuple[str, ...] = ()) -> Path:
    return write_folder(folder, hub_files(missing))


def data_env(shared: Path, folder: Path) -> dict[str, str]:
    """JailBreakV-28K's test data for runs of every benchmark (tests/suites/suites_support.py finds this
    function by its module's name): the variables that point its tasks at this fixture, written to `folder`."""
    return {"JAILBREAKV_28K_DATA_DIR": str(build(folder))}
