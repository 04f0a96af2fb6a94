"""Responses of the model under test, made safe to send and to log."""

from __future__ import annotations

from .judge.rubric import valid_text
from .lmms_eval_adapter import replace_responses


def _valid(value):
    return valid_text(value) if isinstance(value, str) else value


def repair_responses(instances) -> None:
    """Replace lone surrogates in lmms-eval instances' responses, in place.

    UTF-8 cannot encode them: a judge request carrying one cannot be sent, and lmms-eval 0.7.3
    loses the whole samples log when one response holds one.
    """
    replace_responses(instances, _valid)
