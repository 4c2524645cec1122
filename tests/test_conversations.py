"""Saved conversations: the store (conversations.sqlite) and the chat window's events that save, list, open,
rename, delete and export them, with deterministic records and no model."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

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


# --- the chat window's events, without a browser or a model -------------------------------------------------

from types import SimpleNamespace  # noqa: E402

from assistant.access import Access  # noqa: E402
from assistant.app import Workspace  # noqa: E402
from assistant.config import load_settings  # noqa: E402
from assistant.ui import Handlers, render_sources  # noqa: E402
from assistant.users import Users  # noqa: E402

SKIP = {"__type__": "update"}  # gr.skip(): an output left as it is


def handlers(tmp_path, access=None) -> Handlers:
    """The chat window's events over a workspace of two collections (nothing ingested, no model loaded)."""
    settings = load_settings(paths__data_dir=tmp_path / "data", paths__corpus_dir=tmp_path / "corpus",
                             store__collections={"alpha": tmp_path / "alpha"})
    return Handlers(Workspace(settings), access)


def request(name=None):
    return SimpleNamespace(username=name, session_hash="s1")


def asked(h: Handlers, history: list, record: Answer, collection: str = "corpus") -> list:
    """The chat after an answer, as respond leaves it."""
    return history + h.exchange(record.question, record, collection)


def test_each_answer_is_saved_and_the_conversation_opens_as_it_was_shown(tmp_path):
    h, me = handlers(tmp_path), request()
    events = h.conversations
    assert events.listing(me) == {"__type__": "update", "choices": [], "value": None}
    first = answer()
    chat, turns = asked(h, [], first), [t.model_dump() for t in FIRST]
    current, listed, note = events.save(chat, first.model_dump(mode="json"), "corpus", turns, None, me)
    assert current["id"] == 1 and current["collection"] == "corpus" and note == ""
    assert listed["value"] == 1 and [c[1] for c in listed["choices"]] == [1]
    assert listed["choices"][0][0].startswith("Who designed the Karsk Point lighthouse? · 20")
    assert listed["choices"][0][0].endswith(" · corpus")  # two collections: the list names each one's
    kept = Handlers.keep(None, chat, first.model_dump(mode="json"), "corpus", turns, {})
    # the same answer again (an empty question leaves `last` as it was): not saved twice
    assert events.save(chat, first.model_dump(mode="json"), "corpus", turns, current, me) == (SKIP, SKIP, SKIP)
    follow = answer("When was it built?").model_copy(update={"standalone_question": "When was the lighthouse built?"})
    chat = asked(h, chat, follow)
    turns = turns + [{"question": "When was the lighthouse built?", "answer": follow.answer}]
    current, _, _ = events.save(chat, follow.model_dump(mode="json"), "corpus", turns, current, me)
    kept = Handlers.keep(None, chat, follow.model_dump(mode="json"), "corpus", turns, kept)
    refused = chat + [{"role": "user", "content": "q"}, {"role": "assistant", "content": "Error: ..."}]
    assert events.save(refused, None, "corpus", turns, current, me) == (SKIP, SKIP, SKIP)  # an error: nothing

    again = handlers(tmp_path).conversations  # a restart: a new process on the same data folder
    shown = again.open(1, me)
    assert shown[0] == chat and shown[1] == turns and shown[2] == follow.model_dump(mode="json")
    assert shown[3] == "corpus" and shown[4] == render_sources(follow) and shown[5] == ""
    assert shown[6]["id"] == 1 and shown[7] == kept  # each answer may still be rated, with its earlier turns
    assert "Opened “Who designed the Karsk Point lighthouse?”" in shown[8]
    # a follow-up after opening goes on in the same conversation
    more = answer("Who lives there?", abstained=True)
    current, listed, _ = again.save(asked(h, chat, more), more.model_dump(mode="json"), "corpus", turns, shown[6], me)
    assert current["id"] == 1 and [e.question for e in again.store.get(1, NOBODY).exchanges] == [
        "Who designed the Karsk Point lighthouse?", "When was it built?", "Who lives there?"]


