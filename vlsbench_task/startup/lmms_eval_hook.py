"""Lets lmms-eval find the task folders of installed packages, with no flag.

lmms-eval (0.7.3) indexes tasks from its own folder and from `--include_path` only, and reads
no entry points for tasks. The start-up file `vlsbench_task_lmms_eval.pth` calls `install()` at
interpreter start; that only registers a finder, which waits for `lmms_eval.tasks` to be
imported and then hands the module to `vlsbench_task.lmms_eval_adapter`, which wraps its
`TaskManager` (the touch points TASK_INDEX and REQUEST_FORMAT there).

Nothing here may break lmms-eval: a failure is reported on stderr and lmms-eval runs as before.
"""

from __future__ import annotations

# Imported at every interpreter start: only modules that start-up has loaded already.
import importlib.machinery
import sys

_TARGET = "lmms_eval.tasks"


def report(message: str) -> None:
    # Straight to stderr: lmms-eval silences Python warnings, and a skipped plugin must be seen.
    print(f"WARNING: {message}", file=sys.stderr)


def patch(tasks_module) -> None:
    # Imported only now: lmms-eval is loading, and start-up stays as cheap as it was.
    from vlsbench_task.lmms_eval_adapter import patch_task_manager

    patch_task_manager(tasks_module)


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
            report(f"vlsbench_task could not register its lmms-eval tasks: {error!r}")


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
