"""Passages cut to what bears on the question, before the model reads them.

On a 2-core CPU the prompt is the cost of an answer: the 1.5B model reads about
90 tokens a second, so four whole 200-word passages cost 8-10 s before the first
word. `focus()` keeps, of each passage, the sentences that share the question's
words (rare words in the passage weigh more, by `citations.sentence_matches`,
as for citation spans), then their neighbours for context, in the passage's
own order, within a budget; gaps are marked with "…". The stored passage is unchanged: citations, spans
and the support check still use the whole text.

    >>> focus("When was the bell cast?", "The church is old. The bell was cast in 1652. Rain fell. Snow fell.", 40)
    '… The bell was cast in 1652. Rain fell. …'
"""

from __future__ import annotations

from assistant.citations import sentence_matches

GAP = "…"  # marks text left out
CHARS_PER_TOKEN = 4  # English text in the bundled models' tokenizer: about 4.2


def focus(question: str, text: str, budget_chars: int) -> str:
    """`text` cut to at most about `budget_chars` characters of the sentences that bear on `question`."""
    if len(text) <= budget_chars:
        return text
    spans, found, weight = sentence_matches(question, text)
    scores = [sum(weight[w] for w in f) for f in found]
    if not spans or not any(scores):
        return _cut(text, budget_chars)
    best = max(range(len(spans)), key=lambda i: (scores[i], -i))
    # the sentences that share words, best first; then the best one's neighbours, the window growing
    # outwards on each side until the next sentence would not fit
    keep: set[int] = set()
    used = 0

    def take(i: int) -> bool:
        nonlocal used
        size = spans[i][1] - spans[i][0] + 1
        if used + size > budget_chars and keep:
            return False
        keep.add(i)
        used += size
        return True

    for i in sorted((i for i in range(len(spans)) if scores[i] > 0), key=lambda i: (-scores[i], abs(i - best))):
        take(i)
    lo, hi, grow = best, best, [True, True]
    while any(grow):
        for side in (0, 1):
            j = hi + 1 if side else lo - 1
            if not grow[side] or not 0 <= j < len(spans):
                grow[side] = False
            elif j in keep or take(j):
                lo, hi = min(lo, j), max(hi, j)
            else:
                grow[side] = False
    pieces, last = [], None
    for i in sorted(keep):
        if last is not None and i != last + 1:
            pieces.append(GAP)
        pieces.append(text[spans[i][0]:spans[i][1]])
        last = i
    if sorted(keep)[-1] != len(spans) - 1:
        pieces.append(GAP)
    if sorted(keep)[0] != 0:
        pieces.insert(0, GAP)
    return " ".join(pieces)


def _cut(text: str, budget_chars: int) -> str:
    """No sentence shares a word with the question: the passage's opening, cut at a word."""
    return f"{text[:budget_chars].rsplit(' ', 1)[0]} {GAP}"
