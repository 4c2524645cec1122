"""The names a question uses: capitalized words that do not begin a sentence, and technical terms.

A question that names a person, place or organisation ("What did Indrani Roy
invest in?") can only be answered from documents that mention it. The answer
service asks the lexical index whether any document holds each name
(`LexicalIndex.unknown`) and abstains, without asking the model, when one is
held by none. Words that begin a sentence are left out (any word is capitalized
there), and so are acronyms ("USA", "Q3"), which documents often spell out.

Technical terms are names too: an option (`--ultra`), a path (`/etc/pg_hba.conf`), a dotted or
scoped setting (`core.autocrlf`, `Acquire::Retries`), an identifier (`work_mem`). A question about
one that no document holds is about something the documents do not cover. Terms made only of
figures (`2.13.0`) or of short parts (`U.S.`, `e.g.`) are left out, and so are operators.
"""

from __future__ import annotations

import re

from assistant.grounding import TECH

_WORD = re.compile(r"[^\s\"\u201c\u201d(\[]+")
_TRIM = "\"'\u201c\u201d\u2018\u2019()[]{},;:?!."


def names(question: str, acronyms: bool = False) -> list[str]:
    """The capitalized words of the question that do not begin a sentence, in order, once each; acronyms only
    when asked for. A word with a slash ("Yes/No", "Input/Output") is a pair of words, not a name."""
    found: list[str] = []
    start = True
    for m in _WORD.finditer(question):
        raw = m.group(0)
        word = raw.strip(_TRIM)
        if word and not start and word[0].isupper() and "/" not in word and (acronyms or not _acronym(word)) \
                and word not in found:
            found.append(word)
        start = raw[-1] in ".?!:"
    return found


def _acronym(word: str) -> bool:
    """Two characters or more, every letter a capital: "USA", "Q3", "GPT-4"."""
    return len(word) > 1 and all(c.isupper() for c in word if c.isalpha())


def terms(question: str) -> list[str]:
    """The technical terms of the question, in order, once each.

    >>> terms("Does --ultra or core.autocrlf, e.g. in the U.S., change work_mem in 2.13.0?")
    ['--ultra', 'core.autocrlf', 'work_mem']
    """
    found: list[str] = []
    for raw in TECH.findall(question):
        term = raw.rstrip(".,;:?!")
        parts = re.split(r"[./:>~-]+", term)
        if re.search(r"[A-Za-z]", term) and any(len(p) >= 3 for p in parts) and term not in found:
            found.append(term)
    return found
