"""The newer formats (PPTX, XLSX, ODS, ODT, CSV/TSV, EPUB, RTF, EML/MBOX, images and scanned PDF
pages) on small files the tests make, read by the real libraries, and the positions their chunks
keep for citations (slide, sheet and rows, chapter, heading, message, page)."""

from __future__ import annotations

import shutil

import pytest

from assistant.errors import IngestError
from assistant.ingest.chunking import chunk_document
from assistant.ingest.loaders import load
from assistant.ingest.limits import Limits
from tests.support.fakes import WordCounter
from assistant.records import Passage, where
from tests.support.formats import (RTF, make_docx, make_eml, make_epub, make_mixed_pdf, make_ods, make_odt, make_pdf,
                                   make_pptx, make_xlsx, text_image)


def chunks_of(doc, size=200):
    return chunk_document(doc, WordCounter(), size, 20)


def test_pptx_slides_with_titles_tables_and_notes(tmp_path):
    doc = load(make_pptx(tmp_path / "briefing.pptx"), tmp_path)
    assert doc.title == "Ferry briefing" and doc.markdown
    chunks = chunks_of(doc)
    first = [c for c in chunks if "ten centimetres" in c.text]
    assert len(first) == 1 and first[0].heading == "Slide 1: Winter service"
    assert "Notes: Mention the icebreaker contract with Karsk Point." in first[0].text
    fares = [c for c in chunks if "| Adult | 12 |" in c.text]
    assert fares[0].heading == "Slide 2: Fares, rows 1-3" and "| Passenger | Crowns |" in fares[0].text
    assert any("Notes: Fares rise in March." in c.text and c.heading == "Slide 2: Fares" for c in chunks)


def test_a_slide_line_starting_with_a_hash_is_text_not_a_heading(tmp_path):
    from pptx import Presentation

    deck = Presentation()
    slide = deck.slides.add_slide(deck.slide_layouts[1])
    slide.shapes.title.text = "Hooks"
    slide.placeholders[1].text = "pre-auto-gc\n# OK, run this command.\nThis hook is invoked by git gc --auto."
    deck.save(tmp_path / "hooks.pptx")
    [chunk] = chunks_of(load(tmp_path / "hooks.pptx", tmp_path))
    assert chunk.heading == "Slide 1: Hooks"  # the citation still names the slide
    assert "\\# OK, run this command." in chunk.text and "invoked by git gc" in chunk.text


def test_xlsx_two_sheets_each_a_table_named_by_sheet_and_rows(tmp_path):
    doc = load(make_xlsx(tmp_path / "harbour.xlsx"), tmp_path)
    chunks = chunks_of(doc)
    assert [c.heading for c in chunks] == ["Ports, rows 1-4", "Staff, rows 1-2"]
    assert chunks[0].text.startswith("| Port | Berths | Depth (m) |\n|---|---|---|\n| Vellholm | 4 | 7.5 |")
    assert "| Ina Berg | Harbour master |" in chunks[1].text


def test_a_long_table_is_cut_by_rows_with_the_header_in_every_chunk(tmp_path):
    doc = load(make_xlsx(tmp_path / "ports.xlsx", rows=100), tmp_path)
    chunks = [c for c in chunks_of(doc, size=60) if c.heading.startswith("Ports")]
    assert len(chunks) > 3
    for chunk in chunks:
        assert chunk.text.startswith("| Port | Berths | Depth (m) |\n|---|---|---|\n| ")
    assert chunks[0].heading == "Ports, rows 2-" + str(len(chunks[0].text.split("\n")) - 1)
    last = chunks[-1].heading.rsplit("-", 1)[-1]
    assert last == "101" and "| Port 100 | 103 | 106.5 |" in chunks[-1].text
    rows = [line for c in chunks for line in c.text.split("\n")[2:]]
    assert len(rows) == 100 == len(set(rows))  # every row once, none lost at a boundary
    span = doc.text[chunks[1].char_start:chunks[1].char_end]
    assert chunks[1].text.endswith(span) and span.startswith("| Port ")  # offsets are those of the rows


def test_ods_sheet_and_odt_headings(tmp_path):
    sheet = load(make_ods(tmp_path / "tides.ods"), tmp_path)
    assert [c.heading for c in chunks_of(sheet)] == ["Tides, rows 1-3"] and "| Monday | 06:12 |" in sheet.text
    text = load(make_odt(tmp_path / "rules.odt"), tmp_path)
    chunks = chunks_of(text)
    assert [c.heading for c in chunks] == ["Harbour rules", "Harbour rules > Anchoring"]
    assert "channel 12" in chunks[0].text and "breakwater" in chunks[1].text


