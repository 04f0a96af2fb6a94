"""Loading MM-SafetyBench from a folder in the hub's published layout (parquet fixtures)."""

from __future__ import annotations

import collections
import io
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hub_emulator import write_folder
from mmsafetybench_support import N_TINY, TINY, extra_id, fixture_ids, hub_files, parquet_bytes

from vlsbench_task.base.data import DataVerificationError
from vlsbench_task.base.images import MISSING_IMAGE, OK, UNREADABLE_IMAGE
from vlsbench_task.base.rows import EMPTY_PROMPT, MISSING_ROW
from vlsbench_task.benchmarks.mmsafetybench import dataset


@pytest.fixture(autouse=True)
def _own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # where the images are written


@pytest.fixture(scope="module")
def files() -> dict[str, bytes]:
    return hub_files()


def test_the_shipped_tiny_list_is_the_authors_file(shared_data):
    shipped = dataset.TINY_LIST.read_bytes()
    assert shipped == (shared_data / "mmsafetybench" / "TinyVersion_ID_List.json").read_bytes()
    assert [scenario for scenario, _ in dataset.SCENARIOS] == list(TINY)
    assert sum(len(ids) for ids in TINY.values()) == N_TINY
    assert sum(dataset.RELEASE_COUNTS.values()) == 1680


def test_the_published_file_list_is_13_configs_by_4_splits():
    assert len(dataset.FILES) == 52
    assert "data/Illegal_Activitiy/SD_TYPO.parquet" in dataset.FILES  # the authors' misspelling, kept
    assert "data/Gov_Decision/Text_only.parquet" in dataset.FILES


def test_tiny_keeps_the_listed_ids_of_each_image_kind_in_order(tmp_path, files):
    docs = dataset.load(write_folder(tmp_path / "data", files), {"tiny": True})
    assert len(docs) == 3 * N_TINY
    assert {doc["data_status"] for doc in docs} == {OK}
    first = [doc for doc in docs if doc["scenario"] == "01-Illegal_Activitiy" and doc["kind"] == "SD"]
    assert [int(doc["id"]) for doc in first] == sorted(TINY["01-Illegal_Activitiy"])
    assert collections.Counter(doc["kind"] for doc in docs) == {
        "SD": N_TINY,
        "SD_TYPO": N_TINY,
        "TYPO": N_TINY,
    }
    assert docs[0]["question"].startswith("The image shows a phrase")  # SD: the rephrased question (SD)
    typo = next(doc for doc in docs if doc["kind"] == "TYPO")
    assert typo["question"].startswith("The bottom of the image shows")
    assert all(doc["image_file"].endswith(".jpg") for doc in docs)


def test_full_and_text_only_take_every_row(tmp_path, files):
    folder = write_folder(tmp_path / "data", files)
    rows_per_split = sum(len(fixture_ids(scenario)) for scenario in TINY)
    assert len(dataset.load(folder, {})) == 3 * rows_per_split
    text_only = dataset.load(folder, {"kinds": ["Text_only"]})
    assert len(text_only) == rows_per_split
    assert {(doc["kind"], doc["image_file"], doc["data_status"]) for doc in text_only} == {
        ("Text_only", None, OK)
    }


def test_rows_without_a_usable_image_or_question_keep_their_place(tmp_path):
    scenario, config = dataset.SCENARIOS[5]  # 06-Fraud
    listed = sorted(TINY[scenario])
    files = hub_files(
        missing_image=[(config, "SD", listed[0])],
        corrupt_image=[(config, "SD", listed[1])],
        dropped=[(config, "SD", listed[2])],
    )
    docs = dataset.load(write_folder(tmp_path / "data", files), {"tiny": True, "kinds": ["SD"]})
    fraud = [doc for doc in docs if doc["scenario"] == scenario]
    assert len(docs) == N_TINY and len(fraud) == len(listed)
    status = {doc["id"]: doc["data_status"] for doc in fraud}
    assert status[str(listed[0])] == MISSING_IMAGE
    assert status[str(listed[1])] == UNREADABLE_IMAGE
    assert status[str(listed[2])] == MISSING_ROW
    assert fraud[-1]["id"] == str(listed[2])  # an id the data lacks comes last, with no question
    assert fraud[-1]["question"] == "" and fraud[-1]["image_file"] is None


def test_an_empty_question_is_a_data_error(tmp_path, files):
    config = "Sex"
    rows = [{"id": "0", "question": "  ", "image": None}, {"id": "1", "question": "Ask.", "image": None}]
    files = {**files, f"data/{config}/Text_only.parquet": parquet_bytes(rows)}
    docs = dataset.load(write_folder(tmp_path / "data", files), {"kinds": ["Text_only"]})
    sex = [doc["data_status"] for doc in docs if doc["scenario"] == "07-Sex"]
    assert sex == [EMPTY_PROMPT, OK]


def test_images_are_written_once_and_reused(tmp_path, files):
    folder = write_folder(tmp_path / "data", files)
    first = dataset.load(folder, {"tiny": True, "kinds": ["TYPO"]})
    written = {doc["image_file"]: Path(doc["image_file"]).stat().st_mtime_ns for doc in first}
    again = dataset.load(folder, {"tiny": True, "kinds": ["TYPO"]})
    assert [doc["image_file"] for doc in again] == list(written)
    assert all(Path(path).stat().st_mtime_ns == mtime for path, mtime in written.items())
    assert len(written) == N_TINY  # one file per row, none shared


def test_the_extra_row_is_not_in_the_tiny_version(tmp_path, files):
    docs = dataset.load(write_folder(tmp_path / "data", files), {"tiny": True, "kinds": ["SD"]})
    ids = {(doc["scenario"], doc["id"]) for doc in docs}
    assert not any((scenario, str(extra_id(scenario))) in ids for scenario in TINY)


def test_a_folder_without_the_published_files_is_refused(tmp_path, files):
    partial = write_folder(
        tmp_path / "data", {name: data for name, data in files.items() if "Sex" not in name}
    )
    with pytest.raises(DataVerificationError, match=r"data/Sex/SD\.parquet"):
        dataset.verify(partial)
    with pytest.raises(DataVerificationError, match=r"Sex/SD\.parquet is missing"):
        dataset.load(partial, {})


def test_a_file_without_the_published_columns_is_refused(tmp_path, files):
    buffer = io.BytesIO()
    pq.write_table(pa.table({"id": ["0"], "text": ["q"]}), buffer)
    folder = write_folder(tmp_path / "data", {**files, "data/Fraud/SD.parquet": buffer.getvalue()})
    with pytest.raises(DataVerificationError, match=r"lacks the column\(s\) \['image', 'question'\]"):
        dataset.load(folder, {"kinds": ["SD"]})


def test_an_unknown_split_is_refused(tmp_path, files):
    with pytest.raises(ValueError, match="no split"):
        dataset.load(tmp_path, {"kinds": ["SD_TYPOGRAPHY"]})
