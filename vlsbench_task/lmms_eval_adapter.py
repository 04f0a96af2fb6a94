"""Every use of lmms-eval beyond its documented task API, in one place.

Documented, and used freely elsewhere: YAML keys, the `ConfigurableTask` hooks a `class:` task
overrides (`download`, `construct_requests`, `apply_filters`, `process_results`) and
`--include_path`. Everything else lmms-eval 0.7.3 does not promise to keep is a touch point below;
`tests/contract/test_lmms_eval_adapter.py` checks each one against the installed lmms-eval and fails
naming the touch point and the version.

- TASK_INDEX: `TaskManager.initialize_tasks(include_path, include_defaults)` is wrapped to index the
  task folders advertised in the entry-point group `lmms_eval.tasks` (lmms-eval reads none).
- REQUEST_FORMAT: `TaskManager.load_task_or_group(task_list, task_type)` is wrapped to keep
  `task_type` ("chat" or "simple"), which class-based tasks are built without, and the manager's
  `model_name` (the `--model` name).
- PREDICT_ONLY: `simple_evaluate`'s `predict_only` argument, read from its frame while it loads
  tasks. lmms-eval 0.7.3 has no supported route to it at task construction: it calls
  `Task.override_metric("bypass")` only after building the tasks, and a judged task checks its judge
  in construction, before any download. So this one stays a stack walk.
- SCORING: `--predict_only` sets `config.process_results` to None (`Task.override_metric`), which is
  how a task tells, after construction, that nothing will be scored.
- REASONING: `lmms_eval.api.reasoning` strips reasoning blocks as lmms-eval does before scoring.
- RESPONSES: `Instance.resps` and `Instance.filtered_resps` hold the responses in `apply_filters`.
- EVALUATOR: `lmms_eval.evaluator._enable_reentrant_filelocks`, a prerequisite of every evaluation
  (it imports `filelock._api`); `vlsbench-task doctor` calls it to prove an evaluation can run.
- HOLISAFE: `lmms_eval.tasks.holisafe.utils`, HoliSafe's scoring, reused by the suites.

Should the registration ever fail, the documented route still works: `lmms-eval --include_path
"$(python -c 'import vlsbench_task.task_configs as t; print(t.__path__[0])')" ...` (chat model
classes then need `--force_simple`, as the request format is not known to the task).

Nothing here may make lmms-eval fail on someone else's tasks: every wrapper falls back to the
unwrapped call when its own part fails.
"""

from __future__ import annotations

import contextvars
import functools
import sys
from importlib import metadata

from packaging.specifiers import SpecifierSet
from packaging.version import Version

from .startup.lmms_eval_hook import report as _report

# The lmms-eval versions whose internals the touch points above were checked against (as in
# pyproject.toml).
SUPPORTED = SpecifierSet(">=0.7.3,<0.8")
ENTRY_POINT_GROUP = "lmms_eval.tasks"

_loading: contextvars.ContextVar[dict | None] = contextvars.ContextVar("vlsbench_task_loading", default=None)


def lmms_eval_version() -> str | None:
    try:
        return metadata.version("lmms_eval")
    except metadata.PackageNotFoundError:
        return None


def supported(version: str | None) -> bool:
    return version is not None and Version(version) in SUPPORTED


# ---- TASK_INDEX ------------------------------------------------------------------------------------


def plugin_task_dirs() -> list[str]:
    """Folders advertised in the entry-point group: each entry point names a package holding YAMLs."""
    dirs = []
    for entry_point in metadata.entry_points(group=ENTRY_POINT_GROUP):
        try:
            package = entry_point.load()
            dirs.extend(package.__path__)
        except Exception as error:  # a broken plugin must not take lmms-eval down with it
            _report(f"lmms-eval task plugin {entry_point.value!r} skipped: {error!r}")
    return dirs


def _with_plugin_dirs(initialize_tasks):
    @functools.wraps(initialize_tasks)
    def wrapper(self, include_path=None, include_defaults=True):
        try:
            paths = [include_path] if isinstance(include_path, str) else list(include_path or [])
            paths += [d for d in plugin_task_dirs() if d not in paths]
        except Exception as error:
            _report(f"vlsbench_task could not add its task folders: {error!r}")
            return initialize_tasks(self, include_path=include_path, include_defaults=include_defaults)
        return initialize_tasks(self, include_path=paths or None, include_defaults=include_defaults)

    wrapper.__vlsbench_task_wrapped__ = True
    return wrapper


