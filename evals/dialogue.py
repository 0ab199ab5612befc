"""`playgenie eval dialogue`: scripted multi-turn dialogues, with checks computed from every playlist.

Usage:
    playgenie eval dialogue [--json] [--dir evals/dialogues] [--only NAME[,NAME...]] [--every K] [--llm [URL|local]]

Each file in ``evals/dialogues/*.json`` is one dialogue: ``{"name", "set"?, "turns": [{"say", "thread"?,
"checks": [...]}]}``; the report gives each set's share too ("scripted", the default, were written beside
the parser; "as_typed" and "probe" to "probe11" were written the way people type, before the parser was
changed to read them).
A turn runs through :class:`agent.service.ChatService` (offline brain, SQLite checkpointer in a scratch
folder, the product pipeline). Checks read the returned playlist:

    nonempty | no_duplicates | unchanged | same_length
    {"length": N} {"min_length": N} {"grew": N}                 sizes (grew: N more than before)
    {"no_artist": X} {"no_genre": G} {"all_genre": G} {"some_genre": G}
    {"years": [lo, hi]}                                        every year in range (null = open)
    {"rise": [features]} {"fall": [features]}                  playlist means vs the turn before
    {"removed": [positions]} {"replaced": [positions]}        exactly those tracks gone / swapped (-1 = last)
    empty | {"minutes": [lo, hi]}                              no playlist / total listening time
    {"moved": [from, to]} {"same_as_turn": k}                 playlist equals the one after turn k
    {"order_of_turn": k}                                       the tracks it shares with turn k's are in that order
    {"reply_has": "text"} {"reply_title": N}                  the reply says it / names track N (-1 = last)
    {"max_per_artist": N} {"some_artist": X}                   no artist more than N times / X is in it
    {"artist_count": [X, N]}                                   exactly N tracks by X
    {"no_years": [lo, hi]}                                     no track released in the range
    {"none_but": [kind, v, artist]}                            no track with it (as in share) but the artist's
    {"share": {"genre"|"mood"|"artist"|"years": v, "min"|"max": x}}   share of tracks with it
    {"mean_min": [f, v]} {"mean_max": [f, v]} {"all_feature": [f, lo, hi]}   audio features
    {"max_length": N} {"length_between": [lo, hi]} {"length_change": N}      sizes
    {"grew_between": [lo, hi]} {"shrank": [lo, hi]}           tracks added (old kept) / taken away
    {"gone": [positions]} {"first_is": k}                     those tracks left / track k now opens it
    {"reply_any": [texts]} {"reply_lacks": "text"} {"reply_year": N}   the reply's words; track N's year
    {"distinct_reasons": x} {"reasons_lack": "text"}          per-track reasons vary / never say it
    {"swapped": [a, b]}                                        tracks a and b traded places, the rest in order
    {"less": {kind: v}} {"more": {kind: v}}                    share of tracks with it (as in share) fell / rose
    {"closer_to": k}                                           the other tracks moved closer in sound to track k
    {"farther_from": k}                                        the tracks moved away in sound from track k (before)
    {"track_in": [pos, f, lo, hi]}                             the track now at pos has feature f (or year) in range
    {"kept": [positions]}                                      those tracks of the turn before are still there
    same_tracks | {"sorted": [f, "up"|"down"|"either"]}        only reordered / every neighbour in that order
    {"front": [f, "high"|"low"]} {"last_low": f}              first half's mean above/below the second's; the
                                                               last track at or below the playlist's median
    {"no_version": word}                                       no title's version tail ("- Live", "(X Remix)")
                                                               says the word
    {"distinct_artists": N}                                    at least N different artists
    {"max_per_decade": N}                                      no decade (by release year) has more than N tracks
    {"no_years_but": [lo, hi, [positions]]}                    no track from the range but those tracks of the turn
                                                               before (which may be from it)
    {"no_genre_but": [g, [positions]]}                          the same for a genre (or subgenre)
    {"has_title": text} {"only_title_by": [artist, text]}      a title says it / every track by the artist says it
    {"back": [k, pos]}                                         track pos of the playlist after turn k is there again
    {"no_title": word} {"new_share": x}                        no title says the word / at least x of the tracks are new
    {"not_back": [k, pos]}                                     track pos of the playlist after turn k is not there
    {"first_by": artist} {"first_title": text}                 the first track is by the artist / its title says it
    {"first_has": [kind, v]}                                   the first track has it (as in share)
    {"reply_artist": N}                                        the reply names track N's artist (-1 = last)
    {"older_out": true}                                        some tracks went, none left older than the playlist
                                                               before's (lower) median year, the size kept
    {"kept_share": x} {"more_artist_at": k}                    at least x of the tracks before are still there / the
                                                               share of track k's artist (before the turn) rose (or
                                                               the catalog has no other song of theirs)
    {"block_moved": [[positions], "top"|"end"|"middle"]}       those tracks of the turn before now sit together there,
                                                               in their order, the rest in theirs
    {"added_moved": [k, "top"|"end"|"middle"]}                 the same for the tracks the turn before brought in (those
                                                               not in turn k's playlist)
    {"run": [f, a, b, "up"|"down"]}                            tracks a..b (-1 = last) in that order by f, first to last
                                                               at least 0.05 apart
    {"low_at": [f, pos]} {"high_at": [f, pos]}                 track pos's f at or below / above the playlist's median
    {"prefix": N}                                              the first N tracks are the turn before's first N
    {"new_lower": f}                                           new tracks' mean f below the kept ones'
    {"last_has": [kind, v]} {"new_none": [kind, v]}            the last track has it / no track new this turn has it
    {"raised_at": [pos, f]} {"lowered_at": [pos, f]}           the track now at pos has more / less f than the one
                                                               there before the turn
    {"lowest_last": [f, k]}                                    the last k are the k lowest in f, the rest in order
    {"reply_one_with": {kind: v}}                              the reply (before its playlist) names one track of the
                                                               playlist, which has it (as in share) if any track does,
                                                               and counts none
    {"gone_has": [kind, v]}                                    some tracks went, each with it (as in share)
    {"gone_extreme": [f, "high"|"low"]}                        exactly one track went: the one with the highest /
                                                               lowest f before the turn
    new_apart                                                  a track new this turn (some are) sits next to no track by
                                                               its own artist
    {"extreme_at": [f, pos, "max"|"min"]}                      the track at pos has the playlist's highest / lowest f
    {"farther_from_artist": artist}                            the playlist moved away from the artist's mean sound

A turn's text may say ``{title:N}`` (the title of track N before the turn) and carry ``"repeat": k``.
A ``"thread"`` key on a turn switches to another thread of the same user (blocklists carry over).
The report gives the share of checks that pass and lists each failure. ``--llm`` plays the dialogues
again with the LLM (the configured endpoint, a URL, or ``local``: SmolLM2 on llama.cpp) and prints
both: pass rate, turns the LLM planned, turns that fell back to the offline brain and why.

``bench_chat(settings, ...)`` measures chat turns for ``playgenie bench``.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from collections.abc import Callable
from typing import Any, NamedTuple

from tools.catalog import fold, song_key

log = logging.getLogger(__name__)

DIALOGUES = Path(__file__).resolve().parent / "dialogues"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="Print the report as JSON.")
    parser.add_argument("--dir", type=Path, default=DIALOGUES, help="Folder of dialogue files.")
    parser.add_argument(
        "--only", default=None, help="Run only dialogues whose name contains this (several: comma-separated)."
    )
    parser.add_argument(
        "--every",
        type=int,
        default=1,
        metavar="K",
        help="Run every K-th dialogue in file order (a sample spread over every set, e.g. for --llm local).",
    )
    parser.add_argument(
        "--llm",
        nargs="?",
        const="configured",
        default=None,
        metavar="URL|local",
        help="Also run with the LLM: the configured endpoint, a base URL, or 'local' (SmolLM2).",
    )


def load_dialogues(folder: Path = DIALOGUES) -> list[dict[str, Any]]:
    out = []
    for path in sorted(Path(folder).glob("*.json")):
        d = json.loads(path.read_text(encoding="utf-8"))
        d.setdefault("name", path.stem)
        out.append(d)
    return out


def select(dialogues: list[dict[str, Any]], only: str | None = None, every: int = 1) -> list[dict[str, Any]]:
    """The dialogues whose name contains one of ``only``'s comma-separated parts, then every ``every``-th of them."""
    parts = [p.strip() for p in (only or "").split(",") if p.strip()]
    kept = [d for d in dialogues if not parts or any(p in d["name"] for p in parts)]
    return kept[:: max(1, every)]


