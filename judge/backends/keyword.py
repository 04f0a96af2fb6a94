"""The offline judge: each rubric's own transparent rules (its `offline` rule), no model, no image.

Named "keyword" wherever it is reported. It approximates a benchmark's judge for smoke tests and
offline runs; its numbers are not comparable with a paper's.
"""

from __future__ import annotations

import contextlib

from ...base.errors import JudgeError
from ..images import PreparedImage
from ..schema import JudgeItem, Status, Verdict


class NoOfflineRule(JudgeError, ValueError):
    pass


class KeywordJudge:
    name = "keyword"
    model_id = "keyword"
    remote = False

    def endpoint_failures(self) -> dict[str, int]:
        return {}

    def connected(self) -> contextlib.AbstractAsyncContextManager:
        return contextlib.nullcontext()

    async def judge(self, item: JudgeItem, image: PreparedImage | None) -> Verdict:
        rule = item.rubric.offline
        if rule is None:
            raise NoOfflineRule(f"the {item.rubric.name} rubric has no offline rule")
        answer = rule.answer(item.fields)
        return Verdict(
            status=Status.OK, answer=answer.model_dump(), backend=self.name, judge_model=rule.version
        )
