"""The pinned GitHub archive, downloaded from a server on 127.0.0.1 through the real data layer."""

from __future__ import annotations

import io

import pytest
from archive_server import serve_folder, tar_gz
from PIL import Image

from vlsbench_task.base.data import DataUnavailable, locate
from vlsbench_task.base.images import MISSING_IMAGE, OK
from vlsbench_task.benchmarks.mossbench.benchmark import BENCHMARK
from vlsbench_task.benchmarks.mossbench.dataset import COMMIT

pytestmark = pytest.mark.network
TOP = f"MOSSBench-{COMMIT}"  # the folder GitHub's archive of the commit unpacks to


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 6), "navy").save(buffer, format="PNG")
    return buffer.getvalue()


def _release(shared_data, benign_info: bytes | None = None) -> bytes:
    """The repository's layout with the real item lists and two images."""
    info = "images_information/information.json"
    return tar_gz(
        {
            f"{TOP}/data/{info}": benign_info or (shared_data / "mossbench" / "data" / info).read_bytes(),
            f"{TOP}/data_contrast/{info}": (shared_data / "mossbench" / "data_contrast" / info).read_bytes(),
            f"{TOP}/data/images/1.png": _png(),
            f"{TOP}/data_contrast/images/1.png": _png(),
        }
    )


@pytest.fixture
def environment(tmp_path, monkeypatch):
    monkeypatch.delenv("MOSSBENCH_DATA_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    served = tmp_path / "served"
    served.mkdir()
    return served


def test_the_default_source_is_the_pinned_commit():
    assert BENCHMARK.data.source.url == f"https://codeload.github.com/xirui-li/MOSSBench/tar.gz/{COMMIT}"


def test_archive_is_downloaded_once_verified_and_loaded(shared_data, environment, monkeypatch):
    (environment / "release.tar.gz").write_bytes(_release(shared_data))
    with serve_folder(environment) as (url, requested):
        monkeypatch.setenv("MOSSBENCH_ARCHIVE_URL", f"{url}/release.tar.gz")
        folder, origin = locate(BENCHMARK.name, BENCHMARK.title, BENCHMARK.data)
        again, _ = locate(BENCHMARK.name, BENCHMARK.title, BENCHMARK.data)
    assert again == folder and requested == ["/release.tar.gz"]  # the second call reuses the copy
    assert origin == f"github:xirui-li/MOSSBench@{COMMIT}" and folder.name == TOP
    for subset, size in (("benign", 300), ("contrast", 244)):
        statuses = [doc["data_status"] for doc in BENCHMARK.load(folder, {"subset": subset})]
        assert statuses == [OK] + [MISSING_IMAGE] * (size - 1)


def test_an_archive_with_other_item_lists_is_refused_and_deleted(shared_data, environment, monkeypatch):
    info = (shared_data / "mossbench" / "data" / "images_information" / "information.json").read_bytes()
    (environment / "other.tar.gz").write_bytes(_release(shared_data, info.replace(b"toys", b"blocks", 1)))
    with serve_folder(environment) as (url, _):
        monkeypatch.setenv("MOSSBENCH_ARCHIVE_URL", f"{url}/other.tar.gz")
        with pytest.raises(DataUnavailable, match="sha256"):
            locate(BENCHMARK.name, BENCHMARK.title, BENCHMARK.data)
    assert not BENCHMARK.data.source.target(BENCHMARK.name).exists()
