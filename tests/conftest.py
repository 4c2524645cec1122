"""Shared fixtures. Real parts (Chroma, MiniLM, llama.cpp with the bundled model) are
session-scoped so each loads once; fakes are deterministic so unit tests assert exact values."""

from __future__ import annotations

from pathlib import Path

import pytest

import assistant  # noqa: F401  (applies the offline switches before any heavy import)

from tests.support.corpus import TEST_CORPUS, TESTS, copy_test_corpus  # noqa: F401
from tests.support.fakes import FakeEmbedder, WordCounter  # noqa: F401
from tests.support.servers import free_port  # noqa: F401


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A writable copy of the test corpus."""
    return copy_test_corpus(tmp_path)


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


from tests.support.browser import browser  # noqa: E402,F401  (the shared real-browser fixture)

ARTIFACTS = TESTS.parent / "test-artifacts"


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Folder for screenshots and reports the tests leave for people to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
