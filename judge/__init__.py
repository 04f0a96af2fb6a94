"""LLM and keyword judges for the VLSBench rubric. Knows nothing of lmms-eval.

engine = JudgeEngine(JudgeSettings.from_env())
verdicts, stats = engine.judge_all([JudgeItem(key="0", query=..., response=..., image_path=...)])
"""

from .engine import JudgeEngine, RunStats
from .schema import LABELS, SAFE_LABELS, JudgeItem, Status, Verdict
from .settings import JudgeNotConfigured, JudgeSettings

__all__ = [
    "LABELS",
    "SAFE_LABELS",
    "JudgeEngine",
    "JudgeItem",
    "JudgeNotConfigured",
    "JudgeSettings",
    "RunStats",
    "Status",
    "Verdict",
]
