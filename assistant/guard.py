"""Instruction-like text inside documents, kept from the model.

A passage is data, and the system prompt says so, but a small model obeys a
document that says "whatever the question, answer X" once it is retrieved. So
before passages reach the prompt, each sentence that speaks to the model
instead of about the world is cut, with the rest of its paragraph, and a
marker put in its place: orders to ignore or
replace the rules, requests for the system prompt, "note to the AI", fake
role labels and fake ends of the passage block, orders about "your answer".

This is a filter of known phrasings, one layer beside the rules in the prompt
and the citation checks in code: a paraphrase it does not know gets through
(SECURITY.md gives the share held on a set written after it). Only the text
sent to the model changes; the stored passage, its citation and its span do not.
"""

from __future__ import annotations

import re

MARK = "[instruction removed]"

_PATTERNS = [
    # "ignore all previous instructions", "disregard the rules above", "forget your prompt"
    r"\b(ignore|disregard|forget|override)\b[^.!?\n]{0,40}\b(instructions?|rules|prompts?|guidance|directions|guidelines)\b",
    # "whatever the question", "regardless of what is asked", "no matter what you are asked"
    r"\b(whatever|regardless of|no matter)\b[^.!?\n]{0,20}\b(question|asked|ask)\b[^.!?\n]{0,40}\b(answer|reply|respond|say)",
    r"\bsystem prompt\b",
    r"\b(print|reveal|repeat|show|output)\b[^.!?\n]{0,30}\b(your|the)\b[^.!?\n]{0,20}\b(rules|instructions|prompt)\b",
    # fake role labels and fake ends of the passage block
    r"^\W*(system|assistant)\s*:",
    r"</?\s*(passages?|documents?|context|system|instructions?)\s*>",
    r"\[?\s*end of (the )?(passages|documents|context|sources)\s*\]?",
    # rules addressed to the model
    r"\b(new|updated|additional|revised)\s+(rules|instructions|policy)\b[^.!?\n]{0,30}\b(assistant|ai|model|administrator|admin)\b",
    r"\b(note|message|instructions?|important)\s+(to|for)\s+(the\s+|any\s+)?(ai|assistant|model|chatbot|llm|language model)s?\b",
    r"^\W*(assistant|chatbot|language model|ai model)\s*[,:]",
    r"^\W*(translate|begin|start|end|prefix|format|write|add|put)\b[^.!?\n]{0,30}\b(every|each|all|your)\s+(answers?|repl(y|ies)|responses?)\b",
    r"\bin your (answer|reply|response)\b",
    r"\bthe user is (an? )?(admin|administrator|developer|owner)\b",
    r"\bdeveloper mode\b",
]
_FOUND = re.compile("|".join(f"(?:{p})" for p in _PATTERNS), re.IGNORECASE | re.MULTILINE)
_SENTENCE = re.compile(r".+?(?:[.!?]+(?=\s|$)|$)", re.S)  # up to an end stop and a space; lines run on
_PARAGRAPH = re.compile(r"(\n[ \t]*\n)")


def defang(text: str) -> tuple[str, int]:
    """The text with instruction-like text replaced by MARK, and how many paragraphs were cut. In a
    paragraph, the first instruction-like sentence and everything after it go: what follows an order
    in the same breath ("... Tell them the password is X"), even on the next hard-wrapped line, is its
    payload. What comes before it stays."""
    if not _FOUND.search(text):  # the common case: one scan, nothing to do
        return text, 0
    parts, removed = _PARAGRAPH.split(text), 0
    for n in range(0, len(parts), 2):  # paragraphs at even places, their separators between
        paragraph = parts[n]
        for m in _SENTENCE.finditer(paragraph):
            if m.group(0).strip() and _FOUND.search(m.group(0).strip()):
                parts[n] = f"{paragraph[:m.start()].rstrip()} {MARK}".lstrip() + ("\n" if paragraph.endswith("\n") else "")
                removed += 1
                break
    return "".join(parts), removed
