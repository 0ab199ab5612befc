"""Where a request's index time goes on a large synthetic catalog: every call the pipeline makes to the index,
timed in process CPU time (its search threads too) and replayed with parts of its
filter taken out.

Usage:
    python -m evals.scale_probe [--size 100000] [--n 60] [--config hnsw-int8-p0-disk] [--cache DIR] [--json]

The catalog, its vectors and its index come from the scale bench's cache (``playgenie bench --scale-cache``; built
there first when missing). For each kind of call (dense search, BM25 search, ...) it prints the calls a request
makes, their CPU p50/p95 per request, and the same calls replayed: as made, without the excluded rows, without the
ranges, without any filter, and the exact count of the filter (what Qdrant's evaluation of it alone costs).
"""

from __future__ import annotations

import argparse
import json
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np


class Recorder:
    """Wraps an index backend: each call's method, filter, limit and CPU/wall seconds, in order."""

    def __init__(self, backend: Any):
        self.backend = backend
        self.calls: list[dict[str, Any]] = []

    def _timed(self, method: str, args: tuple, flt: Any, limit: int) -> Any:
        c0, t0 = time.process_time(), time.perf_counter()
        out = getattr(self.backend, method)(*args)
        self.calls.append(
            {"method": method, "args": args, "flt": flt, "limit": limit, "cpu": time.process_time() - c0,
             "wall": time.perf_counter() - t0, "hits": len(out)}
        )  # fmt: skip
        return out

    def search(self, vector, flt, limit):
        return self._timed("search", (vector, flt, limit), flt, limit)

    def search_sparse(self, sparse, flt, limit):
        return self._timed("search_sparse", (sparse, flt, limit), flt, limit)

    def channels(self, vector, sparse, flt, limit):
        return self._timed("channels", (vector, sparse, flt, limit), flt, limit)

    def hybrid(self, vector, sparse, flt, limit):
        return self._timed("hybrid", (vector, sparse, flt, limit), flt, limit)

    def count(self, flt):
        return self._timed("count", (flt,), flt, 0)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.backend, name)


def _variant(flt: Any, part: str) -> Any:
    if flt is None:
        return None
    c = flt.copy()
    if part == "no-exclude":
        c.exclude_rows = []
    elif part == "no-ranges":
        c.ranges = {}
    elif part == "no-filter":
        return None
    return c


def _cpu(fn, repeat: int = 1) -> float:
    c0 = time.process_time()
    for _ in range(repeat):
        fn()
    return (time.process_time() - c0) / repeat


def _pct(values: list[float]) -> dict[str, float]:
    ms = np.asarray(values) * 1000.0
    if not len(ms):
        return {"p50": 0.0, "p95": 0.0}
    return {"p50": round(float(np.percentile(ms, 50)), 2), "p95": round(float(np.percentile(ms, 95)), 2)}


def load_shard(size: int, config_name: str, cache: Path, build_missing: bool = True):
    """The scale bench's catalog, vectors, CF model and shard of ``size`` tracks; the shard is built when missing,
    unless ``build_missing`` is False (then a missing or stale shard is refused)."""
    from evals import bench, synth
    from tools import build, cf
    from tools.index import EdgeBackend, IndexConfig, TrackIndex, fingerprint
    from tools.settings import Settings

    settings = Settings()
    real = build.load_catalog(settings)
    real_vectors = build.document_vectors(settings, real, progress=False)
    syn = synth.synth_catalog(real, size, seed=0)
    vectors = bench.scale_vectors(cache, real_vectors, syn.template)
    cf_model = synth.synth_cf(cf.ensure_cf(real, cf.cf_home(settings)), syn)
    catalog = syn.catalog
    config = IndexConfig(**bench.INDEX_CONFIGS[config_name])
    shard = bench.scale_index_path(cache, len(catalog), config)
    if build_missing:
        built = bench._build_or_reuse(shard, config, catalog, vectors)
        backend = EdgeBackend(shard, config)
    else:
        built, backend = None, EdgeBackend(shard, config)
        if backend.fingerprint() is None or backend.fingerprint() != fingerprint(catalog, vectors):
            raise SystemExit(f"no cached shard of this catalog at {shard}: build it with the scale bench first")
    index = TrackIndex(backend, [t.track_id for t in catalog.tracks])
    return settings, catalog, vectors, cf_model, index, built


