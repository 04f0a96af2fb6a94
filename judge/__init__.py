"""A rubric-agnostic LLM judge: engine, cache, backends, limits and parsing. Knows nothing of lmms-eval
and names no benchmark; benchmarks bring their rubrics (rubric.py).

engine = JudgeEngine(JudgeSettings.from_env())
verdicts, stats = engine.judge_all([JudgeItem(key="0", rubric=rubric, fields={...}, image_path=...)])
"""

from .engine import JudgeEngine, RunStats
from .rubric import OfflineRule, Rubric, Template, load_template
from .schema import JudgeItem, Status, Verdict
from .settings import JudgeNotConfigured, JudgeSettings

__all__ = [
    "JudgeEngine",
    "JudgeItem",
    "JudgeNotConfigured",
    "JudgeSettings",
    "OfflineRule",
    "Rubric",
    "RunStats",
    "Status",
    "Template",
    "Verdict",
    "load_template",
]
