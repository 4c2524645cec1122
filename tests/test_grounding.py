"""grounding.py: the rules that decide whether an answer stands on its passages, with exact cases; and
the citation spans of citations.py. The same paths run with the real model in test_grounding_real.py."""

import pytest

from assistant.citations import best_span
from assistant.grounding import (AFTER, BEFORE, Case, complete_sentences, first_reason, grounded, is_abstention,
                                 judge, key_terms, split_sentences)
from assistant.records import Passage


def test_abstention_phrases():
    assert is_abstention("The documents don't say.")
    assert is_abstention("The passages do not contain information about that.")
    assert is_abstention("This is not mentioned in the text.")
    assert not is_abstention("The tower was built in 1923 [1].")


def test_markers_are_kept_dropped_and_placed_before_the_full_stop():
    passages = ["The tower is 31 metres tall.", "It was built in 1923.", "Rain."]
    assert judge("The tower is 31 metres tall [1][7].", "How tall?", passages).text == "The tower is 31 metres tall [1]."
    assert judge("It is 31 metres tall, built in 1923 [1, 2].", "How tall?", passages).citations == [1]


def test_a_marker_after_the_full_stop_is_read_like_one_before_it():
    passages = ["The hall holds about 50 people.", "The kitchen is small."]
    before = judge("It holds about 50 people [1].", "How many people does the hall hold?", passages)
    after = judge("It holds about 50 people. [1]", "How many people does the hall hold?", passages)
    assert before == after and before.supported and before.citations == [1]
    assert split_sentences("It holds 50 people. [1] The kitchen is small [2].") == [
        "It holds 50 people. [1]", "The kitchen is small [2]."]


def test_an_added_figure_in_no_cited_passage_is_not_presented_as_supported():
    question = "When did the option first appear?"
    passages = ["The --norc option is described in the manual.", "Options are read at start-up."]
    s = judge("It first appeared in version 2.1 [1].", question, passages)
    assert not s.supported and s.support == 0.0 and s.invented == ["2.1"]
    assert not grounded(s, question, 0.1)
    case = Case(question, [Passage(source="m", text=t, score=0.9) for t in passages], raw=s.text, sentences=[s],
                min_support=0.1)
    assert first_reason(AFTER, case) == "unsupported"


def test_the_words_the_answer_shares_with_the_question_do_not_support_it():
    """The old check counted the question's words; now only what the answer adds must stand in the passage."""
    question = "What is the time complexity of the sort algorithm used by the sort command?"
    passage = "The sort command sorts lines of text files. The algorithm used depends on the input size."
    s = judge("The sort command uses an algorithm with O(n log n) time complexity [1].", question, [passage])
    assert not s.supported


def test_a_correct_claim_cited_to_the_neighbouring_passage_is_repointed():
    passages = ["The server listens on all interfaces by default.", "The default port is 5432."]
    s = judge("The default port is 5432 [1].", "Which port does the server use by default?", passages)
    assert s.citations == [2] and s.supported and s.text == "The default port is 5432 [2]."
    # a sentence joining two passages keeps its citation and gains the other
    s = judge("It listens on all interfaces, on port 5432 [1].", "Where does the server listen?", passages)
    assert s.citations == [1, 2] and s.supported


def test_an_uncited_sentence_cites_the_passage_holding_it():
    passages = ["The tower was built in 1923 by Oda Ruskvik.", "The bakery is best known for cardamom knots."]
    s = judge("The bakery sells cardamom knots.", "What does the bakery sell?", passages)
    assert s.citations == [2] and s.text == "The bakery sells cardamom knots [2]."


@pytest.mark.parametrize("sentence, supported", [
    ("TSMC's revenue in 2024 was $100 billion [1].", False),  # the words match; the figure is invented
    ("TSMC's revenue grew in 2024 [1].", True),
    ("The ferry carried 81000 people [1].", True),  # thousands separators do not matter
    ("Qwen2.5 answered [2].", True),  # digits inside a name are no figure
])
def test_figures(sentence, supported):
    passages = ["TSMC's revenue grew strongly in 2024 thanks to demand for AI chips; the ferry carried 81,000 people.",
                "The Qwen2.5 model answered."]
    assert judge(sentence, "What happened?", passages).supported is supported


