"""Every backend combination that runs here: embedded/embedded (the rest of the suite), a Chroma
server, a model server (llama-cpp-python's own), and both. Real servers on loopback, real models."""

from __future__ import annotations

import pytest

from assistant.app import App
from assistant.config import load_settings
from assistant.errors import EmbedderMismatch, FilterError, GenerationError, StoreError
from assistant.modelfiles import resolve_model
from assistant.records import Filter
from tests.support.corpus import copy_test_corpus
from tests.support.servers import free_port
from tests.support.servers import chroma_server, model_server

pytestmark = [pytest.mark.model, pytest.mark.servers]
QUESTION = "Who designed the present Karsk Point lighthouse tower?"


@pytest.fixture(scope="module")
def chroma(tmp_path_factory):
    root = tmp_path_factory.mktemp("chroma-server")
    with chroma_server(root / "store") as url:
        yield url


@pytest.fixture(scope="module")
def model_url(tmp_path_factory):
    settings = load_settings()
    _, path = resolve_model(settings.model.name, settings.paths.models_dir)  # the default model
    with model_server(path, tmp_path_factory.mktemp("model-server")) as url:
        yield url


@pytest.fixture(scope="module")
def server_store(chroma, tmp_path_factory):
    """The test corpus ingested into the Chroma server."""
    root = tmp_path_factory.mktemp("server-store")
    corpus = copy_test_corpus(root)
    app = App(load_settings(paths__data_dir=root / "data", store__chroma_url=chroma), corpus)
    report = app.ingest()
    return app, report


def test_ingest_into_a_chroma_server_is_incremental(server_store):
    app, report = server_store
    assert sorted(report.added) == ["bakery.txt", "lighthouse.md", "notes/orchard.md"] and not report.errors
    assert app.store.location == app.settings.store.chroma_url and app.store.count() == report.chunks_written >= 3
    again = App(app.settings, app.corpus).ingest()
    assert again.unchanged == 3 and again.chunks_written == 0
    (app.corpus / "bakery.txt").unlink()
    changed = App(app.settings, app.corpus).ingest()
    assert changed.removed == ["bakery.txt"]
    assert "bakery.txt" not in {p.source for p in app.retriever.search("Where did the bakery move?", 5)}


def test_retrieval_and_filters_on_a_chroma_server(server_store):
    app, _ = server_store
    assert app.retriever.search("When does the orchard society press cider?", 3)[0].source == "notes/orchard.md"
    scoped = app.service.retriever.search(QUESTION, 5, {"notes/orchard.md"})
    assert scoped and {p.source for p in scoped} == {"notes/orchard.md"}
    with pytest.raises(FilterError):
        app.service.ask(QUESTION, filter=Filter(files=["nothing-*.pdf"]))


def test_a_second_process_with_its_own_data_dir_reuses_the_servers_chunks(server_store, tmp_path):
    """The lexical index follows the store, and chunks already on the server are not embedded again."""
    app, _ = server_store
    other = App(load_settings(paths__data_dir=tmp_path / "data", store__chroma_url=app.settings.store.chroma_url), app.corpus)
    report = other.ingest()
    assert report.chunks_written == 0 and report.chunks_reused == other.store.count() > 0
    assert other.lexical.count() == other.store.count()
    lexical = App(other.settings.updated(retrieval__mode="lexical"), app.corpus).retriever
    assert lexical.search("Ruskvik engineer", 1)[0].source == "lighthouse.md"


def test_the_embedder_check_holds_on_a_chroma_server(server_store, tmp_path):
    app, _ = server_store
    other = App(app.settings.updated(ingest__embed_titles=False, paths__data_dir=tmp_path), app.corpus)
    with pytest.raises(EmbedderMismatch, match="rebuild"):
        other.store


def test_an_unreachable_chroma_server_is_a_clear_error(tmp_path):
    app = App(load_settings(paths__data_dir=tmp_path, store__chroma_url=f"http://127.0.0.1:{free_port()}"))
    with pytest.raises(StoreError, match="chroma run"):
        app.store


def test_answers_through_a_model_server(model_url, tmp_path):
    corpus = copy_test_corpus(tmp_path)
    app = App(load_settings(paths__data_dir=tmp_path / "data", model__url=model_url), corpus)
    app.ingest()
    answer = app.service.ask(QUESTION)
    assert "Ruskvik" in answer.answer and not answer.abstained
    assert [c.source for c in answer.citations] == ["lighthouse.md"]
    generator = app.generator
    assert answer.model == generator.name == "qwen2.5-coder-1.5b-instruct-q4_k_m"
    assert generator.tokens_from == "the server's /extras/tokenize/count"
    assert generator.context_window == 4096 and generator.context_from == "the n_ctx setting"
    events = [e.kind for e in app.service.stream("When does the orchard society press cider?")]
    assert events[0] == "passages" and events.count("token") >= 1 and events[-1] == "answer"  # checked sentences


def test_a_follow_up_through_a_model_server(model_url, tmp_path):
    from assistant.records import Turn

    corpus = copy_test_corpus(tmp_path)
    app = App(load_settings(paths__data_dir=tmp_path / "data", model__url=model_url), corpus)
    app.ingest()
    history = [Turn(question="Who designed the Karsk Point lighthouse tower?", answer="Oda Ruskvik designed it [1].")]
    answer = app.service.ask("How tall is it?", history)
    assert "lighthouse" in answer.standalone_question.lower() and "31" in answer.answer


def test_both_servers(chroma, model_url, tmp_path):
    corpus = copy_test_corpus(tmp_path)
    app = App(load_settings(paths__data_dir=tmp_path / "data", store__chroma_url=chroma, model__url=model_url,
                            store__collection="both-servers"), corpus)
    app.ingest()
    answer = app.service.ask(QUESTION)
    assert "Ruskvik" in answer.answer and [c.source for c in answer.citations] == ["lighthouse.md"]


def test_an_unreachable_model_server_is_a_clear_error(tmp_path):
    corpus = copy_test_corpus(tmp_path)
    app = App(load_settings(paths__data_dir=tmp_path / "data", model__url=f"http://127.0.0.1:{free_port()}/v1"), corpus)
    app.ingest()
    with pytest.raises(GenerationError, match="cannot reach the model server"):
        app.service.ask(QUESTION)
