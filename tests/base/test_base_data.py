"""The one data layer: a local copy, a pinned hub revision (against a local hub emulator), and one-line
errors that name the benchmark, what was tried and the variable that points at a local copy."""

from __future__ import annotations

import io
import json
import socket
import tarfile
import time

import pytest
from hub_emulator import COMMIT, HubEmulator, run_fresh

from vlsbench_task.base.data import DataUnavailable, locate
from vlsbench_task.benchmarks.vlsbench.benchmark import BENCHMARK as VLSBENCH

_LOCATE = """
import json, sys
from vlsbench_task.base.data import DataUnavailable, locate
from vlsbench_task.benchmarks.vlsbench.benchmark import BENCHMARK
try:
    first = locate("vlsbench", "VLSBench", BENCHMARK.data, allow_download=sys.argv[1] == "download")
    second = locate("vlsbench", "VLSBench", BENCHMARK.data)
except DataUnavailable as error:
    print(json.dumps({"error": str(error)}))
else:
    docs = BENCHMARK.load(first[0], {})
    print(json.dumps({"origin": first[1], "same": first == second, "n": len(docs),
                      "statuses": sorted({doc["data_status"] for doc in docs})}))
"""


def _locate(env: dict[str, str], mode: str = "download") -> dict:
    """The real download, in a fresh interpreter: huggingface_hub reads its settings at import."""
    done = run_fresh(_LOCATE, env, mode, clear=("VLSBENCH_",))
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture
def hub_files(make_vlsbench_data) -> dict[str, bytes]:
    folder = make_vlsbench_data(5)
    archive = io.BytesIO()
    with tarfile.open(fileobj=archive, mode="w") as tar:
        tar.add(folder / "imgs", arcname="imgs")
    return {"data.json": (folder / "data.json").read_bytes(), "imgs.tar": archive.getvalue()}


def test_a_local_copy_is_used_as_it_is(make_vlsbench_data, monkeypatch):
    folder = make_vlsbench_data(3)
    monkeypatch.setenv("VLSBENCH_DATA_DIR", str(folder))
    assert locate("vlsbench", "VLSBench", VLSBENCH.data) == (folder, f"local:{folder.resolve()}")


@pytest.mark.parametrize(
    ("setting", "problem"), [("absent", "is not a folder"), ("empty", "has no data.json")]
)
def test_a_wrong_local_copy_names_the_variable_in_one_line(tmp_path, monkeypatch, setting, problem):
    folder = tmp_path / "copy"
    if setting == "empty":
        folder.mkdir()
    monkeypatch.setenv("VLSBENCH_DATA_DIR", str(folder))
    with pytest.raises(DataUnavailable) as raised:
        locate("vlsbench", "VLSBench", VLSBENCH.data)
    message = str(raised.value)
    assert message.startswith("VLSBench: VLSBENCH_DATA_DIR=") and problem in message and "\n" not in message


@pytest.mark.network
def test_the_hub_download_fetches_each_file_once_and_is_then_served_by_the_cache(hub_files, tmp_path):
    with HubEmulator({"Foreshhh/vlsbench": hub_files}) as hub:
        env = {"HF_ENDPOINT": hub.url, "HF_HOME": str(tmp_path / "hf"), "XDG_CACHE_HOME": str(tmp_path / "c")}
        report = _locate(env)
    assert report == {"origin": f"hub:Foreshhh/vlsbench@{COMMIT}", "same": True, "n": 5, "statuses": ["ok"]}
    assert sorted(hub.gets) == ["Foreshhh/vlsbench/data.json", "Foreshhh/vlsbench/imgs.tar"]


@pytest.mark.network
def test_a_revision_variable_pins_the_download(hub_files, tmp_path):
    with HubEmulator({"Foreshhh/vlsbench": hub_files}) as hub:
        env = {"HF_ENDPOINT": hub.url, "HF_HOME": str(tmp_path / "hf"), "VLSBENCH_REVISION": COMMIT}
        assert "origin" in _locate({**env, "XDG_CACHE_HOME": str(tmp_path / "c")})
    assert set(hub.revisions) == {COMMIT}


@pytest.mark.network
def test_looking_only_in_the_cache_never_downloads(hub_files, tmp_path):
    with HubEmulator({"Foreshhh/vlsbench": hub_files}) as hub:
        env = {"HF_ENDPOINT": hub.url, "HF_HOME": str(tmp_path / "hf"), "XDG_CACHE_HOME": str(tmp_path / "c")}
        report = _locate(env, mode="cache-only")
    assert hub.gets == [] and hub.revisions == []
    assert report["error"].startswith("VLSBench: looked for a downloaded copy of the Hugging Face dataset")
    assert report["error"].endswith(
        "Set VLSBENCH_DATA_DIR to a local copy holding data.json and imgs/ (or imgs.tar)"
    )


def test_offline_without_a_copy_fails_fast_in_one_line(tmp_path):
    started = time.monotonic()
    report = _locate(
        {"HF_HOME": str(tmp_path / "hf"), "HF_HUB_OFFLINE": "1", "XDG_CACHE_HOME": str(tmp_path)}
    )
    assert time.monotonic() - started < 60  # no retry storm against an unreachable hub
    message = report["error"]
    assert message.startswith(
        "VLSBench: could not download the Hugging Face dataset Foreshhh/vlsbench@main (2.45 GB)"
    )
    assert "Set VLSBENCH_DATA_DIR" in message and "\n" not in message


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.network
def test_an_unreachable_hub_fails_at_once_without_retries(tmp_path):
    started = time.monotonic()
    endpoint = f"http://127.0.0.1:{_closed_port()}"
    report = _locate(
        {"HF_ENDPOINT": endpoint, "HF_HOME": str(tmp_path / "hf"), "XDG_CACHE_HOME": str(tmp_path)}
    )
    assert time.monotonic() - started < 20  # huggingface_hub alone retries for ~25 s
    assert f"{endpoint.rsplit(':', 1)[0]} is not reachable" in report["error"]
    assert "Set VLSBENCH_DATA_DIR" in report["error"]


@pytest.mark.network
def test_an_unreachable_hub_still_serves_what_is_cached(hub_files, tmp_path):
    env = {"HF_HOME": str(tmp_path / "hf"), "XDG_CACHE_HOME": str(tmp_path / "c")}
    with HubEmulator({"Foreshhh/vlsbench": hub_files}) as hub:
        assert "origin" in _locate({**env, "HF_ENDPOINT": hub.url})
    report = _locate({**env, "HF_ENDPOINT": f"http://127.0.0.1:{_closed_port()}"})
    assert report["n"] == 5 and report["origin"] == f"hub:Foreshhh/vlsbench@{COMMIT}"
