"""The evaluation: scorers on hand-made cases, question-file validation, resume, compare, reports."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from assistant.eval import report, runner
from assistant.eval.compare import compare
from assistant.eval.questions import EvalInputError, Question, load_questions, select
from assistant.eval.scoring import bootstrap_ci, contains_keyword, is_correct, retrieval_metrics
from assistant.records import Answer, Citation, Passage, Sentence, Timings
from tests.support.fakes import FakeEmbedder, FakeService

ROOT = Path(__file__).resolve().parent.parent


# --- scorers -------------------------------------------------------------------------------

def test_keywords_every_group_one_of_its_strings():
    kw = [["capital"], ["power", "energy"]]
    assert is_correct("Capital and energy limit it.", False, kw, "x", True)
    assert not is_correct("Capital alone.", False, kw, "x", True)


def test_keywords_start_on_a_word_boundary_and_allow_stems():
    assert contains_keyword("geopolitical tensions", "geopolitic")
    assert not contains_keyword("ageopolitical", "geopolitic")
    assert contains_keyword("It was 1,000 trillion won.", "1,000 trillion")
    assert contains_keyword("CUDA-X", "cuda")  # open on the right: stems match
    assert not contains_keyword("scuda", "cuda")


def test_yes_no_by_first_word():
    assert is_correct("Yes, both reported it.", False, [["Yes"]], "Yes", True)
    assert not is_correct("Both reported it, yes.", False, [["Yes"]], "Yes", True)
    assert not is_correct("No.", False, [["Yes"]], "Yes.", True)
    assert is_correct("no - they differ", False, [["No"]], "No", True)


def test_abstention_both_ways():
    assert is_correct("The documents don't say.", True, [], "The documents do not say.", False)
    assert not is_correct("It was 5 billion.", False, [], "The documents do not say.", False)
    assert not is_correct("The documents don't say.", True, [["Taiwan"]], "Taiwan", True)


def test_retrieval_metrics_by_evidence_and_by_source():
    passages = [("a.md", "nothing here"), ("b.md", "the fact  one\nis here"), ("c.md", "fact two")]
    m = retrieval_metrics(passages, ["b.md"], ["fact one is here", "fact two", "fact three"], ks=(1, 2, 3))
    assert (m["hits@1"], m["hits@2"], m["mrr@10"]) == (0.0, 1.0, 0.5)
    assert m["evidence_recall@3"] == pytest.approx(2 / 3) and m["all_evidence@3"] == 0.0
    m = retrieval_metrics(passages, ["c.md"], [], ks=(2, 3))
    assert (m["hits@2"], m["hits@3"], m["mrr@10"], m["all_evidence@3"]) == (0.0, 1.0, 1 / 3, 1.0)


def test_bootstrap_interval_brackets_the_mean():
    lo, hi = bootstrap_ci([1.0] * 30 + [0.0] * 10)
    assert lo < 0.75 < hi and 0 <= lo and hi <= 1
    assert bootstrap_ci([1.0, 1.0]) == (1.0, 1.0)


# --- question files ------------------------------------------------------------------------

def test_bundled_question_sets_load():
    qs = load_questions(ROOT / "eval" / "handbook.jsonl")
    assert len(qs) >= 15 and any(not q.answerable for q in qs)


@pytest.mark.parametrize("line, where", [
    ('{"id": "a", "question": "q?"', "line 2: not valid JSON"),
    ('["a"]', "line 2: expected a JSON object"),
    ('{"id": "b", "question": "q?", "answer": "x", "keywords": [], "sources": [], "answerable": "perhaps"}', "line 2, field 'answerable'"),
    ('{"id": "b", "question": "q?", "answer": "x", "sources": [], "answerable": true}', "line 2, field 'keywords'"),
    ('{"id": "b", "question": "q?", "answer": "x", "keywords": [], "sources": [], "answerable": true}', "needs at least one keyword"),
    ('{"id": "a", "question": "q?", "answer": "x", "keywords": [], "sources": [], "answerable": false}', "line 2, field 'id': duplicate"),
])
def test_bad_question_file_is_refused_with_line_and_field(tmp_path, line, where):
    good = '{"id": "a", "question": "q?", "answer": "x", "keywords": [["x"]], "sources": [], "answerable": true}'
    path = tmp_path / "q.jsonl"
    path.write_text(good + "\n" + line + "\n")
    with pytest.raises(EvalInputError) as err:
        load_questions(path)
    assert where in str(err.value) and "q.jsonl" in str(err.value)


def test_selection_is_deterministic():
    qs = [Question(id=str(i), question="q", answer="a", keywords=[["a"]], sources=[], answerable=True,
                   split="dev" if i % 2 else "test") for i in range(50)]
    assert [q.id for q in select(qs, split="test", sample=5, seed=3)] == [q.id for q in select(qs, split="test", sample=5, seed=3)]
    assert all(q.split == "test" for q in select(qs, split="test"))
    assert len(select(qs, limit=7)) == 7


# --- the runner, on a fake app (fast); the real slice is in test_eval_real.py ----------------

def fake_app(service: FakeService):
    settings = SimpleNamespace(model=SimpleNamespace(name="fake"), model_dump=lambda **kw: {"top_k": 4})
    return SimpleNamespace(
        service=service, settings=settings, embedder=FakeEmbedder(), corpus=Path("/c"),
        manifest=SimpleNamespace(records=lambda: {}), generator=SimpleNamespace(load=lambda: None),
    )


def questions(n: int) -> list[Question]:
    return [Question(id=f"q{i}", question=f"Who built tower {i}?", answer="Oda Ruskvik", keywords=[["Ruskvik"]],
                     sources=["a.md"], answerable=True) for i in range(n)]


def test_a_killed_run_resumes_without_repeating_finished_questions(tmp_path):
    qs = questions(5)
    first = FakeService(fail_at=qs[3].question)
    with pytest.raises(KeyboardInterrupt):
        runner.run(fake_app(first), qs, tmp_path, progress=False)
    assert len(first.asked) == 3
    with (tmp_path / "rows.jsonl").open("a") as f:
        f.write('{"id": "q3", "answ')  # a row torn by a crash mid-write
    second = FakeService()
    rows = runner.run(fake_app(second), qs, tmp_path, progress=False)
    assert second.asked == [qs[3].question, qs[4].question]  # nothing finished is asked again
    assert [r.id for r in rows] == [q.id for q in qs] and all(r.correct for r in rows)
    assert len((tmp_path / "rows.jsonl").read_text().splitlines()) == 5


class PromptingService(FakeService):
    """Renders the real prompt of each question, with a secret drawn per process as the server's is."""

    def __init__(self):
        from assistant.config import ROOT
        from assistant.prompts import Prompts

        super().__init__()
        self.prompts, self.shown = Prompts(ROOT / "prompts"), []

    def ask(self, question, history=None):
        answer = super().ask(question, history)
        self.shown.append(self.prompts.user(question, answer.passages))
        return answer


