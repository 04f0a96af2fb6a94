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

from pydantic import BaseModel

from ..judge import Rubric
from .data import DataSpec, locate
from .metric_kinds import RATE, MetricKind

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
    name: str  # the folder name (its data's key too unless `data.key` names another benchmark's)
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
    # What each metric is that is not a rate (metric_kinds.py): its aggregation and interval.
    metrics: Mapping[str, MetricKind] = field(default_factory=dict)
    breakdowns: Sequence[Breakdown] = ()
    contrasts: Sequence[Contrast] = ()
    # A section of its own that a report adds after each of its tasks' tables (MMSafeAware's subset
    # chart): (report, task, the models that ran it) -> markdown lines.
    report_section: Callable[[Any, str, list], list[str]] | None = None

    def documents(self, folder: Path, options: Options) -> list[dict]:
        """Every row as a document, its position added as `row`."""
        return [{**doc, "row": row} for row, doc in enumerate(self.load(folder, options))]

    def kind_of(self, metric: str) -> MetricKind:
        return self.metrics.get(metric, RATE)

    @property
    def data_key(self) -> str:
        """The name its data goes by: <DATA_KEY>_DATA_DIR, the download's cache folder and lock."""
        return self.data.key or self.name

    def locate(self, allow_download: bool = True) -> tuple[Path, str]:
        """(folder in the published layout, origin) of its data: `data.locate` under its data key."""
        return locate(self.data_key, self.title, self.data, allow_download)

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
