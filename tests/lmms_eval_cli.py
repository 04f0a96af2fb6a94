"""The real `lmms-eval` console script for end-to-end tests: offline (no Hugging Face hub), writing
results and samples to an output folder. lmms-eval exits 0 even after a failed evaluation, so a run
counts as done only when its results file exists."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

OFFLINE = {"HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}


def command(args: list[str], output: Path) -> list[str]:
    script = Path(sys.executable).with_name("lmms-eval")
    if not script.exists():
        raise FileNotFoundError(
            f"console script {script} not found: install the package (pip install -e '.[test]')"
        )
    return [str(script), *args, "--output_path", str(output), "--log_samples"]


def judged_by(server, cache: Path | str = "off", api_key: str = "sk-test-stand-in", **settings: str) -> dict:
    """The variables that point a run at a stand-in judge on 127.0.0.1: its URL, a test key, the
    verdict cache (a file, or "off"), and any other judge setting by name (`parse_retries="0"`)."""
    return {
        "VLSBENCH_TASK_JUDGE_BASE_URL": server.base_url,
        "VLSBENCH_TASK_JUDGE_API_KEY": api_key,
        "VLSBENCH_TASK_JUDGE_CACHE": str(cache),
        **{f"VLSBENCH_TASK_JUDGE_{name.upper()}": value for name, value in settings.items()},
        "NO_PROXY": "127.0.0.1",
        "no_proxy": "127.0.0.1",
    }


def environment(env: dict[str, str] | None = None) -> dict[str, str]:
    return {**os.environ, **OFFLINE, **(env or {})}


class LmmsEvalRun:
    def __init__(self, completed: subprocess.CompletedProcess, output_dir: Path):
        self.completed = completed
        self.output_dir = output_dir

    @property
    def output(self) -> str:
        return self.completed.stdout + self.completed.stderr

    def results(self) -> dict:
        """The `*_results.json` that lmms-eval wrote (exactly one is expected)."""
        files = sorted(self.output_dir.rglob("*_results.json"))
        assert len(files) == 1, (
            f"expected one results file under {self.output_dir}, found {files}\n{self.output}"
        )
        return json.loads(files[0].read_text())

    def samples(self, task: str) -> list[dict]:
        files = sorted(self.output_dir.rglob(f"*_samples_{task}.jsonl"))
        assert len(files) == 1, f"expected one samples file for {task}, found {files}\n{self.output}"
        # split("\n"), not splitlines(): lmms-eval writes U+2028 and the like raw inside strings
        return [json.loads(line) for line in files[0].read_text().split("\n") if line.strip()]


def run(
    args: list[str], output: Path, env: dict[str, str] | None = None, timeout: int = 900, check: bool = True
) -> LmmsEvalRun:
    """Run lmms-eval to the end; with `check`, fail unless it exited 0 (which it also does after a failed
    evaluation: `results()` then finds no file)."""
    completed = subprocess.run(
        command(args, output),
        env=environment(env),
        cwd=output.parent,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    done = LmmsEvalRun(completed, output)
    if check:
        assert completed.returncode == 0, f"lmms-eval failed ({completed.returncode}):\n{done.output[-6000:]}"
    return done


def start(args: list[str], output: Path, env: dict[str, str] | None = None, **popen) -> subprocess.Popen:
    """lmms-eval in the background (`popen`: stdout, start_new_session...)."""
    return subprocess.Popen(command(args, output), env=environment(env), cwd=output.parent, **popen)
