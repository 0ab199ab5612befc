"""The evaluation harness: exact metric values, the seeded split, the leak check, the eval's JSON."""

from __future__ import annotations

import json
import math
from types import SimpleNamespace
from dataclasses import dataclass, field

import pandas as pd
import pytest

from evals import metrics
from evals.split import load_test_ids, save_test_ids, split_hash, split_playlists


@dataclass
class T:
    """A track-like record with only what the metrics read."""

    title: str = "Song"
    artist: str = "A"
    genres: list[str] = field(default_factory=list)
    year: int | None = None
    energy: float = 0.5
    valence: float = 0.5
    danceability: float = 0.5
    tempo: float = 100.0


# --- ranking metrics -------------------------------------------------------------------------


def test_precision_counts_hits_over_k():
    assert metrics.precision_at_k(["a", "x", "b", "y"], {"a", "b", "c"}, k=4) == 0.5
    # a short answer is not rewarded: 2 hits over k=10
    assert metrics.precision_at_k(["a", "b"], {"a", "b"}, k=10) == 0.2
    # a repeated hit counts once
    assert metrics.precision_at_k(["a", "a", "a", "a"], {"a"}, k=4) == 0.25


def test_ndcg_exact_values():
    # hits at ranks 1 and 3, truth of 3 tracks, k=3:
    # DCG = 1 + 1/log2(4) = 1.5; IDCG = 1 + 1/log2(3) + 1/2
    expected = 1.5 / (1 + 1 / math.log2(3) + 0.5)
    assert metrics.ndcg_at_k(["a", "x", "b"], ["a", "b", "c"], k=3) == pytest.approx(expected)
    # perfect order gives 1; ideal DCG uses min(k, |truth|) positions
    assert metrics.ndcg_at_k(["a", "b", "x", "y"], ["a", "b"], k=4) == pytest.approx(1.0)
    # one hit at rank 2 over a single-track truth: 1/log2(3)
    assert metrics.ndcg_at_k(["x", "a"], ["a"], k=20) == pytest.approx(1 / math.log2(3))
    assert metrics.ndcg_at_k(["x", "y"], ["a"], k=2) == 0.0
    assert metrics.ndcg_at_k(["a"], [], k=2) == 0.0
    # repeats of a hit do not add gain
    assert metrics.ndcg_at_k(["a", "a"], ["a", "b"], k=2) == pytest.approx(1 / (1 + 1 / math.log2(3)))


def test_r_precision():
    assert metrics.r_precision(["a", "x", "b", "c"], ["a", "b", "c"]) == pytest.approx(2 / 3)
    assert metrics.r_precision(["x"], ["a", "b"]) == 0.0


# --- descriptive metrics -----------------------------------------------------------------------


def test_genre_agreement_share_of_answered_tracks():
    tracks = [T(genres=["rap"]), T(genres=["pop", "rap"]), T(genres=["rock"]), T(genres=[])]
    assert metrics.genre_agreement(tracks, "rap") == 0.5
    assert metrics.genre_agreement(tracks, {"rock", "pop"}) == 0.5
    assert metrics.genre_agreement([], "rap") == 0.0


def test_decade_agreement_uses_the_set_of_true_decades():
    truth = [T(year=1994), T(year=1999), T(year=2003), T(year=None)]  # decades {1990, 2000}
    answer = [T(year=1991), T(year=2009), T(year=1985), T(year=None), T(year=2010)]
    assert metrics.decade_agreement(answer, truth) == pytest.approx(2 / 5)
    assert metrics.decade_agreement([], truth) == 0.0


def test_feature_distance_is_euclidean_between_means():
    a = [
        T(energy=0.2, valence=0.4, danceability=0.6, tempo=100),
        T(energy=0.4, valence=0.4, danceability=0.6, tempo=140),
    ]
    b = [T(energy=0.3, valence=0.0, danceability=0.6, tempo=120)]
    # means: a = (0.3, 0.4, 0.6, 0.6), b = (0.3, 0.0, 0.6, 0.6) -> distance 0.4
    assert metrics.feature_distance(a, b) == pytest.approx(0.4)
    assert metrics.feature_distance(a, a) == 0.0
    assert math.isnan(metrics.feature_distance([], b))