def test_csv_with_a_quoted_comma_and_tsv(tmp_path):
    (tmp_path / "fares.csv").write_text('Ticket,Price,Note\nAdult,12,"valid all day, both ways"\nChild,6,\n')
    doc = load(tmp_path / "fares.csv", tmp_path)
    assert "| Adult | 12 | valid all day, both ways |" in doc.text
    assert [c.heading for c in chunks_of(doc)] == ["rows 1-3"]
    (tmp_path / "tides.tsv").write_text("Day\tHigh water\nMonday\t06:12\n")
    assert "| Monday | 06:12 |" in load(tmp_path / "tides.tsv", tmp_path).text


def test_epub_two_chapters(tmp_path):
    doc = load(make_epub(tmp_path / "book.epub"), tmp_path)
    assert doc.title == "The ferry book"
    chunks = chunks_of(doc)
    assert [c.heading for c in chunks] == ["History", "Today", "Today, rows 1-2"]
    assert "1911" in chunks[0].text and "| 2024 | 81,000 |" in chunks[2].text


def test_rtf_keeps_its_headings(tmp_path):
    (tmp_path / "rules.rtf").write_text(RTF)
    chunks = chunks_of(load(tmp_path / "rules.rtf", tmp_path))
    assert [c.heading for c in chunks] == ["Harbour rules", "Harbour rules > Anchoring"]
    assert "channel 12" in chunks[0].text


ATTACHED = "timetable.csv (attached to \u201cNew winter timetable\u201d)"


def test_eml_with_an_attachment_read_as_its_own_document(tmp_path):
    doc = load(make_eml(tmp_path / "timetable.eml"), tmp_path)
    assert doc.title == "New winter timetable"
    chunks = chunks_of(doc)
    body = chunks[0]
    assert body.heading == "New winter timetable" and "starts on 1 December" in body.text
    assert "From: Ina Berg <ina@harbour.example>" in body.text and "Date: Tue, 04 Nov 2025" in body.text
    assert body.title == "New winter timetable" and body.part == ""
    table = [c for c in chunks if "| Monday | 07:40 |" in c.text]
    assert len(table) == 1 and "starts on 1 December" not in table[0].text  # chunked apart from the message
    assert (table[0].title, table[0].part, table[0].heading) == (ATTACHED, ATTACHED, f"{ATTACHED}, rows 1-2")


def test_a_pdf_attachment_keeps_its_pages_and_its_citation_names_it(tmp_path):
    pdf = make_pdf(tmp_path / "rota.pdf", [["The harbour board met on Monday."], ["Ice closed the sound for nine days."]])
    mail = make_eml(tmp_path / "rota.eml", attachment=("rota.pdf", pdf.read_bytes()))
    chunks = chunks_of(load(mail, tmp_path))
    ice = [c for c in chunks if "nine days" in c.text]
    board = [c for c in chunks if "board met" in c.text]
    attached = "rota.pdf (attached to \u201cNew winter timetable\u201d)"
    assert [(c.part, c.page) for c in board + ice] == [(attached, 1), (attached, 2)]
    assert "board met" not in ice[0].text and "1 December" not in board[0].text
    passage = Passage(source="rota.eml", text=ice[0].text, score=1.0, page=ice[0].page, part=ice[0].part)
    assert where(passage) == f"{attached}, page 2"
    assert [c.page for c in chunks if "1 December" in c.text] == [None]  # the message itself has no pages


@pytest.mark.parametrize("name, text, refused", [
    ("notes.docx", "| Monday | 07:40 |", "has over 10 elements (XML tags, PDF objects)"),
    ("notes.html", "Crew meet on the quay at seven", "has over 2 elements (HTML tags)"),
])
def test_a_docx_or_html_attachment_is_read_within_the_limits(tmp_path, name, text, refused):
    data = (make_docx(tmp_path / name).read_bytes() if name.endswith(".docx")
            else b"<html><body><h1>Notes</h1><p>Crew meet on the quay at seven every Monday.</p></body></html>")
    mail = make_eml(tmp_path / "notes.eml", attachment=(name, data))
    read = load(mail, tmp_path)
    assert read.parts[0].title == f"{name} (attached to \u201cNew winter timetable\u201d)" and text in read.text
    bounded = load(mail, tmp_path, limits=Limits(max_elements=10, max_html_elements=2))
    heading = f"## Attachment: {name} (from: New winter timetable)\n\n"
    assert f"{heading}Not read: {refused}" in bounded.text and text not in bounded.text and not bounded.parts


