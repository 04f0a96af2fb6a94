"""Parts of a report that need no lmms-eval run: chart labels, the declared contrasts, the order."""

import json

import pytest

from vlsbench_task import cli
from vlsbench_task.base import registry
from vlsbench_task.base.benchmark import benchmark_named
from vlsbench_task.reports import charts
from vlsbench_task.reports.charts import short_labels
from vlsbench_task.reports.contrasts import breakdown_of, declared
from vlsbench_task.reports.estimates import Estimate
from vlsbench_task.reports.report import headline_rows, order_models
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


def _vlsbench_results(
    folder, model_args: str, values: dict[str, float], date: str = "20250101_000000", judge: str = "judge-a"
) -> None:
    """A results file as lmms-eval writes it for `vlsbench`: a metric without values is left out."""
    folder.mkdir(parents=True)
    judged_by = {"backend": "openai", "model_requested": judge, "base_url": "http://127.0.0.1:9/v1"}
    metadata = {"benchmark": "vlsbench", "headline": "safe_rate", "judge": judged_by}
    results = {
        "results": {"vlsbench": {"alias": "vlsbench", **{f"{name},none": v for name, v in values.items()}}},
        "configs": {"vlsbench": {"metadata": metadata}},
        "higher_is_better": {"vlsbench": {name: name != "unsafe_rate" for name in values}},
        "config": {"model": "dummy", "model_args": model_args},
        "date": date,
    }
    (folder / f"{date}_results.json").write_text(json.dumps(results))


@pytest.mark.parametrize("broken_first", [True, False])
def test_a_model_that_scored_nothing_leaves_every_other_models_headline(tmp_path, broken_first):
    failed = {"judge_error_rate": 100.0, "data_error_rate": 0.0, "n_scored": 0}
    scored = {"safe_rate": 40.0, "refusal_rate": 30.0, "warning_rate": 10.0, "unsafe_rate": 60.0}
    folders = ["a_broken", "b_good"] if broken_first else ["b_good", "a_broken"]
    for folder in folders:
        values = failed if folder == "a_broken" else {**scored, "judge_error_rate": 0.0, "n_scored": 10}
        _vlsbench_results(tmp_path / folder, f"response={folder}", values)
    models = load_models([tmp_path / folder for folder in folders])
    (row,) = headline_rows(models)
    assert (row.task, row.metric, row.higher) == ("vlsbench", "safe_rate", True)
    cells = dict(zip((m.model_args for m in models), row.cells, strict=True))
    assert cells == {
        "response=b_good": "40.0",
        "response=a_broken": "n/a (every usable row is a judge error)",
    }

    assert cli.main(["report", *(str(tmp_path / f) for f in folders), "--out", str(tmp_path / "out")]) == 0
    text = (tmp_path / "out" / "report.md").read_text()
    assert "| `vlsbench` | `safe_rate` ↑ |" in text
    table = text.split("#### `vlsbench`", 1)[1]
    assert "safe_rate ↑ | refusal_rate ↑ | warning_rate ↑ | unsafe_rate ↓" in table
    assert "| n/a (every usable row is a judge error) |" in table


@pytest.mark.parametrize("command", ["report", "compare", "view"])
def test_a_corrupt_samples_file_is_named_and_nothing_is_written(tmp_path, capsys, command):
    _vlsbench_results(tmp_path / "run", "response=x", {"safe_rate": 100.0, "judge_error_rate": 0.0})
    lines = [json.dumps({"doc_id": index, "safe_rate": 100.0}) for index in range(6)]
    lines[4] = lines[4][:9]  # cut off mid-record, as by a full disk or a killed copy
    samples = tmp_path / "run" / "20250101_000000_samples_vlsbench.jsonl"
    samples.write_text("\n".join(lines) + "\n")
    out = tmp_path / "out" / ("view.html" if command == "view" else "")
    args = [command, str(tmp_path / "run"), *(["--out", str(out)] if command != "compare" else [])]
    try:
        code = cli.main(args)
    except SystemExit as stop:
        code = stop.code
    assert code == 2
    error = capsys.readouterr().err
    assert f"vlsbench-task {command}: {samples}:5 is not JSON" in error
    assert "Traceback" not in error and not (tmp_path / "out").exists()


def test_a_truncated_results_file_is_named(tmp_path, capsys):
    _vlsbench_results(tmp_path / "run", "response=x", {"safe_rate": 100.0})
    results = tmp_path / "run" / "20250101_000000_results.json"
    results.write_text(results.read_text()[:40])
    with pytest.raises(SystemExit) as stop:
        cli.main(["report", str(tmp_path / "run"), "--out", str(tmp_path / "out")])
    assert stop.value.code == 2
    assert f"vlsbench-task report: {results} is not an lmms-eval results file" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def _samples(folder, date: str, values: list[float]) -> None:
    lines = [json.dumps({"doc_id": index, "safe_rate": value}) for index, value in enumerate(values)]
    (folder / f"{date}_samples_vlsbench.jsonl").write_text("\n".join(lines) + "\n")


