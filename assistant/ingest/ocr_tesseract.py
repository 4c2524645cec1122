"""OCR with Debian's `tesseract` program (packages tesseract-ocr and tesseract-ocr-eng), run as a
subprocess per page with a time limit: no Python binding. English; LSTM engine; automatic page
segmentation. Absent program -> IngestError saying how to install it.
"""

from __future__ import annotations

import io
import shutil
import subprocess

from assistant.errors import IngestError


def recognise(image, source: str, seconds: float) -> str:
    program = shutil.which("tesseract")
    if program is None:
        raise IngestError(f"{source}: needs OCR, but the tesseract program is not installed "
                          "(apt-get install tesseract-ocr tesseract-ocr-eng, or set ingest.ocr to 'rapidocr')")
    png = io.BytesIO()
    image.save(png, format="PNG")
    try:
        done = subprocess.run([program, "stdin", "stdout", "-l", "eng"], input=png.getvalue(), capture_output=True,
                              timeout=seconds, env={"OMP_THREAD_LIMIT": "1", "PATH": "/usr/bin:/bin"})
    except subprocess.TimeoutExpired:
        raise IngestError(f"{source}: OCR took over {seconds:g} s for a page (setting 'ingest.ocr_seconds')") from None
    if done.returncode != 0:
        raise IngestError(f"{source}: tesseract failed ({done.stderr.decode(errors='replace').strip()[-200:]})")
    text = done.stdout.decode("utf-8", errors="replace").replace("\f", "")
    return "\n".join(line.rstrip() for line in text.strip().split("\n"))
