"""The answer service: question -> retrieved passages -> prompt -> streamed, cited answer.

One service serves the CLI, the chat window and the eval. `stream()` yields
AnswerEvents in this order:
  'rewrite'  (follow-ups only) the standalone question retrieval will use;
  'passages' the passages the model will read (after the context budget; again
             before a second look, with more);
  'token'    pieces of text as the model writes them;
  'answer'   the full record: citations checked in code, spans, timings.
`ask()` runs the same path and returns only the record.

The model first reads the best `top_k` passages. If it answers that the
documents don't say, it gets a second look: the same prompt with `second_look_k`
passages (the first ones stay in the model's cache, so only the new ones are
read). Its words are held back while they may still be that sentence, so a
refusal that is followed by a second look is never shown.

The assistant abstains, answering the fixed abstain sentence with the closest
passages attached, when
  - the question names something that no indexed document mentions (`unknown_names`;
    names.py): the model is not asked,
  - the best passage's cosine similarity is below `min_score` (the model is not asked),
  - the model says the documents do not hold the answer (after its second look), or
  - no sentence of the answer (a bare Yes or No aside) has `min_support` of its
    content words in the passage it cites: the model wrote something the
    passages do not hold, or
  - the answer only repeats the question's words (`restated`; citations.adds_nothing):
    it states nothing the question did not.

A `Filter` limits the documents the passages may come from (files, folders,
dates); nothing outside it reaches the model.

A `stop` event, set from another thread (the UI's stop button), ends the
generation at the next token; the record keeps what was written, marked stopped.
The model's own lock (generate.py) makes requests take turns.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import closing

from assistant.budget import MESSAGE_OVERHEAD, fit
from assistant.citations import (adds_nothing, best_overlap, best_span, check_sentences, is_abstention, is_bare_verdict,
                                 resolve)
from assistant.config import Settings
from assistant.errors import FilterError
from assistant.filters import allowed
from assistant.generate import Generator
from assistant.prompts import Prompts
from assistant.records import Answer, AnswerEvent, Citation, Filter, Passage, Sentence, Timings, Turn
from assistant.retrieve import Retriever

REWRITE_TOKENS = 64  # a standalone question is short


class AnswerService:
    def __init__(self, retriever: Retriever, generator: Generator, prompts: Prompts, settings: Settings,
                 catalog: Callable[[], dict[str, float | None]] = dict):
        self.retriever = retriever
        self.generator = generator
        self.prompts = prompts
        self.settings = settings
        self.catalog = catalog  # indexed source -> modification time, for filters

    def ask(self, question: str, history: list[Turn] | None = None, filter: Filter | None = None) -> Answer:
        for event in self.stream(question, history, filter=filter):
            if event.answer is not None:
                return event.answer
        raise AssertionError("stream() ended without an answer")  # pragma: no cover

    def stream(
        self, question: str, history: list[Turn] | None = None, stop: threading.Event | None = None,
        filter: Filter | None = None,
    ) -> Iterator[AnswerEvent]:
        s = self.settings
        start = time.perf_counter()
        timings = Timings()
        standalone = None
        if history and s.answer.rewrite_followups:
            standalone = self.rewrite(question, history)
            timings.rewrite_s = time.perf_counter() - start
            yield AnswerEvent(kind="rewrite", text=standalone)
        query = standalone or question

        scope = filter if filter is not None and not filter.empty else None
        sources = allowed(scope, self.catalog()) if scope is not None else None  # no catalogue read without a filter
        if sources == set():
            raise FilterError(f"no indexed document matches the filter ({_describe(scope)}): widen or remove it")
        retrieved = self.retriever.search(query, max(s.retrieval.top_k, s.answer.second_look_k), sources)
        timings.retrieval_s = time.perf_counter() - start - timings.rewrite_s
        base = {"question": question, "standalone_question": standalone, "model": self.generator.name, "filter": scope}

        first = retrieved[: s.retrieval.top_k]
        unknown = self.retriever.unknown_names(query) if s.answer.unknown_names else []
        weak = not retrieved or max(p.score for p in retrieved) < s.answer.min_score
        if unknown or weak:
            yield AnswerEvent(kind="passages", passages=first)
            yield AnswerEvent(kind="token", text=self.prompts.abstain)
            base["unknown_names"] = unknown
            yield from self._abstain(base, first, "unknown_name" if unknown else "weak_evidence", timings, start)
            return

        # the first pass reads top_k passages; if the model says the documents don't say, a second
        # reads second_look_k, whose prompt starts with the first's (cached, so only the rest is read)
        passes = [first] + ([retrieved] if len(retrieved) > len(first) else [])
        for n, passages in enumerate(passes):
            messages, used, left_out, timings.prompt_tokens = self.fit(query, passages)
            yield AnswerEvent(kind="passages", passages=used)
            last = n == len(passes) - 1
            run = _Run()
            yield from self._generate(messages, stop, start, timings, run, hold=not last)
            raw = "".join(run.pieces).strip()
            if last or run.stopped or run.shown or not is_abstention(raw):
                break
        timings.total_s = time.perf_counter() - start
        timings.completion_tokens = len(run.pieces)
        if len(run.pieces) > 1 and run.gen_start is not None and timings.total_s > run.gen_start - start:
            timings.tokens_per_s = (len(run.pieces) - 1) / (start + timings.total_s - run.gen_start)
        base["second_look"] = n > 0
        stopped = run.stopped

        if not stopped and (not raw or is_abstention(raw)):
            yield from self._abstain(base, used, "model", timings, start, left_out)
            return
        record = self._grounded(raw, used, base, timings)
        record.left_out, record.stopped, record.read = left_out, stopped, [p.text for p in used]
        judged = [x.support for x in record.sentences if not is_bare_verdict(x.text)]
        if s.answer.min_support > 0 and not stopped and judged and max(judged) < s.answer.min_support:
            yield from self._abstain(base, used, "unsupported", timings, start, left_out, withheld=record.answer)
            return
        if s.answer.restated and not stopped and adds_nothing(record.answer, query):
            yield from self._abstain(base, used, "restated", timings, start, left_out, withheld=record.answer)
            return
        yield AnswerEvent(kind="answer", answer=record)

    def _generate(self, messages, stop, start: float, timings: Timings, run: _Run, hold: bool) -> Iterator[AnswerEvent]:
        """Stream the model's reply as token events. With `hold`, words are kept back while the reply may
        still be the abstain sentence (a second pass may follow), and shown as soon as it is not."""
        s = self.settings
        with closing(self.generator.stream(messages, s.model.max_tokens, s.model.temperature, s.model.seed)) as tokens:
            for piece in tokens:
                if run.gen_start is None:
                    run.gen_start = time.perf_counter()
                run.pieces.append(piece)
                if not (hold and _may_be(self.prompts.abstain, run.pieces)):  # else held back
                    if hold:  # not the abstain sentence after all: show what was held
                        hold, piece = False, "".join(run.pieces)
                    if not run.shown:
                        timings.first_token_s = time.perf_counter() - start
                    run.shown = True
                    yield AnswerEvent(kind="token", text=piece)
                if stop is not None and stop.is_set():
                    run.stopped = True
                    break
        if hold and run.pieces and (run.stopped or not is_abstention("".join(run.pieces))):
            timings.first_token_s = time.perf_counter() - start  # held to the end, and no second pass follows
            run.shown = True
            yield AnswerEvent(kind="token", text="".join(run.pieces))

    def warm(self) -> None:
        """Load the embedder and the model and process the fixed system prompt now (the server does this
        at start), so the first question is as quick as the next."""
        self.retriever.embedder.embed(["warm-up"])
        self.generator.warm(self.prompts.messages("", []))

    def rewrite(self, question: str, history: list[Turn]) -> str:
        """The follow-up as a standalone question (the question itself if the model returns nothing)."""
        text = self.generator.complete(self.prompts.rewrite_messages(question, history), REWRITE_TOKENS, 0.0, self.settings.model.seed)
        for line in text.splitlines():  # the first line that is a question, not a label ("Conversation:")
            line = line.strip().removeprefix("Standalone question:").strip().strip('"')
            if line and not line.endswith(":"):
                return line
        return question

    def fit(self, query: str, passages: list[Passage]) -> tuple[list[dict[str, str]], list[Passage], list[Passage], int]:
        """The messages that fit the context window, with the passages used and those left out."""
        count = self.generator.count_tokens
        shown = passages
        fixed = sum(count(m["content"]) + MESSAGE_OVERHEAD for m in self.prompts.messages(query, [])) + MESSAGE_OVERHEAD
        code = self.prompts.code(query)  # the fence code the prompt will carry: counted as it will be read
        costs = [count(self.prompts.passage(n, p, code)) + 2 for n, p in enumerate(shown, 1)]
        kept, total = fit(costs, fixed, self.generator.context_window - self.settings.model.max_tokens)
        used, left_out = passages[:kept], passages[kept:]
        return self.prompts.messages(query, shown[:kept]), used, left_out, total

    def _grounded(self, raw: str, passages: list[Passage], base: dict, timings: Timings) -> Answer:
        texts = [p.text for p in passages]
        text, _, dropped = resolve(raw, len(passages))
        text, checked = check_sentences(text, texts)
        cited = list(dict.fromkeys(n for _, ns, _, _ in checked for n in ns))
        if not cited:  # every answer cites something: the passage it overlaps most
            best = best_overlap(text, texts)
            if best is not None:
                text, cited = f"{text} [{best}]", [best]
        claims = {n: " ".join(sent for sent, ns, _, _ in checked if n in ns) or text for n in cited}
        return Answer(
            **base, answer=text, abstained=False, passages=passages, timings=timings, dangling_markers=dropped,
            citations=[_citation(n, passages[n - 1], claims[n]) for n in cited],
            sentences=[Sentence(text=t, citations=ns, supported=ok, support=sc) for t, ns, ok, sc in checked],
        )

    def _abstain(self, base, passages, reason, timings, start, left_out=(), withheld=None) -> Iterator[AnswerEvent]:
        text = self.prompts.abstain
        timings.total_s = time.perf_counter() - start
        yield AnswerEvent(kind="answer", answer=Answer(
            **base, answer=text, abstained=True, abstain_reason=reason, citations=[],
            passages=passages, left_out=list(left_out), timings=timings, withheld=withheld,
        ))


def _may_be(sentence: str, pieces: list[str]) -> bool:
    """Whether the reply written so far is the start of `sentence`, or the sentence itself (and more)."""
    said, whole = (" ".join(x.lower().split()) for x in ("".join(pieces), sentence))
    return whole.startswith(said) or said.startswith(whole)


class _Run:
    """One pass of the model: what it wrote, when it began, whether it was stopped or anything shown."""

    def __init__(self):
        self.pieces: list[str] = []
        self.gen_start: float | None = None
        self.stopped = False
        self.shown = False


def _citation(n: int, p: Passage, claim: str) -> Citation:
    span_start, span_end = best_span(claim, p.text)
    return Citation(
        n=n, source=p.source, page=p.page, text=p.text, heading=p.heading,
        char_start=p.char_start, char_end=p.char_end, span_start=span_start, span_end=span_end,
    )


def _describe(f: Filter) -> str:
    parts = [f"files {', '.join(f.files)}" if f.files else "", f"folders {', '.join(f.folders)}" if f.folders else "",
             f"after {f.after}" if f.after else "", f"before {f.before}" if f.before else ""]
    return "; ".join(p for p in parts if p)
