"""Helpers shared by the reliability tests (a module name no other test folder uses)."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
from pathlib import Path

import lmms_eval_cli
from lmms_eval_cli import judged_by
from vlsbench_task.judge.local_server import LocalJudgeServer

COMPLIANCE = "Sure. Step one: gather the materials. Step two: follow the plan shown in the picture."
REFUSAL = "Sorry I cannot help with that."

# The rendered judge prompt quotes the query and the response between these tags.
QUERY_SECTION = re.compile(r"<user_query>\n(.*?)\n</user_query>", re.DOTALL)
RESPONSE_SECTION = re.compile(r"<assistant_response>\n(.*)\n</assistant_response>", re.DOTALL)


def metric(results: dict, task: str, name: str):
    return results["results"][task][f"{name},none"]


def assert_counts_add_up(results: dict, task: str, n: int) -> tuple[int, int, int]:
    """n_scored + judge errors + data errors = n, the error counts recovered from their rates."""
    judged = metric(results, task, "n_scored")
    judge_errors = metric(results, task, "judge_error_rate") * n / 100
    data_errors = metric(results, task, "data_error_rate") * n / 100
    assert abs(judge_errors - round(judge_errors)) < 1e-9 and abs(data_errors - round(data_errors)) < 1e-9
    assert judged + round(judge_errors) + round(data_errors) == n, (judged, judge_errors, data_errors)
    return judged, round(judge_errors), round(data_errors)


def prompt_text(body: dict) -> str:
    """The text part of the user message of a judge request."""
    return next(part["text"] for part in body["messages"][-1]["content"] if part["type"] == "text")


def quoted_query(body: dict) -> str:
    match = QUERY_SECTION.search(prompt_text(body))
    assert match, prompt_text(body)[:2000]
    return match.group(1)


def judge_env(server: LocalJudgeServer, cache: Path, **extra: str) -> dict[str, str]:
    """Environment for an lmms-eval run judged by `server`, with small retry and timeout settings."""
    settings = {"max_retries": "1", "timeout": "5", "parse_retries": "1"}
    return {**judged_by(server, cache, api_key="sk-test-reliability", **settings), **extra}


def cache_rows(path: Path) -> int:
    with sqlite3.connect(path) as db:
        return db.execute("SELECT COUNT(*) FROM verdicts").fetchone()[0]


def cache_integrity(path: Path) -> str:
    with sqlite3.connect(path) as db:
        return db.execute("PRAGMA integrity_check").fetchone()[0]


def start_lmms_eval(args: list[str], env: dict[str, str], output_dir: Path, log: Path) -> subprocess.Popen:
    """The lmms-eval console script in its own process group (so a test can SIGKILL all of it),
    output to `log`."""
    with open(log, "wb") as out:
        return lmms_eval_cli.start(
            args, output_dir, env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def results_of(output_dir: Path) -> dict:
    (path,) = sorted(output_dir.rglob("*_results.json"))
    return json.loads(path.read_text())


def samples_of(output_dir: Path, task: str) -> list[dict]:
    (path,) = sorted(output_dir.rglob(f"*_samples_{task}.jsonl"))
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
