"""What the passage guard (assistant/guard.py) cuts from honest documents, measured without the model.

    .venv/bin/python bench/guard_cost.py eval-out/realdocs/corpus --questions eval/realdocs/questions.jsonl --split dev
    .venv/bin/python bench/guard_cost.py corpus

Loads every document of the folder, chunks it as ingest does (with a word count for the tokenizer), runs
each chunk through the guard as the prompt would, and prints every cut (file, rule, sentence). With a
question set, it also counts the evidence spans of the chosen split that the guarded chunks no longer
hold: an evidence span cut from every chunk that held it is an answer the guard would lose.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import assistant  # noqa: E402,F401  (offline switches first)


def _norm(text: str) -> str:
    return " ".join(text.split())


def chunks_of(folder: Path) -> list[tuple[str, str]]:
    from assistant.errors import IngestError
    from assistant.ingest.chunking import chunk_document
    from assistant.ingest.loaders import load
    from assistant.ingest.pipeline import scan

    out = []
    for path in scan(folder):
        try:
            doc = load(path, folder)
        except IngestError as exc:
            print(f"skipped: {exc}", file=sys.stderr)
            continue
        out += [(doc.source, c.text) for c in chunk_document(doc, lambda t: len(t.split()), 150, 30)]
    return out


def cuts(chunks: list[tuple[str, str]]) -> list[dict]:
    from assistant.guard import _SENTENCE, _unhide, _repeated, flagged

    found = []
    for source, text in chunks:
        text = _repeated(_unhide(text)[0])[0]
        for m in _SENTENCE.finditer(text):
            rule = flagged(m.group(0).strip())
            if rule:
                found.append({"source": source, "rule": rule, "sentence": _norm(m.group(0))[:200]})
    return found


def lost_evidence(chunks: list[tuple[str, str]], questions: Path, split: str) -> tuple[int, list[dict]]:
    from assistant.guard import defang

    guarded = [(_norm(text), _norm(defang(text)[0])) for _, text in chunks]
    spans, lost = 0, []
    for line in questions.read_text().splitlines():
        q = json.loads(line)
        if q.get("split") != split:
            continue
        for span in q.get("evidence") or []:
            spans += 1
            holders = [g for raw, g in guarded if _norm(span) in raw]
            if holders and not any(_norm(span) in g for g in holders):
                lost.append({"id": q["id"], "span": span})
    return spans, lost


def main() -> None:
    logging.disable(logging.WARNING)  # the PDF readers' font warnings
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("folder", type=Path)
    p.add_argument("--questions", type=Path)
    p.add_argument("--split", default="dev")
    args = p.parse_args()
    chunks = chunks_of(args.folder)
    found = cuts(chunks)
    out = {"folder": str(args.folder), "chunks": len(chunks), "sentences_cut": len(found), "cuts": found}
    if args.questions:
        spans, lost = lost_evidence(chunks, args.questions, args.split)
        out |= {"split": args.split, "evidence_spans": spans, "evidence_lost": len(lost), "lost": lost}
    print(json.dumps(out, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
