"""The lexical index (BM25): the only module that imports bm25s and PyStemmer.

Dense embeddings miss rare exact terms (names, codes, figures); BM25 finds them.
Each chunk's stemmed tokens (title, heading path, text, and its document's
header metadata: `Chunk.lexical_text`) are kept in a SQLite file of
their own (data/lexical.sqlite) and updated per file, like the vector store. After an
ingest that changed anything, the BM25 matrix is rebuilt from the stored
tokens (no file is re-read; about 0.5 s per 10k chunks) and saved; queries
load it once and reload only when a later ingest saved a newer one. A `dirty`
flag survives crashes, so an interrupted ingest still gets its rebuild.
Damage is repaired, with a message: a damaged SQLite file is moved aside (the next
ingest refills it from the store), and a missing or damaged saved matrix is rebuilt
from the stored tokens when it is first loaded or at the next ingest.
"""

from __future__ import annotations

import json
import re
import shutil
import time
import unicodedata
import warnings
from pathlib import Path

from assistant.errors import RepairedState
from assistant.records import Chunk
from assistant.sqlitefile import open_db

# Words of two or more characters, and one-digit numbers ("team 3", "Article 5"): without them
# BM25 could not tell such passages apart. Bump TOKENIZER when the tokens change: an index
# made by another version is re-tokenized from the store at the next ingest.
_TOKEN = re.compile(r"(?u)\b(?:\w\w+|\d)\b")
# An ISO date ("Published: 2023-10-02T08:45:59") is also read as written in prose ("October 2, 2023"),
# so a question that names the day finds the documents of that day (version 3).
_ISO_DATE = re.compile(r"\b(\d{4})-(\d\d)-(\d\d)(?!\d)")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")
# Technical terms are also kept whole, unstemmed (version 4): options (--no-init-file, -X), paths
# (/etc/cron.deny, ~/.bashrc), dotted and scoped names and versions (core.hooksPath, std::vector, 2.13.0)
# and operators (:::, &&, >>=); and a camelCase name also gives its parts
# (getLevelNamesMapping -> get level names mapping), so either spelling finds it.
_TERM = re.compile(
    r"(?<![\w/~.-])(?:--?[A-Za-z][\w-]*"  # an option
    r"|~?(?:\.{0,2}/)?[\w.+-]*/[\w.+/-]*\w"  # a path with at least one slash
    r"|\w+(?:(?:\.|::|->)\w+)+)"  # dotted or scoped names, versions
    r"|(?<![^\s(\[{\"'`])[!$%&*+,:;<=>?@^|~/\\-]{2,4}(?=[\s)\]}\"'`.,]|$)"  # an operator standing alone
)
_DECORATION = re.compile(r"^([-=*_#|~.])\1*$")  # rules and underlines of plain text and Markdown, not operators
_CAMEL = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")
TOKENIZER = 4


class Tokenizer:
    def __init__(self):
        import Stemmer  # lazy: C extension
        from bm25s.stopwords import STOPWORDS_EN

        self._stem = Stemmer.Stemmer("english").stemWords
        self._stop = set(STOPWORDS_EN)

    def __call__(self, text: str) -> list[str]:
        """Stemmed words without stop words, then the text's technical terms whole.

            >>> Tokenizer()("Run bash --no-init-file; see /etc/cron.deny and getLevelNamesMapping.")
            ['run', 'bash', 'init', 'file', 'see', 'etc', 'cron', 'deni', 'getlevelnamesmap', 'get', 'level', 'name', 'map', '--no-init-file', '/etc/cron.deny']
        """
        text = _ISO_DATE.sub(_spelled, text)
        words = [t for t in _TOKEN.findall(text.lower()) if t not in self._stop]
        words += [p.lower() for w in re.findall(r"\b[a-z]+[A-Z]\w*\b", text) for p in _CAMEL.findall(w)]
        terms = [t.lower() for t in _TERM.findall(text) if not _DECORATION.match(t)]
        return self._stem(words) + terms


