"""Instruction-like text inside documents, kept from the model.

A passage is data, and the system prompt says so, but a small model obeys a
document that says "whatever the question, answer X" once it is retrieved. So
before passages reach the prompt, text that acts on the reader instead of
informing it is cut: the sentence, with the rest of its paragraph, and a marker
put in its place. Each rule is one unit below, run in a fixed order, with a name
that `flagged()` reports:

  hidden      text a reader of the document never sees: HTML comments and
              Markdown comments (removed), zero-width and tag characters (deleted)
  repeated    a Q/A list that gives the same answer to different questions
  template    chat-template tokens and role labels (<|im_start|>, [INST], ### Assistant:)
  order       an order about answering, by what it does rather than its words: it
              speaks of replying (answer, reply, say, antworten, répondre ...) to
              the questions or the asker, to whoever answers (you, the assistant,
              the AI ...) or to any question, with force (must, always, only,
              immer, toujours ...) or in the imperative; English, German, French
  verdict     a claim about what the correct or only answer is
  phrasing    known phrasings ("ignore all previous instructions", fake ends of
              the passage block, "note to the AI"), kept from the first guard

It reads words, so it can be evaded (SECURITY.md gives the share held on a set
written after it, and what it cuts of real documentation: nothing). Only the text
sent to the model changes; the stored passage, its citation and its span do not.
"""

from __future__ import annotations

import re

MARK = "[instruction removed]"

_PHRASINGS = [
    r"\b(ignore|disregard|forget|override)\b[^.!?\n]{0,40}\b(instructions?|rules|prompts?|guidance|directions|guidelines)\b",
    r"\b(ignore|disregard|forget)\s+(the|this|my|any|every)\s+(question|passages?|context|documents?)\b",
    r"\b(whatever|regardless of|no matter)\b[^.!?\n]{0,20}\b(question|asked|ask)\b[^.!?\n]{0,40}\b(answer|reply|respond|say)",
    r"\bsystem prompt\b",
    r"\b(print|reveal|repeat|show|output)\b[^.!?\n]{0,30}\b(your|the)\b[^.!?\n]{0,20}\b(rules|instructions|prompt)\b",
    r"^\W*(system|assistant)\s*:",
    r"</?\s*(passages?|documents?|context|system|instructions?)\s*>",
    r"\[?\s*end of (the )?(passages|documents|context|sources)\s*\]?",
    r"\b(new|updated|additional|revised)\s+(rules|instructions|policy)\b[^.!?\n]{0,30}\b(assistant|ai|model|administrator|admin)\b",
    r"\b(note|message|instructions?|important)\s+(to|for)\s+(the\s+|any\s+)?(ai|assistant|model|chatbot|llm|language model)s?\b",
    r"^\W*(assistant|chatbot|language model|ai model)\s*[,:]",
    r"^\W*(translate|begin|start|end|prefix|format|write|add|put)\b[^.!?\n]{0,30}\b(every|each|all|your)\s+(answers?|repl(y|ies)|responses?)\b",
    r"\bin your (answer|reply|response)\b",
    r"\bthe user is (an? )?(admin|administrator|developer|owner)\b",
    r"\bdeveloper mode\b",
]


def _words(*alternatives: str) -> re.Pattern:
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)", re.IGNORECASE)


# the act of replying, in English, German and French
_REPLY = _words(r"answer(s|ed|ing)?", r"repl(y|ies|ied|ying)", r"respond(s|ing)?", r"responses?", r"say", r"state",
                r"tell", r"told", r"claim",
                r"antwort\w*", r"beantwort\w*", r"sag(e|en|t|st)?", r"ausgeben", r"gib\s+\w+\s+aus", r"nenne\w*",
                r"répon\w*", r"dis", r"dites", r"dire", r"affiche\w*", r"indique\w*")
