"""Tools that move the playlist's sound: a feature up or down from where it is, or toward one track."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Literal

from pydantic import BaseModel, Field

from agent.tools.edits import Pos, Position
from agent.tools.registry import ToolError, tool
from agent.tools.work import NUDGE_SWAP_SHARE, Work, feature_value
from tools.catalog import Track, fold
from tools.schema import MAX_LENGTH, FeatureBound, YearRange

FEATURES = ("energy", "valence", "tempo", "danceability", "acousticness")  # what "sounds like" compares
# the targets "more like #n" sets, each within its range
_LIKE = (
    ("energy", (0, 1)),
    ("valence", (0, 1)),
    ("danceability", (0, 1)),
    ("tempo", (40, 220)),
    ("acousticness", (0, 1)),
)


class Adjust(BaseModel):
    feature: Literal[
        "energy", "valence", "tempo", "danceability", "acousticness", "instrumentalness", "popularity", "year"
    ] = Field(description="The audio feature to move, 'popularity' for more hits or deep cuts, 'year' for newer/older.")
    direction: Literal["up", "down"]
    amount: Literal["bit", "normal", "lot"] = "normal"


@tool(Adjust, waits=True)
def adjust(w: Work, feature: str, direction: str, amount: str = "normal") -> str:
    """Shift one audio feature from where the playlist is now ("more upbeat": energy and valence up)."""
    w.need_playlist()
    cur = w.mean(feature)
    if cur is None:
        raise ToolError(f"I can't tell the {feature} of these tracks.")
    scale = {"bit": 0.5, "normal": 1.0, "lot": 2.0}[amount]
    sign = 1 if direction == "up" else -1
    if feature == "year":  # "newer stuff": the years move past where the playlist is, as a preference
        if (sign > 0 and cur >= getattr(w.deps.vocab.reader, "max_year", 2020) - 0.5) or (sign < 0 and cur <= 1950):
            raise ToolError(f"The songs are already as {'new' if sign > 0 else 'old'} as the catalog goes.")
        q = w.query.model_copy(deep=True)
        edge = round(cur)
        if sign > 0:
            q.years = YearRange(start=edge, explicit=False, source="newer")
        else:
            q.years = YearRange(end=edge, explicit=False, source="older")
        w.query = q
        _pend(w, feature, sign, cur, amount)
        return ""
    lo, hi = {"tempo": (50.0, 210.0), "popularity": (0.0, 100.0)}.get(feature, (0.0, 1.0))
    step = w.step(feature)
    target = min(hi, max(lo, cur + sign * step * scale))
    if (sign > 0 and cur >= 0.97 * hi) or (sign < 0 and target <= lo + 1e-6):
        raise ToolError(f"The {feature} is already as {'high' if sign > 0 else 'low'} as it goes.")
    # A soft bound: retrieval aims at the target, but later edits never drop a track for missing it.
    side = {"min": round(cur, 3)} if sign > 0 else {"max": round(cur, 3)}
    bound = FeatureBound(
        feature=feature, target=round(target, 3), explicit=False, source=f"{direction} from {cur:.2f}", **side
    )
    q = w.query.model_copy(deep=True)
    q.features = [b for b in q.features if b.feature != feature] + [bound]
    w.query = q
    _pend(w, feature, sign, cur, amount)
    return ""


def _pend(w: Work, feature: str, sign: int, cur: float, amount: str) -> None:
    """The move left for :meth:`Work.reshape`, which replaces at most the share of tracks the turn's largest amount
    allows (:data:`agent.tools.work.NUDGE_SWAP_SHARE`)."""
    w.pending[feature] = (sign, cur)
    w.nudge = max(w.nudge, amount, key=list(NUDGE_SWAP_SHARE).index)


class MoreLike(Position):
    count: int = Field(
        default=0, ge=0, le=MAX_LENGTH, description="Tracks like it to add; 0 moves the playlist toward it."
    )
    away: bool = Field(
        default=False, description="Move away from its sound instead ('less like track 5', 'nothing like that one')."
    )
    also: list[Pos] = Field(
        default_factory=list,
        max_length=10,
        description="Other tracks it moves toward as well ('more like track 2 and 5': position 2, also [5]); the "
        "tracks least like any of them give way.",
    )


def _distance(a: Track, b: Track) -> float:
    steps = ((feature_value(a, f) - feature_value(b, f)) / (200.0 if f == "tempo" else 1.0) for f in FEATURES)
    return math.sqrt(sum(d**2 for d in steps))


@tool(MoreLike)
def more_like(w: Work, position: int, count: int = 0, away: bool = False, also: list[int] | None = None) -> str:
    """Move the playlist toward one track's sound ("more like the first one"): the tracks least like it are
    replaced by ones closer to it; with a count, that many tracks like it are added instead. ``away`` moves it
    away ("less like track 5"): the tracks most like it give way to ones farther from it. ``also``: more tracks it
    moves toward ("more like 2 and 5"), a track's distance being to the nearest of them."""
    w.need_playlist()
    (p,) = w.positions([position])
    anchor = w.track(w.playlist[p - 1])
    others = [w.track(w.playlist[k - 1]) for k in w.positions(list(also or [])) if k != p] if not away else []
    if others:
        return _toward_several(w, [anchor, *others], count)

    def dist(tr: Track) -> float:
        return _distance(tr, anchor)

    if away:
        return _away_from(w, p, anchor, dist)

    q = w.query.model_copy(deep=True)
    said = {b.feature for b in q.features if b.explicit}
    q.features = [b for b in q.features if b.explicit] + [
        FeatureBound(
            feature=f, target=round(min(hi, max(lo, feature_value(anchor, f))), 3), explicit=False, source=f"like #{p}"
        )
        for f, (lo, hi) in _LIKE
        if f not in said and not math.isnan(feature_value(anchor, f))
    ]
    w.query = q
    said_back = _toward(w, {anchor.track_id}, dist, f'"{anchor.title}"', count, "it")
    w.focus = p  # "why that one?" next means the track the person pointed at
    return said_back


