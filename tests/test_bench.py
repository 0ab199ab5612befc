"""``playgenie bench`` runs end to end on the tiny catalog and reports every key (no timing assertions)."""

from __future__ import annotations

import json

from evals.bench import SECTIONS, percentiles, sample_requests


def test_percentiles_in_milliseconds():
    assert percentiles([0.001, 0.002, 0.003]) == {"p50": 2.0, "p95": 2.9}


def test_sample_requests_are_distinct_and_seeded(tiny_catalog):
    texts = sample_requests(50, tiny_catalog, seed=0)
    assert len(texts) == 50 == len(set(texts))
    assert texts == sample_requests(50, tiny_catalog, seed=0)
    assert all(t.strip() for t in texts)


def test_bench_json_on_the_tiny_catalog(capsys, settings, tiny_catalog):
    from bots.cli import main

    capsys.readouterr()
    argv = ["--data", str(settings.data), "--home", str(settings.home), "bench", "--n", "5", "--seconds", "2", "--think", "0.05", "--json"]
    assert main(argv) == 0
    report = json.loads(capsys.readouterr().out)
    assert set(report["request_ms"]) == {"p50", "p95"} and report["n_requests"] == 5
    for stage in ("embed", "extract", "retrieve", "rerank", "refine"):
        assert set(report["stages_ms"][stage]) == {"p50", "p95"}
    assert report["index_build_s"] > 0 and report["embedding"]["docs"] == len(tiny_catalog)
    # every section either reported its keys or says why it is not built
    produced = {
        "request": "request_ms", "index_build": "index_build_s", "fold_in": "fold_in_ms",
        "generation": "generation_ms", "chat_turn": "chat_turn_ms", "chat_concurrent": "chat_concurrent", "http": "http",
    }  # fmt: skip
    assert set(produced) == {name for name, _ in SECTIONS}
    for name, key in produced.items():
        assert (key in report) != (name in report["not_built"]), name
    assert all(isinstance(reason, str) and reason for reason in report["not_built"].values())
    assert "request_ms.p50" in report["targets"]
