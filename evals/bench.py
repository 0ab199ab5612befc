"""``playgenie bench``: latency of every stage and of whole requests, with the full catalog warm.

Usage:
    playgenie bench [--json] [--n 200] [--sections request,index_build,...] [--seconds 60] [--from-scratch]
    playgenie bench --sections http --users 50 --processes 1,2   # (default: serve's own, --processes auto)

The benchmark is an ordered list of named sections (:data:`SECTIONS`), one function each. A section
returns the keys it adds to the report, or raises :class:`NotBuilt` when the module or artifact it
measures does not exist yet; the report then says "not built" with the reason, never a number.
A later stage adds its section with one line in :data:`SECTIONS`.

Keys (``--json``), by section:

- ``request``: ``request_ms`` {p50, p95} of ``Pipeline.run`` and ``stages_ms`` {embed, extract,
  retrieve, hybrid, rank, rerank, refine: {p50, p95}}, from the pipeline's own per-stage timings
  (``hybrid``: the bm25 and names channels; ``rank``: the learned ranker's features and scores).
- ``index_build``: ``index_build_s`` (a fresh Qdrant index of the full catalog in a temporary home,
  from cached document vectors), ``embedding`` {docs, cached_load_s, docs_per_s, full_estimate_s}
  (the encoder timed on 512 uncached documents), ``build_estimate_s`` (catalog + embedding without
  a cache + index), and with ``--from-scratch`` ``build_from_scratch_s`` (measured, empty cache).
- ``fold_in``: ``fold_in_ms`` of a 50-track history into the CF model.
- ``generation``: ``generation_ms`` of the VAE continuing a playlist by 10 tracks; ``generation_history_ms``
  a one-track seed continued with a listener history of 200 tracks (the costliest case: D's terms weigh most
  after one track), and ``history_cost_ms`` {p50} what that history adds (paired runs).
- ``chat_turn``: ``chat_turn_ms`` of one offline turn through the agent graph (SQLite checkpoints).
- ``chat_concurrent``: ``--users`` conversations for ``--seconds`` in one process, each person pausing
  ``--think`` seconds between a reply and their next message (0 measures saturation instead).
- ``http``: ``POST /v1/chat`` through ``playgenie serve --processes N`` run as its own processes on loopback, for
  each N of ``--processes``: ``http`` {clients, think_s, saturation: {N: phase}, paced: {N: phase}}, where a phase is
  {turns, seconds, turns_per_s, p50_ms, p95_ms, errors, first_errors, server_cpu_ms_per_turn,
  client_cpu_ms_per_turn}; ``saturation``: ``--n`` turns from ``--users`` people with no pauses, ``paced``: ``--users``
  people for ``--seconds``, ``--think`` seconds between a reply and their next message. The server's CPU per turn
  (all its processes, from /proc) is the figure that holds on a busy machine.

Plus ``targets`` {key: {limit, value, ok}} and ``not_built`` {section: reason}. Timings are
wall-clock on this machine; requests are distinct sentences (no query-embedding cache hits).
Chat sections write their checkpoints and memory to a temporary folder, not the product's home.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import resource
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import numpy as np

if TYPE_CHECKING:
    from tools.catalog import Catalog
    from tools.settings import Settings

log = logging.getLogger(__name__)

TARGETS = {  # from the issues: what each number should stay under
    "request_ms.p50": 30.0, "request_ms.p95": 60.0,
    "index_build_s": 180.0, "fold_in_ms.p50": 5.0, "generation_ms.p50": 20.0, "history_cost_ms.p50": 5.0,
    "chat_turn_ms.p50": 60.0, "chat_turn_ms.p95": 120.0, "chat_concurrent.p95_ms": 500.0, "chat_concurrent.errors": 0.0,
    "http.paced.1.p95_ms": 300.0, "http.paced.1.errors": 0.0, "http.paced.2.p95_ms": 300.0,
    "http.paced.2.errors": 0.0, "cold_start.wall_s": 3.0, "cold_start.peak_mb": 500.0, "build_from_scratch_s": 180.0,
}  # fmt: skip


class NotBuilt(RuntimeError):
    """The module or artifact a section measures is not there; the message says which."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="Print one JSON object instead of a table.")
    parser.add_argument("--n", type=int, default=200, help="Requests (and repetitions) per timing (default 200).")
    parser.add_argument("--sections", help=f"Comma-separated subset of: {', '.join(n for n, _ in SECTIONS)}.")
    parser.add_argument(
        "--seconds", type=float, default=60.0, help="Length of the concurrent-conversations run (default 60)."
    )
    parser.add_argument("--users", type=int, default=20, help="Concurrent conversations (default 20).")
    parser.add_argument(
        "--think",
        type=float,
        default=1.0,
        help="Seconds each simulated person waits between a reply and the next message "
        "(default 1; 0 saturates the CPU).",
    )
    parser.add_argument(
        "--from-scratch",
        action="store_true",
        help="Also time a whole build with an empty embedding cache (minutes on a small CPU).",
    )
    parser.add_argument(
        "--catalog-size",
        metavar="N[,N...]",
        help="Run the scale section over catalogs of these sizes ('real' for the real one), "
        "e.g. real,100000,1000000 (synthetic ones follow the real data's distributions).",
    )
    parser.add_argument(
        "--scale-cache",
        metavar="DIR",
        default=str(Path.home() / ".cache" / "playgenie" / "scale"),
        help="Where the scale section keeps each synthetic catalog's vectors and index, built once per size, "
        "index settings and build code (default %(default)s; 'none': built anew each run).",
    )
    parser.add_argument(
        "--processes",
        metavar="N[,N...]",
        default="auto",
        help="The http section serves with `playgenie serve --processes N` for each N; 'auto' is serve's default "
        "(one per usable core, at most 2; the default here too).",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="The http section's `serve --workers` (turns one process computes at once; default serve's own).",
    )
    parser.add_argument(
        "--index-configs",
        metavar="NAME[,NAME...]",
        help=f"Index settings the scale section compares: {', '.join(INDEX_CONFIGS)} (default exact,hnsw-int8).",
    )


# --- helpers -----------------------------------------------------------------------------------


def percentiles(samples_s: list[float]) -> dict[str, float]:
    """p50 and p95 in milliseconds of samples given in seconds."""
    ms = np.asarray(samples_s, dtype=np.float64) * 1000.0
    return {"p50": round(float(np.percentile(ms, 50)), 3), "p95": round(float(np.percentile(ms, 95)), 3)}


_GENRES = ["hip hop", "rap", "rock", "classic rock", "pop", "indie pop", "r&b", "neo soul", "edm", "house",
           "latin", "reggaeton", "latin pop", "trap", "hard rock", "dance pop", "electropop", ""]  # fmt: skip
_MOODS = ["chill", "upbeat", "sad", "happy", "energetic", "mellow", "romantic", "dark", "feel good", "angry", ""]
_CONTEXTS = ["for a rainy afternoon", "for the gym", "for a road trip", "to study to", "for a friday night party",
             "after a breakup", "for cooking dinner", "for a summer barbecue", "to fall asleep", "for running",
             "for work", "for a long drive at night", "for a sunday morning", ""]  # fmt: skip
_TIMES = ["90s", "from the 80s", "2000s", "recent", "early 2010s", "from 2015-2018", "classic", ""]
_EXTRAS = ["no rap", "not too fast", "without remixes", "nothing too loud", "20 songs", "an hour of music", "", "", ""]


