"""The learned ranker: orders retrieval's hybrid candidates by how likely a person's playlist holds them.

Training data. A catalog playlist's name is a request and its tracks the relevant answers. Every
feature a training request reads must be computed without that playlist, or the ranker learns that
"genre matches" is near-certain (a track's genre labels are the union over its playlists), which
never holds for a new request. So the training playlists are cut into :data:`FOLDS` folds; for each
fold a catalog is built from the data without that fold's playlists (``Catalog.from_frame(...,
exclude_playlists=...)``: genre labels, playlist names, co-listings and the index), and the fold's
names are answered by the very pipeline that serves requests, over that catalog (its index held as
arrays, :class:`tools.index.MemoryBackend`, which returns what Qdrant returns). The features of a
training request therefore never read its playlist's membership, and they are computed by the same
code as at serving time.

Models. LightGBM's lambdarank (monotone in the features where more evidence can only help: a genre
match never counts against a track, and an unknown genre never beats a known match) and a compact
torch ranker (an MLP trained with a listwise softmax loss). ``train`` scores both by cross-validation over
the requests (:data:`CHOICE_FOLDS` parts, each scored by a model fitted on the others) and keeps the one
with the better NDCG@20, refitted on every request. Files: ``ranker.txt`` (LightGBM's text model) or
``ranker.pt`` (a dict of tensors, read with ``weights_only=True``) and the sidecar ``ranker.json`` (format,
kind, features, SHA-256, catalog fingerprint, validation figures). A model whose hash, features, format or catalog
differ is refused with a message that names the command that rebuilds it.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import resource
import shutil
import sys
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from itertools import chain, repeat
from typing import TYPE_CHECKING, Iterator, Sequence

import numpy as np

from tools.artifacts import sha256_file
from tools.catalog import fold
from tools.lexical import tokenize
from tools.schema import FEATURE_RANGE, Candidate, PlaylistQuery
from tools.tags import MOOD_TARGETS

if TYPE_CHECKING:
    from tools.catalog import Catalog
    from tools.retrieve import NameNeighbours, Retrieval, Retriever
    from tools.settings import Settings

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
SIDECAR = "ranker.json"
FILES = {"lightgbm": "ranker.txt", "torch": "ranker.npz"}  # the torch MLP's weights as arrays, served by numpy
LEGACY_TORCH = "ranker.pt"  # the torch MLP's first file (torch.save); read once, rewritten as ranker.npz by the build
FOLDS = 5
# LightGBM or torch: the one with the better NDCG@K over every training request, each scored by a model fitted on
# the other CHOICE_FOLDS - 1 parts (was: one 15% share, 43 requests, where LightGBM won .0634 to .0624 on the second
# validation split's training side; 5-fold there: torch .0932, LightGBM .0699, and on its held-out playlists torch
# scores NDCG .1280 against LightGBM's .1134). Three parts, not five: the model kept is refitted on every request
# either way, so only the choice could change, and on the product catalog it is torch by a wide margin both ways
# (5-fold .1444 / .0852, 3-fold .1293 / .0894); the build saves two fits of each kind (about 20 s of CPU).
CHOICE_FOLDS = 3
K = 20  # NDCG@K chooses the model
FIX = "run `playgenie train ranker` (or `playgenie build`) to rebuild it"
MISSING_RANK = 1000  # the rank a channel gives a track it did not find
TOP_CONTRIBUTIONS = 3  # per track, for its reason
UNKNOWN_GENRE_PENALTY = (
    1.0  # an unlabelled track comes after the labelled ones of its tier when a genre is asked (a rule)
)
EXPLAINED = 60  # candidates whose feature contributions are worked out (the playlist is drawn from these)

# A pull toward the genres of the playlists named like the request (:func:`genre_fit`, added to the ranker's score):
# a playlist keeps to a genre, which the ranker, trained for NDCG alone, weighs too lightly. Chosen on
# `playgenie eval text2playlist --validation` (NDCG@20 / genre agreement): 0 .1095/.761, 0.5 .1102/.765,
# 1 .1102/.771, 2 .1125/.774, 3 .1115/.774, 4 .1115/.774, 8 .1109/.772.
GENRE_PRIOR = 2.0
# A push away from tracks whose title holds the request's mood, activity or occasion words ("Shower" for "crying in
# the shower"): this times :meth:`Featurizer.title_tags` (the share of the request's words) is taken off the ranker's
# score. The ranker's own title_overlap cannot tell a tag word from a title's word. Chosen on `playgenie eval
# text2playlist --validation` (NDCG@20, and the share of titles with a request's tag word in `python -m
# evals.title_pull --split validation`): 0 .1152/.50, 1 .1141/.45, 2 .1140/.39, 4 .1163/.26, 6 .1163/.13, 8 .1163/.04,
# 12 .1163/.003, 32 .1163/0. 8 made "songs for when your heart is broken" too bright for its dialogue check (mean
# valence .511 > .5: a title's "Heart" or "Broken" often is the mood), so 6. (A ranker retrained with the split as a
# feature of its own scored .146 on the test split against .160: the torch ranker did not learn it.)
TITLE_TAG_PULL = 6.0
# A pull toward the popularity a request says ("hits from 2008 to 2012", "deep cuts"): this times the track's
# popularity feature is added to the ranker's score (taken off, times OBSCURE_SHARE, for "obscure"). The ranker weighs
# "hits" lightly: "hits from 2008 to 2012" had tracks of popularity 0-10 in its top 20. Chosen on `playgenie eval
# text2playlist --validation` (NDCG@20): 0 .1165, 1 .1188, 2 .1219, 4 .1244, 6 .1263, 8 .1262, 12 .1270; test .1649 ->
# .1648 at 6. No validation name asks for obscure music: its share keeps "deep cuts" at the pull 1 gave in a probe
# (mean popularity 6-20 of 100 over four such requests, where 3 times more gave 0-6).
POPULARITY_PULL = 6.0
OBSCURE_SHARE = 1 / 6
# A pull toward the sound a request hedges or implies ("kinda slow"; "angry music": a soft valence ceiling; "lofi": an
# instrumentalness floor): this times each soft bound's confidence times how far the track lies outside it (a quarter
# of the feature's range or more counts 1, as retrieval's own penalty) is taken off the ranker's score. The ranker never
# saw a soft bound without a target (``feature_close`` reads targets), so "angry music" kept happy rock on top (mean
# valence .59 of its 20) and "lofi beats to study to" vocal rap (mean instrumentalness .23).
SOUND_PULL = 4.0
# A pull toward the sound a request aims at (a seed song's or a playlist track's sound, "more like #5"; a calm
# occasion's energy): this times the mean, over the request's targets weighed by their confidence, of each track's
# distance to the target in the feature's range, taken off the ranker's score. The ranker reads targets only through
# ``feature_close``, and what it learned of it depends on its training run: the ranker a fresh build trained
# (2026-11-29) gave +0.5 of it -0.5 to +0.2 (the stale one +1.6 to +3.9), so "add 3 more like #5" found none of its
# candidates nearer #5 than the playlist's median and said it found nothing, and "songs like blinding lights" had a
# mean energy .57. Read from the request, not the model, this holds for any trained ranker.
TARGET_PULL = 8.0
# A pull toward the artists the request names ("2000s hip hop like kanye and jay z"): this times ``named_artist`` is
# added to the ranker's score. The fresh build's ranker gave a named artist's track +2.4 (the stale one +5.7): Kanye
# West's best came 93rd of 300 and none reached the playlist. The per-artist cap still bounds how many of theirs stay.
NAMED_PULL = 3.0

# How much a request says about genre, for requests that name none: the cosine of the nearest catalog playlist name
# (:class:`tools.retrieve.NameNeighbours` ``best``) mapped linearly from GENRE_TRUST[0] (nothing: "music for a first
# date" .44, "chill vibes for a rainy afternoon" meets "Tropical Vibes" at .54 by one word) to GENRE_TRUST[1] (as much
# as a genre named). The ranker learned from playlists nearly all named by genre, so the features that read the
# playlists named like the request and the genre labels nearest to it (:data:`NAME_FEATURES`) and GENRE_PRIOR pulled
# "first date" to 20 EDM tracks; below full trust they are drawn toward the pool's mean (:func:`genre_trust`).
GENRE_TRUST = (0.5, 0.8)
NAME_FEATURES = (
    "label_sim", "names_genre", "names_subgenre", "names_artist", "names_track", "names_score", "names_rank",
)  # fmt: skip
# Where the request says little about genre, its moods (said or inferred) say what the music is for: this times the
# distrust (1 - trust) times the candidate's ``mood_close`` is added to the ranker's score. Chosen with GENRE_TRUST on
# `playgenie eval text2playlist --validation` (NDCG@20 / genre agreement; unchanged .1164/.7885) and `python -m
# evals.occasions --split validation` (the ranker's mood_close / largest genre share; .56/.60): (.5-.8, 4) .1157/.784
# .72/.43, (.5-.8, 8) .1158/.791 .81/.41, (.5-.8, 12) .1159/.790 .83/.42, (.4-.7, 8) .1155/.789 .79/.44, (.6-.9, 8)
# .1136/.790 .81/.41. Distrust without a mood read cost "Hands Up" and "Todo Éxitos" their whole NDCG (no mood: 1).
MOOD_PULL = 8.0
# Where the request says little about genre (an occasion, a mood: "leg day", "beach day", "algo romántico"), the
# playlist is for listening now, and people expect tracks they know: this times the distrust (1 - trust) times the
# candidate's popularity (0-1) times its share of the wanted moods' tags (``mood_tag``) is added to the ranker's score.
# The catalog's playlists, nearly all named by genre, taught the ranker no popularity for such requests: "leg day" got
# a mean popularity of 8 of 100, "beach day" 6 (retrieval's own order, no ranker: 44 and 46). Gated by the mood's tag,
# the known tracks that fit rise and those that do not stay down: `python -m evals.occasions` (ranker) mood_fit
# .894/.986/.948, mood_close .797/.800/.813 (0/5/3); ungated at 3 mood_fit fell to .762. Validation NDCG .1202 -> .1216.
OCCASION_POPULARITY_PULL = 5.0

# name -> monotone direction for LightGBM (+1 more is never worse, -1 less is never worse, 0 free)
FEATURES: dict[str, int] = {
    "tags_score": 1, "tags_rank": -1, "dense_sim": 1, "dense_rank": -1, "bm25_score": 1, "bm25_rank": -1,
    "names_score": 1, "names_rank": -1, "fused": 1, "tier": -1,
    "genre_match": 1, "subgenre_match": 1, "label_sim": 1, "names_genre": 1, "names_subgenre": 1, "names_artist": 1,
    "names_track": 1, "names_best": 0,
    "year_match": 1, "year_gap": -1, "mood_close": 0, "mood_tag": 0, "feature_close": 0,
    "popularity": 0, "popularity_wanted": 0,
    "artist_overlap": 1, "title_overlap": 1, "album_overlap": 1, "named_artist": 1, "colisting": 1,
    "q_genre": 0, "q_year": 0, "q_mood": 0, "q_artist": 0, "q_words": 0,
}  # fmt: skip
FEATURE_NAMES = list(FEATURES)


@lru_cache(maxsize=1)
def vocabulary_tag_words() -> frozenset[str]:
    """Every word of the vocabulary's genre, mood, activity, sound and situation phrases (:mod:`tools.vocab`): a
    request's word among them says what the music is for ("crying in the shower", "wedding first dance"), so a track
    whose title holds it matched a description, not a title (:meth:`Featurizer.title_tags`, :data:`TITLE_TAG_PULL`)."""
    from tools import vocab

    words: set[str] = set()
    for phrase in (*vocab.PHRASES, *map(vocab.key, vocab.CONTEXT_CUES)):
        words.update(w for part in phrase for w in tokenize(part))
    return frozenset(words)


@lru_cache(maxsize=1)
def holiday_words() -> frozenset[str]:
    """The words that name a holiday (``vocab.HOLIDAY_WORDS``) as the request's tokens read them."""
    from tools import vocab

    return frozenset(w for word in vocab.HOLIDAY_WORDS for w in tokenize(word) if len(tokenize(word)) == 1)


