"""Pydantic records shared by every layer: Document, Chunk, Passage, Citation, Answer.

They live at the bottom of the import graph so no upper layer imports a sibling
just to get a type. `Answer.model_dump()` is the `assistant ask --json`
contract: fields may be added, none renamed.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field


class Part(BaseModel):
    """A document inside a file (a mail's attachment): chunked apart, under its own title and pages."""

    start: int = Field(description="character offset of the part's first character in the file's text")
    end: int
    title: str = Field(description="the part's name, e.g. 'report.pdf (attached to “Q3 figures”)'")
    pages: list[int] = Field(default_factory=list, description="offset in the file's text where each page of the part starts")


class Document(BaseModel):
    """One file's text, as a loader read it."""

    source: str = Field(description="path relative to the corpus folder, with / separators")
    title: str
    text: str
    content_hash: str = Field(description="sha256 of the file's bytes, its reader's version and the chunker's")
    markdown: bool = Field(False, description="headings are written '# ...' (Markdown, and HTML/DOCX converted to it)")
    pages: list[int] = Field(default_factory=list, description="character offset where each page starts (PDF); page 1 first")
    meta: str = Field("", description="the document's own 'Key: value' header lines (Source:, Published:), for lexical search")
    parts: list[Part] = Field(default_factory=list, description="documents inside the file (a mail's attachments)")


class Chunk(BaseModel):
    """A piece of a document small enough for the embedder."""

    id: str
    source: str
    title: str
    text: str
    index: int = Field(description="position of the chunk within its document, from 0")
    char_start: int
    char_end: int
    heading: str = Field(default="", description="heading path, ' > ' separated")
    page: int | None = None
    content_hash: str
    meta: str = Field(default="", description="the document's header metadata (Document.meta), given to BM25 with each chunk")
    part: str = Field(default="", description="the title of the document inside the file it comes from (Part), if any")

    def with_context(self) -> str:
        """The text the embedder sees: the document title and heading path, then the chunk (BM25 reads it
        with the document's header metadata, `lexical_text`).

        A heading path that starts with the title (a Markdown `# Title`) does not repeat it.
        """
        heading = self.heading
        if heading == self.title:
            heading = ""
        elif heading.startswith(self.title + " > "):
            heading = heading[len(self.title) + 3:]
        return "\n".join(x for x in (self.title, heading, self.text) if x)

    def lexical_text(self) -> str:
        """The text BM25 indexes: the embedder's text plus the document's header metadata, so a question
        that names an outlet or a date finds every chunk of that document, not only its first."""
        return f"{self.with_context()}\n{self.meta}" if self.meta else self.with_context()


def where(item: "Passage | Citation") -> str:
    """Where a passage sits in its document, for people: its page, else its heading, else its characters. A
    page of a document inside the file (a mail's attachment) is named with that document.

    >>> where(Passage(source="q3.eml", text="", score=0, page=2, part="report.pdf (attached to “Q3”)"))
    'report.pdf (attached to “Q3”), page 2'
    """
    if item.page:
        return f"{item.part}, page {item.page}" if item.part else f"page {item.page}"
    return item.heading or f"characters {item.char_start}-{item.char_end}"


class Passage(BaseModel):
    """A retrieved chunk with its score (higher is better)."""

    source: str
    text: str
    score: float
    title: str = ""
    heading: str = ""
    index: int = 0
    char_start: int = 0
    char_end: int = 0
    page: int | None = None
    part: str = Field(default="", description="the document inside the file this passage is from (Chunk.part)")
    rank_score: float | None = Field(default=None, description="the fused ranking score that set the order")


class Citation(BaseModel):
    """A passage the answer cites, numbered as in the prompt ([n])."""

    n: int
    source: str
    page: int | None = None
    text: str
    heading: str = ""
    part: str = Field(default="", description="the document inside the file it cites (Chunk.part)")
    char_start: int = 0
    char_end: int = 0
    span_start: int = Field(0, description="start of the supporting span within `text`")
    span_end: int = Field(0, description="end of the supporting span within `text` (the document offset is char_start + span_end)")

    @property
    def span(self) -> str:
        return self.text[self.span_start : self.span_end]


class Filter(BaseModel):
    """Which documents a question may be answered from (see filters.py); empty allows all."""

    files: list[str] = Field(default_factory=list, description="glob patterns on the path in the corpus, e.g. 'reports/*.pdf'")
    folders: list[str] = Field(default_factory=list, description="folders in the corpus, each with everything under it")
    after: date | None = Field(None, description="only documents modified on or after this day (UTC)")
    before: date | None = Field(None, description="only documents modified on or before this day (UTC)")

    @property
    def empty(self) -> bool:
        return not (self.files or self.folders or self.after or self.before)


class Turn(BaseModel):
    """One earlier exchange of a conversation, as a follow-up question sees it."""

    question: str
    answer: str


class Sentence(BaseModel):
    """One sentence of the answer, checked against the passages it cites."""

    text: str
    citations: list[int] = Field(default_factory=list)
    supported: bool
    support: float = Field(0.0, description="share of what the sentence adds beyond the question (its words, "
                           "figures and names) found in the passages it cites; 0 when a figure or name is in none")


class Timings(BaseModel):
    rewrite_s: float = 0.0
    retrieval_s: float = 0.0
    first_token_s: float | None = Field(None, description="the model's first token, from the question")
    first_sentence_s: float | None = Field(None, description="the first checked sentence shown, from the question")
    total_s: float = 0.0
    tokens_per_s: float | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0


class Answer(BaseModel):
    """The full answer record, shared by the CLI, the UI and (later) the eval and API."""

    question: str
    answer: str
    abstained: bool
    citations: list[Citation]
    passages: list[Passage]
    model: str
    timings: Timings
    sentences: list[Sentence] = Field(default_factory=list)
    dangling_markers: int = Field(0, description="[n] markers that pointed at no passage and were removed")
    left_out: list[Passage] = Field(
        default_factory=list, description="retrieved passages left out of the prompt for lack of room, lowest-ranked first out"
    )
    standalone_question: str | None = Field(
        None, description="a follow-up rewritten into a standalone question (what retrieval and the model saw)"
    )
    abstain_reason: str | None = Field(
        None, description="why the assistant abstained: 'unknown_name', 'weak_evidence', 'model', 'off_subject', "
        "'unsupported', 'restated' or None"
    )
    unknown_names: list[str] = Field(
        default_factory=list, description="names the question uses that no indexed document mentions "
        "(abstain_reason 'unknown_name')"
    )
    withheld: str | None = Field(
        None, description="the model's text a check withheld (abstain_reason 'off_subject', 'unsupported' or "
        "'restated', or sentences naming a figure or name no passage holds): kept for review, never given as the answer"
    )
    stopped: bool = Field(False, description="the user stopped the generation before the model finished")
    second_look: bool = Field(
        False, description="the model said the documents don't say from the first top_k passages, and was asked "
        "again with second_look_k (the passages are those of the second pass)"
    )
    filter: Filter | None = Field(None, description="the filter the question was asked with")
    read: list[str] = Field(
        default_factory=list, description="the text of each passage as the model read it, in prompt order (the "
        "evidence it was shown; the eval's evidence_in_prompt is measured on it); empty when the model was not asked"
    )
    served_by: str | None = Field(
        None, description="the address of the `assistant serve` that answered (`assistant ask` and `chat` through "
        "a server, client.server_url); None: answered in this process"
    )

    def numbered_sources(self) -> list[tuple[int, Citation | Passage]]:
        """What the answer shows under it, numbered as in the prompt: its citations, or, when it
        abstained, the closest passages."""
        if self.abstained:
            return list(enumerate(self.passages, 1))
        return [(c.n, c) for c in self.citations]


class AnswerEvent(BaseModel):
    """One step of a streamed answer: the passages found, a piece of text, or the final record."""

    kind: str = Field(description="'rewrite', 'passages', 'token' or 'answer'")
    text: str = ""
    sentence: Sentence | None = Field(None, description="with a 'token' of the answer: the checked sentence it shows")
    passages: list[Passage] = Field(default_factory=list)
    answer: Answer | None = None
