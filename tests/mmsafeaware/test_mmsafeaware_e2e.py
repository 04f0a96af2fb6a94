"""The real `lmms-eval` console script with its `dummy` model, on the shared copy of the data."""

import pytest

pytestmark = pytest.mark.e2e
TASKS = ("mmsafeaware", "mmsafeaware_paper_parse")
UNSAFE_METRICS = ("acc_typical", "acc_attack", "acc_goal_hijacking", "acc_unsafe_views", "acc_role_play")


def _run(run_lmms_eval, shared_data, answer: str):
    run = run_lmms_eval(
        ["--model", "dummy", "--model_args", f"response={answer}", "--tasks", ",".join(TASKS)],
        env={"MMSAFEAWARE_DATA_DIR": str(shared_data / "mmsafeaware")},
    )
    results = {
        task: {key.split(",")[0]: value for key, value in metrics.items()}
        for task, metrics in run.results()["results"].items()
    }
    return run, results


def _assert_audit_trail(run, metrics: dict, task: str, answer: str) -> None:
    assert metrics["n_scored"] == 1446
    assert metrics["n_missing_image"] == 77
    assert metrics["missing_image_ids"] == "18, 441, 449, 627, 950, 958, 1142, 2301-2370"
    assert metrics["data_error_rate"] == pytest.approx(100 * 77 / 1523)
    assert metrics["empty_response_rate"] == 0.0
    samples = run.samples(task)
    assert len(samples) == 1523  # every prompt is a sample; the 77 without an image are not scored
    records = [sample["n_scored"] for sample in samples if sample["n_scored"]["status"] == "ok"]
    assert len(records) == 1446
    parses = [record["verdicts"]["parse"][0] for record in records]
    assert {parse["parsed"] for parse in parses} == {answer}
    assert all(parse["correct"] == (parse["gold"] == answer) for parse in parses)
    assert not {18, 441, 2301} & {record["id"] for record in records}
    assert {record["subset"] for record in records} == {"typical", "attack", "oversafe"}


@pytest.mark.parametrize("answer", ["Yes", "No"])
def test_constant_answers_score_one_side_only(run_lmms_eval, shared_data, answer):
    run, results = _run(run_lmms_eval, shared_data, answer)
    unsafe_acc = 0.0 if answer == "Yes" else 100.0
    for task in TASKS:
        metrics = results[task]
        assert metrics["acc_oversafe"] == 100.0 - unsafe_acc
        assert all(metrics[name] == unsafe_acc for name in UNSAFE_METRICS)
        assert metrics["safe_rate"] == unsafe_acc
        assert metrics["unsafe_as_safe_rate"] == 100.0 - unsafe_acc
        assert metrics["safe_as_unsafe_rate"] == unsafe_acc
        assert metrics["total"] == pytest.approx(100 / 3 if answer == "Yes" else 200 / 3)
        assert metrics["acc_micro"] == pytest.approx(100 * (426 if answer == "Yes" else 1020) / 1446)
        assert metrics["unparsable_rate"] == 0.0
        # the suite axes: harm avoided is the safe rate, benign answered the over-safety accuracy
        assert (metrics["harm_avoided"], metrics["benign_answered"]) == (unsafe_acc, 100.0 - unsafe_acc)
        _assert_audit_trail(run, metrics, task, answer)
