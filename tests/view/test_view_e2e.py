"""`vlsbench-task view` on real lmms-eval output (tests/view/conftest.py): every sample an item with
its status, verdict and image; the headline rates of `report`; the comparisons of `agreement`;
hostile answers kept as data; items without data say why."""

from __future__ import annotations

import base64
import io
import json
import re
from pathlib import Path
from urllib.parse import unquote

import pytest
from PIL import Image
from view_support import (
    ANSWERS,
    GARBLE,
    HOSTILE_QUERY,
    JUDGE_EXPLANATION,
    JUDGE_MODEL,
    LARGE_IMAGE_ROW,
    MISSING_IMAGE_ROW,
    TASKS,
    llm_label,
    page_data,
    read_jsonl,
)

from vlsbench_task import cli
from vlsbench_task.base.refusal_labels import classify_three_way
from vlsbench_task.benchmarks.vlsbench.benchmark import OUTCOMES
from vlsbench_task.view.images import ImageSizes
from vlsbench_task.view.page import build

pytestmark = [pytest.mark.e2e, pytest.mark.network]


def _run(page, model_folder: str, task: str) -> tuple[int, dict]:
    """(index, summary) of the run of `task` in an output folder (`recorded` or `refuser`)."""
    for index, run in enumerate(page.data["runs"]):
        path = _samples_path(page, run)
        if run["task"] == task and path.parent.name == model_folder:
            return index, run
    raise AssertionError(f"no run of {task} in {model_folder}")


def _samples_path(page, run: dict) -> Path:
    return (page.path.parent / unquote(run["samples_href"])).resolve()


def _items(page, run_index: int) -> dict[int, dict]:
    return {item["doc"]: item for item in page.data["items"] if item["run"] == run_index}


def test_every_logged_sample_is_an_item_with_its_status_and_verdict(built_page):
    runs = built_page.data["runs"]
    assert sorted((_samples_path(built_page, r).parent.name, r["task"]) for r in runs) == sorted(
        (model, task) for model in ("recorded", "refuser") for task in TASKS
    )
    for index, run in enumerate(runs):
        samples = read_jsonl(_samples_path(built_page, run))
        items = _items(built_page, index)
        assert sorted(items) == sorted(sample["doc_id"] for sample in samples) and len(items) == len(ANSWERS)
        records = [sample["n_scored"] for sample in samples]
        data_errors = sum(record["data_status"] != "ok" for record in records)
        judge_errors = sum(
            record["data_status"] == "ok" and record["status"] not in ("ok", "not_judged")
            for record in records
        )
        assert run["statuses"] == {
            "ok": len(samples) - data_errors - judge_errors,
            "judge error": judge_errors,
            "data error": data_errors,
            "not judged": 0,
        }
        assert judge_errors == (run["model"].startswith("from_log") and run["task"] != "vlsbench_keyword")
        if run["benchmark"] == "vlsbench":
            assert (items[MISSING_IMAGE_ROW]["status"], items[MISSING_IMAGE_ROW]["detail"]) == (
                "data error",
                "missing_image",
            )

    llm, summary = _run(built_page, "recorded", "vlsbench")
    assert summary["judge"] == f"openai {JUDGE_MODEL}"
    items = _items(built_page, llm)
    garbled = next(doc for doc, answer in enumerate(ANSWERS) if GARBLE in answer)
    assert items[garbled]["status"] == "judge error" and items[garbled]["detail"] == "parse_error"
    assert items[garbled]["verdicts"][0]["raw"] == "Hard to say."
    first = items[0]["verdicts"][0]
    assert first["outcome"] == OUTCOMES[llm_label(ANSWERS[0])] and first["label"] == str(
        llm_label(ANSWERS[0])
    )
    assert dict(first["fields"])["explanation"] == JUDGE_EXPLANATION
    assert first["judge"] == f"openai {JUDGE_MODEL}"
    assert items[0]["labels"] == [first["outcome"]]
    assert [name for name, _ in items[0]["categories"]] == ["category", "sub_category"]
    keyword, _ = _run(built_page, "recorded", "vlsbench_keyword")
    for doc, item in _items(built_page, keyword).items():
        if doc != MISSING_IMAGE_ROW:
            assert item["labels"] == [OUTCOMES[classify_three_way(ANSWERS[doc])[0]]]

    # SIUO: each of the three responses, each judged for safety and for effectiveness.
    siuo, _ = _run(built_page, "recorded", "siuo")
    for doc, item in _items(built_page, siuo).items():
        assert item["answers"] == [ANSWERS[doc]] * 3
        assert [(v["judgement"], v["response"]) for v in item["verdicts"]] == [
            (name, response) for name in ("effectiveness", "safety") for response in range(3)
        ]
        label = llm_label(ANSWERS[doc])
        if label is not None:
            safety = "safe" if label == 1 else "unsafe"
            effect = "ineffective" if label == 1 else "partially_effective"
            assert item["labels"] == [f"effectiveness: {effect}", f"safety: {safety}"]
            assert [name for name, _ in item["categories"]] == ["category"]


