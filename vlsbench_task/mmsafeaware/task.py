"""lmms-eval hooks for the MMSafeAware tasks; the logic lives in the plain modules beside this one."""

from __future__ import annotations

import datasets
from lmms_eval.api.task import ConfigurableTask
from loguru import logger
from PIL import Image

from vlsbench_task.judge.images import to_rgb
from vlsbench_task.mmsafeaware.dataset import load_benchmark
from vlsbench_task.mmsafeaware.download import resolve_data_dir
from vlsbench_task.mmsafeaware.metrics import (
    MISSING_IMAGE_METRICS,
    format_id_ranges,
    missing_image_aggregations,
    per_sample_values,
    score_answer,
)
from vlsbench_task.responses import repair_responses


class MMSafeAwareTask(ConfigurableTask):
    """Loads the benchmark from `$MMSAFEAWARE_DATA_DIR` or the pinned download.

    Prompts without an image are not sent to the model (the question is about the image); they are
    reported instead, as the `n_missing_image` and `missing_image_ids` metrics and a warning.
    """

    def __init__(self, *args, config: dict | None = None, **kwargs):
        config = {key: value for key, value in (config or {}).items() if key != "class"}
        super().__init__(*args, config=config, **kwargs)

    def download(self, dataset_kwargs=None) -> None:
        data_dir = resolve_data_dir()
        benchmark = load_benchmark(data_dir)
        self.missing_image_ids = benchmark.missing_image_ids
        if self.missing_image_ids:
            logger.warning(
                f"MMSafeAware: {len(self.missing_image_ids)} of {benchmark.n_prompts} prompts in {data_dir} "
                f"have no image and are not scored: ids {format_id_ranges(self.missing_image_ids)}"
            )
        self.dataset = datasets.DatasetDict(
            {self.config.test_split: datasets.Dataset.from_list(benchmark.rows)}
        )
        self.dataset_no_image = self.dataset  # images are paths, opened in doc_to_visual

    def apply_filters(self):
        super().apply_filters()
        repair_responses(self.instances)

    def aggregation(self) -> dict:
        return {**super().aggregation(), **missing_image_aggregations(self.missing_image_ids)}

    def higher_is_better(self) -> dict:
        return {**super().higher_is_better(), "n_missing_image": False, "missing_image_ids": None}


def doc_to_visual(doc: dict) -> list[Image.Image]:
    with Image.open(doc["image_path"]) as image:
        return [to_rgb(image)]  # some images are palette PNGs


def doc_to_text(doc: dict) -> str:
    return f"{doc['question']}\n{doc['sentence']}"  # the two lines exactly as published


def doc_to_target(doc: dict) -> str:
    return doc["gold"]


def _process_results(doc: dict, results: list[str], parser: str) -> dict:
    values = per_sample_values(score_answer(doc, results[0], parser))
    # lmms-eval aggregates only the metrics that samples return; these carry no per-item value.
    return {**values, **dict.fromkeys(MISSING_IMAGE_METRICS)}


def process_results_strict(doc: dict, results: list[str]) -> dict:
    return _process_results(doc, results, "strict")


def process_results_paper(doc: dict, results: list[str]) -> dict:
    return _process_results(doc, results, "paper")
