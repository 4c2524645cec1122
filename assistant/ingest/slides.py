"""PPTX -> Markdown-like text, one section a slide: the only python-pptx import.

Each slide becomes a heading "Slide N: its title" (so a chunk's heading, and its citation, name the
slide), then the text of its other shapes in order, its tables as Markdown tables, and its speaker
notes after "Notes:". Pictures and charts give no text (no OCR of slides).
"""

from __future__ import annotations

import io

from assistant.errors import IngestError
from assistant.ingest.archive import check_zip
from assistant.ingest.limits import Budget
from assistant.ingest.parsed import Parsed, escape_headings
from assistant.ingest.tables import markdown_table


def read_pptx(data: bytes, source: str, budget: Budget) -> Parsed:
    limits = budget.limits
    check_zip(data, source, "PPTX", limits.max_unzipped_mb)
    try:
        from pptx import Presentation  # lazy: only ingest of a PPTX needs it

        deck = Presentation(io.BytesIO(data))
        if len(deck.slides) > limits.max_pages:
            raise IngestError(f"{source}: {len(deck.slides)} slides, over the limit of {limits.max_pages} "
                              "(setting 'ingest.max_pages')")
        title = (deck.core_properties.title or "").strip()
        sections = [_slide(n, slide) for n, slide in enumerate(deck.slides, 1)]
    except IngestError:
        raise
    except Exception as exc:  # python-pptx raises KeyError, ValueError, lxml errors ... on damaged files
        raise IngestError(f"{source}: not a readable PPTX ({type(exc).__name__}: {exc})") from None
    return Parsed("\n\n".join(sections), title)


def _slide(n: int, slide) -> str:
    heading_shape = slide.shapes.title
    heading = " ".join((heading_shape.text_frame.text if heading_shape is not None else "").split())
    blocks = [f"# Slide {n}: {heading}" if heading else f"# Slide {n}"]
    for shape in slide.shapes:
        if heading_shape is not None and shape.shape_id == heading_shape.shape_id:
            continue
        if getattr(shape, "has_table", False) and shape.has_table:
            blocks.append(markdown_table([[c.text for c in row.cells] for row in shape.table.rows]))
        elif getattr(shape, "has_text_frame", False) and shape.has_text_frame:
            blocks += [escape_headings(p) for p in (" ".join(par.text.split()) for par in shape.text_frame.paragraphs) if p]
    if slide.has_notes_slide:
        notes = " ".join(slide.notes_slide.notes_text_frame.text.split()) if slide.notes_slide.notes_text_frame else ""
        if notes:
            blocks.append(f"Notes: {notes}")  # starts with "Notes:", never a heading
    return "\n\n".join(b for b in blocks if b)
