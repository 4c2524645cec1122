"""Fuzzing a loader with hypothesis, shared by tests/test_fuzz_loaders.py and tests/test_fuzz_formats.py:
random bytes, and a valid file truncated, with bytes flipped or inserted, each loaded under given limits.
A loader may refuse a file (IngestError naming it, with a reason) but never raise anything else, which
would take the whole ingest down with it. The seeds (valid files) are the test files'; this module makes
none."""

from __future__ import annotations

import os
from pathlib import Path

from hypothesis import HealthCheck, given, settings, strategies as st

from assistant.errors import IngestError
from assistant.ingest.limits import Limits
from assistant.ingest.loaders import load

# `make test` replays a fixed 120 examples per case; FUZZ_EXAMPLES=2000 FUZZ_RANDOM=1 searches further.
FUZZ = settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", 120)), deadline=None, database=None,
                derandomize=not os.environ.get("FUZZ_RANDOM"), suppress_health_check=list(HealthCheck))


def load_or_refuse(tmp_path: Path, suffix: str, data: bytes, limits: Limits = Limits()) -> None:
    """Load `data` as a file of `suffix`: a Document, or an IngestError that names the file and says why."""
    path = tmp_path / f"fuzzed{suffix}"
    try:
        doc = load(path, tmp_path, data, limits=limits)
    except IngestError as exc:
        assert str(exc).startswith("fuzzed") and len(str(exc)) > len(f"fuzzed{suffix}: ")
        return
    assert isinstance(doc.text, str) and doc.source == path.name


def damage(seed: bytes, cut: int, flips, insert: bytes, at: int) -> bytes:
    """`seed` cut at `cut` (when that keeps over a quarter of it), with `flips` (position, byte) applied and
    `insert` put in at `at`."""
    data = bytearray(seed[:cut] if cut > len(seed) // 4 else seed)
    for pos, value in flips:
        if pos < len(data):
            data[pos] = value
    data[at:at] = insert
    return bytes(data)


def damages(seed: bytes):
    """The strategies for `damage`'s arguments after the seed."""
    return (st.integers(0, len(seed)), st.lists(st.tuples(st.integers(0, len(seed) - 1), st.integers(0, 255)), max_size=8),
            st.binary(max_size=64), st.integers(0, len(seed)))


def random_bytes_are_loaded_or_refused(tmp_path: Path, suffix: str, limits: Limits = Limits()) -> None:
    @FUZZ
    @given(st.binary(max_size=4096))
    def check(data):
        load_or_refuse(tmp_path, suffix, data, limits)

    check()


def damaged_files_are_loaded_or_refused(tmp_path: Path, suffix: str, seed: bytes, limits: Limits = Limits()) -> None:
    @FUZZ
    @given(*damages(seed))
    def check(cut, flips, insert, at):
        load_or_refuse(tmp_path, suffix, damage(seed, cut, flips, insert, at), limits)

    check()
