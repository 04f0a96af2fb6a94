#!/usr/bin/env python
"""Reproduce FigStep's attack success rates, text-only baseline vs FigStep (arXiv 2311.05608), with lmms-eval.

    python scripts/reproduce/figstep_paper.py --dry-run
    VLSBENCH_TASK_JUDGE_API_KEY=... python scripts/reproduce/figstep_paper.py --out runs/figstep

Needs the LLM judge of the `figstep` tasks (our choice; the paper counted by manual review).
"""

import sys

from vlsbench_task.reports.reproduce import main

if __name__ == "__main__":
    sys.exit(main("figstep", sys.argv[1:]))
