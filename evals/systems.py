"""The systems ``playgenie eval text2playlist`` and ``eval personalized`` compare, built on one split.

Each system is a :data:`Recommender` fitted on the split's leak-free catalog only: PlayGenie's
pipeline (with and without the learned ranker), dense + BM25 fused inside Qdrant, and the
non-personal baselines of :mod:`evals.baselines`.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Callable, Sequence

if TYPE_CHECKING:
    from evals.split import Split
    from tools.settings import Settings

log = logging.getLogger(__name__)

SYSTEMS = ("playgenie", "playgenie_no_ranker", "hybrid_rrf", "bm25", "dense", "popularity")
CANDIDATES = 300  # candidate_recall@CANDIDATES
# (text, n) -> track ids, or (track ids, candidate track ids) for a system that ranks candidates
Recommender = Callable[[str, int], "list[str] | tuple[list[str], list[str]]"]


def build_pipeline(settings: "Settings", split: Split, progress: bool = False):
    """PlayGenie's pipeline built from the split's catalog into the split's own home, with the
    learned ranker trained on the split's training playlists (once; reused while it fits)."""
    from tools.pipeline import Pipeline
    from tools.ranker import ensure_ranker

    ranker = ensure_ranker(settings, split.catalog, split.home, progress=progress)
    return Pipeline.from_catalog(settings, split.catalog, home=split.home, ranker=ranker)


def build_systems(
    settings: "Settings", split: Split, names: Sequence[str] = SYSTEMS, pipeline=None
) -> dict[str, Recommender]:
    """One recommender per system name, each fitted on the split's catalog only."""
    from evals.baselines import BM25Baseline, DenseBaseline, PopularityBaseline

    systems: dict[str, Recommender] = {}

    def with_candidates(recommend):
        """A baseline's answer and its first CANDIDATES tracks as its candidates."""

        def call(text: str, n: int, exclude: Sequence[str] = ()) -> tuple[list[str], list[str]]:
            ranked = recommend(text, max(n, CANDIDATES), exclude=exclude)
            return ranked[:n], ranked[:CANDIDATES]

        return call

    def pipeline_system(pipe):
        def call(text: str, n: int) -> tuple[list[str], list[str]]:
            answer = [item.track_id for item in pipe.run(text, n=n).playlist]
            return answer, pipe.last_candidates

        return call

    pipe = None
    for name in names:
        t0 = time.perf_counter()
        if name in ("playgenie", "playgenie_no_ranker", "hybrid_rrf") and pipe is None:
            pipe = pipeline if pipeline is not None else build_pipeline(settings, split)
        if name == "playgenie":
            systems[name] = pipeline_system(pipe)
        elif name == "playgenie_no_ranker":
            systems[name] = pipeline_system(pipe.without_ranker())
        elif name == "hybrid_rrf":
            from evals.baselines import HybridBaseline

            systems[name] = with_candidates(HybridBaseline(pipe.index, pipe.encoder).recommend)
        elif name == "bm25":
            systems[name] = with_candidates(BM25Baseline().fit(split.catalog).recommend)
        elif name == "dense":
            from tools.build import document_vectors

            # The same document vectors as PlayGenie's index: the shared cache is keyed by the split
            # catalog's own document text, so nothing of the test playlists comes with them.
            vectors = document_vectors(settings, split.catalog, progress=False)
            systems[name] = with_candidates(DenseBaseline().fit(split.catalog, vectors).recommend)
        elif name == "popularity":
            systems[name] = with_candidates(PopularityBaseline().fit(split.catalog).recommend)
        else:
            raise ValueError(f"unknown system {name!r}; choose from {', '.join(SYSTEMS)}")
        log.info("%s ready in %.1f s", name, time.perf_counter() - t0)
    return systems
