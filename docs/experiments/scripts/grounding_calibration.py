"""Replay grounding.py's after-model rules over saved eval runs at other thresholds (no model).

    PYTHONPATH=. .venv/bin/python docs/experiments/scripts/grounding_calibration.py QUESTIONS.jsonl:RUN_DIR ...

For each run (an `assistant eval` results folder), every row where the model wrote an answer (shown or
withheld) is judged again sentence by sentence with `min_support` in a grid; a row the rules would withhold
counts as an abstention. Prints, per run and threshold, the score with a false abstention costing as much as
a wrong answer (correct answers + correct abstentions, over all questions), and the mean over runs, each run
weighing the same. Rows abstained before the model, or refused by it, keep their outcome.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from assistant import grounding
from assistant.eval.scoring import is_correct

GRID = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6)


def rows(run: Path) -> list[dict]:
    """A finished run's rows (results.json), or those an unfinished one wrote so far (rows.jsonl)."""
    if (run / "results.json").exists():
        return json.loads((run / "results.json").read_text())["questions"]
    return [json.loads(line) for line in (run / "rows.jsonl").read_text().splitlines() if line.strip()]


def keyed(questions: Path) -> dict[str, dict]:
    return {q["id"]: q for q in map(json.loads, questions.read_text().splitlines()) if q}


def outcome(row: dict, q: dict, min_support: float) -> bool:
    text = row.get("withheld") if row.get("abstained") else row.get("answer")
    if not text or row.get("abstain_reason") in ("unknown_name", "weak_evidence", "model"):
        return bool(row["correct"])
    question = row.get("standalone_question") or row["question"]
    passages = [p["text"] for p in row["passages"]]
    judged = [grounding.judge(s, question, passages) for s in grounding.split_sentences(text)]
    kept = any(grounding.grounded(j, question, min_support) for j in judged)
    if not kept:
        return not row["answerable"]
    return is_correct(text, False, q["keywords"], q["answer"], row["answerable"])


def main(pairs: list[str]) -> None:
    table: dict[float, list[float]] = {}
    names = []
    for pair in pairs:
        questions, run = (Path(x) for x in pair.split(":"))
        qs, rs = keyed(questions), rows(run)
        names.append(run.name)
        for t in GRID:
            table.setdefault(t, []).append(sum(outcome(r, qs[r["id"]], t) for r in rs) / len(rs))
    print("min_support  " + "  ".join(n[:14].ljust(14) for n in names) + "  mean")
    for t, scores in table.items():
        print(f"{t:<11}  " + "  ".join(f"{s:<14.3f}" for s in scores) + f"  {sum(scores) / len(scores):.3f}")


if __name__ == "__main__":
    main(sys.argv[1:])
