"""`vlsbench-task doctor`: is this environment able to run our tasks? One line per check, with the fix.

✓ fine, ✗ broken (with what to do), · worth knowing. It exits 1 when something the tasks asked about
(`--tasks`, default all) need is broken: lmms-eval's evaluator, the registration of our tasks, a
data folder that is set but wrong, or the judge. Data not downloaded yet is no failure: the first run
downloads it. Nothing here prints a key.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import metadata

from . import environment, variables
from . import lmms_eval_adapter as adapter
from .base import registry
from .base.data import DataNotVerified, DataUnavailable, data_dir_variable
from .judge import JudgeSettings
from .judge.preflight import check_judge
from .view.chromium import CANDIDATES, find_chromium

MARKS = {True: "✓", False: "✗", None: "·"}


@dataclass(frozen=True)
class Check:
    ok: bool | None  # None: information, neither fine nor broken
    text: str
    fix: str = ""
    needed: bool = True  # a ✗ fails the doctor

    def line(self) -> str:
        return f"{MARKS[self.ok]} {self.text}" + (
            f" — {self.fix}" if self.fix and self.ok is not True else ""
        )


def _lock() -> dict[str, str]:
    path = environment.lock_file()
    return environment.read_lock(path) if path else {}


def _reinstall(package: str) -> str:
    """How to get the version CI passed with."""
    locked = _lock().get(environment.canonical(package))
    if locked:
        return f'pip install "{package}=={locked}" (the version CI passed with; or pip install . -c constraints/ci.txt)'
    return "pip install . -c constraints/ci.txt (the versions CI passed with)"


def _distribution_of(module: str | None) -> str | None:
    top = (module or "").split(".")[0]
    names = metadata.packages_distributions().get(top) or []
    return names[0] if names else None


def check_lmms_eval() -> Check:
    """lmms-eval is a tested version and its evaluator's own prerequisites run here."""
    version = adapter.lmms_eval_version()
    if version is None:
        return Check(False, "lmms-eval is not installed", "pip install vlsbench-task")
    if not adapter.supported(version):
        return Check(
            False,
            f"lmms-eval {version} is not a version this package was tested with ({adapter.SUPPORTED})",
            _reinstall("lmms-eval"),
        )
    try:
        adapter.check_evaluator()
    except ImportError as error:
        package = _distribution_of(error.name)
        which = f"{package} {environment.installed(package)}" if package else "an installed package"
        return Check(
            False,
            f"lmms-eval {version} cannot run an evaluation: {error} ({which} lacks what its evaluator imports)",
            _reinstall(package) if package else _reinstall("lmms-eval"),
        )
    except Exception as error:
        return Check(
            False, f"lmms-eval {version} cannot run an evaluation: {error!r}", _reinstall("lmms-eval")
        )
    return Check(True, f"lmms-eval {version} can run an evaluation")


def our_tasks(names: Iterable[str] | None) -> tuple[list[str], list[str]]:
    """(our tasks that `names` run, names that are no task or group of ours); every task by default.
    Groups count as their members (lmms-eval's own members, such as HoliSafe, are left out)."""
    configs = registry.configs()
    tasks, unknown = [], []
    pending = list(names) if names else registry.task_names()
    while pending:
        name = pending.pop(0)
        config = configs.get(name)
        if config is None:
            unknown.append(name)
        elif "group" in config:
            pending[:0] = [m for m in registry.group_members(name) if m in configs]
        elif name not in tasks:
            tasks.append(name)
    return tasks, unknown


def check_registration(tasks: list[str]) -> Check:
    """lmms-eval indexes our tasks and groups, as `lmms-eval tasks list` does."""
    from lmms_eval.tasks import TaskManager

    indexed = set(TaskManager().all_tasks)
    ours = set(tasks) | set(registry.group_names())
    missing = sorted(ours - indexed)
    if missing:
        return Check(
            False,
            f"lmms-eval does not see {len(missing)} of our tasks and groups ({', '.join(missing[:5])}"
            f"{', ...' if len(missing) > 5 else ''})",
            "reinstall this package (pip install .) so its start-up file registers them, or pass "
            "--include_path to lmms-eval (docs/internals.md, Registration)",
        )
    return Check(True, f"lmms-eval sees our {len(ours)} tasks and groups")


def check_data(tasks: list[str]) -> list[Check]:
    checks, seen = [], set()
    for task in tasks:
        benchmark = registry.benchmark_of(task)
        if benchmark.data_key in seen:  # siuo_mcqa reads SIUO's data: one check
            continue
        seen.add(benchmark.data_key)
        variable = data_dir_variable(benchmark.data_key)
        try:
            _, origin = benchmark.locate(allow_download=False)
        except DataNotVerified as error:
            checks.append(Check(False, f"{benchmark.title} data: {error}"))
        except DataUnavailable as error:
            if os.environ.get(variable, "").strip():
                checks.append(Check(False, f"{benchmark.title} data: {error}"))
            else:  # the first run downloads it
                size = f" ({benchmark.data.size})" if benchmark.data.size else ""
                checks.append(
                    Check(
                        None,
                        f"{benchmark.title} data: not downloaded yet; the first run downloads it{size}",
                        f"offline, set {variable} to a local copy holding {benchmark.data.layout}",
                    )
                )
        else:
            checks.append(Check(True, f"{benchmark.title} data: {origin}"))
    return checks


