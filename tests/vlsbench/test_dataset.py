"""Loading VLSBench from a local folder and from a (local) Hugging Face hub."""

from __future__ import annotations

import io
import json
import subprocess
import tarfile
from pathlib import Path

import pytest
from hub_emulator import COMMIT, HubEmulator, run_fresh

from vlsbench_task.archives import UnsafeArchiveError
from vlsbench_task.base.data import DataUnavailable, DataVerificationError, locate
from vlsbench_task.base.images import MISSING_IMAGE, OK, UNREADABLE_IMAGE
from vlsbench_task.base.rows import EMPTY_PROMPT
from vlsbench_task.benchmarks.vlsbench import dataset
from vlsbench_task.benchmarks.vlsbench.benchmark import BENCHMARK


def locate_vlsbench():
    return locate("vlsbench", "VLSBench", BENCHMARK.data)


def test_real_rows_load_in_order_with_generated_images(make_vlsbench_data, vlsbench_rows):
    folder = make_vlsbench_data(12)
    items = dataset.load(folder, {})
    assert [item["instruction"] for item in items] == [row["instruction"] for row in vlsbench_rows[:12]]
    assert [item["instruction_id"] for item in items] == [
        str(row["instruction_id"]) for row in vlsbench_rows[:12]
    ]
    assert {item["data_status"] for item in items} == {OK}
    assert items[3]["image_file"] == str((folder / vlsbench_rows[3]["image_path"]).resolve())
    assert not any("row" in item for item in items)  # the task numbers the rows (see below)


def test_the_task_numbers_every_row_in_order(make_vlsbench_data, monkeypatch):
    from lmms_eval.utils import load_yaml_config  # imported here: lmms-eval is slow to import

    folder = make_vlsbench_data(5, missing=(2,))
    monkeypatch.setenv("VLSBENCH_DATA_DIR", str(folder))
    configs = Path(__file__).resolve().parents[2] / "task_configs" / "vlsbench"
    config = load_yaml_config(str(configs / "vlsbench_keyword.yaml"), mode="full")
    task = config["class"](config=config)
    docs = list(task.test_docs())
    assert [doc["row"] for doc in docs] == list(range(5))
    assert [doc["data_status"] for doc in docs] == [OK, OK, MISSING_IMAGE, OK, OK]
    assert [doc["instruction"] for doc in docs] == [
        row["instruction"] for row in json.loads((folder / "data.json").read_text())
    ]
    assert task.config.metadata["data_origin"] == f"local:{folder.resolve()}"


def test_the_full_shared_data_json_has_the_papers_categories(shared_data):
    rows = dataset.read_rows(shared_data / "vlsbench" / "data.json")
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
    items = dataset.load(folder, {})
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
    items = dataset.load(folder, {})
    assert [item["data_status"] for item in items] == [OK, EMPTY_PROMPT, OK, OK]
    # both rows with the same id are kept, in their places (the task tells them apart by `row`)
    assert items[0]["instruction_id"] == items[3]["instruction_id"]
    assert items[0]["instruction"] != items[3]["instruction"]


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
    with pytest.raises(DataVerificationError, match=message):
        dataset.load(tmp_path, {})


def test_a_folder_without_data_json_is_refused_by_the_loader(tmp_path):
    with pytest.raises(DataVerificationError, match=r"data\.json is missing"):
        dataset.load(tmp_path, {})


def test_data_dir_with_only_imgs_tar_is_extracted_once(make_vlsbench_data, monkeypatch, tmp_path):
    folder = make_vlsbench_data(5)
    with tarfile.open(folder / "imgs.tar", "w") as tar:
        tar.add(folder / "imgs", arcname="imgs")
    for png in (folder / "imgs").iterdir():
        png.unlink()
    (folder / "imgs").rmdir()
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("VLSBENCH_DATA_DIR", str(folder))
    located, origin = locate_vlsbench()
    assert (located, origin) == (folder, f"local:{folder.resolve()}")
    items = dataset.load(located, {})
    image_root = dataset.image_root(located)
    assert image_root.is_relative_to(tmp_path / "cache")
    assert {item["data_status"] for item in items} == {OK}
    assert all(item["image_file"].startswith(str(image_root.resolve())) for item in items)
    marker = (image_root / ".extracted").stat().st_mtime_ns
    again = dataset.load(located, {})  # a second load reuses the extraction
    assert [item["image_file"] for item in again] == [item["image_file"] for item in items]
    assert (image_root / ".extracted").stat().st_mtime_ns == marker


