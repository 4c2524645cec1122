"""PDF -> text, one page after another: the only pypdf import.

Each page's text is extracted in layout-free mode and pages are joined by a
blank line; the offset where each page starts is kept, so every chunk knows
its page. No OCR here: a page without a text layer (a scan) gives no text
(scanned.py OCRs such pages when OCR is on), and `read_pdf` refuses a PDF with no
text at all with a message that says so.
"""

from __future__ import annotations

import io

from assistant.errors import IngestError


def read_pdf(data: bytes, source: str) -> tuple[str, str, list[int]]:
    """(text, title from the metadata or '', start offset of each page)."""
    parts, title = read_pages(data, source)
    starts, offset = [], 0
    for text in parts:
        starts.append(offset)
        offset += len(text) + 2
    text = "\n\n".join(parts)
    if not text.strip():
        raise IngestError(f"{source}: the PDF has no text layer (a scan?); OCR it first, this assistant reads text only")
    return text, title, starts


def read_pages(data: bytes, source: str) -> tuple[list[str], str]:
    """(each page's text, '' for a page without a text layer; title from the metadata or '')."""
    try:
        from pypdf import PdfReader  # lazy: only ingest of a PDF needs it
        from pypdf.errors import PdfReadError

        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise IngestError(f"{source}: the PDF is encrypted with a password; save an unprotected copy")
        parts = [(page.extract_text() or "").strip() for page in reader.pages]
        title = str((reader.metadata or {}).get("/Title") or "").strip()
    except IngestError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError) as exc:
        raise IngestError(f"{source}: not a readable PDF ({type(exc).__name__}: {exc})") from None
    except Exception as exc:  # pypdf raises many kinds on damaged files (DependencyError for AES without cryptography, ...)
        raise IngestError(f"{source}: could not read the PDF ({type(exc).__name__}: {exc})") from None
    return parts, title
