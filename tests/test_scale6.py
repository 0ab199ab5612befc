"""Issue 15 at a million tracks: the scale bench builds a synthetic catalog's vectors and index once and reuses
them, and measures the names channel as served (from arrays). Deterministic; nothing here is timed."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from tools.index import IndexConfig

GRAPH = IndexConfig(hnsw_m=16, hnsw_ef=512, quantization="int8", on_disk=True, payload_m=0)


@pytest.fixture(scope="module")
def vectors(tiny_catalog, tmp_path_factory):
    from tools.embed import EmbeddingCache, get_encoder

    cache = EmbeddingCache(tmp_path_factory.getbasetemp() / "tiny-embeddings")
    return cache.embed([t.document() for t in tiny_catalog.tracks], get_encoder(), progress=False)


def _scale(capsys, settings, cache, configs: str) -> list[dict]:
    from bots.cli import main

    capsys.readouterr()
    argv = ["--data", str(settings.data), "--home", str(settings.home), "bench", "--n", "3", "--json",
            "--catalog-size", "300", "--index-configs", configs, "--scale-cache", str(cache)]  # fmt: skip
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)["scale"]


def test_the_scale_bench_builds_a_synthetic_index_once_and_reuses_it(capsys, settings, tiny_catalog, tmp_path):
    cache = tmp_path / "scale"
    first = _scale(capsys, settings, cache, "hnsw-int8")[0]
    assert first["index_cached"] is False and first["index_build_s"] > 0
    shards = sorted(p for p in (cache / "300").iterdir() if p.name.startswith("index-") and p.is_dir())
    vectors = sorted((cache / "300").glob("vectors-*.npy"))
    assert len(shards) == 1 and len(vectors) == 1
    # the shard's record of its build and the build's seconds, and the vectors (Qdrant rewrites some of its own
    # files' times when it opens a shard)
    built = [shards[0] / "playgenie-index.json", shards[0].with_name(shards[0].name + ".build.json"), vectors[0]]
    stamp = {p: p.stat().st_mtime_ns for p in built}

    again = _scale(capsys, settings, cache, "hnsw-int8")[0]
    assert again["index_cached"] and again["index_build_s"] == first["index_build_s"]  # the first build's seconds
    assert {p: p.stat().st_mtime_ns for p in stamp} == stamp  # nothing rewritten
    assert again["request_ms"]["all"]["n"] == 3 and again["recall_at_100"] == first["recall_at_100"]

    # other build settings are another shard (search-time ones are not: test_the_cache_key_leaves_out_...)
    other = _scale(capsys, settings, cache, "hnsw-int8-p0")[0]
    assert other["index_cached"] is False
    assert len([p for p in (cache / "300").iterdir() if p.name.startswith("index-") and p.is_dir()]) == 2


def test_an_index_whose_data_changed_is_built_again(settings, tiny_catalog, vectors, tmp_path):
    from evals.bench import _build_or_reuse

    shard = tmp_path / "index-x"
    assert _build_or_reuse(shard, GRAPH, tiny_catalog, vectors)["index_cached"] is False
    assert _build_or_reuse(shard, GRAPH, tiny_catalog, vectors)["index_cached"]
    moved = np.array(vectors, copy=True)
    moved[0] = -moved[0]
    assert _build_or_reuse(shard, GRAPH, tiny_catalog, moved)["index_cached"] is False


def test_the_cache_key_leaves_out_search_time_settings(tmp_path):
    from evals.bench import scale_index_path

    base = scale_index_path(tmp_path, 1000, GRAPH)
    for search_only in ({"hnsw_ef": 64}, {"acorn": True}, {"search_threads": None}):
        assert scale_index_path(tmp_path, 1000, dataclasses.replace(GRAPH, **search_only)) == base
    for built in ({"hnsw_m": 32}, {"payload_m": None}, {"quantization": None}, {"on_disk": False}):
        assert scale_index_path(tmp_path, 1000, dataclasses.replace(GRAPH, **built)) != base
    assert scale_index_path(tmp_path, 2000, GRAPH) != base


def test_cached_synthetic_vectors_are_the_generated_ones(tiny_catalog, vectors, tmp_path):
    from evals.bench import scale_vectors
    from evals.synth import synth_catalog, synth_vectors

    syn = synth_catalog(tiny_catalog, 500, seed=0)
    made = scale_vectors(tmp_path, vectors, syn.template)
    assert np.array_equal(made, synth_vectors(vectors, syn.template))
    (path,) = (tmp_path / "500").glob("vectors-*.npy")
    when = path.stat().st_mtime_ns
    assert np.array_equal(scale_vectors(tmp_path, vectors, syn.template), made)
    assert path.stat().st_mtime_ns == when and not list((tmp_path / "500").glob("*.tmp.npy"))


def test_the_scale_bench_runs_the_names_channel_from_arrays_as_served(
    capsys, settings, tiny_catalog, tmp_path, monkeypatch
):
    """The product's retriever has the document vectors, so its names channel reads a few artists' rows from arrays;
    the scale bench measured a retriever without them (that channel scanning the shard under the filter)."""
    from tools.index import ArtistSearch

    calls = []
    real = ArtistSearch.search

    def counted(self, *args, **kw):
        calls.append(1)
        return real(self, *args, **kw)

    monkeypatch.setattr(ArtistSearch, "search", counted)
    _scale(capsys, settings, tmp_path / "scale", "exact")
    assert calls
