"""Deterministic fakes for fast unit tests: exact values in, exact values out.

The real parts (Chroma, MiniLM, llama.cpp with the bundled model) are tested beside these, in the tests
marked `model`, `embedder`, `servers` and `browser`.
"""

from __future__ import annotations

import hashlib
from types import SimpleNamespace

from assistant.records import Answer, Citation, Passage, Sentence, Timings


class WordCounter:
    """Counts whitespace-separated words: a stand-in for the embedder's tokenizer."""

    def __call__(self, text: str) -> int:
        return len(text.split())


class FakeEmbedder:
    """Deterministic bag-of-words hashing embedder: similar texts get similar vectors."""

    def __init__(self, id: str = "fake-embedder", dimension: int = 64):
        self.id = id
        self.dimension = dimension
        self.calls = 0

    def embed(self, texts: list[str]) -> list[list[float]]:
        self.calls += 1
        out = []
        for text in texts:
            vec = [0.0] * self.dimension
            for word in text.lower().split():
                word = word.strip(".,;:!?\"'()[]")
                if word:
                    vec[int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dimension] += 1.0
            norm = sum(v * v for v in vec) ** 0.5 or 1.0
            out.append([v / norm for v in vec])
        return out

    def count_tokens(self, text: str) -> int:
        return len(text.split())


class ScriptedGenerator:
    """Replies from a script, one per call; one token per word; counts tokens as words."""

    name = "scripted"

    def __init__(self, *replies: str, context_window: int = 4096):
        self.replies = list(replies)
        self.context_window = context_window
        self.calls: list[list[dict]] = []
        self.closed = False

    def count_tokens(self, text: str) -> int:
        return len(text.split())

    def stream(self, messages, max_tokens, temperature, seed, stop=None):
        self.calls.append(messages)
        try:
            for word in self.replies.pop(0).split(" "):
                yield word + " "
        finally:
            self.closed = True

    def complete(self, messages, max_tokens, temperature, seed):
        return "".join(self.stream(messages, max_tokens, temperature, seed))


class FixedRetriever:
    def __init__(self, passages, unknown=(), astray=()):
        self.passages = passages
        self.unknown = list(unknown)  # the names no document mentions
        self.astray = set(astray)  # the sources that never mention what any question names
        self.queries: list[str] = []

    def off_subject(self, question, passages):
        return {p.source for p in passages} & self.astray

    def unknown_names(self, question):
        return [name for name in self.unknown if name in question]

    def search(self, question, k, sources=None):
        self.queries.append(question)
        return [p for p in self.passages if sources is None or p.source in sources][:k]


class FakeService:
    def __init__(self, fail_at: str | None = None):
        self.asked: list[str] = []
        self.fail_at = fail_at
        self.retriever = SimpleNamespace(search=lambda q, k: [Passage(source="a.md", text="Oda Ruskvik built it", score=0.9)])
        self.prompts = SimpleNamespace(secret=b"drawn by the process")

    def ask(self, question: str, history=None) -> Answer:
        if question == self.fail_at:
            raise KeyboardInterrupt
        self.asked.append(question)
        p = Passage(source="a.md", text="Oda Ruskvik built it", score=0.9)
        return Answer(question=question, answer="Oda Ruskvik built it. [1]", abstained=False,
                      citations=[Citation(n=1, source="a.md", text=p.text)], passages=[p], model="fake",
                      timings=Timings(total_s=1.0, first_token_s=0.5, tokens_per_s=10.0),
                      sentences=[Sentence(text="Oda Ruskvik built it. [1]", citations=[1], supported=True)])
