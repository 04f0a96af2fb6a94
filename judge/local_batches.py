"""The Files and Batches endpoints of OpenAI's API as the openai SDK talks to them, for
judge/local_server.py: upload (multipart), create, retrieve, list (newest first, by pages), a
file's content, cancel.

A batch answers its lines through the server's policy, the one its live requests go to, a share
of them each time it is retrieved (`steps` retrieves to finish), so a progress bar has something
to show. Lines answered 200 go to the output file, others to the error file, as OpenAI writes
them. `expire_after` lines in, a batch expires: the rest go to the error file as `batch_expired`.
With `invalid` set, every batch fails validation with that message, as OpenAI's does for a file
it cannot take.
"""

from __future__ import annotations

import email.parser
import email.policy
import json
import math
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field

Answer = Callable[[dict], tuple[int, dict]]  # (a line's request body) -> (HTTP status, response body)


@dataclass
class StandInBatch:
    id: str
    input_file_id: str
    lines: list[dict]
    metadata: dict | None
    created_at: int = field(default_factory=lambda: int(time.time()))
    status: str = "validating"
    answered: list[dict] = field(default_factory=list)
    failed: list[dict] = field(default_factory=list)
    output_file_id: str | None = None
    error_file_id: str | None = None
    errors: list[dict] = field(default_factory=list)  # why it failed validation


