"""Parts of a report that need no lmms-eval run: chart labels, the declared contrasts, the order."""

import json

import pytest

from vlsbench_task.base import registry
from vlsbench_task.base.benchmark import benchmark_named
from vlsbench_task.reports.charts import short_labels
from vlsbench_task.reports.contrasts import breakdown_of, declared
from vlsbench_task.reports.report import order_models
from vlsbench_task.reports.runs import load_models


def test_chart_labels_of_different_models_stay_different():
    labels = [
        "llava_hf(pretrained=/models/llava-1.5-7b-hf,attn_implementation=sdpa,dtype=bfloat16)",
        "llava_hf(pretrained=/models/llava-1.5-7b-hf,attn_implementation=sdpa,dtype=float16)",
        "llava_hf(pretrained=/models/llava-1.5-7b-hf,attn_implementation=eager,dtype=float16)",
        "llava_hf(pretrained=/models/llava-1.5-7b-hf,attn_implementation=flash,dtype=float16)",
        "short",
    ]
    shortened = short_labels(labels)
    assert len(set(shortened)) == len(labels)
    assert shortened[-1] == "short" and all(len(text) <= 43 for text in shortened)


@pytest.mark.parametrize(
    ("benchmark", "first", "second", "metric"),
    [
        ("vlsbench", "vlsbench", "vlsbench_textonly", "safe_rate"),
        ("figstep", "figstep", "figstep_textonly", "attack_success_rate"),
    ],
)
def test_the_two_contrasts_are_declared_on_tasks_that_score_alike(benchmark, first, second, metric):
    (contrast,) = benchmark_named(benchmark).contrasts
    assert (contrast.first_task, contrast.second_task, contrast.metric) == (first, second, metric)
    configs = registry.configs()
    for task in (first, second):
        assert configs[task]["benchmark"] == benchmark
        assert metric in [entry["metric"] for entry in configs[task]["metric_list"]]
    # The same judge and generation, so the difference is the input's, not the scoring's.
    assert configs[first].get("judge") == configs[second].get("judge")
    assert configs[first]["generation_kwargs"] == configs[second]["generation_kwargs"]
    assert breakdown_of(benchmark_named(benchmark), metric) is not None


def test_a_contrast_is_found_from_either_of_its_tasks_once():
    found = declared(["vlsbench_textonly", "vlsbench", "figstep_keyword", "mossbench"])
    assert [(b.name, c.first_task) for b, c in found] == [("vlsbench", "vlsbench"), ("figstep", "figstep")]


def _results_file(folder, model_args: str, refusal_rate: float) -> None:
    folder.mkdir(parents=True)
    results = {
        "results": {"mossbench": {"alias": "mossbench", "refusal_rate,none": refusal_rate}},
        "configs": {"mossbench": {"metadata": {"benchmark": "mossbench", "headline": "refusal_rate"}}},
        "higher_is_better": {"mossbench": {"refusal_rate": False}},
        "config": {"model": "dummy", "model_args": model_args},
        "date": "20250101_000000",
    }
    (folder / "20250101_000000_results.json").write_text(json.dumps(results))


def test_without_a_group_models_are_sorted_by_the_first_headline_in_its_direction(tmp_path):
    for name, rate in (("a", 40.0), ("b", 10.0), ("c", 25.0)):
        _results_file(tmp_path / name, f"response={name}", rate)
    models = load_models([tmp_path])
    ordered, sentence = order_models(models, ["mossbench"])
    assert [m.model_args for m in ordered] == ["response=b", "response=c", "response=a"]  # lower is better
    assert sentence.startswith(
        "No suite group in these results: models are sorted by `mossbench` `refusal_rate`, lowest"
    )
