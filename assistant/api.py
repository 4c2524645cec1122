"""The OpenAI-compatible API: the only module that imports fastapi.

Other tools (editors, chat front-ends, scripts using the `openai` client) ask
the assistant through two routes, served beside the chat window:

    GET  /v1/models             the collections, one "model" each
    POST /v1/chat/completions   a grounded, cited answer, streamed or not

`model` names the collection to answer from. The last user message is the
question; earlier user/assistant pairs are the conversation, so follow-ups are
rewritten as in the chat window. System messages are ignored: the assistant's
own rules apply. `temperature` is honoured, and `top_k` may be given as an
extra field.

The answer text carries its [n] markers and ends with a "Sources:" list, so a
plain client shows the citations. Two extra fields carry them as data:
`citations` (file, page, heading, passage, supporting span) and `assistant`
(the full answer record of `assistant ask --json`). A stream sends the model's
text as it comes, then one last chunk with the sources text, `citations` and
`assistant`; when the check of the finished answer makes the assistant abstain,
that chunk says so, and `assistant.answer` is the checked answer.

Auth: with `api_key` set, every request needs `Authorization: Bearer KEY`
(compared in constant time); without one the API is open, which serve.py
allows only on loopback.
"""

from __future__ import annotations

import hmac
import json
import threading
import time
import uuid
from collections.abc import Iterator

# At module level, not lazily: FastAPI reads the route functions' annotations (postponed, so strings)
# from this module's globals. Only serve.py imports this module, when it starts serving.
from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse, StreamingResponse

from assistant.app import Workspace
from assistant.errors import AssistantError
from assistant.notes import notes as answer_notes
from assistant.records import Answer, Turn, where


def sources_text(answer: Answer) -> str:
    """The citations (or, on abstaining, the closest passages) as plain text under the answer."""
    items = [(n, item, getattr(item, "span", "") or item.text) for n, item in answer.numbered_sources()]
    if not items:
        return ""
    head = "Closest passages:" if answer.abstained else "Sources:"
    lines = [f"[{n}] {item.source} ({where(item)}): \u201c{' '.join(text.split())[:300]}\u201d" for n, item, text in items]
    return f"\n\n{head}\n" + "\n".join(lines)


def conversation(messages: list[dict]) -> tuple[str, list[Turn]]:
    """The question (the last user message) and the earlier user/assistant pairs."""
    said = [(m.get("role"), _text(m.get("content"))) for m in messages if m.get("role") in ("user", "assistant")]
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


def _text(content) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # [{"type": "text", "text": ...}, ...]
        return " ".join(part.get("text", "") for part in content if isinstance(part, dict))
    return ""


def create_app(workspace: Workspace, routes: bool = True):
    """The FastAPI app the chat window is mounted on; with `routes`, the /v1 API in it."""
    api = FastAPI(title="Document assistant API", docs_url=None, redoc_url=None, openapi_url=None)
    if not routes:
        return api
    key = workspace.settings.server.api_key.get_secret_value()

    def authorised(request: Request) -> None:
        if not key:
            return
        given = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(given.encode(), key.encode()):
            raise HTTPException(401, detail=_error("a valid API key is needed: Authorization: Bearer KEY", "invalid_api_key"))

    @api.exception_handler(HTTPException)
    async def openai_errors(request, exc: HTTPException):
        body = exc.detail if isinstance(exc.detail, dict) else _error(str(exc.detail), "error")
        return JSONResponse(body, status_code=exc.status_code)

    @api.get("/v1/models", dependencies=[Depends(authorised)])
    def models() -> dict:
        return {"object": "list", "data": [
            {"id": name, "object": "model", "created": 0, "owned_by": "assistant",
             "corpus": str(workspace.app(name).corpus)}
            for name in workspace.names()
        ]}

    @api.post("/v1/chat/completions", dependencies=[Depends(authorised)])
    async def chat(request: Request):
        try:
            body = await request.json()
        except ValueError:
            raise HTTPException(400, detail=_error("the body is not JSON", "invalid_request_error")) from None
        if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
            raise HTTPException(400, detail=_error("'messages' must be a list of messages", "invalid_request_error", "messages"))
        name = body.get("model") or workspace.default
        if name not in workspace.names():
            raise HTTPException(404, detail=_error(
                f"no collection {name!r}: the models of this server are its collections: {', '.join(workspace.names())}",
                "invalid_request_error", "model", "model_not_found"))
        try:
            question, history = conversation(body["messages"])
            service = workspace.app(name).service_with(
                top_k=_number(body, "top_k", int, 1, 50), temperature=_number(body, "temperature", float, 0.0, 2.0))
        except (ValueError, AssistantError) as exc:
            raise HTTPException(400, detail=_error(str(exc), "invalid_request_error")) from None
        ident = f"chatcmpl-{uuid.uuid4().hex[:24]}"
        if body.get("stream"):
            stop = threading.Event()
            return StreamingResponse(_sse(service, question, history, stop, ident, name),
                                     media_type="text/event-stream")
        from starlette.concurrency import run_in_threadpool

        try:
            answer = await run_in_threadpool(service.ask, question, history)
        except AssistantError as exc:
            raise HTTPException(500, detail=_error(str(exc), "server_error")) from None
        return {
            "id": ident, "object": "chat.completion", "created": int(time.time()), "model": name,
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": answer.answer + sources_text(answer)}}],
            "usage": _usage(answer),
            **_extras(answer),
        }

    return api


def _sse(service, question: str, history: list[Turn], stop: threading.Event, ident: str, name: str):
    """Server-sent events: the text as the model writes it, then the sources chunk, then [DONE]."""
    from starlette.concurrency import iterate_in_threadpool

    created = int(time.time())

    def chunk(delta: dict, finish: str | None = None, **extra) -> str:
        return "data: " + json.dumps({
            "id": ident, "object": "chat.completion.chunk", "created": created, "model": name,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **extra,
        }, ensure_ascii=False) + "\n\n"

    def events() -> Iterator[str]:
        yield chunk({"role": "assistant", "content": ""})
        streamed = []
        try:
            for event in service.stream(question, history, stop=stop):
                if event.kind == "token":
                    streamed.append(event.text)
                    yield chunk({"content": event.text})
                elif event.answer is not None:
                    answer = event.answer
                    tail = sources_text(answer)
                    if answer.abstained and "".join(streamed).strip() != answer.answer:
                        tail = f"\n\n{answer.answer}" + tail  # the check overruled the streamed text
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
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        raise ValueError(f"'{field}' must be a number from {low} to {high}")
    return kind(value)


def _error(message: str, kind: str, param: str | None = None, code: str | None = None) -> dict:
    return {"error": {"message": message, "type": kind, "param": param, "code": code}}
