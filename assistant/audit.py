"""The audit trail: one JSON line per question answered for a signed-in user, a file per UTC day.

    data/audit/2026-11-29.jsonl
    {"time": "2026-11-29T12:30:01.250+00:00", "user": "alice", "via": "api", "collection": "legal",
     "question": "...", "abstained": false, "abstain_reason": null,
     "cited": [{"n": 1, "source": "rules.md", "where": "page 3"}], "model": "qwen2.5-coder-1.5b",
     "timings": {"retrieval_s": 0.2, "total_s": 4.1, ...}}

The files hold the questions themselves, so the folder is made 0700 and each
file 0600 (the server's own account alone reads them); nothing shows them in the
chat window or the API. When a day's file is first written, the files of days
older than `days` are deleted (retention). A line that cannot be written (a
full disk) is reported on the `assistant.audit` logger; the answer still goes out.

This module writes; it does not decide when a question is audited (serve.py
turns it on when there are users and the setting `server.audit` is on).
"""

from __future__ import annotations

import json
import logging
import os
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

from assistant.records import Answer, where

log = logging.getLogger("assistant.audit")


def line(user: str, via: str, collection: str, answer: Answer, now: datetime) -> dict:
    """The audit record of one answered question."""
    return {
        "time": now.isoformat(timespec="milliseconds"), "user": user, "via": via, "collection": collection,
        "question": answer.question, "abstained": answer.abstained, "abstain_reason": answer.abstain_reason,
        "cited": [{"n": c.n, "source": c.source, "where": where(c)} for c in answer.citations],
        "model": answer.model, "timings": answer.timings.model_dump(mode="json"),
    }


class AuditLog:
    """Appends audit lines under `folder`, keeping `days` days of files."""

    def __init__(self, folder: Path, days: int, clock=lambda: datetime.now(timezone.utc)):
        self.folder, self.days, self._clock = folder, days, clock
        self._lock = threading.Lock()
        self._pruned_for: str | None = None  # the day whose first line pruned the old files

    def write(self, user: str, via: str, collection: str, answer: Answer) -> None:
        now = self._clock()
        day = now.date().isoformat()
        text = json.dumps(line(user, via, collection, answer, now), ensure_ascii=False) + "\n"
        with self._lock:
            try:
                self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
                if self._pruned_for != day:
                    self._prune(now)
                    self._pruned_for = day
                fd = os.open(self.folder / f"{day}.jsonl", os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
                with os.fdopen(fd, "a", encoding="utf-8") as f:
                    f.write(text)
            except OSError as exc:  # a full disk must not take the answer away: the server's log says so
                log.error("audit line not written (user %r, collection %r): %s", user, collection, exc)

    def _prune(self, now: datetime) -> None:
        oldest = (now - timedelta(days=self.days)).date().isoformat()
        for path in self.folder.glob("*.jsonl"):
            if len(path.stem) == 10 and path.stem < oldest:
                path.unlink(missing_ok=True)
