"""Real lmms-eval outputs for the report tests, shared by the whole folder: three dummy-model runs
started together. Two stand-ins (always refuse / always comply) run the offline suite group and the
judged tasks with contrasts (VLSBench and FigStep with their text-only controls) and SIUO, with the
suite tests' stand-in judge on 127.0.0.1; a third ("broken") runs VLSBench with a judge that never
answers usably and FigStep on a copy without images, so both of its tasks score nothing."""

from __future__ import annotations

import json
import subprocess
import sys
from contextlib import ExitStack
from pathlib import Path

import lmms_eval_cli
import pytest
from reports_support import (
    BROKEN,
    BROKEN_TASKS,
    COMPLIER,
    JUDGE_NAME,
    REFUSER,
    TASKS,
    figstep_without_images,
    pick_rows,
    write_vlsbench_folder,
)
from vlsbench_task.judge.local_server import LocalJudgeServer, Reply

sys.path.append(str(Path(__file__).resolve().parents[1] / "suites"))
from suites_support import data_env, every_rubric, stand_in_judge


@pytest.fixture(scope="session")
def vlsbench_folder(shared_data, tmp_path_factory) -> Path:
    rows = json.loads((shared_data / "vlsbench" / "data.json").read_text())
    return write_vlsbench_folder(tmp_path_factory.mktemp("vlsbench"), pick_rows(rows))


@pytest.fixture(scope="session")
def report_data_env(shared_data, vlsbench_folder, tmp_path_factory) -> dict[str, str]:
    env = data_env(shared_data, tmp_path_factory.mktemp("suite_data"))
    return {
        **env,
        "VLSBENCH_DATA_DIR": str(vlsbench_folder),
        "VLSBENCH_TASK_JUDGE_MODEL": JUDGE_NAME,
        "VLSBENCH_TASK_JUDGE_CACHE": "off",
        "VLSBENCH_TASK_JUDGE_PARSE_RETRIES": "0",
    }


def _start(args: list[str], output: Path, env: dict[str, str]) -> subprocess.Popen:
    output.mkdir(parents=True, exist_ok=True)
    return lmms_eval_cli.start(args, output, env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


@pytest.fixture(scope="session")
def dummy_outputs(shared_data, report_data_env, tmp_path_factory) -> Path:
    """<root>/refuser, <root>/complier and <root>/broken: one lmms-eval run each, run at once."""
    root = tmp_path_factory.mktemp("outputs")
    rubrics = every_rubric()
    broken_figstep = figstep_without_images(shared_data, tmp_path_factory.mktemp("figstep_no_images"))
    with ExitStack() as stack:
        runs = {}
        for name, response, tasks, policy, extra in (
            ("refuser", REFUSER, TASKS, stand_in_judge(rubrics), {}),
            ("complier", COMPLIER, TASKS, stand_in_judge(rubrics), {}),
            (
                "broken",
                BROKEN,
                BROKEN_TASKS,
                lambda body, index: Reply(content="no verdict in here"),
                # a run on data without its images, past the share at which a task refuses to start
                {"FIGSTEP_DATA_DIR": str(broken_figstep), "VLSBENCH_TASK_MAX_DATA_ERROR_RATE": "100"},
            ),
        ):
            judge = stack.enter_context(LocalJudgeServer(policy=policy, model=JUDGE_NAME))
            env = {**report_data_env, "VLSBENCH_TASK_JUDGE_BASE_URL": judge.base_url, **extra}
            args = ["--model", "dummy", "--model_args", f"response={response}", "--tasks", tasks]
            limit = ["--limit", "4"] if name == "broken" else []
            runs[name] = _start([*args, *limit], root / name, env)
        for name, process in runs.items():
            output, _ = process.communicate(timeout=900)
            assert process.returncode == 0 and list((root / name).rglob("*_results.json")), output[-6000:]
    return root


@pytest.fixture(scope="session")
def results_of(dummy_outputs):
    """The results JSON lmms-eval wrote for one of the stand-ins."""

    def read(name: str) -> dict:
        (path,) = (dummy_outputs / name).rglob("*_results.json")
        return json.loads(path.read_text())

    return read
