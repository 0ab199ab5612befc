"""Tools that change nothing: read a request, look tracks up, explain a track, export the playlist."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from agent.exports import web_link
from agent.tools.edits import Position
from agent.tools.registry import Empty, tool
from agent.tools.work import Work
from tools import reasons
from tools.catalog import fold


class Text(BaseModel):
    text: str = Field(min_length=1, max_length=2000, description="The request in the user's words.")


@tool(Text)
def extract_tags(w: Work, text: str) -> str:
    """Read a request into the typed query (genres, moods, years, exclusions, features) without changing anything."""
    q = w.deps.pipeline.extract(text)
    w.found = q.model_dump(mode="json", exclude_defaults=True)
    return ""


class Search(BaseModel):
    text: str = Field(min_length=1, max_length=2000, description="What to look for.")
    limit: int = Field(default=10, ge=1, le=50)


@tool(Search)
def search(w: Work, text: str, limit: int = 10) -> str:
    """Look up tracks for a request without changing the playlist; returns ids, titles and artists."""
    q = w.deps.pipeline.extract(text)
    cands = w.deps.pipeline.retrieve_full(w.effective_query(q), limit=limit).candidates
    tracks = [w.catalog[c.track_id] for c in cands[:limit]]
    w.found = [{"track_id": t.track_id, "title": t.title, "artist": t.artist} for t in tracks]
    return ""


class Explain(Position):
    picked: str = Field(default="", max_length=40, description="The superlative that picked it ('most popular').")
    field: str = Field(default="", max_length=20, description="The track field the superlative compares.")
    link: bool = Field(default=False, description="True when the user asked for the track's link.")


@tool(Explain)
def explain(w: Work, position: int, picked: str = "", field: str = "", link: bool = False) -> str:
    """Say why one track (1-based) is in the playlist: its reason, and how it fits the request; a track picked by
    a superlative ("the most popular one") says its value first."""
    w.need_playlist()
    (p,) = w.positions([position])
    item = w.playlist[p - 1]
    tr = w.track(item)
    reason = item.get("reason") or reasons.for_track(tr, w.query)
    bits = [reason]
    sound_said = reasons.sound(tr) in reason  # energy and tempo are in the reason already
    for f in dict.fromkeys([b.feature for b in w.query.features] + ["energy", "valence", "danceability"]):
        if not (sound_said and f in ("energy", "tempo")):
            v = float(getattr(tr, f))
            bits.append(f"{v:.0f} BPM" if f == "tempo" else f"{f} {v:.2f}")
    if tr.duration_ms:
        bits.append(f"{tr.duration_ms // 60000}:{tr.duration_ms // 1000 % 60:02d} long")
    if 0 <= tr.key < len(_KEY_NAMES):  # "what key is track 1 in?" (probe20's DJ): the catalog's key and mode
        bits.append(f"in {_KEY_NAMES[tr.key]} {'major' if tr.mode else 'minor'}")
    if tr.genres:
        bits.append("/".join(tr.genres))
    if tr.moods:
        bits.append(", ".join(tr.moods[:3]))
    if picked and field == "mood":  # "which is the most romantic": the track of the mood nearest its sound
        lead = f"the most {picked} here" if picked in tr.moods else f"none is tagged {picked}; the nearest in sound"
        bits.insert(0, lead)
    elif picked and field in _FIELD_WORDS:  # its value once: in the lead when the rest doesn't say it
        value = _FIELD_WORDS[field](tr)
        bits.insert(0, f"the {picked} here" + ("" if any(value in b for b in bits) else f" ({value})"))
    if link:  # "the spotify link for track 3": the link first, then why it is there
        bits.insert(0, web_link(tr.track_id))
    w.focus = p
    w.draft.info.append(f'#{p} "{tr.title}" by {tr.artist} ({tr.year or "year unknown"}): ' + "; ".join(bits))
    return ""


class PlaylistWhy(BaseModel):
    artist: str = Field(default="", max_length=200, description="An artist the question is about, if any.")


@tool(PlaylistWhy)
def explain_playlist(w: Work, artist: str = "") -> str:
    """Say how the whole playlist was chosen ("why these songs?", "why so many Rihanna songs?"): what the request
    was read as, the stages that chose and ordered the tracks, and what the playlist holds now."""
    w.need_playlist()
    tracks = [w.track(p) for p in w.playlist]
    ranker = w.deps.pipeline.ranker_model() is not None
    personal = bool(w.memory.history())
    genres: dict[str, int] = {}
    for t in tracks:
        for g in t.genres:
            genres[g] = genres.get(g, 0) + 1
    top = " and ".join(sorted(genres, key=lambda g: -genres[g])[:2]) or "no genre"
    years = sorted(t.year for t in tracks if t.year)
    span = f"{years[0]}-{years[-1]}" if years else "years unknown"
    energy = sum(t.energy for t in tracks) / len(tracks)
    tempo = sum(t.tempo for t in tracks) / len(tracks)
    parts = [
        f"Your request reads as: {w.query.describe() or 'no tags (the words alone)'}.",
        "I searched the catalog by those tags and your words; what you said outright is a filter, what I inferred "
        "only weighs in.",
        "A ranker trained on real playlists ordered the matches."
        if ranker
        else "They are ordered by how well they match.",
        "Your likes and listening history moved the ones you'd like up."
        if personal
        else "There is no listening history yet, so nothing is personal.",
        f"At most {w.cap} per artist (more of an artist you named), one version of each song, in an order where each "
        "track flows into the next.",
        f"Now: {len(tracks)} tracks, {span}, mostly {top}, energy {energy:.2f} and {tempo:.0f} BPM on average.",
    ]
    if artist:
        theirs = [i for i, t in enumerate(tracks, 1) if fold(t.artist) == fold(artist)]
        named = any(fold(t.value) == fold(artist) for t in w.query.artists)
        why = "you named them" if named else "they fit the request best"
        parts.append(
            f'{len(theirs)} of them {"is" if len(theirs) == 1 else "are"} by {artist} ({why}); say "less {artist}" '
            f'or "max 1 {artist}" to thin them out.'
            if theirs
            else f"None of them is by {artist}."
        )
    parts.append('Ask "why #3?" about one track.')
    w.draft.info.append(" ".join(parts))
    return ""


_KEY_NAMES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")  # the catalog's pitch classes, 0-11

_FIELD_WORDS = {  # a track's value of what a superlative compares, as the answer says it
    "popularity": lambda tr: f"popularity {tr.popularity} of 100",
    "year": lambda tr: str(tr.year or "year unknown"),
    "duration_ms": lambda tr: f"{tr.duration_ms // 60000}:{tr.duration_ms // 1000 % 60:02d} long",
    "tempo": lambda tr: f"{tr.tempo:.0f} BPM",
    "valence": lambda tr: f"valence {tr.valence:.2f}",
    "energy": lambda tr: f"energy {tr.energy:.2f}",
    "danceability": lambda tr: f"danceability {tr.danceability:.2f}",
}


class Export(BaseModel):
    fmt: Literal["m3u", "xspf", "jspf", "csv", "json"] = "m3u"


@tool(Export)
def export(w: Work, fmt: str = "m3u") -> str:
    """Export the playlist as M3U, XSPF, JSPF, CSV or JSON (the front end delivers the file)."""
    w.need_playlist()
    w.draft.export = w.draft.export or fmt  # the first asked for in a turn
    return ""


@tool(Empty)
def playlist_name(w: Work) -> str:
    """Say the playlist's name ("what's it called?", "what's the playlist name?"); nothing changes."""
    w.need_playlist()
    name = w.query.name
    if name:
        w.draft.info.append(f"It's called “{name}”.")
    else:
        w.draft.info.append(
            f"It has no name yet; it's the playlist for {w.query.describe()}. "
            'Say "call it Sunday Slow Jams" to name it.'
        )
    return ""
