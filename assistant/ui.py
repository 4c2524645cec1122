"""The chat window: the only module that imports gradio.

A Gradio Blocks page with a streaming chat on the left and the cited passages
on the right. It calls the same AnswerService as the CLI, with the
conversation so far, so a follow-up ("and how tall is it?") keeps the thread.
Each answer shows its checked citations: sentences no cited passage supports
are flagged, and every cited passage is shown with its supporting span
highlighted. A stop button ends a generation; "New conversation" forgets the
history. The Documents tab lists the index (and refused files with their
reason), uploads files (checked in uploads.py, indexed at once), removes a
document and re-indexes. A collection menu chooses which document collection
both tabs work on; the Settings panel chooses the model, top-k, temperature
and reranking per browser session, and each answer names the model that wrote
it. A [n] marker jumps to its passage; "open document" shows the whole
document with the passage highlighted, scrolled to it. Waiting users see their
place in Gradio's queue.

Air-gapped: analytics are off (see offline.py), no share link, no share
button, no API footer, and a system-font theme so the page loads no web fonts.
Document and model text is made inert before display: HTML-escaped, and
Markdown punctuation escaped, so neither an <img> nor a ![](http://...) from a
document or an answer makes the page fetch anything. serve.py mounts this page
beside the API and decides who may log in.

With user accounts (access.py), every event handler asks `access` what the
signed-in user (`gr.Request.username`) may do before it does anything: the
collection menu lists only theirs, an answer, an opened document or the
Documents tab of another collection is refused, and only admins upload, remove
or re-index (their buttons are hidden from members, and the handlers refuse
them too, so Gradio's own API routes obey the same rules). Each answer is then
written to the audit trail (audit.py).

Under every answer, a thumbs up or down (the Chatbot's like event): each answer's
record is kept in the session's state by its message's index, so a rating is
stored (feedback.py) with the answer it was given to; a thumbs down opens "What
is the right answer?" for the user's own words. A rating for a collection the
user may not use is refused, like an answer.

Each finished answer is saved to the current conversation (conversations.py),
and the Conversations panel under "New conversation" lists the user's saved
conversations, newest first, and opens (with the memory a follow-up needs),
renames, deletes and exports them as Markdown: ui_conversations.py holds those
events and builds the panel. The API keeps none: it stays stateless.
"""

from __future__ import annotations

import html
import os
import re
import threading
from types import SimpleNamespace

from assistant.access import Access
from assistant.app import Workspace
from assistant.audit import AuditLog
from assistant.conversations import FILE as CONVERSATIONS_FILE
from assistant.conversations import Conversations
from assistant.errors import AssistantError, QuestionError, UploadError
from assistant.feedback import FILE as FEEDBACK_FILE
from assistant.feedback import Feedback, rating
from assistant.ingest.loaders import SUPPORTED
from assistant.conversation import with_turn
from assistant.notes import notes as answer_notes
from assistant.records import Answer, Sentence, Turn, where
from assistant.ui_conversations import ConversationEvents
from assistant.ui_conversations import panel as conversations_panel
from assistant.ui_conversations import typed as conversations_typed
from assistant.ui_conversations import wire as wire_conversations
from assistant.webguard import NoRemoteFetch, remote

