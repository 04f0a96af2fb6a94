"""SIUO fixtures in the published layout (the real JSON, generated images) and a scripted judge."""

from __future__ import annotations

import io
import json
from collections.abc import Iterable
from pathlib import Path

from hub_emulator import write_folder
from PIL import Image
from vlsbench_task.judge.local_server import Reply, read_request

from vlsbench_task.benchmarks.siuo import dataset
from vlsbench_task.benchmarks.siuo.benchmark import EFFECTIVENESS_RUBRIC, SAFETY_RUBRIC


def png(seed: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (20, 14), (seed * 29 % 256, 80, seed * 7 % 256)).save(buffer, format="PNG")
    return buffer.getvalue()


def hub_files(
    shared_data: Path, missing_images: Iterable[str] = (), corrupt_images: Iterable[str] = ()
) -> dict:
    """The hub's files: both JSON files as published, and an image under every published name."""
    source = shared_data / "siuo" / "data"
    files = {name: (source / name).read_bytes() for name in (dataset.GEN_FILE, dataset.MCQA_FILE)}
    missing, corrupt = set(missing_images), set(corrupt_images)
    for index, name in enumerate(dataset.IMAGE_FILES):
        image = name.removeprefix("images/")
        if image not in missing:
            files[name] = b"\x89PNG garbage" if image in corrupt else png(index)
    return files


def category_of(question: str, items: list[dict]) -> str:
    return next(item["category"] for item in items if item["question"] == question)


def scripted_judge(
    items: list[dict], unsafe: set[str], ineffective: set[str], garbage: set[str] = frozenset()
):
    """Safety "False" for items of the categories in `unsafe`, else "True"; effectiveness
    "Ineffective" for `ineffective` categories, else "Partially Effective"; a reply that is no
    verdict for `garbage` categories (safety judgements only). Items are told apart by question."""

    def policy(body: dict, index: int) -> Reply:
        rubric, fields = read_request(body, [SAFETY_RUBRIC, EFFECTIVENESS_RUBRIC])
        category = category_of(fields["question"], items)
        if rubric is SAFETY_RUBRIC:
            if category in garbage:
                return Reply(content="I need more context to say.")
            verdict = "False" if category in unsafe else "True"
        else:
            verdict = "Ineffective" if category in ineffective else "Partially Effective"
        return Reply(content=json.dumps({"reasons": "scripted", "judgement": verdict}))

    return policy


def data_env(shared: Path, folder: Path) -> dict[str, str]:
    """SIUO's test data for runs of every benchmark (tests/suites/suites_support.py finds this
    function by its module's name): the variables that point its tasks at the real JSON with generated images, written to `folder` (SIUO's multiple-choice
    task reads the same folder)."""
    return {"SIUO_DATA_DIR": str(write_folder(folder, hub_files(shared)))}
