"""The incremental ingest pipeline: a folder -> the store, idempotently.

For each supported file the content hash decides: unchanged files are skipped
without loading the embedder; new and changed files are loaded, chunked,
embedded in batches and written; files that disappeared lose their chunks. A
file that fails to load is reported with its reason and keeps whatever version
of it was stored before. Per file, the manifest is marked pending before the
store is written and done after, so an interrupted run is repaired next time.
Chunk ids name their content, so chunks the store already holds (from an
interrupted run, or written by another process into a shared Chroma server)
are kept and not embedded again.
"""

from __future__ import annotations

import hashlib
import os
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from assistant.embed import Embedder
from assistant.errors import IngestError
from assistant.ingest.chunking import chunk_document
from assistant.ingest.loaders import SUPPORTED, is_supported, load, relative_source
from assistant.ingest.parsed import ReadOptions
from assistant.lexical import LexicalIndex
from assistant.manifest import Manifest
from assistant.records import Chunk, Document
from assistant.store import ChromaStore

_EMBED_GROUP = 256  # chunks gathered across files before one embedding call
STAGES = ("read", "parse", "chunk", "embed", "store", "lexical")  # where ingest time goes (IngestReport.stages)


@contextmanager
def _timed(report: "IngestReport", stage: str):
    start = time.perf_counter()
    try:
        yield
    finally:
        report.stages[stage] += time.perf_counter() - start


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    chunks_written: int = 0
    chunks_reused: int = 0  # already in the store with the same content: not embedded again
    errors: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    stages: dict[str, float] = field(default_factory=lambda: dict.fromkeys(STAGES, 0.0))  # seconds in each

    def to_json(self) -> dict:
        """The report as data: the machine-readable ingest log (App writes it beside the index)."""
        return {"added": self.added, "updated": self.updated, "removed": self.removed, "unchanged": self.unchanged,
                "chunks_written": self.chunks_written, "chunks_reused": self.chunks_reused,
                "errors": self.errors, "seconds": round(self.seconds, 3),
                "stages": {k: round(v, 3) for k, v in self.stages.items()}}

    def summary(self) -> str:
        parts = [
            f"{len(self.added)} added", f"{len(self.updated)} updated", f"{len(self.removed)} removed",
            f"{self.unchanged} unchanged", f"{self.chunks_written} chunks written", f"{self.seconds:.1f} s",
        ]
        if self.chunks_reused:
            parts.insert(-1, f"{self.chunks_reused} already stored")
        text = "ingest: " + ", ".join(parts)
        if self.errors:
            text += f"\n{len(self.errors)} file(s) not indexed:" + "".join(
                f"\n  {src}: {why}" for src, why in sorted(self.errors.items())
            )
        return text


_UNLISTABLE = "cannot list this folder (permission denied?): its files keep their indexed versions"


def scan(corpus: Path, skipped: dict[str, str] | None = None) -> list[Path]:
    """Supported files under corpus, sorted, skipping hidden files and folders. Links to folders
    are not followed (a link loop cannot trap it). What is passed over is named in `skipped`
    (path relative to corpus -> reason): a file of a type no loader reads, a folder that cannot be
    listed (its key ends in '/'), a broken link, and a pipe or device, which a read would wait on forever."""
    found: list[Path] = []
    skipped = {} if skipped is None else skipped

    def failed(exc: OSError) -> None:
        if exc.filename:
            skipped[Path(exc.filename).relative_to(corpus).as_posix() + "/"] = _UNLISTABLE

    for root, dirs, files in os.walk(corpus, onerror=failed):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            path = Path(root) / name
            if name.startswith("."):
                continue
            if not is_supported(path):
                skipped[relative_source(path, corpus)] = _unsupported(path)
                continue
            if path.is_file():
                found.append(path)
            else:
                skipped[relative_source(path, corpus)] = (
                    "a link to nothing: skipped" if not path.exists() else "not a regular file (a pipe or device): skipped")
    return sorted(found)


def _unsupported(path: Path) -> str:
    kind = f"type '{path.suffix.lower()}'" if path.suffix else "a file without a type (no extension)"
    return f"{kind} is not read: not indexed (read: {', '.join(sorted(SUPPORTED))})"


class _Refused(Exception):
    """A file refused before it is loaded; the message is the reason the report gives."""


_READ_TRIES = 3


def read_stable(path: Path, max_bytes: int | None) -> tuple[bytes, os.stat_result]:
    """The file's bytes, read whole, and the stat that describes them. A file over `max_bytes` is refused
    unread. A file that changes while it is read (another size, modification time or inode after the
    read than before) is read again; one that keeps changing is refused, and the next run or watch
    poll picks it up, so no half-written mix is ever indexed."""
    for _ in range(_READ_TRIES):
        before = path.stat()
        _check_size(before.st_size, max_bytes)
        data = _read_bytes(path)
        after = path.stat()
        _check_size(len(data), max_bytes)
        if _identity(before) == _identity(after) and len(data) == after.st_size:
            return data, after
    raise _Refused(f"changed while being read ({_READ_TRIES} tries): it will be indexed once it stops changing")


def _read_bytes(path: Path) -> bytes:
    return path.read_bytes()


def _identity(stat: os.stat_result) -> tuple[int, int, int]:
    return stat.st_ino, stat.st_size, stat.st_mtime_ns


def _check_size(size: int, max_bytes: int | None) -> None:
    if max_bytes is not None and size > max_bytes:
        raise _Refused(f"{size / 2**20:.1f} MB is over the limit of {max_bytes / 2**20:g} MB "
                       "(setting 'ingest.max_file_mb'): split the file or raise the limit")


