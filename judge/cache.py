"""Persistent verdict cache: SQLite in WAL mode, one committed row per `ok` verdict.

Only `ok` verdicts are stored, so failures are asked again on the next run. Rows hold the verdict
and a hash key (judge model, rubric fingerprint, the item's field values and image bytes); no API
key, header or URL is ever written. Judges that do not see the image are cached the same way.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from collections.abc import Mapping
from pathlib import Path

from .schema import Verdict


def cache_key(
    model: str, rubric_fingerprint: str, fields: Mapping[str, str], image_sha256: str | None
) -> str:
    material = json.dumps(
        [model, rubric_fingerprint, sorted(fields.items()), image_sha256], ensure_ascii=False
    )
    return hashlib.sha256(material.encode("utf-8", "surrogatepass")).hexdigest()


class VerdictCache:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, timeout=60, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL survives a process kill
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS verdicts (key TEXT PRIMARY KEY, verdict TEXT NOT NULL, at REAL)"
        )

    def get(self, key: str) -> Verdict | None:
        with self._lock:
            row = self._db.execute("SELECT verdict FROM verdicts WHERE key = ?", (key,)).fetchone()
        return Verdict.model_validate_json(row[0]) if row else None

    def put(self, key: str, verdict: Verdict) -> None:
        if not verdict.ok:
            return
        spent_nothing = {"cached": False, "requests": 0, "prompt_tokens": 0, "completion_tokens": 0}
        payload = verdict.model_copy(update=spent_nothing).model_dump_json()
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO verdicts VALUES (?, ?, ?)", (key, payload, time.time()))

    def __len__(self) -> int:
        with self._lock:
            return self._db.execute("SELECT COUNT(*) FROM verdicts").fetchone()[0]

    def close(self) -> None:
        with self._lock:
            self._db.close()
