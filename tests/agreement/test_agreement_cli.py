"""`vlsbench-task agreement A B` on samples files written the way the task writes them."""

from __future__ import annotations

import json

import pytest
from PIL import Image
from vlsbench_task.judge import Status, Verdict

from vlsbench_task import cli
from vlsbench_task.agreement import agreement_of, agreement_report
from vlsbench_task.base import records, scoring
from vlsbench_task.benchmarks.vlsbench.benchmark import BENCHMARK, LABELS
from vlsbench_task.rejudge import SamplesError, read_samples

RESPONSE = "I can't help with that."
CATEGORIES = ("Privacy", "Violent")


def _verdict(label: int | None, backend: str) -> Verdict:
    if label is None:
        return Verdict(status=Status.PARSE_ERROR, raw="no idea", backend=backend, judge_model="j")
    answer = {"label": label, "label_str": LABELS[label], "explanation": ""}
    return Verdict(status=Status.OK, answer=answer, backend=backend, judge_model=f"{backend}-judge")


def write_samples(path, labels: list[int | str | None], backend: str, response: str = RESPONSE) -> None:
    """One sample per label, as lmms-eval logs it with our metrics: an int is the judge's label,
    None a parse error, "data" a row whose image is missing (never judged)."""
    with path.open("w", encoding="utf-8") as file:
        for row, label in enumerate(labels):
            doc = {
                "row": row,
                "instruction_id": str(100 + row),
                "instruction": f"question {row}",
                "category": CATEGORIES[row % 2],
                "sub_category": "s",
                "data_status": "missing_image" if label == "data" else "ok",
            }
            verdicts = None if label == "data" else {"verdict": [_verdict(label, backend)]}
            values = scoring.document_values(BENCHMARK, doc, [response], verdicts, {}, {})
            sample = {"doc_id": row, "filtered_resps": response, "input": doc["instruction"], **values}
            file.write(json.dumps(sample) + "\n")


def test_agreement_of_two_samples_files_in_markdown_json_and_a_chart(tmp_path, capsys):
    a = tmp_path / "20260101_000000_samples_vlsbench_keyword.jsonl"
    b = tmp_path / "20260102_000000_samples_vlsbench_judged.jsonl"  # as `vlsbench-task judge` names it
    write_samples(a, [1, 1, 1, 2, 3, 3, "data", 1], "keyword")
    write_samples(b, [1, 3, 1, 2, 3, None, "data", 1, 2], "openai")
    out = tmp_path / "report"
    assert cli.main(["agreement", str(a), str(b), "--out", str(out)]) == 0

    report = json.loads((out / "agreement.json").read_text())
    assert (report["a"]["task"], report["b"]["task"]) == ("vlsbench_keyword", "vlsbench")
    assert report["a"]["judge"] == "keyword keyword-judge" and report["b"]["judge"] == "openai openai-judge"
    found = report["judgements"]["verdict"]
    assert found["n"] == 6 and found["confusion"]["counts"] == [[3, 0, 1], [0, 1, 0], [0, 0, 1]]
    unmatched = {reason: entry["keys"] for reason, entry in found["unmatched"].items() if entry["count"]}
    assert unmatched == {"error_b": ["5"], "neither": ["6"], "only_b": ["8"]}
    assert set(found["by_group"]["category"]) == set(CATEGORIES)
    # The task's own rates over the 6 rows both scored: A calls 1 of them unsafe, B 2.
    metrics = {rate["name"]: rate for rate in report["task_metrics"]}
    assert report["headline"] == "safe_rate" and report["task_metrics"][0]["name"] == "safe_rate"
    assert metrics["unsafe_rate"]["n"] == 6
    assert metrics["unsafe_rate"]["a"] == pytest.approx(100 / 6) and metrics["unsafe_rate"][
        "b"
    ] == pytest.approx(200 / 6)
    assert metrics["safe_rate"]["interval"]["method"] == "newcombe-paired"

    markdown = (out / "agreement.md").read_text()
    assert markdown == capsys.readouterr().out  # what it prints is what it writes
    for part in (
        "Cohen's kappa",
        "Confusion matrix",
        "judge error in B",
        "Agreement by `category`",
        "**safe_rate**",
    ):
        assert part in markdown
    with Image.open(out / "confusion_verdict.png") as chart:
        assert chart.format == "PNG" and chart.size[0] > 300


def test_different_responses_are_pointed_out(tmp_path, capsys):
    a, b = tmp_path / "x_samples_vlsbench.jsonl", tmp_path / "y_samples_vlsbench.jsonl"
    write_samples(a, [1, 3], "openai")
    write_samples(b, [1, 3], "openai", response="Sure, here is how.")
    assert cli.main(["agreement", str(a), str(b)]) == 0
    assert "the responses differ** on 2 of these items" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("second_name", "problem"),
    [
        ("y_samples_mmsafeaware.jsonl", "not a judged task"),
        ("y_samples_vlsbench.jsonl", "is not the same item in A and B"),
    ],
)
def test_files_that_cannot_be_compared_end_in_one_line(tmp_path, capsys, second_name, problem):
    a = tmp_path / "x_samples_vlsbench.jsonl"
    write_samples(a, [1, 2], "openai")
    b = tmp_path / second_name
    write_samples(b, [1, 2], "openai")
    other = [json.loads(line) for line in b.read_text().splitlines()]
    other[1][records.RECORD_METRIC]["instruction_id"] = "999"  # another item under the same doc_id
    b.write_text("".join(json.dumps(sample) + "\n" for sample in other))
    assert cli.main(["agreement", str(a), str(b)]) == 2
    assert problem in capsys.readouterr().err


def test_unjudged_samples_are_refused(tmp_path, capsys):
    a = tmp_path / "x_samples_vlsbench.jsonl"
    a.write_text(json.dumps({"doc_id": 0, "filtered_resps": RESPONSE}) + "\n")
    assert cli.main(["agreement", str(a), str(a)]) == 2
    assert "carries no verdict record" in capsys.readouterr().err


def test_parsed_samples_give_the_report_of_their_files(tmp_path):
    """The verdict browser passes the samples it already read: the same report, without reading again."""
    a, b = tmp_path / "x_samples_vlsbench_keyword.jsonl", tmp_path / "y_samples_vlsbench.jsonl"
    write_samples(a, [1, 3, 2, "data"], "keyword")
    write_samples(b, [1, 1, None, "data"], "openai")
    parsed = agreement_of(read_samples(a), read_samples(b), "vlsbench_keyword", "vlsbench", a, b)
    assert parsed == agreement_report(a, b)
    with pytest.raises(SamplesError, match=r"y_samples_vlsbench\.jsonl holds no samples"):
        agreement_of(read_samples(a), [], "vlsbench_keyword", "vlsbench", a, b)
