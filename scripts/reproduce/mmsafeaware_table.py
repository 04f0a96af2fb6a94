#!/usr/bin/env python
"""The old name of `vlsbench-task reproduce mmsafeaware` (the MMSafeAware main table, arXiv 2502.11184), kept so that existing
commands keep working. Every benchmark with a paper table has that command; none needs a script here
(docs/reproducing.md)."""

import sys

from vlsbench_task.reports.reproduce import main

if __name__ == "__main__":
    sys.exit(main("mmsafeaware", sys.argv[1:]))