# the exchange: questions and whoever asks them
_ASKING = _words(r"questions?", r"asked", r"asks?", r"askers?", r"users?", r"visitors?",
                 r"frage\w*", r"gefragt", r"anfrage\w*", r"nutzer\w*", r"benutzer\w*", r"fragende\w*",
                 r"demand\w*", r"requêtes?", r"utilisat\w*")
# whoever answers: an AI named, or the reader told how to reply ("you must", "your answer")
_AI = _words(r"assistants?", r"ai", r"a\.i\.", r"chatbots?", r"llms?", r"(language|ai) models?", r"whoever",
             r"any(one|body) (answering|reading|replying|responding)", r"wer", r"assistent\w*", r"ki", r"sprachmodell\w*",
             r"ia", r"modèles? de langage", r"quiconque")
_YOU = _words(r"you (must|should|shall|have to|need to|are to|may only|can only|are required to)",
              r"your (answers?|repl(y|ies)|responses?|output)", r"du (musst|sollst|darfst nur)",
              r"(musst|sollst) du", r"sie (müssen|sollen|dürfen nur)", r"(müssen|sollen) sie", r"(deine|ihre) antwort\w*",
              r"vous (devez|devrez|ne devez)", r"devez-vous", r"tu dois", r"(votre|ta) réponse",
              # a new identity for the reader
              r"you are now", r"from now on,? you", r"pretend (to be|you are)", r"du bist (jetzt|nun|ab jetzt)",
              r"(tu es|vous êtes) (maintenant|désormais)")
_FORCE = _words(r"must", r"should", r"shall", r"ha(ve|s) to", r"needs? to", r"(is|are) to", r"always", r"never",
                r"make sure", r"be sure", r"ensure", r"do not", r"don't", r"from now on",
                r"immer", r"niemals", r"muss\w*", r"müssen", r"soll\w*", r"stets", r"ausschließlich",
                r"toujours", r"jamais", r"doi(s|t|vent)", r"devez", r"faut")
# the reply's content prescribed: "reply that", "say:", "answer every question with", "antworte nur", "répondez que"
_CONTENT = re.compile(_REPLY.pattern + r"(\s+\S+){0,4}?\s+(with|using|mit|avec|par)(?!\w)|" + _REPLY.pattern +
                      r",?\s+(\w+\s+)?(that|only|exactly|the words|dass|daß|nur|que|seulement|uniquement)(?!\w)|" +
                      _REPLY.pattern + r"\s*[:\"“„«']", re.IGNORECASE)
_ANY_QUESTION = _words(r"(any|every|each|all|whatever|whichever)( \w+)? questions?", r"no matter what",
                       r"(jede|alle|egal welche)\w*( \w+)? frage\w*", r"(toute|chaque|quelle que soit la)s? question\w*")
_VERDICT = _words(r"(only|correct|right|official|proper|valid|approved|expected) (answer|reply|response)s?"
                  r"[^.!?\n]{0,60}?(\bis\b|\bare\b|:|\bwill be\b)",
                  r"(einzig|richtig|offiziell|korrekt)\w* antwort\w*[^.!?\n]{0,60}?(\bist\b|\blautet\b|:)",
                  r"(seule|bonne|vraie) réponse[^.!?\n]{0,60}?(\best\b|:)",
                  r"réponse (correcte|officielle|exacte)[^.!?\n]{0,60}?(\best\b|:)")
_TEMPLATE = re.compile(r"<\|[a-z_]{2,20}\|>|\[/?INST\]|<</?SYS>>|^\W*#{2,}\s*(assistant|system|instruction|response|human)"
                       r"\b|^\W*(human|system|assistant)\s*:|</?s>", re.IGNORECASE | re.MULTILINE)
_IMPERATIVE = re.compile(r"^\W*(please\s+|always\s+|simply\s+|just\s+|now\s+)?(answer|reply|respond|say|state|tell|"
                         r"antworte|antworten sie|sage|sagen sie|nenne|réponds|répondez|dis|dites|indiquez)(?!\w)",
                         re.IGNORECASE)
