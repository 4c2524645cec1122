"""HTML -> the page's main content as Markdown: the only trafilatura import.

trafilatura drops navigation, headers, footers, sidebars, scripts and styles,
and keeps headings (as `#`), paragraphs, lists and tables. Nothing is fetched:
it is given the bytes of the file. The title comes from the page's metadata.
Before trafilatura builds its tree, the page's tags are counted as they stream
past (markup.py) and a page with more than the budget allows is refused.
"""

from __future__ import annotations

import re

from assistant.errors import IngestError
from assistant.ingest.limits import Budget
from assistant.ingest.markup import count_html


def read_html(text: str, source: str, budget: Budget) -> tuple[str, str]:
    """(main content as Markdown, title)."""
    try:
        count_html(text, budget)
        import trafilatura  # lazy: only ingest of an HTML file needs it

        body = trafilatura.extract(
            text, output_format="markdown", include_tables=True, include_comments=False,
            include_links=False, include_images=False, favor_recall=True, with_metadata=False,
        )
        meta = trafilatura.extract_metadata(text)
    except IngestError:
        raise
    except Exception as exc:  # lxml and trafilatura raise many kinds on broken markup
        raise IngestError(f"{source}: could not parse the HTML ({type(exc).__name__}: {exc})") from None
    if not body or not body.strip():
        raise IngestError(f"{source}: no main text found in the HTML page")
    return unescape(body), (meta.title or "").strip() if meta else ""


_ESCAPED = re.compile(r"\\([\\`*_{}\[\]()#+.!|<>~-])")


def unescape(markdown: str) -> str:
    """The text as written: trafilatura's Markdown escapes punctuation (`max\\_page\\_count`), which would
    hide identifiers from exact search and from the reader.

        >>> unescape(r"The max\\_page\\_count PRAGMA \\[see 2.1\\]")
        'The max_page_count PRAGMA [see 2.1]'
    """
    return _ESCAPED.sub(r"\1", markdown)
