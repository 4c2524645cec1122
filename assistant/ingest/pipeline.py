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
import time
from dataclasses import dataclass, field
from pathlib import Path

from assistant.embed import Embedder
from assistant.errors import IngestError
from assistant.ingest.chunking import chunk_document
from assistant.ingest.loaders import is_supported, load, relative_source
from assistant.lexical import LexicalIndex
from assistant.manifest import Manifest
from assistant.records import Chunk, Document
from assistant.store import ChromaStore

_EMBED_GROUP = 256  # chunks gathered across files before one embedding call


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

    def to_json(self) -> dict:
        """The report as data: the machine-readable ingest log (App writes it beside the index)."""
        return {"added": self.added, "updated": self.updated, "removed": self.removed, "unchanged": self.unchanged,
                "chunks_written": self.chunks_written, "chunks_reused": self.chunks_reused,
                "errors": self.errors, "seconds": round(self.seconds, 3)}

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


def scan(corpus: Path) -> list[Path]:
    """Supported files under corpus, sorted, skipping hidden files and folders."""
    return sorted(
        p for p in corpus.rglob("*")
        if p.is_file() and is_supported(p) and not any(part.startswith(".") for part in p.relative_to(corpus).parts)
    )


def ingest(
    corpus: Path, store: ChromaStore, manifest: Manifest, embedder: Embedder,
    chunk_size: int, chunk_overlap: int, progress: bool = False, lexical: LexicalIndex | None = None,
    max_bytes: int | None = None,
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
    for path in scan(corpus):
        source = relative_source(path, corpus)
        seen.add(source)
        try:
            stat = path.stat()
            if max_bytes is not None and stat.st_size > max_bytes:
                report.errors[source] = (f"{stat.st_size / 2**20:.1f} MB is over the limit of {max_bytes / 2**20:g} MB "
                                         "(setting 'max_file_mb'): split the file or raise the limit")
                continue
            data = path.read_bytes()
            modified[source] = stat.st_mtime
        except OSError as exc:
            report.errors[source] = f"cannot read ({exc.strerror})"
            continue
        digest = hashlib.sha256(data).hexdigest()
        record = known.get(source)
        if record and record.status == "done" and record.content_hash == digest:
            report.unchanged += 1
            if record.modified != modified[source]:
                manifest.set_modified(source, modified[source])
        else:
            todo.append((path, data, digest))

    for source in sorted(set(known) - seen):
        store.delete_source(source)
        if lexical is not None:
            lexical.delete_source(source)
        manifest.remove(source)
        report.removed.append(source)
    if lexical is not None and lexical.count() == 0 and store.count() > 0:
        # a collection built before the lexical index existed, or a Chroma server that
        # another process filled: the lexical index follows the store
        _backfill(store, lexical)

    bar = _progress(len(todo), progress)
    group: list[tuple[Document, list[Chunk]]] = []
    for path, data, digest in todo:
        try:
            doc = load(path, corpus, data)
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
        lexical.rebuild()
    report.seconds = time.perf_counter() - start
    return report


def _write(group, store: ChromaStore, manifest: Manifest, embedder: Embedder, known, report: IngestReport,
           lexical: LexicalIndex | None, modified: dict[str, float]) -> None:
    missing = store.missing([c.id for _, chunks in group for c in chunks])
    texts = [store.embedding_text(c) for _, chunks in group for c in chunks if c.id in missing]
    vectors = embedder.embed(texts) if texts else []
    offset = 0
    for doc, chunks in group:
        new = [c for c in chunks if c.id in missing]
        manifest.mark_pending(doc.source, doc.content_hash, modified.get(doc.source))
        store.replace_source(doc.source, new, vectors[offset : offset + len(new)],
                             keep=[c.id for c in chunks if c.id not in missing])
        if lexical is not None:
            lexical.replace_source(doc.source, chunks)
        offset += len(new)
        manifest.mark_done(doc.source, doc.content_hash, len(chunks), modified.get(doc.source))
        (report.updated if doc.source in known else report.added).append(doc.source)
        report.chunks_written += len(new)
        report.chunks_reused += len(chunks) - len(new)


def _backfill(store: ChromaStore, lexical: LexicalIndex) -> None:
    by_source: dict[str, list[Chunk]] = {}
    for cid, source, title, heading, text in store.all_chunks():
        by_source.setdefault(source, []).append(
            Chunk(id=cid, source=source, title=title, heading=heading, text=text, index=0,
                  char_start=0, char_end=0, content_hash="")
        )
    for source, chunks in by_source.items():
        lexical.replace_source(source, chunks)


def _progress(total: int, enabled: bool):
    from tqdm import tqdm  # a disabled bar is a no-op with the same interface

    return tqdm(total=total, unit="file", desc="ingesting", leave=False, disable=not enabled or total == 0)
