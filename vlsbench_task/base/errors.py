"""One root for the package's exceptions, so a command catches what it can report in one line.

Every error this package raises on purpose derives from `VlsbenchTaskError`, through the branch that
says whose fault it is: the data (`DataError`), the judge (`JudgeError`) or a saved output
(`SamplesError`). Each keeps the built-in base it had (ValueError, RuntimeError), so older `except`
clauses still catch it. Nothing is imported here: the judge and the data layer both build on it.
"""

from __future__ import annotations


class VlsbenchTaskError(Exception):
    """An error whose message says, in one line, what is wrong and what to do."""


class DataError(VlsbenchTaskError):
    """A benchmark's data (or reference data) cannot be had or is not what its authors publish."""


class JudgeError(VlsbenchTaskError):
    """The judge is not set up, cannot be reached within its limits, or gave an answer of no use."""


class SamplesError(VlsbenchTaskError, ValueError):
    """A saved output (samples file, results file) is not one this package wrote."""
