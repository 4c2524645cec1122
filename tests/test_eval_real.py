"""A slice of the project's own question set, run through `assistant eval` with the real model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.cli import main
from tests.support.netguard import no_egress

pytestmark = pytest.mark.model
ROOT = Path(__file__).resolve().parent.parent
SLICE = ("hb-03", "hb-09", "hb-15")  # two answerable, one unanswerable


def test_eval_slice_with_the_real_model(tmp_path):
    lines = [line for line in (ROOT / "eval" / "handbook.jsonl").read_text().splitlines()
             if json.loads(line)["id"] in SLICE]
    questions = tmp_path / "slice.jsonl"
    questions.write_text("\n".join(lines) + "\n")
    out = tmp_path / "out"
    args = ["eval", str(questions), "--corpus", str(ROOT / "corpus"), "--data-dir", str(tmp_path / "data"), "--out", str(out)]
    with no_egress() as attempts:
        assert main(args) == 0
    assert attempts == []
    results = json.loads((out / "results.json").read_text())
    rows = {r["id"]: r for r in results["questions"]}
    assert set(rows) == set(SLICE)
    for key in ("hits@4", "hits@10", "mrr@10", "correct", "abstain_on_unanswerable", "false_abstain",
                "citation_precision", "supported_sentences"):
        assert key in results["aggregate"]
    for qid in ("hb-03", "hb-09"):
        assert rows[qid]["retrieval"]["source@4"] == 1.0, qid
        assert rows[qid]["correct"] is True, rows[qid]["answer"]
        assert rows[qid]["citations"] and rows[qid]["citation_precision"] == 1.0
    assert results["run"]["model"] == "qwen2.5-coder-1.5b"
    assert (out / "report.html").read_text().count("<svg") == 3
    # a second run of the same command finds everything done and asks nothing again
    mtime = (out / "rows.jsonl").stat().st_mtime_ns
    assert main(args) == 0
    assert (out / "rows.jsonl").stat().st_mtime_ns == mtime
