"""The pinned GitHub archive, downloaded from a server on 127.0.0.1 through the real data layer."""

from __future__ import annotations

import pytest
from archive_server import serve_folder, tar_gz

from vlsbench_task.base.data import DataUnavailable, locate
from vlsbench_task.base.images import MISSING_IMAGE, OK
from vlsbench_task.benchmarks.figstep.benchmark import BENCHMARK
from vlsbench_task.benchmarks.figstep.dataset import COMMIT

pytestmark = pytest.mark.network
TOP = f"FigStep-{COMMIT}"  # the folder GitHub's archive of the commit unpacks to
IMAGE = "data/images/SafeBench/query_ForbidQI_1_1_6.png"


def _release(shared_data, safebench_csv: bytes | None = None) -> bytes:
    """The repository's layout with the real question lists and one image."""
    copy = shared_data / "figstep"
    return tar_gz(
        {
            f"{TOP}/data/question/safebench.csv": safebench_csv
            or (copy / "data/question/safebench.csv").read_bytes(),
            f"{TOP}/data/question/SafeBench-Tiny.csv": (
                copy / "data/question/SafeBench-Tiny.csv"
            ).read_bytes(),
            f"{TOP}/{IMAGE}": (copy / IMAGE).read_bytes(),
        }
    )


@pytest.fixture
def served(tmp_path, monkeypatch):
    monkeypatch.delenv("FIGSTEP_DATA_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    (tmp_path / "served").mkdir()
    return tmp_path / "served"


def test_the_default_source_is_the_pinned_commit():
    assert BENCHMARK.data.source.url == f"https://codeload.github.com/ThuCCSLab/FigStep/tar.gz/{COMMIT}"


def test_archive_is_downloaded_once_verified_and_loaded(shared_data, served, monkeypatch):
    (served / "release.tar.gz").write_bytes(_release(shared_data))
    with serve_folder(served) as (url, requested):
        monkeypatch.setenv("FIGSTEP_ARCHIVE_URL", f"{url}/release.tar.gz")
        folder, origin = locate(BENCHMARK.name, BENCHMARK.title, BENCHMARK.data)
        again, _ = locate(BENCHMARK.name, BENCHMARK.title, BENCHMARK.data)
    assert again == folder and requested == ["/release.tar.gz"]  # the second call reuses the copy
    assert origin == f"github:ThuCCSLab/FigStep@{COMMIT}" and folder.name == TOP
    statuses = [doc["data_status"] for doc in BENCHMARK.load(folder, {"subset": "safebench"})]
    assert statuses == [OK] + [MISSING_IMAGE] * 499


def test_an_archive_with_other_questions_is_refused_and_deleted(shared_data, served, monkeypatch):
    original = (shared_data / "figstep" / "data/question/safebench.csv").read_bytes()
    (served / "other.tar.gz").write_bytes(_release(shared_data, original.replace(b"drugs", b"tea", 1)))
    with serve_folder(served) as (url, _):
        monkeypatch.setenv("FIGSTEP_ARCHIVE_URL", f"{url}/other.tar.gz")
        with pytest.raises(DataUnavailable, match="sha256"):
            locate(BENCHMARK.name, BENCHMARK.title, BENCHMARK.data)
    assert not BENCHMARK.data.source.target(BENCHMARK.name).exists()
