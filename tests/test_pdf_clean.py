"""The PDF reader's cleaning of page text (pdf.clean_pages), on text as PDFium gives it."""

from assistant.ingest.pdf import clean_pages


def test_minus_signs_and_ligatures_become_what_a_user_types():
    page = "Do not read the ﬁle ~/.bashrc when −−norc is given; ‐x and ‑v too."
    assert clean_pages([page]) == ["Do not read the file ~/.bashrc when --norc is given; -x and -v too."]


def test_running_headers_go_and_broken_words_are_joined_when_the_document_writes_them_whole():
    body = ["Package manage-\nment is done with apt-\nget.", "The management of keys.", "Upgrades come last."]
    pages = [f"Debian Reference\nChapter {n} begins here.\n{text}\nEach chapter ends.\n{n} / 3" for n, text in enumerate(body, 1)]
    cleaned = clean_pages(pages)
    assert all(not page.startswith("Debian Reference") for page in cleaned)
    assert "Package management is done with apt-get." in cleaned[0]
