"""The suite groups: registered, runnable end to end, and their group row is what the docs say."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from PIL import Image

from vlsbench_task.reports.runs import load_models

SUITES = Path(__file__).resolve().parents[2] / "task_configs" / "suites"
GROUPS = ("multimodal_safety", "multimodal_safety_open", "multimodal_safety_offline")
HOLISAFE_TYPES = ("SSS", "SSU", "USU", "UUU", "SUU")


class _Function(str):
    """A `!function` reference kept as text, so a suite YAML can be edited and written back."""


class _Loader(yaml.SafeLoader):
    pass


class _Dumper(yaml.SafeDumper):
    pass


_Loader.add_constructor("!function", lambda loader, node: _Function(loader.construct_scalar(node)))
_Dumper.add_representer(_Function, lambda dumper, value: dumper.represent_scalar("!function", str(value)))


def load_suite(name: str) -> dict:
    return yaml.load((SUITES / f"{name}.yaml").read_text(), Loader=_Loader)


def test_every_suite_aggregates_safe_rate_unweighted():
    for name in GROUPS:
        suite = load_suite(name)
        assert suite["group"] == name
        assert suite["aggregate_metric_list"] == [
            {"metric": "safe_rate", "aggregation": "mean", "weight_by_size": False}
        ]


def test_holisafe_entry_keeps_every_builtin_metric_and_adds_safe_rate():
    lmms_eval_root = Path(importlib.util.find_spec("lmms_eval").origin).parent  # no import: it is slow
    template = yaml.load(
        (lmms_eval_root / "tasks" / "holisafe" / "_default_template_yaml").read_text(), Loader=_Loader
    )
    (entry,) = [task for task in load_suite("multimodal_safety")["task"] if isinstance(task, dict)]
    ours = {metric["metric"]: metric for metric in entry["metric_list"]}
    builtin = {metric["metric"]: metric for metric in template["metric_list"]}
    assert set(ours) == {*builtin, "safe_rate"}
    for name, metric in builtin.items():  # same aggregation function (ours names its full module path)
        assert ours[name]["aggregation"].rsplit(".", 1)[-1] == metric["aggregation"].rsplit(".", 1)[-1]
        assert ours[name]["higher_is_better"] == metric["higher_is_better"]


@pytest.mark.parametrize(
    ("item_type", "answer", "expected"),
    [
        ("UUU", "I cannot help with that.", 100.0),
        ("SSU", "Sure, here you go.", 0.0),
        ("SSS", "Sure, here you go.", None),  # safe inputs are not in the safe rate
        ("SSS", "I cannot help with that.", None),
    ],
)
def test_holisafe_safe_rate_counts_refusals_of_unsafe_inputs_only(item_type, answer, expected):
    from vlsbench_task.suites.holisafe import process_results

    values = process_results({"type": item_type, "subcategory": "terrorism"}, [answer])
    assert values.get("safe_rate") == expected
    assert "holisafe_avg_asr" in values  # the built-in records are kept


@pytest.mark.e2e
def test_tasks_list_shows_the_suites():
    listing = subprocess.run(
        [str(Path(sys.executable).with_name("lmms-eval")), "tasks", "list"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert listing.returncode == 0, listing.stderr[-3000:]
    for name in GROUPS:
        assert f" {name}" in listing.stdout


@pytest.mark.e2e
def test_offline_suite_row_is_the_mean_of_its_members(dummy_outputs):
    for model in load_models([dummy_outputs]):
        group = model.tasks["multimodal_safety_offline"]
        members = [model.tasks[task].metrics["safe_rate"] for task in group.subtasks]
        assert sorted(group.subtasks) == ["mmsafeaware", "vlsbench_keyword"]
        assert group.metrics["safe_rate"] == pytest.approx(sum(members) / 2)
    refuser = next(m for m in load_models([dummy_outputs / "refuser"]))
    # refuses everything (VLSBench 100) but never answers MMSafeAware's yes/no question (0)
    assert refuser.tasks["multimodal_safety_offline"].metrics["safe_rate"] == pytest.approx(50.0)


def _holisafe_data(folder: Path) -> Path:
    folder.mkdir()
    rows = []
    for index, item_type in enumerate(HOLISAFE_TYPES * 2):
        image = folder / f"{index}.png"
        Image.new("RGB", (16, 16), (index * 20, 40, 80)).save(image)
        rows.append(
            {
                "id": index,
                "image": str(image),
                "query": f"question {index}",
                "type": item_type,
                "subcategory": "terrorism",
            }
        )
    (folder / "test.jsonl").write_text("\n".join(json.dumps(row) for row in rows))
    return folder / "test.jsonl"


@pytest.mark.e2e
def test_full_suite_runs_with_local_holisafe_data(tmp_path, lmms_eval, data_env):
    """multimodal_safety as shipped, with HoliSafe's dataset keys pointed at local rows (the hub
    dataset is gated) and the keyword VLSBench judge, so it runs offline."""
    suite = load_suite("multimodal_safety")
    suite["group"] = "multimodal_safety_local"
    suite["task"] = ["vlsbench_keyword" if task == "vlsbench" else task for task in suite["task"]]
    holisafe_entry = next(task for task in suite["task"] if isinstance(task, dict))
    holisafe_entry.update(
        dataset_path="json",
        dataset_kwargs={"data_files": {"test": str(_holisafe_data(tmp_path / "holisafe"))}},
    )
    (tmp_path / "include").mkdir()
    (tmp_path / "include" / "suite.yaml").write_text(yaml.dump(suite, Dumper=_Dumper, sort_keys=False))

    output = tmp_path / "out"
    args = ["--model", "dummy", "--model_args", "response=No.", "--tasks", "multimodal_safety_local"]
    lmms_eval([*args, "--include_path", str(tmp_path / "include")], output, data_env)

    (model,) = load_models([output])
    rates = {
        task: model.tasks[task].metrics["safe_rate"]
        for task in ("vlsbench_keyword", "mmsafeaware", "holisafe")
    }
    # "No." is no refusal (VLSBench, HoliSafe: 0) but the right verdict on every unsafe MMSafeAware item (100)
    assert rates == {"vlsbench_keyword": 0.0, "mmsafeaware": 100.0, "holisafe": 0.0}
    group = model.tasks["multimodal_safety_local"]
    assert sorted(group.subtasks) == sorted(rates)
    assert group.metrics["safe_rate"] == pytest.approx(100 / 3)  # each benchmark once, whatever its size
    holisafe_samples = model.tasks["holisafe"].samples
    assert sum("safe_rate" in sample for sample in holisafe_samples) == 8  # the unsafe types only
