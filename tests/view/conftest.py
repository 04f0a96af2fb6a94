"""Real lmms-eval output for the verdict browser's tests, made once for the whole folder: two
stand-in models (lmms-eval's `from_log` replaying hostile and ordinary answers, and `dummy` always
refusing), each on 12 VLSBench rows with generated images (one of them missing) judged by the
keyword rules (`vlsbench_keyword`) and by a scripted LLM judge on 127.0.0.1 (`vlsbench`), and on
the first 12 SIUO items (`siuo`: two judgements of three responses each)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from view_support import (
    ANSWERS,
    JUDGE_MODEL,
    REFUSAL,
    TASKS,
    judge_policy,
    page_data,
    pick_rows,
    run_lmms_eval,
    write_data,
    write_replay_logs,
    write_siuo_data,
)
from vlsbench_task.judge.local_server import LocalJudgeServer

from vlsbench_task import cli


@pytest.fixture(scope="session")
def view_outputs(shared_data, vlsbench_rows, tmp_path_factory) -> Path:
    """lmms-eval output folders `recorded/` and `refuser/` under the returned folder."""
    rows = pick_rows(vlsbench_rows)
    assert len(rows) == len(ANSWERS)
    data = write_data(tmp_path_factory.mktemp("view_data"), rows)
    siuo = write_siuo_data(tmp_path_factory.mktemp("view_siuo"), shared_data)
    root = tmp_path_factory.mktemp("view_runs")
    logs = write_replay_logs(tmp_path_factory.mktemp("view_logs"), TASKS, ANSWERS)
    with LocalJudgeServer(policy=judge_policy, model=JUDGE_MODEL) as judge:
        env = {
            "VLSBENCH_DATA_DIR": str(data),
            "SIUO_DATA_DIR": str(siuo),
            "VLSBENCH_TASK_JUDGE_BASE_URL": judge.base_url,
            "VLSBENCH_TASK_JUDGE_API_KEY": "sk-test-view",
            "VLSBENCH_TASK_JUDGE_CACHE": "off",
            "VLSBENCH_TASK_JUDGE_PARSE_RETRIES": "0",
            "NO_PROXY": "127.0.0.1",
            "no_proxy": "127.0.0.1",
        }
        tasks = ["--tasks", ",".join(TASKS), "--limit", str(len(ANSWERS))]
        run_lmms_eval(["--model", "from_log", "--model_args", f"logs={logs}", *tasks], root / "recorded", env)
        run_lmms_eval(
            ["--model", "dummy", "--model_args", f"response={REFUSAL}", *tasks],
            root / "refuser",
            env,
        )
    return root


@dataclass
class BuiltPage:
    path: Path
    html: str
    data: dict
    images: dict


@pytest.fixture(scope="session")
def built_page(view_outputs, tmp_path_factory) -> BuiltPage:
    """`vlsbench-task view` over both output folders; the images come from the data folder each run
    recorded (no VLSBENCH_DATA_DIR in this process)."""
    out = tmp_path_factory.mktemp("view_page") / "view.html"
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("VLSBENCH_DATA_DIR", raising=False)
        assert cli.main(["view", str(view_outputs), "--out", str(out)]) == 0
    html = out.read_text(encoding="utf-8")
    return BuiltPage(out, html, *page_data(html))