def test_two_runs_show_the_model_the_same_prompts(tmp_path):
    """The fence codes are part of the prompt: an eval fixes their secret, so a change is not told from a draw."""
    first, second = PromptingService(), PromptingService()
    assert first.prompts.secret != second.prompts.secret
    for service, out in ((first, tmp_path / "a"), (second, tmp_path / "b")):
        runner.run(fake_app(service), questions(2), out, progress=False)
    assert first.shown == second.shown and "<<<data " in first.shown[0]


def test_a_different_run_in_the_same_folder_is_refused(tmp_path):
    from assistant.errors import AssistantError

    runner.run(fake_app(FakeService()), questions(2), tmp_path, progress=False)
    with pytest.raises(AssistantError, match="different run"):
        runner.run(fake_app(FakeService()), questions(3), tmp_path, progress=False)


def _results(tmp_path: Path, name: str, correct: list[bool]) -> dict:
    rows = []
    for i, ok in enumerate(correct):
        rows.append({"id": f"q{i}", "type": "t" + str(i % 2), "question": f"Q{i}?", "answerable": True, "reference": "R",
                     "expected_sources": ["a.md"], "retrieval": retrieval_metrics([("a.md", "x")], ["a.md"], []),
                     "retrieval_ms": 2.0, "ranked_sources": ["a.md"], "answer": "A <script>alert(1)</script>",
                     "abstained": False, "correct": ok, "citations": [{"n": 1, "source": "a.md", "text": "<img src=http://x>"}],
                     "passages": [], "citation_precision": 1.0, "dangling_markers": 0, "supported_sentences": 1.0,
                     "similarity": 0.5, "timings": {"total_s": 1.0 + i, "first_token_s": 0.5, "tokens_per_s": 20.0}})
    meta = {"n_questions": len(rows), "retrieval_only": False, "model": "m", "embedder": "e", "corpus": "/c",
            "corpus_fingerprint": "f", "documents": 1}
    out = tmp_path / name
    out.mkdir()
    return report.write(out, meta, rows)


def test_results_json_holds_every_metric(tmp_path):
    res = _results(tmp_path, "a", [True, False, True, True])
    for key in ("hits@4", "hits@10", "mrr@10", "correct", "abstain_on_unanswerable", "false_abstain",
                "citation_precision", "supported_sentences", "similarity", "first_token_s", "total_s", "tokens_per_s"):
        assert key in res["aggregate"], key
    assert res["aggregate"]["correct"] == 0.75 and res["intervals"]["correct"][0] <= 0.75
    assert set(res["by_type"]) == {"t0", "t1"}
    saved = json.loads((tmp_path / "a" / "results.json").read_text())
    assert saved["aggregate"] == res["aggregate"] and [q["id"] for q in saved["questions"]] == ["q0", "q1", "q2", "q3"]
    md = (tmp_path / "a" / "report.md").read_text()
    assert "| correct | 0.750 |" in md and "## Failures (1)" in md
    page = (tmp_path / "a" / "report.html").read_text()
    assert "<script>" not in page and "&lt;script&gt;" in page and "<img" not in page


