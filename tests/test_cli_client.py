"""`assistant ask` and `assistant chat` through a running `assistant serve` (client.py), against the real server
on loopback: the same printed answer and the same `--json` record as in this process over the same index, a
follow-up's earlier turns sent to the server, the fallback of `client.use_server = auto`, and the errors of
`always`, of a refused key and of a server gone mid-answer. Chroma is real (embedded); the embedder and the
model are deterministic stand-ins, shared by the server and the command line's own answer service, so no
model is loaded.
"""

from __future__ import annotations

import io
import json
import socket
import threading

import httpx
import pytest

from assistant.app import Engines, Workspace
from assistant.cli import main
from assistant.client import Client
from assistant.config import load_settings
from assistant.errors import ServerError
from assistant.users import Users
from tests.support.corpus import copy_test_corpus
from tests.support.fakes import FakeEmbedder, ScriptedGenerator
from tests.support.servers import free_port

pytestmark = [pytest.mark.servers]
QUESTION = "How long does the rye loaf of the Vellholm bakery rest?"
REPLY = "The rye loaf of the Vellholm bakery rests for 14 hours [1]."
FOLLOW_UP = "At what temperature is it baked?"
REWRITTEN = "At what temperature is the rye loaf of the Vellholm bakery baked?"


class Model(ScriptedGenerator):
    """The stand-in model: a follow-up's rewrite when asked for one, else the same reply."""

    def warm(self, messages):
        pass

    def stream(self, messages, max_tokens, temperature, seed, stop=None):
        self.calls.append(messages)
        text = REWRITTEN if messages[-1]["content"].rstrip().endswith("Standalone question:") else REPLY
        for word in text.split(" "):
            yield word + " "


def _collections(root):
    corpus = copy_test_corpus(root)
    (root / "bread" / "notes").mkdir(parents=True)
    (root / "bread" / "rye.md").write_text("# Rye bread\n\nThe rye loaf of the Vellholm bakery rests for 14 hours "
                                           "before it is baked at 230 degrees.\n")
    (root / "bread" / "notes" / "flour.md").write_text("# Flour\n\nThe Vellholm bakery mills its rye flour on "
                                                       "Mondays; the rye loaf rests overnight.\n")
    return corpus


def _env(mp: pytest.MonkeyPatch, root, corpus, port: int) -> None:
    """The settings of the server and of the command line alike, as a user would set them: in the environment."""
    for name, value in {"PATHS__DATA_DIR": root / "data", "PATHS__CORPUS_DIR": corpus, "SERVER__PORT": port,
                        "STORE__COLLECTIONS": json.dumps({"bread": str(root / "bread")}),
                        "MODEL__WARM_UP": "false", "ANSWER__SECOND_LOOK_K": 0, "ANSWER__MIN_SCORE": -1.0,
                        "ANSWER__UNKNOWN_NAMES": "false"}.items():
        mp.setenv(f"ASSISTANT_{name}", str(value))
    mp.chdir(root)  # no assistant.toml of the checkout's


def _fakes(mp: pytest.MonkeyPatch, model: Model) -> None:
    """Every Engines (the server's, and each one a command builds) gets the same stand-ins."""
    embedder = FakeEmbedder()
    mp.setattr(Engines, "embedder", property(lambda self: embedder))
    mp.setattr(Engines, "_make", lambda self, name: model)


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    from assistant.serve import serve

    root = tmp_path_factory.mktemp("client")
    corpus, model = _collections(root), Model()
    with pytest.MonkeyPatch.context() as mp:
        _env(mp, root, corpus, free_port())
        _fakes(mp, model)
        workspace = Workspace(load_settings())
        for app in workspace.apps():
            app.ingest()
        server = serve(workspace, block=False)
        yield {"url": server.url, "model": model, "root": root}
        server.close()


@pytest.fixture
def run(served, capsys, monkeypatch):
    """`assistant ARGS...` with client.use_server = mode: (exit code, stdout, stderr)."""

    def cli(mode: str, *argv: str, stdin: str | None = None) -> tuple[int, str, str]:
        monkeypatch.setenv("ASSISTANT_CLIENT__USE_SERVER", mode)
        if stdin is not None:
            monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        capsys.readouterr()
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return cli


