"""Sub-queries written by the language model (the retrieval issue's "splitting a multi-part question
into sub-queries with the local model"), measured.

For N answerable dev questions of MultiHop-RAG (shuffled with random.Random(3)), the bundled model
writes one search query per fact the question asks about; each is searched with the default
pipeline and the lists are fused with the whole question's by reciprocal rank (k = 60; the whole
question's weight is --whole-weight, each sub-query's 1). Retrieval metrics before and after, and the seconds the model took per question. Not
part of the product: it measured a step that was not kept.

    .venv/bin/python docs/experiments/scripts/llm_split.py --data-dir /tmp/mh-tok3 -n 60
"""

from __future__ import annotations

import argparse
import random
import time
from pathlib import Path

from assistant.app import App
from assistant.config import ROOT, load_settings
from assistant.eval import scoring
from assistant.eval.questions import load_questions, select

MH = ROOT.parent / "shared" / "bench" / "multihop"
CANDIDATES, RRF_K = 60, 60
INSTRUCTION = (
    "Split the question into the separate facts it asks about. Write one short search query per fact, "
    "one per line, two to four lines, and nothing else.\n\n"
    "Example:\nQuestion: Did the Harbour Times report that the bridge opened in May, while the City Post "
    "said it cost $4 million?\nQueries:\nHarbour Times bridge opened in May\nCity Post bridge cost $4 million\n\n"
    "Question: {question}\nQueries:"
)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data-dir", type=Path, required=True, help="an index of the MultiHop corpus")
    ap.add_argument("-n", type=int, default=60)
    ap.add_argument("--whole-weight", type=float, default=1.0, help="the whole question's weight in the fusion")
    args = ap.parse_args()
    app = App(load_settings(paths__data_dir=args.data_dir), (MH / "corpus").resolve())
    retriever, generator = app.service.retriever, app.service.generator
    questions = [q for q in select(load_questions(MH / "questions.jsonl"), split="dev") if q.answerable]
    random.Random(3).shuffle(questions)
    questions = questions[: args.n]
    totals: dict[str, dict[str, float]] = {"whole question": {}, "with the model's sub-queries": {}}
    seconds, counts = [], []
    for q in questions:
        whole = retriever.search(q.question, CANDIDATES)
        start = time.perf_counter()
        reply = generator.complete([{"role": "user", "content": INSTRUCTION.format(question=q.question)}], 96, 0.0, 42)
        seconds.append(time.perf_counter() - start)
        subs = [line.strip(" -*\u2022\t") for line in reply.splitlines() if line.strip(" -*\u2022\t")][:4]
        counts.append(len(subs))
        fused: dict[str, float] = {}
        passages = {}
        lists = [(args.whole_weight, whole)] + [(1.0, retriever.search(s, CANDIDATES)) for s in subs]
        for weight, ranked in lists:
            for rank, p in enumerate(ranked, 1):
                key = f"{p.source}#{p.char_start}"
                passages.setdefault(key, p)
                fused[key] = fused.get(key, 0.0) + weight / (RRF_K + rank)
        split = [passages[k] for k in sorted(fused, key=fused.__getitem__, reverse=True)]
        for name, ranked in (("whole question", whole), ("with the model's sub-queries", split)):
            m = scoring.retrieval_metrics([(p.source, p.text) for p in ranked], q.sources, q.evidence, ks=(4, 10))
            for key, value in m.items():
                totals[name][key] = totals[name].get(key, 0.0) + value / len(questions)
    for name, t in totals.items():
        print(name, " ".join(f"{k} {t[k]:.3f}" for k in ("hits@4", "hits@10", "mrr@10", "evidence_recall@10", "all_evidence@10")))
    print(f"sub-queries per question: {sum(counts) / len(counts):.1f}; model seconds per question: "
          f"median {sorted(seconds)[len(seconds) // 2]:.1f}, mean {sum(seconds) / len(seconds):.1f}")


if __name__ == "__main__":
    main()
