"""Verified streaming on the real server: neither the API nor the chat window ever shows a sentence that the
checks then take back. The model is a scripted stand-in that writes slowly (so the stream is watched while
it is written); retrieval, the server, the `openai` client and the browser are real."""

from __future__ import annotations

import time

import openai
import pytest

from assistant.app import Workspace
from assistant.config import load_settings
from tests.support.corpus import copy_test_corpus
from tests.support.fakes import ScriptedGenerator
from tests.support.servers import free_port

pytestmark = [pytest.mark.servers, pytest.mark.embedder]
QUESTION = "When was the Karsk Point lighthouse tower electrified?"
INVENTED = "The tower was electrified in 4711 by Oda Ruskvik [1]. It cost 88 crowns [1]."
GROUNDED = "The present stone tower was built in 1923 by Oda Ruskvik [1]."


class SlowScript(ScriptedGenerator):
    """A scripted model that takes its time over each word, as a real one does."""

    def warm(self, messages):
        pass

    def stream(self, messages, max_tokens, temperature, seed, stop=None):
        for word in super().stream(messages, max_tokens, temperature, seed, stop):
            time.sleep(0.05)
            yield word


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    from assistant.serve import serve

    root = tmp_path_factory.mktemp("verified")
    corpus = copy_test_corpus(root)
    port = free_port()
    settings = load_settings(paths__data_dir=root / "data", paths__corpus_dir=corpus, server__port=port,
                             model__warm_up=False, answer__second_look_k=0)
    workspace = Workspace(settings)
    workspace.app().ingest()
    script = SlowScript(*([INVENTED, GROUNDED] * 4))
    workspace.engines._generators[settings.model.name] = script  # the stand-in answers every request
    server = serve(workspace, block=False)
    yield f"http://127.0.0.1:{port}", script
    server.close()


def test_the_api_never_streams_a_withheld_answer(served):
    url, script = served
    client = openai.OpenAI(base_url=f"{url}/v1", api_key="none", max_retries=0, timeout=120)
    script.replies[:] = [INVENTED, GROUNDED]
    stream = client.chat.completions.create(model="corpus", messages=[{"role": "user", "content": QUESTION}],
                                            stream=True)
    pieces = [c.choices[0].delta.content or "" for c in stream if c.choices]
    text = "".join(pieces)
    assert "4711" not in text and "88 crowns" not in text and "The documents don't say." in text
    stream = client.chat.completions.create(model="corpus", messages=[{"role": "user", "content": QUESTION}],
                                            stream=True)
    text = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
    assert text.startswith(GROUNDED)  # a grounded answer streams as written


@pytest.mark.browser
def test_the_chat_window_never_shows_a_withheld_answer(served, browser):
    url, script = served
    script.replies[:] = [INVENTED]
    page = browser.new_page()
    page.goto(url)
    page.locator("#question textarea").fill(QUESTION)
    page.locator("#ask").click()
    seen = []
    deadline = time.time() + 60
    while time.time() < deadline:  # watch the answer while it is written
        messages = page.locator("#chat .message")
        if messages.count() >= 2:
            seen.append(messages.last.inner_text())
        if page.locator("#sources h3").count() and "Closest" in page.locator("#sources").inner_text():
            break
        time.sleep(0.1)
    final = page.locator("#chat .message").last.inner_text()
    assert "The documents don't say." in final
    assert len(seen) > 3 and not any("4711" in s or "crowns" in s for s in seen)
    page.close()
