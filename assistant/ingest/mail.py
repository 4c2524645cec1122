"""EML and MBOX -> Markdown-like text, one section a message (standard library email).

Each message becomes a heading with its subject, a line with its sender and date, and its body
(the text/plain part, else the HTML one through markup.py). An attachment of a type the
assistant reads is read by the same readers (the `read_attachment` callback) and follows as a
document of its own (a `Part`): titled 'NAME (attached to "SUBJECT")', its headings one level
deeper, its pages kept, so its chunks and citations name the file and the message it came with.
Other attachments are named, with why they were not read. An MBOX is
split at its "From " lines; more than `max_pages` messages is refused.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

from assistant.errors import IngestError
from assistant.ingest.markup import html_to_markdown
from assistant.ingest.limits import Budget
from assistant.ingest.parsed import Parsed
from assistant.records import Part

_FROM_LINE = re.compile(rb"(?m)^From [^\n]*\n")
_HEADING = re.compile(r"(?m)^(#{1,5}) ")
Reader = Callable[[str, bytes], Parsed]  # (attachment file name, its bytes) -> Parsed; raises IngestError


def read_mail(data: bytes, source: str, mbox: bool, budget: Budget, read_attachment: Reader) -> Parsed:
    raw = [m for m in _FROM_LINE.split(data) if m.strip()] if mbox else [data]
    most = budget.limits.max_pages
    if len(raw) > most:
        raise IngestError(f"{source}: {len(raw)} messages, over the limit of {most} (setting 'ingest.max_pages')")
    out, subjects = _Text(), []
    for one in raw:
        try:
            message = BytesParser(policy=policy.default).parsebytes(one)
            subject = " ".join(str(message.get("subject", "") or "").split()) or "(no subject)"
            _message(message, subject, read_attachment, out)
        except IngestError:
            raise
        except Exception as exc:  # the email package raises many kinds on malformed headers and parts
            raise IngestError(f"{source}: a message cannot be read ({type(exc).__name__}: {exc})") from None
        subjects.append(subject)
    text = out.text()
    if not re.search(r"(?m)^(?!#)\S", text):
        raise IngestError(f"{source}: no message with text")
    return Parsed(text, subjects[0] if not mbox and subjects else "", parts=out.parts)


class _Text:
    """The file's text, block by block ("\n\n" between blocks), with the parts (attachments) it holds."""

    def __init__(self) -> None:
        self.blocks: list[str] = []
        self.size = 0
        self.parts: list[Part] = []

    def add(self, block: str) -> int:
        """Append a block; return its offset."""
        block = block.replace("\r\n", "\n").replace("\r", "\n").strip("\n")
        if not block:
            return self.size
        self.size += 2 if self.blocks else 0
        start = self.size
        self.blocks.append(block)
        self.size += len(block)
        return start

    def attach(self, title: str, parsed: Parsed) -> None:
        """An attachment as a document of its own: a '# title' heading, its text with its headings one level
        deeper, and its pages moved to where they now stand."""
        heading = f"# {title}\n\n"
        cuts = sorted({0, len(parsed.text), *parsed.pages})
        pieces = [_deeper(parsed.text[a:b]) for a, b in zip(cuts, cuts[1:])]
        start = self.add(heading + "".join(pieces))
        moved, at = {}, start + len(heading)
        for cut, piece in zip(cuts, pieces):
            moved[cut], at = at, at + len(piece)
        pages = [moved.get(p, at) for p in parsed.pages]
        if pages:
            pages[0] = start  # the part's heading is on its first page
        self.parts.append(Part(start=start, end=self.size, title=title, pages=pages))

    def text(self) -> str:
        return "\n\n".join(self.blocks)


def _deeper(text: str) -> str:
    return _HEADING.sub(lambda m: "#" + m.group(1) + " ", text.replace("\r\n", "\n").replace("\r", "\n"))


def _message(message: EmailMessage, subject: str, read_attachment: Reader, out: _Text) -> None:
    who = [f"{k}: {' '.join(str(message.get(k)).split())}" for k in ("From", "To", "Date") if message.get(k)]
    out.add(f"# {subject}")
    out.add(" · ".join(who))
    body = message.get_body(preferencelist=("plain", "html"))
    if body is not None:
        content = body.get_content()
        out.add(html_to_markdown(content, shift=1) if body.get_content_type() == "text/html" else content.strip())
    read = [_attachment(part, subject, read_attachment, out) for part in message.iter_attachments()]
    for title, parsed in (r for r in read if r):  # after the notes on those not read, so none falls inside one
        out.attach(title, parsed)


def _attachment(part, subject: str, read_attachment: Reader, out: _Text) -> tuple[str, Parsed] | None:
    """A supported attachment read (its title and text), else a note of why not added to the message."""
    name = " ".join((part.get_filename() or "").split())
    if not name:
        return None
    try:
        data = part.get_payload(decode=True) or b""
        return f"{name} (attached to \u201c{subject}\u201d)", read_attachment(name, data)
    except IngestError as exc:
        out.add(f"## Attachment: {name} (from: {subject})\n\nNot read: {str(exc).rsplit(f'{name}: ', 1)[-1]}")
        return None
