"""What did not run or scored nothing, so that no benchmark is silently missing from a report:
group members that have no results, tasks whose every row is a data or judge error, tasks that
some models ran and others did not, and older runs that a newer run of the same task replaces."""

from __future__ import annotations

from dataclasses import dataclass

from ..base import registry
from .notes import judge_summary
from .runs import ModelRuns, TaskRun


@dataclass(frozen=True)
class Problem:
    model: str  # the model's label, or "" for a task none of the models has
    task: str
    what: str


def is_group(task_run: TaskRun) -> bool:
    return bool(task_run.subtasks) or "group" in (registry.configs().get(task_run.task) or {})


def missing_members(model: ModelRuns) -> list[Problem]:
    """Members each group of ours declares that are not among the group's results."""
    problems = []
    for group, run in model.tasks.items():
        if not is_group(run):
            continue
        for member in registry.group_members(group):
            if member in run.subtasks and member in model.tasks:
                continue
            elsewhere = member in model.tasks and member not in run.subtasks
            why = (
                "has results from another run only, so this group row leaves it out"
                if elsewhere
                else "has no results (skipped, failed, or an older version of the group), so this group "
                "row leaves it out"
            )
            problems.append(Problem(model.label, member, f"member of `{group}` {why}"))
    return problems


def nothing_scored(task_run: TaskRun) -> str | None:
    """Why a task of ours has no rates: every row a data error, or every usable row a judge error."""
    metrics = task_run.metrics
    if metrics.get("data_error_rate") == 100:
        return "every row is a data error"
    if metrics.get("judge_error_rate") == 100:
        return "every usable row is a judge error"
    return None


def scored_nothing(model: ModelRuns) -> list[Problem]:
    """Tasks of ours whose every row is a data error, or whose every usable row is a judge error."""
    return [
        Problem(model.label, task, f"failed: {why}, nothing scored")
        for task, run in model.tasks.items()
        if (why := nothing_scored(run))
    ]


def left_out(model: ModelRuns) -> list[Problem]:
    """Each older run of a task this model ran again: which run counts instead, and whether their
    judges differ (then the verdict browser shows both and compares them)."""
    problems = []
    for older in model.older:
        newer = model.tasks[older.task]
        # By its folder (lmms-eval's, per model) and name: a report that is shared names no local path.
        shown = f"{older.results_file.parent.name}/{older.results_file.name}"
        what = f"run {older.date} ({shown}) left out: the newer run {newer.date} counts"
        judges = judge_summary(older), judge_summary(newer)
        if judges[0] != judges[1]:
            what += (
                f"; that run was judged by {judges[0]}, the newer one by {judges[1]} (`vlsbench-task view` "
                "shows both and compares their verdicts; pass only one run's folder to report it)"
            )
        problems.append(Problem(model.label, older.task, what))
    return problems


def uneven_tasks(models: list[ModelRuns]) -> list[Problem]:
    """Tasks that some of the models ran and others did not; a group's members only where the
    model ran the group (else the group's line speaks for them)."""
    tasks = dict.fromkeys(task for model in models for task in model.tasks)
    members = {
        task: set(run.subtasks) for model in models for task, run in model.tasks.items() if is_group(run)
    }
    problems = []
    for task in tasks:
        without = [model for model in models if task not in model.tasks]
        if not without or len(without) == len(models):
            continue
        ran = ", ".join(model.label for model in models if task in model.tasks)
        for model in without:
            if any(task in names and group not in model.tasks for group, names in members.items()):
                continue
            also = " nor any of its members" if task in members else ""
            problems.append(Problem(model.label, task, f"not run for this model{also} (results for {ran})"))
    return problems


def problems(models: list[ModelRuns]) -> list[Problem]:
    found = [p for model in models for p in (*missing_members(model), *scored_nothing(model))]
    listed = {(p.model, p.task) for p in found}
    found += [p for p in uneven_tasks(models) if (p.model, p.task) not in listed]
    return found + [p for model in models for p in left_out(model)]
