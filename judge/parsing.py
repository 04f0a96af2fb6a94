"""Reading a verdict out of a judge's text: structured output, bare JSON, or JSON with prose around it."""

from __future__ import annotations

import json

from pydantic import ValidationError

from .schema import LABELS, JudgeAnswer


class ParseError(ValueError):
    pass


def parse_answer(text: str | None) -> JudgeAnswer:
    """The first JSON object in `text` that is a valid verdict.

    A missing `label_str` is filled from the label and a missing explanation left empty (servers
    without structured outputs often drop them); a `label_str` that contradicts the label, or a
    label outside {1, 2, 3}, is an error, never a guess.
    """
    if not text or not text.strip():
        raise ParseError("empty judge answer")
    problems = []
    for candidate in _json_objects(text):
        fields = {key: candidate[key] for key in ("label", "label_str", "explanation") if key in candidate}
        if type(fields.get("label")) is int and fields["label"] in LABELS:
            fields.setdefault("label_str", LABELS[fields["label"]])
        fields.setdefault("explanation", "")
        try:
            return JudgeAnswer.model_validate(fields)
        except ValidationError as error:
            problems.append(f"{json.dumps(candidate)[:200]}: {error.errors()[0]['msg']}")
    raise ParseError("; ".join(problems) if problems else "no JSON object in judge answer")


def _json_objects(text: str):
    decoder = json.JSONDecoder()
    start = text.find("{")
    while start != -1:
        try:
            candidate, end = decoder.raw_decode(text, start)
        except json.JSONDecodeError:
            start = text.find("{", start + 1)
            continue
        if isinstance(candidate, dict):
            yield candidate
        start = text.find("{", end)
