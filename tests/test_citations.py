"""Citation markers are checked in code, not trusted to the model."""

import pytest

from assistant.citations import adds_nothing, best_overlap, is_abstention, resolve


def test_dangling_markers_are_removed_and_counted():
    text, cited, dropped = resolve("The tower is 31 metres tall [2][7]. It was built in 1923 [9].", 3)
    assert text == "The tower is 31 metres tall [2]. It was built in 1923."
    assert cited == [2]
    assert dropped == 2


def test_grouped_markers_are_split():
    text, cited, dropped = resolve("Both say so [1, 3].", 3)
    assert text == "Both say so [1][3]."
    assert cited == [1, 3] and dropped == 0


def test_best_overlap_picks_the_passage_sharing_content_words():
    passages = ["The bakery sells cardamom knots.", "The lighthouse was automated in 1987."]
    assert best_overlap("It was automated in 1987.", passages) == 2
    assert best_overlap("Nothing shared here.", passages) is None


def test_abstention_is_recognised():
    assert is_abstention("The documents don't say.")
    assert is_abstention("The passages do not contain information about that.")
    assert is_abstention("This is not mentioned in the text.")
    assert not is_abstention("The tower was built in 1923 [1].")


def test_sentences_are_checked_and_uncited_supported_ones_get_a_citation():
    from assistant.citations import check_sentences

    passages = ["The present stone tower was built in 1923 by the engineer Oda Ruskvik.",
                "The bakery is best known for its cardamom knots."]
    text, checked = check_sentences(
        "The tower was built in 1923 by Oda Ruskvik. [1] The bakery sells cardamom knots. It is purple.", passages)
    assert text == "The tower was built in 1923 by Oda Ruskvik. [1] The bakery sells cardamom knots. [2] It is purple."
    assert [(c, ok) for _, c, ok, _ in checked] == [([1], True), ([2], True), ([], False)]
    assert checked[0][3] == 1.0 and checked[2][3] == 0.0  # the support score is kept


def test_a_cited_sentence_no_passage_supports_is_flagged():
    from assistant.citations import check_sentences

    _, checked = check_sentences("The bakery sells purple bread. [1]", ["The tower is 31 metres tall.", "The bakery is best known for cardamom knots."])
    assert checked == [("The bakery sells purple bread. [1]", [1], False, 0.0)]


def test_a_wrong_citation_is_pointed_at_the_passage_that_holds_the_sentence():
    from assistant.citations import check_sentences

    passages = ["Storms closed the harbour in 1931.", "Taiwan entered a partnership with a leading French drone company."]
    text, checked = check_sentences("Taiwan partnered with a leading French drone company [1].", passages)
    assert checked[0][1] == [2] and checked[0][2] is True
    assert text == "Taiwan partnered with a leading French drone company [2]."


def test_best_span_is_the_passage_sentence_holding_the_claim():
    from assistant.citations import best_span

    passage = "Falk drew the plans in 1929.\nThe bridge opened in May 1932. Rain fell all week."
    start, end = best_span("The bridge opened in 1932 [1].", passage)
    assert passage[start:end] == "The bridge opened in May 1932."
    assert best_span("Nothing shared here.", passage) == (0, len(passage))  # no shared word: the whole passage


def test_best_span_prefers_the_rare_words_and_reads_across_wrapped_lines():
    from assistant.citations import best_span

    passage = ("Mossgrove Bakery: opening notes\n\nMossgrove Bakery opened on Tannery Street in 2019. Its founder,\n"
               "Ilse Marrow, trained as a pastry chef in Lyon.\n\nThe bakery is best known for its cardamom knots.")
    start, end = best_span("Ilse Marrow founded Mossgrove Bakery [1].", passage)
    assert passage[start:end] == "Its founder,\nIlse Marrow, trained as a pastry chef in Lyon."


def test_a_sentence_stating_a_number_no_passage_holds_is_unsupported():
    from assistant.citations import check_sentences

    passage = "TSMC's revenue grew strongly in 2024 thanks to demand for AI chips; the ferry carried 81,000 people."

    def judged(sentence, passages=(passage,)):
        return [(ok, score) for _, _, ok, score in check_sentences(sentence, list(passages))[1]]

    assert judged("TSMC's revenue in 2024 was $100 billion [1].") == [(False, 0.0)]  # the words match; the figure is invented
    assert judged("TSMC's revenue grew in 2024 [1].")[0][0] is True
    assert judged("The ferry carried 81000 people [1].")[0][1] > 0  # thousands separators do not matter
    assert judged("Qwen2.5 answered [1].", ["The Qwen2.5 model answered."])[0][1] > 0  # digits inside a name
    # a figure from another passage than the one cited still counts as found
    assert judged("TSMC's revenue grew in 2024 and shares fell 4 percent [1].", [passage, "Shares fell 4%."])[0][1] > 0


@pytest.mark.parametrize("answer, question, expected", [
    ("The tower was built in 1923 [1].", "When was the tower built?", False),  # adds the year
    ("The tower was built [1].", "When was the tower built?", True),
    ("The towers' builders built the tower [1].", "Which builders built the towers?", True),  # plural, possessive
    ("PyTorch 2.13.0 goes in first [2].", "Which PyTorch version goes in first?", False),  # a number is new
    ("The setting is `n_gpu_layers` [1].", "Which setting offloads layers to a GPU?", False),  # one word, not n/gpu/layers
    ("Yes, the tower was built [1].", "Was the tower built?", False),  # a verdict
    ("The bakery is older [1].", "Is the tower or the bakery older?", False),  # a choice between the question's own
    ("Google [1].", "Which of Google and Apple was sued?", False),
    ("[1]", "Who built the tower?", False),  # no words at all: nothing to judge here
])
def test_an_answer_that_only_repeats_the_question(answer, question, expected):
    assert adds_nothing(answer, question) is expected
