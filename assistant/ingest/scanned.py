"""A PDF whose pages may be scans: pages with a text layer are read by pdf.py; a page with no text
at all is rendered with PDFium (pdf.py opens the file) at RENDER_DPI and read by OCR
(ocr.py). When any page was OCR'd, every page starts with a heading, "Page N" or "Page N (OCR)",
so a chunk says where its text came from; a PDF that needed no OCR reads exactly as pdf.py reads
it. With OCR off, a page without text stays empty (and a PDF without any text is refused).
"""

from __future__ import annotations

from assistant.errors import IngestError
from assistant.ingest.ocr import MAX_PIXELS, ocr_image
from assistant.ingest.limits import Budget, Limits
from assistant.ingest.parsed import Parsed, escape_headings
from assistant.ingest.pdf import open_document, read_pages

RENDER_DPI = 200  # what the OCR measurements used (BENCHMARKS.md): lower loses small print, higher costs time


def read_scanned_pdf(data: bytes, source: str, budget: Budget) -> Parsed:
    parts, title = read_pages(data, source, budget)  # within the budget's pages, characters and seconds
    blank = [n for n, text in enumerate(parts) if not text]
    if not blank or budget.limits.ocr == "off":
        if not "".join(parts).strip():
            raise IngestError(f"{source}: the PDF has no text layer (a scan?) and OCR is off (setting 'ingest.ocr')")
        return _joined(parts, title, markdown=False)
    read = _ocr_pages(data, blank, source, budget.limits)
    if not "".join(parts).strip() and not "".join(read.values()).strip():
        raise IngestError(f"{source}: the PDF has no text layer, and OCR found no text on its pages")
    headed = []
    for n, text in enumerate(parts):
        if n in read:
            headed.append(f"# Page {n + 1} (OCR)\n\n{escape_headings(read[n])}".rstrip())
        else:
            headed.append(f"# Page {n + 1}\n\n{escape_headings(text)}".rstrip())
    return _joined(headed, title, markdown=True)


def _joined(parts: list[str], title: str, markdown: bool) -> Parsed:
    starts, offset = [], 0
    for text in parts:
        starts.append(offset)
        offset += len(text) + 2
    return Parsed("\n\n".join(parts), title, starts, markdown)


def _ocr_pages(data: bytes, numbers: list[int], source: str, limits: Limits) -> dict[int, str]:
    pdf = open_document(data, source)
    try:
        found = {}
        for n in numbers:
            try:
                page = pdf[n]
                width, height = page.get_size()  # points; a damaged MediaBox may claim a huge page
                scale = min(RENDER_DPI / 72, (MAX_PIXELS / max(1.0, width * height)) ** 0.5)
                image = page.render(scale=scale).to_pil()
            except Exception as exc:  # a damaged page: refuse the file, with the page
                raise IngestError(f"{source}: page {n + 1} cannot be rendered ({type(exc).__name__}: {exc})") from None
            found[n] = ocr_image(image.convert("RGB"), f"{source}: page {n + 1}", limits)
        return found
    finally:
        pdf.close()
