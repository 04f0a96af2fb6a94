"""People's labels on a sample of a run (the verdict browser's audit mode writes them) and the
rates they correct: `labels` reads labels.jsonl, `rates` turns labels and verdicts into the
judge-only, labels-only and PPI rows of `vlsbench-task report --labels`."""
