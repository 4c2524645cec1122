"""CSV and TSV -> one Markdown table (standard library csv).

The first row is the header. The delimiter is ',' for .csv (';' when the header has more
semicolons than commas, as European spreadsheets write it) and a tab for .tsv. Quoted fields keep
their commas and line breaks. More than `max_rows` rows is refused. Decoding is the caller's. The
title is the file's name without its extension.

    >>> from assistant.ingest.limits import Limits
    >>> print(read_delimited('name,note\\nAsk,"a, b"\\n', ".csv", "t.csv", Limits().budget("t.csv")).text)
    | name | note |
    |---|---|
    | Ask | a, b |
"""

from __future__ import annotations

import csv
import io
from pathlib import PurePath

from assistant.errors import IngestError
from assistant.ingest.limits import Budget
from assistant.ingest.parsed import Parsed
from assistant.ingest.tables import markdown_table


def read_delimited(text: str, suffix: str, source: str, budget: Budget) -> Parsed:
    max_rows = budget.limits.max_rows
    first = text.split("\n", 1)[0]
    delimiter = "\t" if suffix == ".tsv" else (";" if first.count(";") > first.count(",") else ",")
    rows = []
    try:
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            if len(rows) >= max_rows:
                raise IngestError(f"{source}: more than {max_rows} rows (setting 'ingest.max_rows'): "
                                  "split the file or raise the limit")
            rows.append(row)
    except csv.Error as exc:  # a field over csv's size limit, a NUL byte
        raise IngestError(f"{source}: not readable as {suffix[1:].upper()} ({exc})") from None
    return Parsed(markdown_table(rows), PurePath(source).stem)
