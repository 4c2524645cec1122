"""End to end on the real parts: MiniLM embeddings, embedded Chroma, llama.cpp with the
bundled default model (temperature 0, fixed seed), and the Gradio server, all under a
socket guard that fails on any non-loopback lookup or connection."""

from __future__ import annotations

import json
import shutil

import pytest

from assistant.app import App
from assistant.cli import main
from assistant.config import load_settings
from assistant.errors import EmbedderMismatch
from assistant.modelfiles import embedder_path
from tests.support.corpus import TEST_CORPUS, copy_test_corpus
from tests.support.servers import free_port
from tests.support.netguard import no_egress

pytestmark = [pytest.mark.model, pytest.mark.servers]


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    root = tmp_path_factory.mktemp("real")
    corpus = copy_test_corpus(root)
    settings = load_settings(paths__data_dir=root / "data")
    with no_egress() as attempts:
        report = App(settings, corpus).ingest()
    assert attempts == []
    return settings, corpus, report


@pytest.fixture(scope="module")
def app(env):
    settings, corpus, _ = env
    return App(settings, corpus)


def test_ingest_indexes_every_file(env, app):
    _, _, report = env
    assert sorted(report.added) == ["bakery.txt", "lighthouse.md", "notes/orchard.md"]
    assert not report.errors
    assert app.store.count() == report.chunks_written >= 3
    status = app.status()
    assert status["documents"] == 3 and status["embedder"] == "all-MiniLM-L6-v2" and status["dimension"] == 384


def test_unchanged_reingest_embeds_nothing(env):
    settings, corpus, _ = env
    fresh = App(settings, corpus)
    report = fresh.ingest()
    assert report.unchanged == 3 and report.chunks_written == 0
    assert fresh.embedder._model is None  # the embedding model was never even loaded


def test_retrieval_ranks_the_right_file_first(app):
    passages = app.service.retriever.search("When does the orchard society press cider?", 3)
    assert passages[0].source == "notes/orchard.md"
    assert passages[0].score > passages[-1].score


def test_ask_json_contract_with_real_model(env, capsys):
    settings, corpus, _ = env
    with no_egress() as attempts:
        code = main(["ask", "Who designed the present Karsk Point lighthouse tower?", "--corpus", str(corpus),
                     "--data-dir", str(settings.paths.data_dir), "--json"])
    assert code == 0 and attempts == []
    record = json.loads(capsys.readouterr().out)
    assert set(record) >= {"answer", "abstained", "citations", "passages", "model", "timings"}
    assert "Ruskvik" in record["answer"]
    assert record["abstained"] is False
    assert record["model"] == "qwen2.5-coder-1.5b"
    assert [c["source"] for c in record["citations"]] == ["lighthouse.md"]
    assert set(record["citations"][0]) >= {"n", "source", "page", "text"}
    assert "Ruskvik" in record["citations"][0]["text"]
    assert [set(p) >= {"source", "text", "score"} for p in record["passages"]] == [True] * len(record["passages"])
    assert set(record["timings"]) >= {"retrieval_s", "first_token_s", "total_s", "tokens_per_s"}
    assert 0 < record["timings"]["first_token_s"] <= record["timings"]["total_s"]


def test_answer_streams_and_cites(app):
    with no_egress() as attempts:
        events = list(app.service.stream("On which day is the annual cider pressing?"))
    assert attempts == []
    kinds = [e.kind for e in events]
    assert kinds[0] == "passages" and kinds[-1] == "answer" and kinds.count("token") >= 1  # checked sentences
    answer = events[-1].answer
    assert "Saturday" in answer.answer and "October" in answer.answer
    assert [c.source for c in answer.citations] == ["notes/orchard.md"]
    assert "".join(e.text for e in events if e.kind == "token").strip()


def test_changed_file_replaces_its_chunks(env, tmp_path):
    settings, _, _ = env
    corpus = tmp_path / "c"
    shutil.copytree(TEST_CORPUS, corpus)
    app = App(load_settings(paths__data_dir=tmp_path / "data"), corpus)
    app.ingest()
    (corpus / "bakery.txt").write_text("Mossgrove Bakery moved to Quay Lane in 2025.\n")
    report = app.ingest()
    assert report.updated == ["bakery.txt"]
    got = app.store._col.get(where={"source": "bakery.txt"}, include=["documents"])["documents"]
    assert got == ["Mossgrove Bakery moved to Quay Lane in 2025."]
    top = app.service.retriever.search("Where did the bakery move?", 1)[0]
    assert top.source == "bakery.txt" and "Quay Lane" in top.text