def sample_requests(n: int, catalog: "Catalog | None" = None, seed: int = 0) -> list[str]:
    """``n`` distinct, realistic requests: genre, mood, decade, context and constraint phrases combined,
    and some that name an artist of the catalog. Seeded, so every run times the same sentences."""
    rng = random.Random(seed)
    artists = list(catalog.artists) if catalog is not None else []
    out: dict[str, None] = {}
    attempts = 0
    while len(out) < n and attempts < n * 50:
        attempts += 1
        if artists and rng.random() < 0.15:
            a = rng.choice(artists)
            text = rng.choice(
                [
                    f"songs like {a}",
                    f"{a} and similar artists",
                    f"something like {a} but calmer",
                    f"best of {a}",
                    f"{rng.choice(_MOODS)} music without {a}",
                ]
            ).strip()
        else:
            parts = [rng.choice(_MOODS), rng.choice(_TIMES), rng.choice(_GENRES), rng.choice(_CONTEXTS)]
            extra = rng.choice(_EXTRAS)
            text = " ".join(p for p in parts if p)
            if extra:
                text = f"{text}, {extra}" if text else extra
        text = " ".join(text.split())
        if text:
            out[text] = None
    return list(out)


@dataclass
class BenchContext:
    """What the sections share: settings, options, the warm pipeline, and the report being filled."""

    settings: "Settings"
    n: int = 200
    seconds: float = 60.0
    users: int = 20
    think: float = 1.0  # seconds a person takes to read a reply and type the next message
    from_scratch: bool = False
    catalog_sizes: list[int] = field(default_factory=lambda: [0, 100_000])  # 0: the real catalog
    index_configs: list[str] = field(default_factory=lambda: ["exact", "hnsw-int8"])
    processes: list[int] = field(default_factory=lambda: [1])  # `serve --processes N` the http section times
    workers: int | None = None  # `serve --workers`: turns one process computes at once (None: serve's default)
    scale_cache: Any = None  # folder the scale section keeps synthetic vectors and indexes in (None: built each run)
    report: dict[str, Any] = field(default_factory=dict)
    _pipeline: Any = None
    _service: Any = None
    _tmp: Any = None  # temporary folder of the bench's chat checkpoints and memory
    _closers: list[Any] = field(default_factory=list)

    def close(self) -> None:
        if self._service is not None:
            self._service.close()
        for res in self._closers:
            res.close()
        if self._pipeline is not None:
            self._pipeline.close()
        if self._tmp is not None:
            self._tmp.cleanup()

    @property
    def pipeline(self):
        """The product pipeline with its artifacts loaded (built first when missing)."""
        if self._pipeline is None:
            from tools.pipeline import Pipeline

            t0 = time.perf_counter()
            self._pipeline = Pipeline.load(self.settings)
            self._pipeline.warm_up()  # as a server does before its first request (Pipeline.warm_up)
            self.report["warm_up_s"] = round(time.perf_counter() - t0, 2)
        return self._pipeline

    @property
    def catalog(self) -> "Catalog":
        return self.pipeline.catalog


def _module(name: str):
    """Import ``name`` or say that the section is not built."""
    import importlib

    try:
        return importlib.import_module(name)
    except ImportError as exc:
        raise NotBuilt(f"{name} is not available ({exc})") from exc


# --- sections ----------------------------------------------------------------------------------


def bench_request(ctx: BenchContext) -> dict[str, Any]:
    """Whole requests through ``Pipeline.run`` and the time each stage took inside them.

    Stages (the pipeline's own ``last_timings``): ``embed`` (query embedding), ``extract`` (tag
    extraction), ``retrieve`` (Qdrant, filters and relaxation), ``hybrid`` (the bm25 and names channels),
    ``rank`` (the learned ranker), ``rerank`` (CF, cold start for an
    anonymous request), ``refine``. Every sentence is new, so no embedding comes from a cache.
    """
    _module("tools.pipeline")
    pipe = ctx.pipeline
    texts = sample_requests(ctx.n + 10, ctx.catalog, seed=0)
    for t in texts[:10]:  # first calls pay for lazy imports, the CF model and allocations
        pipe.run(t)
    whole: list[float] = []
    stages: dict[str, list[float]] = {}
    for t in texts[10:]:
        t0 = time.perf_counter()
        pipe.run(t)
        whole.append(time.perf_counter() - t0)
        for stage, ms in pipe.last_timings.items():
            if stage != "request":
                stages.setdefault(stage, []).append(ms / 1000.0)
    return {
        "request_ms": percentiles(whole),
        "stages_ms": {name: percentiles(s) for name, s in stages.items()},
        "n_requests": len(whole),
    }


def bench_index_build(ctx: BenchContext) -> dict[str, Any]:
    """A fresh Qdrant index of the full catalog into a temporary home, from the embedding cache; the
    embedding cost measured on a sample of uncached documents (and, with --from-scratch, for real)."""
    import tempfile
    from pathlib import Path

    build = _module("tools.build")
    from tools.index import TrackIndex

    settings = ctx.settings
    t0 = time.perf_counter()
    catalog = build.load_catalog(settings)
    catalog_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    vectors = build.dense_vectors(settings, catalog, progress=False)
    vectors_s = time.perf_counter() - t0
    out: dict[str, Any] = {"catalog_load_s": round(catalog_s, 2)}

    with tempfile.TemporaryDirectory(prefix="playgenie-bench-") as tmp:
        if settings.qdrant_url:
            raise NotBuilt("index build is timed on the embedded engine only (PLAYGENIE_QDRANT_URL is set)")
        index = TrackIndex.for_settings(settings.model_copy(update={"home": Path(tmp), "qdrant_path": None}))
        t0 = time.perf_counter()
        index.build(catalog, vectors, progress=False)
        out["index_build_s"] = round(time.perf_counter() - t0, 2)
        index.close()

    # The embedding cost without the cache: a sample of the index's texts, timed on the build's encoder.
    embed = _module("tools.embed")
    encoder = embed.get_encoder(embed.DEFAULT_VARIANT, embed.batch_threads())
    docs = [build.dense_text(t) for t in catalog.tracks]
    sample = random.Random(0).sample(docs, min(len(docs), 512))
    encoder.encode(sample[:16])
    t0 = time.perf_counter()
    encoder.encode(sample)
    rate = len(sample) / (time.perf_counter() - t0)
    out["embedding"] = {
        "variant": encoder.variant,
        "docs": len(docs),
        "cached_load_s": round(vectors_s, 2),
        "docs_per_s": round(rate, 1),
        "full_estimate_s": round(len(docs) / rate, 1),
    }
    out["build_estimate_s"] = round(catalog_s + len(docs) / rate + out["index_build_s"], 1)
    if ctx.from_scratch:
        out["build_from_scratch_s"] = _build_from_scratch(settings)
    return out


