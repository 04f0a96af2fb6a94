"""`vlsbench-task agreement A B`: how far two judges, or two runs of one judge, agree on the same items.

A and B are samples files of judged tasks of one benchmark (what lmms-eval writes with
--log_samples, or what `vlsbench-task judge` writes), e.g. `vlsbench_keyword` and `vlsbench` run on
the same data. Items are matched by `doc_id` and checked against the identity recorded with each
verdict. For each judgement the benchmark declares: Cohen's kappa and the raw agreement, the
confusion matrix over the rubric's outcomes, agreement per value of each breakdown field the
records carry, and each outcome's rate under A and under B with their difference; then the task's
own rates (its headline first) as each judge implies them. Items judged by one side only, or with
a judge error on either side, are counted and listed, never dropped silently.

Intervals (95 %): kappa ± 1.96 large-sample standard errors (Fleiss, Cohen and Everitt 1969);
agreement and rates by Wilson; the difference of two rates on the same items by Newcombe's (1998)
paired score interval (his method 10), which accounts for the two judges' correlation. The
independent-samples interval of reports/stats.py would be too wide: two judges that mostly agree
move together. Differences are B - A.

The core is importable: `compare(a, b, rubric)` on {unit key: verdict record} (`judged_units` reads
them from samples), as the verdict browser's disagreement view does.

With `--labels labels.jsonl` instead of B: the judge of A against people's labels of some of its
items (the verdict browser's audit mode exports them), with each outcome's precision and recall.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..base.errors import VlsbenchTaskError
from .labels import labels_report
from .output import render_markdown, write_outputs
from .samples import agreement_report


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "agreement",
        help="agreement of two judges (or two runs) on the same samples: kappa, confusion, rates",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("a", type=Path, help="judged samples file A (*_samples_<task>.jsonl)")
    parser.add_argument(
        "b", type=Path, nargs="?", help="judged samples file B, of the same benchmark and items (or --labels)"
    )
    parser.add_argument(
        "--labels", type=Path, help="people's labels of items of A (labels.jsonl) to compare A's judge with"
    )
    parser.add_argument("--task-a", help="the task of A (default: read from its file name)")
    parser.add_argument("--task-b", help="the task of B (default: read from its file name)")
    parser.add_argument(
        "--out", type=Path, help="write agreement.md, agreement.json and confusion charts here"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if (args.b is None) == (args.labels is None):
        print("vlsbench-task agreement: give one of a samples file B and --labels", file=sys.stderr)
        return 2
    try:
        if args.labels:
            report = labels_report(args.a, args.labels, args.task_a)
        else:
            report = agreement_report(args.a, args.b, args.task_a, args.task_b)
    except (VlsbenchTaskError, OSError, ValueError, KeyError) as error:
        print(f"vlsbench-task agreement: {error}", file=sys.stderr)
        return 2
    print(render_markdown(report), end="")
    if args.out:
        written = write_outputs(report, args.out)
        print(f"wrote {', '.join(str(path) for path in written)}", file=sys.stderr)
    return 0
