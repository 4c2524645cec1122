"""The ingest pipeline with real Chroma and a deterministic fake embedder: fast, exact."""

from pathlib import Path

import pytest

from assistant.errors import EmbedderMismatch
from assistant.ingest.pipeline import ingest
from assistant.manifest import Manifest
from assistant.store import ChromaStore


def open_parts(data: Path, embedder, collection="col1"):
    store = ChromaStore(data / "chroma", collection, embedder.id, embedder.dimension)
    return store, Manifest(data / "manifest.sqlite", collection)


def run(corpus, data, embedder):
    store, manifest = open_parts(data, embedder)
    return ingest(corpus, store, manifest, embedder, 60, 10), store


def sources(store) -> dict[str, int]:
    counts: dict[str, int] = {}
    for meta in store._col.get(include=["metadatas"])["metadatas"]:
        counts[meta["source"]] = counts.get(meta["source"], 0) + 1
    return counts


def test_first_ingest_then_noop(corpus, tmp_path, fake_embedder):
    report, store = run(corpus, tmp_path / "data", fake_embedder)
    assert sorted(report.added) == ["bakery.txt", "lighthouse.md", "notes/orchard.md"]
    assert report.chunks_written == store.count() > 3
    calls = fake_embedder.calls
    again, store = run(corpus, tmp_path / "data", fake_embedder)
    assert again.unchanged == 3 and not again.added and not again.updated and again.chunks_written == 0
    assert fake_embedder.calls == calls  # nothing embedded
    assert store.count() == report.chunks_written


def test_changed_file_replaces_its_chunks(corpus, tmp_path, fake_embedder):
    _, store = run(corpus, tmp_path / "data", fake_embedder)
    before = sources(store)
    (corpus / "bakery.txt").write_text("Mossgrove Bakery closed in 2024.\n")
    report, store = run(corpus, tmp_path / "data", fake_embedder)
    assert report.updated == ["bakery.txt"]
    after = sources(store)
    assert after["bakery.txt"] == 1 and after["lighthouse.md"] == before["lighthouse.md"]
    texts = store._col.get(where={"source": "bakery.txt"}, include=["documents"])["documents"]
    assert texts == ["Mossgrove Bakery closed in 2024."]


def test_deleted_file_loses_its_chunks(corpus, tmp_path, fake_embedder):
    run(corpus, tmp_path / "data", fake_embedder)
    (corpus / "notes" / "orchard.md").unlink()
    report, store = run(corpus, tmp_path / "data", fake_embedder)
    assert report.removed == ["notes/orchard.md"]
    assert "notes/orchard.md" not in sources(store)


def test_bad_file_is_reported_and_old_version_kept(corpus, tmp_path, fake_embedder):
    run(corpus, tmp_path / "data", fake_embedder)
    (corpus / "bakery.txt").write_bytes(b"\x00\x01binary junk")
    (corpus / "empty.md").write_text("   \n")
    report, store = run(corpus, tmp_path / "data", fake_embedder)
    assert set(report.errors) == {"bakery.txt", "empty.md"}
    assert "binary" in report.errors["bakery.txt"] and "empty" in report.errors["empty.md"]
    assert "bakery.txt" in sources(store)  # nothing already stored was lost


def test_interrupted_ingest_is_repaired(corpus, tmp_path, fake_embedder):
    data = tmp_path / "data"
    run(corpus, data, fake_embedder)
    clean = sources(run(corpus, data, fake_embedder)[1])
    store, manifest = open_parts(data, fake_embedder)
    manifest.mark_pending("lighthouse.md", "stale-hash")  # as if killed mid-write
    report, store = run(corpus, data, fake_embedder)
    assert report.updated == ["lighthouse.md"]
    assert sources(store) == clean


def test_embedder_mismatch_is_refused(corpus, tmp_path, fake_embedder):
    from tests.support.fakes import FakeEmbedder

    run(corpus, tmp_path / "data", fake_embedder)
    with pytest.raises(EmbedderMismatch, match="ingest --rebuild"):
        open_parts(tmp_path / "data", FakeEmbedder(id="other", dimension=32))


def test_hidden_files_are_skipped_and_unsupported_ones_listed_with_why(corpus, tmp_path, fake_embedder):
    (corpus / ".secret.md").write_text("# hidden\n\ntext")
    (corpus / "drawing.dwg").write_bytes(b"AC1032")
    (corpus / "notes" / "Makefile").write_text("all:\n")
    report, _ = run(corpus, tmp_path / "data", fake_embedder)
    assert len(report.added) == 3 and set(report.errors) == {"drawing.dwg", "notes/Makefile"}
    assert report.errors["drawing.dwg"].startswith("type '.dwg' is not read: not indexed (read: ")
    assert "no extension" in report.errors["notes/Makefile"]
    assert "2 file(s) not indexed:\n  drawing.dwg: type '.dwg' is not read" in report.summary()


