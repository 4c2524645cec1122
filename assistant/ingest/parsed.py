"""What a reader of the newer formats returns (Parsed); the bounds it reads under are limits.py's.
A plain record, no parsing here.

A reader turns bytes into Markdown-like text: `#` headings carry a slide, sheet, chapter or message
(the chunk's heading, which a citation shows), tables are Markdown tables (see tables.py), and
`pages` holds the character offset where each page starts, as for a PDF; `parts` the documents
inside the file (a mail's attachments), each chunked under its own title.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from assistant.records import Part


def escape_headings(text: str) -> str:
    r"""Lines of the text that start with '#' (a shell comment, "#1 priority") are text, not headings: each is
    escaped with a backslash, so the chunker does not take it for one (and the heading a citation shows stays
    the reader's).

        >>> escape_headings("# OK, run it.\nH: done")
        '\\# OK, run it.\nH: done'
    """
    return "\n".join("\\" + line if line.startswith("#") else line for line in text.split("\n"))


@dataclass(frozen=True)
class Parsed:
    """One file's text as a reader found it."""

    text: str
    title: str = ""
    pages: list[int] = field(default_factory=list)
    markdown: bool = True
    parts: list[Part] = field(default_factory=list)  # documents inside the file (a mail's attachments)
