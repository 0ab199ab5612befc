"""The tail of a large catalog's requests: each index call the pipeline makes, by how many tracks pass its filter,
replayed under search-time variants (beam, rescoring, exact scans below a cardinality), with each variant's CPU and
its recall of the exact filtered top ``limit``.

Usage:
    python -m evals.scale_tail [--size 100000] [--n 100] [--config hnsw-int8-p0-disk] [--json]

It never builds a shard: the catalog's shard must already be in the scale bench's cache (``playgenie bench
--sections scale --catalog-size N`` builds it), else it stops. Whole requests are timed first (process CPU and
wall, as the index's settings search), then every recorded call is replayed once per variant.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import time
from collections import defaultdict
from pathlib import Path
from typing import Any, Callable

import numpy as np

from evals.scale_probe import load_shard

BUCKETS = (0, 2_000, 10_000, 30_000, 100_000, 300_000, 10**9)


def _pct(values: list[float], scale: float = 1000.0) -> dict[str, float]:
    v = np.asarray(values, dtype=np.float64) * scale
    if not len(v):
        return {"p50": 0.0, "p95": 0.0}
    return {"p50": round(float(np.percentile(v, 50)), 2), "p95": round(float(np.percentile(v, 95)), 2)}


def _bucket(n: int) -> str:
    return f">={max(b for b in BUCKETS if b <= n)}"


def _parse_variant(spec: str, base: Any) -> tuple[str, Any]:
    """``name:field=value,field=value`` -> (name, ``base`` with those search-time fields replaced)."""
    name, _, fields = spec.partition(":")
    changes: dict[str, Any] = {}
    for part in filter(None, fields.split(",")):
        k, _, v = part.partition("=")
        changes[k] = type(getattr(base, k))(float(v)) if isinstance(getattr(base, k), (int, float)) else v
    return name, dataclasses.replace(base, **changes)


def _time(fn: Callable, *args) -> tuple[float, Any]:
    c0 = time.process_time()
    out = fn(*args)
    return time.process_time() - c0, out


def _requests(pipe: Any, rec: Any, texts: list[str], configs: dict[str, Any]) -> tuple[dict[str, Any], list]:
    """Every request under every config, the configs in turn per request (a busy machine weighs on each alike):
    CPU and wall per config, its playlists against the first config's, and the first config's index calls."""
    names = list(configs)
    cpu: dict[str, list[float]] = {n: [] for n in names}
    wall: dict[str, list[float]] = {n: [] for n in names}
    same: dict[str, list[float]] = {n: [] for n in names}
    per_request = []
    for i, t in enumerate(texts):
        first: list[str] | None = None
        for name in names[i % len(names) :] + names[: i % len(names)]:
            rec.backend.config = configs[name]
            pipe.encoder.clear_cache()
            pipe.retriever.clear_cache()
            rec.calls = []
            c0, t0 = time.process_time(), time.perf_counter()
            result = pipe.run(t)
            wall[name].append(time.perf_counter() - t0)
            cpu[name].append(time.process_time() - c0)
            tracks = [p.track_id for p in result.playlist]
            if name == names[0]:
                per_request.append(list(rec.calls))
                first = tracks
            same[name].append(tracks)
        for name in names:
            got = same[name][-1]
            same[name][-1] = len(set(got) & set(first)) / max(1, len(set(got) | set(first)))
    rec.backend.config = configs[names[0]]
    out = {
        n: {"request_cpu_ms": _pct(cpu[n]), "request_wall_ms": _pct(wall[n]),
            "playlists_identical": sum(1 for x in same[n] if x == 1.0),
            "playlist_jaccard": round(float(np.mean(same[n])), 3)}
        for n in names
    }  # fmt: skip
    return out, per_request


def _replay_dense(backend: Any, arrays: Any, per_request: list[list[dict[str, Any]]], thresholds: list[int]):
    """The first config's dense calls again by how many tracks pass their filter: CPU of the graph as made, with
    less oversampling, without rescoring, and of the exact scan from arrays; the graph's recall of the exact top
    ``limit``; and the recall a request's dense calls would have with the scan below each threshold."""
    q, config = backend.q, backend.config

    def qdrant(params: Any) -> Callable:
        def run(v: Any, f: Any, lim: int) -> list[tuple[int, float]]:
            req = q.QueryRequest(
                limit=lim, query=backend._dense(v), filter=backend._filter(f), with_payload=False, params=params
            )
            return _hits(backend._shard.query(req))

        return run

    def quant(os: float, rescore: bool = True) -> Any:
        return q.QuantizationSearchParams(rescore=rescore, oversampling=os)

    def scan(v, f, lim):
        arrays._passing.clear()
        return arrays.scan(
            v, arrays.passing(f) if f is not None and not f.is_empty() else np.arange(len(arrays.artist_of)), lim
        )

    kinds = {
        "graph": qdrant(q.SearchParams(hnsw_ef=config.hnsw_ef, quantization=quant(config.oversampling))),
        "os1.5": qdrant(q.SearchParams(hnsw_ef=config.hnsw_ef, quantization=quant(1.5))),
        "os1": qdrant(q.SearchParams(hnsw_ef=config.hnsw_ef, quantization=quant(1.0))),
        "no-rescore": qdrant(q.SearchParams(hnsw_ef=config.hnsw_ef, quantization=quant(1.0, False))),
        "scan": scan,
    }
    by_bucket: dict[str, dict[str, Any]] = {}
    graph_recall: list[tuple[int, float]] = []  # (passing, recall) per call
    for (vector, flt, limit), card in _recorded(per_request, "search", arrays):
        b = by_bucket.setdefault(_bucket(card), {"calls": 0, "cpu": defaultdict(list), "recall": defaultdict(list)})
        b["calls"] += 1
        hits = {}
        for name, fn in kinds.items():
            if name == "scan" and card > 100_000:  # a scan of more reads 150 MB of vectors
                continue
            b["cpu"][name].append(_time(fn, vector, flt, limit)[0])
            hits[name] = {r for r, _ in fn(vector, flt, limit)}
        truth = hits.get("scan")
        if truth is not None:
            for name in kinds:
                b["recall"][name].append(len(hits[name] & truth) / len(truth) if truth else 1.0)
            graph_recall.append((card, b["recall"]["graph"][-1]))
    buckets = {
        k: {"calls": v["calls"], **{n: {"cpu": _pct(v["cpu"][n]),
                                        "recall": round(float(np.mean(v["recall"][n])), 3) if v["recall"][n] else None}
                                    for n in kinds if v["cpu"][n]}}
        for k, v in sorted(by_bucket.items(), key=lambda kv: int(kv[0][2:]))
    }  # fmt: skip
    recall = {f"scan<{t}": round(float(np.mean([1.0 if n < t else r for n, r in graph_recall])), 4) for t in thresholds}
    recall["graph"] = round(float(np.mean([r for _, r in graph_recall])), 4)
    recall["calls_with_truth"] = len(graph_recall)
    return buckets, recall


