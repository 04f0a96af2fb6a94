#!/usr/bin/env python
"""Reproduce VLSBench Table 3 (safe / refusal / warning rates; arXiv 2411.19939) with lmms-eval.

    python scripts/reproduce/vlsbench_table3.py --dry-run
    VLSBENCH_TASK_JUDGE_API_KEY=... python scripts/reproduce/vlsbench_table3.py --out runs/vlsbench

Needs the LLM judge of the `vlsbench` task (VLSBENCH_TASK_JUDGE_BASE_URL or an API key).
"""

import sys

from vlsbench_task.reports.reproduce import main

if __name__ == "__main__":
    sys.exit(main("vlsbench", sys.argv[1:]))
