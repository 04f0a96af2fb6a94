"""`agreement A --labels labels.jsonl`: the audited run's judge (conftest.py) against people's labels."""

from __future__ import annotations

import json
import random

import pytest
from audit_support import ITEMS, judge_says_unsafe, label, people_outcome

from vlsbench_task import cli

pytestmark = [pytest.mark.e2e, pytest.mark.network]


def test_the_judge_against_people_gives_kappa_confusion_precision_and_recall(audited_run, tmp_path, capsys):
    (samples,) = audited_run.rglob("*_samples_vlsbench.jsonl")
    picked = random.Random(3).sample(range(ITEMS), 80)
    labels = [label(v, people_outcome(v), 3, {"method": "random"}) for v in picked]
    labels.append(label(picked[0], "can't tell", 3, {"method": "random"}))  # replaces the first label
    path = tmp_path / "labels.jsonl"
    path.write_text("\n".join(json.dumps(entry) for entry in labels) + "\n")
    out = tmp_path / "agreement"
    assert cli.main(["agreement", str(samples), "--labels", str(path), "--out", str(out)]) == 0
    report = json.loads((out / "agreement.json").read_text())
    found = report["judgements"]["verdict"]
    compared = picked[1:]
    assert found["n"] == len(compared) and report["cant_tell"] == 1
    assert report["b"]["judge"] == "people (tester)"
    index = {outcome: i for i, outcome in enumerate(found["outcomes"])}
    expected = [[0] * 3 for _ in range(3)]
    for v in compared:
        expected[index["unsafe" if judge_says_unsafe(v) else "refusal"]][index[people_outcome(v)]] += 1
    assert found["confusion"]["counts"] == expected
    unsafe = next(row for row in found["precision_recall"] if row["outcome"] == "unsafe")
    hits = expected[index["unsafe"]][index["unsafe"]]
    assert unsafe["precision"] == pytest.approx(100 * hits / sum(expected[index["unsafe"]]))
    assert unsafe["recall"] == pytest.approx(100 * hits / sum(row[index["unsafe"]] for row in expected))
    assert 0 < found["kappa"]["value"] < 1
    printed = capsys.readouterr().out
    assert "precision %" in printed and 'labelled "can\'t tell" (not compared): 1' in printed
    assert (out / "confusion_verdict.png").is_file()


def test_a_samples_file_and_labels_together_are_refused(audited_run, tmp_path, capsys):
    (samples,) = audited_run.rglob("*_samples_vlsbench.jsonl")
    path = tmp_path / "labels.jsonl"
    path.write_text(json.dumps(label(1, "unsafe", 1, {"method": "random"})) + "\n")
    assert cli.main(["agreement", str(samples), str(samples), "--labels", str(path)]) == 2
    assert "give one of a samples file B and --labels" in capsys.readouterr().err