def _mean(items: list[Any], feature: str, catalog: Any = None) -> float:
    """The mean of ``feature`` over the items; one a playlist row does not carry (instrumentalness) from the catalog."""

    def value(p: Any) -> Any:
        v = getattr(p, feature, None)
        return getattr(catalog[p.track_id], feature, None) if v is None and catalog is not None else v

    vals = [float(v) for v in map(value, items) if v is not None]
    return statistics.fmean(vals) if vals else 0.0


def _has(p: Any, kind: str, value: Any, catalog: Any) -> bool:
    """Whether track ``p`` has ``value`` of ``kind`` (genre or subgenre, mood, artist, years [lo, hi])."""
    tr = catalog[p.track_id]
    if kind == "genre":
        return value in tr.genres + tr.subgenres
    if kind == "mood":
        return value in tr.moods
    if kind == "artist":
        return fold(tr.artist) == fold(value)
    lo, hi = value
    return tr.year is not None and (lo is None or tr.year >= lo) and (hi is None or tr.year <= hi)


def _at(k: int, n: int) -> int:
    """A 1-based position, -1 being the last of ``n``."""
    return k if k > 0 else n + k + 1


KNOWN_CHECKS = {
    "nonempty", "no_duplicates", "unchanged", "same_length", "length", "min_length", "grew", "no_artist", "no_genre",
    "all_genre", "some_genre", "years", "rise", "fall", "removed", "replaced", "moved", "same_as_turn", "reply_has",
    "reply_title", "empty", "minutes", "max_per_artist", "some_artist", "no_years", "share", "mean_min", "mean_max",
    "all_feature", "max_length", "length_between", "length_change", "grew_between", "shrank", "gone", "first_is",
    "reply_any", "reply_lacks", "reply_year", "distinct_reasons", "reasons_lack", "swapped", "less", "more",
    "closer_to", "kept", "same_tracks", "sorted", "front", "last_low", "no_version", "distinct_artists", "none_but",
    "no_back_to_back", "reversed",
    "max_per_decade", "no_years_but", "has_title", "only_title_by", "back", "kept_share", "more_artist_at",
    "no_genre_but", "together", "no_title", "new_share", "farther_from", "track_in", "order_of_turn", "not_back",
    "first_by", "first_title", "first_has", "reply_artist", "older_out", "block_moved", "added_moved", "run",
    "low_at", "prefix", "new_lower", "last_has", "new_none", "lowest_last", "high_at", "genre_top_max",
    "title_share_max", "first_was", "new_higher", "raised_at", "lowered_at", "extreme_at", "farther_from_artist",
    "reply_one_with", "gone_has", "gone_extreme", "artist_count", "new_apart",
}  # fmt: skip


class Turn(NamedTuple):
    """What a check sees: the playlist after and before the turn, the reply, every earlier playlist, the catalog."""

    after: list[Any]
    before: list[Any]
    reply: str
    turns: list[list[Any]]
    catalog: Any

    @property
    def ids(self) -> list[str]:
        return [p.track_id for p in self.after]


Check = Callable[[Turn, Any, str], "str | None"]  # (turn, argument, check name) -> None, or what went wrong
CHECKS: dict[str, Check] = {}


def _check(*names: str) -> Callable[[Check], Check]:
    """Register a check under its names (the keys a dialogue file uses)."""

    def register(fn: Check) -> Check:
        for n in names:
            CHECKS[n] = fn
        return fn

    return register


def check(
    spec: Any, after: list[Any], before: list[Any], reply: str, turns: list[list[Any]], catalog: Any
) -> str | None:
    """None when the check passes, else what went wrong."""
    name, arg = (spec, None) if isinstance(spec, str) else next(iter(spec.items()))
    fn = CHECKS.get(name)
    if fn is None:
        return f"unknown check {name!r}"
    try:
        return fn(Turn(after, before, reply, turns, catalog), arg, name)
    except (IndexError, KeyError) as exc:  # a playlist far shorter than the check's positions: a failure, not a crash
        return f"could not check it on this playlist ({type(exc).__name__}: {exc})"


@_check("nonempty")
def _nonempty(t: Turn, arg: Any, name: str) -> str | None:
    after = t.after
    return None if after else "the playlist is empty"


@_check("no_duplicates")
def _no_duplicates(t: Turn, arg: Any, name: str) -> str | None:
    after, ids = t.after, t.ids
    keys = [song_key(p.title, p.artist) for p in after]
    return None if len(set(ids)) == len(ids) and len(set(keys)) == len(keys) else "duplicate tracks or songs"


@_check("unchanged")
def _unchanged(t: Turn, arg: Any, name: str) -> str | None:
    before, ids = t.before, t.ids
    return None if ids == [p.track_id for p in before] else "the playlist changed"


@_check("same_length")
def _same_length(t: Turn, arg: Any, name: str) -> str | None:
    after, before = t.after, t.before
    return None if len(after) == len(before) else f"length {len(before)} -> {len(after)}"


@_check("length")
def _length(t: Turn, arg: Any, name: str) -> str | None:
    after = t.after
    return None if len(after) == arg else f"length {len(after)}, expected {arg}"


@_check("min_length")
def _min_length(t: Turn, arg: Any, name: str) -> str | None:
    after = t.after
    return None if len(after) >= arg else f"length {len(after)} < {arg}"


@_check("grew")
def _grew(t: Turn, arg: Any, name: str) -> str | None:
    after, before, ids = t.after, t.before, t.ids
    old = {p.track_id for p in before}
    kept = ids[: len(before)] == [p.track_id for p in before]
    ok = len(after) == len(before) + arg and kept and len(set(ids)) == len(ids) and old <= set(ids)
    return None if ok else f"length {len(before)} -> {len(after)} (expected +{arg}, old tracks kept, no duplicates)"


@_check("no_artist")
def _no_artist(t: Turn, arg: Any, name: str) -> str | None:
    after = t.after
    feat = re.compile(rf"[(\[](?:feat\.?|ft\.?|featuring|with)\s[^)\]]*\b{re.escape(arg)}\b", re.IGNORECASE)
    bad = [p.title for p in after if fold(p.artist) == fold(arg) or feat.search(p.title)]
    return None if not bad else f"{len(bad)} track(s) by or featuring {arg}: {bad[:3]}"


