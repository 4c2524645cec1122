"""Composition root: builds the concrete parts from the settings, and nothing else.

`Engines` holds the heavy parts every collection shares: the embedder, the
reranker, and one generator per model (in this process with llama.cpp, or on
an OpenAI-compatible server when `model.url` is set). `Parts` wires embedder ->
store -> retriever -> generator -> answer service for one collection; the
store is embedded Chroma, or a Chroma server when `store.chroma_url` is set.
`App` is one collection: its folder, its `Parts` (replaced whole after
`ingest --rebuild` drops the index), its ingest, and its documents, which
`library.Library` keeps (App only delegates). `Workspace` is the set of named
collections (the default one of `paths.corpus_dir`, plus `store.collections`),
sharing one `Engines`. Heavy parts load lazily: `assistant status` and an
unchanged re-ingest never load torch or the language model.

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
from assistant.errors import ConfigError
from assistant.ingest.limits import Limits
from assistant.generate import Generator, LlamaGenerator
from assistant.ingest.pipeline import IngestJob, IngestReport
from assistant.ingest.pipeline import run as run_ingest
from assistant.lexical import LexicalIndex
from assistant.library import Library
from assistant.manifest import Manifest
from assistant.modelfiles import embedder_path, list_models, resolve_model
from assistant.prompts import Prompts
from assistant.records import Document
from assistant.remote import RemoteGenerator
from assistant.retrieve import Retriever
from assistant.store import TEXT_ONLY, WITH_CONTEXT, ChromaStore, drop_collection


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


class Parts:
    """One collection's parts over its index, each built on first use. After `ingest --rebuild` drops
    the index, the App builds a new Parts, so no part keeps the dropped store."""

    def __init__(self, settings: Settings, collection: str, engines: Engines):
        self.settings, self.collection, self.engines = settings, collection, engines

    @cached_property
    def store(self) -> ChromaStore:
        s, embedder = self.settings, self.engines.embedder
        recipe = WITH_CONTEXT if s.ingest.embed_titles else TEXT_ONLY
        return ChromaStore(s.paths.data_dir / "chroma", self.collection, embedder.id, embedder.dimension, recipe,
                           url=s.store.chroma_url)

    @cached_property
    def manifest(self) -> Manifest:
        return Manifest(self.settings.paths.data_dir / "manifest.sqlite", self.collection)

    @cached_property
    def lexical(self) -> LexicalIndex:
        data = self.settings.paths.data_dir
        return LexicalIndex(data / "lexical", data / "lexical.sqlite", self.collection)

    @cached_property
    def retriever(self) -> Retriever:
        return self.retriever_with(rerank=True)

    def retriever_with(self, rerank: bool) -> Retriever:
        s = self.settings
        return Retriever(self.engines.embedder, self.store, self.lexical, s.retrieval,
                         self.engines.reranker if rerank else None)

    @cached_property
    def service(self) -> AnswerService:
        return self.service_for(self.settings, self.retriever)

    def service_for(self, settings: Settings, retriever: Retriever) -> AnswerService:
        return AnswerService(retriever, self.engines.generator(settings.model.name),
                             Prompts(settings.paths.prompts_dir, settings.answer.guard_passages), settings,
                             self.manifest.catalog)


class App:
    """One collection: its folder, its parts (`Parts`), its documents (`Library`) and its ingest."""

    def __init__(self, settings: Settings, corpus: Path | None = None, engines: Engines | None = None,
                 collection: str | None = None):
        self.settings = settings
        self.corpus = (corpus or settings.paths.corpus_dir).expanduser().resolve()
        self.collection = collection or collection_for(settings, self.corpus)
        self.engines = engines or Engines(settings)
        self.parts = Parts(settings, self.collection, self.engines)
        self.library = Library(self)
        self._ingest_lock = threading.Lock()  # watch mode, uploads and the CLI never ingest at the same time

    embedder = property(lambda self: self.engines.embedder)
    reranker = property(lambda self: self.engines.reranker)
    generator = property(lambda self: self.engines.generator())
    store = property(lambda self: self.parts.store)
    manifest = property(lambda self: self.parts.manifest)
    lexical = property(lambda self: self.parts.lexical)
    retriever = property(lambda self: self.parts.retriever)
    service = property(lambda self: self.parts.service)

    def service_with(self, model: str | None = None, top_k: int | None = None, temperature: float | None = None,
                     rerank: bool | None = None, max_tokens: int | None = None) -> AnswerService:
        """An answer service with some settings chosen per request (the chat window's settings panel, the
        API's fields, the benchmarks)."""
        changes = {"model__name": model, "retrieval__top_k": top_k, "model__temperature": temperature,
                   "model__max_tokens": max_tokens}
        if all(v is None for v in changes.values()) and rerank is None:
            return self.service
        retriever = self.retriever if rerank is None or rerank else self.parts.retriever_with(rerank=False)
        return self.parts.service_for(self.settings.updated(**changes), retriever)

    @property
    def limits(self) -> Limits:
        """What one file may cost to load, and the OCR switch (the ingest settings)."""
        return Limits.of(self.settings.ingest)

    def ingest(self, progress: bool = False, rebuild: bool = False) -> IngestReport:
        with self._ingest_lock:
            if rebuild:
                self._drop()
            s, parts = self.settings, self.parts
            job = IngestJob(self.corpus, parts.store, parts.manifest, self.embedder, s.ingest.chunk_size,
                            s.ingest.chunk_overlap, parts.lexical, max_bytes=s.ingest.max_file_mb * 2**20,
                            limits=self.limits)
            report = run_ingest(job, progress)
            self.library.record(report)
            return report

    def _drop(self) -> None:
        """Delete this collection, its manifest rows and its lexical index, whatever embedder built them,
        then start a new Parts over the empty index."""
        drop_collection(self.settings.paths.data_dir / "chroma", self.collection, self.settings.store.chroma_url)
        self.manifest.clear()
        self.lexical.clear()
        self.manifest.close()
        repairs = self.manifest.repairs + self.lexical.repairs  # still to report, by this ingest
        self.parts = Parts(self.settings, self.collection, self.engines)
        self.manifest.repairs.extend(repairs)

    def index_status(self) -> dict:
        """The index's side of `status`: chunks, embedder, model and where things are."""
        return {
            "chunks": self.store.count(),
            "embedder": self.embedder.id,
            "dimension": self.embedder.dimension,
            "model": self.settings.model.name,
            "model_url": self.settings.model.url or None,
            "store": self.store.location,
            "data_dir": str(self.settings.paths.data_dir),
        }

    def watch(self, stop, on_report=lambda report: None, on_error=lambda exc: None) -> None:
        """Re-ingest whenever the corpus changes, until `stop` (a threading.Event) is set."""
        from assistant.ingest.watch import watch

        watch(self.corpus, self.ingest, self.settings.ingest.watch_interval, stop, on_report, on_error)

    # The collection's documents, kept by `Library`; these delegations keep the callers' lines as they were.
    last_report = property(lambda self: self.library.last_report)
    log_path = property(lambda self: self.library.log_path)

    def refused(self) -> dict[str, str]:
        return self.library.refused()

    def documents(self) -> list[dict]:
        return self.library.documents()

    def document(self, source: str) -> tuple[Document, bool]:
        return self.library.document(source)

    def add_upload(self, name: str, data: bytes) -> tuple[str, IngestReport]:
        return self.library.add_upload(name, data)

    def remove_document(self, source: str) -> IngestReport:
        return self.library.remove_document(source)

    def status(self) -> dict:
        return self.library.status()


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
