"""Hostile links and damaged state (issue 25, items 5 and 6), with the real Chroma and the fake embedder.

Nothing outside the corpus folder is read (links included, listed as refused with the reason), a
document that is a link is removed as a link, and a damaged or missing part of data/ is found and
rebuilt by the next ingest from what remains, with a message, never a traceback.
"""

from __future__ import annotations

import os
import shutil

import pytest

from assistant.app import App
from assistant.config import load_settings


def make_app(corpus, data, embedder) -> App:
    """A fresh App over corpus and data, as a new process would open them (Chroma's client cache cleared)."""
    from chromadb.api.client import SharedSystemClient

    SharedSystemClient.clear_system_cache()
    app = App(load_settings(paths__data_dir=data), corpus)
    app.engines.__dict__["embedder"] = embedder  # the deterministic stand-in for MiniLM
    return app


def stored_text(app: App) -> str:
    return " ".join(app.store._col.get(include=["documents"])["documents"])


def test_links_to_a_file_or_a_folder_outside_the_corpus_are_not_indexed_and_listed_as_refused(
        corpus, tmp_path, fake_embedder):
    (tmp_path / "secret.txt").write_text("The vault code is 4417-SWORDFISH.\n")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "private.md").write_text("# Private\n\nThe salary of Ada Quist is 91,000.\n")
    (corpus / "secret.txt").symlink_to(tmp_path / "secret.txt")
    (corpus / "notes" / "elsewhere").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    (corpus / "same-bakery.txt").symlink_to(corpus / "bakery.txt")  # inside the folder: indexed under its name
    app = make_app(corpus, tmp_path / "data", fake_embedder)
    report = app.ingest()
    assert sorted(report.added) == ["bakery.txt", "lighthouse.md", "notes/orchard.md", "same-bakery.txt"]
    assert "SWORDFISH" not in stored_text(app) and "Quist" not in stored_text(app)
    assert set(report.errors) == {"secret.txt", "notes/elsewhere/"}
    assert all("outside the corpus folder: refused" in why for why in report.errors.values())
    listed = {d["source"]: d["error"] for d in app.documents()}
    assert "outside the corpus folder" in listed["secret.txt"] and "outside" in listed["notes/elsewhere/"]


def test_a_file_made_a_link_out_after_the_listing_is_not_read(corpus, tmp_path, fake_embedder, monkeypatch):
    from assistant.ingest import pipeline

    (tmp_path / "secret.txt").write_text("The vault code is 4417-SWORDFISH.\n")
    listed = pipeline.scan

    def scan_then_swap(folder, skipped=None):
        paths = listed(folder, skipped)
        (corpus / "bakery.txt").unlink()
        (corpus / "bakery.txt").symlink_to(tmp_path / "secret.txt")  # swapped between the listing and the read
        return paths

    monkeypatch.setattr(pipeline, "scan", scan_then_swap)
    app = make_app(corpus, tmp_path / "data", fake_embedder)
    report = app.ingest()
    assert "outside the corpus folder" in report.errors["bakery.txt"] and "SWORDFISH" not in stored_text(app)


def test_removing_a_document_that_is_a_link_removes_the_link_not_its_target(corpus, tmp_path, fake_embedder):
    (corpus / "alias.md").symlink_to(corpus / "lighthouse.md")
    app = make_app(corpus, tmp_path / "data", fake_embedder)
    assert "alias.md" in app.ingest().added
    report = app.remove_document("alias.md")
    assert report.removed == ["alias.md"]
    assert not os.path.lexists(corpus / "alias.md") and (corpus / "lighthouse.md").is_file()


def test_a_deleted_store_is_refilled_by_the_next_ingest_with_a_message(corpus, tmp_path, fake_embedder):
    data = tmp_path / "data"
    first = make_app(corpus, data, fake_embedder).ingest()
    shutil.rmtree(data / "chroma")
    app = make_app(corpus, data, fake_embedder)
    report = app.ingest()
    assert sorted(report.updated) == ["bakery.txt", "lighthouse.md", "notes/orchard.md"] and report.unchanged == 0
    assert report.chunks_written == first.chunks_written == app.store.count()
    assert any("lost the chunks of 3 indexed file(s)" in note for note in report.repairs)
    assert "repaired: the store" in report.summary()
    assert app.ingest().unchanged == 3  # repaired: the next one has nothing to do


