"""Filters by file, folder and date: the pure matching, retrieval on a real Chroma store and
BM25 index (fake embedder), the answer service, and the command line's options."""

from __future__ import annotations

import os
from datetime import date, datetime, timezone

import pytest

from assistant.errors import AssistantError, FilterError
from assistant.filters import allowed, matches
from assistant.records import Filter

DAY = datetime(2025, 3, 10, 12, tzinfo=timezone.utc).timestamp()


@pytest.mark.parametrize("f, source, expected", [
    (Filter(), "any/thing.txt", True),
    (Filter(files=["*.md"]), "notes/orchard.md", True),
    (Filter(files=["*.md"]), "bakery.txt", False),
    (Filter(files=["notes/*"]), "notes/orchard.md", True),
    (Filter(files=["bakery.txt"]), "old/bakery.txt", True),  # a bare name matches in any folder
    (Filter(folders=["notes"]), "notes/deep/x.md", True),
    (Filter(folders=["notes/"]), "notesheet.md", False),
    (Filter(after=date(2025, 3, 10)), "a.txt", True),
    (Filter(after=date(2025, 3, 11)), "a.txt", False),
    (Filter(before=date(2025, 3, 10)), "a.txt", True),
    (Filter(before=date(2025, 3, 9)), "a.txt", False),
    (Filter(files=["*.md"], folders=["notes"]), "other/x.md", False),  # every part must match
])
def test_matching(f, source, expected):
    assert matches(f, source, DAY) is expected


def test_allowed_is_none_without_a_filter():
    assert allowed(None, {"a": 0.0}) is None and allowed(Filter(), {"a": 0.0}) is None
    assert allowed(Filter(after=date(2020, 1, 1)), {"a": None}) == set()  # no known date: not after anything


@pytest.fixture
def indexed(corpus, tmp_path, fake_embedder):
    from assistant.ingest.pipeline import ingest
    from assistant.lexical import LexicalIndex
    from assistant.manifest import Manifest
    from assistant.retrieve import Retriever
    from assistant.store import ChromaStore

    os.utime(corpus / "bakery.txt", (DAY, DAY))
    store = ChromaStore(tmp_path / "chroma", "filt", fake_embedder.id, fake_embedder.dimension)
    manifest = Manifest(tmp_path / "m.sqlite", "filt")
    lexical = LexicalIndex(tmp_path / "lexical", tmp_path / "m.sqlite", "filt")
    ingest(corpus, store, manifest, fake_embedder, 60, 10, lexical=lexical)
    return Retriever(fake_embedder, store, lexical), manifest


@pytest.mark.parametrize("mode", ["dense", "lexical", "hybrid"])
def test_retrieval_returns_only_allowed_documents(indexed, mode):

    retriever, manifest = indexed
    retriever.config = retriever.config.model_copy(update={"mode": mode})
    question = "When is the cider pressed at the lighthouse bakery orchard?"
    assert len({p.source for p in retriever.search(question, 10)}) == 3
    only = allowed(Filter(folders=["notes"]), manifest.catalog())
    assert only == {"notes/orchard.md"}
    assert {p.source for p in retriever.search(question, 10, only)} == {"notes/orchard.md"}


def test_date_filter_uses_the_file_modification_time(indexed):
    retriever, manifest = indexed
    assert manifest.catalog()["bakery.txt"] == DAY
    only = allowed(Filter(before=date(2025, 3, 10)), manifest.catalog())
    assert only == {"bakery.txt"}  # the other files were written today
    assert {p.source for p in retriever.search("bread and cardamom knots", 5, only)} == {"bakery.txt"}


def test_the_service_refuses_a_filter_that_matches_nothing():
    from tests.test_answer import service

    svc, _ = service("x")
    svc.catalog = lambda: {"lighthouse.md": DAY}
    with pytest.raises(FilterError, match="no indexed document matches the filter \\(folders reports\\)"):
        svc.ask("When was the tower built?", filter=Filter(folders=["reports"]))
    svc, gen = service("The tower was built in 1923 [1].")
    svc.catalog = lambda: {"lighthouse.md": DAY, "bakery.txt": DAY, "orchard.md": DAY}
    answer = svc.ask("When was the tower built?", filter=Filter(files=["*.md"]))
    assert {p.source for p in answer.passages} == {"lighthouse.md", "orchard.md"} and answer.filter.files == ["*.md"]


def test_cli_options_build_the_filter_and_a_bad_date_is_named():
    from assistant.cli import _filter, _parser

    args = _parser().parse_args(["ask", "q", "--folder", "notes", "--file", "*.md", "--after", "2025-01-31"])
    assert _filter(args) == Filter(files=["*.md"], folders=["notes"], after=date(2025, 1, 31))
    assert _filter(_parser().parse_args(["ask", "q"])) is None
    with pytest.raises(AssistantError, match="--before '31/01/2025': not a date; write it as YYYY-MM-DD"):
        _filter(_parser().parse_args(["ask", "q", "--before", "31/01/2025"]))
