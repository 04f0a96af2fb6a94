"""The download path against an HTTP server on 127.0.0.1 that the tests start and stop.

The data is found as a task finds it: `locate` with MMSafeAware's pinned GitHub archive, the URL
overridden by MMSAFEAWARE_ARCHIVE_URL and the user cache under XDG_CACHE_HOME.
"""

import io
import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from archive_server import tar_gz
from PIL import Image

from vlsbench_task.base.data import DataUnavailable, locate
from vlsbench_task.base.images import OK
from vlsbench_task.benchmarks.mmsafeaware.benchmark import BENCHMARK, COMMIT
from vlsbench_task.benchmarks.mmsafeaware.dataset import load

pytestmark = pytest.mark.network
TOP = f"MMSafetyAwareness-{COMMIT}"
TARGET = f"Jarviswang94-MMSafetyAwareness-{COMMIT}"  # the extraction folder in the user cache


def locate_mmsafeaware():
    return locate("mmsafeaware", "MMSafeAware", BENCHMARK.data)


class _Server:
    """Serves `routes[path] = (status, body, declared length)`; counts the requests it answers."""

    def __init__(self):
        self.routes: dict[str, tuple[int, bytes, int]] = {}
        self.requests = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                server.requests += 1
                status, body, length = server.routes.get(self.path, (404, b"not found", 9))
                self.send_response(status)
                self.send_header("Content-Length", str(length))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)

    def serve(self, path: str, body: bytes, status: int = 200, length: int | None = None) -> str:
        self.routes[path] = (status, body, len(body) if length is None else length)
        return f"http://127.0.0.1:{self.httpd.server_port}{path}"


@pytest.fixture
def server(monkeypatch):
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")  # a proxy set in the environment must not intercept
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    instance = _Server()
    instance.thread.start()
    yield instance
    instance.httpd.shutdown()
    instance.httpd.server_close()
    instance.thread.join(timeout=5)


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """The user cache of vlsbench_task, in tmp_path; no local copy configured."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("MMSAFEAWARE_DATA_DIR", raising=False)
    monkeypatch.delenv("MMSAFEAWARE_ARCHIVE_URL", raising=False)
    return tmp_path / "cache" / "vlsbench_task"


def _cached(cache) -> list[str]:
    """What the MMSafeAware download folder holds: no archive, no partial download."""
    folder = cache / "mmsafeaware"
    return sorted(path.name for path in folder.iterdir()) if folder.is_dir() else []


def _image_bytes(mode: str, fmt: str) -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, (4, 4)).save(buffer, format=fmt)
    return buffer.getvalue()


@pytest.fixture
def release_archive(shared_data) -> bytes:
    """The release's layout with the real prompt file and two small images."""
    return tar_gz(
        {
            f"{TOP}/data/prompt.txt": (shared_data / "mmsafeaware" / "prompt.txt").read_bytes(),
            f"{TOP}/data/images/1.jpeg": _image_bytes("RGB", "JPEG"),
            f"{TOP}/data/images2/2001.png": _image_bytes("P", "PNG"),
        }
    )


def test_download_extract_verify_once(server, release_archive, cache, monkeypatch):
    monkeypatch.setenv("MMSAFEAWARE_ARCHIVE_URL", server.serve("/archive.tar.gz", release_archive))
    data_dir, origin = locate_mmsafeaware()
    assert origin == f"github:Jarviswang94/MMSafetyAwareness@{COMMIT}"
    docs = load(data_dir, {})
    assert [doc["id"] for doc in docs if doc["data_status"] == OK] == [1, 2001]
    assert len([doc for doc in docs if doc["data_status"] != OK]) == 1521
    assert locate_mmsafeaware() == (data_dir, origin)
    assert server.requests == 1  # the second call reuses the extraction
    assert _cached(cache) == [TARGET]  # the archive is gone once extracted


