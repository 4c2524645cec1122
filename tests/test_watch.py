"""Watch mode: a running watcher picks up added, changed and deleted files, with no
duplicates, while readers keep querying (real Chroma and BM25, fake embedder)."""

from __future__ import annotations

import threading
import time

from assistant.ingest.pipeline import ingest
from assistant.ingest.watch import watch
from assistant.lexical import LexicalIndex
from assistant.manifest import Manifest
from assistant.store import ChromaStore


def _wait(condition, timeout=20.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_watch_picks_up_added_changed_and_deleted_files(corpus, tmp_path, fake_embedder):
    store = ChromaStore(tmp_path / "chroma", "watched", fake_embedder.id, fake_embedder.dimension)
    manifest = Manifest(tmp_path / "m.sqlite", "watched")
    lexical = LexicalIndex(tmp_path / "lexical", tmp_path / "m.sqlite", "watched")
    reports = []
    stop = threading.Event()
    run = lambda: ingest(corpus, store, manifest, fake_embedder, 60, 10, lexical=lexical)  # noqa: E731
    thread = threading.Thread(target=watch, args=(corpus, run, 0.05, stop, reports.append), daemon=True)
    thread.start()
    reader_errors, reads = [], [0]

    def reader():  # queries go on while the watcher writes
        [vector] = fake_embedder.embed(["ferry timetable"])
        while not stop.is_set():
            try:
                store.query(vector, 5)
                lexical.search("ferry timetable", 5)
                reads[0] += 1
            except Exception as exc:  # noqa: BLE001 - any failure of a reader fails the test
                reader_errors.append(exc)

    threading.Thread(target=reader, daemon=True).start()
    try:
        assert _wait(lambda: len(reports) == 1)
        first = store.count()
        sources = lambda: {p.source for _, p in store.query(fake_embedder.embed(["ferry"])[0], 50)}  # noqa: E731

        (corpus / "ferry.md").write_text("# Ferry\n\nThe ferry timetable changes in March.\n")
        assert _wait(lambda: any(r.added == ["ferry.md"] for r in reports))
        assert "ferry.md" in sources()
        assert [cid for cid, _ in lexical.search("timetable", 5)]  # the BM25 index follows

        (corpus / "ferry.md").write_text("# Ferry\n\nThe ferry now leaves at 07:40 sharp.\n")
        assert _wait(lambda: any(r.updated == ["ferry.md"] for r in reports))
        texts = [p.text for _, p in store.query(fake_embedder.embed(["ferry"])[0], 50) if p.source == "ferry.md"]
        assert texts == ["# Ferry\n\nThe ferry now leaves at 07:40 sharp."]  # the old version is gone: no duplicates

        (corpus / "ferry.md").unlink()
        assert _wait(lambda: any(r.removed == ["ferry.md"] for r in reports))
        assert "ferry.md" not in sources() and store.count() == first
        rounds = len(reports)
        time.sleep(0.5)
        assert len(reports) == rounds  # nothing changed: no ingest runs
    finally:
        stop.set()
        thread.join(5)
    assert not reader_errors and reads[0] > 0
