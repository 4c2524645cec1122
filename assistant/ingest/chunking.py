"""Chunking: Document -> Chunks of at most `size` embedder tokens, with overlap.

Text is cut along its structure: Markdown headings (HTML and DOCX arrive as
Markdown) always start a new chunk and set the chunk's heading path; a page
break of a PDF starts a new chunk, which keeps its page number; a Markdown table is one paragraph, so
it stays whole when it fits; paragraphs are kept whole when they fit; longer
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

from assistant.records import Chunk, Document

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


def chunk_document(doc: Document, count: Callable[[str], int], size: int, overlap: int) -> list[Chunk]:
    units = _units(doc, count, size)
    chunks: list[Chunk] = []
    current: list[_Unit] = []
    total = 0

    def flush() -> None:
        if current:
            chunks.append(_make_chunk(doc, current, len(chunks)))

    for unit in units:
        new_section = bool(current) and (unit.heading, unit.page) != (current[-1].heading, current[-1].page)
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
        page = bisect_right(doc.pages, para.start()) if doc.pages else None
        tokens = count(para.group())
        if tokens <= size:
            units.append(_Unit(para.start(), para.end(), tokens, heading, page))
            continue
        for sent in _SENTENCE.finditer(text, para.start(), para.end()):
            start, end = sent.start(), sent.end()
            tokens = count(sent.group())
            if tokens <= size:
                units.append(_Unit(start, end, tokens, heading, page))
            else:
                units.extend(_word_runs(text, start, end, count, size, heading, page))
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
    source_key = hashlib.sha1(doc.source.encode()).hexdigest()[:12]
    return Chunk(
        id=f"{source_key}-{doc.content_hash[:12]}-{index}",
        source=doc.source,
        title=doc.title,
        text=doc.text[start:end],
        index=index,
        char_start=start,
        char_end=end,
        heading=units[0].heading,
        page=units[0].page,
        content_hash=doc.content_hash,
        meta=doc.meta,
    )
