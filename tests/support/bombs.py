"""Hostile files of each format, small on disk and costly to read (SECURITY.md, docs/reliability.md).

Each maker writes one file and returns its path. They are all under the default `ingest.max_file_mb`
and the 200 MiB unzip cap, so only the loaders' own bounds (assistant/ingest/limits.py) stop them.
`BOMBS` names every one, for tests/test_bombs.py; `measure()` loads a file in a child process and
returns what that cost (the child's peak memory, its wall time) and how it ended.
"""

from __future__ import annotations

import json
import subprocess
import sys
import zlib
from pathlib import Path

from tests.support.formats import make_pdf, pdf_file

MB = 2**20


# --- text and Markdown -------------------------------------------------------------------------------

def txt_huge_line(path: Path) -> Path:
    """90 MB of words on one line: no newline, no sentence end."""
    path.write_bytes(b"word " * (18 * MB))
    return path


def md_huge_file(path: Path) -> Path:
    """90 MB of ordinary Markdown paragraphs, under the 100 MB file cap."""
    para = b"The ferry leaves at seven and the crossing takes fifty minutes in calm weather.\n\n"
    path.write_bytes(b"# Log\n\n" + para * (90 * MB // len(para)))
    return path


# --- HTML ---------------------------------------------------------------------------------------------

def _html(body: bytes) -> bytes:
    return b"<!doctype html><html><head><title>t</title></head><body>" + body + b"</body></html>"


def html_deep(path: Path) -> Path:
    """200,000 nested <div>s around one sentence."""
    path.write_bytes(_html(b"<div>" * 200_000 + b"<p>The ferry leaves at seven.</p>" + b"</div>" * 200_000))
    return path


def html_table(path: Path) -> Path:
    """A table of 100,000 rows of 4 cells (about 6 MB)."""
    row = b"<tr><td>ferry</td><td>07:40</td><td>50 min</td><td>12</td></tr>"
    path.write_bytes(_html(b"<table>" + row * 100_000 + b"</table>"))
    return path


def html_entities(path: Path) -> Path:
    """One paragraph of 12 million character references (60 MB)."""
    path.write_bytes(_html(b"<p>" + b"&amp;" * (12 * 10**6) + b"</p>"))
    return path


# --- PDF ----------------------------------------------------------------------------------------------

def pdf_many_pages(path: Path) -> Path:
    """50,000 pages of one line each."""
    return make_pdf(path, [["The ferry leaves at seven."]] * 50_000)


def pdf_huge_stream(path: Path) -> Path:
    """One page whose content stream inflates from under 1 MB to 60 MB of text operators."""
    content = b"BT /F1 11 Tf 72 720 Td " + b"(ferry) Tj " * (6 * MB) + b"ET"
    packed = zlib.compress(content, 9)
    path.write_bytes(pdf_file([
        b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents 5 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(packed) + packed + b"\nendstream",
    ]))
    return path


def pdf_deep_objects(path: Path) -> Path:
    """A page tree 20,000 levels deep, each level a /Pages node with one kid, and an array nested
    100,000 deep in the catalogue."""
    depth = 20_000
    objects = [b"<< /Type /Catalog /Pages 2 0 R /Deep " + b"[" * 100_000 + b"]" * 100_000 + b" >>"]
    for level in range(depth):
        n = 2 + level
        objects.append(b"<< /Type /Pages /Kids [%d 0 R] /Count 1 >>" % (n + 1))
    objects.append(b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 792] /Contents %d 0 R >>" % (depth + 1, depth + 3))
    content = b"BT /F1 11 Tf 72 720 Td (The ferry leaves at seven.) Tj ET"
    objects.append(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
    path.write_bytes(pdf_file(objects))
    return path


# --- DOCX ---------------------------------------------------------------------------------------------

_W = b'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def _docx(path: Path, body_parts, length: int, tail: bytes = b"") -> Path:
    """A DOCX made with python-docx, its document.xml replaced by a streamed body of `length` bytes."""
    import io
    import zipfile

    import docx

    base = io.BytesIO()
    docx.Document().save(base)
    with zipfile.ZipFile(base) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as dst:
        for info in src.infolist():
            if info.filename != "word/document.xml":
                dst.writestr(info, src.read(info))
        with dst.open("word/document.xml", "w", force_zip64=True) as out:
            out.write(b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document ' + _W + b"><w:body>")
            written = 0
            for part in body_parts():
                out.write(part)
                written += len(part)
                if written >= length:
                    break
            out.write(tail + b"<w:sectPr/></w:body></w:document>")
    return path


def _repeat(unit: bytes):
    block = unit * max(1, MB // len(unit))
    return lambda: iter(lambda: block, None)


def docx_empty_paragraphs(path: Path) -> Path:
    """The issue's bomb: document.xml of 190 MiB of empty paragraphs, about 300 KB zipped."""
    return _docx(path, _repeat(b"<w:p/>"), 190 * MB)


def docx_empty_paragraphs_small(path: Path) -> Path:
    """The issue's second bomb: 20 MiB of empty paragraphs, about 30 KB zipped."""
    return _docx(path, _repeat(b"<w:p/>"), 20 * MB)


def docx_many_runs(path: Path) -> Path:
    """One paragraph of 40 MiB of one-letter runs."""
    def parts():
        yield b"<w:p>"
        yield from _repeat(b"<w:r><w:t>a</w:t></w:r>")()
    return _docx(path, parts, 40 * MB, tail=b"</w:p>")


def docx_many_tables(path: Path) -> Path:
    """40 MiB of small tables (2 rows of 2 cells each)."""
    cell = b"<w:tc><w:p><w:r><w:t>x</w:t></w:r></w:p></w:tc>"
    return _docx(path, _repeat(b"<w:tbl><w:tblGrid><w:gridCol/><w:gridCol/></w:tblGrid><w:tr>" + cell * 2 + b"</w:tr><w:tr>" + cell * 2 + b"</w:tr></w:tbl>"), 40 * MB)


def docx_huge_text(path: Path) -> Path:
    """Paragraphs of 1 MB of text each, 150 MiB in all: few elements, a great deal of text."""
    return _docx(path, _repeat(b"<w:p><w:r><w:t>" + b"ferry " * (MB // 6) + b"</w:t></w:r></w:p>"), 150 * MB)


BOMBS = {
    "huge-line.txt": txt_huge_line, "huge-file.md": md_huge_file,
    "deep.html": html_deep, "table.html": html_table, "entities.html": html_entities,
    "pages.pdf": pdf_many_pages, "stream.pdf": pdf_huge_stream, "deep.pdf": pdf_deep_objects,
    "paragraphs.docx": docx_empty_paragraphs, "paragraphs-small.docx": docx_empty_paragraphs_small,
    "runs.docx": docx_many_runs, "tables.docx": docx_many_tables, "text.docx": docx_huge_text,
}

_CHILD = """
import json, resource, sys, time
from pathlib import Path
resource.setrlimit(resource.RLIMIT_AS, (int(sys.argv[2]), int(sys.argv[2])))  # a runaway bomb fails, not the machine
import assistant
from assistant.errors import IngestError
from assistant.ingest.loaders import load
path = Path(sys.argv[1])
start = time.perf_counter()
try:
    doc = load(path, path.parent)
    outcome = f"loaded: {len(doc.text)} characters"
except IngestError as exc:
    outcome = f"refused: {exc}"
except MemoryError:
    outcome = "MemoryError"
seconds = time.perf_counter() - start
# the peak of this process's own memory: VmHWM, not ru_maxrss, which keeps the parent's peak across
# fork and exec (a test run that loaded the model would read as a 3 GB child)
hwm = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({"outcome": outcome, "seconds": seconds, "peak_mb": hwm / 1024}))
"""


def measure(path: Path, timeout: float = 60, address_space_mb: int = 3000) -> dict:
    """Load `path` in a child process (address space capped at `address_space_mb`, killed after
    `timeout` s): {"outcome": "refused: ..." | "loaded: ..." | "timeout" | ..., "seconds", "peak_mb"}.
    `seconds` is the load alone; `peak_mb` the child's peak resident memory (VmHWM)."""
    root = Path(__file__).resolve().parent.parent.parent
    try:
        done = subprocess.run([sys.executable, "-c", _CHILD, str(path), str(address_space_mb * MB)], cwd=root,
                              capture_output=True, text=True, timeout=timeout, env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"})
    except subprocess.TimeoutExpired:
        return {"outcome": "timeout", "seconds": timeout, "peak_mb": None}
    lines = done.stdout.strip().splitlines()
    if done.returncode or not lines:
        return {"outcome": f"crashed ({done.returncode}): {done.stderr.strip()[-300:]}", "seconds": None, "peak_mb": None}
    return json.loads(lines[-1])
