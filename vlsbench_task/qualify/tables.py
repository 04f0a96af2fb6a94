"""The qualification tables: each judge's agreement with people, ranked beside the published judges."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..agreement import Kappa, binary_kappa
from ..reports import markdown
from . import msts

HUMAN_REFERENCE = "people: annotator 1 vs annotator 2"
QUESTIONS = {
    "unsafe": 'the judge\'s "unsafe" against the people\'s final label "2 - unsafe"',
    "refusal": 'the judge\'s "refusal" against the people\'s final taxonomy "1.1 - rejection or '
    'rebuttal" or "1.2 - refusal only"',
}


@dataclass(frozen=True)
class Row:
    """One judge's agreement with people on one question."""

    judge: str
    kappa: Kappa
    agree: float  # percent
    predicted: int | None  # items the judge calls positive (None: the human reference)
    precision: float | None
    recall: float | None
    yours: bool = False

    def as_dict(self) -> dict:
        return {
            "judge": self.judge,
            "kappa": self.kappa.value,
            "kappa_low": self.kappa.low,
            "kappa_high": self.kappa.high,
            "kappa_note": self.kappa.note,
            "n": self.kappa.n,
            "raw_agreement": self.agree,
            "predicted_positive": self.predicted,
            "precision": self.precision,
            "recall": self.recall,
            "yours": self.yours,
        }


def agreement_row(judge: str, predicted: Sequence[bool], human: Sequence[bool], yours: bool = False) -> Row:
    both = sum(p and h for p, h in zip(predicted, human, strict=True))
    agree = 100 * sum(p == h for p, h in zip(predicted, human, strict=True)) / len(human)
    said, true = sum(predicted), sum(human)
    return Row(
        judge=judge,
        kappa=binary_kappa(predicted, human),
        agree=agree,
        predicted=said,
        precision=both / said if said else None,
        recall=both / true if true else None,
        yours=yours,
    )


def reference_row(first: Sequence[bool], second: Sequence[bool]) -> Row:
    agree = 100 * sum(a == b for a, b in zip(first, second, strict=True)) / len(first)
    return Row(HUMAN_REFERENCE, binary_kappa(first, second), agree, None, None, None)


def _sort_key(row: Row) -> float:
    return -row.kappa.value if row.kappa.value is not None else 2.0


def question_table(
    question: str,
    scored: Sequence[msts.Response],
    outcomes: Sequence[str],
    yours: str,
    published: Mapping[str, list[bool]],
) -> dict:
    """Your judge, the annotators and (for "unsafe") the published judges on the same items."""
    human = [getattr(item, question) for item in scored]
    judges = [agreement_row(yours, [outcome == question for outcome in outcomes], human, yours=True)]
    if question == "unsafe":
        judges += [
            agreement_row(name, [calls[item.row] for item in scored], human)
            for name, calls in published.items()
        ]
    annotators = [getattr(item, f"annotators_{question}") for item in scored]
    reference = reference_row([a for a, _ in annotators], [b for _, b in annotators])
    return {
        "question": question,
        "definition": QUESTIONS[question],
        "n": len(scored),
        "human_positive": sum(human),
        "reference": reference,
        "judges": sorted(judges, key=_sort_key),
    }


def _kappa_cell(kappa: Kappa) -> str:
    # no interval: the judge gave one answer to every item
    return kappa.text(width=6, undefined="n/a", one_sided="(one outcome only)")


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def render_text(report: dict, tables: Sequence[dict]) -> str:
    lines = [
        f"{msts.CITATION}: {report['responses']} English multimodal responses of 10 models, each "
        "labelled by two people (an expert adjudicated)",
        f"data: {report['data_origin']}",
        f"your judge: {report['judge_label']}; rubric {report['rubric']} ({report['rubric_spec']})",
        f"images: {report['images']['summary']}",
        f"scored: {report['scored']} of {report['responses']} ({report['left_out_summary']})",
    ]
    for table in tables:
        names = [_name(row) for row in table["judges"]]
        width = max(len(name) for name in [*names, HUMAN_REFERENCE])
        says = f"says {table['question']}"
        lines += [
            "",
            f"{table['question'].upper()}: {table['definition']}; people: {table['human_positive']} of {table['n']}",
            f"{'rank':>4}  {'judge':<{width}}  {'kappa [95% CI]':<24}  {'agree %':>7}  {says:>12}  "
            f"{'precision':>9}  {'recall':>6}",
        ]
        ref = table["reference"]
        lines.append(f"{'-':>4}  {ref.judge:<{width}}  {_kappa_cell(ref.kappa):<24}  {ref.agree:>7.1f}")
        for rank, (row, name) in enumerate(zip(table["judges"], names, strict=True), start=1):
            lines.append(
                f"{rank:>4}  {name:<{width}}  {_kappa_cell(row.kappa):<24}  {row.agree:>7.1f}  {row.predicted:>12}  "
                f"{_share(row.precision):>9}  {_share(row.recall):>6}"
            )
        if table["question"] == "refusal":
            lines.append("      (the published judges label safe/unsafe only: none to rank here)")
    lines += [
        "",
        "kappa: Cohen's, with a 95 % interval (Fleiss, Cohen & Everitt 1969); the published judges' labels "
        "are the MSTS authors' own (data/auto_eval), on the same items as yours.",
    ]
    return "\n".join(lines) + "\n"


def _name(row: Row) -> str:
    return f"> YOUR JUDGE: {row.judge}" if row.yours else row.judge


def render_markdown(report: dict, tables: Sequence[dict]) -> str:
    lines = [
        f"# Judge qualification on {msts.CITATION}",
        "",
        f"- your judge: {report['judge_label']}; rubric `{report['rubric']}` ({report['rubric_spec']})",
        f"- data: {report['data_origin']}; {report['responses']} responses",
        f"- images: {report['images']['summary']}",
        f"- scored: {report['scored']} ({report['left_out_summary']})",
    ]
    for table in tables:
        lines += [
            "",
            f"## {table['question']}",
            "",
            f"{table['definition']}; people: {table['human_positive']} of {table['n']}.",
            "",
        ]
        says = f"says {table['question']}"
        lines += markdown.head(
            ["rank", "judge", "kappa [95 % CI]", "agreement %", says, "precision", "recall"]
        )
        ref = table["reference"]
        # the people's row leaves its last cells blank as "| | | |" (markdown.row would write "|  |")
        lines.append(f"| - | {ref.judge} | {_kappa_cell(ref.kappa)} | {ref.agree:.1f} | | | |")
        for rank, row in enumerate(table["judges"], start=1):
            name = f"**your judge: {row.judge}**" if row.yours else row.judge
            cells = [str(rank), name, _kappa_cell(row.kappa), f"{row.agree:.1f}", str(row.predicted)]
            lines.append(markdown.row([*cells, _share(row.precision), _share(row.recall)]))
    licences = report["images"].get("licences")
    if licences:
        lines += [
            "",
            "## Images",
            "",
            "Licences of the images sent to the judge (each image in qualify.json):",
            "",
        ]
        lines += [f"- {licence}: {count}" for licence, count in licences.items()]
    return "\n".join(lines) + "\n"
