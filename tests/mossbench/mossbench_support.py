"""Helpers shared by the MOSSBench tests (a module name no other test folder uses)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from vlsbench_task.benchmarks.mossbench.dataset import SETS

# The shared copy's data.js files that hold responses (Reka's is empty upstream too).
PUBLISHED_MODELS = ("Claude 3 Haiku", "GPT-4V", "GPT-4o", "Gemini-Pro 1.5")
# Pids of the benign and contrast items whose image the shared copy lacks (its README).
MISSING_BENIGN = ("21", "72", "186", "191", "192", "203", "208", "218", "234", "245", "247")
MISSING_CONTRAST = ("21", "72", "191", "203", "208", "218", "234", "245", "247")


def published_responses(shared_data: Path, model: str) -> dict[str, str | None]:
    """The authors' published responses of `model` by pid, from `cache['<model>'] = {pid: {"response": ...}}`."""
    text = (shared_data / "mossbench" / "data" / "results" / model / "data.js").read_text(encoding="utf-8")
    prefix = f"cache['{model}'] = "
    assert text.startswith(prefix), text[:80]
    return {pid: item["response"] for pid, item in json.loads(text[len(prefix) :]).items()}


def item_lists_only(shared_data: Path, folder: Path) -> Path:
    """A MOSSBench copy with the real information.json files and empty image folders."""
    for set_folder, _, _ in SETS.values():
        info = Path(set_folder) / "images_information" / "information.json"
        (folder / info).parent.mkdir(parents=True)
        (folder / set_folder / "images").mkdir()
        shutil.copyfile(shared_data / "mossbench" / info, folder / info)
    return folder


def data_env(shared: Path, folder: Path) -> dict[str, str]:
    """MOSSBench's test data for runs of every benchmark (tests/suites/suites_support.py finds this
    function by its module's name): the variables that point its tasks at the shared copy."""
    return {"MOSSBENCH_DATA_DIR": str(shared / "mossbench")}
