"""MSTS images: downloaded once from a mirror on 127.0.0.1, verified, cached with a manifest."""

from __future__ import annotations

import hashlib
import json

import pytest
from PIL import Image
from qualify_support import MirrorServer, image_bytes, mirror_path

from vlsbench_task.qualify.images import FAIL_FAST, MIRROR_VARIABLE, fetch_images, mirrored
from vlsbench_task.qualify.msts import IMAGES_DIR, ImageSource

pytestmark = pytest.mark.network

WIKIMEDIA = "https://upload.wikimedia.org/wikipedia/commons"


def source(image_id: str, url: str, licence: str = "CC BY 2.0") -> ImageSource:
    return ImageSource(
        image_id=image_id, case_id=f"case_{image_id}", url=url, licence=licence, description="x"
    )


PNG, JPEG = image_bytes("PNG"), image_bytes("JPEG", (64, 48))
SOURCES = [
    source("img_png", f"{WIKIMEDIA}/8/82/Virus.png?20210922032455", "Public domain"),
    source("img_jpeg", "https://www.publicdomainpictures.net/pictures/1/grenade.jpg", "CC0"),
    source("img_gone", f"{WIKIMEDIA}/0/00/Gone.jpg"),
    source("img_html", "https://images.unsplash.com/photo-1?q=80&w=3087", "Unsplash License"),
    source("img_truncated", f"{WIKIMEDIA}/1/11/Cut.jpg"),
    source("img_busy", f"{WIKIMEDIA}/2/22/Busy.png"),  # answers 503 once, then the image
]
ROUTES = {
    mirror_path(SOURCES[0].url): [(200, PNG)],
    mirror_path(SOURCES[1].url): [(200, JPEG)],
    mirror_path(SOURCES[3].url): [(200, b"<html><body>Please log in</body></html>")],
    mirror_path(SOURCES[4].url): [(200, JPEG[: len(JPEG) // 2])],
    mirror_path(SOURCES[5].url): [(503, b"busy"), (200, PNG)],
}


@pytest.fixture
def mirror(monkeypatch):
    with MirrorServer(ROUTES) as server:
        monkeypatch.setenv(MIRROR_VARIABLE, f"{server.url}/")
        yield server


def test_mirror_keeps_host_path_and_query():
    url = "https://upload.wikimedia.org/a/b.png?x=1"
    assert mirrored(url, "http://127.0.0.1:9/m/") == "http://127.0.0.1:9/m/upload.wikimedia.org/a/b.png?x=1"
    assert mirrored(url, None) == url


def test_images_are_downloaded_once_verified_and_recorded(mirror, tmp_path):
    cache = tmp_path / "cache"
    found = fetch_images(SOURCES, cache_dir=cache, workers=3)

    assert {key: image.origin for key, image in found.items()} == {
        "img_png": "download",
        "img_jpeg": "download",
        "img_gone": "",
        "img_html": "",
        "img_truncated": "",
        "img_busy": "download",
    }
    assert "HTTP 404" in found["img_gone"].problem
    assert "did not give a decodable image" in found["img_html"].problem
    assert "did not give a decodable image" in found["img_truncated"].problem
    assert mirror.count(mirror_path(SOURCES[5].url)) == 2  # retried after the 503
    assert any(path.endswith("?20210922032455") for path, _ in mirror.requests)  # the query is kept
    assert all(agent.startswith("vlsbench-task/") for _, agent in mirror.requests)

    manifest = json.loads((cache / "manifest.json").read_text())["images"]
    assert sorted(manifest) == ["img_busy", "img_jpeg", "img_png"]
    entry = manifest["img_jpeg"]
    assert entry["file"] == "img_jpeg.jpg" and entry["url"] == SOURCES[1].url and entry["licence"] == "CC0"
    assert entry["bytes"] == len(JPEG) and entry["sha256"] == hashlib.sha256(JPEG).hexdigest()
    assert found["img_png"].sha256 == hashlib.sha256(PNG).hexdigest()
    with Image.open(found["img_png"].path) as image:
        assert image.format == "PNG"
    assert not list(cache.glob("*.part"))  # failed downloads leave nothing behind

    before = len(mirror.requests)
    again = fetch_images(SOURCES[:2], cache_dir=cache)
    assert [image.origin for image in again.values()] == ["cache", "cache"]
    assert len(mirror.requests) == before  # nothing fetched twice

    # A cached file that no longer matches its manifest entry is fetched again.
    (cache / "img_png.png").write_bytes(image_bytes("PNG", colour=(0, 0, 0)))
    refreshed = fetch_images(SOURCES[:1], cache_dir=cache)
    assert refreshed["img_png"].origin == "download" and mirror.count(mirror_path(SOURCES[0].url)) == 2
    assert (cache / "img_png.png").read_bytes() == PNG


def test_a_local_copy_is_used_and_downloads_can_be_turned_off(mirror, tmp_path):
    copy = tmp_path / "msts"
    (copy / IMAGES_DIR).mkdir(parents=True)
    (copy / IMAGES_DIR / "img_png.jpg").write_bytes(JPEG)  # the authors' script names PNGs .jpg too
    found = fetch_images(SOURCES[:2], local_folder=copy, download=False, cache_dir=tmp_path / "cache")
    assert found["img_png"].origin == "local" and found["img_png"].sha256 == hashlib.sha256(JPEG).hexdigest()
    assert found["img_jpeg"].path is None and "downloads are off" in found["img_jpeg"].problem
    assert mirror.requests == []


def test_without_a_reachable_host_the_downloads_stop_after_a_few(tmp_path, monkeypatch):
    monkeypatch.setenv(MIRROR_VARIABLE, "http://127.0.0.1:9")  # the discard port: connection refused
    sources = [source(f"img_{index}", f"{WIKIMEDIA}/{index}/x.png") for index in range(40)]
    found = fetch_images(sources, cache_dir=tmp_path / "cache", workers=4)
    problems = [image.problem for image in found.values()]
    assert all(image.path is None for image in found.values())
    tried = [problem for problem in problems if problem.startswith("download failed")]
    assert FAIL_FAST <= len(tried) < FAIL_FAST + 4  # those under way when it gave up still finish
    assert "ConnectError" in tried[0]
    skipped = [problem for problem in problems if problem.startswith("not tried")]
    assert len(skipped) == len(sources) - len(tried) and "downloads reached no server" in skipped[0]
