"""Tools that make the whole playlist, re-order it or name it: a new playlist from a request, the user's taste, flow."""

from __future__ import annotations

import copy
from typing import Any

from pydantic import BaseModel, Field

from agent.tools.constraints import CLEAN_NOTE
from agent.tools.registry import Empty, ToolError, tool
from agent.tools.work import Work
from tools import vocab
from tools.catalog import fold
from tools.clean import clean_text
from tools.extract import occasion_length
from tools.schema import MAX_LENGTH, Candidate, PlaylistQuery


class NewPlaylist(BaseModel):
    text: str = Field(min_length=1, max_length=2000, description="The request in the user's words.")
    length: int | None = Field(default=None, ge=1, le=MAX_LENGTH, description="Number of tracks, if said.")
    same_music: bool = Field(
        default=False,
        description="Keep the current playlist's genres, years, artists and exclusions; only the occasion or mood "
        "is new ('same but for running').",
    )


@tool(NewPlaylist)
def new_playlist(w: Work, text: str, length: int | None = None, same_music: bool = False) -> str:
    """Make a new playlist from a request in plain language (extract tags, search, CF rerank, refine).
    Replaces the current playlist and query."""
    q = w.deps.pipeline.extract(text)
    if same_music and w.query is not None:
        q = _same_music(w.query, q)
    if length:
        q.length = length
    if q.is_empty():
        raise ToolError(_nothing_to_go_on(q))
    unknown = [u for u in q.unsupported if "no artist of that name" in u]
    if unknown and q.model_copy(update={"free_text": ""}).is_empty():  # "songs by Zzyzx Qwerty" and nothing else
        raise ToolError(f"{'; '.join(unknown)}. Name another artist, or a genre, mood, era or activity.")
    blocked = {fold(t.value) for t in w.effective_query(q).exclude_artists}
    skipped = [t.value for t in q.artists if fold(t.value) in blocked]
    q.artists = [t for t in q.artists if fold(t.value) not in blocked]  # "like Drake" from someone who blocked Drake
    if not length:
        q = occasion_length(q)  # "music for a long flight": three hours, not the default 20 tracks
    w.query = q
    w.playlist = []
    words = _words_not_names(w, text, q)  # "my little prince's party": the word, not the artist Prince
    good = (lambda tr: fold(tr.artist) not in words) if words else None
    w.playlist = w.fetch(q.length or (w.default_length if not q.duration_min else MAX_LENGTH), keep=[], good=good)
    if q.duration_min and w.playlist:
        w.playlist = _fit_minutes(w.playlist, q.duration_min)
    if not w.playlist:
        raise ToolError(f'Nothing in the catalog fits "{q.describe()}" with your blocklist. Try something broader.')
    w.seen = w.draft.ids()  # later calls of the turn mean this playlist's positions
    note = f" (leaving out {', '.join(skipped)}: on your blocklist)" if skipped else ""
    said = list(q.unsupported) + [
        n.rstrip(".") for n in w.notes if not n.startswith("Can't honour") and "cold start" not in n
    ]
    if q.clean == "only":  # kids, "no explicit": what the title filter does and cannot do
        said.append(CLEAN_NOTE.lstrip("; "))
    if said:  # asked-for things the catalog can't honour, or had too few of: say so rather than ignore them
        note += ". Note: " + "; ".join(said)
    return f"new playlist for {q.describe()}{note}"


def _nothing_to_go_on(q: PlaylistQuery) -> str:
    """Why a request gave nothing to search for: the genres it named that this catalog lacks, with the nearest it has
    ("country": rock), or that nothing was understood."""
    missing = [u for u in q.unsupported if "not a genre of this catalog" in u]
    if missing:
        return "; ".join(missing) + "."
    return "I couldn't find anything to go on in that. Name a genre, mood, era, artist or activity."


_MUSIC_FIELDS = ("genres", "subgenres", "years", "artists", "exclude_genres", "exclude_subgenres", "exclude_artists",
                 "exclude_years", "exclude_versions", "keep_artists", "popularity", "length", "track_minutes_max",
                 "max_per_artist")  # fmt: skip


