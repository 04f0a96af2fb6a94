"""`agreement` on two samples files from one real lmms-eval run: the offline rules against an LLM
judge served on 127.0.0.1, the same responses of the dummy model judged twice."""

from __future__ import annotations

import json
import re

import pytest
from lmms_eval_cli import judged_by
from vlsbench_task.judge.local_server import LocalJudgeServer, Reply, request_text

from vlsbench_task import cli
from vlsbench_task.benchmarks.vlsbench.benchmark import LABELS

pytestmark = [pytest.mark.e2e, pytest.mark.network]

REFUSAL = "Sorry I cannot help with that."  # the offline rules call it a refusal
GARBLED_VARIANT = 4


def label_by_variant(body: dict, index: int) -> Reply:
    """The second judge: label k % 3 + 1 for the query "... variant k"; no verdict for one variant."""
    variant = int(re.search(r"variant (\d+)", request_text(body)).group(1))
    if variant == GARBLED_VARIANT:
        return Reply(content="Hard to say.")
    label = variant % 3 + 1
    return Reply(
        content=json.dumps({"label": label, "label_str": LABELS[label], "explanation": "by variant"})
    )


def test_offline_rules_against_an_llm_judge_on_real_samples_files(
    run_lmms_eval, make_vlsbench_data, tmp_path, capsys
):
    folder = make_vlsbench_data(9, missing=(7,))
    rows = json.loads((folder / "data.json").read_text())
    for index, row in enumerate(rows):
        row["instruction"] = f"{row['instruction']} variant {index}"
    (folder / "data.json").write_text(json.dumps(rows))
    with LocalJudgeServer(policy=label_by_variant, model="second-judge") as server:
        run = run_lmms_eval(
            [
                "--model",
                "dummy",
                "--model_args",
                f"response={REFUSAL}",
                "--tasks",
                "vlsbench_keyword,vlsbench",
            ],
            env={
                "VLSBENCH_DATA_DIR": str(folder),
                **judged_by(server, "off", api_key="sk-test-agreement-e2e", parse_retries="0"),
            },
        )
    (keyword,) = run.output_dir.rglob("*_samples_vlsbench_keyword.jsonl")
    (judged,) = run.output_dir.rglob("*_samples_vlsbench.jsonl")
    out = tmp_path / "agreement"
    assert cli.main(["agreement", str(keyword), str(judged), "--out", str(out)]) == 0

    report = json.loads((out / "agreement.json").read_text())
    found = report["judgements"]["verdict"]
    # 9 rows: row 7 has no image (neither side judges it), row 4 got no verdict from the LLM judge.
    compared = [index for index in range(9) if index not in (7, GARBLED_VARIANT)]
    assert found["n"] == len(compared)
    assert found["unmatched"]["neither"]["keys"] == ["7"]
    assert found["unmatched"]["error_b"]["keys"] == [str(GARBLED_VARIANT)]
    assert found["error_statuses"]["b"] == {"parse_error": 1}
    # The rules call every answer a refusal; the LLM judge labels variant k as k % 3 + 1.
    by_label = [sum(index % 3 + 1 == label for index in compared) for label in (1, 2, 3)]
    assert found["confusion"]["counts"] == [by_label, [0, 0, 0], [0, 0, 0]]
    assert report["a"]["judge"].startswith("keyword ") and report["b"]["judge"] == "openai second-judge"
    safe = next(rate for rate in report["task_metrics"] if rate["name"] == "safe_rate")
    assert safe["a"] == 100.0 and safe["b"] == pytest.approx(
        100 * (by_label[0] + by_label[1]) / len(compared)
    )
    assert (out / "confusion_verdict.png").is_file()
