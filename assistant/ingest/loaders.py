"""Loaders: one file -> one Document. Plain text and Markdown for now.

A loader reads bytes, decodes them, and finds a title; it does not chunk or
embed. Unsupported or unreadable files raise IngestError naming the file, so
the pipeline can report them and carry on.

    >>> load(Path("corpus/installing.md"), Path("corpus")).title
    'Installing the assistant on an air-gapped machine'
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from assistant.errors import IngestError
from assistant.records import Document

SUPPORTED = {".txt", ".md", ".markdown"}
_MD_TITLE = re.compile(r"^#\s+(.+?)\s*#*\s*$", re.M)


def is_supported(path: Path) -> bool:
    return path.suffix.lower() in SUPPORTED


def relative_source(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()


def load(path: Path, root: Path, data: bytes | None = None) -> Document:
    """Read `path` (or the bytes already read) into a Document with a title."""
    source = relative_source(path, root)
    if not is_supported(path):
        raise IngestError(f"{source}: unsupported file type '{path.suffix}' (supported: {', '.join(sorted(SUPPORTED))})")
    if data is None:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise IngestError(f"{source}: cannot read ({exc.strerror})") from None
    if b"\x00" in data[:8192]:
        raise IngestError(f"{source}: looks binary (NUL bytes), not text; remove it or convert it to text")
    text = _decode(data).replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise IngestError(f"{source}: is empty")
    return Document(source=source, title=_title(path, text), text=text, content_hash=hashlib.sha256(data).hexdigest())


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _title(path: Path, text: str) -> str:
    if path.suffix.lower() in {".md", ".markdown"}:
        match = _MD_TITLE.search(text)
        if match:
            return match.group(1).strip()
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    if 0 < len(first) <= 120:
        return first
    return path.stem.replace("_", " ").replace("-", " ")
