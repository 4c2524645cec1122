"""Citation markers are checked in code, not trusted to the model."""

from assistant.citations import best_overlap, is_abstention, resolve


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