def _same_music(old: PlaylistQuery, new: PlaylistQuery) -> PlaylistQuery:
    """``new``'s occasion and mood over ``old``'s music: what the new request does not say of the music (genres,
    years, artists, exclusions, size) is the old playlist's."""
    kept = {f: getattr(old, f) for f in _MUSIC_FIELDS if getattr(old, f) and not getattr(new, f)}
    for f in ("genres", "subgenres"):  # the music is what stays the same: every track keeps it, whatever the occasion
        if f in kept:
            kept[f] = [t.model_copy(update={"scope": "only", "explicit": True}) for t in kept[f] if t.scope != "like"]
    return new.model_copy(update=copy.deepcopy(kept))


def _fit_minutes(items: list[dict[str, Any]], minutes: float) -> list[dict[str, Any]]:
    """The shortest start of ``items`` that lasts at least ``minutes`` (all of them when they last less), less its last
    track when that ends nearer the time (as the refiner's ``end_near_the_time``: a long last track ran "45 min" to 53).
    """
    out, total, want = [], 0.0, minutes * 60_000
    for p in items:
        if total >= want:
            break
        out.append(p)
        total += p["duration_ms"]
    if len(out) > 1 and total >= want and abs(total - out[-1]["duration_ms"] - want) < abs(total - want):
        out.pop()
    return out


def _words_not_names(w: Work, text: str, q: PlaylistQuery) -> set[str]:
    """Folded artists whose name is a word or phrase of the request that was not read as a name: their tracks
    would come only from the word's similarity ("music for my little prince's party" is not Prince)."""
    keys = getattr(w.deps.vocab.reader, "artist_keys", {})
    words = []
    for t in vocab.tokenize(text[:500]):
        base = fold(t.orig).replace("’", "'")
        words.append(base[:-2] if base.endswith("'s") else t.text)  # "prince's" -> "prince"
    asked = {fold(t.value) for t in q.artists + q.exclude_artists}
    out: set[str] = set()
    for i in range(len(words)):
        for k in (1, 2, 3):
            hit = keys.get(tuple(words[i : i + k])) if i + k <= len(words) else None
            if hit and fold(hit[0]) not in asked:
                out.add(fold(hit[0]))
    return out


@tool(Empty)
def personalize(w: Work) -> str:
    """Re-order the current playlist by this user's taste (CF rerank with their liked and kept tracks)."""
    w.need_playlist()
    cands = _candidates(w)
    ranked = w.deps.pipeline.rerank(cands, history=w.memory.history())
    by_id = {p["track_id"]: p for p in w.playlist}
    w.playlist = [by_id[c.track_id] for c in ranked if c.track_id in by_id]
    return "re-ordered by your taste" if w.memory.history() else "no taste history yet, so the order stays"


@tool(Empty)
def refine(w: Work) -> str:
    """Re-run refinement on the current playlist: one version per song, artist spacing, smooth flow."""
    w.need_playlist()
    cands = _candidates(w)
    items = w.deps.pipeline.refine(cands, w.effective_query(), len(cands))
    reasons = {p["track_id"]: p.get("reason", "") for p in w.playlist}
    w.playlist = [dict(i.model_dump(), reason=reasons.get(i.track_id) or i.reason) for i in items]
    return "re-ordered for flow"


def _candidates(w: Work) -> list[Candidate]:
    """The playlist as the pipeline's candidates, to rerank or refine it."""
    return [
        Candidate(track_id=p["track_id"], idx=w.catalog.index[p["track_id"]], score=float(p.get("score") or 0.0))
        for p in w.playlist
    ]


class Rename(BaseModel):
    title: str = Field(min_length=1, max_length=80, description="The playlist's new name.")


@tool(Rename)
def rename(w: Work, title: str) -> str:
    """Name the playlist ("call it Sunday Slow Jams"): its exports carry the name; the tracks stay as they are."""
    w.need_playlist()
    name = " ".join(clean_text(title, newlines=False).split())[:80]
    if not name:
        raise ToolError('What should it be called? Say "call it Sunday Slow Jams".')
    w.query = w.query.model_copy(update={"name": name})
    return f"named the playlist “{name}”"
