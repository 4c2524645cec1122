"""Saved conversations: the store (conversations.sqlite) and the chat window's events that save, list, open,
rename, delete and export them, with deterministic records and no model."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from assistant.conversations import FILE, NOBODY, Conversations, title
from assistant.errors import ConversationError
from assistant.records import Answer, Citation, Passage, Timings, Turn


def answer(question="Who designed the Karsk Point lighthouse?", abstained=False) -> Answer:
    passages = [Passage(source="lighthouse.md", text="The present stone tower was built in 1923 by Oda Ruskvik.",
                        score=0.8, heading="History"),
                Passage(source="notes/orchard.md", text="The society presses cider in October.", score=0.3)]
    cited = [] if abstained else [Citation(n=1, source="lighthouse.md", heading="History", char_start=10, char_end=68,
                                           text="The present stone tower was built in 1923 by Oda Ruskvik.")]
    return Answer(question=question, answer="The documents don't say." if abstained else "Oda Ruskvik [1].",
                  abstained=abstained, abstain_reason="weak_evidence" if abstained else None, citations=cited,
                  passages=passages, model="m", timings=Timings(total_s=1.0))


def at(minute: int) -> datetime:
    return datetime(2026, 11, 29, 9, minute, tzinfo=timezone.utc)


FIRST = [Turn(question="Who designed the Karsk Point lighthouse?", answer="Oda Ruskvik [1].")]


@pytest.fixture
def store(tmp_path) -> Conversations:
    return Conversations(tmp_path / "data" / FILE)


def test_conversations_are_listed_newest_first_and_titled_from_their_first_question(store):
    old = store.start(NOBODY, "corpus", "Who designed the Karsk Point lighthouse?", answer(), FIRST, now=at(1))
    new = store.start(NOBODY, "corpus", "When does the orchard society press cider?", answer(), [], now=at(2))
    assert [(c.id, c.title, c.updated) for c in store.list(NOBODY)] == [
        (new, "When does the orchard society press cider?", at(2)), (old, "Who designed the Karsk Point lighthouse?", at(1))]
    store.append(old, NOBODY, "How tall is it?", answer("How tall is it?"), FIRST + FIRST, now=at(3))
    listed = store.list(NOBODY)
    assert [c.id for c in listed] == [old, new]  # the one answered last comes first
    assert (listed[0].created, listed[0].updated, listed[0].title) == (at(1), at(3), "Who designed the Karsk Point lighthouse?")
    assert store.list("alice") == []


def test_a_long_first_question_is_cut_on_a_word_boundary():
    assert title("  Who   designed\nit? ") == "Who designed it?"
    long = "What did the engineer who designed the Karsk Point lighthouse tower do after the fire of 1911?"
    assert title(long) == "What did the engineer who designed the Karsk Point…" and len(title(long)) <= 60
    assert title("x" * 80) == "x" * 59 + "…"


def test_a_conversation_is_read_back_whole_after_the_file_is_opened_again(store, tmp_path):
    n = store.start(NOBODY, "corpus", "Who designed the Karsk Point lighthouse?", answer(), FIRST, now=at(1))
    follow = answer("How tall is it?").model_copy(update={"standalone_question": "How tall is the Karsk Point lighthouse?"})
    store.append(n, NOBODY, "How tall is it?", follow, FIRST + [Turn(question="How tall is the Karsk Point lighthouse?",
                                                                      answer="Oda Ruskvik [1].")], now=at(2))
    abstained = answer("Who lives there?", abstained=True)
    store.append(n, NOBODY, "Who lives there?", abstained, FIRST * 2, now=at(3))  # an abstention is saved, as shown
    again = Conversations(tmp_path / "data" / FILE).get(n, NOBODY)  # a new process, the same file
    assert [e.question for e in again.exchanges] == ["Who designed the Karsk Point lighthouse?", "How tall is it?",
                                                     "Who lives there?"]
    assert again.exchanges[1].answer == follow and again.exchanges[2].answer == abstained
    assert again.exchanges[0].turns == FIRST and again.turns == FIRST * 2  # the memory the next follow-up sees
    assert [e.time for e in again.exchanges] == [at(1), at(2), at(3)] and again.collection == "corpus"
    assert oct(store.path.stat().st_mode & 0o777) == "0o600"


def test_rename_and_delete(store):
    n = store.start("alice", "corpus", "Who designed the Karsk Point lighthouse?", answer(), FIRST, now=at(1))
    other = store.start("alice", "corpus", "Another?", answer(), [], now=at(2))
    assert store.rename(n, "alice", "  The   lighthouse\n", now=at(5)) == "The lighthouse"
    assert [(c.id, c.title) for c in store.list("alice")] == [(n, "The lighthouse"), (other, "Another?")]
    with pytest.raises(ConversationError, match="cannot be empty: type the new title, then Rename"):
        store.rename(n, "alice", "  \n ")
    store.delete(n, "alice")
    assert [c.id for c in store.list("alice")] == [other]
    with pytest.raises(ConversationError, match=f"no conversation numbered {n}: it was deleted"):
        store.get(n, "alice")


def test_another_owners_conversation_is_not_found(store):
    n = store.start("alice", "corpus", "Who designed the Karsk Point lighthouse?", answer(), FIRST)
    for act in (lambda: store.get(n, "bob"), lambda: store.get(n, NOBODY), lambda: store.rename(n, "bob", "mine"),
                lambda: store.delete(n, "bob"), lambda: store.markdown(n, "bob"),
                lambda: store.append(n, "bob", "q", answer(), []), lambda: store.get("1", "alice")):
        with pytest.raises(ConversationError, match="it is not yours; choose one from the list"):
            act()
    assert store.get(n, "alice").title == "Who designed the Karsk Point lighthouse?"  # untouched


def test_markdown_holds_each_question_answer_and_cited_passage(store):
    n = store.start(NOBODY, "corpus", "Who designed the Karsk Point lighthouse?", answer(), FIRST, now=at(1))
    store.append(n, NOBODY, "Who lives there?", answer("Who lives there?", abstained=True), FIRST, now=at(2))
    text = store.markdown(n, NOBODY)
    assert text.startswith("# Who designed the Karsk Point lighthouse?\n")
    assert "Collection corpus; started 2026-11-29 09:01, last changed 2026-11-29 09:02 (UTC)." in text
    assert "## 1. Who designed the Karsk Point lighthouse?\n\nOda Ruskvik \\[1\\].\n" in text
    assert "**\\[1\\] lighthouse.md**, History\n\n```text\nThe present stone tower was built in 1923 by Oda Ruskvik.\n```" in text
    assert "## 2. Who lives there?\n\nThe documents don't say." in text
    second = text.split("## 2.")[1]  # an abstention lists the closest passages
    assert "Closest passages:" in second and "**\\[2\\] notes/orchard.md**, characters 0-0" in second


def test_markup_in_a_passage_or_an_answer_stays_text_in_the_export(store):
    hostile = answer().model_copy(update={"answer": "See ![x](http://evil.example/x.png) <img src=y> [1]."})
    hostile.citations[0].text = "```\n<script>alert(1)</script>\n```"
    n = store.start(NOBODY, "corpus", "What is <b>this</b>?", hostile, [])
    text = store.markdown(n, NOBODY)
    assert "See \\!\\[x\\](http://evil.example/x.png) \\<img src=y\\> \\[1\\]." in text  # shown, never fetched
    assert "# What is \\<b\\>this\\</b\\>?" in text
    assert "````text\n```\n<script>alert(1)</script>\n```\n````" in text  # fenced by a longer fence


def test_a_damaged_file_is_an_error_that_says_what_to_do(store):
    store.path.parent.mkdir(parents=True)
    store.path.write_bytes(b"not a database " * 200)
    with pytest.raises(ConversationError, match="restore it from a backup, or move it aside"):
        store.list(NOBODY)


def test_a_file_from_a_newer_version_is_refused(store):
    store.list(NOBODY)
    import sqlite3

    with sqlite3.connect(store.path) as db:
        db.execute("PRAGMA user_version = 9")
    with pytest.raises(ConversationError, match="written by a newer version of the assistant"):
        store.list(NOBODY)
