"""Load: 16 concurrent conversations through the API, each with a follow-up (bench/load.py, with the
small bundled model so it fits in `make test`). Every request completes; no answer has crossed wires
(another conversation's question or facts); memory stays bounded. The figures with the
default model are in RELIABILITY.md (`bench/load.py --conversations 16`)."""

from __future__ import annotations

import pytest

from bench.load import run

pytestmark = pytest.mark.slow


def test_sixteen_conversations_at_once_stay_apart(tmp_path):
    result = run(16, "qwen2.5-coder-0.5b", 32, tmp_path)
    rows = result["rows"]
    assert result["requests"] == 32 and result["completed"] == 32, [r["error"] for r in rows if r["error"]]
    assert result["crossed"] == 0, [r for r in rows if r["crossed"]]
    # accuracy, not isolation: "team 15" can retrieve team 1's document; most must be right
    assert result["cites_only_own"] >= 28 and result["own_fact"] >= 16, rows
    # bounded: the load adds the model (0.5B, about 0.6 GB) and working memory, not a copy per conversation
    assert result["rss_mb"]["after"] - result["rss_mb"]["before"] < 2048, result["rss_mb"]
