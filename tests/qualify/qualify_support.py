"""A local image mirror on 127.0.0.1 and small MSTS copies cut from the real one, for the qualify tests."""

from __future__ import annotations

import csv
import io
import threading
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from PIL import Image

from vlsbench_task.qualify import msts


def image_bytes(kind: str = "PNG", size: tuple[int, int] = (40, 30), colour=(200, 60, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, kind)
    return buffer.getvalue()


def mirror_path(url: str) -> str:
    """Where a mirror in the host/path layout keeps `url` (its query string is not part of the file)."""
    parts = urlsplit(url)
    return f"/{parts.netloc}{parts.path}"


class MirrorServer:
    """Serves `routes` ({path: [(status, body), ...]}: answered in turn, the last one repeated) and
    records every request's path (with its query) and User-Agent."""

    def __init__(self, routes: dict[str, list[tuple[int, bytes]]]):
        self.routes = routes
        self.requests: list[tuple[str, str]] = []
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def count(self, path: str) -> int:
        return sum(urlsplit(requested).path == path for requested, _ in self.requests)

    def __enter__(self) -> MirrorServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                path = urlsplit(self.path).path
                with server._lock:
                    seen = server.count(path)
                    server.requests.append((self.path, self.headers.get("User-Agent", "")))
                answers = server.routes.get(path, [(404, b"not found")])
                status, body = answers[min(seen, len(answers) - 1)]
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        return Handler


def small_msts(shared_msts: Path, folder: Path, rows: int) -> Path:
    """An MSTS copy in the published layout holding the first `rows` responses (and their auto-eval
    rows and images' entries) of the real one."""
    for relative, keep in ((msts.ANNOTATIONS, rows), (msts.AUTO_EVAL, rows), (msts.IMAGES_CSV, None)):
        table = msts.read_csv(shared_msts / relative)
        if keep is not None:
            table = table[:keep]
        _write_csv(folder / relative, table)
    return folder


def _write_csv(path: Path, table: Sequence[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(table[0]))
        writer.writeheader()
        writer.writerows(table)
