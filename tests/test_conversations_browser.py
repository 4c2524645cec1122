"""Saved conversations in a real browser (Debian chromium).

With the real models and the small test corpus: a conversation resumed after a restart. A question asked, the
server stopped and started again on the same data folder, the conversation opened from the list, and a
follow-up whose subject only the restored turns give ("When did it open?": without the bakery, the lighthouse's
museum "open from June to August" is the closer passage). Two model answers (and the follow-up's rewrite).

With a scripted model (no model loaded, so it is quick): the panel's buttons, rename, export, delete, and a
conversation of another collection opened."""

from __future__ import annotations

import re
import time

import pytest

from assistant.app import Workspace
from assistant.config import load_settings
from assistant.conversations import FILE, NOBODY, Conversations
from tests.support.corpus import copy_test_corpus
from tests.support.servers import free_port

pytestmark = [pytest.mark.browser, pytest.mark.servers]
FIRST = "What is Mossgrove Bakery best known for?"


def start(root, corpus):
    """The real server over this data folder, on a fresh port."""
    from assistant.serve import serve

    workspace = Workspace(load_settings(paths__data_dir=root / "data", paths__corpus_dir=corpus, server__port=free_port()))
    return serve(workspace, block=False)


def saved(root, exchanges: int, timeout: float = 30):
    """The one saved conversation, once it holds this many exchanges (the page saves after the answer)."""
    store, deadline = Conversations(root / "data" / FILE), time.monotonic() + timeout
    while True:
        found = [store.get(c.id, NOBODY) for c in store.list(NOBODY)]
        if len(found) == 1 and len(found[0].exchanges) == exchanges or time.monotonic() > deadline:
            return found
        time.sleep(0.25)


@pytest.mark.model
def test_a_conversation_resumed_after_a_restart_keeps_its_follow_ups(tmp_path, browser, artifacts):
    corpus = copy_test_corpus(tmp_path)
    Workspace(load_settings(paths__data_dir=tmp_path / "data", paths__corpus_dir=corpus)).app().ingest()
    server = start(tmp_path, corpus)
    try:
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.goto(server.url)
        page.locator("#question textarea").fill(FIRST)
        page.locator("#ask").click()
        page.wait_for_selector("#sources h3:has-text('Sources')", timeout=240_000)
        assert "cardamom" in page.locator("#chat .message").last.inner_text().lower()
        [conversation] = saved(tmp_path, 1)
        assert conversation.title == FIRST and conversation.turns  # the memory a follow-up needs, on disk
        page.close()
    finally:
        server.close()

    server = start(tmp_path, corpus)  # a restart: a new process's state, the same data folder
    try:
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        requests: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        page.goto(server.url)
        assert page.locator("#chat .message").count() == 0
        page.locator("#conversation-list input").click()
        page.get_by_role("option", name=re.compile(re.escape(FIRST))).click()
        page.locator("#conversation-open").click()
        page.wait_for_selector("#sources h3:has-text('Sources')", timeout=30_000)
        assert page.locator("#chat .message .by").count() == 1 and FIRST in page.locator("#chat").inner_text()
        assert "cardamom" in page.locator("#chat .message").last.inner_text().lower()
        assert "bakery.txt" in page.locator("#sources").inner_text()
        page.locator("#sources a.open-doc").first.click()  # the restored answer's document opens, as before
        page.wait_for_selector("#document-view mark#doc-mark", timeout=30_000)
        page.screenshot(path=str(artifacts / "conversation-restored.png"))

        page.locator("#question textarea").fill("When did it open?")  # "it": only the restored turns say what
        page.locator("#ask").click()
        page.wait_for_selector("#sources .note:has-text('Searched for')", timeout=300_000)
        assert "2019" in page.locator("#chat .message").last.inner_text()
        assert "bakery" in page.locator("#sources .note").first.inner_text().lower()
        assert page.locator("#sources h3").inner_text() == "Sources" and "bakery.txt" in page.locator("#sources").inner_text()
        page.screenshot(path=str(artifacts / "conversation-follow-up.png"))
        [conversation] = saved(tmp_path, 2)
        assert [e.question for e in conversation.exchanges] == [FIRST, "When did it open?"]
        assert [c.source for c in conversation.exchanges[1].answer.citations] == ["bakery.txt"]
        assert requests and all(u.startswith(server.url) for u in requests)
        page.close()
    finally:
        server.close()


REPLY = "The rye loaf of the Vellholm bakery rests for 14 hours [1]."
RYE = "How long does the rye loaf of the Vellholm bakery rest?"


