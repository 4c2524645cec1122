"""Composition root: builds the concrete parts from the settings, and nothing else.

`Engines` holds the heavy parts every collection shares: the embedder, the
reranker, and one generator per model (in this process with llama.cpp, or on
an OpenAI-compatible server when `model_url` is set). `App` wires embedder ->
store -> retriever -> generator -> answer service for one collection; the
store is embedded Chroma, or a Chroma server when `chroma_url` is set.
`Workspace` is the set of named collections (the default one of corpus_dir,
plus `collections` in the settings), sharing one `Engines`. Heavy parts load
lazily: `assistant status` and an unchanged re-ingest never load torch or the
language model.

A corpus folder other than a configured one gets a collection of its own,
named after the folder and a hash of its absolute path, so `ask --corpus DIR`
never mixes documents of two folders.
"""

from __future__ import annotations

import hashlib
import re
import threading
from functools import cached_property
from pathlib import Path

from assistant.answer import AnswerService
from assistant.config import DEFAULT_EMBEDDER, Settings
from assistant.embed import CrossEncoderReranker, SentenceEmbedder
from assistant.errors import ConfigError, UploadError
from assistant.ingest.loaders import SUPPORTED, load
from assistant.ingest.parsed import ReadOptions
from assistant.records import Document
from assistant.uploads import check_upload
from assistant.generate import Generator, LlamaGenerator
from assistant.ingest.pipeline import IngestReport, ingest
from assistant.manifest import Manifest
from assistant.modelfiles import embedder_path, list_models, resolve_model
from assistant.remote import RemoteGenerator
from assistant.prompts import Prompts
from assistant.lexical import LexicalIndex
from assistant.retrieve import Retriever
from assistant.store import TEXT_ONLY, WITH_CONTEXT, ChromaStore, drop_collection


UPLOADS = "uploads"  # sub-folder of the corpus where the chat window's uploads go


def collection_for(settings: Settings, corpus: Path) -> str:
    for name, folder in settings.collection_folders().items():
        if corpus == folder:
            return name
    slug = re.sub(r"[^a-zA-Z0-9_-]+", "-", corpus.name).strip("-_")[:40] or "corpus"
    return f"{slug}-{hashlib.sha1(str(corpus).encode()).hexdigest()[:8]}"


class Engines:
    """The heavy parts all collections share: one embedder, one reranker, one generator per model."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._generators: dict[str, Generator] = {}
        self._lock = threading.Lock()

    @cached_property
    def embedder(self) -> SentenceEmbedder:
        s = self.settings
        folder = embedder_path() if s.embedding.name == DEFAULT_EMBEDDER else Path(s.embedding.name).expanduser().resolve()
        return SentenceEmbedder(s.embedding.name, folder, batch_size=s.embedding.batch_size, threads=s.model.n_threads,
                                precision=s.embedding.precision)

    @cached_property
    def reranker(self) -> CrossEncoderReranker | None:
        s = self.settings
        if not s.retrieval.reranker:
            return None
        folder = Path(s.retrieval.reranker).expanduser()
        folder = folder if folder.is_absolute() else s.paths.models_dir / folder
        if not (folder / "config.json").is_file():
            raise ConfigError(
                f"setting 'retrieval.reranker' = {s.retrieval.reranker!r}: {folder} is not a model folder (no config.json). Copy a "
                "sentence-transformers CrossEncoder folder into models/, or leave the setting empty"
            )
        return CrossEncoderReranker(folder.resolve(), threads=s.model.n_threads)

    def generator(self, model: str | None = None) -> Generator:
        """The generator of this model (the configured one by default), made once and shared."""
        name = model or self.settings.model.name
        with self._lock:
            if name not in self._generators:
                self._generators[name] = self._make(name)
            return self._generators[name]

    def _make(self, model: str) -> Generator:
        s = self.settings
        if s.model.url:
            return RemoteGenerator(s.model.url, model, s.model.api_key.get_secret_value(), s.model.n_ctx)
        name, path = resolve_model(model, s.paths.models_dir)
        return LlamaGenerator(name, path, s.model.n_ctx, s.model.n_threads, s.model.n_gpu_layers, s.model.seed)

    def model_names(self) -> list[str]:
        """The models a user can choose: the server's, or the usable GGUF files in models_dir."""
        s = self.settings
        if s.model.url:
            return [m["id"] for m in self.generator().models()]
        return [name for name, info, _ in list_models(s.paths.models_dir) if info is not None]


