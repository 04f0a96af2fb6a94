"""`compare` and `judged_units` on verdict records shaped as the samples log keeps them."""

from __future__ import annotations

from dataclasses import replace
from typing import Literal

import pytest
from pydantic import BaseModel
from scoring_support import one_verdict
from vlsbench_task.judge import Rubric, Status, Template, Verdict

from vlsbench_task.agreement import compare, judged_units
from vlsbench_task.base import records, scoring
from vlsbench_task.base.benchmark import Judgement
from vlsbench_task.benchmarks.vlsbench.benchmark import BENCHMARK, LABELS, RUBRIC


def verdict(label: int | None, status: Status = Status.OK) -> Verdict:
    answer = {"label": label, "label_str": LABELS[label], "explanation": ""} if label else None
    return Verdict(status=status, answer=answer, backend="openai", judge_model="judge-x")


def record(row: int, category: str, label: int | None = None, status: Status = Status.OK) -> dict:
    """The agreement unit of a usable VLSBench row: its item and its one verdict."""
    doc = {
        "row": row,
        "instruction_id": str(row),
        "category": category,
        "sub_category": "s",
        "data_status": "ok",
    }
    return one_verdict(scoring.verdict_record(BENCHMARK, doc, {"verdict": [verdict(label, status)]}))


def data_error(row: int) -> dict:
    """The unit of a row that could not be used (no judge was asked)."""
    doc = {
        "row": row,
        "instruction_id": str(row),
        "category": "c",
        "sub_category": "s",
        "data_status": "missing_image",
    }
    return one_verdict(scoring.verdict_record(BENCHMARK, doc, None))


def test_only_items_ok_on_both_sides_are_compared_and_the_rest_is_listed_by_reason():
    a = {
        "0": record(0, "x", 1),
        "1": record(1, "x", 1),
        "2": record(2, "y", 3),
        "3": record(3, "y", 2),
        "4": record(4, "y", 1),  # B lacks it
        "5": record(5, "y", 1, Status.PARSE_ERROR),
        "6": record(6, "y", 1),
        "7": record(7, "y", 1, Status.ERROR),
        "8": data_error(8),
        "9": data_error(9),
    }
    b = {
        "0": record(0, "x", 1),
        "1": record(1, "x", 3),
        "2": record(2, "y", 3),
        "3": record(3, "y", 3),
        "5": record(5, "y", 1),
        "6": record(6, "y", 1, Status.JUDGE_REFUSED),
        "7": record(7, "y", 1, Status.PARSE_ERROR),
        "8": data_error(8),
        "9": record(9, "y", 2),  # judged by B only (A could not use the row)
        "10": record(10, "y", 2),  # absent from A
    }
    found = compare(a, b, RUBRIC, group_fields=("category",))
    assert [pair.key for pair in found.pairs] == ["0", "1", "2", "3"]
    assert found.unmatched == {
        "only_a": ["4"],
        "only_b": ["9", "10"],
        "error_a": ["5"],
        "error_b": ["6"],
        "error_both": ["7"],
        "neither": ["8"],
    }
    assert found.error_statuses == {
        "a": {"parse_error": 1, "error": 1},
        "b": {"judge_refused": 1, "parse_error": 1},
    }
    assert found.outcomes == ("refusal", "warning", "unsafe")
    #                 B: refusal warning unsafe
    assert found.confusion == [[1, 0, 1], [0, 0, 1], [0, 0, 1]]
    assert found.agreeing == 2 and found.raw_agreement == 50.0
    assert [(p.key, p.a, p.b) for p in found.disagreements] == [
        ("1", "refusal", "unsafe"),
        ("3", "warning", "unsafe"),
    ]
    rates = {rate.name: rate for rate in found.outcome_rates()}
    assert (rates["unsafe"].a, rates["unsafe"].b, rates["unsafe"].difference) == (25.0, 75.0, 50.0)
    assert rates["unsafe"].interval.low < 50 < rates["unsafe"].interval.high
    groups = found.by_group()["category"]
    assert groups["x"]["n"] == 2 and groups["x"]["raw_agreement"] == 50.0
    assert groups["y"]["n"] == 2 and groups["y"]["agreeing"] == 1


def test_any_rubric_its_own_outcomes():
    class SafeOrNot(BaseModel):
        label: Literal["safe", "unsafe"]

    rubric = Rubric(
        name="two_way",
        version="1",
        templates={"t": Template("t", "{response}", "test")},
        answer_model=SafeOrNot,
        label_field="label",
        outcomes={"safe": "safe", "unsafe": "unsafe"},
    )
    a = {
        str(i): {"status": "ok", "label": label}
        for i, label in enumerate(["safe", "safe", "unsafe", "unsafe"])
    }
    b = {
        str(i): {"status": "ok", "label": label}
        for i, label in enumerate(["safe", "unsafe", "unsafe", "unsafe"])
    }
    found = compare(a, b, rubric)
    assert found.outcomes == ("safe", "unsafe")
    assert found.confusion == [[1, 1], [0, 2]]
    # po = 3/4, pe = 1/2 * 1/4 + 1/2 * 3/4 = 1/2: kappa = (3/4 - 1/2) / (1/2) = 1/2
    assert found.kappa.value == pytest.approx(0.5)


def test_units_of_a_benchmark_with_several_judgements_and_responses():
    second = replace(RUBRIC, name="second_verdict")
    benchmark = replace(
        BENCHMARK,
        judgements={
            "verdict": Judgement(RUBRIC, lambda doc, response: {}),
            "second": Judgement(second, lambda doc, response: {}),
        },
    )
    doc = {"row": 3, "instruction_id": "3", "category": "x", "sub_category": "s", "data_status": "ok"}
    verdicts = {"verdict": [verdict(1), verdict(3)], "second": [verdict(2), verdict(2, Status.PARSE_ERROR)]}
    judged = {"doc_id": 3, records.RECORD_METRIC: scoring.verdict_record(benchmark, doc, verdicts)}
    missing = {
        "doc_id": 4,
        records.RECORD_METRIC: scoring.verdict_record(benchmark, {**doc, "row": 4}, None),
    }
    units = judged_units([judged, missing], benchmark)
    assert sorted(units) == ["second", "verdict"]
    assert sorted(units["verdict"]) == ["3#0", "3#1", "4"]
    assert units["verdict"]["3#1"]["label"] == 3 and units["verdict"]["3#1"]["category"] == "x"
    assert units["second"]["3#1"]["status"] == "parse_error"
    assert units["second"]["4"]["status"] == "not_judged"
