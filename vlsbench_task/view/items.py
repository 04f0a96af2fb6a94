"""The page's items: one per logged sample of a task of ours, with its answers, verdicts and status.

Every task of ours logs each item's record in one shape (base/records.py): the item's fields and
`verdicts: {judgement: [verdict per response]}`, a parsed task's under `parse`. Everything here is
JSON-ready data; the page shows every string as text.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ..base import records, registry
from ..base.benchmark import Benchmark, benchmark_named
from ..base.images import OK
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


def answers_of(sample: dict, benchmark: Benchmark, repeats: int) -> list[str]:
    """The model's response(s), as `vlsbench-task judge` reads them (every repeat's from the verdict
    record); a sample that does not hold them is shown as logged."""
    try:
        return responses_of(sample, benchmark, repeats)
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


def parse_entry(record: dict, response: int) -> dict:
    """A parsed task's verdict: what the parser read, and whether that is the item's answer."""
    shown = [name for name in record if name not in ("status", "parsed", "correct", "parser")]
    return {
        "judgement": None,
        "response": response,
        "status": record.get("status"),
        "outcome": "correct" if record.get("correct") else "incorrect",
        "label_field": "parsed",
        "label": text(record.get("parsed")),
        "fields": [[name, text(record[name])] for name in shown],
        "judge": f"parser {record['parser']}" if record.get("parser") else "parser",
        "error": None,
        "raw": None,
    }


def _status(benchmark: Benchmark, found: dict | None) -> tuple[str, str | None, list[dict]]:
    """(status, detail, verdicts) of an item's record."""
    if found is None:
        return NOT_JUDGED, f"no record ({records.RECORD_METRIC}): a --predict_only run?", []
    verdicts = []
    for name, index, verdict in records.verdicts(found):
        if name == records.PARSE:
            verdicts.append(parse_entry(verdict, index))
        elif (judgement := benchmark.judgements.get(name)) is not None:
            verdicts.append(verdict_entry(judgement.rubric, verdict, name, index))
    status = found.get("status")
    if found.get("data_status", OK) != OK:
        return DATA_ERROR, text(found.get("data_status")), verdicts
    if status == records.OK:
        return STATUS_OK, None, verdicts
    if status == records.NOT_JUDGED:
        return NOT_JUDGED, "not judged", verdicts
    return JUDGE_ERROR, text(status), verdicts


def item_of(view_run: ViewRun, run_index: int, line: int, sample: dict) -> dict:
    """The page's item for one sample (`line`: its 1-based line in the samples file)."""
    benchmark = view_run.benchmark
    found = records.record_of(sample, benchmark)
    if found is None and sample.get("data_error_rate") == 100:  # an earlier parsed task logged no record
        found = {"data_status": "data error (no usable image or prompt)", "verdicts": {}}
    status, detail, verdicts = _status(benchmark, found)
    record = found or {}
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
        "answers": answers_of(sample, benchmark, view_run.repeats),
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
