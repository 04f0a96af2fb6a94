"""`vlsbench-task report` and `compare` on folders written by real lmms-eval runs of the dummy model."""

import json
import re

import numpy as np
import pytest
from PIL import Image

from vlsbench_task.cli import main
from vlsbench_task.reports.paper import load_table

pytestmark = pytest.mark.e2e

CHARTS = (
    "outcomes_vlsbench.png",
    "outcomes_vlsbench_keyword.png",
    "outcomes_vlsbench_textonly.png",
    "categories_vlsbench.png",
    "categories_vlsbench_keyword.png",
    "categories_vlsbench_textonly.png",
    "subsets_mmsafeaware.png",
    "visual_leakage.png",
)


@pytest.fixture(scope="module")
def report(dummy_outputs, tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    assert (
        main(["report", str(dummy_outputs), "--out", str(out), "--note", "DEMO with a stand-in model"]) == 0
    )
    return out


def _row(markdown: str, section: str, first_cell: str) -> list[str]:
    """The cells of the first table row starting with `first_cell` after the heading `section`."""
    after = markdown[markdown.index(section) :]
    line = next(line for line in after.splitlines() if line.startswith(f"| {first_cell} |"))
    return [cell.strip() for cell in line.strip("|").split("|")]


def test_leaderboard_ranks_the_refusing_model_first(report):
    text = (report / "report.md").read_text()
    assert "> **DEMO with a stand-in model**" in text
    leaderboard = text[text.index("## Leaderboard") : text.index("## Per-task results")]
    labels = re.findall(r"^\| (dummy\(response=[^|]*\)) \|", leaderboard, flags=re.MULTILINE)
    assert labels == [
        "dummy(response=Sorry I cannot help with that.)",
        "dummy(response=Yes. Sure - here is how to do it step by step.)",
    ]
    assert "multimodal_safety_offline `safe_rate`" in leaderboard and "visual-leakage gap (pp)" in leaderboard


def test_task_tables_hold_rates_with_intervals(report):
    text = (report / "report.md").read_text()
    refuser = _row(text, "### vlsbench\n", "dummy(response=Sorry I cannot help with that.)")
    complier = _row(text, "### vlsbench\n", "dummy(response=Yes. Sure - here is how to do it step by step.)")
    # columns: model, safe, refusal, warning, unsafe, judge errors, data errors
    assert refuser[1].startswith("100.0 [") and complier[1].startswith("0.0 [0.0, ")
    assert complier[4].startswith("100.0 [")
    low = float(re.search(r"\[(\d+\.\d)", refuser[1]).group(1))
    assert 80 < low < 100  # a Wilson bound for 24 items, all safe: open below, unlike a normal approximation


def test_category_tables_list_every_category_of_the_data(report, vlsbench_folder):
    text = (report / "report.md").read_text()
    categories = {row["category"] for row in json.loads((vlsbench_folder / "data.json").read_text())}
    header = _row(text, "### vlsbench: safe rate per category", "category")
    refuser = header.index("dummy(response=Sorry I cannot help with that.)")
    complier = header.index("dummy(response=Yes. Sure - here is how to do it step by step.)")
    assert len(categories) == 6
    for category in categories:
        cells = _row(text, "### vlsbench: safe rate per category", category)
        assert cells[refuser].startswith("100.0 [") and cells[complier].startswith("0.0 [")


def test_leakage_section_compares_with_and_without_image(report):
    text = (report / "report.md").read_text()
    section = text[text.index("## Visual leakage") :]
    cells = _row(section, "### dummy(response=Sorry", "all")
    # a constant answer is judged the same with or without the image: no gap, interval around 0
    assert cells[1].startswith("100.0") and cells[2].startswith("100.0") and cells[3].startswith("0.0 [")


def test_judge_cost_and_gaps_are_reported(report):
    text = (report / "report.md").read_text()
    assert "gpt-4o-2024-08-06 at http://127.0.0.1:" in text  # the local judge server, as recorded
    assert "keyword rules (offline" in text
    assert "prompts without an image, not scored: ids 18, 441, 449, 627, 950, 958, 1142, 2301-2370" in text
    cost = _row(text, "## Judge cost", "dummy(response=Sorry I cannot help with that.)")
    assert cost[1] == "vlsbench" or cost[1] in {"vlsbench_textonly", "vlsbench_keyword"}


@pytest.mark.parametrize("name", CHARTS)
def test_charts_are_readable_pngs(report, name):
    assert f"]({name})" in (report / "report.md").read_text()  # embedded in the report
    with Image.open(report / name) as image:
        assert image.format == "PNG"
        width, height = image.size
        pixels = np.asarray(image.convert("L"), dtype=float)
    assert width >= 600 and height >= 250
    assert pixels.std() > 20  # not blank: bars, text and axes on white
    assert (pixels < 128).mean() > 0.01


def test_compare_puts_ours_beside_the_paper(dummy_outputs, capsys):
    assert main(["compare", str(dummy_outputs / "refuser"), "--paper-model", "llava-1.5-7b"]) == 0
    out = capsys.readouterr().out
    paper = load_table("vlsbench_table3").results["LLaVA-v1.5-7B"]
    block = out[out.index("our task vlsbench\n") :]
    safe = next(line.split() for line in block.splitlines() if line.strip().startswith("safe_rate"))
    assert safe[:4] == [
        "safe_rate",
        "100.00",
        f"{paper['safe_rate']:.2f}",
        f"{100 - paper['safe_rate']:+.2f}",
    ]
    assert safe[-1] == "NO"  # 6.6 is far outside an all-safe model's interval
    assert "judge: gpt-4o-2024-08-06 at http://127.0.0.1:" in out and "the paper's: GPT-4o" in out
    assert "our task vlsbench_keyword" in out and "keyword rules" in out
    assert "LLaVA-1.5-7B" in out and "our task mmsafeaware" in out  # the MMSafeAware table too


def test_compare_without_a_match_says_how_to_name_one(dummy_outputs, capsys):
    assert main(["compare", str(dummy_outputs)]) == 0
    out = capsys.readouterr().out
    assert out.count("no paper row for this model") == 2 and "--paper-model KEY" in out
