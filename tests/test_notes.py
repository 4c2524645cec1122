"""An answer's notes: one plain-text rendering shared by the CLI, the chat window and the API; and the one
place a conversation's turns are added."""

from __future__ import annotations

import pytest

from assistant.conversation import with_turn
from assistant.notes import notes
from assistant.records import Answer, Passage, Sentence, Timings, Turn


def answer(**fields) -> Answer:
    base = dict(question="q", answer="a", abstained=False, citations=[], passages=[], model="m",
                timings=Timings(total_s=1.0))
    return Answer(**{**base, **fields})


def test_a_plain_supported_answer_has_no_notes():
    assert notes(answer(sentences=[Sentence(text="a", citations=[1], supported=True, support=0.9)])) == []


@pytest.mark.parametrize("fields, note", [
    ({"abstained": True, "abstain_reason": "weak_evidence"}, "No passage is close enough to the question"),
    ({"abstained": True, "abstain_reason": "model"}, "The model found no answer in the passages."),
    ({"abstained": True, "abstain_reason": "unsupported", "withheld": "X is Y [1]."},
     "No cited passage supports the model's answer, so it was withheld: X is Y [1]."),
    ({"abstained": True, "abstain_reason": "restated", "withheld": "The tower is the tower."},
     "The model's answer only repeated the question, so it was withheld: The tower is the tower."),
    ({"abstained": True, "abstain_reason": "off_subject", "withheld": "PostgreSQL holds 2000 columns [1]."},
     "cites only documents that never mention what the question names, so it was withheld: PostgreSQL holds"),
    ({"abstained": True, "abstain_reason": "unknown_name", "unknown_names": ["Zanzibar", "Quist"]},
     "No indexed document mentions Zanzibar, Quist."),
    ({"standalone_question": "When did Mossgrove Bakery open?"}, "Searched for: When did Mossgrove Bakery open?"),
    ({"sentences": [Sentence(text="Made up.", citations=[1], supported=False, support=0.1)]},
     "Not supported by the passage it cites: Made up."),
    ({"second_look": True}, "second look"),
    ({"left_out": [Passage(source="s", text="t", score=0.1)] * 2}, "2 lower-ranked passage(s) left out"),
    ({"stopped": True}, "Stopped before the end."),
])
def test_each_note_says_what_happened(fields, note):
    assert any(note in n for n in notes(answer(**fields)))


def test_the_cli_prints_the_same_notes_in_brackets(capsys):
    from assistant.cli import _print_sources

    shown = answer(abstained=True, abstain_reason="restated", withheld="W.", stopped=True)
    _print_sources(shown)
    printed = capsys.readouterr().out
    assert all(f"({n})" in printed for n in notes(shown)) and len(notes(shown)) == 2


def test_turns_are_added_under_the_standalone_question_and_never_for_an_abstention():
    first = [Turn(question="Who runs the bakery?", answer="Ada [1].")]
    kept = with_turn(first, "When did it open?", answer(answer="2019 [1].", standalone_question="When did the bakery open?"))
    assert kept == first + [Turn(question="When did the bakery open?", answer="2019 [1].")]
    assert with_turn(first, "Why?", answer(abstained=True)) == first and with_turn(first, "Why?", None) == first
