"""DOCX -> Markdown-like text: the only python-docx import.

Paragraphs and tables are read in document order. Paragraphs styled
"Heading N" (and "Title") become `#` headings, so chunks get heading paths;
tables become Markdown tables (one row a line), so a table that fits in a chunk
is kept whole. The title comes from the document properties or its Title style.

Bounded before anything is built (limits.py): the zip's total unpacked size is
capped (`max_unzipped_mb`, by archive.py), and every XML part is streamed out
of the zip while its tags are counted (a byte count, at C speed) and its bytes
added up, so a small file of millions of empty paragraphs is refused after
unpacking only as far as the budget's elements, and one of a few huge
paragraphs once its XML passes four bytes for each character allowed. The
clock is checked at every block while python-docx reads the rest.
"""

from __future__ import annotations

import io
import zipfile

from assistant.errors import IngestError
from assistant.ingest.archive import ZIP_ERRORS, check_zip, damaged
from assistant.ingest.limits import Budget
from assistant.ingest.tables import markdown_table

_BLOCK = 1 << 16


def read_docx(data: bytes, source: str, budget: Budget) -> tuple[str, str]:
    """(text, title)."""
    check_zip(data, source, "DOCX", budget.limits.max_unzipped_mb)
    _count_xml(data, source, budget)
    try:
        import docx  # lazy: only ingest of a DOCX needs it
        from docx.table import Table
        from docx.text.paragraph import Paragraph

        document = docx.Document(io.BytesIO(data))
        names = {s.style_id: s.name or "" for s in document.styles}  # once: python-docx searches them per paragraph
        items = list(document.iter_inner_content())
        title = (document.core_properties.title or "").strip()
        shift = 1 if any(isinstance(i, Paragraph) and _style(i, names) == "Title" for i in items) else 0
        blocks = []
        for item in items:
            budget.tick()
            if isinstance(item, Paragraph):
                text, style = item.text.strip(), _style(item, names)
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
                blocks.append(_table(item, budget))
    except IngestError:
        raise
    except Exception as exc:  # python-docx raises KeyError, ValueError, lxml errors ... on damaged files
        raise IngestError(f"{source}: not a readable DOCX ({type(exc).__name__}: {exc})") from None
    return "\n\n".join(b for b in blocks if b), title


def _style(paragraph, names: dict[str, str]) -> str:
    """The paragraph's own style name ('' for the default), by its style id: python-docx's `style` looks
    the default up among all styles for every paragraph (about 8 ms each, minutes for a large file)."""
    style_id = paragraph._p.style  # the w:pStyle value, or None
    return names.get(style_id, "") if style_id else ""


def _table(table, budget: Budget) -> str:
    """The table as a Markdown table (tables.py); a cell merged across columns is written once, in its first
    column (python-docx gives it once per grid column it spans), so the other cells stay under their headers."""
    rows = []
    for row in table.rows:
        budget.tick()
        cells, seen = [], set()
        for cell in row.cells:
            cells.append("" if id(cell._tc) in seen else cell.text)
            seen.add(id(cell._tc))
        rows.append(cells)
    return markdown_table(rows)


def _count_xml(data: bytes, source: str, budget: Budget) -> None:
    """Refuse a zip bomb of XML: parts whose elements or text, counted as they are unpacked, exceed the budget."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            xml = 0
            for info in (i for i in z.infolist() if i.filename.endswith((".xml", ".rels"))):
                with z.open(info) as part:
                    for block in iter(lambda: part.read(_BLOCK), b""):
                        budget.elements(block.count(b"<") - block.count(b"</"))  # start and empty tags
                        xml += len(block)
                        budget.chars(xml // 4)  # XML takes 4 or more bytes per character of text
    except IngestError:
        raise
    except ZIP_ERRORS as exc:
        raise damaged(source, "DOCX", exc) from None
