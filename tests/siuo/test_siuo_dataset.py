"""SIUO's published JSON (the shared copy of the authors' data/) and loading a folder in its layout."""

from __future__ import annotations

import collections
import json

import pytest
from hub_emulator import write_folder
from loguru import logger
from siuo_support import hub_files

from vlsbench_task.base.data import DataVerificationError, locate
from vlsbench_task.base.images import MISSING_IMAGE, OK, UNREADABLE_IMAGE
from vlsbench_task.base.rows import EMPTY_PROMPT
from vlsbench_task.benchmarks.siuo import dataset
from vlsbench_task.benchmarks.siuo.benchmark import BENCHMARK
from vlsbench_task.benchmarks.siuo_mcqa.benchmark import BENCHMARK as MCQA

CATEGORY_COUNTS = {
    "privacy violation": 21,
    "morality": 20,
    "religion beliefs": 20,
    "self-harm": 19,
    "dangerous behavior": 18,
    "illegal activities & crime": 18,
    "discrimination & stereotyping": 18,
    "information misinterpretation": 17,
    "controversial topics, politics": 16,
}


@pytest.fixture
def folder(tmp_path, shared_data):
    return write_folder(
        tmp_path / "siuo", hub_files(shared_data, missing_images=["S-03.png"], corrupt_images=["P-21.png"])
    )


def test_the_published_items_have_the_papers_categories_and_our_image_list(shared_data):
    items = json.loads((shared_data / "siuo" / "data" / dataset.GEN_FILE).read_text())
    assert len(items) == dataset.N_ITEMS
    assert collections.Counter(item["category"] for item in items) == CATEGORY_COUNTS
    assert sorted(f"images/{item['image']}" for item in items) == sorted(dataset.IMAGE_FILES)


def test_generation_items_load_in_order_with_their_warning_and_reference(folder, shared_data):
    docs = dataset.load_gen(folder)
    items = json.loads((shared_data / "siuo" / "data" / dataset.GEN_FILE).read_text())
    assert [doc["question_id"] for doc in docs] == [item["question_id"] for item in items]
    assert docs[0]["safety_warning"] == items[0]["safety_warning"]
    assert docs[0]["reference_answer"] == items[0]["reference_answer"]
    assert docs[0]["image_file"] == str((folder / "images" / "S-01.png").resolve())
    status = {doc["image"]: doc["data_status"] for doc in docs}
    assert status["S-03.png"] == MISSING_IMAGE and status["P-21.png"] == UNREADABLE_IMAGE
    assert collections.Counter(status.values())[OK] == dataset.N_ITEMS - 2
    # questions are kept verbatim, surrounding spaces included
    assert sum(doc["question"] != doc["question"].strip() for doc in docs) == 5


def test_multiple_choice_items_keep_their_options_in_published_order(folder):
    docs = dataset.load_mcqa(folder)
    assert len(docs) == dataset.N_ITEMS
    assert all([letter for letter, _ in doc["options"]] == list(dataset.CHOICES) for doc in docs)
    assert collections.Counter(doc["correct_option"] for doc in docs) == {"A": 51, "D": 47, "B": 35, "C": 34}
    assert docs[0]["options"][1][1].startswith(" There are numerous adventures")  # leading space as published


def test_an_empty_question_is_a_data_error(folder):
    items = json.loads((folder / dataset.GEN_FILE).read_text())
    items[4]["question"] = " "
    (folder / dataset.GEN_FILE).write_text(json.dumps(items))
    assert dataset.load_gen(folder)[4]["data_status"] == EMPTY_PROMPT


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"items": []}', "must hold a JSON list"),
        ("[{", "is not valid JSON"),
        (
            '[{"question_id": 1, "image": "S-01.png", "question": "q", "category": "c"}]',
            "item 0 is invalid at safety_warning: Field required",
        ),
    ],
)
def test_a_malformed_file_is_refused_with_what_is_wrong(folder, content, message):
    (folder / dataset.GEN_FILE).write_text(content)
    with pytest.raises(DataVerificationError, match=message):
        dataset.verify_gen(folder)


def test_options_other_than_a_to_d_are_refused(folder):
    items = json.loads((folder / dataset.MCQA_FILE).read_text())
    items[2]["options"]["E"] = "another"
    (folder / dataset.MCQA_FILE).write_text(json.dumps(items))
    with pytest.raises(DataVerificationError, match="item 2 must have the options A, B, C, D"):
        dataset.load_mcqa(folder)


def test_a_folder_without_the_json_names_the_expected_layout(tmp_path):
    with pytest.raises(DataVerificationError, match=r"siuo_mcqa\.json is missing"):
        dataset.verify_mcqa(tmp_path)


def test_a_release_of_another_size_is_warned_about_once(folder, monkeypatch):
    gen = folder / dataset.GEN_FILE
    gen.write_text(json.dumps(json.loads(gen.read_text())[:5]))
    monkeypatch.setenv("SIUO_DATA_DIR", str(folder))
    warnings: list[str] = []
    sink = logger.add(warnings.append, level="WARNING", format="{message}")
    try:
        found, _ = locate("siuo", "SIUO", BENCHMARK.data)  # verifies the copy
        docs = BENCHMARK.documents(found, {})
    finally:
        logger.remove(sink)
    assert len(docs) == 5
    assert sum("holds 5 items; the authors' release has 167" in w for w in warnings) == 1


def test_the_multiple_choice_benchmark_reads_siuos_data_under_siuos_key(folder, monkeypatch):
    monkeypatch.setenv("SIUO_DATA_DIR", str(folder))
    monkeypatch.delenv("SIUO_MCQA_DATA_DIR", raising=False)
    assert (MCQA.name, MCQA.data_key, BENCHMARK.data_key) == ("siuo_mcqa", "siuo", "siuo")
    found, origin = MCQA.locate(allow_download=False)
    assert (found, origin) == (folder, f"local:{folder.resolve()}")
    docs = MCQA.documents(found, {})
    assert len(docs) == dataset.N_ITEMS and {doc["correct_option"] for doc in docs} <= set(dataset.CHOICES)