def _toward_several(w: Work, anchors: list[Track], count: int) -> str:
    """ "more like track 2 and 5": as toward one track, a track's distance being to the nearest of them; the request's
    sound targets stay (no single track's sound is the target)."""

    def dist(tr: Track) -> float:
        return min(_distance(tr, a) for a in anchors)

    titles = " and ".join(f'"{a.title}"' for a in anchors)
    return _toward(w, {a.track_id for a in anchors}, dist, titles, count, "them")


def _toward(w: Work, ids: set[str], dist: Callable[[Track], float], titles: str, count: int, them: str) -> str:
    """With a count, that many tracks at most the median distance from the anchors (``ids``) are added; else the half
    of the rest least like them give way to tracks closer than any of that half."""
    w.anchored |= ids
    if count:
        rest = sorted(dist(w.track(x)) for x in w.playlist if x["track_id"] not in ids)
        median = rest[len(rest) // 2] if rest else float("inf")
        new = w.fetch(count, keep=w.playlist, good=lambda tr: dist(tr) <= median)
        if not new:
            raise ToolError(f"I found nothing more like {titles} that fits the rest of the request.")
        for x in new:
            x["reason"] = f"sounds like {titles}; {x.get('reason', '')}".strip("; ")
        w.playlist = w.playlist + new
        return f"added {len(new)} like {titles}"
    ranked = sorted((x for x in w.playlist if x["track_id"] not in w.anchored), key=lambda x: -dist(w.track(x)))
    k = max(1, len(ranked) // 2)
    floor = min(dist(w.track(x)) for x in ranked[:k]) if ranked else float("inf")
    out_ids = {x["track_id"] for x in ranked[:k]}
    keep = [x for x in w.playlist if x["track_id"] not in out_ids]
    new = w.fetch(k, keep=keep, avoid=ranked[:k], good=lambda tr: dist(tr) < floor)
    if not new:
        raise ToolError(f"I found nothing closer to {titles} that fits the rest of the request.")
    _swap_in(w, new, ranked[:k], f"closer to {titles}")
    return f"moved toward the sound of {titles}: replaced {len(new)} of the tracks least like {them}"


def _swap_in(w: Work, new: list[dict], out: list[dict], why: str) -> None:
    """The first ``len(new)`` of ``out`` give their places to ``new``, each new track's reason opening with ``why``."""
    gone = {x["track_id"] for x in out[: len(new)]}
    for x in new:
        x["reason"] = f"{why}; {x.get('reason', '')}".strip("; ")
    fill = iter(new)
    w.playlist = [next(fill) if x["track_id"] in gone else x for x in w.playlist]


def _away_from(w: Work, p: int, anchor: Track, dist: Callable[[Track], float]) -> str:
    """The third of the other tracks nearest ``anchor`` in sound, replaced by tracks farther from it than any of
    them; the anchor itself stays (the person may like it and not want more of it)."""
    title = f'"{anchor.title}"'
    w.anchored.add(anchor.track_id)
    n = _replace_nearest(w, dist, title, skip=set(w.anchored))
    w.focus = p
    return f"moved away from the sound of {title}: replaced {n} of the tracks most like it"


def away_from_artists(w: Work, artists: list[str]) -> str:
    """ "too much usher vibes" with no Usher in the playlist: the third of the tracks nearest those artists' sound (the
    mean of their catalog tracks) give way to tracks farther from it."""
    names = {fold(a) for a in artists}
    theirs = [tr for tr in w.catalog.tracks if fold(tr.artist) in names]
    if not theirs:
        raise ToolError(f"I don't know the sound of {', '.join(artists)}.")
    center = [math.fsum(feature_value(tr, f) for tr in theirs) / len(theirs) for f in FEATURES]

    def dist(tr: Track) -> float:
        steps = ((feature_value(tr, f) - c) / (200.0 if f == "tempo" else 1.0) for f, c in zip(FEATURES, center))
        return math.sqrt(sum(d**2 for d in steps))

    label = " and ".join(artists)
    n = _replace_nearest(w, dist, label, avoid=lambda tr: fold(tr.artist) in names)
    return f"moved away from the sound of {label}: replaced {n} of the tracks most like it"


def _replace_nearest(
    w: Work,
    dist: Callable[[Track], float],
    title: str,
    skip: frozenset[str] | set[str] = frozenset(),
    avoid: Callable[[Track], bool] = lambda tr: False,
) -> int:
    """The third of the tracks (but ``skip``) nearest in sound replaced by tracks farther away than any of them (and
    not ``avoid``)."""
    ranked = sorted((x for x in w.playlist if x["track_id"] not in skip), key=lambda x: dist(w.track(x)))
    near = ranked[: max(1, len(ranked) // 3)]
    if not near:
        raise ToolError(f"There is nothing else in the playlist to move away from {title}.")
    ceiling = max(dist(w.track(x)) for x in near)
    near_ids = {x["track_id"] for x in near}
    keep = [x for x in w.playlist if x["track_id"] not in near_ids]
    new = w.fetch(len(near), keep=keep, avoid=near, good=lambda tr: dist(tr) > ceiling and not avoid(tr))
    if not new:
        raise ToolError(f"I found nothing less like {title} that fits the rest of the request.")
    _swap_in(w, new, near, f"unlike {title}")
    return len(new)
