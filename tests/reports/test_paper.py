"""Paper tables, the paper model list, and the reproduction scripts' commands."""

import json
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from vlsbench_task.reports.paper import MMSAFEAWARE_TABLE, TASKS_OF_TABLE, VLSBENCH_TABLE, load_table
from vlsbench_task.reports.paper_models import PAPER_MODELS, models_of_table, paper_model_for
from vlsbench_task.reports.reproduce import generation_settings

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts" / "reproduce"
SCRIPT_OF_TABLE = {VLSBENCH_TABLE: "vlsbench_table3.py", MMSAFEAWARE_TABLE: "mmsafeaware_table.py"}


@pytest.mark.parametrize("table", [VLSBENCH_TABLE, MMSAFEAWARE_TABLE])
def test_every_paper_row_has_exactly_one_model_and_back(table):
    rows = [model.rows[table] for model in models_of_table(table)]
    assert sorted(rows) == sorted(load_table(table).results)


def test_vlsbench_safe_rate_is_refusal_plus_warning():
    for row, values in load_table(VLSBENCH_TABLE).results.items():
        assert values["safe_rate"] == pytest.approx(
            values["refusal_rate"] + values["warning_rate"], abs=0.02
        ), row


def test_runs_are_matched_to_paper_models_by_loader_and_checkpoint():
    assert (
        paper_model_for("llava_hf", "pretrained=llava-hf/llava-1.5-7b-hf,device_map=auto").key
        == "llava-1.5-7b"
    )
    assert paper_model_for("llava_hf", {"pretrained": "llava-hf/llava-1.5-13b-hf"}).key == "llava-1.5-13b"
    assert paper_model_for("vllm", "pretrained=llava-hf/llava-1.5-7b-hf") is None  # another loader
    assert paper_model_for("dummy", "response=Sorry") is None
    assert len({(m.model, m.identity) for m in PAPER_MODELS if m.runnable}) == sum(
        m.runnable for m in PAPER_MODELS
    )


def _dry_run(table: str, *args: str) -> list[str]:
    script = SCRIPTS / SCRIPT_OF_TABLE[table]
    done = subprocess.run([sys.executable, str(script), "--dry-run", *args], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


@pytest.mark.parametrize("table", [VLSBENCH_TABLE, MMSAFEAWARE_TABLE])
def test_dry_run_prints_one_lmms_eval_command_per_runnable_model(table, tmp_path):
    commands = [line for line in _dry_run(table, "--out", str(tmp_path)) if not line.startswith("#")]
    runnable = [m for m in models_of_table(table) if m.runnable]
    assert len(commands) == len(runnable)
    for model, line in zip(runnable, commands, strict=True):
        words = shlex.split(line)
        words = words[words.index("lmms-eval") :]  # after any KEY="$VAR" prefix
        assert words[words.index("--model") + 1] == model.model
        assert words[words.index("--model_args") + 1] == model.model_args
        assert words[words.index("--tasks") + 1] == TASKS_OF_TABLE[table][0]
        assert words[words.index("--output_path") + 1] == str(tmp_path / model.key)
        assert "--log_samples" in words


def test_dry_run_states_the_protocol_and_passes_api_keys_by_environment(tmp_path):
    lines = _dry_run(VLSBENCH_TABLE, "--out", str(tmp_path), "--models", "gemini-1.5-pro")
    assert json.loads(lines[1].split("generation (task YAMLs): ")[1]) == generation_settings(VLSBENCH_TABLE)
    assert generation_settings(VLSBENCH_TABLE)["max_new_tokens"] == 128
    (command,) = [line for line in lines if not line.startswith("#")]
    assert command.startswith('OPENAI_API_KEY="$GEMINI_API_KEY" lmms-eval ')
    assert "api_key" not in command  # keys never go into model_args (lmms-eval logs those)


def test_models_with_results_are_skipped(tmp_path):
    finished = tmp_path / "qwen2-vl-7b"
    finished.mkdir()
    (finished / "20250101_000000_results.json").write_text(json.dumps({"results": {"vlsbench": {}}}))
    half_written = tmp_path / "gpt-4o"
    half_written.mkdir()
    (half_written / "20250101_000000_results.json").write_text('{"results": {"vlsb')
    lines = _dry_run(VLSBENCH_TABLE, "--out", str(tmp_path), "--models", "qwen2-vl-7b", "gpt-4o")
    assert f"# qwen2-vl-7b: done, results in {finished}" in lines
    assert not any("qwen2-vl-7b" in line for line in lines if not line.startswith("#"))
    assert any("--output_path " + str(half_written) in line for line in lines if not line.startswith("#"))


def test_models_of_another_table_are_refused():
    done = subprocess.run(
        [sys.executable, str(SCRIPTS / "vlsbench_table3.py"), "--dry-run", "--models", "bard"],
        capture_output=True,
        text=True,
    )
    assert done.returncode != 0 and "not in this table: bard" in done.stderr
