"""The answer service with a scripted generator and fixed passages: exact assertions on the
context budget, abstention reasons, follow-up rewriting, stopping and citation spans.
The same paths run with the real model in test_grounding_real.py."""

from __future__ import annotations

import threading

import pytest

from assistant.answer import AnswerService
from assistant.budget import fit
from assistant.config import ROOT, load_settings
from assistant.errors import ContextError
from assistant.prompts import Prompts
from assistant.records import Passage, Turn
from tests.support.fakes import ScriptedGenerator, FixedRetriever

PASSAGES = [
    Passage(source="lighthouse.md", text="The tower was built in 1923. It is 31 metres tall.", score=0.8, heading="History"),
    Passage(source="bakery.txt", text="The bakery is best known for its cardamom knots.", score=0.6),
    Passage(source="orchard.md", text="The orchard society presses cider on the first Saturday of October. " * 3, score=0.4),
]


def service(*replies, passages=PASSAGES, context_window=4096, unknown=(), retriever_astray=(), **settings):
    gen = ScriptedGenerator(*replies, context_window=context_window)
    s = load_settings(**{"retrieval__top_k": 3, "model__max_tokens": 100, **settings})
    retriever = FixedRetriever(passages, unknown, retriever_astray)
    return AnswerService(retriever, gen, Prompts(ROOT / "prompts"), s), gen


def test_fit_keeps_a_prefix_and_refuses_when_the_rules_alone_overflow():
    assert fit([40, 30, 50], fixed=20, room=100) == (2, 90)
    assert fit([40, 30, 50], fixed=20, room=200) == (3, 140)
    with pytest.raises(ContextError, match="raise n_ctx"):
        fit([10], fixed=120, room=100)


def test_budget_drops_the_lowest_ranked_passage_first_and_says_so():
    svc, gen = service("The tower was built in 1923 [1].")
    full = svc.ask("When was the tower built?")
    assert [p.source for p in full.passages] == ["lighthouse.md", "bakery.txt", "orchard.md"] and full.left_out == []
    # a window just too small for the third passage's 36 words
    window = full.timings.prompt_tokens + 100 - 10
    svc, gen = service("The tower was built in 1923 [1].", context_window=window)
    answer = svc.ask("When was the tower built?")
    assert [p.source for p in answer.passages] == ["lighthouse.md", "bakery.txt"]
    assert [p.source for p in answer.left_out] == ["orchard.md"]
    assert "cider" not in gen.calls[0][1]["content"]  # the model never saw it
    assert answer.timings.prompt_tokens <= window - 100


def test_a_window_too_small_for_the_question_is_a_clear_error():
    svc, _ = service("x", context_window=150)
    with pytest.raises(ContextError, match="context window"):
        svc.ask("When was the tower built?")


def test_citations_carry_the_supporting_span():
    svc, _ = service("The tower is 31 metres tall [1].")
    [citation] = svc.ask("How tall is the tower?").citations
    assert citation.source == "lighthouse.md" and citation.span == "It is 31 metres tall."
    assert citation.text[citation.span_start:citation.span_end] == citation.span


@pytest.mark.parametrize("reply, reason", [
    ("The documents don't say.", "model"),
    ("The tower is painted purple and green [2].", "unsupported"),
    ("The colour of the tower is the colour of the tower [1].", "restated"),  # says nothing the question did not
])
def test_abstention_reasons(reply, reason):
    svc, _ = service(reply)
    answer = svc.ask("What colour is the tower?")
    assert answer.abstained and answer.abstain_reason == reason
    assert answer.answer == "The documents don't say." and answer.citations == []
    assert [p.source for p in answer.passages][0] == "lighthouse.md"  # the closest passages are listed
    # what a check withheld is kept for review; the model's own refusal withholds nothing
    assert answer.withheld == (reply if reason != "model" else None)


def test_a_name_no_document_mentions_abstains_without_asking_the_model():
    svc, gen = service("never used", unknown=["Ingrid"])
    answer = svc.ask("What did Ingrid paint on the tower?")
    assert answer.abstained and answer.abstain_reason == "unknown_name" and gen.calls == []
    assert answer.unknown_names == ["Ingrid"] and answer.answer == "The documents don't say."
    assert [p.source for p in answer.passages][0] == "lighthouse.md"  # the closest passages are listed
    # switched off, the model is asked
    svc, gen = service("The tower is 31 metres tall [1].", unknown=["Ingrid"], answer__unknown_names=False)
    answer = svc.ask("How tall did Ingrid say the tower is?")
    assert not answer.abstained and answer.unknown_names == [] and len(gen.calls) == 1


