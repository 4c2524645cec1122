"""The newer formats through the real ingest (Chroma, the BM25 index, a fake embedder): a table
row is retrieved with its header and its sheet and rows, and a file that breaks later keeps the
version stored before."""

from __future__ import annotations

from assistant.ingest.pipeline import ingest
from assistant.lexical import LexicalIndex
from assistant.manifest import Manifest
from assistant.retrieve import Retriever
from assistant.store import ChromaStore
from assistant.records import where
from tests.support.formats import make_eml, make_pdf, make_pptx, make_xlsx


def parts(data, embedder):
    store = ChromaStore(data / "chroma", "fmt", embedder.id, embedder.dimension)
    lexical = LexicalIndex(data / "lexical", data / "manifest.sqlite", "fmt")
    return store, Manifest(data / "manifest.sqlite", "fmt"), lexical


def run(corpus, data, embedder):
    store, manifest, lexical = parts(data, embedder)
    return ingest(corpus, store, manifest, embedder, 60, 10, lexical=lexical), store, lexical


def test_a_table_row_is_retrieved_with_its_header_sheet_and_rows(tmp_path, fake_embedder):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    make_xlsx(corpus / "ports.xlsx", rows=120)
    report, store, lexical = run(corpus, tmp_path / "data", fake_embedder)
    assert report.added == ["ports.xlsx"] and not report.errors
    [best] = Retriever(fake_embedder, store, lexical).search("Port 77", 1)
    assert "| Port 77 | 80 | 83.5 |" in best.text
    assert best.text.startswith("| Port | Berths | Depth (m) |\n|---|---|---|\n")  # says what the columns mean
    first, last = map(int, best.heading.removeprefix("Ports, rows ").split("-"))
    assert best.heading.startswith("Ports, rows ") and first <= 78 <= last  # Port 77 is on the sheet's row 78


def test_a_mail_attachment_is_retrieved_as_its_own_document_with_its_page(tmp_path, fake_embedder):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    pdf = make_pdf(tmp_path / "rota.pdf", [["The harbour board met on Monday."], ["Ice closed the sound for nine days."]])
    make_eml(corpus / "rota.eml", attachment=("rota.pdf", pdf.read_bytes()))
    report, store, lexical = run(corpus, tmp_path / "data", fake_embedder)
    assert report.added == ["rota.eml"] and not report.errors
    [best] = Retriever(fake_embedder, store, lexical).search("ice closed the sound", 1)
    attached = "rota.pdf (attached to \u201cNew winter timetable\u201d)"
    assert (best.source, best.title, best.part, best.page) == ("rota.eml", attached, attached, 2)
    assert where(best) == f"{attached}, page 2"


def test_a_file_that_breaks_keeps_its_stored_version_and_is_listed(tmp_path, fake_embedder):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    make_pptx(corpus / "briefing.pptx")
    (corpus / "drawing.vsdx").write_bytes(b"PK\x03\x04")
    first, store, _ = run(corpus, tmp_path / "data", fake_embedder)
    assert first.added == ["briefing.pptx"] and set(first.errors) == {"drawing.vsdx"}
    stored = store.count()
    (corpus / "briefing.pptx").write_bytes((corpus / "briefing.pptx").read_bytes()[:3000])  # truncated by a bad copy
    again, store, _ = run(corpus, tmp_path / "data", fake_embedder)
    assert again.errors["briefing.pptx"].startswith("not a PPTX file, or a damaged one")
    assert store.count() == stored and not again.removed  # the version indexed before still answers
    assert "2 file(s) not indexed:\n  briefing.pptx: not a PPTX file" in again.summary()


def test_uploads_accept_the_new_formats_and_refuse_others():
    import pytest

    from assistant.errors import UploadError
    from assistant.ingest.loaders import SUPPORTED
    from assistant.uploads import check_upload

    for name in ("deck.pptx", "prices.xlsx", "prices.ods", "rows.csv", "rows.tsv", "book.epub", "notes.odt",
                 "letter.rtf", "message.eml", "inbox.mbox", "scan.png", "photo.jpg", "fax.tiff"):
        assert check_upload(name, 10, SUPPORTED, 2) == name
    with pytest.raises(UploadError, match="type '.vsdx' is not accepted"):
        check_upload("drawing.vsdx", 10, SUPPORTED, 2)