_CSS = """
#sources .passage { border-left: 3px solid #6366f1; padding: 4px 10px; margin: 8px 0 14px; white-space: pre-wrap; }
#sources .where, #sources .note { color: #555; font-size: 0.9em; }
#sources mark { background: #fde68a; padding: 0 1px; }
.unsupported { text-decoration: underline dotted #b91c1c; color: #7f1d1d; }
#documents table.docs { width: 100%; border-collapse: collapse; }
#documents th, #documents td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #e5e7eb; }
#documents td.error { color: #b91c1c; }
#document { max-height: 420px; overflow: auto; white-space: pre-wrap; border: 1px solid #e5e7eb; padding: 6px 10px; }
#document mark { background: #fde68a; }
.by { color: #6b7280; font-size: 0.8em; margin-top: 6px; }
a.cite { text-decoration: none; font-weight: 600; }
.flash { outline: 2px solid #6366f1; }
"""
# A [n] marker scrolls to its passage, and "open document" asks the server for the whole document
# (through the hidden #open-request box): page-local script, no request leaves for anywhere but the app.
_JS = """
() => {
  document.addEventListener('click', (e) => {
    const cite = e.target.closest('a.cite');
    if (cite) {
      e.preventDefault();
      const el = document.getElementById(cite.getAttribute('href').slice(1));  // the chat's sanitiser drops data-*
      if (el) { el.scrollIntoView({block: 'center'}); el.classList.add('flash'); setTimeout(() => el.classList.remove('flash'), 1500); }
      return;
    }
    const open = e.target.closest('a.open-doc');
    if (open) {
      e.preventDefault();
      const box = document.querySelector('#open-request textarea, #open-request input');
      if (box) { box.value = open.dataset.n + ':' + Date.now(); box.dispatchEvent(new Event('input', {bubbles: true})); }
    }
  });
}
"""
_MARKDOWN = re.compile(r"([\\`*_\[\]()!|~{}])")  # '#' left alone: it is in HTML entities
_AUTOLINK = re.compile(r"(?<=[A-Za-z0-9])(:)(?=//)|(?<=\bwww)(\.)|(?<=[A-Za-z0-9_.+-])(@)(?=[A-Za-z0-9-])", re.IGNORECASE)
_EMPTY_SOURCES = "<p class='where'>Cited passages appear here.</p>"
_FRESH = ([], _EMPTY_SOURCES, [], None, "")  # a new conversation: chat, cited passages, turns, last answer, document
_STOPS: dict[str, threading.Event] = {}  # browser session -> its stop button's event


def render_sources(answer: Answer | None, passages=None) -> str:
    """HTML for the sources panel; every piece of document text is escaped."""
    notes = []
    if answer is None:
        items = [(i, p) for i, p in enumerate(passages or [], 1)]
        title = "Searching these passages…" if items else ""
    else:
        items = answer.numbered_sources()
        title = "The documents don't hold the answer. Closest passages:" if answer.abstained else "Sources"
    if answer is not None:
        notes = answer_notes(answer) + [f"Answered by {answer.model}."]
    parts = [f"<h3>{html.escape(title)}</h3>"] if title else []
    for n, item in items:
        parts.append(
            f"<div class='where'><b>[{n}]</b> {html.escape(item.source)} · {html.escape(where(item))} · "
            f"<a href='#' class='open-doc' data-n='{n}'>open document</a></div>"
            f"<div class='passage' id='src-{n}'>{_highlighted(item)}</div>"
        )
    parts += [f"<p class='note'>{html.escape(note)}</p>" for note in notes]
    return "".join(parts) or _EMPTY_SOURCES


def render_documents(rows: list[dict]) -> str:
    """The documents table: every name and reason escaped."""
    if not rows:
        return "<p class='where'>No documents indexed yet.</p>"
    body = "".join(
        f"<tr><td>{html.escape(r['source'])}</td><td>{r['chunks']}</td><td>{html.escape(r['indexed'] or '')}</td>"
        f"<td class='error'>{html.escape(r['error'])}</td></tr>"
        for r in rows
    )
    return ("<table class='docs'><thead><tr><th>document</th><th>chunks</th><th>indexed (UTC)</th>"
            f"<th>problem</th></tr></thead><tbody>{body}</tbody></table>")


def render_answer(answer: Answer, collection: str = "") -> str:
    """The answer for the chat: inert text, [n] markers that jump to their passage, sentences no cited
    passage supports flagged, and the model (and collection) that answered."""
    if answer.abstained or not answer.sentences:
        body = inert(answer.answer)
    else:
        body = " ".join(render_sentence(sentence) for sentence in answer.sentences)
    by = html.escape(answer.model + (f" · {collection}" if collection else ""))
    return f"{body}\n\n<div class='by'>answered by {by}</div>"


def render_sentence(sentence: Sentence) -> str:
    """One checked sentence: inert, its markers linked, flagged when its citations do not hold it."""
    text = _cite_links(inert(sentence.text))
    if not sentence.supported:
        text = f"<span class='unsupported' title='No cited passage supports this sentence'>{text}</span> ⚠"
    return text


