"""What the page's audit mode (page_audit.js) needs beyond the items: each run's judgements and
the outcomes its rubric allows, in the rubric's order (the auditor's buttons)."""

from __future__ import annotations

from .items import ViewRun


def audit_outcomes(runs: list[ViewRun]) -> list[dict[str, list[str]]]:
    """Per run (in the page's order): {judgement: [outcome, ...]}; empty for a parsed task."""
    return [
        {
            name: list(dict.fromkeys(judgement.rubric.outcomes.values()))
            for name, judgement in view_run.benchmark.judgements.items()
        }
        for view_run in runs
    ]
