"""Reading lmms-eval output folders: each `*_results.json`, its samples files, and which model ran.

A model is identified by lmms-eval's `--model` and `--model_args` as recorded in the results file;
when a folder holds several runs of the same model and task, the latest one counts and the others
are kept aside (`ModelRuns.older`) for the commands to list or show. Every file is
read when it is found, with the reader of `vlsbench-task judge`: a corrupt one stops a command with
its name and line before the command writes anything.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import cached_property
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from ..rejudge import SamplesError, read_samples
from .paper_models import identity_of, paper_model_for, parse_model_args


class UnreadableOutput(SamplesError):
    """A results or samples file that cannot be read (truncated, not JSON, not lmms-eval's)."""


class RunConfig(BaseModel):
    model: str
    model_args: str | dict | None = None


class ResultsFile(BaseModel):
    """The parts of lmms-eval's results JSON we read (it holds more)."""

    results: dict[str, dict[str, Any]]
    group_subtasks: dict[str, list[str]] = {}
    configs: dict[str, dict[str, Any]] = {}
    higher_is_better: dict[str, dict[str, bool | None]] = {}
    config: RunConfig
    date: str = ""
    lmms_eval_version: str | None = None


def _split_key(key: str) -> tuple[str, str | None]:
    """'safe_rate,none' -> ('safe_rate', None); 'safe_rate_stderr,none' -> ('safe_rate', 'stderr')."""
    name = key.split(",", 1)[0]
    for kind in ("stderr_clt", "stderr_clustered", "stderr"):
        if name.endswith(f"_{kind}"):
            return name.removesuffix(f"_{kind}"), kind
    return name, None


@dataclass
class TaskRun:
    task: str
    metrics: dict[str, Any]
    stderrs: dict[str, float]  # lmms-eval's numeric stderr of each metric that has one
    metadata: dict[str, Any]
    higher_is_better: dict[str, bool | None]
    subtasks: list[str]  # members, for a group
    samples_file: Path | None
    date: str
    results_file: Path | None = None

    @classmethod
    def from_results(cls, task: str, raw: ResultsFile, results_file: Path) -> TaskRun:
        metrics: dict[str, Any] = {}
        stderrs: dict[str, float] = {}
        for key, value in raw.results[task].items():
            if "," not in key:  # "alias", "samples", group spacers
                continue
            name, kind = _split_key(key)
            if kind is None:
                metrics[name] = value
            elif isinstance(value, int | float) and (kind == "stderr" or name not in stderrs):
                stderrs[name] = float(value)  # bootstrap stderr first, else the CLT one
        samples = results_file.with_name(results_file.name.replace("_results.json", f"_samples_{task}.jsonl"))
        return cls(
            task=task,
            metrics=metrics,
            stderrs=stderrs,
            metadata=raw.configs.get(task, {}).get("metadata") or {},
            higher_is_better=raw.higher_is_better.get(task) or {},
            subtasks=raw.group_subtasks.get(task) or [],
            samples_file=samples if samples.is_file() else None,
            date=raw.date,
            results_file=results_file,
        )

    @cached_property
    def samples(self) -> list[dict]:
        return [] if self.samples_file is None else read_samples(self.samples_file)


@dataclass
class ModelRuns:
    """Everything found for one model: its latest run of each task (and group), and the older ones."""

    model: str
    model_args: str | dict | None
    tasks: dict[str, TaskRun] = field(default_factory=dict)
    older: list[TaskRun] = field(default_factory=list)  # runs a newer run of the same task replaces
    label: str = ""  # set by load_models: unique among the models loaded together

    @property
    def paper_model(self):
        return paper_model_for(self.model, self.model_args)

    def short_name(self) -> str:
        """A short name: the paper model's key, else the checkpoint/API model, else lmms-eval's --model."""
        if self.paper_model is not None:
            return self.paper_model.key
        identity = identity_of(self.model_args)
        return identity.rstrip("/").rsplit("/", 1)[-1] if identity else self.model

    def full_name(self) -> str:
        args = self.model_args if isinstance(self.model_args, str) else json.dumps(self.model_args or "")
        return f"{self.model}({args})" if args else self.model

    def add(self, task_run: TaskRun) -> None:
        current = self.tasks.get(task_run.task)
        if current is None or task_run.date >= current.date:
            self.tasks[task_run.task] = task_run
            current, task_run = task_run, current
        if task_run is not None:
            self.older.append(task_run)

    def newer_than(self, task_run: TaskRun) -> TaskRun | None:
        """The run that replaces `task_run` (one of `older`), else None."""
        current = self.tasks.get(task_run.task)
        return current if current is not task_run else None


JUDGED_METRICS = "_judged_metrics.json"  # beside `<samples>_judged.jsonl`, by `vlsbench-task judge`


class JudgedFile(BaseModel):
    """The parts of `vlsbench-task judge`'s `*_judged_metrics.json` we read."""

    source: str  # the samples file it judged again
    task: str
    metrics: dict[str, Any]
    judge: dict | None = None
    data_origin: str | None = None


def find_results_files(paths: list[Path]) -> list[Path]:
    """lmms-eval's results files and `vlsbench-task judge`'s metrics files under `paths` (a judged
    samples file stands for its metrics file)."""
    found: list[Path] = []
    for path in map(Path, paths):
        if path.is_file():
            judged = path.name.endswith("_judged.jsonl")
            found.append(
                path.with_name(path.name.replace("_judged.jsonl", JUDGED_METRICS)) if judged else path
            )
        else:
            found += sorted([*path.rglob("*_results.json"), *path.rglob(f"*{JUDGED_METRICS}")])
    return found


def _parse(model: type[BaseModel], path: Path, what: str):
    try:
        return model.model_validate_json(path.read_text(encoding="utf-8"))
    except ValidationError as error:
        raise UnreadableOutput(f"{path} is not {what}: {error.errors()[0]['msg']}") from None


def _judged_run(metrics_file: Path) -> tuple[ResultsFile, TaskRun]:
    """A `vlsbench-task judge` output as a run of its task: the model and settings from the results
    file of the samples it judged again; metrics, judge and samples from the new judging. It counts
    over the run it judged again, which stays listed."""
    judged = _parse(JudgedFile, metrics_file, "a metrics file of vlsbench-task judge")
    source = Path(judged.source)
    results_file = source.with_name(source.name.split("_samples_", 1)[0] + "_results.json")
    if not results_file.is_file():
        raise UnreadableOutput(
            f"{metrics_file}: the results file of the samples it judged ({results_file}) is missing; it "
            "says which model ran: keep the lmms-eval output folder where it was"
        )
    raw = _parse(ResultsFile, results_file, "an lmms-eval results file")
    metadata = {**(raw.configs.get(judged.task, {}).get("metadata") or {}), "judge": judged.judge}
    if judged.data_origin:
        metadata["data_origin"] = judged.data_origin
    samples = metrics_file.with_name(metrics_file.name.replace(JUDGED_METRICS, "_judged.jsonl"))
    # lmms-eval dates a run in a time zone of its choosing (--timezone): a re-judging sorts right
    # after the run it judged again, and after earlier re-judgings of it (by when it was written).
    written = datetime.fromtimestamp(metrics_file.stat().st_mtime, timezone.utc)
    date = f"{raw.date} re-judged {written.strftime('%Y-%m-%dT%H:%M:%SZ')}"
    task_run = TaskRun(
        task=judged.task,
        metrics={name: value for name, value in judged.metrics.items() if value is not None},
        stderrs={},
        metadata=metadata,
        higher_is_better=raw.higher_is_better.get(judged.task) or {},
        subtasks=[],
        samples_file=samples if samples.is_file() else None,
        date=date,
        results_file=metrics_file,
    )
    return raw, task_run


def _runs_of(found: Path) -> tuple[ResultsFile, list[TaskRun]]:
    if found.name.endswith(JUDGED_METRICS):
        raw, task_run = _judged_run(found)
        return raw, [task_run]
    raw = _parse(ResultsFile, found, "an lmms-eval results file")
    return raw, [TaskRun.from_results(task, raw, found) for task in raw.results]


def load_models(paths: list[Path]) -> list[ModelRuns]:
    """All models found under `paths` (folders searched recursively, or results files), in first-seen order."""
    by_model: dict[str, ModelRuns] = {}
    for found in find_results_files(paths):
        raw, task_runs = _runs_of(found)
        key = json.dumps([raw.config.model, raw.config.model_args], sort_keys=True)
        entry = by_model.setdefault(key, ModelRuns(raw.config.model, raw.config.model_args))
        for task_run in task_runs:
            try:
                task_run.samples  # noqa: B018 -- read now: a corrupt file fails here, before any output
            except SamplesError as error:
                raise UnreadableOutput(
                    f"{error}; repair or remove it (lmms-eval --log_samples rewrites it)"
                ) from None
            entry.add(task_run)
    models = list(by_model.values())
    for model, label in zip(models, unique_labels(models), strict=True):
        model.label = label
    return models


def unique_labels(models: list[ModelRuns]) -> list[str]:
    """Each model's short name; where several share one, followed by what tells them apart (their
    loader, the --model_args that differ), else by the full model(args)."""
    names = [model.short_name() for model in models]
    labels = []
    for model, name in zip(models, names, strict=True):
        alike = [other for other, same in zip(models, names, strict=True) if same == name]
        if len(alike) > 1:
            args = [parse_model_args(other.model_args) for other in alike]
            own = parse_model_args(model.model_args)
            differ = [
                f"{key}={value}" for key, value in own.items() if any(a.get(key) != value for a in args)
            ]
            loader = [model.model] if len({other.model for other in alike}) > 1 else []
            name = " ".join([name, *loader, ",".join(differ)]).strip()
        labels.append(name)
    return [
        label if labels.count(label) == 1 else model.full_name()
        for model, label in zip(models, labels, strict=True)
    ]


def load_or_exit(paths: list[Path], command: str) -> list[ModelRuns]:
    """load_models(), or exit 2 with the unreadable file's name (and line) for `vlsbench-task command`."""
    try:
        return load_models(paths)
    except (OSError, UnreadableOutput) as error:
        print(f"vlsbench-task {command}: {error}", file=sys.stderr)
        raise SystemExit(2) from None
