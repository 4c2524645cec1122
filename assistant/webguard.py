"""A guard in front of the chat window's routes: the server never fetches a URL a client names.

Gradio, which serves the chat window, fetches remote files in three places
(each one an outbound DNS lookup and connection from an air-gapped server):
  - `GET /gradio_api/file=http://...` streams a URL;
  - `GET /gradio_api/proxy=...` proxies a URL;
  - a FileData value whose `path` is a URL, sent to an event
    (`queue/join`, `run/...`), is downloaded into its cache before the event
    function runs.
`NoRemoteFetch` is plain ASGI middleware that answers all three with 403
before Gradio sees them. Request bodies are read only on the event routes,
and only up to 1 MB (an event's inputs are small; files go through
`/gradio_api/upload`, which this leaves alone).

It does not decide whether a server path may be read: Gradio's own check
(files must come from its upload folder), switched on in ui.py, and the
upload handler's check do that. Nothing here imports a web framework.

    >>> remote("http://example.org/x.md"), remote("//host/x"), remote("/tmp/gradio/ab/x.md")
    (True, True, False)
"""

from __future__ import annotations

import json
import re

_URL = re.compile(r"^\s*([a-zA-Z][a-zA-Z0-9+.-]*:|[\\/]{2})")  # a scheme (http:, file:, data:) or //host
_EVENTS = ("/gradio_api/queue/join", "/gradio_api/run/", "/gradio_api/call/", "/gradio_api/api/")
MAX_EVENT_BODY = 2**20


def remote(path: str) -> bool:
    """Whether a file path a client sent is a URL (anything with a scheme, or //host)."""
    return bool(_URL.match(path))


def names_remote_file(value) -> bool:
    """Whether a decoded JSON value holds a FileData-like object whose path is a URL."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if isinstance(item.get("path"), str) and remote(item["path"]):  # its `url` is the page's own link
                return True
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


class NoRemoteFetch:
    """ASGI middleware: 403 for requests that would make the server fetch a URL (see the module's doc)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path = scope.get("path", "")
        for route in ("/gradio_api/file=", "/gradio_api/proxy="):
            if route in path and (route.endswith("proxy=") or remote(path.split(route, 1)[1])):
                return await _refuse(send, "the server does not fetch URLs")
        if scope.get("method") != "POST" or not any(e in path for e in _EVENTS):
            return await self.app(scope, receive, send)
        body, more = b"", True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > MAX_EVENT_BODY:
                return await _refuse(send, "an event's inputs are over 1 MB", 413)
        try:
            refused = names_remote_file(json.loads(body or b"null"))
        except (ValueError, RecursionError):
            refused = False  # not JSON: Gradio answers it
        if refused:
            return await _refuse(send, "a file must be uploaded, not named by a URL")
        return await self.app(scope, _replay(body, receive), send)


def _replay(body: bytes, receive):
    """The body read here, then the client's own messages (its disconnect, when it comes)."""
    sent = False

    async def replay():
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay

    return receive


async def _refuse(send, why: str, status: int = 403) -> None:
    payload = json.dumps({"error": why}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]})
    await send({"type": "http.response.body", "body": payload})
