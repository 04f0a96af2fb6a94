"""The page's items: one per logged sample of a task of ours, with its answers, verdicts and status.

Judged tasks log each item's verdict record under `n_judged` (base/scoring.py): one verdict beside
the item's fields, or `verdicts: {judgement: [record per response]}`. Parsed tasks log their own
record (MMSafeAware: under its headline metric). Everything here is JSON-ready data; the page shows
every string as text.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ..base import registry
from ..base.benchmark import Benchmark, benchmark_named
from ..base.images import OK
from ..base.scoring import VERDICT_METRIC
from ..judge import Rubric
from ..rejudge import SamplesError, logged_response, responses_of
from ..reports.benchmarks import OTHERS, benchmark_key
from ..reports.runs import ModelRuns, TaskRun

# An item's status as the page filters it.
STATUS_OK, JUDGE_ERROR, DATA_ERROR, NOT_JUDGED = "ok", "judge error", "data error", "not judged"
STATUSES = (STATUS_OK, JUDGE_ERROR, DATA_ERROR, NOT_JUDGED)


@dataclass
class ViewRun:
    """One task of one model: its samples become the page's items."""

    model: ModelRuns
    run: TaskRun
    benchmark: Benchmark
    key: str  # its declaration's folder, as the task's YAML names it
    config: dict = field(default_factory=dict)  # the task's YAML as shipped ({} for a task we no longer ship)

    @property
    def name(self) -> str:
        older = f" (older run {self.run.date})" if self.model.newer_than(self.run) else ""
        return f"{self.model.label} · {self.run.task}{older}"

    @property
    def repeats(self) -> int:
        return int(self.config.get("repeats", 1))


def view_runs(models: list[ModelRuns]) -> tuple[list[ViewRun], list[str]]:
    """Every task run of ours with a samples log, and a note for each task run left out."""
    runs, notes = [], []
    for model in models:
        # Older runs too: the same items judged again (another judge) are what the comparisons are for.
        for task, run in [*model.tasks.items(), *((run.task, run) for run in model.older)]:
            # The task's YAML picks the declaration: runs before siuo_mcqa had a folder of its own
            # recorded it as "siuo", the benchmark whose data it reads.
            key = benchmark_key(task, run)
            if run.subtasks:
                continue  # a group: its members are listed themselves
            if key == OTHERS:
                notes.append(f"{model.label} · {task}: not a task of vlsbench-task, left out")
            elif run.samples_file is None:
                notes.append(f"{model.label} · {task}: no samples file (run lmms-eval with --log_samples)")
            else:
                try:
                    benchmark = benchmark_named(key)
                except KeyError as error:
                    notes.append(f"{model.label} · {task}: {error.args[0]}, left out")
                    continue
                runs.append(ViewRun(model, run, benchmark, key, registry.configs().get(task, {})))
    return runs, notes


def text(value: Any) -> str | None:
    """A logged value as the page shows it: strings as they are, anything else as JSON."""
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def answers_of(sample: dict, repeats: int) -> list[str]:
    """The model's response(s), as `vlsbench-task judge` reads them (every repeat's from the verdict
    record); a sample that does not hold them is shown as logged."""
    try:
        return responses_of(sample, repeats)
    except SamplesError:
        return [text(logged_response(sample)) or ""]


def verdict_entry(rubric: Rubric, record: dict, judgement: str, response: int) -> dict:
    """One verdict: its outcome (the rubric's name for the label), the label, the judge's other
    answer fields (explanation, reasons...), who judged, and what went wrong where it did."""
    status = record.get("status")
    outcome = None
    if status == "ok":
        try:
            outcome = rubric.outcome(record)
        except KeyError:
            outcome = None
    answer_fields = [name for name in rubric.answer_model.model_fields if name != rubric.label_field]
    return {
        "judgement": judgement,
        "response": response,
        "status": status,
        "outcome": outcome,
        "label_field": rubric.label_field,
        "label": text(record.get(rubric.label_field)),
        "fields": [
            [name, text(record[name])] for name in answer_fields if record.get(name) not in (None, "")
        ],
        "judge": " ".join(str(part) for part in (record.get("backend"), record.get("judge_model")) if part),
        "error": text(record.get("error")),
        "raw": text(record.get("raw")) if status != "ok" else None,
    }


