"""The real download, in a fresh interpreter: the metadata from the pinned GitHub archive (served on
127.0.0.1) and test.zip from the hub emulator, assembled into the authors' layout."""

from __future__ import annotations

import io
import json
import subprocess
import zipfile

import pytest
import vlguard_support as fixture
from archive_server import serve_folder, tar_gz
from hub_emulator import HubEmulator, run_fresh

from vlsbench_task.benchmarks.vlguard.dataset import COMMIT, REVISION, SOURCE

pytestmark = pytest.mark.network
REPO = "ys-zong/VLGuard"
_LOCATE_TWICE = """
import collections, json
from vlsbench_task.base.data import locate
from vlsbench_task.benchmarks.vlguard.benchmark import BENCHMARK
folder, origin = locate("vlguard", "VLGuard", BENCHMARK.data)
again = locate("vlguard", "VLGuard", BENCHMARK.data)
docs = BENCHMARK.load(folder, {"subset": "unsafes"}) + BENCHMARK.load(folder, {"subset": "safe_safes"})
print(json.dumps({"origin": origin, "same": again == (folder, origin),
                  "statuses": collections.Counter(d["data_status"] for d in docs)}))
"""


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _archive() -> bytes:
    """GitHub's archive of the repository: code beside data/."""
    top = f"VLGuard-{COMMIT}"
    members = {f"{top}/data/{name}": data for name, data in fixture.json_files().items()}
    return tar_gz({**members, f"{top}/README.md": b"# VLGuard\n"})


def _locate(tmp_path, served, hub: HubEmulator, **extra: str) -> subprocess.CompletedProcess:
    (served / "release.tar.gz").write_bytes(_archive())
    with serve_folder(served) as (url, requested):
        env = {
            "HF_ENDPOINT": hub.url,
            "HF_HOME": str(tmp_path / "hf"),
            "XDG_CACHE_HOME": str(tmp_path / "cache"),
            "NO_PROXY": "127.0.0.1",
            "VLGUARD_ARCHIVE_URL": f"{url}/release.tar.gz",
            **extra,
        }
        completed = run_fresh(_LOCATE_TWICE, env, clear=("VLGUARD_", "VLSBENCH_"))
    completed.requested = requested
    return completed


@pytest.fixture
def served(tmp_path):
    folder = tmp_path / "served"
    folder.mkdir()
    return folder


def test_the_default_sources_are_the_pinned_commit_and_the_hub_dataset():
    assert SOURCE.metadata.url == f"https://codeload.github.com/{REPO}/tar.gz/{COMMIT}"
    assert (SOURCE.images.repo, SOURCE.images.files, SOURCE.images.revision) == (
        REPO,
        ("test.zip",),
        REVISION,
    )


def test_metadata_and_images_are_downloaded_once_and_loaded(tmp_path, served):
    images = {
        f"test/{name}": data for name, data in fixture.image_files(missing=("HOD/alcohol_1.jpg",)).items()
    }
    with HubEmulator({REPO: {"test.zip": _zip(images)}}, commit=REVISION) as hub:
        completed = _locate(tmp_path, served, hub)
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert set(hub.revisions) == {REVISION}  # the pin, not the default branch
    report = json.loads(completed.stdout.strip().splitlines()[-1])
    assert report == {
        "origin": f"github:{REPO}@{COMMIT}+hub:{REPO}@{REVISION}",
        "same": True,
        "statuses": {"ok": 4, "missing_image": 1},  # 3 unsafe + 2 safe images, one not in the zip
    }
    assert completed.requested == ["/release.tar.gz"] and hub.gets == [f"{REPO}/test.zip"]  # once each


def test_without_the_images_the_error_says_to_accept_the_terms_and_set_hf_token(tmp_path, served):
    with HubEmulator({REPO: {}}) as hub:  # what a token without access to the gated dataset gets
        completed = _locate(tmp_path, served, hub)
    assert completed.returncode != 0
    line = completed.stderr.strip().splitlines()[-1]
    assert "DataUnavailable: VLGuard: could not download" in line
    assert f"accept the terms of huggingface.co/datasets/{REPO}" in line and "set HF_TOKEN" in line
    assert "Set VLGUARD_DATA_DIR to a local copy holding test.json and gpt4_safe_safes.json" in line
