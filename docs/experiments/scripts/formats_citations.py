"""The formats set's answers by format, and whether each right answer cites the right file and the passage
holding its evidence span (the start of a span, whitespace and case aside). Reads one run's rows.jsonl.
Not part of the product.

    .venv/bin/python docs/experiments/scripts/formats_citations.py OUT/rows.jsonl
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

QUESTIONS = Path(__file__).resolve().parents[3] / "eval" / "formats" / "questions.jsonl"


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def main(rows_path: str) -> None:
    questions = {q["id"]: q for q in map(json.loads, QUESTIONS.open())}
    by_type: dict[str, list[int]] = {}
    for row in map(json.loads, open(rows_path)):
        q = questions[row["id"]]
        cites = row.get("citations", [])
        right_file = any(c["source"] in q["sources"] for c in cites)
        right_place = any(c["source"] in q["sources"] and any(norm(e)[:60] in norm(c["text"]) for e in q.get("evidence", []))
                          for c in cites)
        counts = by_type.setdefault(q["type"], [0, 0, 0, 0])
        for i, hit in enumerate((True, row["correct"], row["correct"] and right_file, row["correct"] and right_place)):
            counts[i] += bool(hit)
        if not (row["correct"] and right_place):
            print(row["id"], q["type"], "correct" if row["correct"] else "wrong", "file" if right_file else "-",
                  "place" if right_place else "-", row["answer"][:90])
    total = [sum(c[i] for c in by_type.values()) for i in range(4)]
    print("questions {}, correct {}, and citing the right file {}, and the evidence's passage {}".format(*total))
    for kind, c in sorted(by_type.items()):
        print(f"  {kind}: {c[1]} of {c[0]} correct, {c[2]} right file, {c[3]} evidence's passage")


if __name__ == "__main__":
    main(sys.argv[1])
