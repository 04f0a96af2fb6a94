"""Judge `n` synthetic VLSBench items with the real engine, as a process of its own; print the run
totals as JSON. For the Ctrl-C test: python judge_batch.py BASE_URL CACHE IMAGE_FOLDER N CONCURRENCY"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from vlsbench_task.judge import JudgeEngine, JudgeSettings
from vlsbench_task.judge.local_server import synthetic_items

from vlsbench_task.benchmarks.vlsbench.benchmark import RUBRIC

if __name__ == "__main__":
    base_url, cache, folder, n, concurrency = sys.argv[1:]
    settings = JudgeSettings(
        base_url=base_url, api_key="sk-test-interrupt", cache_path=Path(cache), concurrency=int(concurrency)
    )
    _, stats = JudgeEngine(settings).judge_all(synthetic_items(Path(folder), int(n), RUBRIC))
    print(json.dumps(stats.as_dict()))
