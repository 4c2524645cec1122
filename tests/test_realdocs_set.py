"""The real-documents question set (eval/realdocs/): its shape always; its evidence against the documents
when they have been fetched (`python3 eval/realdocs/fetch.py`, which needs apt), else skipped."""

from __future__ import annotations

import hashlib
import importlib.util
import json
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SET = ROOT / "eval" / "realdocs" / "questions.jsonl"
CORPUS = ROOT / "eval-out" / "realdocs" / "corpus"


def rows() -> list[dict]:
    return [json.loads(line) for line in SET.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_the_set_has_the_size_kinds_and_split_it_promises():
    qs = rows()
    assert len(qs) >= 80 and len({q["id"] for q in qs}) == len(qs)
    sources = {s for q in qs for s in q["sources"]}
    assert len(sources) >= 15 and {Path(s).suffix for s in sources} >= {".pdf", ".html", ".docx", ".md", ".txt"}
    kinds = Counter(q["type"] for q in qs)
    assert set(kinds) >= {"factual", "numeric", "table", "two-passage", "follow-up", "unanswerable"}
    assert kinds["unanswerable"] >= 0.15 * len(qs) and all(not q["answerable"] for q in qs if q["type"] == "unanswerable")
    for q in qs:  # split by hash, so a question never changes sides
        assert q["split"] == ("dev" if hashlib.sha256(q["id"].encode()).digest()[0] % 2 == 0 else "test"), q["id"]
    assert all(q.get("history") for q in qs if q["type"] == "follow-up")


@pytest.mark.skipif(not CORPUS.is_dir(), reason="the documents are not fetched: python3 eval/realdocs/fetch.py")
def test_every_evidence_span_is_in_its_document_and_no_document_answers_the_unanswerable():
    spec = importlib.util.spec_from_file_location("realdocs_check", ROOT / "eval" / "realdocs" / "check.py")
    check = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(check)
    problems, _ = check.check(SET, CORPUS)
    assert problems == []
