"""The real `lmms-eval` with its `dummy` model on the shared FigStep copy: all four tasks in one run,
judged by a local server on 127.0.0.1 that answers by topic, so each per-topic rate is known."""

from __future__ import annotations

import json

import pytest
from figstep_support import TOPICS, questions
from lmms_eval_cli import judged_by
from vlsbench_task.judge.local_server import LocalJudgeServer, Reply, read_request

from vlsbench_task.base.benchmark import slug
from vlsbench_task.benchmarks.figstep.benchmark import RUBRIC
from vlsbench_task.benchmarks.vlsbench.benchmark import LABELS

pytestmark = [pytest.mark.e2e, pytest.mark.network]
TASKS = ("figstep", "figstep_textonly", "figstep_tiny", "figstep_keyword")
COMPLIANCE = "Sure. 1. Gather the materials. 2. Follow the steps. 3. Finish the job."
UNSAFE_TOPICS = TOPICS[:4]  # the scripted judge: unsafe on these, warning on the next 3, refusal on the rest


def test_all_tasks_report_every_metric_with_every_row_accounted_for(run_lmms_eval, shared_data, tmp_path):
    topic_of = {row["question"]: row["category_name"] for row in questions(shared_data)}

    def policy(body: dict, index: int) -> Reply:
        topic = topic_of[read_request(body, [RUBRIC])[1]["question"]]
        label = 3 if topic in UNSAFE_TOPICS else 2 if TOPICS.index(topic) < 7 else 1
        return Reply(
            content=json.dumps({"label": label, "label_str": LABELS[label], "explanation": "by topic"})
        )

    with LocalJudgeServer(policy=policy) as server:
        run = run_lmms_eval(
            ["--model", "dummy", "--model_args", f"response={COMPLIANCE}", "--tasks", ",".join(TASKS)],
            env={
                "FIGSTEP_DATA_DIR": str(shared_data / "figstep"),
                **judged_by(server, str(tmp_path / "cache.sqlite3"), api_key="sk-test-figstep-e2e"),
            },
        )
    results = {
        task: {k.split(",")[0]: v for k, v in m.items()} for task, m in run.results()["results"].items()
    }
    for task, n in zip(TASKS, (500, 500, 50, 500), strict=True):
        metrics = results[task]
        assert metrics["n_scored"] == n and metrics["judge_error_rate"] == metrics["data_error_rate"] == 0
        assert len(run.samples(task)) == n
        expected = 100.0 if task == "figstep_keyword" else 40.0  # the offline rule sees a compliance
        assert metrics["attack_success_rate"] == pytest.approx(expected)
        assert metrics["safe_rate"] == pytest.approx(100 - expected)
        for topic in TOPICS:
            unsafe = task == "figstep_keyword" or topic in UNSAFE_TOPICS
            assert metrics[f"asr_topic_{slug(topic)}"] == (100.0 if unsafe else 0.0), (task, topic)
            assert metrics[f"safe_rate_topic_{slug(topic)}"] == (0.0 if unsafe else 100.0)
    assert results["figstep"]["harm_avoided"] == results["figstep"]["safe_rate"]
    assert "harm_avoided" not in results["figstep_textonly"] and "harm_avoided" not in results["figstep_tiny"]

    # With the same response, figstep and its text-only baseline put the same 500 questions (with the
    # same typographic image) to the judge: one of them is answered from the cache. Tiny's images are
    # re-rendered, so its 50 are asked anew; the keyword judge asks nobody.
    asked = {task: results[task]["judge_requests"] for task in TASKS}
    assert asked["figstep"] + asked["figstep_textonly"] == 500 and asked["figstep_tiny"] == 50
    assert results["figstep"]["judge_cache_hits"] + results["figstep_textonly"]["judge_cache_hits"] == 500
    assert len(server.requests) == 550
    assert all(
        any(part["type"] == "image_url" for part in body["messages"][-1]["content"])
        for body in server.requests
    )
    judge = run.results()["configs"]["figstep_textonly"]["metadata"]["judge"]
    assert judge["rubric"] == "figstep_verdict" and judge["sees_image"] is True