class BatchStandIn:
    def __init__(
        self, answer: Answer, steps: int = 2, expire_after: int | None = None, invalid: str | None = None
    ):
        self.answer, self.steps, self.expire_after, self.invalid = answer, steps, expire_after, invalid
        self.files: dict[str, bytes] = {}
        self.batches: dict[str, StandInBatch] = {}
        self.retrieves = 0
        self._lock = threading.Lock()

    def handle(self, method: str, path: str, content_type: str, raw: bytes) -> tuple[int, bytes]:
        url = urllib.parse.urlsplit(path)
        parts = url.path.removeprefix("/v1/").strip("/").split("/")
        with self._lock:
            if method == "GET" and parts == ["batches"]:
                return 200, json.dumps(self._list(urllib.parse.parse_qs(url.query))).encode()
            if method == "POST" and parts == ["files"]:
                return self._upload(content_type, raw)
            if method == "GET" and len(parts) == 3 and parts[0] == "files" and parts[2] == "content":
                return (200, self.files[parts[1]]) if parts[1] in self.files else _missing("file")
            if method == "POST" and parts == ["batches"]:
                return self._create(json.loads(raw))
            if parts[0] == "batches" and len(parts) > 1 and parts[1] in self.batches:
                batch = self.batches[parts[1]]
                if method == "GET" and len(parts) == 2:
                    self.retrieves += 1
                    self._advance(batch)
                elif method == "POST" and parts[2:] == ["cancel"]:
                    self._end(batch, "cancelled", "batch_cancelled")
                return 200, json.dumps(self._describe(batch)).encode()
        return _missing(path)

    def _upload(self, content_type: str, raw: bytes) -> tuple[int, bytes]:
        head = f"Content-Type: {content_type}\r\n\r\n".encode()
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + raw)
        form = {part.get_param("name", header="content-disposition"): part for part in message.iter_parts()}
        content = form["file"].get_payload(decode=True)
        file_id = f"file-local-{len(self.files)}"
        self.files[file_id] = content
        purpose = form["purpose"].get_payload(decode=True).decode()
        return 200, json.dumps(_file(file_id, len(content), purpose)).encode()

    def _create(self, request: dict) -> tuple[int, bytes]:
        if request.get("endpoint") != "/v1/chat/completions" or request.get("completion_window") != "24h":
            return 400, b'{"error": {"message": "unsupported endpoint or completion window"}}'
        content = self.files.get(request["input_file_id"])
        if content is None:
            return _missing("input file")
        lines = [json.loads(line) for line in content.decode().splitlines() if line.strip()]
        batch_id = f"batch_local_{len(self.batches)}"
        self.batches[batch_id] = StandInBatch(
            batch_id, request["input_file_id"], lines, request.get("metadata")
        )
        return 200, json.dumps(self._describe(self.batches[batch_id])).encode()

    def _list(self, query: dict[str, list[str]]) -> dict:
        newest_first = list(reversed(self.batches.values()))
        if after := query.get("after"):
            ids = [batch.id for batch in newest_first]
            newest_first = newest_first[ids.index(after[0]) + 1 :] if after[0] in ids else []
        limit = int(query.get("limit", ["20"])[0])
        page = [self._describe(batch) for batch in newest_first[:limit]]
        return {
            "object": "list",
            "data": page,
            "first_id": page[0]["id"] if page else None,
            "last_id": page[-1]["id"] if page else None,
            "has_more": len(newest_first) > limit,
        }

    def _advance(self, batch: StandInBatch) -> None:
        if batch.status == "validating" and self.invalid:
            batch.errors = [{"code": "invalid_request", "message": self.invalid, "line": 1}]
            batch.status = "failed"  # no line ran: no output or error file
            return
        if batch.status == "validating":
            batch.status = "in_progress"
            return
        if batch.status != "in_progress":
            return
        done = len(batch.answered) + len(batch.failed)
        for line in batch.lines[done : done + math.ceil(len(batch.lines) / self.steps)]:
            if self.expire_after is not None and len(batch.answered) + len(batch.failed) >= self.expire_after:
                self._end(batch, "expired", "batch_expired")
                return
            status, body = self.answer(line["body"])
            result = {
                "id": f"batch_req_{len(batch.answered) + len(batch.failed)}",
                "custom_id": line["custom_id"],
                "response": {"status_code": status, "request_id": "local", "body": body},
                "error": None,
            }
            (batch.answered if status == 200 else batch.failed).append(result)
        if len(batch.answered) + len(batch.failed) == len(batch.lines):
            self._end(batch, "completed", None)

    def _end(self, batch: StandInBatch, status: str, unanswered_code: str | None) -> None:
        """Writes the output and error files; lines not yet answered fail with `unanswered_code`."""
        done = len(batch.answered) + len(batch.failed)
        for line in batch.lines[done:]:
            error = {"code": unanswered_code, "message": f"The batch was {status} before this request ran."}
            batch.failed.append(
                {"id": None, "custom_id": line["custom_id"], "response": None, "error": error}
            )
        batch.status = status
        for name, results in (("output_file_id", batch.answered), ("error_file_id", batch.failed)):
            if results:
                file_id = f"file-local-{len(self.files)}"
                self.files[file_id] = "".join(json.dumps(result) + "\n" for result in results).encode()
                setattr(batch, name, file_id)

    def _describe(self, batch: StandInBatch) -> dict:
        answered, failed = len(batch.answered), len(batch.failed)
        return {
            "id": batch.id,
            "object": "batch",
            "endpoint": "/v1/chat/completions",
            "input_file_id": batch.input_file_id,
            "completion_window": "24h",
            "status": batch.status,
            "created_at": batch.created_at,
            "output_file_id": batch.output_file_id,
            "error_file_id": batch.error_file_id,
            "metadata": batch.metadata,
            "request_counts": {"total": len(batch.lines), "completed": answered, "failed": failed},
            "errors": {"object": "list", "data": batch.errors} if batch.errors else None,
        }


def _file(file_id: str, size: int, purpose: str) -> dict:
    return {
        "id": file_id,
        "object": "file",
        "bytes": size,
        "created_at": int(time.time()),
        "filename": f"{file_id}.jsonl",
        "purpose": purpose,
        "status": "processed",
    }


def _missing(what: str) -> tuple[int, bytes]:
    return 404, json.dumps({"error": {"message": f"no such {what}"}}).encode()
