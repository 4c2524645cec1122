"""EML and MBOX -> Markdown-like text, one section a message (standard library email).

Each message becomes a heading with its subject, a line with its sender and date, and its body
(the text/plain part, else the HTML one through markup.py). An attachment of a type the
assistant reads is read by the same readers (the `read_attachment` callback) and follows as its
own section, "Attachment: NAME (from: SUBJECT)", its headings one level deeper, so a chunk of it
names the file and the message it came with. Other attachments are named, not read. An MBOX is
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

_FROM_LINE = re.compile(rb"(?m)^From [^\n]*\n")
_HEADING = re.compile(r"(?m)^(#{1,5}) ")
Reader = Callable[[str, bytes], Parsed]  # (attachment file name, its bytes) -> Parsed; raises IngestError


def read_mail(data: bytes, source: str, mbox: bool, budget: Budget, read_attachment: Reader) -> Parsed:
    raw = [m for m in _FROM_LINE.split(data) if m.strip()] if mbox else [data]
    most = budget.limits.max_pages
    if len(raw) > most:
        raise IngestError(f"{source}: {len(raw)} messages, over the limit of {most} (setting 'ingest.max_pages')")
    sections, subjects = [], []
    for one in raw:
        try:
            message = BytesParser(policy=policy.default).parsebytes(one)
            subject = " ".join(str(message.get("subject", "") or "").split()) or "(no subject)"
            sections.append(_message(message, subject, read_attachment))
        except IngestError:
            raise
        except Exception as exc:  # the email package raises many kinds on malformed headers and parts
            raise IngestError(f"{source}: a message cannot be read ({type(exc).__name__}: {exc})") from None
        subjects.append(subject)
    text = "\n\n".join(s for s in sections if s)
    if not re.search(r"(?m)^(?!#)\S", text):
        raise IngestError(f"{source}: no message with text")
    return Parsed(text, subjects[0] if not mbox and subjects else "")


def _message(message: EmailMessage, subject: str, read_attachment: Reader) -> str:
    who = [f"{k}: {' '.join(str(message.get(k)).split())}" for k in ("From", "To", "Date") if message.get(k)]
    blocks = [f"# {subject}", " · ".join(who)]
    body = message.get_body(preferencelist=("plain", "html"))
    if body is not None:
        content = body.get_content()
        blocks.append(html_to_markdown(content, shift=1) if body.get_content_type() == "text/html" else content.strip())
    for part in message.iter_attachments():
        blocks.append(_attachment(part, subject, read_attachment))
    return "\n\n".join(b for b in blocks if b)


def _attachment(part, subject: str, read_attachment: Reader) -> str:
    name = " ".join((part.get_filename() or "").split())
    if not name:
        return ""
    heading = f"## Attachment: {name} (from: {subject})"
    try:
        data = part.get_payload(decode=True) or b""
        parsed = read_attachment(name, data)
    except IngestError as exc:
        return f"{heading}\n\nNot read: {str(exc).rsplit(f'{name}: ', 1)[-1]}"
    return f"{heading}\n\n" + _HEADING.sub(lambda m: "##" + m.group(1) + " ", parsed.text)
