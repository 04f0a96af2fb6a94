"""What every benchmark shares: its declaration (benchmark.py), data layer (data.py), scoring and the
one judged-task class lmms-eval loads (task.py)."""
