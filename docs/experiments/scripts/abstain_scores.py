"""Top retrieval score per question, for calibrating `min_score` (abstain on weak evidence).

    .venv/bin/python docs/experiments/scripts/abstain_scores.py QUESTIONS.jsonl CORPUS --data-dir DIR [--split dev|any]

Ingests CORPUS (incrementally) into DIR, retrieves the passages the model would get for
each selected question, and prints, for a range of thresholds, how many answerable
questions would be lost and how many unanswerable ones caught. Use dev questions only.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))  # the repository root

from assistant.app import App  # noqa: E402
from assistant.config import load_settings  # noqa: E402
from assistant.eval.questions import load_questions, select  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("questions", type=Path)
    p.add_argument("corpus", type=Path)
    p.add_argument("--data-dir", type=Path, required=True)
    p.add_argument("--split", default="dev", help="dev (default), test, or 'any' for sets without splits")
    p.add_argument("--out", type=Path, help="also write one JSON line per question here")
    args = p.parse_args()
    settings = load_settings(paths__data_dir=args.data_dir)
    app = App(settings, args.corpus.resolve())
    app.ingest()
    rows = []
    split = None if args.split == "any" else args.split
    for q in select(load_questions(args.questions), split, None, None, 0):
        passages = app.retriever.search(q.question, settings.retrieval.top_k)
        rows.append({"id": q.id, "type": q.type, "answerable": q.answerable,
                     "top": max((x.score for x in passages), default=0.0)})
    if args.out:
        args.out.write_text("".join(json.dumps(r) + "\n" for r in rows))
    answerable = [r["top"] for r in rows if r["answerable"]]
    null = [r["top"] for r in rows if not r["answerable"]]
    print(f"{len(answerable)} answerable, {len(null)} unanswerable ({args.split}); current min_score {settings.answer.min_score}")
    print("threshold  answerable lost  unanswerable caught")
    for t in (0.30, 0.32, 0.34, 0.36, 0.38, 0.40, 0.42, 0.45, 0.47, 0.50):
        lost = sum(a < t for a in answerable)
        caught = sum(n < t for n in null)
        print(f"{t:9.2f}  {lost:6d} ({lost / max(1, len(answerable)):.3f})  {caught:6d} ({caught / max(1, len(null)):.3f})")


if __name__ == "__main__":
    main()
