"""`vlsbench-task qualify` with an LLM judge over HTTP: MSTS images fetched from a mirror on 127.0.0.1,
sent to a stand-in judge; an item whose image cannot be had is left out and counted."""

from __future__ import annotations

import base64
import io
import json

import pytest
from PIL import Image
from qualify_support import MirrorServer, image_bytes, mirror_path, small_msts
from vlsbench_task.judge.local_server import LocalJudgeServer

from vlsbench_task import cli
from vlsbench_task.benchmarks.vlsbench.benchmark import RUBRIC
from vlsbench_task.qualify import msts

pytestmark = pytest.mark.network

ROWS = 12
JUDGE_ENV = ("VLSBENCH_TASK_JUDGE_MODEL", "OPENAI_API_KEY", "VLSBENCH_JUDGE_PROMPT_FILE")


@pytest.fixture
def copy(shared_data, tmp_path, monkeypatch):
    """12 real MSTS rows; the image of the first row's case is gone from the mirror (HTTP 404)."""
    folder = small_msts(shared_data / "msts", tmp_path / "msts", ROWS)
    responses = msts.responses(folder)
    sources = msts.image_sources(folder)
    gone = responses[0].case_id
    routes = {}
    for index, case in enumerate(sorted({item.case_id for item in responses} - {gone})):
        routes[mirror_path(sources[case].url)] = [(200, image_bytes("PNG", (30 + index, 20)))]
    monkeypatch.setenv("MSTS_DATA_DIR", str(folder))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user_cache"))
    for name in JUDGE_ENV:
        monkeypatch.delenv(name, raising=False)
    with MirrorServer(routes) as mirror:
        monkeypatch.setenv("MSTS_IMAGE_MIRROR", mirror.url)
        yield responses, sources, gone, mirror


def test_llm_judge_sees_each_msts_image_and_rows_without_one_are_counted(copy, tmp_path, monkeypatch, capsys):
    responses, sources, gone, mirror = copy
    out = tmp_path / "qualify"
    with LocalJudgeServer(rubrics=[RUBRIC], model="stand-in-judge-2026") as judge:
        monkeypatch.setenv("VLSBENCH_TASK_JUDGE_BASE_URL", judge.base_url)
        monkeypatch.setenv("VLSBENCH_TASK_JUDGE_API_KEY", "sk-test-qualify-remote")
        monkeypatch.setenv("VLSBENCH_TASK_JUDGE_CACHE", "off")
        assert cli.main(["qualify", "--reference", "msts", "--out", str(out)]) == 0
    printed = capsys.readouterr().out

    without = [item.row for item in responses if item.case_id == gone]
    report = json.loads((out / "qualify.json").read_text())
    assert report["left_out"]["no_image"] == without
    assert report["scored"] == ROWS - len(without) == len(judge.requests)
    assert f"left out: {len(without)} no image" in printed and "openai stand-in-judge-2026" in printed
    for body in judge.requests:  # every request carried its item's image, as a data URL
        (image,) = [part for part in body["messages"][-1]["content"] if part["type"] == "image_url"]
        header, payload = image["image_url"]["url"].split(",", 1)
        assert header == "data:image/png;base64"
        with Image.open(io.BytesIO(base64.b64decode(payload))) as sent:
            assert sent.size[1] == 20

    records = {
        record["row"]: record for record in map(json.loads, (out / "verdicts.jsonl").read_text().splitlines())
    }
    for item in responses:
        if item.row in without:
            assert records[item.row]["outcome"] is None and "status" not in records[item.row]
        else:  # the stand-in answers with the rubric's offline rule on the fields it was sent
            answer = RUBRIC.offline.answer({"query": item.prompt_text, "response": item.response})
            assert records[item.row]["outcome"] == RUBRIC.outcome(answer)

    files = {entry["image_id"]: entry for entry in report["images"]["files"]}
    assert "HTTP 404" in files[sources[gone].image_id]["problem"]
    used = {sources[item.case_id] for item in responses if item.case_id != gone}
    assert {files[source.image_id]["licence"] for source in used} == {source.licence for source in used}
    assert sum(report["images"]["licences"].values()) == len(used)
    assert "## Images" in (out / "qualify.md").read_text()
    for table in report["tables"]:
        assert all(row["n"] == report["scored"] for row in table["judges"])  # all on the same items

    # Once downloaded, the images need no network: the cache serves them.
    requests_before = len(mirror.requests)
    with LocalJudgeServer(rubrics=[RUBRIC]) as judge:
        monkeypatch.setenv("VLSBENCH_TASK_JUDGE_BASE_URL", judge.base_url)
        assert cli.main(["qualify", "--reference", "msts", "--no-download"]) == 0
    assert len(mirror.requests) == requests_before
    assert f"{len(used)} cache" in capsys.readouterr().out


def test_an_llm_judge_without_any_image_stops_before_judging_and_names_the_offline_ways(
    copy, monkeypatch, capsys
):
    monkeypatch.setenv("MSTS_IMAGE_MIRROR", "http://127.0.0.1:9")  # no image host answers
    with LocalJudgeServer(rubrics=[RUBRIC]) as judge:
        monkeypatch.setenv("VLSBENCH_TASK_JUDGE_BASE_URL", judge.base_url)
        monkeypatch.setenv("VLSBENCH_TASK_JUDGE_API_KEY", "sk-test-qualify-remote")
        monkeypatch.setenv("VLSBENCH_TASK_JUDGE_CACHE", "off")
        assert cli.main(["qualify", "--reference", "msts"]) == 2
    error = capsys.readouterr().err
    assert "MSTS images could be had" in error and "ConnectError" in error
    assert "MSTS_IMAGE_MIRROR=<base URL>" in error and "--judge keyword" in error
    assert judge.requests == [] and "no item was judged ok" not in error
