"""An answer's notes as plain text: the one rendering the command line, the chat window and the API share.

A note says something about how the answer came to be that the answer text does not: what was
searched for, why the assistant abstained, what a check withheld, which sentences no cited
passage supports, what was left out of the prompt, whether a second look was taken, whether
the user stopped it. Pure: an Answer in, sentences out, in a fixed order; each entry point only
decides how to show them (the CLI in brackets, the chat window as HTML-escaped paragraphs, the
API as a list). It does not render passages or citations.

    >>> from assistant.records import Answer, Timings
    >>> a = Answer(question="Who founded Zanzibar Bakery?", answer="The documents don't say.", abstained=True,
    ...            citations=[], passages=[], model="m", timings=Timings(total_s=1.0),
    ...            abstain_reason="unknown_name", unknown_names=["Zanzibar"])
    >>> notes(a)
    ['No indexed document mentions Zanzibar.']
"""

from __future__ import annotations

from assistant.records import Answer

_WHY = {  # why the assistant abstained, for the reasons the other notes do not already explain
    "weak_evidence": "No passage is close enough to the question to answer from (setting 'answer.min_score').",
    "model": "The model found no answer in the passages.",
}


def notes(answer: Answer) -> list[str]:
    """The answer's notes, in a fixed order; none for a plain, fully supported answer."""
    out = []
    if answer.standalone_question:
        out.append(f"Searched for: {answer.standalone_question}")
    if answer.unknown_names:
        out.append(f"No indexed document mentions {', '.join(answer.unknown_names)}.")
    if answer.abstain_reason in _WHY:
        out.append(_WHY[answer.abstain_reason])
    out += _withheld(answer)
    if not answer.abstained:
        out += [f"Not supported by the passage it cites: {s.text}" for s in answer.sentences if not s.supported]
    if answer.second_look:
        out.append("The first passages held no answer, so the model took a second look at more of them.")
    if answer.left_out:
        out.append(f"{len(answer.left_out)} lower-ranked passage(s) left out: no room in the context window.")
    if answer.stopped:
        out.append("Stopped before the end.")
    return out


def _withheld(answer: Answer) -> list[str]:
    if answer.abstain_reason == "restated":
        why = "The model's answer only repeated the question, so it was withheld"
    elif answer.abstain_reason == "off_subject":
        why = ("The model's answer cites only documents that never mention what the question names, so it was "
               "withheld")
    elif answer.abstain_reason == "unsupported":
        why = "No cited passage supports the model's answer, so it was withheld"
    else:
        return []
    return [f"{why}: {answer.withheld}" if answer.withheld else f"{why}."]
