"""`make bench`: the speed suite. Writes bench/results.json and the generated part of docs/speed.md.

    .venv/bin/python bench/suite.py [--only SECTION ...] [--repeats 5] [--shared ../shared]

Sections (all by default; `--only` runs some and keeps the others' last results):
  machine     CPU, cores, memory, versions, load average
  startup     `assistant --help`; `make run`'s two steps (ingest corpus/, serve) to the chat page's HTTP 200
  bandwidth   memory copy bandwidth, the ceiling for generation on a CPU (every token reads every weight)
  generation  one prompt, the same model: the answer service against bare llama-cpp-python
  reuse       time to first token of a first question, the next one, and a follow-up (seeds)
  client      first answer text: `assistant ask` against the chat window, on one warm server (bench/client_latency.py)
  embedder    MiniLM in float32 against bfloat16 (`embed_precision`): chunks/s and the cosine between them
  ingest      the 609 MultiHop-RAG articles: documents/s, chunks/s, peak memory, time per stage; re-ingest
  scale       retrieval p50/p95 and memory at 10k, 100k and 1M chunks (synthetic copies of MultiHop)

Every timed figure is the median of `--repeats` runs; comparisons are ratios of runs interleaved in
the same process, because these machines are shared and noisy. No figure here is asserted by a test.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import assistant  # noqa: E402,F401  (offline switches first)

RESULTS = ROOT / "bench" / "results.json"
REPORT = ROOT / "docs" / "speed.md"
START, END = "<!-- make bench: start -->", "<!-- make bench: end -->"
VENV_BIN = Path(sys.executable).parent
QUESTION = "What kind of company did Taiwan enter a partnership with in France?"  # seeds-dev dev-02


def median(values):
    values = [v for v in values if v is not None]
    return round(statistics.median(values), 3) if values else None


def loadavg() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


# --- machine -----------------------------------------------------------------------------------

def machine(args) -> dict:
    import importlib.metadata as md

    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gib": round(mem / 2**20, 1), "python": platform.python_version(),
            "llama_cpp_python": md.version("llama_cpp_python"), "torch": md.version("torch"),
            "chromadb": md.version("chromadb"), "sentence_transformers": md.version("sentence-transformers")}


# --- start-up ----------------------------------------------------------------------------------

def startup(args) -> dict:
    helps = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        subprocess.run([str(VENV_BIN / "assistant"), "--help"], check=True, capture_output=True)
        helps.append(time.perf_counter() - start)
    runs = {}
    with tempfile.TemporaryDirectory() as tmp:
        for label in ("fresh index", "index already built"):  # make run's first time, and every time after
            runs[label] = _make_run(Path(tmp) / "data")
    return {"help_s": median(helps), "make_run_to_page_s": runs, "command": "bench/suite.py --only startup"}


def _make_run(data: Path) -> dict:
    """`make run` on an installed checkout: `assistant ingest`, then `assistant serve --no-ingest`, timed
    to the chat page answering HTTP 200 (the Makefile's own install step is a no-op when installed)."""
    from bench.load import free_port

    port = free_port()
    env = {**os.environ, "ASSISTANT_DATA_DIR": str(data)}
    start = time.perf_counter()
    subprocess.run([str(VENV_BIN / "assistant"), "ingest", "--quiet"], check=True, capture_output=True, env=env, cwd=ROOT)
    ingested = time.perf_counter() - start
    server = subprocess.Popen([str(VENV_BIN / "assistant"), "serve", "--no-ingest", "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=ROOT)
    try:
        while time.perf_counter() - start < 300:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as r:
                    if r.status == 200:
                        return {"ingest_s": round(ingested, 2), "page_s": round(time.perf_counter() - start, 2)}
            except OSError:
                time.sleep(0.1)
        return {"ingest_s": round(ingested, 2), "page_s": None}
    finally:
        server.terminate()
        server.wait(30)


# --- memory bandwidth --------------------------------------------------------------------------

def bandwidth(args) -> dict:
    """Copy 512 MiB (read it and write it: 1 GiB moved) with 1 and 2 threads; numpy's copy releases the GIL."""
    import numpy as np

    src = np.ones(2**26, dtype=np.float64)
    dst = np.empty_like(src)
    out = {}
    for threads in (1, 2):
        parts = np.array_split(np.arange(src.size), threads)
        bounds = [(p[0], p[-1] + 1) for p in parts]
        rates = []
        for _ in range(args.repeats):
            def copy(lo, hi):
                np.copyto(dst[lo:hi], src[lo:hi])
            workers = [threading.Thread(target=copy, args=b) for b in bounds]
            start = time.perf_counter()
            for w in workers:
                w.start()
            for w in workers:
                w.join()
            rates.append(2 * src.nbytes / (time.perf_counter() - start) / 1e9)
        out[f"copy_gb_s_{threads}_threads"] = median(rates)
    best = max(out.values())
    model = _model_path()
    out.update({"best_gb_s": best, "model": model.name, "model_bytes": model.stat().st_size,
                # generation reads every weight once per token: no CPU can write faster than this
                "ceiling_tokens_s": round(best * 1e9 / model.stat().st_size, 1),
                "command": "bench/suite.py --only bandwidth"})
    return out


def _model_path() -> Path:
    from assistant.config import load_settings
    from assistant.modelfiles import resolve_model

    s = load_settings()
    return resolve_model(s.model.name, s.paths.models_dir)[1]


# --- the answer service against bare llama-cpp-python -------------------------------------------

def _seeds_app(shared: Path, root: Path, **settings):
    from assistant.app import App
    from assistant.config import load_settings

    app = App(load_settings(paths__data_dir=root / "data", **settings), shared / "seeds")
    app.ingest()
    return app


def _first_token(events) -> tuple[float | None, float | None, int, object]:
    """Time to the first token, tokens/s after it, token count, and the last item, over a stream."""
    start = time.perf_counter()
    first = last_t = None
    n, last = 0, None
    for item in events:
        last = item
        if getattr(item, "kind", "token") == "token" and (getattr(item, "text", item)):
            now = time.perf_counter()
            first = first if first is not None else now - start
            last_t, n = now, n + 1
    rate = (n - 1) / (last_t - start - first) if n > 1 and last_t - start > first else None
    return first, rate, n, last


def generation(args) -> dict:
    from llama_cpp import Llama

    with tempfile.TemporaryDirectory() as tmp:
        app = _seeds_app(args.shared, Path(tmp))
        service, s = app.service, app.settings
        gen = app.generator
        retrieved = service.retriever.search(QUESTION, s.retrieval.top_k)
        prompt = service.fit(QUESTION, retrieved)  # the service's own prompt
        messages, used, prompt_tokens = prompt.messages, prompt.used, prompt.tokens
        bare = Llama(model_path=str(gen.path), n_ctx=s.model.n_ctx, n_threads=s.model.n_threads, n_threads_batch=s.model.n_threads,
                     n_gpu_layers=s.model.n_gpu_layers, seed=s.model.seed, verbose=False)
        gen.load()
        rows = {"service": [], "bare": []}
        for i in range(args.repeats):
            for who in (("service", "bare") if i % 2 == 0 else ("bare", "service")):  # interleaved, order alternating
                if who == "service":
                    gen.reset()  # both cold: no cached prefix on either side
                    first, rate, n, _ = _first_token(service.stream(QUESTION))
                else:
                    bare.reset()
                    stream = bare.create_chat_completion(messages=messages, stream=True, max_tokens=s.model.max_tokens,
                                                         temperature=s.model.temperature, seed=s.model.seed)
                    pieces = (part["choices"][0]["delta"].get("content") or "" for part in stream)
                    first, rate, n, _ = _first_token(pieces)
                rows[who].append({"first_token_s": first, "tokens_s": rate, "tokens": n})
        out = {}
        for who, runs in rows.items():
            out[who] = {"first_token_s": median([r["first_token_s"] for r in runs]),
                        "tokens_s": median([r["tokens_s"] for r in runs]), "tokens": runs[0]["tokens"]}
        out["ratio_first_token"] = round(out["service"]["first_token_s"] / out["bare"]["first_token_s"], 3)
        out["ratio_tokens_s"] = round(out["service"]["tokens_s"] / out["bare"]["tokens_s"], 3)
        out.update({"prompt_tokens": prompt_tokens, "passages": len(used), "question": QUESTION, "model": gen.name,
                    "runs": rows, "command": "bench/suite.py --only generation"})
        return out


# --- prompt reuse: first question, next question, follow-up ------------------------------------------

# (first question, next question, a follow-up to the next one): seeds-dev ids, follow-ups written here
CONVERSATIONS = [("dev-01", "dev-03", "Which outlet reported it?"), ("dev-05", "dev-08", "Which company controls it?"),
                 ("dev-09", "dev-11", "What did he call for?"), ("dev-06", "dev-02", "In which country is that company?"),
                 ("dev-10", "dev-01", "Why is chip production concentrated there a risk?")]
MORE_PASSAGES = 2  # the top_k measured beside the default (the default before 2026-11-29: two whole passages)


def reuse(args) -> dict:
    from assistant.records import Turn

    questions = {q["id"]: q["question"] for q in map(json.loads, (args.shared / "eval" / "seeds-dev.jsonl").read_text().splitlines())}
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        app = _seeds_app(args.shared, Path(tmp))
        gen = app.generator
        gen.load()
        for label, top_k in ((f"the default (top_k = {app.settings.retrieval.top_k})", None), (f"top_k = {MORE_PASSAGES}", MORE_PASSAGES)):
            service = app.service_with(top_k=top_k)
            rows = []
            for i in range(args.repeats):
                first_id, next_id, follow_up = CONVERSATIONS[i % len(CONVERSATIONS)]
                gen.reset()  # a cold model: nothing cached
                t, _, _, last = _first_token(service.stream(questions[next_id]))
                row = {"cold": _row(t, last.answer)}
                gen.reset()
                service.warm()  # what the server does at start
                for name, question in (("first", questions[first_id]), ("next", questions[next_id])):
                    t, _, _, last = _first_token(service.stream(question))
                    row[name] = _row(t, last.answer)
                history = [Turn(question=questions[next_id], answer=last.answer.answer)]
                t, _, _, last = _first_token(service.stream(follow_up, history))
                row["follow_up"] = {**_row(t, last.answer), "rewrite_s": round(last.answer.timings.rewrite_s, 3),
                                    "standalone": last.answer.standalone_question}
                rows.append(row)
            out[label] = {name: {"first_token_s": median([r[name]["first_token_s"] for r in rows if not r[name]["abstained"]]),
                                 "first_shown_s": median([r[name]["first_shown_s"] for r in rows if not r[name]["abstained"]]),
                                 "prompt_tokens": median([r[name]["prompt_tokens"] for r in rows if not r[name]["abstained"]]),
                                 "abstained": sum(r[name]["abstained"] for r in rows)}
                          for name in ("cold", "first", "next", "follow_up")}
            out[label]["follow_up"]["rewrite_s"] = median([r["follow_up"]["rewrite_s"] for r in rows])
            out[label]["runs"] = rows
    out.update({"target_s": 8.0, "command": "bench/suite.py --only reuse"})
    return out


def _row(first_shown_s, answer) -> dict:
    """One answer's figures: the first checked sentence shown (what a reader waits for) and the model's first
    token; an abstention without the model (weak evidence) has no model time to count."""
    return {"first_shown_s": first_shown_s, "first_token_s": answer.timings.first_token_s,
            "prompt_tokens": answer.timings.prompt_tokens,
            "abstained": answer.abstained and answer.abstain_reason == "weak_evidence", "answer": answer.answer[:200]}


# --- `assistant ask` against the chat window, on one warm server -------------------------------------

def client(args) -> dict:
    from bench.client_latency import CHAT, CLI, measure
    from tests.support.browser import FLAGS, chromium_path  # the browser as the tests drive it

    out = measure(VENV_BIN, args.shared, args.repeats, chromium_path(), FLAGS)
    rounds = out["rounds"]
    for side in (CHAT, CLI):
        out[side] = {k: median([r[side][k] for r in rounds]) for k in ("observed_s", "server_shown_s", "overhead_s")}
        out[side]["abstained"] = sum(r[side]["abstained"] for r in rounds)
    out["difference_s"] = round(out[CLI]["observed_s"] - out[CHAT]["observed_s"], 3)
    out["round_difference_s"] = median([r["difference_s"] for r in rounds])
    out["overhead_difference_s"] = round(out[CLI]["overhead_s"] - out[CHAT]["overhead_s"], 3)
    out.update({"model": rounds[0][CLI]["model"], "target_s": 1.0, "command": "bench/suite.py --only client"})
    return out


# --- ingest ------------------------------------------------------------------------------------

def ingest(args) -> dict:
    corpus = args.shared / "bench" / "multihop" / "corpus"
    out = {"documents": sum(1 for p in corpus.iterdir() if p.is_file())}
    with tempfile.TemporaryDirectory() as tmp:
        for label in ("fresh", "unchanged"):
            start = time.perf_counter()
            proc = subprocess.run(["/usr/bin/time", "-f", "%M", str(VENV_BIN / "assistant"), "ingest", str(corpus),
                                   "--data-dir", str(Path(tmp) / "data"), "--quiet"],
                                  check=True, capture_output=True, text=True, cwd=ROOT)
            wall = time.perf_counter() - start
            peak_kb = int(proc.stderr.strip().splitlines()[-1])
            log = next((Path(tmp) / "data" / "logs").glob("ingest-*.jsonl")).read_text().splitlines()[-1]
            report = json.loads(log)
            chunks = report["chunks_written"] + report["chunks_reused"]
            out[label] = {"wall_s": round(wall, 1), "pipeline_s": report["seconds"], "peak_mb": round(peak_kb / 1024),
                          "chunks": chunks, "stages_s": report["stages"]}
            if label == "fresh":
                out[label]["documents_s"] = round(out["documents"] / report["seconds"], 2)
                out[label]["chunks_s"] = round(chunks / report["seconds"], 1)
    out["command"] = "bench/suite.py --only ingest"
    return out


# --- the embedder: float32 against bfloat16 -----------------------------------------------------------

def embedder(args) -> dict:
    """512 MultiHop chunks of 150 words through MiniLM in float32 and in bfloat16 (the `embed_precision`
    setting), interleaved; the cosine between the two vectors of each chunk says what the speed costs."""
    import numpy as np

    from assistant.config import load_settings
    from assistant.embed import SentenceEmbedder, cpu_has_bf16
    from assistant.modelfiles import embedder_path

    s = load_settings()
    files = sorted((args.shared / "bench" / "multihop" / "corpus").iterdir())[:80]
    texts = [text for _, text in _word_chunks(files)][:512]
    models = {p: SentenceEmbedder(s.embedding.name, embedder_path(), s.embedding.batch_size, s.model.n_threads, precision=p)
              for p in ("float32", "bfloat16")}
    for m in models.values():
        m.embed(texts[:8])  # load
    times: dict[str, list[float]] = {p: [] for p in models}
    vectors = {}
    for i in range(args.repeats):
        for p in (list(models) if i % 2 == 0 else list(models)[::-1]):
            start = time.perf_counter()
            vectors[p] = np.array(models[p].embed(texts))
            times[p].append(time.perf_counter() - start)
    cos = (vectors["float32"] * vectors["bfloat16"]).sum(1)
    out = {p: {"seconds": median(t), "chunks_s": round(len(texts) / median(t), 1)} for p, t in times.items()}
    out.update({"chunks": len(texts), "speedup": round(median(times["float32"]) / median(times["bfloat16"]), 2),
                "cosine_min": round(float(cos.min()), 5), "cosine_mean": round(float(cos.mean()), 5),
                "cpu_has_bf16": cpu_has_bf16(), "command": "bench/suite.py --only embedder"})
    return out


def _word_chunks(paths: list[Path]) -> list[tuple[str, str]]:
    """(file stem, text) of plain 150-word chunks with a 120-word stride: the issue's baseline chunks, for
    sections that need real text but not the assistant's own chunking."""
    out = []
    for path in paths:
        words = path.read_text(errors="replace").split()
        out += [(path.stem, " ".join(words[i:i + 150])) for i in range(0, len(words), 120)]
    return out


# --- scale: retrieval latency and memory at 10k, 100k and 1M chunks -----------------------------------

def scale(args) -> dict:
    """Synthetic copies of the real corpus: MultiHop articles cut into 150-word chunks, copied (each copy
    its own source) up to N; vectors are real embeddings of 512 of those chunks with a little noise added
    (the embedder writes about 25 chunks a second, so embedding 1M would take 11 hours). The store is filled
    through Chroma's own add, in batches; the BM25 index through the project's LexicalIndex. Then 50
    MultiHop test questions are asked through the Retriever: dense only, BM25 only, and hybrid."""
    import numpy as np

    from assistant.app import Engines
    from assistant.config import load_settings
    from assistant.lexical import LexicalIndex
    from assistant.records import Chunk
    from assistant.retrieve import Retriever
    from assistant.store import ChromaStore, _metadata  # the store's own metadata, without its per-source upsert
    from bench.load import percentile, rss_mb

    s = load_settings()
    embedder = Engines(s).embedder  # the assistant's own, as the settings make it
    base = _word_chunks(sorted((args.shared / "bench" / "multihop" / "corpus").iterdir()))
    rng = np.random.default_rng(7)
    seeds = np.array(embedder.embed([t for _, t in base[:: max(1, len(base) // 512)][:512]]), dtype=np.float32)
    questions = [q["question"] for q in map(json.loads, (args.shared / "bench" / "multihop" / "questions.jsonl")
                 .read_text().splitlines()) if q.get("split") == "test"][:50]
    qvecs = embedder.embed(questions)
    out = {"base_chunks": len(base)}
    for n in args.scale_sizes:
        with tempfile.TemporaryDirectory() as tmp:
            rss0 = rss_mb()
            start = time.perf_counter()
            store = ChromaStore(Path(tmp) / "chroma", "scale", embedder.id, embedder.dimension)
            lexical = LexicalIndex(Path(tmp) / "lexical", Path(tmp) / "lexical.sqlite", "scale")
            batch: list[Chunk] = []
            for i in range(n):
                source, text = base[i % len(base)]
                copy = i // len(base)
                batch.append(Chunk(id=f"c{i}", source=f"{source}-{copy}.md", title=source, heading="", text=text,
                                   index=i, char_start=0, char_end=len(text), content_hash=str(i)))
                if len(batch) == 5000 or i == n - 1:
                    vecs = seeds[rng.integers(0, len(seeds), len(batch))] + rng.normal(0, 0.03, (len(batch), seeds.shape[1]))
                    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
                    store._col.add(ids=[c.id for c in batch], embeddings=vecs.astype(np.float32).tolist(),
                                   documents=[c.text for c in batch],
                                   metadatas=[_metadata(c) for c in batch])
                    by_source: dict[str, list[Chunk]] = {}
                    for c in batch:
                        by_source.setdefault(c.source, []).append(c)
                    for src, chunks in by_source.items():
                        lexical.replace_source(src, chunks)
                    batch = []
            lexical.rebuild()
            built = time.perf_counter() - start
            row = {"build_s": round(built, 1), "disk_mb": round(_du(Path(tmp)) / 2**20)}
            for mode in ("dense", "lexical", "hybrid"):
                retriever = Retriever(_FixedEmbedder(embedder, dict(zip(questions, qvecs))), store, lexical,
                                      s.retrieval.model_copy(update={"mode": mode}))
                retriever.search(questions[0], s.retrieval.top_k)  # first query: loads the BM25 index
                times = []
                for q in questions:
                    t = time.perf_counter()
                    retriever.search(q, s.retrieval.top_k)
                    times.append(time.perf_counter() - t)
                row[mode] = {"p50_ms": round(1000 * percentile(times, 0.5), 1),
                             "p95_ms": round(1000 * percentile(times, 0.95), 1)}
            row["rss_added_mb"] = round(rss_mb() - rss0)
            row["date"], row["load"], row["candidates"] = dt.date.today().isoformat(), loadavg(), s.retrieval.candidates
            out[str(n)] = row
            print(n, row, flush=True)
            del store, lexical
    out["command"] = "bench/suite.py --only scale"
    return out


class _FixedEmbedder:
    """The real embedder's vectors for the benchmark's questions, computed once, so the figures are of the search."""

    def __init__(self, embedder, vectors: dict):
        self.id, self.dimension, self._vectors = embedder.id, embedder.dimension, vectors

    def embed(self, texts):
        return [self._vectors[t] for t in texts]


def _du(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


SECTIONS = {"machine": machine, "startup": startup, "bandwidth": bandwidth, "generation": generation,
            "reuse": reuse, "client": client, "embedder": embedder, "ingest": ingest, "scale": scale}


# --- the report --------------------------------------------------------------------------------

def render(results: dict) -> str:
    r = results["sections"]
    lines = [START, "", "## `make bench` (generated by bench/suite.py from bench/results.json)", ""]
    m = r.get("machine", {}).get("result")
    if m:
        lines += [f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB; Python {m['python']}, "
                  f"llama-cpp-python {m['llama_cpp_python']}, torch {m['torch']}, chromadb {m['chromadb']}, "
                  f"sentence-transformers {m['sentence_transformers']}. Each section gives its date, the load "
                  "average when it started (2 cores: above 1 means another job shared them) and its command. "
                  "Figures are medians; ratios come from runs interleaved in the same process.", ""]

    if "startup" in r:
        x = r["startup"]["result"]
        lines += _head(r, "startup", "Start-up")
        lines += ["| what | seconds |", "|---|---|", f"| `assistant --help` | {x['help_s']} |"]
        for label, v in x["make_run_to_page_s"].items():
            lines.append(f"| `make run` steps to the chat page (HTTP 200), {label} | {v['page_s']} (ingest {v['ingest_s']}) |")
        lines.append("")
    if "bandwidth" in r:
        x = r["bandwidth"]["result"]
        gen = r.get("generation", {}).get("result")
        lines += _head(r, "bandwidth", "The hardware's limit: memory bandwidth")
        lines += ["| what | figure |", "|---|---|",
                  f"| copy bandwidth, 1 thread / 2 threads | {x['copy_gb_s_1_threads']} / {x['copy_gb_s_2_threads']} GB/s |",
                  f"| model file ({x['model']}) | {x['model_bytes'] / 1e9:.2f} GB |",
                  f"| ceiling: bandwidth / model bytes | {x['ceiling_tokens_s']} tokens/s |"]
        if gen:
            share = gen["service"]["tokens_s"] / x["ceiling_tokens_s"]
            lines.append(f"| the assistant's generation (section below) | {gen['service']['tokens_s']:.1f} tokens/s, "
                         f"{share:.0%} of the ceiling |")
        lines.append("")
    if "generation" in r:
        x = r["generation"]["result"]
        lines += _head(r, "generation", "Generation: the answer service against bare llama-cpp-python")
        lines += [f"The same prompt ({x['prompt_tokens']} tokens, {x['passages']} passages, built by the service for "
                  f"\"{x['question']}\"), the same model ({x['model']}) and settings; both cold (no cached prefix). "
                  "The service's time includes retrieval and the context budget.", "",
                  "| | time to first token | tokens/s |", "|---|---|---|",
                  f"| bare llama-cpp-python | {x['bare']['first_token_s']} s | {x['bare']['tokens_s']:.2f} |",
                  f"| the answer service | {x['service']['first_token_s']} s | {x['service']['tokens_s']:.2f} |",
                  f"| service / bare | {x['ratio_first_token']} | {x['ratio_tokens_s']} |", ""]
    if "reuse" in r:
        x = r["reuse"]["result"]
        lines += _head(r, "reuse", "Prompt reuse: time to first token over the seeds")
        labels = [k for k in x if isinstance(x[k], dict) and "first" in x[k]]
        lines += ["| question | " + " | ".join(labels) + " |", "|---|" + "---|" * len(labels)]
        names = {"cold": "a question on a cold model (nothing cached)",
                 "first": "first question after the server's warm-up (system prompt cached)",
                 "next": "next question", "follow_up": "follow-up (rewrite, then the answer)"}
        for name, title in names.items():
            cells = []
            for label in labels:
                v = x[label][name]
                extra = f", rewrite {v['rewrite_s']} s" if name == "follow_up" else ""
                token = f"first token {v['first_token_s']} s, " if v.get("first_shown_s") is not None else ""
                shown = v.get("first_shown_s", v["first_token_s"])
                cells.append(f"{shown} s ({token}{v['prompt_tokens']:.0f} prompt tokens{extra})")
            lines.append(f"| {title} | " + " | ".join(cells) + " |")
        lines += ["", f"Time to the first checked sentence shown (target: {x['target_s']} s), with the model's "
                  "first token. Prompt tokens count the whole prompt; the cached prefix "
                  "(the system prompt, about 210 tokens) is not processed again.", ""]
    if "client" in r:
        lines += _render_client(r)
    if "embedder" in r:
        x = r["embedder"]["result"]
        lines += _head(r, "embedder", "The embedder: float32 against bfloat16")
        lines += [f"{x['chunks']} MultiHop chunks of 150 words, interleaved runs; this CPU "
                  f"{'has' if x['cpu_has_bf16'] else 'lacks'} native bfloat16 (`embed_precision = auto` uses it only then).", "",
                  "| | seconds | chunks/s |", "|---|---|---|",
                  f"| float32 | {x['float32']['seconds']} | {x['float32']['chunks_s']} |",
                  f"| bfloat16 | {x['bfloat16']['seconds']} | {x['bfloat16']['chunks_s']} |",
                  f"| float32 / bfloat16 | {x['speedup']} | |", "",
                  f"Cosine between the two vectors of a chunk: mean {x['cosine_mean']}, lowest {x['cosine_min']}.", ""]
    if "ingest" in r:
        x = r["ingest"]["result"]
        f, u = x["fresh"], x["unchanged"]
        stages = f["stages_s"]
        total = sum(stages.values()) or 1
        lines += _head(r, "ingest", f"Ingest: {x['documents']} MultiHop-RAG articles")
        lines += ["| what | fresh | unchanged |", "|---|---|---|",
                  f"| wall time (process) | {f['wall_s']} s | {u['wall_s']} s |",
                  f"| in the pipeline | {f['pipeline_s']:.1f} s | {u['pipeline_s']:.2f} s |",
                  f"| documents/s, chunks/s | {f['documents_s']}, {f['chunks_s']} | |",
                  f"| chunks embedded or rewritten | {f['chunks']:,} | {u['chunks']:,} |",
                  f"| peak memory | {f['peak_mb']} MB | {u['peak_mb']} MB |", "",
                  "Share of the fresh ingest's pipeline time: " + ", ".join(
                      f"{k} {v / total:.0%} ({v:.1f} s)" for k, v in stages.items()) + ".", ""]
    if "scale" in r:
        x = r["scale"]["result"]
        sizes = [k for k in x if k.isdigit()]
        lines += _head(r, "scale", "Scale: retrieval at " + ", ".join(f"{int(n):,}" for n in sizes) + " chunks")
        lines += [f"Synthetic copies of the {x['base_chunks']:,} MultiHop chunks (150 words), one embedded store and "
                  "BM25 index each; 50 test questions; k = 4 from the candidates per retriever that each row names.", "",
                  "| chunks | build | disk | memory added | dense p50 / p95 | BM25 p50 / p95 | hybrid p50 / p95 | measured |",
                  "|---|---|---|---|---|---|---|---|"]
        for n in sizes:
            v = x[n]
            when = (f"{v.get('date', r['scale']['date'])}, load {v.get('load', r['scale']['load'])}, "
                    f"{v.get('candidates', 30)} candidates")  # rows from before the setting was recorded used 30
            lines.append(f"| {int(n):,} | {v['build_s']} s | {v['disk_mb']:,} MB | {v['rss_added_mb']:,} MB | "
                         f"{v['dense']['p50_ms']} / {v['dense']['p95_ms']} ms | {v['lexical']['p50_ms']} / "
                         f"{v['lexical']['p95_ms']} ms | {v['hybrid']['p50_ms']} / {v['hybrid']['p95_ms']} ms | {when} |")
        if "1000000" not in sizes:
            lines.append("| 1,000,000 | not measured yet (the 100k build took 5 min; 1M, about an hour) | | | | | | |")
        lines.append("")
    lines.append(END)
    return "\n".join(lines)


def _render_client(r) -> list[str]:
    x = r["client"]["result"]
    chat, cli = x["chat window"], x["assistant ask"]
    # the model's own time varies from answer to answer on a shared machine (and the browser takes some of its
    # cores): the overheads, each observed time less the server's time for that answer, compare the clients
    holds = "holds" if x["overhead_difference_s"] <= x["target_s"] else "does not hold"
    lines = _head(r, "client", "`assistant ask` against the chat window: time to the first answer text") + [
        f"One warm `assistant serve` over the seeds ({x['model']}); {len(x['rounds'])} rounds, each one seeds-dev "
        "question asked by both, the side going first alternating (the second may find part of its prompt cached). Chat window: "
        "chromium on the server's 2 cores (reduced motion, a blank page outside its turns), signed in, from the click "
        "on Ask to the first text in the assistant bubble. `assistant ask`: a new "
        "process, from its start to the first byte on stdout; every answer came through the server (its audit line). "
        "Server: the server's own time to the first shown sentence; overhead: observed less that.", "",
        "| | first answer text | server | overhead |", "|---|---|---|---|",
        f"| chat window | {chat['observed_s']} s | {chat['server_shown_s']} s | {chat['overhead_s']} s |",
        f"| `assistant ask` | {cli['observed_s']} s | {cli['server_shown_s']} s | {cli['overhead_s']} s |",
        f"| `assistant ask` later by | {x['difference_s']} s (per round: {x['round_difference_s']} s) | | "
        f"{x['overhead_difference_s']} s |", "",
        f"Target: `assistant ask` at most {x['target_s']:g} s later than the chat window, for the same work on the "
        f"server (the overheads' difference): it {holds}."]
    if chat["server_shown_s"] > cli["server_shown_s"]:
        lines.append("The server took longer over the chat window's answers: headless chromium, painting in software on "
                     "the same 2 cores, takes CPU from the model while its answer streams (a browser on the reader's own "
                     "machine would not); so the first column compares the machines' load, the last the clients.")
    return lines + [""]


def _head(r, name, title) -> list[str]:
    sec = r[name]
    return [f"### {title}", "", f"{sec['date']}, load average {sec['load']}, `.venv/bin/python {sec['result']['command']}`", ""]


def write_report(results: dict) -> None:
    text = REPORT.read_text() if REPORT.exists() else "# Benchmarks\n"
    block = render(results)
    if START in text and END in text:
        text = text[: text.index(START)] + block + text[text.index(END) + len(END):]
    else:  # first time: after the opening paragraph
        head, _, rest = text.partition("\n## ")
        text = f"{head}{block}\n\n## {rest}" if rest else f"{text}\n{block}\n"
    REPORT.write_text(text)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--only", nargs="+", choices=sorted(SECTIONS), help="run these sections only")
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--shared", type=Path, default=ROOT.parent / "shared", help="the shared material (seeds, MultiHop)")
    p.add_argument("--scale-sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    p.add_argument("--report-only", action="store_true", help="rewrite docs/speed.md from bench/results.json")
    args = p.parse_args()
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {"sections": {}}
    for name in ([] if args.report_only else (args.only or list(SECTIONS))):
        load = loadavg()
        print(f"== {name} (load average {load})", flush=True)
        started = time.perf_counter()
        result = SECTIONS[name](args)
        if RESULTS.exists():  # read again: another section may have been written meanwhile by a second run
            results = json.loads(RESULTS.read_text())
        if name == "scale" and name in results["sections"]:
            # a run of some sizes keeps the rows of the others from an earlier run, each row dated
            earlier = results["sections"][name]
            for size, row in earlier["result"].items():
                if size.isdigit() and size not in result:
                    result[size] = {"date": earlier["date"], "load": earlier["load"], **row}
            result = {k: result[k] for k in sorted(result, key=lambda k: (k.isdigit(), int(k) if k.isdigit() else 0))}
        results["sections"][name] = {"date": dt.date.today().isoformat(), "load": load,
                                     "seconds": round(time.perf_counter() - started, 1), "result": result}
        RESULTS.write_text(json.dumps(results, indent=2) + "\n")
        print(json.dumps({k: v for k, v in result.items() if k != "runs"}, indent=2), flush=True)
    write_report(results)
    print(f"wrote {RESULTS.relative_to(ROOT)} and {REPORT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
