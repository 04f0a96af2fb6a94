"""Point 6: a 2- or 4-process lmms-eval run judges every item exactly once and matches a 1-process
run, the ranks sharing one cache file.

What runs on this CPU-only machine (lmms-eval 0.7.3, accelerate 1.x, torch 2.x):
- `accelerate launch --cpu --num_processes 2 -m lmms_eval ...` starts ONE process: with `--cpu`
  accelerate's simple launcher ignores `--num_processes` unless an MPI hostfile is given, so it
  is a single-process run (rank 0 judges all items), not a test of sharding.
- `torchrun --nproc_per_node 2 -m lmms_eval --model dummy ...` starts two ranks (gloo), but both
  stop with "'Dummy' object has no attribute 'device'" (lmms-eval gathers request counts on
  `lm.device`) and lmms-eval still exits 0.
- The same torchrun with the dummy model given `device = "cpu"` (torchrun_dummy.py, nothing else
  changed) runs the real distributed evaluator: rank sharding, padding of the shorter rank,
  gathering of samples and metrics on rank 0. That is what this test runs.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import lmms_eval_cli
import pytest
from reliability_support import (
    COMPLIANCE,
    assert_counts_add_up,
    judge_env,
    quoted_query,
    results_of,
    samples_of,
)
from vlsbench_task.judge.cache import VerdictCache
from vlsbench_task.judge.local_server import LocalJudgeServer, Reply

pytestmark = [pytest.mark.e2e, pytest.mark.network]
LAUNCHER = Path(__file__).with_name("torchrun_dummy.py")
ARGS = ["--model", "dummy", "--model_args", f"response={COMPLIANCE}", "--tasks", "vlsbench"]


def _label_by_row(rows: list[dict]):
    """A judge whose label depends on the item (row mod 3), so the rates depend on every item."""
    row_of = {row["instruction"]: index for index, row in enumerate(rows)}
    names = {1: "Safe with refusal", 2: "Safe with warning", 3: "Unsafe"}

    def policy(body: dict, index: int) -> Reply:
        label = row_of[quoted_query(body)] % 3 + 1
        return Reply(content=json.dumps({"label": label, "label_str": names[label], "explanation": "x"}))

    return policy


def _rank_outputs(logs: Path) -> dict[int, str]:
    """{local rank: its stdout and stderr}, from torchrun's `<log dir>/<run>/attempt_0/<rank>/` files."""
    outputs: dict[int, str] = {}
    for stream in sorted(logs.glob("*/attempt_*/*/std*.log")):
        rank = int(stream.parent.name)
        outputs[rank] = outputs.get(rank, "") + stream.read_text(errors="replace")
    return outputs


def _metrics(output_dir: Path) -> dict:
    result = results_of(output_dir)["results"]["vlsbench"]
    return {key: value for key, value in result.items() if "stderr" not in key and key != "alias"}


@pytest.mark.parametrize(
    ("ranks", "n", "judged_per_rank"),
    [
        # odd: lmms-eval pads the shorter rank with a copy of one of its requests. Rank 0: rows 0,
        # 2, 4, 6; rank 1: rows 1, 3 and the bad row 5.
        (2, 7, [2, 4]),
        # 11 rows: rank 1 holds the bad row 5, and the shorter rank 3 is padded.
        (4, 11, [2, 2, 3, 3]),
    ],
    ids=["2 ranks", "4 ranks"],
)
def test_torchrun_ranks_judge_each_item_once_and_match_a_single_process_run(
    run_lmms_eval, make_vlsbench_data, tmp_path, ranks, n, judged_per_rank
):
    folder = make_vlsbench_data(n, missing=(5,))
    rows = json.loads((folder / "data.json").read_text())
    policy = _label_by_row(rows)
    shared_cache = tmp_path / "cache-ranks.sqlite3"  # one file for the ranks of this machine
    logs = tmp_path / "rank-logs"

    with LocalJudgeServer(policy=policy) as server:
        env = {
            **os.environ,
            "HF_HUB_OFFLINE": "1",
            "HF_DATASETS_OFFLINE": "1",
            "VLSBENCH_DATA_DIR": str(folder),
            # A rank's buffered output is lost if it is stopped before flushing (once seen in CI).
            "PYTHONUNBUFFERED": "1",
            **judge_env(server, shared_cache),
        }
        torchrun = Path(sys.executable).parent / "torchrun"
        command = lmms_eval_cli.command(ARGS, tmp_path / "ranks")
        # Each rank's output in a file of its own (`--redirects 3`), not interleaved on one pipe.
        launch = ["--standalone", "--nproc_per_node", str(ranks), "--log-dir", str(logs), "--redirects", "3"]
        completed = subprocess.run(
            [str(torchrun), *launch, str(LAUNCHER), *command[1:]],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert completed.returncode == 0, (completed.stdout + completed.stderr)[-4000:]
        asked = Counter(quoted_query(body) for body in server.requests)
    outputs = _rank_outputs(logs)
    assert sorted(outputs) == list(range(ranks)), sorted(outputs)  # really that many ranks
    # Each rank judged its own shard, and said so once.
    per_rank = [re.findall(r"vlsbench: judged (\d+) items", outputs[rank]) for rank in range(ranks)]
    assert all(len(counts) == 1 for counts in per_rank), per_rank
    assert sorted(int(counts[0]) for counts in per_rank) == judged_per_rank, per_rank
    scorable = [row["instruction"] for index, row in enumerate(rows) if index != 5]
    assert asked == Counter(scorable)  # each scorable item judged exactly once, across the ranks
    assert len(VerdictCache(shared_cache)) == n - 1  # every rank's verdicts in the one file

    with LocalJudgeServer(policy=policy) as server:
        single = run_lmms_eval(
            ARGS,
            env={"VLSBENCH_DATA_DIR": str(folder), **judge_env(server, tmp_path / "cache-1proc.sqlite3")},
        )
        assert len(server.requests) == n - 1

    ranked = _metrics(tmp_path / "ranks")
    assert ranked == _metrics(single.output_dir)
    assert ranked["safe_rate,none"] not in (0, 100)  # the comparison is not trivially equal
    assert assert_counts_add_up({"results": {"vlsbench": ranked}}, "vlsbench", n) == (n - 1, 0, 1)
    records = sorted(sample["n_scored"]["row"] for sample in samples_of(tmp_path / "ranks", "vlsbench"))
    assert records == list(range(n))  # gathered from every rank, the padding copies left out
