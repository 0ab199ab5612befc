"""First playlists for everyday requests without a learned ranker (a fresh install, CI): an occasion's own sound and
known tracks before the genre of the playlists named like it, no titles that merely repeat the request's words, and
a wedding's party read as a party."""

from __future__ import annotations

import numpy as np
import pytest


def _top(pipe, text: str, k: int = 8):
    query = pipe.extract(text)
    found = pipe.retrieve_full(query)
    return query, [pipe.catalog[c.track_id] for c in pipe.rank(found, query)[:k]]


def test_titles_repeating_an_occasion_word_are_not_favoured_without_a_ranker(tiny_pipeline, monkeypatch):
    # "summer vibes": tracks titled "Summer ..." matched the words, not the season's sound; the fused order put them
    # first, the ranker's TITLE_TAG_PULL never ran without a ranker
    import tools.ranker as ranker_module

    pipe = tiny_pipeline
    assert pipe.ranker_model() is None

    def titled(pull: float) -> int:
        monkeypatch.setattr(ranker_module, "UNRANKED_TITLE_PULL", pull)
        _, tracks = _top(pipe, "summer vibes")
        return sum("summer" in t.title.lower() for t in tracks)

    shipped = ranker_module.UNRANKED_TITLE_PULL
    assert titled(0.0) >= 2  # the words pull them (so this test can fail)
    assert titled(shipped) == 0


def test_a_title_is_sought_when_the_request_names_the_artist(tiny_pipeline):
    # "summer songs by Bad Bunny": the artist's titles holding the word are what was asked, never pushed down
    from tools.ranker import _title_tag_hits

    pipe = tiny_pipeline
    query = pipe.extract("summer songs by Bad Bunny")
    assert query.artists
    found = pipe.retrieve_full(query)
    assert not _title_tag_hits(pipe.retriever, found.candidates, query).any()


def test_an_occasion_naming_no_genre_gets_known_tracks_of_its_mood_and_sound_without_a_ranker(
    tiny_pipeline, monkeypatch
):
    # "music for a first date" names no genre: the playlists named like it say little, so known tracks carrying the
    # mood's tag rise (as the ranker's OCCASION_POPULARITY_PULL), and the mood's sound keeps them close to it
    import tools.ranker as ranker_module
    from tools.refine import mood_closeness

    pipe = tiny_pipeline
    shipped = ranker_module.UNRANKED_MOOD_PULL, ranker_module.UNRANKED_POPULARITY_PULL

    def top(mood_pull: float, pop_pull: float) -> tuple[float, float, float]:
        monkeypatch.setattr(ranker_module, "UNRANKED_MOOD_PULL", mood_pull)
        monkeypatch.setattr(ranker_module, "UNRANKED_POPULARITY_PULL", pop_pull)
        query, tracks = _top(pipe, "music for a first date")
        moods = pipe.retriever.wanted_moods(query)
        assert moods and not query.genres
        return (
            float(np.mean([t.popularity for t in tracks])),
            float(np.mean([bool(set(t.moods) & set(moods)) for t in tracks])),
            float(np.mean([mood_closeness(t, m) for t in tracks for m in moods])),
        )

    (pop, tagged, close), (pop0, _, _), (_, _, close_no_mood) = (
        top(*shipped),
        top(shipped[0], 0.0),
        top(0.0, shipped[1]),
    )
    assert pop > pop0 and tagged == 1.0
    assert close > close_no_mood


def test_a_request_naming_a_genre_keeps_retrievals_order(tiny_pipeline):
    # "rock" names its genre and holds no tag word a title could repeat: nothing to correct
    from tools.ranker import order_unranked

    pipe = tiny_pipeline
    query = pipe.extract("rock")
    found = pipe.retrieve_full(query)
    before = [c.track_id for c in found.candidates]
    assert [c.track_id for c in order_unranked(pipe.retriever, found, query)] == before


@pytest.fixture(scope="module")
def ex(tiny_catalog):
    from tools.extract import TagExtractor

    return TagExtractor(tiny_catalog)


@pytest.mark.parametrize("text", ["wedding reception", "music for the wedding party", "playlist for our wedding dj"])
def test_a_weddings_party_is_a_party(ex, text):
    q = ex.extract(text)
    assert "party" in {t.value for t in q.activities}
    assert "romantic" not in {t.value for t in q.moods}


def test_a_wedding_alone_stays_romantic(ex):
    assert "romantic" in {t.value for t in ex.extract("songs for our wedding").moods}