def _recorded(per_request: list[list[dict[str, Any]]], method: str, arrays: Any) -> Any:
    """The recorded calls of ``method``: (their arguments, how many tracks pass their filter)."""
    for calls in per_request:
        for c in calls:
            if c["method"] == method:
                flt = c["args"][1]
                yield (
                    c["args"],
                    len(arrays.passing(flt)) if flt is not None and not flt.is_empty() else len(arrays.artist_of),
                )


def _hits(points: Any) -> list[tuple[int, float]]:
    return [(int(p.id), float(p.score)) for p in points]


def _replay_sparse(backend: Any, arrays: Any, per_request: list[list[dict[str, Any]]]) -> dict[str, Any]:
    """The first config's BM25 calls again by how many tracks pass their filter: as made, and with the passing
    rows' ids as the filter (their working out from arrays included), and how many of the hits agree."""
    by_bucket: dict[str, dict[str, list[float]]] = {}
    for (sparse, flt, limit), card in _recorded(per_request, "search_sparse", arrays):
        b = by_bucket.setdefault(_bucket(card), defaultdict(list))
        cpu, made = _time(backend.search_sparse, sparse, flt, limit)
        b["as-made"].append(cpu)
        if card <= 30_000:

            def by_ids(s=sparse, f=flt, lim=limit):
                arrays._passing.clear()
                return backend.search_sparse_rows(s, arrays.passing(f), lim)

            cpu, got = _time(by_ids)
            b["ids"].append(cpu)
            m = {(r, round(x, 4)) for r, x in made}
            b["same"].append(len(m & {(r, round(x, 4)) for r, x in got}) / max(1, len(m)))
        b["no-filter"].append(_time(backend.search_sparse, sparse, None, limit)[0])
    return {
        k: {"calls": len(v["as-made"]), **{n: _pct(v[n]) for n in ("as-made", "ids", "no-filter") if v[n]},
            "ids_same_hits": round(float(np.mean(v["same"])), 3) if v["same"] else None}
        for k, v in sorted(by_bucket.items(), key=lambda kv: int(kv[0][2:]))
    }  # fmt: skip