@_check("no_genre", "all_genre", "some_genre")
def _no_genre_or_all_genre_or_some_genre(t: Turn, arg: Any, name: str) -> str | None:
    after, catalog = t.after, t.catalog
    has = [arg in catalog[p.track_id].genres + catalog[p.track_id].subgenres for p in after]
    if name == "no_genre":
        return None if not any(has) else f"{sum(has)} {arg} track(s)"
    if name == "all_genre":
        return None if after and all(has) else f"{len(has) - sum(has)} track(s) not {arg}"
    return None if any(has) else f"no {arg} track"


@_check("years")
def _years(t: Turn, arg: Any, name: str) -> str | None:
    after = t.after
    lo, hi = arg
    bad = [
        p.year for p in after if p.year is None or (lo is not None and p.year < lo) or (hi is not None and p.year > hi)
    ]
    return None if after and not bad else f"years outside {lo}-{hi}: {bad[:5]}" if bad else "empty playlist"


@_check("rise", "fall")
def _rise_or_fall(t: Turn, arg: Any, name: str) -> str | None:
    after, before = t.after, t.before
    out = []
    for f in arg:
        a, b = _mean(before, f, t.catalog), _mean(after, f, t.catalog)
        if (name == "rise" and not b > a) or (name == "fall" and not b < a):
            out.append(f"mean {f} {a:.3f} -> {b:.3f}")
    return "; ".join(out) or None


@_check("empty")
def _empty(t: Turn, arg: Any, name: str) -> str | None:
    after = t.after
    return None if not after else f"{len(after)} tracks left"


@_check("minutes")
def _minutes(t: Turn, arg: Any, name: str) -> str | None:
    after = t.after
    total = sum(p.duration_ms for p in after) / 60_000
    return None if arg[0] <= total <= arg[1] else f"{total:.0f} minutes, expected {arg[0]}-{arg[1]}"


@_check("replaced")
def _replaced(t: Turn, arg: Any, name: str) -> str | None:
    before, ids = t.before, t.ids
    pos = {k if k > 0 else len(before) + k + 1 for k in arg}
    old = [p.track_id for p in before]
    ok = len(ids) == len(old) and all((a == b) != (i in pos) for i, (a, b) in enumerate(zip(old, ids), 1))
    return (
        None if ok and not ({ids[k - 1] for k in pos} & set(old)) else f"expected exactly tracks {sorted(pos)} replaced"
    )


@_check("removed")
def _removed(t: Turn, arg: Any, name: str) -> str | None:
    before, ids = t.before, t.ids
    gone = {before[(k if k > 0 else len(before) + k + 1) - 1].track_id for k in arg}
    expect = [p.track_id for p in before if p.track_id not in gone]
    return None if ids == expect else f"expected exactly tracks {arg} removed"


@_check("moved")
def _moved(t: Turn, arg: Any, name: str) -> str | None:
    before, ids = t.before, t.ids
    src, dst = (_at(k, len(before)) for k in arg)
    expect = [p.track_id for p in before]
    if not (1 <= src <= len(expect) and 1 <= dst <= len(expect)):
        return f"no track {src} or place {dst} in the {len(expect)} tracks before"
    expect.insert(dst - 1, expect.pop(src - 1))
    return None if ids == expect else f"track {src} is not at {dst} with the rest in order"


@_check("same_as_turn")
def _same_as_turn(t: Turn, arg: Any, name: str) -> str | None:
    turns, ids = t.turns, t.ids
    want = [p.track_id for p in turns[arg]]
    return None if ids == want else f"playlist differs from the one after turn {arg}"


@_check("order_of_turn")
def _order_of_turn(t: Turn, arg: Any, name: str) -> str | None:
    then = [p.track_id for p in t.turns[arg]]
    both = [tid for tid in t.ids if tid in set(then)]
    want = [tid for tid in then if tid in set(both)]
    if len(both) < 2:
        return f"fewer than 2 tracks of turn {arg} left to order"
    return None if both == want else f"the tracks are not in the order they had after turn {arg}"


@_check("reply_has")
def _reply_has(t: Turn, arg: Any, name: str) -> str | None:
    reply = t.reply
    return None if fold(arg) in fold(reply) else f"reply lacks {arg!r}"


@_check("reply_title")
def _reply_title(t: Turn, arg: Any, name: str) -> str | None:
    before, reply = t.before, t.reply
    title = before[_at(arg, len(before)) - 1].title if before else ""
    return None if title and fold(title) in fold(reply) else f"reply does not name track {arg}"


@_check("max_per_artist")
def _max_per_artist(t: Turn, arg: Any, name: str) -> str | None:
    after = t.after
    counts: dict[str, int] = {}
    for p in after:
        counts[fold(p.artist)] = counts.get(fold(p.artist), 0) + 1
    worst = max(counts.items(), key=lambda kv: kv[1], default=("", 0))
    return None if worst[1] <= arg else f"{worst[1]} tracks by {worst[0]}"


@_check("some_artist")
def _some_artist(t: Turn, arg: Any, name: str) -> str | None:
    after = t.after
    return None if any(fold(p.artist) == fold(arg) for p in after) else f"no track by {arg}"


@_check("artist_count")
def _artist_count(t: Turn, arg: Any, name: str) -> str | None:
    artist, want = arg
    have = sum(fold(p.artist) == fold(artist) for p in t.after)
    return None if have == want else f"{have} tracks by {artist}, expected {want}"


@_check("none_but")
def _none_but(t: Turn, arg: Any, name: str) -> str | None:
    kind, value, artist = arg
    bad = [p for p in t.after if fold(p.artist) != fold(artist) and _has(p, kind, value, t.catalog)]
    return None if not bad else f"{len(bad)} {value} track(s) not by {artist}"


@_check("no_years")
def _no_years(t: Turn, arg: Any, name: str) -> str | None:
    after = t.after
    lo, hi = arg
    bad = [
        p.year for p in after if p.year is not None and (lo is None or p.year >= lo) and (hi is None or p.year <= hi)
    ]
    return None if after and not bad else f"{len(bad)} track(s) from {lo}-{hi}: {bad[:5]}" if bad else "empty playlist"


@_check("share")
def _share(t: Turn, arg: Any, name: str) -> str | None:
    after, catalog = t.after, t.catalog
    kind = next(k for k in ("genre", "mood", "artist", "years") if k in arg)
    share = sum(_has(p, kind, arg[kind], catalog) for p in after) / len(after) if after else 0.0
    if "min" in arg and not (after and share >= arg["min"]):
        return f"{share:.0%} {kind} {arg[kind]}, expected at least {arg['min']:.0%}"
    if "max" in arg and share > arg["max"]:
        return f"{share:.0%} {kind} {arg[kind]}, expected at most {arg['max']:.0%}"
    return None


@_check("mean_min", "mean_max")
def _mean_min_or_mean_max(t: Turn, arg: Any, name: str) -> str | None:
    after = t.after
    f, v = arg
    m = _mean(after, f, t.catalog)
    ok = after and (m >= v if name == "mean_min" else m <= v)
    return None if ok else f"mean {f} {m:.3f}, expected {'>=' if name == 'mean_min' else '<='} {v}"


