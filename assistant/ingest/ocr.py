"""OCR: an image -> its text, on the CPU, with the engine the settings name. Pillow for images.

Two engines, each in its own module: `tesseract` (ocr_tesseract.py; Debian's tesseract-ocr
program), the default because it is about ten times faster and more exact on printed pages
(BENCHMARKS.md, docs/experiments/2026-11-29-ocr-engine.md), and `rapidocr` (ocr_rapid.py; its ONNX
models are inside the pip wheel), used by `auto` where tesseract is not installed. Neither fetches
anything at run time. Images are bounded before any engine sees them: more than MAX_PIXELS is
refused (a decompression bomb), a side longer than MAX_SIDE is scaled down. This module does not
render PDF pages (scanned.py does) and does not decide when to OCR.
"""

from __future__ import annotations

import io
import shutil

from assistant.errors import IngestError
from assistant.ingest.limits import Budget, Limits
from assistant.ingest.parsed import Parsed, escape_headings

MAX_PIXELS = 60_000_000  # a bigger image is refused unread (an A4 page at 600 dpi is 35 million)
MAX_SIDE = 3500  # longer sides are scaled down to this (about 300 dpi for A4): more costs time, not accuracy


def ocr_image(image, source: str, limits: Limits) -> str:
    """The text of a Pillow image, lines joined by '\\n', paragraphs by a blank line, read with the engine
    `limits.ocr` names within `limits.ocr_seconds`."""
    if limits.ocr == "off":
        raise IngestError(f"{source}: needs OCR, which is off (setting 'ingest.ocr')")
    image = _bounded(image)
    if limits.ocr == "tesseract" or (limits.ocr == "auto" and shutil.which("tesseract")):
        from assistant.ingest.ocr_tesseract import recognise
    else:
        from assistant.ingest.ocr_rapid import recognise
    return recognise(image, source, limits.ocr_seconds)


def read_image(data: bytes, source: str, budget: Budget) -> Parsed:
    """PNG, JPEG or TIFF -> text; each frame of a multi-page TIFF is a page, headed "Page N (OCR)"."""
    from PIL import Image, UnidentifiedImageError  # lazy: only images and scanned pages need it

    parts, starts, offset = [], [], 0
    try:
        with Image.open(io.BytesIO(data)) as img:
            frames = getattr(img, "n_frames", 1)
            if frames > budget.limits.max_pages:
                raise IngestError(f"{source}: {frames} pages, over the limit of {budget.limits.max_pages} "
                                  "(setting 'ingest.max_pages')")
            for n in range(frames):
                img.seek(n)
                _check_pixels(img, source)
                text = ocr_image(img.convert("RGB"), source, budget.limits)
                heading = f"# Page {n + 1} (OCR)" if frames > 1 else "# Image text (OCR)"
                part = f"{heading}\n\n{escape_headings(text)}"
                starts.append(offset)
                parts.append(part)
                offset += len(part) + 2
    except IngestError:
        raise
    except (UnidentifiedImageError, OSError, ValueError, EOFError, Image.DecompressionBombError) as exc:
        raise IngestError(f"{source}: not a readable image ({type(exc).__name__}: {exc})") from None
    except Exception as exc:  # Pillow's decoders raise TypeError, KeyError ... on damaged headers (found by fuzzing)
        raise IngestError(f"{source}: not a readable image ({type(exc).__name__}: {exc})") from None
    if not any(part.split("\n\n", 1)[-1].strip() for part in parts):
        raise IngestError(f"{source}: OCR found no text in the image")
    return Parsed("\n\n".join(parts), pages=starts if len(parts) > 1 else [])


def _check_pixels(img, source: str) -> None:
    if img.width * img.height > MAX_PIXELS:
        raise IngestError(f"{source}: {img.width}x{img.height} pixels is over the limit of {MAX_PIXELS:,}")


def _bounded(image):
    side = max(image.width, image.height)
    if side <= MAX_SIDE:
        return image
    scale = MAX_SIDE / side
    return image.resize((max(1, int(image.width * scale)), max(1, int(image.height * scale))))

