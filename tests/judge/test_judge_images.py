"""Images are sent at the size the OpenAI API would use anyway, and their sizes are recorded."""

from __future__ import annotations

import base64
import io
import os
import time
from pathlib import Path

import pytest
from PIL import Image
from vlsbench_task.judge import JudgeEngine, JudgeSettings
from vlsbench_task.judge.images import target_size
from vlsbench_task.judge.local_server import LocalJudgeServer

from vlsbench_task.benchmarks.vlsbench.benchmark import RUBRIC


@pytest.mark.parametrize(
    ("size", "max_side", "expected"),
    [
        ((4096, 1024), 2048, (2048, 512)),  # fits 2048 x 2048; short side already under 768
        ((1600, 1200), 2048, (1024, 768)),  # short side brought to 768
        ((3000, 3000), 2048, (768, 768)),
        ((500, 300), 2048, (500, 300)),  # never enlarged
        ((1600, 1200), 0, (1600, 1200)),  # 0 turns scaling off
        ((1600, 1200), 1000, (1000, 750)),  # a smaller limit wins over the short-side rule
    ],
)
def test_target_size(size, max_side, expected):
    assert target_size(size, max_side) == expected


def sent_image(body: dict) -> Image.Image:
    url = next(
        part["image_url"]["url"] for part in body["messages"][-1]["content"] if part["type"] == "image_url"
    )
    return Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1])))


@pytest.mark.network
def test_large_images_are_downscaled_and_both_sizes_recorded(make_items, settings_for):
    (item,) = make_items(1, size=(1600, 1200))
    with LocalJudgeServer(rubrics=[RUBRIC]) as server:
        (verdict,), stats = JudgeEngine(settings_for(server)).judge_all([item])
        received = sent_image(server.requests[0])
    assert received.size == (1024, 768)
    assert verdict.image.original_size == (1600, 1200)
    assert verdict.image.sent_size == (1024, 768) and verdict.image.resized
    assert verdict.image.sent_bytes == stats.image_bytes_sent > 0


@pytest.mark.network
def test_image_max_side_zero_sends_the_original(make_items, settings_for, monkeypatch):
    monkeypatch.setenv("VLSBENCH_TASK_JUDGE_IMAGE_MAX_SIDE", "0")
    assert JudgeSettings.from_env().image_max_side == 0
    (item,) = make_items(1, size=(1600, 1200))
    original = Path(item.image_path).read_bytes()
    with LocalJudgeServer(rubrics=[RUBRIC]) as server:
        (verdict,), _ = JudgeEngine(settings_for(server, image_max_side=0)).judge_all([item])
        url = server.requests[0]["messages"][-1]["content"][0]["image_url"]["url"]
    assert url == "data:image/png;base64," + base64.b64encode(original).decode()
    assert verdict.image.sent_size == (1600, 1200) and not verdict.image.resized


def test_sixteen_bit_greyscale_is_scaled_not_clipped_to_white():
    from vlsbench_task.judge.images import to_rgb

    grey = Image.new("I;16", (4, 4), 30000)  # 30000 / 65535 of full scale
    assert to_rgb(grey).getpixel((0, 0)) == (117, 117, 117)
    assert grey.convert("RGB").getpixel((0, 0)) == (255, 255, 255)  # what a plain convert gives


@pytest.mark.parametrize(("mode", "fmt"), [("CMYK", "JPEG"), ("I;16", "PNG")])
def test_modes_an_api_may_refuse_are_sent_as_rgb_jpeg(mode, fmt):
    from vlsbench_task.judge.images import prepare_image

    buffer = io.BytesIO()
    Image.new(mode, (40, 30)).save(buffer, format=fmt)
    prepared = prepare_image(buffer.getvalue(), max_side=2048)
    assert prepared.data_url.startswith("data:image/jpeg;base64,")
    decoded = Image.open(io.BytesIO(base64.b64decode(prepared.data_url.split(",", 1)[1])))
    assert decoded.mode == "RGB" and decoded.size == (40, 30)
    assert prepared.info.sent_size == prepared.info.original_size == (40, 30)


def test_plain_png_is_sent_byte_for_byte():
    from vlsbench_task.judge.images import prepare_image

    buffer = io.BytesIO()
    Image.new("P", (40, 30)).save(buffer, format="PNG")
    prepared = prepare_image(buffer.getvalue(), max_side=2048)
    assert base64.b64decode(prepared.data_url.split(",", 1)[1]) == buffer.getvalue()


