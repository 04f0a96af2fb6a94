"""One real lmms-eval run of VLSBench for the whole folder (audit_support.py says what it holds)."""

from __future__ import annotations

import json
from pathlib import Path

import lmms_eval_cli
import pytest
from audit_support import ITEMS, judge
from PIL import Image
from vlsbench_task.judge.local_server import LocalJudgeServer


@pytest.fixture(scope="session")
def audited_run(vlsbench_rows, tmp_path_factory) -> Path:
    """The lmms-eval output folder: the dummy model on the first ITEMS rows, each query ending in
    "variant k", judged by audit_support.judge."""
    folder = tmp_path_factory.mktemp("audit_data")
    (folder / "imgs").mkdir()
    rows = [dict(row) for row in vlsbench_rows[:ITEMS]]
    for index, row in enumerate(rows):
        row["instruction"] = f"{row['instruction']} variant {index}"
        Image.new("RGB", (40, 30), (index * 9 % 256, 120, 60)).save(folder / row["image_path"])
    (folder / "data.json").write_text(json.dumps(rows))
    out = tmp_path_factory.mktemp("audit_run") / "out"
    with LocalJudgeServer(policy=judge, model="scripted-judge") as server:
        lmms_eval_cli.run(
            ["--model", "dummy", "--model_args", "response=Here is how.", "--tasks", "vlsbench"],
            out,
            {
                "VLSBENCH_DATA_DIR": str(folder),
                "VLSBENCH_TASK_JUDGE_BASE_URL": server.base_url,
                "VLSBENCH_TASK_JUDGE_API_KEY": "sk-test-audit",
                "VLSBENCH_TASK_JUDGE_CACHE": "off",
                "NO_PROXY": "127.0.0.1",
                "no_proxy": "127.0.0.1",
            },
        )
    return out
