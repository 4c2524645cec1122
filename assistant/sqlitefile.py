"""Open a SQLite file of data/: state moved aside when damaged (`open_db`), or private to the server (`private`).

The manifest and the lexical index each keep their state in a SQLite file of their own.
Both can be rebuilt from what remains (the manifest from the corpus files and the store, the
lexical tokens from the store), so a file that is not a database, or fails SQLite's quick
check, is not fatal: it is renamed `<name>.damaged-<unix time>` (with its -wal and -shm files),
a new empty file is opened, and the caller gets a message saying so, to show its user. This
module does not decide what to rebuild; its callers do (see ingest/pipeline.py).

    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "state.sqlite"
    >>> _ = path.write_bytes(b"not a database at all, just bytes" * 100)
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as shown:
    ...     db, note = open_db(path)
    >>> note.startswith(f"{path} was damaged"), shown[0].category.__name__
    (True, 'RepairedState')
    >>> db.execute("PRAGMA quick_check").fetchone()[0]
    'ok'
"""

from __future__ import annotations

import os
import sqlite3
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from assistant.errors import AssistantError, RepairedState


def open_db(path: Path) -> tuple[sqlite3.Connection, str | None]:
    """A checked connection to `path` (WAL mode), and a message when a damaged file was moved aside."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        return _connect(path), None
    except sqlite3.DatabaseError as exc:  # "file is not a database", "database disk image is malformed", ...
        aside = path.with_name(f"{path.name}.damaged-{int(time.time())}")
        for suffix in ("", "-wal", "-shm"):
            part = path.with_name(path.name + suffix)
            if part.exists():
                part.replace(aside.with_name(aside.name + suffix))
        note = (f"{path} was damaged ({exc}): moved aside to {aside.name} and started afresh; "
                "what it held is rebuilt by the next `assistant ingest`")
        warnings.warn(note, RepairedState, stacklevel=3)
        return _connect(path), note


_CHECK_UP_TO = 64 * 2**20  # the quick check reads the whole file: bigger files get only the schema read


def _connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, timeout=30, check_same_thread=False)
    try:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("SELECT count(*) FROM sqlite_master").fetchone()
        small = not path.exists() or path.stat().st_size <= _CHECK_UP_TO
        result = db.execute("PRAGMA quick_check").fetchone() if small else ("ok",)
        if result is None or result[0] != "ok":
            raise sqlite3.DatabaseError(f"quick check: {result[0] if result else 'no answer'}")
    except sqlite3.DatabaseError:
        db.close()
        raise
    return db


def private(path: Path) -> sqlite3.Connection:
    """A connection to a file only the server's account may read (users, feedback, conversations, which hold
    hashes, questions and answers): created 0600 before SQLite opens it, so it is never readable by others,
    not even briefly, and set 0600 again if someone widened it. Raises OSError or sqlite3.Error."""
    path.parent.mkdir(parents=True, exist_ok=True)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    path.chmod(0o600)
    return sqlite3.connect(path)


def stamp(moment: datetime | None = None) -> str:
    """A time (now when None) as the private files store it: sorted text, UTC, milliseconds.

    >>> from datetime import timedelta
    >>> stamp(datetime(2026, 11, 29, 13, 30, 1, 250000, tzinfo=timezone(timedelta(hours=1))))
    '2026-11-29T12:30:01.250+00:00'
    """
    return (moment or datetime.now(timezone.utc)).astimezone(timezone.utc).isoformat(timespec="milliseconds")


@contextmanager
def private_transaction(path: Path, error: type[AssistantError], what: str,
                        layout: Callable[[sqlite3.Connection], None]) -> Iterator[sqlite3.Connection]:
    """One connection and one transaction on the private file `path` (committed, or rolled back on an
    error), its tables made by `layout` first; a failure is `error`, naming the file as `what`."""
    try:
        db = private(path)
    except (OSError, sqlite3.Error) as exc:
        raise error(f"the {what} file {path} cannot be opened ({exc}); check that the data folder is writable "
                    "by the server's account") from None
    try:
        with db:
            layout(db)
            yield db
    except sqlite3.Error as exc:
        raise error(f"the {what} file {path} cannot be read ({exc}); restore it from a backup, or move it aside "
                    "(a new, empty one is made)") from None
    finally:
        db.close()