def test_mbox_messages_and_an_unreadable_attachment_named(tmp_path):
    one = make_eml(tmp_path / "a.eml").read_bytes()
    two = make_eml(tmp_path / "b.eml", attachment=("photo.dwg", b"AC1032")).read_bytes().replace(
        b"New winter timetable", b"Crew party")
    (tmp_path / "crew.mbox").write_bytes(b"From ina@harbour.example Tue Nov  4 09:30:00 2025\n" + one
                                         + b"\nFrom ina@harbour.example Wed Nov  5 10:00:00 2025\n" + two)
    doc = load(tmp_path / "crew.mbox", tmp_path)
    headings = {c.heading for c in chunks_of(doc)}
    assert {"New winter timetable", "Crew party"} <= headings
    assert "## Attachment: photo.dwg (from: Crew party)\n\nNot read: type '.dwg' is not read" in doc.text


ENGINES = [pytest.param("tesseract", marks=pytest.mark.skipif(shutil.which("tesseract") is None,
                                                              reason="Debian's tesseract-ocr is not installed")),
           "rapidocr"]


@pytest.mark.parametrize("engine", ENGINES)
def test_a_scanned_page_among_text_pages_is_read_by_ocr(tmp_path, engine):
    pdf = make_mixed_pdf(tmp_path / "mixed.pdf", ["The harbour board met on Monday."],
                         ["The ferry leaves at 07:40 every weekday."], ["Ice closed the sound for nine days."])
    doc = load(pdf, tmp_path, limits=Limits(ocr=engine))
    chunks = chunks_of(doc)
    assert [(c.page, c.heading) for c in chunks] == [(1, "Page 1"), (2, "Page 2 (OCR)"), (3, "Page 3")]
    assert "ferryleavesat07:40" in chunks[1].text.replace(" ", "") and "nine days" in chunks[2].text
    off = load(pdf, tmp_path, limits=Limits(ocr="off"))  # OCR switched off: the text pages only
    assert "07:40" not in off.text and "nine days" in off.text and not off.markdown


def test_an_image_is_read_by_ocr_and_refused_when_ocr_is_off(tmp_path):
    text_image(["Berth 4 is closed for repairs."]).save(tmp_path / "notice.png")
    doc = load(tmp_path / "notice.png", tmp_path)
    assert "Berth4isclosedforrepairs" in doc.text.replace(" ", "")  # rapidocr (without tesseract) drops spaces
    assert chunks_of(doc)[0].heading == "Image text (OCR)"
    with pytest.raises(IngestError, match="notice.png: needs OCR, which is off"):
        load(tmp_path / "notice.png", tmp_path, limits=Limits(ocr="off"))


@pytest.mark.parametrize("name, data, reason", [
    ("deck.pptx", b"PK\x03\x04 not really", "not a PPTX file, or a damaged one"),
    ("book.xlsx", b"\x00\x01binary", "not a XLSX file"),
    ("letter.rtf", b"Dear crew", "not an RTF file"),
    ("blank.png", None, "OCR found no text"),
    ("mail.eml", b"Subject: hi\n\n", "no message with text"),
])
def test_bad_files_of_the_new_kinds_are_refused_with_their_name_and_reason(tmp_path, name, data, reason):
    path = tmp_path / name
    if data is None:
        text_image([]).save(path)
    else:
        path.write_bytes(data)
    with pytest.raises(IngestError, match=f"^{name}: .*{reason}"):
        load(path, tmp_path)


def test_bounds_on_rows_pages_and_unpacked_size(tmp_path):
    make_xlsx(tmp_path / "big.xlsx", rows=50)
    with pytest.raises(IngestError, match="big.xlsx: more than 20 rows"):
        load(tmp_path / "big.xlsx", tmp_path, limits=Limits(max_rows=20))
    with pytest.raises(IngestError, match="briefing.pptx: 2 slides, over the limit of 1"):
        load(make_pptx(tmp_path / "briefing.pptx"), tmp_path, limits=Limits(max_pages=1))
    with pytest.raises(IngestError, match="book.epub: unpacks to 0 MiB .*zip bomb"):
        load(make_epub(tmp_path / "book.epub"), tmp_path, limits=Limits(max_unzipped_mb=0))


def test_an_attachments_pages_move_with_its_deeper_headings():
    from assistant.ingest.mail import _Text
    from assistant.ingest.parsed import Parsed

    text = "# One\n\nFirst page.\n\n# Two\n\nSecond page.\n\n# Three\n\nThird page."
    pages = [text.index("# Two"), text.index("# Three")]  # pages that do not start at 0
    out = _Text()
    out.add("# Message\n\nBody.")
    out.attach("a.pdf (attached to \u201cMessage\u201d)", Parsed(text, pages=pages))
    written, [part] = out.text(), out.parts
    assert written[part.start:].startswith("# a.pdf") and part.end == len(written)
    assert part.pages[0] == part.start and written[part.pages[1]:].startswith("## Three")
    assert "## One" in written and "## Two" in written
