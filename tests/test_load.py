"""The load test, short: concurrent chats through the HTTP API, then a restart on the same SQLite files."""

from __future__ import annotations

import pytest

from evals.load import load_test


@pytest.mark.slow
def test_concurrent_chats_then_restart(settings, tiny_pipeline):
    report = load_test(settings, n_chats=12, seconds=8, pipeline=tiny_pipeline)
    assert report["turns"] >= 12, report  # every chat got answers
    assert report["errors"] == 0 and report["wrong_chat"] == 0, report["examples"]
    assert report["restart_checked"] and report["lost_after_restart"] == 0, report["examples"]
    assert report["throughput_turns_per_s"] > 0 and report["latency_ms"]["p95"] >= report["latency_ms"]["p50"] > 0
    assert not (settings.home / "loadtest").exists() or not any((settings.home / "loadtest").iterdir())