def test_embedder_mismatch_is_refused_and_rebuild_works(env, tmp_path, capsys, monkeypatch):
    _, corpus, _ = env
    data = tmp_path / "d"
    App(load_settings(paths__data_dir=data), corpus).ingest()
    other = tmp_path / "minilm-copy"  # same weights, but another embedder id: must be refused
    shutil.copytree(embedder_path(), other)
    with pytest.raises(EmbedderMismatch, match="ingest --rebuild"):
        App(load_settings(paths__data_dir=data, embedding__name=str(other)), corpus).store
    monkeypatch.setenv("ASSISTANT_EMBEDDING__NAME", str(other))
    assert main(["ingest", str(corpus), "--data-dir", str(data)]) == 2
    err = capsys.readouterr().err
    assert "built with embedder 'all-MiniLM-L6-v2'" in err and "ingest --rebuild" in err
    assert main(["ingest", str(corpus), "--data-dir", str(data), "--rebuild"]) == 0
    rebuilt = App(load_settings(paths__data_dir=data), corpus)
    assert rebuilt.status()["embedder"] == "local:minilm-copy" and rebuilt.store.count() > 0


def test_chat_server_answers_on_loopback_only(env):
    from gradio_client import Client

    from assistant.serve import serve

    settings, corpus, _ = env
    port = free_port()
    app = App(load_settings(paths__data_dir=settings.paths.data_dir, server__port=port), corpus)
    with no_egress() as attempts:
        demo = serve(app, block=False)
        try:
            client = Client(f"http://127.0.0.1:{port}/", verbose=False)
            history, sources, box = client.predict("Which street is Mossgrove Bakery on?", [], api_name="/respond")
        finally:
            demo.close()
    assert attempts == []
    assert "Tannery" in str(history[-1]["content"])
    assert "bakery.txt" in sources and "<script" not in sources


def test_non_loopback_bind_without_a_login_is_refused(env):
    from assistant.errors import ConfigError
    from assistant.serve import serve

    settings, corpus, _ = env
    with pytest.raises(ConfigError, match="'server.host' = '0.0.0.0'.*ASSISTANT_SERVER__USERNAME and ASSISTANT_SERVER__PASSWORD"):
        serve(App(load_settings(paths__data_dir=settings.paths.data_dir, server__host="0.0.0.0"), corpus), block=False)
    with pytest.raises(ConfigError, match="needs a login"):  # a name without a password is not a login
        serve(App(load_settings(paths__data_dir=settings.paths.data_dir, server__host="0.0.0.0", server__username="ops"), corpus), block=False)


def test_with_a_login_the_page_asks_for_it(env):
    import urllib.error
    import urllib.parse
    import urllib.request

    from assistant.serve import serve

    settings, corpus, _ = env
    port = free_port()
    app = App(load_settings(paths__data_dir=settings.paths.data_dir, server__port=port, server__username="ops", server__password="s3cret-pass"), corpus)
    demo = serve(app, block=False)
    base = f"http://127.0.0.1:{port}"
    try:
        with pytest.raises(urllib.error.HTTPError) as denied:
            urllib.request.urlopen(f"{base}/config", timeout=10)
        assert denied.value.code in (401, 403)

        def login(password: str) -> int:
            data = urllib.parse.urlencode({"username": "ops", "password": password}).encode()
            try:
                return urllib.request.urlopen(f"{base}/login", data=data, timeout=10).status
            except urllib.error.HTTPError as exc:
                return exc.code

        assert login("wrong") == 400 and login("s3cret-pass") == 200
    finally:
        demo.close()


def test_rebuild_in_a_running_app_serves_the_new_collection(env, tmp_path):
    _, corpus, _ = env
    app = App(load_settings(paths__data_dir=tmp_path / "d"), corpus)
    app.ingest()
    assert app.retriever.search("cardamom knots", 1)[0].source == "bakery.txt"  # caches the retriever
    app.ingest(rebuild=True)
    assert app.retriever.store is app.store and app.service.retriever is app.retriever
    assert app.retriever.search("cardamom knots", 1)[0].source == "bakery.txt"
