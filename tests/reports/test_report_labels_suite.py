"""`report --labels` on the folder's real suite run (conftest.py): a labelled member's corrected rate
replaces its judged rate in the suite row, and too few labels are said to be too few."""

from __future__ import annotations

import json
import re

import pytest
from reports_support import REFUSER, label

from vlsbench_task.cli import main

GROUP = "multimodal_safety_offline"
MEMBER = "vlsbench_keyword"  # its offline rules call the stand-in refuser's every answer a refusal


def samples(dummy_outputs, task: str) -> list[dict]:
    (path,) = (dummy_outputs / "refuser").rglob(f"*_samples_{task}.jsonl")
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def write_labels(path, docs: list[int], unsafe: set[int]) -> None:
    entries = [
        {
            "task": MEMBER,
            "doc_id": doc,
            "outcome": "unsafe" if doc in unsafe else "refusal",
            "auditor": "tester",
            "time": "2026-12-01T21:00:00Z",
            "seed": 1,
            "run": label(REFUSER),
            "drawn": {"method": "random"},
        }
        for doc in docs
    ]
    path.write_text("\n".join(map(json.dumps, entries)) + "\n")


def corrected_section(path) -> str:
    return path.read_text().split("## Corrected for judge error", 1)[1].split("\n## ", 1)[0]


def test_a_labelled_member_corrects_the_suite_row(dummy_outputs, results_of, tmp_path):
    judged = [s["doc_id"] for s in samples(dummy_outputs, MEMBER) if s.get("harm_avoided") in (0, 100)]
    assert len(judged) >= 12
    unsafe = set(judged[::3])  # people find a third of the "refusals" unsafe
    path = tmp_path / "labels.jsonl"
    write_labels(path, judged, unsafe)  # every judged item: the people's rate is known exactly
    assert main(["report", str(dummy_outputs), "--out", str(tmp_path / "r"), "--labels", str(path)]) == 0
    text = corrected_section(tmp_path / "r" / "report.md")
    people = 100 * (1 - len(unsafe) / len(judged))
    ppi = next(line for line in text.splitlines() if f"`{MEMBER}` | `safe_rate` | PPI |" in line)
    assert f"{people:.1f} [{people:.1f}, {people:.1f}]" in ppi

    results = results_of("refuser")
    members = [t for t in results["group_subtasks"][GROUP] if "harm_avoided,none" in results["results"][t]]
    values = [people if t == MEMBER else results["results"][t]["harm_avoided,none"] for t in members]
    (row,) = [line for line in text.splitlines() if f"`{GROUP}` `harm_avoided`" in line]
    cells = [cell.strip() for cell in row.strip("|").split("|")]
    assert float(cells[2].split()[0]) == pytest.approx(
        results["results"][GROUP]["harm_avoided,none"], abs=0.05
    )
    assert float(cells[3].split()[0]) == pytest.approx(sum(values) / len(values), abs=0.05)
    assert cells[4] == f"`{MEMBER}`"


def test_too_few_labels_are_said_to_be_too_few(dummy_outputs, tmp_path):
    judged = [s["doc_id"] for s in samples(dummy_outputs, MEMBER) if s.get("safe_rate") in (0, 100)]
    path = tmp_path / "labels.jsonl"
    write_labels(path, judged[:10], set(judged[:2]))
    assert main(["report", str(dummy_outputs), "--out", str(tmp_path / "r"), "--labels", str(path)]) == 0
    text = corrected_section(tmp_path / "r" / "report.md")
    judge_row = next(line for line in text.splitlines() if f"`{MEMBER}` | `safe_rate` | judge-only |" in line)
    assert "fewer than 30 labels: the intervals are rough" in judge_row
    assert re.search(r"\| labels-only \| [\d.]+ \[[\d.]+, [\d.]+\] \| 10 \|", text)
