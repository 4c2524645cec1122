"""The OpenAI-compatible API: the only module that imports fastapi.

Other tools (editors, chat front-ends, scripts using the `openai` client) ask
the assistant through two routes, served beside the chat window:

    GET  /v1/models             the collections, one "model" each
    POST /v1/chat/completions   a grounded, cited answer, streamed or not

`model` names the collection to answer from. The last user message is the
question; earlier user/assistant pairs are the conversation, so follow-ups are
rewritten as in the chat window. System messages are ignored: the assistant's
own rules apply. `temperature` and `max_tokens` (capped by the setting
`model.max_tokens`) are honoured, `stream` must be a JSON boolean, and two
extra fields may be given: `top_k`, and `filter`, the documents an answer may
come from as `assistant ask` limits them ({"files": [glob], "folders": [dir],
"after": "YYYY-MM-DD", "before": "YYYY-MM-DD"}, each optional).

The answer text carries its [n] markers and ends with a "Sources:" list, so a
plain client shows the citations. Two extra fields carry them as data:
`citations` (file, page, heading, passage, supporting span) and `assistant`
(the full answer record of `assistant ask --json`). A stream sends the model's
text as it comes, then one last chunk with the sources text, `citations` and
`assistant`; when the check of the finished answer makes the assistant abstain,
that chunk says so, and `assistant.answer` is the checked answer.

Auth: with user accounts (access.py), every request needs one user's
`Authorization: Bearer KEY`: no key or a wrong one is a 401, too many wrong
ones from an address a 429, and `/v1/models` lists, and `model` may name, only
that user's collections (another's is a 403). Each answered question is then
written to the audit trail (audit.py). Without accounts, with `api_key` set,
every request needs `Authorization: Bearer KEY` (compared in constant time);
without one the API is open, which serve.py allows only on loopback.

Requests a web page of another site could make through a visitor's browser are
refused: a foreign or `null` Origin, and a POST
that is not `application/json` (a form or text/plain POST skips the CORS
preflight). Every error has OpenAI's shape, {"error": {"message", "type",
"param", "code"}}: a malformed body or message, a question over
`server.max_question_chars`, a body over 8 MB, JSON nested too deeply.

Whatever way a request ends (answered, client gone, error), its stop event is
set, so the model stops at its next token and its lock is free (generate.py).
This module does not decide who may log in to the chat window (serve.py).
"""

from __future__ import annotations

import hmac
import json
import threading
import time
import uuid
from collections.abc import Iterator
from typing import NamedTuple
from urllib.parse import urlsplit

# At module level, not lazily: FastAPI reads the route functions' annotations (postponed, so strings)
# from this module's globals. Only serve.py imports this module, when it starts serving.
from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.requests import ClientDisconnect

from assistant.access import Access
from assistant.app import Workspace
from assistant.audit import AuditLog
from assistant.errors import AccessDenied, AssistantError, NotSignedIn, TooManyFailures
from assistant.notes import notes as answer_notes
from assistant.records import Answer, Filter, Turn, where

MAX_BODY = 8 * 2**20  # a request body larger than this is refused unread (a conversation is far smaller)


def sources_text(answer: Answer) -> str:
    """The citations (or, on abstaining, the closest passages) as plain text under the answer."""
    items = [(n, item, getattr(item, "span", "") or item.text) for n, item in answer.numbered_sources()]
    if not items:
        return ""
    head = "Closest passages:" if answer.abstained else "Sources:"
    lines = [f"[{n}] {item.source} ({where(item)}): \u201c{' '.join(text.split())[:300]}\u201d" for n, item, text in items]
    return f"\n\n{head}\n" + "\n".join(lines)


