"""Each loader on small files the tests make, and the chunk metadata they lead to."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.errors import IngestError
from assistant.ingest.chunking import chunk_document
from assistant.ingest.limits import Limits
from assistant.ingest.loaders import load
from assistant.ingest.pipeline import ingest
from assistant.manifest import Manifest
from assistant.store import ChromaStore
from tests.support.fakes import WordCounter
from tests.support.formats import HTML, make_docx, make_pdf


def test_pdf_text_per_page_with_page_numbers(tmp_path):
    pdf = make_pdf(tmp_path / "report.pdf", [
        ["Annual report of the harbour board.", "Traffic grew by four percent."],
        ["The ferry Vellholm carried 81,000 passengers.", "Ice closed the sound for nine days."],
    ], title="Harbour board report")
    doc = load(pdf, tmp_path)
    assert doc.title == "Harbour board report" and len(doc.pages) == 2
    assert doc.text.index("81,000") >= doc.pages[1] > doc.text.index("four percent")
    chunks = chunk_document(doc, WordCounter(), 200, 20)
    assert [c.page for c in chunks] == [1, 2]  # a page break starts a new chunk
    assert "81,000 passengers" in chunks[1].text and chunks[1].text == doc.text[chunks[1].char_start:chunks[1].char_end]


def test_docx_headings_and_a_table_kept_whole(tmp_path):
    doc = load(make_docx(tmp_path / "manual.docx"), tmp_path)
    assert doc.title == "Ferry operations manual" and doc.markdown
    assert "| Monday | 07:40 |" in doc.text and "| Saturday | 09:15 |" in doc.text
    chunks = chunk_document(doc, WordCounter(), 200, 20)
    table = [c for c in chunks if "| Monday | 07:40 |" in c.text]
    assert len(table) == 1 and "| Day | Departure |" in table[0].text and "| Saturday | 09:15 |" in table[0].text
    assert table[0].heading == "Ferry operations > Timetable, rows 1-3"  # a table chunk names its rows


def test_a_docx_table_loses_its_empty_spacer_column_and_writes_a_merged_cell_once(tmp_path):
    import docx

    document = docx.Document()
    table = document.add_table(rows=3, cols=3)
    for r, (a, c) in enumerate([("Function", "Equivalent"), ("date(...)", "strftime('%Y-%m-%d', ...)"),
                                ("time(...)", "strftime('%H:%M:%S', ...)")]):
        table.cell(r, 0).text, table.cell(r, 2).text = a, c  # the middle column stays empty, as pandoc writes it
    merged = document.add_table(rows=2, cols=2)
    merged.cell(0, 0).merge(merged.cell(0, 1)).text = "Limits"
    merged.cell(1, 0).text, merged.cell(1, 1).text = "columns", "2000"
    document.save(tmp_path / "dates.docx")
    text = load(tmp_path / "dates.docx", tmp_path).text
    assert "| Function | Equivalent |\n|---|---|\n| date(...) | strftime('%Y-%m-%d', ...) |" in text
    assert "| Limits |  |" in text and "| columns | 2000 |" in text  # once, and the row below keeps its columns


def test_html_keeps_the_article_and_drops_navigation(tmp_path):
    page = tmp_path / "news.html"
    page.write_text(HTML)
    doc = load(page, tmp_path)
    assert doc.title == "The new ferry timetable"  # the article's own heading, not the site's <title>
    assert "07:40 every weekday" in doc.text and "thicker than ten centimetres" in doc.text
    for noise in ("Sport results", "Contact the newsroom", "Cookie settings", "cat rescued", "tracking pixel"):
        assert noise not in doc.text
    chunks = chunk_document(doc, WordCounter(), 200, 20)
    assert [c.heading for c in chunks] == ["The new ferry timetable", "The new ferry timetable > Winter service"]


MANUAL = """<?xml version="1.0" encoding="UTF-8"?>
<html><head><title>psql</title></head><body><div class="refsect1"><h2>Options</h2>
<p>The options below change how psql
      starts.  Each one can be given
      on the command line.</p>
