"""``playgenie build``: the data, catalog, document embeddings and Qdrant index, built once.

Usage:
    playgenie build [--data CSV] [--home DIR] [--force]

The build is an ordered list of named steps (:data:`STEPS`); each step is a function that takes
the :class:`BuildContext` and fills in what later steps need. A later stage adds its own step with
one line (``STEPS.append(("cf", build_cf))``, or an insert before a step it must precede). Every
artifact is cached under ``settings.home``: running the build again reopens what is up to date.

The artifact helpers (:func:`load_catalog`, :func:`document_vectors`, :func:`open_index`) are what
:class:`tools.pipeline.Pipeline` uses too, so a first request builds whatever is missing.
"""

from __future__ import annotations

import argparse
import functools
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    import numpy as np

    from tools.catalog import Catalog, Track
    from tools.embed import EmbeddingCache, Encoder
    from tools.index import TrackIndex
    from tools.settings import Settings

log = logging.getLogger(__name__)


# --- artifact helpers (shared with the pipeline) -------------------------------------------------


def load_catalog(settings: "Settings") -> "Catalog":
    """The product catalog from ``settings.data`` (downloaded into the home when absent), through the
    binary cache in ``home/catalog`` (keyed by the CSV's hash)."""
    from tools.catalog import Catalog, ensure_data

    path = ensure_data(settings.data, settings.home, settings.data_url)
    return Catalog.load(path, settings.home / "catalog")


def embeddings_folder(settings: "Settings") -> Path:
    """One embedding cache for the product and every evaluation split (keyed by document text)."""
    return settings.home / "embeddings"


def document_vectors(
    settings: "Settings", catalog: "Catalog", encoder: "Encoder | None" = None, progress: bool = True
) -> "np.ndarray":
    """(len(catalog), 384) vectors of every track's document; only new documents are embedded (by
    ``encoder``, else the default variant's batch encoder on every core)."""
    return checked_vectors(settings, [t.document() for t in catalog.tracks], encoder, progress=progress)


def checked_vectors(
    settings: "Settings", texts: "list[str]", encoder: "Encoder | None" = None, progress: bool = True
) -> "np.ndarray":
    """``texts``' vectors from the embedding cache, embedding only new texts, checked at load (shape,
    unit norms, a sample recomputed by the encoder); a cache that fails is embedded again."""
    from tools.artifacts import ArtifactError, check_against_encoder, check_vectors
    from tools.embed import DIM, get_encoder

    cache = embedding_cache(settings, encoder)
    vectors = cache.embed(texts, encoder, progress=progress)
    check_with = encoder or get_encoder(cache.variant)
    problem = check_vectors(vectors, len(texts), DIM) or check_against_encoder(texts, vectors, check_with)
    if problem:
        log.warning("the embedding cache failed its check at load (%s); embedding every text again", problem)
        cache.forget(texts)
        vectors = cache.embed(texts, encoder, progress=progress)
        problem = check_vectors(vectors, len(texts), DIM) or check_against_encoder(texts, vectors, check_with)
        if problem:
            raise ArtifactError(
                f"the embeddings still fail their check after embedding again ({problem})",
                fix="playgenie build --force",
                public="the document embeddings are damaged",
            )
    return vectors


def embedding_cache(settings: "Settings", encoder: "Encoder | None" = None) -> "EmbeddingCache":
    """The embedding cache of ``encoder``'s variant (the default variant without one): one instance per folder
    and variant in a process, so the file is read once however many vector sets a load asks of it."""
    from tools.embed import DEFAULT_VARIANT

    return _cache(embeddings_folder(settings), encoder.variant if encoder else DEFAULT_VARIANT)


@functools.lru_cache(maxsize=8)
def _cache(folder: Path, variant: str) -> "EmbeddingCache":
    from tools.embed import EmbeddingCache

    return EmbeddingCache(folder, variant)


def dense_text(track: "Track") -> str:
    """A track's text for the index's dense vector: its document without the genre labels.

    Genre labels are the union over a track's playlists, so a vector that embedded them would have to
    be recomputed for every catalog that leaves a playlist out (the ranker's training folds, every
    evaluation split): without them one vector per track serves every catalog, and the labels reach
    retrieval through the tag filters, the BM25 channel and the ranker's label features instead.
    """
    parts = [f"{track.title} by {track.artist}", f"album {track.album}"]
    if track.decade:
        parts.append(f"{track.decade}s ({track.year})")
    if track.moods:
        parts.append("mood " + ", ".join(track.moods))
    parts.append(f"{track.energy_bucket} energy, {track.tempo_bucket} tempo")
    return "; ".join(parts)