def test_a_tar_member_escaping_the_folder_is_refused(tmp_path, monkeypatch):
    (tmp_path / "data.json").write_text("[]")
    with tarfile.open(tmp_path / "imgs.tar", "w") as tar:
        payload = b"evil"
        member = tarfile.TarInfo("../../escaped.png")
        member.size = len(payload)
        tar.addfile(member, io.BytesIO(payload))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("VLSBENCH_DATA_DIR", str(tmp_path))
    folder, _ = locate_vlsbench()  # the tar is extracted when the rows' images are looked for
    with pytest.raises(UnsafeArchiveError):
        dataset.load(folder, {})
    assert not list(tmp_path.rglob("escaped.png"))


def test_data_dir_without_data_json_names_the_variable(tmp_path, monkeypatch):
    monkeypatch.setenv("VLSBENCH_DATA_DIR", str(tmp_path))
    with pytest.raises(DataUnavailable, match="VLSBENCH_DATA_DIR") as raised:
        locate_vlsbench()
    assert "data.json" in str(raised.value) and "\n" not in str(raised.value)
    monkeypatch.setenv("VLSBENCH_DATA_DIR", str(tmp_path / "absent"))
    with pytest.raises(DataUnavailable, match=r"VLSBENCH_DATA_DIR=.* is not a folder"):
        locate_vlsbench()


_LOCATE_TWICE = """
import json
from vlsbench_task.base.data import locate
from vlsbench_task.benchmarks.vlsbench import dataset
from vlsbench_task.benchmarks.vlsbench.benchmark import BENCHMARK
first, second = (locate("vlsbench", "VLSBench", BENCHMARK.data) for _ in range(2))
items, again = dataset.load(first[0], {}), dataset.load(second[0], {})
print(json.dumps({"origin": first[1], "same_images": [i["image_file"] for i in items] == [i["image_file"] for i in again],
                  "statuses": sorted({item["data_status"] for item in items}), "n": len(items)}))
"""


def _locate_in_subprocess(env: dict[str, str]) -> subprocess.CompletedProcess:
    return run_fresh(_LOCATE_TWICE, env, clear=("VLSBENCH_",))


@pytest.mark.network
def test_download_from_a_local_hub_fetches_each_file_once_and_extracts_the_tar(make_vlsbench_data, tmp_path):
    folder = make_vlsbench_data(6)
    tar_bytes = io.BytesIO()
    with tarfile.open(fileobj=tar_bytes, mode="w") as tar:
        tar.add(folder / "imgs", arcname="imgs")
    files = {"data.json": (folder / "data.json").read_bytes(), "imgs.tar": tar_bytes.getvalue()}
    with HubEmulator({"Foreshhh/vlsbench": files}) as hub:
        env = {
            "HF_ENDPOINT": hub.url,
            "HF_HOME": str(tmp_path / "hf"),
            "XDG_CACHE_HOME": str(tmp_path / "cache"),
        }
        completed = _locate_in_subprocess(env)
    assert completed.returncode == 0, completed.stderr[-3000:]
    report = json.loads(completed.stdout.strip().splitlines()[-1])
    assert report == {
        "origin": f"hub:Foreshhh/vlsbench@{COMMIT}",
        "same_images": True,
        "statuses": [OK],
        "n": 6,
    }
    # the second call was served by the HF cache
    assert sorted(hub.gets) == ["Foreshhh/vlsbench/data.json", "Foreshhh/vlsbench/imgs.tar"]
    assert set(hub.revisions) == {"main"}  # no pinned revision: the default branch, as documented


def test_offline_without_a_cached_copy_tells_how_to_get_the_data(tmp_path):
    completed = _locate_in_subprocess({"HF_HOME": str(tmp_path / "hf"), "HF_HUB_OFFLINE": "1"})
    assert completed.returncode != 0
    last = completed.stderr.strip().splitlines()[-1]
    # one line: what was tried, and the variable that points at a local copy
    assert last.startswith("vlsbench_task.base.data.DataUnavailable: VLSBench: could not download"), last
    assert "Foreshhh/vlsbench" in last and "VLSBENCH_DATA_DIR" in last
