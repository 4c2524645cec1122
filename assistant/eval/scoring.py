"""Pure scorers: one answer or ranking against one question, and bootstrap intervals.

Keyword rule (FORMAT.md): correct when, for every inner list, the answer
contains one of its strings, case-insensitively, starting on a word boundary.
The right edge is left open because the sets use stems ("geopolitic",
"volatil"). Where the reference answer is Yes or No, only the answer's first
word counts. An unanswerable question is answered correctly by abstaining.

Retrieval: a passage is relevant when it contains an evidence span (whitespace and
table bars `|` removed on both sides, so a table's layout, which the readers may
change, does not decide) if the question lists evidence, else when its source is
an expected source. The same matching tells which evidence the model read
(`evidence_in_prompt`, on `Answer.read`).
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence

from assistant.eval.types import KS

_WORD = re.compile(r"[a-z]+")


def contains_keyword(answer: str, keyword: str) -> bool:
    return re.search(r"(?<![a-z0-9])" + re.escape(keyword.lower()), answer.lower()) is not None


def yes_no(reference: str) -> str | None:
    words = _WORD.findall(reference.lower())
    return words[0] if len(words) == 1 and words[0] in ("yes", "no") else None


def is_correct(answer: str, abstained: bool, keywords: list[list[str]], reference: str, answerable: bool) -> bool:
    if not answerable:
        return abstained
    if abstained:
        return False
    expected = yes_no(reference)
    if expected:
        first = _WORD.findall(answer.lower())[:1]
        return first == [expected]
    return all(any(contains_keyword(answer, k) for k in group) for group in keywords)


def squash(text: str) -> str:
    """Text as evidence is matched: no whitespace, no table bars."""
    return re.sub(r"[\s|]+", "", text)


def relevance(passages: Sequence[tuple[str, str]], sources: list[str], evidence: list[str]) -> list[set[int]]:
    """For each (source, text) passage in rank order, the set of evidence indexes it holds
    (or {0} for a passage from an expected source when the question lists no evidence)."""
    facts = [squash(e) for e in evidence]
    out = []
    for source, text in passages:
        if facts:
            body = squash(text)
            out.append({i for i, f in enumerate(facts) if f and f in body})
        else:
            out.append({0} if source in sources else set())
    return out


def retrieval_metrics(passages: Sequence[tuple[str, str]], sources: list[str], evidence: list[str],
                      ks: Sequence[int] = KS) -> dict[str, float]:
    rel = relevance(passages, sources, evidence)
    n_facts = len(evidence) or 1
    m: dict[str, float] = {}
    for k in ks:
        found = set().union(*rel[:k]) if rel[:k] else set()
        m[f"hits@{k}"] = float(bool(found))
        m[f"evidence_recall@{k}"] = len(found) / n_facts
        m[f"all_evidence@{k}"] = float(len(found) == n_facts)
        m[f"source@{k}"] = float(any(src in sources for src, _ in passages[:k]))
    first = next((i for i, r in enumerate(rel[:10]) if r), None)
    m["mrr@10"] = 0.0 if first is None else 1.0 / (first + 1)
    return m


def evidence_in_prompt(read: Sequence[str], evidence: list[str]) -> float | None:
    """The share of the evidence spans found (whitespace and bars removed on both sides) in the passages as the
    model read them; None when the question lists no evidence. Nothing read (the model was not
    asked, e.g. it abstained before) finds nothing: 0.

    >>> evidence_in_prompt(["The ferry leaves at 07:40 from the quay."], ["leaves at  07:40", "Sundays"])
    0.5
    >>> evidence_in_prompt(["| date(...) | strftime('%Y-%m-%d', ...) |"], ["date(...) |  | strftime('%Y-%m-%d'"])
    1.0
    """
    facts = [squash(e) for e in evidence if squash(e)]
    if not facts:
        return None
    body = "\n".join(squash(t) for t in read)
    return sum(f in body for f in facts) / len(facts)


def citation_precision(cited_sources: list[str], sources: list[str]) -> float | None:
    if not cited_sources:
        return None
    return sum(s in sources for s in cited_sources) / len(cited_sources)


def mean(values: Sequence[float]) -> float | None:
    vals = [v for v in values if v is not None]
    return sum(vals) / len(vals) if vals else None


def bootstrap_ci(values: Sequence[float], rounds: int = 1000, seed: int = 0) -> tuple[float, float] | None:
    """95% percentile interval of the mean, resampling questions with replacement."""
    vals = [v for v in values if v is not None]
    if not vals:
        return None
    rng = random.Random(seed)
    n = len(vals)
    means = sorted(sum(rng.choice(vals) for _ in range(n)) / n for _ in range(rounds))
    return means[int(0.025 * rounds)], means[int(0.975 * rounds) - 1]
