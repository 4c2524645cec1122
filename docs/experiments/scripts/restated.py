"""Calibration of the `restated` check: which answers of earlier eval runs only repeat their question.

Reads the rows.jsonl of `assistant eval --out DIR` runs, keeps the answers (not abstentions) to questions
of the chosen split (MultiHop-RAG ids by their split; any other id counts as dev), each distinct
(question, answer) once, and counts them by answerable or not, scored right or wrong, and flagged by
`citations.adds_nothing` or not. It lists the flagged answers the scorer counted right. Not part of the
product.

    .venv/bin/python docs/experiments/scripts/restated.py /tmp/*/rows.jsonl --split dev
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

from assistant.citations import adds_nothing
from assistant.config import ROOT

MH = ROOT.parent / "shared" / "bench" / "multihop" / "questions.jsonl"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("rows", type=Path, nargs="+", help="rows.jsonl files of eval runs")
    ap.add_argument("--split", default="dev")
    args = ap.parse_args()
    split = {q["id"]: q["split"] for q in map(json.loads, MH.open())} if MH.exists() else {}
    seen, counts = set(), Counter()
    for path in args.rows:
        for line in path.open():
            try:
                row = json.loads(line)
            except json.JSONDecodeError:  # a run cut off mid-line
                continue
            if row.get("abstained", True) or split.get(row["id"], "dev") != args.split:
                continue
            if (row["question"], row["answer"]) in seen:
                continue
            seen.add((row["question"], row["answer"]))
            flagged = adds_nothing(row["answer"], row.get("standalone_question") or row["question"])
            counts["answerable" if row["answerable"] else "unanswerable", "right" if row["correct"] else "wrong",
                   "flagged" if flagged else "kept"] += 1
            if flagged and row["correct"]:
                print(f"flagged, scored right: {row['id']}: {row['question']} -> {row['answer']}")
    for key, n in sorted(counts.items()):
        print(*key, n)
    print("distinct answers", sum(counts.values()))


if __name__ == "__main__":
    main()
