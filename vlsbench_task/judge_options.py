"""The judge options our commands share (`judge`, `qualify`): the backend and overrides of the
VLSBENCH_TASK_JUDGE_* variables."""

from __future__ import annotations

import argparse

from .judge import JudgeSettings


def add_judge_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--judge", choices=("openai", "keyword"), default="openai", help="judge backend")
    parser.add_argument("--model", help="judge model (overrides VLSBENCH_TASK_JUDGE_MODEL)")
    parser.add_argument(
        "--base-url", help="OpenAI-compatible server (overrides VLSBENCH_TASK_JUDGE_BASE_URL)"
    )
    parser.add_argument(
        "--concurrency", type=int, help="requests in flight (overrides VLSBENCH_TASK_JUDGE_CONCURRENCY)"
    )


def judge_settings(
    args: argparse.Namespace,
    benchmark: str | None = None,
    task: str | None = None,
    task_model: str | None = None,
):
    """The settings of the environment, as a task would read them, with the command's overrides."""
    settings = JudgeSettings.from_env(
        backend=args.judge, benchmark=benchmark, task=task, task_model=task_model
    )
    return settings.with_overrides(model=args.model, base_url=args.base_url, concurrency=args.concurrency)
