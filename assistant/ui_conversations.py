"""The chat window's Conversations panel: its events, and the panel built and wired (ui.py calls both).

After each finished answer the page saves the exchange (`save`) to the
conversation in its session state (`current`): the first answer starts one,
titled from its question, and "New conversation" (or choosing another
collection) makes the next answer start another. An abstention is saved too,
as it was shown; an error is not. The panel lists the user's conversations,
newest first, by title and date, and opens, renames, deletes and exports the
chosen one. Opening restores what the page held: the chat's messages rendered
as they were, the turns a follow-up needs, the last answer ("open document")
and its sources, the collection, and each answer's record for a thumbs up or
down (`Opened`).

Whose: the signed-in user's (`gr.Request.username`); without accounts everyone
shares the owner NOBODY, so the one shared window shows everyone the same list.
A client may name any conversation number: the store finds only the user's own,
and with accounts a conversation of a collection the user may no longer use is
not opened nor exported (they may still rename or delete it).

ui.py is the only module that imports gradio: it hands the module in (`gr`), as
its own panel functions take it, and the rendering of messages and sources.
No event here runs the model, so none waits in the queue.

    >>> label(Summary(id=3, owner="", collection="corpus", title="Who built it?",
    ...               created=datetime(2026, 11, 29, 9, 0, tzinfo=timezone.utc),
    ...               updated=datetime(2026, 11, 29, 9, 30, tzinfo=timezone.utc)))
    'Who built it? · 2026-11-29 09:30'
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from types import SimpleNamespace
from typing import Callable

from assistant.access import Access
from assistant.conversations import NOBODY, Conversation, Conversations, Summary, markdown
from assistant.errors import AccessDenied, AssistantError, ConversationError
from assistant.records import Answer, Turn

Render = Callable[[str, Answer, str], list]  # (question, answer, collection) -> the exchange's two chat messages


def label(summary: Summary, collections: bool = False) -> str:
    """How the list shows a conversation: its title and when it last changed (UTC), and its collection when the
    server has several."""
    where = f" · {summary.collection}" if collections else ""
    return f"{summary.title} · {summary.updated.astimezone(timezone.utc):%Y-%m-%d %H:%M}{where}"


class ConversationEvents:
    """What the panel's events call. Each returns the values of its outputs; an error becomes a note."""

    def __init__(self, gr, store: Conversations, access: Access, render: Render, sources: Callable[[Answer], str]):
        self.gr, self.store, self.access, self.render, self.sources = gr, store, access, render, sources
        self._exports: str | None = None  # a 0700 folder for exported files, made at the first export

    def listing(self, request=None, chosen: int | None = None):
        """The list: the user's conversations, newest first (empty when they are not signed in)."""
        try:
            user, owner = self._who(request)
            found = self.store.list(owner)
        except AssistantError:
            return self.gr.update(choices=[], value=None)
        several = len(self.access.collections(user)) > 1
        choices = [(label(s, several), s.id) for s in found]
        return self.gr.update(choices=choices, value=chosen if any(s.id == chosen for s in found) else None)

    def save(self, history: list, last: dict | None, collection: str, turns: list, current: dict | None,
             request=None):
        """After an answer: the exchange saved to the current conversation (or a new one); the conversation,
        the refreshed list and a note."""
        gr = self.gr
        if not last or not history or history[-1].get("role") != "assistant":
            return gr.skip(), gr.skip(), gr.skip()  # an error, or no question: nothing to save
        digest = _digest(last)
        if current and current.get("saved") == digest:
            return gr.skip(), gr.skip(), gr.skip()  # saved already: an empty question, or a client calling again
        try:
            user, collection = self._allowed(request, collection)
            owner, answer = user.name if user else NOBODY, Answer.model_validate(last)
            after = [Turn.model_validate(t) for t in turns or []]  # the memory with this exchange in it
            number = self._into(current, owner, collection, answer, after)
        except AssistantError as exc:
            return gr.skip(), gr.skip(), f"Not saved: {_plain(exc)}"
        return {"id": number, "collection": collection, "saved": digest}, self.listing(request, number), ""

    def _into(self, current: dict | None, owner: str, collection: str, answer: Answer, after: list[Turn]) -> int:
        """The number of the conversation this exchange went to: the current one, or a new one when there is
        none, it was of another collection, or it was deleted meanwhile."""
        if current and current.get("collection") == collection:
            try:
                self.store.append(current["id"], owner, answer.question, answer, after)
                return current["id"]
            except ConversationError:
                if any(s.id == current["id"] for s in self.store.list(owner)):
                    raise  # there, and not written: the file's error
        return self.store.start(owner, collection, answer.question, answer, after)

    def open(self, chosen, request=None):
        """The chosen conversation, restored: chat, turns, last answer, collection, sources, document view,
        current conversation, the answers' records for rating, and a note."""
        gr = self.gr
        try:
            conversation = self._usable(request, chosen)
        except AssistantError as exc:
            return *[gr.skip()] * 8, f"Not opened: {_plain(exc)}"
        shown = Opened.of(conversation, self.render, self.sources)
        return (shown.chat, shown.turns, shown.last, conversation.collection, shown.sources, "",
                {"id": conversation.id, "collection": conversation.collection, "saved": _digest(shown.last)},
                shown.answers, f"Opened “{_plain(conversation.title)}”: ask a follow-up, it goes on from here.")

    def rename(self, chosen, new_title: str, request=None):
        """The chosen conversation renamed: the list, the emptied title box, a note."""
        gr = self.gr
        try:
            _, owner = self._who(request)
            given = self.store.rename(_number(chosen), owner, new_title)
        except AssistantError as exc:
            return gr.skip(), gr.skip(), f"Not renamed: {_plain(exc)}"
        return self.listing(request, _number(chosen)), "", f"Renamed to “{_plain(given)}”."

    def delete(self, chosen, current: dict | None, request=None):
        """The chosen conversation deleted: the list, the current conversation (none, when it was this one: the
        next answer starts a new one), a note."""
        gr = self.gr
        try:
            _, owner = self._who(request)
            self.store.delete(_number(chosen), owner)
        except AssistantError as exc:
            return gr.skip(), gr.skip(), f"Not deleted: {_plain(exc)}"
        gone = bool(current) and current.get("id") == _number(chosen)
        return self.listing(request), None if gone else gr.skip(), "Deleted."

    def export(self, chosen, request=None):
        """The chosen conversation as a Markdown file to download, and a note."""
        gr = self.gr
        try:
            conversation = self._usable(request, chosen)
            path = self._write(conversation)
        except (AssistantError, OSError) as exc:
            return gr.update(value=None, visible=False), f"Not exported: {_plain(exc)}"
        return gr.update(value=path, visible=True), ""

    def _write(self, conversation: Conversation) -> str:
        """The Markdown in a 0600 file of a fresh folder under the server's temp folder (where Gradio takes files
        from to serve them)."""
        if self._exports is None or not os.path.isdir(self._exports):
            self._exports = tempfile.mkdtemp(prefix="assistant-exports-")
        name = re.sub(r"[^A-Za-z0-9]+", "-", conversation.title).strip("-")[:60] or "conversation"
        path = os.path.join(tempfile.mkdtemp(dir=self._exports), f"{name}.md")
        with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w", encoding="utf-8") as f:
            f.write(markdown(conversation))
        return path

    def _who(self, request) -> tuple:
        """The signed-in user (None without accounts) and the owner of their conversations."""
        user = self.access.user(getattr(request, "username", None))
        return user, user.name if user else NOBODY

    def _allowed(self, request, collection: str | None) -> tuple:
        user, _ = self._who(request)
        return user, self.access.allowed(user, collection or None)

    def _usable(self, request, chosen) -> Conversation:
        """The user's chosen conversation, when its collection is one they may use and the server serves."""
        user, owner = self._who(request)
        conversation = self.store.get(_number(chosen), owner)
        name = conversation.collection
        if name not in self.access.collections(user):
            if user is not None and name in self.access.names:
                raise AccessDenied(f"it is in collection {name!r}, which is not yours now: ask an admin for it, or "
                                   "delete the conversation")
            raise ConversationError(f"its collection {name!r} is not served here now: add it to the settings "
                                    "(store.collections), or delete the conversation")
        return conversation


