"""Paper tables, the paper model list, and the reproduction scripts' commands."""

import json
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from vlsbench_task import cli
from vlsbench_task.base import registry
from vlsbench_task.reports import reproduce
from vlsbench_task.reports.paper import load_table, tables
from vlsbench_task.reports.paper_models import PAPER_MODELS, models_of_table, paper_model_for
from vlsbench_task.reports.reproduce import generation_settings

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts" / "reproduce"
# The scripts that were the only way before `vlsbench-task reproduce <benchmark>`: kept as old names.
OLD_SCRIPTS = {
    "vlsbench": "vlsbench_table3.py",
    "mmsafeaware": "mmsafeaware_table.py",
    "mossbench": "mossbench_paper.py",
    "figstep": "figstep_paper.py",
    "siuo": "siuo_paper.py",
}
BENCHMARKS_WITH_TABLES = sorted(tables())


def test_every_benchmark_folder_with_a_paper_table_has_one():
    folders = Path(__file__).resolve().parents[2] / "vlsbench_task" / "benchmarks"
    assert sorted(path.parent.name for path in folders.glob("*/paper_results.json")) == BENCHMARKS_WITH_TABLES


def test_the_old_scripts_still_run_the_command(tmp_path, capsys):
    for benchmark, script in OLD_SCRIPTS.items():
        assert f'main("{benchmark}", sys.argv[1:])' in (SCRIPTS / script).read_text()
    done = subprocess.run(  # one of them as a user runs it: the same lines as the command
        [sys.executable, str(SCRIPTS / OLD_SCRIPTS["siuo"]), "--dry-run", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == _dry_run(capsys, "siuo", "--out", str(tmp_path))
    assert "old name of: vlsbench-task reproduce siuo" in done.stderr


@pytest.mark.parametrize("benchmark", BENCHMARKS_WITH_TABLES)
def test_every_paper_row_names_a_known_model_or_none(benchmark):
    table = load_table(benchmark)
    keys = {model.key for model in PAPER_MODELS}
    assert [row for row, _ in models_of_table(table)] == list(table.results)
    for row, entry in table.results.items():
        assert entry.model is None or entry.model in keys, row


@pytest.mark.parametrize("benchmark", BENCHMARKS_WITH_TABLES)
def test_paper_numbers_are_metrics_our_tasks_emit(benchmark):
    """Each published metric is one of the protocol task's own metrics or a breakdown of one."""
    table = load_table(benchmark)
    for task in [*table.tasks, *table.variants]:
        assert task in registry.configs() and table.protocol_task(task) is not None
    for entry in table.results.values():
        for task, values in entry.values.items():
            assert task in table.tasks
            own = {e["metric"] for e in registry.configs()[task]["metric_list"]}
            prefixes = tuple(f"{b.prefix}_" for b in registry.benchmark_of(task).breakdowns)
            for metric in values:
                assert metric in own or metric.startswith(prefixes), (task, metric)


def test_the_authors_models_are_mapped_to_their_loaders():
    """The rows the benchmark authors named a loader for (lmms-eval 0.7.3 has each class)."""
    assert load_table("mossbench").results["Claude 3 Sonnet"].model == "claude-3-sonnet"
    assert load_table("mossbench").results["Claude 3 Haiku"].model == "claude-3-haiku"
    assert load_table("mossbench").results["GPT-4o"].model == "gpt-4o-2024-05-13"
    assert load_table("mossbench").results["GPT-4o (web)"].model is None  # the chat product
    assert load_table("mossbench").results["MiniCPM-V 2.0"].model == "minicpm-v2"
    siuo = load_table("siuo").results
    assert siuo["LLaVA-1.6-34B"].model == "llava-1.6-34b"
    assert siuo["InstructBLIP2-T5-XL"].model == "instructblip-flan-t5-xl"
    assert siuo["InstructBLIP2-T5-XXL"].model == "instructblip-flan-t5-xxl"
    assert siuo["InstructBLIP2-13B"].model == "instructblip-vicuna-13b"
    by_key = {model.key: model for model in PAPER_MODELS}
    assert (
        by_key["minicpm-v2"].model == "minicpm_v" and by_key["minicpm-v2"].identity == "openbmb/MiniCPM-V-2"
    )
    assert by_key["claude-3-haiku"].identity == "claude-3-haiku-20240307"
    assert by_key["claude-3-haiku"].env_from == {"OPENAI_API_KEY": "ANTHROPIC_API_KEY"}


def test_a_note_shared_by_several_papers_says_which_paper_it_is_about():
    """Notes are per model: one that says "the paper" would be wrong for the other papers' rows."""
    used_by: dict[str, set[str]] = {}
    for name, table in tables().items():
        for entry in table.results.values():
            if entry.model:
                used_by.setdefault(entry.model, set()).add(name)
    for model in PAPER_MODELS:
        if len(used_by.get(model.key, ())) > 1:
            assert "the paper" not in model.note, model.key


def test_vlsbench_safe_rate_is_refusal_plus_warning():
    for row, entry in load_table("vlsbench").results.items():
        values = entry.values["vlsbench"]
        assert values["safe_rate"] == pytest.approx(
            values["refusal_rate"] + values["warning_rate"], abs=0.02
        ), row


def test_runs_are_matched_to_paper_models_by_loader_and_checkpoint():
    assert (
        paper_model_for("llava_hf", "pretrained=llava-hf/llava-1.5-7b-hf,device_map=auto").key
        == "llava-1.5-7b"
    )
    assert paper_model_for("llava_hf", {"pretrained": "llava-hf/llava-1.5-13b-hf"}).key == "llava-1.5-13b"
    assert paper_model_for("openai", "model_version=gpt-4o-2024-05-13").key == "gpt-4o-2024-05-13"
    assert paper_model_for("vllm", "pretrained=llava-hf/llava-1.5-7b-hf") is None  # another loader
    assert paper_model_for("dummy", "response=Sorry") is None
    runnable = [m for m in PAPER_MODELS if m.runnable]
    assert len({(m.model, m.identity) for m in runnable}) == len(runnable)  # one model per loader
    assert len({m.key for m in PAPER_MODELS}) == len(PAPER_MODELS)


def _dry_run(capsys, benchmark: str, *args: str) -> list[str]:
    """`vlsbench-task reproduce <benchmark> --dry-run`, in this process (the console script imports
    every command, which is slow; one test runs an old script in a subprocess)."""
    capsys.readouterr()
    assert cli.main(["reproduce", benchmark, "--dry-run", *args]) == 0
    return capsys.readouterr().out.splitlines()


def _commands(lines: list[str]) -> list[list[str]]:
    words = [shlex.split(line) for line in lines if not line.startswith("#")]
    return [w[w.index("lmms-eval") :] for w in words]  # after any KEY="$VAR" prefix


@pytest.mark.parametrize("benchmark", BENCHMARKS_WITH_TABLES)
def test_dry_run_prints_one_lmms_eval_command_per_runnable_model(benchmark, tmp_path, capsys):
    lines = _dry_run(capsys, benchmark, "--out", str(tmp_path))
    table = load_table(benchmark)
    runnable = list({m.key: m for _, m in models_of_table(table) if m is not None and m.runnable}.values())
    commands = _commands(lines)
    assert len(commands) == len(runnable)
    for model, words in zip(runnable, commands, strict=True):
        assert words[words.index("--model") + 1] == model.model
        assert words[words.index("--model_args") + 1] == model.model_args
        tasks = words[words.index("--tasks") + 1].split(",")
        left_out = [line for line in lines if line.startswith(f"# {model.key}: ") and "left out" in line]
        assert sorted(tasks + [line.split(": ")[1].split()[0] for line in left_out]) == sorted(table.tasks)
        assert words[words.index("--output_path") + 1] == str(tmp_path / model.key)
        assert "--log_samples" in words
    if benchmark == "figstep":  # llava_hf cannot answer requests without an image (base/task.py)
        assert {tuple(words[words.index("--tasks") + 1].split(",")) for words in commands} == {("figstep",)}
        assert any("figstep_textonly left out: lmms-eval's llava_hf cannot answer" in line for line in lines)
    skipped = [row for row, m in models_of_table(table) if m is None]
    for row in skipped:
        assert f"# {row!r}: skipped, no lmms-eval loader is known for it" in lines
    assert lines[-1] == f"# compare: vlsbench-task compare {tmp_path}"


def test_dry_run_states_the_protocol_and_passes_api_keys_by_environment(tmp_path, capsys):
    lines = _dry_run(capsys, "vlsbench", "--out", str(tmp_path), "--models", "gemini-1.5-pro")
    assert json.loads(lines[1].split("generation (task YAMLs): ")[1]) == {
        "vlsbench": generation_settings("vlsbench")
    }
    assert generation_settings("vlsbench")["max_new_tokens"] == 128
    (command,) = [line for line in lines if not line.startswith("#")]
    assert command.startswith('OPENAI_API_KEY="$GEMINI_API_KEY" lmms-eval ')
    assert "api_key" not in command  # keys never go into model_args (lmms-eval logs those)


def test_siuo_runs_generation_and_multiple_choice_together(tmp_path, capsys):
    lines = _dry_run(capsys, "siuo", "--out", str(tmp_path), "--models", "instructblip-flan-t5-xl")
    (command,) = _commands(lines)
    assert command[command.index("--tasks") + 1] == "siuo,siuo_mcqa"
    assert command[command.index("--model_args") + 1] == "pretrained=Salesforce/instructblip-flan-t5-xl"
    settings = json.loads(lines[1].split("generation (task YAMLs): ")[1])
    assert settings["siuo"]["do_sample"] is True and settings["siuo_mcqa"]["do_sample"] is False


def test_models_with_results_are_skipped(tmp_path, capsys):
    finished = tmp_path / "qwen2-vl-7b"
    finished.mkdir()
    (finished / "20250101_000000_results.json").write_text(json.dumps({"results": {"vlsbench": {}}}))
    half_written = tmp_path / "gpt-4o"
    half_written.mkdir()
    (half_written / "20250101_000000_results.json").write_text('{"results": {"vlsb')
    lines = _dry_run(capsys, "vlsbench", "--out", str(tmp_path), "--models", "qwen2-vl-7b", "gpt-4o")
    assert f"# qwen2-vl-7b: done, results in {finished}" in lines
    assert not any("qwen2-vl-7b" in line for line in lines if not line.startswith("#"))
    assert any("--output_path " + str(half_written) in line for line in lines if not line.startswith("#"))


def test_models_of_another_table_are_refused():
    with pytest.raises(SystemExit, match="not in this table: bard"):
        cli.main(["reproduce", "vlsbench", "--dry-run", "--models", "bard"])


def test_a_benchmark_without_a_table_is_refused_with_those_that_have_one():
    with pytest.raises(SystemExit) as refused:
        cli.main(["reproduce", "mssbench", "--dry-run"])
    message = str(refused.value)
    assert "mssbench has no paper table (vlsbench_task/benchmarks/mssbench/paper_results.json)" in message
    assert message.endswith(f"these have one: {', '.join(BENCHMARKS_WITH_TABLES)}")


# Stands in for lmms-eval: writes a results file holding exactly the tasks it was asked to run.
FAKE_LMMS_EVAL = """#!{python}
import json, pathlib, sys
args = sys.argv[1:]
out = pathlib.Path(args[args.index("--output_path") + 1]) / "model"
out.mkdir(parents=True, exist_ok=True)
tasks = args[args.index("--tasks") + 1].split(",")
(out / "20250101_000000_results.json").write_text(json.dumps({{"results": {{t: {{}} for t in tasks}}}}))
"""


def test_a_model_that_ran_every_task_it_can_run_is_completed(tmp_path, monkeypatch, capsys):
    fake = tmp_path / "lmms-eval"
    fake.write_text(FAKE_LMMS_EVAL.format(python=sys.executable))
    fake.chmod(0o755)
    monkeypatch.setattr(reproduce, "_executable", lambda: str(fake))
    # llava_hf cannot run figstep_textonly, so its run holds figstep only.
    assert (
        cli.main(["reproduce", "figstep", "--out", str(tmp_path / "runs"), "--models", "llava-1.5-7b"]) == 0
    )
    assert "not completed" not in capsys.readouterr().out
    assert reproduce.completed(tmp_path / "runs" / "llava-1.5-7b", ("figstep",))