# ---- REQUEST_FORMAT and PREDICT_ONLY ---------------------------------------------------------------


def loading_context() -> dict:
    """How lmms-eval is loading tasks now: {"task_type": "chat" | "simple", "predict_only": bool,
    "model": the --model name or None}; {} outside of it (a task built directly gets the simple
    format and is scored)."""
    return _loading.get() or {}


def _predict_only(frame) -> bool:
    """`simple_evaluate`'s `predict_only` argument, from the frame that is loading tasks."""
    while frame is not None:
        if frame.f_code.co_name == "simple_evaluate" and "predict_only" in frame.f_locals:
            return bool(frame.f_locals["predict_only"])
        frame = frame.f_back
    return False


def _context(manager, task_type) -> dict:
    model = getattr(manager, "model_name", None)
    return {
        "task_type": task_type,
        "predict_only": _predict_only(sys._getframe()),
        "model": model if isinstance(model, str) else None,
    }


def _with_loading_context(load_task_or_group):
    @functools.wraps(load_task_or_group)
    def wrapper(self, task_list=None, task_type="simple"):
        try:
            token = _loading.set(_context(self, task_type))
        except Exception as error:
            _report(f"vlsbench_task could not read how lmms-eval loads tasks: {error!r}")
            return load_task_or_group(self, task_list, task_type)
        try:
            return load_task_or_group(self, task_list, task_type)
        finally:
            _loading.reset(token)

    wrapper.__vlsbench_task_wrapped__ = True
    return wrapper


def patch_task_manager(tasks_module) -> None:
    """Wrap TaskManager once (TASK_INDEX, REQUEST_FORMAT); warn when lmms-eval is not a tested one."""
    version = lmms_eval_version()
    if not supported(version):
        _report(
            f"vlsbench_task was tested with lmms-eval {SUPPORTED}, not {version}: "
            "its tasks may misbehave; run `vlsbench-task doctor`"
        )
    manager = tasks_module.TaskManager
    if not getattr(manager.initialize_tasks, "__vlsbench_task_wrapped__", False):
        manager.initialize_tasks = _with_plugin_dirs(manager.initialize_tasks)
    if not getattr(manager.load_task_or_group, "__vlsbench_task_wrapped__", False):
        manager.load_task_or_group = _with_loading_context(manager.load_task_or_group)


# ---- SCORING, RESPONSES, REASONING -----------------------------------------------------------------


def scores(task) -> bool:
    """False on a --predict_only run, once lmms-eval has adjusted the built task."""
    return task.config.process_results is not None


def replace_responses(instances, repair) -> None:
    """Apply `repair` to every response lmms-eval holds, raw and filtered, in place."""
    for instance in instances:
        instance.resps = [repair(response) for response in instance.resps]
        instance.filtered_resps = {key: repair(value) for key, value in instance.filtered_resps.items()}


def responses(instance, repeats: int) -> list:
    """The response(s) of one request: every repeat where a task asks for several (lmms-eval's
    filter keeps the first only), else the one filtered response (our YAMLs define one filter)."""
    if repeats > 1:
        return list(instance.resps)
    (response,) = instance.filtered_resps.values()
    return [response]


def strip_reasoning(responses: list, reasoning_tags) -> list:
    """The responses without the reasoning blocks lmms-eval strips before scoring."""
    from lmms_eval.api.reasoning import parse_reasoning_tags_config, strip_reasoning_tags

    tags = parse_reasoning_tags_config(task_value=reasoning_tags)
    if tags is None:
        return responses
    return [strip_reasoning_tags(r, tags) if isinstance(r, str) else r for r in responses]


# ---- EVALUATOR and HOLISAFE ------------------------------------------------------------------------


def check_evaluator() -> None:
    """Run what lmms-eval's evaluator runs before every evaluation; raises what it would raise."""
    from lmms_eval import evaluator

    evaluator._enable_reentrant_filelocks()


def holisafe_utils():
    """lmms-eval's HoliSafe scoring module (its refusal matcher, types and per-sample records)."""
    from lmms_eval.tasks.holisafe import utils

    return utils
