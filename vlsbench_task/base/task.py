"""The one lmms-eval task class of every benchmark: the YAML names a benchmark, this does the rest.

Custom YAML keys: `benchmark` (the folder under vlsbench_task/), `judge` (`openai` or `keyword`, judged
benchmarks), `judge_model` (the task's default judge model), `options` (a variant's settings, passed to
the loader), `suite` (which metric feeds each suite axis) and `in_suites` (the suite groups that list
the task).

- Both request formats: chat model classes get messages, simple ones the plain format, with the same
  prompt (lmms-eval's choice is read when it loads tasks, see lmms_eval_adapter.py).
- The judge is checked before any download or inference, its configuration and then with one tiny
  request (judge/preflight.py); when data and judge are both missing, the one-line error says both.
- lmms-eval calls `apply_filters()` once per task on each rank, after generation and before
  `process_results`, with all of that rank's responses at hand: they are judged there as one
  concurrent batch (each item exactly once, also in multi-process runs), and `process_results`
  only looks the verdicts up, so they reach the samples log.
"""

from __future__ import annotations

import datasets
from lmms_eval.api.task import ConfigurableMessagesTask, ConfigurableTask
from loguru import logger

from .. import environment
from .. import lmms_eval_adapter as adapter
from ..judge import JudgeEngine, JudgeNotConfigured, JudgeSettings
from ..judge.preflight import preflight_problem
from ..responses import repair_responses
from . import hooks, registry, scoring
from .benchmark import Benchmark, benchmark_named
from .data import DataUnavailable, unusable_share_problem
from .errors import VlsbenchTaskError
from .images import OK
from .judging import describe_judges, judge_documents, judge_error_warning
from .metric_kinds import with_declared_aggregations

SPLIT = "test"
# lmms-eval's own default (--reasoning_tags): made the task's setting, so the judge grades the answer
# without its reasoning, exactly as lmms-eval logs and scores it.
REASONING_TAGS = [["<think>", "</think>"], ["<analysis>", "</analysis>"]]
EMPTY_WARNING_SHARE = 0.1  # warn when at least this share of usable rows got empty answers


class TaskNotReady(VlsbenchTaskError, RuntimeError):
    """The judge or the data is missing; the message says what to set."""


