"""Judging through OpenAI's Batch API (VLSBENCH_TASK_JUDGE_MODE=openai-batch, `--judge openai-batch`): at
half the live price, answered within 24 hours.

The items the cache cannot answer become the lines of a batch file (or several: OpenAI takes at
most 50,000 lines and 200 MB a file), each the body the live judge would send (the backend's own
request builder: same rubric, messages, image and structured output) under the item's cache key
as `custom_id`. The file is uploaded (Files API) and written to the ledger beside the cache; then
a batch is created on /v1/chat/completions with a 24 h window, and the ledger keeps it under its id
before it is waited for. Answers are read with the live judge's parser and committed to the cache;
then they leave the ledger. A run killed while waiting finds its batches there and waits for them
again instead of paying twice. One killed before it wrote the batch's id finds the batch by its
input file, or creates it from the file already uploaded.

Lines the batch failed (an HTTP error, an unparsable answer) or never ran (it expired, was
cancelled or failed validation) are judged live, or left as errors for the next run's batch, as
VLSBENCH_TASK_JUDGE_BATCH_FAILED says.
"""

from __future__ import annotations

import collections
import contextlib
import json
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import openai
from openai.types import Batch
from pydantic import ValidationError
from tqdm import tqdm

from .backends.openai_compatible import ENDPOINT_FAILURES, Completion
from .schema import JudgeItem, Status, Verdict
from .settings import OPENAI_URL

try:
    import fcntl
except ImportError:  # Windows: no ranks sharing one cache there
    fcntl = None

if TYPE_CHECKING:
    from .engine import JudgeEngine, RunStats

T, R = TypeVar("T"), TypeVar("R")
MAX_LINES = 50_000  # OpenAI's limits for one batch file
MAX_FILE_BYTES = 190 * 2**20  # of 200 MB, with room to spare
ENDED = ("completed", "failed", "expired", "cancelled")
UPLOAD_TIMEOUT_S = 600.0  # a file of many images is large
AHEAD = 4 * (os.cpu_count() or 1)  # items prepared for the batch file ahead of the one written
RETRIED = (
    Status.ERROR,
    Status.PARSE_ERROR,
)  # what becomes of a line follows VLSBENCH_TASK_JUDGE_BATCH_FAILED


class BatchLedger:
    """The batches a cache waits for, in `<cache>.batches.json`: by batch id, the server, the input
    file, and for each cache key it answers what its verdict records besides the answer (template,
    image). Rewritten whole and atomically (a killed writer leaves the old file), one process of the
    machine at a time (ranks share the cache); a batch leaves once all its keys are settled."""

    def __init__(self, cache_path: Path):
        self.path = cache_path.with_name(cache_path.name + ".batches.json")
        self._lock = threading.Lock()

    def batches(self) -> dict[str, dict]:
        try:
            return json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}

    def add(self, batch_id: str, entry: dict) -> None:
        self._update(lambda batches: batches.__setitem__(batch_id, entry))

    def started(self, file_id: str, batch: Batch) -> None:
        """The uploaded file `file_id` (an entry kept under its id) is now the batch `batch`."""

        def change(batches: dict[str, dict]) -> None:
            if file_id in batches:
                batches[batch.id] = {**batches.pop(file_id), "created_at": batch.created_at}

        self._update(change)

    def settle(self, batch_id: str, keys: Sequence[str]) -> None:
        """The verdicts of `keys` are in the cache (or given up): the batch owes them no more."""

        def change(batches: dict[str, dict]) -> None:
            items = batches.get(batch_id, {}).get("items", {})
            for key in keys:
                items.pop(key, None)
            if batch_id in batches and not items:
                del batches[batch_id]

        self._update(change)

    def _update(self, change: Callable[[dict[str, dict]], None]) -> None:
        with self._lock, _exclusive(self.path.with_name(self.path.name + ".lock")):
            batches = self.batches()
            change(batches)
            if not batches:
                self.path.unlink(missing_ok=True)
                return
            temporary = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
            temporary.write_text(json.dumps(batches, indent=1), encoding="utf-8")
            os.replace(temporary, self.path)