def test_hygiene_metrics():
    tracks = [
        T(title="Halo", artist="Beyoncé"),
        T(title="Halo - Remix", artist="beyonce"),
        T(title="Crazy in Love (feat. Jay-Z)", artist="Beyoncé"),
        T(title="Lose Yourself", artist="Eminem"),
    ]
    assert metrics.artist_diversity(tracks) == 0.5  # accents and case folded: 2 artists / 4 tracks
    assert metrics.duplicate_rate(tracks) == 0.25  # the remix repeats "Halo"
    assert metrics.max_per_artist(tracks) == 3
    assert metrics.max_per_artist([]) == 0


def test_mean_ignores_nan():
    assert metrics.mean([1.0, float("nan"), 3.0]) == 2.0
    assert math.isnan(metrics.mean([]))


# --- the split ---------------------------------------------------------------------------------


def _frame(n_per_genre: dict[str, int]) -> pd.DataFrame:
    rows = []
    for genre, n in n_per_genre.items():
        for i in range(n):
            for k in range(3):
                rows.append({"playlist_id": f"{genre}-{i}", "playlist_genre": genre, "track_id": f"{genre}{i}{k}"})
    return pd.DataFrame(rows)


def test_split_is_seeded_stratified_and_disjoint():
    frame = _frame({"pop": 20, "rap": 20, "rock": 40, "edm": 1})
    train, test = split_playlists(frame, fraction=0.15, seed=0)
    assert set(train).isdisjoint(test)
    assert set(train) | set(test) == set(frame["playlist_id"])
    genre = dict(zip(frame["playlist_id"], frame["playlist_genre"]))
    per_genre = pd.Series([genre[p] for p in test]).value_counts().to_dict()
    assert per_genre == {"pop": 3, "rap": 3, "rock": 6}  # 15% of each; a single-playlist genre stays in training
    # same seed, same split, whatever the row order; another seed, another split
    assert split_playlists(frame.sample(frac=1.0, random_state=3), 0.15, 0) == (train, test)
    assert split_playlists(frame, 0.15, seed=1)[1] != test


def test_split_of_catalog_matches_split_of_frame(tiny_csv, tiny_catalog):
    from tools.catalog import read_csv

    assert split_playlists(tiny_catalog, 0.3, 0) == split_playlists(read_csv(tiny_csv), 0.3, 0)


def test_split_hash_and_ids_file(tmp_path):
    assert split_hash(["b", "a"]) == split_hash(["a", "b", "a"])
    assert split_hash(["a"]) != split_hash(["a", "b"])
    path = save_test_ids(tmp_path / "ids.txt", ["p1", "p2"])
    path.write_text(path.read_text() + "\n# a comment\np1\n  p3  \n")
    assert load_test_ids(path) == ["p1", "p2", "p3"]


# --- baselines ---------------------------------------------------------------------------------


def test_tokenize_folds_and_drops_function_words():
    from evals.baselines import tokenize

    assert tokenize("The Best of Beyoncé & R&B in the 1990s") == ["best", "beyonce", "r&b", "1990s", "90s"]
    assert tokenize("🔥🔥") == []


def test_bm25_finds_the_named_artist_and_honours_exclude(tiny_catalog):
    from evals.baselines import BM25Baseline

    bm25 = BM25Baseline().fit(tiny_catalog)
    answer = bm25.recommend("Eminem", n=5)
    assert len(answer) == 5 and all(tiny_catalog[t].artist == "Eminem" for t in answer)
    rest = bm25.recommend("Eminem", n=5, exclude=answer[:2])
    assert not set(rest) & set(answer[:2])
    # nothing matches: ties are broken by popularity, so the answer is still a full list
    fallback = bm25.recommend("🔥", n=3)
    assert [tiny_catalog[t].popularity for t in fallback] == sorted(tiny_catalog.popularity, reverse=True)[:3]


def test_popularity_ignores_the_text(tiny_catalog):
    from evals.baselines import PopularityBaseline

    pop = PopularityBaseline().fit(tiny_catalog)
    assert pop.recommend("rap", n=4) == pop.recommend("sleepy acoustic", n=4)
    assert [tiny_catalog[t].popularity for t in pop.recommend("x", n=4)] == sorted(
        tiny_catalog.popularity, reverse=True
    )[:4]


