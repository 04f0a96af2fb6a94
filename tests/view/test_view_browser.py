"""The page in a real browser: headless Chromium (Debian's `chromium`) driven over the DevTools
protocol renders the page of tests/view/conftest.py's lmms-eval runs; the DOM must show every item,
filter them with counts that follow, show the disagreement view with `agreement`'s confusion counts,
and show hostile strings as text. Skips where Chromium is absent, unless
VLSBENCH_TASK_REQUIRE_BROWSER=1 (CI), where that fails."""

from __future__ import annotations

import json
import os

import pytest
from PIL import Image
from view_support import (
    ANSWERS,
    GARBLE,
    HOSTILE_QUERY,
    JUDGE_EXPLANATION,
    LARGE_IMAGE_ROW,
    TASKS,
)

from vlsbench_task import cli
from vlsbench_task.view.chromium import Chromium, find_chromium

pytestmark = [pytest.mark.e2e, pytest.mark.network]
CHUNK = 50  # items the page renders at a time (page.js)


@pytest.fixture(scope="session")  # session: resolved before the session's lmms-eval runs, so a skip is quick
def chromium_path() -> str:
    path = find_chromium()
    if path is None:
        if os.environ.get("VLSBENCH_TASK_REQUIRE_BROWSER") == "1":
            pytest.fail(
                "VLSBENCH_TASK_REQUIRE_BROWSER=1 but no Chromium is installed (apt-get install -y chromium)"
            )
        pytest.skip(
            "no Chromium installed (Debian: apt-get install -y chromium); CI installs it and never skips"
        )
    return path


@pytest.fixture(scope="module")
def browser(chromium_path, built_page):
    with Chromium(chromium_path) as chromium:
        yield chromium


@pytest.fixture
def page(browser, built_page):
    """The page freshly loaded (no filter from a previous test)."""
    browser.open(built_page.path)
    assert browser.evaluate("document.body.dataset.ready") == "1"
    return browser


def choose(page, select_id: str, value: str) -> None:
    page.evaluate(
        f"(() => {{ const s = document.getElementById({json.dumps(select_id)}); s.value = {json.dumps(value)};"
        " s.dispatchEvent(new Event('change')); })()"
    )


def shown(page) -> tuple[int, int]:
    """(the count the page states, the item cards in the DOM)."""
    return (
        int(page.evaluate("document.getElementById('count').dataset.shown")),
        page.evaluate("document.querySelectorAll('#items > li.card').length"),
    )


def show_all(page) -> None:
    """Click "show more" until every item of the list is rendered."""
    page.evaluate(
        "(() => { let button; while ((button = document.querySelector('#items-more button'))) button.click(); })()"
    )


def test_every_item_is_listed_in_chunks_and_filters_update_the_counts(page, built_page):
    items = built_page.data["items"]
    assert len(items) > CHUNK
    assert shown(page) == (len(items), CHUNK)  # the first chunk only
    grown = page.evaluate(
        "(async () => { window.scrollTo(0, document.body.scrollHeight);"
        " for (let i = 0; i < 50 && document.querySelectorAll('#items > li.card').length <= 50; i++)"
        "   await new Promise(resolve => setTimeout(resolve, 20));"
        " return document.querySelectorAll('#items > li.card').length; })()"
    )
    assert grown == min(len(items), 2 * CHUNK)  # scrolling to the end renders the next chunk
    show_all(page)
    assert shown(page) == (len(items), len(items))
    data_errors = sum(item["status"] == "data error" for item in items)
    status_options = page.evaluate(
        "[...document.getElementById('filter-status').options].map(o => o.textContent)"
    )
    assert f"data error ({data_errors})" in status_options and f"all ({len(items)})" in status_options

    choose(page, "filter-status", "judge error")
    judge_errors = [item for item in items if item["status"] == "judge error"]
    assert judge_errors and shown(page) == (len(judge_errors), len(judge_errors))
    assert page.evaluate(
        "[...document.querySelectorAll('#items > li.card')].map(li => li.dataset.status)"
    ) == ["judge error"] * len(judge_errors)
    assert all(
        GARBLE in text
        for text in page.evaluate(
            "[...document.querySelectorAll('#items .answer')].map(pre => pre.textContent)"
        )
    )

    choose(page, "filter-status", "")
    choose(page, "filter-label", "warning")
    warnings = [item for item in items if "warning" in item["labels"]]
    assert warnings and shown(page) == (len(warnings), len(warnings))
    # The other selects now count within the warnings: only the keyword rules say "warning" here.
    task_options = page.evaluate(
        "[...document.getElementById('filter-task').options].map(o => o.textContent)"
    )
    assert f"vlsbench_keyword ({len(warnings)})" in task_options and "vlsbench (0)" in task_options

    choose(page, "filter-label", "")
    type_text(page, GARBLE.lower())  # case does not matter
    garbled = [item for item in items if any(GARBLE in answer for answer in item["answers"])]
    assert len(garbled) == len(TASKS) and shown(page) == (len(garbled), len(garbled))
    type_text(page, f"{GARBLE} vlsbench_keyword")  # every word must be found (the task is one)
    assert shown(page) == (1, 1)


