"""XLSX -> Markdown tables, one section a sheet: the only openpyxl import.

Each sheet becomes a heading with its name and its used cells as one Markdown table whose first
row is the header (tables.py), so the chunker repeats the header in every chunk and a citation
names the sheet and the rows. Cell values are read, not formulas (the values Excel last saved).
Read-only mode streams rows, so memory stays bounded; more than `max_rows` rows is refused.
"""

from __future__ import annotations

import io
from pathlib import PurePath

from assistant.errors import IngestError
from assistant.ingest.archive import check_zip
from assistant.ingest.limits import Budget
from assistant.ingest.parsed import Parsed
from assistant.ingest.tables import markdown_table


def read_xlsx(data: bytes, source: str, budget: Budget) -> Parsed:
    limits = budget.limits
    check_zip(data, source, "XLSX", limits.max_unzipped_mb)
    try:
        import openpyxl  # lazy: only ingest of an XLSX needs it

        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        title = (book.properties.title or "").strip() if book.properties else ""
        sections, rows_seen = [], 0
        for sheet in book.worksheets:
            rows = []
            for row in sheet.iter_rows(values_only=True):
                rows_seen += 1
                if rows_seen > limits.max_rows:
                    raise IngestError(f"{source}: more than {limits.max_rows} rows (setting 'ingest.max_rows'): "
                                      "split the workbook or raise the limit")
                rows.append(list(row))
            table = markdown_table(rows)
            if table:
                sections.append(f"# {sheet.title}\n\n{table}")
        book.close()
    except IngestError:
        raise
    except Exception as exc:  # openpyxl raises KeyError, ValueError, zipfile and XML errors on damaged files
        raise IngestError(f"{source}: not a readable XLSX ({type(exc).__name__}: {exc})") from None
    return Parsed("\n\n".join(sections), title or PurePath(source).stem)
