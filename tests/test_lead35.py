"""My own chats as a newcomer on a fresh build (evals/dialogues/534-536, set lead35).

"just keep two of the def leppard songs" made a playlist of Def Leppard alone; "too many now, just keep two of
theirs" was not understood; "keep 2 of the nirvana songs" made a new playlist; "deja solo dos de nirvana" kept only
Nirvana. Each now keeps that artist to that many tracks.
"""

from __future__ import annotations

from collections import Counter

from plans import acts, parse


def _stacked(playlist: list[dict], k: int = 4) -> tuple[list[dict], str]:
    """The playlist with its first artist's track copied into k places (an artist the person just asked more of)."""
    artist = playlist[0]["artist"]
    out = [dict(p) for p in playlist]
    for i in range(1, k):
        out[i * 3] = {**playlist[0], "track_id": f"{playlist[0]['track_id']}-{i}"}
    assert Counter(p["artist"] for p in out)[artist] >= k
    return out, artist


def test_keep_n_of_an_artists_songs_keeps_that_artist_to_n(vocab, playlist):
    stacked, artist = _stacked(playlist)
    name = artist.lower()
    want = [("lessen", {"artists": [artist], "keep": 2})]
    assert acts(f"just keep two of the {name} songs", vocab, stacked) == want
    assert acts(f"keep 2 of the {name} songs", vocab, stacked) == want
    assert acts(f"deja solo dos de {name}", vocab, stacked) == want
    assert acts(f"ok keep only one of the {name} ones", vocab, stacked) == [
        ("lessen", {"artists": [artist], "keep": 1})
    ]


def test_keep_n_of_theirs_means_the_artist_in_focus(vocab, playlist):
    stacked, artist = _stacked(playlist)
    assert acts("too many now, just keep two of theirs", vocab, stacked, focus=1) == [
        ("lessen", {"artists": [artist], "keep": 2})
    ]
    assert acts("keep 2 of them", vocab, stacked, focus=1) == [("lessen", {"artists": [artist], "keep": 2})]


def test_keep_n_of_them_without_an_artist_in_focus_is_the_length(vocab, playlist):
    assert acts("keep 2 of them", vocab, playlist) == [("resize", {"length": 2})]


def test_adding_just_one_of_an_artists_songs_still_adds(vocab, playlist):
    stacked, artist = _stacked(playlist)
    ((name, args),) = acts(f"add just one of the {artist.lower()} songs", vocab, stacked)
    assert name == "widen" and args["artists"] == [artist]


def test_keeping_more_than_there_are_says_so(vocab, playlist):
    stacked, artist = _stacked(playlist, k=2)
    have = Counter(p["artist"] for p in stacked)[artist]
    p = parse(f"just keep {have + 1} of the {artist.lower()} songs", stacked, vocab)
    assert p.question and f"{have} of the {len(stacked)} tracks" in p.question and not p.actions


def test_a_superlative_move_with_a_reason_after_it_moves_the_track(vocab, playlist):
    n = len(playlist)
    top = max(range(n), key=lambda i: (playlist[i]["energy"], -i)) + 1
    slow = min(range(n), key=lambda i: (playlist[i]["tempo"], i)) + 1
    assert acts("put the most energetic one at the end for the last set", vocab, playlist) == [
        ("move", {"position": top, "to": n})
    ]
    assert acts("and the slowest one first so we warm up", vocab, playlist) == [("move", {"position": slow, "to": 1})]
    assert acts("move track 3 to the end because it's too loud", vocab, playlist) == [
        ("move", {"position": 3, "to": n})
    ]


def test_those_after_a_count_answer_are_the_tracks_it_counted(vocab, playlist):
    old = sorted(range(1, len(playlist) + 1), key=lambda i: (playlist[i - 1]["year"], i))[:7]
    cut = max(playlist[i - 1]["year"] for i in old) + 1
    hits = [i for i, p in enumerate(playlist, 1) if p["year"] < cut]
    listing = ", ".join(f'#{i} "{playlist[i - 1]["title"]}" by {playlist[i - 1]["artist"]}' for i in hits[:5])
    more = f" and {len(hits) - 5} more" if len(hits) > 5 else ""
    answer = f"{len(hits)} of {len(playlist)} tracks are from before {cut}: {listing}{more}. Nothing changed."
    assert acts("get rid of those", vocab, playlist, asked=answer) == [("remove", {"positions": hits})]
    assert parse("get rid of those", playlist, vocab).question  # nothing counted before: which ones?


def test_a_count_of_an_artists_songs_beside_the_rest_is_no_length(tiny_catalog):
    from tools.extract import TagExtractor

    ex = TagExtractor(tiny_catalog)
    artist = tiny_catalog.tracks[0].artist
    for said in (f"90s rock with a couple of {artist.lower()} songs", f"rap with 3 {artist.lower()} songs"):
        q = ex.extract(said)
        assert q.length is None and [(t.value, t.scope) for t in q.artists] == [(artist, "also")], said
    assert ex.extract(f"a few {artist.lower()} songs").length == 3  # the whole request: that many of theirs


def test_not_too_much_after_a_change_makes_it_a_small_step(vocab, playlist):
    assert acts("a bit more upbeat but not too much", vocab, playlist) == acts("a bit more upbeat", vocab, playlist)
    ((name, args),) = acts("more energy, but not too much", vocab, playlist)
    assert (name, args["feature"], args["direction"], args["amount"]) == ("adjust", "energy", "up", "bit")
