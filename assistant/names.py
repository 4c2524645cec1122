"""The names a question uses: capitalized words that do not begin a sentence.

A question that names a person, place or organisation ("What did Indrani Roy
invest in?") can only be answered from documents that mention it. The answer
service asks the lexical index whether any document holds each name
(`LexicalIndex.unknown`) and abstains, without asking the model, when one is
held by none. Words that begin a sentence are left out (any word is capitalized
there), and so are acronyms ("USA", "Q3"), which documents often spell out.
"""

from __future__ import annotations

import re

_WORD = re.compile(r"[^\s\"\u201c\u201d(\[]+")
_TRIM = "\"'\u201c\u201d\u2018\u2019()[]{},;:?!."


def names(question: str) -> list[str]:
    """The capitalized words of the question that do not begin a sentence, acronyms aside, in order, once each."""
    found: list[str] = []
    start = True
    for m in _WORD.finditer(question):
        raw = m.group(0)
        word = raw.strip(_TRIM)
        if word and not start and word[0].isupper() and not _acronym(word) and word not in found:
            found.append(word)
        start = raw[-1] in ".?!:"
    return found


def _acronym(word: str) -> bool:
    """Two characters or more, every letter a capital: "USA", "Q3", "GPT-4"."""
    return len(word) > 1 and all(c.isupper() for c in word if c.isalpha())
