"""(X)HTML -> Markdown-like text, keeping all of it: the only direct lxml import.

For markup that is all content (an e-book chapter, an HTML mail body), unlike webpage.py, which
keeps a web page's main article and drops its menus. h1-h6 become `#` headings, p, li, pre,
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

from assistant.ingest.tables import markdown_table

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
