"""The chat window's ratings of its answers: the only owner of `feedback.sqlite` in the data folder.

A thumbs up or down under an answer becomes one `Rating`: when (UTC), who (None
without accounts), in which collection, the question (the standalone question
when a follow-up was rewritten, else as asked) and the conversation's earlier
turns, what the assistant answered or why it abstained, the files it cited
(with where) and the closest files (the retrieved passages' sources, in rank
order), up or down, and for a thumbs down the right answer in the user's words
when they give it.

    >>> import tempfile, pathlib
    >>> from assistant.records import Answer, Passage, Timings
    >>> store = Feedback(pathlib.Path(tempfile.mkdtemp()) / FILE)
    >>> answer = Answer(question="When does it open?", answer="I don't know.", abstained=True, citations=[],
    ...                 passages=[Passage(source="hours.md", text="...", score=0.4)], model="m", timings=Timings())
    >>> n = store.add(rating(answer, up=False, collection="corpus", user=None))
    >>> store.correct(n, "At nine.")
    >>> [(r.question, r.closest, r.up, r.correction) for r in store.ratings()]
    [('When does it open?', ['hours.md'], False, 'At nine.')]

The file holds questions and corrections, so it is created 0600 (the server's
own account alone reads it). This module stores and reads; it does not decide
who may rate (ui.py asks access.py) nor write the question set (eval/feedback_set.py).
"""

from __future__ import annotations

import json
import threading
from contextlib import contextmanager
from datetime import date, datetime, timezone
from pathlib import Path

from pydantic import BaseModel, Field

from assistant.errors import FeedbackError
from assistant.records import Answer, Turn, where
from assistant.sqlitefile import private_transaction, stamp

FILE = "feedback.sqlite"  # in paths.data_dir
_COLUMNS = ("id", "time", "user", "collection", "record")


class Cited(BaseModel, frozen=True):
    """A file an answer cited, and where in it."""

    n: int
    source: str
    where: str = Field(description="its page, heading or characters, as the chat window shows it")
    char_start: int = 0
    char_end: int = 0


class Rating(BaseModel, frozen=True):
    """One thumbs up or down on one answer."""

    id: int | None = Field(None, description="the row's number, stable: the question set's ids are made from it")
    time: datetime = Field(description="when it was rated, UTC")
    user: str | None = Field(None, description="the signed-in user; None without accounts")
    collection: str
    question: str = Field(description="the standalone question when a follow-up was rewritten, else as asked")
    asked: str = Field(description="the question as the user typed it")
    history: list[Turn] = Field(default_factory=list, description="the conversation's earlier turns")
    answer: str
    abstained: bool
    abstain_reason: str | None = None
    cited: list[Cited] = Field(default_factory=list)
    closest: list[str] = Field(default_factory=list, description="the retrieved passages' files, best first, once each")
    up: bool
    correction: str | None = Field(None, description="the right answer in the user's words (a thumbs down)")


def rating(answer: Answer, up: bool, collection: str, user: str | None, history: list[Turn] | None = None,
           now: datetime | None = None) -> Rating:
    """The rating of this answer record (not yet stored)."""
    return Rating(
        time=now or datetime.now(timezone.utc), user=user, collection=collection,
        question=answer.standalone_question or answer.question, asked=answer.question, history=history or [],
        answer=answer.answer, abstained=answer.abstained, abstain_reason=answer.abstain_reason,
        cited=[Cited(n=c.n, source=c.source, where=where(c), char_start=c.char_start, char_end=c.char_end)
               for c in answer.citations],
        closest=list(dict.fromkeys(p.source for p in answer.passages)), up=up)


class Feedback:
    """The ratings in one SQLite file; every call opens its own connection (the server's threads share it)."""

    def __init__(self, path: Path):
        self.path = path
        self._lock = threading.Lock()

    def add(self, rated: Rating) -> int:
        """Store a rating; returns its number."""
        record = rated.model_dump_json(exclude={"id", "time", "user", "collection"})
        with self._db() as db:
            return db.execute("INSERT INTO ratings (time, user, collection, record) VALUES (?, ?, ?, ?)",
                              (stamp(rated.time), rated.user, rated.collection, record)).lastrowid

    def change(self, number: int, up: bool) -> None:
        """The user changed their mind: up for down, or down for up (a correction given stays)."""
        self._update(number, lambda r: r.model_copy(update={"up": up}))

    def correct(self, number: int, text: str) -> None:
        """Add the user's right answer to a rating (a thumbs down)."""
        self._update(number, lambda r: r.model_copy(update={"correction": text.strip() or None}))

    def withdraw(self, number: int) -> None:
        """The user took their rating back."""
        with self._db() as db:
            db.execute("DELETE FROM ratings WHERE id = ?", (number,))

    def get(self, number: int) -> Rating:
        found = self._select("WHERE id = ?", (number,))
        if not found:
            raise FeedbackError(f"no rating numbered {number} (`assistant feedback list` shows them)")
        return found[0]

    def ratings(self, since: date | None = None, collection: str | None = None, up: bool | None = None) -> list[Rating]:
        """The ratings, oldest first: from the day `since` on (UTC), of one collection, only up or only down."""
        where_, params = ["1"], []
        if since is not None:
            where_.append("time >= ?")
            params.append(since.isoformat())
        if collection is not None:
            where_.append("collection = ?")
            params.append(collection)
        found = self._select("WHERE " + " AND ".join(where_), tuple(params))
        return [r for r in found if up is None or r.up is up]

    def _update(self, number: int, change) -> None:
        new = change(self.get(number))
        with self._db() as db:
            db.execute("UPDATE ratings SET record = ? WHERE id = ?",
                       (new.model_dump_json(exclude={"id", "time", "user", "collection"}), number))

    def _select(self, condition: str, params: tuple) -> list[Rating]:
        with self._db() as db:
            rows = db.execute(f"SELECT {', '.join(_COLUMNS)} FROM ratings {condition} ORDER BY id", params).fetchall()
        return [Rating(id=row[0], time=datetime.fromisoformat(row[1]), user=row[2], collection=row[3],
                       **json.loads(row[4])) for row in rows]

    @contextmanager
    def _db(self):
        """One connection and one transaction, under the lock (sqlitefile.private_transaction)."""
        with self._lock, private_transaction(self.path, FeedbackError, "feedback", _layout) as db:
            yield db


def _layout(db) -> None:
    db.execute("CREATE TABLE IF NOT EXISTS ratings (id INTEGER PRIMARY KEY AUTOINCREMENT, "
               "time TEXT NOT NULL, user TEXT, collection TEXT NOT NULL, record TEXT NOT NULL)")