def dense_vectors(
    settings: "Settings", catalog: "Catalog", encoder: "Encoder | None" = None, progress: bool = True
) -> "np.ndarray":
    """(len(catalog), 384) vectors of every track's :func:`dense_text`: what the Qdrant index holds."""
    return checked_vectors(settings, [dense_text(t) for t in catalog.tracks], encoder, progress=progress)


def label_vectors(settings: "Settings", labels: "list[str]", encoder: "Encoder | None" = None) -> "np.ndarray":
    """(len(labels), 384) vectors of genre and subgenre names, for the ranker's label similarity."""
    return embedding_cache(settings, encoder).embed(list(labels), encoder, progress=False)


def name_vectors(settings: "Settings", catalog: "Catalog", encoder: "Encoder | None" = None) -> "np.ndarray":
    """(len(catalog.playlists), 384) vectors of the playlists' names, in ``catalog.playlists`` order."""
    return embedding_cache(settings, encoder).embed(
        [p.name for p in catalog.playlists.values()], encoder, progress=False
    )


def open_index(
    settings: "Settings",
    catalog: "Catalog",
    vectors: "np.ndarray",
    home: Path | None = None,
    progress: bool = True,
    force: bool = False,
    fp: str | None = None,
) -> "TrackIndex":
    """The Qdrant index of ``catalog``: reopened when up to date and whole, else built (under ``home``).
    ``fp``: the fingerprint of ``catalog`` and ``vectors`` when known (:func:`open_served`), else computed.

    One process builds at a time (a lock file in the home); an index that fails its check at load
    (a sample of tracks searched with their own vectors) is rebuilt."""
    from tools.artifacts import ArtifactError, build_lock, check_index
    from tools.index import TrackIndex

    with build_lock(Path(home or settings.home) / ".index.lock"):
        index = TrackIndex.for_settings(settings, home)
        if force:
            index.build(catalog, vectors, progress=progress, fp=fp)
        else:
            index.ensure(catalog, vectors, progress=progress, fp=fp)
        problem = check_index(index, vectors)
        if problem:
            log.warning("the Qdrant index failed its check at load (%s); rebuilding it", problem)
            index.build(catalog, vectors, progress=progress, fp=fp)
            problem = check_index(index, vectors)
            if problem:
                raise ArtifactError(
                    f"the Qdrant index still fails its check after a rebuild ({problem})",
                    fix="playgenie build --force",
                    public="the search index is damaged",
                )
    return index


MAPPED_VECTORS = "document-vectors.npy"  # in the home: the retriever's copy of the index's vectors, memory-mapped


def mapped_vectors(home: Path, vectors: "np.ndarray") -> "np.ndarray":
    """``vectors`` as a read-only memory map of ``<home>/document-vectors.npy``, written when missing or different.

    A request reads only its candidates' rows, so the catalog's vectors (38 MB) stay in the page cache, shared by
    every process that serves, instead of in each one. The file is compared with ``vectors`` byte for byte through
    reads (no mapping, which would count every page as resident) before it is mapped: a damaged file is rewritten."""
    import contextlib
    import hashlib
    import os

    import numpy as np

    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    path = Path(home) / MAPPED_VECTORS
    want = hashlib.sha256(memoryview(vectors).cast("B")).hexdigest()

    def data_digest() -> str | None:
        try:
            with open(path, "rb") as f:
                fmt = np.lib.format
                version = fmt.read_magic(f)
                read_header = fmt.read_array_header_1_0 if version == (1, 0) else fmt.read_array_header_2_0
                shape, fortran, dtype = read_header(f)
                if shape != vectors.shape or fortran or dtype != vectors.dtype:
                    return None
                h = hashlib.sha256()
                while chunk := f.read(1 << 20):
                    h.update(chunk)
                return h.hexdigest()
        except (OSError, ValueError):
            return None

    if data_digest() != want:
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(tmp, "wb") as f:  # a file object: np.save would add ".npy" to a name
                np.save(f, vectors)
            tmp.replace(path)
        except OSError as exc:  # a read-only or full home: the vectors stay in this process's memory
            log.warning("document vectors kept in memory (%s could not be written: %s)", path, exc)
            with contextlib.suppress(OSError):
                tmp.unlink()
            return vectors
    return np.load(path, mmap_mode="r")