def probe(size: int, n: int, config_name: str, cache: Path, replay: bool = True) -> dict[str, Any]:
    import tempfile

    from evals.bench import sample_requests
    from tools.embed import get_encoder
    from tools.pipeline import Pipeline

    settings, catalog, vectors, cf_model, index, built = load_shard(size, config_name, cache)
    rec = Recorder(index.backend)
    index.backend = rec
    out: dict[str, Any] = {"size": len(catalog), "config": config_name, "index": built}
    with tempfile.TemporaryDirectory() as tmp:
        cf_model.save(Path(tmp) / "cf")
        pipe = Pipeline(settings, catalog, get_encoder(), index, home=Path(tmp), vectors=vectors)
        pipe.cf_model()
        texts = sample_requests(n + 5, catalog, seed=0)
        for t in texts[:5]:
            pipe.run(t)
        per_request: dict[str, list[float]] = defaultdict(list)
        whole, index_cpu, n_calls = [], [], []
        calls: list[dict[str, Any]] = []
        for t in texts[5:]:
            pipe.encoder.clear_cache()
            pipe.retriever.clear_cache()
            rec.calls = []
            c0 = time.process_time()
            pipe.run(t)
            whole.append(time.process_time() - c0)
            by: dict[str, float] = defaultdict(float)
            for c in rec.calls:
                by[c["method"]] += c["cpu"]
            for m in ("search", "search_sparse", "channels", "hybrid", "count"):
                per_request[m].append(by.get(m, 0.0))
            index_cpu.append(sum(by.values()))
            n_calls.append(len(rec.calls))
            calls += rec.calls
        out["request_cpu_ms"] = _pct(whole)
        out["index_cpu_ms"] = _pct(index_cpu)
        out["calls_per_request"] = round(float(np.mean(n_calls)), 1)
        out["per_request_cpu_ms"] = {m: _pct(v) for m, v in per_request.items() if any(v)}
        out["exclude_rows"] = _pct([len(c["flt"].exclude_rows) / 1000.0 for c in calls if c["flt"] is not None])
        ARRAYS[:] = [pipe.retriever.artist_search]
        if replay:
            out["replay"] = _replay(rec.backend, calls)
        pipe.close()
    return out


def _replay(backend: Any, calls: list[dict[str, Any]]) -> dict[str, Any]:
    """Each recorded call again, as made and with parts of its filter out: CPU ms p50/p95 over the calls."""
    out: dict[str, Any] = {}
    by_method: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for c in calls:
        by_method[c["method"]].append(c)
    for method, group in by_method.items():
        row: dict[str, Any] = {"calls": len(group)}
        for part in ("as-made", "no-exclude", "no-ranges", "no-filter"):
            times = []
            for c in group:
                args = list(c["args"])
                args[-2 if method != "count" else -1] = _variant(c["flt"], part)
                times.append(_cpu(lambda a=args: getattr(backend, method)(*a)))
            row[part] = _pct(times)
        row["count-of-filter"] = _pct([_cpu(lambda f=c["flt"]: backend.count(f)) for c in group])
        if method != "count":
            row["by_cardinality"] = _exact_vs_graph(backend, method, group)
            if ARRAYS:
                row["as-row-ids"] = _as_ids(backend, method, group)
        out[method] = row
    return out


ARRAYS: list[Any] = []  # the catalog's filter arrays (tools.index.ArtistSearch), set by probe()


