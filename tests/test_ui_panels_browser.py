"""The chat window's panels in a real browser: two collections, the settings panel (model per message),
[n] markers that jump to their passage, a cited document opened whole at its place, the queue place
of a waiting user, and documents that try to inject markup. Real models, real Chromium."""

from __future__ import annotations

import pytest

from assistant.app import Workspace
from assistant.config import load_settings
from tests.support.corpus import copy_test_corpus
from tests.support.servers import free_port

pytestmark = [pytest.mark.browser, pytest.mark.model, pytest.mark.servers]
HOSTILE = """# Harbour notice

The harbour master of Vellholm is Ingrid Solvang.
<img src="http://evil.example/pixel.png"> <script>document.title='pwned'</script>
![tracker](http://evil.example/tracker.png) [click me](http://evil.example/phish)
"""


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    from assistant.serve import serve

    root = tmp_path_factory.mktemp("ui-panels")
    corpus = copy_test_corpus(root)
    (corpus / "harbour.md").write_text(HOSTILE)
    recipes = root / "recipes"
    recipes.mkdir()
    (recipes / "bread.md").write_text("# Rye bread\n\nThe rye loaf of the Vellholm bakery rests for 14 hours "
                                      "before it is baked at 230 degrees.\n")
    port = free_port()
    workspace = Workspace(load_settings(paths__data_dir=root / "data", paths__corpus_dir=corpus, server__port=port,
                                        store__collections={"recipes": recipes}))
    for app in workspace.apps():
        app.ingest()
    server = serve(workspace, block=False)
    yield server.url
    server.close()


def ask(page, question: str, timeout: int = 240_000) -> str:
    page.locator("#question textarea").fill(question)
    page.locator("#ask").click()
    page.wait_for_selector("#chat .message .by", timeout=timeout)
    return page.locator("#chat .message").last.inner_text()


def test_settings_choose_the_model_and_each_answer_names_it(served, browser, artifacts):
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    page.goto(served)
    page.get_by_text("Settings").click()
    page.locator("#model input").click()
    page.get_by_role("option", name="qwen2.5-coder-0.5b").click()
    answer = ask(page, "Who designed the present Karsk Point lighthouse tower?")
    assert "answered by qwen2.5-coder-0.5b" in answer
    page.screenshot(path=str(artifacts / "settings.png"))
    page.close()


def test_markers_jump_to_their_passage_and_open_the_whole_document(served, browser, artifacts):
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(served)
    answer = ask(page, "Who designed the present Karsk Point lighthouse tower?")
    assert "Ruskvik" in answer and "answered by qwen2.5-coder-1.5b" in answer
    page.locator("#chat a.cite").first.click()
    page.wait_for_selector("#sources .passage.flash", timeout=5_000)  # the marker's passage, flashed
    page.locator("#sources a.open-doc").first.click()
    page.wait_for_selector("#document-view mark#doc-mark", timeout=30_000)
    whole = page.locator("#document-view #document").inner_text()
    assert "burned down in 1911" in whole and "museum, open from June" in whole  # the whole document
    assert "Ruskvik" in page.locator("#doc-mark").inner_text()  # the cited place, marked
    page.screenshot(path=str(artifacts / "open-document.png"))
    assert all(u.startswith(served) for u in requests), [u for u in requests if not u.startswith(served)]
    page.close()


def test_a_second_collection_is_one_choice_away(served, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    page.goto(served)
    question = "How long does the rye loaf rest?"
    page.locator("#question textarea").fill(question)  # typed before the choice: kept, and asked there
    page.locator("#collection input").click()
    with page.expect_response(lambda r: "recipes" in (r.request.post_data or "") and "/queue/" not in r.url):
        page.get_by_role("option", name="recipes").click()  # the choice's reset, answered before the question
    assert page.locator("#question textarea").input_value() == question
    answer = ask(page, question)
    assert "14" in answer and "recipes" in answer
    assert "bread.md" in page.locator("#sources").inner_text()
    page.get_by_role("tab", name="Documents").click()
    page.wait_for_selector("#documents td:has-text('bread.md')", timeout=30_000)
    assert "lighthouse.md" not in page.locator("#documents").inner_text()
    page.close()


def test_a_waiting_user_sees_their_place_in_the_queue(served, browser, artifacts):
    first, second = (browser.new_page(viewport={"width": 1280, "height": 900}) for _ in range(2))
    for page in (first, second):
        page.goto(served)
    first.locator("#question textarea").fill("Describe the Karsk Point lighthouse, its history, its keeper and its museum.")
    first.locator("#ask").click()
    first.wait_for_selector("#sources h3:has-text('Searching')", timeout=120_000)
    second.locator("#question textarea").fill("When does the orchard society press cider?")
    second.locator("#ask").click()
    second.wait_for_selector("text=/queue: 1\\/\\d/", timeout=30_000)  # Gradio's "queue: 1/1" on the waiting chat
    second.screenshot(path=str(artifacts / "queue.png"))
    first.locator("#stop").click()
    second.wait_for_selector("#chat .message .by", timeout=240_000)
    for page in (first, second):
        page.close()


def test_markup_in_documents_and_answers_stays_text(served, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(served)
    ask(page, "Who is the harbour master of Vellholm? Quote the harbour notice exactly, with its image and link.")
    assert "harbour.md" in page.locator("#sources").inner_text()
    assert page.locator("#chat img[src*='evil'], #sources img, #chat a[href*='evil'], #sources a[href*='evil']").count() == 0
    assert page.title() != "pwned"
    assert all(u.startswith(served) for u in requests), [u for u in requests if not u.startswith(served)]
    page.close()
