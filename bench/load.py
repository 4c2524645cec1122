"""A bounded, self-stopping load test on loopback: N concurrent conversations through the API or the chat window.

    .venv/bin/python bench/load.py [--via api|ui] [--conversations 16] [--model qwen2.5-coder-1.5b] [--max-tokens 96] [--out FILE]

Serves a fresh copy of the assistant (chat window and API on a free loopback port) over N small
documents, one per team, each holding facts no other holds (a code word, a leader). Each of N
threads holds one conversation, streaming: through the API with the official `openai` client, or
through the chat window with `gradio_client`, which speaks the page's own queue protocol (each
conversation its own browser session, so the server keeps its history), and records the place in
the queue the waiting user is shown. Each conversation asks a question, then
a follow-up that only makes sense with the history ("And who leads that team?"). It checks that
every answer completes, and that none has crossed wires (answers another conversation's question,
or names a team whose document it did not cite); it counts the answers that name their own team's
facts and cite only their own document (retrieval and model accuracy, not isolation); and it
reports time to first token and total latency percentiles, and memory.
It stops by itself: every request has a timeout, and the server is shut down at the end.
"""

from __future__ import annotations

import argparse
import html
import json
import re
import resource
import socket
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
    """One conversation through the API (openai client, streaming)."""
    messages = [{"role": "user", "content": QUESTIONS[0].format(n=i + 1)}]
    for turn in range(2):
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
        shown = cited + [p["source"] for p in record.get("passages", [])] if record.get("abstained") else cited
        row = _row(i, turn, error, first, total, record.get("answer", answer), cited, shown,
                   error is None and record.get("question") != messages[-1]["content"])
        with lock:
            results.append({**row, "abstained": record.get("abstained"), "standalone": record.get("standalone_question")})
        messages += [{"role": "assistant", "content": record.get("answer", answer)},
                     {"role": "user", "content": QUESTIONS[1]}]


def conversation_ui(url: str, i: int, results: list, lock: threading.Lock) -> None:
    """One conversation through the chat window: its own session, the page's queue, the page's outputs."""
    from gradio_client import Client

    client = Client(url, verbose=False)
    history: list = []
    try:
        for turn in range(2):
            question = QUESTIONS[turn].format(n=i + 1)
            start = time.perf_counter()
            first, places, error, out = None, [], None, None
            try:
                job = client.submit(question, history, api_name="/respond")
                while not job.done() and time.perf_counter() - start < 1800:
                    status = job.status()
                    if status.code.name == "IN_QUEUE" and status.rank is not None:
                        place = (status.rank + 1, status.queue_size)  # what the page shows: "queue: 3/7"
                        if not places or places[-1] != place:
                            places.append(place)
                    if first is None and any(_text(o[0][-1]) for o in job.outputs() if o and o[0]):
                        first = time.perf_counter() - start
                    time.sleep(0.1)
                out = job.result(timeout=60)
            except Exception as exc:
                error = f"{type(exc).__name__}: {exc}"
            total = time.perf_counter() - start
            chat, sources_html = (out[0], out[1]) if out else ([], "")
            answer = _text(chat[-1]) if chat else ""
            asked = _text(chat[-2]) if len(chat) >= 2 else None
            shown = sorted(set(re.findall(r"team-\d\d\.md", sources_html)))  # the sources panel beside the answer
            abstained = ABSTAIN in html.unescape(answer)
            cited = [] if abstained else shown
            row = _row(i, turn, error, first, total, answer, cited, shown, error is None and asked != question)
            with lock:
                results.append({**row, "abstained": abstained, "queue_places": places})
            history = chat
    finally:
        client.close()


QUESTIONS = ("What is the code word of team {n}?", "And who leads that team?")
ABSTAIN = (Path(__file__).resolve().parent.parent / "prompts" / "abstain.txt").read_text().strip()


