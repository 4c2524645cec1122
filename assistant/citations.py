"""Citations: turn a model's raw answer into a cited, honest answer record. Pure functions.

- `[n]` markers that point at no passage are removed (and counted);
- an answer with no valid marker gets one for the passage it overlaps most, so
  every non-abstaining answer cites something, attached in code rather than
  trusted to a 1.5B model;
- `is_abstention` recognises the model saying the documents do not hold the answer.

    >>> resolve("Paris is the capital [1][7].", 2)
    ('Paris is the capital [1].', [1], 1)
"""

from __future__ import annotations

import re

_MARKER = re.compile(r"\s*\[(\d{1,3}(?:\s*,\s*\d{1,3})*)\]")
_WORD = re.compile(r"[a-z0-9][a-z0-9'-]*")
_ABSTAIN = re.compile(
    r"\b(documents?|passages?|sources?|context|text)\s+(do(es)?\s*n[o']t|do(es)?\s+not)\s+"
    r"(say|contain|mention|state|provide|include|specify|give)|"
    r"\bno (information|mention)\b|\bnot (mentioned|provided|stated|specified)\b|\bcannot be (found|determined)\b",
    re.I,
)
_STOP = set(
    "the a an of to in and or is are was were be been by for on at with as that this it its from which who what "
    "when where how why did does do their there they them he she his her not no".split()
)


def is_abstention(text: str) -> bool:
    return bool(_ABSTAIN.search(text[:300]))


def resolve(text: str, n_passages: int) -> tuple[str, list[int], int]:
    """Keep markers that name a passage 1..n_passages; return (text, cited numbers in order, dropped count)."""
    cited: list[int] = []
    dropped = 0

    def keep(match: re.Match) -> str:
        nonlocal dropped
        good = []
        for part in match.group(1).split(","):
            n = int(part)
            if 1 <= n <= n_passages:
                good.append(n)
                if n not in cited:
                    cited.append(n)
            else:
                dropped += 1
        return " " + "".join(f"[{n}]" for n in good) if good else ""

    cleaned = _MARKER.sub(keep, text)
    cleaned = re.sub(r" +([.,;:!?])", r"\1", cleaned).strip()
    return cleaned, cited, dropped


def best_overlap(text: str, passages: list[str]) -> int | None:
    """1-based number of the passage sharing most content words with text, or None if none shares any."""
    words = _content_words(text)
    if not words:
        return None
    scores = [len(words & _content_words(p)) for p in passages]
    best = max(range(len(scores)), key=lambda i: scores[i], default=None)
    return None if best is None or scores[best] == 0 else best + 1


def _content_words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in _STOP and len(w) > 2}


_MARKERS_ONLY = re.compile(r"\[(\d+)\]")
SUPPORT_THRESHOLD = 0.5  # share of a sentence's content words found in a passage; provisional
REPOINT_MARGIN = 0.2  # another passage must support a sentence this much better to take its citation


_TERM = re.compile(r"[a-z0-9][\w'-]*")  # as _WORD, but n_gpu_layers stays one word
_CHOICE = re.compile(r"\b(or|which of|who of|which one)\b", re.I)


def adds_nothing(answer: str, question: str) -> bool:
    """Whether the answer only repeats the question's own words: every content word of it (matched on its
    first six letters, a plural's s dropped) and every number in it are in the question. Such an answer
    ("The character played by X is related to the character in Y") states nothing the question did not.
    A Yes/No verdict, and the answer to a choice question ("A or B?", "which of ..."), may take all their
    words from the question.

        >>> adds_nothing("The tower was built by the city [1].", "Who built the tower?")
        False
        >>> adds_nothing("The tower's builders built the tower [1].", "Which builders built the tower?")
        True
    """
    if re.match(r"\s*(yes|no)\b", answer, re.I) or _CHOICE.search(question):
        return False
    said = _MARKERS_ONLY.sub(" ", answer)

    def terms(text: str) -> set[str]:
        found = (w.removesuffix("'s").rstrip("'") for w in _TERM.findall(text.lower()))
        return {(w[:-1] if len(w) > 3 and w.endswith("s") else w)[:6] for w in found if w not in _STOP and len(w) > 2}

    words, numbers = terms(said), _numbers(said)
    return bool(words | numbers) and words <= terms(question) and numbers <= _numbers(question)


def is_bare_verdict(sentence: str) -> bool:
    """A sentence that is only Yes or No (with markers): nothing in it to look up in a passage."""
    return _WORD.findall(_MARKERS_ONLY.sub(" ", sentence).lower()) in (["yes"], ["no"])


def split_sentences(text: str) -> list[str]:
    """Split after . ! ? (keeping any [n] markers that follow with their sentence)."""
    out, start = [], 0
    for match in re.finditer(r"[.!?](?:\s*(?:\[\d+\])+)?(?=\s+[A-Z0-9\"'(]|\s*$)", text):
        out.append(text[start : match.end()].strip())
        start = match.end()
    if text[start:].strip():
        out.append(text[start:].strip())
    return [s for s in out if s]


def support(sentence: str, passage: str) -> float:
    """Share of the sentence's content words that occur in the passage (0..1)."""
    words = _content_words(_MARKERS_ONLY.sub(" ", sentence))
    if not words:
        return 1.0
    return len(words & _content_words(passage)) / len(words)


_NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)*")  # 81,000 2024 3.5; not the 2.5 of "Qwen2.5"


def _numbers(text: str) -> set[str]:
    return {m.group().replace(",", "") for m in _NUMBER.finditer(text)}


def check_sentences(text: str, passages: list[str]) -> tuple[str, list[tuple[str, list[int], bool, float]]]:
    """Mark each sentence supported or not by the passages it cites; cite uncited supported ones.

    Returns the text (with added markers) and (sentence, cited numbers, supported, support score)
    per sentence; the score is the best cited passage's `support()`, or 0 for a sentence that states a
    number none of the passages holds (thousands separators aside; digits inside names such as
    "Qwen2.5" are not numbers). A sentence may take its figures from another passage than the one it
    cites: multi-hop answers often cite one passage for a sentence joining two.
    """
    checked = []
    figures = set().union(*map(_numbers, passages)) if passages else set()
    for sentence in split_sentences(text):
        cited = [int(n) for n in _MARKERS_ONLY.findall(sentence) if 1 <= int(n) <= len(passages)]
        if _numbers(_MARKERS_ONLY.sub(" ", sentence)) <= figures:
            scores = [support(sentence, p) for p in passages]
        else:  # it states a number that no passage holds: an invented figure, whatever its words
            scores = [0.0] * len(passages)
        best = max(range(len(scores)), key=scores.__getitem__, default=None)
        if cited:
            cited_score = max(scores[n - 1] for n in cited)
            if scores[best] >= SUPPORT_THRESHOLD and scores[best] >= cited_score + REPOINT_MARGIN:
                # the model cited the wrong passage: point the marker at the one that holds the sentence
                sentence = _MARKERS_ONLY.sub("", sentence).rstrip() + f" [{best + 1}]"
                sentence = re.sub(r"\s+([.!?])\s*(\[\d+\])$", r" \2\1", sentence)
                cited, cited_score = [best + 1], scores[best]
            ok = cited_score >= SUPPORT_THRESHOLD
        else:
            cited_score = scores[best] if best is not None else 0.0
            ok = best is not None and scores[best] >= SUPPORT_THRESHOLD
            if ok:
                cited = [best + 1]
                sentence = f"{sentence} [{best + 1}]"
        checked.append((sentence, cited, ok, round(cited_score, 3)))
    return " ".join(c[0] for c in checked), checked


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
