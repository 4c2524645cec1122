"""DOCX -> Markdown-like text: the only python-docx import.

Paragraphs and tables are read in document order. Paragraphs styled
"Heading N" (and "Title") become `#` headings, so chunks get heading paths;
tables become Markdown tables (one row a line), so a table that fits in a chunk
is kept whole. The title comes from the document properties or its Title style.
"""

from __future__ import annotations

import io
import zipfile

from assistant.errors import IngestError

MAX_UNZIPPED = 200 * 2**20  # a DOCX whose parts unzip to more than this is refused (zip bomb)


def read_docx(data: bytes, source: str) -> tuple[str, str]:
    """(text, title)."""
    _check_zip(data, source)
    try:
        import docx  # lazy: only ingest of a DOCX needs it
        from docx.table import Table
        from docx.text.paragraph import Paragraph

        document = docx.Document(io.BytesIO(data))
        title = (document.core_properties.title or "").strip()
        shift = 1 if any(p.style is not None and p.style.name == "Title" for p in document.paragraphs) else 0
        blocks = []
        for item in document.iter_inner_content():
            if isinstance(item, Paragraph):
                text = item.text.strip()
                style = (item.style.name if item.style is not None else "") or ""
                if not text:
                    continue
                if style == "Title":
                    title = title or text
                    blocks.append(f"# {text}")
                elif style.startswith("Heading") and style[7:].strip().isdigit():
                    blocks.append("#" * min(6, int(style[7:]) + shift) + f" {text}")
                else:
                    blocks.append(text)
            elif isinstance(item, Table):
                blocks.append(_table(item))
    except IngestError:
        raise
    except Exception as exc:  # python-docx raises KeyError, ValueError, lxml errors ... on damaged files
        raise IngestError(f"{source}: not a readable DOCX ({type(exc).__name__}: {exc})") from None
    return "\n\n".join(b for b in blocks if b), title


def _table(table) -> str:
    rows = []
    for row in table.rows:
        cells = [" ".join(cell.text.split()).replace("|", "\\|") for cell in row.cells]
        rows.append("| " + " | ".join(cells) + " |")
    if len(rows) > 1:
        rows.insert(1, "|" + "---|" * len(table.columns))
    return "\n".join(rows)


def _check_zip(data: bytes, source: str) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            total = sum(info.file_size for info in z.infolist())
    except (zipfile.BadZipFile, OSError, NotImplementedError, ValueError, EOFError) as exc:
        # NotImplementedError: a damaged header naming a zip version or method Python cannot read (found by fuzzing)
        raise IngestError(f"{source}: not a DOCX file, or a damaged one (its zip archive: {exc})") from None
    if total > MAX_UNZIPPED:
        raise IngestError(f"{source}: unpacks to {total // 2**20} MiB (over {MAX_UNZIPPED // 2**20} MiB): refused as a zip bomb")