def type_text(page, text: str) -> None:
    page.evaluate(
        f"(() => {{ const s = document.getElementById('filter-text'); s.value = {json.dumps(text)};"
        " s.dispatchEvent(new Event('input')); })()"
    )


def _cells(page) -> list[list[int]]:
    return page.evaluate(
        "[...document.querySelectorAll('#confusion tbody tr')].map(tr =>"
        " [...tr.querySelectorAll('td')].map(td => Number(td.textContent)))"
    )


def test_the_disagreement_view_shows_agreements_counts_and_only_the_differing_items(page, built_page):
    page.evaluate("document.getElementById('tab-pairs').click()")
    assert page.evaluate("document.getElementById('pairs-view').hidden") is False
    assert page.evaluate("document.getElementById('items-view').hidden") is True
    compared = 0
    for index, pair in enumerate(built_page.data["pairs"]):
        choose(page, "pair-select", str(index))
        for name, found in pair["judgements"].items():
            if len(pair["judgements"]) > 1:
                choose(page, "judgement-select", name)
            assert _cells(page) == found["confusion"]["counts"]  # agreement's numbers (test_view_e2e)
            rows = page.evaluate("document.querySelectorAll('#pair-items > li.pair').length")
            assert rows == len(found["disagreements"])
            if rows:
                assert (
                    page.evaluate("document.querySelectorAll('#pair-items > li.pair > .card').length")
                    == 2 * rows
                )
                keys = page.evaluate(
                    "[...document.querySelectorAll('#pair-items > li.pair')].map(li => li.dataset.key)"
                )
                assert keys == [d["key"] for d in found["disagreements"]]
            compared += 1
    assert compared == 8  # 6 VLSBench pairs, and the SIUO pair's two judgements

    first = next(
        i
        for i, p in enumerate(built_page.data["pairs"])
        if p["judgements"].get("verdict", {}).get("disagreements")
    )
    choose(page, "pair-select", str(first))
    found = built_page.data["pairs"][first]["judgements"]["verdict"]
    a, b = found["disagreements"][0]["a"], found["disagreements"][0]["b"]
    in_cell = sum(d["a"] == a and d["b"] == b for d in found["disagreements"])
    cell = f"document.querySelector('#confusion td[data-a={json.dumps(a)}][data-b={json.dumps(b)}]')"
    page.evaluate(f"{cell}.click()")
    assert page.evaluate("document.querySelectorAll('#pair-items > li.pair').length") == in_cell
    page.evaluate(f"{cell}.click()")
    assert page.evaluate("document.querySelectorAll('#pair-items > li.pair').length") == len(
        found["disagreements"]
    )


def test_hostile_strings_show_as_text_and_run_nothing(page, built_page):
    page.evaluate("document.getElementById('tab-pairs').click()")  # render the side-by-side cards too
    for index in range(len(built_page.data["pairs"])):
        choose(page, "pair-select", str(index))
    page.evaluate("document.getElementById('tab-items').click()")
    show_all(page)
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.evaluate("document.scripts.length") == 3
    assert page.evaluate("document.querySelectorAll('style').length") == 1
    sources = page.evaluate("[...document.images].map(img => img.getAttribute('src') || '')")
    assert all(src.startswith("data:image/jpeg;base64,") for src in sources if src)
    texts = page.evaluate("[...document.querySelectorAll('#items .answer')].map(pre => pre.textContent)")
    for answer in ANSWERS:
        assert answer in texts  # the exact characters, markup and all
    queries = page.evaluate("[...document.querySelectorAll('#items .query')].map(pre => pre.textContent)")
    assert HOSTILE_QUERY in queries
    fields = page.evaluate("[...document.querySelectorAll('#items .verdict .field')].map(f => f.textContent)")
    assert f"explanation: {JUDGE_EXPLANATION}" in fields


