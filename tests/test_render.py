"""Fast tests of what the chat window and the API make of answers: inert text, [n] links, sources text,
and how an OpenAI message list becomes a question and a conversation."""

from __future__ import annotations

import re

import pytest

from assistant.api import conversation, sources_text
from assistant.records import Answer, Citation, Passage, Sentence, Timings
from assistant.ui import inert, render_answer, render_document, render_sources
from assistant.records import Document


def _answer(text: str, **extra) -> Answer:
    cite = Citation(n=1, source="a.md", text="Alpha beta. Gamma delta.", heading="A", span_start=0, span_end=11)
    return Answer(question="q", answer=text, abstained=False, citations=[cite], model="m", timings=Timings(),
                  passages=[Passage(source="a.md", text="Alpha beta. Gamma delta.", score=0.5)],
                  sentences=[Sentence(text=text, citations=[1], supported=True)], **extra)


@pytest.mark.parametrize("hostile", [
    "<img src=http://evil.example/x.png>", "![x](http://evil.example/x.png)", "<script>alert(1)</script>",
    "[click](http://evil.example)", "<a href='http://evil.example'>x</a>",
])
def test_document_and_model_text_cannot_form_markup(hostile):
    shown = inert(hostile)
    assert "<" not in shown and "](" not in shown and "![" not in shown


def test_markers_become_links_to_their_passage_and_the_model_is_named():
    shown = render_answer(_answer("Alpha is beta [1]. Not <b>bold</b> [2]."), "docs")
    assert "<a href='#src-1' class='cite'>[1]</a>" in shown and "&lt;b&gt;" in shown
    assert "answered by m · docs" in shown


def test_an_entity_survives_the_markdown_escaping():
    assert inert("it's & <ok>") == "it's &amp; &lt;ok&gt;"


def test_the_document_view_marks_the_place_and_escapes_the_rest():
    doc = Document(source="a.md", title="A", text="one <two>\nthree four", content_hash="x")
    shown = render_document(doc, 4, 9, current=False)
    assert "<mark id='doc-mark'>&lt;two&gt;</mark>" in shown and "changed since it was indexed" in shown


def test_sources_text_lists_each_citation_with_its_span():
    text = sources_text(_answer("Alpha is beta [1]."))
    assert text == "\n\nSources:\n[1] a.md (A): \u201cAlpha beta.\u201d"


def test_messages_become_a_question_and_its_conversation():
    question, turns = conversation([
        {"role": "system", "content": "be brief"},
        {"role": "user", "content": "Who built it?"}, {"role": "assistant", "content": "Oda [1]."},
        {"role": "user", "content": [{"type": "text", "text": "How tall"}, {"type": "text", "text": "is it?"}]},
    ])
    assert question == "How tall is it?" and [(t.question, t.answer) for t in turns] == [("Who built it?", "Oda [1].")]
    with pytest.raises(ValueError, match="last message"):
        conversation([{"role": "assistant", "content": "hi"}])


def test_the_sources_panel_says_why_an_answer_was_withheld():
    withheld = _answer("The documents don't say.", abstain_reason="restated", withheld="The tower is the tower [1].")
    withheld.abstained = True
    shown = render_sources(withheld)
    assert "only repeated the question, so it was withheld" in shown and "Closest passages" in shown
    assert "only repeated" not in render_sources(_answer("Alpha is beta [1]."))


@pytest.mark.parametrize("text, plain", [
    ("see https://evil.example/x", "https&#58;//evil.example/x"),
    ("or www.evil.example/docs", "www&#46;evil.example"),
    ("mail ops@evil.example", "ops&#64;evil.example"),
])
def test_bare_addresses_in_an_answer_stay_plain_text(text, plain):
    # the chat's Markdown renderer links bare URLs, www. names and e-mail addresses; an entity stops it
    assert plain in inert(text)
    record = Answer(question="q", answer=text, abstained=True, model="m", citations=[], passages=[], timings=Timings())
    assert plain in render_answer(record)


def test_messages_that_are_not_text_are_refused_by_name():
    cases = [([{"role": "user", "content": 5}], "messages[0].content"),
             ([{"role": "user", "content": [{"text": 5}]}], "messages[0].content"),
             (["hi"], "messages[0]")]
    for messages, says in cases:
        with pytest.raises(ValueError, match=re.escape(says)):
            conversation(messages)
    with pytest.raises(ValueError, match="at most 100"):
        conversation([{"role": "user", "content": "x" * 101}], limit=100)
