"""What a reader of the newer formats returns (Parsed), and the bounds and switches it reads under
(ReadOptions). Plain records, no parsing here.

A reader turns bytes into Markdown-like text: `#` headings carry a slide, sheet, chapter or message
(the chunk's heading, which a citation shows), tables are Markdown tables (see tables.py), and
`pages` holds the character offset where each page starts, as for a PDF.
"""

from __future__ import annotations

from dataclasses import dataclass, field

OCR_ENGINES = ("auto", "tesseract", "rapidocr", "off")


@dataclass(frozen=True)
class ReadOptions:
    """Bounds on what one file may cost, and the OCR switch (from settings.ingest, see config.py)."""

    ocr: str = "auto"  # one of OCR_ENGINES; auto: tesseract when installed, else rapidocr
    ocr_seconds: float = 30.0  # most seconds OCR may spend on one page or image
    max_pages: int = 2000  # most pages (PDF), slides or chapters a file may have
    max_rows: int = 200_000  # most table rows a file may have, all sheets together
    max_unzipped_mb: int = 200  # most bytes an archive format (PPTX, XLSX, EPUB, ...) may unpack to


@dataclass(frozen=True)
class Parsed:
    """One file's text as a reader found it."""

    text: str
    title: str = ""
    pages: list[int] = field(default_factory=list)
    markdown: bool = True