def _random_bytes(path):
    path.write_bytes(os.urandom(path.stat().st_size))


def _truncated(path):
    with open(path, "r+b") as f:
        f.truncate(path.stat().st_size // 2)


@pytest.mark.parametrize("damage", [_random_bytes, _truncated], ids=["random-bytes", "truncated"])
@pytest.mark.parametrize("rebuild", [False, True], ids=["ingest", "rebuild"])
def test_a_damaged_manifest_is_moved_aside_and_rebuilt_by_the_next_ingest(corpus, tmp_path, fake_embedder, damage,
                                                                          rebuild):
    data = tmp_path / "data"
    first = make_app(corpus, data, fake_embedder)
    first.ingest()
    first.manifest.close()
    damage(data / "manifest.sqlite")
    with pytest.warns(UserWarning, match="manifest.sqlite was damaged"):
        app = make_app(corpus, data, fake_embedder)
        app.status()  # any command opens it: a message, no traceback
    report = app.ingest(rebuild=rebuild)
    assert sorted(report.added) == ["bakery.txt", "lighthouse.md", "notes/orchard.md"] and not report.errors
    if not rebuild:
        assert report.chunks_written == 0 and report.chunks_reused > 0  # the store still held them: not embedded
        assert any("manifest.sqlite was damaged" in note for note in report.repairs)
    assert list(data.glob("manifest.sqlite.damaged-*"))
    assert app.status()["documents"] == 3 and app.ingest().unchanged == 3


@pytest.mark.parametrize("damage", ["ids-garbage", "matrix-deleted", "folder-deleted"])
def test_damaged_or_missing_bm25_files_are_found_at_open_and_rebuilt(corpus, tmp_path, fake_embedder, damage):
    data = tmp_path / "data"
    make_app(corpus, data, fake_embedder).ingest()
    folder = data / "lexical" / make_app(corpus, data, fake_embedder).collection
    if damage == "ids-garbage":
        (folder / "ids.json").write_bytes(b"\x00garbage{")
    elif damage == "matrix-deleted":
        next(folder.glob("*.npy")).unlink()
    else:
        shutil.rmtree(folder)
    app = make_app(corpus, data, fake_embedder)
    with pytest.warns(UserWarning, match="BM25 index .* was missing or damaged: rebuilt"):
        hits = app.lexical.search("cardamom knots", 3)  # found at open, rebuilt from the stored tokens
    assert hits and app.lexical.unknown(["Zanzibar", "Mossgrove"]) == ["Zanzibar"]


def test_damaged_bm25_files_are_rebuilt_by_the_next_ingest_with_a_message(corpus, tmp_path, fake_embedder):
    data = tmp_path / "data"
    app = make_app(corpus, data, fake_embedder)
    app.ingest()
    (data / "lexical" / app.collection / "ids.json").write_bytes(b"\x00garbage{")
    app = make_app(corpus, data, fake_embedder)
    with pytest.warns(UserWarning):
        report = app.ingest()
    assert any("BM25 index" in note for note in report.repairs)
    assert app.lexical.saved_intact() and app.lexical.search("cardamom knots", 3)


def test_a_damaged_lexical_database_is_refilled_from_the_store(corpus, tmp_path, fake_embedder):
    data = tmp_path / "data"
    app = make_app(corpus, data, fake_embedder)
    app.ingest()
    app.lexical._db.close()
    _random_bytes(data / "lexical.sqlite")
    with pytest.warns(UserWarning, match="lexical.sqlite was damaged"):
        app = make_app(corpus, data, fake_embedder)
        report = app.ingest()
    assert any("lexical.sqlite was damaged" in note for note in report.repairs)
    assert app.lexical.count() == app.store.count() and app.lexical.search("cardamom knots", 3)
    assert app.lexical.unknown(["Zanzibar", "Mossgrove"]) == ["Zanzibar"]