def _judged(benchmark: Benchmark, record: Any) -> tuple[str, str | None, list[dict]]:
    """(status, detail, verdicts) of a judged task's record."""
    if not isinstance(record, dict):
        return NOT_JUDGED, f"no verdict record ({VERDICT_METRIC}): a --predict_only run?", []
    verdicts = []
    if isinstance(record.get("verdicts"), dict):
        for name, records in record["verdicts"].items():
            judgement = benchmark.judgements.get(name)
            for index, one in enumerate(records if judgement is not None else []):
                verdicts.append(verdict_entry(judgement.rubric, one, name, index))
    elif record.get("status") != "not_judged" and benchmark.judgements:
        name, judgement = next(iter(benchmark.judgements.items()))
        verdicts.append(verdict_entry(judgement.rubric, record, name, 0))
    status = record.get("status")
    if record.get("data_status", OK) != OK:
        return DATA_ERROR, text(record.get("data_status")), verdicts
    if status == "ok":
        return STATUS_OK, None, verdicts
    if status == "not_judged":
        return NOT_JUDGED, "not judged", verdicts
    return JUDGE_ERROR, text(status), verdicts


def parsed_record(sample: dict, benchmark: Benchmark, headline: str | None) -> dict:
    """A parsed task's record of an item: the headline's value where it is a record (MMSafeAware's
    `total`), else the first logged record that names the item."""
    keys = [headline, *sample] if headline else list(sample)
    for key in keys:
        value = sample.get(key)
        if isinstance(value, dict) and any(name in value for name in benchmark.item_fields):
            return value
    return {}


def _parsed(sample: dict, record: dict, benchmark: Benchmark) -> tuple[str, str | None, list[dict]]:
    if sample.get("data_error_rate") == 100:
        return DATA_ERROR, "data error (no usable image or prompt)", []
    if "correct" not in record:
        return NOT_JUDGED, "no parsed answer logged", []
    shown = [name for name in record if name not in benchmark.item_fields and name != "correct"]
    verdict = {
        "judgement": None,
        "response": 0,
        "status": "ok",
        "outcome": "correct" if record["correct"] else "incorrect",
        "label_field": "parsed",
        "label": text(record.get("parsed")),
        "fields": [[name, text(record[name])] for name in shown if name != "parsed"],
        "judge": f"parser {record['parser']}" if record.get("parser") else "parser",
        "error": None,
        "raw": None,
    }
    return STATUS_OK, None, [verdict]


def item_of(view_run: ViewRun, run_index: int, line: int, sample: dict) -> dict:
    """The page's item for one sample (`line`: its 1-based line in the samples file)."""
    benchmark = view_run.benchmark
    if benchmark.judged:
        record = sample.get(VERDICT_METRIC)
        status, detail, verdicts = _judged(benchmark, record)
        record = record if isinstance(record, dict) else {}
    else:
        record = parsed_record(sample, benchmark, view_run.run.metadata.get("headline"))
        status, detail, verdicts = _parsed(sample, record, benchmark)
    several = len(benchmark.judgements) > 1
    labels = [
        f"{v['judgement']}: {v['outcome']}" if several else v["outcome"]
        for v in verdicts
        if v["outcome"] is not None
    ]
    fields = dict.fromkeys(breakdown.field for breakdown in benchmark.breakdowns)
    query = sample.get("input")
    return {
        "run": run_index,
        "doc": sample.get("doc_id"),
        "line": line,
        "query": query if isinstance(query, str) else text(query),
        "answers": answers_of(sample, view_run.repeats),
        "status": status,
        "detail": detail,
        "categories": [[name, text(record[name])] for name in fields if record.get(name) is not None],
        "identity": [
            [name, text(record[name])] for name in benchmark.item_fields if record.get(name) is not None
        ],
        "verdicts": verdicts,
        "labels": list(dict.fromkeys(labels)),
        "image": None,
        "no_image": None,
    }


def run_summary(view_run: ViewRun, items: list[dict], href: str | None) -> dict:
    """What the page says about a run: who, which task, judged by whom, and its items' statuses."""
    judges = Counter(v["judge"] for item in items for v in item["verdicts"] if v["status"] == "ok")
    return {
        "model": view_run.model.label,
        "model_full": view_run.model.full_name(),
        "task": view_run.run.task,
        "benchmark": view_run.key,
        "title": view_run.benchmark.title,
        "judged": view_run.benchmark.judged,
        "judge": judges.most_common(1)[0][0] if judges else None,
        "samples_file": view_run.run.samples_file.name if view_run.run.samples_file else None,
        "samples_href": href,
        "date": view_run.run.date,
        "replaced_by": newer.date if (newer := view_run.model.newer_than(view_run.run)) else None,
        "items": len(items),
        "statuses": {status: sum(item["status"] == status for item in items) for status in STATUSES},
    }
