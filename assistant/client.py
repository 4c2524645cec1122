"""A client of a running `assistant serve`: how `assistant ask` and `assistant chat` answer through it.

One job: find whether the server the `client` settings name is up (a GET of /v1/models that gives up at
once when nothing listens), and stream an answer from its /v1/chat/completions as the same events the
answer service gives in this process: a 'token' event per piece of text as the model writes it, then an
'answer' event with the checked Answer record that the API's last chunk carries (its `assistant` field),
with `served_by` set. So `Client` stands where `AnswerService` stands for the command line (`stream`,
`ask`), and the printing is the CLI's, once.

The standard library's http.client, not httpx or openai: asking through the server then costs no heavy
import, which is the point of asking through it (the model is already loaded there).

It does not print, and it answers nothing itself. A server that refuses the key (401, 403, 429) or goes
away before the answer ends is a ServerError saying what to set; an error the server met while answering
(a filter that matches nothing) is an AssistantError with the server's message, as in this process.

    >>> from assistant.config import load_settings
    >>> server_url(load_settings(server__port=8000, server__host="0.0.0.0"))
    'http://127.0.0.1:8000'
    >>> server_url(load_settings(client__server_url="https://docs.example.org/assistant/v1"))
    'https://docs.example.org/assistant'
"""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from urllib.parse import urlsplit

from assistant.config import Settings
from assistant.errors import AssistantError, ServerError
from assistant.records import Answer, AnswerEvent, Filter, Turn

CONNECT_S = 0.5  # nothing accepting a connection by then: no server (a local one accepts in a millisecond)
PROBE_S = 5.0  # a server that accepted but does not list its collections by then is taken as not there
RECONNECT_S = 5.0  # the question's own connection, to a server that has just answered the look
QUIET_S = 600.0  # longest silence inside an answer: a question may wait its turn for the model
WILDCARD = ("", "0.0.0.0", "::")  # bound to every address: reached on loopback


def server_url(settings: Settings) -> str:
    """The server's address: client.server_url, else this machine's `assistant serve` (server.host and
    server.port). A trailing /v1 is dropped: the routes are added here."""
    if settings.client.server_url:
        return settings.client.server_url.removesuffix("/v1")
    host = "127.0.0.1" if settings.server.host in WILDCARD else settings.server.host
    return f"http://{f'[{host}]' if ':' in host else host}:{settings.server.port}"


def find(settings: Settings, collection: str, local: list[str], top_k: int | None = None) -> "Client | None":
    """The server to answer through, per client.use_server, or None to answer in this process. `local`
    names the options given that only this process can honour (a corpus folder, a data folder, a model):
    with them, 'auto' answers here and 'always' is an error. A server that is up but does not serve
    `collection` (to this key) is taken as none."""
    mode = settings.client.use_server
    if mode == "never" or (local and mode == "auto"):
        return None
    if local:
        raise ServerError(f"{', '.join(local)}: only an answer in this process can use that, and setting "
                          "'client.use_server' is 'always'; leave the option out, or set "
                          "ASSISTANT_CLIENT__USE_SERVER=auto")
    client = Client(server_url(settings), _key(settings), collection, top_k)
    served = client.collections()
    if served is not None and collection in served:
        return client
    if mode == "auto":
        return None
    if served is None:
        raise ServerError(f"no assistant server answers at {client.url} (setting 'client.use_server' is 'always'): "
                          "start one with `assistant serve`, set client.server_url to its address, or set "
                          "client.use_server = 'auto' to answer in this process")
    raise ServerError(f"the server at {client.url} does not serve the collection {collection!r} to you "
                      f"(its collections: {', '.join(served) or 'none'}): ask with --collection NAME")


def _key(settings: Settings) -> str:
    """client.api_key; for this machine's own server, server.api_key when that is the one set."""
    key = settings.client.api_key.get_secret_value()
    if not key and not settings.client.server_url:  # never send this server's key to another address
        key = settings.server.api_key.get_secret_value()
    return key


