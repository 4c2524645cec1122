"""Rows -> aggregate metrics, overall and per question type, each with a bootstrap 95% interval.

Which questions each metric is averaged over:
- retrieval (hits@k, mrr@10, evidence_recall@k, all_evidence@k, source@k): answerable questions;
- correct: all questions (abstaining is the correct answer to an unanswerable one);
- abstain_on_unanswerable: unanswerable; false_abstain: answerable;
- citation_precision, supported_sentences, dangling_markers: answered (not abstained) answerable ones;
- similarity and costs: every question answered by the model.
"""

from __future__ import annotations

from assistant.eval.scoring import bootstrap_ci, mean

RETRIEVAL_KEYS = ("hits@4", "hits@10", "hits@20", "mrr@10", "evidence_recall@4", "evidence_recall@10",
                  "evidence_recall@20", "all_evidence@4", "all_evidence@10", "all_evidence@20",
                  "source@4", "source@10", "source@20")


def _stat(values: list) -> dict:
    vals = [float(v) for v in values if v is not None]
    ci = bootstrap_ci(vals)
    return {"value": mean(vals), "ci95": list(ci) if ci else None, "n": len(vals)}


def metric_values(rows: list[dict]) -> dict[str, list]:
    answerable = [r for r in rows if r["answerable"]]
    values: dict[str, list] = {k: [r["retrieval"][k] for r in answerable if r.get("retrieval")] for k in RETRIEVAL_KEYS}
    values["retrieval_ms"] = [r["retrieval_ms"] for r in rows]
    if any("answer" in r for r in rows):
        answered = [r for r in answerable if not r["abstained"]]
        values.update({
            "correct": [r["correct"] for r in rows],
            "abstain_on_unanswerable": [r["abstained"] for r in rows if not r["answerable"]],
            "false_abstain": [r["abstained"] for r in answerable],
            "citation_precision": [r["citation_precision"] for r in answered],
            "supported_sentences": [r["supported_sentences"] for r in answered],
            "dangling_markers": [r["dangling_markers"] for r in answered],
            "similarity": [r["similarity"] for r in rows],
            "first_token_s": [r["timings"]["first_token_s"] for r in rows],
            "total_s": [r["timings"]["total_s"] for r in rows],
            "tokens_per_s": [r["timings"]["tokens_per_s"] for r in rows],
        })
    return values


def aggregate(rows: list[dict]) -> dict:
    overall = {k: _stat(v) for k, v in metric_values(rows).items()}
    by_type = {}
    for t in sorted({r["type"] for r in rows}):
        by_type[t] = {k: _stat(v) for k, v in metric_values([r for r in rows if r["type"] == t]).items()}
    return {"overall": overall, "by_type": by_type, "n_questions": len(rows)}


def flat(agg: dict) -> dict[str, float | None]:
    """The overall values by metric name: results.json's `aggregate` keys."""
    return {k: v["value"] for k, v in agg["overall"].items()}