def inert(text: str) -> str:
    """Text from a document or the model, safe in the chat's Markdown: HTML-escaped, Markdown punctuation
    escaped (no image, link or HTML can form), and bare addresses (http://, www., a@b) written with an
    entity so the Markdown renderer does not make them live links; line breaks kept.

    >>> inert("see https://evil.example/x or www.evil.example")
    'see https&#58;//evil.example/x or www&#46;evil.example'
    """
    text = _MARKDOWN.sub(r"\\\1", html.escape(text, quote=False))
    return _AUTOLINK.sub(lambda m: {":": "&#58;", ".": "&#46;", "@": "&#64;"}[m.group(0)], text)


def _cite_links(text: str) -> str:
    """Turn the (escaped) [n] markers of inert text into links to passage n in the sources panel."""
    return re.sub(r"\\\[(\d+)\\\]", r"<a href='#src-\1' class='cite'>[\1]</a>", text)


_DOC_MARK = "<mark id='doc-mark'>"  # the page scrolls to it


def render_document(doc, start: int, end: int, current: bool) -> str:
    """A whole document, escaped, with characters start..end marked (id='doc-mark', scrolled to)."""
    text = doc.text
    start, end = max(0, min(start, len(text))), max(0, min(end, len(text)))
    note = "" if current else "<p class='note'>The file changed since it was indexed: the place may have moved. Re-index it.</p>"
    return (f"{note}<div class='where'><b>{html.escape(doc.source)}</b></div><div id='document'>"
            f"{_marked(text, start, end, _DOC_MARK)}</div>")


def _highlighted(item) -> str:
    """The passage, escaped and reflowed, with a citation's supporting span in <mark>."""
    start, end = getattr(item, "span_start", 0), getattr(item, "span_end", 0)
    text = item.text
    if not 0 <= start < end <= len(text) or (start, end) == (0, len(text)):
        return html.escape(_reflow(text.strip()))
    return _marked(text, start, end)


def _marked(text: str, start: int, end: int, mark: str = "<mark>") -> str:
    """The text escaped and reflowed, with characters start..end inside `mark` ... </mark>."""
    before, span, after = (html.escape(_reflow(part)) for part in (text[:start], text[start:end], text[end:]))
    return f"{before}{mark}{span}</mark>{after}"


def _reflow(text: str) -> str:
    """Join the hard-wrapped lines of a paragraph; keep blank lines between paragraphs."""
    return re.sub(r"[ \t]*(?<!\n)\n(?!\n)[ \t]*", " ", text)


