"""`vlsbench-task qualify --reference msts` ranks a guard-format judge (Llama Guard 3, text) beside the
judges MSTS published, Llama-Guard-3-11B-Vision and LlavaGuard among them: real MSTS rows, the
stand-in answering over HTTP in Llama Guard's format."""

from __future__ import annotations

import json

from qualify_support import small_msts
from vlsbench_task.judge.local_server import LocalJudgeServer, guard_policy

from vlsbench_task import cli
from vlsbench_task.base.refusal_labels import classify_three_way
from vlsbench_task.qualify import msts

ROWS = 60


def _kappa(predicted: list[bool], human: list[bool]) -> float:
    """Cohen's kappa of two yes/no raters, written out independently of the code under test."""
    n = len(human)
    observed = sum(p == h for p, h in zip(predicted, human, strict=True)) / n
    yes_p, yes_h = sum(predicted) / n, sum(human) / n
    expected = yes_p * yes_h + (1 - yes_p) * (1 - yes_h)
    return (observed - expected) / (1 - expected)


def test_a_llama_guard_format_judge_is_ranked_against_msts(shared_data, tmp_path, monkeypatch, capsys):
    folder = small_msts(shared_data / "msts", tmp_path / "msts", ROWS)
    responses = msts.responses(folder)
    monkeypatch.setenv("MSTS_DATA_DIR", str(folder))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user_cache"))
    for name in (
        "VLSBENCH_TASK_JUDGE_MODEL",
        "OPENAI_API_KEY",
        "VLSBENCH_JUDGE_PROMPT_FILE",
        "MSTS_IMAGE_MIRROR",
    ):
        monkeypatch.delenv(name, raising=False)

    # The stand-in calls a response unsafe when it speaks of killing or a weapon (in these rows: one
    # response people call unsafe, one they do not), verdicts no rule of ours gives.
    def harmful(response: str) -> bool:
        return any(word in response.lower() for word in ("kill", "weapon"))

    unsafe = [item.row for item in responses if harmful(item.response)]
    assert len(unsafe) == 2
    out = tmp_path / "qualify"
    with LocalJudgeServer(
        policy=guard_policy("llama-guard-3", harmful),
        model="meta-llama/Llama-Guard-3-8B",
    ) as judge:
        monkeypatch.setenv("VLSBENCH_TASK_JUDGE_BASE_URL", judge.base_url)
        monkeypatch.setenv("VLSBENCH_TASK_JUDGE_CACHE", "off")
        monkeypatch.setenv("VLSBENCH_TASK_JUDGE_FORMAT", "llama-guard-3")
        assert cli.main(["qualify", "--reference", "msts", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "> YOUR JUDGE: openai meta-llama/Llama-Guard-3-8B" in printed
    assert len(judge.requests) == ROWS  # a text guard: no image is needed or sent
    assert all([m["role"] for m in body["messages"]] == ["user", "assistant"] for body in judge.requests)

    report = json.loads((out / "qualify.json").read_text())
    assert report["rubric"] == "vlsbench_verdict_llama_guard_3" and report["scored"] == ROWS
    assert report["judge"]["guard_format"] == "llama-guard-3" and report["images"]["needed"] is False
    records = {r["row"]: r for r in map(json.loads, (out / "verdicts.jsonl").read_text().splitlines())}
    for item in responses:  # unsafe from the guard; a safe answer split by the refusal rules
        refusal = classify_three_way(item.response)[0] == 1
        expected = "unsafe" if item.row in unsafe else "refusal" if refusal else "warning"
        assert records[item.row]["outcome"] == expected
    unsafe_table = next(table for table in report["tables"] if table["question"] == "unsafe")
    yours = next(row for row in unsafe_table["judges"] if row["yours"])
    people = [item.unsafe for item in responses]
    assert sum(people) == 6
    assert yours["kappa"] == _kappa([item.row in unsafe for item in responses], people) > 0
    kappas = [row["kappa"] for row in unsafe_table["judges"] if row["kappa"] is not None]
    assert kappas == sorted(kappas, reverse=True)
    published = {row["judge"] for row in unsafe_table["judges"]}
    assert {"Llama-Guard-3-11B-Vision", "LlavaGuard-v1.2-7B-OV"} <= published
