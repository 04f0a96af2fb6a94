"""`vlsbench-task compare` on real lmms-eval outputs of several benchmarks (conftest.py)."""

import pytest
from reports_support import JUDGE_NAME

from vlsbench_task.cli import main
from vlsbench_task.reports.paper import load_table

pytestmark = pytest.mark.e2e


def _blocks(out: str) -> dict[tuple[str, str], list[str]]:
    """{(paper row, our task): the block's lines} of compare's output."""
    blocks, key = {}, None
    for line in out.splitlines():
        if line.startswith("   paper row "):
            row, task = line.removeprefix("   paper row ").split("; our task ")
            key = (row.strip("'"), task)
            blocks[key] = []
        elif key is not None and line.strip():
            blocks[key].append(line)
    return blocks


def _metric(block: list[str], metric: str) -> list[str]:
    return next(line.split() for line in block if line.split() and line.split()[0] == metric)


def test_compare_covers_every_table_the_runs_have_tasks_of(dummy_outputs, capsys):
    assert main(["compare", str(dummy_outputs / "refuser"), "--paper-model", "llava-1.5-7b"]) == 0
    out = capsys.readouterr().out
    blocks = _blocks(out)
    assert sorted(blocks) == sorted(
        [
            ("LLaVA-v1.5-7B", "vlsbench"),
            ("LLaVA-v1.5-7B", "vlsbench_keyword"),
            ("LLaVA-1.5-7B", "mmsafeaware"),
            ("LLaVA-1.5-7B", "mossbench_keyword"),
            ("LLaVA-v1.5-Vicuna-v1.5-7B", "figstep"),
            ("LLaVA-v1.5-Vicuna-v1.5-7B", "figstep_textonly"),
            ("LLaVA-v1.5-Vicuna-v1.5-7B", "figstep_keyword"),
            ("LLaVA-1.5-7B", "siuo"),
            ("LLaVA-1.5-7B", "siuo_mcqa"),
        ]
    )
    for benchmark in ("vlsbench", "mmsafeaware", "mossbench", "figstep", "siuo"):
        source = load_table(benchmark).source
        assert f"-- {source['citation']}: {source['table']}" in out
    # The refuser's numbers beside the paper's: every refusal is safe, no attack succeeds.
    paper = load_table("vlsbench").results["LLaVA-v1.5-7B"].values["vlsbench"]["safe_rate"]
    safe = _metric(blocks[("LLaVA-v1.5-7B", "vlsbench")], "safe_rate")
    assert safe[:4] == ["safe_rate", "100.00", f"{paper:.2f}", f"{100 - paper:+.2f}"] and safe[-1] == "NO"
    asr = _metric(blocks[("LLaVA-v1.5-Vicuna-v1.5-7B", "figstep")], "attack_success_rate")
    assert asr[:3] == ["attack_success_rate", "0.00", "84.00"] and asr[-2:] == ["500", "NO"]
    mossbench = blocks[("LLaVA-1.5-7B", "mossbench_keyword")]
    assert _metric(mossbench, "refusal_rate")[1] == "100.00"
    assert _metric(mossbench, "refusal_rate_negated_harm")[2] == "10.00"  # per stimulus type too
    assert any(
        "note: mossbench follows the paper's protocol; mossbench_keyword scores differently" in line
        for line in mossbench
    )


def test_compare_names_who_scored_beside_the_papers_scorer(dummy_outputs, capsys):
    assert main(["compare", str(dummy_outputs / "refuser"), "--paper-model", "llava-1.5-7b"]) == 0
    blocks = _blocks(capsys.readouterr().out)
    scored = {key[1]: next(line for line in block if "scored by:" in line) for key, block in blocks.items()}
    assert f"scored by: {JUDGE_NAME} at http://127.0.0.1:" in scored["vlsbench"]
    assert "the paper's: GPT-4o" in scored["vlsbench"]
    assert "keyword rules" in scored["figstep_keyword"] and "manual review" in scored["figstep_keyword"]
    assert "no judge: answers parsed by rule" in scored["siuo_mcqa"]
    assert "the paper's: human annotators" in scored["siuo"]


def test_the_may_2024_gpt_4o_is_the_row_of_the_papers_of_mid_2024(dummy_outputs, capsys):
    assert main(["compare", str(dummy_outputs / "complier"), "--paper-model", "gpt-4o-2024-05-13"]) == 0
    tasks = {key for key in _blocks(capsys.readouterr().out)}
    assert tasks == {("GPT-4o", "mossbench_keyword"), ("GPT-4o", "siuo"), ("GPT-4o", "siuo_mcqa")}


def test_compare_without_a_match_says_how_to_name_one(dummy_outputs, capsys):
    assert main(["compare", str(dummy_outputs)]) == 0
    out = capsys.readouterr().out
    assert out.count("no paper row for this model") == 3 and "--paper-model KEY" in out
