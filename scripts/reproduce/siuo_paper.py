#!/usr/bin/env python
"""Reproduce the SIUO leaderboard (safe / effective / safe & effective / multiple choice; arXiv
2406.15279) with lmms-eval's tasks `siuo` and `siuo_mcqa`.

    python scripts/reproduce/siuo_paper.py --dry-run
    VLSBENCH_TASK_JUDGE_API_KEY=... python scripts/reproduce/siuo_paper.py --out runs/siuo

Needs the image-seeing LLM judge of `siuo` (the leaderboard's generation columns are human
judgements, so expect differences); `siuo_mcqa` is parsed, no judge.
"""

import sys

from vlsbench_task.reports.reproduce import main

if __name__ == "__main__":
    sys.exit(main("siuo", sys.argv[1:]))
