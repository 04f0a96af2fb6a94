"""Do judge-corrected rates keep their promise? Coverage and width of the three estimates on MSTS.

    python performance/ppi_msts.py                                  # ../shared/data/msts, 1,000 draws
    python performance/ppi_msts.py --draws 50 --json out.json --chart out.png

MSTS (arXiv 2501.10057) has 10 models x 400 responses, each with the people's final label and the
labels of 8 published judges. For each model, judge and n in (50, 100, 200), we draw n of the
model's 400 responses at random without replacement, --draws times (seeded by model and n, so
every judge sees the same draws), treat the people's labels on those n as the auditor's, and
compute the three 95 % intervals of `vlsbench_task.reports.corrected` for the model's rate:
judge-only (the judge on all 400, Wilson), labels-only and PPI. The truth is the people's rate on
all 400 responses of the model (the finite-population view, as in `corrected`). The rates: unsafe
(the 8 published judges) and refusal (our offline rules, `judge/refusal.py`, as the judge).

Targets (exit status 1 when one is missed): PPI coverage >= 0.93 at every n for every judge (over
all models' draws together); PPI mean width <= 0.8 x labels-only mean width for judges whose kappa
with people (all 4,000 rows) is >= 0.5. Judge-only coverage is reported as measured: it is the
share of the 10 models whose judge-only interval holds the people's rate, at every n alike.
Widths are in percentage points. "best possible" is the width ratio PPI would reach with the
ideal lam on each model's 400 items, sqrt(1 - rho^2) (rho: the correlation of the judge's verdict
and the people's label), averaged over the models where both vary: no choice of lam beats it.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm
from vlsbench_task.judge.refusal import RULES_VERSION

from vlsbench_task.agreement import binary_kappa
from vlsbench_task.base.refusal_labels import classify_three_way
from vlsbench_task.qualify.msts import ANNOTATIONS, published_unsafe, responses
from vlsbench_task.reports.corrected import Design, labels_only, ppi
from vlsbench_task.reports.stats import wilson

REPO = Path(__file__).resolve().parents[1]
DEFAULT_MSTS = REPO.parent / "shared" / "data" / "msts"
SIZES = (50, 100, 200)
METHODS = ("judge-only", "labels-only", "ppi")
COVERAGE_TARGET = 0.93
WIDTH_TARGET = 0.8
KAPPA_FOR_WIDTH = 0.5


@dataclass(frozen=True)
class Cell:
    """One rate, judge and n, pooled over the models: per method, coverage and mean width (0-1)."""

    rate: str
    judge: str
    kappa: float
    n: int
    coverage: dict[str, float]
    width: dict[str, float]
    worst_model_ppi_coverage: float
    best_ratio: float  # sqrt(1 - rho^2), mean over models: PPI's width ratio with the ideal lam


def best_ratio(people: np.ndarray, verdicts: np.ndarray) -> float | None:
    """The width ratio PPI reaches at best on these items: with lam = cov / var its variance is
    labels-only's times 1 - rho^2 (rho: the correlation of label and verdict). None when a side
    never varies."""
    if people.std() == 0 or verdicts.std() == 0:
        return None
    return float(np.sqrt(1 - np.corrcoef(people, verdicts)[0, 1] ** 2))


def draws(model_index: int, population: int, n: int, count: int) -> np.ndarray:
    """(count, n) row indices, each row a random draw without replacement; fixed by model and n."""
    rng = np.random.default_rng([2025, model_index, n])
    return np.argsort(rng.random((count, population)), axis=1)[:, :n]


def validate(
    rate: str,
    people: np.ndarray,
    judges: dict[str, np.ndarray],
    models: np.ndarray,
    count: int,
    progress: tqdm,
) -> list[Cell]:
    names = sorted(set(models))
    cells = []
    for judge, verdicts in judges.items():
        kappa = binary_kappa(list(verdicts), list(people)).value
        for n in SIZES:
            covered = {method: [] for method in METHODS}
            widths = {method: [] for method in METHODS}
            ideal = []
            for index, model in enumerate(names):
                rows = np.flatnonzero(models == model)
                truth = people[rows].mean()
                judged = wilson(int(verdicts[rows].sum()), len(rows))
                picked = rows[draws(index, len(rows), n, count)]
                design = Design.random(len(rows), n)
                estimates = {
                    "labels-only": labels_only(people[picked], design),
                    "ppi": ppi(people[picked], verdicts[picked], verdicts[rows].mean(), design),
                }
                for method, estimate in estimates.items():
                    covered[method].append(estimate.contains(truth))
                    widths[method].append(estimate.width)
                covered["judge-only"].append(np.full(count, judged.contains(100 * truth)))
                widths["judge-only"].append(np.full(count, (judged.high - judged.low) / 100))
                ideal.append(best_ratio(people[rows], verdicts[rows]))
                progress.update()
            cells.append(
                Cell(
                    rate=rate,
                    judge=judge,
                    kappa=kappa,
                    n=n,
                    coverage={m: float(np.mean(covered[m])) for m in METHODS},
                    width={m: float(np.mean(widths[m])) for m in METHODS},
                    worst_model_ppi_coverage=float(min(np.mean(c) for c in covered["ppi"])),
                    best_ratio=float(np.mean([r for r in ideal if r is not None])),
                )
            )
    return cells


def misses(cells: list[Cell]) -> list[str]:
    found = []
    for cell in cells:
        where = f"{cell.rate}, {cell.judge}, n={cell.n}"
        if cell.coverage["ppi"] < COVERAGE_TARGET:
            found.append(f"PPI coverage {cell.coverage['ppi']:.3f} < {COVERAGE_TARGET} ({where})")
        ratio = cell.width["ppi"] / cell.width["labels-only"]
        if cell.kappa >= KAPPA_FOR_WIDTH and ratio > WIDTH_TARGET:
            found.append(
                f"PPI width {ratio:.2f} x labels-only > {WIDTH_TARGET} ({where}, kappa {cell.kappa:.2f})"
            )
    return found


def table(cells: list[Cell]) -> str:
    lines = [
        "| rate | judge | kappa | n | judge-only cov. | labels-only cov. | PPI cov. (worst model) "
        "| judge-only width | labels-only width | PPI width | PPI / labels-only | best possible |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for c in cells:
        lines.append(
            f"| {c.rate} | {c.judge} | {c.kappa:.2f} | {c.n} | {c.coverage['judge-only']:.2f} "
            f"| {c.coverage['labels-only']:.3f} | {c.coverage['ppi']:.3f} ({c.worst_model_ppi_coverage:.2f}) "
            f"| {100 * c.width['judge-only']:.1f} | {100 * c.width['labels-only']:.1f} "
            f"| {100 * c.width['ppi']:.1f} | {c.width['ppi'] / c.width['labels-only']:.2f} | {c.best_ratio:.2f} |"
        )
    return "\n".join(lines)


def chart(cells: list[Cell], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    judges = list(dict.fromkeys((c.rate, c.judge) for c in cells))
    figure, (coverage, width) = plt.subplots(1, 2, figsize=(13, 5.5))
    for rate, judge in judges:
        mine = [c for c in cells if (c.rate, c.judge) == (rate, judge)]
        label = f"{judge} ({rate}, kappa {mine[0].kappa:.2f})"
        line = coverage.plot([c.n for c in mine], [c.coverage["ppi"] for c in mine], marker="o", label=label)
        width.plot(
            [c.n for c in mine],
            [c.width["ppi"] / c.width["labels-only"] for c in mine],
            marker="o",
            color=line[0].get_color(),
        )
    coverage.axhline(0.95, color="grey", linestyle=":")
    coverage.axhline(COVERAGE_TARGET, color="red", linestyle="--", label=f"target {COVERAGE_TARGET}")
    coverage.set(
        xlabel="labelled items n (of 400)", ylabel="PPI coverage", title="PPI 95 % interval: coverage"
    )
    width.axhline(1.0, color="grey", linestyle=":")
    width.axhline(WIDTH_TARGET, color="red", linestyle="--")
    width.set(
        xlabel="labelled items n (of 400)",
        ylabel="PPI width / labels-only width",
        title="What the judge buys: PPI width relative to labels alone",
    )
    coverage.legend(fontsize=7, loc="lower right")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("msts", nargs="?", type=Path, default=DEFAULT_MSTS, help=f"default {DEFAULT_MSTS}")
    parser.add_argument("--draws", type=int, default=1000, help="draws per model, judge and n (default 1000)")
    parser.add_argument("--json", type=Path, help="write every cell here (coverage and widths per method)")
    parser.add_argument("--chart", type=Path, help="write the coverage and width chart here (PNG)")
    args = parser.parse_args(argv)
    if not (args.msts / ANNOTATIONS).is_file():
        print(f"no {ANNOTATIONS} under {args.msts}", file=sys.stderr)
        return 2
    started = time.monotonic()
    rows = responses(args.msts)
    models = np.array([r.model for r in rows])
    unsafe = np.array([r.unsafe for r in rows], dtype=float)
    refusal = np.array([r.refusal for r in rows], dtype=float)
    published = {
        judge: np.array(v, dtype=float) for judge, v in published_unsafe(args.msts, len(rows)).items()
    }
    rules = {
        f"offline rules {RULES_VERSION}": np.array(
            [classify_three_way(r.response)[0] == 1 for r in rows], float
        )
    }
    total = (len(published) + len(rules)) * len(SIZES) * len(set(models))
    with tqdm(total=total, desc="model x judge x n", file=sys.stderr) as progress:
        cells = validate("unsafe", unsafe, published, models, args.draws, progress)
        cells += validate("refusal", refusal, rules, models, args.draws, progress)
    elapsed = time.monotonic() - started
    print(f"MSTS {args.msts}: {len(rows)} responses, {len(set(models))} models, {args.draws} draws per cell")
    print(table(cells))
    if args.json:
        args.json.write_text(json.dumps([c.__dict__ for c in cells], indent=1))
    if args.chart:
        chart(cells, args.chart)
    print(f"took {elapsed:.1f} s")
    found = misses(cells)
    for miss in found:
        print(f"not met: {miss}")
    if not found:
        print("met: every target")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
