"""A language model on an OpenAI-compatible server: the only module that imports openai.

`RemoteGenerator` has the interface of `LlamaGenerator` (generate.py), so the
answer service cannot tell them apart. It talks to any server that speaks
`POST /v1/chat/completions` with streaming: llama.cpp's server, llama-cpp-python's
(`python -m llama_cpp.server`), vLLM. The server formats the chat with its own
template and keeps its own KV cache; it also serves requests concurrently, so
no lock is taken here.

The context budget needs two facts the OpenAI protocol does not carry:
  - the context window: vLLM lists `max_model_len` in /v1/models, llama.cpp's
    server gives `n_ctx` in /props; otherwise the `n_ctx` setting is trusted;
  - token counts: llama-cpp-python's /extras/tokenize/count, llama.cpp's and
    vLLM's /tokenize; a server with none gets a deliberate over-estimate
    (one token per 3 bytes: English text runs about 4), so the prompt never
    overflows the window.
Both are found on first use and remembered (`context_from`, `tokens_from`).
"""

from __future__ import annotations

import math
from collections.abc import Iterator

from assistant.errors import GenerationError

_TIMEOUT = 600.0  # seconds for one answer; a CPU server can be slow


def _estimate(text: str) -> int:
    """More tokens than any usual tokenizer makes of this text (English runs about 4 bytes a token)."""
    return math.ceil(len(text.encode("utf-8")) / 3)


class RemoteGenerator:
    def __init__(self, url: str, model: str, api_key: str, n_ctx: int):
        self.url = url.rstrip("/")
        self.root = self.url.removesuffix("/v1")
        self.wanted = model
        self.api_key = api_key or "none"  # the client insists on one; servers without auth ignore it
        self.default_ctx = n_ctx
        self.context_from = ""  # where the context window came from
        self.tokens_from = ""  # how tokens are counted
        self._name: str | None = None
        self._window: int | None = None
        self._client = None
        self._count = None

    # --- what the server has ---------------------------------------------------------------------

    @property
    def client(self):
        if self._client is None:
            import openai  # lazy: only remote setups need it

            self._client = openai.OpenAI(base_url=self.url, api_key=self.api_key, timeout=_TIMEOUT, max_retries=0)
        return self._client

    def models(self) -> list[dict]:
        """The server's models as /v1/models lists them."""
        import openai

        try:
            return [m.model_dump() for m in self.client.models.list()]
        except openai.APIError as exc:
            raise self._error(exc) from None

    @property
    def name(self) -> str:
        """The server's model that answers: the one named in the settings, or the server's only one."""
        if self._name is None:
            ids = [m["id"] for m in self.models()]
            if self.wanted in ids:
                self._name = self.wanted
            elif len(ids) == 1:
                self._name = ids[0]
            else:
                raise GenerationError(
                    f"the model server at {self.url} has no model {self.wanted!r}; it has {', '.join(ids) or 'none'}. "
                    "Set `model` to one of them"
                )
        return self._name

    @property
    def context_window(self) -> int:
        if self._window is None:
            listed = next((m for m in self.models() if m["id"] == self.name), {})
            window = listed.get("max_model_len")  # vLLM
            if window:
                self._window, self.context_from = int(window), "the server's /v1/models"
            else:
                props = self._get(f"{self.root}/props")  # llama.cpp's server
                n_ctx = (props or {}).get("default_generation_settings", {}).get("n_ctx")
                if n_ctx:
                    self._window, self.context_from = int(n_ctx), "the server's /props"
                else:
                    self._window, self.context_from = self.default_ctx, "the n_ctx setting"
        return self._window

    # --- the Generator interface -----------------------------------------------------------------

    def load(self):
        """Check the server answers and has the model (the eval calls this before timing)."""
        return self.name

    def count_tokens(self, text: str) -> int:
        if self._count is None:
            self._count = self._find_counter()
        return self._count(text)

    def stream(self, messages: list[dict[str, str]], max_tokens: int, temperature: float, seed: int,
               stop=None) -> Iterator[str]:
        import openai

        try:
            response = self.client.chat.completions.create(
                model=self.name, messages=messages, stream=True, max_tokens=max_tokens, temperature=temperature,
                seed=seed,
            )
        except openai.APIError as exc:
            raise self._error(exc) from None
        try:
            for part in response:
                if part.choices and part.choices[0].delta and part.choices[0].delta.content:
                    yield part.choices[0].delta.content
                if stop is not None and stop.is_set():
                    break
        except openai.APIError as exc:
            raise self._error(exc) from None
        finally:
            response.close()  # a stopped answer stops the server's generation too

    def warm(self, messages: list[dict[str, str]]) -> None:
        """Nothing to do here: the server keeps its own prompt cache."""

    def complete(self, messages: list[dict[str, str]], max_tokens: int, temperature: float, seed: int) -> str:
        return "".join(self.stream(messages, max_tokens, temperature, seed))

    # --- helpers ---------------------------------------------------------------------------------

    def _find_counter(self):
        """The first way of counting tokens this server offers (each: URL, body, reader of the reply)."""
        ways = [
            ("the server's /extras/tokenize/count", f"{self.root}/extras/tokenize/count",
             lambda text: {"input": text, "model": self.name}, lambda r: int(r["count"])),
            ("the server's /tokenize", f"{self.root}/tokenize",
             lambda text: {"content": text}, lambda r: len(r["tokens"])),
            ("the server's /tokenize (vLLM)", f"{self.root}/tokenize",
             lambda text: {"model": self.name, "prompt": text, "add_special_tokens": False}, lambda r: int(r["count"])),
        ]
        for label, url, body, read in ways:
            try:
                read(self._post(url, body("How many tokens?")) or {})
            except (KeyError, TypeError, ValueError):
                continue
            self.tokens_from = label

            def count(text: str, url=url, body=body, read=read) -> int:
                reply = self._post(url, body(text))
                return read(reply) if reply else _estimate(text)  # a failed call over-estimates

            return count
        self.tokens_from = "an over-estimate (1 token per 3 bytes): the server counts no tokens"
        return _estimate

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"}

    def _get(self, url: str) -> dict | None:
        return self._request("GET", url)

    def _post(self, url: str, body: dict) -> dict | None:
        return self._request("POST", url, body)

    def _request(self, method: str, url: str, body: dict | None = None) -> dict | None:
        """The JSON reply of an auxiliary endpoint, or None when the server has no such endpoint or fails."""
        import httpx

        try:
            r = httpx.request(method, url, json=body, headers=self._headers(), timeout=30)
            return r.json() if r.status_code == 200 else None
        except (httpx.HTTPError, ValueError):
            return None

    def _error(self, exc) -> GenerationError:
        import openai

        if isinstance(exc, openai.APIConnectionError):
            return GenerationError(
                f"cannot reach the model server at {self.url} (setting 'model.url'): {exc}. Start it, or leave "
                "model_url empty to run the model in this process"
            )
        status = getattr(exc, "status_code", None)
        return GenerationError(f"the model server at {self.url} refused the request ({status or 'error'}): {exc}")
