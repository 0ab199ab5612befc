"""``playgenie bench``: latency of every stage and of whole requests, with the full catalog warm.

Usage:
    playgenie bench [--json] [--n 200] [--sections request,index_build,...] [--seconds 60] [--from-scratch]

The benchmark is an ordered list of named sections (:data:`SECTIONS`), one function each. A section
returns the keys it adds to the report, or raises :class:`NotBuilt` when the module or artifact it
measures does not exist yet; the report then says "not built" with the reason, never a number.
A later stage adds its section with one line in :data:`SECTIONS`.

Keys (``--json``): ``request_ms`` {p50, p95}, ``stages_ms`` {stage: {p50, p95}}, ``index_build_s``,
``embedding`` {...}, ``fold_in_ms``, ``generation_ms``, ``chat_turn_ms``, ``chat_concurrent``,
``http``, ``targets`` and ``not_built`` {section: reason}. Timings are wall-clock on this machine;
requests are distinct sentences (no query-embedding cache hits), each timed once after a warm-up.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import sys
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

import numpy as np

if TYPE_CHECKING:
    from tools.catalog import Catalog
    from tools.settings import Settings

log = logging.getLogger(__name__)

TARGETS = {  # from the issues: what each number should stay under
    "request_ms.p50": 30.0, "request_ms.p95": 60.0,
    "index_build_s": 180.0, "fold_in_ms.p50": 5.0, "generation_ms.p50": 20.0,
    "chat_turn_ms.p50": 60.0, "chat_turn_ms.p95": 120.0, "chat_concurrent.p95_ms": 500.0,
}  # fmt: skip


class NotBuilt(RuntimeError):
    """The module or artifact a section measures is not there; the message says which."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="Print one JSON object instead of a table.")
    parser.add_argument("--n", type=int, default=200, help="Requests (and repetitions) per timing (default 200).")
    parser.add_argument("--sections", help=f"Comma-separated subset of: {', '.join(n for n, _ in SECTIONS)}.")
    parser.add_argument("--seconds", type=float, default=60.0, help="Length of the concurrent-conversations run (default 60).")
    parser.add_argument("--users", type=int, default=20, help="Concurrent conversations (default 20).")
    parser.add_argument("--from-scratch", action="store_true",
                        help="Also time a whole build with an empty embedding cache (minutes on a small CPU).")  # fmt: skip


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
            text = rng.choice([f"songs like {a}", f"{a} and similar artists", f"something like {a} but calmer",
                               f"best of {a}", f"{rng.choice(_MOODS)} music without {a}"]).strip()  # fmt: skip
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
    from_scratch: bool = False
    report: dict[str, Any] = field(default_factory=dict)
    _pipeline: Any = None

    @property
    def pipeline(self):
        """The product pipeline with its artifacts loaded (built first when missing)."""
        if self._pipeline is None:
            from tools.pipeline import Pipeline

            t0 = time.perf_counter()
            self._pipeline = Pipeline.load(self.settings)
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
    extraction), ``retrieve`` (Qdrant, filters and relaxation), ``rerank`` (CF, cold start for an
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
    vectors = build.document_vectors(settings, catalog, progress=False)
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

    # The embedding cost without the cache: a sample of documents, timed on the encoder directly.
    encoder = ctx.pipeline.encoder if ctx._pipeline is not None else _module("tools.embed").get_encoder()
    docs = [t.document() for t in catalog.tracks]
    sample = random.Random(0).sample(docs, min(len(docs), 512))
    encoder.encode(sample[:16])
    t0 = time.perf_counter()
    encoder.encode(sample)
    rate = len(sample) / (time.perf_counter() - t0)
    out["embedding"] = {
        "docs": len(docs),
        "cached_load_s": round(vectors_s, 2),
        "docs_per_s": round(rate, 1),
        "full_estimate_s": round(len(docs) / rate, 1),
    }
    out["build_estimate_s"] = round(catalog_s + len(docs) / rate + out["index_build_s"], 1)
    if ctx.from_scratch:
        out["build_from_scratch_s"] = _build_from_scratch(settings)
    return out


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
    """The continuation VAE generating 10 tracks for a playlist (engineer E's bench_generation)."""
    gen = _module("tools.continuation.generate")
    if not hasattr(gen, "bench_generation") or not hasattr(gen, "load_continuer"):
        raise NotBuilt("tools.continuation.generate has no bench_generation/load_continuer yet")
    try:
        continuer = gen.load_continuer(ctx.settings, ctx.catalog)
    except FileNotFoundError as exc:
        raise NotBuilt(f"no trained VAE ({exc}); run `playgenie train vae`") from exc
    samples = gen.bench_generation(continuer, ctx.catalog, ctx.n)
    return {"generation_ms": percentiles(list(samples))}


def bench_chat_turn(ctx: BenchContext) -> dict[str, Any]:
    """A whole offline chat turn through the agent graph with the SQLite checkpointer."""
    _module("agent.service")
    raise NotBuilt("agent.service.ChatService is not wired into the bench yet")


def bench_chat_concurrent(ctx: BenchContext) -> dict[str, Any]:
    """``--users`` conversations at once in one process for ``--seconds``: errors and p95."""
    _module("agent.service")
    raise NotBuilt("agent.service.ChatService is not wired into the bench yet")


def bench_http(ctx: BenchContext) -> dict[str, Any]:
    """Requests per second through the HTTP API."""
    _module("bots.http_api")
    _module("agent.service")
    raise NotBuilt("the HTTP API's throughput is not wired into the bench yet")


Section = Callable[[BenchContext], dict[str, Any]]
SECTIONS: list[tuple[str, Section]] = [
    ("request", bench_request),
    ("index_build", bench_index_build),
    ("fold_in", bench_fold_in),
    ("generation", bench_generation),
    ("chat_turn", bench_chat_turn),
    ("chat_concurrent", bench_chat_concurrent),
    ("http", bench_http),
]


def run_bench(settings: "Settings", names: list[str] | None = None, **options: Any) -> dict[str, Any]:
    """Run the sections in order; a section that is not built is reported, not skipped silently."""
    ctx = BenchContext(settings=settings, **options)
    wanted = names or [n for n, _ in SECTIONS]
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
    if ctx._pipeline is not None and hasattr(ctx._pipeline, "close"):
        ctx._pipeline.close()
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
        lines.append(f"{'whole request':<28} p50 {r['p50']:>9.2f} ms   p95 {r['p95']:>9.2f} ms   ({report.get('n_requests')} requests)")
    for stage, r in report.get("stages_ms", {}).items():
        lines.append(f"  {stage:<26} p50 {r['p50']:>9.2f} ms   p95 {r['p95']:>9.2f} ms")
    for key in ("fold_in_ms", "generation_ms", "chat_turn_ms"):
        if key in report:
            r = report[key]
            lines.append(f"{key.removesuffix('_ms').replace('_', ' '):<28} p50 {r['p50']:>9.2f} ms   p95 {r['p95']:>9.2f} ms")
    if "index_build_s" in report:
        e = report["embedding"]
        lines.append(f"{'index build (cached vectors)':<28} {report['index_build_s']:.1f} s")
        lines.append(f"{'embedding (no cache)':<28} {e['docs_per_s']:.0f} docs/s -> ~{e['full_estimate_s']:.0f} s for {e['docs']} tracks")
        lines.append(f"{'whole build, estimated':<28} ~{report['build_estimate_s']:.0f} s")
    if "build_from_scratch_s" in report:
        lines.append(f"{'whole build from scratch':<28} {report['build_from_scratch_s']:.1f} s")
    for key in ("chat_concurrent", "http"):
        if key in report:
            lines.append(f"{key.replace('_', ' '):<28} {json.dumps(report[key])}")
    for key, t in report.get("targets", {}).items():
        lines.append(f"target {key:<32} {t['value']:>9.2f} <= {t['limit']:<6g} {'ok' if t['ok'] else 'MISSED'}")
    for name, reason in report.get("not_built", {}).items():
        lines.append(f"{name}: not built ({reason})")
    return "\n".join(lines)


def run(args: argparse.Namespace, settings: "Settings") -> int:
    names = [s.strip() for s in args.sections.split(",")] if args.sections else None
    known = {n for n, _ in SECTIONS}
    if names and (bad := [s for s in names if s not in known]):
        print(f"playgenie: unknown bench section(s) {', '.join(bad)}; choose from {', '.join(known)}", file=sys.stderr)
        return 2
    if args.n < 1:
        print("playgenie: --n must be at least 1", file=sys.stderr)
        return 2
    report = run_bench(settings, names, n=args.n, seconds=args.seconds, users=args.users, from_scratch=args.from_scratch)
    print(json.dumps(report) if args.json else format_report(report))
    return 0
