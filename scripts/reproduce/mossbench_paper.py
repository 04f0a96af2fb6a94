#!/usr/bin/env python
"""Reproduce the MOSSBench leaderboard (refusal rate per stimulus type; arXiv 2406.17806) with lmms-eval.

    python scripts/reproduce/mossbench_paper.py --dry-run
    VLSBENCH_TASK_JUDGE_API_KEY=... python scripts/reproduce/mossbench_paper.py --out runs/mossbench

Needs the LLM judge of the `mossbench` task; the authors judged with gpt-4-turbo
(MOSSBENCH_JUDGE_MODEL=gpt-4-turbo-2024-04-09 to do the same).
"""

import sys

from vlsbench_task.reports.reproduce import main

if __name__ == "__main__":
    sys.exit(main("mossbench", sys.argv[1:]))
