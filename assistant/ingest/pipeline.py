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

import os
import time
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from assistant.embed import Embedder
from assistant.errors import IngestError
from assistant.ingest.chunking import chunk_document
from assistant.ingest.limits import Limits
from assistant.ingest.loaders import SUPPORTED, content_hash, is_supported, load, relative_source
from assistant.lexical import LexicalIndex
from assistant.manifest import FileRecord, Manifest
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
    repairs: list[str] = field(default_factory=list)  # damaged or lost state found and repaired, one message each

    def to_json(self) -> dict:
        """The report as data: the machine-readable ingest log (App writes it beside the index)."""
        return {"added": self.added, "updated": self.updated, "removed": self.removed, "unchanged": self.unchanged,
                "chunks_written": self.chunks_written, "chunks_reused": self.chunks_reused,
                "errors": self.errors, "seconds": round(self.seconds, 3),
                "stages": {k: round(v, 3) for k, v in self.stages.items()}, "repairs": self.repairs}

    def summary(self) -> str:
        parts = [
            f"{len(self.added)} added", f"{len(self.updated)} updated", f"{len(self.removed)} removed",
            f"{self.unchanged} unchanged", f"{self.chunks_written} chunks written", f"{self.seconds:.1f} s",
        ]
        if self.chunks_reused:
            parts.insert(-1, f"{self.chunks_reused} already stored")
        text = "".join(f"repaired: {note}\n" for note in self.repairs) + "ingest: " + ", ".join(parts)
        if self.errors:
            text += f"\n{len(self.errors)} file(s) not indexed:" + "".join(
                f"\n  {src}: {why}" for src, why in sorted(self.errors.items())
            )
        return text


_UNLISTABLE = "cannot list this folder (permission denied?): its files keep their indexed versions"


def scan(corpus: Path, skipped: dict[str, str] | None = None) -> list[Path]:
    """Supported files under corpus, sorted, skipping hidden files and folders. Links to folders
    are not followed (a link loop cannot trap it). What is passed over is named in `skipped`
    (path relative to corpus -> reason): a file of a type no loader reads, a folder that cannot be listed (its key ends in '/'),
    a broken link, a pipe or device, which a read would wait on forever, and a link (to a file
    or a folder, whose key ends in '/') that leads out of the corpus folder: nothing outside it
    is read. A link to a file inside the folder is indexed under the link's name."""
    found: list[Path] = []
    skipped = {} if skipped is None else skipped
    inside = corpus.resolve()

    def failed(exc: OSError) -> None:
        if exc.filename:
            skipped[Path(exc.filename).relative_to(corpus).as_posix() + "/"] = _UNLISTABLE

    for root, dirs, files in os.walk(corpus, onerror=failed):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in dirs:  # never walked (os.walk does not follow links): named when they lead out
            if _leads_out(Path(root) / name, inside):
                skipped[relative_source(Path(root) / name, corpus) + "/"] = _OUTSIDE
        for name in files:
            path = Path(root) / name
            if name.startswith("."):
                continue
            if not is_supported(path):
                skipped[relative_source(path, corpus)] = _unsupported(path)
                continue
            if path.is_file() and _leads_out(path, inside):
                skipped[relative_source(path, corpus)] = _OUTSIDE
            elif path.is_file():
                found.append(path)
            else:
                skipped[relative_source(path, corpus)] = (
                    "a link to nothing: skipped" if not path.exists() else "not a regular file (a pipe or device): skipped")
    return sorted(found)


_OUTSIDE = "a link to a place outside the corpus folder: refused (copy the file into the folder instead)"


