"""What the model reads: the best passages whole, the rest cut to what bears on the question; the record
keeps every passage whole (for citations) and says what the model read (Answer.read, for evidence_in_prompt)."""

from __future__ import annotations

from assistant.answer import AnswerService
from assistant.config import ROOT, load_settings
from assistant.prompts import Prompts
from assistant.records import Passage
from tests.support.fakes import FixedRetriever, ScriptedGenerator

LONG = ("The harbour board met on Monday in the old customs house by the pier. The ferry Vellholm carried 81,000 "
        "passengers last year. Ice closed the sound for nine days in February and March. The board thanked the crews "
        "of both ferries and the pilots. The new quay opens in May, after two years of building work. The chairman "
        "spoke of the winter storms and of the new timetable. Fares will rise by a tenth from the first of June.")
PASSAGES = [Passage(source=f"p{i}.txt", text=f"Passage {i} begins. " + LONG, score=0.9 - i / 10) for i in range(4)]


def test_the_best_passages_are_read_whole_and_the_rest_cut_to_the_question():
    gen = ScriptedGenerator("The ferry carried 81,000 passengers [3].")
    settings = load_settings(retrieval__top_k=4, answer__read_whole=2)
    service = AnswerService(FixedRetriever(PASSAGES), gen, Prompts(ROOT / "prompts"), settings)
    answer = service.ask("How many passengers did the ferry carry?")
    assert answer.read[:2] == [PASSAGES[0].text, PASSAGES[1].text]
    assert all(len(r) < 0.7 * len(p.text) and "81,000 passengers" in r and "timetable" not in r
               for r, p in zip(answer.read[2:], PASSAGES[2:]))
    assert [p.text for p in answer.passages] == [p.text for p in PASSAGES]  # the record keeps them whole
    prompt = gen.calls[0][1]["content"]
    assert prompt.count("81,000 passengers") == 4 and prompt.count("new timetable") == 2
    assert answer.citations[0].n == 3 and "81,000" in answer.citations[0].span