def _row(i, turn, error, first, total, answer, cited, shown, wrong_question) -> dict:
    facts = lambda j: re.search(rf"\b{WORDS[j]}\b", answer, re.IGNORECASE) or re.search(rf"\b{LEADERS[j]}\b", answer)
    mentioned = {j for j in range(len(WORDS)) if facts(j)}
    shown_teams = {int(c[5:7]) for c in shown}  # an abstention lists its closest passages instead
    expected = (WORDS[i], LEADERS[i])[turn]
    return {
        "conversation": i, "turn": turn, "error": error, "first_token_s": first, "total_s": total,
        "own_fact": expected.lower() in answer.lower(), "answer": answer[:300],
        "cited": cited, "cites_only_own": all(c == f"team-{i:02d}.md" for c in cited),
        # crossed wires: the record answers another conversation's question, or the text names a
        # team whose document this answer did not even show (it came from another request)
        "crossed": wrong_question or bool(mentioned - shown_teams - {i}),
    }


def _text(message: dict) -> str:
    """A chat message's text (Gradio 6 sends content as a list of parts)."""
    content = message.get("content") if isinstance(message, dict) else None
    if isinstance(content, list):
        return "".join(part.get("text", "") for part in content if isinstance(part, dict))
    return content or ""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb() -> float:
    """This process's resident memory now, in MB (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))] if values else float("nan")


def run(conversations: int, model: str, max_tokens: int, root: Path, via: str = "api") -> dict:
    from assistant.app import Workspace
    from assistant.config import load_settings
    from assistant.serve import serve

    corpus = root / "teams"
    write_corpus(corpus, conversations)
    settings = load_settings(paths__corpus_dir=corpus, paths__data_dir=root / "data", server__port=free_port(), model__name=model,
                             model__max_tokens=max_tokens)
    workspace = Workspace(settings)
    workspace.app().ingest()
    server = serve(workspace, block=False)
    rss_before = rss_mb()
    results: list[dict] = []
    lock = threading.Lock()
    started = time.perf_counter()
    try:
        if via == "ui":
            threads = [threading.Thread(target=conversation_ui, args=(server.url + "/", i, results, lock))
                       for i in range(conversations)]
        else:
            import openai

            client = openai.OpenAI(base_url=f"{server.url}/v1", api_key="none", max_retries=0, timeout=900)
            threads = [threading.Thread(target=conversation, args=(client, settings.store.collection, i, results, lock))
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
    places = [p for r in results for p in r.get("queue_places", [])]
    return {
        "via": via, "conversations": conversations, "requests": len(results), "completed": len(ok), "model": model,
        "max_tokens": max_tokens, "wall_s": round(wall, 1),
        "own_fact": sum(r["own_fact"] for r in ok), "crossed": sum(r["crossed"] for r in ok),
        "cites_only_own": sum(r["cites_only_own"] for r in ok), "abstained": sum(bool(r["abstained"]) for r in ok),
        "first_token_s": {q: round(percentile(firsts, p), 2) for q, p in (("p50", 0.5), ("p95", 0.95), ("max", 1.0))},
        "total_s": {q: round(percentile(totals, p), 2) for q, p in (("p50", 0.5), ("p95", 0.95), ("max", 1.0))},
        # current memory (VmRSS) before the load and after it; and the process's peak, which in a test
        # process also counts everything earlier tests loaded
        "rss_mb": {"before": round(rss_before), "after": round(rss_mb()),
                   "process_peak": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)},
        # the chat window: how many requests waited, and the largest queue a waiting user was shown
        "queue": {"waited": sum(bool(r.get("queue_places")) for r in results),
                  "longest": max((size for _, size in places if size), default=0)} if via == "ui" else None,
        "rows": results,
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--via", choices=["api", "ui"], default="api", help="the API (openai client) or the chat window")
    p.add_argument("--conversations", type=int, default=16)
    p.add_argument("--model", default="qwen2.5-coder-1.5b")
    p.add_argument("--max-tokens", type=int, default=96)
    p.add_argument("--out", type=Path, help="write the full result (every request) as JSON here")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        result = run(args.conversations, args.model, args.max_tokens, Path(tmp), args.via)
    if args.out:
        args.out.write_text(json.dumps(result, indent=2))
    print(json.dumps({k: v for k, v in result.items() if k != "rows"}, indent=2))


if __name__ == "__main__":
    main()
