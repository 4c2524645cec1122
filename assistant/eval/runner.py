"""Run a question set through the answer service and score it, resumably.

Each finished question is appended to `<out>/rows.jsonl` at once (flushed and
fsynced), so Ctrl-C or a crash loses at most the question in flight, and
running the same command again skips the finished ones. `<out>/run.json`
fingerprints the run (questions, settings, model, embedder, corpus); a
different run in the same folder is refused rather than mixed.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

from assistant.app import App
from assistant.errors import AssistantError
from assistant.eval import scoring
from assistant.eval.questions import Question

RETRIEVAL_K = 20
KS = (4, 10, 20)


def fingerprint(app: App, questions: list[Question], retrieval_only: bool) -> dict:
    records = app.manifest.records()
    corpus = hashlib.sha256("".join(f"{s}:{r.content_hash}\n" for s, r in sorted(records.items())).encode()).hexdigest()
    settings = app.settings.model_dump(mode="json", exclude={"host", "port", "data_dir", "corpus_dir"})
    return {
        "questions": hashlib.sha256(json.dumps([q.id for q in questions]).encode()).hexdigest()[:16],
        "n_questions": len(questions),
        "retrieval_only": retrieval_only,
        "model": None if retrieval_only else app.settings.model.name,
        "embedder": app.embedder.id,
        "corpus": str(app.corpus),
        "corpus_fingerprint": corpus[:16],
        "documents": len(records),
        "settings": settings,
    }


def run(app: App, questions: list[Question], out: Path, retrieval_only: bool = False, progress: bool = True) -> list[dict]:
    out.mkdir(parents=True, exist_ok=True)
    meta = fingerprint(app, questions, retrieval_only)
    meta_path, rows_path = out / "run.json", out / "rows.jsonl"
    if meta_path.exists():
        old = json.loads(meta_path.read_text())
        if {k: v for k, v in old.items() if k != "started"} != meta:
            raise AssistantError(
                f"{out} holds results of a different run (other questions, settings, model or corpus): "
                "choose another --out folder or delete this one"
            )
    else:
        meta_path.write_text(json.dumps({**meta, "started": time.time()}, indent=2))
    _trim_torn_tail(rows_path)
    done = _read_rows(rows_path)
    todo = [q for q in questions if q.id not in done]
    if todo:  # load the embedder (and model) before the clock starts, so latencies are per question
        app.embedder.embed(["warm-up"])
        if not retrieval_only:
            app.generator.load()
    bar = _bar(len(questions), len(questions) - len(todo), progress)
    with rows_path.open("a", encoding="utf-8") as f:
        for q in todo:
            row = score_question(app, q, retrieval_only)
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
            f.flush()
            os.fsync(f.fileno())
            done[q.id] = row
            bar.update(1)
    bar.close()
    return [done[q.id] for q in questions]


def score_question(app: App, q: Question, retrieval_only: bool) -> dict:
    start = time.perf_counter()
    ranked = app.service.retriever.search(q.question, RETRIEVAL_K)
    retrieval_ms = (time.perf_counter() - start) * 1000
    row = {
        "id": q.id, "type": q.type, "question": q.question, "answerable": q.answerable,
        "reference": q.answer, "expected_sources": q.sources,
        "retrieval": scoring.retrieval_metrics([(p.source, p.text) for p in ranked], q.sources, q.evidence, KS)
        if q.answerable else None,
        "retrieval_ms": retrieval_ms,
        "ranked_sources": [p.source for p in ranked[:10]],
    }
    if retrieval_only:
        return row
    answer = app.service.ask(q.question)
    cited = [c.source for c in answer.citations]
    sentences = answer.sentences
    row.update({
        "answer": answer.answer,
        "abstained": answer.abstained,
        "abstain_reason": answer.abstain_reason,
        "withheld": answer.withheld,
        "unknown_names": answer.unknown_names,
        "correct": scoring.is_correct(answer.answer, answer.abstained, q.keywords, q.answer, q.answerable),
        "citations": [c.model_dump(mode="json") for c in answer.citations],
        "passages": [p.model_dump(mode="json") for p in answer.passages],
        "citation_precision": scoring.citation_precision(cited, q.sources) if q.answerable else None,
        "dangling_markers": answer.dangling_markers,
        "supported_sentences": (sum(s.supported for s in sentences) / len(sentences)) if sentences else None,
        "sentence_support": [s.support for s in sentences],
        "left_out": len(answer.left_out),
        "second_look": answer.second_look,
        "similarity": _similarity(app, answer.answer, q.answer),
        "timings": answer.timings.model_dump(mode="json"),
    })
    return row


def _similarity(app: App, a: str, b: str) -> float:
    va, vb = app.embedder.embed([a, b])
    return round(sum(x * y for x, y in zip(va, vb)), 4)


def _trim_torn_tail(path: Path) -> None:
    """Cut a last line left unfinished by a crash, so the next row starts on a line of its own."""
    if path.exists():
        data = path.read_bytes()
        if data and not data.endswith(b"\n"):
            path.write_bytes(data[: data.rfind(b"\n") + 1])


def _read_rows(path: Path) -> dict[str, dict]:
    rows: dict[str, dict] = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                continue  # a line cut short by a crash: that question runs again
            rows[row["id"]] = row
    return rows


def _bar(total: int, initial: int, enabled: bool):
    from tqdm import tqdm  # a disabled bar is a no-op with the same interface

    return tqdm(total=total, initial=initial, unit="q", desc="eval", dynamic_ncols=True, disable=not enabled)
