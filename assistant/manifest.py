"""The ingest manifest: which file, with which content hash, is in which collection.

A small SQLite table beside the Chroma store (stdlib, transactional). The
pipeline marks a file `pending` before it writes the file's chunks and `done`
after, so a crash in between is found and repaired on the next run, and the
chunks of a file deleted meanwhile are still removed. It holds no text.

It is the only owner of `manifest.sqlite` (the lexical index keeps its tokens in a file of its
own). A damaged file is moved aside at open and a new one started (sqlitefile.py); `repairs`
then holds the message, which the next ingest reports while it rebuilds the table from the
corpus files (chunks the store still holds are reused, not embedded again).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from assistant.sqlitefile import open_db


@dataclass(frozen=True)
class FileRecord:
    source: str
    content_hash: str
    chunks: int
    status: str  # "pending" or "done"
    ingested_at: float
    modified: float | None = None  # the file's modification time (for date filters)


class Manifest:
    def __init__(self, path: Path, collection: str):
        self.collection = collection
        self._db, note = open_db(path)
        self.repairs: list[str] = [note] if note else []  # what was found damaged at open, for the next report
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS files (collection TEXT, source TEXT, content_hash TEXT, "
            "chunks INTEGER, status TEXT, ingested_at REAL, PRIMARY KEY (collection, source))"
        )
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(files)")}
        if "modified" not in columns:  # manifests written before date filters existed
            self._db.execute("ALTER TABLE files ADD COLUMN modified REAL")
        self._db.commit()

    def records(self) -> dict[str, FileRecord]:
        rows = self._db.execute(
            "SELECT source, content_hash, chunks, status, ingested_at, modified FROM files WHERE collection=?",
            (self.collection,),
        )
        return {r[0]: FileRecord(*r) for r in rows}

    def catalog(self) -> dict[str, float | None]:
        """Indexed source -> modification time, for filters."""
        rows = self._db.execute("SELECT source, modified FROM files WHERE collection=? AND status='done'", (self.collection,))
        return dict(rows.fetchall())

    def mark_pending(self, source: str, content_hash: str, modified: float | None = None) -> None:
        self._put(source, content_hash, 0, "pending", modified)

    def mark_done(self, source: str, content_hash: str, chunks: int, modified: float | None = None) -> None:
        self._put(source, content_hash, chunks, "done", modified)

    def set_modified(self, source: str, modified: float) -> None:
        with self._db:
            self._db.execute("UPDATE files SET modified=? WHERE collection=? AND source=?", (modified, self.collection, source))

    def remove(self, source: str) -> None:
        with self._db:
            self._db.execute("DELETE FROM files WHERE collection=? AND source=?", (self.collection, source))

    def clear(self) -> None:
        with self._db:
            self._db.execute("DELETE FROM files WHERE collection=?", (self.collection,))

    def close(self) -> None:
        self._db.close()

    def _put(self, source: str, content_hash: str, chunks: int, status: str, modified: float | None) -> None:
        with self._db:
            self._db.execute(
                "INSERT OR REPLACE INTO files (collection, source, content_hash, chunks, status, ingested_at, modified) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (self.collection, source, content_hash, chunks, status, time.time(), modified),
            )
