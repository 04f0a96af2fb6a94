"""Tokens as OpenAI's rate limiter counts a chat request, roughly: about 4 characters a token of
text, each image by its 512-pixel tiles after the API's own scaling, plus the `max_tokens` the
request allows (the limiter counts them before the answer is written).

The judge reserves this much of VLSBENCH_TASK_JUDGE_TPM before sending, and judge.local_server charges
the same amount against its budget, so the two agree.
"""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Iterable

from PIL import Image

from .images import target_size

CHARS_PER_TOKEN = 4
TOKENS_PER_MESSAGE = 4  # role and separators
IMAGE_BASE_TOKENS, TOKENS_PER_TILE, TILE = 85, 170, 512  # OpenAI's published "high detail" cost
# OpenAI bills a token answered through its Batch API at half the live price, prompt and completion
# alike (judge/batch.py); RunStats keeps those tokens apart.
BATCH_PRICE_FACTOR = 0.5


def image_tokens(size: tuple[int, int]) -> int:
    width, height = target_size(size, 2048)  # what the model is shown of it
    return IMAGE_BASE_TOKENS + TOKENS_PER_TILE * math.ceil(width / TILE) * math.ceil(height / TILE)


def request_tokens(
    texts: Iterable[str], image_sizes: Iterable[tuple[int, int]], max_tokens: int, messages: int
) -> int:
    """Text, images and the answer's allowance, with a little for each message's framing."""
    text = sum(math.ceil(len(each) / CHARS_PER_TOKEN) for each in texts)
    return TOKENS_PER_MESSAGE * messages + text + sum(map(image_tokens, image_sizes)) + max_tokens


def chat_tokens(
    messages: list[dict], max_tokens: int, image_sizes: list[tuple[int, int]] | None = None
) -> int:
    """The tokens of a chat request; the images' sizes are read from their data URLs unless given
    (the judge knows them; a server does not)."""
    texts, read_sizes = [], []
    for message in messages:
        content = message.get("content")
        for part in [{"type": "text", "text": content}] if isinstance(content, str) else content or []:
            if part.get("type") == "text":
                texts.append(part["text"])
            elif part.get("type") == "image_url" and image_sizes is None:
                encoded = part["image_url"]["url"].partition("base64,")[2]
                with Image.open(io.BytesIO(base64.b64decode(encoded))) as image:  # reads the header only
                    read_sizes.append(image.size)
    sizes = read_sizes if image_sizes is None else image_sizes
    return request_tokens(texts, sizes, max_tokens, len(messages))


def body_tokens(body: dict) -> int:
    """The tokens of a chat-completions request body, as a server charges them."""
    max_tokens = body.get("max_completion_tokens") or body.get("max_tokens") or 0
    return chat_tokens(body.get("messages", []), max_tokens)
