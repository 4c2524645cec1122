"""Shared fixtures. Real parts (Chroma, MiniLM, llama.cpp with the bundled model) are
session-scoped so each loads once; fakes are deterministic so unit tests assert exact values."""

from __future__ import annotations

import hashlib
import shutil
import socket
from pathlib import Path

import pytest

import assistant  # noqa: F401  (applies the offline switches before any heavy import)

TESTS = Path(__file__).resolve().parent
TEST_CORPUS = TESTS / "data" / "corpus"


def free_port() -> int:
    """A free TCP port on loopback, for servers the tests start."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class WordCounter:
    """Counts whitespace-separated words: a stand-in for the embedder's tokenizer."""

    def __call__(self, text: str) -> int:
        return len(text.split())


class FakeEmbedder:
    """Deterministic bag-of-words hashing embedder: similar texts get similar vectors."""

    def __init__(self, id: str = "fake-embedder", dimension: int = 64):
        self.id = id
        self.dimension = dimension
        self.calls = 0

    def embed(self, texts: list[str]) -> list[list[float]]:
        self.calls += 1
        out = []
        for text in texts:
            vec = [0.0] * self.dimension
            for word in text.lower().split():
                word = word.strip(".,;:!?\"'()[]")
                if word:
                    vec[int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dimension] += 1.0
            norm = sum(v * v for v in vec) ** 0.5 or 1.0
            out.append([v / norm for v in vec])
        return out

    def count_tokens(self, text: str) -> int:
        return len(text.split())


def copy_test_corpus(root: Path) -> Path:
    """A writable copy of the test corpus at root/corpus."""
    target = root / "corpus"
    shutil.copytree(TEST_CORPUS, target)
    return target


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A writable copy of the test corpus."""
    return copy_test_corpus(tmp_path)


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


from tests.browser import browser  # noqa: E402,F401  (the shared real-browser fixture)

ARTIFACTS = TESTS.parent / "test-artifacts"


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Folder for screenshots and reports the tests leave for people to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
