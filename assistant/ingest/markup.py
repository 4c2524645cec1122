"""HTML and XHTML markup: the only direct lxml import. Three jobs on one parser, for two kinds of reader:

`count_html(text, budget)` feeds a web page to lxml's HTML parser with a target
that builds nothing: each start tag counts against the budget (its
`max_html_elements`, and its clock), each run of text against `max_chars`. So
a page of a million tags, or nested 200,000 deep, is refused after reading only
as far as the limit, in bounded memory, before trafilatura builds a tree of it
(webpage.py extracts the text once the count passed).

    >>> from assistant.ingest.limits import Limits
    >>> count_html("<p>one</p><p>two</p>", Limits().budget("a.html"))
    4

`joined_terms(html)` writes each definition list's terms at the head of their description, for
trafilatura (which would make the term and its description two list items) to read next.

`html_to_markdown(data)` turns markup that is all content (an e-book chapter, an HTML mail body),
unlike a web page's menus, into Markdown-like text: h1-h6 become `#` headings, p, li, pre,
blockquote and div text become paragraphs, and tables become Markdown tables (tables.py).
Scripts and styles are dropped.

    >>> print(html_to_markdown(b"<h2>Ports</h2><p>Oslo  harbour</p><table><tr><th>a</th></tr><tr><td>1</td></tr></table>"))
    ## Ports
    <BLANKLINE>
    Oslo harbour
    <BLANKLINE>
    | a |
    |---|
    | 1 |
"""

from __future__ import annotations

import re

from assistant.ingest.limits import Budget
from assistant.ingest.tables import markdown_table

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


_BLOCKS = {"p", "li", "pre", "blockquote", "dd", "dt", "figcaption", "caption", "address"}
_SKIP = {"script", "style", "head", "title", "nav"}


def html_to_markdown(data: bytes | str, shift: int = 0) -> str:
    """The text of (X)HTML `data`; headings go `shift` levels deeper (at most 6)."""
    import lxml.html  # lazy: parsing markup is only needed for e-books and HTML mail

    if not (data.strip() if isinstance(data, (bytes, str)) else data):
        return ""
    try:
        root = lxml.html.fromstring(data)
    except Exception:  # lxml raises ParserError/XMLSyntaxError/ValueError on markup it cannot read at all
        return ""
    blocks: list[str] = []
    _walk(root, blocks, shift)
    return "\n\n".join(b for b in blocks if b)


def _walk(node, blocks: list[str], shift: int) -> None:
    tag = node.tag.lower().rsplit("}", 1)[-1] if isinstance(node.tag, str) else ""
    if not tag or tag in _SKIP:
        return
    if len(tag) == 2 and tag[0] == "h" and tag[1] in "123456":
        text = _text(node)
        if text:
            blocks.append("#" * min(6, int(tag[1]) + shift) + " " + text)
        return
    if tag == "table":
        rows = [[_text(c) for c in tr if isinstance(c.tag, str) and c.tag.lower().rsplit("}", 1)[-1] in ("td", "th")]
                for tr in node.iter("{*}tr", "tr")]
        blocks.append(markdown_table(rows))
        return
    if tag in _BLOCKS and not any(isinstance(c.tag, str) and c.tag.lower() in _BLOCKS | {"table"} for c in node):
        blocks.append(_text(node))
        return
    if node.text and node.text.strip() and tag not in _BLOCKS:
        blocks.append(" ".join(node.text.split()))
    for child in node:
        _walk(child, blocks, shift)
        if child.tail and child.tail.strip():
            blocks.append(" ".join(child.tail.split()))


def _text(node) -> str:
    return " ".join(node.text_content().split())


_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_DD = re.compile(r"<dd[\s>]", re.IGNORECASE)


def joined_terms(html: str) -> str:
    """The page with each definition list's terms written at the head of their description
    ("`max_connections (integer)`: Determines ..."), the `<dt>` elements removed; a term with no
    description after it (a table of contents) is left as it is.

        >>> page = "<dl><dt><code>-X</code>, <code>--no-psqlrc</code></dt><dd><p>Do not read the file.</p></dd></dl>"
        >>> joined_terms(page).split("<dl>")[1][:59]
        '<dd><p>-X, --no-psqlrc: Do not read the file.</p></dd></dl>'
    """
    if not _DD.search(html):
        return html  # no description to join: the page is not parsed a second time
    import lxml.html  # lazy: parsing markup is only needed for HTML

    root = lxml.html.document_fromstring(_DECLARATION.sub("", html, count=1))  # lxml refuses one in a str
    changed = False
    for dd in root.iter("dd"):
        terms = []
        before = dd.getprevious()
        while before is not None and before.tag == "dt":
            terms.insert(0, before)
            before = before.getprevious()
        for br in (br for t in terms for br in t.iter("br")):  # "-X<br>--no-psqlrc": two spellings
            br.tail = f", {br.tail or ''}"
        label = ", ".join(" ".join(t.text_content().split()) for t in terms)
        if not label:
            continue
        head = dd[0] if len(dd) and not (dd.text or "").strip() and dd[0].tag in ("p", "div", "span") else dd
        head.text = f"{label}: {(head.text or '').lstrip()}"
        for t in terms:
            t.drop_tree()
        changed = True
    return lxml.html.tostring(root, encoding="unicode") if changed else html
