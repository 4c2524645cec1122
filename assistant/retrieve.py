"""Retrieval: question -> ranked passages. Dense search over the store for now.

Hybrid lexical search, fusion and reranking come with the retrieval work; the
interface (`search(question, k) -> list[Passage]`, best first) stays.
"""

from __future__ import annotations

from assistant.embed import Embedder
from assistant.records import Passage
from assistant.store import ChromaStore


class Retriever:
    def __init__(self, embedder: Embedder, store: ChromaStore):
        self.embedder = embedder
        self.store = store

    def search(self, question: str, k: int) -> list[Passage]:
        [vector] = self.embedder.embed([question])
        return self.store.query(vector, k)