def conversation(messages: list, limit: int = 0) -> tuple[str, list[Turn]]:
    """The question (the last user message) and the earlier user/assistant pairs. Every message must be
    an object whose content is text (a string, or a list of text parts); with `limit`, at most that many
    characters each. Anything else is a ValueError naming the message."""
    said = []
    for i, m in enumerate(messages):
        if not isinstance(m, dict) or not isinstance(m.get("role"), str):
            raise ValueError(f"messages[{i}] must be an object with a 'role' and a 'content'")
        if m["role"] in ("user", "assistant"):
            text = _text(m.get("content"), i)
            if limit and len(text) > limit:
                raise ValueError(f"messages[{i}] has {len(text):,} characters; at most {limit:,} are accepted "
                                 "(setting server.max_question_chars): ask a shorter question")
            said.append((m["role"], text))
    if not said or said[-1][0] != "user" or not said[-1][1].strip():
        raise ValueError("the last message must be a user message with the question")
    turns, pending = [], None
    for role, text in said[:-1]:
        if role == "user":
            pending = text
        elif pending is not None:
            turns.append(Turn(question=pending, answer=text))
            pending = None
    return said[-1][1].strip(), turns


def _text(content, i: int) -> str:
    if isinstance(content, str):
        return content
    parts = content if isinstance(content, list) else None  # [{"type": "text", "text": ...}, ...]
    if parts is None or not all(isinstance(p, dict) and isinstance(p.get("text", ""), str) for p in parts):
        raise ValueError(f"messages[{i}].content must be a string or a list of text parts")
    return " ".join(p.get("text", "") for p in parts)


class Asked(NamedTuple):
    """What a checked request asks: of which collection (and its answer service), the question, the
    conversation before it, and the documents the answer may come from."""

    name: str
    question: str
    history: list[Turn]
    service: object
    filter: Filter | None = None

    def stream(self, stop: threading.Event):
        return self.service.stream(self.question, self.history, stop=stop, filter=self.filter)


def create_app(workspace: Workspace, routes: bool = True, access: Access | None = None, audit: AuditLog | None = None):
    """The FastAPI app the chat window is mounted on; with `routes`, the /v1 API in it. With `access` holding
    accounts, each request's key names its user; without, the `server.api_key` setting applies."""
    api = FastAPI(title="Document assistant API", docs_url=None, redoc_url=None, openapi_url=None)
    if not routes:
        return api
    _errors_as_openai(api)
    access = access or Access.open(workspace.names())
    who = _signed_in(access) if access.accounts else _authoriser(workspace.settings.server.api_key.get_secret_value())
    guard = [Depends(who), Depends(_same_site)]  # `who` again as a route's parameter: FastAPI runs it once
    api.get("/v1/models", dependencies=guard)(_models_route(access, who))
    api.post("/v1/chat/completions", dependencies=guard)(_chat_route(workspace, access, who, audit))
    return api


def _errors_as_openai(api) -> None:
    """Every error the API answers with has OpenAI's shape: {"error": {message, type, param, code}}."""

    @api.exception_handler(HTTPException)
    async def http_errors(request, exc: HTTPException):
        body = exc.detail if isinstance(exc.detail, dict) else _error(str(exc.detail), "error")
        return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)

    @api.exception_handler(Exception)
    async def unexpected(request, exc: Exception):  # a bug: the client still gets the shape it can read
        return JSONResponse(_error(f"internal error ({type(exc).__name__}); see the server's log", "server_error"), 500)


def _authoriser(key: str):
    """The API-key check: `Authorization: Bearer KEY` (the scheme in any case), compared in constant time."""

    def authorised(request: Request) -> None:
        if not key:
            return
        scheme, _, given = request.headers.get("authorization", "").strip().partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), key.encode()):
            raise HTTPException(401, detail=_error("a valid API key is needed: Authorization: Bearer KEY", "invalid_api_key"))

    return authorised


def _signed_in(access: Access):
    """The user whose key the request carries (access.py counts and logs the failures): 401 without a valid
    key, 429 after too many wrong ones from this address."""

    def user(request: Request):
        try:
            return access.by_key(request.headers.get("authorization", ""), request.client.host if request.client else "")
        except TooManyFailures as exc:
            raise HTTPException(429, detail=_error(str(exc), "rate_limit_error", None, "too_many_failures"),
                                headers={"Retry-After": str(int(access.throttle.window))}) from None
        except NotSignedIn as exc:
            raise HTTPException(401, detail=_error(str(exc), "invalid_api_key", None, "invalid_api_key")) from None

    return user


