"""Per-track reasons: each tells that track's own story and never the request's leftover words."""

from __future__ import annotations

from tools import reasons
from tools.refine import refine
from tools.schema import Candidate, PlaylistQuery, Tag, YearRange


def test_a_reason_gives_the_tracks_year_tags_and_sound(tiny_catalog):
    tr = next(t for t in tiny_catalog.tracks if t.artist == "Nas")
    q = PlaylistQuery(genres=[Tag(value="rap")], years=YearRange(start=1990, end=1999), free_text="late night mostly")
    r = reasons.for_track(
        tr, q, matched=["rap", "1990s", "similar to 'late night mostly'"], affinity=0.42, role="opener"
    )
    assert str(tr.year) in r and "matches rap" in r and f"energy {tr.energy:.2f}" in r and f"{tr.tempo:.0f} BPM" in r
    assert "close to your taste (0.42)" in r and r.endswith("opener")
    assert "mostly" not in r and "1990s" not in r  # the leftover words never; the track's own year, not the range


def test_refined_tracks_get_distinct_reasons_without_leftover_words(tiny_catalog):
    q = PlaylistQuery(text="sad rap for a late night, mostly", genres=[Tag(value="rap")], free_text="late night mostly")
    rows = [i for i, t in enumerate(tiny_catalog.tracks) if "rap" in t.genres]
    cands = [
        Candidate(tiny_catalog.tracks[i].track_id, i, 1.0 - k / 100, ["rap", "similar to 'late night mostly'"])
        for k, i in enumerate(rows)
    ]
    out = refine(cands, q, tiny_catalog, n=8)
    assert len({p.reason for p in out}) >= 0.75 * len(out)
    assert not any("mostly" in p.reason for p in out)


def test_continuation_and_moved_reasons_say_why(tiny_catalog):
    tr = next(t for t in tiny_catalog.tracks if t.artist == "Queen")
    seeds = [{"artist": "Queen"}]
    assert "an artist in it" in reasons.for_track(tr, None, channel="continuation", seeds=seeds)
    assert reasons.moved(tr, "tempo", 1, 100.0) == f"{tr.tempo:.0f} BPM (up from 100)"
    assert reasons.moved(tr, "year", -1, 2010.0) == "older than the playlist's 2010"
