"""PDF -> text, one page after another: the only pypdf import.

Each page's text is extracted in layout-free mode and pages are joined by a
blank line; the offset where each page starts is kept, so every chunk knows
its page. No OCR: a page without a text layer (a scan) gives no text, and a
PDF with no text at all is refused with a message that says so.
"""

from __future__ import annotations

import io

from assistant.errors import IngestError


def read_pdf(data: bytes, source: str) -> tuple[str, str, list[int]]:
    """(text, title from the metadata or '', start offset of each page)."""
    try:
        from pypdf import PdfReader  # lazy: only ingest of a PDF needs it
        from pypdf.errors import PdfReadError

        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise IngestError(f"{source}: the PDF is encrypted with a password; save an unprotected copy")
        parts, starts, offset = [], [], 0
        for page in reader.pages:
            text = (page.extract_text() or "").strip()
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