@contextlib.contextmanager
def _exclusive(lock_path: Path) -> Iterator[None]:
    with lock_path.open("a") as handle:
        if fcntl is not None:
            fcntl.flock(handle, fcntl.LOCK_EX)  # released when the file closes
        yield


class _BatchFile:
    """The lines of one batch file, in a temporary file (images make it large), and their records."""

    def __init__(self):
        self.file = tempfile.TemporaryFile()  # noqa: SIM115 (BatchJudge._send closes it after the upload)
        self.size = 0
        self.records: dict[str, dict] = {}

    def fits(self, line: bytes) -> bool:
        return not self.records or (len(self.records) < MAX_LINES and self.size + len(line) <= MAX_FILE_BYTES)

    def add(self, key: str, line: bytes, record: dict) -> None:
        self.file.write(line)
        self.size += len(line)
        self.records[key] = record


class BatchJudge:
    """One engine's judge_all through the Batch API (made for each call)."""

    def __init__(self, engine: JudgeEngine):
        self.engine, self.settings, self.backend = engine, engine.settings, engine.backend
        self.ledger = BatchLedger(engine.cache.path)
        self.server = self.settings.public_base_url or OPENAI_URL
        self.client = openai.OpenAI(
            api_key=self.settings.api_key or "no-key",
            base_url=self.settings.base_url,
            timeout=self.settings.timeout_s,
            max_retries=self.settings.max_retries,
        )
        self.answers: dict[str, Verdict] = {}  # by cache key, from a batch
        self.decided: dict[str, Verdict] = {}  # by cache key, without one: cache, bad image, no batch

    def judge_all(self, items: Sequence[JudgeItem], desc: str) -> tuple[list[Verdict], RunStats]:
        from .engine import RunStats

        started = time.monotonic()
        verdicts: list[Verdict | None] = [None] * len(items)
        places: dict[str, list[int]] = {}  # by cache key: one line for items asked the same
        for index, item in enumerate(items):
            found = self.engine.lookup(item)
            if isinstance(found, Verdict):
                verdicts[index] = found
            else:
                places.setdefault(found[0], []).append(index)
        first = {key: items[indexes[0]] for key, indexes in places.items()}
        if first:
            batches = self._resumed(first)
            covered = {key for records in batches.values() for key in records}
            todo = {key: item for key, item in first.items() if key not in covered}
            batches.update(self._submit(todo, desc))
            if batches:
                self._collect(self._wait(batches, desc), batches, first)
        failures: dict[str, int] = {}
        retry = [key for key, verdict in self.answers.items() if verdict.status in RETRIED]
        if retry and self.settings.batch_failed == "live":
            print(f"{desc}: judging live the {len(retry)} items the batch did not answer", file=sys.stderr)
            live, stats = self.engine.judge_live([first[key] for key in retry], f"{desc} (live)")
            self.answers.update(zip(retry, live, strict=True))
            failures = stats.endpoint_failures
        found = {**self.answers, **self.decided}
        for key, indexes in places.items():
            verdicts[indexes[0]] = found[key]
            spent = {"requests": 0, "prompt_tokens": 0, "completion_tokens": 0, "cached": found[key].ok}
            for index in indexes[1:]:  # answered once, like a cache hit
                verdicts[index] = found[key].model_copy(update=spent)
        return verdicts, RunStats.of(verdicts, time.monotonic() - started, failures)

    def _resumed(self, first: dict[str, JudgeItem]) -> dict[str, dict[str, dict]]:
        """The records of the batches in the ledger, by batch id, that answer some of `first`."""
        batches = {}
        for batch_id, entry in self.ledger.batches().items():
            if entry["server"] != self.server or not any(key in first for key in entry["items"]):
                continue
            if batch_id == entry["input_file_id"]:  # a run stopped before it wrote the batch's id
                batches.update(self._start(batch_id, entry["items"], entry["uploaded_at"]))
                continue
            batches[batch_id] = entry["items"]
            print(
                f"resuming batch {batch_id} ({len(entry['items'])} items), kept in {self.ledger.path}",
                file=sys.stderr,
            )
        return batches

    def _submit(self, todo: dict[str, JudgeItem], desc: str) -> dict[str, dict[str, dict]]:
        """New batches of the lines of `todo`, by id, each with its records. The images are read
        again (a batch file does not hold every image) and scaled in threads, as live."""
        batches, current = {}, _BatchFile()
        with ThreadPoolExecutor(max_workers=os.cpu_count()) as pool:
            prepared = _ahead(pool, self.engine.prepared, todo.values())
            bar = tqdm(prepared, total=len(todo), desc=f"{desc}: batch file", unit="item", file=sys.stderr)
            for (key, item), found in zip(todo.items(), bar, strict=True):
                if isinstance(found, Verdict):
                    self.decided[key] = found
                    continue
                image = found[1]
                body = self.backend.request_body(item, image)
                line = {"custom_id": key, "method": "POST", "url": "/v1/chat/completions", "body": body}
                encoded = (json.dumps(line, ensure_ascii=False) + "\n").encode("utf-8", "surrogatepass")
                if not current.fits(encoded):
                    batches.update(self._send(current))
                    current = _BatchFile()
                record = {
                    **self.backend.record(item, image),
                    "image": image.info.model_dump() if image else None,
                }
                current.add(key, encoded, record)
        if current.records:
            batches.update(self._send(current))
        return batches

    def _send(self, lines: _BatchFile) -> dict[str, dict[str, dict]]:
        """Uploads a batch file and starts its batch; the file's id goes to the ledger first."""
        with lines.file:
            lines.file.seek(0)
            try:
                uploaded = self.client.files.create(
                    file=("vlsbench_judge_batch.jsonl", lines.file), purpose="batch", timeout=UPLOAD_TIMEOUT_S
                )
            except openai.APIError as error:
                self._give_up(lines.records, error)
                return {}
        entry = {"server": self.server, "input_file_id": uploaded.id, "uploaded_at": uploaded.created_at}
        self.ledger.add(uploaded.id, {**entry, "items": lines.records})
        return self._start(uploaded.id, lines.records)

    def _start(self, file_id: str, records: dict[str, dict], uploaded_at: int | None = None) -> dict:
        """The batch of an uploaded file, by id, with its records: found among the server's batches
        (when resuming: `uploaded_at` given), or else created; the ledger then keeps its id."""
        try:
            found = self._batch_of(file_id, uploaded_at) if uploaded_at is not None else None
            batch = found or self.client.batches.create(
                input_file_id=file_id,
                endpoint="/v1/chat/completions",
                completion_window="24h",
                metadata={"made_by": "vlsbench_task", "judge_model": self.settings.model},
            )
        except openai.APIError as error:
            self.ledger.settle(file_id, list(records))
            self._give_up(records, error)
            return {}
        self.ledger.started(file_id, batch)
        print(
            f"{'found' if found else 'created'} batch {batch.id} of {len(records)} requests; its id is "
            f"kept in {self.ledger.path} until its answers are in the cache",
            file=sys.stderr,
        )
        return {batch.id: records}

    def _batch_of(self, file_id: str, uploaded_at: int) -> Batch | None:
        """The server's batch of the input file `file_id`, if one was created."""
        for batch in self.client.batches.list(limit=100):  # newest first, page by page
            if batch.input_file_id == file_id:
                return batch
            if batch.created_at < uploaded_at:  # made before the file was: the rest are older still
                return None
        return None

    def _give_up(self, records: dict[str, dict], error: openai.APIError) -> None:
        """No batch for these items. Not a line the batch failed: judging them live instead would
        cost the full price unasked, so they stay errors (not cached) for the next run to send again."""
        message = self.settings.redact(
            f"could not create a batch ({type(error).__name__}: {error}); a server without "
            "OpenAI's Batch API judges with VLSBENCH_TASK_JUDGE_MODE=live"
        )[:500]
        print(message, file=sys.stderr)
        for key, record in records.items():
            self.decided[key] = Verdict(status=Status.ERROR, error=message, **record)

    def _wait(self, batches: dict[str, dict], desc: str) -> dict[str, Batch]:
        """Each batch once it has ended, looked at every VLSBENCH_TASK_JUDGE_BATCH_POLL seconds."""
        seen: dict[str, Batch] = {}
        bar = tqdm(
            total=sum(map(len, batches.values())), desc=f"{desc} (batch)", unit="item", file=sys.stderr
        )
        try:
            with bar:
                while True:
                    for batch_id in batches:
                        if batch_id not in seen or seen[batch_id].status not in ENDED:
                            with contextlib.suppress(*ENDPOINT_FAILURES):  # try again at the next look
                                seen[batch_id] = self.client.batches.retrieve(batch_id)
                    counts = [batch.request_counts for batch in seen.values() if batch.request_counts]
                    if counts and sum(count.total for count in counts):
                        bar.total = sum(count.total for count in counts)
                    bar.n = sum(count.completed + count.failed for count in counts)
                    statuses = sorted({batch.status for batch in seen.values()})
                    bar.set_postfix(
                        status=",".join(statuses), failed=sum(c.failed for c in counts), refresh=False
                    )
                    bar.refresh()
                    if len(seen) == len(batches) and all(batch.status in ENDED for batch in seen.values()):
                        return seen
                    time.sleep(self.settings.batch_poll_s)
        except KeyboardInterrupt:
            print(
                f"\nStopped waiting. The batches go on at the server and their ids are kept in "
                f"{self.ledger.path}: run again to collect them.",
                file=sys.stderr,
                flush=True,
            )
            raise

    def _collect(
        self, ended: dict[str, Batch], batches: dict[str, dict], first: dict[str, JudgeItem]
    ) -> None:
        """Reads each batch's output and error files into verdicts, commits them, settles the ledger."""
        for batch_id, batch in ended.items():
            records, found = batches[batch_id], {}
            for file_id in (batch.output_file_id, batch.error_file_id):
                if not file_id:
                    continue
                for line in self.client.files.content(file_id).text.splitlines():
                    result = json.loads(line) if line.strip() else {}
                    key = result.get("custom_id")
                    if key in first and key in records:
                        found[key] = self._verdict(result, first[key], records[key], batch_id)
            unanswered = self.settings.redact(_unanswered(batch))[:500]
            for key in records:
                if key in first and key not in found:
                    found[key] = Verdict(
                        status=Status.ERROR, error=unanswered, batch_id=batch_id, **records[key]
                    )
            for key, verdict in found.items():
                self.engine.cache.put(key, verdict)  # `ok` ones only
            self.ledger.settle(batch_id, list(found))
            self.answers.update(found)

    def _verdict(self, result: dict, item: JudgeItem, record: dict, batch_id: str) -> Verdict:
        """The verdict of one line of an output or error file."""
        response = result.get("response") or {}
        body = response.get("body") or {}
        common = {**record, "batch_id": batch_id, "requests": 1 if response else 0}
        if response.get("status_code") == 200:
            try:
                completion = Completion.model_validate(body)
            except ValidationError as error:
                return Verdict(
                    status=Status.ERROR, error=f"malformed answer in the batch: {error}"[:500], **common
                )
            status, fields = self.backend.read_answer(completion, item)
            return Verdict(status=status, **completion.spent(), **common, **fields)
        error = result.get("error") or body.get("error") or {}
        code = response.get("status_code")
        text = self.settings.redact(
            (f"HTTP {code}: " if code else "") + f"{error.get('code') or 'error'}: {error.get('message')}"
        )[:500]
        status = Status.JUDGE_REFUSED if "content_filter" in text else Status.ERROR
        return Verdict(status=status, error=text, **common)


def _ahead(pool: ThreadPoolExecutor, function: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
    """`function` of each item in order, computed in `pool` at most AHEAD items ahead of the one
    taken: an upload can take minutes, and every item prepared meanwhile holds its image."""
    pending: collections.deque[Future[R]] = collections.deque()
    for item in items:
        pending.append(pool.submit(function, item))
        if len(pending) > AHEAD:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


def _unanswered(batch: Batch) -> str:
    """Why a batch left a line without an answer or an error."""
    if batch.status == "failed":
        reasons = [
            error.message for error in (batch.errors.data if batch.errors else None) or [] if error.message
        ]
        return f"batch {batch.id} failed: {'; '.join(reasons) or 'no reason given'}"
    return f"batch {batch.id} ended {batch.status} without answering this item"
