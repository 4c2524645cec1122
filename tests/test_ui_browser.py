"""The chat window in a real browser (Debian chromium), with the real models and a small corpus."""

from __future__ import annotations

import pytest

from assistant.app import App
from assistant.config import load_settings
from tests.support.corpus import copy_test_corpus
from tests.support.servers import free_port

pytestmark = [pytest.mark.browser, pytest.mark.model, pytest.mark.servers]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    from assistant.serve import serve

    root = tmp_path_factory.mktemp("ui")
    corpus = copy_test_corpus(root)
    port = free_port()
    app = App(load_settings(paths__data_dir=root / "data", server__port=port), corpus)
    app.ingest()
    demo = serve(app, block=False)
    yield f"http://127.0.0.1:{port}"
    demo.close()


def test_question_streams_an_answer_with_its_cited_passage(served, browser, artifacts):
    page = browser.new_page(viewport={"width": 1280, "height": 860})
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(served)
    page.locator("#question textarea").fill("What is Mossgrove Bakery best known for?")
    page.locator("#ask").click()
    page.wait_for_selector("#sources h3:has-text('Sources')", timeout=240_000)
    answer = page.locator("#chat .message").last.inner_text()
    assert "cardamom" in answer.lower()
    sources = page.locator("#sources")
    assert "bakery.txt" in sources.inner_text()
    assert "cardamom knots" in sources.locator(".passage").first.inner_text()
    assert "cardamom knots" in sources.locator(".passage mark").first.inner_text()  # the supporting span is highlighted
    page.screenshot(path=str(artifacts / "chat.png"))

    # a follow-up keeps the thread: "it" is the bakery
    page.locator("#question textarea").fill("Who founded it?")
    page.locator("#ask").click()
    page.wait_for_selector("#sources .note:has-text('Searched for')", timeout=240_000)
    assert "Marrow" in page.locator("#chat .message").last.inner_text()
    assert "bakery" in page.locator("#sources .note").first.inner_text().lower()
    page.screenshot(path=str(artifacts / "follow-up.png"))

    # "New conversation" forgets the history
    page.locator("#new").click()
    page.wait_for_function("document.querySelectorAll('#chat .message').length === 0", timeout=10_000)
    assert requests and all(u.startswith(served) for u in requests), [u for u in requests if not u.startswith(served)]
    page.close()


def test_stop_button_ends_the_answer(served, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 860})
    page.goto(served)
    page.locator("#question textarea").fill("Describe the Karsk Point lighthouse, its history, its keeper and its museum in detail.")
    page.locator("#ask").click()
    page.wait_for_selector("#sources h3:has-text('Searching')", timeout=120_000)
    page.wait_for_function("(document.querySelector('#chat .message:last-child') || {}).innerText?.length > 3", timeout=120_000)
    page.locator("#stop").click()
    page.wait_for_selector("#sources .note:has-text('Stopped before the end')", timeout=60_000)
    page.close()


def test_upload_a_document_then_ask_about_it(served, browser, artifacts, tmp_path):
    page = browser.new_page(viewport={"width": 1280, "height": 860})
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(served)
    page.get_by_role("tab", name="Documents").click()
    page.wait_for_selector("#documents table.docs", timeout=30_000)
    assert "bakery.txt" in page.locator("#documents").inner_text()
    upload = tmp_path / "ferry.md"
    upload.write_text("# Vellholm ferry\n\nThe Vellholm ferry leaves the harbour at 07:40 every weekday.\n")
    page.locator("#upload input[type=file]").set_input_files(str(upload))
    page.wait_for_selector("#documents td:has-text('uploads/ferry.md')", timeout=120_000)
    assert "Indexed uploads/ferry.md" in page.locator("#documents-note").inner_text()
    page.screenshot(path=str(artifacts / "documents.png"))

    page.get_by_role("tab", name="Chat").click()
    page.locator("#question textarea").fill("When does the Vellholm ferry leave the harbour?")
    page.locator("#ask").click()
    page.wait_for_selector("#sources h3:has-text('Sources')", timeout=240_000)
    assert "07:40" in page.locator("#chat .message").last.inner_text()
    assert "uploads/ferry.md" in page.locator("#sources").inner_text()
    page.screenshot(path=str(artifacts / "sources.png"))
    assert requests and all(u.startswith(served) for u in requests), [u for u in requests if not u.startswith(served)]
    page.close()
