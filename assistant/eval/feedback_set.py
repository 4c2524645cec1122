"""The thumbs-down ratings as a question set (shared/eval/FORMAT.md), for `assistant feedback export`.

Each rating down becomes one question, for a person to confirm before its
correctness is scored:

- `id`: `fb-<day rated>-<rating number>`, the same at every export;
- `question`, `history`: the question the answer was given to (the standalone
  one for a rewritten follow-up) and the conversation's earlier turns;
- `answer`: the user's correction, or "" when they gave none;
- `keywords`: empty. Nothing is derived from the correction: a person writes
  them (the eval's keyword rule is too strict for a guess);
- `sources`: candidates, the cited files first, then the closest;
- `answerable`: true (a thumbs down says the assistant failed a question the
  user expected answered), with `"to_confirm": true`. The eval reads such a
  question with no keywords, scores its retrieval, and leaves its `correct`
  unscored until a person fills in `keywords` and drops `to_confirm`
  (or sets `answerable` false, for a question the documents do not answer);
- `type`: "feedback"; `feedback`: what was rated (time, user, collection, the
  answer given, the abstention's reason), for the person confirming.

    >>> from datetime import datetime, timezone
    >>> from assistant.feedback import Cited, Rating
    >>> r = Rating(id=7, time=datetime(2026, 11, 29, tzinfo=timezone.utc), collection="corpus", question="Q?",
    ...            asked="Q?", answer="A.", abstained=False, up=False, correction="B.", closest=["b.md", "a.md"],
    ...            cited=[Cited(n=1, source="a.md", where="page 2")])
    >>> q = question(r)
    >>> q["id"], q["answer"], q["sources"], q["answerable"], q["to_confirm"]
    ('fb-2026-11-29-7', 'B.', ['a.md', 'b.md'], True, True)
"""

from __future__ import annotations

import json
from pathlib import Path

from assistant.eval.questions import Question
from assistant.feedback import Rating


def question(rated: Rating) -> dict:
    """One thumbs-down rating as a line of the question set (checked by the eval's own Question)."""
    line = {
        "id": f"fb-{rated.time.date().isoformat()}-{rated.id}",
        "question": rated.question,
        "answer": rated.correction or "",
        "keywords": [],
        "sources": list(dict.fromkeys([c.source for c in rated.cited] + rated.closest)),
        "answerable": True,
        "to_confirm": True,
        "type": "feedback",
        "history": [t.model_dump() for t in rated.history],
        "feedback": {"time": rated.time.isoformat(timespec="seconds"), "user": rated.user,
                     "collection": rated.collection, "given": rated.answer, "abstain_reason": rated.abstain_reason},
    }
    Question.model_validate(line)
    return line


def export(ratings: list[Rating], out: Path) -> int:
    """Write the thumbs-down ratings among `ratings` to `out` (JSON Lines); returns how many."""
    lines = [json.dumps(question(r), ensure_ascii=False) for r in ratings if not r.up]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return len(lines)