def _same_site(request: Request) -> None:
    """Refuse requests a web page of another site makes through a visitor's browser: an `Origin` that is
    not this server's own (or is `null`), and a POST that is not JSON (a form or text/plain POST needs no
    CORS preflight, so a browser would send it; a JSON one does, and this API answers none)."""
    origin = request.headers.get("origin")
    # the host only, not the scheme: behind a TLS proxy the page is https and this server sees http
    seen = urlsplit(origin.strip()).netloc if origin is not None else None
    if origin is not None and (not seen or seen != request.headers.get("host", "").strip()):
        raise HTTPException(403, detail=_error(f"cross-site requests are refused (Origin: {origin[:100]})",
                                               "invalid_request_error", None, "cross_site"))
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if request.method == "POST" and content_type != "application/json":
        raise HTTPException(415, detail=_error("send the body as JSON, with Content-Type: application/json",
                                               "invalid_request_error", None, "unsupported_media_type"))


def _models_route(access: Access, who):
    """The collections this client may use, one model each (their folders are the server's business, not the
    client's)."""

    def models(user=Depends(who)) -> dict:
        return {"object": "list", "data": [
            {"id": name, "object": "model", "created": 0, "owned_by": "assistant"} for name in access.collections(user)]}

    return models


def _chat_route(workspace: Workspace, access: Access, who, audit: AuditLog | None):
    async def chat(request: Request, user=Depends(who)):
        body = await _body(request)
        asked = _request(workspace, body, access, user)
        name = asked.name
        record = _recorder(audit, user, name)
        ident = f"chatcmpl-{uuid.uuid4().hex[:24]}"
        if body.get("stream"):
            return StreamingResponse(_sse(asked, threading.Event(), ident, record), media_type="text/event-stream")
        from starlette.concurrency import run_in_threadpool

        stop = threading.Event()
        try:
            answer = await run_in_threadpool(_ask, asked, stop)
        except AssistantError as exc:
            raise HTTPException(500, detail=_error(str(exc), "server_error")) from None
        finally:
            stop.set()  # a client gone away (the request cancelled) stops the model at its next token
        record(answer)
        return {
            "id": ident, "object": "chat.completion", "created": int(time.time()), "model": name,
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": answer.answer + sources_text(answer)}}],
            "usage": _usage(answer),
            **_extras(answer),
        }

    return chat


def _recorder(audit: AuditLog | None, user, name: str):
    """What is done with a finished answer: an audit line for a signed-in user (when the audit is on)."""
    if audit is None or user is None:
        return lambda answer: None
    return lambda answer: audit.write(user.name, "api", name, answer)


def _ask(asked: Asked, stop: threading.Event) -> Answer:
    for event in asked.stream(stop):
        if event.answer is not None:
            return event.answer
    raise AssertionError("stream() ended without an answer")  # pragma: no cover


async def _body(request: Request) -> dict:
    """The JSON body, refused with a 400 (or 413) that says why: not JSON, too large, nested too deep."""
    if int(request.headers.get("content-length") or 0) > MAX_BODY:
        raise HTTPException(413, detail=_error(f"the body is over {MAX_BODY // 2**20} MB", "invalid_request_error"))
    try:
        raw = await request.body()
    except ClientDisconnect:  # gone before its question arrived: nothing to answer, nothing to log
        raise HTTPException(400, detail=_error("the client went away", "invalid_request_error")) from None
    if len(raw) > MAX_BODY:
        raise HTTPException(413, detail=_error(f"the body is over {MAX_BODY // 2**20} MB", "invalid_request_error"))
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):
        raise HTTPException(400, detail=_error("the body is not JSON (or is nested too deeply)", "invalid_request_error")) from None
    if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
        raise HTTPException(400, detail=_error("'messages' must be a list of messages", "invalid_request_error", "messages"))
    if "stream" in body and not isinstance(body["stream"], (bool, type(None))):
        raise HTTPException(400, detail=_error("'stream' must be true or false (a JSON boolean)", "invalid_request_error", "stream"))
    return body


