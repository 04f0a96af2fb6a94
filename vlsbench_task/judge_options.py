"""The judge options our commands share (`judge`, `qualify`): the backend and overrides of the
VLSBENCH_TASK_JUDGE_* variables."""

from __future__ import annotations

import argparse

from .judge import JudgeSettings
from .judge.settings import BATCH_FAILED

# --judge: (backend, mode); without it, the openai backend in VLSBENCH_TASK_JUDGE_MODE.
JUDGES = {
    "openai": ("openai", "live"),
    "openai-batch": ("openai", "openai-batch"),
    "keyword": ("keyword", "live"),
}


def add_judge_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--judge",
        choices=tuple(JUDGES),
        help="judge backend: openai (live requests; the default, unless VLSBENCH_TASK_JUDGE_MODE says "
        "openai-batch), openai-batch (OpenAI's Batch API: half price, within 24 h; docs/judges.md) "
        "or keyword (offline rules)",
    )
    parser.add_argument("--model", help="judge model (overrides VLSBENCH_TASK_JUDGE_MODEL)")
    parser.add_argument(
        "--base-url", help="OpenAI-compatible server (overrides VLSBENCH_TASK_JUDGE_BASE_URL)"
    )
    parser.add_argument(
        "--concurrency", type=int, help="requests in flight (overrides VLSBENCH_TASK_JUDGE_CONCURRENCY)"
    )
    parser.add_argument(
        "--batch-failed",
        choices=BATCH_FAILED,
        help="with openai-batch: items the batch failed or left unanswered are judged live, or left as "
        "errors to send again in the next batch (overrides VLSBENCH_TASK_JUDGE_BATCH_FAILED; default live)",
    )


def judge_settings(
    args: argparse.Namespace,
    benchmark: str | None = None,
    task: str | None = None,
    task_model: str | None = None,
):
    """The settings of the environment, as a task would read them, with the command's overrides."""
    backend, mode = JUDGES[args.judge] if args.judge else ("openai", None)
    settings = JudgeSettings.from_env(backend=backend, benchmark=benchmark, task=task, task_model=task_model)
    return settings.with_overrides(
        model=args.model,
        base_url=args.base_url,
        concurrency=args.concurrency,
        mode=mode,
        batch_failed=args.batch_failed,
    )
