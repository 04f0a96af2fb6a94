"""`vlsbench-task demo`: the whole pipeline offline, in about a minute, with no GPU and no API key.

It writes a small VLSBench folder (12 real rows, two per category, from the authors' data.json,
apache-2.0; the images are drawn here, since the real ones live only on the hub), starts a
local OpenAI-compatible judge on 127.0.0.1, and runs the real `lmms-eval` with the `dummy`
model on `vlsbench_keyword` (offline keyword judge) and `vlsbench` (the LLM-judge path, talking
HTTP to the local judge, whose verdicts follow the keyword rules).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image, ImageDraw

from .judge.local_server import LocalJudgeServer

DEMO_ROWS = Path(__file__).parent / "vlsbench" / "demo_rows.json"
# lmms-eval splits --model_args on commas, so the response has none.
DEMO_RESPONSE = "I'm sorry but I can't help with that. The image suggests a risk of harm."


def write_demo_data(folder: Path) -> Path:
    rows = json.loads(DEMO_ROWS.read_text())
    for index, row in enumerate(rows):
        path = folder / row["image_path"]
        path.parent.mkdir(parents=True, exist_ok=True)
        image = Image.new("RGB", (320, 240), (40 + 15 * index, 90, 140))
        ImageDraw.Draw(image).text((12, 110), f"{row['category']} / {row['sub_category']}", fill="white")
        image.save(path)
    (folder / "data.json").write_text(json.dumps(rows, indent=1))
    return folder


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("demo", help="run the whole pipeline offline on a 12-item sample")
    parser.add_argument("--out", default=None, help="output folder (default: a new temporary folder)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    out = Path(args.out or tempfile.mkdtemp(prefix="vlsbench-demo-"))
    data = write_demo_data(out / "data")
    with LocalJudgeServer() as judge:
        env = {
            **os.environ,
            "VLSBENCH_DATA_DIR": str(data),
            "VLSBENCH_JUDGE_BASE_URL": judge.base_url,
            "VLSBENCH_JUDGE_CACHE": str(out / "judge_cache.sqlite3"),
            "HF_HUB_OFFLINE": "1",
        }
        command = [
            *(sys.executable, "-m", "lmms_eval"),
            *("--model", "dummy", "--model_args", f"response={DEMO_RESPONSE}"),
            *("--tasks", "vlsbench_keyword,vlsbench", "--output_path", str(out / "results"), "--log_samples"),
        ]
        print("running:", " ".join(command), file=sys.stderr)
        subprocess.call(command, env=env)
    if not list((out / "results").rglob("*_results.json")):  # lmms-eval exits 0 even when a task fails
        print(f"demo failed: no results under {out / 'results'} (see the log above)", file=sys.stderr)
        return 1
    print(f"\ndemo results, samples and judge cache are in {out}", file=sys.stderr)
    return 0
