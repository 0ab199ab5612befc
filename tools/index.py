"""Stage 2 storage: one Qdrant collection of tracks behind one interface, two backends.

- :class:`EdgeBackend`: Qdrant's real engine in-process (``qdrant-edge-py``), a shard on disk under
  ``settings.shard_path``. The default: no server to run.
- :class:`ClientBackend`: ``qdrant-client`` against a server URL, or ``":memory:"`` (its local mode,
  which stands in for a server in tests).

The collection is declared once (:data:`DIM`, cosine distance, :data:`PAYLOAD_FIELDS`) and both
backends build it from that declaration. Filters are written as backend-neutral
:class:`Constraints` and translated per backend, so the retriever never sees a Qdrant type.

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
from typing import TYPE_CHECKING, Any, Iterable, Protocol, Sequence

import numpy as np

from tools.catalog import fold

if TYPE_CHECKING:
    from tools.catalog import Catalog, Track
    from tools.settings import Settings

log = logging.getLogger(__name__)

DIM = 384
BATCH = 1000
SIDECAR = "playgenie-index.json"
SCHEMA_VERSION = 1  # bump when the payload layout changes, so old indexes rebuild

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
    def upsert(self, rows: Sequence[int], vectors: np.ndarray, payloads: Sequence[dict]) -> None: ...
    def finish(self) -> None: ...
    def search(self, vector: np.ndarray, flt: Constraints | None, limit: int) -> list[tuple[int, float]]: ...
    def count(self, flt: Constraints | None) -> int: ...
    def close(self) -> None: ...


def _check_fields(flt: Constraints) -> None:
    for name in (*flt.any_of, *flt.none_of, *flt.ranges):
        if name not in PAYLOAD_FIELDS:
            raise ValueError(f"no payload index on {name!r}; declared: {', '.join(PAYLOAD_FIELDS)}")


class EdgeBackend:
    """Qdrant's engine in-process (qdrant-edge-py): one shard folder on disk.

    Built into a temporary folder and renamed into place when complete, so a crash or a concurrent
    reader never sees half an index. The shard has no write-ahead log: it is written once, then only
    read, and several processes (CLI, server, evaluation) may open it at the same time.
    """

    def __init__(self, path: Path):
        import qdrant_edge as q

        self.q = q
        self.path = Path(path)
        self._shard = None
        self._building: Path | None = None
        self._fingerprint: str | None = None
        self._lock = threading.Lock()
        self._open_existing()

    def _open_existing(self) -> None:
        side = self.path / SIDECAR
        if not side.exists():
            return
        try:
            meta = json.loads(side.read_text())
            from tools.artifacts import manifest_problem

            problem = manifest_problem(self.path / "shard", meta.get("files"))  # before any file is mapped
            if problem:
                raise ValueError(f"the shard is not as built: {problem}")
            self._shard = self.q.EdgeShard.load(str(self.path / "shard"))
            self._fingerprint = meta.get("fingerprint")
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
        config = q.EdgeConfig(vectors=q.EdgeVectorParams(size=DIM, distance=q.Distance.Cosine), wal_enabled=False)
        self._shard = q.EdgeShard.create(str(self._building / "shard"), config)
        kinds = {"keyword": q.PayloadSchemaType.Keyword, "integer": q.PayloadSchemaType.Integer,
                 "float": q.PayloadSchemaType.Float}  # fmt: skip
        for name, kind in PAYLOAD_FIELDS.items():
            self._shard.update(q.UpdateOperation.create_field_index(name, kinds[kind]))
        self._fingerprint = fingerprint

    def upsert(self, rows: Sequence[int], vectors: np.ndarray, payloads: Sequence[dict]) -> None:
        points = [self.q.Point(int(r), v.tolist(), p) for r, v, p in zip(rows, vectors, payloads)]
        self._shard.update(self.q.UpdateOperation.upsert_points(points))

    def finish(self) -> None:
        assert self._building is not None
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

    def search(self, vector: np.ndarray, flt: Constraints | None, limit: int) -> list[tuple[int, float]]:
        q = self.q
        req = q.QueryRequest(
            limit=limit,
            query=q.Query.Nearest(np.asarray(vector, dtype=np.float32).tolist()),
            filter=self._filter(flt),
            with_payload=False,
            params=q.SearchParams(exact=True),
        )
        return [(int(p.id), float(p.score)) for p in self._shard.query(req)]

    def count(self, flt: Constraints | None) -> int:
        return int(self._shard.count(self.q.CountRequest(exact=True, filter=self._filter(flt))))

    def close(self) -> None:
        if self._shard is not None:
            self._shard.close()
            self._shard = None


class ClientBackend:
    """qdrant-client: a Qdrant server (``url``) or its local ``":memory:"`` mode."""

    def __init__(self, location: str, collection: str = "tracks", api_key: str | None = None, timeout: int = 30):
        from qdrant_client import QdrantClient, models

        self.m = models
        self.collection = collection
        self.local = location == ":memory:"
        if self.local:
            self.client = QdrantClient(location=":memory:")
        else:
            self.client = QdrantClient(url=location, api_key=api_key, timeout=timeout)

    def fingerprint(self) -> str | None:
        if not self.client.collection_exists(self.collection):
            return None
        meta = self.client.get_collection(self.collection).config.metadata or {}
        return meta.get("playgenie_fingerprint")

    def create(self, fingerprint: str) -> None:
        m = self.m
        if self.client.collection_exists(self.collection):
            self.client.delete_collection(self.collection)
        self.client.create_collection(
            self.collection,
            vectors_config=m.VectorParams(size=DIM, distance=m.Distance.COSINE),
            metadata={"playgenie_fingerprint": fingerprint, "playgenie_schema": SCHEMA_VERSION},
        )
        kinds = {"keyword": m.PayloadSchemaType.KEYWORD, "integer": m.PayloadSchemaType.INTEGER,
                 "float": m.PayloadSchemaType.FLOAT}  # fmt: skip
        import warnings

        with warnings.catch_warnings():  # local mode warns that payload indexes are a server feature
            warnings.simplefilter("ignore", UserWarning)
            for name, kind in PAYLOAD_FIELDS.items():
                self.client.create_payload_index(self.collection, name, kinds[kind])

    def upsert(self, rows: Sequence[int], vectors: np.ndarray, payloads: Sequence[dict]) -> None:
        self.client.upsert(
            self.collection,
            points=self.m.Batch(ids=[int(r) for r in rows], vectors=vectors.tolist(), payloads=list(payloads)),
            wait=True,
        )

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

    def search(self, vector: np.ndarray, flt: Constraints | None, limit: int) -> list[tuple[int, float]]:
        res = self.client.query_points(
            self.collection,
            query=np.asarray(vector, dtype=np.float32).tolist(),
            query_filter=self._filter(flt),
            limit=limit,
            with_payload=False,
            # local mode is always exact and warns about search params
            search_params=None if self.local else self.m.SearchParams(exact=True),
        )
        return [(int(p.id), float(p.score)) for p in res.points]

    def count(self, flt: Constraints | None) -> int:
        return int(self.client.count(self.collection, count_filter=self._filter(flt), exact=True).count)

    def close(self) -> None:
        self.client.close()


def fingerprint(catalog: "Catalog", vectors: np.ndarray) -> str:
    """A hash of what the index holds: every track's payload, in order, and its vector."""
    h = hashlib.blake2b(digest_size=16)
    h.update(f"v{SCHEMA_VERSION};{DIM};{len(catalog)}".encode())
    for t in catalog.tracks:
        h.update(json.dumps(payload_of(t), sort_keys=True).encode())
    h.update(np.ascontiguousarray(vectors, dtype=np.float32).tobytes())
    return h.hexdigest()


