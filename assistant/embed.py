"""Embeddings and reranking: the only module that imports sentence-transformers (and tokenizers).

`SentenceEmbedder` loads the model lazily, on the first `embed()`, because
`import sentence_transformers` alone takes 6-16 s on these machines and an
unchanged corpus must re-ingest in about a second. Token counting uses the
model's own `tokenizer.json` through the light `tokenizers` library, so
chunking never waits for torch.

Vectors are L2-normalised, so the store's cosine distance is 1 - dot product.
`CrossEncoderReranker` scores (question, passage) pairs with a user's local
sentence-transformers CrossEncoder folder, when one is configured.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Protocol

from assistant.config import DEFAULT_EMBEDDER


class Embedder(Protocol):
    id: str
    dimension: int

    def embed(self, texts: list[str]) -> list[list[float]]: ...

    def count_tokens(self, text: str) -> int: ...


class SentenceEmbedder:
    """A sentence-transformers model read from a local folder (never a hub)."""

    def __init__(self, name: str, folder: Path, batch_size: int = 32, threads: int | None = None,
                 precision: str = "auto"):
        self.id = name if name == DEFAULT_EMBEDDER else f"local:{folder.name}"
        self.folder = folder
        self.batch_size = batch_size
        self.threads = threads
        # bfloat16 matrix products where the CPU has them (AVX512-BF16 or AMX): 1.7-1.8x faster for
        # MiniLM here, vectors within cosine 0.9999 of float32 (BENCHMARKS.md); elsewhere it would be slower
        self.bf16 = precision == "bfloat16" or (precision == "auto" and cpu_has_bf16())
        self.dimension = _dimension(folder)
        self._model = None
        self._tokenizer = None

    def _load(self):
        if self._model is None:
            import torch  # lazy: heavy import
            from sentence_transformers import SentenceTransformer  # lazy: 6-16 s import
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()  # no "Loading weights" bar on the user's terminal

            if self.threads:
                torch.set_num_threads(self.threads)
            self._model = SentenceTransformer(str(self.folder), device="cpu", local_files_only=True)
        return self._model

    def embed(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        import torch

        model = self._load()
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.bf16):
            vectors = model.encode(texts, batch_size=self.batch_size, normalize_embeddings=True,
                                   convert_to_tensor=True, show_progress_bar=False)
        return vectors.float().tolist()

    def count_tokens(self, text: str) -> int:
        if self._tokenizer is None:
            from tokenizers import Tokenizer  # light Rust tokenizer, no torch

            self._tokenizer = Tokenizer.from_file(str(self.folder / "tokenizer.json"))
            self._tokenizer.no_truncation()
            self._tokenizer.no_padding()
        return len(self._tokenizer.encode(text, add_special_tokens=False).ids)


class CrossEncoderReranker:
    """A sentence-transformers CrossEncoder from a local folder: higher score = more relevant."""

    def __init__(self, folder: Path, threads: int | None = None, batch_size: int = 16):
        self.folder = folder
        self.threads = threads
        self.batch_size = batch_size
        self._model = None

    def score(self, query: str, texts: list[str]) -> list[float]:
        if not texts:
            return []
        if self._model is None:
            import torch  # lazy: heavy import
            from sentence_transformers import CrossEncoder  # lazy: 6-16 s import

            if self.threads:
                torch.set_num_threads(self.threads)
            self._model = CrossEncoder(str(self.folder), device="cpu", local_files_only=True)
        scores = self._model.predict([(query, t) for t in texts], batch_size=self.batch_size, show_progress_bar=False)
        return [float(x) for x in scores]


def cpu_has_bf16() -> bool:
    """Whether this CPU multiplies bfloat16 natively (Linux /proc/cpuinfo flags)."""
    try:
        flags = next((line for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("flags")), "")
    except OSError:
        return False
    return any(flag in flags.split() for flag in ("avx512_bf16", "amx_bf16"))


def _dimension(folder: Path) -> int:
    """Output dimension from the model's config files, without loading the weights."""
    pooling = folder / "1_Pooling" / "config.json"
    for path, key in ((pooling, "word_embedding_dimension"), (folder / "config.json", "hidden_size")):
        if path.is_file():
            return int(json.loads(path.read_text())[key])
    raise ValueError(f"{folder} has no config.json: not a sentence-transformers model folder")