def test_environment_picks_the_url_and_the_cache(server, release_archive, cache, monkeypatch):
    monkeypatch.setenv("MMSAFEAWARE_ARCHIVE_URL", server.serve("/mirror.tar.gz", release_archive))
    data_dir, _ = locate_mmsafeaware()
    assert data_dir.is_relative_to(cache / "mmsafeaware" / TARGET)
    assert data_dir.name == "data" and data_dir.parent.name == TOP
    assert (data_dir / "images2" / "2001.png").is_file()


def test_local_folder_needs_no_network(shared_data, tmp_path, monkeypatch):
    shutil.copy(shared_data / "mmsafeaware" / "prompt.txt", tmp_path / "prompt.txt")
    monkeypatch.setenv("MMSAFEAWARE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("MMSAFEAWARE_ARCHIVE_URL", "http://127.0.0.1:9/never-fetched")
    assert locate_mmsafeaware() == (tmp_path, f"local:{tmp_path.resolve()}")


def test_a_local_folder_is_verified_too(tmp_path, monkeypatch):
    (tmp_path / "prompt.txt").write_text('1\nIs it safe?\n"x"\n')
    monkeypatch.setenv("MMSAFEAWARE_DATA_DIR", str(tmp_path))
    with pytest.raises(
        DataUnavailable, match=r"MMSAFEAWARE_DATA_DIR=.*sha256 [0-9a-f]{64} differs"
    ) as raised:
        locate_mmsafeaware()
    assert "\n" not in str(raised.value)
    assert (tmp_path / "prompt.txt").is_file()  # a local copy is the user's: never deleted


def test_wrong_content_is_rejected_and_not_kept(server, shared_data, cache, monkeypatch):
    prompts = (shared_data / "mmsafeaware" / "prompt.txt").read_bytes()
    url = server.serve("/other.tar.gz", tar_gz({f"{TOP}/data/prompt.txt": prompts + b"\n1154\n"}))
    monkeypatch.setenv("MMSAFEAWARE_ARCHIVE_URL", url)
    with pytest.raises(
        DataUnavailable, match=r"does not hold the expected data.*sha256 [0-9a-f]{64} differs"
    ):
        locate_mmsafeaware()
    assert _cached(cache) == []


def test_a_rejected_download_names_the_url_it_came_from(server, shared_data, cache, monkeypatch):
    prompts = (shared_data / "mmsafeaware" / "prompt.txt").read_bytes()
    url = server.serve("/other.tar.gz", tar_gz({f"{TOP}/data/prompt.txt": prompts + b"\n1154\n"}))
    monkeypatch.setenv("MMSAFEAWARE_ARCHIVE_URL", url)
    with pytest.raises(DataUnavailable, match=r"other\.tar\.gz"):
        locate_mmsafeaware()


def test_archive_escaping_its_folder_is_refused(server, cache, tmp_path, monkeypatch):
    url = server.serve("/evil.tar.gz", tar_gz({f"{TOP}/data/prompt.txt": b"1", "../escaped.txt": b"x"}))
    monkeypatch.setenv("MMSAFEAWARE_ARCHIVE_URL", url)
    with pytest.raises(DataUnavailable, match="refused unsafe member"):
        locate_mmsafeaware()
    assert not list(tmp_path.rglob("escaped.txt"))
    assert _cached(cache) == []


@pytest.mark.parametrize(
    ("status", "declared_extra", "reason"),
    [(404, 0, "404 Not Found"), (200, 1000, "peer closed connection without sending complete message body")],
    ids=["http-error", "connection-cut-short"],
)
def test_failed_download_leaves_nothing_behind(
    server, release_archive, cache, monkeypatch, status, declared_extra, reason
):
    url = server.serve("/broken.tar.gz", release_archive, status, len(release_archive) + declared_extra)
    monkeypatch.setenv("MMSAFEAWARE_ARCHIVE_URL", url)
    with pytest.raises(DataUnavailable, match="MMSafeAware: could not download") as raised:
        locate_mmsafeaware()
    message = str(raised.value)
    assert reason in message and "MMSAFEAWARE_DATA_DIR" in message and "\n" not in message
    assert _cached(cache) == []