class TrackIndex:
    """The tracks in Qdrant: build once, then filtered vector search and counts.

    Point ids are catalog rows; :meth:`search` maps them back to track ids.
    """

    def __init__(self, backend: Backend, track_ids: Sequence[str] = ()):
        self.backend = backend
        self.track_ids = list(track_ids)
        self.build_s: float | None = None  # seconds the last build took, None when reopened

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
            return cls(ClientBackend(settings.qdrant_url, collection, settings.qdrant_api_key))
        path = settings.shard_path if home is None or Path(home) == settings.home else Path(home) / "qdrant"
        return cls(EdgeBackend(path))

    def ensure(self, catalog: "Catalog", vectors: np.ndarray, progress: bool = True) -> bool:
        """Open the index if it holds exactly this catalog and these vectors, else build it.

        Returns True when it was (re)built.
        """
        fp = fingerprint(catalog, vectors)
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
        t0 = time.perf_counter()
        self.backend.create(fp or fingerprint(catalog, vectors))
        with tqdm(total=len(catalog), desc="indexing tracks in Qdrant", unit="track", disable=not progress) as bar:
            for start in range(0, len(catalog), BATCH):
                rows = range(start, min(start + BATCH, len(catalog)))
                self.backend.upsert(rows, vectors[start : rows.stop], [payload_of(catalog.tracks[r]) for r in rows])
                bar.update(len(rows))
        self.backend.finish()
        self.track_ids = [t.track_id for t in catalog.tracks]
        self.build_s = time.perf_counter() - t0
        log.info("indexed %d tracks in %.1fs", len(catalog), self.build_s)

    def search_rows(self, vector: np.ndarray, flt: Constraints | None = None, limit: int = 100) -> list[tuple[int, float]]:
        """(catalog row, cosine similarity) pairs, best first."""
        if flt is not None:
            _check_fields(flt)
        if limit <= 0:
            return []
        return self.backend.search(vector, flt, limit)

    def search(self, vector: np.ndarray, flt: Constraints | None = None, limit: int = 100) -> list[tuple[str, float]]:
        """(track id, cosine similarity) pairs, best first."""
        return [(self.track_ids[r], s) for r, s in self.search_rows(vector, flt, limit)]

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
