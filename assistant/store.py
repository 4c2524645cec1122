"""The vector store: the only module that imports chromadb.

One Chroma collection per document collection, in `<data_dir>/chroma`
(embedded and persistent), or on a Chroma server when a URL is given
(`chroma run --path DIR --host 127.0.0.1 --port 8000`, setting `chroma_url`):
the same code either way. The collection's metadata records the embedder and
its dimension; opening it under another embedder raises EmbedderMismatch with
the command that rebuilds it. Chunks are replaced per source file: the new
chunks are written before the old ones are deleted, so readers never see a
document vanish, and a crash leaves at worst both versions, which the next
ingest repairs (see manifest.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from assistant.errors import EmbedderMismatch, StoreError
from assistant.records import Chunk, Passage

_ADD_BATCH = 1000


def _client(path: Path, url: str = ""):
    """The embedded store in `path`, or the Chroma server at `url` when one is given."""
    import chromadb  # lazy: heavy import
    from chromadb.config import Settings as ChromaSettings

    settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if url:
        from urllib.parse import urlsplit

        parts = urlsplit(url)
        ssl = parts.scheme == "https"
        try:
            return chromadb.HttpClient(host=parts.hostname or "127.0.0.1", port=parts.port or (443 if ssl else 8000),
                                       ssl=ssl, settings=settings)
        except Exception as exc:  # chromadb raises ValueError, ConnectionError and more: one message
            raise StoreError(
                f"cannot reach the Chroma server at {url} (setting 'store.chroma_url'): {exc}. Start one with "
                "`chroma run --path DIR --host 127.0.0.1 --port 8000`, or leave chroma_url empty for the "
                "embedded store"
            ) from None
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=settings)


# How chunks are turned into vectors; a collection built by another recipe is refused (rebuild it).
# 1: the chunk text alone. 2: the document title and heading path, then the chunk text.
TEXT_ONLY, WITH_CONTEXT = 1, 2


class ChromaStore:
    def __init__(self, path: Path, collection: str, embedder_id: str, dimension: int, recipe: int = WITH_CONTEXT,
                 url: str = ""):
        self.collection_name = collection
        self.recipe = recipe
        self.location = url or str(path)
        try:
            self._client = _client(path, url)
            existing = {c.name if hasattr(c, "name") else c for c in self._client.list_collections()}
            if collection in existing:
                self._col = self._client.get_collection(collection, embedding_function=None)
                _check_embedder(self._col.metadata or {}, collection, embedder_id, dimension)
                _check_recipe(self._col.metadata or {}, collection, recipe)
            else:
                self._col = self._client.create_collection(
                    collection,
                    embedding_function=None,
                    metadata={"hnsw:space": "cosine", "embedder": embedder_id, "dimension": dimension,
                              "recipe": recipe},
                )
        except (EmbedderMismatch, StoreError):
            raise
        except Exception as exc:  # chromadb raises many types; convert at this boundary
            raise StoreError(f"cannot open the store at {self.location}: {exc}") from exc

    def embedding_text(self, chunk: Chunk) -> str:
        """The text whose vector this collection stores for a chunk."""
        return chunk.with_context() if self.recipe == WITH_CONTEXT else chunk.text

    def count(self) -> int:
        return self._col.count()

    def mentions(self, text: str) -> bool:
        """Whether some stored chunk's text contains `text` (exactly, case and all)."""
        return bool(self._col.get(where_document={"$contains": text}, limit=1, include=[])["ids"])

    def count_source(self, source: str) -> int:
        """How many chunks of this source the store holds."""
        return len(self._col.get(where={"source": source}, include=[])["ids"])

    def missing(self, ids: list[str]) -> set[str]:
        """The ids among these that the store does not hold (chunk ids name their content, see chunking.py)."""
        held: set[str] = set()
        for i in range(0, len(ids), _ADD_BATCH):
            held.update(self._col.get(ids=ids[i : i + _ADD_BATCH], include=[])["ids"])
        return set(ids) - held

    def replace_source(self, source: str, chunks: list[Chunk], vectors: list[list[float]],
                       keep: list[str] = ()) -> None:
        """Upsert the source's new chunks, then delete any of its chunks that is neither among them nor kept.

        `keep`: ids of the source's current chunks that the store already holds (written by an earlier,
        interrupted ingest or by another process sharing a Chroma server), so they are not embedded again.
        """
        ids = [c.id for c in chunks]
        for i in range(0, len(chunks), _ADD_BATCH):
            part = chunks[i : i + _ADD_BATCH]
            self._col.upsert(
                ids=ids[i : i + _ADD_BATCH],
                embeddings=vectors[i : i + _ADD_BATCH],
                documents=[c.text for c in part],
                metadatas=[_metadata(c) for c in part],
            )
        current = set(ids) | set(keep)
        stale = [i for i in self._col.get(where={"source": source}, include=[])["ids"] if i not in current]
        if stale:
            self._col.delete(ids=stale)

    def delete_source(self, source: str) -> None:
        self._col.delete(where={"source": source})

    def query(self, vector: list[float], k: int, sources: set[str] | None = None) -> list[tuple[str, Passage]]:
        """(chunk id, passage) of the k nearest chunks, best first; score is the cosine similarity.

        With `sources`, only chunks of those documents (a metadata filter inside Chroma).
        """
        if self._col.count() == 0 or sources == set():
            return []
        where = None
        if sources is not None:
            where = {"source": {"$in": sorted(sources)}} if len(sources) > 1 else {"source": next(iter(sources))}
        res = self._col.query(
            query_embeddings=[vector], n_results=k, where=where, include=["documents", "metadatas", "distances"]
        )
        return [
            (cid, _passage(text, meta, 1.0 - float(dist)))
            for cid, text, meta, dist in zip(res["ids"][0], res["documents"][0], res["metadatas"][0], res["distances"][0])
            if meta is not None and text is not None  # a chunk deleted by an ingest while the query ran
        ]

    def get(self, ids: list[str], vector: list[float]) -> dict[str, Passage]:
        """Passages by chunk id, scored by cosine similarity to `vector` (missing ids are left out)."""
        if not ids:
            return {}
        res = self._col.get(ids=ids, include=["documents", "metadatas", "embeddings"])
        return {
            cid: _passage(text, meta, sum(a * b for a, b in zip(vector, emb)))
            for cid, text, meta, emb in zip(res["ids"], res["documents"], res["metadatas"], res["embeddings"])
            if meta is not None and text is not None  # a chunk deleted by an ingest while the query ran
        }

    def all_chunks(self, batch: int = 2000) -> Iterator[Chunk]:
        """Every stored chunk, read back in batches (for index backfills)."""
        total = self._col.count()
        for offset in range(0, total, batch):
            res = self._col.get(include=["documents", "metadatas"], limit=batch, offset=offset)
            for cid, text, meta in zip(res["ids"], res["documents"], res["metadatas"]):
                yield _chunk(cid, text, meta)


