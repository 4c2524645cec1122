"""The chat window: the only module that imports gradio.

A Gradio Blocks page with a streaming chat on the left and the cited passages
on the right. It calls the same AnswerService as the CLI, with the
conversation so far, so a follow-up ("and how tall is it?") keeps the thread.
Each answer shows its checked citations: sentences no cited passage supports
are flagged, and every cited passage is shown with its supporting span
highlighted. A stop button ends a generation; "New conversation" forgets the
history. The Documents tab lists the index (and refused files with their
reason), uploads files (checked in uploads.py, indexed at once), removes a
document and re-indexes. Air-gapped: analytics are off (see offline.py), no share link, no
share button, no API footer, and a system-font theme so the page loads no web
fonts. Document and model text is HTML-escaped before display. Binding to
anything but loopback is refused unless a username and password are set, and
then the page asks for them (compared in constant time).
"""

from __future__ import annotations

import html
import ipaddress
import os
import re
import threading

from assistant.app import App
from assistant.errors import AssistantError, ConfigError
from assistant.ingest.loaders import SUPPORTED
from assistant.records import Answer, Turn

_CSS = """
#sources .passage { border-left: 3px solid #6366f1; padding: 4px 10px; margin: 8px 0 14px; white-space: pre-wrap; }
#sources .where, #sources .note { color: #555; font-size: 0.9em; }
#sources mark { background: #fde68a; padding: 0 1px; }
.unsupported { text-decoration: underline dotted #b91c1c; color: #7f1d1d; }
#documents table.docs { width: 100%; border-collapse: collapse; }
#documents th, #documents td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #e5e7eb; }
#documents td.error { color: #b91c1c; }
"""
_EMPTY_SOURCES = "<p class='where'>Cited passages appear here.</p>"
_STOPS: dict[str, threading.Event] = {}  # browser session -> its stop button's event


