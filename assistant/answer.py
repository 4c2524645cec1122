"""The answer service: question -> retrieved passages -> prompt -> streamed, cited answer.

One service serves the CLI and the chat window (and later the eval and API).
`stream()` yields AnswerEvents: first the passages, then text pieces as the
model writes them, last the full Answer record (citations checked in code,
timings). `ask()` runs the same path and returns only the record.

When the best passage scores below `min_score`, the model is not asked at all:
the answer is the fixed abstain sentence, with the closest passages attached.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

from assistant.citations import best_overlap, check_sentences, is_abstention, resolve
from assistant.config import Settings
from assistant.generate import Generator
from assistant.prompts import Prompts
from assistant.records import Answer, AnswerEvent, Citation, Passage, Sentence, Timings
from assistant.retrieve import Retriever


class AnswerService:
    def __init__(self, retriever: Retriever, generator: Generator, prompts: Prompts, settings: Settings):
        self.retriever = retriever
        self.generator = generator
        self.prompts = prompts
        self.settings = settings

    def ask(self, question: str) -> Answer:
        for event in self.stream(question):
            if event.answer is not None:
                return event.answer
        raise AssertionError("stream() ended without an answer")  # pragma: no cover

    def stream(self, question: str) -> Iterator[AnswerEvent]:
        s = self.settings
        start = time.perf_counter()
        passages = self.retriever.search(question, s.top_k)
        retrieval_s = time.perf_counter() - start
        yield AnswerEvent(kind="passages", passages=passages)

        if not passages or max(p.score for p in passages) < s.min_score:
            text = self.prompts.abstain
            yield AnswerEvent(kind="token", text=text)
            timings = Timings(retrieval_s=retrieval_s, total_s=time.perf_counter() - start)
            yield AnswerEvent(kind="answer", answer=self._record(question, text, True, [], passages, timings))
            return

        pieces: list[str] = []
        first_token_s = None
        messages = self.prompts.messages(question, passages)
        for piece in self.generator.stream(messages, s.max_tokens, s.temperature, s.seed):
            if first_token_s is None:
                first_token_s = time.perf_counter() - start
            pieces.append(piece)
            yield AnswerEvent(kind="token", text=piece)
        total_s = time.perf_counter() - start
        generating = total_s - (first_token_s or total_s)
        timings = Timings(
            retrieval_s=retrieval_s, first_token_s=first_token_s, total_s=total_s,
            tokens_per_s=(len(pieces) - 1) / generating if len(pieces) > 1 and generating > 0 else None,
            completion_tokens=len(pieces),
            prompt_tokens=sum(self.generator.count_tokens(m["content"]) for m in messages),
        )
        raw = "".join(pieces).strip()
        if not raw or is_abstention(raw):
            record = self._record(question, self.prompts.abstain, True, [], passages, timings)
        else:
            texts = [p.text for p in passages]
            text, _, dropped = resolve(raw, len(passages))
            text, checked = check_sentences(text, texts)
            cited = list(dict.fromkeys(n for _, ns, _ in checked for n in ns))
            if not cited:  # every answer cites something: the passage it overlaps most
                best = best_overlap(text, texts)
                if best is not None:
                    text, cited = f"{text} [{best}]", [best]
            citations = [_citation(n, passages[n - 1]) for n in cited]
            record = self._record(question, text, False, citations, passages, timings)
            record.sentences = [Sentence(text=sent, citations=ns, supported=ok) for sent, ns, ok in checked]
            record.dangling_markers = dropped
        yield AnswerEvent(kind="answer", answer=record)

    def _record(self, question, text, abstained, citations, passages, timings) -> Answer:
        return Answer(
            question=question, answer=text, abstained=abstained, citations=citations,
            passages=passages, model=self.generator.name, timings=timings,
        )


def _citation(n: int, p: Passage) -> Citation:
    return Citation(
        n=n, source=p.source, page=p.page, text=p.text, heading=p.heading,
        char_start=p.char_start, char_end=p.char_end,
    )