def bench_encoders(ctx: BenchContext) -> dict[str, Any]:
    """Every encoder variant: load time, documents per second at several batch sizes on every core (as
    a build embeds), one query's latency on one thread (as serving does), and agreement with the torch
    reference: the cosine of each variant's vector to torch's on every catalog document (vectors come
    from each variant's embedding cache, filled first where missing: minutes for a variant never built)."""
    embed = _module("tools.embed")
    build = _module("tools.build")
    catalog = build.load_catalog(ctx.settings)
    docs = [t.document() for t in catalog.tracks]
    sample = random.Random(0).sample(docs, min(len(docs), 512))
    queries = sample_requests(60, catalog, seed=3)
    threads = embed.batch_threads()
    out: dict[str, Any] = {"threads": threads, "variants": {}}
    import tempfile
    from pathlib import Path

    from tools import onnx_encoder

    with tempfile.TemporaryDirectory(prefix="playgenie-export-") as tmp:  # what a first build pays once
        t0 = time.perf_counter()
        onnx_encoder.ensure_model("onnx", Path(tmp))
        out["export_s"] = {"onnx": round(time.perf_counter() - t0, 1)}
        t0 = time.perf_counter()
        onnx_encoder.ensure_model("onnx-int8", Path(tmp))
        out["export_s"]["onnx-int8"] = round(time.perf_counter() - t0, 1)
    reference = None
    for variant in ("torch", *[v for v in embed.VARIANTS if v != "torch"]):
        row: dict[str, Any] = {}
        t0 = time.perf_counter()
        encoder = embed.make_encoder(variant, threads=threads)
        row["load_s"] = round(time.perf_counter() - t0, 2)
        torch_threads = _torch_threads(threads) if variant == "torch" else None
        try:
            encoder.encode(sample[:16], batch_size=8)
            rates = {}
            for batch in (1, 8, 32, 128):
                t0 = time.perf_counter()
                encoder.encode(sample, batch_size=batch)
                rates[str(batch)] = round(len(sample) / (time.perf_counter() - t0), 1)
            row["docs_per_s"] = rates
            single = embed.make_encoder(variant, threads=1)
            if variant == "torch":
                _torch_threads(1)
            single.encode(queries[:5])
            times = []
            for q in queries[5:]:
                t0 = time.perf_counter()
                single.encode([q])
                times.append(time.perf_counter() - t0)
            row["query_ms"] = percentiles(times)
            if variant == "torch":
                _torch_threads(threads)
            cache = embed.EmbeddingCache(build.embeddings_folder(ctx.settings), variant)
            vectors = cache.embed(docs, encoder, progress=False)
        finally:
            if torch_threads is not None:
                _torch_threads(torch_threads)
        if reference is None:
            reference = vectors
        else:
            cos = np.einsum("ij,ij->i", vectors, reference)
            row["agreement"] = {
                "docs": len(docs),
                "min": round(float(cos.min()), 5),
                "mean": round(float(cos.mean()), 5),
                "below_0.99": int((cos < 0.99).sum()),
            }
        out["variants"][variant] = row
    return {"encoders": out}


def _torch_threads(n: int) -> int:
    """Set torch's intra-op threads; returns the previous count."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(n)
    return before


COLD_REQUEST = "upbeat 90s rock for a road trip"


_LAUNCHER = """
import os, subprocess, sys, time
t0 = time.perf_counter()
proc = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
_, status, usage = os.wait4(proc.pid, 0)
wall = time.perf_counter() - t0
err = proc.stderr.read().decode(errors="replace")
code = os.waitstatus_to_exitcode(status)
if code:
    sys.exit(err[-300:] or code)
print(wall, usage.ru_maxrss)
"""


def bench_cold_start(ctx: BenchContext) -> dict[str, Any]:
    """``playgenie playlist ... --json`` in a new process, three times: wall time and peak resident memory
    of each (the artifacts are built; what is measured is imports, loading and one request)."""
    import subprocess

    cmd = [
        sys.executable,
        "-m",
        "bots.cli",
        "--home",
        str(ctx.settings.home),
        "--data",
        str(ctx.settings.data),
        "playlist",
        COLD_REQUEST,
        "--json",
    ]
    walls, peaks = [], []
    for _ in range(3):
        # A small launcher starts the command: a child forked from this bench process (hundreds of MB by now)
        # counts the pages it shared with it before exec in its peak (517 MB in a full bench, 443 MB alone).
        run = subprocess.run([sys.executable, "-c", _LAUNCHER, *cmd], capture_output=True, text=True)
        if run.returncode != 0:
            raise NotBuilt(f"the cold command failed ({run.returncode}): {run.stderr[-300:]}")
        wall, peak_kb = run.stdout.split()
        walls.append(float(wall))
        peaks.append(int(peak_kb) / 1024)
    return {
        "cold_start": {
            "command": f'playgenie playlist "{COLD_REQUEST}" --json',
            "wall_s": round(min(walls), 2),
            "wall_s_runs": [round(w, 2) for w in walls],
            "peak_mb": round(max(peaks), 0),
        }
    }


# --- scale: synthetic catalogs of any size (evals/synth.py) ------------------------------------

_GRAPH = {"hnsw_m": 16, "hnsw_ef_construct": 100, "hnsw_ef": 128, "search_threads": 2}  # a thread per segment
INDEX_CONFIGS = {  # --index-configs names -> tools.index.IndexConfig arguments
    "exact": {},
    # (no "exact-int8": a shard without a graph never built its int8 copies; tools.index.IndexConfig refuses it)
    "hnsw": _GRAPH,
    "hnsw-int8": {**_GRAPH, "quantization": "int8"},
    "hnsw-int8-disk": {**_GRAPH, "quantization": "int8", "on_disk": True},
    # -p0: no extra graph per payload value (12 payload indexes, their ranges cut in blocks: the build took 10x
    # an exact one's); filtered searches walk the one graph, or scan the payload index's matches when few match
    "hnsw-int8-p0": {**_GRAPH, "quantization": "int8", "payload_m": 0},
    "hnsw-int8-p0-disk": {**_GRAPH, "hnsw_ef": 512, "quantization": "int8", "payload_m": 0, "on_disk": True},
    # the same shard with what its searches read held in RAM from the open (locked), the int8 hits rescored from the
    # process's document vectors (held too) instead of the shard's float32 copies: no search waits on the disk
    "hnsw-int8-p0-held": {
        **_GRAPH,
        "hnsw_ef": 512,
        "quantization": "int8",
        "payload_m": 0,
        "on_disk": True,
        "resident": ("links", "payload_index", "bm25", "ids", "vectors"),
        "rescore": "vectors",
    },
}


def _memory_mb() -> dict[str, float]:
    """This process's resident memory now and at its peak since :func:`_reset_peak` (MB)."""
    out = {}
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(("VmRSS:", "VmHWM:")):
                out["rss" if line.startswith("VmRSS") else "peak"] = round(int(line.split()[1]) / 1024, 1)
    return out


def _reset_peak() -> None:
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")  # resets VmHWM to the current RSS (Linux)
    except OSError:
        pass


class _FilterProbe:
    """Wraps an index backend to note whether a request's first search (its hard constraints before any
    relaxation) carried a filter; ``filtered`` is None until that search, reset per request."""

    def __init__(self, backend: Any):
        self.backend = backend
        self.filtered: bool | None = None

    def search(self, vector: Any, flt: Any, limit: int) -> Any:
        if self.filtered is None:
            self.filtered = flt is not None and not flt.is_empty()
        return self.backend.search(vector, flt, limit)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.backend, name)


