"""A bounded, self-stopping load test on loopback: N concurrent conversations through the API.

    .venv/bin/python bench/load.py [--conversations 16] [--model qwen2.5-coder-1.5b] [--max-tokens 96] [--out FILE]

Serves a fresh copy of the assistant (chat window and API on a free loopback port) over N small
documents, one per team, each holding facts no other holds (a code word, a leader). Each of N
threads holds one conversation through the official `openai` client, streaming: a question, then
a follow-up that only makes sense with the history ("And who leads that team?"). It checks that
every answer completes, and that none has crossed wires (answers another conversation's question,
or names a team whose document it did not cite); it counts the answers that name their own team's
facts and cite only their own document (retrieval and model accuracy, not isolation); and it reports time to first token and total latency percentiles, and peak memory.
It stops by itself: every request has a timeout, and the server is shut down at the end.
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import assistant  # noqa: E402,F401  (offline switches first)

WORDS = ["amber", "birch", "cobalt", "dune", "ember", "fjord", "garnet", "heron", "iris", "jasper", "kelp",
         "lumen", "marble", "nectar", "onyx", "pebble", "quartz", "raven", "saffron", "tundra"]
LEADERS = ["Asta", "Bror", "Cilla", "Dag", "Eira", "Frode", "Gro", "Halvar", "Idun", "Jarl", "Kari", "Leif",
           "Maren", "Njal", "Oda", "Per", "Ragna", "Sigve", "Tora", "Ulv"]


def write_corpus(folder: Path, n: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        (folder / f"team-{i:02d}.md").write_text(
            f"# Team {i + 1} of the Vellholm harbour\n\nThe code word of team {i + 1} is {WORDS[i]}. "
            f"Team {i + 1} is led by {LEADERS[i]} Solberg, who joined the harbour service in {1990 + i}.\n")


def conversation(client, collection: str, i: int, results: list, lock: threading.Lock) -> None:
    messages = [{"role": "user", "content": f"What is the code word of team {i + 1}?"}]
    for turn, expected in enumerate((WORDS[i], LEADERS[i])):
        start = time.perf_counter()
        first = None
        text, last = [], None
        try:
            for chunk in client.chat.completions.create(model=collection, messages=messages, stream=True):
                if first is None and chunk.choices and chunk.choices[0].delta.content:
                    first = time.perf_counter() - start
                text.append((chunk.choices[0].delta.content or "") if chunk.choices else "")
                last = chunk
            error = None
        except Exception as exc:  # a failed request is a finding, not a crash of the load test
            error = f"{type(exc).__name__}: {exc}"
        total = time.perf_counter() - start
        answer = "".join(text)
        record = (last.model_extra or {}).get("assistant", {}) if last is not None else {}
        cited = [c["source"] for c in (last.model_extra or {}).get("citations", [])] if last is not None else []
        facts = lambda j: re.search(rf"\b{WORDS[j]}\b", answer, re.IGNORECASE) or re.search(rf"\b{LEADERS[j]}\b", answer)
        mentioned = {j for j in range(len(WORDS)) if facts(j)}
        shown = cited + [p["source"] for p in record.get("passages", [])] if record.get("abstained") else cited
        cited_teams = {int(c[5:7]) for c in shown}  # an abstention lists its closest passages instead
        with lock:
            results.append({
                "conversation": i, "turn": turn, "error": error, "first_token_s": first, "total_s": total,
                "own_fact": expected.lower() in answer.lower(),
                "cited": cited, "cites_only_own": all(c == f"team-{i:02d}.md" for c in cited),
                # crossed wires: the record answers another conversation's question, or the text names a
                # team whose document this answer did not even cite (it came from another request)
                "crossed": (error is None and record.get("question") != messages[-1]["content"])
                or bool(mentioned - cited_teams - {i}),
                "abstained": record.get("abstained"), "standalone": record.get("standalone_question"),
            })
        messages += [{"role": "assistant", "content": record.get("answer", answer)},
                     {"role": "user", "content": "And who leads that team?"}]


def rss_mb() -> float:
    """This process's resident memory now, in MB (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))] if values else float("nan")


def run(conversations: int, model: str, max_tokens: int, root: Path) -> dict:
    import openai

    from assistant.app import Workspace
    from assistant.config import load_settings
    from assistant.serve import serve
    from tests.conftest import free_port

    corpus = root / "teams"
    write_corpus(corpus, conversations)
    settings = load_settings(corpus_dir=corpus, data_dir=root / "data", port=free_port(), model=model,
                             max_tokens=max_tokens)
    workspace = Workspace(settings)
    workspace.app().ingest()
    server = serve(workspace, block=False)
    rss_before = rss_mb()
    results: list[dict] = []
    lock = threading.Lock()
    started = time.perf_counter()
    try:
        client = openai.OpenAI(base_url=f"{server.url}/v1", api_key="none", max_retries=0, timeout=900)
        threads = [threading.Thread(target=conversation, args=(client, settings.collection, i, results, lock))
                   for i in range(conversations)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=3600)
    finally:
        server.close()
    wall = time.perf_counter() - started
    ok = [r for r in results if r["error"] is None]
    firsts = [r["first_token_s"] for r in ok if r["first_token_s"] is not None]
    totals = [r["total_s"] for r in ok]
    return {
        "conversations": conversations, "requests": len(results), "completed": len(ok), "model": model,
        "max_tokens": max_tokens, "wall_s": round(wall, 1),
        "own_fact": sum(r["own_fact"] for r in ok), "crossed": sum(r["crossed"] for r in ok),
        "cites_only_own": sum(r["cites_only_own"] for r in ok), "abstained": sum(bool(r["abstained"]) for r in ok),
        "first_token_s": {q: round(percentile(firsts, p), 2) for q, p in (("p50", 0.5), ("p95", 0.95), ("max", 1.0))},
        "total_s": {q: round(percentile(totals, p), 2) for q, p in (("p50", 0.5), ("p95", 0.95), ("max", 1.0))},
        # current memory (VmRSS) before the load and after it; and the process's peak, which in a test
        # process also counts everything earlier tests loaded
        "rss_mb": {"before": round(rss_before), "after": round(rss_mb()),
                   "process_peak": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)},
        "rows": results,
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--conversations", type=int, default=16)
    p.add_argument("--model", default="qwen2.5-coder-1.5b")
    p.add_argument("--max-tokens", type=int, default=96)
    p.add_argument("--out", type=Path, help="write the full result (every request) as JSON here")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        result = run(args.conversations, args.model, args.max_tokens, Path(tmp))
    if args.out:
        args.out.write_text(json.dumps(result, indent=2))
    print(json.dumps({k: v for k, v in result.items() if k != "rows"}, indent=2))


if __name__ == "__main__":
    main()