class Handlers:
    """What the page's events call, for one workspace. Each returns the values of its outputs."""

    def __init__(self, workspace: Workspace, access: Access | None = None, audit: AuditLog | None = None):
        self.workspace, self.audit = workspace, audit
        self.access = access or Access.open(workspace.names())
        self.feedback = Feedback(workspace.settings.paths.data_dir / FEEDBACK_FILE)  # the file made at the first rating
        import gradio as gr  # lazy: heavy import; the conversations' events return its updates

        saved = Conversations(workspace.settings.paths.data_dir / CONVERSATIONS_FILE)  # made at the first answer
        self.conversations = ConversationEvents(gr, saved, self.access, self.exchange, render_sources)

    def _allowed(self, request, collection: str | None, manage: bool = False) -> tuple:
        """The signed-in user (None without accounts) and the collection they may use (AccessDenied, NotSignedIn)."""
        user = self.access.user(getattr(request, "username", None))
        if manage:
            self.access.manager(user)
        return user, self.access.allowed(user, collection or None)

    def menu(self, request=None):
        """With accounts, at page load: the collection menu holds the user's collections only, and the document
        buttons show for admins only."""
        import gradio as gr

        try:
            user, _ = self._allowed(request, None)
        except AssistantError:
            return gr.update(choices=[], value=None), *[gr.update(visible=False)] * 3
        mine = self.access.collections(user)
        admin = gr.update(visible=user is None or user.admin)
        return gr.update(choices=mine, value=mine[0] if mine else None, visible=len(mine) > 1), admin, admin, admin

    def respond(self, message: str, history: list, turns: list, collection: str, model: str, top_k: int,
                temperature: float, rerank: bool, request=None):
        """Stream an answer into the chat. The request's own stop event is set whatever way it ends (the
        stop button, the browser gone away, an error), so the model stops and its lock is free."""
        import gradio as gr

        message = (message or "").strip()
        if not message:
            yield history, gr.skip(), "", turns, gr.skip()
            return
        key, stop = _session(request), threading.Event()
        _STOPS[key] = stop  # the stop button sets the current request's event
        history = list(history or []) + [{"role": "user", "content": inert(message)}, {"role": "assistant", "content": ""}]
        yield history, _EMPTY_SOURCES, "", turns, gr.skip()
        try:
            user, collection = self._allowed(request, collection)
            yield from self._answer(message, history, turns, collection, stop, (model, top_k, temperature, rerank), user)
        except AssistantError as exc:
            history[-1]["content"] = f"Error: {inert(str(exc))}"
            yield history, _EMPTY_SOURCES, "", turns, None
        finally:
            stop.set()  # closed by Gradio when the browser went away: the model stops at its next token
            if _STOPS.get(key) is stop:
                del _STOPS[key]

    def _answer(self, message, history, turns, collection, stop, chosen, user=None):
        import gradio as gr

        s, (model, top_k, temperature, rerank) = self.workspace.settings, chosen
        if len(message) > s.server.max_question_chars:
            raise QuestionError(f"the question has {len(message):,} characters; at most {s.server.max_question_chars:,} "
                                "are accepted (setting server.max_question_chars): ask a shorter question")
        past = [Turn(**t) for t in turns or []]
        service = self.workspace.app(collection).service_with(
            model=model or None, top_k=int(top_k), temperature=float(temperature),
            rerank=bool(rerank) if s.retrieval.reranker else None)
        shown: list[str] = []
        for event in service.stream(message, past, stop=stop):
            if event.kind == "passages":
                yield history, render_sources(None, event.passages), "", turns, gr.skip()
            elif event.kind == "token":  # a whole checked sentence (an address never spans two), or the abstention
                shown.append(render_sentence(event.sentence) if event.sentence else inert(event.text))
                history[-1]["content"] = " ".join(shown)
                yield history, gr.skip(), "", turns, gr.skip()
            elif event.answer is not None:
                answer = event.answer
                history[-1]["content"] = self._rendered(answer, collection)
                turns = [t.model_dump() for t in with_turn(past, message, answer)]
                if self.audit is not None and user is not None:
                    self.audit.write(user.name, "chat window", collection, answer)
                yield history, render_sources(answer), "", turns, answer.model_dump(mode="json")

    def exchange(self, question: str, answer: Answer, collection: str) -> list[dict]:
        """A question and its answer as the chat showed them (a saved conversation opened again)."""
        return [{"role": "user", "content": inert(question)},
                {"role": "assistant", "content": self._rendered(answer, collection)}]

    def _rendered(self, answer: Answer, collection: str) -> str:
        """The answer as the chat shows it: the collection named when the server has several."""
        return render_answer(answer, collection if len(self.workspace.names()) > 1 else "")

    def stop_answer(self, request=None) -> None:
        stop = _STOPS.get(_session(request))
        if stop is not None:
            stop.set()

    def open_document(self, request_text: str, last: dict | None, collection: str, request=None):
        """The whole document of citation n of the last answer, the cited place marked."""
        import gradio as gr

        n = (request_text or "").split(":")[0]
        if not last or not n.isdigit():
            return gr.skip()
        answer = Answer.model_validate(last)
        item = dict(answer.numbered_sources()).get(int(n))
        if item is None:
            return gr.skip()
        try:
            _, collection = self._allowed(request, collection)
            doc, current = self.workspace.app(collection).document(item.source)
        except (AssistantError, OSError) as exc:
            return f"<p class='note'>Cannot open {html.escape(item.source)}: {html.escape(str(exc))}</p>"
        start, end = item.char_start, item.char_end
        if getattr(item, "span_end", 0) > getattr(item, "span_start", 0):
            start, end = item.char_start + item.span_start, item.char_start + item.span_end
        return render_document(doc, start, end, current)

    def documents_view(self, collection: str, request=None):
        """The Documents tab of a collection the user may use."""
        return self._view(collection, request)

    def switch(self, collection: str, request=None):
        """Another collection chosen: a new conversation, and its Documents tab. The question box is left
        alone: a question typed before the choice is asked in the collection chosen."""
        return _FRESH + self._view(collection, request)

    def _view(self, collection, request, note: str = ""):
        import gradio as gr

        try:
            _, collection = self._allowed(request, collection)
            rows = self.workspace.app(collection).documents()
        except AssistantError as exc:
            return _refused(f"Error: {exc}")
        choices = [r["source"] for r in rows if not r["error"]]
        return render_documents(rows), gr.update(choices=choices, value=None), note

    def upload(self, files, collection, request=None, progress=None):
        """Index the files this browser uploaded (admins only, with accounts). Only files Gradio received into
        its upload folder are read: a path that names any other server file, a link or a URL is refused
        (received_upload)."""
        try:
            _, collection = self._allowed(request, collection, manage=True)
        except AssistantError as exc:
            return _refused(f"Refused: {exc}")
        notes = []
        app = self.workspace.app(collection)
        for i, path in enumerate(files or []):
            name = os.path.basename(str(path))
            if progress is not None:
                progress((i, len(files)), desc=f"indexing {name}", unit="files")
            try:
                with open(received_upload(path), "rb") as f:
                    source, report = app.add_upload(name, f.read())
            except (AssistantError, OSError) as exc:
                notes.append(f"Refused: {exc}")
                continue
            why = report.errors.get(source)
            renamed = f" (a document named {name} was there already)" if source != f"uploads/{name}" and why is None else ""
            notes.append(f"Not indexed: {source}: {why}" if why else f"Indexed {source}{renamed}.")
        return self._view(collection, request, " ".join(notes))

    def remove(self, source, collection, request=None):
        try:
            _, collection = self._allowed(request, collection, manage=True)
        except AssistantError as exc:
            return _refused(f"Refused: {exc}")
        try:
            if not source:
                return self._view(collection, request, "Choose a document to remove.")
            self.workspace.app(collection).remove_document(source)
        except AssistantError as exc:
            return self._view(collection, request, f"Error: {exc}")
        return self._view(collection, request, f"Removed {source}.")

    def reindex(self, collection, request=None, progress=None):
        if progress is not None:
            progress(0, desc="re-indexing")
        try:
            _, collection = self._allowed(request, collection, manage=True)
        except AssistantError as exc:
            return _refused(f"Refused: {exc}")
        try:
            report = self.workspace.app(collection).ingest()
        except AssistantError as exc:
            return self._view(collection, request, f"Error: {exc}")
        return self._view(collection, request, report.summary().splitlines()[0])

    def keep(self, history: list, last: dict | None, collection: str, turns: list, answers: dict):
        """After an answer: its record, collection and earlier turns, under its message's index, for a rating."""
        index = len(history or []) - 1
        if not last or index < 0 or history[index].get("role") != "assistant":
            return answers
        if any(kept["answer"] == last for kept in answers.values()):
            return answers  # kept already, with its rating: an empty question, or a client calling this again
        earlier = list(turns or []) if last.get("abstained") else list(turns or [])[:-1]  # with_turn added one
        return {**answers, index: {"answer": last, "collection": collection, "history": earlier, "rating": None}}

    def rate(self, answers: dict, request=None, like=None):
        """A thumbs up or down under an answer (clicked again: taken back), stored with the answer's record; a
        thumbs down opens the box for the right answer. Refused for a collection the user may not use."""
        import gradio as gr

        index = like.index if isinstance(like.index, int) else None  # a message's index (the chat is a list)
        kept = answers.get(index)
        if kept is None:
            return answers, None, gr.update(visible=False), "Only an answer can be rated."
        try:
            user, collection = self._allowed(request, kept["collection"])
            number = self._rated(kept, like.liked, collection, user)
        except AssistantError as exc:
            return answers, None, gr.update(visible=False), f"Not rated: {inert(str(exc))}"
        down = like.liked is False
        note = {True: "Thank you: rated up.", False: "Thank you. What is the right answer? (optional)"}.get(
            like.liked, "Rating taken back.")
        return {**answers, index: {**kept, "rating": number}}, index if down else None, gr.update(visible=down), note

    def _rated(self, kept: dict, liked, collection: str, user) -> int | None:
        """Store, change or take back the rating of one kept answer; its number, or None when taken back."""
        number, up = kept["rating"], liked is True
        if liked not in (True, False):
            if number is not None:
                self.feedback.withdraw(number)
            return None
        if number is not None:
            self.feedback.change(number, up)
            return number
        answer = Answer.model_validate(kept["answer"])
        past = [Turn(**t) for t in kept["history"]]
        return self.feedback.add(rating(answer, up, collection, user.name if user else None, past))

    def correct(self, text: str, answers: dict, rated: int | None, request=None):
        """The right answer, in the user's words, joins the thumbs down it follows."""
        import gradio as gr

        kept = answers.get(rated) if rated is not None else None
        text = (text or "").strip()
        if kept is None or kept["rating"] is None or not text:
            return gr.skip(), gr.skip(), "Write the right answer, then Send." if kept else gr.skip()
        try:
            self._allowed(request, kept["collection"])
            self.feedback.correct(kept["rating"], text[: self.workspace.settings.server.max_question_chars])
        except AssistantError as exc:
            return gr.skip(), gr.skip(), f"Not kept: {inert(str(exc))}"
        return "", gr.update(visible=False), "Thank you: your answer is kept with the question, for the team's eval."


