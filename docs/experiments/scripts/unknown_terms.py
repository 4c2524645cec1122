"""Which questions of a set the unknown-name check flags for their technical terms (names.terms), with no
model: each question's terms looked up in a BM25 index (`--data DIR --collection NAME`, as `assistant
eval --data-dir` built it), or in the vocabulary of a folder's files tokenized as the index does
(`--corpus DIR`, for a set with no index at hand, such as MultiHop-RAG). Counts answerable and
unanswerable questions flagged. Not part of the product.

    .venv/bin/python docs/experiments/scripts/unknown_terms.py eval/realdocs/questions.jsonl --split dev \
        --data /work/evalcorp/data-new --collection realdocs-617f4de7
    .venv/bin/python docs/experiments/scripts/unknown_terms.py ../shared/bench/multihop/questions.jsonl \
        --split dev --corpus ../shared/bench/multihop/corpus
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

from assistant.lexical import LexicalIndex, Tokenizer, _fold
from assistant.names import terms


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("questions", type=Path)
    ap.add_argument("--split", default="")
    ap.add_argument("--data", type=Path)
    ap.add_argument("--collection", default="corpus")
    ap.add_argument("--corpus", type=Path)
    args = ap.parse_args()
    if args.corpus:
        tokenize, vocabulary = Tokenizer(), set()
        for path in args.corpus.rglob("*"):
            if path.is_file():
                vocabulary |= {_fold(t) for t in tokenize(path.read_text(errors="replace"))}
        unknown = lambda words: [w for w in words if any(_fold(t) not in vocabulary for t in tokenize(w))]  # noqa: E731
    else:
        unknown = LexicalIndex(args.data / "lexical", args.data / "manifest.sqlite", args.collection).unknown
    counts: Counter = Counter()
    for q in map(json.loads, args.questions.open()):
        if args.split and q.get("split", "dev") != args.split:
            continue
        found = terms(q["question"])
        flagged = unknown(found) if found else []
        counts[("answerable" if q.get("answerable", True) else "unanswerable", "flagged" if flagged else "not")] += 1
        if flagged:
            print(q["id"], "answerable" if q.get("answerable", True) else "unanswerable", flagged)
    print(dict(counts))


if __name__ == "__main__":
    main()