@pytest.fixture(scope="module")
def scripted(tmp_path_factory):
    """Two collections (corpus, beta); every answer the same scripted reply, no rewrite of follow-ups."""
    from tests.support.scripted import scripted_server

    root = tmp_path_factory.mktemp("conversations")
    corpus = copy_test_corpus(root)
    (root / "beta").mkdir()
    (root / "beta" / "beta-notes.md").write_text("# Rye\n\nThe rye loaf of the Vellholm bakery rests for 14 hours.\n")
    settings = load_settings(paths__data_dir=root / "data", paths__corpus_dir=corpus, server__port=free_port(),
                             store__collections={"beta": root / "beta"}, model__warm_up=False, answer__second_look_k=0,
                             answer__min_score=-1.0, answer__unknown_names=False, answer__rewrite_followups=False)
    server = scripted_server(settings, REPLY)
    yield server.url
    server.close()


def ask(page, question: str) -> None:
    count = page.locator("#chat .message .by").count()
    page.locator("#question textarea").fill(question)
    page.locator("#ask").click()
    page.wait_for_function(f"document.querySelectorAll('#chat .message .by').length > {count}", timeout=60_000)


def choose(page, title: str) -> None:
    page.locator("#conversation-list input").click()
    page.get_by_role("option", name=re.compile(re.escape(title))).click()


def options(page, count: int) -> list[str]:
    """The list's entries, once it holds `count` (it is refreshed when the answer has been saved)."""
    deadline = time.monotonic() + 30
    while True:
        box = page.locator("#conversation-list input")
        box.click()
        shown = [o.split("\n")[-1].strip() for o in page.get_by_role("option").all_inner_texts()]  # no ✓
        page.keyboard.press("Escape")
        box.blur()  # the list opens again at the next focus
        if len(shown) == count or time.monotonic() > deadline:
            return shown
        time.sleep(0.5)


def note(page, text: str) -> None:
    page.wait_for_function(f"document.querySelector('#conversation-note')?.innerText.includes({text!r})",
                           timeout=30_000)


def test_the_panel_lists_renames_exports_opens_across_collections_and_deletes(scripted, browser, artifacts):
    page = browser.new_page(viewport={"width": 1280, "height": 1200})
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(scripted)
    ask(page, RYE)
    ask(page, "And at what heat is it baked?")  # the same conversation
    page.locator("#new").click()
    page.wait_for_function("document.querySelectorAll('#chat .message').length === 0", timeout=10_000)
    ask(page, "Who keeps the rye loaf?")  # a second conversation
    shown = options(page, 2)
    assert [o.split(" · ")[0] for o in shown] == ["Who keeps the rye loaf?", RYE] and shown[0].endswith(" · corpus")

    choose(page, RYE)
    page.locator("#conversation-title textarea, #conversation-title input").fill("Rye loaf")
    page.locator("#conversation-rename").click()
    note(page, "Renamed to")
    assert [o.split(" · ")[0] for o in options(page, 2)] == ["Rye loaf", "Who keeps the rye loaf?"]  # renamed: newest

    choose(page, "Rye loaf")
    page.locator("#conversation-export").click()
    link = page.wait_for_selector("#conversation-file a[href*='Rye-loaf.md']", timeout=30_000)
    text = page.request.get(link.get_attribute("href")).text()
    assert text.startswith("# Rye loaf\n") and f"## 1. {RYE}" in text and "## 2. And at what heat is it baked?" in text
    # in corpus no passage holds the scripted "14 hours": the abstention was saved as shown, with the closest passages
    assert "The documents don't hold the answer. Closest passages:\n\n**\\[1\\] " in text and "```text\n" in text

    page.locator("#collection input").click()  # the user's choice of another collection: a new conversation
    page.get_by_role("option", name="beta", exact=True).click()
    page.wait_for_function("document.querySelectorAll('#chat .message').length === 0", timeout=10_000)
    ask(page, RYE)
    assert "beta-notes.md" in page.locator("#sources").inner_text()
    newest = options(page, 3)[0]
    assert newest.startswith(f"{RYE} · ") and newest.endswith(" · beta")

    choose(page, "Rye loaf")  # a conversation of corpus, opened from beta: the menu follows it
    page.locator("#conversation-open").click()
    note(page, "Opened")
    assert page.locator("#chat .message .by").count() == 2 and page.locator("#collection input").input_value() == "corpus"
    assert "The documents don't say.\n\nanswered by scripted · corpus" in page.locator("#chat .message").last.inner_text()
    page.get_by_role("tab", name="Documents").click()
    page.wait_for_selector("#documents td:has-text('bakery.txt')", timeout=30_000)  # corpus's documents
    page.get_by_role("tab", name="Chat").click()
    page.screenshot(path=str(artifacts / "conversations-panel.png"), full_page=True)

    choose(page, "Who keeps the rye loaf?")
    page.locator("#conversation-delete").click()
    note(page, "Deleted")
    assert [o.split(" · ")[0] for o in options(page, 2)] == [RYE, "Rye loaf"]
    assert all(u.startswith(scripted) for u in requests), [u for u in requests if not u.startswith(scripted)]
    page.close()