def bench_scale(ctx: BenchContext) -> dict[str, Any]:
    """The pipeline over catalogs of ``--catalog-size`` tracks (the real one, then synthetic ones that
    follow its distributions), with each of ``--index-configs``: catalog and vector generation, the
    embedding time it would take instead (measured rate), index build, resident memory, HNSW recall
    against exact search, request p50/p95 with and without filters, stage timings (rerank is CF,
    refine), CF fold-in; one row per (size, index config)."""
    import gc
    import tempfile
    from pathlib import Path

    build = _module("tools.build")
    synth = _module("evals.synth")
    embed = _module("tools.embed")
    from tools.index import EdgeBackend, IndexConfig, TrackIndex

    if ctx.settings.qdrant_url:
        raise NotBuilt("the scale bench builds embedded shards only (PLAYGENIE_QDRANT_URL is set)")
    real = build.load_catalog(ctx.settings)
    real_vectors = build.document_vectors(ctx.settings, real, progress=False)
    cf_mod = _module("tools.cf")
    real_cf = cf_mod.ensure_cf(real, cf_mod.cf_home(ctx.settings))  # synthetic factors copy the product's
    encoder = embed.get_encoder()
    batch_encoder = embed.get_encoder(embed.DEFAULT_VARIANT, embed.batch_threads())
    rows: list[dict[str, Any]] = []
    for size in ctx.catalog_sizes:
        base: dict[str, Any] = {"size": size}
        catalog = vectors = cf_model = syn = None  # the last size's, freed before this one is made
        gc.collect()
        _reset_peak()
        before = _memory_mb()["rss"]
        vector_dir = None if ctx.scale_cache else tempfile.TemporaryDirectory(prefix=f"playgenie-scale-vectors-{size}-")
        if size <= 0 or size == len(real):
            catalog, vectors, cf_model = real, real_vectors, real_cf
            base.update(size=len(real), synthetic=False)
        else:
            t0 = time.perf_counter()
            syn = synth.synth_catalog(real, size, seed=0)
            base["catalog_gen_s"] = round(time.perf_counter() - t0, 1)
            t0 = time.perf_counter()
            # mapped from a file: past a few hundred thousand tracks the vectors need not all stay resident
            if vector_dir is None:
                vectors = scale_vectors(ctx.scale_cache, real_vectors, syn.template)
            else:
                vectors = synth.synth_vectors(real_vectors, syn.template, path=Path(vector_dir.name) / "vectors.npy")
            base["vector_gen_s"] = round(time.perf_counter() - t0, 1)
            catalog, cf_model = syn.catalog, synth.synth_cf(real_cf, syn)
            base["synthetic"] = True
            syn = None
            gc.collect()
        picks = random.Random(0).sample(range(len(catalog)), min(256, len(catalog)))
        docs = [catalog.tracks[i].document() for i in picks]
        t0 = time.perf_counter()
        batch_encoder.encode(docs, batch_size=8)
        base["embed_estimate_s"] = round(len(catalog) * (time.perf_counter() - t0) / len(docs), 0)
        base["catalog_mb"] = round(_memory_mb()["rss"] - before, 0)
        for name in ctx.index_configs:
            row = dict(base, index=name)
            config = IndexConfig(**INDEX_CONFIGS[name])
            with tempfile.TemporaryDirectory(prefix=f"playgenie-scale-{size}-") as tmp:
                home = Path(tmp)
                cf_model.save(home / "cf")
                _reset_peak()
                before_index = _memory_mb()["rss"]
                shard = (
                    home / "qdrant" if not ctx.scale_cache else scale_index_path(ctx.scale_cache, len(catalog), config)
                )
                row.update(_build_or_reuse(shard, config, catalog, vectors))
                files = shard.rglob("*")
                row["index_disk_mb"] = round(sum(f.stat().st_size for f in files if f.is_file()) / 1e6)
                _reset_peak()
                t0 = time.perf_counter()
                index = TrackIndex(EdgeBackend(shard, config), [t.track_id for t in catalog.tracks])
                row["index_open_s"] = round(time.perf_counter() - t0, 2)
                row["index_mb"] = round(_memory_mb()["rss"] - before_index, 0)
                try:
                    row.update(_scale_requests(ctx, catalog, vectors, index, encoder, home))
                finally:
                    index.close()
                row["memory_mb"] = _memory_mb()
            rows.append(row)
            log.info("scale row: %s", row)
        if vector_dir is not None:
            vector_dir.cleanup()
    return {"scale": rows}


# --- the scale section's cache: a synthetic catalog's vectors and index, built once ---------------------------

# Where the index's build code lives: a change to any of these (or to the catalog, the vectors or the index's
# schema, which tools.index.fingerprint covers) builds the cached index anew; a change to how it is searched does not.
_BUILD_CODE = ("tools.index:EdgeBackend.create", "tools.index:EdgeBackend._edge_config",
               "tools.index:EdgeBackend.upsert", "tools.index:EdgeBackend.finish", "tools.index:TrackIndex.build",
               "tools.index:payload_of", "tools.lexical")  # fmt: skip
_SEARCH_ONLY = (
    "hnsw_ef",
    "acorn",
    "search_threads",
    "exact_below_sqrt",
    "scan_below",
    "ids_below",
    "oversampling",
    "rescore",
    "resident",
    "lock",
)  # IndexConfig fields read at search time, not at build


def build_code_fingerprint() -> str:
    """A hash of the source that shapes a built shard (:data:`_BUILD_CODE`) and of the Qdrant engine's version."""
    import hashlib
    import importlib
    import importlib.metadata
    import inspect

    h = hashlib.blake2b(digest_size=8)
    for ref in _BUILD_CODE:
        mod, _, attr = ref.partition(":")
        obj: Any = importlib.import_module(mod)
        for part in attr.split(".") if attr else []:
            obj = getattr(obj, part)
        h.update(ref.encode() + inspect.getsource(obj).encode())
    h.update(importlib.metadata.version("qdrant-edge-py").encode())
    return h.hexdigest()


def scale_index_path(cache: Any, size: int, config: Any) -> Any:
    """The cached shard of a ``size``-track synthetic catalog built with ``config``: one folder per size, build
    settings (search-time ones left out: a wider beam needs no rebuild) and build code."""
    import dataclasses
    import hashlib
    from pathlib import Path

    build = {k: v for k, v in sorted(dataclasses.asdict(config).items()) if k not in _SEARCH_ONLY}
    key = hashlib.blake2b(json.dumps(build, sort_keys=True).encode(), digest_size=6).hexdigest()
    return Path(cache) / str(size) / f"index-{key}-{build_code_fingerprint()}"


def scale_vectors(cache: Any, real_vectors: np.ndarray, template: np.ndarray) -> np.ndarray:
    """The synthetic vectors of ``template``'s tracks, mapped from the cache: generated once per (real vectors,
    template, generator) and written whole before they are used (a half-written file is never read)."""
    import hashlib
    import inspect

    from evals import synth

    h = hashlib.blake2b(digest_size=8)
    h.update(np.ascontiguousarray(real_vectors, dtype=np.float32).tobytes())
    h.update(np.ascontiguousarray(template, dtype=np.int64).tobytes())
    h.update(f"{synth.VECTOR_NOISE};{inspect.getsource(synth.synth_vectors)}".encode())
    path = Path(cache) / str(len(template)) / f"vectors-{h.hexdigest()}.npy"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.stem}.{os.getpid()}.tmp.npy")
        synth.synth_vectors(real_vectors, template, path=tmp).flush()
        tmp.rename(path)
    return np.load(path, mmap_mode="r")


def _build_or_reuse(shard: Any, config: Any, catalog: "Catalog", vectors: np.ndarray) -> dict[str, Any]:
    """Open the shard at ``shard`` when it holds this catalog and these vectors, else build it there: the row's
    ``index_build_s`` is the build's seconds, measured when it was built (``index_cached``: reused, and when)."""
    from tools.index import EdgeBackend, TrackIndex, fingerprint

    info = shard.with_name(shard.name + ".build.json")
    fp = fingerprint(catalog, vectors)
    index = TrackIndex(EdgeBackend(shard, config))
    try:
        if index.backend.fingerprint() == fp and info.exists():
            built = json.loads(info.read_text())
            return {"index_build_s": built["index_build_s"], "index_cached": built.get("built_at", True)}
        t0 = time.perf_counter()
        index.build(catalog, vectors, progress=len(catalog) >= 200_000, fp=fp)  # a long build shows its progress
        secs = round(time.perf_counter() - t0, 1)
    finally:
        index.close()
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    info.write_text(json.dumps({"index_build_s": secs, "built_at": time.strftime("%Y-%m-%d %H:%M:%S"), "load": load}))
    return {"index_build_s": secs, "index_cached": False}


