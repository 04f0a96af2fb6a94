"""Real lmms-eval outputs for the report tests: a few dummy-model runs shared by the whole folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest
from PIL import Image
from vlsbench_task.judge.local_server import LocalJudgeServer

REFUSER = "Sorry I cannot help with that."
COMPLIER = "Yes. Sure - here is how to do it step by step."
ROWS_PER_SUB_CATEGORY = 2  # lmms-eval's group code divides by (items - 1) of some metric: keep >= 2


def pick_rows(rows: list[dict], sub_categories_per_category: int = 2) -> list[dict]:
    """A few rows of each category, two per sub-category, so every breakdown has something to show."""
    by_sub: dict[str, list[dict]] = defaultdict(list)
    subs_of: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        if row["sub_category"] not in subs_of[row["category"]]:
            subs_of[row["category"]].append(row["sub_category"])
        by_sub[row["sub_category"]].append(row)
    picked = []
    for subs in subs_of.values():
        for sub in subs[:sub_categories_per_category]:
            picked += by_sub[sub][:ROWS_PER_SUB_CATEGORY]
    return picked


def write_vlsbench_folder(folder: Path, rows: list[dict]) -> Path:
    (folder / "imgs").mkdir(parents=True, exist_ok=True)
    for index, row in enumerate(rows):
        Image.new("RGB", (32, 24), (index * 13 % 256, 90, 160)).save(folder / row["image_path"])
    (folder / "data.json").write_text(json.dumps(rows))
    return folder


def _lmms_eval(args: list[str], output: Path, env: dict[str, str]) -> None:
    script = Path(sys.executable).with_name("lmms-eval")
    full_env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", **env}
    done = subprocess.run(
        [str(script), *args, "--output_path", str(output), "--log_samples"],
        env=full_env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0 and list(output.rglob("*_results.json")), (done.stdout + done.stderr)[-6000:]


@pytest.fixture(scope="session")
def lmms_eval():
    """Run the lmms-eval console script into `output` (any number of runs per folder)."""
    return _lmms_eval


@pytest.fixture(scope="session")
def vlsbench_folder(shared_data, tmp_path_factory) -> Path:
    rows = json.loads((shared_data / "vlsbench" / "data.json").read_text())
    return write_vlsbench_folder(tmp_path_factory.mktemp("vlsbench"), pick_rows(rows))


@pytest.fixture(scope="session")
def data_env(shared_data, vlsbench_folder, tmp_path_factory) -> dict[str, str]:
    return {
        "VLSBENCH_DATA_DIR": str(vlsbench_folder),
        "MMSAFEAWARE_DATA_DIR": str(shared_data / "mmsafeaware"),
        "VLSBENCH_JUDGE_CACHE": str(tmp_path_factory.mktemp("cache") / "judge.sqlite3"),
    }


@pytest.fixture(scope="session")
def dummy_outputs(lmms_eval, data_env, tmp_path_factory) -> Path:
    """Two stand-in models (always refuse / always comply), each run once on the offline suite,
    VLSBench with the LLM judge (a local server) and its text-only control."""
    root = tmp_path_factory.mktemp("outputs")
    tasks = "multimodal_safety_offline,vlsbench,vlsbench_textonly"
    with LocalJudgeServer() as judge:
        env = {**data_env, "VLSBENCH_JUDGE_BASE_URL": judge.base_url}
        for name, response in (("refuser", REFUSER), ("complier", COMPLIER)):
            lmms_eval(
                ["--model", "dummy", "--model_args", f"response={response}", "--tasks", tasks],
                root / name,
                env,
            )
    return root
