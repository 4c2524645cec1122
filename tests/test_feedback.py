"""The feedback store (feedback.sqlite), and its thumbs down exported as a question set the eval reads: by its
own loader and by `assistant eval --retrieval-only` on a real (embedded Chroma) index with the fake embedder."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone

import pytest

from assistant.app import Engines
from assistant.cli import main
from assistant.errors import FeedbackError
from assistant.eval.feedback_set import export
from assistant.eval.questions import load_questions
from assistant.feedback import FILE, Feedback, rating
from assistant.records import Answer, Citation, Passage, Timings, Turn
from tests.support.fakes import FakeEmbedder


def answer(question="When was the lighthouse built?", abstained=False, standalone=None) -> Answer:
    passages = [Passage(source="lighthouse.md", text="It was built in 1871.", score=0.8),
                Passage(source="notes/visits.md", text="Visits in summer.", score=0.5),
                Passage(source="lighthouse.md", text="Its lamp was electrified.", score=0.4)]
    cited = [] if abstained else [Citation(n=1, source="lighthouse.md", text="It was built in 1871.", char_start=40,
                                           char_end=61, heading="History")]
    return Answer(question=question, answer="I don't know." if abstained else "In 1872 [1].", abstained=abstained,
                  abstain_reason="weak_evidence" if abstained else None, citations=cited, passages=passages,
                  model="m", timings=Timings(total_s=1.0), standalone_question=standalone)


def day(d: int) -> datetime:
    return datetime(2026, 11, d, 9, 30, tzinfo=timezone.utc)


@pytest.fixture
def store(tmp_path) -> Feedback:
    return Feedback(tmp_path / "data" / FILE)


def test_a_rating_is_stored_with_its_answer_and_read_back(store):
    history = [Turn(question="What is the lighthouse?", answer="A tower [1].")]
    n = store.add(rating(answer("and when was it built?", standalone="When was the lighthouse built?"), up=False,
                         collection="corpus", user="alice", history=history, now=day(3)))
    store.correct(n, "  In 1871, not 1872.  ")
    got = store.get(n)
    assert (got.id, got.time, got.user, got.collection) == (n, day(3), "alice", "corpus")
    assert (got.question, got.asked, got.history) == ("When was the lighthouse built?", "and when was it built?", history)
    assert (got.answer, got.abstained, got.abstain_reason, got.up) == ("In 1872 [1].", False, None, False)
    assert [(c.n, c.source, c.where, c.char_start, c.char_end) for c in got.cited] == [(1, "lighthouse.md", "History", 40, 61)]
    assert got.closest == ["lighthouse.md", "notes/visits.md"]  # rank order, each file once
    assert got.correction == "In 1871, not 1872."
    assert oct(store.path.stat().st_mode & 0o777) == "0o600"


def test_a_changed_or_withdrawn_rating_and_the_filters(store):
    first = store.add(rating(answer(), up=True, collection="corpus", user=None, now=day(1)))
    second = store.add(rating(answer(abstained=True), up=False, collection="legal", user=None, now=day(2)))
    third = store.add(rating(answer(), up=True, collection="corpus", user=None, now=day(3)))
    store.change(third, up=False)
    assert [r.id for r in store.ratings()] == [first, second, third]
    assert [r.id for r in store.ratings(since=date(2026, 11, 2))] == [second, third]
    assert [r.id for r in store.ratings(collection="corpus")] == [first, third]
    assert [r.id for r in store.ratings(up=False)] == [second, third]
    store.withdraw(second)
    assert [r.id for r in store.ratings(up=False)] == [third]
    assert store.add(rating(answer(), up=True, collection="corpus", user=None)) > third  # numbers are never reused
    with pytest.raises(FeedbackError, match="no rating numbered 99"):
        store.correct(99, "x")


def test_a_damaged_file_is_a_feedback_error_that_says_what_to_do(store):
    store.path.parent.mkdir(parents=True)
    store.path.write_bytes(b"not a database " * 200)
    with pytest.raises(FeedbackError, match="restore it from a backup, or move it aside"):
        store.ratings()


def test_the_thumbs_down_export_as_questions_the_eval_reads(store, tmp_path):
    store.add(rating(answer(), up=True, collection="corpus", user=None, now=day(1)))
    down = store.add(rating(answer(), up=False, collection="corpus", user="bob", now=day(2),
                            history=[Turn(question="What is it?", answer="A tower.")]))
    store.correct(down, "In 1871.")
    silent = store.add(rating(answer(abstained=True), up=False, collection="corpus", user=None, now=day(3)))
    out = tmp_path / "failures.jsonl"
    assert export(store.ratings(), out) == 2
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [q["id"] for q in lines] == [f"fb-2026-11-02-{down}", f"fb-2026-11-03-{silent}"]
    assert [q["answer"] for q in lines] == ["In 1871.", ""]
    assert lines[0]["sources"] == ["lighthouse.md", "notes/visits.md"]  # cited first, then the closest
    assert all(q["keywords"] == [] and q["answerable"] is True and q["to_confirm"] is True for q in lines)
    assert lines[1]["feedback"]["abstain_reason"] == "weak_evidence" and lines[0]["feedback"]["user"] == "bob"
    loaded = load_questions(out)
    assert [(q.id, q.to_confirm, q.type) for q in loaded] == [(lines[0]["id"], True, "feedback"), (lines[1]["id"], True, "feedback")]
    assert loaded[0].history == [Turn(question="What is it?", answer="A tower.")]
    assert export(store.ratings(), out) == 2 and [json.loads(x)["id"] for x in out.read_text().splitlines()] == [
        q["id"] for q in lines]  # the same ids at every export


def test_a_confirmed_question_still_needs_its_keywords(tmp_path):
    path = tmp_path / "q.jsonl"
    path.write_text(json.dumps({"id": "a", "question": "Q?", "answer": "", "keywords": [], "sources": [],
                                "answerable": True}) + "\n")
    with pytest.raises(Exception, match="at least one keyword group"):
        load_questions(path)


def test_feedback_export_and_list_commands_then_a_retrieval_only_eval(tmp_path, corpus, monkeypatch, capsys):
    fake = FakeEmbedder()
    monkeypatch.setattr(Engines, "embedder", property(lambda self: fake))
    data = tmp_path / "data"
    assert main(["ingest", str(corpus), "--data-dir", str(data), "--quiet"]) == 0
    store = Feedback(data / FILE)
    store.add(rating(answer(), up=True, collection="corpus", user=None, now=day(1)))
    n = store.add(rating(answer(), up=False, collection="corpus", user="alice", now=day(5)))
    store.correct(n, "In 1871.")
    store.add(rating(answer(), up=False, collection="legal", user=None, now=day(6)))
    capsys.readouterr()
    assert main(["feedback", "list", "--data-dir", str(data), "--since", "2026-11-05", "--collection", "corpus"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert len(listed) == 1 and "down" in listed[0] and "alice" in listed[0] and "right answer: In 1871." in listed[0]
    out = tmp_path / "failures.jsonl"
    assert main(["feedback", "export", "--data-dir", str(data), "--since", "2026-11-02", "--collection", "corpus",
                 str(out)]) == 0
    assert "1 thumbs-down question written" in capsys.readouterr().out
    assert [json.loads(line)["id"] for line in out.read_text().splitlines()] == [f"fb-2026-11-05-{n}"]
    assert main(["eval", str(out), "--data-dir", str(data), "--corpus", str(corpus), "--retrieval-only",
                 "--out", str(tmp_path / "run")]) == 0
    row = json.loads((tmp_path / "run" / "rows.jsonl").read_text().splitlines()[0])
    assert row["id"] == f"fb-2026-11-05-{n}" and row["retrieval"]["hits@10"] == 1.0 and row.get("correct") is None
    assert main(["feedback", "export", "--data-dir", str(data), "--since", "2026-13-01", str(out)]) == 2
    assert "give a day as YYYY-MM-DD" in capsys.readouterr().err


def test_no_feedback_file_lists_nothing_and_creates_nothing(tmp_path, capsys):
    assert main(["feedback", "list", "--data-dir", str(tmp_path / "data")]) == 0
    assert capsys.readouterr().out.strip() == "no ratings" and not (tmp_path / "data" / FILE).exists()


def test_the_chat_window_keeps_each_answer_with_the_turns_before_it():
    from assistant.ui import Handlers

    first, second = answer("What is the lighthouse?"), answer("and when was it built?")
    turns = [{"question": "What is the lighthouse?", "answer": first.answer}]
    history = [{"role": "user", "content": "q1"}, {"role": "assistant", "content": "a1"}]
    kept = Handlers.keep(None, history, first.model_dump(mode="json"), "corpus", turns, {})
    assert kept[1]["history"] == [] and kept[1]["collection"] == "corpus" and kept[1]["rating"] is None
    history += [{"role": "user", "content": "q2"}, {"role": "assistant", "content": "a2"}]
    turns = turns + [{"question": "and when was it built?", "answer": second.answer}]
    kept = Handlers.keep(None, history, second.model_dump(mode="json"), "corpus", turns, kept)
    assert kept[3]["history"] == turns[:1] and kept[3]["answer"]["question"] == "and when was it built?"
    abstained = answer("and who lives there?", abstained=True)  # an abstention adds no turn
    history += [{"role": "user", "content": "q3"}, {"role": "assistant", "content": "a3"}]
    kept = Handlers.keep(None, history, abstained.model_dump(mode="json"), "corpus", turns, kept)
    assert kept[5]["history"] == turns
    kept[5]["rating"] = 7
    assert Handlers.keep(None, history, abstained.model_dump(mode="json"), "corpus", turns, kept)[5]["rating"] == 7
    error = history[:-1] + [{"role": "assistant", "content": "Error: ..."}]
    assert Handlers.keep(None, error, None, "corpus", turns, kept) is kept  # no record: nothing to rate


def test_a_client_keeping_the_same_answer_again_makes_no_second_record():
    from assistant.ui import Handlers

    record = answer().model_dump(mode="json")
    history = [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]
    kept = Handlers.keep(None, history, record, "corpus", [], {})
    longer = history + [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]  # a forged chat
    assert Handlers.keep(None, longer, record, "corpus", [], kept) is kept