def test_key_terms_are_figures_paths_options_names_and_not_prose():
    assert key_terms("Run --no-init-file, see /etc/cron.deny and core.hooksPath on port 5,432 with PostgreSQL.") == {
        "--no-init-file", "/etc/cron.deny", "core.hooksPath", "5432", "postgr"}
    assert key_terms("Use it e.g. for read and/or write access.") == set()


@pytest.mark.parametrize("answer, question, reason", [
    ("The tower was built in 1923 [1].", "When was the tower built?", None),  # adds the year
    ("The tower was built [1].", "When was the tower built?", "restated"),
    ("The towers' builders built the tower [1].", "Which builders built the towers?", "restated"),
    ("Yes, the tower was built [1].", "Was the tower built?", None),  # a verdict
    ("Yes [1].", "Was the tower built in 1923?", None),
    ("The bakery is older [1].", "Is the tower or the bakery older?", None),  # a choice between the question's own
    ("The documents don't say.", "Who painted it?", "model"),
    ("The tower is purple [1].", "What colour is the tower?", "unsupported"),
])
def test_whole_answer_rules_in_order(answer, question, reason):
    passages = [Passage(source="t.md", text="The tower was built in 1923 by the bakery's owners. It is old.", score=0.9)]
    sentences = [judge(s, question, [p.text for p in passages]) for s in split_sentences(answer)]
    case = Case(question, passages, raw=answer, sentences=sentences, min_support=0.1)
    assert first_reason(AFTER, case) == reason


def test_a_low_cosine_passage_that_holds_the_question_is_still_read():
    question = "Which file does bash read with --norc disabled?"
    holds = Passage(source="b.pdf", text="With --norc, bash does not read the file ~/.bashrc when interactive.", score=0.21)
    far = Passage(source="c.txt", text="Cron runs jobs at set times.", score=0.21)
    assert first_reason(BEFORE, Case(question, [holds], min_score=0.34)) is None
    assert first_reason(BEFORE, Case(question, [far], min_score=0.34)) == "weak_evidence"
    assert first_reason(BEFORE, Case(question, [far], unknown=["Indrani"], min_score=0.34)) == "unknown_name"


def test_sentences_complete_only_when_the_next_has_begun():
    assert complete_sentences("It is 5 [1]. Then it") == (["It is 5 [1]."], "Then it")
    assert complete_sentences("It is 5. [1]") == ([], "It is 5. [1]")  # a marker may still follow
    assert complete_sentences("It is 5. [1] Next one.") == (["It is 5. [1]"], "Next one.")


def test_best_span_is_the_passage_sentence_holding_the_claim():
    passage = "Falk drew the plans in 1929.\nThe bridge opened in May 1932. Rain fell all week."
    start, end = best_span("The bridge opened in 1932 [1].", passage)
    assert passage[start:end] == "The bridge opened in May 1932."
    assert best_span("Nothing shared here.", passage) == (0, len(passage))  # no shared word: the whole passage


def test_best_span_prefers_the_rare_words_and_reads_across_wrapped_lines():
    passage = ("Mossgrove Bakery: opening notes\n\nMossgrove Bakery opened on Tannery Street in 2019. Its founder,\n"
               "Ilse Marrow, trained as a pastry chef in Lyon.\n\nThe bakery is best known for its cardamom knots.")
    start, end = best_span("Ilse Marrow founded Mossgrove Bakery [1].", passage)
    assert passage[start:end] == "Its founder,\nIlse Marrow, trained as a pastry chef in Lyon."


def test_a_path_glued_to_the_word_before_it_is_still_the_path():
    s = judge("The factorial example is./functions/fact [1].", "Which example computes a factorial?",
              ["The examples: ./functions/fact is a recursive factorial function."])
    assert s.supported and not s.invented


def test_format_codes_and_quoted_code_are_what_a_sentence_adds():
    passages = ["| date(...) | strftime('%Y-%m-%d', ...) |", "%j is the day of the year: 001-366."]
    s = judge("The equivalent call is strftime('%Y-%m-%d',...) [1].", "Which strftime() call is equivalent to date()?",
              passages)
    assert s.added and s.supported
    assert not judge("It is strftime('%d/%m') [1].", "Which strftime() call is equivalent to date()?", passages).supported


