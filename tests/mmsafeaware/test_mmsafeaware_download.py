"""The download path against an HTTP server on 127.0.0.1 that the tests start and stop."""

import io
import tarfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from PIL import Image

from vlsbench_task.archives import UnsafeArchiveError
from vlsbench_task.mmsafeaware.dataset import DataVerificationError, load_benchmark
from vlsbench_task.mmsafeaware.download import COMMIT, ensure_downloaded, resolve_data_dir

pytestmark = pytest.mark.network
TOP = f"MMSafetyAwareness-{COMMIT}"


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


def _cached(cache_dir) -> list[str]:
    """What the cache holds besides its lock file: no archive, no partial download."""
    return sorted(path.name for path in cache_dir.iterdir() if path.name != ".download.lock")


def _image_bytes(mode: str, fmt: str) -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, (4, 4)).save(buffer, format=fmt)
    return buffer.getvalue()


def _tar_gz(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


@pytest.fixture
def release_archive(shared_data) -> bytes:
    """The release's layout with the real prompt file and two small images."""
    return _tar_gz(
        {
            f"{TOP}/data/prompt.txt": (shared_data / "mmsafeaware" / "prompt.txt").read_bytes(),
            f"{TOP}/data/images/1.jpeg": _image_bytes("RGB", "JPEG"),
            f"{TOP}/data/images2/2001.png": _image_bytes("P", "PNG"),
        }
    )


def test_download_extract_verify_once(server, release_archive, tmp_path):
    url = server.serve("/archive.tar.gz", release_archive)
    data_dir = ensure_downloaded(url, cache_dir=tmp_path)
    benchmark = load_benchmark(data_dir)
    assert [row["id"] for row in benchmark.rows] == [1, 2001]
    assert len(benchmark.missing_image_ids) == 1521
    assert ensure_downloaded(url, cache_dir=tmp_path) == data_dir
    assert server.requests == 1  # the second call reuses the extraction
    assert _cached(tmp_path) == [TOP]  # the archive is gone once extracted


def test_environment_picks_the_url_and_the_cache(server, release_archive, tmp_path, monkeypatch):
    monkeypatch.delenv("MMSAFEAWARE_DATA_DIR", raising=False)
    monkeypatch.setenv("MMSAFEAWARE_ARCHIVE_URL", server.serve("/mirror.tar.gz", release_archive))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    data_dir = resolve_data_dir()
    assert data_dir.is_relative_to(tmp_path / "cache" / "vlsbench_task" / "mmsafeaware")
    assert (data_dir / "images2" / "2001.png").is_file()


def test_local_folder_needs_no_network(tmp_path, monkeypatch):
    monkeypatch.setenv("MMSAFEAWARE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("MMSAFEAWARE_ARCHIVE_URL", "http://127.0.0.1:9/never-fetched")
    assert resolve_data_dir() == tmp_path


def test_wrong_content_is_rejected_and_not_kept(server, shared_data, tmp_path):
    prompts = (shared_data / "mmsafeaware" / "prompt.txt").read_bytes()
    url = server.serve("/other.tar.gz", _tar_gz({f"{TOP}/data/prompt.txt": prompts + b"\n1154\n"}))
    with pytest.raises(DataVerificationError, match=r"download from .*other\.tar\.gz rejected.*sha256"):
        ensure_downloaded(url, cache_dir=tmp_path)
    assert _cached(tmp_path) == []


def test_archive_escaping_its_folder_is_refused(server, tmp_path):
    url = server.serve("/evil.tar.gz", _tar_gz({f"{TOP}/data/prompt.txt": b"1", "../escaped.txt": b"x"}))
    cache_dir = tmp_path / "cache"
    with pytest.raises(UnsafeArchiveError):
        ensure_downloaded(url, cache_dir=cache_dir)
    assert not (tmp_path / "escaped.txt").exists()
    assert _cached(cache_dir) == []


@pytest.mark.parametrize(
    ("status", "declared_extra", "error"),
    [(404, 0, httpx.HTTPStatusError), (200, 1000, httpx.RemoteProtocolError)],
    ids=["http-error", "connection-cut-short"],
)
def test_failed_download_leaves_nothing_behind(
    server, release_archive, tmp_path, status, declared_extra, error
):
    url = server.serve("/broken.tar.gz", release_archive, status, len(release_archive) + declared_extra)
    with pytest.raises(error):
        ensure_downloaded(url, cache_dir=tmp_path)
    assert _cached(tmp_path) == []
