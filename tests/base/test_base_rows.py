"""The data vocabulary every loader shares (base/rows.py, base/files.py): one message for a row that
is not the published shape, one set of statuses, each image checked once, one warning for repeated
ids, and files that appear whole or not at all."""

from __future__ import annotations

import io

import pytest
from loguru import logger
from PIL import Image
from pydantic import BaseModel

from vlsbench_task.base import rows
from vlsbench_task.base.data import DataVerificationError
from vlsbench_task.base.files import partial_file, write_atomically
from vlsbench_task.base.images import MISSING_IMAGE, OK, UNREADABLE_IMAGE


class Row(BaseModel):
    id: int
    text: str


def _png(path):
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, "PNG")
    path.write_bytes(buffer.getvalue())
    return path


@pytest.mark.parametrize(
    ("content", "key", "message"),
    [
        (
            '[{"id": 1, "text": "a"}, {"id": "x", "text": "b"}]',
            None,
            r"f\.json: row 1 is invalid at id: .*\(1 problem",
        ),
        (
            '[{"id": 1}, {"text": 2}]',
            None,
            r"row 0 is invalid at text: Field required \(3 problem\(s\) in all\)",
        ),
        ('{"rows": []}', None, "must hold a JSON list of rows, found dict"),
        ("[{", None, "is not valid JSON"),
        ('{"chat": {}}', "chat", 'must hold a JSON object with a "chat" list'),
    ],
)
def test_a_json_file_not_in_the_published_shape_is_refused_with_file_row_and_field(
    tmp_path, content, key, message
):
    path = tmp_path / "f.json"
    path.write_text(content)
    with pytest.raises(DataVerificationError, match=message):
        rows.read_json_rows(path, Row, "f.json", key=key)


def test_rows_are_read_from_a_list_or_from_a_key_of_an_object(tmp_path):
    (tmp_path / "list.json").write_text('[{"id": "7", "text": "a", "extra": 1}]')
    (tmp_path / "object.json").write_text('{"chat": [{"id": 8, "text": "b"}]}')
    assert rows.read_json_rows(tmp_path / "list.json", Row, "") == [Row(id=7, text="a")]
    assert rows.read_json_rows(tmp_path / "object.json", Row, "", key="chat") == [Row(id=8, text="b")]


def test_a_missing_file_names_the_layout_expected(tmp_path):
    with pytest.raises(
        DataVerificationError, match=r"data\.json is missing \(expected data\.json \+ imgs/\)"
    ):
        rows.read_json_rows(tmp_path / "data.json", Row, "data.json + imgs/")
    with pytest.raises(DataVerificationError, match=r"q\.csv is missing \(expected q\.csv\)"):
        rows.read_csv_rows(tmp_path / "q.csv", ("id",), "q.csv")


def test_a_csv_without_a_published_column_is_refused_and_one_with_them_read(tmp_path):
    path = tmp_path / "q.csv"
    path.write_text("id,text\n1,a\n")
    assert rows.read_csv_rows(path, ("id", "text"), "") == [{"id": "1", "text": "a"}]
    with pytest.raises(DataVerificationError, match="no column policy, format"):
        rows.read_csv_rows(path, ("id", "policy", "format"), "")


def test_a_blank_prompt_comes_before_the_image_and_a_missing_image_is_said(tmp_path):
    statuses = rows.Statuses()
    image = _png(tmp_path / "a.png")
    assert statuses.of(image, " \n\t") == rows.EMPTY_PROMPT
    assert statuses.of(None, "") == rows.EMPTY_PROMPT
    assert statuses.of(image, "q") == OK and statuses.of(image) == OK  # None: no text of its own
    assert statuses.of(tmp_path / "absent.png", "q") == MISSING_IMAGE
    assert statuses.of(None, "q") == MISSING_IMAGE
    assert statuses.of(None, "q", needs_image=False) == OK  # a text-only row
    (tmp_path / "bad.png").write_bytes(b"\x89PNG not really")
    assert statuses.of(tmp_path / "bad.png") == UNREADABLE_IMAGE


def test_an_image_several_rows_share_is_checked_once_per_load(tmp_path):
    image = _png(tmp_path / "shared.png")
    statuses = rows.Statuses()
    assert statuses.of(image, "first") == OK
    image.write_bytes(b"broken")  # a second look would find it unreadable: there is none
    assert statuses.of(image, "second") == OK
    assert rows.Statuses().of(image, "a new load") == UNREADABLE_IMAGE


def test_unusable_rows_and_repeated_ids_are_warned_about_once_each(tmp_path):
    docs = [
        {"scenario": "a", "id": 1, "data_status": OK},
        {"scenario": "a", "id": 1, "data_status": rows.EMPTY_PROMPT},
        {"scenario": "b", "id": 1, "data_status": MISSING_IMAGE},
    ]
    messages = []
    sink = logger.add(messages.append, format="{message}", level="WARNING")
    try:
        rows.report_rows("Bench", docs, ("scenario", "id"))
        rows.report_rows("Bench", docs[::2], "id")
    finally:
        logger.remove(sink)
    assert [message.strip() for message in messages] == [
        "Bench: 1 of 3 rows not scorable (empty_prompt): ids a/1",
        "Bench: 1 of 3 rows not scorable (missing_image): ids b/1",
        "Bench: duplicated scenario/id(s) a/1; rows are kept and told apart by `row`",
        "Bench: 1 of 2 rows not scorable (missing_image): ids 1",
        "Bench: duplicated id(s) 1; rows are kept and told apart by `row`",
    ]


def test_every_status_has_one_name():
    assert len(set(rows.STATUSES)) == len(rows.STATUSES)
    assert "empty_prompt" in rows.STATUSES


def test_a_file_appears_whole_and_a_failed_write_leaves_nothing(tmp_path):
    target = write_atomically(tmp_path / "deep" / "x.bin", b"first")
    write_atomically(target, b"second")
    assert target.read_bytes() == b"second"
    with pytest.raises(RuntimeError), partial_file(tmp_path, "y.bin") as (_partial, handle):
        with open(handle, "wb") as out:
            out.write(b"half")
        raise RuntimeError("the download broke off")
    assert sorted(path.name for path in tmp_path.rglob("*") if path.is_file()) == ["x.bin"]
