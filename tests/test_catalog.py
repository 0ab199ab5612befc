"""The catalog: one record per track, genres as a union, leak-free genres, derived tags."""

import pytest

from tools.catalog import Catalog, CatalogUnavailable, ensure_data, fold, song_key
from tools.tags import MOODS


def test_one_record_per_track_with_union_of_genres(tiny_catalog):
    ids = [t.track_id for t in tiny_catalog.tracks]
    assert len(ids) == len(set(ids))
    for t in tiny_catalog.tracks:
        assert t.decade == t.year // 10 * 10
        assert set(t.moods) <= set(MOODS)
        assert t.tempo_bucket in {"slow", "medium", "fast", "very fast"}


def test_moods_follow_audio_features(tiny_catalog):
    calm = [t for t in tiny_catalog.tracks if t.artist == "Ólafur Arnalds"]
    loud = [t for t in tiny_catalog.tracks if t.artist == "AC/DC"]
    assert all("energetic" not in t.moods for t in calm)
    assert any(m in t.moods for t in calm for m in ("chill", "sleep", "focus"))
    assert all("energetic" in t.moods for t in loud)


def test_leak_free_genres_come_from_training_playlists_only(tiny_csv):
    full = Catalog.from_csv(tiny_csv)
    rock_ids = [p for p, pl in full.playlists.items() if pl.genre == "rock"]
    held = Catalog.from_csv(tiny_csv, exclude_playlists=rock_ids)
    assert not set(rock_ids) & set(held.playlists)
    for t in held.tracks:
        if t.artist in ("Queen", "AC/DC", "Nickelback"):
            assert "rock" not in t.genres  # no training playlist ever called them rock
    # every track keeps its metadata and features
    assert len(held) == len(full)


def test_genres_carry_over_from_the_same_artist(tiny_csv):
    full = Catalog.from_csv(tiny_csv)
    # hold out every playlist containing a given track, the artist stays known through other tracks
    target = next(t for t in full.tracks if t.artist == "Drake")
    held_ids = [p for p, pl in full.playlists.items() if target.track_id in pl.track_ids]
    held = Catalog.from_csv(tiny_csv, exclude_playlists=held_ids)
    t = held[target.track_id]
    if t.genres_inferred:
        assert t.genres  # carried over from Drake's other tracks


def test_name_folding_and_versions():
    assert fold("Beyoncé") == fold("BEYONCE") == "beyonce"
    k = song_key("Memories", "Maroon 5")
    for v in ["Memories - Dillon Francis Remix", "Memories (feat. X)", "Memories - Live", "Memories [Remastered 2011]"]:
        assert song_key(v, "Maroon 5") == k
    assert song_key("Memories", "Someone Else") != k


def test_missing_data_without_network_says_what_to_do(tmp_path):
    with pytest.raises(CatalogUnavailable, match="PLAYGENIE_DATA"):
        ensure_data(tmp_path / "nope.csv", tmp_path / "home", "http://127.0.0.1:9/spotify_songs.csv")


def test_data_folder_means_the_csv_inside(tmp_path):
    """PLAYGENIE_DATA=../shared/data (the folder, not the file) is read as the CSV inside it."""
    (tmp_path / "spotify_songs.csv").write_text("a\n")
    assert ensure_data(tmp_path, tmp_path / "home", "http://127.0.0.1:9/x.csv") == tmp_path / "spotify_songs.csv"
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(CatalogUnavailable, match="folder without spotify_songs.csv"):
        ensure_data(empty, tmp_path / "home", "http://127.0.0.1:9/x.csv")


def test_wrong_file_is_refused(tmp_path):
    bad = tmp_path / "x.csv"
    bad.write_text("a,b\n1,2\n")
    with pytest.raises(CatalogUnavailable, match="missing columns"):
        Catalog.from_csv(bad)


@pytest.mark.slow
def test_real_catalog(real_data):
    c = Catalog.from_csv(real_data)
    assert len(c) > 20000 and len(c.playlists) > 300
    assert c.genres == ["edm", "latin", "pop", "r&b", "rap", "rock"]
    assert all(t.genres for t in c.tracks)


def test_query_summary_names_a_mood_that_is_also_an_activity_once():
    from tools.schema import PlaylistQuery, Tag

    q = PlaylistQuery(moods=[Tag(value="workout")], activities=[Tag(value="workout")], genres=[Tag(value="rock")])
    assert q.describe() == "rock, workout"


def test_the_binary_cache_gives_the_parsed_catalog_back(tiny_csv, tmp_path):
    from tools import catalog_cache

    parsed = Catalog.from_csv(tiny_csv)
    first = Catalog.load(tiny_csv, tmp_path)  # parses and writes the cache
    assert len(list(tmp_path.glob("catalog-*.npz"))) == 1
    cached = Catalog.load(tiny_csv, tmp_path)
    for c in (first, cached):
        assert [t.to_dict() for t in c.tracks] == [t.to_dict() for t in parsed.tracks]
        assert c.playlists == parsed.playlists and c.thresholds == parsed.thresholds
        assert c.artists == parsed.artists and c.genres == parsed.genres
    # another CSV content is another cache file, never the stale one
    changed = tmp_path / "changed.csv"
    changed.write_text(tiny_csv.read_text(encoding="utf-8").replace("Queen", "Queens"), encoding="utf-8")
    assert catalog_cache.cache_path(changed, tmp_path) != catalog_cache.cache_path(tiny_csv, tmp_path)
    assert "Queens" in Catalog.load(changed, tmp_path).artists


def test_a_damaged_catalog_cache_is_parsed_again(tiny_csv, tmp_path):
    from tools import catalog_cache

    catalog_cache.cache_path(tiny_csv, tmp_path).parent.mkdir(parents=True, exist_ok=True)
    catalog_cache.cache_path(tiny_csv, tmp_path).write_bytes(b"not a zip file")
    assert len(Catalog.load(tiny_csv, tmp_path)) == len(Catalog.from_csv(tiny_csv))
