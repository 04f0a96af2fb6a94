"""Tests never write into the user's real cache: a run that extracts images and fills the verdict
cache does so in the temporary user cache of tests/conftest.py."""

from __future__ import annotations

import tarfile
from pathlib import Path

import pytest
from vlsbench_task.judge.local_server import LocalJudgeServer

from vlsbench_task.benchmarks.vlsbench.benchmark import RUBRIC

pytestmark = [pytest.mark.e2e, pytest.mark.network]


def _state(folder: Path) -> dict[str, tuple[int, int]] | None:
    """Every file under `folder` with its size and modification time; None if there is no folder."""
    if not folder.is_dir():
        return None
    return {str(path): (path.stat().st_size, path.stat().st_mtime_ns) for path in folder.rglob("*")}


def test_a_run_writes_the_temporary_user_cache_and_leaves_the_real_one_untouched(
    run_lmms_eval, make_vlsbench_data, user_cache, real_user_cache
):
    folder = make_vlsbench_data(3)
    with tarfile.open(folder / "imgs.tar", "w") as tar:  # images only as a tar: extracted into the cache
        tar.add(folder / "imgs", arcname="imgs")
    for image in (folder / "imgs").iterdir():
        image.unlink()
    (folder / "imgs").rmdir()
    assert user_cache != real_user_cache
    before = _state(real_user_cache)
    with LocalJudgeServer(rubrics=[RUBRIC]) as judge:
        run = run_lmms_eval(
            ["--model", "dummy", "--tasks", "vlsbench", "--limit", "2"],
            # no VLSBENCH_TASK_JUDGE_CACHE: the verdict cache goes to its default, in the user cache
            env={"VLSBENCH_DATA_DIR": str(folder), "VLSBENCH_TASK_JUDGE_BASE_URL": judge.base_url},
        )
    assert run.results()["results"]["vlsbench"]["n_scored,none"] == 2
    assert (user_cache / "judge_cache.sqlite3").is_file()
    assert len(list((user_cache / "vlsbench_images").rglob("*.png"))) == 3
    assert _state(real_user_cache) == before
