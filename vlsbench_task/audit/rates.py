"""A task's judged rate next to what people's labels on a sample of its items make of it.

For one model's run of a task and one per-item 0/100 metric (its headline, a breakdown of it or a
suite axis it feeds), the population is the run's items with a value of that metric; each
labelled item gets the value the benchmark's own scoring gives the people's outcome, so "what
people found" is scored exactly as the judge's verdict was. reports/corrected.py gives the three
estimates; this module only gathers the numbers and says what to beware of.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from ..agreement import judged_units
from ..base import registry
from ..base.benchmark import Benchmark
from ..base.scoring import SUITE_AXES
from ..reports.corrected import Design, Rate, labels_only, ppi
from ..reports.estimates import Estimate, estimate
from ..reports.runs import ModelRuns, TaskRun
from ..reports.stats import Interval
from .labels import CANT_TELL, Label, LabelsError

# Fewer labels than this and the normal approximations behind the intervals are rough (the MSTS
# validation, docs/judges.md, starts at 50).
ENOUGH_LABELS = 30


@dataclass
class Corrected:
    """The three estimates of one metric of one model's task run (percent), and what to beware of."""

    task: str
    metric: str
    judge_only: Estimate
    labels_only: Estimate | None = None
    ppi: Estimate | None = None
    labels: int = 0
    notes: list[str] = field(default_factory=list)

    def rows(self) -> list[tuple[str, Estimate | None]]:
        return [("judge-only", self.judge_only), ("labels-only", self.labels_only), ("PPI", self.ppi)]


@dataclass(frozen=True)
class Unit:
    doc_id: str
    record: dict  # the verdict record: the item's identity fields and the judge's answer
    outcome: str  # the judge's outcome
    value: float  # the judge's value of the metric, 0 or 1


def judgement_of(benchmark: Benchmark, labels: Sequence[Label]) -> str:
    named = {label.judgement for label in labels if label.judgement}
    if len(named) > 1:
        raise LabelsError(f"labels of {benchmark.title} name several judgements ({', '.join(sorted(named))})")
    if named:
        (name,) = named
        if name not in benchmark.judgements:
            raise LabelsError(
                f"{benchmark.title} has no judgement {name!r} ({', '.join(benchmark.judgements)})"
            )
        return name
    if len(benchmark.judgements) > 1:
        raise LabelsError(
            f"{benchmark.title} asks its judge {len(benchmark.judgements)} questions: each label must name "
            f"its `judgement` ({', '.join(benchmark.judgements)})"
        )
    return next(iter(benchmark.judgements))


def source_metric(task: str, benchmark: Benchmark, metric: str) -> str:
    """The benchmark metric a suite axis or a breakdown copies, else the metric itself."""
    if metric in SUITE_AXES:
        return (registry.configs()[task].get("suite") or {}).get(metric, metric)
    prefixes = [b for b in benchmark.breakdowns if metric.startswith(f"{b.prefix}_")]
    return prefixes[0].metric if prefixes else metric


def population(run: TaskRun, benchmark: Benchmark, judgement: str, metric: str) -> list[Unit]:
    """The run's items judged `ok` with a 0/100 value of `metric` (one response each)."""
    rubric = benchmark.judgements[judgement].rubric
    records = judged_units(run.samples, benchmark)[judgement]
    units = []
    for sample in run.samples:
        value, record = sample.get(metric), records.get(str(sample.get("doc_id")))
        if value in (0, 100) and record is not None and record.get("status") == "ok":
            units.append(Unit(str(sample["doc_id"]), record, rubric.outcome(record), value / 100))
    return units


def people_value(
    benchmark: Benchmark, judgement: str, unit: Unit, outcome: str, metric: str, options
) -> float | None:
    """The benchmark's own score of the item had the judge said `outcome` (0 or 1; None where the
    metric is not about this item)."""
    value = benchmark.score(unit.record, {judgement: [outcome]}, options).get(metric)
    return None if value is None else value / 100


def _percent(rate: Rate, n: int, method: str) -> Estimate:
    interval = Interval(low=100 * float(rate.low), high=100 * float(rate.high), method=method)
    return Estimate(100 * float(rate.point), n, interval)