def _judges(tasks: list[str]) -> dict[tuple, tuple[JudgeSettings, list, list]]:
    """The distinct judge configurations of the judged tasks, with every rubric each must judge and
    the tasks it judges."""
    judges: dict[tuple, tuple[JudgeSettings, list, list]] = {}
    for task in tasks:
        benchmark, config = registry.benchmark_of(task), registry.configs()[task]
        if not benchmark.judged:
            continue
        settings = JudgeSettings.from_env(
            backend=config.get("judge", "openai"),
            benchmark=benchmark.name,
            task=task,
            task_model=config.get("judge_model"),
        )
        key = (settings.backend, settings.model, settings.base_url)
        _, rubrics, judged = judges.setdefault(key, (settings, [], []))
        rubrics.extend(benchmark.with_prompt_overrides().rubrics.values())
        judged.append(task)
    return judges


def _named(tasks: list[str]) -> str:
    return ", ".join(tasks) if len(tasks) <= 3 else f"{', '.join(tasks[:3])} and {len(tasks) - 3} more"


def check_judges(tasks: list[str], contact: bool) -> list[Check]:
    checks = []
    for settings, rubrics, judged in _judges(tasks).values():
        if settings.backend == "keyword":
            problem = settings.problem(rubrics)
            text = f"keyword judge ({_named(judged)}): {problem or 'offline rules, no request'}"
            checks.append(Check(problem is None, text))
            continue
        where = settings.public_base_url or "OpenAI"
        name = f"judge {settings.model} at {where} ({_named(judged)})"
        problem = settings.problem(rubrics)
        if problem is not None:
            checks.append(Check(False, f"{name}: {problem}"))
        elif not contact:
            checks.append(Check(True, f"{name}: configured (--judge-check sends one tiny request)"))
        else:
            checks.append(_contact(settings, name))
    return checks


def _contact(settings: JudgeSettings, name: str) -> Check:
    result = check_judge(settings)
    if result.ok:
        return Check(True, f"{name}: answers as {result.model_answered}")
    return Check(False, f"{name}: {result.problem}")


def check_variable_names(tasks: list[str]) -> list[Check]:
    """A line for the old variable names still set, which work until they are removed."""
    old = variables.deprecated_in_use({task: registry.benchmark_of(task).name for task in tasks})
    if not old:
        return []
    renamed = ", ".join(f"{name} -> {new}" for name, new in old.items())
    return [
        Check(None, f"old variable names in use: {renamed}", "rename them (docs/judges.md)", needed=False)
    ]


def check_chromium() -> Check:
    path = find_chromium()
    if path:
        return Check(True, f"Chromium: {path}", needed=False)
    return Check(
        False,
        f"Chromium: not found (looked for {', '.join(CANDIDATES)}); the verdict browser's tests and "
        "load benchmark render pages in it (the page itself opens in any browser)",
        "apt-get install chromium",
        needed=False,
    )


def check_versions() -> Check:
    key = ", ".join(f"{name} {version or '-'}" for name, version in environment.versions().items())
    path = environment.lock_file()
    if path is None:
        return Check(
            None, f"versions: {key}; no lock file (constraints/ci.txt) to compare with", needed=False
        )
    differ = environment.drift(environment.read_lock(path))
    if not differ:
        return Check(True, f"versions: {key}; every installed package as in the lock", needed=False)
    return Check(
        None,
        f"versions: {key}; {len(differ)} installed packages differ from the lock: "
        + ", ".join(map(str, differ)),
        "if something fails, pip install . -c constraints/ci.txt installs the versions CI passed with",
        needed=False,
    )


def checks(tasks: Iterable[str] | None, judge_check: bool) -> list[Check]:
    found = [check_lmms_eval(), check_versions()]
    ours, unknown = our_tasks(tasks)
    found += [Check(False, f"{name}: no task or group of vlsbench-task") for name in unknown]
    if found[0].ok:  # TaskManager imports lmms-eval's task machinery, which needs a working install
        found.append(check_registration(ours))
    found += check_data(ours)
    found += check_judges(ours, judge_check)
    found += check_variable_names(ours)
    found.append(check_chromium())
    return found


def run(args: argparse.Namespace) -> int:
    tasks = [name.strip() for name in args.tasks.split(",") if name.strip()] if args.tasks else None
    failed = 0
    for check in checks(tasks, args.judge_check):
        print(check.line(), flush=True)
        failed += check.ok is False and check.needed
    print(f"{failed} problem(s) found" if failed else "nothing needed is missing")
    return 1 if failed else 0


def add_parser(commands) -> None:
    parser = commands.add_parser(
        "doctor",
        help="check that this environment can run the tasks: lmms-eval, registration, data, judge",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--tasks", help="comma-separated tasks or groups to check for (default: all of ours)")
    parser.add_argument(
        "--judge-check", action="store_true", help="send the judge one tiny request (it is billed as one)"
    )
    parser.set_defaults(run=run)
