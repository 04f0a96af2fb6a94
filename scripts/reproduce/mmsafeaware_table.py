#!/usr/bin/env python
"""Reproduce the MMSafeAware main table (typical / attack / over-safety / total accuracy;
arXiv 2502.11184) with lmms-eval's task `mmsafeaware_paper_parse`, which reads the answers with
the authors' rule (use the `mmsafeaware` task for the stricter first-word parser).

    python scripts/reproduce/mmsafeaware_table.py --dry-run
    python scripts/reproduce/mmsafeaware_table.py --out runs/mmsafeaware
"""

import sys

from vlsbench_task.reports.reproduce import main

if __name__ == "__main__":
    sys.exit(main("mmsafeaware", sys.argv[1:]))