def test_the_header_says_whether_an_image_is_slow_to_prepare(tmp_path):
    from vlsbench_task.judge.images import LARGE_BYTES, LARGE_PIXELS, slow_to_prepare

    side = int(LARGE_PIXELS**0.5)
    images = {
        "decoded_at_the_limit.jpg": Image.new("RGB", (side, side)),
        "decoded_one_row_more.jpg": Image.new("RGB", (side, side + 1)),
        "scaled.png": Image.new("RGB", (1000, 800)),  # short side brought to 768
        "checksums_only.png": Image.new("RGB", (700, 700)),  # sent as it is
        "many_bytes.png": Image.frombytes("RGB", (300, 300), os.urandom(300 * 300 * 3)),
    }
    for name, image in images.items():
        image.save(tmp_path / name)
    assert (tmp_path / "many_bytes.png").stat().st_size > LARGE_BYTES
    (tmp_path / "not_an_image.png").write_bytes(b"plain text")
    slow = {path.name for path in tmp_path.iterdir() if slow_to_prepare(str(path), max_side=2048)}
    assert slow == {"decoded_one_row_more.jpg", "scaled.png", "many_bytes.png"}
    assert not slow_to_prepare(str(tmp_path / "missing.png"), 2048) and not slow_to_prepare(None, 2048)


@pytest.mark.parametrize("lenient", [False, True])
@pytest.mark.parametrize(("fmt", "cut"), [("PNG", "half"), ("PNG", "end"), ("JPEG", "half"), ("JPEG", "end")])
def test_an_image_sent_as_it_is_must_be_whole(fmt, cut, lenient, monkeypatch):
    """An image sent byte for byte is not decoded in full, but read to its end: a PNG's chunk
    checksums, a JPEG's stream at an eighth of its size. A file cut short is refused, a PNG even
    after its last pixel (which decoding would have let pass), and also once lmms-eval is imported
    (`lenient`: it sets Pillow's LOAD_TRUNCATED_IMAGES), whose setting is left as it was."""
    from PIL import ImageFile
    from vlsbench_task.judge.images import prepare_image

    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", lenient)
    buffer = io.BytesIO()
    Image.frombytes("RGB", (64, 48), os.urandom(64 * 48 * 3)).save(buffer, format=fmt)
    whole = buffer.getvalue()
    end = len(whole) // 2 if cut == "half" else len(whole) - 5
    with pytest.raises((OSError, ValueError)):
        prepare_image(whole[:end], max_side=2048)
    assert prepare_image(whole, max_side=2048).info.sent_bytes == len(whole)
    for size in [(1, 1), (7, 900)]:  # under 8 pixels on a side
        buffer = io.BytesIO()
        Image.new("RGB", size).save(buffer, format=fmt)
        assert prepare_image(buffer.getvalue(), max_side=2048).info.sent_size == size
    assert ImageFile.LOAD_TRUNCATED_IMAGES is lenient


def test_images_checked_in_threads_at_once_leave_lmms_evals_setting_as_it_was(monkeypatch):
    """Each check turns LOAD_TRUNCATED_IMAGES off and back on: done in several threads at once,
    only the last one out may put it back, or a truncated file would pass or the setting stay off."""
    from concurrent.futures import ThreadPoolExecutor

    from PIL import ImageFile
    from vlsbench_task.judge.images import prepare_image

    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    buffer = io.BytesIO()
    Image.frombytes("RGB", (256, 192), os.urandom(256 * 192 * 3)).save(buffer, format="JPEG")
    cut = buffer.getvalue()[: len(buffer.getvalue()) // 2]

    def refused(_: int) -> bool:
        try:
            prepare_image(cut, max_side=2048)
        except (OSError, ValueError):
            return True
        return False

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert all(pool.map(refused, range(400)))
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True


@pytest.mark.network
def test_a_large_image_is_scaled_while_the_other_requests_go_out(make_items, settings_for, monkeypatch):
    """Scaling a large image blocks on purpose until the server has the three small items'
    requests: had it run on the event loop that sends them, none could have gone out meanwhile."""
    from vlsbench_task.judge import engine as engine_module

    large, small = make_items(1, size=(1600, 1200)), make_items(3)
    prepare_image, seen_while_scaling = engine_module.prepare_image, []

    def slow_prepare(raw: bytes, max_side: int):
        prepared = prepare_image(raw, max_side)
        if prepared.info.resized:
            deadline = time.monotonic() + 10
            while len(server.requests) < len(small) and time.monotonic() < deadline:
                time.sleep(0.01)
            seen_while_scaling.append(len(server.requests))
        return prepared

    monkeypatch.setattr(engine_module, "prepare_image", slow_prepare)
    with LocalJudgeServer(rubrics=[RUBRIC]) as server:
        verdicts, _ = JudgeEngine(settings_for(server, concurrency=4)).judge_all(large + small)
    assert seen_while_scaling == [len(small)]
    assert all(verdict.ok for verdict in verdicts) and len(server.requests) == 4
