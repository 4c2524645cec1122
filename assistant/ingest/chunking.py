"""Chunking: Document -> Chunks of at most `size` embedder tokens, with overlap.

Text is cut along its structure: Markdown headings (HTML and DOCX arrive as
Markdown) always start a new chunk and set the chunk's heading path; a page
break of a PDF starts a new chunk, which keeps its page number. A Markdown table (tables.py) is
chunked on its own: whole when it fits, else by rows, as many as fit, with its header line repeated
at the top of each chunk (the chunk's text then is the header plus the rows, and its offsets are
those of the rows); the heading gains the row range, e.g. "Sheet1, rows 12-30", the header being
row 1. A document inside the file (`Document.parts`: a mail's attachment) starts a new chunk, and its
chunks take its title and its page numbers. Paragraphs are kept whole when they fit; longer
ones are cut at sentence ends, and only a sentence longer than a chunk is cut
between words. Consecutive chunks share up to `overlap` tokens of whole
sentences. Every chunk keeps the character offsets of its text in the document.

Token counts come from a `count(text) -> int` callable (the embedder's own
tokenizer in production, a word counter in unit tests).
"""

from __future__ import annotations

import hashlib
import re
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass

from assistant.ingest.tables import is_table
from assistant.records import Chunk, Document, Part

# Part of every file's content hash (loaders.py): raise it when the same text would be cut differently,
# so an index made by the earlier chunker is cut again at the next ingest instead of keeping old chunks.
VERSION = "rows-1"  # tables cut by rows with the header repeated (2026-11-29)

_PARAGRAPH = re.compile(r"\S.*?(?=[ \t]*\n[ \t]*\n|\s*\Z)", re.S)
_SENTENCE = re.compile(r"\S.*?(?:[.!?][\"')\]]*(?=\s)|\n|\Z)", re.S)
_WORD = re.compile(r"\S+")
_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")


@dataclass
class _Unit:
    start: int
    end: int
    tokens: int
    heading: str
    page: int | None = None
    prefix: str = ""  # a table's header lines, repeated before its rows
    rows: str = ""  # a table's row range, "rows 12-30": the unit is a chunk of its own
    title_only: bool = False  # a heading line: not a chunk by itself before a table (the table's heading says it)
    part: Part | None = None  # the document inside the file the unit belongs to


def chunk_document(doc: Document, count: Callable[[str], int], size: int, overlap: int) -> list[Chunk]:
    units = _units(doc, count, size)
    chunks: list[Chunk] = []
    current: list[_Unit] = []
    total = 0

    def flush() -> None:
        if current:
            chunks.append(_make_chunk(doc, current, len(chunks)))

    for unit in units:
        new_section = bool(current) and ((unit.heading, unit.page, unit.part) != (current[-1].heading, current[-1].page, current[-1].part)
                                         or bool(unit.rows or current[-1].rows))
        if unit.rows and current and all(u.title_only for u in current):
            current, total = [], 0
        if current and (new_section or total + unit.tokens > size):
            flush()
            current = [] if new_section else _tail(current, overlap, size - unit.tokens)
            total = sum(u.tokens for u in current)
        current.append(unit)
        total += unit.tokens
    flush()
    return chunks


def _units(doc: Document, count: Callable[[str], int], size: int) -> list[_Unit]:
    """Paragraphs, or sentences, or word runs, each of at most `size` tokens."""
    text = doc.text
    markdown = doc.markdown
    path: list[tuple[int, str]] = []
    units = []
    for para in _PARAGRAPH.finditer(text):
        heading_match = _HEADING.match(para.group()) if markdown and "\n" not in para.group() else None
        if heading_match:
            level = len(heading_match.group(1))
            path = [(lv, t) for lv, t in path if lv < level] + [(level, heading_match.group(2))]
        heading = " > ".join(t for _, t in path)
        part = next((p for p in doc.parts if p.start <= para.start() < p.end), None)
        pages = part.pages if part else doc.pages
        page = bisect_right(pages, para.start()) or None if pages else None
        tokens = count(para.group())
        if is_table(para.group()):
            found = _table_units(text, para.start(), para.end(), count, size, heading, page)
        elif tokens <= size:
            found = [_Unit(para.start(), para.end(), tokens, heading, page, title_only=bool(heading_match))]
        else:
            found = []
            for sent in _SENTENCE.finditer(text, para.start(), para.end()):
                start, end = sent.start(), sent.end()
                tokens = count(sent.group())
                if tokens <= size:
                    found.append(_Unit(start, end, tokens, heading, page))
                else:
                    found.extend(_word_runs(text, start, end, count, size, heading, page))
        for unit in found:
            unit.part = part
        units.extend(found)
    return units


def _table_units(text: str, start: int, end: int, count, size: int, heading: str, page: int | None) -> list[_Unit]:
    """A table whole (rows 1-N) if it fits, else runs of rows that fit beside the repeated header."""
    lines, offset = [], start
    for line in text[start:end].split("\n"):
        lines.append((offset, offset + len(line)))
        offset += len(line) + 1
    whole = count(text[start:end])
    if whole <= size or len(lines) <= 3:
        return [_Unit(start, end, whole, heading, page, rows=f"rows 1-{len(lines) - 1}")]
    prefix = text[start:lines[1][1]] + "\n"
    room = size - count(prefix)
    units: list[_Unit] = []
    first, total = 2, 0
    for i in range(2, len(lines) + 1):
        tokens = count(text[lines[i][0]:lines[i][1]]) if i < len(lines) else 0
        if i == len(lines) or (i > first and total + tokens > room):
            units.append(_Unit(lines[first][0], lines[i - 1][1], total + size - room, heading, page, prefix,
                               f"rows {first}-{i - 1}"))  # lines 0-1 are the header and its rule: row i is line i
            first, total = i, 0
        total += tokens
    return units


def _word_runs(text: str, start: int, end: int, count, size: int, heading: str, page: int | None) -> list[_Unit]:
    runs, run_start, run_end, run_tokens = [], None, None, 0
    for word in _WORD.finditer(text, start, end):
        tokens = count(word.group())
        if run_start is not None and run_tokens + tokens > size:
            runs.append(_Unit(run_start, run_end, run_tokens, heading, page))
            run_start, run_tokens = None, 0
        if run_start is None:
            run_start = word.start()
        run_end, run_tokens = word.end(), run_tokens + tokens
    if run_start is not None:
        runs.append(_Unit(run_start, run_end, run_tokens, heading, page))
    return runs


def _tail(units: list[_Unit], overlap: int, room: int) -> list[_Unit]:
    """The last whole units of a chunk totalling at most `overlap` (and `room`) tokens."""
    kept: list[_Unit] = []
    total = 0
    for unit in reversed(units):
        if total + unit.tokens > min(overlap, room):
            break
        kept.insert(0, unit)
        total += unit.tokens
    return kept


def _make_chunk(doc: Document, units: list[_Unit], index: int) -> Chunk:
    start, end = units[0].start, units[-1].end
    first = units[0]
    heading = f"{first.heading}, {first.rows}" if first.heading and first.rows else first.heading or first.rows
    source_key = hashlib.sha1(doc.source.encode()).hexdigest()[:12]
    return Chunk(
        id=f"{source_key}-{doc.content_hash[:12]}-{index}",
        source=doc.source,
        title=first.part.title if first.part else doc.title,
        text=first.prefix + doc.text[start:end],
        index=index,
        char_start=start,
        char_end=end,
        heading=heading,
        page=units[0].page,
        content_hash=doc.content_hash,
        meta=doc.meta,
        part=first.part.title if first.part else "",
    )
