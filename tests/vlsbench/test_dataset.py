"""Loading VLSBench from a local folder and from a (local) Hugging Face hub."""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from vlsbench_task.archives import UnsafeArchiveError
from vlsbench_task.vlsbench import dataset
from vlsbench_task.vlsbench.dataset import (
    EMPTY_INSTRUCTION,
    MISSING_IMAGE,
    OK,
    UNREADABLE_IMAGE,
    DataError,
    load_items,
    locate_data,
)


def test_real_rows_load_in_order_with_generated_images(make_vlsbench_data, vlsbench_rows):
    folder = make_vlsbench_data(12)
    items = load_items(folder / "data.json", folder)
    assert [item["instruction"] for item in items] == [row["instruction"] for row in vlsbench_rows[:12]]
    assert [item["row"] for item in items] == list(range(12))
    assert {item["data_status"] for item in items} == {OK}
    assert items[3]["image_file"] == str((folder / vlsbench_rows[3]["image_path"]).resolve())


def test_the_full_shared_data_json_has_the_papers_categories(vlsbench_rows):
    rows = dataset.TypeAdapter(list[dataset.VLSBenchRow]).validate_python(vlsbench_rows)
    counts = {}
    for row in rows:
        counts[row.category] = counts.get(row.category, 0) + 1
    assert len(rows) == 2241
    assert counts == {
        "Violent": 590,
        "Illegal Activity": 539,
        "Self-Harm": 370,
        "Erotic": 343,
        "Hate": 269,
        "Privacy": 130,
    }
    assert len({row.sub_category for row in rows}) == 19


def test_missing_and_corrupt_images_keep_their_rows_and_say_why(make_vlsbench_data):
    folder = make_vlsbench_data(8, missing=(2,), corrupt=(5,))
    items = load_items(folder / "data.json", folder)
    assert len(items) == 8
    assert [item["data_status"] for item in items] == [
        OK,
        OK,
        MISSING_IMAGE,
        OK,
        OK,
        UNREADABLE_IMAGE,
        OK,
        OK,
    ]


def test_empty_instruction_and_duplicated_ids_are_kept_and_reported(make_vlsbench_data):
    folder = make_vlsbench_data(4)
    rows = json.loads((folder / "data.json").read_text())
    rows[1]["instruction"] = "   "
    rows[3]["instruction_id"] = rows[0]["instruction_id"]
    (folder / "data.json").write_text(json.dumps(rows))
    items = load_items(folder / "data.json", folder)
    assert [item["data_status"] for item in items] == [OK, EMPTY_INSTRUCTION, OK, OK]
    assert items[0]["instruction_id"] == items[3]["instruction_id"] and items[0]["row"] != items[3]["row"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"rows": []}', "must hold a JSON list"),
        ("[{", "is not valid JSON"),
        (
            '[{"instruction_id": 1, "instruction": "x", "image_path": "imgs/1.png", "category": "Hate"}]',
            "sub_category",
        ),
    ],
)
def test_malformed_data_json_fails_with_a_message_that_says_what_is_wrong(tmp_path, content, message):
    (tmp_path / "data.json").write_text(content)
    with pytest.raises(DataError, match=message):
        load_items(tmp_path / "data.json", tmp_path)


def test_data_dir_with_only_imgs_tar_is_extracted_once(make_vlsbench_data, monkeypatch, tmp_path):
    folder = make_vlsbench_data(5)
    with tarfile.open(folder / "imgs.tar", "w") as tar:
        tar.add(folder / "imgs", arcname="imgs")
    for png in (folder / "imgs").iterdir():
        png.unlink()
    (folder / "imgs").rmdir()
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv(dataset.DATA_DIR_ENV, str(folder))
    data_json, image_root, origin = locate_data()
    assert origin == f"local:{folder.resolve()}"
    assert image_root.is_relative_to(tmp_path / "cache")
    assert {item["data_status"] for item in load_items(data_json, image_root)} == {OK}
    assert locate_data()[1] == image_root  # second call reuses the extraction


