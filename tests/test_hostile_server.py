"""Hostile and careless clients against the real server on loopback (real app, Chroma, MiniLM and the
small bundled model): bodies the API must refuse in OpenAI's error shape, the key's scheme, cross-site
requests, max_tokens, the folders /v1/models must not tell, and the chat window's upload event and file
route, which must not read a server file nobody uploaded or fetch a URL (issue 25)."""

from __future__ import annotations

import json

import httpx
import pytest

from assistant.app import Workspace
from assistant.config import load_settings
from tests.support import gradio_queue
from tests.support.corpus import copy_test_corpus
from tests.support.netguard import no_egress
from tests.support.servers import free_port

pytestmark = [pytest.mark.model, pytest.mark.embedder, pytest.mark.servers]
KEY = {"Authorization": "Bearer test-key-1"}
ASK = {"model": "corpus", "messages": [{"role": "user", "content": "When does the orchard society press cider?"}]}


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    from assistant.serve import serve

    root = tmp_path_factory.mktemp("hostile")
    corpus = copy_test_corpus(root)
    (root / "secret.md").write_text("# Vault\n\nThe vault code of the Karsk Point keeper is 4417-ZEBRA.\n")
    port = free_port()
    settings = load_settings(paths__data_dir=root / "data", paths__corpus_dir=corpus, server__port=port,
                             server__api_key="test-key-1", model__name="qwen2.5-coder-0.5b", model__max_tokens=48,
                             model__warm_up=False)
    workspace = Workspace(settings)
    workspace.app().ingest()
    server = serve(workspace, block=False)
    yield f"http://127.0.0.1:{port}", root
    server.close()


def post(url: str, body, headers=KEY, **kwargs) -> httpx.Response:
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return httpx.post(f"{url}/v1/chat/completions", content=data,
                      headers={"Content-Type": "application/json", **headers}, timeout=300, **kwargs)


def openai_error(r: httpx.Response, status: int) -> dict:
    assert r.status_code == status, (r.status_code, r.text[:300])
    error = r.json()["error"]
    assert set(error) == {"message", "type", "param", "code"} and error["message"]
    return error


@pytest.mark.parametrize("body, says", [
    ({"model": "corpus", "messages": [{"role": "user", "content": 5}]}, "messages[0].content"),
    ({"model": "corpus", "messages": [{"role": "user", "content": [{"type": "text", "text": 5}]}]}, "messages[0].content"),
    ({"model": "corpus", "messages": [1, {"role": "user", "content": "x"}]}, "messages[0]"),
    ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ({**ASK, "stream": "false"}, "'stream' must be true or false"),
    ({**ASK, "max_tokens": "many"}, "max_tokens"),
    ({"model": ["corpus"], "messages": ASK["messages"]}, "no collection"),
])
def test_malformed_bodies_get_a_400_in_openais_shape(served, body, says):
    url, _ = served
    error = openai_error(post(url, body), 404 if says == "no collection" else 400)
    assert says in error["message"]


def test_a_one_megabyte_question_gets_a_clear_400(served):
    url, _ = served
    big = {"model": "corpus", "messages": [{"role": "user", "content": "why " * 250_000}]}
    error = openai_error(post(url, big), 400)
    assert "1,000,000 characters" in error["message"] and "server.max_question_chars" in error["message"]


def test_max_tokens_is_honoured(served):
    url, _ = served
    r = post(url, {**ASK, "max_tokens": 3})
    assert r.status_code == 200, r.text[:300]
    assert r.json()["assistant"]["timings"]["completion_tokens"] <= 3


def test_the_key_needs_the_bearer_scheme_in_any_case(served):
    url, _ = served
    models = f"{url}/v1/models"
    assert httpx.get(models, headers={"Authorization": "test-key-1"}).status_code == 401
    assert httpx.get(models, headers={"Authorization": "Basic test-key-1"}).status_code == 401
    assert httpx.get(models, headers={"Authorization": "bearer test-key-1"}).status_code == 200
    assert httpx.get(models, headers={"Authorization": "Bearer  test-key-1"}).status_code == 200


def test_models_do_not_tell_the_folders(served):
    url, root = served
    r = httpx.get(f"{url}/v1/models", headers=KEY)
    assert r.status_code == 200 and [m["id"] for m in r.json()["data"]] == ["corpus"]
    assert str(root) not in r.text and "/" not in json.dumps([m for m in r.json()["data"]])


def test_cross_site_requests_are_refused(served):
    url, _ = served
    simple = {**KEY, "Content-Type": "text/plain", "Origin": "null"}  # what a sandboxed page can send with no preflight
    r = httpx.post(f"{url}/v1/chat/completions", content=json.dumps(ASK), headers=simple, timeout=300)
    assert openai_error(r, 403)["code"] == "cross_site"
    r = post(url, ASK, headers={**KEY, "Origin": "http://evil.example"})
    assert openai_error(r, 403)["code"] == "cross_site"
    r = httpx.post(f"{url}/v1/chat/completions", content=json.dumps(ASK), headers={**KEY, "Content-Type": "text/plain"})
    assert openai_error(r, 415)["code"] == "unsupported_media_type"
    # a browser asks before a cross-site JSON POST; nothing here says yes
    r = httpx.options(f"{url}/v1/chat/completions", headers={"Origin": "http://evil.example",
                                                            "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in r.headers
    assert httpx.get(f"{url}/v1/models", headers={**KEY, "Origin": url}).status_code == 200  # its own page may


def upload_event(url: str, path: str) -> dict:
    file = {"path": path, "orig_name": path.rsplit("/", 1)[-1], "meta": {"_type": "gradio.FileData"}}
    return gradio_queue.result(url, gradio_queue.event_id(url, "upload", "upload"), [[file], "corpus"])


def test_the_upload_event_reads_no_server_file_nobody_uploaded(served):
    url, root = served
    done = upload_event(url, str(root / "secret.md"))
    uploads = root / "corpus" / "uploads"
    assert not (uploads / "secret.md").exists(), "a server file was copied into the corpus"
    assert not done.get("success") or "Indexed" not in json.dumps(done["output"])
    r = post(url, {"model": "corpus", "messages": [{"role": "user", "content": "What is the vault code of the keeper?"}]})
    assert "4417" not in r.text


def test_the_server_fetches_no_url_a_client_names(served):
    url, root = served
    with no_egress() as attempts:
        r = httpx.post(f"{url}/gradio_api/queue/join", timeout=30, json={
            "data": [[{"path": "http://files.evil.example/x.md", "meta": {"_type": "gradio.FileData"}}], "corpus"],
            "fn_index": gradio_queue.event_id(url, "upload", "upload"), "session_hash": "s1", "trigger_id": None})
        assert r.status_code == 403
        for route in ("file=http://files.evil.example/x.md", "file=https://files.evil.example/x.md", "proxy=http://x.example/a"):
            assert httpx.get(f"{url}/gradio_api/{route}", timeout=30).status_code == 403, route
    assert attempts == []
    assert not (root / "corpus" / "uploads").exists() or not list((root / "corpus" / "uploads").iterdir())