@dataclass(frozen=True)
class Opened:
    """What the page held when a conversation was last shown, rebuilt from the saved one."""

    chat: list  # the chat's messages, rendered as they were shown
    answers: dict  # each answer's record by its message's index, for a thumbs up or down (ui.Handlers.keep)
    turns: list  # the memory the next follow-up sees
    last: dict | None  # the last answer's record ("open document")
    sources: str  # its sources panel

    @classmethod
    def of(cls, conversation: Conversation, render: Render, sources: Callable[[Answer], str]) -> "Opened":
        chat, answers, before = [], {}, []
        for exchange in conversation.exchanges:
            chat += render(exchange.question, exchange.answer, conversation.collection)
            answers[len(chat) - 1] = {"answer": exchange.answer.model_dump(mode="json"), "rating": None,
                                      "collection": conversation.collection, "history": [t.model_dump() for t in before]}
            before = exchange.turns
        last = conversation.exchanges[-1].answer if conversation.exchanges else None
        return cls(chat=chat, answers=answers, turns=[t.model_dump() for t in conversation.turns],
                   last=last.model_dump(mode="json") if last else None, sources=sources(last) if last else "")


def panel(gr) -> SimpleNamespace:
    """The list of saved conversations and its buttons, in an accordion; and the current conversation (state)."""
    with gr.Accordion("Conversations", open=True, elem_id="conversations"):
        chosen = gr.Dropdown(choices=[], value=None, label="Saved conversations, newest first",
                             elem_id="conversation-list")
        with gr.Row():
            opener = gr.Button("Open", size="sm", elem_id="conversation-open")
            export = gr.Button("Export", size="sm", elem_id="conversation-export")
            delete = gr.Button("Delete", size="sm", variant="stop", elem_id="conversation-delete")
        with gr.Row():
            title = gr.Textbox(placeholder="A new title for the chosen conversation", show_label=False, scale=3,
                               elem_id="conversation-title")
            rename = gr.Button("Rename", size="sm", scale=1, elem_id="conversation-rename")
        file = gr.File(label="Markdown export", visible=False, interactive=False, elem_id="conversation-file")
        note = gr.Markdown(elem_id="conversation-note")
    return SimpleNamespace(chosen=chosen, opener=opener, export=export, delete=delete, title=title, rename=rename,
                           file=file, note=note, current=gr.State(None))


