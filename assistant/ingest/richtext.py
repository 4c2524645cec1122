"""RTF -> text with its headings: the only striprtf import.

striprtf turns RTF into plain text. Headings are kept by reading the paragraph's outline level
(`\\outlinelevelN`, which Word and pandoc write for heading styles) and writing `#` marks before
its text, so chunks get heading paths. RTF without outline levels gives plain paragraphs.
"""

from __future__ import annotations

import re

from assistant.errors import IngestError
from assistant.ingest.parsed import Parsed

_OUTLINE = re.compile(r"\\outlinelevel([0-8])(?![0-9]) ?")


def read_rtf(text: str, source: str) -> Parsed:
    if not text.lstrip().startswith("{\\rtf"):
        raise IngestError(f"{source}: not an RTF file (it does not start with '{{\\rtf')")
    marked = _OUTLINE.sub(lambda m: m.group(0).rstrip() + " " + "#" * min(6, int(m.group(1)) + 1) + " ", text)
    try:
        from striprtf.striprtf import rtf_to_text  # lazy: only ingest of an RTF needs it

        plain = rtf_to_text(marked, errors="replace")
    except Exception as exc:  # striprtf raises ValueError/IndexError on some damaged control words
        raise IngestError(f"{source}: not a readable RTF ({type(exc).__name__}: {exc})") from None
    lines = [line.strip() for line in plain.replace("\r", "").split("\n")]
    return Parsed("\n\n".join(line for line in lines if line))
