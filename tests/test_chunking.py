"""Chunking follows structure, respects the size, keeps offsets and overlaps."""

from assistant.ingest.chunking import chunk_document
from assistant.records import Document
from tests.support.fakes import WordCounter


def doc(text: str, source: str = "a.md") -> Document:
    return Document(source=source, title="T", text=text, content_hash="h" * 64, markdown=source.endswith(".md"))


def test_offsets_point_at_the_chunk_text():
    text = "# Title\n\nFirst paragraph here.\n\nSecond one is here too.\n\n## Part\n\nThird paragraph."
    d = doc(text)
    for c in chunk_document(d, WordCounter(), size=50, overlap=0):
        assert text[c.char_start : c.char_end] == c.text


def test_headings_start_chunks_and_set_the_heading_path():
    text = "# Guide\n\nIntro words.\n\n## Install\n\nRun make.\n\n### Offline\n\nNo network.\n\n## Use\n\nAsk it."
    chunks = chunk_document(doc(text), WordCounter(), size=100, overlap=0)
    assert [c.heading for c in chunks] == ["Guide", "Guide > Install", "Guide > Install > Offline", "Guide > Use"]
    assert chunks[3].text == "## Use\n\nAsk it."


def test_headings_are_plain_text_outside_markdown():
    text = "# not a heading\n\nbody text"
    chunks = chunk_document(doc(text, "a.txt"), WordCounter(), size=100, overlap=0)
    assert len(chunks) == 1 and chunks[0].heading == ""


def test_size_is_respected_and_long_paragraphs_split_at_sentences():
    sentences = [f"Sentence number {i} has exactly seven words." for i in range(30)]
    text = " ".join(sentences)
    chunks = chunk_document(doc(text, "a.txt"), WordCounter(), size=40, overlap=0)
    assert all(len(c.text.split()) <= 40 for c in chunks)
    assert all(c.text.endswith(".") for c in chunks)
    assert len(chunks) == 6  # 5 sentences of 7 words fit in 40


def test_overlap_repeats_whole_trailing_sentences():
    text = " ".join(f"S{i} a b c d e f." for i in range(12))
    chunks = chunk_document(doc(text, "a.txt"), WordCounter(), size=28, overlap=7)
    assert len(chunks) > 2
    for a, b in zip(chunks, chunks[1:]):
        last_sentence = a.text.rsplit("S", 1)[1]
        assert b.text.startswith("S" + last_sentence)


def test_a_sentence_longer_than_a_chunk_is_cut_between_words():
    text = " ".join(f"w{i}" for i in range(95))
    chunks = chunk_document(doc(text, "a.txt"), WordCounter(), size=30, overlap=0)
    assert [len(c.text.split()) for c in chunks] == [30, 30, 30, 5]


def test_chunk_ids_are_stable_and_change_with_content():
    text = "One.\n\nTwo."
    a = chunk_document(doc(text), WordCounter(), 50, 0)
    b = chunk_document(doc(text), WordCounter(), 50, 0)
    c = chunk_document(Document(source="a.md", title="T", text=text, content_hash="x" * 64, markdown=True), WordCounter(), 50, 0)
    assert [x.id for x in a] == [x.id for x in b]
    assert a[0].id != c[0].id
