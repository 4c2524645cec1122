"""The small test corpus the repository carries, and a writable copy of it."""

from __future__ import annotations

import shutil
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent
TEST_CORPUS = TESTS / "data" / "corpus"


def copy_test_corpus(root: Path) -> Path:
    """A writable copy of the test corpus at root/corpus."""
    target = root / "corpus"
    shutil.copytree(TEST_CORPUS, target)
    return target
