"""The chat window in a real browser (Debian chromium) against careless and hostile cases (issue 25):
a bare address the model writes stays plain text, not a link to an outside host; a browser closed
mid-answer leaves the model free for the next one. Real server, Chroma, MiniLM, the small model."""

from __future__ import annotations

import pytest

from assistant.app import App
from assistant.config import load_settings
from tests.support.corpus import copy_test_corpus
from tests.support.servers import free_port

pytestmark = [pytest.mark.browser, pytest.mark.model, pytest.mark.servers]
TIMETABLE = ("# Vellholm ferry\n\nThe Vellholm ferry timetable is published at https://ferry.vellholm.example/timetable "
             "and questions go to www.vellholm.example or to ferry@vellholm.example.\n")


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    from assistant.serve import serve

    root = tmp_path_factory.mktemp("hostile-ui")
    corpus = copy_test_corpus(root)
    (corpus / "ferry.md").write_text(TIMETABLE)
    port = free_port()
    app = App(load_settings(paths__data_dir=root / "data", server__port=port, model__name="qwen2.5-coder-0.5b",
                            model__max_tokens=64), corpus)
    app.ingest()
    server = serve(app, block=False)
    yield f"http://127.0.0.1:{port}"
    server.close()


def ask(page, url: str, question: str) -> None:
    page.goto(url)
    page.locator("#question textarea").fill(question)
    page.locator("#ask").click()


def test_a_bare_address_in_an_answer_is_not_a_link(served, browser):
    page = browser.new_page()
    ask(page, served, "Where is the Vellholm ferry timetable published?")
    page.wait_for_selector("#sources .note:has-text('Answered by')", timeout=240_000)  # the answer is complete
    answer = page.locator("#chat .message").last
    assert "ferry.vellholm.example" in answer.inner_text()  # the model wrote the address...
    outside = page.eval_on_selector_all("#chat a[href]", "links => links.map(a => a.href)")
    assert [h for h in outside if not h.startswith(served)] == []  # ...and it is not a link
    page.close()


def test_a_browser_closed_mid_answer_leaves_the_model_free(served, browser):
    first = browser.new_page()
    ask(first, served, "Describe the Karsk Point lighthouse, its history, its keeper and its museum in detail.")
    first.wait_for_function("(document.querySelector('#chat .message:last-child') || {}).innerText?.length > 3",
                            timeout=120_000)
    first.close()  # gone mid-answer
    second = browser.new_page()
    ask(second, served, "When does the orchard society press cider?")
    second.wait_for_selector("#sources .note:has-text('Answered by')", timeout=120_000)  # answered, not stuck
    assert "answered by" in second.locator("#chat .message").last.inner_text()
    second.close()
