"""ODT and ODS (OpenDocument) -> Markdown-like text: the only odfpy import.

ODT: headings (text:h, by outline level) become `#` headings, paragraphs and list items become
paragraphs, tables become Markdown tables, in document order. ODS: each sheet becomes a heading
with its name and one Markdown table (first row the header), as sheets.py does for XLSX. Repeated
rows and cells (ODF's compression of runs) are expanded up to the row limit; trailing empty runs,
which fill a sheet to its last row, are dropped.
"""

from __future__ import annotations

import io

from assistant.errors import IngestError
from assistant.ingest.archive import check_zip
from assistant.ingest.parsed import Parsed, ReadOptions
from assistant.ingest.tables import markdown_table

_MAX_REPEAT_COLUMNS = 1024  # a sheet's columns beyond this are ignored (ODF fills rows to column 1024+)


def read_opendocument(data: bytes, source: str, kind: str, options: ReadOptions) -> Parsed:
    """`kind` is 'ODT' or 'ODS'."""
    check_zip(data, source, kind, options.max_unzipped_mb)
    try:
        from odf.opendocument import load  # lazy: only ingest of an ODT or ODS needs it

        doc = load(io.BytesIO(data))
        body = doc.spreadsheet if kind == "ODS" else doc.text
        if body is None:
            raise IngestError(f"{source}: holds no {'spreadsheet' if kind == 'ODS' else 'text document'}")
        budget = [options.max_rows]
        blocks = _sheets(body, source, budget) if kind == "ODS" else _blocks(body, source, budget)
        title = _title(doc)
    except IngestError:
        raise
    except Exception as exc:  # odfpy raises KeyError, ValueError, XML and zip errors on damaged files
        raise IngestError(f"{source}: not a readable {kind} ({type(exc).__name__}: {exc})") from None
    return Parsed("\n\n".join(b for b in blocks if b), title)


def _name(node) -> str:
    return node.qname[1] if getattr(node, "qname", None) else ""


def _text(node) -> str:
    from odf import teletype

    return " ".join(teletype.extractText(node).split())


def _blocks(node, source: str, budget: list[int]) -> list[str]:
    out = []
    for child in node.childNodes:
        name = _name(child)
        if name == "h":
            level = int(child.getAttribute("outlinelevel") or 1)
            out.append("#" * max(1, min(6, level)) + " " + _text(child))
        elif name == "p":
            out.append(_text(child))
        elif name == "table":
            out.append(markdown_table(_rows(child, source, budget)))
        elif name in ("list", "list-item", "section", "list-header"):
            out += _blocks(child, source, budget)
    return out


def _sheets(body, source: str, budget: list[int]) -> list[str]:
    out = []
    for table in body.childNodes:
        if _name(table) == "table":
            text = markdown_table(_rows(table, source, budget))
            if text:
                out.append(f"# {table.getAttribute('name') or 'Sheet'}\n\n{text}")
    return out


def _rows(table, source: str, budget: list[int]) -> list[list[str]]:
    rows: list[list[str]] = []
    pending_empty = 0
    for row in _row_nodes(table):
        repeat = int(row.getAttribute("numberrowsrepeated") or 1)
        cells = _cells(row)
        if not any(cells):
            pending_empty += repeat  # kept only if a row with text follows
            continue
        for _ in range(pending_empty + repeat):
            budget[0] -= 1
            if budget[0] < 0:
                raise IngestError(f"{source}: more rows than the limit (setting 'ingest.max_rows'): "
                                  "split the file or raise the limit")
        rows += [[] for _ in range(pending_empty)] + [cells] * repeat
        pending_empty = 0
    return rows


def _row_nodes(table):
    for child in table.childNodes:
        name = _name(child)
        if name == "table-row":
            yield child
        elif name in ("table-header-rows", "table-rows", "table-row-group"):
            yield from _row_nodes(child)


def _cells(row) -> list[str]:
    cells: list[str] = []
    for cell in row.childNodes:
        if _name(cell) not in ("table-cell", "covered-table-cell"):
            continue
        repeat = min(int(cell.getAttribute("numbercolumnsrepeated") or 1), _MAX_REPEAT_COLUMNS)
        cells += [_text(cell)] * repeat
        if len(cells) >= _MAX_REPEAT_COLUMNS:
            break
    while cells and not cells[-1]:
        cells.pop()
    return cells


def _title(doc) -> str:
    from odf import dc

    for node in doc.meta.getElementsByType(dc.Title) if doc.meta is not None else []:
        return _text(node)
    return ""
