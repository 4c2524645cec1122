"""Grounding: every rule that can make the assistant abstain, flag a sentence or re-point a citation.

One place, a fixed order, each rule a small unit with one job; the first whole-answer rule that fires
names the answer record's `abstain_reason`. Pure functions: no model, no store.

Before the model (it is not asked when one fires), `BEFORE`:
  unknown_name   the question names something no indexed document mentions (names.py finds the names);
  weak_evidence  the best passage is far from the question: cosine below `answer.min_score`, and no passage
                 holds two thirds of the question's terms (one that does is read whatever its cosine).
Each sentence, as the model finishes it, `judge()`:
  markers        [n] is read wherever it stands, before or after the full stop; a number that names no
                 passage is dropped;
  added terms    what the sentence adds beyond the question: its figures, paths, options, operators, names
                 (the key terms) and its other words;
  support        the share of the added terms that stand in the passages it cites; every key term must (as a
                 term of the passage, or written in it: autoload.v3 in ./functions/autoload.v3);
  re-point       a key term that stands in another passage, not the cited one, moves or adds the citation; so
                 does a passage holding more of the added words when the cited ones hold under half;
  subject        a sentence that cites only titled documents never mentioning what the question names (its
                 names and technical terms; retrieve.py looks them up) is about something else: not grounded.
After the model, on the whole answer, `AFTER`:
  model          the model said the documents don't say;
  off_subject    no sentence is grounded, and some would be but for citing only documents that never mention
                 what the question names ("The largest PostgreSQL field is 14 [4]", [4] from the SQLite limits);
  unsupported    no sentence is grounded: none has `answer.min_support` of its added terms in what it
                 cites, with every figure and name (a bare Yes or No aside; min_support 0 turns it off);
  restated       the answer adds nothing to the question (every term of it is the question's own; a
                 verdict and the answer to a choice question aside).

    >>> s = judge("It first appeared in version 2.1 [1].", "When did the option first appear?",
    ...           ["The option is described in the manual."])
    >>> s.supported, s.support, s.invented
    (False, 0.0, ['2.1'])
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from assistant.records import Passage, Sentence

SUPPORTED = 0.5  # share of a sentence's added terms its citations must hold for it to show unflagged

_MARKER = re.compile(r"\[(\d{1,3})\]")
_WORD = re.compile(r"[a-z0-9][a-z0-9'-]*")
_NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,:]\d+)*")  # 81,000 2024 3.5 10:30; not the 2.5 of "Qwen2.5"
TECH = re.compile(  # a technical term: also what names.terms looks up in the index
    r"(?<![\w/~.-])(?:--?[A-Za-z][\w-]*"  # an option: --no-init-file, -X
    r"|(?:~|\.{1,2})?/[\w.+-]+(?:/[\w.+-]+)*/?"  # a path from a root: /etc/cron.deny, ~/.bashrc, ./configure
    r"|[\w.+-]+(?:/[\w.+-]+){2,}"  # a path of three parts or more: usr/share/doc (not and/or)
    r"|[A-Za-z_]\w*(?:(?:\.|::|->)[A-Za-z_]\w+)+"  # a dotted or scoped name: core.hooksPath (not e.g.)
    r"|\w+_\w+)"  # snake_case
)
_CODE = re.compile(r"(?<=['`\"])[^'`\"\s]*[%$\\^*+?|{}\[\]()<>=][^'`\"\s]*(?=['`\"])|%[A-Za-z]")  # '%Y-%m-%d', %j
# a bracketed expression with a letter: ((x1,y1),(x2,y2)), <(x,y),r>; not markers such as [1,2]
_EXPR = re.compile(r"(?<!\S)[(\[{<](?=\S*[A-Za-z])[^\s,]*,\S*[)\]}>]")
_GLUED = re.compile(r"^[A-Za-z]+(?=\.{1,2}/)")
_OPERATOR = re.compile(r"(?<![^\s`'\"(])[-+*/%<>=!&|^~:]{2,3}(?![^\s`'\",;)])")  # ** :: && >>= standing alone
_NAME = re.compile(r"(?<=[a-z0-9,;:)] )[A-Z][\w'-]*[a-z][\w'-]*")  # a capitalized word inside a sentence
_STOP = set(
    "the a an of to in and or is are was were be been by for on at with as that this it its from which who what "
    "when where how why did does do their there they them he she his her not no can could will would should may "
    "might must has have had than then also only into onto over under about after before such these those each "
    "other any all some more most one yes".split()
)
_ABSTAIN = re.compile(
    r"\b(documents?|passages?|sources?|context|text)\s+(do(es)?\s*n[o']t|do(es)?\s+not)\s+"
    r"(say|contain|mention|state|provide|include|specify|give)|"
    r"\bno (information|mention)\b|\bnot (mentioned|provided|stated|specified)\b|\bcannot be (found|determined)\b",
    re.I,
)
_REFUSAL = re.compile(  # a sentence that is the refusal itself, not one that mentions what is not specified
    r"^\W*(the\s+)?(documents?|passages?|sources?|context|text)\s+(do(es)?\s*n[o']t|do(es)?\s+not)\s+", re.I)
_CHOICE = re.compile(r"\b(or|which of|who of|which one)\b", re.I)
_VERDICT = re.compile(r"^\W*(yes|no)\b", re.I)


# --- terms ------------------------------------------------------------------------------------------

def _stem(word: str) -> str:
    """A word's first six letters, a plural's s dropped: founded ~ founder, passages ~ passage."""
    word = word.removesuffix("'s").rstrip("'")
    return (word[:-1] if len(word) > 3 and word.endswith("s") else word)[:6]


def key_terms(text: str) -> set[str]:
    """The figures, technical terms and names of a text: each must stand in a passage a sentence cites."""
    text = _MARKER.sub(" ", text)
    numbers = {m.group().replace(",", "") for m in _NUMBER.finditer(text)}
    # case kept: -X and -x are two options; a path glued to the word before it ("is./configure") is the path
    tech = {_GLUED.sub("", t.rstrip(".")) for t in TECH.findall(text)}
    names = {_stem(n.lower()) for n in _NAME.findall(text)}
    codes = set(_CODE.findall(text))  # format codes and quoted code: what a sentence adds may be only these
    operators = set(_OPERATOR.findall(text))
    return numbers | tech | names | codes | operators | set(_EXPR.findall(text))


def terms(text: str) -> set[str]:
    """Every term of a text: its key terms and its content words (stemmed)."""
    text = _MARKER.sub(" ", text)
    words = {_stem(w) for w in _WORD.findall(text.lower()) if w not in _STOP and len(w) > 2}
    return words | key_terms(text)


# --- sentences --------------------------------------------------------------------------------------

def split_sentences(text: str) -> list[str]:
    """Split after . ! ? ; a [n] marker after the full stop stays with its sentence."""
    out, start = [], 0
    for match in re.finditer(r"[.!?](?:\s*(?:\[\d+\])+)?(?=\s+[A-Z0-9\"'(`~/-]|\s*$)", text):
        out.append(text[start:match.end()].strip())
        start = match.end()
    if text[start:].strip():
        out.append(text[start:].strip())
    return [s for s in out if s]


def complete_sentences(text: str) -> tuple[list[str], str]:
    """The sentences of a reply still being written that are surely complete (the next has begun), and the
    rest."""
    parts = split_sentences(text)
    if len(parts) <= 1:
        return [], text
    rest_start = text.rfind(parts[-1])
    return parts[:-1], text[rest_start:]


def is_abstention(text: str) -> bool:
    """The model saying the documents do not hold the answer."""
    return bool(_ABSTAIN.search(text[:300]))


def is_verdict(sentence: str) -> bool:
    """A sentence that is only Yes or No (with markers): nothing in it to look up in a passage."""
    return _WORD.findall(_MARKER.sub(" ", sentence).lower()) in (["yes"], ["no"])


@dataclass(frozen=True)
class Judged:
    """A sentence as judged: its text with markers placed, what it adds, and where that stands."""

    text: str
    citations: list[int]
    added: frozenset[str]
    support: float
    invented: list[str] = field(default_factory=list)  # key terms in no passage at all
    astray: bool = False  # it cites only documents that never mention what the question names

    @property
    def supported(self) -> bool:
        return not self.invented and not self.astray and self.support >= SUPPORTED

    def record(self) -> Sentence:
        return Sentence(text=self.text, citations=self.citations, supported=self.supported,
                        support=round(self.support, 3))


def judge(sentence: str, question: str, passages: list[str], astray: frozenset[int] = frozenset()) -> Judged:
    """Judge one sentence of the answer against the passages (1-based markers) it may cite; `astray`: the
    numbers of the passages whose documents never mention what the question names."""
    marked = [int(n) for n in _MARKER.findall(sentence)]
    cited = list(dict.fromkeys(n for n in marked if 1 <= n <= len(passages)))
    bare = " ".join(_MARKER.sub(" ", sentence).split())
    bare = re.sub(r"\s+([.,;:!?])", r"\1", bare)
    asked = terms(question)
    added = frozenset(terms(bare) - asked)
    keys = key_terms(bare) - asked
    held = [terms(p) | _verbatim(keys, p) for p in passages]
    invented = sorted(k for k in keys if not any(k in h for h in held))
    cited = _repoint(cited, keys, added, held)
    union = set().union(*(held[n - 1] for n in cited)) if cited else set()
    share = len(added & union) / len(added) if added else 1.0
    if any(k not in union for k in keys):
        share = 0.0
    return Judged(_place(bare, cited), cited, added, share, invented, bool(cited) and set(cited) <= astray)


def _verbatim(keys: set[str], passage: str) -> set[str]:
    """The key terms that stand in the passage's text as written, though not as a term of their own: a name
    inside a longer path (autoload.v3 in ./functions/autoload.v3). Figures only as terms: 5 is not in 1523."""
    return {k for k in keys if not _NUMBER.fullmatch(k) and re.search(rf"(?<!\w){re.escape(k)}(?!\w)", passage)}


def _repoint(cited: list[int], keys: set[str], added: frozenset[str], held: list[set[str]]) -> list[int]:
    """The citations that hold the sentence: the model's, with any key term they lack taken from the passage
    that holds it (a correct claim cited to its neighbour is re-pointed, not withheld); an uncited sentence
    cites the passage holding most of what it adds."""

    def score(n: int) -> tuple[int, int]:
        h = held[n - 1]
        return sum(k in h for k in keys), len(added & h)

    if not cited:
        best = max(range(1, len(held) + 1), key=score, default=None)
        return [best] if best is not None and any(score(best)) else []
    out = list(cited)
    union = set().union(*(held[n - 1] for n in out))
    for key in sorted(keys - union):
        holders = [n for n in range(1, len(held) + 1) if key in held[n - 1]]
        if holders:
            best = max(holders, key=score)
            if added & union <= held[best - 1]:
                out = [best]  # the cited passages hold nothing the other lacks: the citation moves
            elif best not in out:
                out.append(best)  # each holds a part: the sentence cites both
            union = set().union(*(held[n - 1] for n in out))
    return _repoint_words(out, keys, added, held)


def _repoint_words(cited: list[int], keys: set[str], added: frozenset[str], held: list[set[str]]) -> list[int]:
    """When the cited passages hold under half of what the sentence adds and another passage holds more (with
    every key term they hold), that passage is cited: instead of them when they hold nothing it lacks."""
    union = set().union(*(held[n - 1] for n in cited))
    if not added or len(added & union) >= SUPPORTED * len(added):
        return cited
    best = max(range(1, len(held) + 1), key=lambda n: (len(added & held[n - 1]), -abs(n - cited[0])))
    if len(added & held[best - 1]) <= len(added & union) or not (keys & union) <= held[best - 1]:
        return cited
    return [best] if added & union <= held[best - 1] else [*cited, best]


def _place(text: str, cited: list[int]) -> str:
    """The sentence with its markers before the final full stop: 'It holds 50 people [1].'"""
    marks = "".join(f"[{n}]" for n in cited)
    if not marks:
        return text
    m = re.search(r"([.!?]*)$", text)
    return f"{text[:m.start()].rstrip()} {marks}{m.group(1)}"


# --- whole-answer rules -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Case:
    """What the rules look at: the question, the passages, and (after the model) its reply, judged."""

    question: str
    passages: list[Passage]
    unknown: list[str] = field(default_factory=list)
    raw: str = ""
    sentences: list[Judged] = field(default_factory=list)
    min_score: float = 0.0
    min_support: float = 0.0


def unknown_name(case: Case) -> bool:
    return bool(case.unknown)


def weak_evidence(case: Case) -> bool:
    if not case.passages:
        return True
    if max(p.score for p in case.passages) >= case.min_score:
        return False
    asked = terms(case.question)
    return not asked or max(len(asked & terms(p.text)) for p in case.passages) < len(asked) * 2 / 3


def model(case: Case) -> bool:
    return not case.raw.strip() or is_abstention(case.raw)


def grounded(s: Judged, question: str, min_support: float) -> bool:
    """A sentence that may be shown as the answer: it adds something its citations hold (or it is a verdict,
    or the answer to a choice question), and no key term of it is invented. The model saying the documents
    don't say is never one, even with a marker ("The documents don't say [1].")."""
    if _REFUSAL.match(s.text) or s.astray:
        return False
    if is_verdict(s.text) or min_support <= 0:
        return True
    if not s.added:
        return bool(_CHOICE.search(question)) or bool(_VERDICT.match(s.text))
    return not s.invented and s.support >= min_support


def off_subject(case: Case) -> bool:
    return not _any_grounded(case) and any(s.astray for s in case.sentences)


def restated(case: Case) -> bool:
    return not any(s.added for s in case.sentences) and not _any_grounded(case)


def unsupported(case: Case) -> bool:
    return any(s.added for s in case.sentences) and not _any_grounded(case)


def _any_grounded(case: Case) -> bool:
    return any(grounded(s, case.question, case.min_support) for s in case.sentences)


Rule = Callable[[Case], bool]
BEFORE: tuple[Rule, ...] = (unknown_name, weak_evidence)
AFTER: tuple[Rule, ...] = (model, off_subject, restated, unsupported)


def first_reason(rules: tuple[Rule, ...], case: Case, off: set[str] = frozenset()) -> str | None:
    """The name of the first rule (not switched off) that fires, or None."""
    for rule in rules:
        if rule.__name__ not in off and rule(case):
            return rule.__name__
    return None