def test_dense_ranks_by_cosine_to_the_query(tiny_catalog, tmp_path):
    import numpy as np

    from evals.baselines import DenseBaseline
    from tools.embed import EmbeddingCache, get_encoder

    dense = DenseBaseline(cache=EmbeddingCache(tmp_path / "emb")).fit(tiny_catalog)
    answer = dense.recommend("Ólafur Arnalds", n=3)
    assert all(tiny_catalog[t].artist == "Ólafur Arnalds" for t in answer)
    q = get_encoder().encode_one("hard rock")
    sims = dense.vectors @ q
    assert dense.recommend("hard rock", n=1) == [tiny_catalog.tracks[int(np.argmax(sims))].track_id]


# --- the leak check ----------------------------------------------------------------------------


@pytest.fixture
def marked_csv(tiny_csv, tmp_path):
    """The tiny data with two test playlists relabelled: a unique name, genre and subgenre each, so any
    leak of them into what is evaluated can be seen."""
    frame = pd.read_csv(tiny_csv, dtype=str)
    test_ids = ["pl0", "pl5"]
    held = frame["playlist_id"].isin(test_ids)
    frame.loc[held, "playlist_name"] = "Secret Held Out " + frame.loc[held, "playlist_id"]
    frame.loc[held, "playlist_genre"] = "polka"
    frame.loc[held, "playlist_subgenre"] = "oompah"
    path = tmp_path / "marked.csv"
    frame.to_csv(path, index=False)
    return path, test_ids


def test_split_catalog_holds_nothing_of_the_test_playlists(marked_csv, settings):
    from evals.split import prepare_split
    from tools.catalog import fold, read_csv

    path, test_ids = marked_csv
    split = prepare_split(settings, path, test_ids)
    catalog = split.catalog
    assert split.home == settings.home / "splits" / split_hash(test_ids)
    # names and membership: no test playlist is in the catalog's playlists
    assert not set(catalog.playlists) & set(test_ids)
    assert not any("Secret" in p.name for p in catalog.playlists.values())
    # genre labels: the test playlists' labels reach no track, no document
    assert "polka" not in catalog.genres and "oompah" not in catalog.subgenres
    assert not any(
        "polka" in t.document() or "oompah" in t.document() or "Secret" in t.document() for t in catalog.tracks
    )
    # every track stays in the catalog (metadata and audio features are not labels)
    frame = read_csv(path)
    assert len(catalog) == frame["track_id"].nunique()
    # a track held only by test playlists takes its genres from the artist's training rows, or has none
    train = frame[~frame["playlist_id"].isin(test_ids)]
    only_test = set(frame.loc[frame["playlist_id"].isin(test_ids), "track_id"]) - set(train["track_id"])
    assert only_test, "the fixture should have tracks held only by test playlists"
    for tid in only_test:
        track = catalog[tid]
        artist_genres = set(train.loc[train["track_artist"].map(fold) == fold(track.artist), "playlist_genre"])
        assert set(track.genres) <= artist_genres
        assert track.genres_inferred == bool(track.genres)
    # the truth is the full playlist as in the data
    assert split.truth["pl0"].track_ids == list(dict.fromkeys(frame.loc[frame["playlist_id"] == "pl0", "track_id"]))
    assert split.genres["pl0"] == {"polka"}


def test_the_validation_split_is_carved_from_training_and_holds_neither_side(tiny_csv, settings):
    # text2playlist --validation: settings are chosen on these playlists, so neither they nor the test
    # playlists may reach the catalog they are answered from
    from evals.personalized import validation_split
    from evals.text2playlist import validation_as_split

    test_ids = ["pl0", "pl5"]
    split = validation_as_split(settings, tiny_csv, test_ids, 0.15, 0)
    assert split.test_ids and not set(split.test_ids) & set(test_ids)
    assert not set(split.catalog.playlists) & (set(split.test_ids) | set(test_ids))
    assert set(split.truth) == set(split.genres) == set(split.test_ids)
    assert all(split.truth[pid].track_ids for pid in split.test_ids)
    assert split.home == validation_split(settings, tiny_csv, test_ids).val_home  # the personalized eval's artifacts


def test_unknown_test_playlist_is_refused(tiny_csv, settings):
    from evals.split import prepare_split
    from tools.catalog import CatalogUnavailable

    with pytest.raises(CatalogUnavailable, match="not-a-playlist"):
        prepare_split(settings, tiny_csv, ["pl0", "not-a-playlist"])


# --- the command -------------------------------------------------------------------------------