def test_a_tar_member_escaping_the_folder_is_refused(tmp_path, monkeypatch):
    (tmp_path / "data.json").write_text("[]")
    with tarfile.open(tmp_path / "imgs.tar", "w") as tar:
        payload = b"evil"
        member = tarfile.TarInfo("../../escaped.png")
        member.size = len(payload)
        tar.addfile(member, io.BytesIO(payload))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv(dataset.DATA_DIR_ENV, str(tmp_path))
    with pytest.raises(UnsafeArchiveError):
        locate_data()
    assert not list(tmp_path.rglob("escaped.png"))


def test_data_dir_without_data_json_names_the_variable(tmp_path, monkeypatch):
    monkeypatch.setenv(dataset.DATA_DIR_ENV, str(tmp_path))
    with pytest.raises(FileNotFoundError, match="VLSBENCH_DATA_DIR"):
        locate_data()


class _Hub:
    """Serves the two files of the dataset repo the way the hub's resolve endpoint does."""

    COMMIT = "0123456789abcdef0123456789abcdef01234567"

    def __init__(self, files: dict[str, bytes]):
        self.files, self.gets = files, []
        hub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _answer(self, with_body: bool):
                name = self.path.split("?")[0].removeprefix("/datasets/Foreshhh/vlsbench/resolve/main/")
                data = hub.files.get(name)
                if data is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if with_body:
                    hub.gets.append(name)
                self.send_response(200)
                self.send_header("X-Repo-Commit", hub.COMMIT)
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

    def __enter__(self):
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


_LOCATE_TWICE = """
import json
from vlsbench_task.vlsbench.dataset import load_items, locate_data
first, second = locate_data(), locate_data()
items = load_items(first[0], first[1])
print(json.dumps({"origin": first[2], "same_images": first[1] == second[1],
                  "statuses": sorted({item["data_status"] for item in items}), "n": len(items)}))
"""


def _locate_in_subprocess(env: dict[str, str]) -> subprocess.CompletedProcess:
    """Run the real download in a fresh interpreter: huggingface_hub reads its settings at import."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "VLSBENCH_"))}
    return subprocess.run(
        [sys.executable, "-c", _LOCATE_TWICE],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.network
def test_download_from_a_local_hub_fetches_each_file_once_and_extracts_the_tar(make_vlsbench_data, tmp_path):
    folder = make_vlsbench_data(6)
    tar_bytes = io.BytesIO()
    with tarfile.open(fileobj=tar_bytes, mode="w") as tar:
        tar.add(folder / "imgs", arcname="imgs")
    hub = _Hub({"data.json": (folder / "data.json").read_bytes(), "imgs.tar": tar_bytes.getvalue()})
    with hub as endpoint:
        env = {
            "HF_ENDPOINT": endpoint,
            "HF_HOME": str(tmp_path / "hf"),
            "XDG_CACHE_HOME": str(tmp_path / "cache"),
        }
        completed = _locate_in_subprocess(env)
    assert completed.returncode == 0, completed.stderr[-3000:]
    report = json.loads(completed.stdout.strip().splitlines()[-1])
    assert report == {
        "origin": f"hub:Foreshhh/vlsbench@{_Hub.COMMIT}",
        "same_images": True,
        "statuses": [OK],
        "n": 6,
    }
    assert sorted(hub.gets) == ["data.json", "imgs.tar"]  # the second call was served by the HF cache


def test_offline_without_a_cached_copy_tells_how_to_get_the_data(tmp_path):
    completed = _locate_in_subprocess({"HF_HOME": str(tmp_path / "hf"), "HF_HUB_OFFLINE": "1"})
    assert completed.returncode != 0
    assert "could not get VLSBench from the Hugging Face hub" in completed.stderr
    assert "VLSBENCH_DATA_DIR" in completed.stderr
