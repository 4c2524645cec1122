"""ODT and ODS (OpenDocument) -> Markdown-like text, read from the archive's content.xml with
defusedxml (the only defusedxml import; it refuses entity expansion and other XML bombs).

Not odfpy: it refuses the files pandoc writes (their styles.xml repeats a namespace
declaration), and only content.xml and meta.xml are needed. ODT: headings (text:h, by outline
level) become `#` headings, paragraphs and list items become paragraphs, tables become Markdown
tables, in document order. ODS: each sheet becomes a heading with its name and one Markdown table
(first row the header), as sheets.py does for XLSX. Repeated rows and cells (ODF's compression of
runs) are expanded up to the row limit; trailing empty runs, which fill a sheet to its last row,
are dropped.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import PurePath

from assistant.errors import IngestError
from assistant.ingest.archive import check_zip
from assistant.ingest.limits import Budget
from assistant.ingest.parsed import Parsed, escape_headings
from assistant.ingest.tables import markdown_table

_NS = {
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "dc": "http://purl.org/dc/elements/1.1/",
}
_MAX_REPEAT_COLUMNS = 1024  # a sheet's columns beyond this are ignored (ODF fills rows to column 1024+)


def _q(name: str) -> str:
    prefix, local = name.split(":")
    return f"{{{_NS[prefix]}}}{local}"


def read_opendocument(data: bytes, source: str, kind: str, budget: Budget) -> Parsed:
    """`kind` is 'ODT' or 'ODS'."""
    check_zip(data, source, kind, budget.limits.max_unzipped_mb)
    try:
        from defusedxml.ElementTree import fromstring  # lazy: only ingest of an ODT or ODS needs it

        with zipfile.ZipFile(io.BytesIO(data)) as z:
            root = fromstring(z.read("content.xml"))
            meta = fromstring(z.read("meta.xml")) if "meta.xml" in z.namelist() else None
        body = root.find(f"{_q('office:body')}/{_q('office:spreadsheet' if kind == 'ODS' else 'office:text')}")
        if body is None:
            raise IngestError(f"{source}: holds no {'spreadsheet' if kind == 'ODS' else 'text document'}")
        rows_left = [budget.limits.max_rows]
        blocks = _sheets(body, source, rows_left) if kind == "ODS" else _blocks(body, source, rows_left)
        found = meta.find(f".//{_q('dc:title')}") if meta is not None else None
        title = " ".join((found.text or "").split()) if found is not None else ""
    except IngestError:
        raise
    except Exception as exc:  # zip, XML (and defusedxml's refusals), KeyError for a missing part ...
        raise IngestError(f"{source}: not a readable {kind} ({type(exc).__name__}: {exc})") from None
    return Parsed("\n\n".join(b for b in blocks if b), title or (PurePath(source).stem if kind == "ODS" else ""))


def _text(node) -> str:
    """A paragraph's text: text:s are spaces, text:tab and text:line-break whitespace."""
    parts = [node.text or ""]
    for child in node:
        if child.tag in (_q("text:s"), _q("text:tab"), _q("text:line-break")):
            parts.append(" ")
        elif child.tag != _q("text:note"):
            parts.append(_text(child))
        parts.append(child.tail or "")
    return " ".join("".join(parts).split())


def _blocks(node, source: str, budget: list[int]) -> list[str]:
    out = []
    for child in node:
        if child.tag == _q("text:h"):
            level = int(child.get(_q("text:outline-level")) or 1)
            out.append("#" * max(1, min(6, level)) + " " + _text(child))
        elif child.tag == _q("text:p"):
            out.append(escape_headings(_text(child)))
        elif child.tag == _q("table:table"):
            out.append(markdown_table(_rows(child, source, budget)))
        elif child.tag in (_q("text:list"), _q("text:list-item"), _q("text:section"), _q("text:list-header")):
            out += _blocks(child, source, budget)
    return out


def _sheets(body, source: str, budget: list[int]) -> list[str]:
    out = []
    for table in body.iter(_q("table:table")):
        text = markdown_table(_rows(table, source, budget))
        if text:
            out.append(f"# {table.get(_q('table:name')) or 'Sheet'}\n\n{text}")
    return out


def _rows(table, source: str, budget: list[int]) -> list[list[str]]:
    rows: list[list[str]] = []
    pending_empty = 0
    for row in _row_nodes(table):
        repeat = int(row.get(_q("table:number-rows-repeated")) or 1)
        cells = _cells(row)
        if not any(cells):
            pending_empty += repeat  # kept only if a row with text follows
            continue
        budget[0] -= pending_empty + repeat
        if budget[0] < 0:
            raise IngestError(f"{source}: more rows than the limit (setting 'ingest.max_rows'): "
                              "split the file or raise the limit")
        rows += [[] for _ in range(pending_empty)] + [cells] * repeat
        pending_empty = 0
    return rows


def _row_nodes(table):
    for child in table:
        if child.tag == _q("table:table-row"):
            yield child
        elif child.tag in (_q("table:table-header-rows"), _q("table:table-rows"), _q("table:table-row-group")):
            yield from _row_nodes(child)


def _cells(row) -> list[str]:
    cells: list[str] = []
    for cell in row:
        if cell.tag not in (_q("table:table-cell"), _q("table:covered-table-cell")):
            continue
        repeat = min(int(cell.get(_q("table:number-columns-repeated")) or 1), _MAX_REPEAT_COLUMNS)
        text = " ".join(_text(p) for p in cell)
        cells += [text] * repeat
        if len(cells) >= _MAX_REPEAT_COLUMNS:
            break
    while cells and not cells[-1]:
        cells.pop()
    return cells
