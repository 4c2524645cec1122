"""Rows -> aggregate metrics, overall and per question type, each with a bootstrap 95% interval.

Which questions each metric is averaged over:
- retrieval (RETRIEVAL_METRICS: hits@k, mrr@10, evidence_recall@k, all_evidence@k, source@k): answerable questions;
- correct: all questions (abstaining is the correct answer to an unanswerable one);
- abstain_on_unanswerable: unanswerable; false_abstain: answerable;
- citation_precision, supported_sentences, dangling_markers: answered (not abstained) answerable ones;
- evidence_in_prompt: answerable questions that list evidence (an abstention before the model counts 0);
- similarity and costs: every question answered by the model.
The metric names come from eval/types.py; nothing here names one that is not there.
"""

from __future__ import annotations

from assistant.eval.scoring import bootstrap_ci, mean
from assistant.eval.types import ANSWER_METRICS, COST_METRICS, RETRIEVAL_METRICS, EvalRow, Metric


def _stat(values: list) -> Metric:
    vals = [float(v) for v in values if v is not None]
    ci = bootstrap_ci(vals)
    return Metric(value=mean(vals), ci95=list(ci) if ci else None, n=len(vals))


def metric_values(rows: list[EvalRow]) -> dict[str, list]:
    answerable = [r for r in rows if r.answerable]
    values: dict[str, list] = {k: [r.retrieval[k] for r in answerable if r.retrieval and k in r.retrieval]
                               for k in RETRIEVAL_METRICS}
    values["retrieval_ms"] = [r.retrieval_ms for r in rows]
    answered = [r for r in rows if r.answered]
    if answered:
        values.update(_answer_values(answered))
    return values


def _answer_values(rows: list[EvalRow]) -> dict[str, list]:
    answerable = [r for r in rows if r.answerable]
    kept = [r for r in answerable if not r.abstained]
    values = {
        "correct": [r.correct for r in rows],
        "abstain_on_unanswerable": [r.abstained for r in rows if not r.answerable],
        "false_abstain": [r.abstained for r in answerable],
        "citation_precision": [r.citation_precision for r in kept],
        "supported_sentences": [r.supported_sentences for r in kept],
        "dangling_markers": [r.dangling_markers for r in kept],
        "evidence_in_prompt": [r.evidence_in_prompt for r in answerable],
        "similarity": [r.similarity for r in rows],
    }
    for key in COST_METRICS:
        values[key] = [getattr(r.timings, key) if r.timings else None for r in rows]
    assert set(values) == set(ANSWER_METRICS) | set(COST_METRICS)  # the one list of names, kept in step
    return values


def aggregate(rows: list[EvalRow]) -> dict:
    overall = {k: _stat(v) for k, v in metric_values(rows).items()}
    by_type = {}
    for t in sorted({r.type for r in rows}):
        by_type[t] = {k: _stat(v) for k, v in metric_values([r for r in rows if r.type == t]).items()}
    return {"overall": overall, "by_type": by_type, "n_questions": len(rows)}


def flat(agg: dict) -> dict[str, float | None]:
    """The overall values by metric name: results.json's `aggregate` keys."""
    return {k: v.value for k, v in agg["overall"].items()}
