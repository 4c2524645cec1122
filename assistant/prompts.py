"""Prompt rendering: the only reader of `prompts/`.

Renders the chat messages for a question and its numbered passages and the
follow-up rewriting request, and gives the fixed abstain sentence. Passage
text goes through guard.py first, so instruction-like sentences never reach
the model, and is then fenced (`fenced`): put between two lines that carry a
code random to each question, which the system prompt names as the bounds of
quoted data; a document cannot know the code, so it cannot close its fence.
Templates use `string.Template` placeholders, so braces in
document text need no escaping, and a `$` in a passage is never interpreted
(passages are substituted as values, not as templates).

    >>> from assistant.config import ROOT
    >>> passage = Passage(source="tower.md", text="Oda Ruskvik built the tower.", score=0.9)
    >>> Prompts(ROOT / "prompts", secret=b"k").messages("Who built it?", [passage])[1]["content"][:69]
    'Passages:\\n\\n[1] (from tower.md)\\n<<<data 550db837\\nOda Ruskvik built the'
"""

from __future__ import annotations

import hmac
import re
import secrets
from pathlib import Path
from string import Template

from assistant.errors import ConfigError
from assistant.guard import defang
from assistant.records import Passage, Turn

_FILES = ("system", "answer", "passage", "abstain", "rewrite")
HISTORY_TURNS = 3  # earlier exchanges shown to the rewriter
ANSWER_CHARS = 300  # of each earlier answer, markers removed


PLACEHOLDER = "0" * 8  # a fence code of the real length, for counting a passage's tokens


def fenced(text: str, code: str) -> str:
    """Passage text between two lines that carry the question's code (prompts/system.txt, rule 4)."""
    return f"<<<data {code}\n{text}\ndata {code}>>>"


class Prompts:
    def __init__(self, folder: Path, guard: bool = True, secret: bytes | None = None):
        self.folder = folder
        self.guard = guard  # cut instruction-like sentences from passage text (guard.py)
        self.secret = secret or secrets.token_bytes(16)  # per process: the fence codes cannot be guessed
        self._t: dict[str, str] = {}
        for name in _FILES:
            path = folder / f"{name}.txt"
            try:
                self._t[name] = path.read_text(encoding="utf-8")
            except OSError:
                raise ConfigError(f"prompt template {path} is missing: restore it from the repository") from None

    @property
    def system(self) -> str:
        return self._t["system"].strip()

    @property
    def abstain(self) -> str:
        return self._t["abstain"].strip()

    def code(self, question: str) -> str:
        """The fence code of a question: the same on both passes of one question (so the second look reuses
        the first's cached prompt), unknown to any document."""
        return hmac.new(self.secret, question.encode(), "sha256").hexdigest()[:8]

    def passage(self, n: int, p: Passage, code: str = PLACEHOLDER) -> str:
        where = f", page {p.page}" if p.page else (f", section {p.heading}" if p.heading else "")
        where = f", {p.part}{where}" if p.part and p.page else where  # an attachment's page: which document's
        text = defang(p.text)[0] if self.guard else p.text
        text = fenced(text.strip(), code)
        return Template(self._t["passage"]).substitute(n=n, source=p.source, where=where, text=text).strip()

    def user(self, question: str, passages: list[Passage]) -> str:
        code = self.code(question)
        block = "\n\n".join(self.passage(i, p, code) for i, p in enumerate(passages, 1))
        return Template(self._t["answer"]).substitute(passages=block, question=question.strip()).strip()

    def messages(self, question: str, passages: list[Passage]) -> list[dict[str, str]]:
        return [
            {"role": "system", "content": self.system},
            {"role": "user", "content": self.user(question, passages)},
        ]

    def rewrite_messages(self, question: str, history: list[Turn]) -> list[dict[str, str]]:
        """The request to turn a follow-up into a standalone question, given the last few turns."""
        lines = []
        for turn in history[-HISTORY_TURNS:]:
            answer = re.sub(r"\s*\[\d+\]", "", turn.answer).strip()
            if len(answer) > ANSWER_CHARS:
                answer = answer[:ANSWER_CHARS].rsplit(" ", 1)[0] + " ..."
            lines += [f"User: {turn.question.strip()}", f"Assistant: {answer}"]
        text = Template(self._t["rewrite"]).substitute(history="\n".join(lines), question=question.strip())
        return [{"role": "user", "content": text.strip()}]
