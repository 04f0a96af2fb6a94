"""Fixtures shared by all test folders: the reference data beside the checkout, and the real
`lmms-eval` console script run in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture(scope="session")
def vlsbench_rows(shared_data) -> list[dict]:
    """The real VLSBench data.json rows (no images)."""
    return json.loads((shared_data / "vlsbench" / "data.json").read_text())


@pytest.fixture
def make_vlsbench_data(tmp_path, vlsbench_rows):
    """Build a VLSBench folder (data.json + imgs/<n>.png) from the first `n` real rows, with
    generated images; `missing` and `corrupt` name rows (by index) whose image is absent or garbage."""

    def make(
        n: int = 12,
        *,
        missing: tuple[int, ...] = (),
        corrupt: tuple[int, ...] = (),
        name: str = "vlsbench_data",
    ):
        folder = tmp_path / name
        (folder / "imgs").mkdir(parents=True)
        rows = vlsbench_rows[:n]
        for index, row in enumerate(rows):
            path = folder / row["image_path"]
            if index in corrupt:
                path.write_bytes(b"not an image at all")
            elif index not in missing:
                Image.new("RGB", (40 + index, 30), (index * 9 % 256, 120, 60)).save(path)
        (folder / "data.json").write_text(json.dumps(rows))
        return folder

    return make


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """`../shared/data` (see its README). CI sets VLSBENCH_TASK_REQUIRE_SHARED=1 so it never skips."""
    if not SHARED_DATA.is_dir():
        if os.environ.get("VLSBENCH_TASK_REQUIRE_SHARED") == "1":
            pytest.fail(f"{SHARED_DATA} is missing but VLSBENCH_TASK_REQUIRE_SHARED=1")
        pytest.skip(f"reference data {SHARED_DATA} is absent (it exists beside a developer checkout only)")
    return SHARED_DATA


def _console_script(name: str) -> str:
    script = Path(sys.executable).parent / name
    if not script.exists():
        pytest.fail(f"console script {script} not found: install the package (pip install -e '.[test]')")
    return str(script)


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
        return [json.loads(line) for line in files[0].read_text().split("\n") if line.strip()]


@pytest.fixture
def run_lmms_eval(tmp_path):
    """Run the installed `lmms-eval` console script; returns an LmmsEvalRun.

    `args` are appended after `--output_path <tmp>/out --log_samples`; `env` is added to a copy of
    the environment with network access to the Hugging Face hub switched off.
    """

    def run(args: list[str], env: dict[str, str] | None = None, timeout: int = 600, check: bool = True):
        output_dir = tmp_path / "out"
        full_env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", **(env or {})}
        completed = subprocess.run(
            [_console_script("lmms-eval"), *args, "--output_path", str(output_dir), "--log_samples"],
            env=full_env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        run = LmmsEvalRun(completed, output_dir)
        if check:
            assert completed.returncode == 0, (
                f"lmms-eval failed ({completed.returncode}):\n{run.output[-6000:]}"
            )
        return run

    return run
