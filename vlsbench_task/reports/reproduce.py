"""`vlsbench-task reproduce <benchmark>`: run a paper table's models through lmms-eval one after another,
for any benchmark folder with a `paper_results.json` (the old scripts/reproduce/*.py call the same).

Each model writes to `<out>/<model key>/`; a model whose folder already holds results for all the
table's protocol tasks is skipped, so an interrupted reproduction picks up where it stopped.
Generation settings are the paper protocol as set in the task YAMLs; nothing here overrides them.
A run that ends without its results file counts as failed (lmms-eval exits 0 after a failed
evaluation), and the command exits 1. A protocol task that a model's lmms-eval class cannot run (a
text-only task with `llava_hf`) is left out of that model's run, and the command says so.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from ..base import registry
from ..base.hooks import NO_TEXT_ONLY
from .paper import PaperTable, tables
from .paper_models import PaperModel, models_of_table

TEXT_ONLY_VISUAL = "vlsbench_task.base.hooks.doc_to_no_visual"  # doc_to_visual of tasks sent without image


def generation_settings(task: str) -> dict:
    """generation_kwargs of the task's YAML (the paper protocol)."""
    return registry.configs()[task]["generation_kwargs"]


def unanswerable(model: PaperModel, tasks: tuple[str, ...]) -> dict[str, str]:
    """{task: why} for the tasks this model's lmms-eval class cannot run (requests without an image)."""
    text_only = [task for task in tasks if registry.configs()[task].get("doc_to_visual") == TEXT_ONLY_VISUAL]
    if not text_only:
        return {}
    why = NO_TEXT_ONLY.get(model.model or "")
    return {task: why for task in text_only} if why else {}


def completed(folder: Path, tasks: tuple[str, ...]) -> bool:
    """Whether some results file under `folder` has every one of `tasks`."""
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


def _options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, help="one sub-folder per model (default: reproduce/<benchmark>)")
    parser.add_argument("--dry-run", action="store_true", help="print the commands, run nothing")
    parser.add_argument("--models", nargs="+", metavar="KEY", help="only these models (default: all)")
    parser.add_argument(
        "--lmms-eval-args",
        default="",
        help='more lmms-eval arguments, one string: "--limit 20 --device cuda:1"',
    )


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "reproduce", help="run the models of a paper's table through lmms-eval (docs/reproducing.md)"
    )
    parser.add_argument("benchmark", help="a benchmark with a paper table (paper_results.json in its folder)")
    _options(parser)
    parser.set_defaults(run=run)


def main(benchmark: str, argv: list[str] | None = None) -> int:
    """`vlsbench-task reproduce <benchmark>` for the old scripts (scripts/reproduce/<benchmark>_*.py)."""
    parser = argparse.ArgumentParser(description=f"vlsbench-task reproduce {benchmark}")
    _options(parser)
    print(f"# an old name of: vlsbench-task reproduce {benchmark}", file=sys.stderr)
    return run(parser.parse_args(argv, namespace=argparse.Namespace(benchmark=benchmark)))


def table_or_exit(benchmark: str) -> PaperTable:
    table = tables().get(benchmark)
    if table is None:
        raise SystemExit(
            f"{benchmark} has no paper table (vlsbench_task/benchmarks/{benchmark}/paper_results.json); "
            f"these have one: {', '.join(tables())}"
        )
    return table


def selected_rows(table: PaperTable, keys: list[str] | None) -> list[tuple[str, PaperModel | None]]:
    """The table's rows, those of the models `keys` names only when given; unknown keys end the run."""
    rows = models_of_table(table)
    known = list(dict.fromkeys(model.key for _, model in rows if model is not None))
    unknown = set(keys or []) - set(known)
    if unknown:
        raise SystemExit(f"not in this table: {', '.join(sorted(unknown))}; known: {', '.join(known)}")
    return [(row, model) for row, model in rows if not keys or model is None or model.key in keys]


def print_protocol(table: PaperTable) -> None:
    print(f"# {table.source['citation']}")
    settings = {task: generation_settings(task) for task in table.tasks}
    print(f"# tasks {', '.join(table.tasks)}; generation (task YAMLs): {json.dumps(settings)}")


def run_model(model: PaperModel, command: list[str], folder: Path, tasks: tuple[str, ...]) -> bool:
    """Runs lmms-eval for one model; True when its results hold every one of `tasks`."""
    missing = [source for source in model.env_from.values() if not os.environ.get(source)]
    if missing:
        print(f"# {model.key}: skipped, set {', '.join(missing)}")
        return False
    env = {**os.environ, **{target: os.environ[source] for target, source in model.env_from.items()}}
    done = subprocess.run([_executable(), *command[1:]], env=env)
    return done.returncode == 0 and completed(folder, tasks)


def reproduce_row(row: str, model: PaperModel | None, table: PaperTable, args: argparse.Namespace) -> bool:
    """Prints what one paper row gets and runs it unless --dry-run; False when its run did not complete."""
    if model is None:
        print(f"# {row!r}: skipped, no lmms-eval loader is known for it")
        return True
    note = f"  ({model.note})" if model.note else ""
    if not model.runnable:
        print(f"# {model.key}: skipped, nothing can run it{note}")
        return True
    folder = args.out / model.key
    tasks = tuple(table.tasks)  # the paper-protocol tasks only: each task generates anew
    left_out = unanswerable(model, tasks)
    model_tasks = tuple(task for task in tasks if task not in left_out)
    if completed(folder, model_tasks):
        print(f"# {model.key}: done, results in {folder}")
        return True
    command = lmms_eval_command(model, model_tasks, folder, shlex.split(args.lmms_eval_args))
    print(f"# {model.key} = {row!r}{note}")
    for task, why in left_out.items():
        print(
            f"# {model.key}: {task} left out: lmms-eval's {model.model} cannot answer requests without "
            f"an image ({why}); run {task} with another loader of the same checkpoint (e.g. vllm)"
        )
    print(shell_line(model, command), flush=True)
    return args.dry_run or run_model(model, command, folder, model_tasks)


def run(args: argparse.Namespace) -> int:
    table = table_or_exit(args.benchmark)
    args.out = args.out or Path("reproduce") / args.benchmark
    rows = selected_rows(table, args.models)
    print_protocol(table)
    failed = [model.key for row, model in rows if not reproduce_row(row, model, table, args)]
    if failed:
        print(f"# not completed: {', '.join(failed)} (run again to retry)")
    print(f"# compare: vlsbench-task compare {args.out}")
    return 1 if failed else 0
