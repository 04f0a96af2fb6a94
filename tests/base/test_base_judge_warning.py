"""The WARNING that ends a run with many failed judgements: from 20 % on, with the commonest cause."""

from __future__ import annotations

from vlsbench_task.judge import Status, Verdict

from vlsbench_task.base.judging import judge_error_warning

OK = Verdict(status=Status.OK, backend="openai", answer={"label": 1})
REFUSED_KEY = Verdict(status=Status.ERROR, backend="openai", error="HTTP 401: AuthenticationError: bad key")
TIMEOUT = Verdict(status=Status.ERROR, backend="openai", error="APITimeoutError: Request timed out.")


def _rows(*verdicts: Verdict) -> dict:
    return {row: {"verdict": [verdict]} for row, verdict in enumerate(verdicts)}


def test_no_warning_below_a_fifth():
    assert judge_error_warning(_rows(*[OK] * 9, TIMEOUT)) is None
    assert judge_error_warning(_rows(OK, OK)) is None


def test_from_a_fifth_on_the_warning_gives_the_share_and_the_commonest_cause():
    warning = judge_error_warning(_rows(*[OK] * 5, REFUSED_KEY, REFUSED_KEY, TIMEOUT))
    assert warning.startswith("3 of 8 judgements failed (38 %), most often (2) with error: HTTP 401")
    only = judge_error_warning(_rows(OK, OK, OK, OK, TIMEOUT))
    assert "1 of 5 judgements failed (20 %), most often (1) with error: APITimeoutError" in only