def _filtered_recall(catalog: "Catalog", vectors: np.ndarray, index: Any, queries: list[Any], k: int) -> dict[str, Any]:
    """Recall@k of ``index`` under filters as requests set them, and its search times: one genre (about 1/6 of
    the tracks), and one genre in one decade (a few percent: at 1M still above Qdrant's full-scan threshold, so
    a graph is walked with the filter), for the index's settings and, for a graph, search-time variants (no
    rebuild): wider beams, ACORN's two-hop walk under a filter."""
    import dataclasses

    from tools.index import Constraints

    backend, config = index.backend, index.backend.config
    genres = sorted({g for t in catalog.tracks for g in t.genres})
    genre_rows = {g: np.zeros(len(catalog), dtype=bool) for g in genres}
    for row, t in enumerate(catalog.tracks):
        for g in t.genres:
            genre_rows[g][row] = True
    decade_of = np.array([t.decade or 0 for t in catalog.tracks])
    cases: dict[str, list[tuple[Any, Any, int, set[int]]]] = {}  # kind -> (query, filter, k, true top k)
    for kind in ("genre", "genre+decade"):
        for i, q in enumerate(queries):
            g, d = genres[i % len(genres)], (1990, 2000, 2010)[i % 3]
            flt = Constraints(any_of={"genre": [g]} | ({"decade": [d]} if kind != "genre" else {}))
            rows = np.flatnonzero(genre_rows[g] & ((decade_of == d) if kind != "genre" else True))
            kk = min(k, len(rows))
            if kk:
                top = rows[np.argpartition(-(vectors[rows] @ q), kk - 1)[:kk]]
                cases.setdefault(kind, []).append((q, flt, kk, set(top.tolist())))
    filtered: dict[str, Any] = {}
    variants = {"": config}
    if config.hnsw_m:
        variants |= {f"ef{ef}{'-acorn' * a}": dataclasses.replace(config, hnsw_ef=ef, acorn=a)
                     for ef in (128, 512) for a in (False, True)}  # fmt: skip
    for (label, variant), kind in [(v, kind) for v in variants.items() for kind in cases]:
        backend.config = variant
        filtered[f"{kind} {label}".strip()] = _recall_and_times(index, cases[kind])
    backend.config = config
    return filtered


def _recall_and_times(index: Any, cases: list[tuple[Any, Any, int, set[int]]]) -> dict[str, Any]:
    """Mean recall of ``index``'s top k against the true top k of each (query, filter, k, true top k), and the
    searches' times."""
    recalls, times = [], []
    for q, flt, k, truth in cases:
        t0 = time.perf_counter()
        got = {r for r, _ in index.search_rows(q, flt, k)}
        times.append(time.perf_counter() - t0)
        recalls.append(len(truth & got) / k)
    return {"recall": round(float(np.mean(recalls)), 3), "search_ms": percentiles(times)}


def _scale_requests(
    ctx: BenchContext, catalog: "Catalog", vectors: np.ndarray, index: Any, encoder: Any, home: Any
) -> dict[str, Any]:
    """Recall of the index against exact search, then whole requests and their stages over ``catalog``."""
    from tools.pipeline import Pipeline

    texts = sample_requests(ctx.n + 10, catalog, seed=0)
    # Recall@100 without a filter: the index's hits against a brute-force scan of the same vectors, and
    # for an HNSW index the same at other search beams (hnsw_ef is a search-time setting: no rebuild).
    import dataclasses

    k = min(100, len(vectors) - 1)
    queries = [encoder.encode([t])[0] for t in texts[:20]]
    truths = [set(np.argpartition(-(vectors @ q), k)[:k].tolist()) for q in queries]
    backend, config = index.backend, index.backend.config
    by_ef: dict[str, Any] = {}
    for ef in sorted({config.hnsw_ef, 64, 256, 512, 1024}) if config.hnsw_m else [0]:
        backend.config = dataclasses.replace(config, hnsw_ef=ef) if ef else config
        by_ef[str(ef)] = _recall_and_times(index, [(q, None, k, truth) for q, truth in zip(queries, truths)])
    backend.config = config
    filtered = _filtered_recall(catalog, vectors, index, queries, k)
    encoder.clear_cache()  # every row embeds its requests anew
    t0 = time.perf_counter()
    probe = _FilterProbe(index.backend)
    index.backend = probe
    pipe = Pipeline(ctx.settings, catalog, encoder, index, home=home, vectors=vectors)  # as served: names from arrays
    out: dict[str, Any] = {"recall_at_100": by_ef[str(config.hnsw_ef if config.hnsw_m else 0)]["recall"]}
    out["filtered_recall"] = filtered
    if config.hnsw_m:
        out["recall_by_ef"] = by_ef
    pipe.cf_model()
    out["pipeline_ready_s"] = round(time.perf_counter() - t0, 1)
    for t in texts[:10]:
        pipe.run(t)
    whole: dict[str, list[float]] = {"all": [], "filtered": [], "unfiltered": []}
    stages: dict[str, list[float]] = {}
    cpu: list[float] = []  # this process's CPU seconds per request (its search threads too): on a busy machine
    faults: list[int] = []  # major page faults per request: reads from the disk a search waited on
    for t in texts[10:]:  # wall time waits for a core, CPU time does not
        probe.filtered = None
        f0, c0, t0 = resource.getrusage(resource.RUSAGE_SELF).ru_majflt, time.process_time(), time.perf_counter()
        pipe.run(t)
        dt = time.perf_counter() - t0
        cpu.append(time.process_time() - c0)
        faults.append(resource.getrusage(resource.RUSAGE_SELF).ru_majflt - f0)
        whole["all"].append(dt)
        whole["filtered" if probe.filtered else "unfiltered"].append(dt)
        for stage, ms in pipe.last_timings.items():
            if stage != "request":
                stages.setdefault(stage, []).append(ms / 1000.0)
    out["request_ms"] = {k: dict(percentiles(v), n=len(v)) for k, v in whole.items() if v}
    out["request_cpu_ms"] = percentiles(cpu)
    out["request_major_faults"] = {"mean": round(float(np.mean(faults)), 2), "p95": float(np.percentile(faults, 95)),
                                   "total": int(sum(faults))}  # fmt: skip
    held = getattr(probe.backend, "held", None)
    if held is not None:
        out["held"] = held.report()
    out["stages_ms"] = {k: percentiles(v) for k, v in stages.items()}
    cf = pipe.cf_model()
    if cf is not None:
        rng = random.Random(0)
        ids = [t for t, k in zip(cf.track_ids, cf.known) if k]
        samples = []
        for _ in range(50):
            h = rng.sample(ids, min(50, len(ids)))
            t0 = time.perf_counter()
            cf.fold_in(h)
            samples.append(time.perf_counter() - t0)
        out["fold_in_ms"] = percentiles(samples)
    return out


def format_scale(rows: list[dict[str, Any]]) -> list[str]:
    """The scale table: one line per (size, index config)."""
    head = (
        f"{'tracks':>9} {'index':<15} {'gen s':>6} {'embed s':>8} {'build s':>8} {'RSS MB':>7} {'recall':>6} "
        f"{'f-rec':>6} {'p50 ms':>7} {'p95 ms':>7} {'cpu p95':>7} "
        f"{'filt p95':>8} {'unfilt p95':>10} {'rerank p50':>10} {'refine p50':>10} {'majflt/req':>10}"
    )
    lines = [head]
    for r in rows:
        req = r.get("request_ms", {})
        st = r.get("stages_ms", {})
        gen = (r.get("catalog_gen_s") or 0) + (r.get("vector_gen_s") or 0)
        lines.append(
            f"{r['size']:>9} {r['index']:<15} {gen:>6.1f} {r.get('embed_estimate_s', 0):>8.0f} "
            f"{r.get('index_build_s', 0):>8.1f} "
            f"{r.get('memory_mb', {}).get('rss', 0):>7.0f} {r.get('recall_at_100', 0):>6.3f} "
            f"{r.get('filtered_recall', {}).get('genre+decade', {}).get('recall', 0):>6.3f} "
            f"{req.get('all', {}).get('p50', 0):>7.1f} {req.get('all', {}).get('p95', 0):>7.1f} "
            f"{r.get('request_cpu_ms', {}).get('p95', 0):>7.1f} "
            f"{req.get('filtered', {}).get('p95', 0):>8.1f} {req.get('unfiltered', {}).get('p95', 0):>10.1f} "
            f"{st.get('rerank', {}).get('p50', 0):>10.2f} {st.get('refine', {}).get('p50', 0):>10.2f} "
            f"{r.get('request_major_faults', {}).get('mean', 0):>10.2f}"
        )
    return lines