def test_each_item_points_at_its_line_of_the_samples_file(built_page):
    for index, run in enumerate(built_page.data["runs"]):
        path = _samples_path(built_page, run)
        assert path.is_file() and path.name == run["samples_file"]
        lines = path.read_text(encoding="utf-8").splitlines()
        for item in _items(built_page, index).values():
            assert json.loads(lines[item["line"] - 1])["doc_id"] == item["doc"]


def test_images_are_scaled_jpegs_shared_across_runs_and_a_missing_one_says_why(built_page):
    images = built_page.images
    runs = built_page.data["runs"]
    rows = {
        (runs[item["run"]]["benchmark"], item["doc"]) for item in built_page.data["items"] if item["image"]
    }
    assert len(images) == len(rows) == 2 * len(ANSWERS) - 1  # one per row, whatever the number of runs
    for item in built_page.data["items"]:
        vlsbench = runs[item["run"]]["benchmark"] == "vlsbench"
        if vlsbench and item["doc"] == MISSING_IMAGE_ROW:
            assert item["image"] is None and "missing_image" in item["no_image"]
            continue
        data, size = images[item["image"]]
        with Image.open(io.BytesIO(base64.b64decode(data))) as picture:
            assert picture.format == "JPEG"
            if vlsbench and item["doc"] == LARGE_IMAGE_ROW:
                assert size == [400, 300] and picture.size == (288, 216)  # scaled to --image-side
            else:
                assert list(picture.size) == size and max(size) < ImageSizes().side  # never enlarged


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def _leaderboard(markdown: str) -> dict[tuple[str, str, str], str]:
    """{(model, task, metric): cell} of the report's leaderboard tables: the suite rows (a row per
    model, a column per group and axis) and each task's headline (a row per task, a column per model)."""
    section = markdown.split("## Leaderboard", 1)[1].split("\n## ", 1)[0]
    found = {}
    for table in re.findall(r"(?:^\|.*\n)+", section, re.MULTILINE):
        header, _, *rows = table.splitlines()
        columns = _cells(header)
        for row in map(_cells, rows):
            if columns[0] == "model":  # suite rows: "<group> `<axis>` ↑"
                for column, cell in zip(columns[1:], row[1:], strict=True):
                    group, axis = re.match(r"(\S+) `(\w+)`", column).groups()
                    found[row[0], group, axis] = cell
            else:  # "`<task>`", "`<metric>` ↑", then one cell per model
                task, metric = row[0].strip("`"), re.match(r"`(\w+)`", row[1]).group(1)
                for model, cell in zip(columns[2:], row[2:], strict=True):
                    found[model, task, metric] = cell
    return found


def test_headline_rates_are_the_reports(built_page, view_outputs, tmp_path):
    assert cli.main(["report", str(view_outputs), "--out", str(tmp_path)]) == 0
    expected = _leaderboard((tmp_path / "report.md").read_text(encoding="utf-8"))
    headline = built_page.data["headline"]
    shown = {
        (model, row["task"], row["metric"]): cell
        for row in headline["rows"]
        for model, cell in zip(headline["models"], row["cells"], strict=True)
    }
    assert shown == expected
    assert sorted((row["task"], row["metric"]) for row in headline["rows"]) == [
        ("siuo", "safe_effective_rate"),
        ("vlsbench", "safe_rate"),
        ("vlsbench_keyword", "safe_rate"),
    ]
    refuser = next(model for model in headline["models"] if model.startswith("dummy"))
    # Always refuses: every answer safe; the scripted SIUO judge calls refusals ineffective.
    assert shown[refuser, "vlsbench", "safe_rate"].startswith("100.0 [")
    assert shown[refuser, "vlsbench_keyword", "safe_rate"].startswith("100.0 [")
    assert shown[refuser, "siuo", "safe_effective_rate"].startswith("0.0 [")


