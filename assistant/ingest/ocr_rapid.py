"""OCR with RapidOCR (PP-OCRv4 detection and recognition as ONNX, inside the rapidocr-onnxruntime
wheel): the only rapidocr_onnxruntime import. The engine loads once per process (about 2 s) and is
kept. It runs in this process, so `seconds` cannot stop a page half-way: ocr.py bounds the image
size instead, and a page over the time refuses its file once that page is done.
"""

from __future__ import annotations

import time

from assistant.errors import IngestError

_ENGINE = []  # the loaded engine, once: loading the ONNX sessions costs seconds


def recognise(image, source: str, seconds: float) -> str:
    import numpy as np

    if not _ENGINE:
        from rapidocr_onnxruntime import RapidOCR  # lazy: loads onnxruntime and opencv, only for OCR

        _ENGINE.append(RapidOCR())
    start = time.perf_counter()
    try:
        result, _ = _ENGINE[0](np.asarray(image)[:, :, ::-1])  # RGB -> BGR, as opencv reads images
    except Exception as exc:  # onnxruntime and opencv errors on images they cannot take
        raise IngestError(f"{source}: OCR failed ({type(exc).__name__}: {exc})") from None
    if time.perf_counter() - start > seconds:
        raise IngestError(f"{source}: OCR took {time.perf_counter() - start:.0f} s for a page (limit "
                          f"{seconds:g} s, setting 'ingest.ocr_seconds')")
    return layout([(box, text) for box, text, _score in result or []])


def layout(boxes: list) -> str:
    """Text boxes [(four corner points, text)] -> lines in reading order; a gap taller than a line
    between two lines starts a new paragraph."""
    items = sorted(((min(p[1] for p in b), max(p[1] for p in b), min(p[0] for p in b), t) for b, t in boxes))
    lines: list[list] = []
    for top, bottom, left, text in items:
        if lines and top < (lines[-1][0] + lines[-1][1]) / 2:  # starts above the middle of the line: same line
            lines[-1][2].append((left, text))
            lines[-1][1] = max(lines[-1][1], bottom)
        else:
            lines.append([top, bottom, [(left, text)]])
    out, previous = [], None
    for top, bottom, parts in lines:
        if previous is not None and top - previous[1] > (previous[1] - previous[0]):
            out.append("")
        out.append(" ".join(t for _, t in sorted(parts)))
        previous = (top, bottom)
    return "\n".join(out)
