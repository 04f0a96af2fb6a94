"""The package's environment variables, and the old names that still work.

- Package-wide settings carry the package's name as prefix: `VLSBENCH_TASK_JUDGE_BASE_URL`, ...,
  `VLSBENCH_TASK_MAX_DATA_ERROR_RATE`.
- A benchmark's own settings are `<B>_<SETTING>`, B its name upper-cased: `<B>_DATA_DIR`,
  `<B>_JUDGE_MODEL`, `<B>_JUDGE_PROMPT_FILE` (VLSBench's are VLSBENCH_DATA_DIR, ... like any other's).

An old name (RENAMED) is read where its new name is unset, with one deprecation warning per name and
process. VLSBENCH_JUDGE_MODEL is both VLSBench's own judge model and the old package-wide one: it
judges VLSBench, and judges the other tasks only while VLSBENCH_TASK_JUDGE_MODEL and their own
variables are unset (judge_model_variables gives the whole order).
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from loguru import logger

PREFIX = "VLSBENCH_TASK_"
OLD_PREFIX = "VLSBENCH_"
JUDGE_SETTINGS = (
    "BASE_URL",
    "API_KEY",
    "MODEL",
    "CONCURRENCY",
    "TIMEOUT",
    "MAX_RETRIES",
    "PARSE_RETRIES",
    "RPM",
    "TPM",
    "MAX_TOKENS_TOTAL",
    "IMAGE_MAX_SIDE",
    "CACHE",
    "PREFLIGHT",
    "FORMAT",
)


def judge(setting: str) -> str:
    """The package-wide variable of one judge setting (`BASE_URL` -> VLSBENCH_TASK_JUDGE_BASE_URL)."""
    return f"{PREFIX}JUDGE_{setting}"


def of_benchmark(benchmark: str, setting: str) -> str:
    """A benchmark's own variable (`mossbench`, `JUDGE_MODEL` -> MOSSBENCH_JUDGE_MODEL)."""
    return f"{benchmark.upper()}_{setting}"


MAX_DATA_ERROR_RATE = f"{PREFIX}MAX_DATA_ERROR_RATE"

# The one alias table: each new name and the old name it replaces.
RENAMED: dict[str, str] = {
    **{judge(setting): f"{OLD_PREFIX}JUDGE_{setting}" for setting in JUDGE_SETTINGS},
    MAX_DATA_ERROR_RATE: f"{OLD_PREFIX}MAX_DATA_ERROR_RATE",
}

# What an old name's warning adds, where the old name lives on with another meaning.
_NOTES = {
    f"{OLD_PREFIX}JUDGE_MODEL": " (for every task; VLSBENCH_JUDGE_MODEL then names VLSBench's judge only)"
}
_warned: set[str] = set()


def _set(name: str) -> str | None:
    return os.environ.get(name, "").strip() or None


def _old(old: str, new: str) -> str | None:
    found = _set(old)
    if found is not None and old not in _warned:
        _warned.add(old)
        logger.warning(f"{old} is deprecated and will stop working: set {new} instead{_NOTES.get(old, '')}")
    return found


def value(name: str) -> str | None:
    """The value of `name`, else of the old name it replaces, else None (blank counts as unset)."""
    found = _set(name)
    if found is None and name in RENAMED:
        return _old(RENAMED[name], name)
    return found


def judge_model(benchmark: str | None = None, task: str | None = None) -> str | None:
    """The judge model the environment names for `benchmark` (run as `task`), else None:
    `<B>_JUDGE_MODEL`, the old `VLSBENCH_JUDGE_MODEL_<TASK>`, VLSBENCH_TASK_JUDGE_MODEL, the old
    package-wide VLSBENCH_JUDGE_MODEL, in that order."""
    own = of_benchmark(benchmark, "JUDGE_MODEL") if benchmark else None
    if own and (found := _set(own)):
        return found
    if task and (found := _old(f"{OLD_PREFIX}JUDGE_MODEL_{task.upper()}", own or judge("MODEL"))):
        return found
    return value(judge("MODEL"))


def deprecated_in_use(benchmark_of_task: Mapping[str, str]) -> dict[str, str]:
    """{old name: new name} for each old name set in this environment and still read (for `doctor`);
    `benchmark_of_task` maps task names to benchmark names. VLSBENCH_JUDGE_MODEL is listed only while
    it is also the package-wide fallback (VLSBENCH_TASK_JUDGE_MODEL unset)."""
    found = {old: new for new, old in RENAMED.items() if _set(old) and not _set(new)}
    for task, benchmark in benchmark_of_task.items():
        if _set(old := f"{OLD_PREFIX}JUDGE_MODEL_{task.upper()}"):
            found[old] = of_benchmark(benchmark, "JUDGE_MODEL")
    return dict(sorted(found.items()))
