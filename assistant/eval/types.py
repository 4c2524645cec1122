"""The eval's result contract: the metric names, defined once, and the typed row and metric records.

Every module of the eval reads these: the runner fills an `EvalRow` per question, scoring
computes its fields, aggregate turns rows into `Metric`s, report writes them, compare reads
them back. A row is saved as JSON (rows.jsonl, results.json) and read back with
`EvalRow.model_validate`, so the results of earlier runs (whose rows lack the newer fields)
still load. Nothing here computes a score.

    >>> RETRIEVAL_METRICS[:4]
    ('hits@4', 'hits@10', 'hits@20', 'mrr@10')
    >>> EvalRow(id="q1", type="factual", question="Q?", answerable=True, reference="R").answered
    False
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from assistant.records import Citation, Passage, Timings, Turn

KS = (4, 10, 20)  # retrieval depths scored
RETRIEVAL_METRICS = (
    *(f"hits@{k}" for k in KS), "mrr@10", *(f"evidence_recall@{k}" for k in KS),
    *(f"all_evidence@{k}" for k in KS), *(f"source@{k}" for k in KS),
)  # answerable questions; each row's `retrieval` holds these
ANSWER_METRICS = ("correct", "abstain_on_unanswerable", "false_abstain", "citation_precision",
                  "supported_sentences", "dangling_markers", "evidence_in_prompt", "similarity")
COST_METRICS = ("first_token_s", "total_s", "tokens_per_s")  # from the answer's timings
HEADLINE = ("correct", "abstain_on_unanswerable", "false_abstain", "hits@4", "hits@10", "mrr@10",
            "evidence_recall@10", "all_evidence@10", "citation_precision", "supported_sentences",
            "evidence_in_prompt", "similarity", "first_token_s", "total_s", "tokens_per_s", "retrieval_ms")
PER_TYPE = ("correct", "hits@10", "mrr@10", "all_evidence@10")  # the per-type table's columns


class EvalRow(BaseModel, extra="ignore"):
    """One question's result. The answer fields stay None in a retrieval-only run."""

    id: str
    type: str
    question: str
    answerable: bool
    reference: str
    expected_sources: list[str] = Field(default_factory=list)
    history: list[Turn] = Field(default_factory=list, description="the earlier turns of a follow-up question")
    standalone_question: str | None = Field(None, description="what a follow-up was rewritten to, and searched for")
    retrieval: dict[str, float] | None = Field(None, description="RETRIEVAL_METRICS (answerable questions)")
    retrieval_ms: float = 0.0
    ranked_sources: list[str] = Field(default_factory=list, description="the best 10 passages' sources")
    answer: str | None = None
    abstained: bool | None = None
    abstain_reason: str | None = None
    withheld: str | None = None
    unknown_names: list[str] = Field(default_factory=list)
    correct: bool | None = None
    citations: list[Citation] = Field(default_factory=list)
    passages: list[Passage] = Field(default_factory=list)
    citation_precision: float | None = None
    dangling_markers: int | None = None
    supported_sentences: float | None = None
    sentence_support: list[float] = Field(default_factory=list)
    left_out: int | None = None
    second_look: bool | None = None
    evidence_in_prompt: float | None = Field(
        None, description="share of the evidence spans found in the text the model read (answerable, with evidence)")
    similarity: float | None = None
    timings: Timings | None = None

    @property
    def answered(self) -> bool:
        """Whether the model was asked (not a retrieval-only row)."""
        return self.answer is not None

    def saved(self) -> dict:
        """The row as JSON; a retrieval-only row leaves the answer fields out, as before."""
        return self.model_dump(mode="json", exclude=None if self.answered else _ANSWER_FIELDS)


_ANSWER_FIELDS = {"answer", "abstained", "abstain_reason", "withheld", "unknown_names", "correct", "citations",
                  "passages", "citation_precision", "dangling_markers", "supported_sentences", "sentence_support",
                  "left_out", "second_look", "evidence_in_prompt", "similarity", "timings"}


class Metric(BaseModel):
    """One aggregate: the mean over the questions it applies to, its bootstrap 95% interval, and how many."""

    value: float | None
    ci95: list[float] | None
    n: int
