"""The real hub download (huggingface_hub) of both SIUO parts against a local emulator of the hub."""

from __future__ import annotations

import json
import subprocess

import pytest
from hub_emulator import HubEmulator, run_fresh
from siuo_support import hub_files

from vlsbench_task.benchmarks.siuo import dataset
from vlsbench_task.benchmarks.siuo.benchmark import REVISION

pytestmark = pytest.mark.network
REPO = "sinwang/SIUO"

_LOCATE_BOTH = """
import json
from vlsbench_task.benchmarks.siuo.benchmark import BENCHMARK as GEN
from vlsbench_task.benchmarks.siuo_mcqa.benchmark import BENCHMARK as MCQA
report = {}
for part, benchmark in (("gen", GEN), ("mcqa", MCQA))[{parts}]:
    folder, origin = benchmark.locate()  # siuo_mcqa: under SIUO's data key
    docs = benchmark.load(folder, {})
    report[part] = {"origin": origin, "folder": str(folder), "n": len(docs),
                    "statuses": sorted({doc["data_status"] for doc in docs})}
print(json.dumps(report))
"""


def _locate(env: dict[str, str], tmp_path, parts: str = ":") -> subprocess.CompletedProcess:
    """Run the download of the parts `parts` (a slice of (gen, mcqa)) in a fresh interpreter."""
    cache = {"HF_HOME": str(tmp_path / "hf"), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    return run_fresh(_LOCATE_BOTH.replace("{parts}", parts), {**cache, **env}, clear=("SIUO_",), timeout=300)


def test_both_parts_download_the_pinned_revision_into_one_snapshot(shared_data, tmp_path):
    with HubEmulator({REPO: hub_files(shared_data)}, commit=REVISION) as hub:
        hub.httpd.RequestHandlerClass.disable_nagle_algorithm = (
            True  # 336 small requests, each no 40 ms later
        )
        completed = _locate({"HF_ENDPOINT": hub.url}, tmp_path)
    assert completed.returncode == 0, completed.stderr[-3000:]
    report = json.loads(completed.stdout.strip().splitlines()[-1])
    for part in ("gen", "mcqa"):
        assert report[part]["origin"] == f"hub:{REPO}@{REVISION}"
        assert report[part]["n"] == dataset.N_ITEMS and report[part]["statuses"] == ["ok"]
    assert report["gen"]["folder"] == report["mcqa"]["folder"]
    assert set(hub.revisions) == {REVISION}
    # every image once (the second part finds them in the cache), each JSON file once
    expected = [dataset.GEN_FILE, dataset.MCQA_FILE, *dataset.IMAGE_FILES]
    assert sorted(hub.gets) == sorted(f"{REPO}/{name}" for name in expected)


def test_a_hub_without_the_multiple_choice_file_names_the_variable_for_a_local_copy(shared_data, tmp_path):
    files = {name: data for name, data in hub_files(shared_data).items() if name != dataset.MCQA_FILE}
    with HubEmulator({REPO: files}, commit=REVISION) as hub:
        completed = _locate({"HF_ENDPOINT": hub.url}, tmp_path, parts="1:")
    assert completed.returncode != 0
    assert (
        "SIUO multiple choice: could not download the Hugging Face dataset sinwang/SIUO@024e80a"
        in completed.stderr
    )
    assert "SIUO_DATA_DIR" in completed.stderr
    assert hub.gets == []  # the JSON comes first: no image is fetched for nothing