<dl>
<dt><code>-X</code><br/><code>--no-psqlrc</code></dt>
<dd><p>Do not read the start-up file (neither the system-wide
        <code>psqlrc</code> file nor the user's file).</p></dd>
<dt><code>-z</code><br/><code>--field-separator-zero</code></dt>
<dd><p>Set the field separator for unaligned output to a zero byte.</p></dd>
<dt><code>max_connections</code> (<code>integer</code>)</dt>
<dd><p>Determines the maximum number of concurrent connections. The default is typically
        100 connections.</p></dd>
</dl>
<pre>psql -X
    -c 'select 1'</pre>
</div></body></html>
"""


def test_a_manuals_options_keep_their_description_and_its_lines_are_sentences(tmp_path):
    """A definition list (an option, then what it does) is read as one item, the term at its head; the
    source's line breaks inside a paragraph are spaces; a code block keeps its lines."""
    page = tmp_path / "psql.html"
    page.write_text(MANUAL)
    text = load(page, tmp_path).text
    assert "-X, --no-psqlrc: Do not read the start-up file (neither the system-wide `psqlrc` file" in text
    assert "-z, --field-separator-zero: Set the field separator" in text
    assert "max_connections (integer): Determines the maximum number" in text
    assert "The options below change how psql starts. Each one can be given on the command line." in text
    assert "The default is typically 100 connections." in text
    assert "```\npsql -X\n    -c 'select 1'\n```" in text  # the code block as it was


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1252", "latin-1"])
def test_plain_text_in_any_encoding(tmp_path, encoding):
    text = "Smørbrød og kaffe på kaféen. Åpent fra kl. 07 til 15 hver dag unntatt søndag, sa eieren Søren Ås.\n" * 3
    path = tmp_path / "note.txt"
    path.write_bytes(text.encode(encoding))
    assert "Smørbrød og kaffe på kaféen" in load(path, tmp_path).text


def test_markdown_heading_path_is_kept(tmp_path):
    path = tmp_path / "guide.md"
    path.write_text("# Guide\n\n## Install\n\n### Offline\n\nCopy the wheels first.\n")
    doc = load(path, tmp_path)
    [chunk] = [c for c in chunk_document(doc, WordCounter(), 200, 20) if "wheels" in c.text]
    assert chunk.heading == "Guide > Install > Offline" and chunk.title == "Guide"


@pytest.mark.parametrize("name, data, reason", [
    ("scan.pdf", None, "no text layer"),
    ("broken.pdf", b"%PDF-1.4\n1 0 obj << /Type /Catalog", "not a readable PDF"),
    ("fake.docx", b"this is not a zip file at all", "not a DOCX"),
    ("empty.html", b"<html><head><script>go()</script></head><body><div> </div></body></html>", "no main text"),
    ("blank.txt", b"  \n\n ", "is empty"),
    ("binary.txt", b"\x00\x01\x02 binary", "looks binary"),
])
def test_bad_files_are_refused_with_their_name_and_reason(tmp_path, name, data, reason):
    path = tmp_path / name
    if data is None:
        make_pdf(path, [[]])
    else:
        path.write_bytes(data)
    with pytest.raises(IngestError, match=reason) as info:
        load(path, tmp_path)
    assert str(info.value).startswith(name)


def test_a_zip_bomb_docx_is_refused(tmp_path):
    # the setting's least is 1 MiB; 0 refuses the small test file as if it unpacked to more
    with pytest.raises(IngestError, match=r"^big.docx: unpacks to 0 MiB \(over 0 MiB, setting 'ingest.max_unzipped_mb'\): "
                                          "refused as a zip bomb"):
        load(make_docx(tmp_path / "big.docx"), tmp_path, limits=Limits(max_unzipped_mb=0))


def test_every_format_reaches_the_store(tmp_path, fake_embedder):
    from assistant.ingest.pipeline import ingest
    from assistant.manifest import Manifest
    from assistant.store import ChromaStore

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    make_pdf(corpus / "report.pdf", [["Page one text about tides."], ["Page two text about ice."]])
    make_docx(corpus / "manual.docx")
    (corpus / "news.html").write_text(HTML)
    store = ChromaStore(tmp_path / "chroma", "formats", fake_embedder.id, fake_embedder.dimension)
    report = ingest(corpus, store, Manifest(tmp_path / "m.sqlite", "formats"), fake_embedder, 200, 20)
    assert sorted(report.added) == ["manual.docx", "news.html", "report.pdf"] and not report.errors
    [vector] = fake_embedder.embed(["Page two text about ice."])
    hits = {p.text: p.page for _, p in store.query(vector, 10) if p.source == "report.pdf"}
    assert hits == {"Page one text about tides.": 1, "Page two text about ice.": 2}


def test_header_metadata_is_read_and_prose_is_not(tmp_path):
    article = tmp_path / "a.md"
    article.write_text("# Deals\n\nSource: Mashable\nPublished: 2023-11-27\nURL: https://mashable.com/x\n\nText here.\n")
    assert load(article, tmp_path).meta == "Source: Mashable · Published: 2023-11-27"
    front = tmp_path / "b.md"
    front.write_text("---\nAuthor: Ada Lovelace\nDate: 1843-09-01\n---\n# Notes\n\nOn the engine.\n")
    assert load(front, tmp_path).meta == "Author: Ada Lovelace · Date: 1843-09-01"
    prose = tmp_path / "c.txt"
    prose.write_text("Minutes of the meeting.\nNote: the chair was absent.\nThe budget passed.\n")
    assert load(prose, tmp_path).meta == ""
    chunks = chunk_document(load(article, tmp_path), WordCounter(), 60, 10)
    assert all(c.meta == "Source: Mashable · Published: 2023-11-27" for c in chunks)


def test_a_pdf_indexed_by_the_earlier_reader_is_read_again(tmp_path, fake_embedder):
    """A reader's version is part of its files' content hash: after the PDF reader changed, an index made
    by the old one is brought up to date by the next ingest, with no --rebuild; other files stay unchanged."""
    from assistant.ingest import loaders

    corpus = tmp_path / "docs"
    corpus.mkdir()
    make_pdf(corpus / "report.pdf", [["Page one text about tides."]])
    (corpus / "notes.txt").write_text("Notes about ice.\n")
    store = ChromaStore(tmp_path / "chroma", "col", fake_embedder.id, fake_embedder.dimension)
    manifest = Manifest(tmp_path / "manifest.sqlite", "col")
    ingest(corpus, store, manifest, fake_embedder, 60, 10)
    old = dict(loaders.READER_VERSIONS)
    try:
        loaders.READER_VERSIONS[".pdf"] = "a-later-reader"
        report = ingest(corpus, store, manifest, fake_embedder, 60, 10)
    finally:
        loaders.READER_VERSIONS.clear()
        loaders.READER_VERSIONS.update(old)
    assert report.updated == ["report.pdf"] and report.unchanged == 1


def test_an_index_cut_by_an_earlier_chunker_is_cut_again(tmp_path, fake_embedder):
    """The chunker's version is part of every file's content hash: when the same text would be cut
    differently, the next ingest cuts every file again (no --rebuild), and the store keeps no old chunk."""
    from assistant.ingest import chunking

    corpus = tmp_path / "docs"
    corpus.mkdir()
    (corpus / "notes.txt").write_text("Notes about ice.\n")
    (corpus / "tides.md").write_text("# Tides\n\nHigh water at noon.\n")
    store = ChromaStore(tmp_path / "chroma", "col", fake_embedder.id, fake_embedder.dimension)
    manifest = Manifest(tmp_path / "manifest.sqlite", "col")
    ingest(corpus, store, manifest, fake_embedder, 60, 10)
    before = store.count()
    old = chunking.VERSION
    try:
        chunking.VERSION = "a-later-chunker"
        report = ingest(corpus, store, manifest, fake_embedder, 60, 10)
        again = ingest(corpus, store, manifest, fake_embedder, 60, 10)
    finally:
        chunking.VERSION = old
    assert sorted(report.updated) == ["notes.txt", "tides.md"] and report.unchanged == 0
    assert again.unchanged == 2 and store.count() == before  # the old chunks were replaced, not kept beside
