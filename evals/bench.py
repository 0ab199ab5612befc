"""``playgenie bench``: latency of every stage and of whole requests, with the full catalog warm.

Usage:
    playgenie bench [--json] [--n 200] [--sections request,index_build,...] [--seconds 60] [--from-scratch]

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
- ``generation``: ``generation_ms`` of the VAE continuing a playlist by 10 tracks.
- ``chat_turn``: ``chat_turn_ms`` of one offline turn through the agent graph (SQLite checkpoints).
- ``chat_concurrent``: ``--users`` conversations for ``--seconds`` in one process, each person pausing
  ``--think`` seconds between a reply and their next message (0 measures saturation instead).
- ``http``: ``POST /v1/chat`` through a real uvicorn server on localhost.

Plus ``targets`` {key: {limit, value, ok}} and ``not_built`` {section: reason}. Timings are
wall-clock on this machine; requests are distinct sentences (no query-embedding cache hits).
Chat sections write their checkpoints and memory to a temporary folder, not the product's home.
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
    "chat_turn_ms.p50": 60.0, "chat_turn_ms.p95": 120.0, "chat_concurrent.p95_ms": 500.0, "chat_concurrent.errors": 0.0,
}  # fmt: skip


class NotBuilt(RuntimeError):
    """The module or artifact a section measures is not there; the message says which."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="Print one JSON object instead of a table.")
    parser.add_argument("--n", type=int, default=200, help="Requests (and repetitions) per timing (default 200).")
    parser.add_argument("--sections", help=f"Comma-separated subset of: {', '.join(n for n, _ in SECTIONS)}.")
    parser.add_argument("--seconds", type=float, default=60.0, help="Length of the concurrent-conversations run (default 60).")
    parser.add_argument("--users", type=int, default=20, help="Concurrent conversations (default 20).")
    parser.add_argument("--think", type=float, default=1.0,
                        help="Seconds each simulated person waits between a reply and the next message "
                             "(default 1; 0 saturates the CPU).")
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
    think: float = 1.0  # seconds a person takes to read a reply and type the next message
    from_scratch: bool = False
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

    # The embedding cost without the cache: a sample of documents, timed on the encoder directly.
    encoder = ctx.pipeline.encoder if ctx._pipeline is not None else _module("tools.embed").get_encoder()
    docs = [build.dense_text(t) for t in catalog.tracks]
    sample = random.Random(0).sample(docs, min(len(docs), 512))
    import os

    import torch

    serving_threads = torch.get_num_threads()
    torch.set_num_threads(os.cpu_count() or 1)  # what `playgenie build` uses; serving caps it lower
    try:
        encoder.encode(sample[:16])
        t0 = time.perf_counter()
        encoder.encode(sample)
        rate = len(sample) / (time.perf_counter() - t0)
    finally:
        torch.set_num_threads(serving_threads)
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
    """The continuation VAE generating 10 tracks after a 10-track playlist (engineer E's bench_generation)."""
    gen = _module("tools.continuation.generate")
    continuer = gen.Continuer.load(ctx.settings, ctx.catalog)
    if continuer is None:
        raise NotBuilt("no trained continuation VAE in the home (run `playgenie train vae`)")
    r = gen.bench_generation(continuer, ctx.catalog, n_runs=ctx.n, k=10)
    return {"generation_ms": {"p50": round(r["p50_ms"], 3), "p95": round(r["p95_ms"], 3)}}


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
    return {"chat_concurrent": {
        "users": ctx.users, "think_s": ctx.think, "seconds": round(elapsed, 1), "turns": len(samples), "errors": len(errors),
        "first_errors": sorted(set(errors))[:3], "turns_per_s": round(len(samples) / elapsed, 2),
        "p50_ms": p["p50"], "p95_ms": p["p95"],
    }}  # fmt: skip


def bench_http(ctx: BenchContext) -> dict[str, Any]:
    """``POST /v1/chat`` through a real uvicorn server on localhost: ``--n`` turns from ``--users`` clients."""
    import socket
    import threading
    from concurrent.futures import ThreadPoolExecutor

    http_api = _module("bots.http_api")
    httpx = _module("httpx")
    uvicorn = _module("uvicorn")
    app = http_api.create_app(ctx.settings, service=_service(ctx))
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name="bench-http", daemon=True)
    thread.start()
    try:
        for _ in range(200):
            if server.started:
                break
            time.sleep(0.05)
        else:
            raise NotBuilt("the HTTP server did not start within 10 s")
        headers = {"X-API-Key": ctx.settings.api_key} if ctx.settings.api_key else {}
        url = f"http://127.0.0.1:{port}/v1/chat"

        def one(i: int) -> tuple[float, bool]:
            turns = conversation(5000 + i // 4, ctx.catalog)
            body = {"thread_id": f"bench-http-{i // 4}", "user_id": f"bench-http-{i % 5}", "text": turns[i % 4]}
            t0 = time.perf_counter()
            try:
                r = httpx.post(url, json=body, headers=headers, timeout=30.0)
                ok = r.status_code == 200
            except httpx.HTTPError:
                ok = False
            return time.perf_counter() - t0, ok

        t0 = time.perf_counter()
        with ThreadPoolExecutor(max_workers=ctx.users) as pool:
            results = list(pool.map(one, range(ctx.n)))
        elapsed = time.perf_counter() - t0
    finally:
        server.should_exit = True
        thread.join(timeout=10)
    p = percentiles([dt for dt, _ in results])
    return {"http": {
        "requests": len(results), "clients": ctx.users, "errors": sum(1 for _, ok in results if not ok),
        "requests_per_s": round(len(results) / elapsed, 2), "p50_ms": p["p50"], "p95_ms": p["p95"],
    }}  # fmt: skip


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
    if "chat_concurrent" in report:
        c = report["chat_concurrent"]
        lines.append(f"{'concurrent conversations':<28} p50 {c['p50_ms']:>9.2f} ms   p95 {c['p95_ms']:>9.2f} ms   "
                     f"({c['users']} users, {c['seconds']} s, {c['turns']} turns, {c['errors']} errors)")  # fmt: skip
    if "http" in report:
        h = report["http"]
        lines.append(f"{'HTTP POST /v1/chat':<28} p50 {h['p50_ms']:>9.2f} ms   p95 {h['p95_ms']:>9.2f} ms   "
                     f"({h['requests_per_s']} req/s, {h['clients']} clients, {h['errors']} errors)")  # fmt: skip
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
    report = run_bench(settings, names, n=args.n, seconds=args.seconds, users=args.users, think=args.think, from_scratch=args.from_scratch)
    print(json.dumps(report) if args.json else format_report(report))
    return 0