class Client:
    """A running server at `url`, asked with `key` (empty: none) about `collection`, with `top_k` passages
    (None: the server's setting)."""

    def __init__(self, url: str, key: str = "", collection: str | None = None, top_k: int | None = None):
        self.url, self.collection, self.top_k = url, collection, top_k
        self._key = key
        parts = urlsplit(url)
        self._https, self._host, self._port = parts.scheme == "https", parts.hostname or "", parts.port
        self._prefix = parts.path.rstrip("/")

    def collections(self) -> list[str] | None:
        """The collections this key may ask, or None when no assistant answers here (nothing listens, or
        what listens is not its API). A refused key is a ServerError."""
        try:
            conn = self._connect(CONNECT_S, PROBE_S)
        except OSError:
            return None
        try:
            conn.request("GET", f"{self._prefix}/v1/models", headers=self._headers())
            response = conn.getresponse()
            self._refused(response)
            listed = json.loads(response.read()) if response.status == 200 else None
        except (OSError, http.client.HTTPException, ValueError):
            return None
        finally:
            conn.close()
        if not isinstance(listed, dict) or not isinstance(listed.get("data"), list):
            return None  # another program on this port, or a server with server.api = false
        return [m.get("id") for m in listed["data"] if isinstance(m, dict)]

    def ask(self, question: str, history: list[Turn] | None = None, filter: Filter | None = None) -> Answer:
        for event in self.stream(question, history, filter=filter):
            if event.answer is not None:
                return event.answer
        raise AssertionError("stream() ended without an answer")  # pragma: no cover: stream raises first

    def stream(self, question: str, history: list[Turn] | None = None,
               filter: Filter | None = None) -> Iterator[AnswerEvent]:
        """The answer as the server streams it; closing this generator (Ctrl-C) closes the connection, and
        the server stops its model at its next token."""
        try:
            conn = self._connect(RECONNECT_S, QUIET_S)
        except OSError as exc:
            raise ServerError(f"the server at {self.url} cannot be reached ({exc}): is `assistant serve` still "
                              "running? Set client.use_server = 'never' to answer in this process") from None
        try:
            body = json.dumps(self._body(question, history or [], filter), ensure_ascii=False).encode()
            conn.request("POST", f"{self._prefix}/v1/chat/completions", body=body,
                         headers={**self._headers(), "Content-Type": "application/json"})
            response = conn.getresponse()
            self._refused(response)
            if response.status != 200:
                raise ServerError(f"the server at {self.url} refused the question: {_message(response)}")
            yield from self._events(response)
        except (OSError, http.client.HTTPException, ValueError) as exc:  # ValueError: a chunk that is not JSON
            raise ServerError(f"the server at {self.url} went away before the answer ended ({type(exc).__name__}); "
                              "ask again, or set client.use_server = 'never' to answer in this process") from None
        finally:
            conn.close()

    def _connect(self, connect: float, quiet: float) -> http.client.HTTPConnection:
        """A connection made within `connect` seconds, whose reads wait at most `quiet` seconds."""
        kind = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
        conn = kind(self._host, self._port, timeout=connect)
        conn.connect()
        conn.sock.settimeout(quiet)
        return conn

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._key}"} if self._key else {}

    def _body(self, question: str, history: list[Turn], filter: Filter | None) -> dict:
        said = [m for turn in history for m in ({"role": "user", "content": turn.question},
                                                {"role": "assistant", "content": turn.answer})]
        body = {"model": self.collection or "", "stream": True,
                "messages": [*said, {"role": "user", "content": question}]}
        if self.top_k is not None:
            body["top_k"] = self.top_k
        if filter is not None and not filter.empty:
            body["filter"] = filter.model_dump(mode="json")
        return body

    def _refused(self, response: http.client.HTTPResponse) -> None:
        """A key the server does not take (401), a collection it keeps from this key (403), too many wrong
        keys (429): a ServerError naming the setting, never a quiet answer in this process instead."""
        if response.status in (401, 403, 429):
            fix = ("set client.api_key (ASSISTANT_CLIENT__API_KEY) to your API key (`assistant users add` or "
                   "`users reset` prints one; a server without accounts takes its server.api_key)")
            if response.status == 403:
                fix = "ask with --collection one of yours, or " + fix.replace("your API key", "the key of a user who may")
            raise ServerError(f"the server at {self.url} refused the request ({response.status}: "
                              f"{_message(response)}): {fix}; or set client.use_server = 'never' to answer in "
                              "this process")

    def _events(self, response: http.client.HTTPResponse) -> Iterator[AnswerEvent]:
        """Server-sent events -> AnswerEvents: each chunk's text, then the record of the last one."""
        answered = False
        while line := response.readline():
            data = line.decode("utf-8").strip()
            if not data.startswith("data:"):
                continue
            data = data[5:].strip()
            if data == "[DONE]":
                if answered:
                    return
                break
            chunk = json.loads(data)
            if "error" in chunk:  # the server's own error in answering (its message says what to do)
                raise AssistantError(str((chunk["error"] or {}).get("message", chunk["error"])))
            if "assistant" in chunk:
                answered = True
                record = Answer.model_validate(chunk["assistant"]).model_copy(update={"served_by": self.url})
                yield AnswerEvent(kind="answer", answer=record)
                continue
            text = ((chunk.get("choices") or [{}])[0].get("delta") or {}).get("content")
            if text:
                yield AnswerEvent(kind="token", text=text)
        raise http.client.IncompleteRead(b"")  # ended before its answer: the server went away


def _message(response: http.client.HTTPResponse) -> str:
    """The message of an OpenAI-shaped error body, else the status's reason."""
    try:
        return str(json.loads(response.read())["error"]["message"])
    except (OSError, http.client.HTTPException, ValueError, KeyError, TypeError):
        return response.reason