def _refused(note: str):
    """The Documents tab's outputs when the user may not see or change this collection: nothing of it."""
    import gradio as gr

    return render_documents([]), gr.update(choices=[], value=None), note


def received_upload(path) -> str:
    """The path of a file Gradio received from a browser's upload, or UploadError: it must lie in Gradio's
    upload folder, be a plain file and no link, and not be a URL (the server fetches nothing)."""
    from gradio.utils import get_upload_folder

    text = str(path)
    folder = os.path.realpath(get_upload_folder())
    real = os.path.realpath(text)
    if remote(text) or os.path.islink(text) or os.path.commonpath([folder, real]) != folder or not os.path.isfile(real):
        raise UploadError(f"{os.path.basename(text) or text!r}: not a file uploaded from this browser; upload it with "
                          "the Upload button")
    return real


def build(workspace: Workspace, access: Access | None = None, audit: AuditLog | None = None):
    """The page: a collection menu, the Chat tab (chat, settings, sources) and the Documents tab. With accounts
    the menu starts empty (the page's config is the same for everyone) and is filled at load for the user."""
    import gradio as gr  # lazy: heavy import

    handlers = _typed(Handlers(workspace, access, audit), gr)
    names = [] if handlers.access.accounts else workspace.names()
    with gr.Blocks(title="Document assistant") as demo:
        gr.Markdown("## Ask your documents\nAnswers come only from the indexed documents, with the passages they cite.")
        turns, last = gr.State([]), gr.State(None)  # the conversation; the last answer record ("open document")
        rated = SimpleNamespace(answers=gr.State({}), index=gr.State(None))  # each answer by message; the one rated down
        # with accounts any value passes Gradio's check of choices (those of the page everyone loads, empty):
        # the handlers refuse a collection that is not the user's
        collection = gr.Dropdown(names, value=names[0] if names else None, label="Collection", elem_id="collection",
                                 visible=len(names) > 1, allow_custom_value=handlers.access.accounts)
        with gr.Tab("Chat", elem_id="chat-tab"), gr.Row():
            chat = _chat_panel(gr, workspace)
            side = _sources_panel(gr)
        with gr.Tab("Documents", elem_id="documents-tab"):
            docs = _documents_panel(gr, workspace.settings)
        asked = _wire_chat(gr, handlers, chat, side, collection, turns, last)
        _wire_documents(demo, handlers, docs, collection)
        fresh = [chat.chat, side.sources, turns, last, side.document]  # what _FRESH sets
        chat.new.click(lambda: (*_FRESH, ""), None, fresh + [chat.box], queue=False)  # the question box emptied too
        # .input, the user's choice: a conversation opened in another collection sets it, and keeps its chat
        collection.input(handlers.switch, collection, fresh + docs.views, queue=False)
        _wire_feedback(gr, handlers, chat, asked, (collection, turns, last), rated)  # after: its resets come second
        page = SimpleNamespace(chat=chat.chat, turns=turns, last=last, collection=collection, sources=side.sources,
                               document=side.document, answers=rated.answers, asked=asked, new=chat.new)
        opened = wire_conversations(demo, handlers.conversations, chat.saved, page)  # after: saved once kept
        opened.then(handlers.documents_view, collection, docs.views, queue=False)
    return demo


