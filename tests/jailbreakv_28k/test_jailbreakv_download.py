"""The real download (huggingface_hub, in a fresh interpreter) against the hub emulator on 127.0.0.1."""

from __future__ import annotations

import json

import jailbreakv_28k_support as fixture
import pytest
from hub_emulator import COMMIT, HubEmulator, run_fresh

from vlsbench_task.benchmarks.jailbreakv_28k.dataset import REPO, REVISION

pytestmark = pytest.mark.network
_LOCATE = """
import collections, json
from vlsbench_task.base.data import locate
from vlsbench_task.benchmarks.jailbreakv_28k.benchmark import BENCHMARK
folder, origin = locate(BENCHMARK.name, BENCHMARK.title, BENCHMARK.data)
docs = BENCHMARK.load(folder, {"set": "mini"})
print(json.dumps({"origin": origin, "statuses": collections.Counter(d["data_status"] for d in docs)}))
"""


def test_the_csvs_at_the_pinned_commit_then_every_image_they_name(tmp_path):
    files = fixture.hub_files()
    del files["query_related/SD_typo_5.png"]  # a mini row whose image the hub lacks
    with HubEmulator({REPO: files}) as hub:
        env = {
            "HF_ENDPOINT": hub.url,
            "HF_HOME": str(tmp_path / "hf"),
            "XDG_CACHE_HOME": str(tmp_path / "cache"),
            "NO_PROXY": "127.0.0.1",
        }
        completed = run_fresh(_LOCATE, env, clear=("JAILBREAKV_28K_", "VLSBENCH_"))
    assert completed.returncode == 0, completed.stderr[-3000:]
    report = json.loads(completed.stdout.strip().splitlines()[-1])
    assert report == {"origin": f"hub:{REPO}@{COMMIT}", "statuses": {"ok": 2, "missing_image": 1}}
    assert hub.gets[:2] == [f"{REPO}/JailBreakV_28K.csv", f"{REPO}/mini_JailBreakV_28K.csv"]
    assert sorted(hub.gets[2:]) == sorted(f"{REPO}/{image}" for image in files if not image.endswith(".csv"))
    assert hub.revisions[0] == REVISION  # the pin, not the default branch
    assert "1 of 6 files are not in" in completed.stderr and "query_related/SD_typo_5.png" in completed.stderr