START_STAMP = "start-stamp.json"  # in the home: what the last start verified, for the next one (open_served)
START_STAMP_VERSION = 1
STAMPED_MODULES = ("tools.build", "tools.catalog", "tools.index")  # dense_text, Track.document, fold, payload_of


def start_key(settings: "Settings", catalog: "Catalog") -> str | None:
    """A digest of everything the index's vectors and fingerprint are computed from, or None when the catalog
    has no name for its content (one made in code: an evaluation split, a ranker fold).

    The catalog's source (the CSV's hash and the cache format), the encoder variant and its export recipe, the
    embedding cache file's identity (a re-embedding replaces it), the index schema, and the source of the modules
    that turn tracks into texts and payloads (an edit there computes everything again once)."""
    import hashlib
    import importlib
    import json

    from tools.artifacts import file_id
    from tools.embed import DIM, cache_key
    from tools.index import SCHEMA_VERSION

    if catalog.source is None:
        return None
    cache = embedding_cache(settings)
    inputs = [START_STAMP_VERSION, catalog.source, len(catalog), cache_key(cache.variant), SCHEMA_VERSION, DIM]
    h = hashlib.sha256(json.dumps([*inputs, file_id(cache.folder / cache.FILE)]).encode())
    for name in STAMPED_MODULES:
        h.update(Path(importlib.import_module(name).__file__ or "").read_bytes())
    return h.hexdigest()


