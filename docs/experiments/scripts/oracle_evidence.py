"""How far the bundled model gets when retrieval is perfect: MultiHop-RAG dev questions answered from
their gold evidence alone.

For N answerable dev questions of each type (random.Random(5)), the model reads one passage per
evidence sentence, which is that sentence alone under its article's title and header (outlet, date,
author): the most favourable passages a retriever could give. The answers go through
the product's prompt, model and strict scorer (Yes/No by first word, entities by containment). It
bounds what any retrieval improvement can bring with this model. Not part of the product.

    .venv/bin/python docs/experiments/scripts/oracle_evidence.py -n 30 --out /tmp/oracle.jsonl
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections import defaultdict
from pathlib import Path

from assistant.app import App
from assistant.citations import is_abstention
from assistant.config import ROOT, load_settings
from assistant.eval import scoring
from assistant.ingest.loaders import header_metadata
from assistant.records import Passage

MH = ROOT.parent / "shared" / "bench" / "multihop"
TYPES = ("inference_query", "comparison_query", "temporal_query")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=30, help="questions of each type")
    ap.add_argument("--out", type=Path, required=True, help="a JSON line per question")
    args = ap.parse_args()
    questions = [json.loads(line) for line in (MH / "questions.jsonl").open()]
    rng = random.Random(5)
    picked = [q for t in TYPES for q in rng.sample([q for q in questions if q["split"] == "dev" and q["type"] == t], args.n)]
    app = App(load_settings())
    generator, prompts, settings = app.generator, app.service.prompts, app.settings
    right: dict[str, list[bool]] = defaultdict(list)
    with args.out.open("w") as out:
        for q in picked:
            passages = _passages(q["evidence"], q["sources"])
            start = time.perf_counter()
            answer = generator.complete(prompts.messages(q["question"], passages), settings.model.max_tokens, 0.0, settings.model.seed).strip()
            ok = scoring.is_correct(answer, is_abstention(answer), q["keywords"], q["answer"], True)
            right[q["type"]].append(ok)
            out.write(json.dumps({"id": q["id"], "type": q["type"], "reference": q["answer"], "answer": answer,
                                  "correct": ok, "seconds": round(time.perf_counter() - start, 2)}) + "\n")
    total = [ok for oks in right.values() for ok in oks]
    print(" ".join(f"{t} {sum(v)}/{len(v)}" for t, v in right.items()), f"all {sum(total)}/{len(total)}")


def _passages(evidence: list[str], sources: list[str]) -> list[Passage]:
    """Each evidence sentence as a passage of the article that holds it (whitespace ignored, as the
    scorer matches evidence), else of the i-th source; each article read once."""
    texts = {s: (MH / "corpus" / s).read_text(encoding="utf-8") for s in sources}
    held = scoring.relevance(list(texts.items()), sources, evidence)  # per article, the evidence it holds
    out = []
    for i, fact in enumerate(evidence):
        source = next((s for s, found in zip(texts, held) if i in found), sources[min(i, len(sources) - 1)])
        text = texts[source]
        title = text.lstrip().split("\n", 1)[0].lstrip("# ").strip()
        header = header_metadata(text).replace(" · ", "\n")
        out.append(Passage(source=source, text=f"{title}\n{header}\n{fact}", score=1.0, title=title))
    return out


if __name__ == "__main__":
    main()