class App:
    def __init__(self, settings: Settings, corpus: Path | None = None, engines: Engines | None = None,
                 collection: str | None = None):
        self.settings = settings
        self.corpus = (corpus or settings.paths.corpus_dir).expanduser().resolve()
        self.collection = collection or collection_for(settings, self.corpus)
        self.engines = engines or Engines(settings)
        self.last_report: IngestReport | None = None
        self._ingest_lock = threading.Lock()  # watch mode, uploads and the CLI never ingest at the same time

    @property
    def embedder(self) -> SentenceEmbedder:
        return self.engines.embedder

    @property
    def reranker(self) -> CrossEncoderReranker | None:
        return self.engines.reranker

    @property
    def generator(self) -> Generator:
        return self.engines.generator()

    @cached_property
    def store(self) -> ChromaStore:
        s = self.settings
        recipe = WITH_CONTEXT if s.ingest.embed_titles else TEXT_ONLY
        return ChromaStore(s.paths.data_dir / "chroma", self.collection, self.embedder.id, self.embedder.dimension, recipe,
                           url=s.store.chroma_url)

    @cached_property
    def manifest(self) -> Manifest:
        return Manifest(self.settings.paths.data_dir / "manifest.sqlite", self.collection)

    @cached_property
    def lexical(self) -> LexicalIndex:
        return LexicalIndex(self.settings.paths.data_dir / "lexical", self.settings.paths.data_dir / "manifest.sqlite", self.collection)

    @cached_property
    def retriever(self) -> Retriever:
        return self._retriever(rerank=True)

    def _retriever(self, rerank: bool) -> Retriever:
        s = self.settings
        return Retriever(self.embedder, self.store, self.lexical, s.retrieval, self.reranker if rerank else None)

    @cached_property
    def service(self) -> AnswerService:
        s = self.settings
        return AnswerService(self.retriever, self.generator, Prompts(s.paths.prompts_dir, s.answer.guard_passages), s, self.manifest.catalog)

    def service_with(self, model: str | None = None, top_k: int | None = None, temperature: float | None = None,
                     rerank: bool | None = None) -> AnswerService:
        """An answer service with some settings chosen per request (the chat window's settings panel, the
        benchmarks)."""
        changes = {"model__name": model, "retrieval__top_k": top_k, "model__temperature": temperature}
        if all(v is None for v in changes.values()) and rerank is None:
            return self.service
        settings = self.settings.updated(**changes)
        retriever = self.retriever if rerank is None or rerank else self._retriever(rerank=False)
        return AnswerService(retriever, self.engines.generator(settings.model.name),
                             Prompts(settings.paths.prompts_dir, settings.answer.guard_passages), settings, self.manifest.catalog)

    def ingest(self, progress: bool = False, rebuild: bool = False) -> IngestReport:
        with self._ingest_lock:
            if rebuild:
                self._drop()
            s = self.settings
            self.last_report = ingest(
                self.corpus, self.store, self.manifest, self.embedder, s.ingest.chunk_size, s.ingest.chunk_overlap, progress,
                self.lexical, max_bytes=s.ingest.max_file_mb * 2**20, options=read_options(s),
            )
            self._log(self.last_report)
            return self.last_report

    @property
    def log_path(self) -> Path:
        """The machine-readable ingest log: one JSON object per ingest, newest last."""
        return self.settings.paths.data_dir / "logs" / f"ingest-{self.collection}.jsonl"

    def _log(self, report: IngestReport) -> None:
        import json
        import time

        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        entry = {"time": _iso(time.time()), "collection": self.collection, "corpus": str(self.corpus), **report.to_json()}
        with open(self.log_path, "a", encoding="utf-8") as f:
            f.write(json.dumps(entry, ensure_ascii=False) + "\n")

    def refused(self) -> dict[str, str]:
        """Files the latest ingest refused, with the reason (from the log, so it survives a restart)."""
        if self.last_report is not None:
            return self.last_report.errors
        import json

        try:
            lines = self.log_path.read_text(encoding="utf-8").splitlines()
            return json.loads(lines[-1])["errors"] if lines else {}
        except (OSError, ValueError, KeyError):
            return {}

    def documents(self) -> list[dict]:
        """Each indexed or refused file: source, chunks, when indexed, and the reason it was refused."""
        rows = [
            {"source": r.source, "chunks": r.chunks, "indexed": _iso(r.ingested_at), "error": ""}
            for r in sorted(self.manifest.records().values(), key=lambda r: r.source) if r.status == "done"
        ]
        errors = self.refused()
        rows += [{"source": src, "chunks": 0, "indexed": None, "error": why} for src, why in sorted(errors.items())]
        return rows

    def document(self, source: str) -> tuple[Document, bool]:
        """An indexed document's whole text as the loader reads it (citation offsets point into it), and
        whether the file still matches what was indexed."""
        record = self.manifest.records().get(source)
        path = (self.corpus / source).resolve()
        if record is None or not path.is_relative_to(self.corpus) or not path.is_file():
            raise UploadError(f"{source}: not an indexed document of {self.corpus}")
        doc = load(path, self.corpus, options=read_options(self.settings))
        return doc, doc.content_hash == record.content_hash

    def add_upload(self, name: str, data: bytes) -> tuple[str, IngestReport]:
        """Store an uploaded file under corpus/uploads/ (checked first) and index it."""
        clean = check_upload(name, len(data), SUPPORTED, self.settings.server.max_upload_mb)
        folder = self.corpus / UPLOADS
        folder.mkdir(parents=True, exist_ok=True)
        partial = folder / f".{clean}.part"  # hidden while written: an ingest meanwhile skips it
        partial.write_bytes(data)
        partial.replace(folder / clean)
        return f"{UPLOADS}/{clean}", self.ingest()

    def remove_document(self, source: str) -> IngestReport:
        """Delete a document's file from the corpus folder and its chunks from the index."""
        path = (self.corpus / source).resolve()
        if not path.is_relative_to(self.corpus) or not path.is_file():
            raise UploadError(f"{source}: not a file of the corpus folder {self.corpus}")
        path.unlink()
        return self.ingest()

    def watch(self, stop, on_report=lambda report: None, on_error=lambda exc: None) -> None:
        """Re-ingest whenever the corpus changes, until `stop` (a threading.Event) is set."""
        from assistant.ingest.watch import watch

        watch(self.corpus, self.ingest, self.settings.ingest.watch_interval, stop, on_report, on_error)

    def _drop(self) -> None:
        """Delete this collection and its manifest, whatever embedder built it."""
        drop_collection(self.settings.paths.data_dir / "chroma", self.collection, self.settings.store.chroma_url)
        self.manifest.clear()
        self.lexical.clear()
        for part in ("store", "retriever", "service"):  # every cached part that holds the dropped store
            self.__dict__.pop(part, None)

    def status(self) -> dict:
        records = self.manifest.records()
        return {
            "collection": self.collection,
            "corpus": str(self.corpus),
            "documents": sum(1 for r in records.values() if r.status == "done"),
            "chunks": self.store.count(),
            "embedder": self.embedder.id,
            "dimension": self.embedder.dimension,
            "model": self.settings.model.name,
            "model_url": self.settings.model.url or None,
            "store": self.store.location,
            "data_dir": str(self.settings.paths.data_dir),
            "last_ingest": _iso(max((r.ingested_at for r in records.values()), default=None)),
        }


