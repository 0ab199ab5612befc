"""``playgenie bench`` runs end to end on the tiny catalog and reports every key (no timing assertions)."""

from __future__ import annotations

import json

from evals.bench import OPT_IN, SECTIONS, percentiles, sample_requests


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
    argv = [
        "--data",
        str(settings.data),
        "--home",
        str(settings.home),
        "bench",
        "--n",
        "5",
        "--seconds",
        "2",
        "--think",
        "0.05",
        "--json",
    ]
    assert main(argv) == 0
    report = json.loads(capsys.readouterr().out)
    assert set(report["request_ms"]) == {"p50", "p95"} and report["n_requests"] == 5
    for stage in ("embed", "extract", "retrieve", "rerank", "refine"):
        assert set(report["stages_ms"][stage]) == {"p50", "p95"}
    assert report["index_build_s"] > 0 and report["embedding"]["docs"] == len(tiny_catalog)
    # every section either reported its keys or says why it is not built
    produced = {
        "request": "request_ms",
        "index_build": "index_build_s",
        "fold_in": "fold_in_ms",
        "generation": "generation_ms",
        "chat_turn": "chat_turn_ms",
        "chat_concurrent": "chat_concurrent",
        "http": "http",
        "cold_start": "cold_start",
    }
    assert set(produced) | OPT_IN == {name for name, _ in SECTIONS}
    assert not OPT_IN & set(report)  # minutes-long sections run only when asked for
    assert report["cold_start"]["wall_s"] > 0 and report["cold_start"]["peak_mb"] > 0
    for name, key in produced.items():
        assert (key in report) != (name in report["not_built"]), name
    assert all(isinstance(reason, str) and reason for reason in report["not_built"].values())
    assert "request_ms.p50" in report["targets"]
    # the HTTP section served from its own `playgenie serve`, as many processes as serve's default (auto) starts:
    # every turn answered, its CPU measured
    from bots.http_api import auto_processes

    n = str(auto_processes())
    assert list(report["http"]["saturation"]) == [n] == list(report["http"]["paced"])
    sat, paced = report["http"]["saturation"][n], report["http"]["paced"][n]
    assert sat["turns"] == 5 and sat["errors"] == 0 and sat["server_cpu_ms_per_turn"] > 0
    assert paced["turns"] >= 1 and paced["errors"] == 0 and paced["p95_ms"] >= paced["p50_ms"] > 0
    assert f"http.paced.{n}.p95_ms" in report["targets"]


def test_scale_section_over_the_real_and_a_synthetic_catalog(capsys, settings, tiny_catalog, tmp_path):
    from bots.cli import main

    capsys.readouterr()
    argv = [
        "--data",
        str(settings.data),
        "--home",
        str(settings.home),
        "bench",
        "--n",
        "5",
        "--json",
        "--catalog-size",
        "real,300",
        "--index-configs",
        "exact,hnsw-int8",
        "--scale-cache",
        str(tmp_path / "scale"),
    ]
    assert main(argv) == 0
    report = json.loads(capsys.readouterr().out)
    rows = report["scale"]
    assert [(r["size"], r["index"]) for r in rows] == [
        (len(tiny_catalog), "exact"),
        (len(tiny_catalog), "hnsw-int8"),
        (300, "exact"),
        (300, "hnsw-int8"),
    ]
    for r in rows:
        assert r["index_build_s"] >= 0 and r["memory_mb"]["rss"] > 0 and r["embed_estimate_s"] >= 0
        assert r["request_ms"]["all"]["n"] == 5 and set(r["stages_ms"]) >= {"retrieve", "rerank", "refine"}
        assert 0 < r["request_cpu_ms"]["p50"] <= r["request_cpu_ms"]["p95"]
        assert 0.0 <= r["recall_at_100"] <= 1.0 and r["fold_in_ms"]["p50"] > 0
    assert rows[0]["recall_at_100"] == 1.0  # exact search finds what a brute-force scan finds
    assert rows[2]["synthetic"] and rows[2]["vector_gen_s"] >= 0


def test_encoders_section_reports_rates_and_agreement(capsys, settings, tiny_catalog):
    from bots.cli import main

    capsys.readouterr()
    argv = ["--data", str(settings.data), "--home", str(settings.home), "bench", "--sections", "encoders", "--json"]
    assert main(argv) == 0
    variants = json.loads(capsys.readouterr().out)["encoders"]["variants"]
    assert set(variants) == {"torch", "onnx", "onnx-int8", "onnx-int8-all"}
    for name, row in variants.items():
        assert set(row["docs_per_s"]) == {"1", "8", "32", "128"} and row["query_ms"]["p50"] > 0
        if name != "torch":  # every MatMul in int8 (the VAE's content features only) strays further
            floor = 0.97 if name == "onnx-int8-all" else 0.99
            assert row["agreement"]["docs"] == len(tiny_catalog) and row["agreement"]["min"] >= floor