def _typed(handlers: Handlers, gr) -> Handlers:
    """Gradio finds its special parameters by annotation (the request) and by default value (progress); with
    postponed annotations, and gradio imported lazily, give it the classes here."""
    for name in ("respond", "stop_answer", "menu", "open_document", "documents_view", "switch", "upload", "remove",
                 "reindex", "rate", "correct"):
        getattr(Handlers, name).__annotations__["request"] = gr.Request
    Handlers.rate.__annotations__["like"] = gr.LikeData
    conversations_typed(gr)
    for name in ("upload", "reindex"):
        getattr(Handlers, name).__defaults__ = (None, gr.Progress())
    return handlers


def _chat_panel(gr, workspace: Workspace) -> SimpleNamespace:
    """The chat, the question box and its buttons, and the per-session settings."""
    s, models = workspace.settings, _model_choices(workspace)
    with gr.Column(scale=3):
        # no LaTeX: the answer text comes from the model, which documents can steer
        chat = gr.Chatbot(label="Conversation", height=520, buttons=["copy"], elem_id="chat", latex_delimiters=[])
        feedback = _feedback_panel(gr)
        with gr.Row():
            box = gr.Textbox(placeholder="Ask a question about your documents…", show_label=False, scale=5, elem_id="question")
            send = gr.Button("Ask", variant="primary", scale=1, elem_id="ask")
            stop = gr.Button("Stop", variant="stop", scale=1, elem_id="stop")
        new = gr.Button("New conversation", size="sm", elem_id="new")
        saved = conversations_panel(gr)
        with gr.Accordion("Settings", open=False, elem_id="settings"):
            model = gr.Dropdown(models, value=_default_model(workspace, models), label="Model", elem_id="model",
                                allow_custom_value=False)
            top_k = gr.Slider(1, 20, value=s.retrieval.top_k, step=1, label="Passages given to the model (top-k)", elem_id="top-k")
            temperature = gr.Slider(0.0, 1.5, value=s.model.temperature, step=0.1, label="Temperature", elem_id="temperature")
            rerank = gr.Checkbox(value=bool(s.retrieval.reranker), interactive=bool(s.retrieval.reranker), elem_id="rerank",
                                 label="Rerank passages" + ("" if s.retrieval.reranker else " (no reranker: set retrieval.reranker in the settings)"))
    return SimpleNamespace(chat=chat, box=box, send=send, stop=stop, new=new, model=model, top_k=top_k,
                           temperature=temperature, rerank=rerank, feedback=feedback, saved=saved)


