"""The chat window: the only module that imports gradio.

A Gradio Blocks page with a streaming chat on the left and the cited passages
on the right. It calls the same AnswerService as the CLI. Air-gapped: analytics
are off (see offline.py), no share link, no share button, no API footer, and a
system-font theme so the page loads no web fonts. Passages are HTML-escaped
before display. Binding to anything but loopback is refused for now: that
needs authentication, which comes with the full UI.
"""

from __future__ import annotations

import html
import ipaddress
import re

from assistant.app import App
from assistant.errors import AssistantError, ConfigError
from assistant.records import Answer

_CSS = """
#sources .passage { border-left: 3px solid #6366f1; padding: 4px 10px; margin: 8px 0 14px; white-space: pre-wrap; }
#sources .where { color: #555; font-size: 0.9em; }
"""
_EMPTY_SOURCES = "<p class='where'>Cited passages appear here.</p>"


def render_sources(answer: Answer | None, passages=None) -> str:
    """HTML for the sources panel; every piece of document text is escaped."""
    if answer is None:
        items = [(i, p) for i, p in enumerate(passages or [], 1)]
        title = "Searching these passages…" if items else ""
    elif answer.abstained:
        items = list(enumerate(answer.passages, 1))
        title = "The documents don't hold the answer. Closest passages:"
    else:
        items = [(c.n, c) for c in answer.citations]
        title = "Sources"
    parts = [f"<h3>{html.escape(title)}</h3>"] if title else []
    for n, item in items:
        where = f"page {item.page}" if item.page else (item.heading or f"characters {item.char_start}-{item.char_end}")
        parts.append(
            f"<div class='where'><b>[{n}]</b> {html.escape(item.source)} · {html.escape(where)}</div>"
            f"<div class='passage'>{html.escape(_reflow(item.text))}</div>"
        )
    return "".join(parts) or _EMPTY_SOURCES


def _reflow(text: str) -> str:
    """Join the hard-wrapped lines of a paragraph; keep blank lines between paragraphs."""
    return re.sub(r"[ \t]*(?<!\n)\n(?!\n)[ \t]*", " ", text.strip())


def build(app: App):
    import gradio as gr  # lazy: heavy import

    def respond(message: str, history: list):
        message = (message or "").strip()
        if not message:
            yield history, gr.skip(), ""
            return
        history = list(history or []) + [{"role": "user", "content": message}, {"role": "assistant", "content": ""}]
        yield history, _EMPTY_SOURCES, ""
        try:
            for event in app.service.stream(message):
                if event.kind == "passages":
                    yield history, render_sources(None, event.passages), ""
                elif event.kind == "token":
                    history[-1]["content"] += event.text
                    yield history, gr.skip(), ""
                elif event.answer is not None:
                    history[-1]["content"] = event.answer.answer
                    yield history, render_sources(event.answer), ""
        except AssistantError as exc:
            history[-1]["content"] = f"Error: {exc}"
            yield history, _EMPTY_SOURCES, ""

    with gr.Blocks(title="Document assistant") as demo:
        gr.Markdown("## Ask your documents\nAnswers come only from the indexed documents, with the passages they cite.")
        with gr.Row():
            with gr.Column(scale=3):
                chat = gr.Chatbot(label="Conversation", height=520, buttons=["copy"], elem_id="chat")
                with gr.Row():
                    box = gr.Textbox(placeholder="Ask a question about your documents…", show_label=False, scale=5, elem_id="question")
                    send = gr.Button("Ask", variant="primary", scale=1, elem_id="ask")
            with gr.Column(scale=2):
                sources = gr.HTML(_EMPTY_SOURCES, elem_id="sources")
        for trigger in (box.submit, send.click):
            trigger(respond, [box, chat], [chat, sources, box])
    return demo


def serve(app: App, block: bool = True):
    """Launch on the configured host and port; refuse non-loopback addresses."""
    import gradio as gr

    s = app.settings
    if not _is_loopback(s.host):
        raise ConfigError(
            f"setting 'host' = {s.host!r}: the chat window only binds to a loopback address (127.0.0.1) until "
            "authentication is configured; use an SSH tunnel to reach it from another machine"
        )
    theme = gr.themes.Default(font=["system-ui", "ui-sans-serif", "sans-serif"], font_mono=["ui-monospace", "monospace"])
    demo = build(app)
    demo.queue(default_concurrency_limit=1)
    if block:
        print(f"chat window: http://{s.host}:{s.port}  (Ctrl-C to stop)", flush=True)
    demo.launch(
        server_name=s.host, server_port=s.port, share=False, inbrowser=False, theme=theme, css=_CSS,
        footer_links=[], prevent_thread_lock=not block, quiet=True,
    )
    return demo
    return demo


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
