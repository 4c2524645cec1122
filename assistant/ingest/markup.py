"""Counting HTML elements as they stream past: the only direct lxml import.

`count_html(text, budget)` feeds a page to lxml's HTML parser with a target
that builds nothing: each start tag counts against the budget (its
`max_html_elements`, and its clock), each run of text against `max_chars`. So
a page of a million tags, or nested 200,000 deep, is refused after reading only
as far as the limit, in bounded memory, before trafilatura builds a tree of it.
It does not extract text: webpage.py does, once the count passed.

    >>> from assistant.ingest.limits import Limits
    >>> count_html("<p>one</p><p>two</p>", Limits().budget("a.html"))
    4
"""

from __future__ import annotations

from assistant.ingest.limits import Budget

_BLOCK = 1 << 16  # characters fed to the parser at a time


class _Counter:
    """A parser target: counts elements and text, builds nothing."""

    def __init__(self, budget: Budget):
        self.budget = budget
        self.elements = 0
        self.text = 0

    def start(self, tag, attrib) -> None:
        self.elements += 1
        self.budget.elements()
        self.text += sum(len(v) for v in attrib.values())

    def data(self, data) -> None:
        self.text += len(data)
        self.budget.chars(self.text)

    def end(self, tag) -> None:
        pass

    def comment(self, text) -> None:
        self.data(text)

    def close(self) -> int:
        return self.elements


def count_html(text: str, budget: Budget) -> int:
    """Elements (plus the html/body the parser adds) in an HTML page; refuses early."""
    from lxml import etree  # lazy: a dependency of trafilatura, needed only for HTML

    parser = etree.HTMLParser(target=_Counter(budget), no_network=True)
    for at in range(0, len(text), _BLOCK):
        parser.feed(text[at:at + _BLOCK])
    return parser.close()
