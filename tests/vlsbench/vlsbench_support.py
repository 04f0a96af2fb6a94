"""VLSBench's test data for runs of every benchmark (a module name no other test folder uses)."""

from __future__ import annotations

import json
from pathlib import Path

from PIL import Image


def vlsbench_folder(rows: list[dict], folder: Path) -> Path:
    """Every given row of data.json with a drawn image (1,957 images serve the 2,241 real rows)."""
    (folder / "imgs").mkdir(parents=True)
    for path in sorted({row["image_path"] for row in rows}):
        Image.new("RGB", (8, 6), (len(path) * 9 % 256, 90, 140)).save(folder / path)
    (folder / "data.json").write_text(json.dumps(rows))
    return folder


def data_env(shared: Path, folder: Path) -> dict[str, str]:
    """VLSBench's test data for runs of every benchmark (tests/suites/suites_support.py finds this
    function by its module's name): the real rows of the shared copy, with drawn images, in `folder`."""
    rows = json.loads((shared / "vlsbench" / "data.json").read_text())
    return {"VLSBENCH_DATA_DIR": str(vlsbench_folder(rows, folder))}
