"""Lexical matching: one tokenizer and BM25-style sparse vectors for Qdrant and the baselines.

A document's sparse vector holds, per distinct token, the BM25 term-frequency part
``tf * (k1 + 1) / (tf + k1 * (1 - b + b * len / avg_len))``; a query's holds 1.0 per distinct token.
Qdrant's IDF modifier multiplies each matched term by ``ln(1 + (N - n + 0.5) / (n + 0.5))`` over the
indexed documents, so the dot product Qdrant computes is Okapi BM25 (the same formula on the edge
engine and on a server). Token ids are a stable hash of the folded token: no vocabulary file to keep
in step with the index, and a query word that no document holds simply matches nothing.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Sequence

import numpy as np

from tools.catalog import fold

K1 = 1.2
B = 0.75
# Function words that carry no musical meaning; dropping them keeps BM25 from matching "the" or "for".
STOPWORDS = frozenset(
    "a an and are as at be by for from in into is it its me my of on or our so the this to up with your you "
    "i we some songs song music playlist tracks track".split()
)
_TOKEN = re.compile(r"[\w&']+", re.UNICODE)
_DECADE = re.compile(r"^(1[89]|20)(\d)0s$")


def tokenize(text: str) -> list[str]:
    """Folded word tokens without stopwords; "1990s" also yields "90s" (how people write decades)."""
    out: list[str] = []
    for tok in _TOKEN.findall(fold(text)):
        tok = tok.strip("'&")
        if not tok or tok in STOPWORDS:
            continue
        out.append(tok)
        m = _DECADE.match(tok)
        if m:
            out.append(f"{m.group(2)}0s")
    return out


@lru_cache(maxsize=1 << 16)
def token_id(token: str) -> int:
    """A stable 31-bit id of a token (Qdrant's sparse indices are unsigned 32-bit)."""
    return int.from_bytes(hashlib.blake2b(token.encode("utf-8"), digest_size=4).digest(), "little") & 0x7FFFFFFF


@dataclass(frozen=True, slots=True)
class Sparse:
    """A sparse vector: sorted unique indices and their values."""

    indices: tuple[int, ...]
    values: tuple[float, ...]

    def __bool__(self) -> bool:
        return bool(self.indices)


def _sparse(weights: dict[int, float]) -> Sparse:
    keys = sorted(weights)
    return Sparse(tuple(keys), tuple(float(weights[k]) for k in keys))


# "for my parents", "with my friends", "para mi novia": after a possessive these name who listens, not the music
POSSESSIVES = frozenset({"my", "our", "mi", "mis", "nuestra", "nuestro", "nuestras", "nuestros"})
LISTENERS = frozenset({"parents", "mom", "mum", "dad", "family", "friends", "friend", "kids", "wife", "husband",
                       "gf", "bf", "girlfriend", "boyfriend", "grandma", "grandpa", "grandparents", "boss",
                       "coworkers", "colleagues", "roommates", "sister", "brother", "son", "daughter", "guests",
                       "partner", "novia", "novio", "padres", "amigos", "amigas", "familia", "hijos"})  # fmt: skip


def query_vector(text: str) -> Sparse:
    """1.0 per distinct token of the request (IDF comes from the index), but a listener after a possessive: "songs
    for my parents" should not find a song titled "Parents"."""
    words = _TOKEN.findall(fold(text))
    mine = {w for k, w in enumerate(words[1:]) if words[k] in POSSESSIVES and w in LISTENERS}
    return _sparse({token_id(t): 1.0 for t in dict.fromkeys(tokenize(text)) if t not in mine})


def request_vector(text: str) -> Sparse:
    """:func:`query_vector` of a playlist request, without its bare numbers of up to three digits: there a count, a
    volume or a sequel ("r&b vibes vol 5", "Chixtape 5"), which alone would find "Maroon 5" and "5 Seconds of Summer"
    (a name with one, "maroon 5", is read as that artist before the search; years have four digits and stay)."""
    vec = query_vector(text)
    bare = {token_id(t) for t in tokenize(text) if t.isdigit() and len(t) <= 3}
    if not bare & set(vec.indices):
        return vec
    return _sparse({k: v for k, v in zip(vec.indices, vec.values) if k not in bare})


def mean_length(docs: Iterable[str]) -> float:
    """The mean number of tokens of ``docs`` (1.0 for none): BM25's length norm, counted without keeping the tokens."""
    total = n = 0
    for d in docs:
        total += len(tokenize(d))
        n += 1
    return total / n if total else 1.0


def document_vectors(docs: Sequence[str], k1: float = K1, b: float = B, avg: float | None = None) -> list[Sparse]:
    """BM25 term-frequency weights of each document, length-normalised over this collection, or over a collection
    whose :func:`mean_length` is ``avg`` (a build then makes them a batch at a time: a million tracks' tokens and
    vectors at once took gigabytes)."""
    tokens = [tokenize(d) for d in docs]
    if avg is None:
        avg = float(np.mean([len(t) for t in tokens])) if tokens else 1.0
    avg = avg or 1.0
    out = []
    for toks in tokens:
        norm = k1 * (1.0 - b + b * len(toks) / avg)
        out.append(_sparse({token_id(t): tf * (k1 + 1.0) / (tf + norm) for t, tf in Counter(toks).items()}))
    return out


def idf(n_docs: int, df: int) -> float:
    """Qdrant's IDF modifier (and Okapi BM25's): ln(1 + (N - n + 0.5) / (n + 0.5))."""
    return math.log(1.0 + (n_docs - df + 0.5) / (df + 0.5))


class SparseMatrix:
    """The collection's sparse vectors as a term -> (rows, weights) map, for BM25 over all rows in numpy.

    Used where the ranker's training needs the exact score Qdrant would give (same weights, same IDF),
    without a round trip per query.
    """

    def __init__(self, vectors: Iterable[Sparse], n_rows: int | None = None):
        postings: dict[int, tuple[list[int], list[float]]] = {}
        n = 0
        for row, v in enumerate(vectors):
            n = row + 1
            for i, w in zip(v.indices, v.values):
                rows, ws = postings.setdefault(i, ([], []))
                rows.append(row)
                ws.append(w)
        self.n = n if n_rows is None else n_rows
        self.postings = {
            i: (np.asarray(r, dtype=np.int64), np.asarray(w, dtype=np.float32)) for i, (r, w) in postings.items()
        }

    def scores(self, query: Sparse) -> np.ndarray:
        """BM25 of every row against ``query`` (0 where nothing matches)."""
        out = np.zeros(self.n, dtype=np.float32)
        for i, q in zip(query.indices, query.values):
            hit = self.postings.get(i)
            if hit is not None:
                rows, ws = hit
                out[rows] += np.float32(q * idf(self.n, len(rows))) * ws
        return out
