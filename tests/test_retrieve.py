"""The retriever's ordering steps that need no model: overlap dedupe and the per-document spread."""

from __future__ import annotations

from assistant.records import Passage
from assistant.config import Retrieval
from assistant.retrieve import Retriever, _drop_overlaps, _spread


def _p(source: str, start: int) -> Passage:
    return Passage(source=source, text=f"{source} at {start}", score=0.5, char_start=start, char_end=start + 10)


def test_a_passage_mostly_inside_a_better_ranked_one_of_the_same_document_is_dropped():
    best, inside, elsewhere, other_doc = _p("a", 0), _p("a", 4), _p("a", 30), _p("b", 2)
    assert _drop_overlaps([best, inside, elsewhere, other_doc]) == [best, elsewhere, other_doc]


def test_a_documents_passages_beyond_the_limit_move_behind_the_other_documents():
    ranked = [_p("a", 0), _p("a", 20), _p("a", 40), _p("b", 0), _p("a", 60), _p("c", 0)]
    spread = _spread(ranked, 2)
    assert [(p.source, p.char_start) for p in spread] == [("a", 0), ("a", 20), ("b", 0), ("c", 0), ("a", 40), ("a", 60)]
    assert _spread(ranked, 3)[:5] == [ranked[0], ranked[1], ranked[2], ranked[3], ranked[5]]


def test_the_spread_is_on_by_default_and_reaches_the_retrievers_results(tmp_path, fake_embedder):
    from assistant.ingest.pipeline import ingest
    from assistant.lexical import LexicalIndex
    from assistant.manifest import Manifest
    from assistant.store import ChromaStore

    assert Retrieval().max_per_source > 0
    corpus = tmp_path / "docs"
    corpus.mkdir()
    (corpus / "cider.md").write_text("\n\n".join(
        f"The cider press runs in week {n}. Apples from row {n} are pressed into cider that day." for n in range(1, 9)))
    (corpus / "market.txt").write_text("The market sells cider and bread on Saturdays.")
    (corpus / "mill.txt").write_text("The old mill once pressed cider for the village.")
    store = ChromaStore(tmp_path / "chroma", "spread", fake_embedder.id, fake_embedder.dimension)
    lexical = LexicalIndex(tmp_path / "lexical", tmp_path / "m.sqlite", "spread")
    ingest(corpus, store, Manifest(tmp_path / "m.sqlite", "spread"), fake_embedder, 24, 0, lexical=lexical)
    question = "When is the cider pressed?"
    plain = Retriever(fake_embedder, store, lexical, Retrieval(max_per_source=0)).search(question, 6)
    assert [p.source for p in plain[:3]] == ["cider.md"] * 3, "the test needs a document that fills the head"
    spread = Retriever(fake_embedder, store, lexical, Retrieval(max_per_source=1)).search(question, 6)
    assert spread[0].source == "cider.md" and sorted(p.source for p in spread[:3]) == ["cider.md", "market.txt", "mill.txt"]
    assert [p.source for p in spread[3:]] == ["cider.md"] * 3  # moved behind, not dropped
