"""Tables as text: rows -> a Markdown table whose first line is the header. Pure functions.

Every reader of a tabular format (sheets, CSV, ODS, and tables inside slides, e-books or
documents) writes its tables with `markdown_table`, so the chunker can recognise them
(`is_table`) and cut them by rows with the header repeated (chunking.py). Cells are kept on one
line: whitespace runs become one space and a `|` is escaped. Rows and columns empty throughout
(a converter's spacer column) are dropped: a small model reading `| date(...) |  | strftime(...) |`
may take the empty cell for the value.

    >>> print(markdown_table([["City", "", "Pop."], ["Oslo", None, "709,000"], ["", "", ""]]))
    | City | Pop. |
    |---|---|
    | Oslo | 709,000 |
"""

from __future__ import annotations

import re

_SEPARATOR = re.compile(r"^\|(\s*:?-+:?\s*\|)+\s*$")


def cell(value: object) -> str:
    """A cell's text on one line, `|` escaped; None is empty; a whole float loses its '.0'."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        value = int(value)
    return " ".join(str(value).split()).replace("|", "\\|")


def markdown_table(rows: list[list[object]]) -> str:
    """The rows (first one the header) as a Markdown table; empty rows dropped, short rows padded."""
    lines = [[cell(v) for v in row] for row in rows]
    lines = [row for row in lines if any(row)]
    if not lines:
        return ""
    width = max(len(row) for row in lines)
    lines = [row + [""] * (width - len(row)) for row in lines]
    kept = [i for i in range(width) if any(row[i] for row in lines)]  # a column empty in every row says nothing
    lines = [[row[i] for i in kept] for row in lines]
    width = len(kept)
    text = ["| " + " | ".join(row) + " |" for row in lines]
    text.insert(1, "|" + "---|" * width)
    return "\n".join(text)


def is_table(paragraph: str) -> bool:
    """A Markdown table: lines starting with '|', the second one a separator row."""
    lines = paragraph.split("\n", 2)
    return len(lines) >= 2 and lines[0].startswith("|") and bool(_SEPARATOR.match(lines[1].strip()))
