"""The VLSBench task class and its YAML hooks.

lmms-eval calls `apply_filters()` once per task on each rank, after generation and before
`process_results`, with all of that rank's responses at hand. We judge them there as one
concurrent batch, so each item is judged exactly once even in multi-process runs, and
`process_results` only looks the verdict up; the verdicts still reach the samples log.
"""

from __future__ import annotations

import datasets
from lmms_eval.api.task import ConfigurableTask
from loguru import logger
from PIL import Image

from ..judge import JudgeEngine, JudgeItem, JudgeSettings, Verdict
from ..judge.images import to_rgb
from ..responses import repair_responses
from . import metrics
from .dataset import OK, load_items, locate_data


def doc_to_visual(doc: dict) -> list[Image.Image]:
    """The image, or nothing for a row without a usable one (it is reported, not scored)."""
    if doc["data_status"] != OK:
        return []
    with Image.open(doc["image_file"]) as image:
        return [to_rgb(image)]


def doc_to_no_visual(doc: dict) -> list[Image.Image]:
    """The text-only control: the model never sees the image (the judge still does)."""
    return []


def doc_to_text(doc: dict, lmms_eval_specific_kwargs: dict | None = None) -> str:
    """The instruction verbatim: the authors' protocol adds no pre- or post-prompt."""
    return doc["instruction"]


class VLSBenchTask(ConfigurableTask):
    def __init__(self, config: dict, model_name: str | None = None, **kwargs):
        config = dict(config)
        config.pop("class", None)  # the YAML key that named this class; not a TaskConfig field
        self.judge_settings = JudgeSettings.from_env(backend=config.pop("judge"))
        metadata = dict(config.get("metadata") or {})
        data_json, image_root, origin = locate_data()
        self.items = load_items(data_json, image_root)
        self._verdicts: dict[int, Verdict] = {}
        metadata.update(data_origin=origin, judge=self.judge_settings.describe())
        config["metadata"] = metadata
        # Per-category metric names come from the data; lmms-eval takes custom metric names only
        # when `process_results` is set, and ours needs this instance's verdicts.
        config["metric_list"] = list(config.get("metric_list") or []) + [
            {"metric": name, "aggregation": "mean", "higher_is_better": True}
            for name in metrics.breakdown_metric_names(self.items)
        ]
        config["process_results"] = self._process_results
        super().__init__(config=config, model_name=model_name, **kwargs)

    def download(self, dataset_kwargs=None) -> None:
        self.dataset = datasets.DatasetDict({"test": datasets.Dataset.from_list(self.items)})
        self.dataset_no_image = self.dataset  # docs hold image paths, never decoded images

    @property
    def _scoring(self) -> bool:
        return self.config.process_results is not None  # lmms-eval clears it for --predict_only

    def build_all_requests(self, *args, **kwargs):
        if self._scoring:
            self.judge_settings.check()  # before any inference: a missing judge fails now, not after
        return super().build_all_requests(*args, **kwargs)

    def apply_filters(self):
        super().apply_filters()
        repair_responses(self.instances)
        if not self._scoring or not self.instances:
            return
        items = []
        for instance in self.instances:
            doc = self.items[instance.doc_id]  # instances do not keep their doc
            if doc["data_status"] != OK:
                continue
            (response,) = instance.filtered_resps.values()  # our YAML defines one filter
            items.append(
                JudgeItem(
                    key=str(doc["row"]),
                    query=doc["instruction"],
                    response=response or "",
                    image_path=doc["image_file"],
                )
            )
        engine = JudgeEngine(self.judge_settings)
        verdicts, stats = engine.judge_all(items, desc=f"Judging {self.config.task}")
        logger.info(f"{self.config.task}: {stats.summary()}")
        self._verdicts = {int(item.key): verdict for item, verdict in zip(items, verdicts, strict=True)}

    def _process_results(self, doc: dict, results: list) -> dict:
        return metrics.sample_metrics(doc, self._verdicts.get(doc["row"]))