def _cli(capsys, settings, *argv: str) -> tuple[int, str]:
    from bots.cli import main

    capsys.readouterr()
    code = main(["--data", str(settings.data), "--home", str(settings.home), *argv])
    return code, capsys.readouterr().out


def test_eval_json_has_every_system_and_metric(capsys, settings, tmp_path):
    ids = save_test_ids(tmp_path / "ids.txt", ["pl0", "pl5"])
    details = tmp_path / "details.jsonl"
    code, out = _cli(
        capsys, settings, "eval", "text2playlist", "--test-playlists", str(ids), "--json", "--details", str(details)
    )
    assert code == 0
    result = json.loads(out)
    records = [json.loads(line) for line in details.read_text().splitlines()]
    assert [r["playlist_id"] for r in records] == ["pl0", "pl5"]
    assert all(len(r["systems"][s]["answer"]) == 20 for r in records for s in ("bm25", "dense", "popularity"))
    assert result["task"] == "text2playlist" and result["n_queries"] == 2
    assert set(result["systems"]) == {"playgenie", "playgenie_no_ranker", "hybrid_rrf", "bm25", "dense", "popularity"}
    for name, scores in result["systems"].items():
        assert set(scores) == {
            "precision@20",
            "ndcg@20",
            "genre_agreement",
            "decade_agreement",
            "feature_distance",
            "candidate_recall@300",
        }
        for key in ("precision@20", "ndcg@20", "genre_agreement", "decade_agreement", "candidate_recall@300"):
            assert 0.0 <= scores[key] <= 1.0, (name, key)
        assert scores["feature_distance"] >= 0.0
    # every system's candidates hold at least the tracks it answered: recall can't fall below its hits
    for name, scores in result["systems"].items():
        assert scores["candidate_recall@300"] >= scores["precision@20"] * 20 / 14 - 1e-9 or name == "popularity"
    assert result["ranker"]["kind"] in ("lightgbm", "torch"), "the split's ranker is reported"
    # the split's artifacts live in their own folder, never in the product's
    split_dir = settings.home / "splits" / split_hash(["pl0", "pl5"])
    assert split_dir.is_dir() and any(split_dir.iterdir())
    assert not (settings.home / "qdrant").exists()


def test_eval_queries_reports_the_extracted_query(capsys, settings, tmp_path):
    queries = tmp_path / "q.jsonl"
    queries.write_text('{"text": "90s hip hop for the gym"}\n{"text": "no rap please"}\n')
    ids = save_test_ids(tmp_path / "ids.txt", ["pl0"])
    code, out = _cli(
        capsys, settings, "eval", "text2playlist", "--test-playlists", str(ids), "--queries", str(queries), "--json"
    )
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["text"] for r in rows] == ["90s hip hop for the gym", "no rap please"]
    first, second = rows[0]["query"], rows[1]["query"]
    assert "rap" in {g["value"] for g in first["genres"]}
    assert (first["years"]["start"], first["years"]["end"]) == (1990, 1999)
    assert "rap" in {g["value"] for g in second["exclude_genres"]}


