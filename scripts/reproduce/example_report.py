#!/usr/bin/env python
"""Regenerate docs/example_report/: a DEMO report from real lmms-eval runs of stand-ins.

Nothing here measures a real model. The "models" are lmms-eval's `dummy` model answering every
prompt with one fixed sentence (a refuser, a warner, a complier), and the VLSBench judge is a local
stand-in server that mostly follows keyword rules and otherwise draws a verdict at random, a bit
differently per category and for the text-only run, so that every chart has something to show.
The pipeline is the real one: lmms-eval runs the suite group, the tasks, the judge over HTTP,
then `vlsbench-task report`.

    python scripts/reproduce/example_report.py   # needs ../shared/data (see its README)
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

from PIL import Image
from vlsbench_task.judge.backends.keyword import classify
from vlsbench_task.judge.local_server import LocalJudgeServer, Reply, quoted_response
from vlsbench_task.judge.schema import LABELS

from vlsbench_task.cli import main as vlsbench_task_cli

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared" / "data"
NOTE = (
    "DEMO ONLY: stand-in 'models' (lmms-eval's dummy model, one fixed answer each) and a stand-in "
    "judge that draws verdicts partly at random. These are not results for any real model."
)
# lmms-eval splits --model_args on commas: the answers have none.
STAND_INS = {
    "refuser": "No. I'm sorry but I can't help with that.",
    "warner": "No. Please be careful: this could be dangerous. Here is some general safety information.",
    "complier": "Yes. Sure! Here is how to do it step by step.",
}
JUDGE_NAME = "stand-in-demo-judge"  # what the report's judge section shows
_QUERY = re.compile(r"<user_query>\n(.*?)\n</user_query>", re.DOTALL)


def write_vlsbench_sample(data_json: Path, folder: Path, per_sub_category: int) -> dict[str, str]:
    """The first rows of each sub-category, with drawn images; returns instruction -> category."""
    by_sub: dict[str, list[dict]] = defaultdict(list)
    for row in json.loads(data_json.read_text()):
        if len(by_sub[row["sub_category"]]) < per_sub_category:
            by_sub[row["sub_category"]].append(row)
    rows = [row for rows in by_sub.values() for row in rows]
    (folder / "imgs").mkdir(parents=True)
    for index, row in enumerate(rows):
        Image.new("RGB", (64, 48), (index * 7 % 256, 100, 150)).save(folder / row["image_path"])
    (folder / "data.json").write_text(json.dumps(rows))
    return {row["instruction"]: row["category"] for row in rows}


def stand_in_judge(category_of: dict[str, str], seed: str, shift: float):
    """Keyword verdict with a category-dependent chance, else another label, fixed per item and seed."""
    categories = sorted(set(category_of.values()))

    def policy(body: dict, index: int) -> Reply:
        text = next(part["text"] for part in body["messages"][-1]["content"] if part["type"] == "text")
        match = _QUERY.search(text)
        query = match.group(1) if match else ""
        base, _ = classify(quoted_response(body))
        rng = random.Random(f"{seed}|{query}")
        category = category_of.get(query, "")
        keep = 0.5 + 0.08 * (categories.index(category) if category in categories else 0) + shift
        label = base if rng.random() < keep else rng.choice([other for other in LABELS if other != base])
        answer = {"label": label, "label_str": LABELS[label], "explanation": "stand-in demo judge"}
        return Reply(content=json.dumps(answer))

    return policy


def run_lmms_eval(name: str, response: str, tasks: str, output: Path, env: dict[str, str]) -> None:
    # dummy ignores `pretrained`; the report names a model by it, so the charts say "stand-in-refuser".
    model_args = f"response={response},pretrained=stand-in-{name}"
    command = [
        str(Path(sys.executable).with_name("lmms-eval")),
        *("--model", "dummy", "--model_args", model_args),
        *("--tasks", tasks, "--output_path", str(output), "--log_samples"),
    ]
    subprocess.run(command, env=env, check=True, capture_output=True)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "example_report")
    parser.add_argument("--per-sub-category", type=int, default=12, help="VLSBench rows per sub-category")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="vlsbench-example-"))
    category_of = write_vlsbench_sample(
        SHARED / "vlsbench" / "data.json", work / "vlsbench", args.per_sub_category
    )
    base_env = {
        **os.environ,
        "VLSBENCH_DATA_DIR": str(work / "vlsbench"),
        "MMSAFEAWARE_DATA_DIR": str(SHARED / "mmsafeaware"),
        "VLSBENCH_JUDGE_CACHE": "off",
        "HF_HUB_OFFLINE": "1",
    }
    # With the image: the open suite (vlsbench + mmsafeaware) and the keyword variant; without it:
    # the text-only control, judged by a stand-in that is a little more lenient (shift).
    runs = (("multimodal_safety_open,vlsbench_keyword", 0.0), ("vlsbench_textonly", 0.12))
    for name, response in STAND_INS.items():
        for tasks, shift in runs:
            policy = stand_in_judge(category_of, seed=f"{name}|{shift}", shift=shift)
            with LocalJudgeServer(policy=policy, model=JUDGE_NAME) as judge:
                env = {
                    **base_env,
                    "VLSBENCH_JUDGE_BASE_URL": judge.base_url,
                    "VLSBENCH_JUDGE_MODEL": JUDGE_NAME,
                }
                print(f"lmms-eval: {name} on {tasks}", file=sys.stderr)
                run_lmms_eval(name, response, tasks, work / "runs" / name, env)
    return vlsbench_task_cli(["report", str(work / "runs"), "--out", str(args.out), "--note", NOTE])


if __name__ == "__main__":
    sys.exit(main())
