"""The answer service: question -> retrieved passages -> prompt -> streamed, checked, cited answer.

One service serves the CLI, the chat window, the API and the eval. `stream()`
yields AnswerEvents in this order:
  'rewrite'  (follow-ups only) the standalone question retrieval will use;
  'passages' the passages the model will read (again before a second look, with more);
  'token'    the answer, one checked sentence at a time (`event.sentence` says whether its
             citations hold it): a sentence is shown only once it is judged, so nothing shown
             is ever taken back;
  'answer'   the full record: citations checked in code, spans, timings.
`ask()` runs the same path and returns only the record.

Whether the model is asked, what a sentence cites, and when the answer is
withheld is decided by grounding.py's rules, in its fixed order; this module
runs them and keeps their reason in the record (`abstain_reason`).

The model first reads the best `retrieval.top_k` passages. If it answers that
the documents don't say, it gets a second look with `answer.second_look_k`
passages (the first ones stay in the model's cache, so only the new ones are
read). Sentences are held back until one is grounded (it adds something its
citations hold), so a refusal followed by a second look, or an answer that is
then withheld, is never shown. After the first grounded sentence, a sentence
whose figures or names stand in no passage is dropped (kept in `withheld`);
one its citations hold only in part is shown, flagged unsupported.

A `Filter` limits the documents the passages may come from (files, folders,
dates); nothing outside it reaches the model.

A `stop` event, set from another thread (the UI's stop button), ends the
generation at the next token (the generator sees it too, so a request whose
client went away stops even while no one reads its tokens); the record keeps
what was shown, marked stopped. The model's own lock (generate.py) makes
requests take turns.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass, field

from assistant import grounding
from assistant.budget import MESSAGE_OVERHEAD, fit
from assistant.citations import best_span
from assistant.config import Settings
from assistant.errors import FilterError
from assistant.filters import allowed
from assistant.focus import focus
from assistant.generate import Generator
from assistant.prompts import Prompts
from assistant.records import Answer, AnswerEvent, Citation, Filter, Passage, Timings, Turn
from assistant.retrieve import Retriever

REWRITE_TOKENS = 64  # a standalone question is short
FOCUS_CHARS = 300  # of a passage read cut: the sentences that bear on the question and their neighbours


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
        clock = _Clock()
        standalone = None
        if history and s.answer.rewrite_followups:
            standalone = self.rewrite(question, history)
            clock.timings.rewrite_s = clock.elapsed()
            yield AnswerEvent(kind="rewrite", text=standalone)
        query = standalone or question
        retrieved = self._retrieve(query, filter)
        clock.timings.retrieval_s = clock.elapsed() - clock.timings.rewrite_s
        base = {"question": question, "standalone_question": standalone, "model": self.generator.name,
                "filter": filter if filter is not None and not filter.empty else None}
        first = retrieved[: s.retrieval.top_k]
        unknown = self.retriever.unknown_names(query) if s.answer.unknown_names else []
        case = grounding.Case(query, retrieved, unknown, min_score=s.answer.min_score)
        reason = grounding.first_reason(grounding.BEFORE, case)
        if reason:
            yield AnswerEvent(kind="passages", passages=first)
            yield AnswerEvent(kind="token", text=self.prompts.abstain)
            yield self._abstain({**base, "unknown_names": unknown}, first, reason, clock)
            return
        astray = self.retriever.off_subject(query, retrieved) if s.answer.subject else set()
        run = yield from self._read(query, first, retrieved, stop, clock, astray)
        reason = self._verdict(run)
        if reason is None and not run.shown and not run.stopped:
            yield from self._show(run, run.judged, clock)  # nothing grounded, but the rule that would say so is off
        elif reason is not None:
            yield AnswerEvent(kind="token", text=self.prompts.abstain)
        yield self._finish(run, reason, base, clock)

    def _retrieve(self, query: str, filter: Filter | None) -> list[Passage]:
        s = self.settings
        scope = filter if filter is not None and not filter.empty else None
        sources = allowed(scope, self.catalog()) if scope is not None else None  # no catalogue read without a filter
        if sources == set():
            raise FilterError(f"no indexed document matches the filter ({_describe(scope)}): widen or remove it")
        return self.retriever.search(query, max(s.retrieval.top_k, s.answer.second_look_k), sources)

    def _read(self, query, first, retrieved, stop, clock, astray: set[str]) -> Iterator[AnswerEvent]:
        """The model reads the first passages, and all of them once more if it says the documents don't
        say (the second look); returns the last pass."""
        passes = [first] + ([retrieved] if len(retrieved) > len(first) else [])
        for n, passages in enumerate(passes):
            prompt = self.fit(query, passages)
            clock.timings.prompt_tokens = prompt.tokens
            yield AnswerEvent(kind="passages", passages=prompt.used)
            run = _Run(query=query, used=prompt.used, left_out=prompt.left_out, read=prompt.read, second_look=n > 0,
                       astray=frozenset(i for i, p in enumerate(prompt.used, 1) if p.source in astray))
            messages = prompt.messages
            yield from self._generate(messages, stop, clock, run)
            if run.stopped or run.shown or not grounding.is_abstention(run.raw):
                break
        return run

    def _generate(self, messages, stop, clock: _Clock, run: _Run) -> Iterator[AnswerEvent]:
        """Stream the model's reply, judging each sentence as it completes; shown sentences become token
        events (see the module's doc for what is held back and what is dropped)."""
        s = self.settings
        texts = [p.text for p in run.used]
        with closing(self.generator.stream(messages, s.model.max_tokens, s.model.temperature, s.model.seed,
                                           stop=stop)) as tokens:
            for piece in tokens:
                if run.gen_start is None:
                    run.gen_start = time.perf_counter()
                    clock.timings.first_token_s = clock.elapsed()
                run.pieces.append(piece)
                done, run.pending = grounding.complete_sentences(run.pending + piece)
                for sentence in done:
                    yield from self._judged(run, grounding.judge(sentence, run.query, texts, run.astray), clock)
                if stop is not None and stop.is_set():
                    run.stopped = True
                    return
        for sentence in grounding.split_sentences(run.pending):
            yield from self._judged(run, grounding.judge(sentence, run.query, texts, run.astray), clock)
        run.pending = ""

    def _judged(self, run: _Run, judged: grounding.Judged, clock: _Clock) -> Iterator[AnswerEvent]:
        """Hold a sentence until one is grounded; then show what was held and what follows, except a sentence
        naming a figure or name that no passage holds, which is dropped (kept in `withheld`)."""
        run.judged.append(judged)
        if not run.shown and not grounding.grounded(judged, run.query, self.settings.answer.min_support):
            return
        done = {id(j) for j in run.sentences} | run.dropped_ids
        fresh = [j for j in run.judged if id(j) not in done]
        checking = self.settings.answer.min_support > 0
        for j in fresh:
            if checking and j.invented:
                run.dropped.append(j.text)
                run.dropped_ids.add(id(j))
        yield from self._show(run, [j for j in fresh if id(j) not in run.dropped_ids], clock)

    def _show(self, run: _Run, sentences: list[grounding.Judged], clock: _Clock) -> Iterator[AnswerEvent]:
        if sentences and not run.shown:
            clock.timings.first_sentence_s = clock.elapsed()
            run.shown = True
        for j in sentences:
            run.sentences.append(j)
            yield AnswerEvent(kind="token", text=("" if len(run.sentences) == 1 else " ") + j.text,
                              sentence=j.record())

    def _verdict(self, run: _Run) -> str | None:
        """Why the answer is withheld (grounding.AFTER's first rule that fires), or None."""
        s = self.settings
        if run.stopped or run.shown:
            return None
        case = grounding.Case(run.query, run.used, raw=run.raw, sentences=run.judged, min_support=s.answer.min_support)
        return grounding.first_reason(grounding.AFTER, case, set() if s.answer.restated else {"restated"})

    def _finish(self, run: _Run, reason: str | None, base: dict, clock: _Clock) -> AnswerEvent:
        clock.timings.total_s = clock.elapsed()
        clock.timings.completion_tokens = len(run.pieces)
        if len(run.pieces) > 1 and run.gen_start is not None:
            clock.timings.tokens_per_s = (len(run.pieces) - 1) / max(1e-6, time.perf_counter() - run.gen_start)
        base = {**base, "second_look": run.second_look, "read": run.read}
        if reason:
            withheld = None if reason == "model" else " ".join(j.text for j in run.judged) or None
            return self._abstain(base, run.used, reason, clock, run.left_out, withheld)
        text = " ".join(j.text for j in run.sentences)
        cited = list(dict.fromkeys(n for j in run.sentences for n in j.citations))
        claims = {n: " ".join(j.text for j in run.sentences if n in j.citations) for n in cited}
        return AnswerEvent(kind="answer", answer=Answer(
            **base, answer=text, abstained=False, passages=run.used, timings=clock.timings,
            citations=[_citation(n, run.used[n - 1], claims[n]) for n in cited],
            sentences=[j.record() for j in run.sentences], left_out=run.left_out, stopped=run.stopped,
            withheld=" ".join(run.dropped) or None,
        ))

    def warm(self) -> None:
        """Load the embedder and the model and process the fixed system prompt now (the server does this
        at start), so the first question is as quick as the next."""
        self.retriever.embedder.embed(["warm-up"])
        self.generator.warm(self.prompts.messages("", []))

    def rewrite(self, question: str, history: list[Turn]) -> str:
        """The follow-up as a standalone question (the question itself if the model returns nothing)."""
        text = self.generator.complete(self.prompts.rewrite_messages(question, history), REWRITE_TOKENS, 0.0,
                                       self.settings.model.seed)
        for line in text.splitlines():  # the first line that is a question, not a label ("Conversation:")
            line = re.sub(r"^(standalone question|follow-up|user)\s*:\s*", "", line.strip(), flags=re.I).strip('"')
            if line and not line.endswith(":"):
                return line if _keeps_the_thread(line, question, history) else f"{history[-1].question} {question}"
        return question

    def fit(self, query: str, passages: list[Passage]) -> Prompt:
        """The messages that fit the context window, with the passages used and those left out. The model
        reads the best `answer.read_whole` passages whole and the others cut to what bears on the question
        (focus.py); the record keeps them whole, for citations and spans."""
        count = self.generator.count_tokens
        whole = self.settings.answer.read_whole
        shown = [p if n < whole else p.model_copy(update={"text": focus(query, p.text, FOCUS_CHARS)})
                 for n, p in enumerate(passages)]
        fixed = sum(count(m["content"]) + MESSAGE_OVERHEAD for m in self.prompts.messages(query, [])) + MESSAGE_OVERHEAD
        code = self.prompts.code(query)  # the fence code the prompt will carry: counted as it will be read
        costs = [count(self.prompts.passage(n, p, code)) + 2 for n, p in enumerate(shown, 1)]
        kept, total = fit(costs, fixed, self.generator.context_window - self.settings.model.max_tokens)
        return Prompt(self.prompts.messages(query, shown[:kept]), passages[:kept], passages[kept:], total,
                      [p.text for p in shown[:kept]])

    def _abstain(self, base, passages, reason, clock, left_out=(), withheld=None) -> AnswerEvent:
        clock.timings.total_s = clock.elapsed()
        return AnswerEvent(kind="answer", answer=Answer(
            **base, answer=self.prompts.abstain, abstained=True, abstain_reason=reason, citations=[],
            passages=passages, left_out=list(left_out), timings=clock.timings, withheld=withheld,
        ))


@dataclass(frozen=True)
class Prompt:
    """What the model is given: the messages, the passages used (whole, for the record) and left out for lack
    of room, the prompt's size in tokens, and each used passage's text as the model reads it."""

    messages: list[dict[str, str]]
    used: list[Passage]
    left_out: list[Passage]
    tokens: int
    read: list[str]


class _Clock:
    """When the question came, and the timings measured from then."""

    def __init__(self):
        self.start = time.perf_counter()
        self.timings = Timings()

    def elapsed(self) -> float:
        return time.perf_counter() - self.start


@dataclass
class _Run:
    """One pass of the model: what it wrote and how each sentence was judged, shown, held or dropped."""

    query: str
    used: list[Passage]
    left_out: list[Passage]
    read: list[str] = field(default_factory=list)
    second_look: bool = False
    astray: frozenset[int] = frozenset()  # the passages whose documents never mention what the question names
    pieces: list[str] = field(default_factory=list)
    pending: str = ""  # the sentence being written
    judged: list[grounding.Judged] = field(default_factory=list)
    sentences: list[grounding.Judged] = field(default_factory=list)  # shown, in order
    dropped: list[str] = field(default_factory=list)
    dropped_ids: set[int] = field(default_factory=set)
    gen_start: float | None = None
    stopped: bool = False
    shown: bool = False

    @property
    def raw(self) -> str:
        return "".join(self.pieces).strip()


def _citation(n: int, p: Passage, claim: str) -> Citation:
    span_start, span_end = best_span(claim, p.text)
    return Citation(
        n=n, source=p.source, page=p.page, text=p.text, heading=p.heading, part=p.part,
        char_start=p.char_start, char_end=p.char_end, span_start=span_start, span_end=span_end,
    )


def _describe(f: Filter) -> str:
    parts = [f"files {', '.join(f.files)}" if f.files else "", f"folders {', '.join(f.folders)}" if f.folders else "",
             f"after {f.after}" if f.after else "", f"before {f.before}" if f.before else ""]
    return "; ".join(p for p in parts if p)


def _keeps_the_thread(rewritten: str, question: str, history: list[Turn]) -> bool:
    """A rewrite must share a content word with the follow-up or the conversation: a small model
    sometimes returns an unrelated question, and retrieval would then search for it."""
    said = grounding.terms(question).union(*(grounding.terms(f"{t.question} {t.answer}") for t in history[-2:]))
    return bool(grounding.terms(rewritten) & said)