class RankerMismatch(RuntimeError):
    """A ranker file this project did not write, or one built for other features or another catalog."""


# ------------------------------------------------------------------------------------ features
class _Words:
    """Row -> the words of one text field of that track, tokenized when first asked for: a request reads a few
    hundred rows, and tokenizing the whole catalog took 0.3-0.5 s of every start. Each distinct string's words are
    kept once, as a tuple of interned strings (a third of the memory of a frozenset per track)."""

    def __init__(self, texts: list[str], words: dict[str, tuple[str, ...]]):
        self.texts = texts
        self.words = words
        self.by_row: list[tuple[str, ...] | None] = [None] * len(texts)  # the same tuples, by row once read
        self._postings: tuple[dict[str, np.ndarray], np.ndarray] | None = None  # see postings()

    def __len__(self) -> int:
        return len(self.texts)

    def __getitem__(self, row: int) -> tuple[str, ...]:
        got = self.by_row[row]
        if got is None:
            text = self.texts[row]
            got = self.words.get(text)
            if got is None:  # two threads may both compute it: the same tuple either way
                got = self.words[text] = tuple(dict.fromkeys(map(sys.intern, tokenize(text))))
            self.by_row[row] = got
        return got

    def warm(self) -> None:
        """Tokenize every row now (a server at start), not on a request's first read."""
        self.many(range(len(self.texts)))

    def many(self, rows: Sequence[int]) -> list[tuple[str, ...]]:
        """The words of each of ``rows``."""
        out = [self.by_row[i] for i in rows]
        if None in out:
            out = [self[i] for i in rows]
        return out

    def postings(self) -> tuple[dict[str, np.ndarray], np.ndarray]:
        """(word -> the rows holding it, per row its number of words): every row tokenized, built once."""
        got = self._postings
        if got is None:  # in arrays, not a list of rows per word: a million tracks hold about ten million words
            per_row = self.many(range(len(self.texts)))
            counts = np.fromiter(map(len, per_row), dtype=np.int64, count=len(per_row))
            ids: dict[str, int] = {}
            flat = np.fromiter(
                (ids.setdefault(w, len(ids)) for words in per_row for w in words), dtype=np.int32, count=counts.sum()
            )
            order = np.argsort(flat, kind="stable")  # by word, each word's rows ascending
            rows = np.repeat(np.arange(len(per_row), dtype=np.int32), counts)[order]
            bounds = np.concatenate([[0], np.cumsum(np.bincount(flat, minlength=len(ids)))])
            index = {w: rows[bounds[i] : bounds[i + 1]] for w, i in ids.items()}
            got = self._postings = (index, counts.astype(np.float64))
        return got

    def shared(self, words: frozenset[str], rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(how many of ``words`` each of ``rows`` holds, how many words it has), as float64: a row's words are
        distinct, so the count is the size of the intersection."""
        index, counts = self.postings()
        hits = np.zeros(len(self.texts), dtype=np.float64)
        for w in words:
            found = index.get(w)
            if found is not None:
                hits[found] += 1.0
        return hits[rows], counts[rows]


class Featurizer:
    """Per-candidate features of one request, from the retriever's arrays (no Qdrant call).

    The per-track label sets, artists and playlists are laid out once as index arrays, so a request's features are
    numpy gathers over its few hundred candidates instead of Python loops (3.2 -> 0.9 ms of CPU per request). Sums
    run in the order the Python loops summed in (each set's iteration order), so every feature is the same bit for
    bit."""

    def __init__(self, retriever: "Retriever"):
        self.r = retriever
        tracks = retriever.catalog.tracks
        words: dict[str, tuple[str, ...]] = {}  # shared: artists and albums repeat
        self.title_tokens = _Words([t.title for t in tracks], words)
        self.artist_tokens = _Words([t.artist for t in tracks], words)
        self.album_tokens = _Words([t.album for t in tracks], words)
        self.artist_playlists: dict[str, list[int]] = {}
        for j, share in enumerate(retriever.playlist_artists):
            for a in share:
                self.artist_playlists.setdefault(a, []).append(j)
        # label ids (genres and subgenres share one numbering; ``len(labels)`` pads and weighs 0), per track in its
        # set's iteration order
        self.labels = sorted(frozenset().union(*retriever.genre_sets, *retriever.subgenre_sets))
        self.label_id = {x: i for i, x in enumerate(self.labels)}
        self.genre_ids = self._padded(retriever.genre_sets)
        self.subgenre_ids = self._padded(retriever.subgenre_sets)
        self.artist_id: dict[str, int] = {}
        self.artist_of = np.array([self.artist_id.setdefault(a, len(self.artist_id)) for a in retriever.artists])
        self._shares: dict[int, tuple[np.ndarray, np.ndarray]] = {}  # playlist -> its artists' ids and shares

    def warm(self) -> None:
        """Every track's title, artist and album words, tokenized now rather than on a request's first read of the
        track (a quarter of a request's features on a server's first few hundred requests)."""
        for words in (self.title_tokens, self.artist_tokens, self.album_tokens):
            words.warm()
            words.postings()

    def _padded(self, sets: list[frozenset[str]]) -> np.ndarray:
        """(tracks, most labels) label ids of each track's set, in its iteration order, padded with the pad id."""
        pad = len(self.labels)
        width = max(map(len, sets), default=0) or 1
        out = np.full((len(sets), width), pad, dtype=np.int32)
        ids = self.label_id
        for i, s in enumerate(sets):
            if s:
                out[i, : len(s)] = [ids[x] for x in s]
        return out

    def _label_weights(self, weights: dict[str, float]) -> np.ndarray:
        """Label id -> weight (0 where none is given, and at the pad)."""
        out = np.zeros(len(self.labels) + 1, dtype=np.float64)
        for x, w in weights.items():
            i = self.label_id.get(x)
            if i is not None:
                out[i] = w
        return out

    @staticmethod
    def _ordered_sum(weights: np.ndarray, ids: np.ndarray) -> np.ndarray:
        """Per row, the weights of its ids added left to right (as Python's ``sum`` over the set did)."""
        acc = np.zeros(len(ids), dtype=np.float64)
        for k in range(ids.shape[1]):
            acc += weights[ids[:, k]]
        return acc

    def __call__(
        self,
        candidates: Sequence[Candidate],
        applied: PlaylistQuery,
        asked: PlaylistQuery,
        near: "NameNeighbours | None",
        vector: np.ndarray | None = None,
    ) -> np.ndarray:
        """(len(candidates), len(FEATURES)) float32, columns in :data:`FEATURE_NAMES` order."""
        r = self.r
        n = len(candidates)
        if not n:
            return np.zeros((0, len(FEATURES)), np.float32)
        rows = np.fromiter((c.idx for c in candidates), dtype=np.int64, count=n)
        col: dict[str, np.ndarray] = {}
        m = (MISSING_RANK, 0.0)
        found = np.fromiter(  # (n, channel, rank and score)
            chain.from_iterable(
                chain(d.get("tags", m), d.get("dense", m), d.get("bm25", m), d.get("names", m))
                for d in _channels(candidates)
            ),
            dtype=np.float64,
            count=8 * n,
        ).reshape(n, 4, 2)
        for k, name in enumerate(("tags", "dense", "bm25", "names")):
            col[f"{name}_rank"] = np.log1p(found[:, k, 0].astype(np.float32))
            col[f"{name}_score" if name != "dense" else "dense_sim"] = found[:, k, 1].astype(np.float32)
        col["tier"] = np.array([c.tier for c in candidates], dtype=np.float32)
        # the fused score without its tier offset (a multiple of tools.retrieve.TIER; fusion adds less than 1)
        col["fused"] = np.mod(np.array([c.score for c in candidates], dtype=np.float64), 10.0).astype(np.float32)
        col.update(self._labels(rows, applied, near, vector))
        col.update(self._names(rows, near))

        years = r.years[rows]
        y = asked.years if asked.years is not None and (asked.years.start or asked.years.end) else None
        if y is not None:
            lo, hi = y.start or 0, y.end or 9999
            gap = np.maximum(0.0, lo - years) + np.maximum(0.0, years - hi)
            col["year_match"] = np.where(years <= 0, 0.0, np.where(gap == 0, 1.0, -1.0)).astype(np.float32)
            col["year_gap"] = np.where(years <= 0, 1.0, np.clip(gap / 10.0, 0.0, 3.0)).astype(np.float32)
        else:
            col["year_match"] = np.zeros(n, dtype=np.float32)
            col["year_gap"] = np.zeros(n, dtype=np.float32)

        moods = r.wanted_moods(applied)
        close = np.zeros(n, dtype=np.float32)
        tagged = np.zeros(n, dtype=np.float32)
        if moods:
            total = sum(moods.values())
            for m, w in moods.items():
                target = MOOD_TARGETS[m]
                dist = np.mean([np.abs(r.scaled[f][rows] - v) for f, v in target.items()], axis=0)
                close += w * np.clip(1.0 - 2.0 * dist, 0.0, 1.0) / total
                tagged += w * r.mood_tagged[m][rows] / total
        col["mood_close"], col["mood_tag"] = close, tagged
        feat = np.zeros(n, dtype=np.float32)
        for b in applied.features:
            lo, hi = FEATURE_RANGE[b.feature]
            if b.target is not None:
                feat += np.clip(1.0 - 2.0 * np.abs(r.features[b.feature][rows] - b.target) / (hi - lo), 0.0, 1.0)
        col["feature_close"] = feat

        col["popularity"] = r.popularity[rows].astype(np.float32)
        col["popularity_wanted"] = np.full(
            n, {"popular": 1.0, "obscure": -1.0}.get(asked.popularity or "", 0.0), dtype=np.float32
        )

        words = frozenset(tokenize(asked.text or asked.free_text))
        col.update(self._overlaps(rows, words))
        named = {fold(t.value) for t in asked.artists}
        ids = [self.artist_id[a] for a in named if a in self.artist_id]
        col["named_artist"] = np.isin(self.artist_of[rows], ids).astype(np.float32)
        col["colisting"] = self._colisting(rows, named)

        genres, subs = self._asked_labels(applied)
        col["q_genre"] = np.full(n, float(bool(genres or subs)), dtype=np.float32)
        col["q_year"] = np.full(n, float(y is not None), dtype=np.float32)
        col["q_mood"] = np.full(n, float(bool(moods)), dtype=np.float32)
        col["q_artist"] = np.full(n, float(bool(named)), dtype=np.float32)
        col["q_words"] = np.full(n, float(len(words)), dtype=np.float32)
        return np.stack([col[f] for f in FEATURE_NAMES], axis=1)

    def genre_fit(self, cands: Sequence[Candidate], near: "NameNeighbours") -> np.ndarray:
        """:func:`genre_fit` from the label arrays: the same maximum, without a list per candidate."""
        total = sum(near.genres.values())
        if total <= 0:
            return np.zeros(len(cands))
        share = self._label_weights({g: w / total for g, w in near.genres.items()})  # the pad weighs 0: max(..., 0)
        rows = np.fromiter((c.idx for c in cands), dtype=np.int64, count=len(cands))
        return share[self.genre_ids[rows]].max(axis=1)

    def _asked_labels(self, applied: PlaylistQuery) -> tuple[set[str], set[str]]:
        """The genres (a subgenre's parent too) and subgenres the applied query asks for."""
        genres = {t.value for t in applied.genres} | {self.r.parent.get(t.value, "") for t in applied.subgenres}
        genres.discard("")
        return genres, {t.value for t in applied.subgenres}

    def _labels(
        self, rows: np.ndarray, applied: PlaylistQuery, near: "NameNeighbours | None", vector: np.ndarray | None
    ) -> dict[str, np.ndarray]:
        """The genre and subgenre features: matches, the nearest label's similarity, the name-alike playlists'."""
        genres, subs = self._asked_labels(applied)
        g_ids, s_ids = self.genre_ids[rows], self.subgenre_ids[rows]
        out = {"genre_match": self._ternary(g_ids, genres), "subgenre_match": self._ternary(s_ids, subs)}
        # the nearest of a track's genre and subgenre names to the request (0 for a track with none)
        label_sim: dict[str, float] = {}
        if vector is not None:
            label_sim = {k: float(v @ vector) for k, v in self.r.label_vectors.items()}
        sims = self._label_weights(label_sim)
        out["label_sim"] = np.maximum(sims[g_ids].max(1), sims[s_ids].max(1)).clip(min=0.0).astype(np.float32)
        near_g = self._label_weights(near.genres if near else {})
        near_s = self._label_weights(near.subgenres if near else {})
        out["names_genre"] = self._ordered_sum(near_g, g_ids).astype(np.float32)
        out["names_subgenre"] = self._ordered_sum(near_s, s_ids).astype(np.float32)
        return out

    def _ternary(self, ids: np.ndarray, wanted: set[str]) -> np.ndarray:
        """1 where a track's labels meet ``wanted``, 0 where it has none (unknown), -1 otherwise; 0 when nothing
        is wanted."""
        if not wanted:
            return np.zeros(len(ids), dtype=np.float32)
        want = np.zeros(len(self.labels) + 1, dtype=bool)
        want[[self.label_id[x] for x in wanted if x in self.label_id]] = True
        some = ids[:, 0] != len(self.labels)
        return np.where(some, np.where(want[ids].any(1), 1.0, -1.0), 0.0).astype(np.float32)

    def _names(self, rows: np.ndarray, near: "NameNeighbours | None") -> dict[str, np.ndarray]:
        """The name-alike playlists' features: their artists' weight, the track's own playlists', the best name."""
        n = len(rows)
        if near is None:
            zero = np.zeros(n, dtype=np.float32)
            return {"names_artist": zero, "names_track": zero.copy(), "names_best": zero.copy()}
        artist_w = near.memo.get("artist_weights")
        if artist_w is None:  # once per neighbours: a conversation's edits search the same words again
            spare = len(self.artist_id)  # where an artist of no track would land (none in practice)
            artist_w = np.zeros(spare + 1, dtype=np.float64)
            ids = np.fromiter(map(self.artist_id.get, near.artists, repeat(spare)), np.int64, count=len(near.artists))
            artist_w[ids] = np.fromiter(near.artists.values(), dtype=np.float64, count=len(ids))
            artist_w[spare] = 0.0
            near.memo["artist_weights"] = artist_w
        return {
            "names_artist": artist_w[self.artist_of[rows]].astype(np.float32),
            "names_track": self.r.track_name_scores(near)[rows].astype(np.float32),
            "names_best": np.full(n, near.best, dtype=np.float32),
        }

    def _overlaps(self, rows: np.ndarray, words: frozenset[str]) -> dict[str, np.ndarray]:
        """The request's words found in the track's artist (share of the artist's words), title and album (share of
        the request's words)."""
        n = len(rows)
        if not words:
            zero = np.zeros(n, dtype=np.float32)
            return {"artist_overlap": zero, "title_overlap": zero.copy(), "album_overlap": zero.copy()}
        nw = float(max(1, len(words)))
        # from each field's word -> rows index: the same shares as intersecting each row's words (one division each)
        artist, has = self.artist_tokens.shared(words, rows)
        title, _ = self.title_tokens.shared(words, rows)
        album, _ = self.album_tokens.shared(words, rows)
        return {
            "artist_overlap": (artist / np.maximum(has, 1.0)).astype(np.float32),
            "title_overlap": (title / nw).astype(np.float32),
            "album_overlap": (album / nw).astype(np.float32),
        }

    def title_tags(self, candidates: Sequence[Candidate], asked: PlaylistQuery) -> np.ndarray:
        """Per candidate, the share of the request's words that are vocabulary tag words (:func:`vocabulary_tag_words`)
        found in the track's title: "Shower" answers "crying in the shower" by its title, not by its sound. Zeros when
        the request names an artist or a song ("Happy by Pharrell", "songs like Blinding Lights"): a title is sought."""
        out = np.zeros(len(candidates), dtype=np.float64)
        if asked.artists or any((f.source or "").startswith("like ") for f in asked.features):
            return out
        said = frozenset(tokenize(asked.text or asked.free_text))
        # a holiday's name in a title is the holiday's music ("Christmas Soul": "Soul Christmas"), not a description
        words = (said & vocabulary_tag_words()) - holiday_words()
        if not words:
            return out
        rows = np.fromiter((c.idx for c in candidates), dtype=np.int64, count=len(candidates))
        hits, _ = self.title_tokens.shared(words, rows)  # per candidate, how many of ``words`` its title holds
        return hits / len(said)

    def outside_soft(self, candidates: Sequence[Candidate], asked: PlaylistQuery) -> np.ndarray:
        """Per candidate, how far its sound lies outside the request's soft bounds (hedged or inferred, never a
        filter): per bound its confidence times the distance in quarters of the feature's range, capped at 1."""
        out = np.zeros(len(candidates), dtype=np.float64)
        soft = [b for b in asked.features if not b.explicit and (b.min is not None or b.max is not None)]
        soft = [b for b in soft if b.feature in self.r.features]
        if not soft or not candidates:
            return out
        rows = np.fromiter((c.idx for c in candidates), dtype=np.int64, count=len(candidates))
        for b in soft:
            lo, hi = FEATURE_RANGE[b.feature]
            v = self.r.features[b.feature][rows].astype(np.float64)
            gap = np.maximum(0.0, (b.min if b.min is not None else lo) - v)
            gap += np.maximum(0.0, v - (b.max if b.max is not None else hi))
            out += b.confidence * np.clip(4.0 * gap / (hi - lo), 0.0, 1.0)
        return out

    def off_target(self, candidates: Sequence[Candidate], asked: PlaylistQuery) -> np.ndarray:
        """Per candidate, its mean distance to the request's sound targets (each weighed by its confidence), in each
        feature's range; zeros when the request aims at none (:data:`TARGET_PULL`)."""
        out = np.zeros(len(candidates), dtype=np.float64)
        # the sound's targets; a popularity aimed at ("too obvious") has its own pull (POPULARITY_PULL's feature)
        aims = [
            b
            for b in asked.features
            if b.target is not None and b.feature in self.r.features and b.feature != "popularity"
        ]
        weight = sum(b.confidence for b in aims)
        if not aims or not candidates or weight <= 0:
            return out
        rows = np.fromiter((c.idx for c in candidates), dtype=np.int64, count=len(candidates))
        for b in aims:
            lo, hi = FEATURE_RANGE[b.feature]
            out += b.confidence * np.abs(self.r.features[b.feature][rows].astype(np.float64) - b.target) / (hi - lo)
        return out / weight

    def _colisting(self, rows: np.ndarray, named: set[str]) -> np.ndarray:
        """Mean share of the track's artist in the playlists that hold a named artist (0 with none named)."""
        lists = sorted({j for a in named for j in self.artist_playlists.get(a, ())})
        if not lists:
            return np.zeros(len(rows), dtype=np.float32)
        acc = np.zeros(len(self.artist_id), dtype=np.float64)  # per artist, the shares added in playlist order
        for j in lists:
            ids, shares = self._playlist_shares(j)
            acc[ids] += shares
        return (acc[self.artist_of[rows]] / len(lists)).astype(np.float32)

    def _playlist_shares(self, j: int) -> tuple[np.ndarray, np.ndarray]:
        """Playlist ``j``'s artists (ids) and their shares of its tracks."""
        got = self._shares.get(j)
        if got is None:
            share = self.r.playlist_artists[j]
            ids = np.array([self.artist_id[a] for a in share], dtype=np.int64)
            got = self._shares[j] = (ids, np.array(list(share.values()), dtype=np.float64))
        return got


def genre_fit(r: "Retriever", cands: Sequence[Candidate], near: "NameNeighbours") -> np.ndarray:
    """Per candidate, the share of the name-alike playlists' weight in the track's best genre (0 unlabelled)."""
    total = sum(near.genres.values())
    if total <= 0:
        return np.zeros(len(cands))
    share = {g: w / total for g, w in near.genres.items()}
    return np.array([max([share.get(g, 0.0) for g in r.genre_sets[c.idx]] + [0.0]) for c in cands])


def genre_trust(found: "Retrieval", asked: PlaylistQuery, moods: bool) -> float:
    """How far the request's genre can be read from the catalog's playlist names, 0-1 (:data:`GENRE_TRUST`): 1 when
    it names a genre, an artist or a song to sound like, or when no mood was read (``moods``: then the words left
    are a name's, "Todo Éxitos", "Hands Up", and the playlists named alike are the best evidence there is); else by
    the nearest playlist name's cosine."""
    q = found.query
    if q.genres or q.subgenres or asked.genres or asked.subgenres or asked.artists or not moods:
        return 1.0
    if any((f.source or "").startswith("like ") for f in asked.features):
        return 1.0
    lo, hi = GENRE_TRUST
    best = found.names.best if found.names is not None else 0.0
    return float(np.clip((best - lo) / (hi - lo), 0.0, 1.0)) if hi > lo else float(best >= lo)


# Without a learned ranker (a fresh install, CI), retrieval's fused order is the playlist's order, and none of the
# ranker's pulls above act on it: an occasion that names no genre ("songs for a bbq", "dinner party playlist") kept the
# genre of the playlists named like it (80% rap: cookout playlists), titles repeating its words ("Party Like Its 1920")
# and the energy of those titles. :func:`order_unranked` reorders the fused pool by the same rules, in units of one
# channel's best reciprocal rank (1 / RRF_K), never across tiers: the names channel's share drawn down by the distrust
# (as :func:`untrusted_names`); the mood's sound, known tracks carrying its tag and the sound the request aims at
# (a calm occasion's energy, a hedged bound) pulled up by the distrust (as MOOD_PULL, OCCASION_POPULARITY_PULL,
# SOUND_PULL); a title holding the request's tag words pushed down (as TITLE_TAG_PULL).
# Chosen on `python -m evals.occasions` (no_ranker) and the first3 dialogues (evals/dialogues_open, an*).
UNRANKED_MOOD_PULL = 2.0
UNRANKED_POPULARITY_PULL = 3.0
UNRANKED_TITLE_PULL = 3.0
UNRANKED_SOUND_PULL = 2.0
# A request like an artist or a song ("songs like ABBA", "songs like dancing queen"): what it is like, as the ranker
# reads it (year_match/year_gap on the era aimed at, feature_close on a seed's sound, genre_match), in the same units
# (:func:`_like_fit`): the era of the artists it is like (`tools.pipeline.like_era`, soft; their own tracks count as in
# it), their sound (a seed song's, or the mean of the artists' own tracks) and their genres pulled up. Without it the
# request's words and the playlists named like them ruled: "party music like abba and madonna" was 0% from before 1990,
# "bands like depeche mode" 25% from 1975-95. Chosen on the like10 dialogues (ap01-ap05, 469-471) and u34 without a
# ranker (share in the era / rock share of "songs like fleetwood mac for a road trip, nothing after 1990"): era, sound,
# genre (2, 2, 0) drew the names channel down by one unit as well and passed the eras but took u34's rock 14 -> 10 of
# 20 (the names channel was its genre); (2, 2, 2) 20 of 20, the eras unchanged, drawing the names down no longer moved
# anything, so it is left out. Era 4 or sound 4 changed no check.
UNRANKED_LIKE_ERA_PULL = 2.0
UNRANKED_LIKE_SOUND_PULL = 2.0
UNRANKED_LIKE_GENRE_PULL = 2.0
LIKE_GENRE_TRACKS = 5  # an artist's genre counts fully once this many of their tracks say it (ABBA's one: a fifth)
LIKE_SOUND = ("energy", "valence", "danceability", "tempo", "acousticness")  # as tools.extract.SEED_FEATURES


def order_unranked(retriever, found: "Retrieval", asked: PlaylistQuery) -> list[Candidate]:
    """Retrieval's pool in its fused order, corrected where a request names no genre or repeats tag words (see
    :data:`UNRANKED_MOOD_PULL`); the pool as it is when neither applies."""
    from tools.index import RRF_K

    cands = list(found.candidates)
    if not cands:
        return cands
    moods = retriever.wanted_moods(found.query)
    trust = genre_trust(found, asked, bool(moods))
    # the title pull is for occasions and moods ("party playlist": "Party Like Its 1920"); a request that reads none
    # ("the best of queen", then Queen left out) is left to its words
    titled = _title_tag_hits(retriever, cands, asked) if moods else np.zeros(len(cands))
    rows = np.fromiter((c.idx for c in cands), dtype=np.int64, count=len(cands))
    liked = _like_fit(retriever, rows, asked)
    if trust >= 1.0 and not titled.any() and liked is None:
        return cands
    unit = 1.0 / RRF_K
    s = np.array([c.score for c in cands], dtype=np.float64)
    if liked is not None:
        s += unit * liked
    if trust < 1.0:
        distrust = 1.0 - trust
        names = np.array([1.0 / (RRF_K + c.channels["names"][0]) if "names" in c.channels else 0.0 for c in cands])
        close, tagged = retriever.mood_fit(rows, moods)
        known = retriever.popularity[rows] * tagged
        sound = _sound_fit(retriever, rows, asked)
        pulls = UNRANKED_MOOD_PULL * close + UNRANKED_POPULARITY_PULL * known + UNRANKED_SOUND_PULL * sound
        s += distrust * (unit * pulls - names)
    s -= unit * UNRANKED_TITLE_PULL * titled
    for c, score in zip(cands, s.tolist()):  # the refiner orders by the score
        c.score = score
    order = np.argsort(-s, kind="stable")
    return [cands[i] for i in order.tolist()]


def _like_fit(retriever, rows: np.ndarray, asked: PlaylistQuery) -> np.ndarray | None:
    """Per row, how near it lies to what the request is like (:data:`UNRANKED_LIKE_ERA_PULL`): within the era aimed at
    (1, falling to 0 ten years out; 0 undated), near the sound (minus the mean distance over :data:`LIKE_SOUND`, in
    each feature's range, to a seed song's targets or else the liked artists' mean) and in their genres
    (:func:`_like_genre`); None when it is like nothing."""
    seeded = {
        b.feature: b.target for b in asked.features if (b.source or "").startswith("like ") and b.target is not None
    }
    liked = [fold(t.value) for t in asked.artists if t.scope == "like"]
    if not seeded and not liked:
        return None
    out = np.zeros(len(rows), dtype=np.float64)
    own = np.fromiter((r for a in liked for r in retriever.catalog.by_artist.get(a, ())), dtype=np.int64)
    y = asked.years
    if y is not None and not y.explicit and (y.start or y.end):
        years = retriever.years[rows].astype(np.float64)
        gap = np.maximum(0.0, (y.start or 0) - years) + np.maximum(0.0, years - (y.end or 9999))
        fit = np.where(years > 0, np.clip(1.0 - gap / 10.0, 0.0, 1.0), 0.0)
        fit[np.isin(rows, own)] = 1.0  # the liked artists' own tracks, late ones too, are what is liked
        out += UNRANKED_LIKE_ERA_PULL * fit
    targets = {
        f: seeded.get(f, float(retriever.features[f][own].mean()) if len(own) else None)
        for f in LIKE_SOUND
        if f in retriever.features
    }
    far = [np.abs(retriever.features[f][rows] - t) / (FEATURE_RANGE[f][1] - FEATURE_RANGE[f][0])
           for f, t in targets.items() if t is not None]  # fmt: skip
    if far:
        out -= UNRANKED_LIKE_SOUND_PULL * np.mean(far, axis=0)
    if len(own):
        out += UNRANKED_LIKE_GENRE_PULL * _like_genre(retriever, rows, own)
    return out


def _like_genre(retriever, rows: np.ndarray, own: np.ndarray) -> np.ndarray:
    """Per row, the largest share of the liked artists' tracks carrying one of its genres, each genre's share counted
    in full only once :data:`LIKE_GENRE_TRACKS` of their tracks carry it (one playlist's label says little)."""
    counts: dict[str, int] = {}
    for r in own.tolist():
        for g in retriever.genre_sets[r]:
            counts[g] = counts.get(g, 0) + 1
    share = {g: (c / len(own)) * min(1.0, c / LIKE_GENRE_TRACKS) for g, c in counts.items()}
    return np.array([max([share.get(g, 0.0) for g in retriever.genre_sets[r]] + [0.0]) for r in rows.tolist()])


def _sound_fit(retriever, rows: np.ndarray, asked: PlaylistQuery) -> np.ndarray:
    """Per row, how near it lies to the sound the request aims at (a calm occasion's energy, a hedged "kinda slow"):
    per bound its confidence times the distance to its target and outside its soft limits, in the feature's range,
    taken off; unclipped, so that among tracks far from it the nearer still come first."""
    out = np.zeros(len(rows), dtype=np.float64)
    for b in asked.features:
        if b.feature not in retriever.features:
            continue
        lo, hi = FEATURE_RANGE[b.feature]
        v = retriever.features[b.feature][rows].astype(np.float64)
        if b.target is not None:
            out -= b.confidence * np.abs(v - b.target) / (hi - lo)
        if not b.explicit:
            below = np.maximum(0.0, (b.min if b.min is not None else lo) - v)
            out -= b.confidence * (below + np.maximum(0.0, v - (b.max if b.max is not None else hi))) / (hi - lo)
    return out


def _title_tag_hits(retriever, candidates: Sequence[Candidate], asked: PlaylistQuery) -> np.ndarray:
    """Per candidate, how many of the request's vocabulary tag words (holidays aside; with the catalog's word for a tag
    read from another, "brunch": "dinner", as the lexical channel searched it) its title holds; zeros when
    the request names an artist or a song to sound like (a title is sought), as :meth:`Featurizer.title_tags`."""
    out = np.zeros(len(candidates), dtype=np.float64)
    if asked.artists or any((f.source or "").startswith("like ") for f in asked.features):
        return out
    from tools.retrieve import search_text  # its words: the request's and those of the tags read from other words

    words = (frozenset(tokenize(search_text(asked))) & vocabulary_tag_words()) - holiday_words()
    # a genre's name in a title is often the genre's own hit ("Reggaetón Lento" for "reggaeton hits"): kept
    words -= {w for t in (*asked.genres, *asked.subgenres) for w in tokenize(f"{t.value} {t.source or ''}")}
    if not words:
        return out
    tracks = retriever.catalog.tracks
    for i, c in enumerate(candidates):
        out[i] = len(words.intersection(tokenize(tracks[c.idx].title)))
    return out


def untrusted_names(x: np.ndarray, trust: float) -> np.ndarray:
    """``x`` with each of :data:`NAME_FEATURES` drawn toward its mean over the candidates by ``1 - trust`` (at 0 the
    feature no longer tells one candidate from another)."""
    if trust >= 1.0 or not len(x):
        return x
    x = x.copy()
    cols = [FEATURE_NAMES.index(f) for f in NAME_FEATURES]
    mean = x[:, cols].mean(axis=0)
    x[:, cols] = mean + trust * (x[:, cols] - mean)
    return x


def _ternary(sets: list[frozenset[str]], wanted: set[str]) -> np.ndarray:
    """1 where a track's labels meet ``wanted``, 0 where it has none (unknown), -1 otherwise; 0 when nothing is
    wanted."""
    if not wanted:
        return np.zeros(len(sets), dtype=np.float32)
    return np.array([0.0 if not s else (1.0 if s & wanted else -1.0) for s in sets], dtype=np.float32)


def _channels(candidates: Sequence[Candidate]) -> Iterator[dict[str, tuple[int, float]]]:
    return (c.channels for c in candidates)


# ------------------------------------------------------------------------------------ models
class TorchRanker:
    """A compact MLP scorer (features -> 64 -> 32 -> 1) over standardised features."""

    def __init__(self, n_features: int, mean: np.ndarray | None = None, std: np.ndarray | None = None, seed: int = 0):
        import torch

        torch.manual_seed(seed)
        self.net = torch.nn.Sequential(
            torch.nn.Linear(n_features, 64),
            torch.nn.ReLU(),
            torch.nn.Linear(64, 32),
            torch.nn.ReLU(),
            torch.nn.Linear(32, 1),
        )
        self.mean = np.zeros(n_features, np.float32) if mean is None else mean.astype(np.float32)
        self.std = np.ones(n_features, np.float32) if std is None else std.astype(np.float32)

    def _x(self, x: np.ndarray):
        import torch

        return torch.from_numpy(((x - self.mean) / self.std).astype(np.float32))

    def fit(
        self, x: np.ndarray, y: np.ndarray, groups: list[np.ndarray], epochs: int = 25, lr: float = 3e-3
    ) -> "TorchRanker":
        """Listwise softmax cross-entropy per request (ListNet with top-one probabilities), on one torch thread:
        a request's few hundred rows are too few to share, and a second thread only waits (the same weights;
        at load 18, 16x the CPU)."""
        import torch

        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            return self._fit(x, y, groups, epochs, lr)
        finally:
            torch.set_num_threads(threads)

    def _fit(self, x: np.ndarray, y: np.ndarray, groups: list[np.ndarray], epochs: int, lr: float) -> "TorchRanker":
        import torch

        self.mean = x.mean(axis=0).astype(np.float32)
        self.std = (x.std(axis=0) + 1e-6).astype(np.float32)
        xt, yt = self._x(x), torch.from_numpy(y.astype(np.float32))
        opt = torch.optim.Adam(self.net.parameters(), lr=lr, weight_decay=1e-5)
        rng = np.random.default_rng(0)
        self.net.train()
        for _ in range(epochs):
            for gi in rng.permutation(len(groups)).tolist():
                idx = torch.from_numpy(groups[gi])
                s = self.net(xt[idx]).squeeze(-1)  # (candidates,)
                rel = yt[idx]
                loss = -(torch.log_softmax(s, dim=0) * (rel / rel.sum())).sum()
                opt.zero_grad()
                loss.backward()
                opt.step()
        self.net.eval()
        return self

    def predict(self, x: np.ndarray) -> np.ndarray:
        import torch

        with torch.no_grad():
            return self.net(self._x(x)).squeeze(-1).numpy().astype(np.float64)

    def contributions(self, x: np.ndarray) -> np.ndarray:
        """Gradient times (input - mean), per feature: how each feature moved this track's score."""
        import torch

        xt = self._x(x).requires_grad_(True)
        (grad,) = torch.autograd.grad(self.net(xt).sum(), xt)  # leaves the weights' .grad alone (threads)
        return (grad * xt.detach()).numpy().astype(np.float64)

    def state(self) -> dict:
        import torch

        return {"net." + k: v for k, v in self.net.state_dict().items()} | {
            "mean": torch.from_numpy(self.mean),
            "std": torch.from_numpy(self.std),
        }

    def arrays(self) -> dict[str, np.ndarray]:
        """The weights and the standardisation as numpy arrays (what :class:`NumpyMLP` serves)."""
        return {k: v.detach().cpu().numpy() for k, v in self.state().items()}

    @classmethod
    def from_state(cls, state: dict) -> "TorchRanker":
        out = cls(int(state["mean"].shape[0]), state["mean"].numpy(), state["std"].numpy())
        out.net.load_state_dict({k[4:]: v for k, v in state.items() if k.startswith("net.")})
        out.net.eval()
        return out


class NumpyMLP:
    """The trained MLP served with numpy: the same scores and contributions as :class:`TorchRanker`, with no torch
    import (about a second and 400 MB at a command's start)."""

    def __init__(self, arrays: dict[str, np.ndarray]):
        self._arrays = dict(arrays)
        self.w = [arrays[f"net.{i}.weight"].astype(np.float32) for i in (0, 2, 4)]
        self.b = [arrays[f"net.{i}.bias"].astype(np.float32) for i in (0, 2, 4)]
        self.mean, self.std = arrays["mean"].astype(np.float32), arrays["std"].astype(np.float32)

    def _forward(self, x: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
        z = ((x - self.mean) / self.std).astype(np.float32)
        hidden = []
        h = z
        for w, b in zip(self.w[:-1], self.b[:-1]):
            h = np.maximum(h @ w.T + b, 0.0)
            hidden.append(h)
        return (h @ self.w[-1].T + self.b[-1])[:, 0], [z, *hidden]

    def arrays(self) -> dict[str, np.ndarray]:
        return self._arrays

    def predict(self, x: np.ndarray) -> np.ndarray:
        return self._forward(x)[0].astype(np.float64)

    def contributions(self, x: np.ndarray) -> np.ndarray:
        """Gradient times (input - mean), per feature, as :meth:`TorchRanker.contributions`."""
        _, (z, *hidden) = self._forward(x)
        g = np.broadcast_to(self.w[-1], (len(z), self.w[-1].shape[1]))
        for w, h in zip(reversed(self.w[:-1]), reversed(hidden)):
            g = (g * (h > 0)) @ w
        return (g * z).astype(np.float64)


def lightgbm_params(seed: int = 0) -> dict:
    """LightGBM lambdarank settings, with each feature's monotone direction."""
    return {
        "objective": "lambdarank",
        "metric": "ndcg",
        "eval_at": [K],
        "learning_rate": 0.05,
        "num_leaves": 31,
        "min_data_in_leaf": 40,
        "feature_fraction": 0.9,
        "bagging_fraction": 0.8,
        "bagging_freq": 1,
        "lambdarank_truncation_level": 40,
        "monotone_constraints": [FEATURES[f] for f in FEATURE_NAMES],
        "monotone_constraints_method": "intermediate",
        "num_threads": 1,
        "seed": seed,
        "deterministic": True,
        "force_row_wise": True,
        "verbose": -1,
    }


@dataclass
class Ranker:
    """A trained model of either kind and the features it reads, in order."""

    kind: str  # "lightgbm" or "torch"
    model: object
    features: list[str] = field(default_factory=lambda: list(FEATURE_NAMES))
    meta: dict = field(default_factory=dict)

    def predict(self, x: np.ndarray) -> np.ndarray:
        if self.kind == "lightgbm":
            return np.asarray(self.model.predict(x, num_threads=1), dtype=np.float64)
        return self.model.predict(x)

    def contributions(self, x: np.ndarray) -> np.ndarray:
        """(n, features) contribution of each feature to each score (LightGBM: SHAP values)."""
        if self.kind == "lightgbm":
            return np.asarray(self.model.predict(x, pred_contrib=True, num_threads=1))[:, :-1]
        return self.model.contributions(x)

    def rank(self, featurizer: Featurizer, found: "Retrieval", asked: PlaylistQuery) -> list[Candidate]:
        """The candidates by ranker score within each relaxation tier (a stricter tier still comes
        first); ``score`` becomes tier + a 0-1 squash of the ranker's score, ``ranker`` the raw score,
        and the best :data:`EXPLAINED` get their top feature contributions."""
        cands = list(found.candidates)
        if not cands:
            return cands
        x = featurizer(cands, found.query, asked, found.names, found.vector)
        trust = genre_trust(found, asked, bool(featurizer.r.wanted_moods(found.query)))
        x = untrusted_names(x, trust)
        s = self.predict(x)
        if GENRE_PRIOR and found.names is not None:
            s = s + GENRE_PRIOR * trust * featurizer.genre_fit(cands, found.names)
        if MOOD_PULL and trust < 1.0:
            s = s + MOOD_PULL * (1.0 - trust) * x[:, FEATURE_NAMES.index("mood_close")]
        titled = featurizer.title_tags(cands, asked) if TITLE_TAG_PULL or OCCASION_POPULARITY_PULL else None
        if OCCASION_POPULARITY_PULL and trust < 1.0 and not asked.popularity:
            # a title holding the request's occasion word ("Summer ..." for "summer nights") gets no lift for fame
            known = x[:, FEATURE_NAMES.index("popularity")] * x[:, FEATURE_NAMES.index("mood_tag")] * (1.0 - titled)
            s = s + OCCASION_POPULARITY_PULL * (1.0 - trust) * known
        if TITLE_TAG_PULL:
            s = s - TITLE_TAG_PULL * titled
        if POPULARITY_PULL and asked.popularity:  # "hits from 2008 to 2012", "deep cuts": the popularity said
            way = 1.0 if asked.popularity == "popular" else -OBSCURE_SHARE
            s = s + POPULARITY_PULL * way * x[:, FEATURE_NAMES.index("popularity")]
        if SOUND_PULL:
            s = s - SOUND_PULL * featurizer.outside_soft(cands, asked)
        if TARGET_PULL:
            s = s - TARGET_PULL * featurizer.off_target(cands, asked)
        if NAMED_PULL:
            s = s + NAMED_PULL * x[:, FEATURE_NAMES.index("named_artist")]
        tiers = np.array([c.tier for c in cands], dtype=np.float64)
        with np.errstate(over="ignore"):  # a very negative score squashes to 0, as it should
            final = 10.0 * (tiers.max() - tiers) + 1.0 / (1.0 + np.exp(-s))
        if UNKNOWN_GENRE_PENALTY and (found.query.genres or found.query.subgenres):
            # A track with no genre label is unknown, not a match: it must not outrank labelled matches
            # for being unknown (in an evaluation split such tracks are mostly the held-out playlists' own).
            r = featurizer.r
            unknown = np.array([not (r.genre_sets[c.idx] or r.subgenre_sets[c.idx]) for c in cands])
            final -= UNKNOWN_GENRE_PENALTY * unknown
        order = np.argsort(-final, kind="stable")
        top = order[:EXPLAINED]
        contrib = self.contributions(x[top])
        for c, raw, score in zip(cands, s.tolist(), final.tolist()):
            c.ranker, c.score = raw, score
        ordered = [cands[i] for i in order.tolist()]
        for place, c in enumerate(ordered, 1):
            c.ranker_place = (place, len(cands))
        best = np.argsort(-np.abs(contrib), axis=1)[:, :TOP_CONTRIBUTIONS]
        for row, picks, i in zip(contrib.tolist(), best.tolist(), top.tolist()):
            cands[i].contributions = [(self.features[j], round(row[j], 4)) for j in picks]
        return ordered

    # ------------------------------------------------------------------------------ files
    def save(self, folder: Path, fingerprint: str) -> Path:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        for other in FILES.values():
            (folder / other).unlink(missing_ok=True)
        path = folder / FILES[self.kind]
        tmp = path.with_name(path.name + ".part")
        if self.kind == "lightgbm":
            tmp.write_text(self.model.model_to_string(), encoding="utf-8")
        else:
            arrays = self.model.arrays()  # TorchRanker or NumpyMLP
            with open(tmp, "wb") as fh:
                np.savez(fh, **arrays)
        tmp.replace(path)
        (folder / LEGACY_TORCH).unlink(missing_ok=True)
        meta = {
            "format": FORMAT_VERSION,
            "kind": self.kind,
            "features": self.features,
            "sha256": sha256_file(path),
            "catalog_fingerprint": fingerprint,
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        } | self.meta
        (folder / SIDECAR).write_text(json.dumps(meta, indent=2), encoding="utf-8")
        return path

    @classmethod
    def load(cls, folder: Path, fingerprint: str | None = None) -> "Ranker":
        """Read a ranker this project wrote for these features (and this catalog, when given); refuse any other."""
        folder = Path(folder)
        side = folder / SIDECAR
        if not side.exists():
            raise FileNotFoundError(f"no ranker in {folder}; {FIX}")
        meta = json.loads(side.read_text(encoding="utf-8"))
        kind = meta.get("kind")
        if meta.get("format") != FORMAT_VERSION or kind not in FILES:
            raise RankerMismatch(
                f"the ranker in {folder} has format {meta.get('format')!r} (kind {kind!r}); "
                f"this PlayGenie reads format {FORMAT_VERSION}: {FIX}"
            )
        if meta.get("features") != FEATURE_NAMES:
            raise RankerMismatch(
                f"the ranker in {folder} was built for other features "
                f"({len(meta.get('features') or [])} vs {len(FEATURE_NAMES)} now): {FIX}"
            )
        path = folder / FILES[kind]
        if kind == "torch" and not path.exists() and (folder / LEGACY_TORCH).exists():
            path = folder / LEGACY_TORCH  # written before ranker.npz: read with torch once; the build rewrites it
        if not path.exists() or sha256_file(path) != meta.get("sha256"):
            raise RankerMismatch(f"{path} does not match the SHA-256 in {SIDECAR}; refusing to load it: {FIX}")
        if fingerprint is not None and meta.get("catalog_fingerprint") != fingerprint:
            raise RankerMismatch(f"the ranker in {folder} was trained for another catalog or playlist split: {FIX}")
        if kind == "lightgbm":
            import lightgbm

            model: object = lightgbm.Booster(model_str=path.read_text(encoding="utf-8"))
        elif path.name == LEGACY_TORCH:
            import torch

            model = NumpyMLP({k: v.numpy() for k, v in torch.load(path, weights_only=True).items()})
        else:
            with np.load(path, allow_pickle=False) as z:
                model = NumpyMLP({k: z[k] for k in z.files})
        return cls(
            kind,
            model,
            list(meta["features"]),
            {k: v for k, v in meta.items() if k in ("validation", "train_s", "peak_rss_mb")},
        )


def ranker_home(home: Path) -> Path:
    return Path(home) / "ranker"


# ------------------------------------------------------------------------------------ training data
@dataclass
class Examples:
    """Feature rows of many requests: ``x`` (rows, features), ``y`` 0/1, ``groups`` row indices per request."""

    x: np.ndarray
    y: np.ndarray
    groups: list[np.ndarray]
    names: list[str]  # the request (playlist name) of each group
    truth: list[list[str]]  # each request's true track ids
    answers: list[list[str]]  # each request's candidates, in retrieval's order

    def subset(self, which: Sequence[int]) -> "Examples":
        rows, groups, start = [], [], 0
        for g in which:
            idx = self.groups[g]
            rows.append(idx)
            groups.append(np.arange(start, start + len(idx)))
            start += len(idx)
        sel = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
        return Examples(
            self.x[sel],
            self.y[sel],
            groups,
            [self.names[g] for g in which],
            [self.truth[g] for g in which],
            [self.answers[g] for g in which],
        )


def fold_of(playlist_ids: Sequence[str], folds: int = FOLDS, seed: int = 0) -> dict[str, int]:
    """Each training playlist's fold, by a seeded shuffle of the sorted ids."""
    ids = sorted(playlist_ids)
    random.Random(seed).shuffle(ids)
    return {pid: i % folds for i, pid in enumerate(ids)}


def fold_catalog(frame, catalog: "Catalog", held: Sequence[str]) -> "Catalog":
    """``catalog`` as it would be without the playlists ``held``: only ``catalog``'s own playlists are
    read from ``frame`` (an evaluation split's test playlists stay out too)."""
    from tools.catalog import Catalog

    keep = set(catalog.playlists) - set(held)
    return Catalog.from_frame(frame, exclude_playlists=sorted(set(frame["playlist_id"].astype(str)) - keep))


def collect(
    settings: "Settings",
    catalog: "Catalog",
    frame,
    work: Path,
    *,
    folds: int = FOLDS,
    seed: int = 0,
    progress: bool = True,
) -> Examples:
    """Feature rows for every playlist of ``catalog``, each computed over a catalog without its fold."""
    from tqdm import tqdm

    from tools.pipeline import Pipeline

    assignment = fold_of(list(catalog.playlists), folds, seed)
    offline = settings.model_copy(update={"llm_base_url": None, "qdrant_url": None, "qdrant_path": None})
    xs, ys, groups, names, truth, answers = [], [], [], [], [], []
    start = 0
    with tqdm(
        total=len(assignment), desc="ranker: answering training playlists", unit="playlist", disable=not progress
    ) as bar:
        for k in range(folds):
            held = sorted(pid for pid, f in assignment.items() if f == k)
            if not held:
                continue
            cat = fold_catalog(frame, catalog, held)
            pipe = Pipeline.from_catalog(offline, cat, Path(work) / f"fold-{k}", in_memory=True, ranker=None)
            featurize = Featurizer(pipe.retriever)
            try:
                for pid in held:
                    p = catalog.playlists[pid]
                    vector = pipe.embed(p.name)
                    query = pipe.extract(p.name, query_vector=vector)
                    found = pipe.retrieve_full(query, query_vector=vector)
                    bar.update(1)
                    members = set(p.track_ids)
                    y = np.array([c.track_id in members for c in found.candidates], dtype=np.float32)
                    if not found.candidates:
                        continue
                    xs.append(featurize(found.candidates, found.query, query, found.names, found.vector))
                    ys.append(y)
                    groups.append(np.arange(start, start + len(y)))
                    start += len(y)
                    names.append(p.name)
                    truth.append(list(p.track_ids))
                    answers.append([c.track_id for c in found.candidates])
            finally:
                pipe.close()
    x = np.concatenate(xs) if xs else np.zeros((0, len(FEATURES)), np.float32)
    y = np.concatenate(ys) if ys else np.zeros(0, np.float32)
    return Examples(x, y, groups, names, truth, answers)


# ------------------------------------------------------------------------------------ fitting
def fit(kind: str, data: Examples, seed: int = 0, rounds: int = 300):
    """One model of ``kind`` on ``data`` (requests with no relevant candidate teach nothing and are skipped)."""
    keep = [g for g, idx in enumerate(data.groups) if data.y[idx].sum() > 0]
    d = data.subset(keep)
    if kind == "lightgbm":
        import lightgbm

        ds = lightgbm.Dataset(
            d.x, d.y, group=[len(g) for g in d.groups], feature_name=FEATURE_NAMES, free_raw_data=False
        )
        return lightgbm.train(lightgbm_params(seed), ds, num_boost_round=rounds)
    return TorchRanker(d.x.shape[1], seed=seed).fit(d.x, d.y, d.groups)


def ndcg_of(data: Examples, scores: np.ndarray | None, k: int = K) -> float:
    """Mean NDCG@k over the requests, candidates ordered by ``scores`` (retrieval's order when None)."""
    from tools.metrics import ndcg_at_k

    vals = []
    for g, idx in enumerate(data.groups):
        ids = data.answers[g]
        order = range(len(ids)) if scores is None else np.argsort(-scores[idx], kind="stable")
        vals.append(ndcg_at_k([ids[i] for i in order], data.truth[g], k))
    return float(np.mean(vals)) if vals else 0.0


def recall_of(data: Examples) -> float:
    """Mean share of each request's true tracks among its candidates."""
    vals = [len(set(a) & set(t)) / len(set(t)) for a, t in zip(data.answers, data.truth) if t]
    return float(np.mean(vals)) if vals else 0.0


def train(
    settings: "Settings",
    catalog: "Catalog",
    home: Path,
    *,
    frame=None,
    seed: int = 0,
    progress: bool = True,
    kinds: Sequence[str] = ("lightgbm", "torch"),
) -> Ranker:
    """Collect the folds' examples, choose LightGBM or torch by :data:`CHOICE_FOLDS`-fold cross-validation over the
    requests, refit the winner on every request, and save it under ``home/ranker``."""
    from tools.catalog import ensure_data, read_csv
    from tools.catalog import catalog_fingerprint

    t0 = time.perf_counter()
    if frame is None:
        frame = read_csv(ensure_data(settings.data, settings.home, settings.data_url))
    work = Path(home) / "ranker-folds"
    try:
        data = collect(settings, catalog, frame, work, seed=seed, progress=progress)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    collect_s = time.perf_counter() - t0
    order = list(range(len(data.groups)))
    random.Random(seed + 1).shuffle(order)
    folds = max(2, min(CHOICE_FOLDS, len(order)))
    parts = [sorted(order[f::folds]) for f in range(folds)]  # every request scored once, by a model blind to it
    every = data.subset(sorted(order))
    report: dict = {
        "requests": len(data.groups),
        "validation_requests": len(data.groups),
        "selection": f"{folds}-fold",
        "rows": int(len(data.y)),
        "candidate_recall": round(recall_of(every), 4),
        "retrieval_ndcg@20": round(ndcg_of(every, None), 4),
    }
    fit_s: dict[str, float] = {}
    for kind in kinds:
        t1 = time.perf_counter()
        total = 0.0
        for held in parts:
            rest = sorted(set(order) - set(held))
            val = data.subset(held)
            model = fit(kind, data.subset(rest), seed)
            total += ndcg_of(val, Ranker(kind, model).predict(val.x)) * len(held)
        fit_s[kind] = round(time.perf_counter() - t1, 1)
        report[f"{kind}_ndcg@20"] = round(total / max(1, len(order)), 4)
    best = max(kinds, key=lambda k: report[f"{k}_ndcg@20"])
    t1 = time.perf_counter()
    model = fit(best, data, seed)
    report |= {
        "chosen": best,
        "fit_s": fit_s,
        "final_fit_s": round(time.perf_counter() - t1, 1),
        "collect_s": round(collect_s, 1),
    }
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    ranker = Ranker(
        best,
        model,
        meta={"validation": report, "train_s": round(time.perf_counter() - t0, 1), "peak_rss_mb": round(peak_mb, 1)},
    )
    ranker.save(ranker_home(home), catalog_fingerprint(catalog))
    log.info("ranker: %s chosen (%s), trained in %.1fs", best, report, time.perf_counter() - t0)
    return ranker


def ensure_ranker(
    settings: "Settings", catalog: "Catalog", home: Path, *, frame=None, progress: bool = False
) -> Ranker:
    """The ranker in ``home/ranker`` when it fits this catalog and these features, else trained and saved."""
    from tools.catalog import catalog_fingerprint

    folder, fingerprint = ranker_home(home), catalog_fingerprint(catalog)
    try:
        ranker = Ranker.load(folder, fingerprint)
        if (folder / LEGACY_TORCH).exists():  # ranker.pt -> ranker.npz: served without torch from now on
            ranker.save(folder, fingerprint)
        return ranker
    except FileNotFoundError:
        pass
    except RankerMismatch as exc:
        log.warning("ranker: %s; retraining", exc)
    return train(settings, catalog, home, frame=frame, progress=progress)


# ------------------------------------------------------------------------------------ build and CLI
def build_step(ctx) -> str:
    """``playgenie build`` step "ranker": trained unless the saved one fits the catalog."""
    assert ctx.catalog is not None
    folder = ranker_home(ctx.settings.home)
    if ctx.force:
        (folder / SIDECAR).unlink(missing_ok=True)
    ranker = ensure_ranker(ctx.settings, ctx.catalog, ctx.settings.home, progress=ctx.progress)
    return f"ranker: {ranker.kind} in {folder} ({_summary(ranker.meta)})"


def _summary(meta: dict) -> str:
    v = meta.get("validation") or {}
    parts = [f"validation NDCG@20 {k} {v[k + '_ndcg@20']:.4f}" for k in FILES if k + "_ndcg@20" in v]
    if "retrieval_ndcg@20" in v:
        parts.append(f"retrieval order {v['retrieval_ndcg@20']:.4f}")
    if "train_s" in meta:
        parts.append(f"trained in {meta['train_s']:.0f}s")
    if "peak_rss_mb" in meta:
        parts.append(f"peak memory {meta['peak_rss_mb']:.0f} MB")
    return ", ".join(parts) or "loaded"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--kind",
        choices=("best", *FILES),
        default="best",
        help="Model kind; 'best' (default) picks LightGBM or torch on validation.",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quiet", action="store_true", help="No progress bar.")


def run(args: argparse.Namespace, settings: "Settings") -> int:
    from tools.build import load_catalog

    catalog = load_catalog(settings)
    kinds = tuple(FILES) if args.kind == "best" else (args.kind,)
    ranker = train(settings, catalog, settings.home, seed=args.seed, progress=not args.quiet, kinds=kinds)
    v = ranker.meta.get("validation", {})
    print(
        f"ranker: {ranker.kind} chosen on {v.get('validation_requests')} validation requests "
        f"of {v.get('requests')} ({v.get('rows')} candidate rows)"
    )
    for k in ("retrieval_ndcg@20", "lightgbm_ndcg@20", "torch_ndcg@20", "candidate_recall"):
        if k in v:
            print(f"  {k:<22} {v[k]:.4f}")
    print(f"  fit seconds {v.get('fit_s')}, examples collected in {v.get('collect_s')}s")
    print(
        f"trained in {ranker.meta.get('train_s')}s, peak memory {ranker.meta.get('peak_rss_mb')} MB "
        f"-> {ranker_home(settings.home)}"
    )
    return 0