def _same_but_where(here: dict, there: dict) -> dict:
    """The records with what may differ between two answers to one question (times, where) taken out."""
    for record in (here, there):
        record.pop("timings"), record.pop("served_by")
    assert here == there
    return here


@pytest.mark.parametrize("options", [[], ["--collection", "bread"], ["--collection", "bread", "--top-k", "1"],
                                     ["--collection", "bread", "--file", "notes/*"]],
                         ids=["default collection", "bread", "top-k", "filter"])
def test_ask_prints_the_same_answer_and_record_through_the_server(served, run, options):
    code, here, here_err = run("never", "ask", QUESTION, *options)
    code_there, there, there_err = run("always", "ask", QUESTION, *options)
    assert code == code_there == 0 and here == there and ("Sources:" in here or "Closest passages:" in here)
    assert f"(answered by the server at {served['url']})" in there_err and "answered by" not in here_err
    _, here_json, _ = run("never", "ask", QUESTION, "--json", *options)
    _, there_json, _ = run("always", "ask", QUESTION, "--json", *options)
    here_record, there_record = json.loads(here_json), json.loads(there_json)
    assert here_record.keys() == there_record.keys()
    assert here_record["served_by"] is None and there_record["served_by"] == served["url"]
    record = _same_but_where(here_record, there_record)
    if "--top-k" in options:
        assert len(record["passages"]) == 1
    if "--file" in options:
        assert {p["source"] for p in record["passages"]} == {"notes/flour.md"}
        assert record["filter"]["files"] == ["notes/*"]
    if options == ["--collection", "bread"]:
        assert not record["abstained"] and "14 hours" in record["answer"]
        assert [c["source"] for c in record["citations"]] == ["rye.md"]


def test_a_follow_up_in_chat_sends_the_earlier_turns_to_the_server(served, run):
    model = served["model"]
    chat = ["chat", "--collection", "bread"]
    code, here, _ = run("never", *chat, stdin=f"{QUESTION}\n{FOLLOW_UP}\n")
    model.calls.clear()
    code_there, there, _ = run("always", *chat, stdin=f"{QUESTION}\n{FOLLOW_UP}\n")
    assert code == code_there == 0 and here == there
    rewrite = [m[-1]["content"] for m in model.calls if m[-1]["content"].rstrip().endswith("Standalone question:")]
    assert len(rewrite) == 1  # the server was asked to rewrite the follow-up, with the first exchange
    assert f"User: {QUESTION}" in rewrite[0] and "Assistant: The rye loaf of the Vellholm bakery rests for 14 hours" \
        in rewrite[0] and f"Follow-up: {FOLLOW_UP}" in rewrite[0]
    assert f"(Searched for: {REWRITTEN})" in there


def test_auto_answers_through_a_server_when_one_answers_else_in_this_process(served, run, monkeypatch):
    code, out, err = run("auto", "ask", QUESTION, "--collection", "bread")
    assert code == 0 and "14 hours" in out and f"answered by the server at {served['url']}" in err
    code, out, err = run("auto", "ask", QUESTION, "--collection", "bread", "--data-dir", str(served["root"] / "data"))
    assert code == 0 and "14 hours" in out and "answered by" not in err  # a data folder named: this process's
    monkeypatch.setenv("ASSISTANT_SERVER__PORT", str(free_port()))  # nothing listens there
    code, out, err = run("auto", "ask", QUESTION, "--collection", "bread")
    assert code == 0 and "14 hours" in out and "answered by" not in err
    code, out, err = run("always", "ask", QUESTION, "--collection", "bread")
    assert code == 2 and out == ""
    assert "error: no assistant server answers at http://127.0.0.1:" in err and "client.use_server" in err


def test_always_refuses_an_option_only_this_process_can_use(served, run):
    code, out, err = run("always", "ask", QUESTION, "--model", "qwen2.5-coder-0.5b")
    assert code == 2 and "--model: only an answer in this process can use that" in err and "client.use_server" in err
    code, out, err = run("always", "ask", QUESTION, "--collection", "nowhere")
    assert code == 2 and "does not serve the collection 'nowhere'" in err and "corpus, bread" in err