def test_the_embedder_sees_the_title_and_heading_path_with_each_chunk(corpus, tmp_path, fake_embedder):
    _, store = run(corpus, tmp_path / "data", fake_embedder)
    got = store._col.get(include=["documents", "metadatas", "embeddings"], where={"source": "lighthouse.md"})
    seen = set()
    for text, meta, vector in zip(got["documents"], got["metadatas"], got["embeddings"]):
        assert meta["title"] == "The Karsk Point lighthouse"
        section = {"The Karsk Point lighthouse": "", "The Karsk Point lighthouse > History": "History\n",
                   "The Karsk Point lighthouse > Today": "Today\n"}[meta["heading"]]
        [expected] = fake_embedder.embed([f"The Karsk Point lighthouse\n{section}{text}"])
        assert [round(float(x), 5) for x in vector] == [round(x, 5) for x in expected]
        seen.add(section)
    assert "History\n" in seen


def test_text_only_embeddings_when_asked(corpus, tmp_path, fake_embedder):
    from assistant.store import TEXT_ONLY

    store = ChromaStore(tmp_path / "chroma", "plain", fake_embedder.id, fake_embedder.dimension, TEXT_ONLY)
    ingest(corpus, store, Manifest(tmp_path / "m.sqlite", "plain"), fake_embedder, 60, 10)
    got = store._col.get(include=["documents", "embeddings"], limit=1)
    [expected] = fake_embedder.embed([got["documents"][0]])
    assert [round(float(x), 5) for x in got["embeddings"][0]] == [round(x, 5) for x in expected]


def test_a_collection_built_by_an_older_recipe_is_refused(corpus, tmp_path, fake_embedder):
    store, _ = open_parts(tmp_path / "data", fake_embedder)
    old = {k: v for k, v in store._col.metadata.items() if not k.startswith("hnsw:")}
    store._col.modify(metadata={**old, "recipe": 1})
    with pytest.raises(EmbedderMismatch, match="built embedding the chunk text alone.*'ingest.embed_titles'.*ingest --rebuild"):
        open_parts(tmp_path / "data", fake_embedder)


def test_a_file_over_the_size_limit_is_refused_unread_and_its_old_version_kept(corpus, tmp_path, fake_embedder):
    store = ChromaStore(tmp_path / "chroma", "limits", fake_embedder.id, fake_embedder.dimension)
    manifest = Manifest(tmp_path / "m.sqlite", "limits")
    first = ingest(corpus, store, manifest, fake_embedder, 60, 10, max_bytes=2**20)
    before = store.count()
    (corpus / "bakery.txt").write_text("crumb " * 300_000)  # 1.7 MB
    report = ingest(corpus, store, manifest, fake_embedder, 60, 10, max_bytes=2**20)
    assert "over the limit of 1 MB" in report.errors["bakery.txt"] and "max_file_mb" in report.errors["bakery.txt"]
    assert store.count() == before and not first.errors  # the version stored before is kept


def test_symlink_loops_and_dangling_links_do_not_stop_the_ingest(corpus, tmp_path, fake_embedder):
    (corpus / "notes" / "loop").symlink_to("..", target_is_directory=True)  # notes/loop -> the corpus itself
    (corpus / "gone.txt").symlink_to(tmp_path / "no-such-file.txt")
    (corpus / "odd name – ü (1).md").write_text("# Odd\n\nA file name with a dash, an umlaut and brackets.\n")
    store = ChromaStore(tmp_path / "chroma", "links", fake_embedder.id, fake_embedder.dimension)
    report = ingest(corpus, store, Manifest(tmp_path / "m.sqlite", "links"), fake_embedder, 60, 10)
    assert sorted(report.added) == ["bakery.txt", "lighthouse.md", "notes/orchard.md", "odd name – ü (1).md"]
    assert report.errors == {"gone.txt": "a link to nothing: skipped"}


def test_a_200_mb_text_file_is_refused_by_the_size_limit_without_being_read(corpus, tmp_path, fake_embedder):
    with open(corpus / "huge.txt", "wb") as f:
        f.truncate(200 * 2**20)  # sparse: 200 MB that cost no disk; reading it would cost 200 MB of memory
    store = ChromaStore(tmp_path / "chroma", "huge", fake_embedder.id, fake_embedder.dimension)
    report = ingest(corpus, store, Manifest(tmp_path / "m.sqlite", "huge"), fake_embedder, 60, 10, max_bytes=100 * 2**20)
    assert report.errors == {"huge.txt": "200.0 MB is over the limit of 100 MB (setting 'ingest.max_file_mb'): split the file or raise the limit"}
    assert sorted(report.added) == ["bakery.txt", "lighthouse.md", "notes/orchard.md"]


def test_a_file_that_vanishes_between_listing_and_reading_is_treated_as_deleted(corpus, tmp_path, fake_embedder, monkeypatch):
    from assistant.ingest import pipeline

    store, manifest = open_parts(tmp_path / "data", fake_embedder)
    ingest(corpus, store, manifest, fake_embedder, 60, 10)
    listed = pipeline.scan

    def scan_then_delete(folder, unreadable=None):
        paths = listed(folder, unreadable)
        (corpus / "bakery.txt").unlink()  # gone after the listing, before the read
        return paths

    monkeypatch.setattr(pipeline, "scan", scan_then_delete)
    report = ingest(corpus, store, manifest, fake_embedder, 60, 10)
    assert report.errors == {"bakery.txt": "vanished while being read: treated as deleted (indexed again if it comes back)"}
    assert report.removed == ["bakery.txt"] and "bakery.txt" not in sources(store) and report.unchanged == 2


