"""Text generation: the only module that imports llama_cpp.

`LlamaGenerator` loads a GGUF model lazily (first use), formats chat messages
with the chat template stored in the model's own metadata, and streams the
reply. Streaming and non-streaming share one path (`complete()` joins the
stream). A lock makes the model serve one request at a time, because a
llama.cpp context is not safe to share between threads. The model keeps its
KV cache between calls, and llama-cpp-python reuses the longest common token
prefix, so the fixed system prompt is processed once, not per question;
`warm()` processes it before the first question.

`complete()` (short side requests: the follow-up rewrite) saves the cached
tokens of the context first and puts them back after, so a rewrite does not
evict the cached prefix: a follow-up's answer starts from the cached system
prompt like any other question. (A second context would do the same, but
costs 670 MB more: llama.cpp repacks the weights per loaded model.)

Whatever way a request ends, the model's lock is released. A generation runs
in one worker thread of its own, which takes the lock, writes the tokens into
a queue and releases the lock when it ends; the caller's iterator only reads
that queue. The lock is never held across a `yield`, so a reader closed or
collected on another thread (a client that went away) cannot leave it held or
release it from the wrong thread. Closing the reader, or setting the `stop`
event, cancels the worker at its next token; a reader that is simply dropped
lets the worker run at most `max_tokens` more.
"""

from __future__ import annotations

import ctypes
import queue
import threading
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Protocol

from assistant.errors import GenerationError
from assistant.gguf import read_gguf


class Generator(Protocol):
    name: str
    context_window: int  # tokens the model reads and writes per request

    def count_tokens(self, text: str) -> int: ...

    def stream(self, messages: list[dict[str, str]], max_tokens: int, temperature: float, seed: int,
               stop: threading.Event | None = None) -> Iterator[str]: ...

    def warm(self, messages: list[dict[str, str]]) -> None: ...


