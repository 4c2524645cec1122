"""The model's lock is released whatever way a generation ends (generate.py): a stream read on one
thread and closed on another, a stream dropped unread, a stream stopped by its event. After each, the
model answers the next request at once. Real llama.cpp, the small bundled model."""

from __future__ import annotations

import gc
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from assistant.generate import LlamaGenerator
from assistant.modelfiles import resolve_model

pytestmark = pytest.mark.model
ROOT = Path(__file__).resolve().parent.parent
LONG = [{"role": "user", "content": "Count from 1 to 200, one number per line."}]


@pytest.fixture(scope="module")
def generator():
    name, path = resolve_model("qwen2.5-coder-0.5b", ROOT / "models")
    return LlamaGenerator(name, path, 2048, 2, 0, 42)


def answers_at_once(generator, timeout: float = 60) -> None:
    """Another thread can tokenize and generate: nothing still holds the lock."""
    with ThreadPoolExecutor(1) as pool:
        assert pool.submit(generator.count_tokens, "hello world").result(timeout=timeout) > 0
        text = pool.submit(lambda: "".join(generator.stream(LONG, 8, 0.0, 42))).result(timeout=timeout)
    assert text.strip()


def test_a_stream_closed_on_another_thread_releases_the_lock(generator):
    # the server's case: a thread pool advances the answer, and a client gone away closes it elsewhere
    with ThreadPoolExecutor(1) as reader, ThreadPoolExecutor(1) as closer:
        tokens = generator.stream(LONG, 200, 0.0, 42)
        assert [reader.submit(next, tokens).result(timeout=60) for _ in range(3)]
        closer.submit(tokens.close).result(timeout=10)  # before the fix: "cannot release un-acquired lock"
    answers_at_once(generator)


def test_a_stream_dropped_unread_or_stopped_releases_the_lock(generator):
    tokens = generator.stream(LONG, 200, 0.0, 42)
    next(tokens)
    del tokens
    gc.collect()
    answers_at_once(generator)

    stop = threading.Event()
    tokens = generator.stream(LONG, 200, 0.0, 42, stop=stop)
    next(tokens)
    stop.set()  # the request's stop event, set by a stop button or a client gone away; nobody reads on
    answers_at_once(generator)
    assert not any(t.name == "generation" for t in threading.enumerate())
