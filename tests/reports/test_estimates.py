"""Where an interval comes from when the samples were not logged, and how runs are told apart."""

import json

import pytest

from vlsbench_task.benchmarks.mssbench.benchmark import BENCHMARK as MSSBENCH
from vlsbench_task.reports.estimates import estimate
from vlsbench_task.reports.runs import load_models
from vlsbench_task.reports.stats import mean_of_rates


def _results_file(folder, date: str, model_args: str, safe_rate: float, stderr) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    results = {
        "results": {
            "vlsbench": {"alias": "vlsbench", "safe_rate,none": safe_rate, "safe_rate_stderr,none": stderr}
        },
        "config": {"model": "llava_hf", "model_args": model_args},
        "date": date,
    }
    (folder / f"{date}_results.json").write_text(json.dumps(results))


def test_without_samples_the_interval_comes_from_lmms_eval_stderr(tmp_path):
    _results_file(tmp_path, "20250101_000000", "pretrained=llava-hf/llava-1.5-7b-hf", 20.0, 1.5)
    (model,) = load_models([tmp_path])
    result = estimate(model, "vlsbench", "safe_rate")
    assert result.interval.method == "stderr"
    assert (result.interval.low, result.interval.high) == pytest.approx(
        (20 - 1.96 * 1.5, 20 + 1.96 * 1.5), abs=0.01
    )
    assert model.label == "llava-1.5-7b"  # the paper model's key


def test_the_latest_run_of_a_model_and_task_counts(tmp_path):
    _results_file(tmp_path / "a", "20250101_000000", "pretrained=org/my-model", 10.0, "N/A")
    _results_file(tmp_path / "b", "20250202_000000", "pretrained=org/my-model", 30.0, "N/A")
    _results_file(tmp_path / "c", "20250101_000000", "pretrained=other/my-model,dtype=bfloat16", 50.0, "N/A")
    first, second = load_models([tmp_path])
    assert estimate(first, "vlsbench", "safe_rate").value == 30.0
    assert estimate(first, "vlsbench", "safe_rate").interval is None  # nothing to build one from
    assert first.label != second.label  # same short name, told apart


def test_a_mean_of_group_means_gets_its_interval_from_its_declared_groups(tmp_path):
    """MSSBench's headline is declared a mean of its two sides' accuracies: its interval is the mean
    of theirs, from the logged counts, with no name table in reports."""
    sides = {"safe": (3, 4), "unsafe": (1, 6)}  # (right, judged) per side
    samples = []
    for side, (right, judged) in sides.items():
        for index in range(judged):
            correct = index < right
            accuracy = {"safe": "safe_acc", "unsafe": "unsafe_acc"}[side]
            samples.append({accuracy: 100.0 * correct, "total_acc": {"side": side, "correct": correct}})
    date = "20250101_000000"
    results = {
        "results": {
            "mssbench_chat": {
                "alias": "mssbench_chat",
                "total_acc,none": 45.8,
                "total_acc_stderr,none": "N/A",
            }
        },
        "config": {"model": "llava_hf", "model_args": "pretrained=org/my-model"},
        "date": date,
    }
    (tmp_path / f"{date}_results.json").write_text(json.dumps(results))
    lines = "\n".join(json.dumps({"doc_id": row, **sample}) for row, sample in enumerate(samples))
    (tmp_path / f"{date}_samples_mssbench_chat.jsonl").write_text(lines)
    (model,) = load_models([tmp_path])
    found = estimate(model, "mssbench_chat", "total_acc")
    expected = mean_of_rates([sides[side] for side in MSSBENCH.metrics["total_acc"].groups])
    assert found.interval == expected and found.interval.method == "mover-mean"
    assert found.n == 10
