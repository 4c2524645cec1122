"""Loaders: one file -> one Document, for .txt, .md, .html, .pdf and .docx here, and the
formats of formats.py (slides, sheets, CSV, e-books, ODT, RTF, mail, images by OCR).

A loader reads bytes, decodes or parses them, and finds a title; it does not
chunk or embed. Text files may be in any encoding (UTF-8 with or without a BOM,
UTF-16, or whatever charset detection finds). HTML, PDF and DOCX are parsed by
their own modules (webpage, pdf, word), each the only importer of its library.
Unsupported, unreadable or empty files raise IngestError naming the file and
the reason, so the pipeline can report them and carry on; so do files that
would cost more than `Limits` allow (limits.py): too many characters, pages or
elements, or too many seconds.

    >>> load(Path("corpus/installing.md"), Path("corpus")).title
    'Installing the assistant on an air-gapped machine'
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from assistant.errors import IngestError
from assistant.ingest import chunking
from assistant.ingest.limits import Limits
from assistant.ingest.formats import EXTRA
from assistant.records import Document, Part

TEXT = {".txt", ".text"}
MARKDOWN = {".md", ".markdown"}
HTML = {".html", ".htm"}
SUPPORTED = TEXT | MARKDOWN | HTML | {".pdf", ".docx"} | EXTRA
_META_LINE = re.compile(r"^([A-Z][A-Za-z][A-Za-z ]{0,23}):[ \t]+(\S.{0,199})$")
_MD_TITLE = re.compile(r"^#\s+(.+?)\s*#*\s*$", re.M)


# A reader whose text changed since files of its type were indexed: its files are read again at the next
# ingest, because the version is part of their content hash (the others' hashes are the bytes' alone).
_TABLES = "tables-2"  # tables.py drops columns empty in every row; DOCX tables go through it (2026-11-29)
_PAGES = f"unescaped-1 terms-1 {_TABLES}"  # webpage.py: a definition's terms at its head; soft breaks joined (2026-11-29)
_HASHES = f"hashes-1 {_TABLES}"  # slides.py, opendoc.py, scanned.py's OCR: a line starting with '#' is no heading (2026-11-30)
READER_VERSIONS = {".pdf": "pdfium-2 hashes-1", ".html": _PAGES, ".htm": _PAGES,
                   ".eml": f"parts-1 {_PAGES}", ".mbox": f"parts-1 {_PAGES}", ".pptx": _HASHES, ".odt": _HASHES,
                   **{s: _TABLES for s in (".docx", ".epub", ".xlsx", ".ods", ".csv", ".tsv")}}


def content_hash(path: Path, data: bytes) -> str:
    """What decides whether a file changed since it was indexed: its bytes, its reader's version and the
    chunker's (chunking.VERSION)."""
    version = f"{READER_VERSIONS.get(path.suffix.lower(), '')} {chunking.VERSION}"
    return hashlib.sha256(version.encode() + data).hexdigest()


def is_supported(path: Path) -> bool:
    return path.suffix.lower() in SUPPORTED


def relative_source(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()


def load(path: Path, root: Path, data: bytes | None = None, *, limits: Limits = Limits()) -> Document:
    """Read `path` (or the bytes already read) into a Document with a title, within `limits` (which also
    switch OCR)."""
    source = relative_source(path, root)
    suffix = path.suffix.lower()
    if not is_supported(path):
        raise IngestError(f"{source}: unsupported file type '{path.suffix}' (supported: {', '.join(sorted(SUPPORTED))})")
    if data is None:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise IngestError(f"{source}: cannot read ({exc.strerror})") from None
    if not data.strip():
        raise IngestError(f"{source}: is empty")
    budget = limits.budget(source)
    pages: list[int] = []
    parts: list[Part] = []
    title = ""
    markdown = suffix not in TEXT
    if suffix == ".pdf":  # text pages by pdf.py; a page without text by OCR when it is on (scanned.py)
        from assistant.ingest.scanned import read_scanned_pdf

        parsed = read_scanned_pdf(data, source, budget)
        text, title, pages, markdown = parsed.text, parsed.title, parsed.pages, parsed.markdown
    elif suffix in EXTRA:
        from assistant.ingest.formats import read_extra

        parsed = read_extra(suffix, data, source, budget, decode)
        text, title, pages, markdown, parts = parsed.text, parsed.title, parsed.pages, parsed.markdown, parsed.parts
    elif suffix == ".docx":
        from assistant.ingest.word import read_docx

        text, title = read_docx(data, source, budget)
    else:
        budget.chars(len(data) // 4)  # no encoding spends more than 4 bytes a character: refused undecoded
        text = decode(data, source)
        budget.chars(len(text))
        if suffix in HTML:
            from assistant.ingest.webpage import read_html

            text, title = read_html(text, source, budget.html())
    budget.chars(len(text))
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise IngestError(f"{source}: has no text")
    return Document(
        source=source, title=title or _title(path, text, markdown), text=text,
        content_hash=content_hash(path, data), markdown=markdown, pages=pages, meta=header_metadata(text),
        parts=parts,
    )


def header_metadata(text: str, lines: int = 12) -> str:
    """A document's own metadata: the 'Key: value' lines among its first `lines` non-blank lines (a news
    article's Source:/Published:/Category:, a Markdown front matter), joined with " · ". At least two such
    lines, else none (one "Note: ..." is prose); web addresses are left out.

    >>> header_metadata("# Deals\\n\\nSource: Mashable\\nPublished: 2023-11-27\\nURL: https://x.y/z\\nText.")
    'Source: Mashable · Published: 2023-11-27'
    """
    stripped = (line.strip() for line in text.split("\n", 200)[:200])
    head = [line for line in stripped if line and line != "---"][:lines]
    found = [m for m in map(_META_LINE.match, head) if m]
    if len(found) < 2:
        return ""
    kept = [f"{m.group(1)}: {m.group(2).strip()}" for m in found if not re.match(r"(?i)https?://", m.group(2))]
    return " · ".join(kept)[:300]


def decode(data: bytes, source: str) -> str:
    """Bytes -> text: UTF-8 (BOM or not), UTF-16 with a BOM, else the charset detection's best guess."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    if b"\x00" in data[:8192]:
        raise IngestError(f"{source}: looks binary (NUL bytes), not text; remove it or convert it to text")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes  # pure Python; a dependency of the HTTP stack already installed

    matches = from_bytes(data[:200_000])
    best = matches.best()
    if best is None:
        return data.decode("cp1252", errors="replace")
    # Single-byte Latin code pages often tie (same chaos and coherence): prefer Western European.
    tied = {m.encoding for m in matches if (m.chaos, m.coherence) == (best.chaos, best.coherence)}
    return data.decode("cp1252" if "cp1252" in tied else best.encoding, errors="replace")


def _title(path: Path, text: str, markdown: bool) -> str:
    if markdown:
        match = _MD_TITLE.search(text)
        if match:
            return match.group(1).strip()
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    if 0 < len(first) <= 120:
        return first.lstrip("# ").strip()
    return path.stem.replace("_", " ").replace("-", " ")
