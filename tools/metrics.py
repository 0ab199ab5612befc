"""Ranking metrics against a true playlist (binary relevance): what the evaluations report and what the ranker's
training chooses by on validation. The answer is an ordered list of track ids and the truth a collection of ids; a
track id repeated in the answer counts once (at its first position), so repeating a hit cannot raise a score."""

from __future__ import annotations

import math
from typing import Iterable, Sequence


def _hits(answer: Sequence[str], truth: Iterable[str], k: int) -> list[bool]:
    """Relevance of each of the first ``k`` answered ids; a repeat of an earlier id is not a hit."""
    truth_set = set(truth)
    seen: set[str] = set()
    out: list[bool] = []
    for tid in list(answer)[:k]:
        out.append(tid in truth_set and tid not in seen)
        seen.add(tid)
    return out


def precision_at_k(answer: Sequence[str], truth: Iterable[str], k: int = 20) -> float:
    """Hits among the first ``k`` answered tracks, divided by ``k`` (a short answer is not rewarded)."""
    if k <= 0:
        raise ValueError("k must be positive")
    return sum(_hits(answer, truth, k)) / k


def ndcg_at_k(answer: Sequence[str], truth: Iterable[str], k: int = 20) -> float:
    """Binary-relevance NDCG@k: DCG = sum of 1/log2(rank+1) over hits at ranks 1..k, over the ideal
    DCG of min(k, |truth|) hits at the top. 0 when the truth is empty."""
    if k <= 0:
        raise ValueError("k must be positive")
    truth_set = set(truth)
    if not truth_set:
        return 0.0
    dcg = sum(1.0 / math.log2(i + 2) for i, hit in enumerate(_hits(answer, truth_set, k)) if hit)
    ideal = sum(1.0 / math.log2(i + 2) for i in range(min(k, len(truth_set))))
    return dcg / ideal


def recall(candidates: Sequence[str], truth: Iterable[str]) -> float:
    """Share of the true tracks that are among ``candidates`` (any position); 0 when the truth is empty."""
    truth_set = set(truth)
    if not truth_set:
        return 0.0
    return len(truth_set & set(candidates)) / len(truth_set)


def r_precision(answer: Sequence[str], truth: Iterable[str]) -> float:
    """Precision at R = |truth|: hits among the first R answered tracks, over R."""
    truth_set = set(truth)
    if not truth_set:
        return 0.0
    return sum(_hits(answer, truth_set, len(truth_set))) / len(truth_set)
