"""Read and validate a question set (the JSON Lines format of shared/eval/FORMAT.md).

Each line is one Question; a bad line raises EvalInputError naming the file,
the line number and the field. Selection (`--split`, `--limit`, `--sample N
--seed S`) is deterministic, so a run can be repeated and resumed.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError, model_validator

from assistant.errors import AssistantError
from assistant.records import Turn


class EvalInputError(AssistantError):
    """A question file is missing or malformed (names the line and field)."""


class Question(BaseModel, extra="ignore"):
    id: str = Field(min_length=1)
    question: str = Field(min_length=1)
    answer: str
    keywords: list[list[str]]
    sources: list[str]
    answerable: bool
    type: str = "all"
    evidence: list[str] = Field(default_factory=list)
    split: str | None = None
    history: list[Turn] = Field(default_factory=list, description="earlier turns: the question is a follow-up to them")
    to_confirm: bool = Field(False, description="a draft (from `assistant feedback export`): a person has yet to "
                             "confirm answerable, keywords and sources; its correctness is not scored without keywords")

    @model_validator(mode="after")
    def _keywords_fit_answerable(self) -> "Question":
        if self.answerable and not self.keywords and not self.to_confirm:
            raise ValueError("an answerable question needs at least one keyword group")
        if any(not group or not all(k.strip() for k in group) for group in self.keywords):
            raise ValueError("keyword groups must be non-empty lists of non-empty strings")
        return self


def load_questions(path: Path) -> list[Question]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise EvalInputError(f"cannot read question file {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise EvalInputError(f"{path} is not UTF-8 text") from None
    questions, seen = [], set()
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            raise EvalInputError(f"{path}, line {number}: not valid JSON ({exc.msg} at column {exc.colno})") from None
        if not isinstance(data, dict):
            raise EvalInputError(f"{path}, line {number}: expected a JSON object, got {type(data).__name__}")
        try:
            q = Question.model_validate(data)
        except ValidationError as exc:
            err = exc.errors()[0]
            field = ".".join(str(p) for p in err["loc"]) or "(line)"
            raise EvalInputError(f"{path}, line {number}, field '{field}': {err['msg']}") from None
        if q.id in seen:
            raise EvalInputError(f"{path}, line {number}, field 'id': duplicate id {q.id!r}")
        seen.add(q.id)
        questions.append(q)
    if not questions:
        raise EvalInputError(f"{path} holds no questions")
    return questions


def select(questions: list[Question], split: str | None = None, limit: int | None = None,
           sample: int | None = None, seed: int = 0) -> list[Question]:
    chosen = [q for q in questions if split is None or q.split == split]
    if sample is not None and sample < len(chosen):
        chosen = sorted(random.Random(seed).sample(chosen, sample), key=lambda q: questions.index(q))
    if limit is not None:
        chosen = chosen[:limit]
    return chosen