def _request(workspace: Workspace, body: dict, access: Access, user) -> Asked:
    """What a checked body asks (a collection the user may use: an unknown one is a 404 naming theirs,
    another's a 403)."""
    name = body.get("model") or None
    if name is not None and (not isinstance(name, str) or name not in workspace.names()):
        raise HTTPException(404, detail=_error(
            f"no collection {str(name)[:100]!r}: the models of this server are its collections: "
            f"{', '.join(access.collections(user))}", "invalid_request_error", "model", "model_not_found"))
    try:
        name = access.allowed(user, name)
    except AccessDenied as exc:
        raise HTTPException(403, detail=_error(str(exc), "permission_error", "model", "collection_forbidden")) from None
    s = workspace.settings
    try:
        question, history = conversation(body["messages"], s.server.max_question_chars)
        wanted = _number(body, "max_completion_tokens", int, 1, 10**9) or _number(body, "max_tokens", int, 1, 10**9)
        service = workspace.app(name).service_with(
            top_k=_number(body, "top_k", int, 1, 50), temperature=_number(body, "temperature", float, 0.0, 2.0),
            max_tokens=min(wanted, s.model.max_tokens) if wanted else None)
        return Asked(name, question, history, service, _filter(body))
    except (ValueError, AssistantError) as exc:
        raise HTTPException(400, detail=_error(str(exc), "invalid_request_error")) from None


def _filter(body: dict) -> Filter | None:
    """The extra field `filter`, as `assistant ask --file/--folder/--after/--before` give it; None when empty."""
    given = body.get("filter")
    if given is None:
        return None
    wrong = "'filter' must be an object of 'files' and 'folders' (lists of text), 'after' and 'before' (YYYY-MM-DD)"
    if not isinstance(given, dict) or set(given) - set(Filter.model_fields):
        raise ValueError(wrong)
    try:
        scope = Filter.model_validate(given, strict=False)
    except ValueError:  # pydantic's ValidationError
        raise ValueError(wrong) from None
    return None if scope.empty else scope


def _sse(asked: Asked, stop: threading.Event, ident: str, record):
    """Server-sent events: the text as the model writes it, then the sources chunk, then [DONE]."""
    from starlette.concurrency import iterate_in_threadpool

    created = int(time.time())

    def chunk(delta: dict, finish: str | None = None, **extra) -> str:
        return "data: " + json.dumps({
            "id": ident, "object": "chat.completion.chunk", "created": created, "model": asked.name,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **extra,
        }, ensure_ascii=False) + "\n\n"

    def events() -> Iterator[str]:
        yield chunk({"role": "assistant", "content": ""})
        streamed = []
        try:
            for event in asked.stream(stop):
                if event.kind == "token":
                    streamed.append(event.text)
                    yield chunk({"content": event.text})
                elif event.answer is not None:
                    answer = event.answer
                    tail = sources_text(answer)
                    if answer.abstained and "".join(streamed).strip() != answer.answer:
                        tail = f"\n\n{answer.answer}" + tail  # the check overruled the streamed text
                    record(answer)
                    yield chunk({"content": tail}, "stop", usage=_usage(answer), **_extras(answer))
        except AssistantError as exc:
            yield "data: " + json.dumps(_error(str(exc), "server_error")) + "\n\n"
        yield "data: [DONE]\n\n"

    async def guarded():
        try:
            async for part in iterate_in_threadpool(events()):
                yield part
        finally:
            stop.set()  # the client went away (or the answer ended): the model stops at its next token

    return guarded()


def _extras(answer: Answer) -> dict:
    return {"citations": [c.model_dump(mode="json") for c in answer.citations], "notes": answer_notes(answer),
            "assistant": answer.model_dump(mode="json")}


def _usage(answer: Answer) -> dict:
    prompt, completion = answer.timings.prompt_tokens, answer.timings.completion_tokens
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def _number(body: dict, field: str, kind, low, high):
    value = body.get(field)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high \
            or (kind is int and value != int(value)):
        raise ValueError(f"'{field}' must be a number from {low} to {high}")
    return kind(value)


def _error(message: str, kind: str, param: str | None = None, code: str | None = None) -> dict:
    return {"error": {"message": message, "type": kind, "param": param, "code": code}}