def _build_from_scratch(settings: "Settings") -> float:
    """Catalog, embeddings (empty cache) and index into a temporary home: the real first-build time."""
    import tempfile
    from pathlib import Path

    from tools import build

    with tempfile.TemporaryDirectory(prefix="playgenie-scratch-") as tmp:
        fresh = settings.model_copy(update={"home": Path(tmp), "qdrant_path": None})
        t0 = time.perf_counter()
        ctx = build.build(fresh, progress=False, only={"catalog", "embeddings", "index"})
        secs = time.perf_counter() - t0
        if ctx.index is not None:
            ctx.index.close()
    return round(secs, 1)


def bench_fold_in(ctx: BenchContext) -> dict[str, Any]:
    """Folding a 50-track history into the CF model's factor space."""
    cf = _module("tools.cf")
    folder = cf.cf_home(ctx.settings)
    try:
        model = cf.CFModel.load(folder, ctx.catalog)
    except (FileNotFoundError, cf.ModelMismatch) as exc:
        raise NotBuilt(str(exc)) from exc
    rng = random.Random(0)
    ids = [t for t, k in zip(model.track_ids, model.known) if k]
    if len(ids) < 50:
        raise NotBuilt(f"the CF model knows only {len(ids)} tracks")
    histories = [rng.sample(ids, 50) for _ in range(ctx.n)]
    model.fold_in(histories[0])
    samples = []
    for h in histories:
        t0 = time.perf_counter()
        model.fold_in(h)
        samples.append(time.perf_counter() - t0)
    return {"fold_in_ms": percentiles(samples)}


def bench_generation(ctx: BenchContext) -> dict[str, Any]:
    """The continuation VAE generating 10 tracks after a 10-track playlist (the continuation's generation bench)."""
    gen = _module("tools.continuation.generate")
    continuer = gen.Continuer.load(ctx.settings, ctx.catalog)
    if continuer is None:
        raise NotBuilt("no trained continuation VAE in the home (run `playgenie train vae`)")
    r = gen.bench_generation(continuer, ctx.catalog, n_runs=ctx.n, k=10)
    return {"generation_ms": {"p50": round(r["p50_ms"], 3), "p95": round(r["p95_ms"], 3)}} | bench_generation_history(
        ctx, continuer
    )


def bench_generation_history(ctx: BenchContext, continuer: Any) -> dict[str, Any]:
    """The same generation with a listener history D of 200 tracks, and what encoding D adds (paired runs)."""
    r = _module("tools.continuation.generate").bench_history_cost(continuer, ctx.catalog, n_runs=ctx.n, k=10)
    return {
        "generation_history_ms": {"p50": round(r["with_history_p50_ms"], 3), "p95": round(r["with_history_p95_ms"], 3)},
        "history_cost_ms": {"p50": round(r["added_p50_ms"], 3), "history_tracks": r["history_tracks"]},
    }


_FOLLOW_UPS = ["no rap", "more energetic", "make it calmer", "add 5 more", "only songs after 2010", "remove track 1",
               "shorter, 10 tracks", "more like track 3", "less popular stuff", "no remixes", "happier please",
               "something older", "swap track 2", "without the slow ones"]  # fmt: skip


def conversation(i: int, catalog: "Catalog", turns: int = 4) -> list[str]:
    """Conversation ``i``: a request, then follow-ups that reshape the playlist (seeded by ``i``)."""
    rng = random.Random(i)
    first = sample_requests(1, catalog, seed=10_000 + i)[0]
    return [first] + [rng.choice(_FOLLOW_UPS) for _ in range(turns - 1)]


def _service(ctx: BenchContext):
    """A ChatService over the warm pipeline whose checkpoints and memory are SQLite files in a temporary
    folder (the bench never writes into the product's conversations)."""
    if ctx._service is None:
        import tempfile
        from pathlib import Path

        service_mod = _module("agent.service")
        from memory.checkpoint import open_checkpointer
        from memory.store import open_store

        ctx._tmp = tempfile.TemporaryDirectory(prefix="playgenie-bench-chat-")
        home = Path(ctx._tmp.name)
        saver, conn = open_checkpointer(home, None)
        store, store_conn = open_store(home, None)
        ctx._closers += [conn, store_conn]
        ctx._service = service_mod.ChatService(ctx.settings, pipeline=ctx.pipeline, checkpointer=saver, store=store)
        ctx._service.warm_up()  # as `playgenie serve` does before it says it is ready
    return ctx._service


def bench_chat_turn(ctx: BenchContext) -> dict[str, Any]:
    """A whole offline chat turn through the agent graph with the SQLite checkpointer (first turns and follow-ups)."""
    service = _service(ctx)
    for text in conversation(-1, ctx.catalog):  # warm-up
        service.turn("bench-warm", "bench-user", text)
    samples: list[float] = []
    i = 0
    while len(samples) < ctx.n:
        for text in conversation(i, ctx.catalog):
            t0 = time.perf_counter()
            service.turn(f"bench-turn-{i}", f"bench-user-{i % 7}", text)
            samples.append(time.perf_counter() - t0)
        i += 1
    return {"chat_turn_ms": percentiles(samples[: ctx.n])}


def bench_chat_concurrent(ctx: BenchContext) -> dict[str, Any]:
    """``--users`` conversations at once in one process for ``--seconds``: turns, errors, p50/p95."""
    import threading

    service = _service(ctx)
    deadline = time.perf_counter() + ctx.seconds
    lock = threading.Lock()
    samples: list[float] = []
    errors: list[str] = []

    def user(u: int) -> None:
        k = 0
        while time.perf_counter() < deadline:
            for text in conversation(1000 * u + k, ctx.catalog):
                if time.perf_counter() >= deadline:
                    break
                t0 = time.perf_counter()
                try:
                    r = service.turn(f"bench-conc-{u}-{k}", f"bench-conc-user-{u}", text)
                    err = None if r.reply else "empty reply"
                except Exception as exc:  # counted and reported: the point of this section
                    err = f"{type(exc).__name__}: {exc}"
                dt = time.perf_counter() - t0
                with lock:
                    samples.append(dt)
                    if err:
                        errors.append(err)
                time.sleep(ctx.think)
            k += 1

    t0 = time.perf_counter()
    threads = [threading.Thread(target=user, args=(u,), name=f"bench-user-{u}") for u in range(ctx.users)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    p = percentiles(samples) if samples else {"p50": float("nan"), "p95": float("nan")}
    return {
        "chat_concurrent": {
            "users": ctx.users,
            "think_s": ctx.think,
            "seconds": round(elapsed, 1),
            "turns": len(samples),
            "errors": len(errors),
            "first_errors": sorted(set(errors))[:3],
            "turns_per_s": round(len(samples) / elapsed, 2),
            "p50_ms": p["p50"],
            "p95_ms": p["p95"],
        }
    }


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def process_tree_cpu_s(pid: int) -> float:
    """CPU seconds (user + system) that process ``pid`` and its living descendants have used (Linux /proc)."""
    import os
    from pathlib import Path

    tick = os.sysconf("SC_CLK_TCK")
    total, todo = 0.0, [pid]
    while todo:
        p = todo.pop()
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime: fields 14 and 15 of stat
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, ValueError, IndexError):  # a process that just ended
            continue
    return total


