"""Building blocks for a rubric's answer model: field types that accept the unambiguous shapes open
judges answer in (a label number as a string, a label name in another case) and nothing else."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel, BeforeValidator


def whole_number(value: Any) -> Any:
    """7, 7.0 and "7" (a string of decimal digits, spaces around allowed) as the integer 7, as the
    authors' pydantic `Literal[...]` labels take 7.0 too; any other value is left for the field's own
    type to reject, so `true` and 1.5 never pass as labels."""
    if type(value) is bool:
        raise ValueError(f"expected an integer, got {value!r}")
    if isinstance(value, str) and value.strip().isdecimal():
        return int(value.strip())
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError(f"expected an integer, got {value!r}")
        return int(value)
    return value


WholeNumber = BeforeValidator(whole_number)


def normal(text: str) -> str:
    """`text` with runs of whitespace as one space, trimmed and case-folded: how labels compare."""
    return " ".join(text.split()).casefold()


def canonical(choices: Iterable[str]) -> BeforeValidator:
    """A validator that maps a string equal to one of `choices` up to case and spacing onto it."""
    by_normal = {normal(choice): choice for choice in choices}

    def to_choice(value: Any) -> Any:
        return by_normal.get(normal(value), value) if isinstance(value, str) else value

    return BeforeValidator(to_choice)


def strict_schema(model: type[BaseModel]) -> dict:
    """`model`'s JSON schema as OpenAI's strict structured outputs need it: every property required
    and no other property allowed, and no `default` (strict mode rejects the key). A field with a
    default, which would otherwise be optional, is thus asked for like any other; the default only
    fills it in when a judge without structured output leaves it out."""
    schema = json.loads(json.dumps(model.model_json_schema()))  # a copy the caller may keep
    for prop in schema["properties"].values():
        prop.pop("default", None)
    schema["required"] = list(schema["properties"])
    schema["additionalProperties"] = False
    return schema
