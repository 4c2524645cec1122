"""Citation spans: where in a cited passage the claim stands. Pure functions.

`best_span()` finds the passage sentence (or two) that best supports a claim, for
the highlight a reader opens; `sentence_matches()` gives the passage's sentences
and the question's words each holds, which focus.py uses too. Whether a sentence
is supported at all, and which passage it cites, is decided in grounding.py.

    >>> best_span("It opened in 1932 [1].", "Falk drew it. It opened in 1932. Rain fell.")
    (14, 32)
"""

from __future__ import annotations

import re

_MARKERS_ONLY = re.compile(r"\[(\d+)\]")
_WORD = re.compile(r"[a-z0-9][a-z0-9'-]*")
_STOP = set(
    "the a an of to in and or is are was were be been by for on at with as that this it its from which who what "
    "when where how why did does do their there they them he she his her not no".split()
)


def _content_words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in _STOP and len(w) > 2}


_PASSAGE_SENTENCE = re.compile(r"[^\s].*?(?:[.!?](?=[\s\"')\]]|$)|(?=\n[ \t]*\n)|$)", re.S)  # a hard-wrapped line runs on


def sentence_matches(query: str, passage: str) -> tuple[list[tuple[int, int]], list[set[str]], dict[str, float]]:
    """The passage's sentences (offsets), the query's words each holds, and each word's weight.

    Words match on their first six letters (founded ~ founder). A word weighs 1 / the number of the
    passage's sentences holding it, so a name found once outweighs the subject every sentence repeats.
    best_span() and focus.py rank sentences by it.
    """
    words = {w[:6] for w in _content_words(query)}
    spans = [(m.start(), m.end()) for m in _PASSAGE_SENTENCE.finditer(passage)]
    found = [{w[:6] for w in _content_words(passage[a:b])} & words for a, b in spans]
    weight = {w: 1 / max(1, sum(w in f for f in found)) for w in words}
    return spans, found, weight


def best_span(claim: str, passage: str) -> tuple[int, int]:
    """Offsets of the passage's sentence (or two adjacent sentences) that best supports `claim`.

    Each claim word found counts by its rarity in the passage (1 / the number of the
    passage's sentences holding it), so a name found once outweighs the subject that
    every sentence repeats; words match on their first six letters (founded ~ founder).
    The best single sentence wins unless it holds under half of the claim and two
    adjacent sentences hold half as much again. With no shared word, the whole passage.

        >>> best_span("It opened in 1932.", "Falk drew it. It opened in 1932. Rain fell.")
        (14, 32)
    """
    spans, found, weight = sentence_matches(_MARKERS_ONLY.sub(" ", claim), passage)
    if not any(found):
        return 0, len(passage)
    total = sum(weight.values())

    def recall(held: set[str]) -> float:
        return sum(weight[w] for w in held) / total

    i = max(range(len(spans)), key=lambda j: (recall(found[j]), -(spans[j][1] - spans[j][0])))
    best, best_recall = spans[i], recall(found[i])
    if best_recall < 0.5 and len(spans) > 1:
        j = max(range(len(spans) - 1), key=lambda j: recall(found[j] | found[j + 1]))
        if recall(found[j] | found[j + 1]) >= 1.5 * best_recall:
            best = (spans[j][0], spans[j + 1][1])
    return best