def test_an_older_run_of_a_model_and_task_is_named_with_both_judges(tmp_path):
    for date, judge, rate in (("20250101_000000", "judge-a", 50.0), ("20250202_000000", "judge-b", 100.0)):
        _vlsbench_results(tmp_path / judge, "response=x", {"safe_rate": rate}, date, judge)
        _samples(tmp_path / judge, date, [100.0, 0.0] if rate == 50.0 else [100.0, 100.0])
    assert (
        cli.main(
            ["report", str(tmp_path / "judge-a"), str(tmp_path / "judge-b"), "--out", str(tmp_path / "out")]
        )
        == 0
    )
    text = (tmp_path / "out" / "report.md").read_text()
    skipped = text.split("## Skipped or failed", 1)[1].split("\n## ", 1)[0]
    older = "judge-a/20250101_000000_results.json"  # no local path in a report that may be shared
    assert f"run 20250101_000000 ({older}) left out: the newer run 20250202_000000 counts" in skipped
    assert str(tmp_path) not in text
    assert "judged by judge-a at http://127.0.0.1:9/v1, the newer one by judge-b at" in skipped
    assert "| `vlsbench` | `safe_rate` ↑ | 100.0 [" in text  # the newer run's

    out = tmp_path / "view.html"
    assert cli.main(["view", str(tmp_path), "--out", str(out), "--no-images"]) == 0
    page = out.read_text()
    data = json.loads(page.split('id="view-data">', 1)[1].split("</script>", 1)[0])
    runs = sorted((run["date"], run["replaced_by"], run["items"]) for run in data["runs"])
    assert runs == [("20250101_000000", "20250202_000000", 2), ("20250202_000000", None, 2)]
    assert len(data["items"]) == 4  # the page's "4 items from 2 runs" is true


def test_a_report_into_a_used_folder_removes_only_the_charts_of_the_earlier_report(tmp_path):
    rates = {"safe_rate": 50.0, "refusal_rate": 25.0, "warning_rate": 25.0, "unsafe_rate": 50.0}
    _vlsbench_results(tmp_path / "vlsbench", "response=x", rates)
    _results_file(tmp_path / "mossbench", "response=x", 10.0)
    out = tmp_path / "out"
    assert cli.main(["report", str(tmp_path / "vlsbench"), "--out", str(out)]) == 0
    assert (out / "outcomes_vlsbench.png").is_file()
    for name in ("mine.png", "outcomes_mine.png"):  # the user's, never linked by a report
        (out / name).write_bytes(b"x")
    assert cli.main(["report", str(tmp_path / "mossbench"), "--out", str(out)]) == 0
    assert sorted(path.name for path in out.iterdir()) == ["mine.png", "outcomes_mine.png", "report.md"]


def test_charts_mark_a_model_without_data_as_n_a_rather_than_0(tmp_path, monkeypatch):
    drawn = {}

    def keep(fig, path, note=None):  # the figure as drawn, instead of the PNG
        drawn[path.name] = [text.get_text() for ax in fig.axes for text in ax.texts]
        return path

    monkeypatch.setattr(charts, "save", keep)
    shares = {"refusal": [60.0, None], "warning": [20.0, None], "unsafe": [20.0, None]}
    charts.stacked_outcomes(["scored", "failed"], shares, "t", tmp_path / "outcomes.png")
    assert drawn["outcomes.png"].count(charts.NO_DATA) == 1
    series = [
        charts.Series("scored", [Estimate(40.0), Estimate(0.0)]),
        charts.Series("failed", [Estimate(None), Estimate(None)]),
    ]
    charts.grouped_bars(["a", "b"], series, "t", ("x", "y"), tmp_path / "bars.png")
    assert drawn["bars.png"].count(charts.NO_DATA) == 2  # the failed model's two; the 0.0 is a value


def test_model_labels_are_short_and_say_what_tells_alike_models_apart(tmp_path):
    checkpoint = "pretrained=/models/llava-1.5-7b-hf,attn_implementation=sdpa"
    for folder, model, args in (
        ("a", "llava_hf", f"{checkpoint},dtype=bfloat16"),
        ("b", "llava_hf", f"{checkpoint},dtype=float16"),
        ("c", "llava", f"{checkpoint},dtype=float16"),
        ("d", "qwen2_vl", "pretrained=Qwen/Qwen2-VL-2B-Instruct"),
    ):
        _results_file(tmp_path / folder, args, 10.0)
        path = tmp_path / folder / "20250101_000000_results.json"
        path.write_text(path.read_text().replace('"model": "dummy"', f'"model": "{model}"'))
    labels = [model.label for model in load_models([tmp_path])]
    assert labels == [
        "llava-1.5-7b-hf llava_hf dtype=bfloat16",
        "llava-1.5-7b-hf llava_hf dtype=float16",
        "llava-1.5-7b-hf llava dtype=float16",
        "Qwen2-VL-2B-Instruct",
    ]
    assert cli.main(["report", str(tmp_path), "--out", str(tmp_path / "out")]) == 0
    text = (tmp_path / "out" / "report.md").read_text()
    assert (
        f"| **llava-1.5-7b-hf llava_hf dtype=float16** | `llava_hf` | `{checkpoint},dtype=float16` |" in text
    )