class Workspace:
    """The named collections, each an App over its own corpus folder, sharing one Engines."""

    def __init__(self, settings: Settings, engines: Engines | None = None):
        self.settings = settings
        self.engines = engines or Engines(settings)
        self.default = settings.store.collection
        self._apps: dict[str, App] = {}
        self._only: list[str] | None = None  # an ad-hoc folder's workspace holds that folder alone
        self._lock = threading.Lock()

    @classmethod
    def around(cls, app: App) -> "Workspace":
        """A workspace whose default collection is this app (e.g. an ad-hoc `--corpus` folder)."""
        workspace = cls(app.settings, app.engines)
        workspace._apps[app.collection] = app
        workspace.default = app.collection
        if app.collection not in app.settings.collection_folders():
            workspace._only = [app.collection]
        return workspace

    def names(self) -> list[str]:
        """Every collection, the default first."""
        if self._only is not None:
            return list(self._only)
        return [self.default] + [n for n in self.settings.collection_folders() if n != self.default]

    def app(self, name: str | None = None) -> App:
        name = name or self.default
        with self._lock:
            if name not in self._apps:
                folders = self.settings.collection_folders()
                if name not in self.names() or name not in folders:
                    raise ConfigError(
                        f"no collection named {name!r}; the collections are {', '.join(self.names())}. Add one "
                        "under [collections] in assistant.toml (name = \"/path/to/folder\")"
                    )
                self._apps[name] = App(self.settings, folders[name], self.engines, name)
            return self._apps[name]

    def apps(self) -> list[App]:
        return [self.app(name) for name in self.names()]


def _iso(timestamp: float | None) -> str | None:
    if timestamp is None:
        return None
    from datetime import datetime, timezone

    return datetime.fromtimestamp(timestamp, timezone.utc).isoformat(timespec="seconds")


def read_options(settings: Settings) -> ReadOptions:
    """The loaders' bounds and OCR switch, from settings.ingest."""
    i = settings.ingest
    return ReadOptions(ocr=i.ocr, ocr_seconds=i.ocr_seconds, max_pages=i.max_pages, max_rows=i.max_rows,
                       max_unzipped_mb=i.max_unzipped_mb)
