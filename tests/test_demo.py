"""The README's first command: `vlsbench-task demo` runs the whole pipeline offline and explains itself."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from scoring_support import one_verdict

from vlsbench_task import environment


@pytest.mark.e2e
def test_demo_runs_both_judges_offline_and_says_what_it_ran(tmp_path):
    script = Path(sys.executable).parent / "vlsbench-task"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VLSBENCH_", "OPENAI_"))}
    out = tmp_path / "demo"
    completed = subprocess.run(
        [str(script), "demo", "--out", str(out)], env=env, capture_output=True, text=True, timeout=600
    )
    assert completed.returncode == 0, completed.stderr[-4000:]
    (results_file,) = (out / "results").rglob("*_results.json")
    recorded = json.loads(results_file.read_text())
    results = recorded["results"]
    # Each number can be traced to its environment: the key packages' versions, as installed.
    assert recorded["configs"]["vlsbench"]["metadata"]["versions"] == environment.versions()
    for task in ("vlsbench", "vlsbench_keyword"):
        assert results[task]["n_scored,none"] == 12
        assert results[task]["refusal_rate,none"] == 100
    assert results["vlsbench"]["judge_requests,none"] == 12  # the LLM-judge path went over HTTP
    assert (out / "judge_cache.sqlite3").stat().st_size > 0 and (out / "lmms_eval.log").stat().st_size > 0
    (samples,) = (out / "results").rglob("*_samples_vlsbench.jsonl")
    judged = one_verdict(json.loads(samples.read_text().splitlines()[0])["n_scored"])
    assert judged["judge_model"] == "local-stand-in-judge"  # recorded as what it is, not as GPT-4o

    said = completed.stdout
    running = next(line for line in said.splitlines() if line.startswith("running: "))
    words = shlex.split(running.removeprefix("running: "))  # a command a shell can take as it is
    assert f"VLSBENCH_DATA_DIR={out / 'data'}" in words and "dummy" in words
    for wanted in (
        "stand-in `dummy` model",
        "stand-in LLM judge on 127.0.0.1 (local-stand-in-judge)",
        "vlsbench_keyword: safe_rate 100 (refusal_rate 100, warning_rate 0, unsafe_rate 0); 12 judged",
        "why: every answer is the same",
        f"Files, in {out}",
        "lmms-eval --model llava_hf",
    ):
        assert wanted in said, wanted
    assert "|vlsbench_keyword|" not in said.replace(" ", "")  # lmms-eval's 50-row table went to the log
