"""The real download (huggingface_hub, in a fresh interpreter) against the hub emulator on 127.0.0.1."""

from __future__ import annotations

import json
import subprocess

import mssbench_support as fixture
import pytest
from hub_emulator import COMMIT, HubEmulator, run_fresh

REPO = "kzhou35/mssbench"
_LOCATE_TWICE = """
import collections, json
from vlsbench_task.base.data import locate
from vlsbench_task.benchmarks.mssbench.benchmark import BENCHMARK
from vlsbench_task.benchmarks.mssbench.dataset import load
folder, origin = locate("mssbench", "MSSBench", BENCHMARK.data)
again = locate("mssbench", "MSSBench", BENCHMARK.data)
docs = load(folder, {"scenario": "chat"})
print(json.dumps({"origin": origin, "same": again == (folder, origin), "n": len(docs),
                  "statuses": collections.Counter(d["data_status"] for d in docs)}))
"""


def _locate(env: dict[str, str]) -> subprocess.CompletedProcess:
    return run_fresh(_LOCATE_TWICE, env, clear=("MSSBENCH_", "VLSBENCH_"))


def _report(completed: subprocess.CompletedProcess) -> dict:
    assert completed.returncode == 0, completed.stderr[-3000:]
    return json.loads(completed.stdout.strip().splitlines()[-1])


def _env(tmp_path, hub: HubEmulator, **extra: str) -> dict[str, str]:
    return {
        "HF_ENDPOINT": hub.url,
        "HF_HOME": str(tmp_path / "hf"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "NO_PROXY": "127.0.0.1",
        **extra,
    }


@pytest.mark.network
def test_the_index_comes_first_then_every_image_it_names_at_the_index_commit(tmp_path):
    files = fixture.hub_files(fixture.build(tmp_path / "published"))
    with HubEmulator({REPO: files}) as hub:
        report = _report(_locate(_env(tmp_path, hub)))
    assert report == {"origin": f"hub:{REPO}@{COMMIT}", "same": True, "n": 14, "statuses": {"ok": 14}}
    assert hub.gets[0] == f"{REPO}/combined.json"
    # Each file once: the second call found everything in the cache.
    assert sorted(hub.gets) == sorted(f"{REPO}/{path}" for path in files)
    # The index follows the default branch (HEAD + GET, then one HEAD on the second call); the images
    # are pinned to the commit it resolved to (HEAD + GET each, and none on the second call).
    assert hub.revisions[:2] == ["main", "main"] and hub.revisions.count("main") == 3
    assert hub.revisions.count(COMMIT) == 2 * len(fixture.image_paths()) == len(hub.revisions) - 3
    # With the hub gone, offline or not, the downloaded copy serves on its own (and at once).
    for offline in ({"HF_HUB_OFFLINE": "1"}, {}):
        assert _report(_locate(_env(tmp_path, hub, **offline))) == report


@pytest.mark.network
def test_a_revision_override_is_asked_for(tmp_path):
    files = fixture.hub_files(fixture.build(tmp_path / "published"))
    with HubEmulator({REPO: files}) as hub:
        _report(_locate(_env(tmp_path, hub, MSSBENCH_REVISION="refs/pr/2")))
    assert hub.revisions[0] == "refs%2Fpr%2F2"


@pytest.mark.network
def test_an_image_the_hub_lacks_becomes_a_missing_image_row_not_a_failed_download(tmp_path):
    files = fixture.hub_files(fixture.build(tmp_path / "published"))
    del files["chat/3.jpg"]
    with HubEmulator({REPO: files}) as hub:
        completed = _locate(_env(tmp_path, hub))
    assert _report(completed)["statuses"] == {"ok": 12, "missing_image": 2}  # both queries of entry 1
    assert f"1 of 12 files are not in {REPO}@" in completed.stderr and "chat/3.jpg" in completed.stderr


def test_offline_without_a_downloaded_copy_says_how_to_get_the_data(tmp_path):
    completed = _locate({"HF_HOME": str(tmp_path / "hf"), "HF_HUB_OFFLINE": "1"})
    assert completed.returncode != 0
    assert f"MSSBench: could not download the Hugging Face dataset {REPO}@main" in completed.stderr
    assert "MSSBENCH_DATA_DIR" in completed.stderr
