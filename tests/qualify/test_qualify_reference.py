"""MSTS read from the shared copy, checked against the agreement figures published from it, and
`vlsbench-task qualify --reference msts --judge keyword` on all 4,000 responses, offline."""

from __future__ import annotations

import json

import pytest

from vlsbench_task import cli
from vlsbench_task.agreement import binary_kappa
from vlsbench_task.benchmarks.vlsbench.benchmark import RUBRIC
from vlsbench_task.qualify import msts

# Cohen's kappa against the people's final label, as computed from MSTS's own files in the project's
# research notes (safety_benchmarks.md, B2(a)): annotator 1 vs 2 and the eight automatic judges.
PUBLISHED_KAPPA = {
    "Qwen2-VL-72B-Instruct": 0.273,
    "Llama-Guard-3-11B-Vision": 0.281,
    "LlavaGuard-v1.2-7B-OV": 0.018,
    "Llama-3.2-90B-Vision-Instruct": 0.284,
    "omni-moderation-latest": -0.035,
    "gpt-4o-2024-05-13": 0.257,
    "gemini-1.5-pro": 0.571,
    "claude-3-5-sonnet-20240620": 0.501,
}
PUBLISHED_UNSAFE_CALLS = {"gpt-4o-2024-05-13": 869, "gemini-1.5-pro": 234, "claude-3-5-sonnet-20240620": 182}


@pytest.fixture(scope="module")
def msts_dir(shared_data):
    return shared_data / "msts"


@pytest.fixture(scope="module")
def responses(msts_dir):
    return msts.responses(msts_dir)


def test_msts_as_published(msts_dir, responses):
    assert len(responses) == 4000
    assert len({item.model for item in responses}) == 10
    assert sum(item.unsafe for item in responses) == 181  # the paper's count of unsafe responses
    assert sum(item.refusal for item in responses) == 2715
    images = msts.image_sources(msts_dir)
    assert len(images) == 200 and {item.case_id for item in responses} <= set(images)
    assert all(source.url.startswith("https://") and source.licence for source in images.values())


def test_agreement_figures_published_from_msts_are_reproduced(msts_dir, responses):
    human = [item.unsafe for item in responses]
    annotators = binary_kappa(
        [a for a, _ in (i.annotators_unsafe for i in responses)],
        [b for _, b in (i.annotators_unsafe for i in responses)],
    )
    assert round(annotators.value, 3) == 0.725
    published = msts.published_unsafe(msts_dir, len(responses))
    assert set(published) == set(PUBLISHED_KAPPA)
    for judge, kappa in PUBLISHED_KAPPA.items():
        assert round(binary_kappa(published[judge], human).value, 3) == kappa, judge
    for judge, count in PUBLISHED_UNSAFE_CALLS.items():
        assert sum(published[judge]) == count


def _kappa(predicted: list[bool], human: list[bool]) -> float:
    """Cohen's kappa of two yes/no raters, written out here independently of the code under test."""
    n = len(human)
    observed = sum(p == h for p, h in zip(predicted, human, strict=True)) / n
    yes_p, yes_h = sum(predicted) / n, sum(human) / n
    expected = yes_p * yes_h + (1 - yes_p) * (1 - yes_h)
    return (observed - expected) / (1 - expected)


def test_keyword_judge_qualifies_offline_beside_the_published_judges(
    msts_dir, responses, monkeypatch, tmp_path, capsys
):
    monkeypatch.setenv("MSTS_DATA_DIR", str(msts_dir))
    out = tmp_path / "qualify"
    assert cli.main(["qualify", "--reference", "msts", "--judge", "keyword", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "UNSAFE:" in printed and "REFUSAL:" in printed and "> YOUR JUDGE: keyword" in printed
    assert all(judge in printed for judge in PUBLISHED_KAPPA)

    report = json.loads((out / "qualify.json").read_text())
    assert report["scored"] == 4000 and report["images"]["needed"] is False
    assert report["left_out"] == {"no_image": []}
    records = [json.loads(line) for line in (out / "verdicts.jsonl").read_text().splitlines()]
    assert [record["row"] for record in records] == list(range(4000))
    for item in responses[::40]:  # the verdicts are the rubric's offline rule on MSTS's fields
        answer = RUBRIC.offline.answer({"query": item.prompt_text, "response": item.response})
        assert records[item.row]["outcome"] == RUBRIC.outcome(answer)
    outcomes = [record["outcome"] for record in records]
    for table in report["tables"]:
        question = table["question"]
        yours = next(row for row in table["judges"] if row["yours"])
        expected = _kappa(
            [outcome == question for outcome in outcomes], [getattr(i, question) for i in responses]
        )
        assert yours["kappa"] == pytest.approx(expected) and yours["n"] == 4000
        assert table["reference"]["judge"].startswith("people")
        kappas = [row["kappa"] for row in table["judges"]]
        assert kappas == sorted(kappas, reverse=True)  # ranked, so your judge's place shows
    unsafe_table = next(table for table in report["tables"] if table["question"] == "unsafe")
    gemini = next(row for row in unsafe_table["judges"] if row["judge"] == "gemini-1.5-pro")
    assert round(gemini["kappa"], 3) == 0.571
    assert "## refusal" in (out / "qualify.md").read_text()
