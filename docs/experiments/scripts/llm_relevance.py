"""The language model as a relevance scorer (the retrieval issue's "LLM relevance scoring"), measured.

For N answerable dev questions of MultiHop-RAG (shuffled with random.Random(3)), the default
pipeline's top 10 passages are each scored P(Yes) by a GGUF model ("Does the passage hold
information that helps answer the question?", the logits of "Yes" against "No"), re-ordered by
that score, and the retrieval metrics are computed before and after, with the seconds the
scoring took per question. Not part of the product: it measured a step that was not kept.

    .venv/bin/python docs/experiments/scripts/llm_relevance.py --data-dir /tmp/mh-tok2 -n 24
"""

from __future__ import annotations

import argparse
import math
import random
import time
from pathlib import Path

import numpy as np
from llama_cpp import Llama

from assistant.app import App
from assistant.config import ROOT, load_settings
from assistant.eval import scoring
from assistant.eval.questions import load_questions, select

MH = ROOT.parent / "shared" / "bench" / "multihop"
SYSTEM = "You judge whether a passage helps answer a question. Reply with Yes or No only."
K = 10


def prompt(question: str, text: str) -> str:  # Qwen's chat format, as in the bundled model's template
    return (f"<|im_start|>system\n{SYSTEM}<|im_end|>\n<|im_start|>user\nQuestion: {question}\n\nPassage:\n{text}\n\n"
            "Does the passage hold information that helps answer the question? Reply Yes or No.<|im_end|>\n"
            "<|im_start|>assistant\n")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data-dir", type=Path, required=True, help="an index of the MultiHop corpus")
    ap.add_argument("-n", type=int, default=24)
    ap.add_argument("--model", type=Path, default=ROOT / "models" / "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf")
    args = ap.parse_args()
    app = App(load_settings(paths__data_dir=args.data_dir), (MH / "corpus").resolve())
    questions = [q for q in select(load_questions(MH / "questions.jsonl"), split="dev") if q.answerable]
    random.Random(3).shuffle(questions)
    questions = questions[: args.n]
    llm = Llama(model_path=str(args.model), n_ctx=2048, n_threads=2, n_threads_batch=2, verbose=False)
    yes, no = (llm.tokenize(w, add_bos=False, special=False)[0] for w in (b"Yes", b"No"))

    def p_yes(question: str, text: str) -> float:
        tokens = llm.tokenize(prompt(question, text).encode(), add_bos=False, special=True)
        common = 0  # the system prompt and question are evaluated once per question
        for a, b in zip(llm._input_ids[: llm.n_tokens], tokens):
            if a != b:
                break
            common += 1
        llm.n_tokens = min(common, len(tokens) - 1)
        llm.eval(tokens[llm.n_tokens:])
        logits = np.ctypeslib.as_array(llm._ctx.get_logits(), shape=(llm._n_vocab,))
        return 1 / (1 + math.exp(float(logits[no]) - float(logits[yes])))

    totals: dict[str, dict[str, float]] = {"fused": {}, "llm": {}}
    seconds = []
    for q in questions:
        ranked = app.service.retriever.search(q.question, K)
        start = time.perf_counter()
        scores = [p_yes(q.question, f"{p.title}\n{p.text}" if p.title else p.text) for p in ranked]
        seconds.append(time.perf_counter() - start)
        order = sorted(range(len(ranked)), key=lambda j: (-scores[j], j))
        for name, passages in (("fused", ranked), ("llm", [ranked[j] for j in order])):
            m = scoring.retrieval_metrics([(p.source, p.text) for p in passages], q.sources, q.evidence, ks=(1, 4, 10))
            for key, value in m.items():
                totals[name][key] = totals[name].get(key, 0.0) + value / len(questions)
    for name, t in totals.items():
        print(name, " ".join(f"{k} {t[k]:.3f}" for k in ("hits@1", "hits@4", "mrr@10", "evidence_recall@4", "all_evidence@4")))
    print(f"seconds per question: median {sorted(seconds)[len(seconds) // 2]:.1f}, mean {sum(seconds) / len(seconds):.1f}")


if __name__ == "__main__":
    main()