def _as_ids(backend: Any, method: str, group: list[dict[str, Any]]) -> dict[str, Any]:
    """The calls with their filter worked out here from arrays and given to Qdrant as the ids that pass it (a
    must ``HasId``): CPU of the arrays' pass, of the whole call, and the share of the hits as made it finds."""
    q, arrays = backend.q, ARRAYS[0]
    real = backend._filter
    everything = np.arange(len(arrays.artist_of))
    out: dict[str, dict[str, list[float]]] = {}
    for c in group:
        flt = c["flt"]
        n = backend.count(flt)
        lo = max(b for b in CARDINALITY_BUCKETS if b <= n)
        b = out.setdefault(f">={lo}", {"made": [], "ids": [], "mask": [], "agree": []})
        made = getattr(backend, method)(*c["args"])
        b["made"].append(_cpu(lambda: getattr(backend, method)(*c["args"])))

        def ids_filter(f: Any) -> Any:
            if f is None or f.is_empty():
                return None
            keep = np.flatnonzero(arrays._mask(f, everything))
            return q.Filter(must=[q.HasIdCondition(point_ids=set(keep.tolist()))])

        b["mask"].append(_cpu(lambda: ids_filter(flt)))
        backend._filter = ids_filter
        try:
            got = getattr(backend, method)(*c["args"])
            b["ids"].append(_cpu(lambda: getattr(backend, method)(*c["args"])))
        finally:
            backend._filter = real
        m, g = {r for r, _ in made}, {r for r, _ in got}
        b["agree"].append(len(m & g) / max(1, len(m)))
    return {k: {"calls": len(v["made"]), "made": _pct(v["made"]), "ids": _pct(v["ids"]),
                "of_which_arrays": _pct(v["mask"]), "same_hits": round(float(np.mean(v["agree"])), 3)}
            for k, v in sorted(out.items())}  # fmt: skip


CARDINALITY_BUCKETS = (0, 2_000, 10_000, 30_000, 100_000, 300_000, 10**9)


def _exact_vs_graph(backend: Any, method: str, group: list[dict[str, Any]]) -> dict[str, Any]:
    """The calls grouped by how many points pass their filter: CPU as the index's settings search (a graph when
    it has one) against an exact scan of the filtered points (``SearchParams(exact=True)``), and the share of the
    graph's hits the scan also finds."""
    import dataclasses

    config = backend.config
    exact = dataclasses.replace(config, hnsw_m=0)
    buckets: dict[str, dict[str, list[float]]] = {}
    for c in group:
        n = backend.count(c["flt"])
        lo = max(b for b in CARDINALITY_BUCKETS if b <= n)
        b = buckets.setdefault(f">={lo}", {"graph": [], "exact": [], "agree": []})
        hits = {}
        for name, cfg in (("graph", config), ("exact", exact)):
            backend.config = cfg
            fn = getattr(backend, method)
            hits[name] = fn(*c["args"])
            b[name].append(_cpu(lambda f=fn: f(*c["args"])))
        backend.config = config
        g, e = {r for r, _ in hits["graph"]}, {r for r, _ in hits["exact"]}
        b["agree"].append(len(g & e) / max(1, len(e)))
    return {k: {"calls": len(v["graph"]), "graph": _pct(v["graph"]), "exact": _pct(v["exact"]),
                "recall_of_graph": round(float(np.mean(v["agree"])), 3)}
            for k, v in sorted(buckets.items())}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.scale_probe", description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--n", type=int, default=60)
    parser.add_argument("--config", default="hnsw-int8-p0-disk")
    parser.add_argument("--cache", default=str(Path.home() / ".cache" / "playgenie" / "scale"))
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--no-replay", action="store_true", help="Only the requests' own calls, none replayed.")
    args = parser.parse_args(argv)
    report = probe(args.size, args.n, args.config, Path(args.cache).expanduser(), replay=not args.no_replay)
    report["load"] = open("/proc/loadavg").read().split()[:3]
    print(json.dumps(report, indent=None if args.json else 1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
