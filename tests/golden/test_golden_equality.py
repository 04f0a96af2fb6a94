"""VLSBench and MMSafeAware numbers do not move: every metric and every verdict record of fixed
lmms-eval runs equals what the same runs gave before the benchmarks moved onto the shared base."""

from __future__ import annotations

import json

import pytest
from golden_runs import RECORDED, run_all

pytestmark = [pytest.mark.e2e, pytest.mark.network]

# Metrics the shared base adds (MMSafeAware had no data_error_rate before; VLSBench's label_conflict_rate
# came with issue 20), and the suite axes; all others are the recorded ones.
ADDED = {
    "mmsafeaware": {"data_error_rate", "empty_response_rate", "harm_avoided", "benign_answered"},
    "vlsbench": {"empty_response_rate", "harm_avoided", "label_conflict_rate"},
}


def _metric_names(run: dict) -> set[str]:
    """'safe_rate,none', 'safe_rate_stderr_clt,none', ... -> 'safe_rate'."""
    return {key.split(",")[0].split("_stderr")[0] for key in run["metrics"]}


@pytest.fixture(scope="module")
def runs(shared_data, tmp_path_factory) -> dict[str, dict]:
    return run_all(tmp_path_factory.mktemp("golden"))


@pytest.mark.parametrize("name", ["vlsbench", "mmsafeaware_no", "mmsafeaware_unsure"])
def test_metrics_and_verdict_records_equal_the_recorded_runs(runs, name):
    recorded = json.loads((RECORDED / f"{name}.json").read_text())
    assert set(runs[name]) == set(recorded)
    for task, expected in recorded.items():
        now = runs[name][task]
        added = ADDED["mmsafeaware" if task.startswith("mmsafeaware") else "vlsbench"]
        assert _metric_names(now) - _metric_names(expected) == added, task
        assert {key: now["metrics"][key] for key in expected["metrics"]} == expected["metrics"], task
        assert now["records"] == expected["records"], task
