#!/usr/bin/env python
"""Reproduce the SIUO leaderboard (safe / effective / safe & effective / multiple choice; arXiv
2406.15279) with lmms-eval's tasks `siuo` and `siuo_mcqa`.

Needs the image-seeing LLM judge of `siuo` (the leaderboard's generation columns are human judgements).
"""

import sys

from vlsbench_task.reports.reproduce import main

if __name__ == "__main__":
    sys.exit(main("siuo"))
