"""Run a paper table's models through lmms-eval one after another (the scripts in scripts/reproduce/).

Each model writes to `<out>/<model key>/`; a model whose folder already holds results for all the
table's tasks is skipped, so an interrupted reproduction picks up where it stopped. Generation
settings are the paper protocol as set in the task YAMLs; nothing here overrides them.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import subprocess
import sys
from importlib.resources import files
from pathlib import Path

import yaml

from .paper import TASKS_OF_TABLE, load_table
from .paper_models import PaperModel, models_of_table

# The task YAML folder whose shared template holds each table's generation protocol.
TEMPLATE_OF_TABLE = {"vlsbench_table3": "vlsbench", "mmsafeaware_main": "mmsafeaware"}


def generation_settings(table: str) -> dict:
    """generation_kwargs of the table's task template (the paper protocol)."""
    template = files("vlsbench_task.task_configs") / TEMPLATE_OF_TABLE[table] / "_default_template_yaml"

    class _Loader(yaml.SafeLoader):
        pass

    _Loader.add_constructor("!function", lambda loader, node: loader.construct_scalar(node))
    return yaml.load(template.read_text(encoding="utf-8"), Loader=_Loader)["generation_kwargs"]


def completed(folder: Path, tasks: tuple[str, ...]) -> bool:
    """Whether some results file under `folder` has every task of the table."""
    for results_file in folder.rglob("*_results.json") if folder.is_dir() else []:
        try:
            results = json.loads(results_file.read_text(encoding="utf-8")).get("results", {})
        except (OSError, json.JSONDecodeError):
            continue  # a half-written file from an interrupted run: run again
        if all(task in results for task in tasks):
            return True
    return False


def lmms_eval_command(model: PaperModel, tasks: tuple[str, ...], folder: Path, extra: list[str]) -> list[str]:
    return [
        "lmms-eval",
        "--model",
        model.model or "",
        *(["--model_args", model.model_args] if model.model_args else []),
        "--tasks",
        ",".join(tasks),
        "--batch_size",
        "1",
        "--output_path",
        str(folder),
        "--log_samples",
        *extra,
    ]


def shell_line(model: PaperModel, command: list[str]) -> str:
    env = " ".join(f'{target}="${source}"' for target, source in model.env_from.items())
    return (env + " " if env else "") + shlex.join(command)


def _executable() -> str:
    beside = Path(sys.executable).with_name("lmms-eval")  # the venv's, even when it is not on PATH
    return str(beside) if beside.exists() else shutil.which("lmms-eval") or "lmms-eval"


def parse_args(table: str, argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=f"Reproduce {load_table(table).source['table']}")
    parser.add_argument(
        "--out", type=Path, default=Path("reproduce") / table, help="one sub-folder per model"
    )
    parser.add_argument("--dry-run", action="store_true", help="print the commands, run nothing")
    parser.add_argument("--models", nargs="+", metavar="KEY", help="only these models (default: all)")
    parser.add_argument(
        "--lmms-eval-args",
        default="",
        help='more lmms-eval arguments, one string: "--limit 20 --device cuda:1"',
    )
    return parser.parse_args(argv)


def main(table: str, argv: list[str] | None = None) -> int:
    args = parse_args(table, argv)
    tasks = TASKS_OF_TABLE[table][:1]  # the paper-protocol task only: each task generates anew
    models = models_of_table(table)
    unknown = set(args.models or []) - {m.key for m in models}
    if unknown:
        raise SystemExit(
            f"not in this table: {', '.join(sorted(unknown))}; known: {', '.join(m.key for m in models)}"
        )
    print(f"# {load_table(table).source['citation']}")
    print(f"# tasks {', '.join(tasks)}; generation (task YAMLs): {json.dumps(generation_settings(table))}")
    failed = []
    for model in models:
        if args.models and model.key not in args.models:
            continue
        note = f"  ({model.note})" if model.note else ""
        if not model.runnable:
            print(f"# {model.key}: skipped, nothing can run it{note}")
            continue
        folder = args.out / model.key
        if completed(folder, tasks):
            print(f"# {model.key}: done, results in {folder}")
            continue
        command = lmms_eval_command(model, tasks, folder, shlex.split(args.lmms_eval_args))
        print(f"# {model.key} = {model.rows[table]!r}{note}")
        print(shell_line(model, command), flush=True)
        if args.dry_run:
            continue
        missing = [source for source in model.env_from.values() if not os.environ.get(source)]
        if missing:
            print(f"# {model.key}: skipped, set {', '.join(missing)}")
            failed.append(model.key)
            continue
        env = {**os.environ, **{target: os.environ[source] for target, source in model.env_from.items()}}
        if subprocess.run([_executable(), *command[1:]], env=env).returncode != 0:
            failed.append(model.key)
    if failed:
        print(f"# not completed: {', '.join(failed)} (run again to retry)")
    print(f"# compare: vlsbench-task compare {args.out}")
    return 1 if failed else 0
