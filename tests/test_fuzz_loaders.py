"""Fuzzing every loader with hypothesis: random bytes, and valid files of each format truncated,
with bytes flipped or inserted. A loader may refuse a file (IngestError, with a reason) but never
raise anything else, which would take the whole ingest down with it. Inputs that once crashed a
loader are kept in tests/data/crashers/ and replayed first."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from assistant.errors import IngestError
from assistant.ingest.loaders import load
from tests.support.corpus import TESTS
from tests.support.formats import make_docx, make_pdf

CRASHERS = TESTS / "data" / "crashers"
# `make test` replays a fixed 120 examples per case; FUZZ_EXAMPLES=2000 FUZZ_RANDOM=1 searches further.
FUZZ = settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", 120)), deadline=None, database=None,
                derandomize=not os.environ.get("FUZZ_RANDOM"), suppress_health_check=list(HealthCheck))


def _seeds(tmp: Path) -> dict[str, bytes]:
    return {
        ".pdf": make_pdf(tmp / "a.pdf", [["Karsk Point", "lighthouse"], ["page two"]], title="T").read_bytes(),
        ".docx": make_docx(tmp / "a.docx").read_bytes(),
        ".html": b"<html><head><title>T</title></head><body><nav>menu</nav><article><h1>Head</h1>"
                 b"<p>The Karsk Point lighthouse stands on the cape.</p></article></body></html>",
        ".md": "# Title\n\n## Part\n\nText with ümlauts and a table:\n\n| a | b |\n|---|---|\n| 1 | 2 |\n".encode(),
        ".txt": "Plain text in cp1252: caf\xe9 na\xefve.".encode("cp1252"),
    }


SEEDS = _seeds(Path(__import__("tempfile").mkdtemp()))


def _load(tmp_path: Path, suffix: str, data: bytes) -> None:
    path = tmp_path / f"fuzzed{suffix}"
    try:
        doc = load(path, tmp_path, data)
    except IngestError as exc:
        assert str(exc).startswith("fuzzed") and len(str(exc)) > len(f"fuzzed{suffix}: ")  # names the file, says why
        return
    assert isinstance(doc.text, str) and doc.source == path.name


@pytest.mark.parametrize("suffix", sorted(SEEDS))
def test_random_bytes_are_loaded_or_refused(tmp_path, suffix):
    @FUZZ
    @given(st.binary(max_size=4096))
    def check(data):
        _load(tmp_path, suffix, data)

    check()


@pytest.mark.parametrize("suffix", sorted(SEEDS))
def test_damaged_valid_files_are_loaded_or_refused(tmp_path, suffix):
    seed = SEEDS[suffix]

    @FUZZ
    @given(st.integers(0, len(seed)), st.lists(st.tuples(st.integers(0, len(seed) - 1), st.integers(0, 255)), max_size=8),
           st.binary(max_size=64), st.integers(0, len(seed)))
    def check(cut, flips, insert, at):
        data = bytearray(seed[:cut] if cut > len(seed) // 4 else seed)
        for pos, value in flips:
            if pos < len(data):
                data[pos] = value
        data[at:at] = insert
        _load(tmp_path, suffix, bytes(data))

    check()


def test_deeply_nested_html_is_loaded_or_refused(tmp_path):
    _load(tmp_path, ".html", b"<div>" * 100_000 + b"deep text" + b"</div>" * 100_000)


@pytest.mark.parametrize("crasher", sorted(CRASHERS.glob("*")) if CRASHERS.is_dir() else [], ids=lambda p: p.name)
def test_inputs_that_once_crashed_a_loader(tmp_path, crasher):
    _load(tmp_path, crasher.suffix, crasher.read_bytes())
