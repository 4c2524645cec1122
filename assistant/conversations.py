"""The chat window's saved conversations: the only owner of `conversations.sqlite` in the data folder.

A conversation belongs to one owner (the signed-in user's name; without
accounts everyone shares the one owner `NOBODY`, "", so everyone on the one
shared window sees the same list) and one collection. Its title is its first
question, cut to about 60 characters on a word boundary (`title`), until it is
renamed. Each exchange keeps the question as asked, the Answer record as shown
(its citations and passages, so they can be shown and exported again) and the
conversation's turns after it: the memory a follow-up needs (conversation.py),
so a conversation opened again, even after a restart, goes on where it stopped.

    >>> import tempfile, pathlib
    >>> from assistant.records import Answer, Citation, Timings, Turn
    >>> store = Conversations(pathlib.Path(tempfile.mkdtemp()) / FILE)
    >>> cite = Citation(n=1, source="bakery.txt", text="Mossgrove Bakery opened in 2019.", char_start=0, char_end=32)
    >>> answer = Answer(question="When did Mossgrove Bakery open?", answer="In 2019 [1].", abstained=False,
    ...                 citations=[cite], passages=[], model="m", timings=Timings())
    >>> turns = [Turn(question="When did Mossgrove Bakery open?", answer="In 2019 [1].")]
    >>> n = store.start(NOBODY, "corpus", answer.question, answer, turns)
    >>> [(c.id, c.title) for c in store.list(NOBODY)]
    [(1, 'When did Mossgrove Bakery open?')]
    >>> store.get(n, NOBODY).turns == turns          # what the next follow-up sees
    True
    >>> print(store.markdown(n, NOBODY))             # doctest: +ELLIPSIS
    # When did Mossgrove Bakery open?
    ...
    In 2019 \\[1\\].
    ...
    **\\[1\\] bakery.txt**, characters 0-32
    <BLANKLINE>
    ```text
    Mossgrove Bakery opened in 2019.
    ```
    <BLANKLINE>
    >>> store.get(n, "alice")                        # another owner's conversation is not found
    Traceback (most recent call last):
    ...
    assistant.errors.ConversationError: no conversation numbered 1: it was deleted, or it is not yours; choose one from the list of conversations

The export is inert Markdown: questions and answers have their Markdown
punctuation escaped and passages are fenced as code, so nothing in a document
becomes an image, a link or HTML where the file is read. The file holds
questions, so it is created 0600 (the server's own account alone reads it).
This module stores, lists and exports; it does not decide who may open a
conversation of which collection (ui_conversations.py asks access.py), and the
API keeps none: it stays stateless, as OpenAI's is.
"""

from __future__ import annotations

import json
import re
import threading
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from pydantic import BaseModel, Field

from assistant.errors import ConversationError
from assistant.records import Answer, Turn, where
from assistant.sqlitefile import private_transaction, stamp

FILE = "conversations.sqlite"  # in paths.data_dir
NOBODY = ""  # the owner of every conversation without accounts: the one shared window
VERSION = 1  # the file's layout (PRAGMA user_version); a newer file is refused, not misread
TITLE_CHARS = 60  # a title made from the first question
MAX_TITLE_CHARS = 200  # a title a user gives


class Exchange(BaseModel, frozen=True):
    """One question and its answer, and the conversation's memory after it."""

    time: datetime = Field(description="when the answer was saved, UTC")
    question: str = Field(description="the question as the user asked it")
    answer: Answer = Field(description="the answer record as shown: its citations, passages and notes")
    turns: list[Turn] = Field(default_factory=list, description="the conversation's turns after this exchange: "
                              "what a follow-up sees (an abstention adds none)")


class Summary(BaseModel, frozen=True):
    """A conversation as the list shows it."""

    id: int
    owner: str = Field(description="the signed-in user's name; NOBODY ('') without accounts")
    collection: str
    title: str
    created: datetime = Field(description="UTC")
    updated: datetime = Field(description="the last answer or rename, UTC")


