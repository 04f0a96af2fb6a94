"""Judges a batch concurrently: cache first, bounded requests in flight, a progress bar, run totals."""

from __future__ import annotations

import asyncio
import collections
import hashlib
import sys
import time
from collections.abc import Awaitable, Coroutine, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from tqdm import tqdm

from .backends import make_backend
from .cache import VerdictCache, cache_key
from .images import PreparedImage, prepare_image, slow_to_prepare
from .limits import RateLimiter
from .schema import JudgeItem, Status, Verdict
from .settings import JudgeSettings
from .tokens import BATCH_PRICE_FACTOR


@dataclass
class RunStats:
    items: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    cache_hits: int = 0
    requests: int = 0  # HTTP requests, retries included
    retries: int = 0  # requests beyond the first for an item (HTTP retries and re-asked answers)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    # The part of the tokens above that the Batch API answered, billed at BATCH_PRICE_FACTOR of the
    # live price (judge/batch.py).
    batch_prompt_tokens: int = 0
    batch_completion_tokens: int = 0
    image_bytes_sent: int = 0  # image payloads of the items judged over the network (before base64)
    endpoint_failures: dict[str, int] = field(default_factory=dict)  # failed requests, by endpoint
    wall_s: float = 0.0

    @classmethod
    def of(cls, verdicts: Sequence[Verdict], wall_s: float, endpoint_failures: dict[str, int]) -> RunStats:
        return cls(
            items=len(verdicts),
            statuses=dict(collections.Counter(v.status.value for v in verdicts)),
            cache_hits=sum(v.cached for v in verdicts),
            requests=sum(v.requests for v in verdicts),
            retries=sum(max(0, v.requests - 1) for v in verdicts),
            prompt_tokens=sum(v.prompt_tokens for v in verdicts),
            completion_tokens=sum(v.completion_tokens for v in verdicts),
            batch_prompt_tokens=sum(v.prompt_tokens for v in verdicts if v.batch_id),
            batch_completion_tokens=sum(v.completion_tokens for v in verdicts if v.batch_id),
            image_bytes_sent=sum(v.image.sent_bytes for v in verdicts if v.image and not v.cached),
            endpoint_failures={url: count for url, count in endpoint_failures.items() if count},
            wall_s=round(wall_s, 3),
        )

    def summary(self) -> str:
        statuses = ", ".join(f"{status} {count}" for status, count in sorted(self.statuses.items()))
        failures = ", ".join(f"{url} {count}" for url, count in self.endpoint_failures.items())
        return (
            f"judged {self.items} items in {self.wall_s:.1f} s ({statuses}); {self.requests} requests "
            f"({self.retries} retries), {self.cache_hits} from cache; tokens: {self.prompt_tokens} prompt "
            f"+ {self.completion_tokens} completion"
            + (
                f" ({self.batch_prompt_tokens} + {self.batch_completion_tokens} of them through the Batch "
                f"API, at {BATCH_PRICE_FACTOR:g} of the live price)"
                if self.batch_prompt_tokens or self.batch_completion_tokens
                else ""
            )
            + (f"; failed requests by endpoint: {failures}" if failures else "")
        )

    def as_dict(self) -> dict:
        return asdict(self)