def _feedback_panel(gr) -> SimpleNamespace:
    """Under the chat: what a rating says back, and after a thumbs down a box for the right answer."""
    note = gr.Markdown(elem_id="feedback-note")
    with gr.Column(visible=False, elem_id="correction") as panel:
        box = gr.Textbox(label="What is the right answer?", lines=2, elem_id="correction-text",
                         placeholder="In your words; the team checks it against the documents")
        send = gr.Button("Send", size="sm", elem_id="correction-send")
    return SimpleNamespace(note=note, panel=panel, box=box, send=send)


def _sources_panel(gr) -> SimpleNamespace:
    """The cited passages, the opened document, and the hidden box "open document" links write to."""
    with gr.Column(scale=2):
        sources = gr.HTML(_EMPTY_SOURCES, elem_id="sources")
        document = gr.HTML("", elem_id="document-view")
        opener = gr.Textbox(visible="hidden", elem_id="open-request")
    return SimpleNamespace(sources=sources, document=document, opener=opener)


def _documents_panel(gr, s) -> SimpleNamespace:
    """The upload box, the remove and re-index buttons, and the documents table."""
    accepted = ", ".join(sorted(SUPPORTED))
    gr.Markdown(f"Upload {accepted} files (at most {s.server.max_upload_mb} MB each): they are indexed "
                "at once and become answerable. Uploads go to the `uploads` folder of the collection's corpus; "
                "a file whose name is taken is kept beside it as `name (2).ext`.")
    uploader = gr.File(label="Upload documents", file_count="multiple", file_types=sorted(SUPPORTED), elem_id="upload")
    note = gr.Markdown(elem_id="documents-note")
    with gr.Row():
        chosen = gr.Dropdown(label="Document", choices=[], elem_id="chosen", scale=3)
        drop = gr.Button("Remove", variant="stop", elem_id="remove", scale=1)
        rebuild = gr.Button("Re-index", elem_id="reindex", scale=1)
    table = gr.HTML(elem_id="documents")
    return SimpleNamespace(uploader=uploader, chosen=chosen, drop=drop, rebuild=rebuild, views=[table, chosen, note],
                           managing=[uploader, drop, rebuild])


