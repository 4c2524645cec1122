"""Small files of each format, made by the tests: a PDF written by hand (standard font,
one text object a line), a DOCX made with python-docx, and HTML."""

from __future__ import annotations

from pathlib import Path


def make_pdf(path: Path, pages: list[list[str]], title: str = "") -> Path:
    """A valid PDF with one page per list of lines, in Helvetica."""
    objects: list[bytes] = []
    n_pages = len(pages)
    page_ids = [4 + 2 * i for i in range(n_pages)]
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % i for i in page_ids) + b"] /Count %d >>" % n_pages)
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    for i, lines in enumerate(pages):
        content = b"BT /F1 11 Tf 72 720 Td 14 TL " + b" ".join(
            b"(" + line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)").encode("latin-1") + b") Tj T*"
            for line in lines) + b" ET"
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> "
                       b"/Contents %d 0 R >>" % (page_ids[i] + 1))
        objects.append(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
    info = len(objects) + 1
    objects.append(b"<< /Title (" + title.encode("latin-1") + b") >>")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, info, xref)
    path.write_bytes(bytes(out))
    return path


def make_docx(path: Path) -> Path:
    import docx

    d = docx.Document()
    d.core_properties.title = "Ferry operations manual"
    d.add_heading("Ferry operations", level=1)
    d.add_paragraph("The Vellholm ferry carries 120 passengers and 14 cars.")
    d.add_heading("Timetable", level=2)
    d.add_paragraph("Departures from the harbour are listed below.")
    table = d.add_table(rows=3, cols=2)
    for row, (day, time) in zip(table.rows, [("Day", "Departure"), ("Monday", "07:40"), ("Saturday", "09:15")]):
        row.cells[0].text, row.cells[1].text = day, time
    d.add_paragraph("Tickets are sold on board.")
    d.save(path)
    return path


HTML = """<!doctype html><html><head><title>Harbour news: the new ferry timetable</title></head><body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/sport">Sport results and league tables</a></li>
<li><a href="/contact">Contact the newsroom</a></li></ul></nav>
<header><div class="logo">Harbour News Online</div></header>
<main><article><h1>The new ferry timetable</h1>
<p>The Vellholm ferry will leave the harbour at 07:40 every weekday from March. The crossing takes
50 minutes and costs 12 crowns for adults, the harbour master Ina Berg said on Tuesday.</p>
<h2>Winter service</h2>
<p>In winter the second sailing is cancelled when the ice in the sound is thicker than ten centimetres,
because the old ferry was not built for ice.</p>
</article></main>
<aside>Most read: a cat rescued from a tree; weather for the weekend</aside>
<footer>Copyright 2025 Harbour News. All rights reserved. Privacy policy. Cookie settings.</footer>
<script>document.write("tracking pixel")</script></body></html>
"""
