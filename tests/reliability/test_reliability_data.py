"""Point 1: bad data gives a per-row status counted in the results, or a clear error naming the problem.

The counts always add up: n_scored + judge errors + data errors = rows in data.json.
"""

from __future__ import annotations

import base64
import io
import json
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image
from reliability_support import COMPLIANCE, assert_counts_add_up, judge_env, quoted_query
from scoring_support import one_verdict
from vlsbench_task.judge.local_server import LocalJudgeServer

from vlsbench_task.base.hooks import PLACEHOLDER_SIZE, doc_to_visual
from vlsbench_task.base.images import MISSING_IMAGE, OK, UNREADABLE_IMAGE
from vlsbench_task.base.rows import EMPTY_PROMPT
from vlsbench_task.benchmarks.vlsbench import dataset
from vlsbench_task.benchmarks.vlsbench.benchmark import RUBRIC

HUGE = (4000, 3000)


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _jpeg(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()


def _noise(size=(64, 48)) -> Image.Image:
    return Image.effect_noise(size, 60).convert("RGB")


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _decompression_bomb(side: int = 20000) -> bytes:
    """A valid 1-bit PNG of side x side pixels (400 M pixels, over PIL's bomb limit) in ~50 KB."""
    rows = (b"\x00" + b"\x00" * ((side + 7) // 8)) * side
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(rows, 9))
        + _chunk(b"IEND", b"")
    )


# Row index -> (image bytes or None for "no file", instruction override or None, expected data_status)
def _cases() -> dict[int, tuple[bytes | None, str | None, str]]:
    truncated_png = _png(_noise())
    return {
        0: (_png(_noise()), None, OK),
        1: (None, None, MISSING_IMAGE),
        2: (truncated_png[: len(truncated_png) // 2], None, UNREADABLE_IMAGE),
        3: (b"<html>404 Not Found</html>", None, UNREADABLE_IMAGE),
        4: (_png(_noise().convert("P")), None, OK),  # palette
        5: (_jpeg(_noise().convert("CMYK")), None, OK),
        6: (_png(Image.new("I;16", (50, 40), 40000)), None, OK),  # 16-bit grey
        7: (_png(Image.new("RGB", HUGE, (200, 30, 30))), None, OK),  # huge, compresses small
        8: (_png(_noise()), "", EMPTY_PROMPT),
        9: (_png(_noise()), " \n\t ", EMPTY_PROMPT),
        10: (_png(_noise().convert("RGBA")), None, OK),
        11: (_png(_noise().convert("LA")), None, OK),  # duplicated id of row 0 (set below)
    }


@pytest.fixture
def bad_folder(make_vlsbench_data) -> tuple[Path, list[dict], dict]:
    cases = _cases()
    folder = make_vlsbench_data(len(cases), name="bad_data")
    rows = json.loads((folder / "data.json").read_text())
    for index, (image, instruction, _) in cases.items():
        path = folder / rows[index]["image_path"]
        path.unlink()
        if image is not None:
            path.write_bytes(image)
        if instruction is not None:
            rows[index]["instruction"] = instruction
    rows[11]["instruction_id"] = rows[0]["instruction_id"]
    (folder / "data.json").write_text(json.dumps(rows))
    return folder, rows, cases


def _is_placeholder(visuals: list) -> bool:
    """The blank image an unusable row sends instead of its own (its answer is never scored)."""
    return (
        len(visuals) == 1
        and visuals[0].mode == "RGB"
        and visuals[0].size == PLACEHOLDER_SIZE
        and visuals[0].getextrema() == ((255, 255), (255, 255), (255, 255))
    )


def test_every_scorable_row_reaches_the_model_as_rgb(bad_folder):
    folder, _, cases = bad_folder
    items = dataset.load(folder, {})
    assert [item["data_status"] for item in items] == [status for _, _, status in cases.values()]
    for row, item in enumerate(items):
        visuals = doc_to_visual(item)
        if item["data_status"] == OK:
            assert [image.mode for image in visuals] == ["RGB"], row
            with Image.open(item["image_file"]) as original:
                assert visuals[0].size == original.size
        else:  # never the row's own (missing, damaged or unasked-for) image: a blank placeholder
            assert _is_placeholder(visuals), row


def test_a_truncated_jpeg_is_an_unreadable_row(make_vlsbench_data):
    import lmms_eval.api.task  # noqa: F401  (sets LOAD_TRUNCATED_IMAGES, as in every lmms-eval run)
    from PIL import ImageFile

    assert ImageFile.LOAD_TRUNCATED_IMAGES is True  # as in every lmms-eval run (lmms_eval.api.task)
    folder = make_vlsbench_data(2)
    rows = json.loads((folder / "data.json").read_text())
    whole = _jpeg(_noise((200, 200)))
    (folder / rows[1]["image_path"]).write_bytes(whole[: len(whole) // 2])
    items = dataset.load(folder, {})
    assert [item["data_status"] for item in items] == [OK, UNREADABLE_IMAGE]
    assert _is_placeholder(doc_to_visual(items[1]))  # the model never sees the damaged picture
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True  # and lmms-eval's setting is left as it was


def test_a_decompression_bomb_is_an_unreadable_row(make_vlsbench_data):
    folder = make_vlsbench_data(2)
    rows = json.loads((folder / "data.json").read_text())
    (folder / rows[0]["image_path"]).write_bytes(_decompression_bomb())
    items = dataset.load(folder, {})
    assert [item["data_status"] for item in items] == [UNREADABLE_IMAGE, OK]


@pytest.mark.e2e
@pytest.mark.network
def test_bad_rows_are_counted_and_the_rest_judged_through_lmms_eval(run_lmms_eval, bad_folder, tmp_path):
    folder, rows, cases = bad_folder
    n = len(rows)
    with LocalJudgeServer(rubrics=[RUBRIC]) as server:
        run = run_lmms_eval(
            ["--model", "dummy", "--model_args", f"response={COMPLIANCE}", "--tasks", "vlsbench"],
            env={"VLSBENCH_DATA_DIR": str(folder), **judge_env(server, tmp_path / "cache.sqlite3")},
        )
    results = run.results()
    expected = [status for _, _, status in cases.values()]
    n_ok = expected.count(OK)
    assert assert_counts_add_up(results, "vlsbench", n) == (n_ok, 0, n - n_ok)

    records = sorted((one_verdict(s["n_scored"]) for s in run.samples("vlsbench")), key=lambda r: r["row"])
    assert [record["row"] for record in records] == list(range(n))
    assert [record["data_status"] for record in records] == expected
    for record in records:
        if record["data_status"] == OK:
            assert record["status"] == "ok" and record["label"] == 3
        else:  # reported, never shown to the judge, never counted as safe or unsafe
            assert record["status"] == "not_judged" and "label" not in record
    assert records[0]["instruction_id"] == records[11]["instruction_id"]

    # Only scorable rows were sent, once each, and every image sent is a decodable picture.
    assert len(server.requests) == n_ok
    sent = {}
    for body in server.requests:
        part = next(p for p in body["messages"][-1]["content"] if p["type"] == "image_url")
        with Image.open(io.BytesIO(base64.b64decode(part["image_url"]["url"].split(",", 1)[1]))) as image:
            image.load()
            sent[quoted_query(body)] = image.size
    huge = records[7]
    assert huge["image"]["original_size"] == list(HUGE) and huge["image"]["resized"] is True
    assert sent[rows[7]["instruction"]] == tuple(huge["image"]["sent_size"]) == (1024, 768)
    for index in (0, 4, 5, 6, 10, 11):
        image_info = records[index]["image"]
        assert image_info["resized"] is False and image_info["sent_size"] == image_info["original_size"]
        assert sent[rows[index]["instruction"]] == tuple(image_info["original_size"])

    # The log names the rows that cannot be scored, by id and reason.
    for status in (MISSING_IMAGE, UNREADABLE_IMAGE, EMPTY_PROMPT):
        assert f"not scorable ({status})" in run.output
    assert str(rows[1]["instruction_id"]) in run.output
    assert "duplicated instruction_id" in run.output


@pytest.mark.e2e
def test_data_json_missing_a_field_stops_the_run_with_the_row_and_field(run_lmms_eval, make_vlsbench_data):
    folder = make_vlsbench_data(3)
    rows = json.loads((folder / "data.json").read_text())
    del rows[2]["sub_category"]
    (folder / "data.json").write_text(json.dumps(rows))
    run = run_lmms_eval(
        ["--model", "dummy", "--tasks", "vlsbench_keyword"],
        env={"VLSBENCH_DATA_DIR": str(folder)},
        check=False,
    )
    assert "row 2 is invalid at sub_category" in run.output, run.output[-3000:]
    assert "Running generate_until requests" not in run.output
    assert not list(run.output_dir.rglob("*_results.json"))