def test_eval_refuses_bad_input(capsys, settings, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text("not json\n")
    code, _ = _cli(capsys, settings, "eval", "text2playlist", "--queries", str(bad))
    assert code == 2
    ids = save_test_ids(tmp_path / "ids.txt", ["no-such-playlist"])
    code, _ = _cli(capsys, settings, "eval", "text2playlist", "--test-playlists", str(ids), "--json")
    assert code == 2


def test_eval_personalized_is_its_own_command(capsys, settings, tmp_path):
    ids = save_test_ids(tmp_path / "ids.txt", ["pl0", "pl5"])
    code, out = _cli(capsys, settings, "eval", "personalized", "--test-playlists", str(ids), "--json")
    assert code == 0
    result = json.loads(out)
    assert result["task"] == "text2playlist-personalized" and 1 <= result["n_queries"] <= 2  # long enough ones
    personal = {"retrieval", "retrieval+refine", "retrieval+cf", "retrieval+cf+graph", "full", "surprise_only"}
    personal.add("retrieval+cf_allowed")  # retrieval+cf less the tracks the request's hard constraints rule out
    assert set(result["systems"]) == personal | {"bm25", "dense", "popularity"}
    assert all(0.0 <= s["ndcg@20"] <= 1.0 for s in result["systems"].values())
    # the CF weight is chosen on the cases of both validation splits pooled, each carved from training
    from evals.personalized import VALIDATION_SPLITS, cases_of, validation_split

    pooled = 0
    for offset in range(VALIDATION_SPLITS):
        carved = validation_split(settings, settings.data, ["pl0", "pl5"], offset)
        assert not {p.playlist_id for p in carved.val_playlists} & {"pl0", "pl5"}
        pooled += len(cases_of(carved.val_playlists, carved.val_catalog))
    assert result["validation"]["grid_cases"] == pooled
    # the refiner's grids and each split's figures are on the same pooled cases; the ratios carry their intervals
    assert [len(v) for v in result["validation"]["per_split_ndcg"].values()] == [VALIDATION_SPLITS] * 3
    for ratio in result["ratios"].values():
        low, high = ratio["ci95"]
        assert low <= ratio["ratio"] <= high or ratio["ratio"] != ratio["ratio"]  # nan when the base scores 0
    # the old spelling runs the same evaluation on the same split
    code, out = _cli(
        capsys, settings, "eval", "text2playlist", "--personalized", "--test-playlists", str(ids), "--json"
    )
    assert code == 0 and json.loads(out)["systems"] == result["systems"]


def test_eval_personalized_refiner_steps(capsys, settings, tmp_path):
    ids = save_test_ids(tmp_path / "ids.txt", ["pl0", "pl5"])
    code, out = _cli(
        capsys, settings, "eval", "personalized", "--refiner-steps", "--test-playlists", str(ids), "--json"
    )
    assert code == 0
    result = json.loads(out)
    from evals.personalized import REFINER_STEPS, VALIDATION_SPLITS

    assert result["task"] == "personalized-refiner-steps" and result["steps"] == list(REFINER_STEPS)
    assert len(result["validation"]["per_split"]) == VALIDATION_SPLITS and 1 <= result["test"]["n_queries"] <= 2
    for table in (result["validation"]["pooled"], *result["validation"]["per_split"], result["test"]):
        assert all(0.0 <= table[s] <= 1.0 for s in REFINER_STEPS)
    # the last step is the eval's own full, at the weight and space the eval chooses on the same splits
    code, out = _cli(capsys, settings, "eval", "personalized", "--test-playlists", str(ids), "--json")
    whole = json.loads(out)
    assert (result["weight"], result["space"]) == (whole["validation"]["weight"], whole["validation"]["space"])
    assert result["test"]["full"] == whole["systems"]["full"]["ndcg@20"]
    if result["space"] == "mf":  # the eval's retrieval+cf is always in the MF space; the steps start in the chosen one
        assert result["test"]["retrieval+cf"] == whole["systems"]["retrieval+cf"]["ndcg@20"]


@pytest.mark.slow
def test_default_split_of_the_real_data_is_stratified_and_leak_free(real_settings):
    from evals.split import prepare_split

    split = prepare_split(real_settings, real_settings.data)
    genres = pd.Series([split.truth[p].genre for p in split.test_ids]).value_counts()
    assert len(genres) == 6 and genres.min() >= 9 and genres.max() <= 11  # ~15% of ~67 playlists per genre
    assert not set(split.catalog.playlists) & set(split.test_ids)
    test_tracks = {t for p in split.truth.values() for t in p.track_ids}
    train_tracks = {t for p in split.catalog.playlists.values() for t in p.track_ids}
    only_test = test_tracks - train_tracks
    assert only_test and all(
        split.catalog[t].genres_inferred or not split.catalog[t].genres for t in only_test if t in split.catalog.index
    )


@pytest.mark.parametrize("cf_weight", [0.8, 0.5])
def test_the_personalized_eval_scores_the_weight_the_product_gives_its_histories(settings, cf_weight):
    # full and retrieval+cf answer at the weight Pipeline.run gives a HISTORY-track history, not at the best of the
    # validation grid (it scored 1.0 where the product plays 0.8): the eval measures what a person gets
    import numpy as np

    from evals.personalized import HISTORY, shipped_weight
    from tools.cf import UserVector
    from tools.pipeline import Pipeline

    shipped = settings.model_copy(update={"cf_weight": cf_weight})
    user = UserVector(np.ones(4, dtype=np.float32), n_history=3, space="mf", n_played=HISTORY)
    product = Pipeline.cf_weight(SimpleNamespace(settings=shipped), user)
    assert product > 0 and shipped_weight(shipped) == (product, user.space)