def ingest(
    corpus: Path, store: ChromaStore, manifest: Manifest, embedder: Embedder,
    chunk_size: int, chunk_overlap: int, progress: bool = False, lexical: LexicalIndex | None = None,
    max_bytes: int | None = None, options: ReadOptions | None = None,
) -> IngestReport:
    """Bring the store in step with the folder. A file over `max_bytes` is refused with that reason, unread
    (memory stays bounded), and keeps whatever version of it was stored before."""
    start = time.perf_counter()
    report = IngestReport()
    if not corpus.is_dir():
        raise IngestError(f"corpus folder {corpus} does not exist: create it and put documents in it")
    known = manifest.records()
    seen: set[str] = set()
    todo: list[tuple[Path, bytes, str]] = []
    modified: dict[str, float] = {}
    skipped: dict[str, str] = {}
    for path in scan(corpus, skipped):
        source = relative_source(path, corpus)
        seen.add(source)
        try:
            with _timed(report, "read"):
                data, stat = read_stable(path, max_bytes)
        except _Refused as exc:
            report.errors[source] = str(exc)
            continue
        except FileNotFoundError:  # deleted (or moved away) between the listing and the read
            seen.discard(source)
            report.errors[source] = "vanished while being read: treated as deleted (indexed again if it comes back)"
            continue
        except OSError as exc:  # unreadable: permissions, an I/O error; the version stored before is kept
            report.errors[source] = f"cannot read ({exc.strerror or exc}): check the file's permissions"
            continue
        modified[source] = stat.st_mtime
        with _timed(report, "read"):
            digest = hashlib.sha256(data).hexdigest()
        record = known.get(source)
        if record and record.status == "done" and record.content_hash == digest:
            report.unchanged += 1
            if record.modified != modified[source]:
                manifest.set_modified(source, modified[source])
        else:
            todo.append((path, data, digest))

    report.errors.update(skipped)
    for folder in (k for k, why in skipped.items() if why == _UNLISTABLE):  # unseen, but not deleted: kept
        seen |= {s for s in known if s.startswith(folder) or folder == "./"}
    for source in sorted(set(known) - seen):
        store.delete_source(source)
        if lexical is not None:
            lexical.delete_source(source)
        manifest.remove(source)
        report.removed.append(source)
    if lexical is not None and (lexical.empty() or lexical.outdated()) and store.count() > 0:
        # a collection built before the lexical index existed (or by another tokenizer), or a
        # Chroma server that another process filled: the lexical index follows the store
        _backfill(store, lexical)

    bar = _progress(len(todo), progress)
    group: list[tuple[Document, list[Chunk]]] = []
    for path, data, digest in todo:
        try:
            with _timed(report, "parse"):
                doc = load(path, corpus, data, options)
            with _timed(report, "chunk"):
                chunks = chunk_document(doc, embedder.count_tokens, chunk_size, chunk_overlap)
        except IngestError as exc:
            report.errors[relative_source(path, corpus)] = str(exc).split(": ", 1)[-1]
            bar.update(1)
            continue
        except Exception as exc:  # a loader bug must cost one file, never the whole ingest
            report.errors[relative_source(path, corpus)] = f"unexpected error while reading ({type(exc).__name__}: {exc})"
            bar.update(1)
            continue
        group.append((doc, chunks))
        if sum(len(c) for _, c in group) >= _EMBED_GROUP:
            _write(group, store, manifest, embedder, known, report, lexical, modified)
            bar.update(len(group))
            group = []
    if group:
        _write(group, store, manifest, embedder, known, report, lexical, modified)
        bar.update(len(group))
    bar.close()
    if lexical is not None and lexical.dirty():
        with _timed(report, "lexical"):
            lexical.rebuild()
    report.seconds = time.perf_counter() - start
    return report


def _write(group, store: ChromaStore, manifest: Manifest, embedder: Embedder, known, report: IngestReport,
           lexical: LexicalIndex | None, modified: dict[str, float]) -> None:
    with _timed(report, "store"):
        missing = store.missing([c.id for _, chunks in group for c in chunks])
    texts = [store.embedding_text(c) for _, chunks in group for c in chunks if c.id in missing]
    with _timed(report, "embed"):
        vectors = embedder.embed(texts) if texts else []
    offset = 0
    for doc, chunks in group:
        new = [c for c in chunks if c.id in missing]
        with _timed(report, "store"):
            manifest.mark_pending(doc.source, doc.content_hash, modified.get(doc.source))
            store.replace_source(doc.source, new, vectors[offset : offset + len(new)],
                                 keep=[c.id for c in chunks if c.id not in missing])
        if lexical is not None:
            with _timed(report, "lexical"):
                lexical.replace_source(doc.source, chunks)
        offset += len(new)
        with _timed(report, "store"):
            manifest.mark_done(doc.source, doc.content_hash, len(chunks), modified.get(doc.source))
        (report.updated if doc.source in known else report.added).append(doc.source)
        report.chunks_written += len(new)
        report.chunks_reused += len(chunks) - len(new)


def _backfill(store: ChromaStore, lexical: LexicalIndex) -> None:
    by_source: dict[str, list[Chunk]] = {}
    for chunk in store.all_chunks():
        by_source.setdefault(chunk.source, []).append(chunk)
    for source, chunks in by_source.items():
        lexical.replace_source(source, chunks)
    lexical.keep_only(set(by_source))


def _progress(total: int, enabled: bool):
    from tqdm import tqdm  # a disabled bar is a no-op with the same interface

    return tqdm(total=total, unit="file", desc="ingesting", leave=False, disable=not enabled or total == 0)
