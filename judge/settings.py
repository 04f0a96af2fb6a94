"""Judge configuration from our own environment variables, kept apart from the model under test."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit, urlunsplit

import platformdirs

from .. import variables
from ..base.errors import JudgeError
from .guards import FORMAT_VARIABLE
from .guards import problem as guard_problem
from .rubric import Rubric

DEFAULT_MODEL = "gpt-4o-2024-08-06"  # what the alias "gpt-4o" meant when the paper was written
OPENAI_URL = "https://api.openai.com/v1"  # where the SDK sends requests when no base URL is set
MIN_SECRET_LENGTH = 8
MODES = ("live", "openai-batch")  # VLSBENCH_TASK_JUDGE_MODE: requests one by one, or OpenAI's Batch API
BATCH_FAILED = ("live", "error")  # VLSBENCH_TASK_JUDGE_BATCH_FAILED: what becomes of items a batch failed


class JudgeNotConfigured(JudgeError, RuntimeError):
    pass


def _env(setting: str) -> str | None:
    """A package-wide judge setting (`BASE_URL`: VLSBENCH_TASK_JUDGE_BASE_URL, or its old name)."""
    return variables.value(variables.judge(setting))


def _int_env(setting: str, default: int | None) -> int | None:
    value = _env(setting)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"{variables.judge(setting)} must be an integer, got {value!r}") from None


def _switch(setting: str) -> bool:
    """An on/off setting, on unless set to `off`."""
    value = (_env(setting) or "on").lower()
    if value not in ("on", "off"):
        raise ValueError(f"{variables.judge(setting)} must be on or off, got {value!r}")
    return value == "on"


def default_cache_path() -> Path:
    return Path(platformdirs.user_cache_dir("vlsbench_task")) / "judge_cache.sqlite3"


def public_url(url: str) -> str:
    """`url` without credentials or query string, safe to log and store ("" is OpenAI's API)."""
    if not url:
        return OPENAI_URL
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


@dataclass(frozen=True)
class JudgeSettings:
    backend: str = "openai"  # "openai" (any OpenAI-compatible server) or "keyword"
    model: str = DEFAULT_MODEL
    base_url: str | None = None
    api_key: str | None = field(default=None, repr=False)
    concurrency: int = 16
    timeout_s: float = 60.0
    max_retries: int = 6  # HTTP retries inside the OpenAI SDK (429, 5xx, timeouts, dropped connections)
    parse_retries: int = 2  # extra requests when an answer cannot be parsed
    rpm: int | None = None
    tpm: int | None = None
    max_tokens_total: int | None = None
    image_max_side: int = 2048  # 0 sends images as they are
    cache_path: Path | None = field(default_factory=default_cache_path)  # None: no cache
    preflight: bool = True  # one tiny request before a run (judge/preflight.py); off for offline re-judging
    guard_format: str | None = None  # VLSBENCH_TASK_JUDGE_FORMAT: a guard model's format (guards.py)
    mode: str = "live"  # or "openai-batch": one Batch API job per run (judge/batch.py)
    batch_failed: str = "live"  # items a batch failed or left when it expired: judged live, or "error"
    batch_poll_s: float = 30.0  # seconds between two looks at a batch's progress

    @classmethod
    def from_env(
        cls,
        backend: str = "openai",
        benchmark: str | None = None,
        task: str | None = None,
        task_model: str | None = None,
    ):
        """The VLSBENCH_TASK_JUDGE_* variables, which serve every judged task. The judge model of a
        `benchmark` run as `task` is the one the environment names (variables.judge_model), else the
        task's own default (`task_model`), else DEFAULT_MODEL."""
        cache = _env("CACHE")
        return cls(
            backend=backend,
            model=variables.judge_model(benchmark, task) or task_model or DEFAULT_MODEL,
            base_url=_env("BASE_URL"),
            api_key=_env("API_KEY") or os.environ.get("OPENAI_API_KEY", "").strip() or None,
            concurrency=_int_env("CONCURRENCY", 16),
            timeout_s=float(_env("TIMEOUT") or 60),
            max_retries=_int_env("MAX_RETRIES", 6),
            parse_retries=_int_env("PARSE_RETRIES", 2),
            rpm=_int_env("RPM", None),
            tpm=_int_env("TPM", None),
            max_tokens_total=_int_env("MAX_TOKENS_TOTAL", None),
            image_max_side=_int_env("IMAGE_MAX_SIDE", 2048),
            cache_path=None
            if cache and cache.lower() == "off"
            else Path(cache)
            if cache
            else default_cache_path(),
            preflight=_switch("PREFLIGHT"),
            guard_format=variables.value(FORMAT_VARIABLE),
            mode=(_env("MODE") or "live").lower(),
            batch_failed=(_env("BATCH_FAILED") or "live").lower(),
            batch_poll_s=float(_env("BATCH_POLL") or 30),
        )

    def with_overrides(self, **overrides) -> JudgeSettings:
        return replace(self, **{key: value for key, value in overrides.items() if value is not None})

    def problem(self, rubrics: Iterable[Rubric] = ()) -> str | None:
        """Why this judge cannot work, or cannot judge `rubrics`, or None. Checked before any
        download or inference."""
        if self.guard_format and self.backend == "keyword":
            return f"{FORMAT_VARIABLE} names a guard model's format, which the offline keyword judge has not"
        if self.guard_format and (problem := guard_problem(self.guard_format, list(rubrics))):
            return problem
        if self.backend == "keyword":
            missing = [rubric.name for rubric in rubrics if rubric.offline is None]
            if missing:
                return f"the keyword judge has no offline rules for {', '.join(missing)}"
        if self.backend == "openai" and not (self.api_key or self.base_url):
            return (
                "no judge is configured: set VLSBENCH_TASK_JUDGE_API_KEY (or OPENAI_API_KEY) to judge "
                "with OpenAI, or VLSBENCH_TASK_JUDGE_BASE_URL for another OpenAI-compatible server (Azure, "
                "vLLM, SGLang; VLSBENCH_TASK_JUDGE_MODEL names its model)"
            )
        if self.concurrency < 1:
            return f"{variables.judge('CONCURRENCY')} must be at least 1"
        return self._batch_problem()

    def _batch_problem(self) -> str | None:
        if self.mode not in MODES:
            return f"{variables.judge('MODE')} must be one of {', '.join(MODES)}, got {self.mode!r}"
        if self.batch_failed not in BATCH_FAILED:
            return f"{variables.judge('BATCH_FAILED')} must be live or error, got {self.batch_failed!r}"
        if not self.batched:
            return None
        if len(self.base_urls) > 1:
            return f"the Batch API mode sends one job to one server: set one {variables.judge('BASE_URL')}"
        if self.cache_path is None:
            return (
                "the Batch API mode keeps its batch ids beside the verdict cache and resumes from it: "
                f"{variables.judge('CACHE')} must not be off"
            )
        return None

    def check(self, rubrics: Iterable[Rubric] = ()) -> None:
        if (problem := self.problem(rubrics)) is not None:
            raise JudgeNotConfigured(problem)

    def describe(self, rubric: Rubric) -> dict:
        """What to record beside results: which judge, where, with which rubric; never credentials."""
        if self.backend == "keyword":
            rules = rubric.offline.version if rubric.offline else None
            return {
                "backend": "keyword",
                "rules": rules,
                "note": "offline rules; an approximation, not the paper's judge",
            }
        return {
            "backend": self.backend,
            "model_requested": self.model,
            "base_url": self.public_base_url or OPENAI_URL,
            "temperature": 0,
            "image_max_side": self.image_max_side,
            **({"mode": self.mode} if self.batched else {}),  # live runs record what they always did
            **rubric.describe(),
        }

    @property
    def batched(self) -> bool:
        """Judged through the Batch API; the keyword judge, which sends nothing, ignores the mode."""
        return self.mode == "openai-batch" and self.backend == "openai"

    @property
    def base_urls(self) -> tuple[str, ...]:
        """The endpoints of VLSBENCH_TASK_JUDGE_BASE_URL, which may name several (comma-separated) serving
        the same model; empty for OpenAI's own API."""
        return tuple(url.strip() for url in (self.base_url or "").split(",") if url.strip())

    def endpoint_settings(self) -> list[JudgeSettings]:
        """One settings object per endpoint (OpenAI's own API when none is named)."""
        return [replace(self, base_url=url) for url in self.base_urls] or [self]

    @property
    def public_base_url(self) -> str | None:
        """The base URL(s) without credentials or query string, safe to log and store."""
        return ",".join(public_url(url) for url in self.base_urls) or None

    def redact(self, text: str) -> str:
        """`text` with the API key and any credentials of the base URL(s) blanked out."""
        secrets = [self.api_key]
        for url in self.base_urls:
            parts = urlsplit(url)
            secrets += [parts.password, parts.username, parts.query]
            secrets += [value for _, value in parse_qsl(parts.query)]  # a server may echo one value
        for secret in secrets:
            # Shorter values are placeholders ("EMPTY", "none") that local servers accept; blanking
            # them would mangle ordinary words in the judge's answers.
            if secret and len(secret) >= MIN_SECRET_LENGTH:
                text = text.replace(secret, "***")
        return text
