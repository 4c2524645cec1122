"""PDF -> text, one page after another: the only pypdf import.

Each page's text is extracted in layout-free mode and pages are joined by a
blank line; the offset where each page starts is kept, so every chunk knows
its page. No OCR: a page without a text layer (a scan) gives no text, and a
PDF with no text at all is refused with a message that says so.

Within the budget (limits.py): the page objects written out in the file are
counted before pypdf parses it (a byte search), the objects in its
cross-reference table are counted and the declared page count checked before
any page is read; each
page's content stream counts, once inflated, against the characters allowed;
and the clock is checked before each page and at each operator text extraction
visits, so a page that would take minutes is cut off near the deadline.
"""

from __future__ import annotations

import io
import re

from assistant.errors import IngestError
from assistant.ingest.limits import Budget

_PAGE = re.compile(rb"/Type\s*/Page(?![A-Za-z])")  # a page object, as written out (not in an object stream)


def read_pdf(data: bytes, source: str, budget: Budget) -> tuple[str, str, list[int]]:
    """(text, title from the metadata or '', start offset of each page)."""
    try:
        from pypdf import PdfReader  # lazy: only ingest of a PDF needs it
        from pypdf.errors import PdfReadError

        budget.pages(len(_PAGE.findall(data)))
        reader = PdfReader(io.BytesIO(data))
        budget.elements(sum(len(v) for v in reader.xref.values()) + len(reader.xref_objStm))
        if reader.is_encrypted and not reader.decrypt(""):
            raise IngestError(f"{source}: the PDF is encrypted with a password; save an unprotected copy")
        budget.pages(_declared_pages(reader))
        budget.pages(len(reader.pages))
        parts, starts, offset, content = [], [], 0, 0
        for page in reader.pages:
            budget.tick()
            stream = page.get_contents()
            content += len(stream.get_data()) if stream is not None else 0
            budget.chars(content)
            text = (page.extract_text(visitor_operand_before=lambda *_: budget.tick()) or "").strip()
            starts.append(offset)
            parts.append(text)
            offset += len(text) + 2
        title = str((reader.metadata or {}).get("/Title") or "").strip()
    except IngestError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError) as exc:
        raise IngestError(f"{source}: not a readable PDF ({type(exc).__name__}: {exc})") from None
    except Exception as exc:  # pypdf raises many kinds on damaged files (DependencyError for AES without cryptography, ...)
        raise IngestError(f"{source}: could not read the PDF ({type(exc).__name__}: {exc})") from None
    text = "\n\n".join(parts)
    if not text.strip():
        raise IngestError(f"{source}: the PDF has no text layer (a scan?); OCR it first, this assistant reads text only")
    return text, title, starts


def _declared_pages(reader) -> int:
    """The page count the PDF's page tree declares (read before the tree is walked)."""
    try:
        count = reader.root_object["/Pages"].get_object().get("/Count", 0)
    except Exception:  # a damaged catalogue: pypdf may still find the pages, and their number is checked after
        return 0
    return count if isinstance(count, int) else 0
