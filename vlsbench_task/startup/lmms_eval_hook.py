"""Lets lmms-eval find the task folders of installed packages, with no flag.

lmms-eval (0.7.3) indexes tasks from its own folder and from `--include_path` only, and reads
no entry points for tasks. The start-up file `vlsbench_task_lmms_eval.pth` calls `install()` at
interpreter start; that only registers a finder, which waits for `lmms_eval.tasks` to be
imported and then wraps `TaskManager.initialize_tasks`, so every folder advertised in the
`lmms_eval.tasks` entry-point group is indexed after the user's own include paths.

It also wraps `TaskManager.load_task_or_group`, which lmms-eval calls with the request format its
model class reads ("chat" or "simple"): class-based tasks are built without it, so the wrapper
keeps it, with the evaluation's model name and whether it is `--predict_only`, where
`loading_context()` finds them.

Nothing here may break lmms-eval: a plugin that fails to load is skipped with a warning.
"""

from __future__ import annotations

# Imported at every interpreter start: only modules that start-up has loaded already.
import functools
import importlib.machinery
import sys

ENTRY_POINT_GROUP = "lmms_eval.tasks"
_TARGET = "lmms_eval.tasks"
_loading = None  # a contextvars.ContextVar, made when lmms-eval first loads tasks


def _report(message: str) -> None:
    # Straight to stderr: lmms-eval silences Python warnings, and a skipped plugin must be seen.
    print(f"WARNING: {message}", file=sys.stderr)


def plugin_task_dirs() -> list[str]:
    """Folders advertised in the entry-point group: each entry point names a package holding YAMLs."""
    from importlib.metadata import entry_points

    dirs = []
    for entry_point in entry_points(group=ENTRY_POINT_GROUP):
        try:
            package = entry_point.load()
            dirs.extend(package.__path__)
        except Exception as error:  # a broken plugin must not take lmms-eval down with it
            _report(f"lmms-eval task plugin {entry_point.value!r} skipped: {error!r}")
    return dirs


def _with_plugin_dirs(initialize_tasks):
    @functools.wraps(initialize_tasks)
    def wrapper(self, include_path=None, include_defaults=True):
        paths = [include_path] if isinstance(include_path, str) else list(include_path or [])
        paths += [d for d in plugin_task_dirs() if d not in paths]
        return initialize_tasks(self, include_path=paths or None, include_defaults=include_defaults)

    wrapper.__vlsbench_task_wrapped__ = True
    return wrapper


def loading_context() -> dict:
    """How lmms-eval is loading tasks now: {"task_type": "chat" | "simple", "predict_only": bool,
    "model": the --model name or None}; {} outside of it (a task built directly gets the simple
    format and is scored)."""
    return (_loading.get() if _loading is not None else None) or {}


def _evaluation() -> dict:
    """The evaluation that is loading tasks, read from lmms-eval's `simple_evaluate` arguments."""
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_code.co_name == "simple_evaluate" and "predict_only" in frame.f_locals:
            model = frame.f_locals.get("model")
            return {
                "predict_only": bool(frame.f_locals["predict_only"]),
                "model": model if isinstance(model, str) else None,
            }
        frame = frame.f_back
    return {"predict_only": False, "model": None}


def _with_loading_context(load_task_or_group):
    @functools.wraps(load_task_or_group)
    def wrapper(self, task_list=None, task_type="simple"):
        global _loading
        if _loading is None:
            import contextvars

            _loading = contextvars.ContextVar("vlsbench_task_loading", default=None)
        token = _loading.set({"task_type": task_type, **_evaluation()})
        try:
            return load_task_or_group(self, task_list, task_type)
        finally:
            _loading.reset(token)

    wrapper.__vlsbench_task_wrapped__ = True
    return wrapper


def patch(tasks_module) -> None:
    manager = tasks_module.TaskManager
    if not getattr(manager.initialize_tasks, "__vlsbench_task_wrapped__", False):
        manager.initialize_tasks = _with_plugin_dirs(manager.initialize_tasks)
    if not getattr(manager.load_task_or_group, "__vlsbench_task_wrapped__", False):
        manager.load_task_or_group = _with_loading_context(manager.load_task_or_group)


class _PatchAfterExec:  # a loader (duck-typed: importlib.abc would cost start-up time)
    def __init__(self, loader):
        self._loader = loader

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def __getattr__(self, name):  # resource readers and the like come from the real loader
        return getattr(self._loader, name)

    def exec_module(self, module):
        self._loader.exec_module(module)
        try:
            patch(module)
        except Exception as error:
            _report(f"vlsbench_task could not register its lmms-eval tasks: {error!r}")


class _Finder:  # a meta path finder
    def find_spec(self, fullname, path, target=None):
        if fullname != _TARGET:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is not None and spec.loader is not None:
            spec.loader = _PatchAfterExec(spec.loader)
        return spec


def install() -> None:
    if _TARGET in sys.modules:  # imported before us (unusual): patch in place
        patch(sys.modules[_TARGET])
    elif not any(isinstance(finder, _Finder) for finder in sys.meta_path):
        sys.meta_path.insert(0, _Finder())
