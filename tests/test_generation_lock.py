"""The model's lock is released whatever way a generation ends (generate.py): a stream read on one
thread and closed on another, a stream dropped unread, a stream stopped by its event. After each, the
model answers the next request at once. Real llama.cpp, the small bundled model."""

from __future__ import annotations

import gc
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from assistant.generate import LlamaGenerator
from assistant.modelfiles import resolve_model

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


@pytest.mark.model
def test_a_stream_closed_on_another_thread_releases_the_lock(generator):
    # the server's case: a thread pool advances the answer, and a client gone away closes it elsewhere
    with ThreadPoolExecutor(1) as reader, ThreadPoolExecutor(1) as closer:
        tokens = generator.stream(LONG, 200, 0.0, 42)
        assert [reader.submit(next, tokens).result(timeout=60) for _ in range(3)]
        closer.submit(tokens.close).result(timeout=10)  # before the fix: "cannot release un-acquired lock"
    answers_at_once(generator)


@pytest.mark.model
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


class SlowLlama:
    """Stands in for llama_cpp.Llama beside the real tests above: a token every millisecond, and it
    records whether two threads were ever inside it at once (llama.cpp's context is not thread-safe)."""

    def __init__(self):
        self.inside = 0
        self.overlapped = False

    def create_chat_completion(self, messages, stream, max_tokens, temperature, seed):
        import time

        self.inside += 1
        self.overlapped |= self.inside > 1
        try:
            for i in range(max_tokens):
                time.sleep(0.001)
                yield {"choices": [{"delta": {"content": f"{i} "}}]}
        finally:
            self.inside -= 1

    def tokenize(self, data, add_bos, special):
        self.overlapped |= self.inside > 0
        return data.split()


@pytest.mark.parametrize("seed", [25])
def test_two_hundred_streams_ended_at_random_on_random_threads_leave_the_lock_free(seed):
    import random

    rng = random.Random(seed)
    generator = LlamaGenerator("slow", Path("unused.gguf"), 2048, 1, 0, 42)
    generator._llm = llm = SlowLlama()
    with ThreadPoolExecutor(4) as pool:
        for _ in range(200):
            stop = threading.Event()
            tokens = generator.stream(LONG, 50, 0.0, 42, stop=stop)
            for _ in range(rng.randint(0, 10)):
                pool.submit(next, tokens).result(timeout=10)  # read on pool threads, as Starlette does
            ending = rng.choice(["close", "stop", "drop", "count"])
            if ending == "close":
                pool.submit(tokens.close).result(timeout=10)
            elif ending == "stop":
                stop.set()
            elif ending == "count":  # another request tokenizes meanwhile: it waits its turn
                assert pool.submit(generator.count_tokens, "a b c").result(timeout=10) == 3
            del tokens
    assert generator._lock.acquire(timeout=10)
    generator._lock.release()
    assert not llm.overlapped
    deadline = time.monotonic() + 10
    while any(t.name == "generation" for t in threading.enumerate()) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not any(t.name == "generation" for t in threading.enumerate())
