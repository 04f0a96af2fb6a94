"""Responses for lmms-eval's own `from_log` model, which replays them: they then travel the real path
(generation results, filters, our tasks, the samples log), unlike what the `dummy` model can produce
(a different answer per item, empty answers, None, surrogates...)."""

from __future__ import annotations

import json
from pathlib import Path


def write_from_log(folder: Path, responses_by_task: dict[str, list]) -> Path:
    """A log per task in `folder` (pass it as `--model from_log --model_args logs=<folder>`): response i
    answers document i of the task."""
    folder.mkdir(parents=True, exist_ok=True)
    for task, responses in responses_by_task.items():
        log = {
            "args": {"model": "recorded", "model_args": "", "limit": None},
            "model_configs": {"task": task},
            "time": "0101_0000",
            "logs": [{"doc_id": index, "resps": [[response]]} for index, response in enumerate(responses)],
        }
        (folder / f"{task}.json").write_text(json.dumps(log), encoding="utf-8")
    return folder