def test_a_thumbnail_opens_the_image_enlarged(page, built_page):
    runs = built_page.data["runs"]
    key = next(
        item["image"]
        for item in built_page.data["items"]
        if item["doc"] == LARGE_IMAGE_ROW and runs[item["run"]]["benchmark"] == "vlsbench"
    )
    shown = page.evaluate(
        "(async () => { const img = [...document.querySelectorAll('#items .thumb img')]"
        f".find(i => i.src.endsWith({json.dumps(built_page.images[key][0][-40:])}));"
        " const thumb = img.getBoundingClientRect().width; img.click();"
        " const big = document.getElementById('lightbox-image'); await big.decode();"
        " await new Promise(resolve => setTimeout(resolve, 50));"
        " return [document.getElementById('lightbox').hidden, big.naturalWidth, big.naturalHeight,"
        " thumb, big.getBoundingClientRect().width,"
        " document.getElementById('lightbox-caption').textContent]; })()"
    )
    hidden, width, height, thumb, enlarged, caption = shown
    assert (hidden, width, height) == (False, 288, 216)
    assert thumb <= 128 and enlarged == 2 * width  # twice its pixels: the window has room
    assert "original 400×300 px" in caption
    page.evaluate("document.getElementById('lightbox').click()")
    assert page.evaluate("document.getElementById('lightbox').hidden") is True


def test_a_screenshot_of_each_view_is_not_blank(page, tmp_path):
    for view in ("items", "pairs"):
        page.evaluate(f"document.getElementById('tab-{view}').click()")
        path = page.screenshot(tmp_path / f"view_{view}.png")
        with Image.open(path) as shot:
            assert shot.size == (1280, 900)
            pixels = shot.convert("RGB").getdata()
            colours = {pixel for pixel in pixels}
            not_white = sum(pixel != (255, 255, 255) for pixel in pixels) / len(pixels)
        assert len(colours) > 50 and not_white > 0.05, (view, len(colours), not_white)


def _judged_run(folder, date: str, records: list[dict]) -> None:
    """One model's vlsbench run with the given verdicts (one per item, in its record), as lmms-eval logs them."""
    folder.mkdir(parents=True)
    metadata = {"benchmark": "vlsbench", "headline": "safe_rate"}
    results = {
        "results": {"vlsbench": {"alias": "vlsbench", "n_scored,none": 0}},
        "configs": {"vlsbench": {"metadata": metadata}},
        "config": {"model": "dummy", "model_args": "response=x"},
        "date": date,
    }
    (folder / f"{date}_results.json").write_text(json.dumps(results))
    samples = [
        {"doc_id": row, "n_scored": {"row": row, "status": v["status"], "verdicts": {"verdict": [v]}}}
        for row, v in enumerate(records)
    ]
    (folder / f"{date}_samples_vlsbench.jsonl").write_text("".join(json.dumps(s) + "\n" for s in samples))


def test_the_pair_menu_says_when_a_pair_has_no_item_to_compare(chromium_path, tmp_path):
    failed = {"status": "parse_error", "error": "no JSON object in judge answer"}
    judged = {"status": "ok", "label": 1, "label_str": "Safe with refusal", "explanation": "x"}
    _judged_run(tmp_path / "runs" / "a", "20250101_000000", [failed, failed])
    _judged_run(tmp_path / "runs" / "b", "20250202_000000", [judged, judged])
    out = tmp_path / "view.html"
    assert cli.main(["view", str(tmp_path / "runs"), "--out", str(out), "--no-images"]) == 0
    with Chromium(chromium_path) as browser:
        browser.open(out)
        assert browser.evaluate("document.body.dataset.ready") == "1"
        (option,) = browser.evaluate(
            "[...document.getElementById('pair-select').options].map(o => o.textContent)"
        )
    assert option.endswith("(older run 20250101_000000) (no item compared)"), option
