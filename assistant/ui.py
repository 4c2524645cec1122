"""The chat window: the only module that imports gradio.

A Gradio Blocks page with a streaming chat on the left and the cited passages
on the right. It calls the same AnswerService as the CLI, with the
conversation so far, so a follow-up ("and how tall is it?") keeps the thread.
Each answer shows its checked citations: sentences no cited passage supports
are flagged, and every cited passage is shown with its supporting span
highlighted. A stop button ends a generation; "New conversation" forgets the
history. Air-gapped: analytics are off (see offline.py), no share link, no
share button, no API footer, and a system-font theme so the page loads no web
fonts. Document and model text is HTML-escaped before display. Binding to
anything but loopback is refused unless a username and password are set, and
then the page asks for them (compared in constant time).
"""

from __future__ import annotations

import html
import ipaddress
import re
import threading

from assistant.app import App
from assistant.errors import AssistantError, ConfigError
from assistant.records import Answer, Turn

_CSS = """
#sources .passage { border-left: 3px solid #6366f1; padding: 4px 10px; margin: 8px 0 14px; white-space: pre-wrap; }
#sources .where, #sources .note { color: #555; font-size: 0.9em; }
#sources mark { background: #fde68a; padding: 0 1px; }
.unsupported { text-decoration: underline dotted #b91c1c; color: #7f1d1d; }
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
        return html.escape(_reflow(text))
    before, span, after = text[:start], text[start:end], text[end:]
    return f"{html.escape(_reflow_part(before))}<mark>{html.escape(_reflow_part(span))}</mark>{html.escape(_reflow_part(after))}"


def _reflow(text: str) -> str:
    """Join the hard-wrapped lines of a paragraph; keep blank lines between paragraphs."""
    return re.sub(r"[ \t]*(?<!\n)\n(?!\n)[ \t]*", " ", text.strip())


def _reflow_part(text: str) -> str:
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

    with gr.Blocks(title="Document assistant") as demo:
        gr.Markdown("## Ask your documents\nAnswers come only from the indexed documents, with the passages they cite.")
        turns = gr.State([])
        with gr.Row():
            with gr.Column(scale=3):
                chat = gr.Chatbot(label="Conversation", height=520, buttons=["copy"], elem_id="chat")
                with gr.Row():
                    box = gr.Textbox(placeholder="Ask a question about your documents…", show_label=False, scale=5, elem_id="question")
                    send = gr.Button("Ask", variant="primary", scale=1, elem_id="ask")
                    stop = gr.Button("Stop", variant="stop", scale=1, elem_id="stop")
                new = gr.Button("New conversation", size="sm", elem_id="new")
            with gr.Column(scale=2):
                sources = gr.HTML(_EMPTY_SOURCES, elem_id="sources")
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
