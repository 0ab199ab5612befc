"""Stage 2 storage: one Qdrant collection of tracks behind one interface, two backends.

- :class:`EdgeBackend`: Qdrant's real engine in-process (``qdrant-edge-py``), a shard on disk under
  ``settings.shard_path``. The default: no server to run.
- :class:`ClientBackend`: ``qdrant-client`` against a server URL, or ``":memory:"`` (its local mode,
  which stands in for a server in tests).

The collection is declared once (:data:`DIM`, cosine distance, :data:`PAYLOAD_FIELDS`) and both
backends build it from that declaration. Filters are written as backend-neutral
:class:`Constraints` and translated per backend, so the retriever never sees a Qdrant type.

Each track has two vectors: ``dense`` (the MiniLM embedding of its document, cosine) and ``bm25``
(a sparse BM25-style vector of the same document's words, :mod:`tools.lexical`, with Qdrant's IDF
modifier). :meth:`TrackIndex.channels` runs both searches as one batch and returns each channel's
ranked hits; :meth:`TrackIndex.hybrid` fuses them inside Qdrant (prefetch + reciprocal rank fusion).

Searches are exact (a full scan of the filtered points): 28k x 384 floats scan in a few
milliseconds, results are deterministic and identical on both paths, and we skip an HNSW build
that costs about a minute on two cores for no gain at this size.

An index is built once per catalog+vectors fingerprint; a later open with the same fingerprint
reopens it (well under a second) instead of rebuilding.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Protocol, Sequence

import numpy as np

from tools.catalog import fold
from tools.lexical import Sparse

if TYPE_CHECKING:
    from tools.catalog import Catalog, Track
    from tools.settings import Settings

log = logging.getLogger(__name__)

DIM = 384
BATCH = 1000
SIDECAR = "playgenie-index.json"
VERIFIED = "playgenie-index.verified.json"  # the shard's files as they were when last found as built
SCHEMA_VERSION = 4  # bump when the payload, vector layout or storage changes, so old indexes rebuild
DENSE, SPARSE = "dense", "bm25"  # the two named vectors of every point
RRF_K = 60  # reciprocal rank fusion's constant: 1 / (k + rank), rank from 0 (Qdrant's definition)

# The one declaration of the payload indexes: field -> kind.
PAYLOAD_FIELDS: dict[str, str] = {
    "genre": "keyword",
    "subgenre": "keyword",
    "mood": "keyword",
    "artist": "keyword",  # folded (case and accents), see tools.catalog.fold
    "decade": "integer",
    "year": "integer",
    "popularity": "integer",
    "energy": "float",
    "valence": "float",
    "tempo": "float",
    "danceability": "float",
    "acousticness": "float",
}


def payload_of(track: "Track") -> dict[str, Any]:
    """The payload stored with a track's vector (filterable fields plus its id)."""
    p: dict[str, Any] = {
        "track_id": track.track_id,
        "genre": list(track.genres),
        "subgenre": list(track.subgenres),
        "mood": list(track.moods),
        "artist": fold(track.artist),
        "popularity": int(track.popularity),
        "energy": float(track.energy),
        "valence": float(track.valence),
        "tempo": float(track.tempo),
        "danceability": float(track.danceability),
        "acousticness": float(track.acousticness),
    }
    if track.year:  # unknown years stay absent, so a year filter never matches them
        p["year"] = int(track.year)
        p["decade"] = int(track.decade or track.year // 10 * 10)
    return p


@dataclass
class Constraints:
    """A backend-neutral filter: every part must hold.

    ``any_of[f]``: the field matches at least one value; ``none_of[f]``: it matches none;
    ``ranges[f] = (lo, hi)``: inclusive, either end open; ``exclude_rows``: catalog rows to skip.
    """

    any_of: dict[str, list[str | int]] = field(default_factory=dict)
    none_of: dict[str, list[str | int]] = field(default_factory=dict)
    ranges: dict[str, tuple[float | None, float | None]] = field(default_factory=dict)
    exclude_rows: list[int] = field(default_factory=list)

    def is_empty(self) -> bool:
        return not (self.any_of or self.none_of or self.ranges or self.exclude_rows)

    def copy(self) -> "Constraints":
        return Constraints(
            {k: list(v) for k, v in self.any_of.items()},
            {k: list(v) for k, v in self.none_of.items()},
            dict(self.ranges),
            list(self.exclude_rows),
        )

    def describe(self) -> str:
        parts = [f"{k} in {v}" for k, v in self.any_of.items()]
        parts += [f"{k} not in {v}" for k, v in self.none_of.items()]
        parts += [f"{lo}<={k}<={hi}" for k, (lo, hi) in self.ranges.items()]
        if self.exclude_rows:
            parts.append(f"{len(self.exclude_rows)} excluded tracks")
        return ", ".join(parts) or "no filter"


class Backend(Protocol):
    """What a Qdrant backend does for :class:`TrackIndex`. Point ids are catalog rows."""

    def fingerprint(self) -> str | None: ...
    def create(self, fingerprint: str) -> None: ...
    def upsert(
        self, rows: Sequence[int], vectors: np.ndarray, sparse: Sequence[Sparse], payloads: Sequence[dict]
    ) -> None: ...
    def finish(self) -> None: ...
    def search(self, vector: np.ndarray, flt: Constraints | None, limit: int) -> list[tuple[int, float]]: ...
    def search_sparse(self, sparse: Sparse, flt: Constraints | None, limit: int) -> list[tuple[int, float]]: ...
    def channels(
        self, vector: np.ndarray, sparse: Sparse, flt: Constraints | None, limit: int
    ) -> dict[str, list[tuple[int, float]]]: ...
    def hybrid(
        self, vector: np.ndarray, sparse: Sparse, flt: Constraints | None, limit: int
    ) -> list[tuple[int, float]]: ...
    def count(self, flt: Constraints | None) -> int: ...
    def close(self) -> None: ...


def _check_fields(flt: Constraints) -> None:
    for name in (*flt.any_of, *flt.none_of, *flt.ranges):
        if name not in PAYLOAD_FIELDS:
            raise ValueError(f"no payload index on {name!r}; declared: {', '.join(PAYLOAD_FIELDS)}")


# The shard's files by what a search reads in them (IndexConfig.resident), as globs under each segment's folder.
SHARD_PARTS = {
    "quantized": ("vector_storage-dense/quantized.*",),  # the int8 copies (Qdrant reads them in at load: always_ram)
    "originals": ("vector_storage-dense/matrix.dat",),  # float32 vectors: rescoring, exact scans
    "links": ("vector_index-dense/*",),  # the HNSW graph
    "payload_index": ("payload_index/**/*",),  # the filters' indexes
    "bm25": ("vector_index-bm25/**/*",),  # BM25's inverted index (postings)
    "bm25_storage": ("vector_storage-bm25/**/*",),  # the sparse vectors themselves
    "payload": ("payload_storage/**/*",),
    "ids": ("id_tracker.*",),
}


def shard_part_files(shard: Path, parts: Sequence[str]) -> list[Path]:
    """The files of ``parts`` (SHARD_PARTS' names) in a shard folder, each once."""
    found: dict[Path, None] = {}
    for segment in sorted((Path(shard) / "segments").glob("*")):
        for part in parts:
            for pattern in SHARD_PARTS.get(part, ()):
                found |= {f: None for f in sorted(segment.glob(pattern)) if f.is_file()}
    return list(found)


@dataclass(frozen=True)
class IndexConfig:
    """How the embedded shard stores and searches vectors. The default, exact scans of plain segments,
    suits tens of thousands of tracks; ``playgenie bench --catalog-size`` measures the others at scale.

    Measured on the shared 2-core box (load 15-23): at 28k tracks HNSW (m=16, ef=128) was no faster than an
    exact scan; at 100k, exact retrieval took p50 74 ms against 13.5 ms with HNSW, whose build took 10x longer
    (2272 s vs 217 s): past ~100k tracks a graph pays. Most of that build was Qdrant's extra graph per payload
    value (``payload_m``; 12 payload indexes, ranges cut in blocks): with ``payload_m=0`` a 100k graph took
    184-370 s against 81-115 s exact (load 10-17), and found 0.962 of the exact top 100 at ``hnsw_ef`` 512
    (0.91 at 256, 0.986 at 1024; README, "Large catalogs")."""

    hnsw_m: int = 0  # edges per node of an HNSW graph; 0: no graph, every search an exact scan
    hnsw_ef_construct: int = 100  # beam while building the graph
    hnsw_ef: int = 128  # beam while searching it
    quantization: str | None = None  # "int8": scalar-quantized vectors in RAM, top hits rescored exactly
    on_disk: bool = False  # original vectors memory-mapped from disk instead of held in RAM
    payload_m: int | None = None  # edges of the extra per-payload-value graphs; None: hnsw_m, 0: none built
    acorn: bool = False  # filtered graph searches also walk neighbours' neighbours (recall without payload graphs)
    # Threads of the shard's search pool (kept in the shard). It searches segments in parallel; the product's one
    # segment gains nothing from a pool, whose 8 idle threads (one per CPU, at least 8) woke and spun on
    # sched_yield at every search: 4.5-4.7 ms of CPU per request on them, none with 1 (the search then runs on
    # the caller's thread). None: Qdrant's default.
    search_threads: int | None = 1
    # With a graph: a filtered dense search that fewer than ``scan_below`` tracks pass is an exact scan of their
    # vectors in this process (TrackIndex.arrays: the filter worked out from arrays), not a walk of the graph, which
    # under a filter few tracks pass visits about ``hnsw_ef`` / (their share) points and misses some (README, "Large
    # catalogs"; at 1M a scan of under 10k rows 2-3 ms against the graph's 10-13, while 10k-30k rows read scattered
    # from the mapped vectors cost 7 / 56 ms at p50 / p95 against 6 / 8). 0: every search goes to Qdrant. Search-time,
    # like the two below: no rebuild.
    scan_below: int = 10_000
    # With a graph: a filtered BM25 search that fewer than ``ids_below`` tracks pass gives Qdrant those tracks' ids
    # as its filter instead of the payload conditions, whose evaluation grows with the catalog (1M: under 2k passing
    # 3.7 against 21 ms, 2k-10k 6.9 against 12; past 10k ids cost more, 28 against 9). 0: never.
    ids_below: int = 5_000
    oversampling: float = 2.0  # int8: the graph's top ``limit`` x this rescored with the original vectors
    # int8: how the graph's top ``limit`` x ``oversampling`` are rescored: "originals" (Qdrant reads the shard's
    # float32 copies from disk), "vectors" (this process's document vectors, held: one float32 copy in RAM, never
    # the shard's; without them, as "originals"), "none" (the int8 scores order the hits).
    rescore: str = "originals"
    # Parts kept in RAM from the shard's open (SHARD_PARTS' names, and "vectors": the arrays the scan reads, held
    # by the Pipeline): read whole at open (MAP_POPULATE) and, with ``lock``, locked there (mlock) so a search never
    # waits on the disk (a major page fault: at 1M the wall tail). Search-time: no rebuild.
    resident: tuple[str, ...] = ()
    lock: bool = True

    def __post_init__(self) -> None:
        if self.quantization and not self.hnsw_m:
            # Qdrant writes the int8 copies in its indexing optimizer, which the shard without a graph switches off
            # (indexing_threshold 0): such a shard searched float32 vectors while saying int8 (the old `exact-int8`).
            raise ValueError("int8 quantization needs a graph (hnsw_m > 0): without one no int8 copy is built")
        if self.rescore not in ("originals", "vectors", "none"):
            raise ValueError(f"rescore {self.rescore!r}: one of originals, vectors, none")
        if unknown := set(self.resident) - set(SHARD_PARTS) - {"vectors"}:
            raise ValueError(f"unknown resident parts {sorted(unknown)}; known: {', '.join([*SHARD_PARTS, 'vectors'])}")

    def describe(self) -> str:
        parts = [
            f"hnsw m={self.hnsw_m} ef_construct={self.hnsw_ef_construct} ef={self.hnsw_ef}" if self.hnsw_m else "exact"
        ]
        parts += [f"{self.quantization} quantized"] if self.quantization else []
        parts += ["vectors on disk"] if self.on_disk else []
        parts += [f"payload_m={self.payload_m}"] if self.payload_m is not None and self.hnsw_m else []
        parts += [f"scanned under {self.scan_below} passing"] if self.scan_below and self.hnsw_m else []
        parts += [f"BM25 by ids under {self.ids_below} passing"] if self.ids_below and self.hnsw_m else []
        parts += [f"int8 rescored from {self.rescore}"] if self.quantization and self.rescore != "originals" else []
        held = "locked" if self.lock else "read"
        parts += [f"{held} in RAM at open: {'+'.join(self.resident)}"] if self.resident else []
        return ", ".join(parts)


class EdgeBackend:
    """Qdrant's engine in-process (qdrant-edge-py): one shard folder on disk.

    Built into a temporary folder and renamed into place when complete, so a crash or a concurrent
    reader never sees half an index. The shard has no write-ahead log: it is written once, then only
    read, and several processes (CLI, server, evaluation) may open it at the same time.
    """

    def __init__(self, path: Path, config: IndexConfig = IndexConfig()):
        import qdrant_edge as q

        self.q = q
        self.config = config
        self.path = Path(path)
        self._shard = None
        self._building: Path | None = None
        self._fingerprint: str | None = None
        self._lock = threading.Lock()
        self.held = None  # tools.resident.Held: the parts of IndexConfig.resident kept in RAM
        self._vectors: np.ndarray | None = None  # the document vectors held (IndexConfig.rescore "vectors")
        self._open_existing()

    def _hold_parts(self) -> None:
        """Read the shard's files of ``config.resident`` into RAM (and lock them there with ``config.lock``)."""
        parts = [p for p in self.config.resident if p in SHARD_PARTS]
        if not parts:
            return
        from tools.resident import Held

        self.held = self.held or Held(self.config.lock)
        for f in shard_part_files(self.path / "shard", parts):
            self.held.file(f)
        log.info("shard parts in RAM at open (%s): %s", "+".join(parts), self.held.report())

    def hold_vectors(self, vectors: np.ndarray) -> None:
        """Keep the arrays the exact scan reads (IndexConfig.scan_below) in RAM, when ``config.resident`` says so;
        they rescore the int8 hits when ``config.rescore`` is "vectors"."""
        if "vectors" not in self.config.resident or not self.config.hnsw_m:
            return
        from tools.resident import Held

        self._vectors = vectors

        self.held = self.held or Held(self.config.lock)
        self.held.array(np.asarray(vectors) if not isinstance(vectors, np.memmap) else vectors, "document vectors")

    def _open_existing(self) -> None:
        side = self.path / SIDECAR
        if not side.exists():
            return
        try:
            meta = json.loads(side.read_text())
            from tools.artifacts import manifest_problem

            problem = manifest_problem(self.path / "shard", meta.get("files"), self.path / VERIFIED)  # before mapping
            if problem:
                raise ValueError(f"the shard is not as built: {problem}")
            self._shard = self.q.EdgeShard.load(str(self.path / "shard"))
            self._fingerprint = meta.get("fingerprint")
            self._hold_parts()
        except Exception as exc:  # a damaged shard is rebuilt, not fatal
            log.warning("could not open the Qdrant shard at %s (%s); it will be rebuilt", self.path, exc)
            self._shard, self._fingerprint = None, None

    def fingerprint(self) -> str | None:
        return self._fingerprint

    def create(self, fingerprint: str) -> None:
        q = self.q
        self.close()
        self._building = self.path.with_name(f"{self.path.name}.building-{id(self):x}")
        shutil.rmtree(self._building, ignore_errors=True)
        self._shard = q.EdgeShard.create(str(self._building / "shard"), self._edge_config())
        cold = q.Memory.Cold  # see _edge_config
        kinds = {
            "keyword": q.KeywordIndexParams(memory=cold),
            "integer": q.IntegerIndexParams(lookup=True, range=True, memory=cold),
            "float": q.FloatIndexParams(memory=cold),
        }
        for name, kind in PAYLOAD_FIELDS.items():
            self._shard.update(q.UpdateOperation.create_field_index(name, kinds[kind]))
        self._fingerprint = fingerprint

    def _edge_config(self):
        q, c = self.q, self.config
        # Cold: files mapped and read as searches touch them. The default loads every preallocated page (the
        # payload indexes' and vector chunks' empty tails too): 60 MB more resident for no faster a search.
        cold = q.Memory.Cold
        sparse = {SPARSE: q.EdgeSparseVectorParams(modifier=q.Modifier.Idf, memory=cold)}
        if not c.hnsw_m and not c.quantization and not c.on_disk:
            vectors = {DENSE: q.EdgeVectorParams(size=DIM, distance=q.Distance.Cosine, memory=cold)}
            return q.EdgeConfig(
                vectors=vectors, sparse_vectors=sparse, wal_enabled=False, max_search_threads=c.search_threads
            )
        quant = None
        if c.quantization:
            quant = q.ScalarQuantizationConfig(type=q.ScalarType.Int8, quantile=0.99, always_ram=True)
        dense = q.EdgeVectorParams(size=DIM, distance=q.Distance.Cosine, on_disk=c.on_disk, quantization_config=quant)
        hnsw = q.HnswIndexConfig(
            m=c.hnsw_m or 16, ef_construct=c.hnsw_ef_construct, full_scan_threshold=10_000, payload_m=c.payload_m
        )
        # With no graph, one large segment; with one, the optimizer indexes every segment above 1k vectors.
        optimizers = q.EdgeOptimizersConfig(default_segment_number=2, indexing_threshold=1_000 if c.hnsw_m else 0)
        return q.EdgeConfig(
            vectors={DENSE: dense},
            sparse_vectors=sparse,
            hnsw_config=hnsw,
            optimizers=optimizers,
            wal_enabled=False,
            max_search_threads=c.search_threads,
        )

    def upsert(
        self, rows: Sequence[int], vectors: np.ndarray, sparse: Sequence[Sparse], payloads: Sequence[dict]
    ) -> None:
        q = self.q
        points = [
            q.Point(int(r), {DENSE: v.tolist(), SPARSE: q.SparseVector(list(s.indices), list(s.values))}, p)
            for r, v, s, p in zip(rows, vectors, sparse, payloads)
        ]
        self._shard.update(q.UpdateOperation.upsert_points(points))

    def finish(self) -> None:
        assert self._building is not None
        if self.config.hnsw_m or self.config.quantization:
            self._shard.optimize()  # builds the HNSW graphs and quantized copies, blocking
        self._shard.flush()
        self._shard.close()
        from tools.artifacts import manifest

        # The first load after a build rewrites the shard's config and folds its journals: do it once here,
        # so the manifest records the files as every later open finds them.
        self.q.EdgeShard.load(str(self._building / "shard")).close()
        files = manifest(self._building / "shard")  # checked at every open: a damaged file is rebuilt, never mapped
        meta = {"fingerprint": self._fingerprint, "dim": DIM, "files": files}
        (self._building / SIDECAR).write_text(json.dumps(meta))
        old = self.path.with_name(f"{self.path.name}.old-{id(self):x}")
        if self.path.exists():
            self.path.rename(old)
        self._building.rename(self.path)
        shutil.rmtree(old, ignore_errors=True)
        self._building = None
        self._shard = self.q.EdgeShard.load(str(self.path / "shard"))

    def _filter(self, flt: Constraints | None):
        if flt is None or flt.is_empty():
            return None
        q = self.q
        must: list = [q.FieldCondition(key=k, match=q.MatchAny(any=list(v))) for k, v in flt.any_of.items()]
        must += [q.FieldCondition(key=k, range=q.RangeFloat(gte=lo, lte=hi)) for k, (lo, hi) in flt.ranges.items()]
        must_not: list = [q.FieldCondition(key=k, match=q.MatchAny(any=list(v))) for k, v in flt.none_of.items() if v]
        if flt.exclude_rows:
            must_not.append(q.HasIdCondition(point_ids={int(r) for r in flt.exclude_rows}))
        return q.Filter(must=must or None, must_not=must_not or None)

    def _dense(self, vector: np.ndarray):
        return self.q.Query.Nearest(np.asarray(vector, dtype=np.float32).tolist(), using=DENSE)

    def _sparse(self, sparse: Sparse):
        return self.q.Query.Nearest(self.q.SparseVector(list(sparse.indices), list(sparse.values)), using=SPARSE)

    def _request(self, query, flt: Constraints | None, limit: int):
        q = self.q
        return q.QueryRequest(
            limit=limit, query=query, filter=self._filter(flt), with_payload=False, params=self._search_params()
        )

    def search(self, vector: np.ndarray, flt: Constraints | None, limit: int) -> list[tuple[int, float]]:
        c = self.config
        if c.quantization and c.rescore == "vectors" and self._vectors is not None and limit > 0:
            # the int8 top limit x oversampling, rescored here from the held vectors: what Qdrant's rescoring does,
            # without reading the shard's float32 copies (never resident, then)
            wide = int(np.ceil(limit * c.oversampling))
            rows = np.array([r for r, _ in _hits(self._shard.query(self._request(self._dense(vector), flt, wide)))])
            if not len(rows):
                return []
            rows = np.sort(rows)
            v = np.asarray(vector, dtype=np.float32)
            v = v / (np.linalg.norm(v) or 1.0)  # cosine, as Qdrant normalises the query
            sims = np.asarray(self._vectors[rows] @ v, dtype=np.float64)
            order = np.lexsort((rows, -sims))[:limit]
            return list(zip(rows[order].tolist(), sims[order].tolist()))
        return _hits(self._shard.query(self._request(self._dense(vector), flt, limit)))

    def search_sparse(self, sparse: Sparse, flt: Constraints | None, limit: int) -> list[tuple[int, float]]:
        return _hits(self._shard.query(self._request(self._sparse(sparse), flt, limit))) if sparse else []

    def search_sparse_rows(self, sparse: Sparse, rows: np.ndarray, limit: int) -> list[tuple[int, float]]:
        """BM25 among the given rows only (their ids as the filter): a narrow filter worked out beforehand."""
        q = self.q
        flt = q.Filter(must=[q.HasIdCondition(point_ids=set(rows.tolist()))])
        req = q.QueryRequest(
            limit=limit, query=self._sparse(sparse), filter=flt, with_payload=False, params=self._search_params()
        )
        return _hits(self._shard.query(req))

    def channels(
        self, vector: np.ndarray, sparse: Sparse, flt: Constraints | None, limit: int
    ) -> dict[str, list[tuple[int, float]]]:
        reqs = [self._request(self._dense(vector), flt, limit)]
        if sparse:
            reqs.append(self._request(self._sparse(sparse), flt, limit))
        res = self._shard.query_batch(self.q.QueryBatchRequest(reqs))
        return {DENSE: _hits(res[0]), SPARSE: _hits(res[1]) if sparse else []}

    def hybrid(
        self, vector: np.ndarray, sparse: Sparse, flt: Constraints | None, limit: int
    ) -> list[tuple[int, float]]:
        q = self.q
        if not sparse:
            return self.search(vector, flt, limit)
        f, params = self._filter(flt), self._search_params()
        pre = [
            q.Prefetch(limit, query=self._dense(vector), filter=f, params=params),
            q.Prefetch(limit, query=self._sparse(sparse), filter=f, params=q.SearchParams(exact=True)),
        ]
        req = q.QueryRequest(limit=limit, prefetches=pre, query=q.Fusion.Rrf(k=RRF_K), with_payload=False)
        return _hits(self._shard.query(req))

    def _search_params(self):
        q, c = self.q, self.config
        rescore = c.rescore == "originals" or (c.rescore == "vectors" and self._vectors is None)
        quant = q.QuantizationSearchParams(rescore=rescore, oversampling=c.oversampling) if c.quantization else None
        if not c.hnsw_m:
            return q.SearchParams(exact=True, quantization=quant)
        acorn = q.AcornSearchParams(enable=True) if c.acorn else None
        return q.SearchParams(hnsw_ef=c.hnsw_ef, quantization=quant, acorn=acorn)

    def count(self, flt: Constraints | None) -> int:
        return int(self._shard.count(self.q.CountRequest(exact=True, filter=self._filter(flt))))

    def close(self) -> None:
        if self._shard is not None:
            self._shard.close()
            self._shard = None
        if self.held is not None:
            self.held.release()
            self.held = None
        self._vectors = None


LAYOUT_DEFAULT = {"shard_number": 1, "replication_factor": 1}  # a collection built before the layout was recorded


class ClientBackend:
    """qdrant-client: a Qdrant server (``url``) or its local ``":memory:"`` mode."""

    def __init__(
        self,
        location: str,
        collection: str = "tracks",
        api_key: str | None = None,
        timeout: int = 30,
        shards: int = 1,
        replicas: int = 1,
    ):
        """``shards`` and ``replicas``: the collection's layout on a server (a cluster spreads them over nodes)."""
        from qdrant_client import QdrantClient, models

        self.m = models
        self.collection = collection
        self.layout = {"shard_number": shards, "replication_factor": replicas}
        self.local = location == ":memory:"
        if self.local:
            self.client = QdrantClient(location=":memory:")
        else:
            self.client = QdrantClient(url=location, api_key=api_key, timeout=timeout)

    def fingerprint(self) -> str | None:
        if not self.client.collection_exists(self.collection):
            return None
        meta = self.client.get_collection(self.collection).config.metadata or {}
        if meta.get("playgenie_layout", LAYOUT_DEFAULT) != self.layout:
            return None  # built with other shards or replicas: rebuilt to the settings' layout
        return meta.get("playgenie_fingerprint")

    def create(self, fingerprint: str) -> None:
        m = self.m
        if self.client.collection_exists(self.collection):
            self.client.delete_collection(self.collection)
        self.client.create_collection(
            self.collection,
            vectors_config={DENSE: m.VectorParams(size=DIM, distance=m.Distance.COSINE)},
            sparse_vectors_config={SPARSE: m.SparseVectorParams(modifier=m.Modifier.IDF)},
            metadata={
                "playgenie_fingerprint": fingerprint,
                "playgenie_schema": SCHEMA_VERSION,
                "playgenie_layout": self.layout,
            },
            **self.layout,
        )
        kinds = {
            "keyword": m.PayloadSchemaType.KEYWORD,
            "integer": m.PayloadSchemaType.INTEGER,
            "float": m.PayloadSchemaType.FLOAT,
        }
        import warnings

        with warnings.catch_warnings():  # local mode warns that payload indexes are a server feature
            warnings.simplefilter("ignore", UserWarning)
            for name, kind in PAYLOAD_FIELDS.items():
                self.client.create_payload_index(self.collection, name, kinds[kind])

    def upsert(
        self, rows: Sequence[int], vectors: np.ndarray, sparse: Sequence[Sparse], payloads: Sequence[dict]
    ) -> None:
        m = self.m
        points = [
            m.PointStruct(
                id=int(r),
                payload=p,
                vector={DENSE: v.tolist(), SPARSE: m.SparseVector(indices=list(s.indices), values=list(s.values))},
            )
            for r, v, s, p in zip(rows, vectors, sparse, payloads)
        ]
        self.client.upsert(self.collection, points=points, wait=True)

    def finish(self) -> None:
        pass

    def _filter(self, flt: Constraints | None):
        if flt is None or flt.is_empty():
            return None
        m = self.m
        must: list = [m.FieldCondition(key=k, match=m.MatchAny(any=list(v))) for k, v in flt.any_of.items()]
        must += [m.FieldCondition(key=k, range=m.Range(gte=lo, lte=hi)) for k, (lo, hi) in flt.ranges.items()]
        must_not: list = [m.FieldCondition(key=k, match=m.MatchAny(any=list(v))) for k, v in flt.none_of.items() if v]
        if flt.exclude_rows:
            must_not.append(m.HasIdCondition(has_id=[int(r) for r in flt.exclude_rows]))
        return m.Filter(must=must or None, must_not=must_not or None)

    @property
    def _exact(self):
        # local mode is always exact and warns about search params
        return None if self.local else self.m.SearchParams(exact=True)

    def _sparse(self, sparse: Sparse):
        return self.m.SparseVector(indices=list(sparse.indices), values=list(sparse.values))

    def search(self, vector: np.ndarray, flt: Constraints | None, limit: int) -> list[tuple[int, float]]:
        res = self.client.query_points(
            self.collection,
            query=np.asarray(vector, dtype=np.float32).tolist(),
            using=DENSE,
            query_filter=self._filter(flt),
            limit=limit,
            with_payload=False,
            search_params=self._exact,
        )
        return _hits(res.points)

    def search_sparse(self, sparse: Sparse, flt: Constraints | None, limit: int) -> list[tuple[int, float]]:
        if not sparse:
            return []
        res = self.client.query_points(
            self.collection,
            query=self._sparse(sparse),
            using=SPARSE,
            query_filter=self._filter(flt),
            limit=limit,
            with_payload=False,
            search_params=self._exact,
        )
        return _hits(res.points)

    def channels(
        self, vector: np.ndarray, sparse: Sparse, flt: Constraints | None, limit: int
    ) -> dict[str, list[tuple[int, float]]]:
        m, f = self.m, self._filter(flt)
        reqs = [
            m.QueryRequest(
                query=np.asarray(vector, dtype=np.float32).tolist(),
                using=DENSE,
                filter=f,
                limit=limit,
                params=self._exact,
                with_payload=False,
            )
        ]
        if sparse:
            reqs.append(
                m.QueryRequest(
                    query=self._sparse(sparse),
                    using=SPARSE,
                    filter=f,
                    limit=limit,
                    params=self._exact,
                    with_payload=False,
                )
            )
        res = self.client.query_batch_points(self.collection, requests=reqs)
        return {DENSE: _hits(res[0].points), SPARSE: _hits(res[1].points) if sparse else []}

    def hybrid(
        self, vector: np.ndarray, sparse: Sparse, flt: Constraints | None, limit: int
    ) -> list[tuple[int, float]]:
        m = self.m
        if not sparse:
            return self.search(vector, flt, limit)
        f = self._filter(flt)
        pre = [
            m.Prefetch(
                query=np.asarray(vector, dtype=np.float32).tolist(),
                using=DENSE,
                filter=f,
                limit=limit,
                params=self._exact,
            ),
            m.Prefetch(query=self._sparse(sparse), using=SPARSE, filter=f, limit=limit, params=self._exact),
        ]
        res = self.client.query_points(
            self.collection, prefetch=pre, query=m.RrfQuery(rrf=m.Rrf(k=RRF_K)), limit=limit, with_payload=False
        )
        return _hits(res.points)

    def count(self, flt: Constraints | None) -> int:
        return int(self.client.count(self.collection, count_filter=self._filter(flt), exact=True).count)

    def close(self) -> None:
        self.client.close()


class MemoryBackend:
    """The same collection as plain arrays in this process: exact search with the same filters, BM25
    with Qdrant's IDF, and fusion. For short-lived catalogs (the ranker's training folds) where a
    Qdrant build would cost more than the searches; ``tests/test_index.py`` holds it to Qdrant's answers.
    """

    def __init__(self) -> None:
        self._rows: list[int] = []
        self._vectors: list[np.ndarray] = []
        self._sparse: list[Sparse] = []
        self._payloads: list[dict] = []
        self._fingerprint: str | None = None

    def fingerprint(self) -> str | None:
        return self._fingerprint

    def create(self, fingerprint: str) -> None:
        self.__init__()
        self._fingerprint = fingerprint

    def upsert(
        self, rows: Sequence[int], vectors: np.ndarray, sparse: Sequence[Sparse], payloads: Sequence[dict]
    ) -> None:
        self._rows += [int(r) for r in rows]
        self._vectors += list(np.asarray(vectors, dtype=np.float32))
        self._sparse += list(sparse)
        self._payloads += list(payloads)

    def finish(self) -> None:
        from tools.lexical import SparseMatrix

        n = max(self._rows) + 1 if self._rows else 0
        order = np.argsort(self._rows)
        vecs = np.stack([self._vectors[i] for i in order]) if n else np.zeros((0, DIM), np.float32)
        norms = np.linalg.norm(vecs, axis=1, keepdims=True)
        self.vectors = vecs / np.where(norms > 0, norms, 1.0)  # cosine, as Qdrant normalises on upload
        self.sparse = SparseMatrix([self._sparse[i] for i in order], n)
        payloads = [self._payloads[i] for i in order]
        self.keywords: dict[str, dict[str, np.ndarray]] = {}
        self.numbers: dict[str, np.ndarray] = {}
        for name, kind in PAYLOAD_FIELDS.items():
            if kind == "keyword":
                index: dict[str, np.ndarray] = {}
                for row, p in enumerate(payloads):
                    values = p.get(name)
                    for v in values if isinstance(values, list) else [values]:
                        if v is not None:
                            index.setdefault(v, np.zeros(n, dtype=bool))[row] = True
                self.keywords[name] = index
            else:
                self.numbers[name] = np.array([float(p.get(name, np.nan)) for p in payloads], dtype=np.float64)
        self.n = n
        self._vectors, self._sparse, self._payloads = [], [], []

    def _matches(self, name: str, values: Sequence[str | int]) -> np.ndarray:
        if name in self.keywords:
            out = np.zeros(self.n, dtype=bool)
            for v in values:
                hit = self.keywords[name].get(v)
                if hit is not None:
                    out |= hit
            return out
        return np.isin(self.numbers[name], [float(v) for v in values])

    def _mask(self, flt: Constraints | None) -> np.ndarray:
        mask = np.ones(self.n, dtype=bool)
        if flt is None:
            return mask
        for name, values in flt.any_of.items():
            mask &= self._matches(name, values)
        for name, values in flt.none_of.items():
            if values:
                mask &= ~self._matches(name, values)
        with np.errstate(invalid="ignore"):  # a missing value (nan) fails every range, as in Qdrant
            for name, (lo, hi) in flt.ranges.items():
                v = self.numbers[name]
                mask &= ~np.isnan(v) & (v >= (-np.inf if lo is None else lo)) & (v <= (np.inf if hi is None else hi))
        if flt.exclude_rows:
            mask[[r for r in flt.exclude_rows if 0 <= r < self.n]] = False
        return mask

    @staticmethod
    def _best(scores: np.ndarray, mask: np.ndarray, limit: int) -> list[tuple[int, float]]:
        rows = np.flatnonzero(mask)
        if not len(rows) or limit <= 0:
            return []
        s = scores[rows]
        if len(rows) > limit:
            keep = np.argpartition(-s, limit - 1)[:limit]
            # ties at the cut: keep every row scoring the limit-th score, then order and cut by row
            floor = s[keep].min()
            keep = np.flatnonzero(s >= floor)
            rows, s = rows[keep], s[keep]
        order = np.lexsort((rows, -s))[:limit]
        return [(int(rows[i]), float(s[i])) for i in order]

    def search(self, vector: np.ndarray, flt: Constraints | None, limit: int) -> list[tuple[int, float]]:
        return self._best(self.vectors @ np.asarray(vector, dtype=np.float32), self._mask(flt), limit)

    def search_sparse(self, sparse: Sparse, flt: Constraints | None, limit: int) -> list[tuple[int, float]]:
        if not sparse:
            return []
        scores = self.sparse.scores(sparse)
        return self._best(scores, self._mask(flt) & (scores > 0), limit)

    def channels(
        self, vector: np.ndarray, sparse: Sparse, flt: Constraints | None, limit: int
    ) -> dict[str, list[tuple[int, float]]]:
        return {DENSE: self.search(vector, flt, limit), SPARSE: self.search_sparse(sparse, flt, limit)}

    def hybrid(
        self, vector: np.ndarray, sparse: Sparse, flt: Constraints | None, limit: int
    ) -> list[tuple[int, float]]:
        if not sparse:
            return self.search(vector, flt, limit)
        ch = self.channels(vector, sparse, flt, limit)
        return rrf([ch[DENSE], ch[SPARSE]], limit)

    def count(self, flt: Constraints | None) -> int:
        return int(self._mask(flt).sum())

    def close(self) -> None:
        pass


class ArtistSearch:
    """Exact dense search among the tracks of given artists, under a :class:`Constraints`, from this process's arrays:
    the payload of :func:`payload_of` laid out per field, and the document vectors.

    The names channel (``tools.retrieve``) asks the index twice a request for the best tracks of 40 and 160 artists
    under the request's filter: a full scan of the shard checking the filter on every point, 44% of the CPU a request
    spent in Qdrant. Here only those artists' few hundred rows are read. The filter means what it means to Qdrant and
    :class:`MemoryBackend` (``tests/test_index.py`` holds the three to one answer); equal similarities come in row
    order."""

    def __init__(self, catalog: "Catalog", vectors: np.ndarray):
        """One pass over the tracks' payloads, none kept (at a million tracks a list of them would be a GB)."""
        self.vectors = vectors
        n = len(catalog.tracks)
        self._passing: dict[tuple, np.ndarray] = {}  # the last few filters' rows (see passing)
        self.artist_id: dict[str, int] = {}
        self.artist_of = np.zeros(n, dtype=np.int64)
        self.keywords: dict[str, dict[str, np.ndarray]] = {}  # the other keyword fields: value -> rows holding it
        self.numbers: dict[str, np.ndarray] = {}  # nan where the payload has no such field
        for name, kind in PAYLOAD_FIELDS.items():
            if kind == "keyword" and name != "artist":
                self.keywords[name] = {}
            elif kind != "keyword":
                self.numbers[name] = np.full(n, np.nan, dtype=np.float64)
        rows_of: dict[int, list[int]] = {}
        for row, track in enumerate(catalog.tracks):
            p = payload_of(track)
            a = self.artist_of[row] = self.artist_id.setdefault(p["artist"], len(self.artist_id))
            rows_of.setdefault(a, []).append(row)
            for name, index in self.keywords.items():
                values = p.get(name)
                for v in values if isinstance(values, list) else [values]:
                    if v is not None:
                        index.setdefault(v, np.zeros(n, dtype=bool))[row] = True
            for name, column in self.numbers.items():
                if name in p:
                    column[row] = float(p[name])
        self.artist_rows = {a: np.array(rows_of[i], dtype=np.int64) for a, i in self.artist_id.items()}

    def _matches(self, name: str, values: Sequence[str | int], rows: np.ndarray | None) -> np.ndarray:
        if name == "artist":
            ids = [self.artist_id[v] for v in values if v in self.artist_id]
            return np.isin(_at(self.artist_of, rows), ids)
        if name in self.keywords:
            out = np.zeros(len(self.artist_of) if rows is None else len(rows), dtype=bool)
            for v in values:
                hit = self.keywords[name].get(v)
                if hit is not None:
                    out |= _at(hit, rows)
            return out
        return np.isin(_at(self.numbers[name], rows), [float(v) for v in values])

    def _mask(self, flt: Constraints, rows: np.ndarray | None) -> np.ndarray:
        """Which of ``rows`` (None: every track) pass ``flt`` (as :meth:`MemoryBackend._mask`, over these rows only)."""
        mask = np.ones(len(self.artist_of) if rows is None else len(rows), dtype=bool)
        for name, values in flt.any_of.items():
            mask &= self._matches(name, values, rows)
        for name, values in flt.none_of.items():
            if values:
                mask &= ~self._matches(name, values, rows)
        with np.errstate(invalid="ignore"):  # a missing value (nan) fails every range, as in Qdrant
            for name, (lo, hi) in flt.ranges.items():
                v = _at(self.numbers[name], rows)
                mask &= ~np.isnan(v) & (v >= (-np.inf if lo is None else lo)) & (v <= (np.inf if hi is None else hi))
        if flt.exclude_rows:
            out = np.zeros(len(self.artist_of), dtype=bool)
            out[flt.exclude_rows] = True
            mask &= ~_at(out, rows)
        return mask

    def passing(self, flt: Constraints) -> np.ndarray:
        """The rows of every track that passes ``flt``, in order: what a filtered search scores when few pass
        (:attr:`IndexConfig.scan_below`). A request asks for the same filter more than once (its dense and BM25
        searches), so the last few answers are kept."""
        key = _filter_key(flt)
        rows = self._passing.get(key)
        if rows is None:
            if "artist" in flt.any_of:  # an artist's rows are few: read them, not the catalog
                found = [self.artist_rows[a] for a in dict.fromkeys(flt.any_of["artist"]) if a in self.artist_rows]
                rows = np.sort(np.concatenate(found)) if found else np.zeros(0, dtype=np.int64)
                rows = rows[self._mask(flt, rows)]
            else:
                rows = np.flatnonzero(self._mask(flt, None))
            if len(self._passing) >= PASSING_KEPT:
                self._passing.pop(next(iter(self._passing), None), None)
            self._passing[key] = rows
        return rows

    def scan(self, vector: np.ndarray, rows: np.ndarray, limit: int) -> list[tuple[int, float]]:
        """(catalog row, cosine) of the best ``limit`` of ``rows``, exactly: best first, equal similarities in row
        order (as Qdrant's exact search and :class:`MemoryBackend` answer)."""
        if not len(rows) or limit <= 0:
            return []
        sims = self.vectors[rows] @ np.asarray(vector, dtype=np.float32)
        if len(rows) > limit:
            keep = np.argpartition(-sims, limit - 1)[:limit]
            floor = sims[keep].min()  # ties at the cut: every row scoring the limit-th similarity, then cut by row
            keep = np.flatnonzero(sims >= floor)
            rows, sims = rows[keep], sims[keep]
        order = np.lexsort((rows, -sims))[:limit]
        return list(zip(rows[order].tolist(), sims[order].astype(np.float64).tolist()))

    def search(self, vector: np.ndarray, artists: Sequence[str], flt: Constraints | None, limit: int):
        """(catalog row, cosine) of the best ``limit`` tracks of ``artists`` (folded names) that pass ``flt`` (whose own
        ``artist`` part, if any, also holds), best first."""
        if flt is not None:
            _check_fields(flt)
            if "artist" in flt.any_of:  # the rows read are the artists': the filter's own artists only narrow them
                allowed = set(flt.any_of["artist"])
                artists = [a for a in artists if a in allowed]
                flt = flt.copy()
                del flt.any_of["artist"]
        found = [self.artist_rows[a] for a in dict.fromkeys(artists) if a in self.artist_rows]
        if not found or limit <= 0:
            return []
        rows = np.sort(np.concatenate(found))
        if flt is not None and not flt.is_empty():
            rows = rows[self._mask(flt, rows)]
        sims = self.vectors[rows] @ np.asarray(vector, dtype=np.float32)
        order = np.lexsort((rows, -sims))[:limit]
        return list(zip(rows[order].tolist(), sims[order].astype(np.float64).tolist()))


PASSING_KEPT = 8  # ArtistSearch.passing: the last filters' rows kept (a request asks for the same one more than once)


def _at(column: np.ndarray, rows: np.ndarray | None) -> np.ndarray:
    return column if rows is None else column[rows]


def _filter_key(flt: Constraints) -> tuple:
    return (
        tuple((k, tuple(v)) for k, v in sorted(flt.any_of.items())),
        tuple((k, tuple(v)) for k, v in sorted(flt.none_of.items())),
        tuple(sorted(flt.ranges.items())),
        tuple(flt.exclude_rows),
    )


def _hits(points) -> list[tuple[int, float]]:
    return [(int(p.id), float(p.score)) for p in points]


def _stable(hits: list[tuple[int, float]], limit: int) -> list[tuple[int, float]]:
    """The first ``limit`` hits with ties in row order. Qdrant may return equal scores in any order
    (many BM25 scores tie), so callers fetch twice ``limit`` and this makes the cut deterministic."""
    return sorted(hits, key=lambda rs: (-round(rs[1], 5), rs[0]))[:limit]


def rrf(channels: Sequence[Sequence[tuple[int, float]]], limit: int, k: int = RRF_K) -> list[tuple[int, float]]:
    """Reciprocal rank fusion of ranked hit lists, as Qdrant computes it: sum of 1 / (k + rank from 0).
    Equal fused scores come in row order."""
    scores: dict[int, float] = {}
    for hits in channels:
        for rank, (row, _) in enumerate(hits):
            scores[row] = scores.get(row, 0.0) + 1.0 / (k + rank)
    return sorted(scores.items(), key=lambda rs: (-round(rs[1], 9), rs[0]))[:limit]


def fingerprint(catalog: "Catalog", vectors: np.ndarray) -> str:
    """A hash of what the index holds: every track's payload and document, in order, and its vector."""
    h = hashlib.blake2b(digest_size=16)
    h.update(f"v{SCHEMA_VERSION};{DIM};{len(catalog)}".encode())
    for t in catalog.tracks:
        h.update(json.dumps(payload_of(t), sort_keys=True).encode())
        h.update(t.document().encode())
    for start in range(0, len(vectors), 65_536):  # a slice at a time: no second copy of a million vectors
        h.update(np.ascontiguousarray(vectors[start : start + 65_536], dtype=np.float32).tobytes())
    return h.hexdigest()


class TrackIndex:
    """The tracks in Qdrant: build once, then filtered vector search and counts.

    Point ids are catalog rows; :meth:`search` maps them back to track ids.
    """

    def __init__(self, backend: Backend, track_ids: Sequence[str] = ()):
        self.backend = backend
        self.track_ids = list(track_ids)
        self.build_s: float | None = None  # seconds the last build took, None when reopened
        # The catalog's filter arrays and vectors (ArtistSearch), for IndexConfig.scan_below / ids_below: a callable
        # giving them (the retriever's, built on first use), or None
        self.arrays: Callable[[], ArtistSearch | None] | None = None

    def _passing(self, flt: Constraints | None, setting: str) -> np.ndarray | None:
        """The rows passing ``flt`` when the index's ``setting`` (IndexConfig.scan_below / ids_below) says a search
        under it reads them itself: fewer pass than the setting, and the index walks a graph. Else None."""
        config = getattr(self.backend, "config", None)
        below = getattr(config, setting, 0) if config is not None and config.hnsw_m else 0
        if not below or self.arrays is None or flt is None or flt.is_empty():
            return None
        arrays = self.arrays()
        if arrays is None:
            return None
        rows = arrays.passing(flt)
        return rows if len(rows) < below else None

    @classmethod
    def for_settings(cls, settings: "Settings", home: Path | None = None) -> "TrackIndex":
        """The backend the settings ask for: a server when ``qdrant_url`` is set, else an edge shard.

        ``home`` overrides where the edge shard lives (an evaluation split's own folder).
        """
        if settings.qdrant_url:
            collection = settings.collection
            if home is not None and Path(home) != settings.home:
                # a split's index must never overwrite the product's collection on a shared server
                collection = f"{settings.collection}-{hashlib.blake2b(str(home).encode(), digest_size=4).hexdigest()}"
            return cls(
                ClientBackend(
                    settings.qdrant_url,
                    collection,
                    settings.qdrant_api_key,
                    shards=settings.qdrant_shards,
                    replicas=settings.qdrant_replicas,
                )
            )
        path = settings.shard_path if home is None or Path(home) == settings.home else Path(home) / "qdrant"
        return cls(EdgeBackend(path))

    def ensure(self, catalog: "Catalog", vectors: np.ndarray, progress: bool = True, fp: str | None = None) -> bool:
        """Open the index if it holds exactly this catalog and these vectors, else build it. ``fp``: their
        :func:`fingerprint` when the caller knows it already (tools.build's start stamp).

        Returns True when it was (re)built.
        """
        fp = fp or fingerprint(catalog, vectors)
        if self.backend.fingerprint() == fp:
            self.track_ids = [t.track_id for t in catalog.tracks]
            log.info("reopened the Qdrant index (%d tracks)", len(self.track_ids))
            return False
        self.build(catalog, vectors, progress=progress, fp=fp)
        return True

    def build(self, catalog: "Catalog", vectors: np.ndarray, progress: bool = True, fp: str | None = None) -> None:
        """(Re)create the collection from the declaration and upload every track, with a progress bar."""
        import time

        from tqdm import tqdm

        if len(vectors) != len(catalog):
            raise ValueError(f"{len(vectors)} vectors for {len(catalog)} tracks")
        from tools.lexical import document_vectors, mean_length

        t0 = time.perf_counter()
        self.backend.create(fp or fingerprint(catalog, vectors))
        avg = mean_length(t.document() for t in catalog.tracks)  # the sparse vectors are then made a batch at a time
        with tqdm(total=len(catalog), desc="indexing tracks in Qdrant", unit="track", disable=not progress) as bar:
            for start in range(0, len(catalog), BATCH):
                rows = range(start, min(start + BATCH, len(catalog)))
                self.backend.upsert(
                    rows,
                    vectors[start : rows.stop],
                    document_vectors([catalog.tracks[r].document() for r in rows], avg=avg),
                    [payload_of(catalog.tracks[r]) for r in rows],
                )
                bar.update(len(rows))
        self.backend.finish()
        self.track_ids = [t.track_id for t in catalog.tracks]
        self.build_s = time.perf_counter() - t0
        log.info("indexed %d tracks in %.1fs", len(catalog), self.build_s)

    def search_rows(
        self, vector: np.ndarray, flt: Constraints | None = None, limit: int = 100
    ) -> list[tuple[int, float]]:
        """(catalog row, cosine similarity) pairs, best first."""
        if flt is not None:
            _check_fields(flt)
        if limit <= 0:
            return []
        rows = self._passing(flt, "scan_below")
        if rows is not None:
            return self.arrays().scan(vector, rows, limit)
        return self.backend.search(vector, flt, limit)

    def search(self, vector: np.ndarray, flt: Constraints | None = None, limit: int = 100) -> list[tuple[str, float]]:
        """(track id, cosine similarity) pairs, best first."""
        return [(self.track_ids[r], s) for r, s in self.search_rows(vector, flt, limit)]

    def search_sparse(
        self, sparse: Sparse, flt: Constraints | None = None, limit: int = 100
    ) -> list[tuple[int, float]]:
        """(catalog row, BM25 score) pairs, best first; none when the request kept no word."""
        if flt is not None:
            _check_fields(flt)
        if limit <= 0:
            return []
        rows = self._passing(flt, "ids_below") if sparse else None
        if rows is not None:
            if not len(rows):
                return []
            return _stable(self.backend.search_sparse_rows(sparse, rows, 2 * limit), limit)
        return _stable(self.backend.search_sparse(sparse, flt, 2 * limit), limit)

    def channels(
        self, vector: np.ndarray, sparse: Sparse, flt: Constraints | None = None, limit: int = 100
    ) -> dict[str, list[tuple[int, float]]]:
        """Each channel's (catalog row, score) hits, best first: ``dense`` (cosine) and ``bm25`` (BM25;
        empty when the request has no word the tokenizer keeps), run together as one batch."""
        if flt is not None:
            _check_fields(flt)
        if limit <= 0:
            return {DENSE: [], SPARSE: []}
        return {k: _stable(v, limit) for k, v in self.backend.channels(vector, sparse, flt, 2 * limit).items()}

    def hybrid(
        self, vector: np.ndarray, sparse: Sparse, flt: Constraints | None = None, limit: int = 100
    ) -> list[tuple[int, float]]:
        """Dense and BM25 hits fused inside Qdrant (prefetch + RRF): (catalog row, fused score), best first."""
        if flt is not None:
            _check_fields(flt)
        if limit <= 0:
            return []
        return self.backend.hybrid(vector, sparse, flt, limit)

    def count(self, flt: Constraints | None = None) -> int:
        """How many tracks pass the filter."""
        if flt is not None:
            _check_fields(flt)
        return self.backend.count(flt)

    def close(self) -> None:
        self.backend.close()


def rows_of(catalog: "Catalog", track_ids: Iterable[str]) -> list[int]:
    """Catalog rows of the given track ids (unknown ids are ignored)."""
    return [i for i in (catalog.index.get(t) for t in track_ids) if i is not None]
