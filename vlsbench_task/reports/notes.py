"""What a reader needs beside the numbers: which judge scored, what the judge cost, what data was missing."""

from __future__ import annotations

from collections import Counter

from ..vlsbench.metrics import COST_METRICS, VERDICT_METRIC
from .runs import TaskRun

PAPER_JUDGE = "GPT-4o of late 2024 (gpt-4o-2024-08-06 was the 'gpt-4o' alias then)"


def judge_models_seen(task_run: TaskRun) -> Counter:
    """The model names the judge server reported, over the logged verdicts."""
    records = (sample.get(VERDICT_METRIC) for sample in task_run.samples)
    return Counter(r["judge_model"] for r in records if isinstance(r, dict) and r.get("judge_model"))


def judge_summary(task_run: TaskRun) -> str | None:
    """One line on the judge of a VLSBench-family run; None for tasks without our judge."""
    judge = task_run.metadata.get("judge")
    if not isinstance(judge, dict):
        return None
    if judge.get("backend") == "keyword":
        return "keyword rules (offline; an approximation, not the paper's GPT-4o judge)"
    text = f"{judge.get('model_requested', '?')} at {judge.get('base_url', '?')}"
    seen = judge_models_seen(task_run)
    if seen:
        text += "; answered as " + ", ".join(f"{name} ({count})" for name, count in seen.most_common())
    if judge.get("prompt_sha256"):
        text += f"; prompt sha256 {judge['prompt_sha256'][:12]}"
    return text


def cost_summary(task_run: TaskRun) -> dict[str, int] | None:
    """Judge tokens and requests of a run (cache hits cost nothing); None when not recorded."""
    names = [*COST_METRICS, "judge_cache_hits"]
    if not all(isinstance(task_run.metrics.get(name), int | float) for name in names):
        return None
    return {name: int(task_run.metrics[name]) for name in names}


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
    if metrics.get("unparsable_rate"):
        notes.append(f"{metrics['unparsable_rate']:.1f} % answers not parsable as yes/no (scored wrong)")
    origin = task_run.metadata.get("data_origin") or task_run.metadata.get("source")
    if origin:
        notes.append(f"data: {origin}")
    return notes
