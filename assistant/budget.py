"""The context budget: which passages fit in the model's window. Pure function.

The prompt is the fixed part (system rules, the question, the template's own
words, the chat template's per-message tokens) plus one block per passage; the
room is the context window minus the tokens reserved for the answer. Passages
are kept in rank order and the lowest-ranked go first when they do not fit, so
the answer record can say exactly which passages the model saw and which were
left out. Nothing is ever cut in the middle of a passage, and nothing silently.

    >>> fit([40, 30, 50], fixed=20, room=100)
    (2, 90)
"""

from __future__ import annotations

from assistant.errors import ContextError

# Tokens a chat template adds around each message (Qwen's `<|im_start|>role\n ... <|im_end|>\n`
# is 5; Llama 3's header is 4-5): counted generously, so a kept passage always fits.
MESSAGE_OVERHEAD = 8


def fit(costs: list[int], fixed: int, room: int) -> tuple[int, int]:
    """How many passages (a prefix, in rank order) fit, and the prompt's total tokens with them.

    `costs` are each passage block's tokens, `fixed` the rest of the prompt. Raises
    ContextError when even the fixed part does not fit.
    """
    if fixed > room:
        raise ContextError(
            f"the question and the rules need {fixed} tokens, but only {room} are left in the context window "
            "after the room kept for the answer: shorten the question, or raise n_ctx (or lower max_tokens)"
        )
    total, kept = fixed, 0
    for cost in costs:
        if total + cost > room:
            break
        total += cost
        kept += 1
    return kept, total