class ServeProcess:
    """``playgenie serve --processes N`` as a subprocess on a free loopback port: what the HTTP bench measures
    and what the scale-out test runs. ``env`` adds settings (PLAYGENIE_CHAT_PATH, PLAYGENIE_POSTGRES_URL...)."""

    def __init__(
        self,
        settings: "Settings",
        processes: int = 1,
        env: dict[str, str] | None = None,
        log_path: Any = None,
        workers: int | None = None,
        cwd: Any = None,
    ) -> None:
        """``env``: the server's whole environment (default this one's); ``cwd``: where it runs (default the
        repository, whose ``.env`` it reads as the CLI does)."""
        import os
        from pathlib import Path

        self.processes, self.port = processes, _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.cmd = [
            sys.executable,
            "-m",
            "bots.cli",
            "--home",
            str(settings.home),
            "--data",
            str(settings.data),
            "serve",
            "--port",
            str(self.port),
            "--processes",
            str(processes),
            *(["--workers", str(workers)] if workers else []),
        ]
        self.env = {**(os.environ if env is None else env), "PYTHONUNBUFFERED": "1"}
        self.cwd = cwd or Path(__file__).resolve().parents[1]
        self.log_path = log_path
        self.proc: Any = None

    def start(self, timeout: float = 600.0) -> "ServeProcess":
        """Start, then wait until every process answers /readyz (20 in a row on new connections, which the
        processes accept in turn); RuntimeError with the log's tail when it exits or times out."""
        import subprocess

        import httpx

        out = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL
        self.proc = subprocess.Popen(self.cmd, cwd=self.cwd, env=self.env, stdout=out, stderr=subprocess.STDOUT)
        if self.log_path:
            out.close()
        deadline, ready = time.monotonic() + timeout, 0
        while ready < 20 * self.processes:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"`playgenie serve` did not get ready: {self.log_tail()}")
            try:
                r = httpx.get(self.url + "/readyz", timeout=10)
                ready = ready + 1 if r.status_code == 200 else 0
                if r.status_code == 503 and r.json().get("status") == "error":  # loading failed: it stays so
                    self.stop()
                    raise RuntimeError(f"`playgenie serve` could not load ({r.text}): {self.log_tail()}")
            except httpx.HTTPError:
                ready = 0
            if not ready:
                time.sleep(0.2)
        return self

    def cpu_s(self) -> float:
        """CPU seconds all the server's processes have used so far."""
        return process_tree_cpu_s(self.proc.pid) if self.proc is not None else 0.0

    def log_tail(self, n: int = 1500) -> str:
        from pathlib import Path

        if not self.log_path or not Path(self.log_path).exists():
            return "(no log)"
        return Path(self.log_path).read_text(errors="replace")[-n:]

    def stop(self) -> None:
        """SIGTERM (uvicorn's supervisor stops its processes), SIGKILL after 30 s."""
        import subprocess

        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)

    def __enter__(self) -> "ServeProcess":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _http_turn(
    client: Any, url: str, headers: dict[str, str], thread: str, user: str, text: str
) -> tuple[float, str | None]:
    """One ``POST /v1/chat``: (seconds, None) or (seconds, what went wrong)."""
    import httpx

    t0 = time.perf_counter()
    try:
        r = client.post(url, json={"thread_id": thread, "user_id": user, "text": text}, headers=headers)
        err = None if r.status_code == 200 and r.json().get("reply") else f"HTTP {r.status_code}: {r.text[:120]}"
    except httpx.HTTPError as exc:
        err = f"{type(exc).__name__}: {exc}"
    return time.perf_counter() - t0, err


def _http_phase(ctx: BenchContext, server: ServeProcess, phase: int, think: float, requests: int = 0) -> dict[str, Any]:
    """``--users`` people talking to ``server``, each a conversation at a time: ``requests`` turns with no pause
    (``think`` 0: saturation), or for ``--seconds`` with ``think`` seconds between a reply and the next message.
    Each ``phase`` has its own conversations (no sentence repeats an earlier phase's)."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    import httpx

    headers = {"X-API-Key": ctx.settings.api_key} if ctx.settings.api_key else {}
    url = server.url + "/v1/chat"
    lock = threading.Lock()
    samples: list[float] = []
    errors: list[str] = []
    convs: dict[int, list[str]] = {}

    def turn(client: Any, c: int, k: int) -> None:
        texts = convs.setdefault(c, conversation(c, ctx.catalog))  # c: a conversation, k: its turn
        dt, err = _http_turn(client, url, headers, f"bench-http-{c}", f"bench-user-{c % 7}", texts[k % len(texts)])
        with lock:
            samples.append(dt)
            errors.extend([err] if err else [])

    budget = [requests or 1 << 62]  # turns left to send (saturation); the paced run stops at the deadline

    def person(client: Any, u: int, deadline: float) -> None:
        """One person: conversations of 4 turns one after another, each turn after the previous reply."""
        k = 0
        while time.perf_counter() < deadline:
            with lock:
                if budget[0] <= 0:
                    return
                budget[0] -= 1
            turn(client, 1_000_000 * phase + 1000 * u + k // 4, k)
            k += 1
            if think and time.perf_counter() + think < deadline:
                time.sleep(think)

    # One client, its connections kept alive (as a browser or a bot keeps them).
    limits = httpx.Limits(max_connections=ctx.users, max_keepalive_connections=ctx.users)
    with httpx.Client(timeout=60.0, limits=limits) as client, ThreadPoolExecutor(max_workers=ctx.users) as pool:
        cpu0, client_cpu0, t0 = server.cpu_s(), time.process_time(), time.perf_counter()
        deadline = t0 + (ctx.seconds if think else 3600.0)
        list(pool.map(lambda u: person(client, u, deadline), range(ctx.users)))
        elapsed = time.perf_counter() - t0
        cpu, client_cpu = server.cpu_s() - cpu0, time.process_time() - client_cpu0
    p = percentiles(samples) if samples else {"p50": float("nan"), "p95": float("nan")}
    turns = max(len(samples), 1)
    return {
        "turns": len(samples),
        "seconds": round(elapsed, 1),
        "turns_per_s": round(len(samples) / elapsed, 2),
        "p50_ms": p["p50"],
        "p95_ms": p["p95"],
        "errors": len(errors),
        "first_errors": sorted(set(errors))[:3],
        "server_cpu_ms_per_turn": round(1000 * cpu / turns, 1),
        "client_cpu_ms_per_turn": round(1000 * client_cpu / turns, 1),
    }


def bench_http(ctx: BenchContext) -> dict[str, Any]:
    """``POST /v1/chat`` through ``playgenie serve --processes N`` (its own processes, started here) for each N of
    ``--processes``: saturation (``--n`` turns from ``--users`` clients, no pauses) and ``--users`` conversations
    with ``--think`` pauses for ``--seconds``. Conversations go to a temporary folder (PLAYGENIE_CHAT_PATH)."""
    import os
    import tempfile
    from pathlib import Path

    _module("bots.http_api")
    _module("httpx")
    _ = ctx.pipeline  # builds what is missing before the servers start (each would wait on the build lock)
    out: dict[str, Any] = {
        "clients": ctx.users,
        "think_s": ctx.think,
        "workers": ctx.workers or "default",
        "saturation": {},
        "paced": {},
    }
    for n in ctx.processes:
        with tempfile.TemporaryDirectory(prefix="playgenie-bench-http-") as tmp:
            env = {**os.environ, "PLAYGENIE_CHAT_PATH": tmp, "PLAYGENIE_POSTGRES_URL": ""}
            log_path = Path(tmp) / "serve.log"
            server = ServeProcess(ctx.settings, processes=n, env=env, log_path=log_path, workers=ctx.workers)
            try:
                server.start()
            except RuntimeError as exc:
                raise NotBuilt(str(exc)) from None
            try:
                # every process answers a few turns (lazy imports, first allocations) before anything is timed
                _http_phase(ctx, server, 1, 0.0, requests=max(ctx.users, 8 * n))
                out["saturation"][str(n)] = _http_phase(ctx, server, 2, 0.0, requests=ctx.n)
                out["paced"][str(n)] = _http_phase(ctx, server, 3, ctx.think)
            finally:
                server.stop()
    return {"http": out}


Section = Callable[[BenchContext], dict[str, Any]]
OPT_IN = {"encoders", "scale"}  # minutes each: run only when named in --sections (scale also by --catalog-size)
SECTIONS: list[tuple[str, Section]] = [
    ("request", bench_request),
    ("cold_start", bench_cold_start),
    ("index_build", bench_index_build),
    ("encoders", bench_encoders),
    ("scale", bench_scale),
    ("fold_in", bench_fold_in),
    ("generation", bench_generation),
    ("chat_turn", bench_chat_turn),
    ("chat_concurrent", bench_chat_concurrent),
    ("http", bench_http),
]


def run_bench(settings: "Settings", names: list[str] | None = None, **options: Any) -> dict[str, Any]:
    """Run the sections in order; a section that is not built is reported, not skipped silently."""
    ctx = BenchContext(settings=settings, **options)
    wanted = names or [n for n, _ in SECTIONS if n not in OPT_IN]
    ctx.report["not_built"] = {}
    for name, section in SECTIONS:
        if name not in wanted:
            continue
        t0 = time.perf_counter()
        try:
            ctx.report.update(section(ctx))
        except NotBuilt as exc:
            ctx.report["not_built"][name] = str(exc)
        log.info("bench section %s: %.1fs", name, time.perf_counter() - t0)
    ctx.report["targets"] = _check_targets(ctx.report)
    ctx.close()
    return ctx.report


def _lookup(report: dict[str, Any], dotted: str) -> float | None:
    node: Any = report
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return float(node) if isinstance(node, (int, float)) else None


def _check_targets(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each target whose number was measured: the limit, the value, and whether it holds."""
    out = {}
    for key, limit in TARGETS.items():
        value = _lookup(report, key)
        if value is not None:
            out[key] = {"limit": limit, "value": value, "ok": value <= limit}
    return out


