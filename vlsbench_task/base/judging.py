"""Judging a batch of documents: what the judge is asked about each response, in one engine batch."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ..judge import JudgeEngine, JudgeItem, JudgeSettings, RunStats, Status, Verdict
from .benchmark import Benchmark
from .images import OK
from .scoring import Verdicts


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