class SafetyTask(ConfigurableMessagesTask):
    def __init__(self, config: dict, model_name: str | None = None, **kwargs):
        config = dict(config)
        config.pop("class", None)  # the YAML key that named this class; not a TaskConfig field
        benchmark = benchmark_named(config.pop("benchmark"))
        judge, judge_model = config.pop("judge", "openai"), config.pop("judge_model", None)
        self.options = config.pop("options", None) or {}
        self.suite = config.pop("suite", None) or {}
        config.pop(registry.IN_SUITES, None)  # read from the YAMLs by vlsbench_task/suites/write.py
        context = adapter.loading_context()
        self.request_format = context.get("task_type", "simple")
        self.judge_settings = None
        if benchmark.judged:
            self.judge_settings = JudgeSettings.from_env(
                backend=judge, benchmark=benchmark.name, task=config["task"], task_model=judge_model
            )
            benchmark = benchmark.with_prompt_overrides()
        self.benchmark: Benchmark = benchmark
        judge_problem = None if context.get("predict_only") else self._judge_problem(config["task"])
        self.docs, origin = self._load(judge_problem)
        model = context.get("model")
        if model in hooks.NO_TEXT_ONLY and self._sends_text_only(config):
            raise TaskNotReady(
                f"{config['task']} sends requests without an image, which lmms-eval's {model} cannot "
                f"answer: {hooks.NO_TEXT_ONLY[model]}. Run it with another model class (e.g. qwen2_5_vl)"
            )
        metadata = dict(config.get("metadata") or {})
        metadata.update(
            benchmark=benchmark.name,
            data_key=benchmark.data_key,
            data_origin=origin,
            versions=environment.versions(),
        )
        if self.judge_settings is not None:
            metadata["judge"] = describe_judges(self.judge_settings, benchmark)
        config["metadata"] = metadata
        config.setdefault("test_split", SPLIT)
        config.setdefault("reasoning_tags", REASONING_TAGS)
        own = with_declared_aggregations(benchmark, config.get("metric_list") or [])
        config["metric_list"] = own + scoring.added_metrics(benchmark, self.docs, self.suite, own)
        # lmms-eval reads a `score` out of dict-valued metrics for its CLT stderr; our verdict records
        # are not scores (an answer model may well have a field called so): point it elsewhere.
        config.setdefault("score_key", "__no_score__")
        # lmms-eval takes the metric names above only with process_results set (and clears it for
        # --predict_only: adapter.scores).
        config["process_results"] = self._process_results
        self._verdicts: dict[int, scoring.Verdicts] = {}
        self._answers: dict[int, list[str]] = {}  # each row's response(s), as judged
        super().__init__(config=config, model_name=model_name, **kwargs)

    def _judge_problem(self, task: str) -> str | None:
        if self.judge_settings is None:
            return None
        settings = self.judge_settings
        problem = settings.problem(self.benchmark.rubrics.values()) or preflight_problem(settings)
        if problem is None:
            return None
        offline = f"{task}_keyword"  # the name of a judged task's offline variant, where it has one
        hint = (
            f"; or run {offline} (offline rules, an approximation)" if offline in registry.configs() else ""
        )
        return f"{self.benchmark.title} ({task}): {problem}{hint}"

    def _load(self, judge_problem: str | None) -> tuple[list[dict], str]:
        """Every row as a document (its position as `row`); nothing downloads while the judge is missing."""
        benchmark = self.benchmark
        try:
            folder, origin = benchmark.locate(judge_problem is None)
        except DataUnavailable as error:
            if judge_problem:
                raise JudgeNotConfigured(f"{judge_problem}. Also: {error}") from None
            raise TaskNotReady(str(error)) from None
        if judge_problem:
            raise JudgeNotConfigured(judge_problem)
        docs = benchmark.documents(folder, self.options)
        if not docs:
            raise TaskNotReady(f"{benchmark.title}: {folder} holds no items")
        if problem := unusable_share_problem(
            benchmark.data_key, benchmark.title, benchmark.data, docs, folder
        ):
            raise TaskNotReady(problem)
        return docs, origin

    def _sends_text_only(self, config: dict) -> bool:
        if config.get("doc_to_visual") is hooks.doc_to_no_visual:
            return True
        return any(doc["data_status"] == OK and not doc.get("image_file") for doc in self.docs)

    def download(self, dataset_kwargs=None) -> None:
        self.dataset = datasets.DatasetDict({SPLIT: datasets.Dataset.from_list(self.docs)})
        self.dataset_no_image = self.dataset  # documents hold image paths, never decoded images

    def construct_requests(self, doc_id: int, ctx: str, **kwargs):
        if self.request_format == "chat":
            return ConfigurableMessagesTask.construct_requests(self, doc_id, ctx, **kwargs)
        return ConfigurableTask.construct_requests(self, doc_id, ctx, **kwargs)

    def apply_filters(self):
        super().apply_filters()
        repair_responses(self.instances)
        # instances do not keep their document; doc_id is its position
        self._answers = {instance.doc_id: self._responses(instance) for instance in self.instances}
        self._warn_about_empty_responses()
        if not adapter.scores(self) or not self.benchmark.judged or not self.instances:
            return
        batch = [(self.docs[row], answers) for row, answers in self._answers.items()]
        with JudgeEngine(self.judge_settings) as engine:  # one engine per task run; closes its cache
            self._verdicts, stats = judge_documents(
                engine, self.benchmark, batch, f"Judging {self.config.task}"
            )
        logger.info(f"{self.config.task}: {stats.summary()}")
        if (warning := judge_error_warning(self._verdicts)) is not None:
            logger.warning(f"{self.config.task}: {warning}")

    def _warn_about_empty_responses(self) -> None:
        shares = [
            scoring.empty_share(answers)
            for row, answers in self._answers.items()
            if self.docs[row]["data_status"] == OK
        ]
        if shares and sum(shares) / len(shares) >= EMPTY_WARNING_SHARE:
            logger.warning(
                f"{self.config.task}: {100 * sum(shares) / len(shares):.0f} % of the answers are EMPTY. They "
                "are scored as given (see empty_response_rate), but a model class that answers nothing "
                "is more likely than a model that refuses this way: check the model and its arguments."
            )

    def _responses(self, instance) -> list[str]:
        """The response(s) of one request (all repeats where the YAML asks for several), without the
        reasoning blocks lmms-eval strips before scoring."""
        responses = adapter.responses(instance, self.config.repeats or 1)
        return adapter.strip_reasoning(responses, self.config.reasoning_tags)

    def _process_results(self, doc: dict, results: list) -> dict:
        """`results` holds lmms-eval's first response only: with repeats, all of them were kept."""
        verdicts: scoring.Verdicts | None = self._verdicts.get(doc["row"])
        answers = self._answers.get(doc["row"], results) if (self.config.repeats or 1) > 1 else results
        return scoring.document_values(self.benchmark, doc, answers, verdicts, self.options, self.suite)
