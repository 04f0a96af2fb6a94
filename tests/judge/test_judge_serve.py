"""`vlsbench-task serve-judge` in a subprocess: it prints the lines to export, judges over HTTP with the
offline rules, refuses other model names (so a run that forgot VLSBENCH_TASK_JUDGE_MODEL stops at its
preflight), and one Ctrl-C stops it."""

from __future__ import annotations

import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path

from judge_support import expected_label
from vlsbench_task.judge import JudgeEngine, JudgeSettings
from vlsbench_task.judge.local_server import STAND_IN_MODEL
from vlsbench_task.judge.preflight import check_judge

TIMEOUT_S = 60


def _lines(process: subprocess.Popen) -> queue.Queue:
    """The process's output lines, read in a thread so that every wait below is bounded."""
    lines: queue.Queue = queue.Queue()

    def read() -> None:
        for line in process.stdout:
            lines.put(line.rstrip("\n"))
        lines.put(None)

    threading.Thread(target=read, daemon=True).start()
    return lines


def test_serve_judge_prints_the_exports_judges_and_stops_on_ctrl_c(make_items):
    script = Path(sys.executable).with_name("vlsbench-task")
    process = subprocess.Popen(
        [str(script), "serve-judge"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        lines, exports = _lines(process), {}
        while "VLSBENCH_TASK_JUDGE_MODEL" not in exports:
            line = lines.get(timeout=TIMEOUT_S)
            assert line is not None, "serve-judge ended before printing its exports"
            if line.startswith("export "):
                name, _, value = line.removeprefix("export ").partition("=")
                exports[name] = value
            elif "Stand-in judge on" in line:
                assert "its numbers mean nothing" in line
        assert exports["VLSBENCH_TASK_JUDGE_MODEL"] == STAND_IN_MODEL
        url = exports["VLSBENCH_TASK_JUDGE_BASE_URL"]
        assert url.startswith("http://127.0.0.1:") and url.endswith("/v1")

        settings = JudgeSettings(base_url=url, model=STAND_IN_MODEL, cache_path=None, timeout_s=10)
        assert check_judge(settings).model_answered == STAND_IN_MODEL
        items = make_items(3)
        verdicts, _ = JudgeEngine(settings).judge_all(items)
        assert [verdict.answer["label"] for verdict in verdicts] == [expected_label(item) for item in items]
        forgotten = check_judge(settings.with_overrides(model="gpt-4o-2024-08-06"))
        assert "has no model 'gpt-4o-2024-08-06' (HTTP 404" in forgotten.problem

        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=TIMEOUT_S) == 0
        assert "stand-in judge stopped" in list(iter(lines.get, None))
        assert not check_judge(settings).ok  # the port is closed
    finally:
        process.kill()
        process.wait()
