"""What a benchmark declares; the judged-task base (task.py) and the commands do the rest.

A benchmark folder `vlsbench_task/benchmarks/<name>/` holds `benchmark.py` with `BENCHMARK = Benchmark(...)`:
its data, how rows become documents, what the judge is asked about each response (or how a
response is parsed), and the metric values of one document. Nothing here imports lmms-eval.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from loguru import logger
from pydantic import BaseModel

from ..judge import Rubric
from .data import DataSpec

Options = Mapping[str, Any]  # the task YAML's `options:` (a variant's settings, e.g. a subset)


@dataclass(frozen=True)
class Judgement:
    """One question put to the judge about one response of the model."""

    rubric: Rubric
    fields: Callable[[dict, str], dict[str, str]]  # (document, response) -> the rubric's template fields
    # The answer a benchmark's authors give without asking the judge (e.g. to an empty response), or None.
    decide: Callable[[str], BaseModel] | None = None


@dataclass(frozen=True)
class Breakdown:
    """Per-value copies of a metric: `metric` of the items whose `field` is v, named `<prefix>_<slug(v)>`
    (better in the direction the task's metric_list gives `metric`)."""

    field: str
    prefix: str
    metric: str

    def name(self, value: str) -> str:
        return f"{self.prefix}_{slug(value)}"


@dataclass(frozen=True)
class Contrast:
    """The same items run two ways and scored alike (e.g. with and without the image): `metric` of
    `first_task` minus that of `second_task`, in percentage points; `meaning` says what a positive
    difference means. Reports show it overall and per value of the first breakdown of `metric`."""

    title: str
    first_task: str
    second_task: str
    metric: str
    meaning: str


@dataclass(frozen=True)
class Benchmark:
    name: str  # the folder name; prefix of its variables (VLSBENCH_DATA_DIR)
    title: str
    data: DataSpec
    # (data folder, options) -> one document per row, in order, each with a `data_status`; rows that
    # cannot be used keep their place with the reason as status. `documents` adds `row` (the position).
    load: Callable[[Path, Options], list[dict]]
    item_fields: Sequence[str]  # document fields that identify an item in the samples log
    # The metric values of a usable document: judged benchmarks get (document, outcomes, options),
    # outcomes being {judgement name: [outcome of each response]} of a document judged without
    # error; parsed benchmarks get (document, responses, options) and give their parse of the response
    # under base.records.RECORD_METRIC (what was read, and whether it is `correct`).
    score: Callable[[dict, Any, Options], dict[str, Any]]
    # Judged benchmarks: what the judge is asked about each response, by name.
    judgements: Mapping[str, Judgement] = field(default_factory=dict)
    # Metric values every document gives, usable or not (e.g. counting rows without an image).
    row_metrics: Callable[[dict], dict[str, Any]] | None = None
    breakdowns: Sequence[Breakdown] = ()
    contrasts: Sequence[Contrast] = ()

    def documents(self, folder: Path, options: Options) -> list[dict]:
        """Every row as a document, its position added as `row`."""
        return [{**doc, "row": row} for row, doc in enumerate(self.load(folder, options))]

    @property
    def judged(self) -> bool:
        return bool(self.judgements)

    @property
    def rubrics(self) -> dict[str, Rubric]:
        return {rubric.name: rubric for rubric in (j.rubric for j in self.judgements.values())}

    def with_prompt_overrides(self) -> Benchmark:
        """This benchmark with each rubric's replacement prompt, where its variable names one."""
        return replace(
            self,
            judgements={
                name: replace(judgement, rubric=judgement.rubric.from_environment())
                for name, judgement in self.judgements.items()
            },
        )


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def benchmark_named(name: str) -> Benchmark:
    """The declaration in `vlsbench_task/benchmarks/<name>/benchmark.py`."""
    try:
        module = importlib.import_module(f"vlsbench_task.benchmarks.{name}.benchmark")
    except ModuleNotFoundError as error:
        raise KeyError(f"no benchmark {name!r} (vlsbench_task/benchmarks/{name}/benchmark.py)") from error
    return module.BENCHMARK


def report_unusable(title: str, docs: Sequence[dict], id_field: str) -> None:
    """Warn, per reason, which rows cannot be scored (they keep their place and are counted)."""
    by_status: dict[str, list[str]] = {}
    for doc in docs:
        if doc["data_status"] != "ok":
            by_status.setdefault(doc["data_status"], []).append(str(doc[id_field]))
    for status, ids in by_status.items():
        shown = ", ".join(ids[:20]) + (" ..." if len(ids) > 20 else "")
        logger.warning(f"{title}: {len(ids)} of {len(docs)} rows not scorable ({status}): ids {shown}")
