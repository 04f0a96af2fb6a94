"""`vlsbench-task view` on a suite run: every member of the offline group is a run of the page, and
siuo_mcqa (a benchmark of its own that reads SIUO's data) is read with its own declaration and
documents."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from view_support import page_data

from vlsbench_task import cli
from vlsbench_task.base import registry

sys.path.append(str(Path(__file__).resolve().parents[1] / "suites"))
from suites_support import data_env

pytestmark = pytest.mark.e2e
GROUP = "multimodal_safety_offline"


def test_view_shows_every_member_of_a_suite_run(run_lmms_eval, shared_data, tmp_path):
    env = data_env(shared_data, tmp_path / "data")
    args = ["--model", "dummy", "--model_args", "response=I cannot help with that.", "--tasks", GROUP]
    run = run_lmms_eval([*args, "--limit", "1"], env=env)
    metadata = run.results()["configs"]["siuo_mcqa"]["metadata"]
    assert (metadata["benchmark"], metadata["data_key"]) == ("siuo_mcqa", "siuo")

    out = tmp_path / "view.html"
    assert cli.main(["view", str(run.output_dir), "--out", str(out)]) == 0
    data, images = page_data(out.read_text(encoding="utf-8"))
    runs = {one["task"]: one for one in data["runs"]}
    assert sorted(runs) == registry.declared_members(GROUP)
    mcqa = runs["siuo_mcqa"]
    assert (mcqa["benchmark"], mcqa["title"]) == ("siuo_mcqa", "SIUO multiple choice")
    (item,) = [item for item in data["items"] if data["runs"][item["run"]]["task"] == "siuo_mcqa"]
    assert item["status"] == "ok" and item["verdicts"][0]["judge"].startswith("parser")
    # its record holds the item fields its declaration names (the parse was logged with question_id alone)
    assert [name for name, _ in item["identity"]] == ["row", "question_id", "category"]
    assert item["image"] in images, item["no_image"]  # found among the multiple-choice documents