def test_the_failure_tables_show_an_answer_the_support_check_withheld(tmp_path):
    res = _results(tmp_path, "a", [False, True])
    res["questions"][0].update(answer="The documents don't say.", abstained=True, withheld="Ada Falk built it [1].")
    (tmp_path / "b").mkdir()
    report.write(tmp_path / "b", res["run"], res["questions"])
    for name in ("report.md", "report.html"):
        assert "withheld as unsupported: Ada Falk built it [1]." in (tmp_path / "b" / name).read_text(), name


def test_compare_finds_a_planted_regression(tmp_path):
    a = _results(tmp_path, "a", [True, True, False, True])
    b = _results(tmp_path, "b", [True, False, True, True])
    diff = compare(a, b)
    assert diff["regressed"] == ["q1"] and diff["improved"] == ["q2"]
    assert diff["deltas"]["correct"] == 0.0
    from assistant.cli import main

    assert main(["eval", "compare", str(tmp_path / "a"), str(tmp_path / "b")]) == 0


def test_html_report_renders_in_a_real_browser_with_its_plots(tmp_path, browser, artifacts):
    _results(tmp_path, "a", [True, False, True, True])
    page = browser.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto((tmp_path / "a" / "report.html").as_uri())
    plots = page.locator("svg.plot")
    assert plots.count() == 3
    assert page.locator("svg.plot").nth(0).locator("rect.bar").count() == 2  # one bar per question type
    assert page.locator("svg.plot").nth(0).locator("line.ci").count() == 2  # with its interval
    assert page.locator("svg.plot").nth(2).locator("rect.bar").count() >= 1  # latency histogram
    assert page.locator("table.failures tr").count() == 2  # header + the one failure
    assert page.evaluate("() => document.querySelectorAll('script').length") == 0
    assert all(u.startswith("file://") for u in requests), requests
    page.screenshot(path=str(artifacts / "eval-report.png"), full_page=True)
    page.close()


_KILLABLE = """
import sys, time
sys.path.insert(0, {root!r})
from pathlib import Path
from tests.support.fakes import FakeEmbedder, FakeService
from tests.test_eval import fake_app, questions
from assistant.eval import runner

class Slow(FakeService):
    def ask(self, q, history=None):
        time.sleep(0.3)
        return super().ask(q, history)

runner.run(fake_app(Slow()), questions(40), Path({out!r}), progress=False)
"""


def test_a_run_killed_with_sigkill_resumes_without_repeats(tmp_path):
    import subprocess
    import sys
    import time

    out = tmp_path / "out"
    child = subprocess.Popen([sys.executable, "-c", _KILLABLE.format(root=str(ROOT), out=str(out))])
    rows = out / "rows.jsonl"
    deadline = time.time() + 60
    while time.time() < deadline and (not rows.exists() or len(rows.read_text().splitlines()) < 3):
        time.sleep(0.05)
    child.kill()  # SIGKILL: no cleanup runs in the child
    child.wait()
    finished = [json.loads(line)["id"] for line in rows.read_text().splitlines() if line.endswith("}")]
    assert 3 <= len(finished) < 40
    service = FakeService()
    result = runner.run(fake_app(service), questions(40), out, progress=False)
    asked_ids = [f"q{q.split('tower ')[1].rstrip('?')}" for q in service.asked]
    assert not set(asked_ids) & set(finished)  # nothing finished before the kill is asked again
    assert len(asked_ids) + len(finished) == 40 and len(result) == 40


# --- follow-up questions and evidence_in_prompt ---------------------------------------------

class ReadingService(FakeService):
    """Records the history each question came with; the model 'read' one passage."""

    def __init__(self, read: list[str]):
        super().__init__()
        self.read, self.histories = read, []

    def ask(self, question, history=None):
        self.histories.append(history)
        answer = super().ask(question, history)
        answer.read = list(self.read)
        return answer


def follow_up(evidence: list[str]) -> Question:
    return Question(id="f1", question="And who built it?", answer="Oda Ruskvik", keywords=[["Ruskvik"]],
                    sources=["a.md"], answerable=True, evidence=evidence,
                    history=[{"question": "Which tower is the oldest?", "answer": "Tower 1 [1]."}])


