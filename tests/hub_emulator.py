"""A local stand-in for the Hugging Face hub's file endpoint, for download tests on 127.0.0.1.

It serves `/datasets/<repo>/resolve/<revision>/<path>` (HEAD and GET) the way huggingface_hub reads
it: the commit in `X-Repo-Commit`, an ETag, the bytes. Point `HF_ENDPOINT` at it in a fresh
interpreter (huggingface_hub reads its settings at import).

    with HubEmulator({"org/name": {"data.json": b"[]"}}) as hub:
        env = {"HF_ENDPOINT": hub.url, "HF_HOME": str(tmp_path / "hf")}
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

COMMIT = "0123456789abcdef0123456789abcdef01234567"
_RESOLVE = re.compile(r"^/datasets/(?P<repo>[^/]+/[^/]+)/resolve/(?P<revision>[^/]+)/(?P<path>[^?]+)")


class HubEmulator:
    def __init__(self, repos: dict[str, dict[str, bytes]], commit: str = COMMIT):
        self.repos, self.commit = repos, commit
        self.gets: list[str] = []  # "<repo>/<path>" of every body served
        self.revisions: list[str] = []  # the revision asked for, per request
        hub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # else each body waits for the client's delayed ACK

            def log_message(self, *args):
                pass

            def _answer(self, with_body: bool):
                match = _RESOLVE.match(self.path)
                data = hub.repos.get(match["repo"], {}).get(match["path"]) if match else None
                if data is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                hub.revisions.append(match["revision"])
                if with_body:
                    hub.gets.append(f"{match['repo']}/{match['path']}")
                self.send_response(200)
                self.send_header("X-Repo-Commit", hub.commit)
                self.send_header("ETag", f'"{hashlib.sha256(data).hexdigest()}"')
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if with_body:
                    self.wfile.write(data)

            def do_HEAD(self):
                self._answer(with_body=False)

            def do_GET(self):
                self._answer(with_body=True)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self) -> HubEmulator:
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def write_folder(folder: Path, files: dict[str, bytes]) -> Path:
    """A local copy of a repository's files, as a user's `<NAME>_DATA_DIR` would hold them."""
    for name, data in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return folder


def run_fresh(
    script: str, env: dict[str, str], *args: str, clear: tuple[str, ...] = (), timeout: int = 120
) -> subprocess.CompletedProcess:
    """Run `script` in a new interpreter (huggingface_hub reads HF_ENDPOINT and HF_HUB_OFFLINE at
    import) with `env` over the caller's environment, less its HF_* variables and those in `clear`."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", *clear))}
    return subprocess.run(
        [sys.executable, "-c", script, *args],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