def test_the_api_takes_a_filter_and_refuses_a_bad_one(served):
    url = f"{served['url']}/v1/chat/completions"
    ask = {"model": "bread", "messages": [{"role": "user", "content": QUESTION}]}
    r = httpx.post(url, json={**ask, "filter": {"files": ["notes/*"]}}, timeout=60)
    assert r.status_code == 200 and {p["source"] for p in r.json()["assistant"]["passages"]} == {"notes/flour.md"}
    for bad in ({"file": ["x"]}, {"after": "last week"}, ["notes/*"], {"files": "notes/*"}):
        r = httpx.post(url, json={**ask, "filter": bad}, timeout=60)
        assert r.status_code == 400 and "'filter' must be an object" in r.json()["error"]["message"], bad
    r = httpx.post(url, json={**ask, "filter": {"folders": ["nowhere"]}}, timeout=60)
    assert r.status_code == 500 and "no indexed document matches the filter" in r.json()["error"]["message"]


def test_an_error_in_answering_reads_the_same_through_the_server(served, run):
    here, there = (run(mode, "ask", QUESTION, "--folder", "nowhere") for mode in ("never", "always"))
    assert here[:2] == there[:2] == (2, "")
    assert here[2] == there[2] == "error: no indexed document matches the filter (folders nowhere): widen or remove it\n"


@pytest.fixture(scope="module")
def with_accounts(tmp_path_factory):
    from assistant.serve import serve

    root = tmp_path_factory.mktemp("client-accounts")
    corpus, model = _collections(root), Model()
    with pytest.MonkeyPatch.context() as mp:
        _env(mp, root, corpus, free_port())
        _fakes(mp, model)
        users = Users(root / "data" / "users.sqlite")
        alice = users.add("alice", collections=["bread"], known=["corpus", "bread"])
        workspace = Workspace(load_settings())
        for app in workspace.apps():
            app.ingest()
        server = serve(workspace, block=False)
        yield {"url": server.url, "alice": alice}
        server.close()


def test_a_server_with_accounts_needs_the_users_key(with_accounts, capsys, monkeypatch):
    monkeypatch.setenv("ASSISTANT_CLIENT__USE_SERVER", "auto")
    monkeypatch.setenv("ASSISTANT_SERVER__PORT", with_accounts["url"].rsplit(":", 1)[1])
    for key in ("", "sk-not-hers"):  # auto too: a refusal is an error, never a quiet answer in this process
        monkeypatch.setenv("ASSISTANT_CLIENT__API_KEY", key)
        assert main(["ask", QUESTION, "--collection", "bread"]) == 2
        out, err = capsys.readouterr()
        assert out == "" and "refused the request (401" in err and "client.api_key" in err
        assert "ASSISTANT_CLIENT__API_KEY" in err
    monkeypatch.setenv("ASSISTANT_CLIENT__API_KEY", with_accounts["alice"].api_key)
    assert main(["ask", QUESTION, "--collection", "bread"]) == 0
    out, err = capsys.readouterr()
    assert "14 hours" in out and f"answered by the server at {with_accounts['url']}" in err
    monkeypatch.setenv("ASSISTANT_CLIENT__USE_SERVER", "always")
    assert main(["ask", QUESTION]) == 2  # `corpus`, the default collection, is not hers
    assert "does not serve the collection 'corpus' to you (its collections: bread)" in capsys.readouterr().err


class _Dying(threading.Thread):
    """A server that lists one collection, then starts an answer and closes the connection halfway."""

    def __init__(self):
        super().__init__(daemon=True)
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def run(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                request = conn.recv(65536)
                if request.startswith(b"GET"):
                    body = json.dumps({"object": "list", "data": [{"id": "corpus"}]}).encode()
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                                 + str(len(body)).encode() + b"\r\n\r\n" + body)
                    continue
                chunk = b'data: {"choices": [{"index": 0, "delta": {"content": "The rye "}}]}\n\n'
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
                             + f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")


def test_a_server_gone_mid_answer_is_an_error_saying_so():
    dying = _Dying()
    dying.start()
    try:
        client = Client(dying.url, collection="corpus")
        assert client.collections() == ["corpus"]
        events = client.stream(QUESTION)
        assert next(events).text == "The rye "
        with pytest.raises(ServerError, match="went away before the answer ended"):
            next(events)
    finally:
        dying.sock.close()


def test_nothing_listening_is_no_server():
    assert Client(f"http://127.0.0.1:{free_port()}").collections() is None