def _chunk(cid: str, text: str, meta: dict) -> Chunk:
    """A stored chunk back from its text and `_metadata()`."""
    return Chunk(
        id=cid, source=meta["source"], title=meta.get("title", ""), heading=meta.get("heading", ""), text=text,
        index=int(meta.get("index", 0)), char_start=int(meta.get("char_start", 0)),
        char_end=int(meta.get("char_end", 0)), page=meta.get("page"), content_hash=meta.get("content_hash", ""),
        meta=meta.get("meta", ""), part=meta.get("part", ""),
    )


def _passage(text: str, meta: dict, score: float) -> Passage:
    return Passage(
        source=meta["source"],
        text=text,
        score=round(float(score), 4),
        title=meta.get("title", ""),
        heading=meta.get("heading", ""),
        index=int(meta.get("index", 0)),
        char_start=int(meta.get("char_start", 0)),
        char_end=int(meta.get("char_end", 0)),
        page=meta.get("page"),
        part=meta.get("part", ""),
    )


def drop_collection(path: Path, collection: str, url: str = "") -> None:
    """Delete a collection, whatever embedder built it (for `ingest --rebuild`)."""
    client = _client(path, url)
    if collection in {getattr(c, "name", c) for c in client.list_collections()}:
        client.delete_collection(collection)


def _metadata(chunk: Chunk) -> dict:
    meta = {
        "source": chunk.source,
        "title": chunk.title,
        "heading": chunk.heading,
        "index": chunk.index,
        "char_start": chunk.char_start,
        "char_end": chunk.char_end,
        "content_hash": chunk.content_hash,
    }
    if chunk.page is not None:
        meta["page"] = chunk.page
    if chunk.meta:
        meta["meta"] = chunk.meta
    if chunk.part:
        meta["part"] = chunk.part
    return meta


def _check_recipe(meta: dict, collection: str, recipe: int) -> None:
    built = meta.get("recipe", TEXT_ONLY)
    if built != recipe:
        how = {TEXT_ONLY: "chunk text alone", WITH_CONTEXT: "title and heading path with each chunk"}
        raise EmbedderMismatch(
            f"collection '{collection}' was built embedding the {how.get(built, built)}, but the settings ask for "
            f"the {how.get(recipe, recipe)} (setting 'ingest.embed_titles'): set it back, or rebuild the index with "
            "`assistant ingest --rebuild`."
        )


def _check_embedder(meta: dict, collection: str, embedder_id: str, dimension: int) -> None:
    built_with, built_dim = meta.get("embedder"), meta.get("dimension")
    if built_with != embedder_id or built_dim != dimension:
        raise EmbedderMismatch(
            f"collection '{collection}' was built with embedder '{built_with}' ({built_dim} dimensions), "
            f"but the settings ask for '{embedder_id}' ({dimension} dimensions). Either set embedder back "
            f"to '{built_with}', or rebuild the index with `assistant ingest --rebuild`."
        )