class JudgeEngine:
    """Open it in a `with` block (or call `close`): its verdict cache is a database connection."""

    def __init__(self, settings: JudgeSettings):
        settings.check()
        self.settings = settings
        share = (settings.base_url, settings.api_key)  # one API budget for every engine of this judge
        self.limiter = RateLimiter(settings.rpm, settings.tpm, settings.max_tokens_total, share=share)
        self.backend = make_backend(settings, self.limiter)
        uses_cache = self.backend.remote and settings.cache_path is not None
        self.cache = VerdictCache(settings.cache_path) if uses_cache else None

    def __enter__(self) -> JudgeEngine:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        """Close the verdict cache (every verdict is committed already)."""
        if self.cache is not None:
            self.cache.close()
            self.cache = None

    def judge_all(self, items: Sequence[JudgeItem], desc: str = "Judging") -> tuple[list[Verdict], RunStats]:
        """Verdicts in the order of `items`. Each is committed to the cache as it arrives, or through
        the Batch API (VLSBENCH_TASK_JUDGE_MODE=openai-batch) as its batch is collected."""
        if self.settings.batched:
            from .batch import BatchJudge  # the live judge never needs it

            return BatchJudge(self).judge_all(items, desc)
        return self.judge_live(items, desc)

    def judge_live(self, items: Sequence[JudgeItem], desc: str = "Judging") -> tuple[list[Verdict], RunStats]:
        """judge_all, one request (or a few) per item, VLSBENCH_TASK_JUDGE_CONCURRENCY at once: each
        item a task of one event loop, so 128 in flight cost no more CPU than 32."""
        started = time.monotonic()
        failures_before = self.backend.endpoint_failures()
        with tqdm(total=len(items), desc=desc, unit="item", file=sys.stderr, dynamic_ncols=True) as bar:
            verdicts = _run(self._judge_live(items, bar, started))
        failures = {
            url: count - failures_before.get(url, 0)
            for url, count in self.backend.endpoint_failures().items()
        }
        return verdicts, RunStats.of(verdicts, time.monotonic() - started, failures)

    async def _judge_live(self, items: Sequence[JudgeItem], bar: tqdm, started: float) -> list[Verdict]:
        verdicts: list[Verdict] = [None] * len(items)  # type: ignore[list-item]  # all set on return
        slots = asyncio.Semaphore(self.settings.concurrency)
        # Items are made ready (looked up, their images scaled) up to `concurrency` ahead of those in
        # flight, slow images in worker threads meanwhile (see _prepared).
        ahead = asyncio.Semaphore(2 * self.settings.concurrency)
        sending: set[int] = set()  # items that took a slot: in flight, or done
        totals = collections.Counter()

        async def judge(index: int, item: JudgeItem) -> None:
            async with ahead:
                found = await self._unless_a_bug(self._prepared(item))
                if not isinstance(found, Verdict):
                    async with slots:
                        sending.add(index)
                        found = await self._unless_a_bug(self._send(item, *found))
            verdicts[index] = found
            totals["problems"] += not found.ok
            totals["requests"] += found.requests
            bar.update()
            rate = totals["requests"] / max(time.monotonic() - started, 1e-9)
            bar.set_postfix(errors=totals["problems"], requests_per_s=f"{rate:.1f}", refresh=False)

        async with self.backend.connected():
            tasks = [asyncio.create_task(judge(index, item)) for index, item in enumerate(items)]
            try:
                if tasks:  # not gather: a Ctrl-C must not cancel the items in flight
                    await asyncio.wait(tasks)
            except asyncio.CancelledError:  # how asyncio.run delivers the first Ctrl-C
                await self._interrupt(tasks, sending)
                raise  # asyncio.run raises KeyboardInterrupt
        for task in tasks:
            task.result()  # a bug past _unless_a_bug's own handling surfaces here
        return verdicts

    async def _interrupt(self, tasks: list[asyncio.Task], sending: set[int]) -> None:
        """The first Ctrl-C: queued items are dropped and no request starts any more (SDK retries
        included), so only the requests in flight are waited for, each within VLSBENCH_TASK_JUDGE_TIMEOUT.
        Every verdict is committed to the cache as it arrives: a rerun resumes from there."""
        self.limiter.interrupt()
        judged = sum(task.done() for task in tasks)
        queued = {task for index, task in enumerate(tasks) if index not in sending and not task.done()}
        for task in queued:
            task.cancel()
        in_flight = [task for task in tasks if not task.done() and task not in queued]
        print(
            f"\nJudging interrupted: {judged} of {len(tasks)} items judged, {len(queued)} queued ones dropped; "
            f"waiting for the {len(in_flight)} in flight (at most {self.settings.timeout_s:g} s). "
            "Verdicts are in the cache: run again to resume.",
            file=sys.stderr,
            flush=True,
        )
        if in_flight:
            await asyncio.wait(in_flight, timeout=self.settings.timeout_s + 1)
        for task in tasks:
            task.cancel()  # what is still running: a request past its timeout
            if task.done() and not task.cancelled():
                task.exception()  # Interrupted, raised at a retry: retrieved, so asyncio logs nothing

    async def _unless_a_bug(self, step: Awaitable[T]) -> T | Verdict:
        try:
            return await step
        except Exception as error:  # a bug or an SDK surprise costs this item, not the whole batch
            message = self.settings.redact(f"unexpected {type(error).__name__}: {error}")[:500]
            return Verdict(status=Status.ERROR, backend=self.backend.name, error=message)

    async def _prepared(self, item: JudgeItem) -> Verdict | tuple[str | None, PreparedImage | None]:
        """`prepared`, in a worker thread where that is slow (Pillow and hashlib release the GIL):
        a 1280 x 960 PNG scaled on the event loop took 30 ms of it, which then sent about 32
        requests a second. Not otherwise: the hop cost more (0.17 ms of CPU an item at 128 in flight)."""
        if not self.backend.remote:
            return None, None
        if item.rubric.sees_image and slow_to_prepare(item.image_path, self.settings.image_max_side):
            return await asyncio.to_thread(self.prepared, item)
        return self.prepared(item)

    def prepared(self, item: JudgeItem) -> Verdict | tuple[str, PreparedImage | None]:
        """The item's verdict (from the cache, or an error where its image is unusable), or its
        cache key and its image as the judge is sent it."""
        found = self.lookup(item)
        if isinstance(found, Verdict):
            return found
        key, raw = found
        image = self.prepare(raw)
        return image if isinstance(image, Verdict) else (key, image)

    async def _send(self, item: JudgeItem, key: str | None, image: PreparedImage | None) -> Verdict:
        verdict = await self.backend.judge(item, image)
        if self.cache is not None:
            self.cache.put(key, verdict)
        return verdict

    def lookup(self, item: JudgeItem) -> Verdict | tuple[str, bytes | None]:
        """The item's cache key and image file, or its verdict: from the cache, or an error where
        the image cannot be read."""
        raw, image_sha256 = None, None
        if item.rubric.sees_image:
            try:
                if item.image_path is None:
                    raise FileNotFoundError("the item has no image")
                raw = Path(item.image_path).read_bytes()
            except OSError as error:
                return self._image_error(error)
            image_sha256 = hashlib.sha256(raw).hexdigest()  # of the file, so scaling changes no key
        key = cache_key(self.backend.model_id, item.rubric.fingerprint, item.fields, image_sha256)
        if self.cache is not None and (hit := self.cache.get(key)) is not None:
            return hit.model_copy(update={"cached": True})
        return key, raw

    def prepare(self, raw: bytes | None) -> PreparedImage | Verdict | None:
        """The image as the judge is sent it, or an error verdict where it cannot be decoded."""
        if raw is None:
            return None
        try:
            return prepare_image(raw, self.settings.image_max_side)
        except (OSError, ValueError) as error:  # PIL raises these for undecodable files
            return self._image_error(error)

    def _image_error(self, error: Exception) -> Verdict:
        return Verdict(
            status=Status.ERROR, backend=self.backend.name, error=f"image unusable for the judge: {error}"
        )


T = TypeVar("T")


def _run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run `coroutine` to its end in an event loop of its own (Ctrl-C handled by asyncio.run)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    # Called from inside an event loop (a notebook, an async caller): judge in a thread of its own.
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(asyncio.run, coroutine).result()