def _spelled(m: re.Match) -> str:
    """'2023-10-02' -> '2023-10-02 October 2 2023' (left alone when it is no calendar day)."""
    month, day = int(m[2]), int(m[3])
    return f"{m[0]} {_MONTHS[month - 1]} {day} {m[1]}" if 1 <= month <= 12 and 1 <= day <= 31 else m[0]


class LexicalIndex:
    def __init__(self, folder: Path, db_path: Path, collection: str):
        self.folder = folder / collection
        self.collection = collection
        self._db, note = open_db(db_path)  # a damaged file is moved aside; the next ingest refills it from the store
        self.repairs: list[str] = [note] if note else []  # what was found damaged, for the next ingest's report
        with self._db:
            self._db.execute("CREATE TABLE IF NOT EXISTS lexical (collection TEXT, chunk_id TEXT, source TEXT, "
                             "tokens TEXT, PRIMARY KEY (collection, chunk_id))")
            # Per-file writes delete by source: without this index each one scans the whole table
            # (92 ms a file at 300k chunks, against 0.3 ms with it).
            self._db.execute("CREATE INDEX IF NOT EXISTS lexical_source ON lexical (collection, source)")
            self._db.execute("CREATE TABLE IF NOT EXISTS lexical_state (collection TEXT PRIMARY KEY, dirty INTEGER)")
            self._db.execute("CREATE TABLE IF NOT EXISTS lexical_tokenizer (collection TEXT PRIMARY KEY, version INTEGER)")
            if self.empty():  # an empty index is this tokenizer's
                self._db.execute("INSERT OR REPLACE INTO lexical_tokenizer VALUES (?, ?)", (collection, TOKENIZER))
        self._tokenize: Tokenizer | None = None
        self._bm25 = None
        self._ids: list[str] = []
        self._sources: list[str] = []  # the source of each id, for filter masks
        self._loaded: tuple[int, int, int] | None = None  # identity of the ids.json last loaded
        self._vocabulary: tuple[object, set[str]] | None = None  # (index, its terms accents folded), for unknown()

    def tokenize(self, text: str) -> list[str]:
        if self._tokenize is None:
            self._tokenize = Tokenizer()
        return self._tokenize(text)

    # --- writes (ingest) ---------------------------------------------------------------------

    def replace_source(self, source: str, chunks: list[Chunk]) -> None:
        rows = [(self.collection, c.id, source, " ".join(self.tokenize(c.lexical_text()))) for c in chunks]
        with self._db:
            self._db.execute("DELETE FROM lexical WHERE collection=? AND source=?", (self.collection, source))
            self._db.executemany("INSERT OR REPLACE INTO lexical VALUES (?, ?, ?, ?)", rows)
            self._mark_dirty()

    def delete_source(self, source: str) -> None:
        with self._db:
            self._db.execute("DELETE FROM lexical WHERE collection=? AND source=?", (self.collection, source))
            self._mark_dirty()

    def clear(self) -> None:
        with self._db:
            self._db.execute("DELETE FROM lexical WHERE collection=?", (self.collection,))
            self._mark_dirty()
        shutil.rmtree(self.folder, ignore_errors=True)

    def outdated(self) -> bool:
        """Whether stored tokens were made by another tokenizer than this one (1: before versions were kept)."""
        row = self._db.execute("SELECT version FROM lexical_tokenizer WHERE collection=?", (self.collection,)).fetchone()
        return (row[0] if row else 1) != TOKENIZER and not self.empty()

    def keep_only(self, sources: set[str]) -> None:
        """Delete the rows of every source not in `sources`, and record that the rest is this tokenizer's."""
        held = {r[0] for r in self._db.execute("SELECT DISTINCT source FROM lexical WHERE collection=?",
                                                (self.collection,))}
        for source in held - sources:
            self.delete_source(source)
        with self._db:
            self._db.execute("INSERT OR REPLACE INTO lexical_tokenizer VALUES (?, ?)", (self.collection, TOKENIZER))
            self._mark_dirty()

    def empty(self) -> bool:
        """Whether the collection has no rows (one row looked up, not a count)."""
        return not self._db.execute("SELECT 1 FROM lexical WHERE collection=? LIMIT 1", (self.collection,)).fetchone()

    def count(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM lexical WHERE collection=?", (self.collection,)).fetchone()[0]

    def dirty(self) -> bool:
        return self._changed() or not (self.folder / "ids.json").exists()

    def _changed(self) -> bool:
        """Whether tokens changed since the last rebuild (an ingest is writing, or was interrupted)."""
        row = self._db.execute("SELECT dirty FROM lexical_state WHERE collection=?", (self.collection,)).fetchone()
        return bool(row and row[0])

    def saved_intact(self) -> bool:
        """Whether the saved BM25 index loads and lists as many chunks as the stored tokens."""
        try:
            meta = json.loads((self.folder / "ids.json").read_text())
            if len(meta["ids"]) != self.count():
                return False
            if meta["ids"]:
                import bm25s

                bm25s.BM25.load(str(self.folder), show_progress=False)
            return True
        except Exception:  # a damaged file fails in json, numpy or bm25s, each with its own exception types
            return False

    def repair(self) -> str | None:
        """Rebuild a missing or damaged saved index from the stored tokens; the message, if it was. Not while
        the tokens are changing: the ingest that changes them rebuilds it."""
        if self.empty() or self._changed() or self.saved_intact():
            return None
        note = (f"the BM25 index in {self.folder} was missing or damaged: rebuilt from its "
                f"{self.count()} stored chunks")
        self.rebuild()
        warnings.warn(note, RepairedState, stacklevel=2)
        return note

    def rebuild(self) -> None:
        """Rebuild the BM25 matrix from the stored tokens and save it (atomically replaced)."""
        import bm25s  # lazy: only at ingest and query time

        rows = self._db.execute(
            "SELECT chunk_id, tokens, source FROM lexical WHERE collection=? ORDER BY chunk_id", (self.collection,)
        ).fetchall()
        staging = self._staging
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        if rows:
            bm25 = bm25s.BM25()
            bm25.index([t.split() or ["\u2205"] for _, t, _ in rows], show_progress=False)
            bm25.save(str(staging), show_progress=False)
        (staging / "ids.json").write_text(json.dumps({"ids": [r[0] for r in rows], "sources": [r[2] for r in rows]}))
        old = self.folder.with_name(self.folder.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        if self.folder.exists():
            self.folder.rename(old)
        staging.rename(self.folder)
        shutil.rmtree(old, ignore_errors=True)
        with self._db:
            self._db.execute("INSERT OR REPLACE INTO lexical_state VALUES (?, 0)", (self.collection,))

    def _mark_dirty(self) -> None:
        self._db.execute("INSERT OR REPLACE INTO lexical_state VALUES (?, 1)", (self.collection,))

    # --- reads (queries) ---------------------------------------------------------------------

    def search(self, query: str, k: int, sources: set[str] | None = None) -> list[tuple[str, float]]:
        """(chunk id, BM25 score) of the best k chunks with a positive score, best first.

        With `sources`, only chunks of those documents are scored (a mask over the index).
        """
        self._load()
        tokens = self.tokenize(query)
        if self._bm25 is None or not self._ids or not tokens:
            return []
        mask = None
        if sources is not None:
            import numpy  # installed with bm25s

            mask = numpy.fromiter((s in sources for s in self._sources), dtype=numpy.float32, count=len(self._ids))
        docs, scores = self._bm25.retrieve(
            [tokens], k=min(k, len(self._ids)), show_progress=False, n_threads=1, weight_mask=mask
        )
        return [(self._ids[int(d)], float(s)) for d, s in zip(docs[0], scores[0]) if s > 0]

    def unknown(self, words: list[str]) -> list[str]:
        """The words that occur in no indexed chunk: some term of theirs is not in the index's
        vocabulary (stemmed as the index is, accents ignored). Stopwords are never unknown; an empty
        index knows nothing, so it answers no word (it cannot tell)."""
        self._load()
        bm25, known = self._bm25, self._vocabulary
        if bm25 is None:
            return []
        if known is None or known[0] is not bm25:  # made for an index loaded before
            known = self._vocabulary = (bm25, {_fold(t) for t in bm25.vocab_dict})
        return [w for w in words if any(_fold(t) not in known[1] for t in self.tokenize(w))]

    def holding(self, words: list[str], sources: set[str]) -> set[str]:
        """The sources among these that hold one of the words (each of its terms, stemmed as the index is, in
        some chunk of theirs), and those the index has no chunk of (it cannot tell). SQLite looks each term
        up in the source's stored tokens and stops at the first chunk that has it."""
        wanted = [w for w in (self.tokenize(word) for word in words) if w]

        def has(source: str, term: str) -> bool:
            return self._db.execute(
                "SELECT 1 FROM lexical WHERE collection=? AND source=? AND instr(' ' || tokens || ' ', ?) > 0 "
                "LIMIT 1", (self.collection, source, f" {term} ")).fetchone() is not None

        out = set()
        for source in sources:
            indexed = self._db.execute("SELECT 1 FROM lexical WHERE collection=? AND source=? LIMIT 1",
                                       (self.collection, source)).fetchone()
            if not indexed or not wanted or any(all(has(source, t) for t in w) for w in wanted):
                out.add(source)
        return out

    @property
    def _staging(self) -> Path:
        """Where a rebuild writes the next index before swapping it in."""
        return self.folder.with_name(self.folder.name + ".new")

    def _load(self, repair: bool = True) -> None:
        """Load the saved index if it changed since the last load.

        A query only stats ids.json (a rebuild writes a new file, so its inode and
        modification time change); the file and the matrix are read only after a rebuild.
        A rebuild may swap the folder while we read it: a load that straddled a swap (the
        file changed meanwhile, or the folder was missing mid-swap) is tried again; if it
        keeps failing, the index loaded before stays in use.
        """
        meta_path = self.folder / "ids.json"
        for attempt in range(20):
            try:
                if not meta_path.exists() and not self._staging.exists():
                    self._bm25, self._ids, self._sources, self._loaded = None, [], [], None
                    if repair and attempt == 0 and self.repair():  # lost, but the tokens are stored: rebuilt
                        continue
                    return
                seen = _identity(meta_path)
                if seen == self._loaded:
                    return
                meta = json.loads(meta_path.read_text())
                import bm25s

                bm25 = bm25s.BM25.load(str(self.folder), show_progress=False) if meta["ids"] else None
                if _identity(meta_path) != seen:
                    continue  # swapped while loading
            except (OSError, ValueError, KeyError):
                time.sleep(0.05)  # mid-swap: the folder is being replaced
                continue
            self._bm25, self._ids = bm25, meta["ids"]
            self._sources = meta.get("sources") or self._sources_of(self._ids)
            self._loaded = seen
            return
        if repair and self._loaded is None and self.repair():  # never loaded: damaged, not mid-swap; rebuilt
            self._load(repair=False)

    def _sources_of(self, ids: list[str]) -> list[str]:
        """Each id's source, for an index saved before ids.json listed them."""
        rows = dict(self._db.execute("SELECT chunk_id, source FROM lexical WHERE collection=?", (self.collection,)))
        return [rows.get(i, "") for i in ids]


def _fold(term: str) -> str:
    """The term without accents ("schäfer" -> "schafer"), so a name matches however it is spelled there."""
    return unicodedata.normalize("NFKD", term).encode("ascii", "ignore").decode() or term


def _identity(path: Path) -> tuple[int, int, int]:
    st = path.stat()
    return st.st_ino, st.st_mtime_ns, st.st_size