class Conversation(Summary, frozen=True):
    """A conversation with its exchanges, in order."""

    exchanges: list[Exchange] = Field(default_factory=list)

    @property
    def turns(self) -> list[Turn]:
        """The memory the next follow-up sees: the turns after the last exchange."""
        return list(self.exchanges[-1].turns) if self.exchanges else []


def title(question: str, limit: int = TITLE_CHARS) -> str:
    """The question on one line, cut on a word boundary to at most `limit` characters (with '…').

    >>> title("What is the opening time of the Karsk Point lighthouse museum in the summer months?")
    'What is the opening time of the Karsk Point lighthouse…'
    """
    text = " ".join(question.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    cut = cut[: cut.rfind(" ")] if " " in cut else cut
    return cut.rstrip(" ,;:.-") + "…"


class Conversations:
    """The saved conversations in one SQLite file; every call opens its own connection (the server's threads
    share it)."""

    def __init__(self, path: Path):
        self.path = path
        self._lock = threading.Lock()

    def start(self, owner: str, collection: str, question: str, answer: Answer, turns: list[Turn],
              now: datetime | None = None) -> int:
        """A new conversation, titled from its first question, holding this exchange; returns its number."""
        now = stamp(now)
        with self._db() as db:
            n = db.execute("INSERT INTO conversations (owner, collection, title, created, updated) VALUES (?, ?, ?, ?, ?)",
                           (owner, collection, title(question) or "(no question)", now, now)).lastrowid
            self._add(db, n, 0, question, answer, turns, now)
        return n

    def append(self, number: int, owner: str, question: str, answer: Answer, turns: list[Turn],
               now: datetime | None = None) -> None:
        """One more exchange at the end of this owner's conversation (ConversationError when there is none)."""
        now = stamp(now)
        with self._db() as db:
            self._owned(db, number, owner)
            count = db.execute("SELECT count(*) FROM exchanges WHERE conversation = ?", (number,)).fetchone()[0]
            self._add(db, number, count, question, answer, turns, now)
            db.execute("UPDATE conversations SET updated = ? WHERE id = ?", (now, number))

    def list(self, owner: str) -> list[Summary]:
        """This owner's conversations, the most recently updated first."""
        with self._db() as db:
            rows = db.execute("SELECT id, owner, collection, title, created, updated FROM conversations WHERE owner = ? "
                              "ORDER BY updated DESC, id DESC", (owner,)).fetchall()
        return [_summary(row) for row in rows]

    def get(self, number: int, owner: str) -> Conversation:
        """This owner's conversation with its exchanges; another owner's is not found (ConversationError)."""
        with self._db() as db:
            row = self._owned(db, number, owner)
            found = db.execute("SELECT time, question, answer, turns FROM exchanges WHERE conversation = ? ORDER BY n",
                               (number,)).fetchall()
        exchanges = [Exchange(time=datetime.fromisoformat(t), question=q, answer=Answer.model_validate_json(a),
                              turns=[Turn(**x) for x in json.loads(turns)]) for t, q, a, turns in found]
        return Conversation(**_summary(row).model_dump(), exchanges=exchanges)

    def rename(self, number: int, owner: str, new_title: str, now: datetime | None = None) -> str:
        """Give this owner's conversation a title (on one line, at most MAX_TITLE_CHARS); returns it."""
        text = " ".join((new_title or "").split())[:MAX_TITLE_CHARS]
        if not text:
            raise ConversationError("a conversation's title cannot be empty: type the new title, then Rename")
        with self._db() as db:
            self._owned(db, number, owner)
            db.execute("UPDATE conversations SET title = ?, updated = ? WHERE id = ?", (text, stamp(now), number))
        return text

    def delete(self, number: int, owner: str) -> None:
        """Delete this owner's conversation and its exchanges."""
        with self._db() as db:
            self._owned(db, number, owner)
            db.execute("DELETE FROM exchanges WHERE conversation = ?", (number,))
            db.execute("DELETE FROM conversations WHERE id = ?", (number,))

    def markdown(self, number: int, owner: str) -> str:
        """This owner's conversation as Markdown (see `markdown`)."""
        return markdown(self.get(number, owner))

    @staticmethod
    def _owned(db, number, owner: str) -> tuple:
        row = db.execute("SELECT id, owner, collection, title, created, updated FROM conversations WHERE id = ? AND "
                         "owner = ?", (number if isinstance(number, int) else -1, owner)).fetchone()
        if row is None:
            raise ConversationError(f"no conversation numbered {number}: it was deleted, or it is not yours; choose "
                                    "one from the list of conversations")
        return row

    @staticmethod
    def _add(db, number: int, n: int, question: str, answer: Answer, turns: list[Turn], now: str) -> None:
        db.execute("INSERT INTO exchanges (conversation, n, time, question, answer, turns) VALUES (?, ?, ?, ?, ?, ?)",
                   (number, n, now, question, answer.model_dump_json(),
                    json.dumps([Turn.model_validate(t).model_dump() for t in turns])))

    @contextmanager
    def _db(self):
        """One connection and one transaction, under the lock (sqlitefile.private_transaction)."""
        with self._lock, private_transaction(self.path, ConversationError, "conversations",
                                             lambda db: _layout(db, self.path)) as db:
            yield db


def _layout(db, path: Path) -> None:
    """Make the tables of a new file; refuse a file a newer version laid out differently."""
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version > VERSION:
        raise ConversationError(f"the conversations file {path} was written by a newer version of the assistant "
                                f"(layout {version}, this one reads {VERSION}): upgrade, or move the file aside")
    if version == VERSION:
        return
    db.execute("CREATE TABLE IF NOT EXISTS conversations (id INTEGER PRIMARY KEY AUTOINCREMENT, owner TEXT NOT NULL, "
               "collection TEXT NOT NULL, title TEXT NOT NULL, created TEXT NOT NULL, updated TEXT NOT NULL)")
    db.execute("CREATE INDEX IF NOT EXISTS by_owner ON conversations (owner, updated)")
    db.execute("CREATE TABLE IF NOT EXISTS exchanges (conversation INTEGER NOT NULL, n INTEGER NOT NULL, "
               "time TEXT NOT NULL, question TEXT NOT NULL, answer TEXT NOT NULL, turns TEXT NOT NULL, "
               "PRIMARY KEY (conversation, n))")
    db.execute(f"PRAGMA user_version = {VERSION}")


def _summary(row: tuple) -> Summary:
    n, owner, collection, name, created, updated = row
    return Summary(id=n, owner=owner, collection=collection, title=name, created=datetime.fromisoformat(created),
                   updated=datetime.fromisoformat(updated))


_PUNCTUATION = re.compile(r"([\\`*_\[\]<>!|~#])")


def markdown(conversation: Conversation) -> str:
    """The conversation as inert Markdown: its title, then each question and answer, and under each answer its
    cited passages (or, when it abstained, the closest ones): number, file, where, and the passage's text."""
    c = conversation
    lines = [f"# {_escaped(c.title)}", "",
             f"Collection {_escaped(c.collection)}; started {_day(c.created)}, last changed {_day(c.updated)} (UTC).", ""]
    for i, exchange in enumerate(c.exchanges, 1):
        answer = exchange.answer
        lines += [f"## {i}. {_escaped(' '.join(exchange.question.split()))}", "", _escaped(answer.answer), "",
                  f"*Answered by {_escaped(answer.model)}.*", ""]
        sources = answer.numbered_sources()
        if sources:
            lines += ["The documents don't hold the answer. Closest passages:" if answer.abstained else "Cited passages:", ""]
        for n, item in sources:
            lines += [f"**\\[{n}\\] {_escaped(item.source)}**, {_escaped(where(item))}", "", *_fenced(item.text), ""]
    return "\n".join(lines)


def _escaped(text: str) -> str:
    """Text with its Markdown punctuation escaped: no image, link, HTML or heading can form."""
    return _PUNCTUATION.sub(r"\\\1", text)


def _fenced(text: str) -> list[str]:
    """A passage as a code block, its fence longer than any run of backticks inside it."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return [f"{fence}text", text.strip(), fence]


def _day(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M")