def stamped_start(home: Path, key: str, n: int) -> "tuple[np.ndarray, str] | None":
    """The memory-mapped document vectors and the index fingerprint the stamp in ``home`` records for ``key``,
    or None: no stamp, another key, or a vectors file that is not the one stamped (rewritten, truncated, touched)."""
    import json

    import numpy as np

    from tools.artifacts import file_id
    from tools.embed import DIM

    path = Path(home) / MAPPED_VECTORS
    try:
        stamp = json.loads((Path(home) / START_STAMP).read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(stamp, dict) or stamp.get("key") != key or not isinstance(stamp.get("fingerprint"), str):
        return None
    if stamp.get("vectors") != file_id(path):
        return None
    try:
        vectors = np.load(path, mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError):
        return None
    if vectors.shape != (n, DIM) or vectors.dtype != np.float32:
        return None
    return vectors, stamp["fingerprint"]


def open_served(
    settings: "Settings", catalog: "Catalog", home: Path, progress: bool = False
) -> "tuple[TrackIndex, np.ndarray]":
    """The index of ``catalog`` under ``home`` and the retriever's memory-mapped copy of its vectors.

    A start whose inputs (:func:`start_key`) are those the stamp in ``home`` recorded takes the vectors and the
    index fingerprint from it: no vector is read from the embedding cache or checked against the encoder, no
    fingerprint hashed. Any other start computes and checks them, then stamps them for the next."""
    import numpy as np

    from tools.index import fingerprint

    home = Path(home)
    key = start_key(settings, catalog)
    stamped = stamped_start(home, key, len(catalog)) if key else None
    if stamped is not None:
        vectors, fp = stamped
        log.info("document vectors and index fingerprint as stamped in %s", home)
        return open_index(settings, catalog, vectors, home=home, progress=progress, fp=fp), vectors
    vectors = dense_vectors(settings, catalog, progress=progress)  # missing ones on every core
    fp = fingerprint(catalog, vectors)
    index = open_index(settings, catalog, vectors, home=home, progress=progress, fp=fp)
    vectors = mapped_vectors(home, vectors)  # the index checked them; the retriever reads a few rows
    key = start_key(settings, catalog)  # after the embedding: new documents replaced the cache file
    if key is not None and isinstance(vectors, np.memmap):
        write_stamp(home, key, fp)
    return index, vectors


def write_stamp(home: Path, key: str, fp: str) -> None:
    """Record that ``home``'s document-vectors file, as it is now, holds the vectors of ``key`` with
    index fingerprint ``fp``."""
    import json

    from tools.artifacts import file_id, replace_file

    stamp = {"key": key, "fingerprint": fp, "vectors": file_id(Path(home) / MAPPED_VECTORS)}
    try:
        replace_file(Path(home) / START_STAMP, json.dumps(stamp).encode())
    except OSError as exc:  # a read-only home: every start computes them, as before the stamp
        log.warning("could not write the start stamp in %s: %s", home, exc)


# --- the build's steps ---------------------------------------------------------------------------


@dataclass
class BuildContext:
    """What the steps share: settings in, artifacts and timings out."""

    settings: "Settings"
    progress: bool = True
    force: bool = False
    catalog: "Catalog | None" = None
    vectors: "np.ndarray | None" = None
    index: "TrackIndex | None" = None
    report: dict[str, str] = field(default_factory=dict)  # step -> what it built, printed at the end
    timings: dict[str, float] = field(default_factory=dict)  # step -> seconds
    cpu: dict[str, float] = field(default_factory=dict)  # step -> this process's CPU seconds (all its threads)


def step_catalog(ctx: BuildContext) -> str:
    ctx.catalog = c = load_catalog(ctx.settings)
    return f"catalog: {len(c)} tracks, {len(c.playlists)} playlists, {len(c.artists)} artists"


def step_encoder(ctx: BuildContext) -> str:
    """The ONNX graphs of the serving encoder and of the VAE's content features, exported once from the packaged
    weights (torch, seconds)."""
    from tools.continuation.data import CONTENT_VARIANT
    from tools.embed import DEFAULT_VARIANT
    from tools.onnx_encoder import ensure_model

    path = ensure_model(DEFAULT_VARIANT)
    ensure_model(CONTENT_VARIANT)
    return f"encoder: {DEFAULT_VARIANT} at {path} ({path.stat().st_size / 1e6:.0f} MB), {CONTENT_VARIANT} beside it"


def step_embeddings(ctx: BuildContext) -> str:
    assert ctx.catalog is not None
    if ctx.force:
        import shutil

        shutil.rmtree(embeddings_folder(ctx.settings), ignore_errors=True)
        _cache.cache_clear()  # nothing embedded before may be served from memory either
    ctx.vectors = dense_vectors(ctx.settings, ctx.catalog, progress=ctx.progress)
    return f"embeddings: {ctx.vectors.shape[0]} x {ctx.vectors.shape[1]} in {embeddings_folder(ctx.settings)}"


def step_index(ctx: BuildContext) -> str:
    assert ctx.catalog is not None and ctx.vectors is not None
    index = open_index(ctx.settings, ctx.catalog, ctx.vectors, progress=ctx.progress, force=ctx.force)
    where = ctx.settings.qdrant_url or str(ctx.settings.shard_path)
    ctx.index = index
    return f"qdrant index: {index.count()} tracks at {where} ({'built' if index.build_s is not None else 'up to date'})"


Step = Callable[[BuildContext], "str | None"]  # returns a one-line summary of what it built
STEPS: list[tuple[str, Step]] = [
    ("catalog", step_catalog),
    ("encoder", step_encoder),
    ("embeddings", step_embeddings),
    ("index", step_index),
    ("cf", lambda ctx: __import__("tools.cf", fromlist=["build_step"]).build_step(ctx)),  # lazy: surprise, torch
    ("ranker", lambda ctx: __import__("tools.ranker", fromlist=["build_step"]).build_step(ctx)),  # lazy: lightgbm
    ("vae", lambda ctx: __import__("tools.continuation.train", fromlist=["build_step"]).build_step(ctx)),  # lazy: torch
]


# Steps that run in a process of their own, started once the step named here has run, beside the steps after it;
# the build waits for them at the end. The VAE needs only the catalog and the encoder (it embeds the documents it
# reads itself) and trains on one torch thread. An apart step embeds on one thread too (``embed.BATCH_THREADS``),
# so the build's own process, whose chain (the index's texts, the index, CF, the ranker) is the longer, embeds on
# the rest and has the second core to itself once the VAE's documents are embedded.
APART: dict[str, str] = {"vae": "encoder"}


def build(
    settings: "Settings", progress: bool = True, force: bool = False, only: set[str] | None = None
) -> BuildContext:
    """Run every step in order (stopping once every step in ``only`` has run), those in :data:`APART` in a process
    of their own, each started as soon as the step it waits for has run; its CPU is that process's."""
    ctx = BuildContext(settings=settings, progress=progress, force=force)
    apart: dict[str, Apart] = {}
    try:
        for name, step in STEPS:
            if name in APART:
                if name not in apart and (only is None or name in only):  # what it waits for comes after it
                    apart[name] = Apart(name, ctx)
                continue
            t0, c0 = time.perf_counter(), time.process_time()
            ctx.report[name] = step(ctx) or name
            ctx.timings[name] = time.perf_counter() - t0
            ctx.cpu[name] = time.process_time() - c0
            log.info("build step %s: %.1fs (%.1fs CPU)", name, ctx.timings[name], ctx.cpu[name])
            for other, after in APART.items():
                if after == name and other not in apart and (only is None or other in only):
                    apart[other] = Apart(other, ctx)
            if only is not None and only <= set(ctx.timings) | set(apart):
                break
        for name, job in apart.items():
            ctx.report[name], ctx.timings[name], ctx.cpu[name] = job.result()
            log.info("build step %s (apart): %.1fs (%.1fs CPU)", name, ctx.timings[name], ctx.cpu[name])
    finally:
        for job in apart.values():
            job.stop()
    return ctx


class Apart:
    """A build step run in a spawned process (no state shared but the home's files): it loads the catalog itself
    and sends back its summary, wall and CPU seconds, or its error."""

    def __init__(self, name: str, ctx: BuildContext):
        import multiprocessing

        mp = multiprocessing.get_context("spawn")  # never fork a process holding threads (ONNX Runtime, Qdrant)
        self.name = name
        self._conn, child = mp.Pipe(duplex=False)
        self._process = mp.Process(
            target=_run_apart, args=(name, ctx.settings, ctx.force, child), name=f"build-{name}", daemon=True
        )
        self._process.start()
        child.close()

    def result(self) -> tuple[str, float, float]:
        try:
            kind, *rest = self._conn.recv()
        except EOFError:  # killed (memory) before it could say anything
            self._process.join()
            kind, rest = "error", [f"its process ended with exit code {self._process.exitcode}"]
        self._process.join()
        if kind == "error":
            raise RuntimeError(f"build step {self.name} failed: {rest[0]}")
        summary, wall, cpu = rest
        return summary, wall, cpu

    def stop(self) -> None:
        if self._process.is_alive():
            self._process.terminate()
        self._process.join()
        self._conn.close()


def _run_apart(name: str, settings: "Settings", force: bool, conn) -> None:
    """The body of an :class:`Apart` process: the catalog (from its binary cache), then the step."""
    import traceback

    from tools import embed

    try:
        t0, c0 = time.perf_counter(), time.process_time()
        embed.BATCH_THREADS = 1
        ctx = BuildContext(settings=settings, progress=False, force=force)
        ctx.catalog = load_catalog(settings)
        summary = dict(STEPS)[name](ctx) or name
        conn.send(("ok", summary, time.perf_counter() - t0, time.process_time() - c0))
    except BaseException as exc:  # the parent raises it: the build fails as it would in one process
        conn.send(("error", "".join(traceback.format_exception_only(exc)).strip() + "\n" + traceback.format_exc()))
    finally:
        conn.close()


# --- command line -------------------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--force", action="store_true", help="Rebuild the embeddings and the index even when cached.")
    parser.add_argument("--quiet", action="store_true", help="No progress bars.")


def run(args: argparse.Namespace, settings: "Settings") -> int:
    import os

    t0, c0 = time.perf_counter(), time.process_time()
    print(f"building PlayGenie artifacts in {settings.home}")
    ctx = build(settings, progress=not args.quiet, force=args.force)
    if ctx.index is not None:
        ctx.index.close()
    for name, secs in ctx.timings.items():  # CPU beside wall: on a busy machine the wall time waits for a core
        print(f"  {ctx.report[name]}  [{secs:.1f}s, {ctx.cpu[name]:.1f}s CPU]")
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    cpu = time.process_time() - c0 + sum(ctx.cpu.get(name, 0.0) for name in APART)  # theirs are apart processes'
    print(f"done in {time.perf_counter() - t0:.1f}s ({cpu:.1f}s CPU; load average {load})")
    return 0