class LlamaGenerator:
    def __init__(self, name: str, path: Path, n_ctx: int, n_threads: int, n_gpu_layers: int, seed: int):
        self.name = name
        self.path = path
        self.n_ctx = n_ctx
        self.context_window = n_ctx
        self.n_threads = n_threads
        self.n_gpu_layers = n_gpu_layers
        self.seed = seed
        self._llm = None
        self._lock = threading.RLock()  # generation and tokenizing: one thread at a time (see count_tokens)
        self._load_lock = threading.Lock()

    def load(self):
        with self._load_lock:  # two first requests at once must not load the model twice
            return self._load()

    def _load(self):
        if self._llm is None:
            info = read_gguf(self.path)
            if not info.chat_template:
                raise GenerationError(
                    f"model '{self.name}' ({self.path.name}) has no chat template in its metadata, so the "
                    "assistant cannot format a conversation for it. Use an instruct/chat GGUF that ships its "
                    "template (most do), e.g. the bundled qwen2.5-coder-1.5b."
                )
            try:
                from llama_cpp import Llama  # lazy: loads the native library
            except ImportError as exc:
                raise GenerationError(f"llama-cpp-python is not installed ({exc}): run `make install`") from None
            try:
                self._llm = Llama(
                    model_path=str(self.path), n_ctx=self.n_ctx, n_threads=self.n_threads,
                    n_threads_batch=self.n_threads, n_gpu_layers=self.n_gpu_layers, seed=self.seed,
                    verbose=False,
                )
            except (ValueError, RuntimeError) as exc:
                raise GenerationError(f"could not load model {self.path}: {exc}") from None
        return self._llm

    def warm(self, messages: list[dict[str, str]]) -> None:
        """Load the model and process `messages` (the fixed system prompt) now, unless something is
        cached already, so that the first question finds the prefix cached like every later one."""
        llm = self.load()
        with self._lock:
            if llm.n_tokens == 0:
                llm.create_chat_completion(messages=messages, max_tokens=1, temperature=0.0, seed=self.seed)

    def reset(self) -> None:
        """Forget every cached prefix (benchmarks start cold with it)."""
        with self._lock:
            if self._llm is not None:
                self._llm.reset()

    def count_tokens(self, text: str) -> int:
        llm = self.load()
        # Not while another thread generates: llama-cpp-python's tokenize beside a running generation
        # ended the whole process, silently and with status 0 (found by bench/load.py, 2 conversations).
        with self._lock:
            return len(llm.tokenize(text.encode("utf-8"), add_bos=False, special=True))

    def stream(self, messages: list[dict[str, str]], max_tokens: int, temperature: float, seed: int,
               stop: threading.Event | None = None) -> Iterator[str]:
        """The reply, piece by piece, written by a worker thread that owns the lock (see the module's doc)."""
        llm = self.load()
        cancel = threading.Event()  # set when the reader is closed
        ended = (lambda: cancel.is_set() or stop.is_set()) if stop is not None else cancel.is_set
        return _read(self._start(llm, messages, max_tokens, temperature, seed, ended), cancel)

    def _start(self, llm, messages, max_tokens: int, temperature: float, seed: int, ended) -> queue.Queue:
        out: queue.Queue = queue.Queue()  # unbounded: the worker never waits for its reader

        def work() -> None:
            try:
                with self._lock:  # taken and released by this thread only
                    if ended():  # the reader went away while this waited for its turn
                        return
                    with closing(self._pieces(llm, messages, max_tokens, temperature, seed)) as pieces:
                        for text in pieces:
                            out.put(text)
                            if ended():
                                break
            except BaseException as exc:  # noqa: BLE001 - handed to the reader, who raises it
                out.put(exc)
            finally:
                out.put(_END)

        threading.Thread(target=work, daemon=True, name="generation").start()
        return out

    def _pieces(self, llm, messages, max_tokens: int, temperature: float, seed: int) -> Iterator[str]:
        """The model's text pieces; the caller holds the lock and consumes them in its own thread."""
        try:
            for part in llm.create_chat_completion(
                messages=messages, stream=True, max_tokens=max_tokens, temperature=temperature, seed=seed,
            ):
                text = part["choices"][0]["delta"].get("content")
                if text:
                    yield text
        except ValueError as exc:  # e.g. the prompt does not fit the context window
            raise GenerationError(f"the model could not answer: {exc}") from None

    def complete(self, messages: list[dict[str, str]], max_tokens: int, temperature: float, seed: int) -> str:
        """A short side request that leaves the cached prefix as it found it (see the module's doc)."""
        llm = self.load()
        with self._lock:
            saved = _save(llm)
            try:
                return "".join(self._pieces(llm, messages, max_tokens, temperature, seed))
            finally:
                _restore(llm, saved)


_END = object()  # the worker has finished


def _read(out: queue.Queue, cancel: threading.Event) -> Iterator[str]:
    """The reader's side: pieces from the worker's queue. Closing it (from any thread) cancels the worker."""
    try:
        while (item := out.get()) is not _END:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        cancel.set()


def _save(llm):
    """The context's cached tokens and their KV cells (sequence 0 only: no logits, a few MB)."""
    import llama_cpp

    n = llm.n_tokens
    if n == 0:
        return None
    size = llama_cpp.llama_state_seq_get_size(llm.ctx, 0)
    buf = (ctypes.c_uint8 * size)()
    written = llama_cpp.llama_state_seq_get_data(llm.ctx, buf, size, 0)
    return (llm.input_ids[:n].copy(), buf, written) if written else None


def _restore(llm, saved) -> None:
    import llama_cpp

    if saved is None:
        return
    ids, buf, size = saved
    llm.reset()
    if llama_cpp.llama_state_seq_set_data(llm.ctx, buf, size, 0) == 0:
        return  # not restored: the context starts cold next time, which is slower but correct
    llm.input_ids[: len(ids)] = ids
    llm.n_tokens = len(ids)
