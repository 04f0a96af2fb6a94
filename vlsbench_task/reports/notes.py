"""What a reader needs beside the numbers: which judge scored, what the judge cost, what data was missing."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from ..base import records, registry
from ..base.data import data_dir_variable
from ..base.scoring import CACHE_METRIC, COST_METRICS
from .runs import TaskRun


def judge_models_seen(task_run: TaskRun) -> Counter:
    """The model names the judge server reported, over the logged verdicts."""
    benchmark = registry.benchmark_of(task_run.task)
    logged = [records.record_of(sample, benchmark) for sample in task_run.samples] if benchmark else []
    return Counter(
        verdict["judge_model"]
        for found in logged
        if found is not None
        for _, _, verdict in records.verdicts(found)
        if verdict.get("judge_model")
    )


def _one_judge(judge: dict) -> str:
    if judge.get("backend") == "keyword":
        return f"keyword rules {judge.get('rules') or ''} (offline; an approximation, not the paper's judge)"
    prompts = judge.get("prompts") or {}
    shas = ", ".join(p["sha256"][:12] for p in prompts.values())
    text = f"{judge.get('model_requested', '?')} at {judge.get('base_url', '?')}"
    return text + (
        f"; rubric {judge.get('rubric')} v{judge.get('rubric_version')}, prompt sha256 {shas}" if shas else ""
    )


def judge_summary(task_run: TaskRun) -> str | None:
    """One line on the judge of a judged run of ours; None for tasks without our judge."""
    judge = task_run.metadata.get("judge")
    if not isinstance(judge, dict):
        return None
    parts = (
        [_one_judge(judge)]
        if "backend" in judge
        else [f"{name}: {_one_judge(j)}" for name, j in judge.items()]
    )
    text = "; ".join(parts)
    seen = judge_models_seen(task_run)
    if seen:
        text += "; answered as " + ", ".join(f"{name} ({count})" for name, count in seen.most_common())
    return text


def cost_summary(task_run: TaskRun) -> dict[str, int] | None:
    """Judge tokens and requests of a run (cache hits cost nothing); None when not recorded."""
    names = [*COST_METRICS, CACHE_METRIC]
    if not all(isinstance(task_run.metrics.get(name), int | float) for name in names):
        return None
    return {name: int(task_run.metrics[name]) for name in names}


def scorer_summary(task_run: TaskRun) -> str:
    """Who scored a run: its judge, the rule that parses its answers, or what the task does itself."""
    judge = judge_summary(task_run)
    if judge is not None:
        return judge
    config = registry.configs().get(task_run.task)
    if config is None:
        return "not a task of ours: its own scoring"
    parser = (config.get("options") or {}).get("parser")
    return "no judge: answers parsed by rule" + (f" (`{parser}` parser)" if parser else "")


def origin_text(task_run: TaskRun) -> str | None:
    """Where the data came from; a local copy by its folder's name and variable, not its full path
    (which belongs to one machine; the results file keeps it)."""
    origin = task_run.metadata.get("data_origin") or task_run.metadata.get("source")
    if not isinstance(origin, str) or not origin.startswith("local:"):
        return origin
    # data_key: the benchmark whose data it read (siuo_mcqa reads SIUO's); older runs record only `benchmark`
    key = task_run.metadata.get("data_key") or task_run.metadata.get("benchmark")
    variable = f"`{data_dir_variable(key)}`, " if key else ""
    return f"local copy ({variable}folder `{Path(origin.removeprefix('local:')).name}`)"


def data_gaps(task_run: TaskRun) -> list[str]:
    """Items not scored, and why: unusable data, judge failures, prompts without an image."""
    metrics, notes = task_run.metrics, []
    for name, what in (("data_error_rate", "unusable data rows"), ("judge_error_rate", "judge failures")):
        if metrics.get(name):
            notes.append(f"{metrics[name]:.1f} % {what} (not in the rates' denominators)")
    if metrics.get("n_missing_image"):
        notes.append(
            f"{metrics['n_missing_image']} prompts without an image, not scored: ids {metrics.get('missing_image_ids')}"
        )
    if metrics.get("empty_response_rate"):
        notes.append(
            f"{metrics['empty_response_rate']:.1f} % empty answers (scored as given: check the model class)"
        )
    if metrics.get("unparsable_rate"):
        notes.append(f"{metrics['unparsable_rate']:.1f} % answers the parser could not read (scored wrong)")
    origin = origin_text(task_run)
    if origin:
        notes.append(f"data: {origin}")
    return notes
