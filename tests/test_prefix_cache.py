"""The model's cached prefix survives a side request (generate.py): after `complete()` (the follow-up
rewrite) the context holds exactly the tokens it held before, and what it then writes is what a cold
context writes, token for token. Real llama.cpp, the small bundled model."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.generate import LlamaGenerator
from assistant.modelfiles import resolve_model

pytestmark = pytest.mark.model
ROOT = Path(__file__).resolve().parent.parent
SYSTEM = (ROOT / "prompts" / "system.txt").read_text()


def ask(passage: str, question: str) -> list[dict[str, str]]:
    return [{"role": "system", "content": SYSTEM},
            {"role": "user", "content": f"Passages:\n\n[1] (from notes.txt)\n{passage}\n\nQuestion: {question}"}]


FERRY = ask("The ferry leaves at 07:40 every weekday and at 09:15 on Saturdays.", "When does the ferry leave on Saturdays?")
MUSEUM = ask("The museum opens in June and closes in September.", "When does the museum open?")
REWRITE = [{"role": "user", "content": "Rewrite the follow-up as a standalone question.\nUser: When does the museum "
            "open?\nAssistant: In June.\nFollow-up: And when does it close?\nStandalone question:"}]


@pytest.fixture(scope="module")
def generator():
    name, path = resolve_model("qwen2.5-coder-0.5b", ROOT / "models")
    return LlamaGenerator(name, path, 2048, 2, 0, 42)


def test_a_side_request_leaves_the_cached_prefix_and_the_answers_unchanged(generator):
    generator.reset()
    cold_museum = generator.complete(MUSEUM, 32, 0.0, 42)  # a side request on an empty context: nothing to keep
    generator.reset()
    cold_ferry = "".join(generator.stream(FERRY, 32, 0.0, 42))

    llm = generator.load()
    held, ids = llm.n_tokens, llm.input_ids[: llm.n_tokens].copy()
    assert held > 100  # the system prompt, the ferry question and its answer
    rewrite = generator.complete(REWRITE, 32, 0.0, 42)
    assert rewrite.strip()
    assert llm.n_tokens == held and (llm.input_ids[:held] == ids).all()  # put back as it was

    # the restored cells are the real ones: the same answers as from a cold context
    assert "".join(generator.stream(MUSEUM, 32, 0.0, 42)) == cold_museum
    assert "".join(generator.stream(FERRY, 32, 0.0, 42)) == cold_ferry


def test_warm_up_caches_the_system_prompt_once(generator):
    generator.reset()
    system_only = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": "Passages:"}]
    generator.warm(system_only)
    llm = generator.load()
    cached = llm.n_tokens
    assert cached >= generator.count_tokens(SYSTEM)  # the system prompt is in the KV cache
    generator.warm(MUSEUM)  # something is cached already: nothing is done
    assert llm.n_tokens == cached
    # the next question reuses that prefix: its answer is the cold one
    assert "".join(generator.stream(FERRY, 32, 0.0, 42)) == _cold(generator, FERRY)


def _cold(generator, messages) -> str:
    generator.reset()
    return "".join(generator.stream(messages, 32, 0.0, 42))
