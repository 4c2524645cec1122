"""A conversation's memory: which exchanges a follow-up question sees. The one place turns are added.

An exchange is kept under the question as retrieval saw it (a follow-up rewritten into a
standalone question, when it was), so the next rewrite reads a self-contained thread; an
answer the assistant abstained from is not kept, so a refusal never becomes context. Pure:
it returns a new list and does not store, trim or render anything (the CLI's chat loop keeps
the list, the chat window keeps it in its session state).

    >>> from assistant.records import Answer, Timings
    >>> a = Answer(question="When did it open?", answer="In 2019 [1].", abstained=False, citations=[],
    ...            passages=[], model="m", timings=Timings(total_s=1.0),
    ...            standalone_question="When did Mossgrove Bakery open?")
    >>> [t.question for t in with_turn([], "When did it open?", a)]
    ['When did Mossgrove Bakery open?']
"""

from __future__ import annotations

from assistant.records import Answer, Turn


def with_turn(turns: list[Turn], question: str, answer: Answer | None) -> list[Turn]:
    """The turns with this exchange added, unless there was no answer or the assistant abstained."""
    if answer is None or answer.abstained:
        return list(turns)
    return [*turns, Turn(question=answer.standalone_question or question, answer=answer.answer)]
