"""Follow-up rewriting, measured: 20 hand-written conversations of one exchange and a follow-up that leans
on it ("Which outlet reported it?"). A rewrite counts when it holds, for each group of words, one of them
(the subject the follow-up's "it", "she" or "there" stands for). The first five are the follow-ups of
`make bench`'s reuse section (their first questions shortened), the sixth the real-model test's; the
rest were written for this measure. Not part of the product.

    .venv/bin/python docs/experiments/scripts/rewrites.py [--prompts DIR ...]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from assistant.app import App
from assistant.config import ROOT, load_settings
from assistant.prompts import Prompts
from assistant.records import Turn

CASES = [
    ("What did TSMC accelerate?", "CoPoS has been accelerated by TSMC.", "Which outlet reported it?", [["copos", "tsmc", "packaging"]]),
    ("What is named as a source of lock-in?", "Nvidia's CUDA software ecosystem controlled by Nvidia is named as a source of lock-in.", "Which company controls it?", [["cuda"]]),
    ("What did the South Korean president call for?", "The South Korean president called for a 'Korean AI ecosystem'.", "What did he call for?", [["president", "lee"]]),
    ("What kind of company did Taiwan enter a partnership with in France?", "Taiwan entered a partnership with a leading French drone company.", "In which country is that company?", [["drone", "french"]]),
    ("Which country is South Korea studying as a model?", "South Korea is studying Taiwan as a model for decentralizing semiconductor production.", "Why is chip production concentrated there a risk?", [["taiwan"]]),
    ("Who built the present Karsk Point lighthouse tower?", "The engineer Oda Ruskvik built the present stone tower in 1923.", "How tall is it?", [["lighthouse", "tower"]]),
    ("Which embedding model embeds the chunks?", "The all-MiniLM-L6-v2 model embeds the chunks.", "How many dimensions does it have?", [["minilm"]]),
    ("How large is the file of the qwen2.5-coder-0.5b model?", "The file is 491 MB.", "Where do I put it?", [["qwen2.5-coder-0.5b", "model", "file"]]),
    ("Which setting offloads model layers to a GPU?", "The n_gpu_layers setting does.", "Which value offloads all of them?", [["layers"]]),
    ("Which command rebuilds the index after changing the embedder?", "assistant ingest --rebuild rebuilds the index.", "How long does it take?", [["rebuild", "ingest"]]),
    ("Who designed the harbour bridge?", "Lena Falk designed the harbour bridge.", "Where did she study?", [["falk"]]),
    ("What is the Mossgrove Bakery known for?", "It is best known for its cardamom knots.", "Who founded it?", [["mossgrove", "bakery"]]),
    ("Which company makes the H100 GPU?", "Nvidia makes the H100.", "Where is the company based?", [["nvidia"]]),
    ("Who leads the Karsk Point lighthouse society?", "Mira Dahl leads the society.", "When did she join it?", [["dahl"], ["society"]]),
    ("What did South Korea announce in June?", "South Korea announced a sovereign AI plan.", "How much will it cost?", [["plan"]]),
    ("Which country hosts TSMC's largest fabs?", "Taiwan hosts them.", "Why is production concentrated there?", [["taiwan"]]),
    ("Which newspaper first reported the merger of Alpha and Beta?", "The Daily Ledger first reported the merger.", "When did they publish it?", [["ledger"], ["merger"]]),
    ("What is the default chunk size?", "The default chunk size is 200 word pieces.", "Can I change it?", [["chunk size"]]),
    ("Who designed the harbour bridge?", "Lena Falk designed the harbour bridge.", "What is the capital of Norway?", [["capital of norway"]]),
    ("What did the council approve?", "The council approved the new ferry terminal.", "Who opposed it?", [["terminal"]]),
]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--prompts", type=Path, nargs="+", default=[ROOT / "prompts"], help="prompt folders to compare")
    args = ap.parse_args()
    service = App(load_settings()).service  # the rewrite needs only the model
    for folder in args.prompts:
        service.prompts = Prompts(folder)
        right = 0
        for question, answer, follow_up, groups in CASES:
            rewrite = service.rewrite(follow_up, [Turn(question=question, answer=answer)])
            ok = all(any(w in rewrite.lower() for w in group) for group in groups)
            right += ok
            print(f"{'ok ' if ok else 'MISS'} {follow_up} -> {rewrite}")
        print(f"{folder}: {right} of {len(CASES)}")


if __name__ == "__main__":
    main()
