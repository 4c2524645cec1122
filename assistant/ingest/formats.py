"""The formats beyond text, Markdown, HTML, PDF and DOCX: suffix -> reader, and the reader of any
supported attachment. Dispatch only: each format's parsing lives in its own module (slides,
sheets, opendoc, delimited, ebook, richtext, mail, ocr, scanned), imported when a file of its
kind arrives, so an ingest of Markdown loads none of their libraries.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import PurePath

from assistant.errors import IngestError
from assistant.ingest.limits import Budget
from assistant.ingest.parsed import Parsed

IMAGES = {".png", ".jpg", ".jpeg", ".tif", ".tiff"}
TABLES = {".xlsx", ".ods", ".csv", ".tsv"}
EXTRA = {".pptx", ".odt", ".rtf", ".epub", ".eml", ".mbox"} | TABLES | IMAGES
MAX_NESTING = 2  # a message attached to a message attached to a message is not read further


def read_extra(suffix: str, data: bytes, source: str, budget: Budget, decode: Callable[[bytes, str], str],
               depth: int = 0) -> Parsed:
    """A file of a suffix in EXTRA (or a PDF, when OCR may be needed) -> Parsed; IngestError if it cannot be read."""
    if suffix == ".pdf":
        from assistant.ingest.scanned import read_scanned_pdf

        return read_scanned_pdf(data, source, budget)
    if suffix in IMAGES:
        from assistant.ingest.ocr import read_image

        return read_image(data, source, budget)
    if suffix == ".pptx":
        from assistant.ingest.slides import read_pptx

        return read_pptx(data, source, budget)
    if suffix == ".xlsx":
        from assistant.ingest.sheets import read_xlsx

        return read_xlsx(data, source, budget)
    if suffix in (".ods", ".odt"):
        from assistant.ingest.opendoc import read_opendocument

        return read_opendocument(data, source, suffix[1:].upper(), budget)
    if suffix == ".epub":
        from assistant.ingest.ebook import read_epub

        return read_epub(data, source, budget)
    if suffix in (".csv", ".tsv"):
        from assistant.ingest.delimited import read_delimited

        return read_delimited(decode(data, source), suffix, source, budget)
    if suffix == ".rtf":
        from assistant.ingest.richtext import read_rtf

        return read_rtf(decode(data, source), source)
    if suffix in (".eml", ".mbox"):
        return _read_mail(suffix, data, source, budget, decode, depth)
    raise IngestError(f"{source}: unsupported file type '{suffix}'")


def _read_mail(suffix: str, data: bytes, source: str, budget: Budget, decode, depth: int) -> Parsed:
    from assistant.ingest.mail import read_mail

    def attachment(name: str, payload: bytes) -> Parsed:
        return read_attachment(name, payload, f"{source}: {name}", budget, decode, depth + 1)

    return read_mail(data, source, suffix == ".mbox", budget, attachment)


def read_attachment(name: str, data: bytes, source: str, budget: Budget, decode, depth: int) -> Parsed:
    """Any supported file inside another (a mail's attachment) -> Parsed, within the same limits as the file it
    came in, on an account of its own (so a refusal names the attachment)."""
    suffix = PurePath(name).suffix.lower()
    if depth > MAX_NESTING:
        raise IngestError(f"{source}: nested more than {MAX_NESTING} deep: not read")
    if not data.strip():
        raise IngestError(f"{source}: is empty")
    budget = budget.limits.budget(source)
    if suffix in EXTRA or suffix == ".pdf":
        return read_extra(suffix, data, source, budget, decode, depth)
    if suffix == ".docx":
        from assistant.ingest.word import read_docx

        return Parsed(*read_docx(data, source, budget))
    if suffix in (".html", ".htm"):
        from assistant.ingest.webpage import read_html

        return Parsed(*read_html(decode(data, source), source, budget.html()))
    if suffix in (".txt", ".text", ".md", ".markdown"):
        return Parsed(decode(data, source), markdown=suffix in (".md", ".markdown"))
    raise IngestError(f"{source}: type '{suffix or 'none'}' is not read")