def test_a_follow_up_is_answered_with_its_history(tmp_path):
    from assistant.records import Turn

    service = ReadingService(["Oda Ruskvik built it"])
    [row] = runner.run(fake_app(service), [follow_up(["Ruskvik built"])], tmp_path, progress=False)
    assert service.histories == [[Turn(question="Which tower is the oldest?", answer="Tower 1 [1].")]]
    assert row.history == service.histories[0]


def test_evidence_in_prompt_is_the_share_of_evidence_the_model_read_and_lands_everywhere(tmp_path):
    read = ["Oda  Ruskvik\nbuilt it in 1891."]
    rows = runner.run(fake_app(ReadingService(read)), [follow_up(["Ruskvik built it", "granite"])], tmp_path / "a",
                      progress=False)
    assert rows[0].evidence_in_prompt == 0.5  # whitespace-insensitive; one of two spans read
    none_read = runner.run(fake_app(ReadingService([])), [follow_up(["Ruskvik built it"])], tmp_path / "b",
                           progress=False)
    assert none_read[0].evidence_in_prompt == 0.0  # the model read nothing: counts 0
    meta = {"n_questions": 1, "retrieval_only": False, "model": "m", "embedder": "e", "corpus": "/c",
            "corpus_fingerprint": "f", "documents": 1}
    a, b = report.write(tmp_path / "a", meta, rows), report.write(tmp_path / "b", meta, none_read)
    assert a["aggregate"]["evidence_in_prompt"] == 0.5 and a["counts"]["evidence_in_prompt"] == 1
    assert "| evidence_in_prompt | 0.500 |" in (tmp_path / "a" / "report.md").read_text()
    assert "evidence_in_prompt" in (tmp_path / "a" / "report.html").read_text()
    assert "follow-up questions: 1, answered with their earlier turns" in (tmp_path / "a" / "report.md").read_text()
    assert compare(a, b)["deltas"]["evidence_in_prompt"] == -0.5


def test_a_retrieval_only_run_searches_follow_ups_as_asked_and_says_so(tmp_path):
    service = ReadingService([])
    rows = runner.run(fake_app(service), [follow_up([])], tmp_path, retrieval_only=True, progress=False)
    assert service.histories == [] and not rows[0].answered and rows[0].evidence_in_prompt is None
    meta = {"n_questions": 1, "retrieval_only": True, "model": None, "embedder": "e", "corpus": "/c",
            "corpus_fingerprint": "f", "documents": 1}
    saved = report.write(tmp_path, meta, rows)
    assert "answer" not in saved["questions"][0] and "evidence_in_prompt" not in saved["aggregate"]
    assert "searched as asked, without their earlier turns" in (tmp_path / "report.md").read_text()


def test_compare_reads_results_saved_before_typed_rows(tmp_path):
    from assistant.cli import main

    new = _results(tmp_path, "new", [True, False])
    old = json.loads(json.dumps(new))
    for row in old["questions"]:
        for key in ("evidence_in_prompt", "history", "sentence_support", "unknown_names", "left_out", "second_look"):
            row.pop(key, None)
    old["aggregate"].pop("evidence_in_prompt")
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "results.json").write_text(json.dumps(old))
    diff = compare(old, new)
    assert diff["common"] == 2 and diff["only"] == {"a": [], "b": ["evidence_in_prompt"]}
    assert main(["eval", "compare", str(tmp_path / "old"), str(tmp_path / "new")]) == 0


def test_the_metric_names_are_defined_once():
    from assistant.eval.types import HEADLINE, PER_TYPE, RETRIEVAL_METRICS, ANSWER_METRICS, COST_METRICS

    assert set(retrieval_metrics([("a.md", "x")], ["a.md"], [])) == set(RETRIEVAL_METRICS)
    named = set(RETRIEVAL_METRICS) | set(ANSWER_METRICS) | set(COST_METRICS) | {"retrieval_ms"}
    assert set(HEADLINE) <= named and set(PER_TYPE) <= named


def test_a_draft_from_feedback_is_answered_but_its_correctness_left_unscored(tmp_path):
    draft = Question(id="fb-2026-11-29-1", question="Who built tower 1?", answer="", keywords=[], sources=["a.md"],
                     answerable=True, to_confirm=True)
    rows = runner.run(fake_app(FakeService()), [draft, *questions(1)], tmp_path, progress=False)
    assert rows[0].answered and rows[0].correct is None and rows[0].retrieval["hits@10"] == 1.0
    assert rows[1].correct is True
    meta = {"n_questions": 2, "retrieval_only": False, "model": "m", "embedder": "e", "corpus": "/c",
            "corpus_fingerprint": "f", "documents": 1}
    saved = report.write(tmp_path, meta, rows)
    assert saved["aggregate"]["correct"] == 1.0 and saved["counts"]["correct"] == 1  # the draft counts nowhere
