"""PDF -> clean text, one page after another: the only pypdfium2 import.

PDFium (Chromium's PDF engine) gives each page's text with the spaces a
reader sees; pypdf, used before, ran words together on many real manuals
("ThenewbieDebiansystemadministrator"). The text is then cleaned for
retrieval and reading:
  - running headers and footers (a line repeated at the top or bottom of most
    pages, page numbers aside: "Debian Reference 38 / 233") are dropped;
  - a word broken at a line end is joined: "manage-\\nment" -> "management" when
    the document writes "management" elsewhere (or PDFium marks the hyphen as a
    break), else the hyphen stays ("apt-\\nget" -> "apt-get");
  - ligatures become letters ("ﬁ" -> "fi"), minus signs and Unicode hyphens become "-"
    ("−−norc" -> "--norc"), soft hyphens and form feeds go.
Each page's text is returned apart (scanned.py joins them by a blank line and
keeps the offset where each page starts, so every chunk knows its page).
Within the budget (limits.py): the page objects written out in the file are
counted before PDFium opens it (a byte search), the page count is checked
before any page is read, and the clock and the characters read are checked
after each page. No OCR: a page without a text layer (a scan) gives no text
(scanned.py reads such pages by OCR, or refuses a PDF with no text at all).

    >>> clean_pages(["Manual 1 / 3\\nThe de-\\nfault is ﬁve.", "Manual 2 / 3\\nRun apt-\\nget.", "Manual 3 / 3\\nThe default."])
    ['The default is five.', 'Run apt-get.', 'The default.']
"""

from __future__ import annotations

import re
from collections import Counter

from assistant.errors import IngestError
from assistant.ingest.limits import Budget

_PAGE = re.compile(rb"/Type\s*/Page(?![A-Za-z])")  # a page object, as written out (not in an object stream)
_STREAM = re.compile(rb"stream\r?\n")

_LIGATURES = str.maketrans({
    "\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl", "\ufb05": "st", "\ufb06": "st",
    "\u00ad": None, "\x0c": None, "\x02": "-",
    "\u02dc": "~",  # PDF fonts map ASCII ~ to the small tilde
    "\u2212": "-", "\u2010": "-", "\u2011": "-",  # groff writes man pages' options with minus signs: "−−norc"
})
_HYPHENATED = re.compile(r"(\w+)-\n([a-z]\w*)")
_WORD = re.compile(r"\w+")
_DIGITS = re.compile(r"\d+")
INFLATE_PER_CHAR = 4  # inflated stream bytes allowed per character of ingest.max_chars
EDGE_LINES = 2  # lines at the top and at the bottom of a page that may be a running header or footer


def read_pages(data: bytes, source: str, budget: Budget) -> tuple[list[str], str]:
    """(each page's clean text, '' for a page without a text layer; title from the metadata or '')."""
    budget.pages(len(_PAGE.findall(data)))
    _inflated(data, budget)
    doc = open_document(data, source)
    try:
        import pypdfium2 as pdfium

        budget.pages(len(doc))
        pages, read = [], 0
        for i in range(len(doc)):
            budget.tick()
            pages.append(_page_text(doc, i))
            read += len(pages[-1])
            budget.chars(read)
        title = str(doc.get_metadata_dict().get("Title") or "").strip()
    except pdfium.PdfiumError as exc:
        raise IngestError(f"{source}: could not read the PDF ({exc})") from None
    finally:
        doc.close()
    return clean_pages(pages), title


def open_document(data: bytes, source: str):
    """The PDF as a PDFium document (pages to read or render; the caller closes it), or IngestError."""
    try:
        import pypdfium2 as pdfium  # lazy: only ingest of a PDF needs it
    except ImportError as exc:  # pragma: no cover - a broken install
        raise IngestError(f"{source}: pypdfium2 is not installed ({exc}): run `make install`") from None
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise IngestError(f"{source}: the PDF is encrypted with a password; save an unprotected copy") from None
        raise IngestError(f"{source}: not a readable PDF ({exc})") from None


def _inflated(data: bytes, budget: Budget) -> int:
    """The bytes the file's compressed streams inflate to, counted before PDFium reads them, and no further
    than the budget allows (INFLATE_PER_CHAR bytes a character: fonts and images inflate too): a small page
    that inflates to gigabytes is refused here, not in C."""
    import zlib

    total = 0
    for m in _STREAM.finditer(data):
        end = data.find(b"endstream", m.end())
        if end < 0:
            break
        inflater = zlib.decompressobj()
        try:
            chunk = inflater.decompress(data[m.end():end], 1 << 20)
            while chunk:
                total += len(chunk)
                budget.chars(total // INFLATE_PER_CHAR)
                chunk = inflater.decompress(inflater.unconsumed_tail, 1 << 20)
        except zlib.error:
            continue  # not deflated (an image, say), or damaged: PDFium decides
    return total


def _page_text(doc, i: int) -> str:
    page = doc[i]
    try:
        textpage = page.get_textpage()
        try:
            return textpage.get_text_range()
        finally:
            textpage.close()
    finally:
        page.close()


def clean_pages(pages: list[str]) -> list[str]:
    """Each page's text without running headers and footers, hyphenation at line ends, or ligatures."""
    lines = [[line.strip() for line in p.translate(_LIGATURES).replace("\r\n", "\n").replace("\r", "\n").split("\n")]
             for p in pages]
    lines = [[line for line in page if line] for page in lines]
    running = _running_lines(lines)
    kept = ["\n".join(line for n, line in enumerate(page)
                      if not ((n < EDGE_LINES or n >= len(page) - EDGE_LINES) and _shape(line) in running))
            for page in lines]
    words = {w.lower() for page in kept for w in _WORD.findall(page)}

    def join(m: re.Match) -> str:
        whole = m[1] + m[2]
        return whole if whole.lower() in words else f"{m[1]}-{m[2]}"

    return [_HYPHENATED.sub(join, page).strip() for page in kept]


def _running_lines(pages: list[list[str]]) -> set[str]:
    """Shapes of the lines (digits masked) found at a page's edge on more than half of the pages (3 pages at
    least): the running headers and footers."""
    if len(pages) < 3:
        return set()
    seen = Counter(shape for page in pages
                   for shape in {_shape(line) for line in page[:EDGE_LINES] + page[-EDGE_LINES:]})
    return {shape for shape, n in seen.items() if n > len(pages) / 2}


def _shape(line: str) -> str:
    return _DIGITS.sub("#", " ".join(line.split()))