def probe(size: int, n: int, config_name: str, cache: Path, variants: list[str], replay: bool = True) -> dict[str, Any]:
    import tempfile

    from evals.bench import sample_requests
    from evals.scale_probe import Recorder
    from tools.embed import get_encoder
    from tools.pipeline import Pipeline

    settings, catalog, vectors, cf_model, index, _ = load_shard(size, config_name, cache, build_missing=False)
    base = index.backend.config
    configs = {"as-built": base} | dict(_parse_variant(v, base) for v in variants)
    rec = Recorder(index.backend)
    index.backend = rec
    out: dict[str, Any] = {"size": len(catalog), "config": config_name,
                           "variants": {k: dataclasses.asdict(v) for k, v in configs.items()}}  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        cf_model.save(Path(tmp) / "cf")
        pipe = Pipeline(settings, catalog, get_encoder(), index, home=Path(tmp), vectors=vectors)
        pipe.cf_model()
        texts = sample_requests(n + 10, catalog, seed=0)  # the scale bench's requests: 10 to warm up, n timed
        for t in texts[:10]:
            for cfg in configs.values():
                rec.backend.config = cfg
                pipe.run(t)
        out["load_before"] = open("/proc/loadavg").read().split()[:3]
        out["requests"], per_request = _requests(pipe, rec, texts[10:], configs)
        out["load_after"] = open("/proc/loadavg").read().split()[:3]
        if replay:
            arrays = pipe.retriever.artist_search
            thresholds = sorted({c.scan_below for c in configs.values() if c.scan_below} | {10_000, 30_000, 100_000})
            out["dense_by_cardinality"], out["dense_recall"] = _replay_dense(
                rec.backend, arrays, per_request, thresholds
            )
            out["sparse_by_cardinality"] = _replay_sparse(rec.backend, arrays, per_request)
        pipe.close()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.scale_tail", description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--config", default="hnsw-int8-p0-disk")
    parser.add_argument("--cache", default=str(Path.home() / ".cache" / "playgenie" / "scale"))
    parser.add_argument("--no-replay", action="store_true", help="Only time the requests, replay nothing.")
    parser.add_argument(
        "--variant", action="append", default=[],
        help="name:field=value,... search-time IndexConfig fields (scan_below, ids_below, oversampling, hnsw_ef)",
    )  # fmt: skip
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    cache = Path(args.cache).expanduser()
    report = probe(args.size, args.n, args.config, cache, args.variant, replay=not args.no_replay)
    print(json.dumps(report, indent=None if args.json else 1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
