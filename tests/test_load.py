"""Load: 16 concurrent conversations through the API and through the chat window, each with a
follow-up (bench/load.py, with the small bundled model so it fits in `make test`). Every request
completes; no answer has crossed wires (another conversation's question or facts); memory stays
bounded; in the chat window, waiting users are shown their place in the queue, and it counts down.
The figures with the default model are in docs/reliability.md (`bench/load.py --conversations 16`)."""

from __future__ import annotations

import pytest

from bench.load import run

pytestmark = [pytest.mark.model, pytest.mark.servers]


def test_sixteen_conversations_at_once_stay_apart(tmp_path):
    result = run(16, "qwen2.5-coder-0.5b", 32, tmp_path)
    rows = result["rows"]
    assert result["requests"] == 32 and result["completed"] == 32, [r["error"] for r in rows if r["error"]]
    assert result["crossed"] == 0, [r for r in rows if r["crossed"]]
    # accuracy, not isolation: "team 15" can retrieve team 1's document; most must be right
    assert result["cites_only_own"] >= 28 and result["own_fact"] >= 16, rows
    # bounded: the load adds the model (0.5B, about 0.6 GB) and working memory, not a copy per conversation
    assert result["rss_mb"]["after"] - result["rss_mb"]["before"] < 2048, result["rss_mb"]


def test_sixteen_conversations_in_the_chat_window_stay_apart_and_see_their_place(tmp_path):
    result = run(16, "qwen2.5-coder-0.5b", 32, tmp_path, via="ui")
    rows = result["rows"]
    assert result["requests"] == 32 and result["completed"] == 32, [r["error"] for r in rows if r["error"]]
    assert result["crossed"] == 0, [r for r in rows if r["crossed"]]
    assert result["cites_only_own"] >= 28 and result["own_fact"] >= 12, rows
    # one answer at a time: sixteen first questions at once make a queue, and each waiting user is
    # shown a place that only moves forward
    assert result["queue"]["waited"] >= 16 and result["queue"]["longest"] >= 8, result["queue"]
    for r in rows:
        ranks = [place for place, _ in r["queue_places"]]
        assert ranks == sorted(ranks, reverse=True), r
    assert result["rss_mb"]["after"] - result["rss_mb"]["before"] < 2048, result["rss_mb"]
