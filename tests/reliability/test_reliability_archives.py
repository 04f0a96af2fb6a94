"""Point 7: archives never write outside their folder, and partial downloads or extractions are never used."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import tarfile
import threading
import time
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from vlsbench_task.archives import UnsafeArchiveError, extract_once
from vlsbench_task.base.data import DataUnavailable, locate
from vlsbench_task.benchmarks.mmsafeaware.benchmark import BENCHMARK, COMMIT


def _tar(path: Path, members: list[tuple[tarfile.TarInfo, bytes]], mode: str = "w") -> Path:
    with tarfile.open(path, mode) as tar:
        for info, data in members:
            info.size = len(data) if info.isreg() else 0
            tar.addfile(info, io.BytesIO(data) if info.isreg() else None)
    return path


def _member(name: str, kind: bytes = tarfile.REGTYPE, link: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, link
    return info


def _leftovers(parent: Path) -> list[str]:
    return sorted(path.name for path in parent.iterdir())


UNSAFE_TARS = {
    "dot-dot": [(_member("imgs/../../escaped.png"), b"x")],
    "symlink-absolute": [(_member("imgs/passwd", tarfile.SYMTYPE, "/etc/passwd"), b"")],
    "symlink-up": [(_member("imgs/up", tarfile.SYMTYPE, "../../.."), b"")],
    "symlink-then-write-through-it": [
        (_member("imgs/out", tarfile.SYMTYPE, "../.."), b""),
        (_member("imgs/out/escaped.png"), b"x"),
    ],
    "hardlink-outside": [(_member("imgs/hard", tarfile.LNKTYPE, "../../victim.txt"), b"")],
    "device": [(_member("imgs/dev", tarfile.CHRTYPE), b"")],
}


@pytest.mark.parametrize("members", UNSAFE_TARS.values(), ids=UNSAFE_TARS.keys())
def test_an_unsafe_tar_is_refused_and_leaves_nothing(tmp_path, members):
    (tmp_path / "victim.txt").write_text("untouched")
    archive = _tar(tmp_path / "imgs.tar", [(_member("imgs/ok.png"), b"fine"), *members])
    work = tmp_path / "cache" / "extract"
    work.mkdir(parents=True)
    with pytest.raises(UnsafeArchiveError, match=r"imgs\.tar"):
        extract_once(archive, work / "target")
    assert _leftovers(work) == []  # no target, no staging folder
    assert (tmp_path / "victim.txt").read_text() == "untouched"
    assert not (tmp_path / "escaped.png").exists() and not (tmp_path.parent / "escaped.png").exists()


def test_an_absolute_tar_member_lands_inside_the_folder(tmp_path):
    """The tar `data` filter strips the leading `/` (it does not refuse the member): still contained."""
    outside = tmp_path / "outside" / "escaped.png"
    archive = _tar(tmp_path / "imgs.tar", [(_member(str(outside)), b"x")])
    target = extract_once(archive, tmp_path / "cache" / "target")
    assert not outside.exists()
    assert (target / str(outside).lstrip("/")).read_bytes() == b"x"


def _zip_with(name: str, data: bytes = b"x", symlink: bool = False) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("imgs/ok.png", b"fine")
        info = zipfile.ZipInfo(name)
        if symlink:
            info.external_attr = (0o120777 << 16) | 0x10
        archive.writestr(info, data)
    return buffer.getvalue()


UNSAFE_ZIPS = {
    "dot-dot": _zip_with("imgs/../../escaped.png"),
    "absolute": _zip_with(f"/{Path(__file__).stem}-escaped.png"),
    "symlink-outside": _zip_with("imgs/link", b"../../victim.txt", symlink=True),
}


@pytest.mark.parametrize("payload", UNSAFE_ZIPS.values(), ids=UNSAFE_ZIPS.keys())
def test_an_unsafe_zip_is_refused_and_leaves_nothing(tmp_path, payload):
    (tmp_path / "victim.txt").write_text("untouched")
    archive = tmp_path / "imgs.zip"
    archive.write_bytes(payload)
    work = tmp_path / "cache" / "extract"
    work.mkdir(parents=True)
    with pytest.raises(UnsafeArchiveError, match=r"imgs\.zip"):
        extract_once(archive, work / "target")
    assert _leftovers(work) == []
    assert (tmp_path / "victim.txt").read_text() == "untouched"
    assert not (tmp_path / "escaped.png").exists()


def test_a_stale_half_extraction_is_replaced_not_trusted(tmp_path):
    archive = _tar(tmp_path / "imgs.tar", [(_member("imgs/a.png"), b"A"), (_member("imgs/b.png"), b"B")])
    target = tmp_path / "cache" / "target"
    (target / "imgs").mkdir(parents=True)
    (target / "imgs" / "a.png").write_bytes(b"half")  # an older run died here: no completion marker
    (target / "imgs" / "junk.png").write_bytes(b"junk")
    assert extract_once(archive, target) == target
    assert sorted(p.name for p in (target / "imgs").iterdir()) == ["a.png", "b.png"]
    assert (target / "imgs" / "a.png").read_bytes() == b"A"
    assert _leftovers(target.parent) == ["target"]


_EXTRACT = "import sys; from pathlib import Path; from vlsbench_task.archives import extract_once; extract_once(Path(sys.argv[1]), Path(sys.argv[2]))"


def test_an_extraction_killed_midway_is_never_used(tmp_path):
    big = tmp_path / "imgs.tar.gz"  # ~256 MB of zeros, small on disk: takes a while to extract
    with tarfile.open(big, "w:gz", compresslevel=1) as tar:
        for index in range(4):
            info = _member(f"imgs/{index}.png")
            info.size = 64 * 2**20
            tar.addfile(info, io.BytesIO(bytes(info.size)))
    work = tmp_path / "cache"
    work.mkdir()
    process = subprocess.Popen([sys.executable, "-c", _EXTRACT, str(big), str(work / "target")])
    deadline = time.monotonic() + 60
    while process.poll() is None and time.monotonic() < deadline:
        staging = [p for p in work.iterdir() if p.name.startswith(".target.")]
        if staging and any(staging[0].rglob("*.png")):
            break
        time.sleep(0.01)
    assert process.poll() is None, "the extraction finished before it could be interrupted"
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert not (work / "target").exists()  # only the hidden staging folder is left behind
    target = extract_once(big, work / "target")
    assert sorted(p.name for p in (target / "imgs").iterdir()) == [f"{i}.png" for i in range(4)]
    assert all(p.stat().st_size == 64 * 2**20 for p in (target / "imgs").iterdir())


class _StallingServer:
    """Serves `/good` whole; `/stall` sends the first half of the body and then hangs."""

    def __init__(self, body: bytes):
        self.release = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.path == "/stall":
                    self.wfile.write(body[: len(body) // 2])
                    self.wfile.flush()
                    server.release.wait(60)
                    return
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self):
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


def _release_archive(prompt: bytes) -> bytes:
    buffer = io.BytesIO()
    top = f"MMSafetyAwareness-{COMMIT}"
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, data in {
            f"{top}/data/prompt.txt": prompt,
            f"{top}/data/images/1.jpeg": os.urandom(300_000),
        }.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


# The download as a task makes it: MMSAFEAWARE_ARCHIVE_URL and XDG_CACHE_HOME come from the environment.
_DOWNLOAD = """
from vlsbench_task.base.data import locate
from vlsbench_task.benchmarks.mmsafeaware.benchmark import BENCHMARK
print(locate("mmsafeaware", "MMSafeAware", BENCHMARK.data)[0])
"""


def _download_env(url: str, cache: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MMSAFEAWARE_")}
    return {
        **env,
        "MMSAFEAWARE_ARCHIVE_URL": url,
        "XDG_CACHE_HOME": str(cache),
        "NO_PROXY": "127.0.0.1",
        "no_proxy": "127.0.0.1",
    }


@pytest.mark.network
def test_a_download_killed_midway_is_never_used_and_the_next_one_is_verified(shared_data, tmp_path):
    prompt = (shared_data / "mmsafeaware" / "prompt.txt").read_bytes()
    cache = tmp_path / "cache"
    downloads = cache / "vlsbench_task" / "mmsafeaware"  # where the archive lands and is extracted
    target = BENCHMARK.data.source.target("mmsafeaware")
    with _StallingServer(_release_archive(prompt)) as server:
        process = subprocess.Popen(
            [sys.executable, "-c", _DOWNLOAD], env=_download_env(server.url + "/stall", cache)
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not [p for p in downloads.glob("*.part") if p.stat().st_size]:
            time.sleep(0.02)
        assert process.poll() is None, "the download ended before it could be interrupted"
        process.send_signal(signal.SIGKILL)  # mid-download: no `finally` runs
        process.wait(timeout=30)
        assert [p.name for p in downloads.iterdir() if p.name.endswith(".tar.gz")] == []  # only a .part
        assert not (downloads / target.name).exists()

        completed = subprocess.run(
            [sys.executable, "-c", _DOWNLOAD],
            env=_download_env(server.url + "/good", cache), capture_output=True, text=True, timeout=120,
        )  # fmt: skip
    assert completed.returncode == 0, completed.stderr[-3000:]
    data_dir = Path(completed.stdout.strip().splitlines()[-1])
    assert data_dir.is_relative_to(downloads / target.name)
    assert (data_dir / "prompt.txt").read_bytes() == prompt


@pytest.mark.network
def test_a_download_with_the_wrong_prompt_file_stops_with_the_hashes_and_is_deleted(
    shared_data, tmp_path, monkeypatch
):
    prompt = (shared_data / "mmsafeaware" / "prompt.txt").read_bytes()
    altered = prompt.replace(b"a", b"A", 1)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    monkeypatch.delenv("MMSAFEAWARE_DATA_DIR", raising=False)
    with _StallingServer(_release_archive(altered)) as server:
        monkeypatch.setenv("MMSAFEAWARE_ARCHIVE_URL", server.url + "/good")
        with pytest.raises(
            DataUnavailable, match=r"does not hold the expected data.*sha256 [0-9a-f]{64} differs"
        ):
            locate("mmsafeaware", "MMSafeAware", BENCHMARK.data)
    assert list((tmp_path / "vlsbench_task" / "mmsafeaware").iterdir()) == []  # deleted, archive too
