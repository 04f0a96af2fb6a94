"""Reading a rubric's answer out of a judge's text, in the shapes real judges answer in.

Accepted: structured output, bare JSON, JSON in a code fence or with prose around it, JSON nested one
object deep, field names in another case; values as the answer model accepts them (see answers.py).
A reasoning block (`<think>...</think>`) is cut off first: the verdict comes from the final answer,
never from inside the reasoning. Several valid answers that disagree are a contradiction, never a
guess; a rubric may read its authors' own text format: with our prompts when no JSON answer is
found, and before any JSON with a replacement prompt (the authors' own asks for their format).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping

from pydantic import BaseModel, ValidationError

from ..base.errors import JudgeError
from .rubric import Rubric

_REASONING_TAGS = ("think", "thinking", "reasoning")
_CLOSING = re.compile(r"</(?:" + "|".join(_REASONING_TAGS) + r")\s*>", re.IGNORECASE)
_OPENING = re.compile(r"<(?:" + "|".join(_REASONING_TAGS) + r")\s*>", re.IGNORECASE)


class ParseError(JudgeError, ValueError):
    pass


def final_answer(text: str) -> str:
    """`text` without its reasoning: what follows the last closing reasoning tag, and nothing of a
    reasoning block left open (a judge cut off while thinking has given no answer)."""
    closings = list(_CLOSING.finditer(text))
    if closings:
        text = text[closings[-1].end() :]
    opening = _OPENING.search(text)
    return text[: opening.start()] if opening else text


def parse_answer(text: str | None, rubric: Rubric, fields: Mapping[str, str] | None = None) -> BaseModel:
    """The rubric's answer in `text`; a guard's is completed from the item's `fields` (its outcome)."""
    answer = _read_answer(text, rubric)
    return rubric.settle(answer, fields or {}) if rubric.settle else answer


def _read_answer(text: str | None, rubric: Rubric) -> BaseModel:
    if not text or not text.strip():
        raise ParseError("empty judge answer")
    answer_text = final_answer(text)
    if not answer_text.strip():
        raise ParseError("no answer after the judge's reasoning")
    model = rubric.answer_model
    if rubric.text_first and (fields := rubric.text_answer(answer_text)):
        # The authors' format decides wherever it is found, as in their scorer: JSON quoted in the
        # review is no second answer.
        return _text_answer(fields, answer_text, model)
    valid, problems = [], []
    for candidate in json_objects(answer_text):
        try:
            valid.append(model.model_validate(_known_fields(candidate, model)))
        except ValidationError as error:
            problems.append(f"{json.dumps(candidate)[:200]}: {error.errors()[0]['msg']}")
        except (TypeError, ValueError) as error:  # a validator meeting a JSON type it cannot take
            problems.append(f"{json.dumps(candidate)[:200]}: {error}")
    if (
        not valid
        and not rubric.text_first
        and rubric.text_answer
        and (fields := rubric.text_answer(answer_text))
    ):
        try:
            valid.append(_text_answer(fields, answer_text, model))
        except ParseError as error:
            problems.append(str(error))
    labels = {json.dumps(getattr(answer, rubric.label_field)) for answer in valid}
    if len(labels) > 1:
        raise ParseError(f"contradictory answers in one reply: {rubric.label_field} {sorted(labels)}")
    if valid:
        return valid[-1]
    raise ParseError("; ".join(problems) if problems else "no JSON object in judge answer")


def _text_answer(fields: dict, answer_text: str, model: type[BaseModel]) -> BaseModel:
    try:
        return model.model_validate(fields)
    except ValidationError as error:
        raise ParseError(f"{answer_text[:200]!r}: {error.errors()[0]['msg']}") from None


def _known_fields(candidate: dict, model: type[BaseModel]) -> dict:
    """The candidate's keys that name fields of `model`, matched regardless of case."""
    by_name = {name.casefold(): name for name in model.model_fields}
    return {by_name[key.casefold()]: value for key, value in candidate.items() if key.casefold() in by_name}


def json_objects(text: str) -> Iterator[dict]:
    """Every JSON object in `text`, and the objects directly inside one (`{"verdict": {...}}`)."""
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
            yield from (value for value in candidate.values() if isinstance(value, dict))
        start = text.find("{", end)
