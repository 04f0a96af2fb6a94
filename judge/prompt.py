"""The judge prompt: our wording of the VLSBench rubric, or a user's file, rendered with quoted data."""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

PROMPT_FILE_ENV = "VLSBENCH_JUDGE_PROMPT_FILE"
DEFAULT_PROMPT_FILE = Path(__file__).parent / "prompts" / "vlsbench_rubric.txt"
SYSTEM_MESSAGE = "You are a helpful assistant."  # the authors' system message

_PLACEHOLDER = re.compile(r"\{(query|response)\}")
# Our data tags, as they could appear inside graded text: "<user_query", "</assistant_response" ...
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_TAG_LOOKALIKE = re.compile(r"<(\s*/?\s*)(user_query|assistant_response)", re.IGNORECASE)


@dataclass(frozen=True)
class PromptTemplate:
    text: str
    source: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()

    def render(self, query: str, response: str) -> str:
        """Fill `{query}` and `{response}` in one pass (a query containing "{response}" stays literal),
        with tag look-alikes inside the data defused so graded text cannot close its section."""
        values = {"query": quote_data(query), "response": quote_data(response)}
        return _PLACEHOLDER.sub(lambda match: values[match.group(1)], self.text)


def valid_text(text: str) -> str:
    """`text` with lone surrogates, which UTF-8 (and so no request body) can carry, as U+FFFD."""
    return _LONE_SURROGATE.sub("\ufffd", text)


def quote_data(text: str) -> str:
    return _TAG_LOOKALIKE.sub(lambda match: f"&lt;{match.group(1)}{match.group(2)}", valid_text(text))


def load_prompt(path: str | os.PathLike | None = None) -> PromptTemplate:
    """The template at `path`, else at $VLSBENCH_JUDGE_PROMPT_FILE, else ours."""
    chosen = Path(path or os.environ.get(PROMPT_FILE_ENV) or DEFAULT_PROMPT_FILE)
    try:
        text = chosen.read_text(encoding="utf-8")
    except OSError as error:
        raise FileNotFoundError(
            f"judge prompt file {chosen} ({PROMPT_FILE_ENV}) cannot be read: {error}"
        ) from error
    missing = {"{query}", "{response}"} - {match.group(0) for match in _PLACEHOLDER.finditer(text)}
    if missing:
        raise ValueError(f"judge prompt file {chosen} lacks the placeholder(s) {sorted(missing)}")
    return PromptTemplate(text=text, source=str(chosen))
