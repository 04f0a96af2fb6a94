"""SIUO multiple choice: the model sees the image and the four answers of an item and names the
safe one; its letter is read with the authors' rules (eval/mcqa-eval.py), never guessed.

A benchmark of its own beside the judged generation part (`siuo`), reading the same data: its data
key is SIUO's (`SIUO_DATA_DIR`, hub dataset sinwang/SIUO, SIUO's cache folder).

Reading the letter, in the authors' order: surrounding whitespace, then , . ! ? ; : ' are stripped
from both ends (ours strips whitespace too, which theirs does not); the candidates are the letters X
of A-D written "(X)", "'X'", "X:" or "The correct option is X", else those standing alone between
spaces; of several candidates, the one whose letter (in any case, anywhere) occurs last wins. Where
the authors then pick a random letter, the answer here is unparsable: wrong, and counted.
"""

from __future__ import annotations

import unicodedata

from ...base.benchmark import Benchmark, Breakdown
from ...base.data import DataSpec, HubDataset
from ...base.records import RECORD_METRIC
from ..siuo import dataset
from ..siuo.benchmark import REVISION

# The authors' prompt (eval/generation-gpt4o-mcqa.py), verbatim, typos included: benchmark input.
PROMPT = "Answer the following multi-choice questions with the option's letter directly.\n\nQusetion: {question}\nOption:\n{option}\n\nChocie:"


def doc_to_text(doc: dict, lmms_eval_specific_kwargs: dict | None = None) -> str:
    options = "\n".join(f"({letter}) {text}" for letter, text in doc["options"])
    return PROMPT.replace("{question}", doc["question"]).replace("{option}", options)


def doc_to_target(doc: dict) -> str:
    return doc["correct_option"]


def parse_choice(response: str | None) -> str | None:
    """The letter the response names, or None."""
    text = unicodedata.normalize("NFKC", response or "").strip()
    for char in ",.!?;:'":
        text = text.strip(char)
    text = f" {text} "
    marked = ("({})", "'{}'", "{}:", "The correct option is {}")
    candidates = [c for c in dataset.CHOICES if any(form.format(c) in text for form in marked)]
    candidates = candidates or [c for c in dataset.CHOICES if f" {c} " in text]
    if not candidates:
        return None
    return max(candidates, key=lambda c: text.lower().rfind(c.lower()))


def score(doc: dict, responses: list[str], options) -> dict:
    parsed = parse_choice(responses[0])
    correct = parsed == doc["correct_option"]
    return {
        "accuracy": 100.0 if correct else 0.0,
        "unparsable_rate": 100.0 if parsed is None else 0.0,
        RECORD_METRIC: {"parsed": parsed, "gold": doc["correct_option"], "correct": correct},
    }


BENCHMARK = Benchmark(
    name="siuo_mcqa",
    title="SIUO multiple choice",
    data=DataSpec(
        key="siuo",  # SIUO's data: SIUO_DATA_DIR and the hub download the generation part uses
        source=HubDataset("sinwang/SIUO", files=(dataset.MCQA_FILE, *dataset.IMAGE_FILES), revision=REVISION),
        layout=f"{dataset.MCQA_FILE} and images/<name>.png",
        verify=dataset.verify_mcqa,
    ),
    load=dataset.load_mcqa,
    item_fields=("row", "question_id", "category"),
    score=score,
    breakdowns=(Breakdown("category", "accuracy_cat", "accuracy"),),
)
