"""The assistant beside LangChain's standard RAG recipe: the same corpus, embedder weights, Chroma and
questions. Ingest time, query latency and Hits@10 on the MultiHop-RAG test split (576 questions with
evidence), measured one after the other in one run.

    .venv/bin/python bench/compare.py [--shared ../shared] [--langchain-python bench/.venv-langchain/bin/python]

LangChain runs in its own environment (bench/langchain/requirements.txt says how to make it), through
bench/langchain/recipe.py. Both sides are scored here by the assistant's own scorer
(`assistant.eval.scoring`): a passage is a hit when it holds an evidence fact, whitespace removed on
both sides. Writes bench/compare.json.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import assistant  # noqa: E402,F401  (offline switches first)


def hits_at(rows: dict[str, list[str]], questions: list[dict], k: int) -> float:
    """Hits@k by the assistant's own scorer (assistant eval): some evidence fact in the top k."""
    from assistant.eval.scoring import retrieval_metrics

    found = [retrieval_metrics([("", text) for text in rows[q["id"]]], [], q["evidence"], ks=(k,))[f"hits@{k}"]
             for q in questions]
    return round(sum(found) / len(questions), 3)


def latency(times: list[float]) -> dict:
    from bench.load import percentile

    return {"p50_ms": round(1000 * percentile(times, 0.5), 1), "p95_ms": round(1000 * percentile(times, 0.95), 1)}


def ours(corpus: Path, questions: list[dict], root: Path) -> dict:
    from assistant.app import App
    from assistant.config import load_settings

    start = time.perf_counter()
    app = App(load_settings(paths__data_dir=root / "data"), corpus)
    report = app.ingest()
    ingest_s = time.perf_counter() - start
    app.service.retriever.search(questions[0]["question"], 10)  # warm
    rows, times = {}, []
    for q in questions:
        t = time.perf_counter()
        passages = app.service.retriever.search(q["question"], 10)
        times.append(time.perf_counter() - t)
        rows[q["id"]] = [p.text for p in passages]
    return {"ingest_s": round(ingest_s, 1), "chunks": report.chunks_written, "query": latency(times),
            "hits@4": hits_at(rows, questions, 4), "hits@10": hits_at(rows, questions, 10)}


def theirs(python: Path, corpus: Path, questions_file: Path, questions: list[dict], root: Path) -> dict:
    from assistant.modelfiles import embedder_path

    out = root / "langchain.json"
    subprocess.run([str(python), str(ROOT / "bench" / "langchain" / "recipe.py"), str(corpus), str(questions_file),
                    str(embedder_path()), str(out)], check=True)
    r = json.loads(out.read_text())
    rows = {row["id"]: row["passages"] for row in r["rows"]}
    return {"ingest_s": round(r["ingest_s"], 1), "chunks": r["chunks"], "query": latency(r["query_s"]),
            "hits@4": hits_at(rows, questions, 4), "hits@10": hits_at(rows, questions, 10)}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    p.add_argument("--langchain-python", type=Path, default=ROOT / "bench" / ".venv-langchain" / "bin" / "python")
    args = p.parse_args()
    corpus = args.shared / "bench" / "multihop" / "corpus"
    questions_file = args.shared / "bench" / "multihop" / "questions.jsonl"
    questions = [q for q in map(json.loads, questions_file.read_text().splitlines())
                 if q.get("split") == "test" and q.get("evidence")]
    with tempfile.TemporaryDirectory() as tmp:
        result = {"questions": len(questions), "langchain": theirs(args.langchain_python, corpus, questions_file,
                                                                  questions, Path(tmp)),
                  "assistant": ours(corpus, questions, Path(tmp))}
    result["ingest_speedup"] = round(result["langchain"]["ingest_s"] / result["assistant"]["ingest_s"], 2)
    (ROOT / "bench" / "compare.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
