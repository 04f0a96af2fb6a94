#!/usr/bin/env python
"""The old name of `vlsbench-task reproduce figstep` (FigStep's attack success rates, arXiv 2311.05608), kept so that existing
commands keep working. Every benchmark with a paper table has that command; none needs a script here
(docs/reproducing.md)."""

import sys

from vlsbench_task.reports.reproduce import main

if __name__ == "__main__":
    sys.exit(main("figstep", sys.argv[1:]))
