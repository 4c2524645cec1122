"""The chat window's own queue protocol, spoken by hand (as a hostile or impatient client would):
join an event with any inputs, then read (or drop) its server-sent update stream. Behind a login, pass the
`client` that `login` returns: it carries Gradio's session cookie."""

from __future__ import annotations

import json
import uuid

import httpx


def login(url: str, name: str, password: str) -> httpx.Client:
    """A client signed in to the chat window (raises when the login is refused)."""
    client = httpx.Client(timeout=300)
    client.post(f"{url}/login", data={"username": name, "password": password}).raise_for_status()
    return client


def event_id(url: str, elem_id: str, trigger: str, client: httpx.Client | None = None) -> int:
    """The fn_index of the page's event `trigger` (click, submit, upload) on the component `elem_id`."""
    config = (client or httpx).get(f"{url}/config", timeout=30).json()
    ids = {c["id"] for c in config["components"] if c.get("props", {}).get("elem_id") == elem_id}
    for dep in config["dependencies"]:
        if any(target[0] in ids and target[1] == trigger for target in dep["targets"]):
            return dep["id"]
    raise LookupError(f"no {trigger} event on #{elem_id}")


def after(url: str, fn: int, client: httpx.Client | None = None) -> int:
    """The fn_index of the event the page runs after event `fn` (its `.then`)."""
    config = (client or httpx).get(f"{url}/config", timeout=30).json()
    return next(dep["id"] for dep in config["dependencies"] if dep.get("trigger_after") == fn)


def join(url: str, fn: int, data: list, session: str | None = None, client: httpx.Client | None = None,
         event_data: dict | None = None) -> str:
    """Queue the event with these inputs (and the event's own data: a like's index and value); returns the
    session hash to read its updates with."""
    session = session or uuid.uuid4().hex[:10]
    r = (client or httpx).post(f"{url}/gradio_api/queue/join", timeout=30, json={
        "data": data, "fn_index": fn, "session_hash": session, "event_data": event_data, "trigger_id": None})
    r.raise_for_status()
    return session


def updates(url: str, session: str, client: httpx.Client | None = None, timeout: float = 300):
    """The session's update messages (dicts) as the server sends them, until the event completes."""
    own = client is None
    client = client or httpx.Client(timeout=timeout)
    try:
        with client.stream("GET", f"{url}/gradio_api/queue/data", params={"session_hash": session}) as response:
            for line in response.iter_lines():
                if line.startswith("data:"):
                    message = json.loads(line[5:])
                    yield message
                    if message.get("msg") == "process_completed":
                        return
    finally:
        if own:
            client.close()


def result(url: str, fn: int, data: list, client: httpx.Client | None = None, session: str | None = None,
           event_data: dict | None = None) -> dict:
    """Join and read to the end: the completed message (its `output`, and `success`). Events of one `session`
    share its state (a menu's choices a former event set)."""
    session = join(url, fn, data, session, client, event_data)
    for message in updates(url, session, client):
        if message.get("msg") == "process_completed":
            return message
    raise AssertionError("the event never completed")
