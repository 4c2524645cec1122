"""Uploads and document management: names, types and sizes checked before anything is written;
an accepted upload is indexed at once; a removed document leaves the index (fake embedder)."""

from __future__ import annotations

import pytest

from assistant.app import App
from assistant.config import load_settings
from assistant.errors import UploadError
from assistant.ingest.loaders import SUPPORTED
from assistant.uploads import check_upload, safe_name


@pytest.mark.parametrize("name, clean", [
    ("../../etc/passwd.txt", "passwd.txt"),
    ("C:\\Users\\x\\Report 2024.PDF", "Report 2024.PDF"),
    ("notes<script>.md", "notes_script_.md"),
    ("/abs/path/a.md", "a.md"),
])
def test_names_are_reduced_to_a_safe_last_part(name, clean):
    assert safe_name(name) == clean


@pytest.mark.parametrize("name, size, reason", [
    ("tool.exe", 10, "type '.exe' is not accepted"),
    ("noext", 10, "type 'none' is not accepted"),
    ("big.txt", 3 * 2**20, "over the upload limit of 2 MB"),
    ("empty.md", 0, "empty"),
    ("..", 10, "not a usable file name"),
])
def test_refusals_say_why(name, size, reason):
    with pytest.raises(UploadError, match=reason):
        check_upload(name, size, SUPPORTED, 2)


@pytest.fixture
def app(corpus, tmp_path, fake_embedder):
    app = App(load_settings(paths__data_dir=tmp_path / "data", server__max_upload_mb=1), corpus)
    app.__dict__["embedder"] = fake_embedder  # the fake stands in for MiniLM here; the browser test uses the real one
    app.ingest()
    return app


def test_an_upload_is_indexed_at_once_and_can_be_removed(app, corpus):
    source, report = app.add_upload("../ferry notes.md", b"# Ferry\n\nThe ferry leaves at 07:40.\n")
    assert source == "uploads/ferry notes.md" and report.added == ["uploads/ferry notes.md"]
    assert (corpus / "uploads" / "ferry notes.md").is_file() and not list((corpus / "uploads").glob(".*"))
    docs = {d["source"]: d for d in app.documents()}
    assert docs["uploads/ferry notes.md"]["chunks"] == 1 and docs["uploads/ferry notes.md"]["indexed"]
    assert app.retriever.search("ferry 07:40", 1)[0].source == "uploads/ferry notes.md"

    report = app.remove_document("uploads/ferry notes.md")
    assert report.removed == ["uploads/ferry notes.md"] and not (corpus / "uploads" / "ferry notes.md").exists()
    assert "uploads/ferry notes.md" not in {d["source"] for d in app.documents()}


def test_a_refused_upload_writes_nothing_and_a_broken_one_is_listed_with_its_reason(app, corpus):
    before = app.store.count()
    with pytest.raises(UploadError, match="over the upload limit"):
        app.add_upload("huge.txt", b"x" * (2 * 2**20))
    assert not (corpus / "uploads" / "huge.txt").exists() and app.store.count() == before
    app.add_upload("broken.pdf", b"%PDF-1.4 not really")
    [row] = [d for d in app.documents() if d["source"] == "uploads/broken.pdf"]
    assert row["chunks"] == 0 and "not a readable PDF" in row["error"]
    assert app.store.count() == before


def test_removing_outside_the_corpus_is_refused(app, tmp_path):
    (tmp_path / "secret.txt").write_text("keep me")
    with pytest.raises(UploadError, match="not a file of the corpus folder"):
        app.remove_document("../secret.txt")
    assert (tmp_path / "secret.txt").exists()


def test_a_second_upload_of_a_name_is_kept_beside_the_first(app, corpus):
    first, _ = app.add_upload("ferry.md", b"# Ferry\n\nThe ferry leaves at 07:40.\n")
    second, report = app.add_upload("ferry.md", b"# Ferry\n\nThe night ferry leaves at 23:10.\n")
    assert (first, second) == ("uploads/ferry.md", "uploads/ferry (2).md")
    assert "07:40" in (corpus / "uploads" / "ferry.md").read_text()  # not replaced
    assert "23:10" in (corpus / "uploads" / "ferry (2).md").read_text()
    again, _ = app.add_upload("ferry.md", b"# Ferry\n\nThe ferry leaves at 07:40.\n")  # the same bytes again
    assert again == "uploads/ferry.md" and len(list((corpus / "uploads").iterdir())) == 2
    assert {"uploads/ferry.md", "uploads/ferry (2).md"} <= {d["source"] for d in app.documents()}


def test_uploads_are_not_written_through_a_link(app, corpus, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (corpus / "uploads").symlink_to(outside)
    with pytest.raises(UploadError, match="is a link"):
        app.add_upload("a.md", b"# A\n\ntext\n")
    assert not list(outside.iterdir())
