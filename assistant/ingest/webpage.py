"""HTML -> the page's main content as Markdown: the only trafilatura import.

trafilatura drops navigation, headers, footers, sidebars, scripts and styles,
and keeps headings (as `#`), paragraphs, lists and tables. Nothing is fetched:
it is given the bytes of the file. The title comes from the page's metadata.
Before trafilatura builds its tree, the page's tags are counted as they stream
past (markup.py) and a page with more than the budget allows is refused.

Two things trafilatura leaves as the page's source had them are mended, so a
term stays with what it says and a sentence is one line:
- a definition list (`<dt>` term, `<dd>` description: a manual's options and
  settings) would come out as two list items, the option in one and what it
  does in the next; the terms are put at the head of their description
  (markup.joined_terms);
- the source's line breaks and indentation inside a paragraph are one space
  (`one_line`), code blocks excepted.
"""

from __future__ import annotations

import re

from assistant.errors import IngestError
from assistant.ingest.limits import Budget
from assistant.ingest.markup import count_html, joined_terms


def read_html(text: str, source: str, budget: Budget) -> tuple[str, str]:
    """(main content as Markdown, title)."""
    try:
        count_html(text, budget)
        import trafilatura  # lazy: only ingest of an HTML file needs it

        body = trafilatura.extract(
            joined_terms(text), output_format="markdown", include_tables=True, include_comments=False,
            include_links=False, include_images=False, favor_recall=True, with_metadata=False,
        )
        meta = trafilatura.extract_metadata(text)
    except IngestError:
        raise
    except Exception as exc:  # lxml and trafilatura raise many kinds on broken markup
        raise IngestError(f"{source}: could not parse the HTML ({type(exc).__name__}: {exc})") from None
    if not body or not body.strip():
        raise IngestError(f"{source}: no main text found in the HTML page")
    return one_line(unescape(body)), (meta.title or "").strip() if meta else ""


_STARTS = re.compile(r"\s*([-*+] |\d+[.)] |#|\||>)")  # a line that starts a list item, heading, table row or quote


def one_line(markdown: str) -> str:
    r"""The source's line breaks inside a paragraph made one space, and runs of spaces one; lines in code
    blocks, list items, headings and table rows keep their own lines.

        >>> one_line("The default is typically\n        100 connections.  Set at start.\n```\n  a  b\n```")
        'The default is typically 100 connections. Set at start.\n```\n  a  b\n```'
        >>> one_line("One.\n\n    Two,\n    - an item\n    three.")
        'One.\n\n    Two,\n    - an item three.'
    """
    out: list[str] = []
    prose: list[str] = []  # the lines since the last code block
    code = False
    for line in markdown.split("\n"):
        fence = line.count("```") % 2 == 1  # opens or closes a code block (trafilatura may open one mid-line)
        if not code and fence:
            out.append(_joined("\n".join(prose)))
            prose = []
        if code or fence:
            out.append(line)
            code = code != fence
        else:
            prose.append(line)
    out.append(_joined("\n".join(prose)))
    return "\n".join(p for p in out if p)


def _joined(text: str) -> str:
    """Prose: a line that goes on the previous one's paragraph (Markdown's soft break) joined to it."""
    lines: list[str] = []
    for line in text.split("\n"):
        prev = lines[-1] if lines else ""
        if line.strip() and prev.strip() and not _STARTS.match(line) and not prev.lstrip().startswith(("#", "|")):
            lines[-1] = f"{prev.rstrip()} {line.strip()}"
        else:
            lines.append(line)
    return "\n".join(re.sub(r"(?<=\S) {2,}", " ", line) for line in lines)


_ESCAPED = re.compile(r"\\([\\`*_{}\[\]()#+.!|<>~-])")


def unescape(markdown: str) -> str:
    """The text as written: trafilatura's Markdown escapes punctuation (`max\\_page\\_count`), which would
    hide identifiers from exact search and from the reader.

        >>> unescape(r"The max\\_page\\_count PRAGMA \\[see 2.1\\]")
        'The max_page_count PRAGMA [see 2.1]'
    """
    return _ESCAPED.sub(r"\1", markdown)
