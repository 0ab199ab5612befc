"""``playgenie eval text2playlist``: PlayGenie against baselines on held-out real playlists.

Usage:
    playgenie eval text2playlist [--data CSV] [--test-playlists IDS.txt] [--json]
    playgenie eval text2playlist --queries evals/queries/examples.jsonl [--json]
    playgenie eval text2playlist --personalized [--ladder] [--json]   # the same as ``playgenie eval personalized``

Query = a held-out playlist's name; truth = its tracks; every system answers ``--n`` (20) tracks.
Systems (:mod:`evals.systems`): ``playgenie`` (the whole pipeline, learned ranker included),
``playgenie_no_ranker`` (the same candidates in the fused retrieval order), ``hybrid_rrf`` (dense + BM25
fused inside Qdrant, no filters, no learning), ``bm25``, ``dense``, ``popularity``.
``candidate_recall@300`` is the share of the true tracks among the 300 candidates a system ranks (for
PlayGenie, retrieval's candidates). Everything evaluated is built from the data minus the test playlists
(``Catalog.from_frame(..., exclude_playlists=test_ids)``): a test playlist's name, membership and genre
labels never reach the index, the tags or any model. The split's artifacts live under
``home/splits/<split hash>``.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from evals.split import Split, add_split_arguments, prepare_split
from evals.systems import CANDIDATES, SYSTEMS, Recommender, build_pipeline, build_systems

if TYPE_CHECKING:
    from tools.settings import Settings

log = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_split_arguments(parser)
    parser.add_argument("--systems", default=",".join(SYSTEMS), help=f"Comma-separated subset of {', '.join(SYSTEMS)}.")
    parser.add_argument(
        "--queries",
        type=Path,
        metavar="FILE",
        help='JSON lines with a "text" field: report the extracted typed query for each line.',
    )
    parser.add_argument("--personalized", action="store_true", help="Run the personalized evaluation (CF rerank).")
    parser.add_argument(
        "--ladder",
        action="store_true",
        help="With --personalized: the cold-start ladder (history sizes 0-25) and the policy chosen on validation.",
    )
    parser.add_argument(
        "--validation",
        action="store_true",
        help="Score the validation playlists carved from the training side (the personalized eval's; the test "
        "playlists stay out of everything too) instead of the test playlists: where settings are chosen.",
    )
    parser.add_argument(
        "--validation-split",
        type=int,
        default=0,
        metavar="K",
        help="With --validation: which of the personalized eval's validation splits (0 or 1, carved with seeds "
        "seed and seed + 1; each ~52 playlists, too few alone to choose a setting by a few thousandths).",
    )
    parser.add_argument("--json", action="store_true", help="Print JSON instead of a table.")
    parser.add_argument(
        "--details",
        type=Path,
        metavar="FILE",
        help="Also write one JSON line per held-out playlist: each system's answer and scores.",
    )


def evaluate(split: Split, systems: dict[str, Recommender], n: int = 20, details: list[dict] | None = None) -> dict:
    """Every system answers every held-out playlist's name; metrics averaged over the queries.

    ``details``, when given, receives one record per query (answers and scores per system).
    """
    from evals import metrics as m

    catalog = split.catalog
    per_system: dict[str, dict[str, list[float]]] = {name: {} for name in systems}
    failures: dict[str, int] = {name: 0 for name in systems}
    for pid in split.test_ids:
        playlist = split.truth[pid]
        truth_ids = playlist.track_ids
        truth_tracks = [catalog[t] for t in truth_ids if t in catalog.index]
        genres = split.genres[pid]
        record: dict = {"playlist_id": pid, "name": playlist.name, "genres": sorted(genres), "systems": {}}
        for name, recommend in systems.items():
            candidates: list[str] | None = None
            try:
                answer = recommend(playlist.name, n)
                if isinstance(answer, tuple):
                    answer, candidates = answer
            except Exception:  # one failing query scores zero; the run goes on and says so
                log.exception("%s failed on %r", name, playlist.name)
                failures[name] += 1
                answer = []
            tracks = [catalog[t] for t in answer if t in catalog.index]
            scores = {
                f"precision@{n}": m.precision_at_k(answer, truth_ids, n),
                f"ndcg@{n}": m.ndcg_at_k(answer, truth_ids, n),
                "genre_agreement": m.genre_agreement(tracks, genres),
                "decade_agreement": m.decade_agreement(tracks, truth_tracks),
                "feature_distance": m.feature_distance(tracks, truth_tracks),
            }
            if candidates is not None:
                scores[f"candidate_recall@{CANDIDATES}"] = m.recall(candidates[:CANDIDATES], truth_ids)
            for key, value in scores.items():
                per_system[name].setdefault(key, []).append(value)
            record["systems"][name] = {"answer": answer, **{k: _number(v) for k, v in scores.items()}}
        if details is not None:
            details.append(record)
    for name, count in failures.items():
        if count:
            log.error("%s failed on %d of %d queries (scored as empty answers)", name, count, len(split.test_ids))
    return {
        "task": "text2playlist",
        "n_queries": len(split.test_ids),
        "systems": {name: {k: _number(m.mean(v)) for k, v in vals.items()} for name, vals in per_system.items()},
    }


def _number(value: float) -> float | None:
    """Rounded for reading; ``None`` (JSON null) where there was nothing to average."""
    return None if math.isnan(value) else round(value, 4)


def run(args: argparse.Namespace, settings: "Settings") -> int:
    from evals.split import load_test_ids
    from tools.catalog import ensure_data

    data = ensure_data(settings.data, settings.home, settings.data_url)
    test_ids = load_test_ids(args.test_playlists) if args.test_playlists else None
    if args.queries:
        return _report_queries(args, settings, data, test_ids)
    if args.personalized:
        return _personalized(args, settings, data, test_ids)

    names = [s.strip() for s in args.systems.split(",") if s.strip()]
    bad = [s for s in names if s not in SYSTEMS]
    if bad or not names:
        print(
            f"playgenie: unknown system(s) {', '.join(bad) or '(none)'}; choose from {', '.join(SYSTEMS)}",
            file=sys.stderr,
        )
        return 2
    if args.n < 1:
        print("playgenie: --n must be at least 1", file=sys.stderr)
        return 2
    split = (
        validation_as_split(settings, data, test_ids, args.fraction, args.seed, args.validation_split)
        if args.validation
        else prepare_split(settings, data, test_ids, args.fraction, args.seed)
    )
    log.info(
        "split %s: %d test playlists, catalog of %d tracks", split.home.name, len(split.test_ids), len(split.catalog)
    )
    details: list[dict] | None = [] if args.details else None
    systems = build_systems(settings, split, names)
    result = evaluate(split, systems, n=args.n, details=details)
    result["ranker"] = _ranker_report(split)
    if args.details:
        args.details.parent.mkdir(parents=True, exist_ok=True)
        with open(args.details, "w", encoding="utf-8") as fh:
            fh.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in details or [])
    if args.json:
        print(json.dumps(result))
    else:
        print(format_table(result))
        print(f"\nsplit {split.home.name}: {len(split.test_ids)} held-out playlists; artifacts in {split.home}")
    return 0


def validation_as_split(
    settings: "Settings", data: Path, test_ids: list[str] | None, fraction: float, seed: int, offset: int = 0
) -> Split:
    """The validation playlists of :func:`evals.personalized.validation_split` as a split of their own: the
    catalog, index and ranker built without them and without the test playlists (the same home, so the
    personalized eval's validation artifacts serve both). ``offset``: the personalized eval's ``offset``-th
    validation split (carved with ``seed + offset``, :data:`evals.personalized.VALIDATION_SPLITS` of them)."""
    from evals.personalized import validation_split
    from evals.split import split_playlists
    from tools.catalog import read_csv

    frame = read_csv(data)
    if test_ids is None:
        _, test_ids = split_playlists(frame, fraction=fraction, seed=seed)
    splits = validation_split(settings, data, test_ids, seed + offset)
    ids = sorted(p.playlist_id for p in splits.val_playlists)
    held = frame[frame["playlist_id"].isin(ids)]
    genres = {str(pid): set(map(str, g)) for pid, g in held.groupby("playlist_id")["playlist_genre"]}
    truth = {p.playlist_id: p for p in splits.val_playlists}
    return Split(ids, splits.val_catalog, truth, splits.val_home, genres)


def _ranker_report(split: Split) -> dict | None:
    """The split's ranker: which model won on validation, its figures, training time and memory."""
    from tools.ranker import SIDECAR, ranker_home

    side = ranker_home(split.home) / SIDECAR
    if not side.exists():
        return None
    meta = json.loads(side.read_text(encoding="utf-8"))
    return {k: meta.get(k) for k in ("kind", "validation", "train_s", "peak_rss_mb")}


def format_table(result: dict) -> str:
    """The systems side by side, one row each (a metric a system has no value for shows '-')."""
    systems = result["systems"]
    keys = list(dict.fromkeys(k for vals in systems.values() for k in vals))
    lines = [f"text2playlist on {result['n_queries']} held-out playlists (feature_distance: lower is better)", ""]
    lines.append(f"{'system':<20}" + "".join(f"{k:>22}" for k in keys))
    for name, vals in systems.items():
        lines.append(
            f"{name:<20}" + "".join(f"{vals[k]:>22.4f}" if vals.get(k) is not None else f"{'-':>22}" for k in keys)
        )
    ranker = result.get("ranker")
    if ranker:
        v = ranker.get("validation") or {}
        lines.append("")
        lines.append(
            f"ranker: {ranker.get('kind')} (validation NDCG@20: lightgbm {v.get('lightgbm_ndcg@20')}, "
            f"torch {v.get('torch_ndcg@20')}, retrieval order {v.get('retrieval_ndcg@20')}; candidate "
            f"recall {v.get('candidate_recall')}; {v.get('validation_requests')} validation requests), "
            f"trained in {ranker.get('train_s')}s, peak memory {ranker.get('peak_rss_mb')} MB"
        )
    return "\n".join(lines)


def _report_queries(args: argparse.Namespace, settings: "Settings", data: Path, test_ids: list[str] | None) -> int:
    """The typed query the pipeline extracts for each line's ``text`` (one JSON object a line with --json)."""
    lines = [line for line in args.queries.read_text(encoding="utf-8").splitlines() if line.strip()]
    texts: list[str] = []
    for number, line in enumerate(lines, 1):
        try:
            texts.append(str(json.loads(line)["text"]))
        except (ValueError, KeyError, TypeError):
            print(f'playgenie: {args.queries}:{number}: not a JSON object with a "text" field', file=sys.stderr)
            return 2
    split = prepare_split(settings, data, test_ids, args.fraction, args.seed)
    pipeline = build_pipeline(settings, split)
    for text in texts:
        query = pipeline.extract(text)
        if args.json:
            print(json.dumps({"text": text, "query": query.model_dump(mode="json")}, ensure_ascii=False))
        else:
            print(f"{text}\n  -> {query.describe()}")
            if query.free_text:
                print(f"     free text: {query.free_text!r}")
            if query.unsupported:
                print(f"     unsupported: {', '.join(query.unsupported)}")
    return 0


def _personalized(args: argparse.Namespace, settings: "Settings", data: Path, test_ids: list[str] | None) -> int:
    """``--personalized``: the same as ``playgenie eval personalized`` on the same split."""
    from evals.personalized import run_on

    return run_on(args, settings, data, test_ids)