def test_a_name_inside_a_longer_path_stands_in_the_passage_that_writes_it():
    passages = ["./functions/autoload.v3\tA more ksh-compatible 'autoload' (with lazy load).", "./functions/fact\tfactorial"]
    s = judge("The function `autoload.v3` loads lazily [2].", "Which example function loads lazily?", passages)
    assert s.citations == [1] and s.supported and not s.invented
    # a figure is a term or nothing: 5 does not stand in 1523
    assert judge("It opens 5 connections [1].", "How many connections?", ["It opened 1523 connections."]).invented == ["5"]


def test_a_claim_whose_words_stand_in_another_passage_is_repointed_there():
    passages = ["Security upgrades can be installed automatically by installing the unattended-upgrades package.",
                "APT front-ends: aptitude, synaptic.", "Debian's FAQ lists the mailing lists."]
    s = judge("The package for automatic security upgrades is unattended-upgrades [3].",
              "Which package installs security upgrades automatically?", passages)
    assert s.citations == [1] and s.supported


def test_an_operator_standing_alone_is_what_a_sentence_adds():
    assert "**" in key_terms("The ** operator performs exponentiation.") and "::" in key_terms("Use `::` here.")
    assert not key_terms("This is **bold** text - and prose.")
    s = judge("The ** operator performs exponentiation [1].", "Which operator performs exponentiation in bash?",
              ["Operators: ** exponentiation, * multiplication."])
    assert s.added == frozenset({"**"}) and s.supported


def test_the_model_saying_the_documents_do_not_say_is_no_grounded_sentence_even_with_a_marker():
    passages = ["The documents say what the server does."]
    s = judge("The documents don't say [1].", "What is the default work_mem?", passages)
    assert not grounded(s, "What is the default work_mem?", 0.1) and not grounded(s, "What is the default work_mem?", 0.0)
    # a sentence that only mentions what is not specified is judged like any other
    s = judge("If the port is not specified, it is 5432 [1].", "Which port?", ["When not specified, the port is 5432."])
    assert grounded(s, "Which port?", 0.1)


def test_a_bracketed_expression_is_what_the_answer_adds_and_must_stand_in_the_passage():
    row = "| lseg | 32 bytes | Finite line segment | ((x1,y1),(x2,y2)) |"
    question = "How is a PostgreSQL lseg (line segment) value represented?"
    s = judge("A PostgreSQL lseg (line segment) value is represented as ((x1,y1),(x2,y2)) [1].", question, [row])
    assert s.added == {"((x1,y1),(x2,y2))"} and s.supported  # not a restatement of the question
    assert judge("It is represented as <(x,y),r> [1].", question, [row]).invented == ["<(x,y),r>"]


def test_a_sentence_citing_only_documents_off_the_questions_subject_is_not_grounded():
    question = "What is the maximum number of columns a PostgreSQL table can have?"
    passages = ["The default setting for SQLITE_MAX_COLUMN is 2000.", "PostgreSQL tables hold up to 1600 columns."]
    answer = "The maximum number of columns a PostgreSQL table can have is 2000 [1]."
    astray = judge(answer, question, passages, astray=frozenset({1}))
    assert astray.support == 1.0 and astray.astray and not astray.supported  # the figure is there, the subject not
    case = Case(question, [], raw=answer, sentences=[astray], min_support=0.1)
    assert first_reason(AFTER, case) == "off_subject"
    kept = judge("It can have 1600 columns [2].", question, passages, astray=frozenset({1}))
    assert kept.supported and first_reason(AFTER, Case(question, [], raw=answer, sentences=[astray, kept])) is None
    assert not judge(answer, question, passages).astray  # without the lookup nothing is astray


def test_markers_written_together_are_no_expression():
    assert key_terms("It is tall [1,2]. It is ((x1,y1),(x2,y2)) [3].") >= {"((x1,y1),(x2,y2))"}
    assert not any(t.startswith("[") for t in key_terms("It is tall [1,2]."))
