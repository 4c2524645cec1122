"""What one file may cost to load: the bounds every reader checks, and the OCR switch, in one place.

A small file can unpack into a great deal of work (a 300 KB DOCX of 190 MiB of
empty paragraphs, a PDF whose one page inflates to 60 MB of operators, HTML
nested 200,000 deep). `Limits` holds the bounds, set from the `ingest`
settings; a `Budget` is one load's running account against them, and carries
them (`budget.limits`) to every reader: the readers call it as they go (per
element, page or block) and it raises IngestError
naming the limit and its setting as soon as one is passed, so a bomb is refused
early instead of read to the end. It counts; it does not parse or sandbox
(a parser stuck inside one call is bounded only by what was checked before it).

    >>> budget = Limits(max_elements=2).budget("a.docx")
    >>> budget.elements(3)
    Traceback (most recent call last):
    ...
    assistant.errors.IngestError: a.docx: has over 2 elements (XML tags, PDF objects) (setting 'ingest.max_elements'): refused as too costly to read; split the file or raise the limit
"""

from __future__ import annotations

import time
from dataclasses import dataclass, fields

from assistant.errors import IngestError


@dataclass(frozen=True)
class Limits:
    """Bounds on one file's load, and the OCR switch; the defaults are those of the `ingest` settings."""

    max_chars: int = 10_000_000
    max_pages: int = 2_000  # most pages (PDF, TIFF), slides, chapters or mail messages
    max_elements: int = 200_000
    max_html_elements: int = 20_000
    max_seconds: float = 60.0
    ocr: str = "auto"  # 'auto' (tesseract when installed, else rapidocr), 'tesseract', 'rapidocr' or 'off'
    ocr_seconds: float = 30.0  # most seconds OCR may spend on one page or image
    max_rows: int = 200_000  # most table rows a file may have, all sheets together
    max_unzipped_mb: int = 200  # most MiB a zip-based format (DOCX, PPTX, XLSX, EPUB, ...) may unpack to

    @classmethod
    def of(cls, ingest) -> Limits:
        """The limits the `ingest` settings set: each field is the setting of its name (config.Ingest)."""
        return cls(**{f.name: getattr(ingest, f.name) for f in fields(cls)})

    def budget(self, source: str) -> Budget:
        return Budget(self, source)


class Budget:
    """One load's clock and counters against `Limits`."""

    def __init__(self, limits: Limits, source: str):
        self.limits = limits
        self.source = source
        self.deadline = time.monotonic() + limits.max_seconds
        self.count = 0
        self.cap, self.setting, self.unit = limits.max_elements, "max_elements", "XML tags, PDF objects"

    def html(self) -> Budget:
        """The same budget counting HTML tags against `max_html_elements` (main-text extraction costs
        far more per tag than python-docx or pypdf do per element)."""
        self.cap, self.setting, self.unit = self.limits.max_html_elements, "max_html_elements", "HTML tags"
        return self

    def _refuse(self, what: str, setting: str) -> IngestError:
        return IngestError(f"{self.source}: {what} (setting 'ingest.{setting}'): refused as too costly to read; "
                           "split the file or raise the limit")

    def tick(self) -> None:
        """Refuse once the load has run past `max_seconds`."""
        if time.monotonic() > self.deadline:
            raise self._refuse(f"took over {self.limits.max_seconds:g} s to read", "max_seconds")

    def elements(self, n: int = 1) -> None:
        """Count `n` more elements (tags, objects, table cells); checks the clock every 4096."""
        before, self.count = self.count, self.count + n
        if self.count > self.cap:
            raise self._refuse(f"has over {self.cap:,} elements ({self.unit})", self.setting)
        if before >> 12 != self.count >> 12:
            self.tick()

    def chars(self, n: int) -> None:
        """Refuse text of more than `max_chars` characters (n: the size so far)."""
        if n > self.limits.max_chars:
            raise self._refuse(f"has over {self.limits.max_chars:,} characters of text", "max_chars")

    def pages(self, n: int) -> None:
        if n > self.limits.max_pages:
            raise self._refuse(f"has {n:,} pages, over {self.limits.max_pages:,}", "max_pages")
