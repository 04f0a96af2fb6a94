"""The contract every registered task and rubric of ours keeps, checked over all of them at once, so a
new benchmark cannot skip it:

- the metrics a task emits are exactly its metric_list (its YAML's and what the base adds), over every
  outcome its judge can give, every parse a response can get, and rows with unusable data; each
  metric has one aggregation (its YAML entry's, or its kind declared on the benchmark);
- a mean of group means (a declared kind) gets from every document the rate of the record's group;
- each rubric's answer schema is a valid strict structured-output schema;
- each rubric's rendered prompt is pinned (snapshots/; set VLSBENCH_TASK_UPDATE_SNAPSHOTS=1 to rewrite
  them after a deliberate change, and bump the rubric's version).
"""

from __future__ import annotations

import itertools
import os
import re
import sys
from pathlib import Path

import pytest
from vlsbench_task.judge import Status, Verdict

from vlsbench_task.base import registry, scoring
from vlsbench_task.base.benchmark import benchmark_named
from vlsbench_task.base.metric_kinds import MeanOfGroupMeans, with_declared_aggregations

sys.path.append(str(Path(__file__).resolve().parents[1] / "suites"))
from suites_support import data_env, every_rubric

SNAPSHOTS = Path(__file__).parent / "snapshots"
# Answers that give a parsed task every reading: each verdict, each choice letter, none at all.
PARSED_RESPONSES = ("Yes.", "No.", "A", "B", "C", "D", "I am not sure.")
SCHEMA_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")


@pytest.fixture(scope="module")
def environment(shared_data, tmp_path_factory):
    env = data_env(shared_data, tmp_path_factory.mktemp("contract_data"))
    saved = {name: os.environ.get(name) for name in env}
    os.environ.update(env)
    yield env
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


def _docs(task: str) -> list[dict]:
    benchmark = registry.benchmark_of(task)
    folder, _ = benchmark.locate()
    options = registry.configs()[task].get("options") or {}
    return [{**doc, "row": row} for row, doc in enumerate(benchmark.load(folder, options))]


def _verdict_sets(benchmark, repeats: int):
    """Every combination of one outcome per judgement (the same for each response), and a judge error."""
    per_judgement = [
        [(name, value) for value in judgement.rubric.outcomes]
        for name, judgement in benchmark.judgements.items()
    ]
    for combination in itertools.product(*per_judgement):
        yield {
            name: [
                Verdict(
                    status=Status.OK,
                    answer={benchmark.judgements[name].rubric.label_field: value},
                    backend="t",
                )
            ]
            * repeats
            for name, value in combination
        }
    yield {name: [Verdict(status=Status.ERROR, backend="t")] * repeats for name in benchmark.judgements}


def _document_values(task: str, docs: list[dict]):
    """The metric values of each document under every outcome its judge can give (judged tasks) or
    every parse a response can get (parsed ones)."""
    config = registry.configs()[task]
    benchmark = registry.benchmark_of(task)
    options, suite = config.get("options") or {}, config.get("suite") or {}
    repeats = config.get("repeats", 1)
    for doc in docs:
        if benchmark.judged:
            for verdicts in [None, *_verdict_sets(benchmark, repeats)]:
                yield scoring.document_values(benchmark, doc, ["r"] * repeats, verdicts, options, suite)
        else:
            for response in PARSED_RESPONSES:
                yield scoring.document_values(benchmark, doc, [response], None, options, suite)


@pytest.mark.parametrize("task", registry.task_names())
def test_a_task_emits_exactly_its_metric_list(environment, task):
    config = registry.configs()[task]
    benchmark = registry.benchmark_of(task)
    docs = _docs(task)
    suite = config.get("suite") or {}
    own = with_declared_aggregations(benchmark, config.get("metric_list", []))  # one aggregation each
    declared = {entry["metric"] for entry in [*own, *scoring.added_metrics(benchmark, docs, suite, own)]}
    emitted = {name for values in _document_values(task, docs) for name in values}
    assert emitted == declared, {"emitted only": emitted - declared, "declared only": declared - emitted}
    listed = {entry["metric"] for entry in own}
    assert set(benchmark.metrics) <= listed, "a declared metric kind names a metric the task does not list"


@pytest.mark.parametrize("task", registry.task_names())
def test_a_mean_of_group_means_names_the_rate_of_each_record_group(environment, task):
    """Each document's record is in a declared group, and the document gives that group's rate (and
    no other group's) as the record says: the headline and its interval then agree."""
    kinds = {
        metric: kind
        for metric, kind in registry.benchmark_of(task).metrics.items()
        if isinstance(kind, MeanOfGroupMeans)
    }
    for values in _document_values(task, _docs(task)):
        for metric, kind in kinds.items():
            if metric not in values:
                continue
            record = values[metric]
            group = record[kind.field]
            assert group in kind.groups, (metric, group)
            assert values[kind.groups[group]] == (100.0 if record["correct"] else 0.0), (metric, group)
            others = {rate for other, rate in kind.groups.items() if other != group}
            assert not others & values.keys(), (metric, group)


def _strict(schema: dict, where: str = "answer") -> None:
    assert schema.get("type") == "object", where
    assert schema.get("additionalProperties") is False, where
    assert schema.get("required") == list(schema["properties"]), where
    for name, spec in schema["properties"].items():
        assert "default" not in spec, f"{where}.{name}: strict schemas take no defaults"
        if spec.get("type") == "object":
            _strict(spec, f"{where}.{name}")


@pytest.mark.parametrize("task", registry.task_names())
def test_a_task_names_its_benchmark_by_folder_and_the_data_by_its_key(task):
    benchmark = registry.benchmark_of(task)
    assert benchmark.name == registry.configs()[task]["benchmark"]  # benchmarks/<name>/benchmark.py
    owner = benchmark_named(benchmark.data_key)  # a data key is the name of the benchmark owning the data
    assert owner.data_key == owner.name


@pytest.mark.parametrize("rubric", every_rubric(), ids=lambda rubric: rubric.name)
def test_a_rubric_asks_for_a_strict_structured_output(rubric):
    request = rubric.response_format()
    assert request["type"] == "json_schema" and request["json_schema"]["strict"] is True
    assert SCHEMA_NAME.match(request["json_schema"]["name"])
    _strict(request["json_schema"]["schema"])
    assert rubric.label_field in request["json_schema"]["schema"]["properties"]
    labels = request["json_schema"]["schema"]["properties"][rubric.label_field].get("enum")
    assert labels is None or set(labels) == set(rubric.outcomes)  # every answer has an outcome


@pytest.mark.parametrize(
    ("rubric", "template"),
    [(rubric, name) for rubric in every_rubric() for name in rubric.templates],
    ids=lambda value: value if isinstance(value, str) else value.name,
)
def test_a_rubric_prompt_is_pinned(rubric, template):
    rendered = rubric.templates[template].render(
        {field: f"<{field} here>" for field in rubric.templates[template].fields}
    )
    snapshot = SNAPSHOTS / f"{rubric.name}__{template}.txt"
    if os.environ.get("VLSBENCH_TASK_UPDATE_SNAPSHOTS") == "1":
        SNAPSHOTS.mkdir(exist_ok=True)
        snapshot.write_text(rendered, encoding="utf-8")
    assert snapshot.is_file(), f"no snapshot {snapshot.name}: run once with VLSBENCH_TASK_UPDATE_SNAPSHOTS=1"
    assert rendered == snapshot.read_text(encoding="utf-8"), (
        f"{snapshot.name} changed: bump the rubric version"
    )
