"""Which rubric qualifies, and the values of its fields for an MSTS response."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..base.benchmark import benchmark_named
from ..base.errors import VlsbenchTaskError
from ..judge import Rubric
from ..judge.guards import PROMPT_FIELDS, RESPONSE_FIELDS
from . import msts

DEFAULT_RUBRIC = "vlsbench"


class QualifyError(VlsbenchTaskError, ValueError):
    """The judge, rubric or data cannot be qualified; the message says why."""


def resolve_rubric(spec: str) -> tuple[str, Rubric]:
    """`benchmark` (its only judgement) or `benchmark:judgement` -> (that spelled out, its rubric)."""
    name, _, judgement = spec.partition(":")
    try:
        benchmark = benchmark_named(name).with_prompt_overrides()
    except KeyError as error:
        raise QualifyError(str(error.args[0])) from None
    if not benchmark.judged:
        raise QualifyError(f"{benchmark.title} has no judge rubric (its responses are parsed)")
    names = list(benchmark.judgements)
    if not judgement:
        if len(names) > 1:
            raise QualifyError(
                f"{benchmark.title} has several judgements: name one ({', '.join(f'{name}:{n}' for n in names)})"
            )
        judgement = names[0]
    if judgement not in benchmark.judgements:
        raise QualifyError(f"{benchmark.title} has no judgement {judgement!r} (it has {', '.join(names)})")
    rubric = benchmark.judgements[judgement].rubric
    if "unsafe" not in rubric.outcomes.values():
        raise QualifyError(
            f"the {rubric.name} rubric has no 'unsafe' outcome (outcomes: "
            f"{', '.join(dict.fromkeys(rubric.outcomes.values()))}): MSTS's people label unsafe responses"
        )
    return f"{name}:{judgement}", rubric


def judge_fields(rubric: Rubric, response: msts.Response, fixed: Mapping[str, str]) -> dict[str, str]:
    """The rubric's template fields for one MSTS response."""
    names = {name for template in rubric.templates.values() for name in template.fields} | set(fixed)
    values = {}
    for name in names:
        if name in fixed:
            values[name] = fixed[name]
        elif name in RESPONSE_FIELDS:
            values[name] = response.response
        elif name in PROMPT_FIELDS:
            values[name] = response.prompt_text
    try:
        template = rubric.template_for(values)
    except KeyError as error:  # the rubric's `choose` reads a field MSTS has nothing for
        missing = [str(error.args[0])]
    else:
        missing = sorted(template.fields - set(values))
    if missing:
        raise QualifyError(
            f"the {rubric.name} rubric reads field(s) {', '.join(missing)} that MSTS has no counterpart "
            "for: give each a fixed value with --field NAME=VALUE"
        )
    return values


def parse_fixed(pairs: Sequence[str]) -> dict[str, str]:
    fixed = {}
    for pair in pairs:
        name, equals, value = pair.partition("=")
        if not equals or not name.strip():
            raise QualifyError(f"--field takes NAME=VALUE, got {pair!r}")
        fixed[name.strip()] = value
    return fixed