def test_a_new_conversation_another_collection_or_a_deleted_one_starts_afresh(tmp_path):
    h, me = handlers(tmp_path), request()
    events, record = h.conversations, answer()
    chat = asked(h, [], record)
    one, _, _ = events.save(chat, record.model_dump(mode="json"), "corpus", [], None, me)
    two, _, _ = events.save(chat, answer("Other?").model_dump(mode="json"), "corpus", [], None, me)  # New conversation
    assert (one["id"], two["id"]) == (1, 2)
    three, _, _ = events.save(chat, answer("In alpha?").model_dump(mode="json"), "alpha", [], two, me)
    assert three["id"] == 3 and three["collection"] == "alpha"  # the conversation of another collection is left
    assert events.delete(3, three, me)[1:] == (None, "Deleted.")  # the current one: the next answer starts anew
    four, listed, _ = events.save(chat, answer("Again?").model_dump(mode="json"), "alpha", [], three, me)
    assert four["id"] == 4 and [c[1] for c in listed["choices"]] == [4, 2, 1]
    assert events.delete(1, four, me)[1] == SKIP  # another one: the current conversation stays


def test_rename_delete_and_export_from_the_panel(tmp_path):
    h, me = handlers(tmp_path), request()
    events, record = h.conversations, answer()
    events.save(asked(h, [], record), record.model_dump(mode="json"), "corpus", [], None, me)
    listed, box, note = events.rename(1, "  Karsk   Point ", me)
    assert box == "" and note == "Renamed to “Karsk Point”." and listed["choices"][0][0].startswith("Karsk Point · ")
    assert events.rename(1, "   ", me) == (SKIP, SKIP, "Not renamed: a conversation's title cannot be empty: type the "
                                                       "new title, then Rename")
    for act in (lambda c: events.rename(c, "x", me), lambda c: events.delete(c, None, me), lambda c: events.open(c, me)):
        assert act(None)[-1].endswith("choose a conversation from the list first")
        assert "no conversation numbered 9" in act(9)[-1]
    file, note = events.export(1, me)
    assert file["visible"] is True and note == "" and file["value"].endswith("/Karsk-Point.md")
    path = Path(file["value"])
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# Karsk Point\n") and "## 1. Who designed the Karsk Point lighthouse?" in text
    assert "Oda Ruskvik \\[1\\]." in text and "The present stone tower was built in 1923 by Oda Ruskvik." in text
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert events.export(None, me) == ({"__type__": "update", "value": None, "visible": False},
                                       "Not exported: choose a conversation from the list first")
    assert events.delete(1, None, me)[2] == "Deleted." and events.listing(me)["choices"] == []


def test_with_accounts_each_user_sees_and_opens_only_their_own(tmp_path):
    names = ["corpus", "alpha"]
    users = Users(tmp_path / "data" / "users.sqlite")
    users.add("alice", collections=["alpha"], known=names)
    users.add("bob", collections=["alpha"], known=names)
    h = handlers(tmp_path, Access(users, names))
    events, record = h.conversations, answer()
    alice, bob = request("alice"), request("bob")
    current, _, _ = events.save(asked(h, [], record, "alpha"), record.model_dump(mode="json"), "alpha", [], None, alice)
    assert events.store.get(current["id"], "alice").owner == "alice"
    assert events.listing(bob)["choices"] == [] and [c[1] for c in events.listing(alice)["choices"]] == [1]
    for act in (events.open(1, bob), events.export(1, bob), events.rename(1, "mine", bob), events.delete(1, None, bob)):
        assert "no conversation numbered 1: it was deleted, or it is not yours" in act[-1]
    refused = events.save(asked(h, [], record), record.model_dump(mode="json"), "corpus", [], None, bob)
    assert refused[:2] == (SKIP, SKIP) and "Not saved: collection 'corpus' is not yours" in refused[2]
    gone = events.save(asked(h, [], record), record.model_dump(mode="json"), "alpha", [], None, request("carol"))
    assert "you are not signed in" in gone[2] and events.listing(request("carol"))["choices"] == []

    users.remove("alice")  # alice may no longer use alpha: her conversation is listed, not opened nor exported
    users.add("alice", collections=["corpus"], known=names)
    assert [c[1] for c in events.listing(alice)["choices"]] == [1]
    for act in (events.open(1, alice), events.export(1, alice)):
        assert "it is in collection 'alpha', which is not yours now: ask an admin for it, or delete the conversation" \
            in act[-1].replace("\\", "")
    assert events.open(1, alice)[:8] == (SKIP,) * 8
    assert events.rename(1, "Old", alice)[2] == "Renamed to “Old”." and events.delete(1, None, alice)[2] == "Deleted."


def test_a_conversation_of_a_collection_no_longer_served_is_not_opened(tmp_path):
    h, me = handlers(tmp_path), request()
    events, record = h.conversations, answer()
    events.store.start(NOBODY, "gone", "Old?", record, [])
    assert "its collection 'gone' is not served here now" in events.open(1, me)[-1].replace("\\", "")
