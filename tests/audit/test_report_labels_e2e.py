"""`report --labels` on the audited run (conftest.py) with people's labels on a random and on a
stratified sample of it."""

from __future__ import annotations

import json
import random
import re
from collections import Counter

import numpy as np
import pytest
from audit_support import ITEMS, judge_says_unsafe, label, people_outcome, people_say_unsafe

from vlsbench_task import cli
from vlsbench_task.base.benchmark import slug

pytestmark = [pytest.mark.e2e, pytest.mark.network]


def rows_of(report: str, metric: str) -> dict[str, tuple[float, float, float, str, str]]:
    """{estimate: (value, low, high, items/labels, notes)} of the corrected section's rows of `metric`."""
    section = report.split("## Corrected for judge error", 1)[1].split("\n## ", 1)[0]
    found = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if len(cells) == 7 and cells[2] == f"`{metric}`":
            value, low, high = map(float, re.fullmatch(r"(\S+) \[(\S+), (\S+)\]", cells[4]).groups())
            found[cells[3]] = (value, low, high, cells[5], cells[6])
    return found


def test_report_gives_judge_only_labels_only_and_ppi_rows_for_a_random_and_a_stratified_audit(
    audited_run, tmp_path
):
    run = audited_run
    truth = 100 * np.mean([not people_say_unsafe(v) for v in range(ITEMS)])  # people's safe rate: 77.5
    judged = 100 * np.mean([not judge_says_unsafe(v) for v in range(ITEMS)])  # 75.0

    # A random audit of 60 items, two of which the auditor could not decide.
    picked = random.Random(7).sample(range(ITEMS), 62)
    labels = [label(v, people_outcome(v), 7, {"method": "random"}) for v in picked[:60]]
    labels += [label(v, "can't tell", 7, {"method": "random"}) for v in picked[60:]]
    path = tmp_path / "labels.jsonl"
    path.write_text("\n".join(json.dumps(entry) for entry in labels) + "\n")
    assert cli.main(["report", str(run), "--out", str(tmp_path / "r1"), "--labels", str(path)]) == 0
    found = rows_of((tmp_path / "r1" / "report.md").read_text(), "safe_rate")
    assert set(found) == {"judge-only", "labels-only", "PPI"}
    assert found["judge-only"][0] == pytest.approx(judged, abs=0.05)
    assert found["judge-only"][3] == str(ITEMS)
    people = [not people_say_unsafe(v) for v in picked[:60]]
    assert found["labels-only"][0] == pytest.approx(100 * np.mean(people), abs=0.05)
    assert found["labels-only"][3] == found["PPI"][3] == "60"
    assert "2 label(s) left out: can't tell" in found["judge-only"][4]
    low, high = found["PPI"][1:3]
    assert low <= truth <= high
    # The judge errs on a tenth of the items: PPI narrows the interval of the labels alone.
    assert high - low < found["labels-only"][2] - found["labels-only"][1]

    # A stratified audit: 15 of the judge's 30 "unsafe" items and 15 of its 90 refusals.
    rng = random.Random(11)
    unsafe = rng.sample([v for v in range(ITEMS) if judge_says_unsafe(v)], 15)
    refusal = rng.sample([v for v in range(ITEMS) if not judge_says_unsafe(v)], 15)
    labels = [
        label(v, people_outcome(v), 11, {"method": "stratified", "stratum": "unsafe", "weight": 2})
        for v in unsafe
    ]
    labels += [
        label(v, people_outcome(v), 11, {"method": "stratified", "stratum": "refusal", "weight": 6})
        for v in refusal
    ]
    path.write_text("\n".join(json.dumps(entry) for entry in labels) + "\n")
    assert cli.main(["report", str(run), "--out", str(tmp_path / "r2"), "--labels", str(path)]) == 0
    found = rows_of((tmp_path / "r2" / "report.md").read_text(), "safe_rate")
    weighted = 0.25 * np.mean([not people_say_unsafe(v) for v in unsafe]) + 0.75 * np.mean(
        [not people_say_unsafe(v) for v in refusal]
    )
    assert found["labels-only"][0] == pytest.approx(100 * weighted, abs=0.05)
    assert found["PPI"][0] == pytest.approx(100 * weighted, abs=0.05)
    assert "fewer than 30 labels" not in found["judge-only"][4]
    assert "weights recorded with the labels" not in found["judge-only"][4]  # 30 / 15 and 90 / 15

    # The same labels less three of the judge's "unsafe" items: the recorded weights no longer hold.
    path.write_text("\n".join(json.dumps(entry) for entry in labels[3:]) + "\n")
    assert cli.main(["report", str(run), "--out", str(tmp_path / "r4"), "--labels", str(path)]) == 0
    found = rows_of((tmp_path / "r4" / "report.md").read_text(), "safe_rate")
    assert "the weights recorded with the labels are not N_h / n_h" in found["judge-only"][4]

    # Every item labelled: each breakdown with 30 labels or more gets its rows, at the people's rate.
    everything = [label(v, people_outcome(v), 1, {"method": "random"}) for v in range(ITEMS)]
    path.write_text("\n".join(json.dumps(entry) for entry in everything) + "\n")
    assert cli.main(["report", str(run), "--out", str(tmp_path / "r5"), "--labels", str(path)]) == 0
    text = (tmp_path / "r5" / "report.md").read_text()
    (samples,) = run.rglob("*_samples_vlsbench.jsonl")
    category = {
        s["doc_id"]: s["n_scored"]["category"] for s in map(json.loads, samples.read_text().splitlines())
    }
    sizes = Counter(category.values())
    shown = re.findall(r"`(safe_rate_cat_\w+)` \| PPI", text)
    assert sorted(shown) == sorted(f"safe_rate_cat_{slug(c)}" for c, n in sizes.items() if n >= 30)
    for name, size in sizes.items():
        if size >= 30:
            found = rows_of(text, f"safe_rate_cat_{slug(name)}")
            mine = [v for v, c in category.items() if c == name]
            people = 100 * np.mean([not people_say_unsafe(v) for v in mine])
            assert found["PPI"][:3] == pytest.approx((people, people, people), abs=0.05)

    # A label whose outcome the rubric does not know stops the report with the reason.
    path.write_text(json.dumps(label(3, "maybe", 1, {"method": "random"})) + "\n")
    with pytest.raises(SystemExit, match="'maybe' is not an outcome of vlsbench_verdict"):
        cli.main(["report", str(run), "--out", str(tmp_path / "r3"), "--labels", str(path)])