def test_a_file_that_changes_while_being_read_is_read_again(corpus, tmp_path, fake_embedder, monkeypatch):
    from assistant.ingest import pipeline

    real = pipeline._read_bytes
    writes = []

    def read_while_a_writer_saves(path):
        data = real(path)
        if path.name == "bakery.txt" and not writes:  # the first read sees the old text, then the file changes
            writes.append(path)
            path.write_text("Mossgrove Bakery moved to the harbour in 2025, next to the ferry quay.\n")
        return data

    monkeypatch.setattr(pipeline, "_read_bytes", read_while_a_writer_saves)
    report, store = run(corpus, tmp_path / "data", fake_embedder)
    assert writes and not report.errors
    texts = store._col.get(where={"source": "bakery.txt"}, include=["documents"])["documents"]
    assert texts == ["Mossgrove Bakery moved to the harbour in 2025, next to the ferry quay."]  # the new text, whole


def test_a_file_that_keeps_changing_is_refused_then_indexed_when_it_settles(corpus, tmp_path, fake_embedder, monkeypatch):
    from assistant.ingest import pipeline

    real = pipeline._read_bytes

    def always_being_written(path):
        data = real(path)
        if path.name == "bakery.txt":
            with open(path, "a") as f:
                f.write("More bread.\n")
        return data

    monkeypatch.setattr(pipeline, "_read_bytes", always_being_written)
    report, store = run(corpus, tmp_path / "data", fake_embedder)
    assert report.errors == {"bakery.txt": "changed while being read (3 tries): it will be indexed once it stops changing"}
    assert "bakery.txt" not in sources(store) and sorted(report.added) == ["lighthouse.md", "notes/orchard.md"]
    monkeypatch.setattr(pipeline, "_read_bytes", real)
    again, store = run(corpus, tmp_path / "data", fake_embedder)
    assert again.added == ["bakery.txt"] and not again.errors
    assert "More bread." in " ".join(store._col.get(where={"source": "bakery.txt"}, include=["documents"])["documents"])


_INGEST_AGAIN = """
import json, sys
from pathlib import Path
from assistant.ingest.pipeline import ingest
from assistant.manifest import Manifest
from assistant.store import ChromaStore
from tests.support.fakes import FakeEmbedder
corpus, data = Path(sys.argv[1]), Path(sys.argv[2])
e = FakeEmbedder()
report = ingest(corpus, ChromaStore(data / "chroma", "col1", e.id, e.dimension), Manifest(data / "manifest.sqlite", "col1"), e, 60, 10)
print(json.dumps(report.to_json()))
"""


def test_unreadable_files_and_folders_are_reported_and_keep_their_stored_versions(corpus, tmp_path, fake_embedder):
    """Real permissions. Root reads any file, so as root the second ingest runs without the two
    capabilities that let it (setpriv drops CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH)."""
    import json
    import os
    import subprocess
    import sys

    first, store = run(corpus, tmp_path / "data", fake_embedder)
    before = sources(store)
    (corpus / "lighthouse.md").chmod(0)
    (corpus / "notes").chmod(0)
    (corpus / "new.txt").write_text("A new file that is readable.\n")
    try:
        drop = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search", "--"] if os.geteuid() == 0 else []
        out = subprocess.run(drop + [sys.executable, "-c", _INGEST_AGAIN, str(corpus), str(tmp_path / "data")],
                             capture_output=True, text=True, cwd=Path(__file__).resolve().parent.parent, timeout=120)
    finally:
        (corpus / "lighthouse.md").chmod(0o644)
        (corpus / "notes").chmod(0o755)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert report["errors"] == {
        "lighthouse.md": "cannot read (Permission denied): check the file's permissions",
        "notes/": "cannot list this folder (permission denied?): its files keep their indexed versions",
    }
    assert report["added"] == ["new.txt"] and report["removed"] == [] and report["unchanged"] == 1
    store, _ = open_parts(tmp_path / "data", fake_embedder)
    after = sources(store)
    assert after == {**before, "new.txt": 1}  # nothing stored was lost


def test_a_named_pipe_or_a_device_in_the_folder_is_skipped_not_read(corpus, tmp_path, fake_embedder):
    import os

    os.mkfifo(corpus / "pipe.txt")  # reading it would wait forever for a writer
    (corpus / "zero.txt").symlink_to("/dev/zero")  # reading it would never end
    report, _ = run(corpus, tmp_path / "data", fake_embedder)
    assert sorted(report.added) == ["bakery.txt", "lighthouse.md", "notes/orchard.md"]
    assert report.errors == {"pipe.txt": "not a regular file (a pipe or device): skipped",
                             "zero.txt": "not a regular file (a pipe or device): skipped"}
