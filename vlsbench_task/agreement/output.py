"""The agreement report as Markdown, JSON and confusion-matrix charts."""

from __future__ import annotations

import json
import math
from pathlib import Path

from ..reports.markdown import table
from .compare import UNMATCHED
from .kappa import Kappa

# --- Output ----------------------------------------------------------------------------------------


def _cell(value: float | None, digits: int = 1, signed: bool = False) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{value:+.{digits}f}" if signed else f"{value:.{digits}f}"


def _span(interval: dict | None, digits: int = 1) -> str:
    return "n/a" if interval is None else f"[{interval['low']:.{digits}f}, {interval['high']:.{digits}f}]"


def _kappa_text(kappa: dict) -> str:
    return Kappa(**kappa).text(one_sided="({note}: kappa says nothing here, see the raw agreement)")


def _keys(keys: list[str], shown: int = 20) -> str:
    return ", ".join(keys[:shown]) + (
        f" ... ({len(keys) - shown} more in agreement.json)" if len(keys) > shown else ""
    )


def render_markdown(report: dict) -> str:
    a, b = report["a"], report["b"]
    lines = [
        f"# Judge agreement on {report['title']}",
        "",
        f"- A: `{a['file']}` (task {a['task']}, judge {a['judge']}, {a['samples']} samples)",
        f"- B: `{b['file']}` (task {b['task']}, judge {b['judge']}, {b['samples']} samples)",
        f"- items in both files: {report['items_in_both']}",
    ]
    if report.get("cant_tell"):
        lines.append(f'- labelled "can\'t tell" (not compared): {report["cant_tell"]}')
    if report["responses_differ"]:
        lines.append(
            f"- **the responses differ** on {report['responses_differ']} of these items: the agreement "
            "below mixes model and judge differences"
        )
    lines.append("")  # every block below ends in an empty line
    for name, found in report["judgements"].items():
        lines += [f"## Judgement `{name}` (rubric {found['rubric']})", ""]
        lines.append(f"- compared (judged ok by both): {found['n']}")
        for reason, entry in found["unmatched"].items():
            if entry["count"]:
                lines.append(f"- {UNMATCHED[reason]}: {entry['count']} (doc ids {_keys(entry['keys'])})")
        for side in ("a", "b"):
            if found["error_statuses"][side]:
                counts = ", ".join(
                    f"{status} {count}" for status, count in found["error_statuses"][side].items()
                )
                lines.append(f"- judge errors in {side.upper()} by status: {counts}")
        lines += [
            f"- Cohen's kappa: {_kappa_text(found['kappa'])}",
            f"- raw agreement: {_cell(found['raw_agreement'])} % {_span(found['raw_agreement_interval'])}",
            "",
            "Confusion matrix (rows: A's outcome, columns: B's outcome):",
            "",
        ]
        outcomes = found["outcomes"]
        counts = found["confusion"]["counts"]
        lines += table(
            ["A \\ B", *outcomes, "total"],
            [[o, *map(str, row), str(sum(row))] for o, row in zip(outcomes, counts, strict=True)]
            + [["total", *(str(sum(column)) for column in zip(*counts, strict=True)), str(found["n"])]],
        )
        lines += ["Outcome rates over the compared items (percent; B - A in points):", ""]
        lines += table(
            ["outcome", "A", "B", "B - A", "95 % interval"],
            [
                [
                    r["name"],
                    _cell(r["a"]),
                    _cell(r["b"]),
                    _cell(r["difference"], signed=True),
                    _span(r["interval"]),
                ]
                for r in found["outcome_rates"]
            ],
        )
        if "precision_recall" in found:
            lines += _precision_recall(found["precision_recall"])
        for group, values in found["by_group"].items():
            lines += [f"Agreement by `{group}`:", ""]
            lines += table(
                [group, "n", "agreement %", "kappa"],
                [
                    [value, str(v["n"]), _cell(v["raw_agreement"]), _cell(v["kappa"]["value"], 3)]
                    for value, v in values.items()
                ],
            )
    if report["task_metrics"]:
        lines += ["## Task metrics each judge implies", ""]
        lines.append(f"Over the items both files scored; headline: `{report['headline']}`.")
        lines.append("")
        lines += table(
            ["metric", "n", "A", "B", "B - A", "95 % interval"],
            [
                [
                    f"**{r['name']}**" if r["name"] == report["headline"] else r["name"],
                    str(r["n"]),
                    _cell(r["a"]),
                    _cell(r["b"]),
                    _cell(r["difference"], signed=True),
                    _span(r["interval"]),
                ]
                for r in report["task_metrics"]
            ],
        )
    lines.append(
        "Intervals are 95 %: " + "; ".join(f"{k}: {v}" for k, v in report["intervals"].items()) + "."
    )
    return "\n".join(lines) + "\n"


def _precision_recall(rows: list[dict]) -> list[str]:
    """The judge (A) against people (B): precision and recall of each outcome."""
    lines = [
        "Each outcome, the judge against people (precision: of the items the judge gave it, the share "
        "people gave it too; recall: of the items people gave it, the share the judge found):",
        "",
    ]
    return lines + table(
        ["outcome", "judge said", "people said", "precision %", "95 % interval", "recall %", "95 % interval"],
        [
            [
                r["outcome"],
                str(r["judge_said"]),
                str(r["people_said"]),
                _cell(r["precision"]),
                _span(r["precision_interval"]),
                _cell(r["recall"]),
                _span(r["recall_interval"]),
            ]
            for r in rows
        ],
    )


def confusion_chart(found: dict, labels: tuple[str, str], title: str, path: Path) -> Path:
    """A heat map of the confusion matrix: counts in the cells, colour by the share of A's row."""
    from ..reports.charts import plt, save  # matplotlib (Agg backend), loaded only to draw

    outcomes, counts = found["outcomes"], found["confusion"]["counts"]
    shares = [[100 * cell / max(1, sum(row)) for cell in row] for row in counts]
    size = 2.2 + 0.9 * len(outcomes)
    fig, ax = plt.subplots(figsize=(size + 1.5, size))
    image = ax.imshow(shares, cmap="Blues", vmin=0, vmax=100)
    for i, row in enumerate(counts):
        for j, cell in enumerate(row):
            colour = "white" if shares[i][j] > 60 else "black"
            share = f"\n({shares[i][j]:.0f} %)" if sum(row) else ""
            ax.text(j, i, f"{cell}{share}", ha="center", va="center", color=colour, fontsize=9)
    ax.set_xticks(range(len(outcomes)), outcomes)
    ax.set_yticks(range(len(outcomes)), outcomes)
    ax.set_xlabel(f"B: {labels[1]}")
    ax.set_ylabel(f"A: {labels[0]}")
    kappa = found["kappa"]["value"]
    ax.set_title(f"{title}\nkappa {_cell(kappa, 3)}, n = {found['n']}", fontsize=10)
    fig.colorbar(image, ax=ax, label="share of A's row (%)")
    return save(fig, path)


def write_outputs(report: dict, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = [out / "agreement.json", out / "agreement.md"]
    written[0].write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    written[1].write_text(render_markdown(report), encoding="utf-8")
    labels = (
        f"{report['a']['task']} ({report['a']['judge']})",
        f"{report['b']['task']} ({report['b']['judge']})",
    )
    for name, found in report["judgements"].items():
        title = f"{report['title']}: judgement {name}"
        written.append(confusion_chart(found, labels, title, out / f"confusion_{name}.png"))
    return written