def test_weak_evidence_abstains_without_asking_the_model():
    svc, gen = service("never used", answer__min_score=0.9)
    answer = svc.ask("What colour is the tower?")
    assert answer.abstain_reason == "weak_evidence" and gen.calls == []


def test_an_unsupported_answer_is_kept_when_the_switch_is_off():
    svc, _ = service("The tower is painted purple and green [2].", answer__min_support=0)
    answer = svc.ask("What colour is the tower?")
    assert not answer.abstained and answer.sentences[0].supported is False


def test_a_restated_question_is_kept_when_the_switch_is_off_and_a_choice_is_no_restatement():
    reply = "The colour of the tower is the colour of the tower [1]."
    svc, _ = service(reply, answer__restated=False)
    assert svc.ask("What colour is the tower?").answer == reply
    svc, _ = service("The tower is older [1].")  # every word from the question, but it picks one of two
    assert not svc.ask("Is the tower or the bakery older?").abstained


def test_a_bare_yes_is_not_judged_but_one_supported_sentence_is_enough():
    svc, _ = service("Yes [1].")
    assert not svc.ask("Was the tower built in 1923?").abstained
    svc, _ = service("The tower is 31 metres tall [1]. It is painted purple [1].")
    answer = svc.ask("How tall is the tower?")
    assert not answer.abstained and [x.supported for x in answer.sentences] == [True, False]


def test_a_follow_up_is_rewritten_before_retrieval():
    svc, gen = service("How tall is the lighthouse tower?", "The tower is 31 metres tall [1].")
    history = [Turn(question="When was the lighthouse tower built?", answer="It was built in 1923 [1].")]
    events = list(svc.stream("And how tall is it?", history))
    assert events[0].kind == "rewrite" and events[0].text == "How tall is the lighthouse tower?"
    assert svc.retriever.queries == ["How tall is the lighthouse tower?"]
    rewrite_prompt = gen.calls[0][0]["content"]
    assert "User: When was the lighthouse tower built?\nAssistant: It was built in 1923." in rewrite_prompt
    assert rewrite_prompt.endswith("Follow-up: And how tall is it?\nStandalone question:")
    answer = events[-1].answer
    assert answer.question == "And how tall is it?" and answer.standalone_question == "How tall is the lighthouse tower?"


def test_a_rewrite_that_starts_with_a_label_line_takes_the_question_after_it():
    # the 0.5B model answered "Conversation:" on its first line (found by bench/load.py)
    svc, _ = service("Conversation:\nWho leads team 3 of the harbour?", "Ragna leads it [1].")
    answer = svc.ask("And who leads that team?", [Turn(question="What is team 3's code word?", answer="dune [1].")])
    assert answer.standalone_question == "Who leads team 3 of the harbour?"


def test_a_rewrite_about_something_else_falls_back_to_the_thread_itself():
    # the 0.5B model rewrote "And who leads that team?" as "User: What did the company do?" (bench/load.py):
    # retrieval then searched for a question nobody asked, and the answer abstained
    svc, _ = service("User: What did the company do?", "Ragna leads it [1].")
    answer = svc.ask("And who leads that team?", [Turn(question="What is team 3's code word?", answer="dune [1].")])
    assert answer.standalone_question == "What is team 3's code word? And who leads that team?"
    assert svc.retriever.queries == [answer.standalone_question]


def test_no_rewrite_without_history_or_when_switched_off():
    svc, gen = service("The tower was built in 1923 [1].")
    assert svc.ask("When was the tower built?").standalone_question is None
    svc, gen = service("The tower was built in 1923 [1].", answer__rewrite_followups=False)
    answer = svc.ask("And when?", [Turn(question="q", answer="a")])
    assert answer.standalone_question is None and len(gen.calls) == 1


