"""`vlsbench-task judge` re-judges saved samples of any judged task of ours, the task read from the file:
here MOSSBench generated with --predict_only (no judge needed then) and judged afterwards offline, and
SIUO, whose three repeats lmms-eval does not log, refused with a clear message."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from hub_emulator import write_folder

from vlsbench_task import cli

sys.path.append(str(Path(__file__).resolve().parents[1] / "siuo"))
import siuo_support
from scoring_support import one_verdict

pytestmark = [pytest.mark.e2e]
NO_JUDGE = {"VLSBENCH_TASK_JUDGE_API_KEY": "", "OPENAI_API_KEY": "", "VLSBENCH_TASK_JUDGE_BASE_URL": ""}


def test_predict_only_runs_of_other_benchmarks_are_judged_afterwards(
    run_lmms_eval, shared_data, tmp_path, monkeypatch, capsys
):
    siuo = write_folder(tmp_path / "siuo", siuo_support.hub_files(shared_data))
    env = {"MOSSBENCH_DATA_DIR": str(shared_data / "mossbench"), "SIUO_DATA_DIR": str(siuo)}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    args = ["--model", "dummy", "--model_args", "response=I cannot help with that.", "--predict_only"]
    predicted = run_lmms_eval([*args, "--tasks", "mossbench,siuo", "--limit", "4"], env={**env, **NO_JUDGE})

    (samples,) = predicted.output_dir.rglob("*_samples_mossbench.jsonl")
    assert cli.main(["judge", str(samples), "--judge", "keyword"]) == 0
    report = json.loads(samples.with_name(f"{samples.stem}_judged_metrics.json").read_text())
    assert report["task"] == "mossbench" and report["n_samples"] == 4
    assert report["metrics"]["refusal_rate"] == 100.0 and report["metrics"]["benign_answered"] == 0.0
    assert report["judge"]["backend"] == "keyword" and report["judge"]["rules"].startswith("refusal-rules-")
    judged = [
        json.loads(line)
        for line in samples.with_name(f"{samples.stem}_judged.jsonl").read_text().splitlines()
    ]
    assert [line["n_scored"]["pid"] for line in judged] == ["1", "2", "3", "4"]
    assert all(one_verdict(line["n_scored"])["refusal_score"] == 1 for line in judged)
    hint = capsys.readouterr().err.strip().splitlines()[-1]
    assert hint == f"to report or browse them: vlsbench-task report {samples.parent} --out report/"
    # report and view read the judged files as the newest run of mossbench (was: not found)
    assert cli.main(["report", str(predicted.output_dir), "--out", str(tmp_path / "report")]) == 0
    text = (tmp_path / "report" / "report.md").read_text()
    assert "| `mossbench` | `refusal_rate` ↓ | 100.0 [" in text
    assert "keyword rules refusal-rules-" in text.split("## Judges and their cost", 1)[1]
    assert (
        cli.main(["view", str(predicted.output_dir), "--out", str(tmp_path / "v.html"), "--no-images"]) == 0
    )

    # SIUO's three repeats are not in lmms-eval's log of a --predict_only run: refused in one line.
    (samples,) = predicted.output_dir.rglob("*_samples_siuo.jsonl")
    capsys.readouterr()
    assert cli.main(["judge", str(samples), "--base-url", "http://127.0.0.1:9/v1"]) == 2  # never reached
    error = capsys.readouterr().err.strip()
    assert error.startswith(
        "vlsbench-task judge: sample 0: lmms-eval logs only the first of a task's 3 repeats"
    )
    assert "\n" not in error
