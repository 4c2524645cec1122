"""The BM25 index: kept in step with the store, persisted, and finding what dense search misses."""

from __future__ import annotations

import shutil

import pytest

from assistant.app import App
from assistant.config import load_settings
from assistant.ingest.pipeline import ingest
from assistant.lexical import LexicalIndex
from assistant.manifest import Manifest
from assistant.store import ChromaStore


def parts(data, embedder, collection="lex1"):
    return (ChromaStore(data / "chroma", collection, embedder.id, embedder.dimension),
            Manifest(data / "manifest.sqlite", collection),
            LexicalIndex(data / "lexical", data / "manifest.sqlite", collection))


def run(corpus, data, embedder):
    store, manifest, lexical = parts(data, embedder)
    return ingest(corpus, store, manifest, embedder, 60, 10, lexical=lexical), lexical


def test_index_survives_restart_and_follows_changes_and_deletions(corpus, tmp_path, fake_embedder):
    data = tmp_path / "data"
    _, lexical = run(corpus, data, fake_embedder)
    store, _, _ = parts(data, fake_embedder)

    def top_source(index: LexicalIndex, query: str) -> str:
        top = index.search(query, 1)[0][0]
        return store.get([top], [0.0] * fake_embedder.dimension)[top].source

    assert top_source(lexical, "cardamom knots") == "bakery.txt"
    fresh = LexicalIndex(data / "lexical", data / "manifest.sqlite", "lex1")  # a new process, say
    assert top_source(fresh, "Gravenstein apple") == "notes/orchard.md"

    (corpus / "notes" / "orchard.md").unlink()
    (corpus / "bakery.txt").write_text("Mossgrove Bakery now sells rye crispbread.\n")
    run(corpus, data, fake_embedder)
    fresh = LexicalIndex(data / "lexical", data / "manifest.sqlite", "lex1")
    assert fresh.search("Gravenstein apple", 5) == []
    assert fresh.search("cardamom", 5) == []
    assert len(fresh.search("rye crispbread", 5)) == 1


def test_an_interrupted_rebuild_is_redone(corpus, tmp_path, fake_embedder):
    data = tmp_path / "data"
    _, lexical = run(corpus, data, fake_embedder)
    lexical.delete_source("bakery.txt")  # a change whose rebuild never ran (a crash)
    assert lexical.dirty()
    report, lexical = run(corpus, data, fake_embedder)
    assert report.updated == [] and not lexical.dirty()
    assert lexical.search("cardamom", 3) == []  # the pending change was applied by the rebuild


def test_backfill_of_a_collection_built_without_a_lexical_index(corpus, tmp_path, fake_embedder):
    data = tmp_path / "data"
    store, manifest, _ = parts(data, fake_embedder)
    ingest(corpus, store, manifest, fake_embedder, 60, 10)  # no lexical index, as before it existed
    _, lexical = run(corpus, data, fake_embedder)
    assert lexical.count() == store.count() and lexical.search("lighthouse keeper", 1)


@pytest.mark.embedder
def test_hybrid_finds_an_exact_rare_term_that_dense_search_misses(tmp_path):
    corpus = tmp_path / "c"
    corpus.mkdir()
    depots = ["northern", "southern", "eastern", "western", "river", "hill", "bay", "old", "new"]
    for i, depot in enumerate(depots, 1):  # nine logs, alike but for a part code and a depot
        (corpus / f"log{i}.txt").write_text(
            "Crane maintenance log.\n\nThe hydraulic pump of the harbour crane was replaced with spare "
            f"part QX-55{10 + i} from the {depot} depot. Inspectors greased the cables.\n"
        )
    hits = {}
    for mode in ("dense", "hybrid"):
        app = App(load_settings(paths__data_dir=tmp_path / "data", retrieval__mode=mode), corpus)
        app.ingest()
        hits[mode] = [app.retriever.search(f"Which depot supplied spare part QX-55{10 + i}?", 3)[0].source == f"log{i}.txt"
                      for i in range(1, len(depots) + 1)]
    assert not all(hits["dense"]), hits  # word pieces blur QX-5517 and its neighbours
    assert all(hits["hybrid"]), hits  # BM25 matches the exact code


