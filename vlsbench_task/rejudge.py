"""`vlsbench-task judge SAMPLES_JSONL`: judge (again) the responses of a saved lmms-eval samples file."""

from __future__ import annotations

import argparse


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("judge", help="judge the responses in an lmms-eval samples JSONL")
    parser.add_argument("samples", help="a *_samples_vlsbench*.jsonl written by lmms-eval --log_samples")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    raise SystemExit("vlsbench-task judge: not implemented yet")
