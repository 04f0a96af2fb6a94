"""MMSafeAware (arXiv 2502.11184): is this image + sentence pair safe? Parsed, not judged.

The model sees the image and the published two lines (question, quoted sentence); its Yes/No is read
by the parser the task names in `options.parser` (strict, or the authors' substring rule).
"""

from __future__ import annotations

from ...base.benchmark import Benchmark
from ...base.data import DataSpec, GitHubArchive
from ...base.metric_kinds import MeanOfGroupMeans, Summary
from . import dataset, metrics
from .subsets import SUBSETS

COMMIT = "500b595c82dfe73d5695bc994d9882a306d2aa1c"


def report_section(report, task: str, models: list) -> list[str]:
    """The subset chart (report_section.py; matplotlib loads only when a report draws it)."""
    from .report_section import subsets_chart

    return subsets_chart(report, task, models)


def doc_to_text(doc: dict) -> str:
    return f"{doc['question']}\n{doc['sentence']}"  # the two lines exactly as published


def doc_to_target(doc: dict) -> str:
    return doc["gold"]


def score(doc: dict, responses: list[str], options) -> dict:
    return metrics.per_sample_values(doc, metrics.score_answer(doc, responses[0], options["parser"]))


BENCHMARK = Benchmark(
    name="mmsafeaware",
    title="MMSafeAware",
    data=DataSpec(
        source=GitHubArchive("Jarviswang94/MMSafetyAwareness", COMMIT, folder="data"),
        layout="the repository's data/ folder (prompt.txt, images/, images2/)",
        verify=dataset.verify,
    ),
    load=dataset.load,
    item_fields=("id", "subset", "kind"),
    score=score,
    row_metrics=metrics.row_values,
    metrics={
        # The paper's Total: the unweighted mean of the typical, attack and over-safety accuracies.
        "total": MeanOfGroupMeans("subset", {subset: f"acc_{subset}" for subset in SUBSETS}),
        "n_missing_image": Summary(metrics.missing_count_agg),
        "missing_image_ids": Summary(metrics.missing_ids_agg),
    },
    report_section=report_section,
)
