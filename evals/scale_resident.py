"""What a large catalog's requests read from disk, and what keeping those files in RAM buys: each variant's shard
opened cold (its files and the vectors dropped from the page cache first), its warm-up at open timed, then whole
requests: the first ``n`` after the open and ``n`` more, each with its wall and CPU time and the major page faults
(reads from the disk) it took; then how much of each shard part the requests left in the page cache, the process's
memory, and the variant's recall@100 of the exact top 100.

Usage:
    python -m evals.scale_resident [--size 100000] [--n 100] [--variant NAME:field=value,...] [--json]

``--variant`` sets IndexConfig's search-time fields, e.g. ``warm:resident=quantized+links+vectors,rescore=0``
(``resident`` joins tools.index.SHARD_PARTS' names and "vectors" with "+"); no variant: the shard as the scale bench
searches it. Variants run one after another in one process (the catalog is made once). The shard must already be in
the scale bench's cache; it is only read (the page cache of its files is dropped, which changes nothing on disk).
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import json
import os
import resource
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from evals.scale_probe import load_shard


def _parse(spec: str, base: Any) -> tuple[str, Any]:
    name, _, fields = spec.partition(":")
    changes: dict[str, Any] = {}
    for part in filter(None, fields.split(",")):
        k, _, v = part.partition("=")
        old = getattr(base, k)
        if isinstance(old, bool):  # noqa: SIM114
            changes[k] = v.lower() in ("1", "true", "yes")
        elif isinstance(old, (int, float)):
            changes[k] = type(old)(float(v))
        elif isinstance(old, tuple):
            changes[k] = tuple(filter(None, v.split("+")))
        else:
            changes[k] = v
    return name or "as-built", dataclasses.replace(base, **changes)


def _drop(files: list[Path]) -> None:
    """Drop ``files`` from the page cache (pages no process maps or locks; the files are unchanged)."""
    for f in files:
        fd = os.open(f, os.O_RDONLY)
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)


def _cached_mb(files: list[Path]) -> float:
    if not files:
        return 0.0
    out = subprocess.run(["fincore", "-b", "-n", "-r", "-o", "RES", *map(str, files)], capture_output=True, text=True)
    return round(sum(int(x) for x in out.stdout.split()) / 1e6, 1)


def _memory() -> dict[str, float]:
    out: dict[str, float] = {}
    for name, keys in (("/proc/self/status", ("VmRSS", "RssAnon", "RssFile", "VmLck")),
                       ("/proc/self/smaps_rollup", ("Pss",))):  # fmt: skip
        with open(name) as fh:
            for line in fh:
                key = line.split(":")[0]
                if key in keys:
                    out[key] = round(int(line.split()[1]) / 1024, 1)
    return out


def _pct(values: list[float], scale: float = 1000.0) -> dict[str, float]:
    v = np.asarray(values, dtype=np.float64) * scale
    if not len(v):
        return {}
    return {"p50": round(float(np.percentile(v, 50)), 2), "p95": round(float(np.percentile(v, 95)), 2),
            "max": round(float(v.max()), 2), "mean": round(float(v.mean()), 3)}  # fmt: skip


def _timed_requests(pipe: Any, texts: list[str]) -> dict[str, Any]:
    wall, cpu, major, minor = [], [], [], []
    for t in texts:
        r0, c0, t0 = resource.getrusage(resource.RUSAGE_SELF), time.process_time(), time.perf_counter()
        pipe.run(t)
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
        r1 = resource.getrusage(resource.RUSAGE_SELF)
        major.append(r1.ru_majflt - r0.ru_majflt)
        minor.append(r1.ru_minflt - r0.ru_minflt)
    return {"n": len(texts), "wall_ms": _pct(wall), "cpu_ms": _pct(cpu), "major_faults": _pct(major, 1.0),
            "major_faults_total": int(sum(major)), "minor_faults": _pct(minor, 1.0),
            "load": open("/proc/loadavg").read().split()[:3]}  # fmt: skip


def _recall(index: Any, vectors: np.ndarray, queries: list[np.ndarray], k: int = 100) -> float:
    got = []
    for q in queries:
        truth = set(np.argpartition(-(vectors @ q), k)[:k].tolist())
        got.append(len(truth & {r for r, _ in index.backend.search(q, None, k)}) / k)
    return round(float(np.mean(got)), 3)


def run_variant(ctx: dict[str, Any], name: str, config: Any, n: int, drop: bool) -> dict[str, Any]:
    from tools.embed import get_encoder
    from tools.index import SHARD_PARTS, EdgeBackend, TrackIndex, shard_part_files
    from tools.pipeline import Pipeline

    shard, vec_path, catalog = ctx["shard"], ctx["vectors_path"], ctx["catalog"]
    parts = {p: shard_part_files(shard / "shard", [p]) for p in SHARD_PARTS}
    every = [f for fs in parts.values() for f in fs] + [vec_path]
    gc.collect()
    if drop:
        _drop(every)
    out: dict[str, Any] = {"variant": name, "config": config.describe(), "cached_before_mb": _cached_mb(every)}
    mem0 = _memory()
    c0, t0 = time.process_time(), time.perf_counter()
    backend = EdgeBackend(shard, config)
    index = TrackIndex(backend, [t.track_id for t in catalog.tracks])
    vectors = np.load(vec_path, mmap_mode="r")
    out["shard_open_s"] = round(time.perf_counter() - t0, 2)
    encoder = get_encoder()
    encoder.clear_cache()
    with tempfile.TemporaryDirectory() as tmp:
        ctx["cf_model"].save(Path(tmp) / "cf")
        pipe = Pipeline(ctx["settings"], catalog, encoder, index, home=Path(tmp), vectors=vectors)  # holds vectors
        pipe.warm_up()  # what a server does before it says it is ready
        out["open_s"] = round(time.perf_counter() - t0, 2)  # the shard, the held parts, the pipeline
        out["open_cpu_s"] = round(time.process_time() - c0, 2)
        out["held"] = backend.held.report() if backend.held is not None else None
        out["memory_after_open_mb"] = _memory()
        out["memory_before_open_mb"] = mem0
        texts = ctx["texts"]
        out["first"] = _timed_requests(pipe, texts[:n])  # the first n requests after the open
        out["next"] = _timed_requests(pipe, texts[n : 2 * n])
        out["memory_after_requests_mb"] = _memory()
        out["cached_after_mb"] = {p: _cached_mb(fs) for p, fs in parts.items()} | {"vectors": _cached_mb([vec_path])}
        out["recall_at_100"] = _recall(index, vectors, ctx["queries"])
        pipe.close()
    index.close()
    del vectors, pipe, index, backend
    gc.collect()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.scale_resident", description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--config", default="hnsw-int8-p0-disk")
    parser.add_argument("--cache", default=str(Path.home() / ".cache" / "playgenie" / "scale"))
    parser.add_argument("--variant", action="append", default=[], help="NAME:field=value,... (see the module's doc)")
    parser.add_argument("--no-drop", action="store_true", help="Leave the page cache as it is (a warm start).")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    from evals.bench import sample_requests
    from tools.embed import get_encoder

    settings, catalog, vectors, cf_model, index, _ = load_shard(
        args.size, args.config, Path(args.cache).expanduser(), build_missing=False
    )
    base, shard, vec_path = index.backend.config, index.backend.path, Path(vectors.filename)
    texts = sample_requests(2 * args.n, catalog, seed=1)
    enc = get_encoder()
    queries = [enc.encode([t])[0] for t in sample_requests(20, catalog, seed=0)]
    index.close()
    del vectors, index
    ctx = {"settings": settings, "catalog": catalog, "cf_model": cf_model, "shard": shard, "vectors_path": vec_path,
           "texts": texts, "queries": queries}  # fmt: skip
    report: dict[str, Any] = {"size": len(catalog), "config": args.config, "variants": []}
    for spec in args.variant or [""]:
        name, config = _parse(spec, base)
        row = run_variant(ctx, name, config, args.n, drop=not args.no_drop)
        report["variants"].append(row)
        print(json.dumps(row), flush=True)
    if not args.json:
        for r in report["variants"]:
            f, x = r["first"], r["next"]
            print(f"{r['variant']:<14} open {r['open_s']:>6.2f}s  first {args.n}: wall p50/p95 "
                  f"{f['wall_ms']['p50']}/{f['wall_ms']['p95']} cpu {f['cpu_ms']['p50']}/{f['cpu_ms']['p95']} "
                  f"majflt/req {f['major_faults']['mean']}  next: wall {x['wall_ms']['p50']}/{x['wall_ms']['p95']} "
                  f"cpu {x['cpu_ms']['p50']}/{x['cpu_ms']['p95']} majflt/req {x['major_faults']['mean']}  "
                  f"Pss {r['memory_after_requests_mb'].get('Pss')} MB  recall {r['recall_at_100']}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
