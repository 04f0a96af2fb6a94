"""`vlsbench-task doctor` on a good install and on each broken one a user meets: a filelock release
without the module lmms-eval's evaluator imports, a data folder that is not there, a judge that
is missing or refuses."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from vlsbench_task.judge.local_server import LocalJudgeServer

from vlsbench_task import environment

DOCTOR = Path(sys.executable).parent / "vlsbench-task"
# filelock as 4.3 ships it for lmms-eval 0.7.3's purposes: the real package, without filelock._api.
FILELOCK_WITHOUT_API = """
import importlib.machinery, sys
from pathlib import Path

_shadow = Path(__file__).resolve().parent.parent
_real = importlib.machinery.PathFinder.find_spec(
    "filelock", [p for p in sys.path if p and Path(p).resolve() != _shadow]
)
__path__ = list(_real.submodule_search_locations)
exec(compile(Path(_real.origin).read_text(), _real.origin, "exec"))
del sys.modules["filelock._api"]


class _NoApi:
    def find_spec(self, name, path=None, target=None):
        if name == "filelock._api":
            raise ModuleNotFoundError("No module named 'filelock._api'", name=name)


sys.meta_path.insert(0, _NoApi())
"""


def doctor(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("VLSBENCH_", "OPENAI_"))}
    return subprocess.run(
        [str(DOCTOR), "doctor", *args],
        env={**clean, **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
    )


def line(completed: subprocess.CompletedProcess, start: str) -> str:
    return next((text for text in completed.stdout.splitlines() if text.startswith(start)), "")


def test_a_good_install_passes(make_vlsbench_data):
    completed = doctor("--tasks", "vlsbench_keyword", env={"VLSBENCH_DATA_DIR": str(make_vlsbench_data(2))})
    assert completed.returncode == 0, completed.stdout + completed.stderr[-3000:]
    assert line(completed, "✓ lmms-eval ").endswith("can run an evaluation")
    assert line(completed, "✓ lmms-eval sees our ")
    assert line(completed, "✓ VLSBench data: local:")
    assert line(completed, "✓ keyword judge")
    assert "✗" not in completed.stdout


def test_a_filelock_without_the_module_lmms_eval_imports_is_named_with_the_fix(tmp_path, make_vlsbench_data):
    fake = tmp_path / "shadow" / "filelock"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text(FILELOCK_WITHOUT_API)
    pythonpath = os.pathsep.join(filter(None, [str(fake.parent), os.environ.get("PYTHONPATH")]))
    completed = doctor(
        "--tasks",
        "vlsbench_keyword",
        env={"PYTHONPATH": pythonpath, "VLSBENCH_DATA_DIR": str(make_vlsbench_data(2))},
    )
    assert completed.returncode == 1, completed.stdout + completed.stderr[-3000:]
    broken = line(completed, "✗ lmms-eval ")
    assert "cannot run an evaluation: No module named 'filelock._api'" in broken, completed.stdout
    assert f"filelock {environment.installed('filelock')} lacks what its evaluator imports" in broken
    locked = environment.read_lock(environment.lock_file())["filelock"]
    assert f'pip install "filelock=={locked}"' in broken  # the version CI passed with


def test_a_data_folder_that_is_not_there_fails_and_names_the_variable(tmp_path):
    completed = doctor("--tasks", "vlsbench_keyword", env={"VLSBENCH_DATA_DIR": str(tmp_path / "absent")})
    assert completed.returncode == 1
    assert (
        f"✗ VLSBench data: VLSBench: VLSBENCH_DATA_DIR={tmp_path / 'absent'} is not a folder"
        in completed.stdout
    )


def test_data_not_downloaded_yet_is_no_failure_and_says_the_size(tmp_path):
    completed = doctor(
        "--tasks", "vlsbench_keyword", env={"XDG_CACHE_HOME": str(tmp_path), "HF_HUB_CACHE": str(tmp_path)}
    )
    assert completed.returncode == 0, completed.stdout
    assert (
        "· VLSBench data: not downloaded yet; the first run downloads it (2.45 GB) — offline, set VLSBENCH_DATA_DIR"
        in (completed.stdout)
    )


def test_a_missing_judge_fails_for_judged_tasks_only(make_vlsbench_data):
    data = {"VLSBENCH_DATA_DIR": str(make_vlsbench_data(2))}
    judged = doctor("--tasks", "vlsbench", env=data)
    assert judged.returncode == 1
    assert "no judge is configured: set VLSBENCH_TASK_JUDGE_API_KEY" in line(
        judged, "✗ judge gpt-4o-2024-08-06 at OpenAI"
    )
    assert doctor("--tasks", "vlsbench_keyword", env=data).returncode == 0


@pytest.mark.network
def test_a_working_judge_passes_with_judge_check_and_the_name_it_answers_with(make_vlsbench_data):
    with LocalJudgeServer(model="served-judge-name") as server:
        env = {
            "VLSBENCH_DATA_DIR": str(make_vlsbench_data(2)),
            "VLSBENCH_TASK_JUDGE_BASE_URL": server.base_url,
            "VLSBENCH_TASK_JUDGE_MODEL": "served-judge-name",
        }
        checked = doctor("--tasks", "vlsbench", "--judge-check", env=env)
        asked = len(server.preflights)
    assert checked.returncode == 0, checked.stdout + checked.stderr[-3000:]
    assert line(
        checked, f"✓ judge served-judge-name at {server.base_url} (vlsbench): answers as served-judge-name"
    )
    assert asked == 1


@pytest.mark.network
def test_a_refusing_judge_is_found_with_judge_check_and_the_key_is_not_printed(make_vlsbench_data):
    with socket.socket() as closed:  # a port nothing listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    key = "sk-doctor-secret-0123456789"
    env = {
        "VLSBENCH_DATA_DIR": str(make_vlsbench_data(2)),
        "VLSBENCH_TASK_JUDGE_BASE_URL": f"http://127.0.0.1:{port}/v1",
        "VLSBENCH_TASK_JUDGE_API_KEY": key,
    }
    configured = doctor("--tasks", "vlsbench", env=env)
    assert (
        configured.returncode == 0
        and "configured (--judge-check sends one tiny request)" in configured.stdout
    )
    checked = doctor("--tasks", "vlsbench", "--judge-check", env=env)
    assert checked.returncode == 1, checked.stdout
    refused = line(checked, f"✗ judge gpt-4o-2024-08-06 at http://127.0.0.1:{port}/v1 (vlsbench): ")
    assert "cannot be reached" in refused and "VLSBENCH_TASK_JUDGE_BASE_URL" in refused, checked.stdout
    assert key not in checked.stdout + checked.stderr


def test_drift_names_each_installed_package_whose_version_differs_from_the_lock(tmp_path):
    lock = tmp_path / "ci.txt"
    pyyaml = environment.installed("PyYAML")
    lock.write_text(
        f"# a comment\nfilelock==0.0.1\nPyYAML=={pyyaml}\nno-such-package==1.0  # not installed\n"
    )
    pins = environment.read_lock(lock)
    assert pins == {"filelock": "0.0.1", "pyyaml": pyyaml, "no-such-package": "1.0"}
    assert [str(d) for d in environment.drift(pins)] == [
        f"filelock 0.0.1 (locked) -> {environment.installed('filelock')}"
    ]
