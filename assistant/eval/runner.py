"""Run a question set through the answer service and score it, resumably.

Each finished question is appended to `<out>/rows.jsonl` at once (flushed and
fsynced), so Ctrl-C or a crash loses at most the question in flight, and
running the same command again skips the finished ones. `<out>/run.json`
fingerprints the run (questions, settings, model, embedder, corpus); a
different run in the same folder is refused rather than mixed. Each row is an
`EvalRow` (eval/types.py). A follow-up question is answered with its earlier
turns (`history`); its retrieval metrics search it as asked.

The passages' fence codes (prompts.py) come from a fixed secret here, not one
drawn per process as the server's are: the code is part of the prompt, so with
a drawn one two runs of the same code on the same index differed in about one
answer in five (wording) and one in fifty (correctness), and a change could
not be told from the draw.
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
from assistant.eval.types import KS, EvalRow
from assistant.records import Answer

RETRIEVAL_K = 20
FENCE_SECRET = b"assistant eval: one fence code per question, the same in every run"


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


def run(app: App, questions: list[Question], out: Path, retrieval_only: bool = False,
        progress: bool = True) -> list[EvalRow]:
    out.mkdir(parents=True, exist_ok=True)
    _claim(out, fingerprint(app, questions, retrieval_only))
    rows_path = out / "rows.jsonl"
    _trim_torn_tail(rows_path)
    done = _read_rows(rows_path)
    todo = [q for q in questions if q.id not in done]
    if todo:  # load the embedder (and model) before the clock starts, so latencies are per question
        app.service.prompts.secret = FENCE_SECRET
        app.embedder.embed(["warm-up"])
        if not retrieval_only:
            app.generator.load()
    bar = _bar(len(questions), len(questions) - len(todo), progress)
    with rows_path.open("a", encoding="utf-8") as f:
        for q in todo:
            row = score_question(app, q, retrieval_only)
            f.write(json.dumps(row.saved(), ensure_ascii=False) + "\n")
            f.flush()
            os.fsync(f.fileno())
            done[q.id] = row
            bar.update(1)
    bar.close()
    return [done[q.id] for q in questions]


def _claim(out: Path, meta: dict) -> None:
    """Record the run's fingerprint in run.json; a folder that holds another run is refused."""
    meta_path = out / "run.json"
    if meta_path.exists():
        old = json.loads(meta_path.read_text())
        if {k: v for k, v in old.items() if k != "started"} != meta:
            raise AssistantError(
                f"{out} holds results of a different run (other questions, settings, model or corpus): "
                "choose another --out folder or delete this one"
            )
    else:
        meta_path.write_text(json.dumps({**meta, "started": time.time()}, indent=2))


def score_question(app: App, q: Question, retrieval_only: bool) -> EvalRow:
    """Retrieval scored on the question as asked (a follow-up is not rewritten: that takes the model);
    then, unless retrieval only, the answer to the question with its history."""
    start = time.perf_counter()
    ranked = app.service.retriever.search(q.question, RETRIEVAL_K)
    row = EvalRow(
        id=q.id, type=q.type, question=q.question, answerable=q.answerable, reference=q.answer,
        expected_sources=q.sources, history=q.history,
        retrieval=scoring.retrieval_metrics([(p.source, p.text) for p in ranked], q.sources, q.evidence, KS)
        if q.answerable else None,
        retrieval_ms=(time.perf_counter() - start) * 1000,
        ranked_sources=[p.source for p in ranked[:10]],
    )
    if retrieval_only:
        return row
    answer = app.service.ask(q.question, q.history)
    return row.model_copy(update=_answer_fields(app, q, answer))


def _answer_fields(app: App, q: Question, answer: Answer) -> dict:
    sentences = answer.sentences
    return {
        "answer": answer.answer, "abstained": answer.abstained, "abstain_reason": answer.abstain_reason,
        "withheld": answer.withheld, "unknown_names": answer.unknown_names,
        "standalone_question": answer.standalone_question,
        "correct": None if q.to_confirm and q.answerable and not q.keywords  # a draft: nothing to score it on
        else scoring.is_correct(answer.answer, answer.abstained, q.keywords, q.answer, q.answerable),
        "citations": answer.citations, "passages": answer.passages,
        "citation_precision": scoring.citation_precision([c.source for c in answer.citations], q.sources)
        if q.answerable else None,
        "dangling_markers": answer.dangling_markers,
        "supported_sentences": (sum(s.supported for s in sentences) / len(sentences)) if sentences else None,
        "sentence_support": [s.support for s in sentences],
        "left_out": len(answer.left_out), "second_look": answer.second_look,
        "evidence_in_prompt": scoring.evidence_in_prompt(answer.read, q.evidence) if q.answerable else None,
        "similarity": _similarity(app, answer.answer, q.answer),
        "timings": answer.timings,
    }


def _similarity(app: App, a: str, b: str) -> float:
    va, vb = app.embedder.embed([a, b])
    return round(sum(x * y for x, y in zip(va, vb)), 4)


def _trim_torn_tail(path: Path) -> None:
    """Cut a last line left unfinished by a crash, so the next row starts on a line of its own."""
    if path.exists():
        data = path.read_bytes()
        if data and not data.endswith(b"\n"):
            path.write_bytes(data[: data.rfind(b"\n") + 1])


def _read_rows(path: Path) -> dict[str, EvalRow]:
    rows: dict[str, EvalRow] = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                row = EvalRow.model_validate_json(line)
            except ValueError:  # a line cut short by a crash (pydantic's ValidationError is one): runs again
                continue
            rows[row.id] = row
    return rows


def _bar(total: int, initial: int, enabled: bool):
    from tqdm import tqdm  # a disabled bar is a no-op with the same interface

    return tqdm(total=total, initial=initial, unit="q", desc="eval", dynamic_ncols=True, disable=not enabled)
