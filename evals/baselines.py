"""Baselines for text-to-playlist: what PlayGenie must beat to be worth its stages.

- :class:`BM25Baseline`: Okapi BM25 (``rank-bm25``) over each track's document text.
- :class:`DenseBaseline`: the query's MiniLM embedding against every track's, brute force.
- :class:`PopularityBaseline`: the most popular tracks, whatever was asked.
- :class:`HybridBaseline`: dense and BM25 fused inside Qdrant (prefetch + RRF), no filters, no learning.

Each is built with ``fit(catalog, vectors=None)`` from the split's leak-free catalog and answers
``recommend(text, n=20, exclude=()) -> list[track_id]``. They are meant to be honest and strong:
same documents and encoder as PlayGenie's index, ties broken by popularity.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable, Sequence

import numpy as np

from tools.lexical import STOPWORDS, tokenize  # noqa: F401 - re-exported: the baselines' tokenizer

if TYPE_CHECKING:
    from tools.catalog import Catalog
    from tools.embed import EmbeddingCache, Encoder
    from tools.index import TrackIndex


def _top(scores: np.ndarray, popularity: np.ndarray, ids: Sequence[str], n: int, exclude: Iterable[str]) -> list[str]:
    """The ``n`` best ids by score, ties broken by popularity, excluded ids skipped."""
    skip = set(exclude)
    order = np.lexsort((-popularity, -scores))  # last key is primary
    out: list[str] = []
    for i in order:
        tid = ids[i]
        if tid not in skip:
            out.append(tid)
            if len(out) == n:
                break
    return out


class BM25Baseline:
    """Okapi BM25 over ``Track.document()`` (title, artist, album, decade, genres, moods, buckets)."""

    name = "bm25"

    def fit(self, catalog: "Catalog", vectors: np.ndarray | None = None) -> "BM25Baseline":
        from rank_bm25 import BM25Okapi

        self.ids = [t.track_id for t in catalog.tracks]
        self.popularity = catalog.popularity.astype(np.float64)
        corpus = [tokenize(t.document()) or ["_"] for t in catalog.tracks]
        self.bm25 = BM25Okapi(corpus)
        return self

    def scores(self, text: str) -> np.ndarray:
        tokens = list(dict.fromkeys(tokenize(text)))
        if not tokens:
            return np.zeros(len(self.ids))
        return np.asarray(self.bm25.get_scores(tokens), dtype=np.float64)

    def recommend(self, text: str, n: int = 20, exclude: Iterable[str] = ()) -> list[str]:
        return _top(self.scores(text), self.popularity, self.ids, n, exclude)


class DenseBaseline:
    """Cosine similarity of the query's embedding to each track document's embedding (no filters, no tags)."""

    name = "dense"

    def __init__(self, encoder: "Encoder | None" = None, cache: "EmbeddingCache | None" = None):
        self._encoder = encoder
        self._cache = cache

    @property
    def encoder(self) -> "Encoder":
        if self._encoder is None:
            from tools.embed import get_encoder

            self._encoder = get_encoder()
        return self._encoder

    def fit(self, catalog: "Catalog", vectors: np.ndarray | None = None) -> "DenseBaseline":
        """``vectors``: the catalog's document vectors, row i for ``catalog.tracks[i]``; computed
        (through the embedding cache when one was given) when absent."""
        docs = [t.document() for t in catalog.tracks]
        if vectors is None:
            if self._cache is not None:
                vectors = self._cache.embed(docs, self.encoder, progress=False)
            else:
                vectors = self.encoder.encode(docs)
        if len(vectors) != len(catalog):
            raise ValueError(f"{len(vectors)} vectors for {len(catalog)} tracks")
        self.vectors = np.asarray(vectors, dtype=np.float32)
        self.ids = [t.track_id for t in catalog.tracks]
        self.popularity = catalog.popularity.astype(np.float64)
        return self

    def recommend(self, text: str, n: int = 20, exclude: Iterable[str] = ()) -> list[str]:
        q = self.encoder.encode_one(text)
        scores = (self.vectors @ q).astype(np.float64)
        return _top(scores, self.popularity, self.ids, n, exclude)


class PopularityBaseline:
    """The catalog's most popular tracks; the text is ignored."""

    name = "popularity"

    def fit(self, catalog: "Catalog", vectors: np.ndarray | None = None) -> "PopularityBaseline":
        self.ids = [t.track_id for t in catalog.tracks]
        self.popularity = catalog.popularity.astype(np.float64)
        return self

    def recommend(self, text: str, n: int = 20, exclude: Iterable[str] = ()) -> list[str]:
        return _top(self.popularity, np.zeros_like(self.popularity), self.ids, n, exclude)


class HybridBaseline:
    """The request's MiniLM vector and its BM25 sparse vector against the index's two channels, fused by
    reciprocal rank fusion (Qdrant's formula; ties in row order, so runs repeat); no tags, no filters,
    no learning."""

    name = "hybrid_rrf"

    def __init__(self, index: "TrackIndex", encoder: "Encoder"):
        self.index = index
        self.encoder = encoder

    def recommend(self, text: str, n: int = 20, exclude: Iterable[str] = ()) -> list[str]:
        from tools.index import DENSE, SPARSE, rrf
        from tools.lexical import query_vector

        skip = set(exclude)
        limit = n + len(skip)
        ch = self.index.channels(self.encoder.encode_one(text or "music"), query_vector(text), None, limit)
        hits = rrf([ch[DENSE], ch[SPARSE]], limit)
        return [t for t in (self.index.track_ids[r] for r, _ in hits) if t not in skip][:n]