def _wire_chat(gr, handlers: Handlers, chat, side, collection, turns, last) -> list:
    """The question's events (returned, so an answer's record can be kept after them), stop and open document."""
    asked = [chat.box, chat.chat, turns, collection, chat.model, chat.top_k, chat.temperature, chat.rerank]
    events = [trigger(handlers.respond, asked, [chat.chat, side.sources, chat.box, turns, last])
              for trigger in (chat.box.submit, chat.send.click)]
    side.opener.change(handlers.open_document, [side.opener, last, collection], side.document, queue=False).then(
        None, None, None, js="() => document.getElementById('doc-mark')?.scrollIntoView({block: 'center'})")
    # not queued: a stop must not wait behind the answer it stops
    chat.stop.click(handlers.stop_answer, None, None, queue=False)
    return events


def _wire_feedback(gr, handlers: Handlers, chat, asked: list, conversation: tuple, rated) -> None:
    """Each answer kept by its message's index; thumbs up or down under it; the right answer after a thumbs
    down; all forgotten with the conversation. Not queued: none of them waits for the model."""
    collection, turns, last = conversation
    fb = chat.feedback
    for event in asked:
        event.then(handlers.keep, [chat.chat, last, collection, turns, rated.answers], rated.answers, queue=False)
    chat.chat.like(handlers.rate, rated.answers, [rated.answers, rated.index, fb.panel, fb.note], queue=False)
    for trigger in (fb.send.click, fb.box.submit):
        trigger(handlers.correct, [fb.box, rated.answers, rated.index], [fb.box, fb.panel, fb.note], queue=False)
    for trigger in (chat.new.click, collection.input, chat.chat.clear):
        trigger(lambda: ({}, None, gr.update(visible=False), ""), None,
                [rated.answers, rated.index, fb.panel, fb.note], queue=False)


def _wire_documents(demo, handlers: Handlers, docs, collection) -> None:
    docs.uploader.upload(handlers.upload, [docs.uploader, collection], docs.views)
    docs.drop.click(handlers.remove, [docs.chosen, collection], docs.views)
    docs.rebuild.click(handlers.reindex, collection, docs.views)
    if handlers.access.accounts:  # the user's collections first, then their documents
        demo.load(handlers.menu, None, [collection] + docs.managing, queue=False).then(
            handlers.documents_view, collection, docs.views)
    else:
        demo.load(handlers.documents_view, collection, docs.views)


def _model_choices(workspace: Workspace) -> list[str]:
    try:
        return workspace.engines.model_names() or [workspace.settings.model.name]
    except AssistantError:  # a model server that is down: the configured name, and the error at the first answer
        return [workspace.settings.model.name]


def _default_model(workspace: Workspace, models: list[str]) -> str:
    wanted = workspace.settings.model.name
    return wanted if wanted in models else models[0]


def _session(request) -> str:
    return getattr(request, "session_hash", None) or "default"


def mount(server, workspace: Workspace, auth=None, access: Access | None = None, audit: AuditLog | None = None):
    """Mount the chat window at / of a FastAPI app (serve.py runs it beside the API and gives `auth`, the login
    check, and with accounts `access` and `audit`)."""
    import gradio as gr

    s = workspace.settings
    theme = gr.themes.Default(font=["system-ui", "ui-sans-serif", "sans-serif"], font_mono=["ui-monospace", "monospace"])
    demo = build(workspace, access, audit)
    demo.queue(default_concurrency_limit=1)
    root = gr.mount_gradio_app(
        server, demo, path="", theme=theme, css=_CSS, js=_JS, footer_links=[], auth=auth,
        auth_message="Log in to the document assistant" if auth else None, max_file_size=f"{s.server.max_upload_mb}mb",
    )
    # Gradio checks that a file an event receives was uploaded (not any server path) only once the app has
    # "launched", which mount_gradio_app never marks; launch() does. Without it, a queue/join naming
    # /etc/... or a corpus file of another collection in a FileData path was copied and served back.
    demo.has_launched = True
    root.add_middleware(NoRemoteFetch)  # the server fetches no URL a client names (webguard.py)
    return root, demo
