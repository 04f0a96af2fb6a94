"""Judging a batch of documents: what the judge is asked about each response, in one engine batch."""

from __future__ import annotations

import collections
from collections.abc import Iterable, Mapping, Sequence

from ..judge import JudgeEngine, JudgeItem, JudgeSettings, RunStats, Status, Verdict
from .benchmark import Benchmark
from .images import OK
from .scoring import Verdicts

# A run with at least this share of failed judgements ends with a WARNING naming the commonest cause:
# its numbers rest on the rest, and judge_error_rate alone is easy to miss.
ERROR_WARNING_SHARE = 0.2


def judge_documents(
    engine: JudgeEngine, benchmark: Benchmark, batch: Iterable[tuple[dict, Sequence[str]]], desc: str
) -> tuple[dict[int, Verdicts], RunStats]:
    """Verdicts by document `row`, for every usable document of `batch` (document, its responses):
    each judgement of each response, all in one concurrent batch (answers a benchmark decides by its
    own rule are not sent)."""
    items, places = [], []
    decided: dict[tuple[int, str, int], Verdict] = {}
    for doc, responses in batch:
        if doc["data_status"] != OK:
            continue
        for name, judgement in benchmark.judgements.items():
            for index, response in enumerate(responses):
                answer = judgement.decide(response or "") if judgement.decide else None
                if answer is not None:
                    decided[doc["row"], name, index] = Verdict(
                        status=Status.OK, answer=answer.model_dump(), backend="rule"
                    )
                    continue
                items.append(
                    JudgeItem(
                        key=f"{doc['row']}/{name}/{index}",
                        rubric=judgement.rubric,
                        fields=judgement.fields(doc, response or ""),
                        image_path=doc.get("image_file"),
                    )
                )
                places.append((doc["row"], name, index))
    verdicts, stats = engine.judge_all(items, desc=desc)
    found = {**decided, **dict(zip(places, verdicts, strict=True))}
    by_row: dict[int, dict[str, list]] = {}
    for row, name, index in sorted(found):
        by_row.setdefault(row, {}).setdefault(name, []).append(found[row, name, index])
    return by_row, stats


def describe_judges(settings: JudgeSettings, benchmark: Benchmark) -> dict:
    """What to record of the judge: one description, or one per judgement where there are several."""
    descriptions = {name: settings.describe(j.rubric) for name, j in benchmark.judgements.items()}
    return next(iter(descriptions.values())) if len(descriptions) == 1 else descriptions


def judge_error_warning(verdicts: Mapping[int, Verdicts]) -> str | None:
    """What to say when at least ERROR_WARNING_SHARE of the judgements failed, or None."""
    judged = [verdict for by_name in verdicts.values() for each in by_name.values() for verdict in each]
    failed = [verdict for verdict in judged if not verdict.ok]
    if not failed or len(failed) < ERROR_WARNING_SHARE * len(judged):
        return None
    causes = collections.Counter(
        f"{v.status.value}: {v.error}" if v.error else v.status.value for v in failed
    )
    cause, count = causes.most_common(1)[0]
    return (
        f"{len(failed)} of {len(judged)} judgements failed ({100 * len(failed) / len(judged):.0f} %), "
        f"most often ({count}) with {cause[:300]}. They are counted in judge_error_rate, not scored: "
        "fix the judge and run again (verdicts already in the cache are not asked again)"
    )