def corrected(model: ModelRuns, task: str, metric: str, labels: Sequence[Label]) -> Corrected:
    """The three estimates of `metric` for `model`'s run of `task` from the labels given (theirs)."""
    found = Corrected(task, metric, estimate(model, task, metric))
    run, benchmark = model.tasks[task], registry.benchmark_of(task)
    if benchmark is None or not benchmark.judged:
        found.notes.append("not a judged task: nothing to correct")
        return found
    judgement = judgement_of(benchmark, labels)
    rubric = benchmark.judgements[judgement].rubric
    options = registry.configs()[task].get("options") or {}
    scored_by = source_metric(task, benchmark, metric)
    units = {unit.doc_id: unit for unit in population(run, benchmark, judgement, metric)}
    if not units:
        found.notes.append(
            f"no item has a 0/100 value of {metric} from one judged response (runs with repeats are not corrected)"
        )
        return found
    used: list[tuple[Unit, float, Label]] = []
    skipped = Counter()
    for label in labels:
        if label.outcome != CANT_TELL and label.outcome not in rubric.outcomes.values():
            raise LabelsError(
                f"label of {task} doc {label.doc_id}: {label.outcome!r} is not an outcome of "
                f"{rubric.name} ({', '.join(dict.fromkeys(rubric.outcomes.values()))}) nor {CANT_TELL!r}"
            )
        unit = units.get(str(label.doc_id))
        if label.outcome == CANT_TELL:
            skipped["can't tell"] += 1
        elif unit is None or label.response != 0:
            skipped["not among the judged items of this metric"] += 1
        else:
            try:
                value = people_value(benchmark, judgement, unit, label.outcome, scored_by, options)
            except KeyError as error:
                found.notes.append(
                    f"{benchmark.title}'s scoring needs more than one labelled outcome ({error})"
                )
                return found
            if value is None:
                skipped["not among the judged items of this metric"] += 1
            else:
                used.append((unit, value, label))
    found.labels = len(used)
    found.notes += [f"{count} label(s) left out: {why}" for why, count in skipped.items()]
    if skipped["can't tell"]:
        found.notes.append("items people could not decide may differ from the rest: the estimates assume not")
    if len(used) < 2:
        found.notes.append("fewer than 2 usable labels: no estimate")
        return found
    if len(used) < ENOUGH_LABELS:
        found.notes.append(f"fewer than {ENOUGH_LABELS} labels: the intervals are rough")
    design = _design(list(units.values()), used, found.notes)
    if design is None:
        return found
    people = np.array([value for _, value, _ in used])
    verdicts = np.array([unit.value for unit, _, _ in used])
    judge_rate = float(np.mean([unit.value for unit in units.values()]))
    found.labels_only = _percent(
        labels_only(people, design), len(used), "labels-only wilson, finite population"
    )
    found.ppi = _percent(ppi(people, verdicts, judge_rate, design), len(used), "ppi, finite population")
    return found


def _design(units: list[Unit], used: list[tuple[Unit, float, Label]], notes: list[str]) -> Design | None:
    """How the labels were drawn, from what they record; None (with a note) where no design fits."""
    methods = {label.drawn.method for _, _, label in used}
    seeds = {str(label.seed) for _, _, label in used}
    if len(seeds) > 1 or len(methods) > 1:
        notes.append(
            f"the labels come from more than one draw (seeds {', '.join(sorted(seeds))}; "
            f"{' and '.join(sorted(methods))}): treated as one random sample, which they are not"
        )
    if methods != {"stratified"}:
        return Design.random(len(units), len(used))
    if any(label.drawn.stratum != unit.outcome for unit, _, label in used):
        notes.append(
            "a label's stratum is not the judge's outcome of its item: the strata are the judge's outcomes"
        )
    outcomes = sorted({unit.outcome for unit in units})
    labelled = Counter(unit.outcome for unit, _, _ in used)
    empty = [outcome for outcome in outcomes if not labelled[outcome]]
    if empty:
        notes.append(
            f"no label among the items the judge called {', '.join(empty)}: no estimate for the whole run"
        )
        return None
    sizes = Counter(unit.outcome for unit in units)
    recorded = [label.drawn.weight for _, _, label in used]
    actual = [sizes[unit.outcome] / labelled[unit.outcome] for unit, _, _ in used]
    if any(w is None or abs(w - a) > 1e-6 * a for w, a in zip(recorded, actual, strict=True)):
        notes.append(
            "the weights recorded with the labels are not N_h / n_h of the labels used (some left out, or "
            "another run): the estimates weight by N_h / n_h"
        )
    index = {outcome: h for h, outcome in enumerate(outcomes)}
    strata = np.array([index[unit.outcome] for unit, _, _ in used])
    return Design(np.array([sizes[outcome] for outcome in outcomes]), strata)


def labels_for(
    model: ModelRuns, task: str, labels: Sequence[Label], models: Sequence[ModelRuns]
) -> list[Label]:
    """The labels of `model`'s run of `task`: those naming the model's label as `run`, or, where
    only one model ran the task, those naming no run."""
    mine = [label for label in labels if label.task == task and label.run == model.label]
    unnamed = [label for label in labels if label.task == task and label.run is None]
    if unnamed and sum(task in m.tasks for m in models) > 1:
        raise LabelsError(
            f"{len(unnamed)} label(s) of {task} name no `run`, and several models ran {task}: "
            f"set `run` to the model's label ({', '.join(m.label for m in models if task in m.tasks)})"
        )
    return mine + unnamed