ARTICLE = "# Harbour news\n\nSource: Quayside Gazette\nPublished: 2023-10-20\nURL: https://example.org/harbour\n\n" + \
    "\n\n".join(f"Paragraph {i} tells of ropes, tides and the {w} ferry timetable." for i, w in
                enumerate(["morning", "evening", "winter", "summer", "night", "holiday"] * 4))


def test_a_question_naming_the_outlet_finds_every_chunk_of_its_article(tmp_path, fake_embedder):
    """The header's 'Source: ...' is in the first chunk's text only; BM25 sees it with every chunk."""
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "harbour.md").write_text(ARTICLE)
    (corpus / "other.md").write_text("# Other news\n\n" + "The winter ferry timetable changed again. " * 5)
    data = tmp_path / "data"
    _, lexical = run(corpus, data, fake_embedder)
    store, _, _ = parts(data, fake_embedder)
    chunks = store.get([cid for cid, _ in lexical.search("ferry", 50)], [0.0] * fake_embedder.dimension)
    deep = {cid for cid, c in chunks.items() if c.source == "harbour.md" and "Quayside" not in c.text}
    assert deep, "the article should be cut into several chunks"
    assert {cid for cid, _ in lexical.search("Quayside Gazette", 50)} >= deep
    top = lexical.search("Quayside Gazette winter ferry", 1)[0][0]
    assert chunks[top].source == "harbour.md"  # not other.md, whose text matches "winter ferry" as well
    # rebuilt from the store (a collection indexed before BM25 existed): the header still travels
    lexical.clear()
    _, again = run(corpus, data, fake_embedder)
    assert {cid for cid, _ in again.search("Quayside Gazette", 50)} >= deep


def test_per_file_writes_find_their_rows_by_index_also_in_an_older_database(tmp_path):
    """Replacing or deleting one file's chunks must not scan the whole table (at 1M chunks, a scan a file);
    a database made before the index existed gets it when opened."""
    import sqlite3

    db_path = tmp_path / "manifest.sqlite"
    old = sqlite3.connect(db_path)  # the table as versions before the index made it
    old.execute("CREATE TABLE lexical (collection TEXT, chunk_id TEXT, source TEXT, tokens TEXT, "
                "PRIMARY KEY (collection, chunk_id))")
    old.commit()
    old.close()
    lexical = LexicalIndex(tmp_path / "lexical", db_path, "lex1")
    plan = " ".join(str(row[-1]) for row in lexical._db.execute(
        "EXPLAIN QUERY PLAN DELETE FROM lexical WHERE collection=? AND source=?", ("lex1", "a.md")))
    assert "USING INDEX lexical_source" in plan, plan


TEAMS = {n: f"Team {n} of the relay met at the harbour gate; the code word of team {n} is {w}."
         for n, w in [(3, "heron"), (4, "otter"), (7, "lantern"), (12, "marble")]}


def test_a_one_digit_number_tells_passages_apart_also_after_an_older_tokenizer(tmp_path, fake_embedder):
    """BM25 indexes one-digit numbers, so 'team 3' is not 'team 4'; an index whose tokens were made
    without them (before the tokenizer's version was kept) is re-tokenized from the store at the next ingest."""
    corpus = tmp_path / "c"
    corpus.mkdir()
    for n, text in TEAMS.items():
        (corpus / f"team{n}.md").write_text(f"# Relay\n\n{text}\n")
    data = tmp_path / "data"
    _, lexical = run(corpus, data, fake_embedder)
    store, _, _ = parts(data, fake_embedder)

    def top(index: LexicalIndex) -> dict[int, str]:
        best = {n: index.search(f"code word of team {n}", 1)[0][0] for n in TEAMS}
        chunks = store.get(sorted(set(best.values())), [0.0] * fake_embedder.dimension)
        return {n: chunks[cid].source for n, cid in best.items()}

    assert top(lexical) == {n: f"team{n}.md" for n in TEAMS}
    assert not lexical.outdated()
    # make it an index of the tokenizer before: no one-digit tokens, no version recorded
    db = lexical._db
    with db:
        for cid, tokens in db.execute("SELECT chunk_id, tokens FROM lexical").fetchall():
            db.execute("UPDATE lexical SET tokens=? WHERE chunk_id=?",
                       (" ".join(t for t in tokens.split() if len(t) > 1), cid))
        db.execute("DELETE FROM lexical_tokenizer")
    lexical.rebuild()
    assert lexical.outdated()
    assert top(LexicalIndex(data / "lexical", data / "manifest.sqlite", "lex1")) != {n: f"team{n}.md" for n in TEAMS}
    report, again = run(corpus, data, fake_embedder)  # no file changed
    assert report.added == report.updated == [] and not again.outdated()
    assert top(LexicalIndex(data / "lexical", data / "manifest.sqlite", "lex1")) == {n: f"team{n}.md" for n in TEAMS}


