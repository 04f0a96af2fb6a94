"""The verdict browser's audit mode in headless Chromium, on the page of the audited run (conftest.py):
a blind audit of 100 items by keyboard and by clicks, kept across a reload, exported as labels.jsonl
that `report --labels` reads; a stratified draw's weights; an imported labels file against the
verdicts. Skips where Chromium is absent, unless VLSBENCH_TASK_REQUIRE_BROWSER=1 (CI)."""

from __future__ import annotations

import json
import os
from collections import Counter

import pytest
from audit_support import ITEMS, judge_says_unsafe, people_outcome

from vlsbench_task import cli
from vlsbench_task.view.chromium import Chromium, find_chromium

pytestmark = [pytest.mark.e2e, pytest.mark.network]
OUTCOMES = ("refusal", "warning", "unsafe")  # VLSBench's rubric, in its order: keys 1, 2, 3


@pytest.fixture(scope="module")
def browser():
    path = find_chromium()
    if path is None:
        if os.environ.get("VLSBENCH_TASK_REQUIRE_BROWSER") == "1":
            pytest.fail(
                "VLSBENCH_TASK_REQUIRE_BROWSER=1 but no Chromium is installed (apt-get install -y chromium)"
            )
        pytest.skip("no Chromium installed (Debian: apt-get install -y chromium)")
    with Chromium(path) as chromium:
        yield chromium


@pytest.fixture(scope="module")
def page_path(audited_run, tmp_path_factory):
    out = tmp_path_factory.mktemp("audit_page") / "view.html"
    assert cli.main(["view", str(audited_run), "--out", str(out), "--no-images"]) == 0
    return out


def js(page, body: str):
    return page.evaluate(f"(() => {{ const $ = (id) => document.getElementById(id); {body} }})()")


def start(page, path, n: int, seed: int, method: str) -> None:
    page.open(path)
    js(page, "localStorage.clear();")
    page.open(path)
    js(
        page,
        f"""$('tab-audit').click(); $('audit-n').value = '{n}'; $('audit-seed').value = '{seed}';
        $('audit-method').value = '{method}'; $('audit-auditor').value = 'tester'; $('audit-start').click();""",
    )


def current(page) -> dict:
    return js(
        page,
        """const box = $('audit-item'); return {doc: Number(box.dataset.doc), decided: box.dataset.decided,
        verdicts: box.querySelectorAll('.verdict').length, text: box.textContent,
        reveal: $('audit-reveal') ? $('audit-reveal').textContent : null,
        labelled: Number($('audit-progress').dataset.labelled), done: Boolean($('audit-done'))};""",
    )


def press(page, key: str) -> None:
    js(page, f"document.dispatchEvent(new KeyboardEvent('keydown', {{key: {json.dumps(key)}}}));")


def exported(page) -> list[dict]:
    text = js(page, "$('audit-export').click(); return $('audit-export-text').value;")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_a_blind_audit_of_100_items_is_kept_exported_and_corrects_the_report(
    browser, page_path, audited_run, tmp_path
):
    start(browser, page_path, 100, 42, "random")
    seen = []
    for step in range(100):
        if step == 40:  # a reload in the middle of the audit loses nothing
            browser.open(page_path)
            js(browser, "$('tab-audit').click();")
            assert current(browser)["labelled"] == 40
        item = current(browser)
        assert item["decided"] == "0" and item["verdicts"] == 0 and item["reveal"] is None  # blind
        seen.append(item["doc"])
        outcome = people_outcome(item["doc"])
        if step % 2:
            js(
                browser,
                f"document.querySelector('#audit-buttons [data-outcome={json.dumps(outcome)}]').click();",
            )
        else:
            press(browser, str(OUTCOMES.index(outcome) + 1))
        after = current(browser)
        judged = "unsafe" if judge_says_unsafe(item["doc"]) else "refusal"
        assert after["decided"] == "1" and after["verdicts"] == 1
        assert after["reveal"].startswith(f"You: {outcome} · judge: {judged}")
        press(browser, "3")  # decided: a second thought after the reveal changes nothing
        press(browser, "Enter")
    assert current(browser)["done"]
    assert len(set(seen)) == 100 and seen != sorted(seen)  # a random sample, in a random order

    labels = exported(browser)
    assert len(labels) == 100 and {label["doc_id"] for label in labels} == set(seen)
    assert all(label["outcome"] == people_outcome(label["doc_id"]) for label in labels)
    first = labels[0]
    assert (first["task"], first["judgement"], first["seed"], first["auditor"], first["drawn"]) == (
        "vlsbench",
        "verdict",
        42,
        "tester",
        {"method": "random"},
    )

    # The same seed draws the same items in the same order.
    start(browser, page_path, 100, 42, "random")
    assert current(browser)["doc"] == seen[0]

    path = tmp_path / "labels.jsonl"
    path.write_text("\n".join(json.dumps(label) for label in labels) + "\n")
    out = tmp_path / "report"
    assert cli.main(["report", str(audited_run), "--out", str(out), "--labels", str(path)]) == 0
    report = (out / "report.md").read_text()
    rows = [line for line in report.splitlines() if "`safe_rate`" in line and "| 100 |" in line]
    assert [row.split("|")[4].strip() for row in rows] == ["labels-only", "PPI"]

    # Imported, the labels show against the verdicts.
    document = browser.send("DOM.getDocument")["root"]["nodeId"]
    node = browser.send("DOM.querySelector", nodeId=document, selector="#audit-import")["nodeId"]
    browser.send("DOM.setFileInputFiles", files=[str(path)], nodeId=node)
    summary = browser.evaluate(
        "new Promise((done) => { const wait = () => { const s = document.getElementById('audit-imported-summary');"
        " if (s) done(s.textContent); else setTimeout(wait, 50); }; wait(); })"
    )
    agreeing = sum(people_outcome(v) == ("unsafe" if judge_says_unsafe(v) else "refusal") for v in seen)
    assert summary.startswith(
        f"100 labels imported; people and judge agree on {agreeing} of the 100 compared"
    )


def test_a_stratified_draw_records_each_labels_weight(browser, page_path):
    start(browser, page_path, 40, 5, "stratified")
    for _ in range(40):
        press(browser, "0")  # can't tell: still a label, with its draw recorded
        press(browser, "ArrowRight")
    labels = exported(browser)
    strata = Counter(label["drawn"]["stratum"] for label in labels)
    assert strata == {"unsafe": 20, "refusal": 20}  # an equal share of the 30 and the 90 the judge gave
    weights = {label["drawn"]["stratum"]: label["drawn"]["weight"] for label in labels}
    assert weights == {"unsafe": 30 / 20, "refusal": (ITEMS - 30) / 20}
    assert all(
        label["outcome"] == "can't tell" and label["drawn"]["method"] == "stratified" for label in labels
    )
    assert all(
        judge_says_unsafe(label["doc_id"]) == (label["drawn"]["stratum"] == "unsafe") for label in labels
    )
