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
    path.write_bytes(pdf_file(objects, info=info))
    return path


def pdf_file(objects: list[bytes], root: int = 1, info: int | None = None) -> bytes:
    """A PDF of these objects (numbered from 1) with its cross-reference table; `root` is the catalog's
    number, `info` the document information's, if any."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    trailer = b"/Size %d /Root %d 0 R" % (len(objects) + 1, root) + (b" /Info %d 0 R" % info if info else b"")
    out += b"trailer\n<< " + trailer + b" >>\nstartxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


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


# The newer formats (assistant/ingest/formats.py), each written by its own library or by hand.

def make_pptx(path: Path) -> Path:
    """Two slides with titles, body text, a table on the second, and speaker notes."""
    from pptx import Presentation
    from pptx.util import Inches

    deck = Presentation()
    deck.core_properties.title = "Ferry briefing"
    first = deck.slides.add_slide(deck.slide_layouts[1])
    first.shapes.title.text = "Winter service"
    first.placeholders[1].text = "The second sailing is cancelled when the ice is thicker than ten centimetres."
    first.notes_slide.notes_text_frame.text = "Mention the icebreaker contract with Karsk Point."
    second = deck.slides.add_slide(deck.slide_layouts[5])
    second.shapes.title.text = "Fares"
    table = second.shapes.add_table(3, 2, Inches(1), Inches(2), Inches(6), Inches(2)).table
    for r, (who, price) in enumerate([("Passenger", "Crowns"), ("Adult", "12"), ("Child", "6")]):
        table.cell(r, 0).text, table.cell(r, 1).text = who, price
    second.notes_slide.notes_text_frame.text = "Fares rise in March."
    deck.save(path)
    return path


def make_xlsx(path: Path, rows: int = 3) -> Path:
    """Two sheets: 'Ports' (a header and `rows` rows) and 'Staff'."""
    import openpyxl

    book = openpyxl.Workbook()
    ports = book.active
    ports.title = "Ports"
    ports.append(["Port", "Berths", "Depth (m)"])
    for n in range(rows):
        ports.append([f"Port {n + 1}" if n else "Vellholm", n + 4, 7.5 + n])
    staff = book.create_sheet("Staff")
    staff.append(["Name", "Role"])
    staff.append(["Ina Berg", "Harbour master"])
    book.save(path)
    return path


def make_ods(path: Path) -> Path:
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    doc = OpenDocumentSpreadsheet()
    sheet = Table(name="Tides")
    for values in [("Day", "High water"), ("Monday", "06:12"), ("Tuesday", "06:58")]:
        row = TableRow()
        for v in values:
            cell = TableCell()
            cell.addElement(P(text=v))
            row.addElement(cell)
        sheet.addElement(row)
    doc.spreadsheet.addElement(sheet)
    doc.save(str(path))
    return path


def make_odt(path: Path) -> Path:
    from odf.opendocument import OpenDocumentText
    from odf.text import H, P

    doc = OpenDocumentText()
    doc.text.addElement(H(outlinelevel=1, text="Harbour rules"))
    doc.text.addElement(P(text="Ships report to the harbour master on channel 12."))
    doc.text.addElement(H(outlinelevel=2, text="Anchoring"))
    doc.text.addElement(P(text="Anchoring is forbidden inside the breakwater."))
    doc.save(str(path))
    return path


RTF = (r"{\rtf1\ansi\deff0 {\fonttbl {\f0 Times;}}"
       r"{\pard \ql \f0 \sa180 \li0 \fi0 \outlinelevel0 \b \fs36 Harbour rules\par}"
       r"{\pard \ql \f0 \sa180 \li0 \fi0 Ships report to the harbour master on channel 12.\par}"
       r"{\pard \ql \f0 \sa180 \li0 \fi0 \outlinelevel1 \b \fs32 Anchoring\par}"
       r"{\pard \ql \f0 \sa180 \li0 \fi0 Anchoring is forbidden inside the breakwater.\par}}")


def make_epub(path: Path) -> Path:
    """Two chapters, the second with a table."""
    from ebooklib import epub

    book = epub.EpubBook()
    book.set_identifier("ferry-1")
    book.set_title("The ferry book")
    book.set_language("en")
    one = epub.EpubHtml(title="History", file_name="one.xhtml", lang="en")
    one.content = "<html><body><h1>History</h1><p>The first ferry sailed in 1911.</p></body></html>"
    two = epub.EpubHtml(title="Today", file_name="two.xhtml", lang="en")
    two.content = ("<html><body><h1>Today</h1><p>The Vellholm ferry carries 120 passengers.</p>"
                   "<table><tr><th>Year</th><th>Passengers</th></tr><tr><td>2024</td><td>81,000</td></tr></table>"
                   "</body></html>")
    for chapter in (one, two):
        book.add_item(chapter)
    book.toc = [one, two]
    book.add_item(epub.EpubNcx())
    book.add_item(epub.EpubNav())
    book.spine = ["nav", one, two]
    epub.write_epub(str(path), book)
    return path


def make_eml(path: Path, attachment: tuple[str, bytes] | None = ("timetable.csv", b"Day,Departure\nMonday,07:40\n")) -> Path:
    from email.message import EmailMessage

    msg = EmailMessage()
    msg["Subject"] = "New winter timetable"
    msg["From"] = "Ina Berg <ina@harbour.example>"
    msg["To"] = "crew@harbour.example"
    msg["Date"] = "Tue, 04 Nov 2025 09:30:00 +0100"
    msg.set_content("Dear crew,\n\nthe winter timetable starts on 1 December. It is attached.\n\nIna")
    if attachment:
        name, data = attachment
        msg.add_attachment(data, maintype="application", subtype="octet-stream", filename=name)
    path.write_bytes(bytes(msg))
    return path


def text_image(lines: list[str], width: int = 1000):
    """A white image with black DejaVu text, one line each, as a 150 dpi scan of a page would show it."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 24)
    image = Image.new("RGB", (width, 60 + 44 * len(lines)), "white")
    draw = ImageDraw.Draw(image)
    for n, line in enumerate(lines):
        draw.text((30, 30 + 44 * n), line, fill="black", font=font)
    return image


def make_mixed_pdf(path: Path, before: list[str], scanned: list[str], after: list[str]) -> Path:
    """A PDF of a text page, a page that is only an image of text (no text layer), and a text page."""
    import io

    import pypdfium2 as pdfium

    scan = io.BytesIO()
    text_image(scanned).save(scan, format="PDF", resolution=150)
    text = make_pdf(path.with_suffix(".text.pdf"), [before, after])
    text_doc, scan_doc = pdfium.PdfDocument(text), pdfium.PdfDocument(scan.getvalue())
    mixed = pdfium.PdfDocument.new()
    mixed.import_pages(text_doc, [0])
    mixed.import_pages(scan_doc, [0])
    mixed.import_pages(text_doc, [1])
    mixed.save(path)
    for doc in (mixed, scan_doc, text_doc):
        doc.close()
    text.unlink()
    return path