def wire(demo, events: ConversationEvents, saved, page: SimpleNamespace):
    """The panel's events. `page` names the page's parts: chat, turns, last, collection, sources, document,
    answers (the kept records for rating), asked (the question's events), new (the button). Returns the open
    event, for ui.py to show the opened collection's Documents tab after it."""
    for event in page.asked:
        event.then(events.save, [page.chat, page.last, page.collection, page.turns, saved.current],
                   [saved.current, saved.chosen, saved.note], queue=False)
    restored = [page.chat, page.turns, page.last, page.collection, page.sources, page.document, saved.current,
                page.answers, saved.note]
    opened = saved.opener.click(events.open, saved.chosen, restored, queue=False)
    for trigger in (saved.rename.click, saved.title.submit):
        trigger(events.rename, [saved.chosen, saved.title], [saved.chosen, saved.title, saved.note], queue=False)
    saved.delete.click(events.delete, [saved.chosen, saved.current], [saved.chosen, saved.current, saved.note],
                       queue=False)
    saved.export.click(events.export, saved.chosen, [saved.file, saved.note], queue=False)
    for trigger in (page.new.click, page.collection.input):  # the next answer starts a new conversation
        trigger(lambda: (None, ""), None, [saved.current, saved.note], queue=False)
    demo.load(events.listing, None, saved.chosen, queue=False)
    return opened


def typed(gr) -> None:
    """Gradio finds the request parameter by its annotation: give it the class (see ui._typed)."""
    for name in ("listing", "save", "open", "rename", "delete", "export"):
        getattr(ConversationEvents, name).__annotations__["request"] = gr.Request


def _number(chosen) -> int:
    """The conversation number a client sent (the list's value)."""
    if isinstance(chosen, bool) or not isinstance(chosen, (int, str)) or not str(chosen).strip().isdigit():
        raise ConversationError("choose a conversation from the list first")
    return int(chosen)


def _digest(last: dict | None) -> str:
    return hashlib.sha256(json.dumps(last, sort_keys=True).encode()).hexdigest()


def _plain(text) -> str:
    """Text for a note (Markdown): its punctuation escaped, so a title or an error forms no markup."""
    return re.sub(r"([\\`*_\[\]<>!|~#()])", r"\\\1", str(text))
