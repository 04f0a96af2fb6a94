"""A rubric: everything a judge is asked and how its answer is read. The engine knows no other.

A rubric declares its prompt template(s) with named `{fields}` taken from the item, the answer model
(pydantic: its JSON schema is the structured-output request), which answer field holds the verdict
and what each value of it means (the outcome), and its parameters: system message, token limit,
whether the image is sent, a version. Benchmarks build their rubrics from these parts.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from .. import variables
from .answers import strict_schema

_PLACEHOLDER = re.compile(r"\{([a-z][a-z0-9_]*)\}")
_TAG = re.compile(r"</?([A-Za-z][\w-]*)>")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def valid_text(text: str) -> str:
    """`text` with lone surrogates, which UTF-8 (and so no request body) can carry, as U+FFFD."""
    return _LONE_SURROGATE.sub("\ufffd", text)


@dataclass(frozen=True)
class Template:
    """A prompt with `{field}` placeholders. Data goes in quoted: look-alikes of the tags the
    template itself uses are defused, so graded text cannot close its section and talk to the judge."""

    name: str
    text: str
    source: str

    @functools.cached_property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()

    @functools.cached_property
    def fields(self) -> frozenset[str]:
        return frozenset(_PLACEHOLDER.findall(self.text))

    @functools.cached_property
    def _lookalike(self) -> re.Pattern | None:
        tags = sorted(set(_TAG.findall(self.text)))
        if not tags:
            return None
        return re.compile(r"<(\s*/?\s*)(" + "|".join(map(re.escape, tags)) + ")", re.IGNORECASE)

    def quote(self, value: str) -> str:
        value = valid_text(value)
        if self._lookalike is None:
            return value
        return self._lookalike.sub(lambda match: f"&lt;{match.group(1)}{match.group(2)}", value)

    def render(self, values: Mapping[str, str]) -> str:
        """Fill every placeholder in one pass, so a value containing "{other}" stays literal."""
        missing = self.fields - set(values)
        if missing:
            raise KeyError(f"template {self.name!r} needs the field(s) {sorted(missing)}")
        quoted = {name: self.quote(values[name]) for name in self.fields}
        return _PLACEHOLDER.sub(lambda match: quoted.get(match.group(1), match.group(0)), self.text)

    def extract(self, rendered: str) -> dict[str, str] | None:
        """The (quoted) field values of a prompt rendered from this template, or None: how a local
        stand-in judge reads what it was asked."""
        pattern, seen = [], set()
        for piece in re.split(r"(\{[a-z][a-z0-9_]*\})", self.text):
            name = piece[1:-1] if _PLACEHOLDER.fullmatch(piece) else None
            if name is None:
                pattern.append(re.escape(piece))
            elif name in seen:
                pattern.append(f"(?P={name})")
            else:
                seen.add(name)
                pattern.append(f"(?P<{name}>.*)")
        match = re.fullmatch("".join(pattern), rendered, re.DOTALL)
        return match.groupdict() if match else None


def load_template(path: str | os.PathLike, name: str | None = None) -> Template:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise FileNotFoundError(f"judge prompt file {path} cannot be read: {error}") from None
    return Template(name=name or path.stem, text=text, source=str(path))


@dataclass(frozen=True)
class OfflineRule:
    """A transparent rule that answers for the judge without a model (the `keyword` backend)."""

    version: str
    answer: Callable[[Mapping[str, str]], BaseModel]  # template fields -> answer


@dataclass(frozen=True)
class Rubric:
    name: str  # also the name of the structured-output schema
    version: str
    templates: Mapping[str, Template]
    answer_model: type[BaseModel]
    label_field: str  # the answer field that holds the verdict
    outcomes: Mapping[Any, str]  # value of label_field -> outcome ("refusal", "unsafe", ...)
    system_message: str | None = None
    max_tokens: int = 128
    sees_image: bool = True
    # Several templates: the one for an item's fields (e.g. by scenario); one template: always it.
    choose: Callable[[Mapping[str, str]], str] | None = None
    # Answers servers give as text without JSON (an authors' own format): fields, or None.
    text_answer: Callable[[str], dict | None] | None = None
    # The prompt in use asks for the text format (a replacement prompt, e.g. the authors'): then that
    # format is read first, as the authors' scorer reads it, and JSON only where it is absent.
    text_first: bool = False
    offline: OfflineRule | None = None
    prompt_env: str | None = field(default=None, compare=False)  # variable naming a replacement prompt
    # A guard model's format (guards.py): its name, the chat messages its template reads instead of
    # our rendered prompt ((fields, image data URL or None) -> messages), and the answer completed
    # from the item's fields ((answer, fields) -> answer); it writes no JSON schema's answer.
    guard: str | None = None
    conversation: Callable[[Mapping[str, str], str | None], list[dict]] | None = None
    settle: Callable[[BaseModel, Mapping[str, str]], BaseModel] | None = None
    structured_output: bool = True

    def template_for(self, values: Mapping[str, str]) -> Template:
        if self.choose is None:
            (template,) = self.templates.values()
            return template
        return self.templates[self.choose(values)]

    def outcome(self, answer: BaseModel | Mapping[str, Any]) -> str:
        value = answer[self.label_field] if isinstance(answer, Mapping) else getattr(answer, self.label_field)
        return self.outcomes[value]

    @functools.cached_property
    def schema(self) -> dict:
        return strict_schema(self.answer_model)

    def response_format(self) -> dict:
        return {
            "type": "json_schema",
            "json_schema": {"name": self.name, "strict": True, "schema": self.schema},
        }

    @functools.cached_property
    def fingerprint(self) -> str:
        """Changes whenever anything that shapes the judge's request or the reading of its answer does."""
        material = {
            "name": self.name,
            "version": self.version,
            "templates": {name: template.sha256 for name, template in sorted(self.templates.items())},
            "system": self.system_message,
            "max_tokens": self.max_tokens,
            "sees_image": self.sees_image,
            "schema": self.schema,
        }
        return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()

    def with_prompt_file(self, path: str | os.PathLike) -> Rubric:
        """This rubric with its template(s) replaced: a file for a one-template rubric, or a folder
        holding `<template name>.txt` for any template to replace. Placeholders must stay the same."""
        path = Path(path)
        if path.is_dir():
            replacements = {
                name: load_template(path / f"{name}.txt", name)
                for name in self.templates
                if (path / f"{name}.txt").is_file()
            }
            if not replacements:
                raise FileNotFoundError(
                    f"{path} holds none of {', '.join(f'{name}.txt' for name in self.templates)}"
                )
        elif len(self.templates) == 1:
            (name,) = self.templates
            replacements = {name: load_template(path, name)}
        else:
            raise ValueError(
                f"the {self.name} rubric has {len(self.templates)} templates: point at a folder holding "
                f"{', '.join(f'{name}.txt' for name in self.templates)}"
            )
        for name, template in replacements.items():
            if template.fields != self.templates[name].fields:
                raise ValueError(
                    f"judge prompt file {template.source} must have exactly the placeholders "
                    f"{sorted('{' + f + '}' for f in self.templates[name].fields)}, "
                    f"found {sorted('{' + f + '}' for f in template.fields)}"
                )
        return replace(
            self, templates={**self.templates, **replacements}, text_first=self.text_answer is not None
        )

    def from_environment(self) -> Rubric:
        """This rubric, or the replacement prompt named by its `prompt_env` variable when set, asked
        in the guard format that VLSBENCH_TASK_JUDGE_FORMAT names, where it fits (guards.py)."""
        from .guards import FORMAT_VARIABLE, GUARDS, as_guard  # guards.py builds on this module

        chosen = os.environ.get(self.prompt_env or "", "").strip()
        rubric = self.with_prompt_file(chosen) if chosen else self
        guard = variables.value(FORMAT_VARIABLE) or ""
        return as_guard(rubric, guard) if guard in GUARDS else rubric

    def describe(self) -> dict:
        """What to record beside results: the rubric and its prompt(s)."""
        return {
            "rubric": self.name,
            "rubric_version": self.version,
            "prompts": {name: {"file": t.source, "sha256": t.sha256} for name, t in self.templates.items()},
            "sees_image": self.sees_image,
            "max_tokens": self.max_tokens,
            **({"guard_format": self.guard} if self.guard else {}),
        }
