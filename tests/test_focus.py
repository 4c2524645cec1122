"""focus(): a passage cut to the sentences that bear on the question, for the prompt only."""

from __future__ import annotations

from pathlib import Path

from assistant.focus import focus

ROOT = Path(__file__).resolve().parent.parent
TEXT = ("The harbour board met on Monday. The ferry Vellholm carried 81,000 passengers last year. "
        "Ice closed the sound for nine days. The board thanked the crews. The new quay opens in May.")


def test_a_short_passage_is_left_whole():
    assert focus("How many passengers?", TEXT, 1000) == TEXT


def test_the_sentence_that_shares_the_question_words_is_kept_with_a_neighbour():
    cut = focus("How many passengers did the ferry carry?", TEXT, 120)
    assert "81,000 passengers" in cut and len(cut) < len(TEXT)
    assert cut.endswith("…") and "new quay" not in cut  # what is left out is marked, not hidden


def test_sentences_keep_their_order_and_far_ones_are_joined_by_a_gap():
    cut = focus("When does the new quay open, and how many passengers did the ferry carry?", TEXT, 160)
    assert cut.index("81,000") < cut.index("quay") and " … " in cut


def test_no_shared_word_keeps_the_opening():
    assert focus("Who painted the lighthouse?", TEXT, 40) == "The harbour board met on Monday. The …"
