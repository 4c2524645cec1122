"""Check the real-documents question set against the fetched corpus, with the assistant's own loaders.

For every question: the file parses as a question set (assistant.eval.questions);
each source exists and loads (assistant.ingest.loaders.load); each evidence span
is found, whitespace and table bars ignored as the scorer does (eval.scoring), in the loaded
text of one of the question's sources; an answerable question has sources and
evidence, an unanswerable one has neither. For an unanswerable question, the
terms in its `absent` field (an extra field the eval ignores) must occur in no
file of the corpus, case-insensitively: a cheap guard that a document added
later does not answer it. Exits 1 and lists every problem; prints a summary.

Does not run retrieval or the model, and does not fetch anything (fetch.py does).

    PYTHONPATH=$PWD .venv/bin/python eval/realdocs/check.py [--corpus eval-out/realdocs/corpus]
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections import Counter
from pathlib import Path

from assistant.errors import AssistantError
from assistant.eval.questions import load_questions
from assistant.eval.scoring import squash
from assistant.ingest.loaders import load

HERE = Path(__file__).resolve().parent



def check(questions_path: Path, corpus: Path) -> tuple[list[str], list]:
    problems: list[str] = []
    questions = load_questions(questions_path)
    texts: dict[str, str] = {}
    for path in sorted(p for p in corpus.rglob("*") if p.is_file() and not p.name.startswith(".")):
        try:
            texts[path.relative_to(corpus).as_posix()] = load(path, corpus).text
        except AssistantError as exc:
            problems.append(f"corpus: {exc}")
    squashed = {name: squash(text) for name, text in texts.items()}
    lowered = {name: text.lower() for name, text in texts.items()}
    raw = {q.id: q for q in questions}
    extra = _extra_fields(questions_path)
    for q in raw.values():
        if q.answerable and (not q.sources or not q.evidence):
            problems.append(f"{q.id}: answerable but lists no sources or no evidence")
        if not q.answerable and (q.sources or q.evidence or q.keywords):
            problems.append(f"{q.id}: unanswerable but lists sources, evidence or keywords")
        if q.split not in ("dev", "test"):
            problems.append(f"{q.id}: split is {q.split!r}, not dev or test")
        for source in q.sources:
            if source not in texts:
                problems.append(f"{q.id}: source {source} is not in {corpus} (run fetch.py)")
        for span in q.evidence:
            if not any(squash(span) in squashed.get(s, "") for s in q.sources):
                problems.append(f"{q.id}: evidence not found in {', '.join(q.sources)}: {span[:80]!r}")
        for term in extra.get(q.id, {}).get("absent", []):
            hits = [name for name, text in lowered.items() if term.lower() in text]
            if hits:
                problems.append(f"{q.id}: unanswerable, but {term!r} occurs in {', '.join(hits)}")
        if not q.answerable and not extra.get(q.id, {}).get("absent"):
            problems.append(f"{q.id}: unanswerable without 'absent' terms to check")
    return problems, questions


def _extra_fields(path: Path) -> dict[str, dict]:
    import json

    rows = (json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
    return {row["id"]: row for row in rows}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--questions", type=Path, default=HERE / "questions.jsonl")
    p.add_argument("--corpus", type=Path, default=Path("eval-out/realdocs/corpus"))
    args = p.parse_args(argv)
    if not args.corpus.is_dir():
        print(f"check.py: no corpus at {args.corpus}: run eval/realdocs/fetch.py first", file=sys.stderr)
        return 2
    logging.disable(logging.WARNING)  # quiet library warnings while every file is loaded
    problems, questions = check(args.questions, args.corpus)
    extra = _extra_fields(args.questions)
    formats = Counter(Path(s).suffix for q in questions for s in q.sources)
    print(f"{len(questions)} questions: " + ", ".join(f"{t} {n}" for t, n in sorted(Counter(q.type for q in questions).items())))
    print("splits: " + ", ".join(f"{s} {n}" for s, n in sorted(Counter(q.split for q in questions).items())))
    print("follow-ups with history: " + str(sum(bool(extra[q.id].get("history")) for q in questions)))
    print("sources cited by format: " + ", ".join(f"{f} {n}" for f, n in sorted(formats.items())))
    for line in problems:
        print(f"PROBLEM {line}")
    print(f"{len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