@_check("genre_top_max")
def _genre_top_max(t: Turn, arg: Any, name: str) -> str | None:
    """The largest genre's share (a track of several genres counts a part to each) is at most ``arg``."""
    shares: dict[str, float] = {}
    for p in t.after:
        genres = t.catalog[p.track_id].genres
        for g in genres:
            shares[g] = shares.get(g, 0.0) + 1.0 / len(genres)
    if not t.after:
        return "empty playlist"
    g, w = max(shares.items(), key=lambda kv: kv[1]) if shares else (None, 0.0)
    share = w / len(t.after)
    return None if share <= arg else f"{share:.0%} {g}, expected at most {arg:.0%} of one genre"


@_check("title_share_max")
def _title_share_max(t: Turn, arg: Any, name: str) -> str | None:
    """At most ``max`` of the titles hold the word ``word`` (a request's word merely repeated by titles)."""
    word, top = arg
    pattern = re.compile(rf"\b{re.escape(word)}\b", re.IGNORECASE)
    bad = [p.title for p in t.after if pattern.search(p.title)]
    share = len(bad) / len(t.after) if t.after else 0.0
    return None if t.after and share <= top else f"{share:.0%} of titles say {word!r}: {bad[:3]}"


@_check("all_feature")
def _all_feature(t: Turn, arg: Any, name: str) -> str | None:
    after = t.after
    f, lo, hi = arg
    bad = [
        round(float(getattr(p, f)), 2)
        for p in after
        if (lo is not None and getattr(p, f) < lo) or (hi is not None and getattr(p, f) > hi)
    ]
    return None if after and not bad else f"{f} outside {lo}-{hi}: {bad[:5]}" if bad else "empty playlist"


@_check("max_length")
def _max_length(t: Turn, arg: Any, name: str) -> str | None:
    after = t.after
    return None if len(after) <= arg else f"length {len(after)} > {arg}"


@_check("length_between")
def _length_between(t: Turn, arg: Any, name: str) -> str | None:
    after = t.after
    return None if arg[0] <= len(after) <= arg[1] else f"length {len(after)}, expected {arg[0]}-{arg[1]}"


@_check("length_change")
def _length_change(t: Turn, arg: Any, name: str) -> str | None:
    after, before = t.after, t.before
    return None if len(after) - len(before) == arg else f"length {len(before)} -> {len(after)}, expected {arg:+d}"


@_check("grew_between")
def _grew_between(t: Turn, arg: Any, name: str) -> str | None:
    after, before, ids = t.after, t.before, t.ids
    old = [p.track_id for p in before]
    n_new = len(after) - len(before)
    ok = arg[0] <= n_new <= arg[1] and ids[: len(old)] == old and len(set(ids)) == len(ids)
    return None if ok else f"length {len(before)} -> {len(after)} (expected +{arg[0]}..{arg[1]}, old tracks kept)"


@_check("shrank")
def _shrank(t: Turn, arg: Any, name: str) -> str | None:
    after, before, ids = t.after, t.before, t.ids
    n_gone = len(before) - len(after)
    ok = arg[0] <= n_gone <= arg[1] and set(ids) <= {p.track_id for p in before}
    return None if ok else f"length {len(before)} -> {len(after)} (expected -{arg[0]}..{arg[1]}, nothing new)"


@_check("gone")
def _gone(t: Turn, arg: Any, name: str) -> str | None:
    before, ids = t.before, t.ids
    left = [k for k in arg if before and before[_at(k, len(before)) - 1].track_id in ids]
    return None if before and not left else f"track(s) {left} still there"


@_check("first_is")
def _first_is(t: Turn, arg: Any, name: str) -> str | None:
    after, before = t.after, t.before
    ok = before and after and after[0].track_id == before[_at(arg, len(before)) - 1].track_id
    return None if ok else f"track {arg} does not open the playlist"


@_check("reply_any")
def _reply_any(t: Turn, arg: Any, name: str) -> str | None:
    reply = t.reply
    return None if any(fold(a) in fold(reply) for a in arg) else f"reply names none of {arg}"


@_check("reply_lacks")
def _reply_lacks(t: Turn, arg: Any, name: str) -> str | None:
    """The reply's own words lack it: the titles of the playlist it lists are the catalog's ("Ahora Es" for "salsa
    para bailar" is no echo of "gracias! ahora agrega 5 mas")."""
    reply = fold(t.reply)
    for p in t.after:
        reply = reply.replace(fold(p.title), " ")
    return None if fold(arg) not in reply else f"reply says {arg!r}"


@_check("reply_year")
def _reply_year(t: Turn, arg: Any, name: str) -> str | None:
    before, reply = t.before, t.reply
    year = before[_at(arg, len(before)) - 1].year if before else None
    return None if year and str(year) in reply else f"reply does not give track {arg}'s year ({year})"


@_check("reply_artist")
def _reply_artist(t: Turn, arg: Any, name: str) -> str | None:
    before, reply = t.before, t.reply
    artist = before[_at(arg, len(before)) - 1].artist if before else None
    return None if artist and fold(artist) in fold(reply) else f"reply does not name track {arg}'s artist ({artist})"