def test_stop_ends_the_generation_and_releases_the_model():
    svc, gen = service("The tower was built in 1923 [1]. It is 31 metres tall [1]. It is white and old and tall [1].")
    stop = threading.Event()
    tokens = []
    for event in svc.stream("When was the tower built?", stop=stop):
        if event.kind == "token":
            tokens.append(event.text)
            stop.set()  # after the first shown sentence
        answer = event.answer
    assert tokens == ["The tower was built in 1923 [1]."] and answer.stopped and not answer.abstained
    assert answer.answer == "The tower was built in 1923 [1]."  # what was shown, nothing more
    assert gen.closed  # the model's stream was closed, so its lock is free for the next request


def test_a_refusal_from_the_first_passages_gets_a_second_look_with_more():
    """top_k 1 first; the model says the documents don't say; asked again with 3 passages, whose prompt begins
    like the first (so a real model finds it cached); the refusal is never shown, the answer streams."""
    svc, gen = service("The documents don't say.", "The bakery is known for cardamom knots [2].", retrieval__top_k=1, answer__second_look_k=3)
    events = list(svc.stream("What is the bakery known for?"))
    answer = events[-1].answer
    assert [e.kind for e in events if e.kind != "token"] == ["passages", "passages", "answer"]
    assert [len(e.passages) for e in events if e.kind == "passages"] == [1, 3]
    shown = "".join(e.text for e in events if e.kind == "token")
    assert "documents don't say" not in shown and shown.startswith("The bakery is known")
    assert not answer.abstained and answer.second_look and answer.citations[0].source == "bakery.txt"
    assert len(answer.passages) == 3 and answer.timings.first_token_s is not None
    first, second = (gen.calls[0][-1]["content"], gen.calls[1][-1]["content"])
    passage_one = first.split("Question:")[0].strip()
    assert second.startswith(passage_one)  # the second prompt extends the first: its prefix stays cached


def test_an_answer_from_the_first_passages_is_streamed_sentence_by_sentence_and_asked_once():
    svc, gen = service("The tower is 31 metres tall [1]. It was built in 1923 [1].", retrieval__top_k=1,
                       answer__second_look_k=3)
    events = list(svc.stream("How tall is the tower?"))
    tokens = [e.text for e in events if e.kind == "token"]
    assert tokens == ["The tower is 31 metres tall [1].", " It was built in 1923 [1]."]
    assert all(e.sentence is not None and e.sentence.supported for e in events if e.kind == "token")
    assert len(gen.calls) == 1 and not events[-1].answer.second_look and len(events[-1].answer.passages) == 1
    assert events[-1].answer.timings.first_sentence_s is not None


def test_a_second_refusal_abstains_and_shows_the_sentence_once():
    svc, gen = service("The documents don't say.", "The documents don't say.", retrieval__top_k=1, answer__second_look_k=3)
    events = list(svc.stream("Who founded the orchard society?"))
    answer = events[-1].answer
    assert answer.abstained and answer.abstain_reason == "model" and answer.second_look
    assert "".join(e.text for e in events if e.kind == "token").count("documents don't say") == 1
    svc, gen = service("The documents don't say.", retrieval__top_k=1, answer__second_look_k=0)  # off: one pass
    assert svc.ask("Who founded the orchard society?").abstained and len(gen.calls) == 1


def test_a_sentence_naming_a_figure_no_passage_holds_is_never_shown():
    svc, _ = service("It is 99 metres wide [1]. The tower is 31 metres tall [1]. It cost 5000 crowns [1].")
    events = list(svc.stream("How tall is the tower?"))
    shown = "".join(e.text for e in events if e.kind == "token")
    answer = events[-1].answer
    assert shown == answer.answer == "The tower is 31 metres tall [1]."
    assert "99 metres" in answer.withheld and "5000 crowns" in answer.withheld


def test_an_answer_citing_only_documents_off_the_questions_subject_is_withheld_and_never_streamed():
    reply = "The tower is 31 metres tall [1]."
    svc, _ = service(reply, retriever_astray={"lighthouse.md"})
    events = list(svc.stream("How tall is the Vellholm tower?"))
    answer = events[-1].answer
    assert answer.abstained and answer.abstain_reason == "off_subject" and answer.withheld == reply
    assert "".join(e.text for e in events if e.kind == "token") == "The documents don't say."
    svc, _ = service(reply, retriever_astray={"lighthouse.md"}, answer__subject=False)  # switched off
    assert svc.ask("How tall is the Vellholm tower?").answer == reply
