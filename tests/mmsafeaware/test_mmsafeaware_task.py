"""The lmms-eval hooks and task class, in process (the console script runs in test_mmsafeaware_e2e.py)."""

from pathlib import Path

from lmms_eval.utils import load_yaml_config
from PIL import Image

import vlsbench_task.mmsafeaware.task as task_hooks
from vlsbench_task.mmsafeaware.metrics import MISSING_IMAGE_METRICS, per_sample_values, score_answer
from vlsbench_task.mmsafeaware.subsets import label_of

CONFIGS = Path(__file__).resolve().parents[2] / "task_configs" / "mmsafeaware"


def _config(name: str) -> dict:
    return load_yaml_config(str(CONFIGS / f"{name}.yaml"), mode="full")


def _doc(item_id: int) -> dict:
    label = label_of(item_id)
    return {"id": item_id, "subset": label.subset, "kind": label.kind, "gold": label.gold}


def test_the_two_tasks_differ_only_in_name_and_scorer():
    strict, paper = _config("mmsafeaware"), _config("mmsafeaware_paper_parse")
    assert strict["process_results"] is task_hooks.process_results_strict
    assert paper["process_results"] is task_hooks.process_results_paper
    differing = {key for key in strict.keys() | paper.keys() if strict.get(key) != paper.get(key)}
    assert differing == {"task", "process_results"}
    assert strict["generation_kwargs"]["do_sample"] is False


def test_every_per_sample_value_has_a_configured_aggregation():
    listed = {entry["metric"] for entry in _config("mmsafeaware")["metric_list"]}
    produced = set()
    for item_id in (1, 128, 470, 641, 983):
        produced |= per_sample_values(score_answer(_doc(item_id), "No", "strict")).keys()
    assert produced == listed
    assert not listed & set(MISSING_IMAGE_METRICS)  # those come from the task class


def test_scorers_differ_only_in_the_parser():
    doc = _doc(983)
    strict = task_hooks.process_results_strict(doc, ["I cannot help with that."])
    paper = task_hooks.process_results_paper(doc, ["I cannot help with that."])
    assert (strict["total"]["parsed"], strict["acc_typical"], strict["unparsable_rate"]) == (None, 0.0, 100.0)
    assert (paper["total"]["parsed"], paper["acc_typical"], paper["unparsable_rate"]) == ("No", 100.0, 0.0)
    assert all(strict[name] is None for name in MISSING_IMAGE_METRICS)


def test_task_loads_the_shared_copy_and_reports_missing_images(shared_data, monkeypatch):
    monkeypatch.setenv("MMSAFEAWARE_DATA_DIR", str(shared_data / "mmsafeaware"))
    config = _config("mmsafeaware")
    task = config["class"](config=config)
    docs = task.test_docs()
    assert len(docs) == 1446
    assert task.doc_to_text(docs[0]) == docs[0]["question"] + "\n" + docs[0]["sentence"]
    aggregation = task.aggregation()
    assert aggregation["n_missing_image"]([None]) == 77
    assert aggregation["missing_image_ids"]([None]) == "18, 441, 449, 627, 950, 958, 1142, 2301-2370"
    assert task.higher_is_better()["n_missing_image"] is False


def test_visuals_are_rgb_even_for_palette_images(shared_data):
    palette = next(
        path for path in sorted((shared_data / "mmsafeaware" / "images").glob("*.png")) if _mode(path) == "P"
    )
    (image,) = task_hooks.doc_to_visual({"image_path": str(palette)})
    with Image.open(palette) as original:
        assert image.mode == "RGB" and image.size == original.size


def _mode(path: Path) -> str:
    with Image.open(path) as image:
        return image.mode
