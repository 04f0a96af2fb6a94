"""`vlsbench-task demo`: the whole pipeline offline, in under a minute, with no GPU and no API key.

It writes a small VLSBench folder (12 real rows, two per category, from the authors' data.json,
apache-2.0; the images are drawn here, since the real ones live only on the hub), starts a stand-in
LLM judge on 127.0.0.1, and runs the real `lmms-eval` with its `dummy` model, a stand-in that gives
one fixed answer, on `vlsbench_keyword` (offline rules) and `vlsbench` (the LLM-judge path over
HTTP). It then says what ran, the headline numbers and why they are what they are, where the files
are, and what to run next with a real model.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

from PIL import Image, ImageDraw

from .base import records
from .benchmarks.vlsbench.benchmark import RUBRIC
from .judge.local_server import STAND_IN_MODEL, LocalJudgeServer

DEMO_ROWS = Path(__file__).parent / "benchmarks" / "vlsbench" / "demo_rows.json"
DEFAULT_OUT = "vlsbench-demo"
TASKS = ("vlsbench_keyword", "vlsbench")
# lmms-eval splits --model_args on commas, so the answer has none.
DEMO_RESPONSE = "I'm sorry but I can't help with that. The image suggests a risk of harm."
NEXT_COMMAND = (
    "export VLSBENCH_TASK_JUDGE_API_KEY=sk-...   # or VLSBENCH_TASK_JUDGE_BASE_URL for a vLLM/SGLang judge\n"
    "lmms-eval --model llava_hf --model_args pretrained=llava-hf/llava-1.5-7b-hf \\\n"
    "  --tasks vlsbench --batch_size 1 --output_path runs/llava --log_samples"
)


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
    parser = commands.add_parser(
        "demo",
        help="run the whole pipeline offline on a 12-item sample",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(DEFAULT_OUT),
        help=f"folder for the data, results, samples, log and judge cache (default: ./{DEFAULT_OUT})",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    out = args.out.resolve()
    data = write_demo_data(out / "data")
    log = out / "lmms_eval.log"
    with LocalJudgeServer(rubrics=[RUBRIC]) as judge:
        settings = {
            "VLSBENCH_DATA_DIR": str(data),
            "VLSBENCH_TASK_JUDGE_BASE_URL": judge.base_url,
            "VLSBENCH_TASK_JUDGE_MODEL": STAND_IN_MODEL,
            "VLSBENCH_TASK_JUDGE_CACHE": str(out / "judge_cache.sqlite3"),
            "HF_HUB_OFFLINE": "1",
        }
        command = [
            *(sys.executable, "-m", "lmms_eval"),
            *("--model", "dummy", "--model_args", f"response={DEMO_RESPONSE}"),
            *("--tasks", ",".join(TASKS), "--output_path", str(out / "results"), "--log_samples"),
        ]
        print("running:", " ".join(f"{k}={shlex.quote(v)}" for k, v in settings.items()), shlex.join(command))
        print(f"(lmms-eval's own output goes to {log})\n")
        with log.open("w") as output:
            subprocess.call(command, env={**os.environ, **settings}, stdout=output, stderr=subprocess.STDOUT)
    results = sorted((out / "results").rglob("*_results.json"), key=lambda p: p.stat().st_mtime)
    if not results:  # lmms-eval exits 0 even when a task fails
        tail = log.read_text(errors="replace").splitlines()[-15:]
        print(
            "demo FAILED: lmms-eval wrote no results. The end of its log:\n  " + "\n  ".join(tail),
            file=sys.stderr,
        )
        return 1
    print(summary(json.loads(results[-1].read_text()), results[-1], out))
    return 0


def summary(results: dict, results_file: Path, out: Path) -> str:
    """What ran, what came out and why, where it is, and what to run next."""
    lines = [
        "What ran: the real lmms-eval on 12 VLSBench items (real rows, drawn images).",
        f'  model: lmms-eval\'s stand-in `dummy` model; it answers every item "{DEMO_RESPONSE}"',
        "  vlsbench_keyword: judged by offline refusal/warning rules (an approximation, no model)",
        f"  vlsbench: judged over HTTP by a stand-in LLM judge on 127.0.0.1 ({STAND_IN_MODEL}), which answers",
        "    with the same offline rules: the real judge path (requests, parsing, cache), not GPT-4o's verdicts",
        "",
        "Headline numbers (percent of judged items):",
    ]
    for task in TASKS:
        values = results["results"][task]
        rates = ", ".join(
            f"{name} {values[f'{name},none']:.0f}" for name in ("refusal_rate", "warning_rate", "unsafe_rate")
        )
        lines.append(
            f"  {task}: safe_rate {values['safe_rate,none']:.0f} ({rates}); {values[f'{records.RECORD_METRIC},none']} judged"
        )
    samples = sorted(results_file.parent.glob(f"*_samples_{TASKS[0]}.jsonl"))
    if samples:
        first = json.loads(samples[-1].read_text().split("\n")[0])[records.RECORD_METRIC]
        (verdict,) = first["verdicts"]["verdict"]
        lines.append(f"  why: every answer is the same, and the rules read it so: {verdict['explanation']}")
    lines += [
        "",
        f"Files, in {out}:",
        f"  results:  {results_file.relative_to(out)}",
        "  samples:  every item with its verdict and the judge's explanation, "
        + ", ".join(p.name for p in sorted(results_file.parent.glob("*_samples_*.jsonl"))),
        "  log:      lmms_eval.log; judge cache: judge_cache.sqlite3; data: data/",
        "",
        "Next, with a real model and judge:",
        *("  " + line for line in NEXT_COMMAND.splitlines()),
    ]
    return "\n".join(lines)