def render_sources(answer: Answer | None, passages=None) -> str:
    """HTML for the sources panel; every piece of document text is escaped."""
    notes = []
    if answer is None:
        items = [(i, p) for i, p in enumerate(passages or [], 1)]
        title = "Searching these passages…" if items else ""
    elif answer.abstained:
        items = list(enumerate(answer.passages, 1))
        title = "The documents don't hold the answer. Closest passages:"
    else:
        items = [(c.n, c) for c in answer.citations]
        title = "Sources"
    if answer is not None:
        if answer.standalone_question:
            notes.append(f"Searched for: {answer.standalone_question}")
        if answer.left_out:
            notes.append(f"{len(answer.left_out)} lower-ranked passage(s) left out: no room in the context window.")
        if answer.stopped:
            notes.append("Stopped before the end.")
        notes.append(f"Answered by {answer.model}.")
    parts = [f"<h3>{html.escape(title)}</h3>"] if title else []
    for n, item in items:
        where = f"page {item.page}" if item.page else (item.heading or f"characters {item.char_start}-{item.char_end}")
        parts.append(
            f"<div class='where'><b>[{n}]</b> {html.escape(item.source)} · {html.escape(where)}</div>"
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


def render_answer(answer: Answer) -> str:
    """The answer for the chat: escaped, with sentences no cited passage supports flagged."""
    if answer.abstained or not answer.sentences:
        return html.escape(answer.answer)
    out = []
    for sentence in answer.sentences:
        text = html.escape(sentence.text)
        if not sentence.supported:
            text = f"<span class='unsupported' title='No cited passage supports this sentence'>{text}</span> ⚠"
        out.append(text)
    return " ".join(out)


def _highlighted(item) -> str:
    """The passage, escaped and reflowed, with a citation's supporting span in <mark>."""
    start, end = getattr(item, "span_start", 0), getattr(item, "span_end", 0)
    text = item.text
    if not 0 <= start < end <= len(text) or (start, end) == (0, len(text)):
        return html.escape(_reflow(text.strip()))
    before, span, after = (html.escape(_reflow(part)) for part in (text[:start], text[start:end], text[end:]))
    return f"{before}<mark>{span}</mark>{after}"


def _reflow(text: str) -> str:
    """Join the hard-wrapped lines of a paragraph; keep blank lines between paragraphs."""
    return re.sub(r"[ \t]*(?<!\n)\n(?!\n)[ \t]*", " ", text)


def build(app: App):
    import gradio as gr  # lazy: heavy import

    def respond(message: str, history: list, turns: list, request: gr.Request):
        message = (message or "").strip()
        if not message:
            yield history, gr.skip(), "", turns
            return
        stop = _STOPS.setdefault(_session(request), threading.Event())
        stop.clear()
        history = list(history or []) + [{"role": "user", "content": message}, {"role": "assistant", "content": ""}]
        yield history, _EMPTY_SOURCES, "", turns
        past = [Turn(**t) for t in turns or []]
        try:
            for event in app.service.stream(message, past, stop=stop):
                if event.kind == "passages":
                    yield history, render_sources(None, event.passages), "", turns
                elif event.kind == "token":
                    history[-1]["content"] += html.escape(event.text)
                    yield history, gr.skip(), "", turns
                elif event.answer is not None:
                    answer = event.answer
                    history[-1]["content"] = render_answer(answer)
                    if not answer.abstained:
                        turns = list(turns or []) + [{"question": answer.standalone_question or message, "answer": answer.answer}]
                    yield history, render_sources(answer), "", turns
        except AssistantError as exc:
            history[-1]["content"] = f"Error: {html.escape(str(exc))}"
            yield history, _EMPTY_SOURCES, "", turns

    def stop_answer(request: gr.Request):
        _STOPS.setdefault(_session(request), threading.Event()).set()

    # Gradio finds the request parameter by its annotation; with postponed annotations
    # (the __future__ import) that is a string, so give it the class itself.
    respond.__annotations__["request"] = stop_answer.__annotations__["request"] = gr.Request

    def documents_view(note: str = ""):
        rows = app.documents()
        choices = [r["source"] for r in rows if not r["error"]]
        return render_documents(rows), gr.update(choices=choices, value=None), note

    def upload(files, progress=gr.Progress()):
        notes = []
        for i, path in enumerate(files or []):
            name = os.path.basename(str(path))
            progress((i, len(files)), desc=f"indexing {name}")
            try:
                with open(path, "rb") as f:
                    source, report = app.add_upload(name, f.read())
            except (AssistantError, OSError) as exc:
                notes.append(f"Refused: {exc}")
                continue
            why = report.errors.get(source)
            notes.append(f"Not indexed: {source}: {why}" if why else f"Indexed {source}.")
        return documents_view(" ".join(notes))

    def remove(source):
        if not source:
            return documents_view("Choose a document to remove.")
        try:
            app.remove_document(source)
        except AssistantError as exc:
            return documents_view(f"Error: {exc}")
        return documents_view(f"Removed {source}.")

    def reindex(progress=gr.Progress()):
        progress(0, desc="re-indexing")
        try:
            report = app.ingest()
        except AssistantError as exc:
            return documents_view(f"Error: {exc}")
        return documents_view(report.summary().splitlines()[0])

    with gr.Blocks(title="Document assistant") as demo:
        gr.Markdown("## Ask your documents\nAnswers come only from the indexed documents, with the passages they cite.")
        turns = gr.State([])
        with gr.Tab("Chat", elem_id="chat-tab"), gr.Row():
            with gr.Column(scale=3):
                chat = gr.Chatbot(label="Conversation", height=520, buttons=["copy"], elem_id="chat")
                with gr.Row():
                    box = gr.Textbox(placeholder="Ask a question about your documents…", show_label=False, scale=5, elem_id="question")
                    send = gr.Button("Ask", variant="primary", scale=1, elem_id="ask")
                    stop = gr.Button("Stop", variant="stop", scale=1, elem_id="stop")
                new = gr.Button("New conversation", size="sm", elem_id="new")
            with gr.Column(scale=2):
                sources = gr.HTML(_EMPTY_SOURCES, elem_id="sources")
        with gr.Tab("Documents", elem_id="documents-tab"):
            accepted = ", ".join(sorted(SUPPORTED))
            gr.Markdown(f"Upload {accepted} files (at most {app.settings.max_upload_mb} MB each): they are indexed "
                        "at once and become answerable. Uploads go to the `uploads` folder of the corpus.")
            uploader = gr.File(label="Upload documents", file_count="multiple", file_types=sorted(SUPPORTED),
                               elem_id="upload")
            note = gr.Markdown(elem_id="documents-note")
            with gr.Row():
                chosen = gr.Dropdown(label="Document", choices=[], elem_id="chosen", scale=3)
                drop = gr.Button("Remove", variant="stop", elem_id="remove", scale=1)
                rebuild = gr.Button("Re-index", elem_id="reindex", scale=1)
            table = gr.HTML(elem_id="documents")
        views = [table, chosen, note]
        uploader.upload(upload, uploader, views)
        drop.click(remove, chosen, views)
        rebuild.click(reindex, None, views)
        demo.load(documents_view, None, views)
        for trigger in (box.submit, send.click):
            trigger(respond, [box, chat, turns], [chat, sources, box, turns])
        # not queued: a stop must not wait behind the answer it stops
        stop.click(stop_answer, None, None, queue=False)
        new.click(lambda: ([], _EMPTY_SOURCES, "", []), None, [chat, sources, box, turns], queue=False)
    return demo


def _session(request) -> str:
    return getattr(request, "session_hash", None) or "default"


def serve(app: App, block: bool = True):
    """Launch on the configured host and port; off loopback, only behind a login."""
    import gradio as gr

    s = app.settings
    password = s.password.get_secret_value()
    if not _is_loopback(s.host) and not (s.username and password):
        raise ConfigError(
            f"setting 'host' = {s.host!r}: binding to an address other than loopback needs a login. Set "
            "ASSISTANT_USERNAME and ASSISTANT_PASSWORD (or username in assistant.toml), or keep host = "
            "127.0.0.1 and use an SSH tunnel"
        )
    auth = _checker(s.username, password) if s.username and password else None
    theme = gr.themes.Default(font=["system-ui", "ui-sans-serif", "sans-serif"], font_mono=["ui-monospace", "monospace"])
    demo = build(app)
    demo.queue(default_concurrency_limit=1)
    if block:
        print(f"chat window: http://{s.host}:{s.port}  (Ctrl-C to stop)", flush=True)
    demo.launch(
        server_name=s.host, server_port=s.port, share=False, inbrowser=False, theme=theme, css=_CSS,
        footer_links=[], prevent_thread_lock=not block, quiet=True, auth=auth,
        max_file_size=f"{s.max_upload_mb}mb",
        auth_message="Log in to the document assistant" if auth else None,
    )
    return demo


def _checker(username: str, password: str):
    """A login check that compares in constant time, so timing does not leak the secret."""
    import hmac

    def check(given_user: str, given_password: str) -> bool:
        user_ok = hmac.compare_digest(given_user.encode(), username.encode())
        password_ok = hmac.compare_digest(given_password.encode(), password.encode())
        return user_ok and password_ok

    return check


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