@_check("older_out")
def _older_out(t: Turn, arg: Any, name: str) -> str | None:
    years = sorted(p.year for p in t.before if p.year)
    if not years:
        return "no years before the turn"
    median = years[(len(years) - 1) // 2]
    older = [p.year for p in t.after if p.year and p.year < median]
    if len(t.after) != len(t.before) or set(t.ids) == {p.track_id for p in t.before}:
        return f"{len(t.before)} -> {len(t.after)} tracks, {len(set(t.ids) - {p.track_id for p in t.before})} new"
    return f"{len(older)} tracks older than {median} left: {sorted(older)}" if older else None


@_check("distinct_reasons")
def _distinct_reasons(t: Turn, arg: Any, name: str) -> str | None:
    after = t.after
    reasons = [p.reason for p in after]
    share = len(set(reasons)) / len(reasons) if reasons else 0.0
    return None if share >= arg else f"{len(set(reasons))} distinct reasons over {len(reasons)} tracks"


@_check("reasons_lack")
def _reasons_lack(t: Turn, arg: Any, name: str) -> str | None:
    after = t.after
    bad = [p.reason for p in after if fold(arg) in fold(p.reason or "")]
    return None if not bad else f"{len(bad)} reason(s) say {arg!r}: {bad[0][:80]!r}"


@_check("swapped")
def _swapped(t: Turn, arg: Any, name: str) -> str | None:
    before, ids = t.before, t.ids
    a, b = (_at(k, len(before)) for k in arg)
    expect = [p.track_id for p in before]
    if before and max(a, b) <= len(expect):
        expect[a - 1], expect[b - 1] = expect[b - 1], expect[a - 1]
    return None if before and ids == expect else f"tracks {a} and {b} did not trade places with the rest in order"


@_check("less", "more")
def _less_or_more(t: Turn, arg: Any, name: str) -> str | None:
    after, before, catalog = t.after, t.before, t.catalog
    kind = next(k for k in ("genre", "mood", "artist", "years") if k in arg)
    was = sum(_has(p, kind, arg[kind], catalog) for p in before) / len(before) if before else 0.0
    now = sum(_has(p, kind, arg[kind], catalog) for p in after) / len(after) if after else 0.0
    ok = after and (now < was or (now == 0.0 == was) if name == "less" else now > was or (now == 1.0 == was))
    return None if ok else f"share of {kind} {arg[kind]} {was:.0%} -> {now:.0%}"


@_check("closer_to")
def _closer_to(t: Turn, arg: Any, name: str) -> str | None:
    after, before, catalog = t.after, t.before, t.catalog
    if not before:
        return "no playlist before"
    anchor = before[_at(arg, len(before)) - 1].track_id
    was, now = _distance_to(anchor, before, catalog), _distance_to(anchor, after, catalog)
    return None if now < was else f"mean distance to track {arg} {was:.3f} -> {now:.3f}"


@_check("kept")
def _kept(t: Turn, arg: Any, name: str) -> str | None:
    before, ids = t.before, t.ids
    n = len(before)
    left = [k for k in arg if not 1 <= _at(k, n) <= n or before[_at(k, n) - 1].track_id not in ids]
    return None if before and not left else f"track(s) {left} are gone (or were never there)"


@_check("same_tracks")
def _same_tracks(t: Turn, arg: Any, name: str) -> str | None:
    before, ids = t.before, t.ids
    old = [p.track_id for p in before]
    return None if before and sorted(ids) == sorted(old) else "tracks were added, removed or replaced"


@_check("sorted")
def _sorted(t: Turn, arg: Any, name: str) -> str | None:
    f, way = arg
    vals = [float(getattr(p, f)) for p in t.after]
    up = all(a <= b for a, b in zip(vals, vals[1:]))
    down = all(a >= b for a, b in zip(vals, vals[1:]))
    ok = len(vals) > 1 and (up if way == "up" else down if way == "down" else up or down)
    return None if ok else f"{f} not in {way} order: {[round(v, 2) for v in vals[:6]]}..."


@_check("front")
def _front(t: Turn, arg: Any, name: str) -> str | None:
    f, way = arg
    half = len(t.after) // 2
    a, b = _mean(t.after[:half], f, t.catalog), _mean(t.after[len(t.after) - half :], f, t.catalog)
    ok = half > 0 and (a > b if way == "high" else a < b)
    return None if ok else f"mean {f} first half {a:.3f}, second half {b:.3f} (expected the first {way}er)"


@_check("last_low")
def _last_low(t: Turn, arg: Any, name: str) -> str | None:
    vals = [float(getattr(p, arg)) for p in t.after]
    med = statistics.median(vals) if vals else 0.0
    return None if vals and vals[-1] <= med else f"last track's {arg} above the median {med:.3f}" if vals else "empty"


_VERSION_TAIL = re.compile(r"\s[-–]\s.*$|[(\[].*$")


@_check("no_version")
def _no_version(t: Turn, arg: Any, name: str) -> str | None:
    word = re.compile(rf"\b{re.escape(arg)}\b", re.IGNORECASE)
    bad = [p.title for p in t.after if (tail := _VERSION_TAIL.search(p.title)) and word.search(tail.group(0))]
    return None if t.after and not bad else f"{len(bad)} {arg} version(s): {bad[:3]}" if bad else "empty playlist"


@_check("distinct_artists")
def _distinct_artists(t: Turn, arg: Any, name: str) -> str | None:
    n = len({fold(p.artist) for p in t.after})
    return None if n >= arg else f"{n} different artists, expected at least {arg}"


@_check("no_back_to_back")
def _no_back_to_back(t: Turn, arg: Any, name: str) -> str | None:
    pairs = [k for k in range(1, len(t.after)) if fold(t.after[k].artist) == fold(t.after[k - 1].artist)]
    return None if not pairs else f"same artist at positions {[(k, k + 1) for k in pairs]}"


@_check("together")
def _together(t: Turn, arg: Any, name: str) -> str | None:
    at = [k for k, p in enumerate(t.after) if fold(p.artist) == fold(arg)]
    if len(at) < 2:
        return f"{len(at)} track(s) by {arg}"
    return None if at[-1] - at[0] == len(at) - 1 else f"{arg} at positions {[k + 1 for k in at]}"


@_check("reversed")
def _reversed(t: Turn, arg: Any, name: str) -> str | None:
    return None if t.ids == [p.track_id for p in t.before][::-1] else "not the order before, turned around"


@_check("max_per_decade")
def _max_per_decade(t: Turn, arg: Any, name: str) -> str | None:
    counts: dict[int, int] = {}
    for p in t.after:
        if p.year is not None:
            counts[p.year // 10 * 10] = counts.get(p.year // 10 * 10, 0) + 1
    worst = max(counts.items(), key=lambda kv: kv[1], default=(0, 0))
    return None if t.after and worst[1] <= arg else f"{worst[1]} tracks from the {worst[0]}s" if t.after else "empty"


@_check("no_years_but")
def _no_years_but(t: Turn, arg: Any, name: str) -> str | None:
    lo, hi, spared = arg
    kept = {t.before[_at(k, len(t.before)) - 1].track_id for k in spared if 1 <= _at(k, len(t.before)) <= len(t.before)}
    bad = [
        p.year
        for p in t.after
        if p.track_id not in kept
        and p.year is not None
        and (lo is None or p.year >= lo)
        and (hi is None or p.year <= hi)
    ]
    return (
        None if t.after and not bad else f"{len(bad)} track(s) from {lo}-{hi}: {bad[:5]}" if bad else "empty playlist"
    )


@_check("no_genre_but")
def _no_genre_but(t: Turn, arg: Any, name: str) -> str | None:
    genre, spared = arg
    n = len(t.before)
    kept = {t.before[_at(k, n) - 1].track_id for k in spared if 1 <= _at(k, n) <= n}
    bad = [p.title for p in t.after if p.track_id not in kept and _has(p, "genre", genre, t.catalog)]
    return None if t.after and not bad else f"{len(bad)} {genre} track(s): {bad[:3]}" if bad else "empty playlist"


@_check("has_title")
def _has_title(t: Turn, arg: Any, name: str) -> str | None:
    return None if any(fold(arg) in fold(p.title) for p in t.after) else f"no title says {arg!r}"


@_check("no_title")
def _no_title(t: Turn, arg: Any, name: str) -> str | None:
    word = re.compile(rf"\b{re.escape(arg)}\b", re.IGNORECASE)
    bad = [p.title for p in t.after if word.search(p.title)]
    return None if t.after and not bad else f"{len(bad)} title(s) say {arg!r}: {bad[:3]}" if bad else "empty playlist"


@_check("new_share")
def _new_share(t: Turn, arg: Any, name: str) -> str | None:
    old = {p.track_id for p in t.before}
    share = sum(p.track_id not in old for p in t.after) / len(t.after) if t.after else 0.0
    return None if share >= arg else f"{share:.0%} of the tracks are new, expected at least {arg:.0%}"


@_check("only_title_by")
def _only_title_by(t: Turn, arg: Any, name: str) -> str | None:
    artist, text = arg
    bad = [p.title for p in t.after if fold(p.artist) == fold(artist) and fold(text) not in fold(p.title)]
    return None if t.after and not bad else f"{len(bad)} other track(s) by {artist}: {bad[:3]}" if bad else "empty"


@_check("back")
def _back(t: Turn, arg: Any, name: str) -> str | None:
    k, pos = arg
    then = t.turns[k] if -len(t.turns) <= k < len(t.turns) else []
    if not 1 <= _at(pos, len(then)) <= len(then):
        return f"no track {pos} after turn {k}"
    tid = then[_at(pos, len(then)) - 1].track_id
    return None if tid in t.ids else f"track {pos} of turn {k} is not back"


@_check("not_back")
def _not_back(t: Turn, arg: Any, name: str) -> str | None:
    k, pos = arg
    then = t.turns[k] if -len(t.turns) <= k < len(t.turns) else []
    if not 1 <= _at(pos, len(then)) <= len(then):
        return f"no track {pos} after turn {k}"
    p = then[_at(pos, len(then)) - 1]
    return None if p.track_id not in t.ids else f"track {pos} of turn {k} ({p.title}) is back"


@_check("first_by", "first_title")
def _first_by(t: Turn, arg: Any, name: str) -> str | None:
    if not t.after:
        return "empty playlist"
    p = t.after[0]
    ok = fold(p.artist) == fold(arg) if name == "first_by" else fold(arg) in fold(p.title)
    return None if ok else f'the first track is "{p.title}" by {p.artist}'


@_check("first_has")
def _first_has(t: Turn, arg: Any, name: str) -> str | None:
    kind, value = arg
    ok = bool(t.after) and _has(t.after[0], kind, value, t.catalog)
    return None if ok else f"the first track is not {value}"


@_check("kept_share")
def _kept_share(t: Turn, arg: Any, name: str) -> str | None:
    old = {p.track_id for p in t.before}
    share = len(old & set(t.ids)) / len(old) if old else 0.0
    return None if share >= arg else f"{share:.0%} of the tracks before kept, expected at least {arg:.0%}"


@_check("more_artist_at")
def _more_artist_at(t: Turn, arg: Any, name: str) -> str | None:
    n = len(t.before)
    if not 1 <= _at(arg, n) <= n:
        return f"no track {arg} before"
    artist = fold(t.before[_at(arg, n) - 1].artist)
    was = sum(fold(p.artist) == artist for p in t.before) / n
    now = sum(fold(p.artist) == artist for p in t.after) / len(t.after) if t.after else 0.0
    songs = {song_key(tr.title, tr.artist) for tr in t.catalog.tracks if fold(tr.artist) == artist}
    had = {song_key(p.title, p.artist) for p in t.before if fold(p.artist) == artist}
    return None if now > was or songs <= had else f"share of {artist} {was:.0%} -> {now:.0%}"


@_check("farther_from")
def _farther_from(t: Turn, arg: Any, name: str) -> str | None:
    if not t.before:
        return "no playlist before"
    anchor = t.before[_at(arg, len(t.before)) - 1].track_id
    was, now = _distance_to(anchor, t.before, t.catalog), _distance_to(anchor, t.after, t.catalog)
    return None if now > was else f"mean distance to track {arg} {was:.3f} -> {now:.3f}"


@_check("track_in")
def _track_in(t: Turn, arg: Any, name: str) -> str | None:
    pos, f, lo, hi = arg
    if not t.after:
        return "empty playlist"
    p = t.after[_at(pos, len(t.after)) - 1]
    v = getattr(p, f, None)
    ok = v is not None and (lo is None or v >= lo) and (hi is None or v <= hi)
    return None if ok else f"track {pos} ({p.title}) has {f} {v}, expected [{lo}, {hi}]"


@_check("raised_at", "lowered_at")
def _changed_at(t: Turn, arg: Any, name: str) -> str | None:
    pos, f = arg
    if not t.after or not t.before:
        return "empty playlist"
    old, new = (p[_at(pos, len(p)) - 1] for p in (t.before, t.after))
    a, b = (float(getattr(catalog_row, f)) for catalog_row in (t.catalog[old.track_id], t.catalog[new.track_id]))
    ok = b > a if name == "raised_at" else b < a
    return None if ok else f"track {pos} went from {old.title} ({f} {a:.2f}) to {new.title} ({f} {b:.2f})"


def _block_at(t: Turn, block: list[str], where: str) -> str | None:
    """None when ``block`` (track ids of the turn before) now sits together at ``where`` in its order, the other
    tracks in theirs."""
    ids, n, k = t.ids, len(t.after), len(block)
    rest = [p.track_id for p in t.before if p.track_id not in set(block)]
    if not block or sorted(ids) != sorted(rest + block):
        return "tracks were added, removed or replaced (or no tracks to move)"
    start = ids.index(block[0])
    if ids[start : start + k] != block or [x for x in ids if x not in set(block)] != rest:
        return "the tracks are not together in their order, or the rest moved"
    at = {
        "top": start == 0,
        "end": start + k == n,
        "middle": 0 < start and start + k < n and n / 4 <= start + k / 2 <= 3 * n / 4,
    }
    return None if at[where] else f"the block starts at {start + 1} of {n}, not at the {where}"


@_check("block_moved")
def _block_moved(t: Turn, arg: Any, name: str) -> str | None:
    pos, where = arg
    return _block_at(t, [t.before[_at(k, len(t.before)) - 1].track_id for k in pos], where)


@_check("added_moved")
def _added_moved(t: Turn, arg: Any, name: str) -> str | None:
    k, where = arg
    then = {p.track_id for p in t.turns[k]}
    return _block_at(t, [p.track_id for p in t.before if p.track_id not in then], where)


@_check("run")
def _run(t: Turn, arg: Any, name: str) -> str | None:
    f, a, b, way = arg
    n = len(t.after)
    vals = [float(_mean([p], f, t.catalog)) for p in t.after[_at(a, n) - 1 : _at(b, n)]]
    sign = 1 if way == "up" else -1
    ok = (
        len(vals) > 1
        and all(sign * (y - x) >= 0 for x, y in zip(vals, vals[1:]))
        and sign * (vals[-1] - vals[0]) >= 0.05
    )
    return None if ok else f"{f} of tracks {a}..{b} not going {way}: {[round(v, 2) for v in vals]}"


@_check("low_at", "high_at")
def _low_at(t: Turn, arg: Any, name: str) -> str | None:
    f, pos = arg
    vals = [_mean([p], f, t.catalog) for p in t.after]
    if not vals:
        return "empty playlist"
    v, med = vals[_at(pos, len(vals)) - 1], statistics.median(vals)
    ok = v <= med if name == "low_at" else v >= med
    return None if ok else f"track {pos}'s {f} {v:.2f} on the wrong side of the median {med:.2f}"


@_check("prefix")
def _prefix(t: Turn, arg: Any, name: str) -> str | None:
    want = [p.track_id for p in t.before[:arg]]
    return None if len(want) == arg and t.ids[:arg] == want else f"the first {arg} tracks are not the same as before"


@_check("new_lower", "new_higher")
def _new_lower(t: Turn, arg: Any, name: str) -> str | None:
    old = {p.track_id for p in t.before}
    new, kept = [p for p in t.after if p.track_id not in old], [p for p in t.after if p.track_id in old]
    if not new or not kept:
        return "no new or no kept tracks"
    a, b = _mean(new, arg, t.catalog), _mean(kept, arg, t.catalog)
    return None if (a < b if name == "new_lower" else a > b) else f"new tracks' mean {arg} {a:.2f}, kept {b:.2f}"


@_check("first_was")
def _first_was(t: Turn, arg: Any, name: str) -> str | None:
    """The first track now is track ``arg`` of the playlist before the turn."""
    n = len(t.before)
    if not 1 <= _at(arg, n) <= n:
        return f"no track {arg} in the {n} tracks before"
    p = t.before[_at(arg, n) - 1]
    first = t.after[0].title if t.after else "nothing"
    return None if t.ids[:1] == [p.track_id] else f'the first track is "{first}", not track {arg} "{p.title}"'


@_check("last_has")
def _last_has(t: Turn, arg: Any, name: str) -> str | None:
    kind, value = arg
    ok = bool(t.after) and _has(t.after[-1], kind, value, t.catalog)
    return None if ok else f"the last track is not {value}"


@_check("new_none")
def _new_none(t: Turn, arg: Any, name: str) -> str | None:
    kind, value = arg
    old = {p.track_id for p in t.before}
    bad = [p.title for p in t.after if p.track_id not in old and _has(p, kind, value, t.catalog)]
    return None if not bad else f"{len(bad)} new track(s) with {kind} {value}: {bad[:3]}"


@_check("new_apart")
def _new_apart(t: Turn, arg: Any, name: str) -> str | None:
    old = {p.track_id for p in t.before}
    new = [k for k, p in enumerate(t.after) if p.track_id not in old]
    if not new:
        return "no track is new"
    pairs = sorted(
        {
            (k, j)
            for k in new
            for j in (k - 1, k + 1)
            if 0 <= j < len(t.after) and fold(t.after[j].artist) == fold(t.after[k].artist)
        }
    )
    return (
        None
        if not pairs
        else f"a new track beside one by the same artist at positions {[(a + 1, b + 1) for a, b in pairs]}"
    )


@_check("lowest_last")
def _lowest_last(t: Turn, arg: Any, name: str) -> str | None:
    f, k = arg
    vals = [_mean([p], f, t.catalog) for p in t.after]
    ok = len(vals) > k and max(vals[-k:]) <= min(vals[:-k])
    rest = [x for x in (p.track_id for p in t.before) if x in set(t.ids[:-k])]
    if ok and t.ids[:-k] != rest:
        return "the other tracks did not keep their order"
    return None if ok else f"the last {k} are not the lowest {f}: {[round(v, 2) for v in vals[-k:]]}"


@_check("reply_one_with")
def _reply_one_with(t: Turn, arg: Any, name: str) -> str | None:
    """ "which is the most romantic": the answer names one track of the playlist, one with the mood, not a count."""
    kind = next(k for k in ("genre", "mood", "artist", "years") if k in arg)
    said = fold(t.reply).split("your playlist")[0]
    named = [p for p in t.after if re.search(rf"(?<!\w){re.escape(fold(p.title))}(?!\w)", said)]
    if re.search(r"\b\d+ of \d+ tracks?\b", said):  # "20 of 20 tracks are romantic" (not "popularity 71 of 100")
        return f"the reply counts tracks: {said[:80]!r}"
    if len(named) != 1:
        return f"the reply names {len(named)} of the playlist's tracks, expected one"
    if not any(_has(p, kind, arg[kind], t.catalog) for p in t.after):
        return None  # no track has it: the one nearest it will do
    return None if _has(named[0], kind, arg[kind], t.catalog) else f'"{named[0].title}" is not {kind} {arg[kind]}'


@_check("gone_has")
def _gone_has(t: Turn, arg: Any, name: str) -> str | None:
    kind, value = arg
    now = set(t.ids)
    gone = [p for p in t.before if p.track_id not in now]
    bad = [p.title for p in gone if not _has(p, kind, value, t.catalog)]
    return None if gone and not bad else f"no track gone, or gone without {kind} {value}: {bad[:3]}"


@_check("gone_extreme")
def _gone_extreme(t: Turn, arg: Any, name: str) -> str | None:
    f, side = arg
    now = set(t.ids)
    vals = {p.track_id: _mean([p], f, t.catalog) for p in t.before}
    if not vals or len(now) != len(vals) - 1:
        return f"expected one track gone, {len(vals) - len(now & set(vals))} went"
    pick = (max if side == "high" else min)(vals, key=vals.__getitem__)
    return None if pick not in now else f"the track with the {side}est {f} ({vals[pick]:.2f}) is still there"


_SOUND = ("energy", "valence", "danceability", "acousticness", "speechiness", "tempo")


def _distance_to(anchor: str, items: list[Any], catalog: Any) -> float:
    """Mean distance in sound (features on 0-1, tempo /200 BPM) from the other tracks to ``anchor``."""

    def vec(tid: str) -> list[float]:
        tr = catalog[tid]
        return [float(getattr(tr, f)) / (200.0 if f == "tempo" else 1.0) for f in _SOUND]

    a = vec(anchor)
    ds = [sum((x - y) ** 2 for x, y in zip(vec(p.track_id), a)) ** 0.5 for p in items if p.track_id != anchor]
    return statistics.fmean(ds) if ds else float("inf")


@_check("extreme_at")
def _extreme_at(t: Turn, arg: Any, name: str) -> str | None:
    """[feature, position, "max" or "min"]: the track there has the playlist's highest (lowest) value of it."""
    f, pos, way = arg
    vals = [_mean([p], f, t.catalog) for p in t.after]
    if not vals:
        return "empty playlist"
    v, best = vals[_at(pos, len(vals)) - 1], (max if way == "max" else min)(vals)
    return None if v == best else f"track {pos}'s {f} {v:.2f}, the playlist's {way} is {best:.2f}"


@_check("farther_from_artist")
def _farther_from_artist(t: Turn, arg: Any, name: str) -> str | None:
    """The playlist moved away from the sound of an artist (the mean of their catalog tracks)."""
    theirs = [tr for tr in t.catalog.tracks if fold(tr.artist) == fold(arg)]
    if not theirs or not t.before or not t.after:
        return f"no tracks by {arg} in the catalog" if not theirs else "no playlist"

    def vec(tr: Any) -> list[float]:
        return [float(getattr(tr, f)) / (200.0 if f == "tempo" else 1.0) for f in _SOUND]

    center = [statistics.fmean(col) for col in zip(*map(vec, theirs))]

    def spread(items: list[Any]) -> float:
        return statistics.fmean(
            sum((x - y) ** 2 for x, y in zip(vec(t.catalog[p.track_id]), center)) ** 0.5 for p in items
        )

    was, now = spread(t.before), spread(t.after)
    return None if now > was else f"mean distance to {arg}'s sound {was:.3f} -> {now:.3f}"


def run_dialogues(service: Any, dialogues: list[dict[str, Any]]) -> dict[str, Any]:
    """Play every dialogue through ``service``; the report counts checks and lists failures."""
    catalog = service.deps.catalog
    total = passed = 0
    failures: list[dict[str, Any]] = []
    latencies: list[float] = []
    brains: dict[str, int] = {}  # which brain planned each turn, when an LLM is configured
    run = uuid.uuid4().hex[:8]  # fresh users and threads: earlier runs' memory never leaks in
    by_set: dict[str, list[int]] = {}  # a dialogue's "set" (default "scripted") -> [passed, checks]
    for d in dialogues:
        tally = by_set.setdefault(d.get("set", "scripted"), [0, 0])
        user = f"{d['name']}-{run}"
        threads: dict[str, list[Any]] = {}
        turns: list[list[Any]] = []
        for i, turn in enumerate(d["turns"]):
            tkey = turn.get("thread", "main")
            before = threads.get(tkey, [])
            say = turn["say"] * turn.get("repeat", 1)
            say = re.sub(
                r"\{title:(\d+)\}",
                lambda m: before[int(m.group(1)) - 1].title if len(before) >= int(m.group(1)) else "?",
                say,
            )
            t0 = time.perf_counter()
            r = service.turn(f"{user}:{tkey}", user, say)
            latencies.append((time.perf_counter() - t0) * 1000)
            if service.deps.llm is not None:
                brain = r.brain or "offline"  # a turn that ran no graph (a refusal) planned nothing
                brains[brain] = brains.get(brain, 0) + 1
            threads[tkey] = r.playlist
            turns.append(r.playlist)
            for spec in turn.get("checks", []):
                total += 1
                tally[1] += 1
                problem = check(spec, r.playlist, before, r.reply, turns, catalog)
                if problem is None:
                    passed += 1
                    tally[0] += 1
                else:
                    failures.append(
                        {
                            "dialogue": d["name"],
                            "turn": i,
                            "say": turn["say"],
                            "check": spec,
                            "problem": problem,
                            "reply": r.reply.split("\n\nYour playlist")[0][:300],
                        }
                    )
    latencies.sort()
    return {
        "dialogues": len(dialogues),
        "turns": len(latencies),
        "checks": total,
        "passed": passed,
        "share": round(passed / total, 4) if total else 0.0,
        "sets": {k: {"checks": t, "passed": p, "share": round(p / t, 4) if t else 0.0} for k, (p, t) in by_set.items()},
        "turn_ms_p50": round(latencies[len(latencies) // 2], 1) if latencies else None,
        "turn_ms_p95": round(latencies[int(len(latencies) * 0.95)], 1) if latencies else None,
        "failures": failures,
        **({"brains": brains} if brains else {}),
    }


def run(args: argparse.Namespace, settings: Any) -> int:
    from tools.pipeline import Pipeline

    dialogues = select(load_dialogues(args.dir), args.only, args.every)
    offline = settings.model_copy(update={"llm_base_url": None})  # the offline floor: no LLM anywhere
    pipeline = Pipeline.load(offline)
    report = {"offline": play(offline, pipeline, dialogues)}
    if args.llm:
        from tools.llm import totals
        from tools.local_llm import llm_settings

        with llm_settings(settings, args.llm) as llm_conf:
            before = totals()
            # the same catalog, encoder and index; the LLM extractor and refiner come with the settings
            llm_pipeline = Pipeline(llm_conf, pipeline.catalog, pipeline.encoder, pipeline.index, home=pipeline.home)
            report["llm"] = play(llm_conf, llm_pipeline, dialogues)
            report["llm"]["llm_requests"] = {k: v - before[k] for k, v in totals().items()}
    if args.json:
        print(json.dumps(report if args.llm else report["offline"], indent=2, ensure_ascii=False))
        return 0
    for name, r in report.items():
        print(
            f"[{name}] {r['passed']}/{r['checks']} checks pass ({r['share']:.1%}) over "
            f"{r['dialogues']} dialogues, {r['turns']} turns; turn p50 {r['turn_ms_p50']} ms, "
            f"p95 {r['turn_ms_p95']} ms"
        )
        for k, v in r["sets"].items():
            print(f"  {k}: {v['passed']}/{v['checks']} ({v['share']:.1%})")
        if "brains" in r:
            llm = r["llm_requests"]
            print(
                f"[{name}] turns planned by the LLM {r['brains'].get('llm', 0)}, fell back to the offline brain "
                f"{r['brains'].get('llm->offline', 0)}; LLM requests {llm['calls']}, replies parsed {llm['parsed']}, "
                f"failed or refused {llm['failed']}"
            )
            for why, n in sorted(r.get("fallbacks", {}).items(), key=lambda kv: -kv[1]):
                print(f"  brain fell back {n}x: {why}")
        for f in r["failures"]:
            print(f"  FAIL {f['dialogue']} turn {f['turn']} {f['say']!r}: {f['check']} -> {f['problem']}")
    return 0


def play(settings: Any, pipeline: Any, dialogues: list[dict[str, Any]]) -> dict[str, Any]:
    """The dialogues through a fresh ChatService over ``pipeline`` (checkpoints in a scratch folder)."""
    from agent.service import ChatService
    from memory.checkpoint import open_checkpointer
    from memory.store import open_store

    with tempfile.TemporaryDirectory() as tmp:
        saver, c1 = open_checkpointer(Path(tmp))
        store, c2 = open_store(Path(tmp))
        service = ChatService(settings, pipeline=pipeline, checkpointer=saver, store=store)
        try:
            report = run_dialogues(service, dialogues)
            if service.deps.llm is not None:
                report["fallbacks"] = {k: v for k, v in service.deps.llm.outcomes.items() if k != "planned"}
        finally:
            service.close()
            c1.close()
            c2.close()
    return report


# --- speed -----------------------------------------------------------------------------------------
BENCH_SCRIPT = (
    "upbeat 2010s pop for a party", "more upbeat", "no Drake", "drop track 3", "why track 2", "only after 2012",
    "a bit calmer", "add 5 more", "move track 4 to the top", "undo", "replace track 1", "make it 15 tracks",
)  # fmt: skip


def bench_chat(
    settings: Any,
    *,
    pipeline: Any = None,
    turns: int = 120,
    concurrency: int = 20,
    seconds: float = 60.0,
    think_s: float = 1.0,
    script: tuple[str, ...] = BENCH_SCRIPT,
) -> dict[str, Any]:
    """Offline chat turns through the graph with the SQLite checkpointer, in a scratch folder.

    ``single``: ``turns`` sequential turns of one script (first turn of each round included).
    ``concurrent``: ``concurrency`` conversations at once for ``seconds``, each waiting ``think_s``
    after a reply before its next message (a person reading; 0 = flood): turns, errors, p50/p95 ms.
    """
    import threading

    from agent.service import ChatService

    if pipeline is None:
        from tools.pipeline import Pipeline

        pipeline = Pipeline.load(settings)
    offline = settings.model_copy(update={"llm_base_url": None})
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        service = ChatService(offline.model_copy(update={"home": Path(tmp)}), pipeline=pipeline)
        try:
            service.turn("warm", "warm", script[0])  # load caches once, as a running server has them
            lat: list[float] = []
            for i in range(turns):
                t0 = time.perf_counter()
                service.turn(f"single-{i // len(script)}", "bench", script[i % len(script)])
                lat.append((time.perf_counter() - t0) * 1000)
            out["single"] = _summary(lat)
            if concurrency and seconds:
                clat: list[float] = []
                errors: list[str] = []
                stop = time.perf_counter() + seconds
                lock = threading.Lock()

                def worker(k: int) -> None:
                    i = 0
                    while time.perf_counter() < stop:
                        t0 = time.perf_counter()
                        try:
                            service.turn(f"conc-{k}-{i // len(script)}", f"user-{k}", script[i % len(script)])
                        except Exception as exc:  # counted and reported: the bench must see every failure
                            with lock:
                                errors.append(repr(exc))
                        with lock:
                            clat.append((time.perf_counter() - t0) * 1000)
                        i += 1
                        if think_s:
                            time.sleep(think_s)

                threads = [threading.Thread(target=worker, args=(k,)) for k in range(concurrency)]
                for t in threads:
                    t.start()
                for t in threads:
                    t.join()
                out["concurrent"] = {
                    **_summary(clat),
                    "conversations": concurrency,
                    "seconds": seconds,
                    "think_s": think_s,
                    "errors": len(errors),
                    "error_samples": errors[:3],
                    "turns_per_s": round(len(clat) / seconds, 1),
                }
        finally:
            service.close()
    return out


def _summary(lat: list[float]) -> dict[str, Any]:
    s = sorted(lat)
    if not s:
        return {"n": 0}
    return {
        "n": len(s),
        "p50_ms": round(s[len(s) // 2], 1),
        "p95_ms": round(s[min(len(s) - 1, int(len(s) * 0.95))], 1),
        "max_ms": round(s[-1], 1),
    }