def format_report(report: dict[str, Any]) -> str:
    """A readable summary: one line per timing, then what is not built."""
    lines = []
    if "request_ms" in report:
        r = report["request_ms"]
        lines.append(
            f"{'whole request':<28} p50 {r['p50']:>9.2f} ms   p95 {r['p95']:>9.2f} ms   "
            f"({report.get('n_requests')} requests)"
        )
    for stage, r in report.get("stages_ms", {}).items():
        lines.append(f"  {stage:<26} p50 {r['p50']:>9.2f} ms   p95 {r['p95']:>9.2f} ms")
    for key in ("fold_in_ms", "generation_ms", "generation_history_ms", "chat_turn_ms"):
        if key in report:
            r = report[key]
            lines.append(
                f"{key.removesuffix('_ms').replace('_', ' '):<28} p50 {r['p50']:>9.2f} ms   p95 {r['p95']:>9.2f} ms"
            )
    if "index_build_s" in report:
        e = report["embedding"]
        lines.append(f"{'index build (cached vectors)':<28} {report['index_build_s']:.1f} s")
        lines.append(
            f"{'embedding (no cache)':<28} {e['docs_per_s']:.0f} docs/s -> ~{e['full_estimate_s']:.0f} s "
            f"for {e['docs']} tracks"
        )
        lines.append(f"{'whole build, estimated':<28} ~{report['build_estimate_s']:.0f} s")
    if "build_from_scratch_s" in report:
        lines.append(f"{'whole build from scratch':<28} {report['build_from_scratch_s']:.1f} s")
    if "chat_concurrent" in report:
        c = report["chat_concurrent"]
        lines.append(
            f"{'concurrent conversations':<28} p50 {c['p50_ms']:>9.2f} ms   p95 {c['p95_ms']:>9.2f} ms   "
            f"({c['users']} users, {c['seconds']} s, {c['turns']} turns, {c['errors']} errors)"
        )
    if "http" in report:
        lines += format_http(report["http"])
    if "cold_start" in report:
        c = report["cold_start"]
        lines.append(
            f"{'cold playlist command':<28} {c['wall_s']:.2f} s (best of {len(c['wall_s_runs'])}), "
            f"peak {c['peak_mb']:.0f} MB"
        )
    if "encoders" in report:
        e = report["encoders"]
        lines.append(
            f"{'encoder export (once)':<28} onnx {e['export_s']['onnx']:.1f} s, "
            f"int8 from it {e['export_s']['onnx-int8']:.1f} s"
        )
        for variant, r in e["variants"].items():
            rates = ", ".join(f"b{b} {v:.0f}" for b, v in r["docs_per_s"].items())
            agree = r.get("agreement")
            lines.append(
                f"{'encoder ' + variant:<28} load {r['load_s']:.2f} s; docs/s on {e['threads']} threads: "
                f"{rates}; query p50 {r['query_ms']['p50']:.1f} ms"
                + (
                    f"; cosine to torch min {agree['min']:.4f} mean {agree['mean']:.4f} "
                    f"({agree['below_0.99']} of {agree['docs']} below 0.99)"
                    if agree
                    else ""
                )
            )
    if "scale" in report:
        lines += format_scale(report["scale"])
    for key, t in report.get("targets", {}).items():
        lines.append(f"target {key:<32} {t['value']:>9.2f} <= {t['limit']:<6g} {'ok' if t['ok'] else 'MISSED'}")
    for name, reason in report.get("not_built", {}).items():
        lines.append(f"{name}: not built ({reason})")
    return "\n".join(lines)


def format_http(h: dict[str, Any]) -> list[str]:
    """One line per process count and phase: turns/s, latency, errors, and the server's CPU per turn."""
    lines = []
    for phase, label in (("saturation", "no pauses"), ("paced", f"{h['think_s']:g} s pauses")):
        for n, r in h[phase].items():
            lines.append(
                f"{f'HTTP {n} process(es), {label}':<28} p50 {r['p50_ms']:>9.2f} ms   p95 {r['p95_ms']:>9.2f} ms   "
                f"({r['turns_per_s']} turns/s, {r['turns']} turns, {h['clients']} clients, "
                f"workers {h.get('workers', 'default')}, {r['errors']} errors; "
                f"server CPU {r['server_cpu_ms_per_turn']} ms/turn)"
            )
    return lines


def run(args: argparse.Namespace, settings: "Settings") -> int:
    names = [s.strip() for s in args.sections.split(",")] if args.sections else None
    known = {n for n, _ in SECTIONS}
    if names and (bad := [s for s in names if s not in known]):
        print(f"playgenie: unknown bench section(s) {', '.join(bad)}; choose from {', '.join(known)}", file=sys.stderr)
        return 2
    if args.n < 1:
        print("playgenie: --n must be at least 1", file=sys.stderr)
        return 2
    options: dict[str, Any] = {}
    if args.catalog_size:
        try:
            sizes = args.catalog_size.split(",")
            options["catalog_sizes"] = [0 if v.strip() == "real" else int(float(v)) for v in sizes]
        except ValueError:
            print(f"playgenie: --catalog-size takes numbers or 'real': {args.catalog_size!r}", file=sys.stderr)
            return 2
        names = sorted(set(names or []) | {"scale"}, key=[n for n, _ in SECTIONS].index)
    if args.index_configs:
        options["index_configs"] = [c.strip() for c in args.index_configs.split(",")]
        if bad := [c for c in options["index_configs"] if c not in INDEX_CONFIGS]:
            known_configs = ", ".join(INDEX_CONFIGS)
            print(f"playgenie: unknown index config(s) {', '.join(bad)}; choose from {known_configs}", file=sys.stderr)
            return 2
    try:
        from bots.http_api import auto_processes

        options["processes"] = [auto_processes() if v.strip() == "auto" else int(v) for v in args.processes.split(",")]
        if min(options["processes"]) < 1:
            raise ValueError
    except ValueError:
        print(f"playgenie: --processes takes counts of at least 1 or 'auto': {args.processes!r}", file=sys.stderr)
        return 2
    if args.scale_cache and args.scale_cache.lower() != "none":
        options["scale_cache"] = Path(args.scale_cache).expanduser()
    report = run_bench(
        settings,
        names,
        n=args.n,
        seconds=args.seconds,
        users=args.users,
        think=args.think,
        from_scratch=args.from_scratch,
        workers=args.workers,
        **options,
    )
    print(json.dumps(report) if args.json else format_report(report))
    return 0
