"""Where a large index build's time goes: one synthetic catalog's shard built with each index setting, stage by stage,
in process CPU time (Qdrant's threads too) beside wall time and the load.

Usage:
    python -m evals.build_probe [--size 100000] [--configs hnsw-int8-p0-disk,...] [--cache DIR] [--json]

Stages: ``prepare`` (BM25 vectors and payloads, Python), ``points`` (vectors turned into Qdrant points), ``update``
(Qdrant's upsert into its appendable segments), ``optimize`` (Qdrant merging them into indexed segments: payload
indexes, quantized copies, the graph), ``close`` (flush, reload, manifest). The shard is built in a temporary folder
and thrown away; the catalog and its vectors come from the scale bench's cache (``playgenie bench --scale-cache``).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any


def _timed(stages: dict[str, list[float]], name: str, fn, *args):
    c0, t0 = time.process_time(), time.perf_counter()
    out = fn(*args)
    cpu, wall = time.process_time() - c0, time.perf_counter() - t0
    acc = stages.setdefault(name, [0.0, 0.0])
    acc[0] += cpu
    acc[1] += wall
    return out


def probe(catalog: Any, vectors: Any, config: Any, folder: Path) -> dict[str, Any]:
    """Build ``config``'s shard of ``catalog`` under ``folder`` as :meth:`tools.index.TrackIndex.build` does, each
    stage timed; then the segments Qdrant left."""
    from tools.index import BATCH, EdgeBackend, payload_of
    from tools.lexical import document_vectors, mean_length

    stages: dict[str, list[float]] = {}
    backend = EdgeBackend(folder / "index", config)
    load0 = os.getloadavg()
    _timed(stages, "create", backend.create, "probe")
    avg = _timed(stages, "prepare", mean_length, (t.document() for t in catalog.tracks))
    q = backend.q
    from tools.index import DENSE, SPARSE

    for start in range(0, len(catalog), BATCH):
        rows = range(start, min(start + BATCH, len(catalog)))

        def prepare():
            docs = [catalog.tracks[r].document() for r in rows]
            return document_vectors(docs, avg=avg), [payload_of(catalog.tracks[r]) for r in rows]

        sparse, payloads = _timed(stages, "prepare", prepare)

        def points():
            return [
                q.Point(int(r), {DENSE: v.tolist(), SPARSE: q.SparseVector(list(s.indices), list(s.values))}, p)
                for r, v, s, p in zip(rows, vectors[start : rows.stop], sparse, payloads)
            ]

        pts = _timed(stages, "points", points)
        _timed(stages, "update", backend._shard.update, q.UpdateOperation.upsert_points(pts))
    before = _segments(folder)
    if backend.config.hnsw_m or backend.config.quantization:
        _timed(stages, "optimize", backend._shard.optimize)
    after = _segments(folder)
    import dataclasses

    # optimize already ran: finish then only flushes, reloads and writes the manifest
    backend.config = dataclasses.replace(backend.config, hnsw_m=0, quantization=None)
    _timed(stages, "close", backend.finish)
    backend.close()
    out = {k: {"cpu_s": round(c, 1), "wall_s": round(w, 1)} for k, (c, w) in stages.items()}
    return {
        "stages": out,
        "cpu_s": round(sum(c for c, _ in stages.values()), 1),
        "wall_s": round(sum(w for _, w in stages.values()), 1),
        "segments_before_optimize": before,
        "segments_after": after,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "load": [round(load0[0], 1), round(os.getloadavg()[0], 1)],
    }


def parse_config(name: str, known: dict[str, dict[str, Any]], cls: Any) -> Any:
    """``NAME[+field=value...]``: a named setting of :data:`evals.bench.INDEX_CONFIGS`, fields changed (values read
    as JSON, e.g. ``hnsw-int8-p0-disk+hnsw_ef_construct=64``)."""
    base, *changes = name.split("+")
    fields = dict(known[base])
    for change in changes:
        key, _, value = change.partition("=")
        fields[key] = json.loads(value)
    return cls(**fields)


def _segments(folder: Path) -> list[int]:
    """Each segment's size on disk (MB), largest first."""
    found = []
    for seg in folder.glob("**/segments/*"):
        if seg.is_dir():
            found.append(round(sum(f.stat().st_size for f in seg.rglob("*") if f.is_file()) / 1e6))
    return sorted(found, reverse=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument(
        "--configs",
        default="hnsw-int8-p0-disk",
        help="evals.bench.INDEX_CONFIGS names, comma-separated, each with optional +field=value changes",
    )
    parser.add_argument("--cache", default=str(Path.home() / ".cache" / "playgenie" / "scale"))
    parser.add_argument("--tmp", default=None, help="where the shards are built (default: the system's temp folder)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    from evals import synth
    from evals.bench import INDEX_CONFIGS, scale_vectors
    from tools import build
    from tools.index import IndexConfig
    from tools.settings import Settings

    settings = Settings()
    real = build.load_catalog(settings)
    real_vectors = build.document_vectors(settings, real, progress=False)
    t0 = time.perf_counter()
    syn = synth.synth_catalog(real, args.size, seed=0)
    vectors = scale_vectors(args.cache, real_vectors, syn.template)
    catalog = syn.catalog
    print(f"{args.size} tracks made in {time.perf_counter() - t0:.0f} s", flush=True)
    report = {}
    for name in args.configs.split(","):
        config = parse_config(name, INDEX_CONFIGS, IndexConfig)
        folder = Path(tempfile.mkdtemp(prefix=f"playgenie-build-probe-{args.size}-", dir=args.tmp))
        try:
            report[name] = row = probe(catalog, vectors, config, folder)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        if args.json:
            continue
        stages = "  ".join(f"{k} {v['cpu_s']}/{v['wall_s']}" for k, v in row["stages"].items())
        segs = f"{row['segments_before_optimize']} -> {row['segments_after']} MB"
        print(f"{name}: CPU/wall s {row['cpu_s']}/{row['wall_s']}  [{stages}]", flush=True)
        print(f"    segments {segs}, peak RSS {row['peak_rss_mb']} MB, load {row['load']}", flush=True)
    if args.json:
        print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