def _leads_out(path: Path, inside: Path) -> bool:
    """Whether `path` is a link whose target lies outside the (resolved) corpus folder."""
    return path.is_symlink() and path.exists() and not path.resolve().is_relative_to(inside)


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
    """The bytes of the file the path leads to; a link swapped in for its last part meanwhile is refused."""
    fd = os.open(path.resolve(), os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    with os.fdopen(fd, "rb") as f:
        return f.read()


def _identity(stat: os.stat_result) -> tuple[int, int, int]:
    return stat.st_ino, stat.st_size, stat.st_mtime_ns


def _check_size(size: int, max_bytes: int | None) -> None:
    if max_bytes is not None and size > max_bytes:
        raise _Refused(f"{size / 2**20:.1f} MB is over the limit of {max_bytes / 2**20:g} MB "
                       "(setting 'ingest.max_file_mb'): split the file or raise the limit")


@dataclass(frozen=True)
class IngestJob:
    """What one ingest needs: the folder, the parts it writes to, and how files are cut and bounded."""

    corpus: Path
    store: ChromaStore
    manifest: Manifest
    embedder: Embedder
    chunk_size: int
    chunk_overlap: int
    lexical: LexicalIndex | None = None
    max_bytes: int | None = None  # a file over this is refused unread (memory stays bounded)
    limits: Limits = Limits()  # what loading one file may cost (pages, rows, elements, characters, seconds), and OCR


@dataclass(frozen=True)
class _Survey:
    """What the folder holds now: the files to (re)index, every source seen, and modification times."""

    todo: list[tuple[Path, bytes, str]]
    seen: set[str]
    modified: dict[str, float]


def ingest(corpus: Path, store: ChromaStore, manifest: Manifest, embedder: Embedder, chunk_size: int,
           chunk_overlap: int, progress: bool = False, lexical: LexicalIndex | None = None,
           max_bytes: int | None = None, limits: Limits = Limits()) -> IngestReport:
    """`run(IngestJob(...))` for callers that hold the parts one by one (the tests, the benchmarks)."""
    return run(IngestJob(corpus, store, manifest, embedder, chunk_size, chunk_overlap, lexical, max_bytes, limits),
               progress)


def run(job: IngestJob, progress: bool = False) -> IngestReport:
    """Bring the store in step with the folder. A file over `max_bytes` is refused with that reason, unread,
    and keeps whatever version of it was stored before. Damaged or lost state is repaired, with a message."""
    start = time.perf_counter()
    report = IngestReport()
    if not job.corpus.is_dir():
        raise IngestError(f"corpus folder {job.corpus} does not exist: create it and put documents in it")
    known = _known(job, report)
    skipped: dict[str, str] = {}
    survey = _survey(job, known, report, skipped)
    _remove_gone(job, known, survey.seen, skipped, report)
    _follow_store(job, report)
    _index(job, survey, known, report, progress)
    _save_lexical(job, report)
    report.seconds = time.perf_counter() - start
    return report


def _known(job: IngestJob, report: IngestReport) -> dict[str, FileRecord]:
    """The manifest's records; a file whose chunks the store lost (data/chroma deleted, say) is marked
    pending, so it is indexed again."""
    report.repairs += _take(job.manifest.repairs) + (_take(job.lexical.repairs) if job.lexical else [])
    known = job.manifest.records()
    done = {s: r for s, r in known.items() if r.status == "done" and r.chunks}
    if job.store.count() >= sum(r.chunks for r in done.values()):
        return known
    lost = sorted(s for s, r in done.items() if job.store.count_source(s) < r.chunks)
    if lost:
        report.repairs.append(f"the store at {job.store.location} had lost the chunks of {len(lost)} indexed "
                              "file(s) (was it deleted?): indexing them again")
    return {s: replace(r, status="pending") if s in lost else r for s, r in known.items()}


def _take(notes: list[str]) -> list[str]:
    taken = list(notes)
    notes.clear()  # reported once
    return taken


def _survey(job: IngestJob, known: dict[str, FileRecord], report: IngestReport, skipped: dict[str, str]) -> _Survey:
    """Read and hash every listed file; unchanged ones are counted (their modification time kept current)."""
    survey = _Survey([], set(), {})
    for path in scan(job.corpus, skipped):
        source = relative_source(path, job.corpus)
        survey.seen.add(source)
        read = _read(path, job.corpus, job.max_bytes, report, survey.seen)
        if read is None:
            continue
        data, stat = read
        survey.modified[source] = stat.st_mtime
        with _timed(report, "read"):
            digest = content_hash(path, data)
        record = known.get(source)
        if record and record.status == "done" and record.content_hash == digest:
            report.unchanged += 1
            if record.modified != stat.st_mtime:
                job.manifest.set_modified(source, stat.st_mtime)
        else:
            survey.todo.append((path, data, digest))
    return survey


def _read(path: Path, corpus: Path, max_bytes: int | None, report: IngestReport,
          seen: set[str]) -> tuple[bytes, os.stat_result] | None:
    """The file's bytes and stat, or None with the reason in the report."""
    try:
        if _leads_out(path, corpus.resolve()):  # made a link out since the listing
            raise _Refused(_OUTSIDE)
        with _timed(report, "read"):
            return read_stable(path, max_bytes)
    except _Refused as exc:
        report.errors[relative_source(path, corpus)] = str(exc)
    except FileNotFoundError:  # deleted (or moved away) between the listing and the read
        seen.discard(relative_source(path, corpus))
        report.errors[relative_source(path, corpus)] = "vanished while being read: treated as deleted (indexed again if it comes back)"
    except OSError as exc:  # unreadable: permissions, an I/O error; the version stored before is kept
        report.errors[relative_source(path, corpus)] = f"cannot read ({exc.strerror or exc}): check the file's permissions"
    return None


def _remove_gone(job: IngestJob, known: dict[str, FileRecord], seen: set[str], skipped: dict[str, str],
                 report: IngestReport) -> None:
    """Files gone from the folder lose their chunks; those under a folder that cannot be listed are kept."""
    report.errors.update(skipped)
    for folder in (k for k, why in skipped.items() if why == _UNLISTABLE):  # unseen, but not deleted: kept
        seen = seen | {s for s in known if s.startswith(folder) or folder == "./"}
    for source in sorted(set(known) - seen):
        job.store.delete_source(source)
        if job.lexical is not None:
            job.lexical.delete_source(source)
        job.manifest.remove(source)
        report.removed.append(source)


def _follow_store(job: IngestJob, report: IngestReport) -> None:
    """A lexical index that is empty (built before it existed, lost, or moved aside when damaged) or made
    by another tokenizer, or a Chroma server another process filled: the lexical index follows the store."""
    lexical = job.lexical
    if lexical is not None and (lexical.empty() or lexical.outdated()) and job.store.count() > 0:
        with _timed(report, "lexical"):
            _backfill(job.store, lexical)


def _index(job: IngestJob, survey: _Survey, known: dict[str, FileRecord], report: IngestReport,
           progress: bool) -> None:
    """Load, chunk, embed and write the new and changed files, embedding in groups across files."""
    bar = _progress(len(survey.todo), progress)
    group: list[tuple[Document, list[Chunk]]] = []
    for path, data, digest in survey.todo:
        prepared = _prepare(job, path, data, report)
        if prepared is None:
            bar.update(1)
            continue
        group.append(prepared)
        if sum(len(c) for _, c in group) >= _EMBED_GROUP:
            _write(job, group, known, report, survey.modified)
            bar.update(len(group))
            group = []
    if group:
        _write(job, group, known, report, survey.modified)
        bar.update(len(group))
    bar.close()


def _prepare(job: IngestJob, path: Path, data: bytes, report: IngestReport) -> tuple[Document, list[Chunk]] | None:
    """The file's Document and Chunks, or None with the reason in the report."""
    try:
        with _timed(report, "parse"):
            doc = load(path, job.corpus, data, limits=job.limits)
        with _timed(report, "chunk"):
            return doc, chunk_document(doc, job.embedder.count_tokens, job.chunk_size, job.chunk_overlap)
    except IngestError as exc:
        report.errors[relative_source(path, job.corpus)] = str(exc).split(": ", 1)[-1]
    except Exception as exc:  # a loader bug must cost one file, never the whole ingest
        report.errors[relative_source(path, job.corpus)] = f"unexpected error while reading ({type(exc).__name__}: {exc})"
    return None


def _write(job: IngestJob, group: list[tuple[Document, list[Chunk]]], known: dict[str, FileRecord],
           report: IngestReport, modified: dict[str, float]) -> None:
    with _timed(report, "store"):
        missing = job.store.missing([c.id for _, chunks in group for c in chunks])
    texts = [job.store.embedding_text(c) for _, chunks in group for c in chunks if c.id in missing]
    with _timed(report, "embed"):
        vectors = job.embedder.embed(texts) if texts else []
    offset = 0
    for doc, chunks in group:
        new = [c for c in chunks if c.id in missing]
        _write_file(job, doc, chunks, new, vectors[offset : offset + len(new)], modified.get(doc.source), report)
        offset += len(new)
        (report.updated if doc.source in known else report.added).append(doc.source)
        report.chunks_written += len(new)
        report.chunks_reused += len(chunks) - len(new)


def _write_file(job: IngestJob, doc: Document, chunks: list[Chunk], new: list[Chunk], vectors: list,
                modified: float | None, report: IngestReport) -> None:
    """One file: manifest pending -> new chunks written, old ones deleted -> lexical rows -> manifest done."""
    with _timed(report, "store"):
        job.manifest.mark_pending(doc.source, doc.content_hash, modified)
        fresh = {c.id for c in new}
        job.store.replace_source(doc.source, new, vectors, keep=[c.id for c in chunks if c.id not in fresh])
    if job.lexical is not None:
        with _timed(report, "lexical"):
            job.lexical.replace_source(doc.source, chunks)
    with _timed(report, "store"):
        job.manifest.mark_done(doc.source, doc.content_hash, len(chunks), modified)


def _save_lexical(job: IngestJob, report: IngestReport) -> None:
    """Rebuild the BM25 matrix after a change, or when the saved one is missing or damaged."""
    lexical = job.lexical
    if lexical is None:
        return
    with _timed(report, "lexical"):
        if lexical.dirty():
            lexical.rebuild()
        elif note := lexical.repair():
            report.repairs.append(note)


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
