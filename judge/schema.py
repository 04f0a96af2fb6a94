"""What is judged, and what we record for every judged item, whatever the rubric."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

from pydantic import BaseModel

from .rubric import Rubric


class Status(str, Enum):
    OK = "ok"
    PARSE_ERROR = "parse_error"  # the judge answered, but not with a valid verdict
    JUDGE_REFUSED = "judge_refused"  # content filter or an explicit refusal by the judge
    ERROR = "error"  # no usable answer: HTTP failure, timeout, budget exhausted, unreadable image


class ImageInfo(BaseModel):
    original_size: tuple[int, int]
    sent_size: tuple[int, int]
    sent_bytes: int
    resized: bool


class Verdict(BaseModel):
    """One judged item. Only `ok` verdicts carry an answer; nothing else is ever counted for an outcome."""

    status: Status
    answer: dict[str, Any] | None = None  # the rubric's answer model, validated
    raw: str | None = None  # the judge's text, verbatim, for audits
    error: str | None = None
    backend: str
    judge_model: str | None = None  # as the API returned it, not as requested
    endpoint: str | None = None  # which one answered, without credentials, when there are several
    batch_id: str | None = None  # the Batch API job that answered (judge/batch.py), billed at batch prices
    prompt_sha256: str | None = None  # of the template used
    # What judging this item cost in this run: all 0 when the verdict was served from the cache.
    prompt_tokens: int = 0
    completion_tokens: int = 0
    requests: int = 0  # HTTP requests, retries included
    cached: bool = False
    image: ImageInfo | None = None

    @property
    def ok(self) -> bool:
        return self.status is Status.OK

    def record(self, rubric: Rubric) -> dict[str, Any]:
        """The verdict as the samples log keeps it: the answer's fields side by side with the rest."""
        # A single endpoint is named in the run's metadata, so records of one stay as they were;
        # so do those of live verdicts, which no batch answered.
        unset = {name for name in ("endpoint", "batch_id") if getattr(self, name) is None}
        dump = self.model_dump(mode="json", exclude={"answer"} | unset)
        answer = {name: (self.answer or {}).get(name) for name in rubric.answer_model.model_fields}
        return {"status": dump.pop("status"), **answer, **dump}


@dataclass(frozen=True)
class JudgeItem:
    """One thing to judge: the rubric, the values of its template fields, and the image if any."""

    key: str  # unique within a batch; used to report progress and errors
    rubric: Rubric
    fields: Mapping[str, str]
    image_path: str | None = None
