"""The reranking stage: off by default, a CrossEncoder from a local folder when configured.
No package carries cross-encoder weights, so the real test builds a tiny one from the bundled
MiniLM weights (an untrained head: the test checks the plumbing, not relevance)."""

from __future__ import annotations

import pytest

from assistant.app import App
from assistant.config import load_settings
from assistant.errors import ConfigError


class KeywordReranker:
    """Scores a passage by how often it says a word: deterministic."""

    def __init__(self, word: str):
        self.word = word
        self.calls = 0

    def score(self, query, texts):
        self.calls += 1
        return [t.lower().count(self.word) for t in texts]


def test_reranker_reorders_the_fused_candidates(corpus, tmp_path, fake_embedder):
    from assistant.ingest.pipeline import ingest
    from assistant.lexical import LexicalIndex
    from assistant.manifest import Manifest
    from assistant.retrieve import Retriever
    from assistant.store import ChromaStore

    store = ChromaStore(tmp_path / "chroma", "rerank", fake_embedder.id, fake_embedder.dimension)
    lexical = LexicalIndex(tmp_path / "lexical", tmp_path / "m.sqlite", "rerank")
    ingest(corpus, store, Manifest(tmp_path / "m.sqlite", "rerank"), fake_embedder, 60, 10, lexical=lexical)
    question = "When is the cider pressed?"
    plain = Retriever(fake_embedder, store, lexical).search(question, 3)
    assert plain[0].source == "notes/orchard.md"
    reranked = Retriever(fake_embedder, store, lexical, reranker=KeywordReranker("bakery")).search(question, 3)
    assert reranked[0].source == "bakery.txt" and reranked[0].rank_score >= reranked[-1].rank_score


def test_a_reranker_setting_that_names_no_model_folder_is_refused(tmp_path):
    app = App(load_settings(paths__data_dir=tmp_path / "data", paths__models_dir=tmp_path, retrieval__reranker="no-such-model"))
    with pytest.raises(ConfigError, match="setting 'retrieval.reranker' = 'no-such-model'.*no config.json"):
        app.reranker
    assert App(load_settings(paths__data_dir=tmp_path / "data")).reranker is None  # off by default


@pytest.mark.embedder
def test_a_local_cross_encoder_reranks_with_the_real_stack(corpus, tmp_path):
    import torch
    from sentence_transformers import CrossEncoder

    from assistant.modelfiles import embedder_path

    torch.manual_seed(0)
    CrossEncoder(str(embedder_path()), num_labels=1, device="cpu").save(str(tmp_path / "models" / "tiny-ce"))
    settings = load_settings(paths__data_dir=tmp_path / "data", paths__models_dir=tmp_path / "models", retrieval__reranker="tiny-ce",
                             retrieval__rerank_candidates=6)
    app = App(settings, corpus)
    app.ingest()
    question = "Who designed the lighthouse tower?"
    got = app.retriever.search(question, 4)
    scores = app.reranker.score(question, [f"{p.title}\n{p.text}" if p.title else p.text for p in got])
    assert [p.rank_score for p in got] == [round(x, 6) for x in scores]
    assert scores == sorted(scores, reverse=True)  # passages come in the reranker's order