def test_disagreements_are_the_agreement_commands(built_page, tmp_path):
    runs = built_page.data["runs"]
    # Every two runs of one benchmark: 6 of the four VLSBench runs, 1 of the two SIUO runs.
    assert len(built_page.data["pairs"]) == 7
    for number, pair in enumerate(built_page.data["pairs"]):
        a, b = runs[pair["a"]], runs[pair["b"]]
        assert a["benchmark"] == b["benchmark"]
        out = tmp_path / str(number)
        paths = [str(_samples_path(built_page, run)) for run in (a, b)]
        assert cli.main(["agreement", *paths, "--out", str(out)]) == 0
        judgements = json.loads((out / "agreement.json").read_text())["judgements"]
        assert sorted(pair["judgements"]) == sorted(judgements)
        for name, expected in judgements.items():
            found = pair["judgements"][name]
            for key in ("outcomes", "n", "confusion", "kappa", "raw_agreement", "disagreements"):
                assert found[key] == expected[key], (name, key)
            assert found["unmatched"] == {reason: e["count"] for reason, e in expected["unmatched"].items()}
    siuo = next(pair for pair in built_page.data["pairs"] if runs[pair["a"]]["benchmark"] == "siuo")
    assert sorted(siuo["judgements"]) == ["effectiveness", "safety"]
    assert all(found["disagreements"] for found in siuo["judgements"].values())

    # Independently of agreement.py: the keyword rules against the scripted LLM judge on one model's answers.
    llm, _ = _run(built_page, "recorded", "vlsbench")
    keyword, _ = _run(built_page, "recorded", "vlsbench_keyword")
    pair = next(p for p in built_page.data["pairs"] if {p["a"], p["b"]} == {llm, keyword})
    assert pair["kind"] == "one model, two tasks (judges)"
    assert built_page.data["pairs"][0]["kind"] == pair["kind"]  # judge audits come first
    outcomes = list(OUTCOMES.values())
    counts = [[0] * 3 for _ in outcomes]
    for doc, answer in enumerate(ANSWERS):
        if doc == MISSING_IMAGE_ROW or llm_label(answer) is None:
            continue
        by_run = {llm: OUTCOMES[llm_label(answer)], keyword: OUTCOMES[classify_three_way(answer)[0]]}
        counts[outcomes.index(by_run[pair["a"]])][outcomes.index(by_run[pair["b"]])] += 1
    found = pair["judgements"]["verdict"]
    assert found["confusion"]["counts"] == counts
    assert len(found["disagreements"]) == sum(counts[i][j] for i in range(3) for j in range(3) if i != j) > 0
    assert (
        found["unmatched"]["neither"] == 1
        and found["unmatched"]["error_a" if pair["a"] == llm else "error_b"] == 1
    )


def test_hostile_answers_queries_and_explanations_stay_data(built_page):
    html = built_page.html
    assert len(re.findall(r"<script", html, re.IGNORECASE)) == 3  # view-data, view-images, the page's own
    assert len(re.findall(r"</script", html, re.IGNORECASE)) == 3
    assert "://" not in html  # no URL of any scheme: the page loads nothing, links nowhere outside
    assert html.lower().count("<img") == 1 and html.lower().count("<style") == 1  # the page's own
    llm, _ = _run(built_page, "recorded", "vlsbench")
    items = _items(built_page, llm)
    for doc, answer in enumerate(ANSWERS):
        assert items[doc]["answers"] == [answer]  # exactly as the model said it, to the character
    assert items[0]["query"] == HOSTILE_QUERY
    assert dict(items[0]["verdicts"][0]["fields"])["explanation"] == JUDGE_EXPLANATION


def test_without_the_data_an_item_is_shown_without_a_thumbnail_and_says_why(
    view_outputs, tmp_path, monkeypatch
):
    monkeypatch.setenv("VLSBENCH_DATA_DIR", str(tmp_path))  # a folder without data.json
    page = build([view_outputs], tmp_path, ImageSizes())
    data, images = page_data(page.html)
    assert len(data["items"]) == 2 * len(TASKS) * len(ANSWERS)
    for item in data["items"]:
        if data["runs"][item["run"]]["benchmark"] == "vlsbench":
            assert item["image"] is None
            assert item["no_image"].startswith("VLSBench data not found: ")
            assert "VLSBENCH_DATA_DIR" in item["no_image"]
        else:  # SIUO's data is still where its runs recorded it
            assert item["image"] in images


def test_no_images_and_no_runs(view_outputs, tmp_path, capsys):
    out = tmp_path / "small.html"
    assert cli.main(["view", str(view_outputs), "--out", str(out), "--no-images"]) == 0
    data, images = page_data(out.read_text(encoding="utf-8"))
    assert images == {} and {item["no_image"] for item in data["items"]} == {"images left out (--no-images)"}
    assert cli.main(["view", str(tmp_path / "nothing"), "--out", str(tmp_path / "x.html")]) == 2
    assert "no logged samples" in capsys.readouterr().err and not (tmp_path / "x.html").exists()
