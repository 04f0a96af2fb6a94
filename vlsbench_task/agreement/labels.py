"""`vlsbench-task agreement A --labels labels.jsonl`: your judge against your people, on your run.

Side A is the judge's samples file; side B the people's labels of some of its items (the verdict
browser's audit mode writes them; audit/labels.py describes the format). Only labelled items are
compared. Besides what `agreement` gives for two judges (kappa, confusion, outcome rates), each
outcome's precision (of the items the judge gave it, the share people gave it too) and recall (of
the items people gave it, the share the judge gave it too), with Wilson intervals.
"""

from __future__ import annotations

from pathlib import Path

from ..audit.labels import CANT_TELL, Label, read_labels
from ..audit.rates import judgement_of
from ..base.benchmark import Benchmark
from ..judge import Rubric
from ..rejudge import SamplesError, read_samples
from ..reports.stats import wilson
from .compare import Agreement, compare
from .samples import _judge_of, judged_benchmark, judged_units, task_of


def people_records(labels: list[Label], rubric: Rubric, judged: dict[str, dict]) -> dict[str, dict]:
    """{unit key: a verdict record carrying the people's outcome}, keyed as `judged_units` keys the
    judge's ("12", or "12#1" for the second of several responses)."""
    value_of = {}
    for value, outcome in rubric.outcomes.items():
        value_of.setdefault(outcome, value)
    records = {}
    for label in labels:
        if label.outcome not in value_of:
            raise SamplesError(
                f"label of doc {label.doc_id}: {label.outcome!r} is not an outcome of {rubric.name} "
                f"({', '.join(value_of)}) nor {CANT_TELL!r}"
            )
        key = str(label.doc_id)
        if label.response or key not in judged:
            key = f"{label.doc_id}#{label.response}"
        records[key] = {"status": "ok", rubric.label_field: value_of[label.outcome]}
    return records


def precision_recall(agreement: Agreement) -> list[dict]:
    """Per outcome, with A the judge (rows) and B the people (columns)."""
    counts = agreement.confusion
    found = []
    for i, outcome in enumerate(agreement.outcomes):
        hits = counts[i][i]
        said, found_by_people = sum(counts[i]), sum(row[i] for row in counts)
        found.append(
            {
                "outcome": outcome,
                "judge_said": said,
                "people_said": found_by_people,
                "precision": 100 * hits / said if said else None,
                "precision_interval": wilson(hits, said).model_dump() if said else None,
                "recall": 100 * hits / found_by_people if found_by_people else None,
                "recall_interval": wilson(hits, found_by_people).model_dump() if found_by_people else None,
            }
        )
    return found


def _labels_of_one_run(labels: list[Label], task: str, path: Path) -> list[Label]:
    mine = [label for label in labels if label.task == task]
    if not mine:
        raise SamplesError(f"{path} holds no label of task {task}")
    runs = {label.run for label in mine}
    if len(runs) > 1:
        raise SamplesError(
            f"{path} labels {task} of several runs ({', '.join(sorted(map(str, runs)))}): keep the labels of the "
            "run whose samples file is A"
        )
    return mine


def labels_report(samples_path: Path, labels_path: Path, task: str | None = None) -> dict:
    """The agreement report of the judge in `samples_path` against people's labels, in the shape
    `agreement_report` gives (B is the people), with `precision_recall` per judgement."""
    task = task_of(samples_path, task)
    benchmark: Benchmark = judged_benchmark(task, task)
    samples = read_samples(samples_path)
    labels = _labels_of_one_run(read_labels(labels_path), task, labels_path)
    decided = [label for label in labels if label.outcome != CANT_TELL]
    units = judged_units(samples, benchmark)
    name = judgement_of(benchmark, labels)
    rubric = benchmark.judgements[name].rubric
    people = people_records(decided, rubric, units[name])
    judge = {key: record for key, record in units[name].items() if key in people}
    recorded = {key for record in judge.values() for key in record}
    group_fields = tuple(dict.fromkeys(b.field for b in benchmark.breakdowns if b.field in recorded))
    agreement = compare(judge, people, rubric, group_fields)
    auditors = sorted({label.auditor for label in labels})
    return {
        "benchmark": benchmark.name,
        "title": benchmark.title,
        "a": {"file": str(samples_path), "task": task, "judge": _judge_of(units), "samples": len(samples)},
        "b": {
            "file": str(labels_path),
            "task": task,
            "judge": f"people ({', '.join(auditors)})",
            "samples": len(labels),
        },
        "items_in_both": len(judge),
        "responses_differ": 0,
        "cant_tell": len(labels) - len(decided),
        "judgements": {name: {**agreement.as_dict(), "precision_recall": precision_recall(agreement)}},
        "headline": None,
        "task_metrics": [],
        "intervals": {
            "kappa": "kappa ± 1.96 large-sample standard errors (Fleiss, Cohen & Everitt 1969)",
            "agreement_precision_and_recall": "Wilson score interval",
            "differences": "people - judge over the same items: Newcombe (1998) paired score interval",
        },
    }
