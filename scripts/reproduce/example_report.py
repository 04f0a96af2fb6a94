#!/usr/bin/env python
"""Regenerate docs/example_report/: a DEMO report from real lmms-eval runs of stand-ins, on every benchmark.

Nothing here measures a real model. The "models" are lmms-eval's `dummy` model answering every
prompt with one fixed sentence (a refuser, a warner, a complier). The judge of the judged tasks is a
local stand-in server on 127.0.0.1: each rubric's offline rule where it has one, else the rubric's
first allowed answer (tests/suites/suites_support.py), and then, so that the charts have something
to show, a verdict changed at random for some requests: 15 % with the image, 30 % for the
text-only controls (drawn from the request, item and answer, so the report comes out the same each
time). The pipeline is the
real one: lmms-eval runs `multimodal_safety_offline` (offline rules and parsers),
`multimodal_safety_open` (every benchmark with the judge over HTTP) and the two text-only controls,
then the report (`vlsbench-task report`).

Data: ../shared/data (see its README) and, where the shared copy has no images (MM-SafetyBench,
SIUO, MSSBench), each benchmark's test fixture, built as the suite tests build them.

    python scripts/reproduce/example_report.py      # about 10 minutes on 2 cores
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

from vlsbench_task.judge.local_server import LocalJudgeServer, Reply, read_request, request_text

from vlsbench_task.reports.report import Report
from vlsbench_task.reports.runs import load_models

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared" / "data"
sys.path += [str(REPO / "tests"), str(REPO / "tests" / "suites")]  # suites_support imports hub_emulator
from suites_support import data_env, every_rubric, stand_in_judge  # noqa: E402

NOTE = (
    "DEMO ONLY: stand-in 'models' (lmms-eval's dummy model, one fixed answer each) and a stand-in "
    "judge (offline rules, or a fixed answer where a rubric has none, with some verdicts changed at "
    "random). Not results for any real model."
)
# lmms-eval splits --model_args on commas: the answers have none.
STAND_INS = {
    "refuser": "No. I'm sorry but I can't help with that.",
    "warner": "No. Please be careful: this could be dangerous. Here is some general safety information.",
    "complier": "Yes. Sure! Here is how to do it step by step.",
}
JUDGE_NAME = "stand-in-demo-judge"  # what the report's judge section shows
# (tasks, share of verdicts the stand-in judge changes): with the image, then the text-only controls.
RUNS = (
    ("multimodal_safety_offline", 0.0),
    ("multimodal_safety_open", 0.15),
    ("vlsbench_textonly,figstep_textonly", 0.30),
)


def noisy_judge(rubrics: list, share: float):
    """The suite tests' stand-in judge, with `share` of its verdicts changed to another allowed label;
    which ones depends on the request (the item and the model's answer), not on chance per run."""
    plain = stand_in_judge(rubrics)

    def policy(body: dict, index: int) -> Reply:
        reply = plain(body, index)
        found = read_request(body, rubrics)
        rng = random.Random(f"{share}|{request_text(body)}")
        if found is None or reply.content is None or rng.random() >= share:
            return reply
        rubric = found[0]
        answer = json.loads(reply.content)
        properties = rubric.schema["properties"]
        others = [v for v in properties[rubric.label_field]["enum"] if v != answer[rubric.label_field]]
        # Other fixed-choice fields follow the label (VLSBench's label_str): drop them, the answer
        # model fills them in from the label. Notes of ours outside the schema (label_conflict) stay.
        answer = {
            k: v for k, v in answer.items() if k == rubric.label_field or "enum" not in properties.get(k, {})
        }
        answer[rubric.label_field] = rng.choice(others)
        try:
            return Reply(content=rubric.answer_model.model_validate(answer).model_dump_json())
        except ValueError:
            return reply

    return policy


def run_lmms_eval(name: str, response: str, tasks: str, output: Path, env: dict[str, str]) -> None:
    # dummy ignores `pretrained`; the report names a model by it, so the charts say "stand-in-refuser".
    model_args = f"response={response},pretrained=stand-in-{name}"
    command = [
        str(Path(sys.executable).with_name("lmms-eval")),
        *("--model", "dummy", "--model_args", model_args),
        *("--tasks", tasks, "--output_path", str(output), "--log_samples"),
    ]
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0 or not list(output.rglob("*_results.json")):
        raise SystemExit(f"lmms-eval failed for {name} on {tasks}:\n{(done.stdout + done.stderr)[-4000:]}")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "example_report")
    parser.add_argument(
        "--runs", type=Path, help="keep the lmms-eval outputs here (default: a temporary folder)"
    )
    args = parser.parse_args()
    rubrics = every_rubric()
    with tempfile.TemporaryDirectory(prefix="vlsbench-example-") as temporary, ExitStack() as servers:
        work = Path(temporary)
        runs = args.runs or work / "runs"
        base_env = {
            **os.environ,
            **data_env(SHARED, work / "data"),
            "VLSBENCH_TASK_JUDGE_CACHE": "off",
            "VLSBENCH_TASK_JUDGE_MODEL": JUDGE_NAME,
            "HF_HUB_OFFLINE": "1",
            "HF_DATASETS_OFFLINE": "1",
        }
        # One judge per share, for every model: the report then shows one judge per task.
        judges = {
            share: servers.enter_context(
                LocalJudgeServer(policy=noisy_judge(rubrics, share), model=JUDGE_NAME)
            )
            for share in dict.fromkeys(share for _, share in RUNS)
        }
        for name, response in STAND_INS.items():
            for tasks, share in RUNS:
                env = {**base_env, "VLSBENCH_TASK_JUDGE_BASE_URL": judges[share].base_url}
                print(f"lmms-eval: {name} on {tasks}", file=sys.stderr, flush=True)
                run_lmms_eval(name, response, tasks, runs / name, env)
        args.out.mkdir(parents=True, exist_ok=True)
        for old in [*args.out.glob("*.png"), args.out / "report.md"]:
            old.unlink(missing_ok=True)  # charts of sections that no longer exist must not linger
        report = Report(load_models([runs]), args.out, NOTE)
        path = report.write()
        text = path.read_text(encoding="utf-8")
        if any(str(folder) in text for folder in (work, runs, SHARED)):
            raise SystemExit(f"{path} names a local path; it must not")
    print(f"wrote {path} and {len(report.charts)} chart(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
