"""labels.jsonl: people's outcomes for items of a run, one JSON object per line.

    {"task": "vlsbench", "doc_id": 12, "response": 0, "judgement": "verdict", "outcome": "unsafe",
     "note": "", "auditor": "ana", "time": "2026-12-01T21:00:00Z", "seed": 7, "run": "Qwen2-VL-7B",
     "drawn": {"method": "stratified", "stratum": "refusal", "weight": 4.5}}

`outcome` is one of the rubric's outcomes or "can't tell". `drawn` says how the item came into the
sample: "random" (a simple random draw of the run's judged items) or "stratified" (a random draw
within each of the judge's outcomes; `stratum` is that outcome and `weight` how many items the
label stands for, N_h / n_h). `judgement` may be left out where the task asks its judge one
question; `run` (the model's label, as the report and the browser name it) where only one model
ran the task. The verdict browser's audit mode writes this format (view/page_audit.js).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ValidationError

from ..base.errors import DataError

CANT_TELL = "can't tell"


class Drawn(BaseModel):
    method: Literal["random", "stratified"]
    stratum: str | None = None
    weight: float | None = None


class Label(BaseModel):
    task: str
    doc_id: int | str
    response: int = 0
    judgement: str | None = None
    outcome: str
    note: str = ""
    auditor: str
    time: str
    seed: int | str
    drawn: Drawn
    run: str | None = None

    @property
    def unit(self) -> tuple:
        """What one label is about; a later label of the same unit replaces an earlier one."""
        return (self.run, self.task, self.judgement, str(self.doc_id), self.response)


class LabelsError(DataError, ValueError):
    pass


def read_labels(path: Path) -> list[Label]:
    """Every label of the file, the last one of each unit kept (an auditor who changed their mind)."""
    found: dict[tuple, Label] = {}
    lines = Path(path).read_text(encoding="utf-8").split("\n")  # not splitlines(): U+2028 is data
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            label = Label.model_validate_json(line)
        except ValidationError as error:
            raise LabelsError(f"{path}:{number} is not a label: {error}") from None
        found.pop(label.unit, None)
        found[label.unit] = label
    if not found:
        raise LabelsError(f"{path} holds no labels")
    return list(found.values())
