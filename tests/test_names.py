"""Names a question uses, and whether any indexed document mentions them (the unknown-name abstention)."""

from __future__ import annotations

from assistant.ingest.pipeline import ingest
from assistant.lexical import LexicalIndex
from assistant.manifest import Manifest
from assistant.names import names, terms
from assistant.store import ChromaStore


def test_names_are_capitalized_words_that_do_not_begin_a_sentence():
    assert names("Who did Lena Falk hire after the Harbour Board met?") == ["Lena", "Falk", "Harbour", "Board"]
    assert names("Is it open? Maybe Ingrid knows. Ask Ingrid.") == ["Ingrid"]  # "Maybe", "Ask" begin sentences
    assert names('Did the "Quayside Gazette" report on Falk\u2019s bridge?') == ["Quayside", "Gazette", "Falk\u2019s"]
    assert names("What did the USA, NASA and GPT-4 say in Q3?") == []  # acronyms are often spelled out
    assert names("what did lena falk design?") == []  # nothing capitalized, nothing to check
    assert names("When is an answer to a Yes/No question counted correct?") == []  # a pair of words, not a name


def test_technical_terms_are_options_paths_settings_and_identifiers():
    question = "Does --ultra, core.autocrlf or Acquire::Retries change work_mem in ~/.psqlrc or /etc/profile?"
    assert terms(question) == ["--ultra", "core.autocrlf", "Acquire::Retries", "work_mem", "~/.psqlrc", "/etc/profile"]
    # short parts, figures, one-slash prose and operators are not terms a document must hold
    assert terms("Is -j 8, version 2.13.0, e.g. in the U.S., and/or Yes/No, or ** right?") == []


def test_a_question_about_a_technical_term_no_document_holds_is_named(corpus, tmp_path, fake_embedder):
    from assistant.retrieve import Retriever

    (corpus / "psql.md").write_text("# psql\n\nThe -X option (--no-psqlrc) skips ~/.psqlrc; max_connections is 100.\n")
    data = tmp_path / "data"
    store = ChromaStore(data / "chroma", "names", fake_embedder.id, fake_embedder.dimension)
    lexical = LexicalIndex(data / "lexical", data / "manifest.sqlite", "names")
    ingest(corpus, store, Manifest(data / "manifest.sqlite", "names"), fake_embedder, 60, 10, lexical=lexical)
    retriever = Retriever(fake_embedder, store, lexical)
    assert retriever.unknown_names("What does --no-psqlrc skip, and what is max_connections?") == []
    assert retriever.unknown_names("What is the default of work_mem, and does --no-psqlrc change it?") == ["work_mem"]
    assert retriever.unknown_names("Does psql read ~/.psqlrc or /etc/psqlrc.conf?") == ["/etc/psqlrc.conf"]


def index(tmp_path, corpus, embedder):
    data = tmp_path / "data"
    store = ChromaStore(data / "chroma", "names", embedder.id, embedder.dimension)
    lexical = LexicalIndex(data / "lexical", data / "manifest.sqlite", "names")
    ingest(corpus, store, Manifest(data / "manifest.sqlite", "names"), embedder, 60, 10, lexical=lexical)
    return lexical


def test_the_index_tells_which_names_no_document_mentions(corpus, tmp_path, fake_embedder):
    (corpus / "team.md").write_text("# Team\n\nThe new head baker is J\u00fcrgen Sch\u00e4fer from Bremen.\n")
    lexical = index(tmp_path, corpus, fake_embedder)
    assert lexical.unknown(["Ilse", "Marrow", "Gravenstein", "Ingrid", "Solberg"]) == ["Ingrid", "Solberg"]
    assert lexical.unknown(["Schafer", "Jurgen", "Sch\u00e4fer's", "Bremen"]) == []  # accents and possessives aside
    (corpus / "notes" / "orchard.md").unlink()
    lexical = index(tmp_path, corpus, fake_embedder)  # the deletion reaches the vocabulary
    assert lexical.unknown(["Gravenstein", "Marrow"]) == ["Gravenstein"]


def test_an_empty_index_cannot_tell_so_it_names_nothing(tmp_path):
    lexical = LexicalIndex(tmp_path / "lexical", tmp_path / "manifest.sqlite", "empty")
    assert lexical.unknown(["Ingrid"]) == []


def test_a_name_the_bm25_index_lags_behind_is_found_in_the_store(corpus, tmp_path, fake_embedder):
    """Another process filled the (shared) store after this process's BM25 index was built: the
    store's text settles it, so a name from the new document is not called unknown."""
    from assistant.retrieve import Retriever

    data = tmp_path / "data"
    store = ChromaStore(data / "chroma", "names", fake_embedder.id, fake_embedder.dimension)
    manifest = Manifest(data / "manifest.sqlite", "names")
    lexical = LexicalIndex(data / "lexical", data / "manifest.sqlite", "names")
    ingest(corpus, store, manifest, fake_embedder, 60, 10, lexical=lexical)
    retriever = Retriever(fake_embedder, store, lexical)
    question = "What did Ingrid Solberg's team bake at Mossgrove Bakery?"
    assert retriever.unknown_names(question) == ["Ingrid", "Solberg's"]
    (corpus / "team.md").write_text("# Team\n\nIngrid Solberg now bakes the rye bread.\n")
    ingest(corpus, store, manifest, fake_embedder, 60, 10)  # the store only, as another process would
    assert lexical.unknown(["Ingrid"]) == ["Ingrid"]  # this process's BM25 index has not seen it
    assert retriever.unknown_names(question) == []
    assert retriever.unknown_names("Did Ingrid meet Harald Ostby?") == ["Ostby"]


def test_the_documents_off_a_questions_subject_are_titled_ones_that_never_mention_what_it_names(
        corpus, tmp_path, fake_embedder):
    from assistant.records import Passage
    from assistant.retrieve import Retriever

    (corpus / "ferry-fares.csv").write_text("Passenger,Crowns\nAdult,12\n")  # names nothing, titled by its file name
    lexical = index(tmp_path, corpus, fake_embedder)
    retriever = Retriever(fake_embedder, ChromaStore(tmp_path / "data" / "chroma", "names", fake_embedder.id,
                                                     fake_embedder.dimension), lexical)
    every = [Passage(source="bakery.txt", title="Mossgrove Bakery: opening notes", text="", score=0.5),
             Passage(source="lighthouse.md", title="The Karsk Point lighthouse", text="", score=0.5),
             Passage(source="notes/orchard.md", title="The orchard society", text="", score=0.5),
             Passage(source="ferry-fares.csv", title="ferry-fares", text="", score=0.5)]
    assert retriever.off_subject("How tall is the Karsk Point lighthouse?", every) == {"bakery.txt", "notes/orchard.md"}
    assert retriever.off_subject("Where did Ilse Marrow train, and how tall is Karsk Point?", every) == {
        "notes/orchard.md"}  # a document holding one of the names is on the subject
    assert retriever.off_subject("How tall is the lighthouse?", every) == set()  # it names nothing
    assert retriever.off_subject("How tall is the Ingrid tower?", every) == set()  # no document knows the name


def test_acronyms_are_names_only_when_asked_for():
    assert names("Did CNBC and TechCrunch report it?") == ["TechCrunch"]
    assert names("Did CNBC and TechCrunch report it?", acronyms=True) == ["CNBC", "TechCrunch"]
