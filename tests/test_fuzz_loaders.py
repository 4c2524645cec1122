"""Fuzzing every loader with hypothesis (tests/support/fuzzing.py): random bytes, and valid files of each
format truncated, with bytes flipped or inserted. A loader may refuse a file (IngestError, with a reason)
but never raise anything else, which would take the whole ingest down with it. Inputs that once crashed a
loader are kept in tests/data/crashers/ and replayed first."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.corpus import TESTS
from tests.support.formats import make_docx, make_pdf
from tests.support.fuzzing import damaged_files_are_loaded_or_refused, load_or_refuse, random_bytes_are_loaded_or_refused

CRASHERS = TESTS / "data" / "crashers"


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


@pytest.mark.parametrize("suffix", sorted(SEEDS))
def test_random_bytes_are_loaded_or_refused(tmp_path, suffix):
    random_bytes_are_loaded_or_refused(tmp_path, suffix)


@pytest.mark.parametrize("suffix", sorted(SEEDS))
def test_damaged_valid_files_are_loaded_or_refused(tmp_path, suffix):
    damaged_files_are_loaded_or_refused(tmp_path, suffix, SEEDS[suffix])


def test_deeply_nested_html_is_loaded_or_refused(tmp_path):
    load_or_refuse(tmp_path, ".html", b"<div>" * 100_000 + b"deep text" + b"</div>" * 100_000)


@pytest.mark.parametrize("crasher", sorted(CRASHERS.glob("*")) if CRASHERS.is_dir() else [], ids=lambda p: p.name)
def test_inputs_that_once_crashed_a_loader(tmp_path, crasher):
    load_or_refuse(tmp_path, crasher.suffix, crasher.read_bytes())