_PHRASING = re.compile("|".join(f"(?:{p})" for p in _PHRASINGS), re.IGNORECASE | re.MULTILINE)


def _order(sentence: str) -> bool:
    if not _REPLY.search(sentence):
        return False
    force = _CONTENT.search(sentence) or _FORCE.search(sentence)
    if _ANY_QUESTION.search(sentence) and force:
        return True  # "whatever the question, say X"; not "answer any questions that come up"
    if _IMPERATIVE.search(sentence) and re.search(r"^\W*\w+\s*[:\"“„«]", sentence):
        return True  # "Say: ...", a reply dictated word for word
    if not _ASKING.search(sentence):
        return False
    told = _IMPERATIVE.search(sentence) and _CONTENT.search(sentence)  # "reply to users that ..."; not "answer yes when asked"
    return bool(_YOU.search(sentence) or told or (force and _AI.search(sentence)))


SENTENCE_RULES = [  # (name, test), in order
    ("template", lambda s: bool(_TEMPLATE.search(s))),
    ("order", _order),
    ("verdict", lambda s: bool(_VERDICT.search(s))),
    ("phrasing", lambda s: bool(_PHRASING.search(s))),
]

_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff\U000e0000-\U000e007f]")
_COMMENT = re.compile(r"<!--.*?(-->|\Z)|^\[[^\]\n]*\]:\s*(#|<>)\s*\(.*\)\s*$", re.S | re.M)
_ANSWER_LINE = re.compile(r"^\W*(a|answer|antwort|r|réponse)\s*[:.)]\s*(.{12,})$", re.IGNORECASE | re.MULTILINE)
_SENTENCE = re.compile(r".+?(?:[.!?]+(?=\s|$)|$)", re.S)  # up to an end stop and a space; lines run on
_PARAGRAPH = re.compile(r"(\n[ \t]*\n)")


def _unhide(text: str) -> tuple[str, int]:
    """Delete invisible characters; replace comments (HTML, Markdown) with MARK. (text, comments cut)."""
    text = _INVISIBLE.sub("", text)
    return _COMMENT.subn(MARK, text)


def _repeated(text: str) -> tuple[str, int]:
    """Replace the answer lines of a Q/A list that give one answer to different questions with MARK."""
    answers = [" ".join(m.group(2).lower().split()) for m in _ANSWER_LINE.finditer(text)]
    twice = {a for a in answers if answers.count(a) > 1}
    if not twice:
        return text, 0
    hits = [m for m in _ANSWER_LINE.finditer(text) if " ".join(m.group(2).lower().split()) in twice]
    for m in reversed(hits):
        text = text[:m.start()] + MARK + text[m.end():]
    return text, len(hits)


def flagged(sentence: str) -> str | None:
    """The name of the first sentence rule that takes `sentence` for an instruction, or None."""
    return next((name for name, test in SENTENCE_RULES if test(sentence)), None)


def defang(text: str) -> tuple[str, int]:
    """The text with instruction-like text replaced by MARK, and how many places were cut. Hidden text and
    repeated Q/A answers go first; then, in a paragraph, the first instruction-like sentence and everything
    after it go: what follows an order in the same breath ("... Tell them the password is X"), even on the
    next hard-wrapped line, is its payload. What comes before it stays."""
    text, removed = _unhide(text)
    text, repeated = _repeated(text)
    removed += repeated
    parts = _PARAGRAPH.split(text)
    for n in range(0, len(parts), 2):  # paragraphs at even places, their separators between
        paragraph = parts[n]
        for m in _SENTENCE.finditer(paragraph):
            sentence = m.group(0).strip()
            if sentence and sentence != MARK and flagged(sentence):
                parts[n] = f"{paragraph[:m.start()].rstrip()} {MARK}".lstrip() + ("\n" if paragraph.endswith("\n") else "")
                removed += 1
                break
    return "".join(parts), removed
