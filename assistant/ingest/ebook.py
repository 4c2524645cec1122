"""EPUB -> Markdown-like text, one section a chapter, in reading order: the only ebooklib import.

Each document of the book's spine is a chapter; its headings become `#` headings (markup.py), so
a chunk's heading names the chapter. A chapter without a heading gets "Chapter N". Images,
styles and the navigation document give no text.
"""

from __future__ import annotations

import io
import warnings

from assistant.errors import IngestError
from assistant.ingest.archive import check_zip
from assistant.ingest.markup import html_to_markdown
from assistant.ingest.limits import Budget
from assistant.ingest.parsed import Parsed


def read_epub(data: bytes, source: str, budget: Budget) -> Parsed:
    limits = budget.limits
    check_zip(data, source, "EPUB", limits.max_unzipped_mb)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # ebooklib warns about its own future defaults
            import ebooklib  # lazy: only ingest of an EPUB needs it
            from ebooklib import epub

            book = epub.read_epub(io.BytesIO(data), options={"ignore_ncx": True})
        titles = book.get_metadata("DC", "title")
        title = str(titles[0][0]).strip() if titles else ""
        chapters = []
        for item_id, _linear in book.spine:
            item = book.get_item_with_id(item_id)
            if item is None or item.get_type() != ebooklib.ITEM_DOCUMENT or isinstance(item, epub.EpubNav):
                continue
            if len(chapters) >= limits.max_pages:
                raise IngestError(f"{source}: more than {limits.max_pages} chapters (setting 'ingest.max_pages')")
            text = html_to_markdown(item.get_content())
            if text:
                chapters.append(text if text.startswith("#") else f"# Chapter {len(chapters) + 1}\n\n{text}")
    except IngestError:
        raise
    except Exception as exc:  # ebooklib raises KeyError, EpubException, lxml and zip errors on damaged files
        raise IngestError(f"{source}: not a readable EPUB ({type(exc).__name__}: {exc})") from None
    return Parsed("\n\n".join(chapters), title)
