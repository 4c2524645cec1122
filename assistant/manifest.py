"""The ingest manifest: which file, with which content hash, is in which collection.

A small SQLite table beside the Chroma store (stdlib, transactional). The
pipeline marks a file `pending` before it writes the file's chunks and `done`
after, so a crash in between is found and repaired on the next run, and the
chunks of a file deleted meanwhile are still removed. It holds no text.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class FileRecord:
    source: str
    content_hash: str
    chunks: int
    status: str  # "pending" or "done"
    ingested_at: float


class Manifest:
    def __init__(self, path: Path, collection: str):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.collection = collection
        self._db = sqlite3.connect(path, timeout=30, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS files (collection TEXT, source TEXT, content_hash TEXT, "
            "chunks INTEGER, status TEXT, ingested_at REAL, PRIMARY KEY (collection, source))"
        )
        self._db.commit()

    def records(self) -> dict[str, FileRecord]:
        rows = self._db.execute(
            "SELECT source, content_hash, chunks, status, ingested_at FROM files WHERE collection=?",
            (self.collection,),
        )
        return {r[0]: FileRecord(*r) for r in rows}

    def mark_pending(self, source: str, content_hash: str) -> None:
        self._put(source, content_hash, 0, "pending")

    def mark_done(self, source: str, content_hash: str, chunks: int) -> None:
        self._put(source, content_hash, chunks, "done")

    def remove(self, source: str) -> None:
        with self._db:
            self._db.execute("DELETE FROM files WHERE collection=? AND source=?", (self.collection, source))

    def clear(self) -> None:
        with self._db:
            self._db.execute("DELETE FROM files WHERE collection=?", (self.collection,))

    def close(self) -> None:
        self._db.close()

    def _put(self, source: str, content_hash: str, chunks: int, status: str) -> None:
        with self._db:
            self._db.execute(
                "INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?, ?, ?)",
                (self.collection, source, content_hash, chunks, status, time.time()),
            )
