"""Fixtures shared by all test folders: a temporary user cache for every test, the reference data
beside the checkout, and the real `lmms-eval` console script run in a subprocess."""

from __future__ import annotations

import json
import os
from pathlib import Path

import huggingface_hub.constants
import lmms_eval_cli
import platformdirs
import pytest
from PIL import Image

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
# The user's own cache of this package, as it was before the tests moved it (see user_cache).
REAL_USER_CACHE = Path(platformdirs.user_cache_dir("vlsbench_task"))


@pytest.fixture(scope="session", autouse=True)
def user_cache(tmp_path_factory) -> Path:
    """The user cache of every test and of every process a test starts: a temporary folder, never the
    real one (downloads, extracted images, the verdict cache). The code finds it through platformdirs,
    which reads XDG_CACHE_HOME; the Hugging Face cache, which would move with it, stays where it was
    (tests that reach a hub emulator give it their own HF_HOME). Session-wide, so session fixtures
    that run lmms-eval use it too."""
    root = tmp_path_factory.mktemp("user-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HF_HOME", os.environ.get("HF_HOME") or huggingface_hub.constants.HF_HOME)
        patch.setenv("XDG_CACHE_HOME", str(root))
        yield root / "vlsbench_task"


@pytest.fixture(scope="session")
def real_user_cache() -> Path:
    return REAL_USER_CACHE


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


@pytest.fixture
def run_lmms_eval(tmp_path):
    """Run the installed `lmms-eval` console script into `<tmp>/out`; returns an LmmsEvalRun.

    `env` is added to a copy of the environment with network access to the Hugging Face hub switched
    off; with `check` (the default) the run must exit 0 and write its results.
    """

    def run(args: list[str], env: dict[str, str] | None = None, timeout: int = 600, check: bool = True):
        return lmms_eval_cli.run(args, tmp_path / "out", env, timeout, check)

    return run
