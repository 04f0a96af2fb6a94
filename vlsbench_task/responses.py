"""Responses of the model under test, made safe to send and to log."""

from __future__ import annotations

import re

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def valid_text(value):
    """`value` with lone surrogates replaced by U+FFFD; anything but text is returned as it is."""
    return _LONE_SURROGATE.sub("\ufffd", value) if isinstance(value, str) else value


def repair_responses(instances) -> None:
    """Replace lone surrogates in lmms-eval instances' responses, in place.

    UTF-8 cannot encode them: a judge request carrying one cannot be sent, and lmms-eval 0.7.3
    loses the whole samples log when one response holds one.
    """
    for instance in instances:
        instance.resps = [valid_text(response) for response in instance.resps]
        instance.filtered_resps = {key: valid_text(value) for key, value in instance.filtered_resps.items()}