def test_a_question_naming_the_day_finds_the_document_dated_that_day(tmp_path, fake_embedder):
    """An ISO date in a header ('Published: 2023-10-20') is also indexed as 'October 20 2023'; the
    date's other words (a month, a year) alone do not decide."""
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "harbour.md").write_text(ARTICLE)  # Published: 2023-10-20
    for day, month in (("2023-10-02", "October"), ("2023-11-20", "November")):
        (corpus / f"other-{day}.md").write_text(
            f"# Harbour news\n\nSource: Quayside Gazette\nPublished: {day}T08:45:59+00:00\n\n"
            f"The {month} ferry timetable of the harbour changed again.\n")
    data = tmp_path / "data"
    _, lexical = run(corpus, data, fake_embedder)
    store, _, _ = parts(data, fake_embedder)

    def top(query: str) -> str:
        cid = lexical.search(query, 1)[0][0]
        return store.get([cid], [0.0] * fake_embedder.dimension)[cid].source

    assert top("What did the Quayside Gazette report on October 20, 2023?") == "harbour.md"
    assert top("the harbour report of 2 October 2023") == "other-2023-10-02.md"
    assert top("ferry news of 2023-11-20") == "other-2023-11-20.md"
    assert lexical.tokenize("2023-13-45") == ["2023", "13", "45"]  # no calendar day: no month added


def test_options_paths_operators_and_identifiers_are_found_by_exact_search(tmp_path, fake_embedder):
    """Technical terms are kept whole as well as split: the passage that holds the exact term ranks first,
    above passages that hold only its parts."""
    corpus = tmp_path / "docs"
    corpus.mkdir()
    docs = {
        "options.md": "Start the shell with --no-init-file to skip the personal start-up file.",
        "parts.md": "The init script reads a file; there is no default. The file names no init.",
        "cron.md": "Users listed in /etc/cron.deny may not use the cron service.",
        "deny.md": "The etc folder holds cron tables; a deny list exists for services.",
        "ops.md": "The ::: operator joins the argument lists of two sources in GNU parallel.",
        "ops2.md": "The :: operator and the : builtin are different things in shell scripts.",
        "api.md": "logging.getLevelNamesMapping returns a mapping of level names to numbers.",
        "api2.md": "Level names are strings; the mapping of names is kept by the logging module in a dict.",
    }
    for name, text in docs.items():
        (corpus / name).write_text(text + "\n")
    store, _, lexical = parts(tmp_path / "data", fake_embedder)
    run(corpus, tmp_path / "data", fake_embedder)

    def top(query: str) -> str:
        best = lexical.search(query, 1)[0][0]
        return store.get([best], [0.0] * fake_embedder.dimension)[best].source

    assert top("What does --no-init-file do?") == "options.md"
    assert top("Who may use cron if /etc/cron.deny exists?") == "cron.md"
    assert top("What does the ::: operator do?") == "ops.md"
    assert top("What does getLevelNamesMapping return?") == "api.md"


def test_holding_names_the_documents_that_mention_a_word_and_those_it_cannot_tell(corpus, tmp_path, fake_embedder):
    _, lexical = run(corpus, tmp_path / "data", fake_embedder)
    every = {"bakery.txt", "lighthouse.md", "notes/orchard.md"}
    assert lexical.holding(["Lyon"], every) == {"bakery.txt"}
    assert lexical.holding(["Lyon", "Karsk"], every) == {"bakery.txt", "lighthouse.md"}  # one of the words is enough
    assert lexical.holding(["Ilse Marrow's"], every) == {"bakery.txt"}
    assert lexical.holding(["Lyon"], {"elsewhere.md"}) == {"elsewhere.md"}  # not indexed here: it cannot tell
