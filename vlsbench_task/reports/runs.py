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
from functools import cached_property
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from ..rejudge import SamplesError, read_samples
from .paper_models import identity_of, paper_model_for


class UnreadableOutput(ValueError):
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
        """A short name: the paper model's key, else the checkpoint/API model, else model(args)."""
        if self.paper_model is not None:
            return self.paper_model.key
        identity = identity_of(self.model_args)
        return identity.rstrip("/").rsplit("/", 1)[-1] if identity else self.full_name()

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


def find_results_files(paths: list[Path]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        path = Path(path)
        found += [path] if path.is_file() else sorted(path.rglob("*_results.json"))
    return found


def load_models(paths: list[Path]) -> list[ModelRuns]:
    """All models found under `paths` (folders searched recursively, or results files), in first-seen order."""
    by_model: dict[str, ModelRuns] = {}
    for results_file in find_results_files(paths):
        try:
            raw = ResultsFile.model_validate_json(results_file.read_text(encoding="utf-8"))
        except ValidationError as error:
            problem = error.errors()[0]
            raise UnreadableOutput(
                f"{results_file} is not an lmms-eval results file: {problem['msg']}"
            ) from None
        key = json.dumps([raw.config.model, raw.config.model_args], sort_keys=True)
        entry = by_model.setdefault(key, ModelRuns(raw.config.model, raw.config.model_args))
        for task in raw.results:
            task_run = TaskRun.from_results(task, raw, results_file)
            try:
                task_run.samples  # noqa: B018 -- read now: a corrupt file fails here, before any output
            except SamplesError as error:
                raise UnreadableOutput(
                    f"{error}; repair or remove it (lmms-eval --log_samples rewrites it)"
                ) from None
            entry.add(task_run)
    models = list(by_model.values())
    names = [model.short_name() for model in models]
    for model, name in zip(models, names, strict=True):
        # e.g. one checkpoint through two loaders: the full lmms-eval arguments tell them apart
        model.label = name if names.count(name) == 1 else model.full_name()
    return models


def load_or_exit(paths: list[Path], command: str) -> list[ModelRuns]:
    """load_models(), or exit 2 with the unreadable file's name (and line) for `vlsbench-task command`."""
    try:
        return load_models(paths)
    except (OSError, UnreadableOutput) as error:
        print(f"vlsbench-task {command}: {error}", file=sys.stderr)
        raise SystemExit(2) from None
