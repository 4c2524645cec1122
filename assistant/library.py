"""A collection's documents: list, read, add, remove, status, and the ingest log.

The chat window's Documents tab and `assistant status` read and change a
collection through this one class (through the App's thin delegations). It keeps the latest ingest
report and appends each report to `data/logs/ingest-<collection>.jsonl` (one JSON
object per ingest, newest last), so files refused before a restart are still
listed with their reason. It does not build any part and does not ingest by
itself: the collection it is given (an `App`) does both.

Paths a user names are held inside the corpus folder: a document that is a link
is removed as a link (its target, wherever it is, is left alone), and a path
that leads out of the folder is refused.
"""

from __future__ import annotations

import json
import threading
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Protocol

from assistant.config import Settings
from assistant.errors import UploadError
from assistant.ingest.limits import Limits
from assistant.ingest.loaders import SUPPORTED, load
from assistant.ingest.pipeline import IngestReport
from assistant.manifest import Manifest
from assistant.records import Document
from assistant.uploads import check_upload

UPLOADS = "uploads"  # sub-folder of the corpus where the chat window's uploads go


class Collection(Protocol):
    """What a Library needs of its collection (app.App provides it)."""

    settings: Settings
    corpus: Path
    collection: str
    manifest: Manifest
    limits: Limits

    def ingest(self) -> IngestReport: ...

    def index_status(self) -> dict: ...


class Library:
    def __init__(self, collection: Collection):
        self._of = collection
        self.last_report: IngestReport | None = None

    @property
    def log_path(self) -> Path:
        """The machine-readable ingest log: one JSON object per ingest, newest last."""
        return self._of.settings.paths.data_dir / "logs" / f"ingest-{self._of.collection}.jsonl"

    def record(self, report: IngestReport) -> None:
        """Keep the report as the latest, and append it to the log."""
        self.last_report = report
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        entry = {"time": iso(time.time()), "collection": self._of.collection, "corpus": str(self._of.corpus),
                 **report.to_json()}
        with open(self.log_path, "a", encoding="utf-8") as f:
            f.write(json.dumps(entry, ensure_ascii=False) + "\n")

    def refused(self) -> dict[str, str]:
        """Files the latest ingest refused, with the reason (from the log, so it survives a restart)."""
        if self.last_report is not None:
            return self.last_report.errors
        try:
            lines = self.log_path.read_text(encoding="utf-8").splitlines()
            return json.loads(lines[-1])["errors"] if lines else {}
        except (OSError, ValueError, KeyError):
            return {}

    def documents(self) -> list[dict]:
        """Each indexed or refused file: source, chunks, when indexed, and the reason it was refused."""
        rows = [
            {"source": r.source, "chunks": r.chunks, "indexed": iso(r.ingested_at), "error": ""}
            for r in sorted(self._of.manifest.records().values(), key=lambda r: r.source) if r.status == "done"
        ]
        rows += [{"source": src, "chunks": 0, "indexed": None, "error": why} for src, why in sorted(self.refused().items())]
        return rows

    def document(self, source: str) -> tuple[Document, bool]:
        """An indexed document's whole text as the loader reads it (citation offsets point into it), and
        whether the file still matches what was indexed."""
        corpus = self._of.corpus
        record = self._of.manifest.records().get(source)
        path = (corpus / source).resolve()
        if record is None or not path.is_relative_to(corpus) or not path.is_file():
            raise UploadError(f"{source}: not an indexed document of {corpus}")
        doc = load(path, corpus, limits=self._of.limits)
        return doc, doc.content_hash == record.content_hash

    def add_upload(self, name: str, data: bytes) -> tuple[str, IngestReport]:
        """Store an uploaded file under corpus/uploads/ (checked first) and index it. A name already taken
        by other bytes is kept beside it as `name (2).ext` (never replaced); the same bytes again are not
        stored twice."""
        clean = check_upload(name, len(data), SUPPORTED, self._of.settings.server.max_upload_mb)
        folder = self._of.corpus / UPLOADS
        if folder.is_symlink():
            raise UploadError(f"{folder} is a link; uploads are written only into a real folder of the corpus")
        folder.mkdir(parents=True, exist_ok=True)
        with _UPLOAD_LOCK:  # two uploads of one name at once must not pick the same free name
            target = _free_name(folder, clean, data)
            if not target.exists():
                partial = folder / f".{target.name}.part"  # hidden while written: an ingest meanwhile skips it
                partial.write_bytes(data)
                partial.replace(target)
        return f"{UPLOADS}/{target.name}", self._of.ingest()

    def remove_document(self, source: str) -> IngestReport:
        """Delete a document's file from the corpus folder and its chunks from the index. A document that
        is a link is removed as a link: its target is never touched."""
        path = self._of.corpus / source
        inside = ".." not in Path(source).parts and path.parent.resolve().is_relative_to(self._of.corpus)
        if not inside or not (path.is_symlink() or path.is_file()):
            raise UploadError(f"{source}: not a file of the corpus folder {self._of.corpus}")
        path.unlink()
        return self._of.ingest()

    def status(self) -> dict:
        """What is indexed: the manifest's counts and the index's parts."""
        records = self._of.manifest.records()
        return {
            "collection": self._of.collection,
            "corpus": str(self._of.corpus),
            "documents": sum(1 for r in records.values() if r.status == "done"),
            **self._of.index_status(),
            "last_ingest": iso(max((r.ingested_at for r in records.values()), default=None)),
        }


def iso(timestamp: float | None) -> str | None:
    """A Unix time as an ISO 8601 UTC string, to the second (None stays None)."""
    if timestamp is None:
        return None
    return datetime.fromtimestamp(timestamp, timezone.utc).isoformat(timespec="seconds")


_UPLOAD_LOCK = threading.Lock()


def _free_name(folder: Path, name: str, data: bytes) -> Path:
    """`name` in folder, or `stem (2).ext`, `(3)`...: the first that is free or already holds these bytes.

    >>> import tempfile; d = Path(tempfile.mkdtemp()); _ = (d / "a.md").write_bytes(b"1")
    >>> [_free_name(d, "a.md", b"1").name, _free_name(d, "a.md", b"2").name]
    ['a.md', 'a (2).md']
    """
    stem, dot, ext = name.rpartition(".")
    for n in range(1, 10_000):
        candidate = folder / (name if n == 1 else f"{stem} ({n}){dot}{ext}")
        if candidate.is_symlink():
            continue  # never write through a link
        if not candidate.exists() or (candidate.is_file() and candidate.read_bytes() == data):
            return candidate
    raise UploadError(f"{name}: too many uploads of this name; remove some in the Documents tab")
