"""Retrieval: question -> ranked passages (dense, lexical, or both fused).

- dense: nearest chunks by embedding (Chroma, cosine);
- lexical: BM25 over stemmed tokens (lexical.py), which finds rare exact terms;
- hybrid: both candidate lists fused by weighted reciprocal rank,
  score(c) = sum over lists of weight / (RRF_K + rank), the dense list weighing 1
  and BM25 `lexical_weight`;
then chunks that overlap a better-ranked chunk of the same document are
dropped, a CrossEncoder (when the settings name one) reorders the best
`rerank_candidates`, and (if max_per_source > 0) a document's extra chunks move behind
the other documents' so several documents reach the model.

Every passage's `score` is its cosine similarity to the question (lexical-only
hits are scored from their stored embedding), so the abstain threshold means
the same in every mode; `rank_score` is the fused score that set the order.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from assistant.config import Retrieval
from assistant.embed import Embedder
from assistant.lexical import LexicalIndex
from assistant.names import names, terms
from assistant.records import Passage
from assistant.store import ChromaStore


RRF_K = 60  # reciprocal-rank-fusion constant: the usual value; higher flattens rank differences


class Retriever:
    def __init__(self, embedder: Embedder, store: ChromaStore, lexical: LexicalIndex | None = None,
                 config: Retrieval = Retrieval(), reranker=None):
        self.embedder = embedder
        self.store = store
        self.lexical = lexical
        self.config = config
        self.reranker = reranker  # anything with score(query, texts) -> list[float], or None

    def search(self, question: str, k: int, sources: set[str] | None = None) -> list[Passage]:
        """The k best passages; with `sources`, only from those documents (None: from all)."""
        c = self.config
        if sources == set():
            return []
        [vector] = self.embedder.embed([question])
        n = max(k, c.candidates)
        dense = self.store.query(vector, n, sources) if c.mode != "lexical" else []
        lexical = self.lexical.search(question, n, sources) if c.mode != "dense" and self.lexical is not None else []
        passages = dict(dense)
        passages.update(self.store.get([cid for cid, _ in lexical if cid not in passages], vector))
        fused: dict[str, float] = {}
        for weight, ranked in ((1.0, [cid for cid, _ in dense]), (c.lexical_weight, [cid for cid, _ in lexical])):
            for rank, cid in enumerate(ranked, 1):
                if cid in passages:
                    fused[cid] = fused.get(cid, 0.0) + weight / (RRF_K + rank)
        order = sorted(fused, key=fused.__getitem__, reverse=True)
        ranked = [passages[cid].model_copy(update={"rank_score": round(fused[cid], 6)}) for cid in order]
        if c.dedupe:
            ranked = _drop_overlaps(ranked)
        if self.reranker is not None:
            head = ranked[: max(k, c.rerank_candidates)]
            scores = self.reranker.score(question, [f"{p.title}\n{p.text}" if p.title else p.text for p in head])
            order = sorted(range(len(head)), key=lambda i: scores[i], reverse=True)
            ranked = [head[i].model_copy(update={"rank_score": round(scores[i], 6)}) for i in order]
        if c.max_per_source > 0:
            ranked = _spread(ranked, c.max_per_source)
        return ranked[:k]

    def unknown_names(self, question: str) -> list[str]:
        """The names and technical terms the question uses (names.py) that no indexed document holds; none
        without a lexical index.

        The BM25 vocabulary answers first. A name it does not know is then looked for in the stored
        text, which settles it where this process's BM25 index lags the store (a Chroma server that
        another process fills)."""
        if self.lexical is None:
            return []
        asked = names(question) + terms(question)
        return [w for w in self.lexical.unknown(asked) if not self.store.mentions(_bare(w))]

    def off_subject(self, question: str, passages: list[Passage]) -> set[str]:
        """The documents of these passages that have a title of their own and mention none of the names (acronyms
        too: "CNBC") and technical terms the question uses (names.py) that some indexed document holds: an
        answer drawn from them alone is about something else. A document known only by its file name (a CSV, a
        sheet) may be about the question's subject without naming it, so it is never counted; nor is any when
        the question names nothing, or without a lexical index."""
        titled = {p.source for p in passages if _own_title(p)}
        if self.lexical is None or not titled:
            return set()
        asked = [_bare(w) for w in names(question, acronyms=True) + terms(question)]  # any one of them will do
        unknown = set(self.lexical.unknown(asked))
        known = [w for w in asked if w not in unknown]
        return titled - self.lexical.holding(known, titled) if known else set()


def _own_title(passage: Passage) -> bool:
    """Whether the passage's document has a title other than its file name (which a reader falls back on)."""
    def plain(text: str) -> str:
        return " ".join(text.replace("_", " ").replace("-", " ").lower().split())

    return bool(passage.title.strip()) and plain(passage.title) != plain(PurePosixPath(passage.source).stem)


def _bare(name: str) -> str:
    """The name without a possessive ending: "Falk's" -> "Falk"."""
    for ending in ("'s", "\u2019s"):
        if name.endswith(ending):
            return name[: -len(ending)]
    return name


def _drop_overlaps(ranked: list[Passage]) -> list[Passage]:
    kept: list[Passage] = []
    for p in ranked:
        if not any(q.source == p.source and p.char_start < q.char_end and q.char_start < p.char_end
                   and _overlap(p, q) > 0.5 for q in kept):
            kept.append(p)
    return kept


def _overlap(a: Passage, b: Passage) -> float:
    shared = min(a.char_end, b.char_end) - max(a.char_start, b.char_start)
    return shared / max(1, min(a.char_end - a.char_start, b.char_end - b.char_start))


def _spread(ranked: list[Passage], per_source: int) -> list[Passage]:
    counts: dict[str, int] = {}
    first, later = [], []
    for p in ranked:
        counts[p.source] = counts.get(p.source, 0) + 1
        (first if counts[p.source] <= per_source else later).append(p)
    return first + later
