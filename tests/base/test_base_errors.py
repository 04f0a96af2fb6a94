"""Every exception the package raises on purpose has one root, through the branch that says whose
fault it is, and keeps the built-in base older `except` clauses catch."""

from __future__ import annotations

import ast
import builtins
from pathlib import Path

from vlsbench_task.base.errors import DataError, JudgeError, SamplesError

ROOT = Path(__file__).resolve().parents[2]
ROOT_NAMES = {"VlsbenchTaskError", "DataError", "JudgeError", "SamplesError"}
BUILTIN_EXCEPTIONS = {
    name
    for name, value in vars(builtins).items()
    if isinstance(value, type) and issubclass(value, BaseException)
}
# Control flow, not an error: Ctrl-C during judging (a BaseException, as KeyboardInterrupt is).
NOT_ERRORS = {"Interrupted"}


def _classes() -> dict[str, list[str]]:
    """Every class the package defines (vlsbench_task/ and judge/), by name, with its bases' names;
    read from the source, so nothing heavy (lmms-eval) is imported."""
    classes = {}
    for folder in ("vlsbench_task", "judge"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.ClassDef):
                    bases = [
                        base.id if isinstance(base, ast.Name) else getattr(base, "attr", "")
                        for base in node.bases
                    ]
                    classes[f"{path.relative_to(ROOT)}:{node.name}"] = bases
    return classes


def test_every_exception_of_the_package_derives_from_the_root():
    classes = _classes()
    short = {key.rsplit(":", 1)[1]: bases for key, bases in classes.items()}
    rooted, exceptions = set(ROOT_NAMES), set()
    changed = True
    while changed:  # a class is an exception if a base is one; rooted if a base is rooted
        changed = False
        for name, bases in short.items():
            if name not in exceptions and any(b in BUILTIN_EXCEPTIONS or b in exceptions for b in bases):
                exceptions.add(name)
                changed = True
            if name not in rooted and any(b in rooted for b in bases):
                rooted.add(name)
                changed = True
    assert len(exceptions) >= 15  # the judge's, the data layer's, the commands'
    assert sorted(exceptions - rooted) == sorted(NOT_ERRORS)


def test_each_error_is_under_the_branch_of_its_cause_and_keeps_its_builtin_base():
    from vlsbench_task.judge import JudgeNotConfigured
    from vlsbench_task.judge.parsing import ParseError

    from vlsbench_task.base.data import DataNotVerified, DataUnavailable, DataVerificationError
    from vlsbench_task.reports.runs import UnreadableOutput

    assert issubclass(DataUnavailable, DataError) and issubclass(DataUnavailable, RuntimeError)
    assert issubclass(DataNotVerified, DataUnavailable) and issubclass(DataVerificationError, DataError)
    assert issubclass(JudgeNotConfigured, JudgeError) and issubclass(JudgeNotConfigured, RuntimeError)
    assert issubclass(ParseError, JudgeError) and issubclass(ParseError, ValueError)
    assert issubclass(UnreadableOutput, SamplesError) and issubclass(UnreadableOutput, ValueError)
    assert not issubclass(DataError, JudgeError) and not issubclass(SamplesError, DataError)
