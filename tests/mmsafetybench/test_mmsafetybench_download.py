"""The real hub download (huggingface_hub) against a local emulator of the hub, in a fresh interpreter."""

from __future__ import annotations

import json
import subprocess

import pytest
from hub_emulator import COMMIT, HubEmulator, run_fresh
from mmsafetybench_support import N_TINY, hub_files

from vlsbench_task.benchmarks.mmsafetybench import dataset

pytestmark = pytest.mark.network
REPO = "PKU-Alignment/MM-SafetyBench"

_LOCATE = """
import json
from vlsbench_task.base.data import locate
from vlsbench_task.benchmarks.mmsafetybench.benchmark import BENCHMARK
folder, origin = locate(BENCHMARK.name, BENCHMARK.title, BENCHMARK.data)
again, _ = locate(BENCHMARK.name, BENCHMARK.title, BENCHMARK.data, allow_download=False)
docs = BENCHMARK.load(folder, {"tiny": True})
print(json.dumps({"origin": origin, "same": folder == again, "n": len(docs),
                  "statuses": sorted({doc["data_status"] for doc in docs})}))
"""


def _locate(env: dict[str, str], tmp_path) -> subprocess.CompletedProcess:
    cache = {"HF_HOME": str(tmp_path / "hf"), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    return run_fresh(_LOCATE, {**cache, **env}, clear=("MMSAFETYBENCH_",), timeout=300)


@pytest.fixture(scope="module")
def files() -> dict[str, bytes]:
    return hub_files()


def test_every_published_file_is_downloaded_once_and_loads(files, tmp_path):
    with HubEmulator({REPO: files}) as hub:
        hub.httpd.RequestHandlerClass.disable_nagle_algorithm = True  # no 40 ms wait per small request
        completed = _locate({"HF_ENDPOINT": hub.url}, tmp_path)
    assert completed.returncode == 0, completed.stderr[-3000:]
    report = json.loads(completed.stdout.strip().splitlines()[-1])
    assert report == {"origin": f"hub:{REPO}@{COMMIT}", "same": True, "n": 3 * N_TINY, "statuses": ["ok"]}
    assert sorted(hub.gets) == sorted(f"{REPO}/{name}" for name in dataset.FILES)
    assert set(hub.revisions) == {"main"}  # no commit is pinned: the default branch


def test_a_hub_without_a_published_file_names_the_variable_for_a_local_copy(files, tmp_path):
    partial = {name: data for name, data in files.items() if name != "data/Gov_Decision/Text_only.parquet"}
    with HubEmulator({REPO: partial}) as hub:
        completed = _locate({"HF_ENDPOINT": hub.url}, tmp_path)
    assert completed.returncode != 0
    assert (
        "MM-SafetyBench: could not download the Hugging Face dataset PKU-Alignment/MM-SafetyBench@main"
        in completed.stderr
    )
    assert "MMSAFETYBENCH_DATA_DIR" in completed.stderr
