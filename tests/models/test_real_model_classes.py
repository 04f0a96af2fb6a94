"""Our tasks with real lmms-eval model classes, not only the `dummy` model: tiny randomly initialised
checkpoints built offline, run on the CPU through the real `lmms-eval` console script.

lmms-eval 0.7.3 prefers a model's chat class, which reads requests as messages; --force_simple picks
the simple class. Both must run every task with the same prompt, and a row whose image is unusable
must not cost the run (it is sent with a placeholder image and not scored). The llava_hf runs also
take JailBreakV-28K's and VLGuard's tasks, judged ones through a stand-in judge on 127.0.0.1.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from PIL import Image
from tiny_models import build_tiny_vlm
from vlsbench_task.judge.local_server import LocalJudgeServer

from vlsbench_task.benchmarks.jailbreakv_28k.benchmark import RUBRIC as JAILBREAKV_RUBRIC
from vlsbench_task.benchmarks.vlguard_helpfulness.benchmark import RUBRIC as WIN_RATE_RUBRIC
from vlsbench_task.benchmarks.vlsbench.benchmark import RUBRIC

sys.path.append(str(Path(__file__).resolve().parents[1] / "suites"))
import suites_support  # the benchmarks' test data, the stand-in judge

jailbreakv_support = suites_support.support_module("jailbreakv_28k")
vlguard_support = suites_support.support_module("vlguard")

pytestmark = pytest.mark.e2e

pytest.importorskip("decord", reason="lmms-eval's llava_hf and qwen2_vl import decord (test extra)")

ROWS, MISSING = 2, 1  # row 1 has no image: a data error, sent with a placeholder
TASKS = "vlsbench_keyword,mmsafeaware"
# each new task's headline; the first two are judged by the stand-in judge, the rest by offline rules
NEW_TASKS = {
    "jailbreakv_28k_mini": "attack_success_rate",
    "vlguard_safe_safes_win_rate": "win_rate",
    "jailbreakv_28k_mini_keyword": "attack_success_rate",
    "vlguard_unsafes": "attack_success_rate",
    "vlguard_safe_unsafes": "attack_success_rate",
    "vlguard_safe_safes": "answered_rate",
}


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("checkpoints")
    return {kind: build_tiny_vlm(kind, root / kind) for kind in ("llava", "qwen2vl")}


@pytest.fixture(scope="module")
def data_env(shared_data, vlsbench_rows, tmp_path_factory) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("data")
    (folder / "imgs").mkdir()
    for index, row in enumerate(vlsbench_rows[:ROWS]):
        if index != MISSING:
            Image.new("RGB", (40, 30), (60 * index, 120, 90)).save(folder / row["image_path"])
    (folder / "data.json").write_text(json.dumps(vlsbench_rows[:ROWS]))
    return {"VLSBENCH_DATA_DIR": str(folder), "MMSAFEAWARE_DATA_DIR": str(shared_data / "mmsafeaware")}


def _llava(checkpoints) -> list[str]:
    return [
        "--model",
        "llava_hf",
        "--model_args",
        f"pretrained={checkpoints['llava']},device_map=cpu,device=cpu",
    ]


def _inputs(run, task: str) -> dict[int, str]:
    return {sample["doc_id"]: sample["input"] for sample in run.samples(task)}


def _check(run, backend: str) -> dict:
    results = run.results()
    assert results["config"]["model_backend"].endswith(f"({backend})"), results["config"]["model_backend"]
    vls = results["results"]["vlsbench_keyword"]
    assert vls["n_scored,none"] == ROWS - 1 and vls["data_error_rate,none"] == 100 / ROWS
    assert results["results"]["mmsafeaware"]["n_scored,none"] == ROWS
    return results


def _check_new_tasks(run) -> None:
    """Every row of each new task answered and scored (lmms-eval exits 0 even when a task fails, so
    the results file is what tells)."""
    results = run.results()["results"]
    for task, headline in NEW_TASKS.items():
        metrics = results[task]
        assert len(run.samples(task)) == ROWS and metrics["data_error_rate,none"] == 0, task
        assert 0 <= metrics[f"{headline},none"] <= 100, (task, metrics)
        if "judge_requests,none" in metrics and not task.endswith("_keyword"):
            assert metrics["n_scored,none"] == ROWS and metrics["judge_error_rate,none"] == 0, task


def test_llava_hf_chat_and_simple_classes_run_every_task_with_the_same_prompt(
    run_lmms_eval, checkpoints, data_env, vlsbench_rows, tmp_path
):
    tasks = [*TASKS.split(","), *NEW_TASKS]
    args = [*_llava(checkpoints), "--tasks", ",".join(tasks), "--limit", str(ROWS), "--batch_size", "1"]
    env = {
        **data_env,
        "JAILBREAKV_28K_DATA_DIR": str(jailbreakv_support.build(tmp_path / "jailbreakv")),
        "VLGUARD_DATA_DIR": str(vlguard := vlguard_support.build(tmp_path / "vlguard")),
        "VLGUARD_HELPFULNESS_DATA_DIR": str(vlguard),
        "VLSBENCH_TASK_JUDGE_CACHE": str(tmp_path / "cache.sqlite3"),
    }
    judge = LocalJudgeServer(policy=suites_support.stand_in_judge([JAILBREAKV_RUBRIC, WIN_RATE_RUBRIC]))
    with judge:
        env["VLSBENCH_TASK_JUDGE_BASE_URL"] = judge.base_url
        chat = run_lmms_eval(args, env=env)
        _check(chat, "chat")
        _check_new_tasks(chat)
        chat_inputs = {task: _inputs(chat, task) for task in tasks}
        (tmp_path / "out").rename(tmp_path / "out_chat")
        simple = run_lmms_eval([*args, "--force_simple"], env=env)
    _check(simple, "simple")
    _check_new_tasks(simple)
    for task in tasks:
        assert _inputs(simple, task) == chat_inputs[task]  # the same prompt, either way
    assert chat_inputs["vlsbench_keyword"] == {
        i: row["instruction"] for i, row in enumerate(vlsbench_rows[:ROWS])
    }
    mini = [row for row in jailbreakv_support.rows() if row["selected_mini"] == "True"]
    assert chat_inputs["jailbreakv_28k_mini"] == {
        i: row["jailbreak_query"] for i, row in enumerate(mini[:ROWS])
    }
    unsafe_instructions = [instruction for *_, instruction in vlguard_support.UNSAFE]
    assert chat_inputs["vlguard_unsafes"] == dict(enumerate(unsafe_instructions[:ROWS]))


def test_qwen2_vl_answers_image_and_text_only_requests(run_lmms_eval, checkpoints, data_env, tmp_path):
    with LocalJudgeServer(rubrics=[RUBRIC]) as judge:
        env = {
            **data_env,
            "VLSBENCH_TASK_JUDGE_BASE_URL": judge.base_url,
            "VLSBENCH_TASK_JUDGE_CACHE": str(tmp_path / "cache.sqlite3"),
        }
        model_args = f"pretrained={checkpoints['qwen2vl']},device_map=cpu,device=cpu"
        run = run_lmms_eval(
            [
                "--model",
                "qwen2_vl",
                "--model_args",
                model_args,
                "--tasks",
                f"{TASKS},vlsbench_textonly",
                "--limit",
                str(ROWS),
                "--batch_size",
                "1",
            ],
            env=env,
        )
    results = _check(run, "simple")
    textonly = results["results"]["vlsbench_textonly"]
    assert textonly["n_scored,none"] == ROWS - 1  # the judge still sees the image of each usable row
    assert textonly["empty_response_rate,none"] == 0  # real answers to requests without an image


def test_llava_hf_is_refused_a_text_only_task_with_a_clear_message(run_lmms_eval, checkpoints, data_env):
    run = run_lmms_eval(
        [*_llava(checkpoints), "--tasks", "vlsbench_textonly", "--limit", "1"],
        # a judge that is never asked: the preflight would stop the run on it before the model check
        env={
            **data_env,
            "VLSBENCH_TASK_JUDGE_BASE_URL": "http://127.0.0.1:9/v1",
            "VLSBENCH_TASK_JUDGE_PREFLIGHT": "off",
        },
    )
    assert not list(run.output_dir.rglob("*_results.json"))  # lmms-eval itself still exits 0
    assert (
        "vlsbench_textonly sends requests without an image, which lmms-eval's llava_hf cannot answer"
        in run.output
    )
