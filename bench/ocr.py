"""OCR engines on real scanned pages: character error rate and seconds per page.

Renders pages of real text PDFs to images (pypdfium2, as scanned.py does) at the given dpi, reads
each image with every engine through assistant/ingest/ocr.py (the ingest's own path), and compares
with the page's text layer as `pdftotext -layout` (poppler-utils) gives it (visual line order, as OCR reads). Whitespace runs become one
space on both sides before the edit distance; `cer_nospace` ignores spaces too (an engine that
drops the spaces between words shows it as the gap between the two). Wall and CPU seconds per
page are both kept: the CPU time does not depend on what else shares the cores. Writes JSON to --out.

    python bench/ocr.py eval-out/realdocs/corpus/bash-manpage.pdf:3,10 --dpi 150 200 --out bench/ocr.json
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

from assistant.ingest.ocr import ocr_image
from assistant.ingest.limits import Limits


def distance(a: str, b: str) -> int:
    """Levenshtein distance, one row at a time."""
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def norm(text: str) -> str:
    return " ".join(text.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
                    .replace("\u2212", "-").replace("\u2013", "-").replace("\ufb01", "fi").replace("\ufb02", "fl").split())


def reference(pdf: Path, page: int) -> str:
    return subprocess.run(["pdftotext", "-layout", "-f", str(page), "-l", str(page), str(pdf), "-"],
                          capture_output=True, text=True, check=True).stdout


def render(pdf: Path, page: int, dpi: int):
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(pdf))
    try:
        return doc[page - 1].render(scale=dpi / 72, grayscale=True).to_pil().convert("RGB")
    finally:
        doc.close()


def _cpu() -> float:
    """CPU seconds of this process and its finished children (tesseract runs as one): what a page
    costs whatever else the machine is doing; on 2 quiet cores the wall time is at least half of it."""
    import resource

    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("pages", nargs="+", help="PDF:PAGE,PAGE,... (pages from 1)")
    ap.add_argument("--dpi", type=int, nargs="+", default=[150, 200])
    ap.add_argument("--engines", nargs="+", default=["rapidocr", "tesseract"])
    ap.add_argument("--out", type=Path, default=Path("bench/ocr.json"))
    args = ap.parse_args(argv)
    rows = []
    for spec in args.pages:
        path, numbers = spec.rsplit(":", 1)
        for page in map(int, numbers.split(",")):
            ref = norm(reference(Path(path), page))
            for dpi in args.dpi:
                image = render(Path(path), page, dpi)
                for engine in args.engines:
                    limits = Limits(ocr=engine, ocr_seconds=600)
                    ocr_image(image.crop((0, 0, 64, 64)), "warm-up", limits)  # load the engine outside the timing
                    start, cpu = time.perf_counter(), _cpu()
                    got = norm(ocr_image(image, f"{path}:{page}", limits))
                    seconds, cpu = time.perf_counter() - start, _cpu() - cpu
                    row = {"pdf": Path(path).name, "page": page, "dpi": dpi, "engine": engine, "seconds": round(seconds, 2), "cpu_seconds": round(cpu, 2),
                           "chars": len(ref), "cer": round(distance(got, ref) / max(1, len(ref)), 4),
                           "cer_nospace": round(distance(got.replace(" ", ""), ref.replace(" ", "")) / max(1, len(ref.replace(" ", ""))), 4)}
                    rows.append(row)
                    print(json.dumps(row), flush=True)
    summary = {}
    for engine in args.engines:
        for dpi in args.dpi:
            mine = [r for r in rows if r["engine"] == engine and r["dpi"] == dpi]
            chars = sum(r["chars"] for r in mine)
            summary[f"{engine}@{dpi}"] = {
                "pages": len(mine), "cer": round(sum(r["cer"] * r["chars"] for r in mine) / chars, 4),
                "cer_nospace": round(sum(r["cer_nospace"] * r["chars"] for r in mine) / chars, 4),
                "seconds_per_page": round(sum(r["seconds"] for r in mine) / len(mine), 2),
                "seconds_max": max(r["seconds"] for r in mine),
                "cpu_seconds_per_page": round(sum(r["cpu_seconds"] for r in mine) / len(mine), 2)}
    args.out.write_text(json.dumps({"summary": summary, "pages": rows}, indent=1) + "\n")
    print(json.dumps(summary, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
