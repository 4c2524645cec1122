"""Live re-indexing: run the incremental ingest again whenever the corpus folder changes.

Polling, not file-system events: every `interval` seconds the folder's
signature (each supported file's path, size and modification time) is taken,
which costs one `stat` per file; only when it differs from the last one does
the full incremental ingest run, and that embeds only added or changed files
and removes deleted ones. Readers are never locked out: the store takes writes
while queries go on, and the BM25 index is swapped in whole (lexical.py).
Polling works the same on every file system (network shares included) and
needs no extra package.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from assistant.errors import AssistantError
from assistant.ingest.pipeline import IngestReport, scan


def signature(corpus: Path) -> frozenset[tuple[str, int, int]]:
    out = set()
    for path in scan(corpus):
        try:
            st = path.stat()
        except OSError:  # vanished between the listing and the stat: the next round sees it gone
            continue
        out.add((str(path), st.st_size, st.st_mtime_ns))
    return frozenset(out)


def watch(
    corpus: Path, run: Callable[[], IngestReport], interval: float, stop: threading.Event,
    on_report: Callable[[IngestReport], None] = lambda report: None,
    on_error: Callable[[AssistantError], None] = lambda exc: None,
) -> None:
    """Ingest now, then again after each change, until `stop` is set. An ingest that fails
    (the folder is gone, the store is busy) is reported and tried again at the next change."""
    last = None
    while not stop.is_set():
        current = signature(corpus) if corpus.is_dir() else frozenset()
        if current != last:
            last = current
            try:
                on_report(run())
            except AssistantError as exc:
                on_error(exc)
        stop.wait(interval)
