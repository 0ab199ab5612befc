"""The offline brain: one chat message -> tool calls on the current playlist, or a question.

A message is read by the one language layer (:mod:`tools.vocab` and the extractor's reading:
tokens, vocabulary matches with their negation, years, amounts, artists) and then by an ordered
table of small rules (:data:`RULES`), each a function ``(Clause) -> Plan | None`` that a test can
call alone; the first rule that answers wins. A message with several asks ("drop track 2 and make
it calmer", "only 90s and no eminem") is split into clauses where a joiner starts a new ask, and
each clause gives its actions, applied in order. Positions always mean the playlist the user saw
(the graph maps them through the turn's earlier edits). Anything not read with confidence becomes
a clarifying question, never a guess. Both brains produce the same action list.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Callable, Sequence

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from tools import vocab as V
from tools.catalog import Catalog, fold, song_key
from tools.refine import version_kinds
from tools.schema import FEATURE_RANGE, MAX_LENGTH, listening_minutes
from tools.tags import MOOD_TARGETS

if TYPE_CHECKING:
    from tools.extract import Match, Reading, TagExtractor

MAX_MESSAGE = 2000  # characters; longer messages are refused with a clear reply
EXAMPLES = (
    '"chill 90s r&b for a rainy evening", then "more upbeat", "no Drake", "only 90s", '
    '"drop track 3", "add 10 more", "why track 4?", "undo", "start over"'
)
MORE_DEFAULT = 10  # "add more" without a count


@dataclass
class Plan:
    """What the brain decided: tool calls to run, or a question/reply that changes nothing."""

    actions: list[dict[str, Any]] = field(default_factory=list)
    question: str | None = None  # a clarifying question or a refusal; the playlist stays as it is
    notes: list[str] = field(default_factory=list)  # said beside the actions: the asks of a message not acted on

    @classmethod
    def ask(cls, question: str) -> "Plan":
        return cls(question=question)


def call(name: str, **args: Any) -> dict[str, Any]:
    return {"name": name, "args": args}


class Vocabulary:
    """The catalog's names and the language layer's reader, built once per catalog."""

    def __init__(self, catalog: Catalog, reader: "TagExtractor | None" = None):
        from tools.extract import TagExtractor

        self.catalog = catalog
        self.reader = reader if reader is not None else TagExtractor(catalog)
        self.genres = set(catalog.genres)
        self.subgenres = set(catalog.subgenres)
        self.artists = {fold(a): a for a in catalog.artists}
        self._artist_keys = list(self.artists)

    @cached_property
    def foreign_names(self) -> frozenset[str]:
        """The catalog's artists and titles written in a script the vocabulary does not read ("竹内アンナ")."""
        return V.foreign_names({*self.catalog.artists, *(t.title for t in self.catalog.tracks)})

    @cached_property
    def artist_words(self) -> frozenset[str]:
        """Every word of every artist's name, folded: such a word is never corrected as a typo."""
        return frozenset(w for a in self.artists for w in re.findall(r"[a-z]+", a))

    @cached_property
    def first_names(self) -> dict[str, list[str]]:
        """A name's first word -> the artists it opens ("stevie" -> Stevie Wonder, Stevie Nicks, ...)."""
        out: dict[str, list[str]] = {}
        for key, name in self.artists.items():
            first = key.split()[0] if key.split() else ""
            if len(key.split()) > 1 and len(first) >= 4:
                out.setdefault(first, []).append(name)
        return out

    def genres_of(self, artist: str) -> dict[str, int]:
        """Genre -> how many of the artist's catalog tracks carry it."""
        out: dict[str, int] = {}
        for row in self.catalog.by_artist.get(fold(artist), []):
            for g in self.catalog.tracks[row].genres:
                out[g] = out.get(g, 0) + 1
        return out

    @property
    def titles(self) -> dict[tuple[str, ...], list[int]]:
        """Song title (token key) -> catalog rows, most popular first; built on first use."""
        return self.reader.title_rows

    def read(self, text: str) -> "Reading":
        """The explicit reading of ``text`` (tokens, matches with negation, the typed query)."""
        return self.reader.read(text)

    def artist(self, name: str) -> str | None:
        """The catalog artist a name means: exact (folded), as the reader finds it, else a close fuzzy match."""
        key = fold(name).strip(" .!?'\"")
        if key in self.artists:
            return self.artists[key]
        if len(key) < 2:
            return None
        found = [str(m.value) for m in self.read(f"by {name}").matches if m.kind == "artist"]
        if len(found) == 1:
            return found[0]
        if len(key) < 4:
            return None
        hit = process.extractOne(key, self._artist_keys, scorer=fuzz.ratio, score_cutoff=90)
        return self.artists[hit[0]] if hit else None

    def term(self, span: str) -> dict[str, str] | None:
        """One name resolved to {"genre"|"subgenre"|"mood"|"artist": name}, or None."""
        key = fold(span).strip(" .!?'\"")
        if key in self.subgenres and key not in self.genres:
            return {"subgenre": key}
        if key in self.genres:
            return {"genre": key}
        found, unknown = names_in(self.read(span), self)
        for kind in ("genres", "subgenres", "moods", "artists"):
            if len(found[kind]) == 1 and not unknown and sum(map(len, found.values())) == 1:
                return {kind[:-1]: found[kind][0]}
        return None


# ----- reading helpers ------------------------------------------------------------------------------
def _keys(phrases: Sequence[str]) -> list[tuple[str, ...]]:
    return sorted({V.key(p) for p in phrases}, key=len, reverse=True)


_UNDO, _START, _BLOCK = _keys(V.UNDO_PHRASES), _keys(V.START_OVER_PHRASES), _keys(V.BLOCK_PHRASES)
_RETRACT = _keys(V.RETRACT_PHRASES)
_STATUS = _keys(V.STATUS_PHRASES)
_EXPLAIN, _LOVE, _MOVE = _keys(V.EXPLAIN_PHRASES), _keys(V.LOVE_PHRASES), _keys(V.MOVE_VERBS)
_PRAISE = _keys(V.PRAISE_PHRASES)
# "it's fire", "that's a banger": the pronoun and "is" folded into one token
_PRAISE_CONTRACTED = _keys(
    tuple(f"{p} {x[3:]}" for x in V.PRAISE_PHRASES if x.startswith("is ") for p in ("its", "thats"))
)
_REPLACE, _REMOVE, _GROW = _keys(V.REPLACE_VERBS), _keys(V.REMOVE_VERBS), _keys(V.GROW_VERBS)
_SHORTER, _LONGER, _ONLY = _keys(V.SHORTER_PHRASES), _keys(V.LONGER_PHRASES), _keys(V.ONLY_WORDS)
_ALSO, _MORE_COUNT, _NEGATION = _keys(V.ALSO_WORDS), _keys(V.MORE_WORDS_COUNT), _keys(V.NEGATION_CUES)
_MORE, _LESS = _keys(tuple(V.MORE_WORDS)), _keys(tuple(V.LESS_WORDS))
_COMPLAINT = _keys(V.COMPLAINT_WORDS)
_BIT, _LOT = _keys(V.BIT_WORDS), _keys(V.LOT_WORDS)
_GREETINGS = {V.key(g) for g in V.GREETINGS}
_NUMBERS = {V.key(k): v for k, v in V.NUMBER_WORDS.items() if k not in ("a", "an", "half") and float(v).is_integer()}
_AMOUNTS = {V.key(k): v for k, v in V.AMOUNT_WORDS.items()}
_ORDINALS = {k: v for k, v in V.ORDINALS.items()}
_AMOUNT_WORDS = frozenset(w for k in _AMOUNTS for w in k)
_SAVE_LATER, _NO_MORE = _keys(V.SAVE_LATER_PHRASES), _keys(("no more",))
_HALF, _DOUBLE, _TRIPLE = _keys(V.HALF_PHRASES), _keys(V.DOUBLE_PHRASES), _keys(V.TRIPLE_PHRASES)
_GOING, _LIKE_THESE = _keys(V.GOING_PHRASES), _keys(V.LIKE_THESE_PHRASES)
_TO_TOP = _keys(V.MOVE_TO_TOP)
_LAST_WORDS = frozenset({"last", "ultima", "ultimo", "ultimas", "ultimos", "final", "bottom", "end"})
_FIRST_WORDS = frozenset({"first", "primera", "primero", "primeras", "primeros"})
_PENULTIMATE = _keys(
    (
        "penultimate",
        "next to last",
        "last but one",
        "one before last",
        "the one before the last",
        "penultima",
        "penultimo",
    )
)
# A one-word title that is also an everyday word ("Love", "More") is not read as that track.
_PLAIN_WORDS = V.COMMON_WORDS | V.STOPWORDS | V.CHAT_FILLER
_CONTENT_KINDS = frozenset({"genre", "mood", "activity", "artist", "years", "other_genre", "popularity"})


def find(words: Sequence[str], phrases: list[tuple[str, ...]], start: int = 0) -> tuple[int, int] | None:
    """(index, length) of the earliest of ``phrases`` in ``words`` from ``start``; longest wins a tie."""
    for i in range(start, len(words)):
        first = words[i]
        for p in phrases:
            if p and p[0] != first:  # most phrases fail on their first word: no slice made for them
                continue
            if tuple(words[i : i + len(p)]) == p:
                return i, len(p)
    return None


def number_at(words: Sequence[str], i: int) -> tuple[int, int] | None:
    """(value, tokens) of a whole number written at ``words[i]``: digits or number words ("twelve")."""
    if i >= len(words):
        return None
    if words[i].isdigit():
        return int(words[i][:40]), 1  # a number past 40 digits is bounded later all the same
    for k in (2, 1):
        v = _NUMBERS.get(tuple(words[i : i + k])) if i + k <= len(words) else None
        if v is not None:
            return int(v), k
    return None


def amount_in(words: Sequence[str]) -> int | None:
    """A count said as a number or a vague amount ("a handful" -> 5), else None."""
    for i in range(len(words)):
        n = number_at(words, i)
        if n is not None:
            return n[0]
        for k in (3, 2, 1):
            v = _AMOUNTS.get(tuple(words[i : i + k]))
            if v is not None:
                return v
    return None


def _is_track_noun(w: str) -> bool:
    if w in V.TRACK_NOUNS:
        return True
    return len(w) >= 4 and w.isalpha() and any(OSA.distance(w, n) <= 1 and w[0] == n[0] for n in V.TRACK_NOUN_SPELLINGS)


def _amount_word(words: Sequence[str]) -> str:
    if find(words, _BIT):
        return "bit"
    if find(words, _LOT):
        return "lot"
    return "normal"


def _content(words: Sequence[str], drop: Sequence[Sequence[str]] = ()) -> list[str]:
    """The words left once filler, stopwords, numbers and the given phrases are taken out."""
    gone = {w for p in drop for w in p}
    return [
        w
        for w in words
        if w not in gone
        and w not in V.CHAT_FILLER
        and w not in V.STOPWORDS
        and any(ch.isalnum() for ch in w)
        and not w.isdigit()
        and (w,) not in _NUMBERS
    ]


# ----- the clause a rule reads -------------------------------------------------------------------------
@dataclass
class Clause:
    """One ask of a message, read: its words (folded tokens), the extractor's reading, the playlist."""

    raw: str
    reading: "Reading"
    playlist: Sequence[dict[str, Any]]
    vocab: Vocabulary
    focus: int | None = None
    last: str | None = None  # the tool the previous turn ran last ("and the 70s" after "no 80s" excludes too)

    @property
    def words(self) -> list[str]:
        return [t.text for t in self.reading.tokens]

    @property
    def n(self) -> int:
        return len(self.playlist)

    @property
    def has(self) -> bool:
        return bool(self.playlist)

    def matches(self, *kinds: str, negated: bool | None = None) -> list["Match"]:
        return [
            m
            for m in self.reading.matches
            if (not kinds or m.kind in kinds) and (negated is None or m.negated == negated)
        ]

    def pronoun(self, start: int = 0) -> bool:
        """Whether the clause points at a track with "it", "that one", "this song"."""
        return any(w in V.PRONOUNS for w in self.words[start:])


def make_clause(
    text: str, playlist: Sequence[dict[str, Any]], vocab: Vocabulary, focus: int | None = None, last: str | None = None
) -> Clause:
    return Clause(text, vocab.read(text), playlist, vocab, focus, last)


def names_in(
    reading: "Reading", vocab: Vocabulary | None = None, negated: bool | None = None, start: int = 0
) -> tuple[dict[str, list[str]], list[str]]:
    """Genres, subgenres, moods and artists a reading names (from token ``start``), and the words it did not read."""
    out: dict[str, list[str]] = {"genres": [], "subgenres": [], "moods": [], "artists": []}
    genres = vocab.genres if vocab else set()
    subgenres = vocab.subgenres if vocab else set()

    def put(kind: str, value: str) -> None:
        if value not in out[kind]:
            out[kind].append(value)

    for m in reading.matches:
        if m.start < start or (negated is not None and m.negated != negated):
            continue
        if m.kind == "genre":
            g, sub = m.value  # type: ignore[misc]
            if m.negated and _style_only(reading, m, subgenres):
                continue  # "sin bachata": the catalog has no such label; all of latin is not what goes
            if sub and (sub in subgenres or not vocab):
                put("subgenres", sub)
            elif g in genres or not vocab:
                put("genres", g)
        elif m.kind == "mood":
            put("moods", str(m.value))
        elif m.kind == "activity" and V.ACTIVITY_MOODS.get(str(m.value)):
            put("moods", str(V.ACTIVITY_MOODS[str(m.value)]))
        elif m.kind == "artist":
            put("artists", str(m.value))
    used = {k for m in reading.matches for k in range(m.start, m.end)}
    toks = reading.tokens
    unknown = [t.orig for i, t in enumerate(toks) if i >= start and i not in used and not t.used]
    unknown = _content(
        [fold(u) for u in unknown], (("by", "of", "from", "like", "everything", "anything", "all", "any"),)
    )
    return out, unknown


def _style_only(reading: "Reading", m: "Match", subgenres: set[str]) -> bool:
    """Whether genre match ``m`` is a style the catalog has no label for, read as its parent genre ("bachata" as
    latin, "motown" as r&b): a stand-in when asked for, never what an exclusion takes out."""
    g, sub = m.value  # type: ignore[misc]
    said = " ".join(t.text for t in reading.tokens[m.start : m.end])
    return said in V.NARROWER_STYLES and not (sub and sub in subgenres)


def _nonempty(found: dict[str, list[str]]) -> dict[str, list[str]]:
    return {k: v for k, v in found.items() if v}


# ----- positions ----------------------------------------------------------------------------------------
_ARTICLES_ES = frozenset({"la", "las", "el", "los"})


def _numbered_at(words: Sequence[str], i: int) -> bool:
    """Whether ``words[i]`` names tracks by the number after it: "track 3", "no. 4", and in Spanish "quita la 3",
    "pon la 2 al final" ("las 2 últimas" are the last two, not track 2)."""
    w, digit_next = words[i], i + 1 < len(words) and words[i + 1].isdigit()
    if w in _ARTICLES_ES:
        return digit_next and not {*words[i + 2 : i + 3]} & (_LAST_WORDS | _FIRST_WORDS)
    return _is_track_noun(w) and (w != "no" or digit_next)


def positions(words: Sequence[str], titles: Sequence[str], verb: bool = False) -> list[int] | None:
    """1-based positions that ``words`` (folded tokens) point at: a title, "the last two", "track 3",
    "tracks 2-5", "3 and 5" (after a verb), "the third one". Ranges are clipped to the playlist;
    single positions may lie outside it (the caller says so). None when nothing points at a track."""
    n = len(titles)
    words = list(words)
    for i, w in enumerate(words):
        if not _numbered_at(words, i):
            continue
        j = i + 1 + (1 if i + 1 < len(words) and words[i + 1] == "#" else 0)
        listed = _number_list(words, j, n)
        if listed:
            return listed
    from_end = _from_end(words, n) or _counted_end(words, n)
    if from_end:
        return from_end
    text = " " + " ".join(words) + " "
    exact = [
        (len(k), i)
        for i, k in enumerate(" ".join(V.key(t)) for t in titles)
        if len(k) >= 4 and f" {k} " in text and k not in _PLAIN_WORDS
    ]
    if exact:  # an exact title wins over ordinals inside it ("The Last Time")
        return [max(exact)[1] + 1]
    found: set[int] = set()
    halves = {i for i in range(len(words) - 1) if words[i + 1] in ("half", "halves")}  # "the first half": no track
    for i, w in enumerate(words):
        if i in halves:
            continue
        if w in (
            "last",
            "ultima",
            "ultimo",
            "ultimas",
            "ultimos",
            "first",
            "1st",
            "primera",
            "primero",
            "primeras",
            "primeros",
        ):
            first = w.startswith(("first", "prim", "1st"))  # "the 1st 2": the first two
            num = number_at(words, i + 1)
            if num and first and i + 1 + num[1] < len(words) and words[i + 1 + num[1]] in ("more", "mas"):
                num = None
            if num is None and i > 0 and (i == 1 or words[i - 2] in ("the", "las", "los", "my", "those", "these")):
                num = number_at(words, i - 1)  # "las dos últimas", "the 3 last"
            if num:
                k = min(num[0], n)
                found |= set(range(1, k + 1)) if first else set(range(max(1, n - k + 1), n + 1))
            else:
                found.add(1 if first else n)
    found |= {1 if w == "opener" else n for i, w in enumerate(words) if _end_track(words, i)}
    found |= {_ORDINALS[w] for i, w in enumerate(words) if w in _ORDINALS and w not in _FIRST_WORDS and i not in halves}
    found |= {v for i, v in enumerate(map(_ordinal_digits, words)) if v and i not in halves}
    if found:
        return sorted(found)
    return _bare_list(words, n) if verb else None


def _end_track(words: Sequence[str], i: int) -> bool:
    """Whether ``words[i]`` is "the opener" or "the closer" as a track ("swap the opener"), not "closer to" or "make
    the 3rd song the opener" (a move, which names its track)."""
    if words[i] not in ("opener", "closer") or not i or words[i - 1] not in ("the", "your", "my", "this", "that"):
        return False
    return words[i + 1 : i + 2] != ["to"] and not any(w in _ORDINALS or w.isdigit() for w in words[:i])


def _bare_list(words: Sequence[str], n: int) -> list[int] | None:
    """Positions after a verb said as numbers alone: "remove 4 and 7", "drop two, five and nine" ("drop two"
    alone is a count, not track 2)."""
    rest = [w for w in words if w not in V.CHAT_FILLER]
    spelled = _spelled_list(rest, 0)
    if sum(w.isdigit() for w in spelled) > 1:
        rest = spelled
    listed = _number_list(rest, 0, n)
    return listed if listed and len(rest) == _list_width(rest) else None


def _ordinal_digits(w: str) -> int | None:
    """ "3rd" -> 3, "21st" -> 21; else None."""
    return int(w[:-2][:6]) if len(w) > 2 and w[:-2].isdigit() and w[-2:] in ("st", "nd", "rd", "th") else None


def _ordinal(w: str) -> int | None:
    return _ORDINALS.get(w) or _ordinal_digits(w)


def _from_end(words: Sequence[str], n: int) -> list[int] | None:
    """Positions counted from the end: "the second to last", "2nd from the end", "penultimate", "last but one"."""
    if find(words, _PENULTIMATE):
        return [n - 1] if n > 1 else [n]
    for i, w in enumerate(words):
        k = _ordinal(w)
        if not k:
            continue
        rest = [x for x in words[i + 1 : i + 5] if x not in ("the", "one", "song", "track", "from", "to")]
        if rest[:1] and rest[0] in _LAST_WORDS and (i + 1 < len(words) and words[i + 1] in ("to", "from", "last")):
            return [max(1, n - k + 1)]
    return None


# the ends of a playlist: True for its start ("the top 3"), False for its end ("take 2 off the end")
_EDGES = {"top": True, "start": True, "beginning": True, "front": True, "principio": True, "inicio": True,
          "end": False, "bottom": False, "final": False}  # fmt: skip
_EDGE_LEADS = frozenset({"the", "my", "la", "el", "los", "las", "this", "its"})
_OFF_FROM = frozenset({"off", "from", "de", "del"})
_COUNTED = frozenset({"songs", "tracks", "ones", "of", "them", "canciones", "more"})


def _count_before_edge(words: Sequence[str], i: int) -> tuple[int, int] | None:
    """The count said before an end's word: "take 2 off the end", "cut three songs from the top"."""
    j = i - 1
    while j >= 0 and words[j] in _EDGE_LEADS:
        j -= 1
    if j < 0 or words[j] not in _OFF_FROM:
        return None
    j -= 1
    while j >= 0 and words[j] in _COUNTED:
        j -= 1
    return number_at(words, j) if j >= 0 else None


def _counted_end(words: Sequence[str], n: int) -> list[int] | None:
    """That many tracks from one end: "take 2 off the end", "drop the top 3", "the bottom two", "cut 3 from the
    start" ("move track 4 to the end" names no count at an end)."""
    for i, w in enumerate(words):
        first = _EDGES.get(w)
        if first is None:
            continue
        num = number_at(words, i + 1) if i and words[i - 1] in _EDGE_LEADS else None
        num = num or _count_before_edge(words, i)
        if num and num[0] > 0:
            k = min(num[0], n)
            return list(range(1, k + 1)) if first else list(range(n - k + 1, n + 1))
    return None


_AT_EDGE = frozenset({"at", "on", "from", "in", "off"})


def _one_at_edge(words: Sequence[str], n: int) -> list[int] | None:
    """The one track at an end, said by where it stands: "the song at the top", "the track on the bottom", "the top
    song", "the bottom one" (not "the top songs": the hits; not "the top 3": three of them)."""
    for i, w in enumerate(words):
        first = _EDGES.get(w)
        if first is None or not n:
            continue
        j = i - 1
        while j >= 0 and words[j] in _EDGE_LEADS:
            j -= 1
        placed = j >= 1 and words[j] in _AT_EDGE and (_is_track_noun(words[j - 1]) or words[j - 1] == "one")
        after = words[i + 1] if i + 1 < len(words) else ""
        named = i and words[i - 1] in _EDGE_LEADS and (after in ("song", "track", "one", "tune") or after == "cancion")
        if placed or named:
            return [1] if first else [n]
    return None


class Picked(list):
    """Positions, with a note when a range was clipped to the playlist ("tracks 1-99999999")."""

    note: str = ""


def _number_list(words: Sequence[str], j: int, n: int = MAX_LENGTH) -> list[int] | None:
    """Numbers from ``words[j]``: "3", "3 and 5", "2, 4 & 6", "2-5", "2 to 5"; a range past the playlist's
    ``n`` tracks is clipped to it (and says so), one that starts past it stays out of range."""
    words = _spelled_list(words, j)  # "number five", "songs two, five and nine"
    if j >= len(words) or not words[j].isdigit():
        return None
    a = int(words[j][:12])
    if j + 2 < len(words) and words[j + 1] in ("-", "to", "through", "thru", "hasta", "a") and words[j + 2].isdigit():
        b = int(words[j + 2][:12])
        lo, hi = max(1, min(a, b)), max(a, b)
        if lo > n:
            return [lo]
        out = Picked(range(lo, min(hi, n) + 1))
        if hi > n:
            out.note = f"tracks {lo}-{_short(hi)}: the playlist has {n}, so {lo}-{n}"
        return out
    out = [a]
    k = j + 1
    while k + 1 < len(words) and words[k] in (",", "and", "&", "y"):
        k += _oxford(words, k)  # "2, 3, and 4"
        if (
            k + 2 < len(words)
            and (_is_track_noun(words[k + 1]) or words[k + 1] in _LIST_ARTICLES)
            and words[k + 2].lstrip("#").isdigit()
        ):
            k += 1  # "number 3 and number 12", "la 2 y la 4": the noun or article said again
        hashed = words[k + 1] == "#" and k + 2 < len(words)  # "#3 and #7": the tokenizer splits "#" off
        nxt = words[k + 2] if hashed else words[k + 1].lstrip("#")
        if not nxt.isdigit():
            break
        out.append(int(nxt[:12]))
        k += 3 if hashed else 2
    return out


_LIST_ARTICLES = frozenset({"the", "la", "el", "las", "los"})
_LIST_JOINERS = frozenset({",", "and", "&", "y", "-", "to", "through", "thru", "hasta"})


def _spelled_list(words: Sequence[str], j: int) -> list[str]:
    """``words`` with the numbers written as words in a list from ``words[j]`` as digits: "two, five and nine"
    -> "2 , 5 and 9" ("a" and "an" stay words)."""
    out, k, expect = list(words[:j]), j, True
    while k < len(words):
        num = number_at(words, k) if expect and words[k] not in ("a", "an") else None
        if num is None:
            expect = expect and words[k] == "#" or bool(out) and out[-1].isdigit() and words[k] in _LIST_JOINERS
            expect = expect or len(out) > 1 and out[-2].isdigit() and out[-1] == "," and words[k] in ("and", "y")
            out.append(words[k])
            k += 1
            continue
        out.append(str(num[0]))
        k += num[1]
        expect = False
    return out


def _oxford(words: Sequence[str], k: int) -> int:
    """1 where a list's comma has "and" after it ("2, 3, and 4", "two,five,and nine"), else 0."""
    return int(words[k] == "," and k + 2 < len(words) and words[k + 1] in ("and", "&", "y"))


def _list_width(words: Sequence[str]) -> int:
    k = 1 if words and words[0].isdigit() else 0
    while k + 1 < len(words) and words[k] in (",", "and", "&", "y", "-", "to", "through"):
        j = k + _oxford(words, k)
        if not words[j + 1].isdigit():
            break
        k = j + 2
    return k


def _short(v: int) -> str:
    s = str(v)
    return s if len(s) <= 12 else f"{s[:6]}… ({len(s)} digits)"


def _refer(c: Clause, start: int = 0, verb: bool = False) -> list[int] | None:
    """Positions the clause points at from ``start``, or the track in focus for "it" / "that one"."""
    titles = [p["title"] for p in c.playlist]
    pos = positions(c.words[start:], titles, verb=verb)
    if pos is None and c.pronoun(start) and c.focus:
        pos = [c.focus]
        pos += [k for k in _beside_focus(c.words[start:], c.focus) if k not in pos]
    return pos


_BESIDE = {k: d for d, ks in ((1, ("one after it", "one after that", "song after it", "song after that",
                                    "track after it", "track after that", "next one", "one right after it")),
                              (-1, ("one before it", "one before that", "song before it", "song before that",
                                    "track before it", "track before that", "one right before it")))
           for k in _keys(ks)}  # fmt: skip


def _beside_focus(words: Sequence[str], focus: int) -> list[int]:
    """ "drop it and the one after it": the tracks named by where they stand beside the one in focus."""
    return [focus + d for k, d in _BESIDE.items() if find(words, [k])]


def _positional(name: str, pos: list[int], n: int, **extra: Any) -> Plan:
    """A tool call on positions, or a clear refusal when one is out of range."""
    bad = sorted({p for p in pos if not 1 <= p <= n})
    if bad:
        which = ", ".join(str(b) for b in bad[:5]) + (" ..." if len(bad) > 5 else "")
        return Plan.ask(f"There is no track {which}: the playlist has {n} tracks (1-{n}). Nothing changed.")
    if name == "explain":
        return Plan([call("explain", position=p) for p in pos[:5]])
    if name == "move":
        if len(pos) != 1:
            return Plan.ask('Which single track should move? Say "move track 5 to the top".')
        return Plan([call("move", position=pos[0], **extra)])
    action = call(name, positions=list(pos), **extra)
    if getattr(pos, "note", ""):
        action["note"] = pos.note  # type: ignore[attr-defined]
    return Plan([action])


def _need_playlist() -> Plan:
    return Plan.ask('There is no playlist yet. Tell me what you\'d like to hear first, for example "upbeat 80s rock".')


# ----- the rules, in order ------------------------------------------------------------------------------
_UNDO_LEFTOVERS = ("nope", "no", "that", "it", "to", "how", "was", "way", "before", "please", "change", "bring", "back",
                   "previous", "earlier", "other", "playlist", "version", "list", "mix", "anterior",
                   # "bring back the one you removed", "put back the song you just took out"
                   "you", "i", "just", "removed", "deleted", "dropped", "took", "out", "cut", "song", "track",
                   "tracks", "songs", "ones",
                   "said", "asked", "can", "see", "show", "me", "get", "actually", "liked", "better",
                   # "actually use the old one", "give me the one from before again"
                   "use", "give", "gimme", "want", "again", "instead", "from", "one",
                   "era", "estaba", "mejor")  # fmt: skip


_EDIT_NOUNS = frozenset({"shuffle", "sort", "order", "reorder", "change", "edit", "removal", "swap", "move", "cut",
                         "resize", "last", "latest", "that", "this", "the", "my", "your", "previous", "shuffling",
                         "sorting"})  # fmt: skip
_EDIT_GERUNDS = frozenset({"removing", "adding", "shuffling", "sorting", "dropping", "excluding", "cutting",
                           "swapping", "moving", "replacing", "blocking", "deleting"})  # fmt: skip


_ORDER_EDITS = frozenset({"shuffle", "shuffling", "sort", "sorting", "order", "reorder"})
_UNSHUFFLE = _keys(("unshuffle", "un-shuffle", "un shuffle", "unshuffled", "deshuffle", "unsort", "un-sort"))


def _undoes_an_edit(words: Sequence[str], hit: tuple[int, int]) -> bool:
    """Whether "undo" opens the message and names the edit it takes back ("undo the shuffle", "revert the sort",
    "undo removing drake"), rather than asking for music."""
    if hit[0] > 1 or words[hit[0]] not in ("undo", "revert", "deshaz", "deshacer"):
        return False
    rest = [w for w in words[sum(hit) :] if any(ch.isalnum() for ch in w) and w not in V.CHAT_FILLER]
    return bool(rest) and (set(rest) <= _EDIT_NOUNS or rest[0] in _EDIT_GERUNDS)


_UNDO_UNDO = (["undo", "the", "undo"], ["undo", "that", "undo"], ["undo", "my", "undo"], ["rehacer"], ["rehaz"])


def rule_redo(c: Clause) -> Plan | None:
    """ "redo", "undo the undo", and "redo that" right after an undo: the change the undo took back, made again
    ("redo the rest" is a replacement, rule_drop_rest)."""
    rest = [w for w in c.words if any(ch.isalnum() for ch in w) and w not in V.CHAT_FILLER]
    if rest == ["redo"] or rest in _UNDO_UNDO or (c.last == "undo" and rest in (["redo", "that"], ["redo", "it"])):
        return Plan([call("redo")])
    return None


_FINE_SUBJECTS = frozenset({"the", "this", "that", "its", "it", "playlists", "playlist", "overall", "now", "so", "far",
                            "la", "el"})  # fmt: skip
_FINE_TAIL = frozenset({"now", "already", "as", "is", "just", "really", "pretty", "actually", "enough", "all", "on",
                        "so", "far", "thanks", "thx", "tbh", "imo", "honestly", "very", "quite", "ya", "ahora",
                        "esta", "!", ".", ","})  # fmt: skip
_NOT_FINE = frozenset({"not", "no", "isnt", "arent", "aint", "never", "too", "but", "more", "less", "still",
                       "could", "should", "would", "bit", "little", "tad", "?", "nada"})  # fmt: skip
_WHOLE_PRAISED = frozenset({"these", "they", "theyre", "all", "songs", "tracks", "the", "them", "every", "one",
                            "single", "of", "its", "it", "this", "playlist"})  # fmt: skip
_PRAISE_NOUNS = frozenset({"bangers", "bops", "fire", "jams", "hits", "gems", "great", "amazing", "awesome", "perfect",
                           "good", "dope", "lit", "sick", "solid", "temazos", "buenisimas"})  # fmt: skip


def rule_fine_as_is(c: Clause) -> Plan | None:
    """ "the energy is ok now", "tempo's good", "the vibe is perfect": an aspect of the playlist said to be fine asks
    for no change (never a move up); "its fine", "this is ok i guess": the playlist kept, said so; "these are all
    bangers": the whole playlist praised, kept as "love it" is; "the order is weird": which way to change it."""
    words = [w for w in c.words if w not in V.CHAT_FILLER or w in _NOT_FINE | V.FINE_WORDS]
    if c.has and "but" in c.words and (rest := _fine_but(c)) is not None:
        return rest  # "energy is good but its too slow": only what follows "but" changes
    if not c.has or _NOT_FINE & set(words) or _refer(c) is not None:
        return None
    k = next((i for i, w in enumerate(words) if w in _COPULAS or w.endswith("s") and w[:-1] in V.ASPECT_WORDS), None)
    if k is None:
        return None
    glued = words[k] not in _COPULAS  # "energys fine": the aspect and "is" typed as one word
    subject = [words[k][:-1]] if glued else words[:k]
    said = [w for w in words[k + 1 :] if w not in _FINE_TAIL]
    aspects = [w for w in subject if w in V.ASPECT_WORDS]
    if aspects and set(subject) <= V.ASPECT_WORDS | _FINE_SUBJECTS and said:
        if set(said) <= V.FINE_WORDS:
            return Plan([], notes=[f"Good: the {aspects[0]} stays as it is."])
        return _aspect_off(aspects[0], said)
    # "its fine": the playlist (with a track in focus, "its perfect" is about that track)
    whole = set(subject) <= _WHOLE_PRAISED and (subject or (words[k] == "its" and not c.focus))
    if not whole or not said or c.matches("genre", "artist", "years"):
        return None
    if subject and set(said) <= _PRAISE_NOUNS:
        return Plan([call("keep_playlist")])  # "these are all bangers": the playlist praised, as "love it"
    if set(said) <= V.FINE_WORDS | _SO_SO:
        return Plan([], notes=["OK: the playlist stays as it is."])  # "its fine", "this is ok i guess"
    return None


def _fine_but(c: Clause) -> Plan | None:
    """ "the energy is good but its too slow": an aspect said fine, then "but" and an ask: the ask, with the note that
    the aspect stays; None unless the words before "but" say an aspect is fine."""
    b = c.words.index("but")
    toks = c.reading.tokens
    head = rule_fine_as_is(make_clause(" ".join(t.orig for t in toks[:b]), c.playlist, c.vocab, c.focus, c.last))
    if head is None or head.actions or head.question or b + 1 >= len(toks):
        return None
    tail = read_clause(make_clause(" ".join(t.orig for t in toks[b + 1 :]), c.playlist, c.vocab, c.focus, c.last))
    return tail if tail.question else Plan(tail.actions, notes=head.notes + tail.notes)


_SO_SO = frozenset({"i", "guess", "suppose", "enough", "as", "is", "kinda", "kind", "of", "sorta", "mostly", "fine"})
_OFF_WORDS = frozenset({"off", "weird", "wrong", "strange", "odd", "random", "messy", "bad", "all", "over", "the",
                        "place", "meh", "boring", "mid", "raro", "rara", "mal"})  # fmt: skip
_ASPECT_HINTS = {"order": '"shuffle", "sort by energy" or "build up the energy"', "flow": '"build up the energy" or '
                 '"shuffle"', "energy": '"more upbeat" or "calmer"', "tempo": '"faster" or "slower"',
                 "mood": '"happier", "sadder" or "more chill"', "length": '"shorter" or "add 5 more"'}  # fmt: skip
_ASPECT_HINTS.update({w: _ASPECT_HINTS["tempo"] for w in ("pace", "bpm", "speed", "ritmo")})
_ASPECT_HINTS.update({w: _ASPECT_HINTS["mood"] for w in ("vibe", "vibes", "feel", "sound")})
_ASPECT_HINTS.update({"size": _ASPECT_HINTS["length"], "energia": _ASPECT_HINTS["energy"]})


def _aspect_off(aspect: str, said: Sequence[str]) -> Plan | None:
    """ "the order is weird", "the energy is off": which way to change it, asked (never a guess)."""
    if not set(said) <= _OFF_WORDS:
        return None
    hints = _ASPECT_HINTS.get(aspect, EXAMPLES)
    return Plan.ask(f"What should change about the {aspect}? Say {hints}. Nothing changed.")


_UNBLOCK = _keys(("unblock", "un block", "unban", "un ban", "lift the block on", "stop blocking", "desbloquea",
                  "desbloquear"))  # fmt: skip
_FINE_AGAIN = frozenset({"fine", "ok", "okay", "alright", "allowed"})
_YOU_MAY = _keys(("you can", "you may", "u can", "feel free to", "its ok to", "its fine to", "puedes"))


def rule_unblock(c: Clause) -> Plan | None:
    """ "unblock drake", "actually drake is fine again", "you can play drake again": a block (or this playlist's
    leaving-out) of that artist or genre lifted; the tracks stay as they are."""
    words = c.words
    again = ("again" in words or "otra" in words) and (_FINE_AGAIN & set(words) or find(words, _YOU_MAY))
    # "actually queen is ok now" (a name said fine, not "ok now more queen"), "let queen back in"
    now = "now" in words and any(w in _FINE_AGAIN and b in ("is", "are", "s") for b, w in zip(words, words[1:]))
    back_in = "let" in words and "back" in words[words.index("let") :]
    if not (find(words, _UNBLOCK) or again or now or back_in):
        return None
    found, _ = names_in(c.reading, c.vocab)
    names = {"artists": found["artists"], "genres": found["genres"] + found["subgenres"]}
    if not any(names.values()) and (span := _unblocked_span(words)):  # "unblock drake": no cue, but a name stands
        term = c.vocab.term(span) or {}
        who = term.get("genre") or term.get("subgenre")
        names = {"genres": [who]} if who else {"artists": [a] if (a := c.vocab.artist(span)) else []}
    return Plan([call("unblock", **_nonempty(names))]) if any(names.values()) else None


_UNBLOCK_SKIP = frozenset({"the", "is", "are", "its", "s", "play", "have", "hear", "add", "again", "fine", "ok",
                           "okay", "alright", "allowed", "now", "actually", "you", "can", "may", "u", "feel", "free",
                           "to", "please", "pls", "on", "lift", "block", "stop", "blocking", "let", "back",
                           "in"})  # fmt: skip


def _unblocked_span(words: Sequence[str]) -> str:
    """The name an unblocking says, its cue words aside ("you can play drake again": "drake")."""
    kept = [w for w in words if any(ch.isalnum() for ch in w) and w not in _UNBLOCK_SKIP]
    kept = [w for w in kept if not find([w], _UNBLOCK)]
    return " ".join(kept)


_NAME_ASKED = _keys(("whats it called", "what is it called", "whats the playlist called", "what is the playlist called",
                     "whats this playlist called", "what is this playlist called", "whats the name",
                     "what is the name", "whats its name", "what is its name", "what did you call it",
                     "what did we call it", "what did i call it", "whats the playlist name",
                     "what is the playlist name", "whats the mix called", "como se llama", "what was it called",
                     "what was the playlist called", "what was this playlist called", "what was the name",
                     "what was the playlist name", "what was its name"))  # fmt: skip
_NAME_TAIL = frozenset({"of", "the", "playlist", "this", "mix", "list", "again", "now", "it", "our", "my", "?"})
_TRACK_NOUNS = frozenset({"song", "songs", "track", "tracks", "tune", "one", "artist", "singer", "band", "album"})


def rule_playlist_name(c: Clause) -> Plan | None:
    """ "what's it called?", "what's the playlist name?": the playlist's name (or that it has none); nothing changes.
    "what's the name of track 3" is that track (rule_explain)."""
    hit = find(c.words, _NAME_ASKED)
    if not c.has or not hit or hit[0] > 2 or _TRACK_NOUNS & set(c.words) or _names_a_track(c.words):
        return None
    rest = [w for w in c.words[sum(hit) :] if any(ch.isalnum() for ch in w) and w not in V.CHAT_FILLER]
    return Plan([call("playlist_name")]) if set(rest) <= _NAME_TAIL else None


def rule_undo(c: Clause) -> Plan | None:
    """ "undo", "nope, undo that", "go back", "go back to the previous playlist", "bring back the old one": the
    previous playlist."""
    if find(c.words, _BRING_BACK) and find(c.words, _TOOK_OUT):
        return None  # "put back the one you removed earlier" (rule_restore), not the last change taken back
    said = [w for w in c.words if w not in _PUNCT]
    if c.has and len(said) > 1 and set(said) == {"undo"}:  # "undo undo", "undo, undo": that many steps back (probe20)
        return Plan([call("undo", steps=len(said))])
    if c.words.count("undo") > 1:
        return None  # "undo the undo": rule_redo
    if (
        c.has
        and (un := find(c.words, _UNSHUFFLE))
        and not _content(c.words, (c.words[un[0] : sum(un)], _UNDO_LEFTOVERS))
    ):
        return Plan([call("undo", order=True)])  # "unshuffle it", "un-shuffle the playlist": as "undo the shuffle"
    hit = find(c.words, _UNDO)
    words = [w for k, w in enumerate(c.words) if not (w == "old" and c.words[k + 1 : k + 2] in (["one"], ["playlist"]))]
    edit = hit and c.has and _undoes_an_edit(c.words, hit)  # "undo the shuffle", "undo removing drake"
    if edit and _ORDER_EDITS & set(c.words):  # "undo the shuffle": the order before it, changes made since kept
        return Plan([call("undo", order=True)])
    if hit and not _content(
        words, (c.words[hit[0] : hit[0] + hit[1]], _UNDO_LEFTOVERS)
    ):  # "the old one", not "old songs"
        return Plan([call("undo")])
    if edit:
        return Plan([call("undo")])
    if hit and c.has and (steps := _undo_steps(c.words)):  # "undo the last two changes", "go back 3 steps"
        return Plan([call("undo", steps=steps)])
    if hit and c.has:  # "go back to how it was at the start", "go back to the version with Rihanna"
        rest = _content(words, (c.words[hit[0] : hit[0] + hit[1]], _UNDO_LEFTOVERS, ("version", "one", "at", "the")))
        if rest and set(rest) <= _START_WORDS:
            return Plan([call("undo", to_start=True)])
        artists = names_in(c.reading, c.vocab)[0]["artists"]
        if "with" in words and not artists:  # "the one with drake in it": a lower-case name after "with"
            at = words.index("with") + 1
            stop = next((i for i in range(at, len(words)) if words[i] in ("in", "on", "?", "please")), len(words))
            artists = [a for a in [_object_artist(c, at, stop)] if a]
        took = find(c.words, _TOOK_OUT)
        if took and not artists and "before" in c.words[: took[0]]:  # "before you took out the drake songs"
            artists = [a for a in [_object_artist(c, took[0] + took[1])] if a]
        if len(artists) == 1 and _names_the_version(words) and not c.matches("genre", "mood", "years"):
            return Plan([call("undo", with_artist=artists[0])])
        named = c.matches("genre", "mood", "years", "activity", negated=False)
        nouns = {"one", "playlist", "version", "mix", "list", "lista", "anterior"}
        if named and any(m.end < len(c.words) and c.words[m.end] in nouns for m in named):
            return Plan([call("undo")])  # "go back to the rap one": the playlist before, named by what it was
    return None


def _names_the_version(words: Sequence[str]) -> bool:
    """Whether the words going back name a playlist by an artist in it: "the version with Rihanna", "the one before
    I removed the drake songs" (the latest playlist that still had them)."""
    took = find(words, _TOOK_OUT)
    return "with" in words or (took is not None and "before" in words[: took[0]])


_BRING_BACK = _keys(("put back", "bring back", "add back", "put it back", "put them back", "bring it back",
                     "bring them back", "restore", "re add", "readd", "give me back", "vuelve a poner", "regresa",
                     "devuelve", "recover"))  # fmt: skip
_TOOK_OUT = _keys(("removed", "took out", "taken out", "deleted", "dropped", "cut", "took off", "got rid of",
                   "ditched", "kicked out", "threw out", "lost", "quitaste", "quite", "sacaste", "borraste",
                   "eliminaste", "removed earlier", "you removed", "i removed"))  # fmt: skip


def rule_restore(c: Clause) -> Plan | None:
    """ "put back the one you removed earlier", "bring back the song you took out": the tracks the latest removal
    took, back in their places, with the changes made since kept (undo would take back only the last change)."""
    hit = find(c.words, _BRING_BACK)
    if not c.has or not hit or not find(c.words, _TOOK_OUT):
        return None
    k = amount_in(c.words[hit[0] + hit[1] :])
    return Plan([call("restore", **({"count": k} if k else {}))])


def _undo_steps(words: Sequence[str]) -> int | None:
    """How many changes "undo the last two changes" / "go back 3 steps" / "undo twice" takes back (more than one)."""
    if "twice" in words:
        return 2
    for i in range(len(words)):
        num = number_at(words, i)
        after = words[i + num[1] : i + num[1] + 1] if num else []
        if num and num[0] > 1 and after and after[0] in ("steps", "changes", "edits", "times", "moves", "versions"):
            return num[0]
    return None


_START_WORDS = frozenset({"start", "beginning", "first", "original", "originally", "begin", "started", "orginal"})


_CLEAR_ALL = _keys(V.CLEAR_ALL_PHRASES)


def rule_start_over(c: Clause) -> Plan | None:
    """ "start over", "scrap that", "start again with chill latin": a fresh thread, maybe a new request."""
    hit = find(c.words, _START)
    said = [w for w in c.words if w not in V.CHAT_FILLER and w not in (",", ".", "!", "please", "pls")]
    if not hit and find(said, _CLEAR_ALL) == (0, len(said)):  # "delete everything", said alone
        return Plan([call("start_over")])
    if not hit or any(w not in V.CHAT_FILLER and w != "," for w in c.words[: hit[0]]):
        return None
    rest = c.reading.tokens[hit[0] + hit[1] :]
    while rest and rest[0].text in ("with", "and", ",", ":", "-", "now", "instead", "please", "con"):
        rest = rest[1:]
    acts = [call("start_over")]
    if _content([t.text for t in rest]):
        acts.append(call("new_playlist", text=c.raw[rest[0].start :].strip()))
    return Plan(acts)


def _retraction(words: Sequence[str]) -> tuple[int, int] | None:
    """Where "scratch that" / "never mind" opens the words (only filler before it), else None."""
    hit = find(words, _RETRACT)
    if not hit or any(w not in V.CHAT_FILLER and w != "," for w in words[: hit[0]]):
        return None
    return hit


_KEEP_AS_IS = _keys(("keep it", "leave it", "its fine", "its good", "its ok", "all good", "dejala", "dejalo",
                     "asi esta bien"))  # fmt: skip


_KEEP_EVERY = _keys(("keep them all", "keep all of them", "keep em all", "keep them", "keep all", "keep everything",
                     "keep all the songs", "keep all the tracks", "keep every song", "dejalas todas",
                     "dejalas"))  # fmt: skip
_CUT_TOOLS = frozenset({"remove", "resize", "exclude", "narrow", "cap_artists", "lessen", "drop_rest"})


def _keeps_all(words: Sequence[str], retracted: tuple[int, int] | None) -> bool:
    """Whether the words only say to keep every track ("keep them all", "on second thought keep them all",
    "actually, keep em all")."""
    keep = find(words, _KEEP_EVERY)
    if keep is None:
        return False
    said = {*range(keep[0], sum(keep)), *(range(retracted[0], sum(retracted)) if retracted else ())}
    rest = [w for k, w in enumerate(words) if k not in said]
    return all(w in V.CHAT_FILLER or w in _PUNCT or w in _KEEP_FILLER for w in rest)


_KEEP_FILLER = frozenset({"actually", "wait", "no", "nah", "hmm", "please", "pls", "ok", "okay", "then", "just"})


def rule_retract(c: Clause) -> Plan | None:
    """ "scratch that", "never mind": the last change taken back; "scratch that give me soul" starts afresh; "keep
    them all" (or "on second thought keep them all") just after tracks were cut puts them back."""
    hit = _retraction(c.words)
    if c.has and c.last in _CUT_TOOLS and _keeps_all(c.words, hit):
        return Plan([call("undo")])  # "actually keep them all" after "cut it to 12"
    if not hit:
        return None
    rest = c.reading.tokens[hit[0] + hit[1] :]
    while rest and rest[0].text in ("with", "and", ",", ":", "-", "now", "instead", "please"):
        rest = rest[1:]
    said = [t.text for t in rest]
    if find(said, _UNDO) and not c.matches(*_CONTENT_KINDS):  # "nvm put it back", "never mind, go back"
        return Plan([call("undo")]) if c.has else _need_playlist()
    if c.has and find(said, _KEEP_AS_IS) and not c.matches(*_CONTENT_KINDS):  # "never mind, keep it as is"
        return Plan.ask("Okay, I'll leave it as it is. Nothing changed.")
    if _content(said):
        text = c.raw[rest[0].start :].strip()
        edit = read_clause(make_clause(text, c.playlist, c.vocab, c.focus, c.last)) if c.has else None
        names = [a["name"] for a in edit.actions] if edit and not edit.question else []
        if names and not set(names) & _WHOLE_THREAD:  # "nvm make it 90 minutes": that change taken back, this one
            return Plan([call("undo", if_any=True), *edit.actions])  # type: ignore[union-attr]
        return Plan([call("start_over"), call("new_playlist", text=text)])
    return Plan([call("undo")]) if c.has else _need_playlist()


_FORMATS = frozenset({"xspf", "jspf", "csv", "json", "m3u", "m3u8"})


def rule_export(c: Clause) -> Plan | None:
    """ "export it as csv", "download the playlist", "send it to spotify", "can i get the links" (every format
    carries each track's Spotify link)."""
    shared = (
        c.has
        and find(c.words, _SHARE)
        and not c.matches(*_CONTENT_KINDS)
        and not positions(c.words, [p["title"] for p in c.playlist])
    )  # not "track 3's"
    formats = _FORMATS & set(c.words) and not c.matches(*_CONTENT_KINDS)  # "can i get it as a file? m3u is fine"
    if not (any(w in V.EXPORT_WORDS for w in c.words) or shared or formats) or find(c.words, _SAVE_LATER):
        return None
    if not set(V.EXPORT_WORDS) - {"save"} & set(c.words) and {"last", "end", "first", "top"} & set(c.words):
        return None  # "save the best for last" is a move
    fmt = next((f for f in ("xspf", "jspf", "csv", "json", "m3u") if f in c.words), "m3u")
    return Plan([call("export", fmt=fmt)]) if c.has else _need_playlist()


_SHARE = _keys(("to spotify", "in spotify", "on spotify", "into spotify", "the link", "the links", "a link", "links",
                 "share it", "share this", "share the playlist", "send it", "send me the playlist"))  # fmt: skip


def _ack_only(c: Clause) -> bool:
    """Whether a clause only thanks or agrees ("perfect, thanks!", "thats good", "ok cool")."""
    words = tuple(w for w in c.words if w not in ("?", "!", ",", "."))
    if c.has and tuple(w for w in words if w not in V.ACK_WORDS) in _LITOTES:
        return True  # "not bad", "ok not bad at all"
    said = set(words) - (V.THANKED_WORDS if V.THANKS_WORDS & set(words) else set())
    return bool(c.has and words and said <= V.ACK_WORDS and not c.reading.matches)


_LITOTES = frozenset(V.key(p) for p in V.LITOTES)


def rule_greeting(c: Clause) -> Plan | None:
    """ "hi", "help", "thanks": how to use it."""
    words = tuple(w for w in c.words if w not in ("?", "!", ","))
    if _ack_only(c):  # "perfect, thanks!"
        return Plan.ask("Glad you like it! Say what to change whenever you want: more upbeat, no rap, add 5 more, ...")
    if words in _GREETINGS or not words and "?" in c.words:
        return Plan.ask(f"Tell me what you'd like to hear, and then reshape it by talking: {EXAMPLES}.")
    if tuple(w for w in words if w not in _HELP_FILLER) in _HELP:  # "how does this work": "work" is no request
        return Plan.ask(CAPABILITIES)
    return None


_HELP = {V.key(p) for p in V.HELP_PHRASES}
_HELP_FILLER = frozenset({"so", "ok", "okay", "and", "hey", "cool", "thanks", "nice", "else", "exactly", "actually",
                          "again", "here", "pls", "please", "tell", "me"}) - {w for k in _HELP for w in k}  # fmt: skip
CAPABILITIES = (
    "I make playlists from plain words (a genre, mood, era, activity, artists or a song to start from, how many "
    "songs or minutes), then change them as we talk: more upbeat or calmer, only 90s, no Drake, more of an artist, "
    "drop or replace tracks by number, move or sort them, add 10 more, shorter or longer, one song per artist. "
    "Ask about it too (why track 4?, who's on it?, how long is it?), undo, start over, never play an artist again, "
    "or export it (M3U, CSV, ...). Nothing changed."
)


_DECADE_WORDS = frozenset({"decade", "decades", "decada", "decadas", "era", "eras"})


def rule_decade_cap(c: Clause) -> Plan | None:
    """ "no more than 3 songs per decade", "max 2 from each decade", "solo 2 por decada": a cap per decade of
    release, the extra tracks replaced by others' decades."""
    words = c.words
    leads = _EVERY | {"a", "por", "same", "one", "single", "misma"}  # "2 per decade", "2 from the same decade"
    at = next((k for k, w in enumerate(words) if w in _DECADE_WORDS and k and words[k - 1] in leads), None)
    if at is None or not c.has:
        return None
    counts = [number_at(words, k) for k in range(at - 1)]
    said = [n for n in counts if n is not None and 0 < n[0] <= MAX_LENGTH]
    return Plan([call("cap_decades", per_decade=said[-1][0])]) if said else None


def rule_cap(c: Clause) -> Plan | None:
    """ "one per artist", "max 2 songs per band", "don't repeat artists", "too many songs by the same guy"."""
    caps = c.matches("artist_cap")
    if not caps or not c.has or c.matches("genre", "mood", "artist", "years", "activity", "other_genre", negated=False):
        return None  # a new request that says it carries the cap in its query
    said = {k for m in caps for k in range(m.start, m.end)}  # "no more than two songs by the same group": the cap's
    rest = {w for k, w in enumerate(c.words) if k not in said}
    if _names_a_track(c.words) or {"both", "two", "pair"} & rest:
        return None  # "track 3 and 4 sound the same": those two, not every artist
    return Plan([call("cap_artists", per_artist=min(int(m.value) for m in caps))])  # type: ignore[call-overload]


_AT_MOST = _keys(("max", "maximum", "at most", "no more than", "not more than", "up to", "maximo", "como maximo",
                  "a lo mucho", "no mas de"))  # fmt: skip
_OF_PRONOUN = _keys(("of him", "of her", "of them", "de el", "de ella", "de ellos", "by him", "by her", "by them"))
_EVERY = frozenset({"per", "each", "every", "any", "cada", "all"})


def rule_artist_max(c: Clause) -> Plan | None:
    """ "max 2 bad bunny songs", "no more than 3 by drake", "max 2 de él": one artist kept to that many tracks,
    the later ones giving way to others that fit (a cap on every artist is rule_cap's)."""
    if not c.has or c.matches("artist_cap") or _EVERY & set(c.words):
        return None
    if kept := _keep_n_of(c):
        return kept
    words = c.words
    cue = find(words, _AT_MOST)
    said = number_at(words, cue[0] + cue[1]) if cue else None
    if said is None and (enough := _enough_of(c)):
        return enough
    if said is None or c.matches("genre", "mood", "years", "activity", negated=False):
        return None
    names = {str(m.value) for m in c.matches("artist")}
    if not names and (named := _object_artist(c, cue[0] + cue[1] + said[1])):  # type: ignore[index]
        names = {named}  # "max 2 drake songs": the cue says a name follows, so an everyday word may be one
    if not names and find(words, _OF_PRONOUN):
        names = {who} if (who := _pronoun_artist(c.playlist, c.focus, ())) else set()
    return Plan([call("lessen", artists=sorted(names), keep=said[0])]) if len(names) == 1 else None


_KEEP_VERBS = frozenset({"keep", "leave", "deja", "dejame", "dejar", "manten", "mantener", "mantenga"})
_OF_WORDS = frozenset({"of", "de"})
_KEEP_N_LEADS = frozenset({"ok", "okay", "so", "now", "then", "and", "but", "i", "want", "to", "lets", "let", "us"})
_THEIRS = _keys(("theirs", "his", "hers", "them", "de el", "de ella", "de ellos", "de ellas"))


def _keep_n_of(c: Clause) -> Plan | None:
    """ "just keep two of the def leppard songs", "keep only one of the nirvana ones", "too many now, just keep two of
    theirs", "deja solo dos de nirvana": the artist's tracks kept to that many, the others giving way to tracks that
    fit (before: a playlist of that artist alone, a new playlist, or not understood). "of them" is the artist only
    when "them" can only be one ("keep 2 of them" with no artist in focus is the playlist's length)."""
    words = c.words
    if c.matches("genre", "mood", "years", "activity", negated=False):
        return None
    start = next((i for i, w in enumerate(words) if w in _KEEP_VERBS | _JUST), None)
    if start is None or not set(words[:start]) <= _ASK_LEADS | _KEEP_N_LEADS:
        return None  # "add just one of the nirvana songs" adds
    i = start
    while i < len(words) and words[i] in _KEEP_VERBS | _JUST:  # "keep only", "deja solo", "just keep"
        i += 1
    said = number_at(words, i)
    if said is None or i + said[1] >= len(words) or words[i + said[1]] not in _OF_WORDS:
        return None
    at = i + said[1]  # the "of" / "de"
    pronoun = find(words, _THEIRS, at)
    after = set(words[pronoun[0] + pronoun[1] :]) if pronoun is not None else set()
    if pronoun is not None and pronoun[0] in (at, at + 1) and after <= _ASK_LEADS | _KEEP_N_LEADS | {"tho", "thanks"}:
        if words[pronoun[0]] == "them" and not c.focus:
            return None  # "keep 2 of them": the tracks, unless a track's artist is what was just talked about
        name = _pronoun_artist(c.playlist, c.focus, ())
    else:
        found = _named_here(c)
        name = found[0] if found is not None and found[1] > at else None
    if not name:
        return None
    have = sum(fold(p.get("artist", "")) == fold(name) for p in c.playlist)
    if not have:
        return None
    if have <= said[0]:
        return Plan.ask(f"{have} of the {c.n} tracks {'is' if have == 1 else 'are'} by {name}. Nothing changed.")
    return Plan([call("lessen", artists=[name], keep=said[0])])


_ENOUGH_OF = _keys(("is enough", "are enough", "is plenty", "are plenty", "is fine", "are fine", "tops", "max",
                  "es suficiente", "son suficientes", "basta", "is more than enough"))  # fmt: skip
_JUST = frozenset({"just", "only", "keep", "solo", "deja", "leave"})


def _enough_of(c: Clause) -> Plan | None:
    """ "one rihanna song is enough", "just one rihanna song", "keep only 2 drake tracks": an artist the playlist
    has more of, kept to that many (before: a new playlist of that artist)."""
    words = c.words
    if c.matches("genre", "mood", "years", "activity") or len(c.matches("artist", negated=False)) > 1:
        return None
    found = _named_here(c)
    if found is None:
        return None
    name, start, end = found
    said = number_at(words, start - 1) if start else None
    if said is None and start >= 2:
        said = number_at(words, start - 2)  # "two of the drake songs" is not this; "2 x songs" is
    if said is None or not words[end : end + 1] or not _is_track_noun(words[end]):
        return None
    rest, lead = words[end + 1 :], set(words[: start - said[1]])
    just = bool(lead & _JUST) and lead <= _JUST | _ASK_LEADS | {"i", "want"}
    if not (find(rest, _ENOUGH_OF) or just):
        return None
    have = sum(fold(p.get("artist", "")) == fold(name) for p in c.playlist)
    if not have:
        return None  # "just one eminem song" with none there: not a cap on what is there
    if have <= said[0]:
        return Plan.ask(f"{have} of the {c.n} tracks {'is' if have == 1 else 'are'} by {name}. Nothing changed.")
    return Plan([call("lessen", artists=[name], keep=said[0])])


def _named_here(c: Clause) -> tuple[str, int, int] | None:
    """(artist, first word, end) of the one artist the clause names, a lower-case name of an artist on the playlist
    too ("one drake song is enough")."""
    artists = c.matches("artist", negated=False)
    if len(artists) == 1:
        return str(artists[0].value), artists[0].start, artists[0].end
    for p in c.playlist:
        key = list(V.key(p.get("artist", "")))
        at = next((i for i in range(len(c.words)) if key and c.words[i : i + len(key)] == key), None)
        if at is not None:
            return p["artist"], at, at + len(key)
    return None


_DECADES = _keys(("a decade", "one decade", "ten years", "10 years", "una decada", "diez anos", "decade"))
_LATER = frozenset({"later", "after", "newer", "forward", "ahead", "up", "recent", "despues", "adelante"})
_EARLIER = frozenset({"earlier", "before", "older", "back", "backwards", "back in time", "antes", "atras"})


def rule_decade_shift(c: Clause) -> Plan | None:
    """ "can we go a decade later", "a decade earlier", "ten years older": the playlist's decades moved by ten
    years (the tracks of the years left behind give way), as "make it the 90s instead" would say it."""
    if not c.has or c.matches("genre", "artist", "years", "mood", "activity", negated=False):
        return None
    words = c.words
    hit = find(words, _DECADES)
    if not hit:
        return None
    rest = set(words[hit[0] + hit[1] : hit[0] + hit[1] + 3]) | set(words[max(0, hit[0] - 2) : hit[0]])
    way = 1 if rest & _LATER else -1 if rest & _EARLIER else 0
    years = sorted(p["year"] for p in c.playlist if p.get("year"))
    if not way or not years:
        return None
    lo, hi = years[len(years) // 10], years[-1 - len(years) // 10]  # the bulk of it, not a stray track
    lo, hi = lo // 10 * 10 + 10 * way, hi // 10 * 10 + 9 + 10 * way
    return Plan([call("narrow", year_start=lo, year_end=hi)])


_ELLIPSIS_LEADS = frozenset({"and", "also", "or", "y", "plus", "&", "nor", "ni", "tambien", "o"})
_ELLIPSIS_TAILS = ("too", "as well", "also", "either", "tambien", "tampoco")
_REPEATABLE = frozenset({"exclude", "block", "narrow", "widen"})
_REPEATABLE_ON_TRACKS = frozenset({"remove", "replace", "explain"})


def rule_ellipsis(c: Clause) -> Plan | None:
    """ "and the 70s" after "leave out the 80s", "and rock too" after "only pop": the last turn's edit again, on
    what this message names (it names things and nothing else: no verb, cue or number of its own)."""
    if not c.has or c.last not in _REPEATABLE | _REPEATABLE_ON_TRACKS or not c.words:
        return None
    words = [w for w in c.words if w not in ("?", "!", ".")]
    tail = find(words, _keys(_ELLIPSIS_TAILS))
    if not (words and words[0] in _ELLIPSIS_LEADS) and not (tail and tail[0] + tail[1] == len(words)):
        return None
    if c.matches(negated=True) or c.matches("feature", "length", "duration", "relative_years", "artist_cap"):
        return None
    rest = words[1:] if words[0] in _ELLIPSIS_LEADS else words
    if tail and tail[0] + tail[1] == len(words):
        rest = rest[: len(rest) - tail[1]]  # "too" closes the ellipsis; it does not say "too many"
    verbs = (_REMOVE, _ONLY, _GROW, _MOVE, _REPLACE, _NEGATION, _BLOCK, _MORE, _LESS)
    if any(find(rest, v) for v in verbs):
        return None
    if c.last in _REPEATABLE_ON_TRACKS:  # "and the first one too" after "drop the last song"
        pos = _refer(c, 1 if words[0] in _ELLIPSIS_LEADS else 0, verb=True)  # "and 7" names track 7, as "drop 7" does
        return _positional(c.last, pos, c.n) if pos and not c.matches(*_CONTENT_KINDS) else None
    if c.last in ("exclude", "block") and not c.matches(*_CONTENT_KINDS):
        pos = _refer(c, 1 if words[0] in _ELLIPSIS_LEADS else 0)  # "no drake" - "and the 5th one": that track goes too
        if pos:
            return _positional("remove", pos, c.n)
    found, unknown = names_in(c.reading, c.vocab, negated=False)
    years = [m.value for m in c.matches("years")]
    unknown = [u for u in unknown if u not in ("either", "too", "well", "tambien", "tampoco")]
    if unknown or not (any(found.values()) or years):
        return None
    if c.last == "exclude":
        spans = [{"start": lo, "end": hi} for lo, hi in years if lo is not None and hi is not None]  # type: ignore
        return Plan([call("exclude", **_nonempty(found), **({"years": spans} if spans else {}))])
    if c.last == "block":
        return (
            Plan([call("block", artists=found["artists"], genres=found["genres"] + found["subgenres"])])
            if not years
            else None
        )
    if c.last == "widen":
        return Plan([call("widen", **_nonempty(found))]) if not years else None
    q = c.reading.query
    args: dict[str, Any] = dict(_nonempty(found))
    if q.years is not None:
        args.update(year_start=q.years.start, year_end=q.years.end)
    return Plan([call("narrow", **args)])


def rule_like(c: Clause) -> Plan | None:
    """ "more like the first one", "more songs like #3", "similar to track 2", "closer to that one": the playlist
    moves toward that track's sound (with a count, that many like it are added)."""
    if not c.has:
        return None
    hit = find(c.words, _LIKE_CUES)
    if not hit or c.matches("artist", "genre", "years", negated=False):
        return None
    pos, cue = _refer(c, hit[0] + hit[1]), hit
    while later := find(c.words, _LIKE_CUES, hit[0] + hit[1]):  # "add like 3 more songs like the 5th"
        hit = later
        if there := _refer(c, hit[0] + hit[1]):
            pos, cue = there, hit
    if not pos:
        pos = _bare_positions(c.words[cue[0] + cue[1] :], c.n)  # "more songs like 3, 7 and 12"
    if not pos:
        return None
    lead = c.words[: cue[0]]
    if find(lead, _REMOVE) or find(lead, _NEGATION) or find(lead, _LESS):  # "less like track 5", "nothing like #2"
        if not all(1 <= k <= c.n for k in pos):  # "less like track 30": said, not a silent "Nothing changed."
            return _positional("more_like", pos, c.n)
        return Plan([call("more_like", position=k, away=True) for k in pos])
    count = amount_in(lead)
    if count is None and find(lead, _GROW):
        count = MORE_DEFAULT  # "add more like #2 and #4": some like each are added
    if not all(1 <= p <= c.n for p in pos):
        return _positional("more_like", pos, c.n)
    if not count and len(pos) > 1:  # "more like #2 and #5": as "more like #2", toward both, the size kept
        return Plan([call("more_like", position=pos[0], count=0, also=list(pos[1:]))])
    share = [count // len(pos) + (i < count % len(pos)) for i in range(len(pos))] if count else [0]
    return Plan([call("more_like", position=p, count=k) for p, k in zip(pos, share) if k or not count])


def _bare_positions(words: Sequence[str], n: int) -> list[int] | None:
    """ "3, 7 and 12" closing a message: track numbers (not "like 3 more songs", a count; "more like 5" may be one)."""
    nums = [w for w in words if w not in (",", "and", "&", "y", "or")]
    if len(nums) < 2 or not all(w.isdigit() and 1 <= int(w) <= n for w in nums) or words[-1] in (",", "and", "&"):
        return None
    return [int(w) for w in nums]


_LIKE_CUES = _keys(
    (
        "like",
        "similar to",
        "closer to",
        "in the style of",
        "along the lines of",
        "more of",
        "como",
        "parecidas a",
        "parecida a",
        "parecidos a",
        "similar a",
    )
)


def rule_block(c: Clause) -> Plan | None:
    """ "never play Nickelback", "block Pitbull forever", "i can't stand maroon 5", "never play that one again",
    "no more taylor swift ever"."""
    hit = find(c.words, _BLOCK) or _forever(c.words)
    if not hit:
        return None
    start = hit[0] + hit[1]
    if c.has:
        pos = _refer(c, start)
        if pos:
            return _positional("block", pos, c.n)
    found, _ = names_in(c.reading, c.vocab, start=hit[0])
    named = _object_artist(c, start) if not any(found.values()) else None
    if named:
        found["artists"] = [named]
    if not (found["artists"] or found["genres"] or found["subgenres"]):
        if c.matches("feature", "mood", "relative_years"):
            return None  # "i hate slow songs", "can't stand the sad ones": a complaint about a kind of track
        what = " ".join(t.orig for t in c.reading.tokens[start:]).strip() or "that"
        return Plan.ask(f'Who should I never play? I don\'t know "{what}" as an artist or genre in the catalog.')
    return Plan([call("block", artists=found["artists"], genres=found["genres"] + found["subgenres"])])


_FOREVER = frozenset({"ever", "forever", "nunca"})
_FOREVER_CUES = _keys(("no more", "no", "dont", "don't", "without", "stop"))


_EVER_PRAISE = frozenset({"best", "greatest", "worst", "favorite", "favourite", "coolest", "top", "mejor", "peor"})


def _forever(words: Sequence[str]) -> tuple[int, int] | None:
    """ "no more taylor swift ever", "no drake, ever", "dont play kanye ever again": a negation that opens the clause
    and that the clause's last word says holds for good is a block ("no rap, just the best songs ever" is not)."""
    said = [w for w in words if w not in (",", ".", "!", "please", "pls", "plz")]
    if said[-2:] == ["ever", "again"]:
        said = said[:-1]
    if not said or said[-1] not in _FOREVER or _EVER_PRAISE & set(said):
        return None
    hit = find(words, _FOREVER_CUES)
    return hit if hit and _filler_before(words, hit[0]) else None


_LINK_WORDS = frozenset({"link", "links", "url", "spotify", "enlace", "listen"})


def rule_track_link(c: Clause) -> Plan | None:
    """ "can you give me the spotify link for track 3", "link to the 2nd one": that track's link and story."""
    if not c.has or not _LINK_WORDS & set(c.words) or c.matches(*_CONTENT_KINDS):
        return None
    pos = _refer(c)
    return Plan([call("explain", position=pos[0], link=True)]) if pos and len(pos) == 1 and 1 <= pos[0] <= c.n else None


def rule_explain(c: Clause) -> Plan | None:
    """ "why track 4?", "explain the first song", "what about the last one, why that?", "tell me about #2"."""
    hit = find(c.words, _EXPLAIN)
    if not hit or {"change", "changes", "edit", "edits"} & set(c.words[sum(hit) :]):  # "what was the last change"
        return None
    strong = c.words[hit[0]] in ("why", "explain", "how", "por", "porque", "explica")
    if not c.has:
        return _need_playlist() if strong else None
    pos = _refer(c)
    if pos is None:
        if not strong:
            return None
        if _WHOLE & set(c.words) or find(c.words, _SO_MANY):  # "why these songs?", "why so many rihanna songs?"
            named = [str(m.value) for m in c.matches("artist")]
            return Plan([call("explain_playlist", **({"artist": named[0]} if len(named) == 1 else {}))])
        return Plan.ask(f'Which track do you mean? Say "why track 4?" (1-{c.n}).')
    return _positional("explain", pos, c.n)


_WHOLE = frozenset({"these", "them", "playlist", "everything", "all", "mix", "list", "picks", "songs", "tracks",
                    "estas", "todas", "canciones", "lista"})  # fmt: skip
_SO_MANY = _keys(("so many", "so much", "too many", "tantas", "tantos"))


_TASTE = _keys(("i love", "i really love", "i adore", "i like", "i really like", "i dig", "i stan", "me encanta",
                "me encantan", "me gusta", "me gustan", "fan of", "obsessed with", "soy fan de", "she loves",
                "he loves", "they love", "she likes", "he likes", "they like", "she really loves", "he really loves",
                "mom loves", "dad loves", "grandma loves", "grandpa loves", "wife loves", "husband loves",
                "le encanta", "les encanta", "le gusta", "les gusta"))  # fmt: skip
_TASTE_TURNS = frozenset({"but", "than", "tho", "though", "except", "pero"})
_FAVORITE = _keys(("is my", "are my", "s my", "es mi", "son mis", "my favorite is", "my favourite is", "my fav is"))
_NEGATED_TASTE = frozenset({"not", "no", "dont", "don't", "never", "isnt", "arent", "aint", "hate", "least", "nunca",
                            "ni", "nada", "hates", "hated", "dislike", "dislikes", "doesnt", "odia",
                            "odio"})  # fmt: skip
_TASTE_TAIL = frozenset({"lately", "recently", "rn", "atm", "now", "right", "these", "days", "tbh", "lol", "honestly",
                         "so", "much", "a", "lot", "ever", "fr", "ngl", "!", ".", "ultimamente", "mucho"})  # fmt: skip
_TASTE_FILLER = frozenset({"btw", "honestly", "also", "oh", "and", "fyi", "tbh", "ngl", "huge", "big", "massive",
                           "im", "i", "am", "a", "just", "so", "much", "lol", "ever", "band", "artist", "singer",
                           "rapper", "group", "of", "all", "time"})  # fmt: skip


def _unknown_taste(c: Clause, start: int, end: int) -> Plan | None:
    """ "she likes frank sinatra" where the catalog has no Frank Sinatra: said so, the playlist kept (it was replaced
    by a playlist of anything)."""
    _, unknown = names_in(c.reading, c.vocab, negated=False)
    toks = c.reading.tokens
    said = [toks[k].orig for k in range(start, end) if toks[k].text in unknown]
    if not said:
        return None
    name = " ".join(said)
    name = name.title() if name == name.lower() else name
    return Plan.ask(
        f'I don\'t have "{name}" in this catalog, so nothing changed. Tell me a genre, a mood or another artist they '
        "like, and I'll lean the playlist to it."
    )


def rule_taste(c: Clause) -> Plan | None:
    """ "i love rihanna", "im a huge fan of the weeknd", "queen is my favorite band": a taste for an artist said to a
    playlist leans it to them (some of theirs join the rest), never a new playlist."""
    if not c.has or _refer(c) is not None or c.matches("genre", "mood", "years", "activity", "other_genre"):
        return None
    words = c.words
    name = None
    if c.matches("artist", negated=True) or _NEGATED_TASTE & set(words):
        return None  # "not a fan of rihanna tbh", "i don't love drake"
    if (hit := find(words, _TASTE)) and not c.pronoun(hit[0] + hit[1]):
        end = len(words)
        while end > hit[0] + hit[1] + 1 and words[end - 1] in _TASTE_TAIL:
            end -= 1  # "im obsessed with dua lipa lately"
        # the names liked end where "but" or "than" turns ("i like queen more than abba")
        cut = next((k for k in range(hit[0] + hit[1], len(words)) if words[k] in _TASTE_TURNS), len(words))
        said = [str(m.value) for m in c.matches("artist", negated=False) if hit[0] + hit[1] <= m.start < cut]
        if said:  # "she loves the beatles", "i like queen and abba"
            fewer = _too_many({w for w in words[cut:] if any(ch.isalnum() for ch in w)})  # "but too many of his"
            return Plan([call("lessen" if fewer else "widen", artists=list(dict.fromkeys(said)))])
        name = _object_artist(c, hit[0] + hit[1], end)
        said_name = " ".join(words[hit[0] + hit[1] : end])
        if name is None and len(opened := c.vocab.first_names.get(said_name, [])) > 1:  # "she loves elvis"
            return Plan.ask(f"Which {said_name.title()}: {', '.join(sorted(opened)[:6])}? Say the whole name.")
        if name is None:
            return _unknown_taste(c, hit[0] + hit[1], end)
    elif (fav := find(words, _FAVORITE)) and any(w.startswith(("fav", "prefer")) for w in words[fav[0] :]):
        lead = fav[0] + fav[1] if words[fav[0]] == "my" else 0  # "my favorite is X" / "X is my favorite"
        end = None if lead else fav[0]
        toks = c.reading.tokens
        start = next((i for i in range(lead, end or len(toks)) if toks[i].text not in _TASTE_FILLER), lead)
        name = _object_artist(c, start, end)
    return Plan([call("widen", artists=[name])]) if name else None


_PRAISED_MANY = _keys(("are great", "are fire", "are amazing", "are awesome", "are perfect", "are the best",
                       "are so good", "are good", "are dope", "are lit", "are sick", "are bangers", "are bops",
                       "are a vibe", "are solid", "are nice", "go hard", "slap", "slaps", "bang", "bangs", "r great",
                       "r fire", "is great", "is fire", "is amazing", "is the best", "is so good", "are my favorite",
                       "son lo mejor", "estan buenisimas", "estan geniales"))  # fmt: skip
_GROUP_WORDS = frozenset({"the", "ones", "songs", "tracks", "stuff", "tunes", "bits", "las", "los", "canciones",
                          "de", "all", "those", "these", "really", "so"})  # fmt: skip


def rule_praised_music(c: Clause) -> Plan | None:
    """ "the arctic monkeys ones are great", "the rock stuff slaps": music of the playlist praised by its name leans
    the playlist to it (some more of it join), never a new playlist."""
    hit = find(c.words, _PRAISED_MANY) if c.has else None
    if not hit or c.matches(negated=True) or _refer(c) is not None:
        return None
    named = c.matches("artist", "genre", "subgenre", "years", negated=False)
    if not named and (who := _object_artist(c, 0, hit[0])):  # "the queen songs are great": "the ... songs" cues it
        return _praised_names(c, hit, {"artists": [who]})
    if not named or any(m.start >= hit[0] for m in named):
        return None
    said = {k for m in named for k in range(m.start, m.end)}
    rest = [w for k, w in enumerate(c.words[: hit[0]]) if k not in said and any(ch.isalnum() for ch in w)]
    if not set(rest) <= _GROUP_WORDS | V.ACK_WORDS | _EXCLAMATIONS:
        return None
    found, _ = names_in(c.reading, c.vocab, negated=False)
    names: dict[str, Any] = _nonempty(found)
    years = c.reading.query.years  # "the 80s songs are great, more of those": some more from the 80s join at the
    if years is not None and c.matches("years", negated=False):  # end, every track stays (a swap would make room
        names.update(year_start=years.start, year_end=years.end, count=MORE_DEFAULT // 2)  # by the other decades)
    return _praised_names(c, hit, names) if names else None


_TOO_MANY_OF = frozenset({"too", "many", "much", "of", "them", "it", "those", "em", "a", "bit", "lil", "way", "tho",
                          "though", "just", "kinda", "now", "there", "are", "is", "theres", "in", "here"})  # fmt: skip


def _too_many(words: set[str]) -> bool:
    """Whether the words say "too many" / "too much" (of music just praised or liked)."""
    return "too" in words and bool({"many", "much"} & words)


def _praised_names(c: Clause, hit: tuple[int, int], names: dict[str, Any]) -> Plan | None:
    """More of the music praised, or fewer where the praise ends "but too many of them"; None where the message
    asks something else after it."""
    tail = {w for w in c.words[sum(hit) :] if any(ch.isalnum() for ch in w)} - {"but", "tho", "though"}
    fewer = tail <= _TOO_MANY_OF and _too_many(tail)
    if tail - _ECHO_WORDS - {"more"} and not fewer:
        return None
    if fewer and "year_start" in names:  # "the 80s ones are great but too many": lessen takes spans of years
        span = {"start": names.pop("year_start"), "end": names.pop("year_end")}
        names = {**{k: v for k, v in names.items() if k != "count"}, "years": [span]}
    return Plan([call("lessen" if fewer else "widen", **names)])


def rule_love(c: Clause) -> Plan | None:
    """ "I love track 2", "love it" (the track in focus), "I love this playlist"."""
    hit = find(c.words, _LOVE)
    if not hit:
        return _praise(c)
    if not c.has or find(c.words, _MORE_COUNT) or find(c.words, _GROW):
        return None
    if _love_song(c.words, hit):
        return None  # "can you put a love song first": a kind of song, not a track liked
    if c.words[hit[0]] in ("keep", "lock"):  # "keep these", "lock it in"
        return Plan([call("keep_playlist")])
    pos = positions(c.words[hit[0] + hit[1] :], [p["title"] for p in c.playlist])
    if pos:
        return _positional("feedback", pos, c.n, liked=True)
    playlist_words = {"playlist", "all", "everything", "mix", "list"} & set(c.words)
    if c.pronoun() and c.focus and not playlist_words:
        return Plan([call("feedback", positions=[c.focus], liked=True)])
    if c.pronoun() or playlist_words:
        return Plan([call("keep_playlist")])
    return None


_LOVE_NOUNS = frozenset({"song", "songs", "ballad", "ballads", "track", "tracks"})
_KIND_LEADS = frozenset({"a", "an", "some", "another", "more", "any", "few", "couple", "of", "the", "cheesy"})


def _love_song(words: Sequence[str], hit: tuple[int, int]) -> bool:
    """Whether "love" at ``hit`` names a kind of song ("a love song", "some love songs", "more love ballads"), not a
    liking ("i love song 3")."""
    after = words[hit[0] + hit[1] : hit[0] + hit[1] + 2]
    if hit[1] != 1 or not after or after[0] not in _LOVE_NOUNS or number_at(after, 1) is not None:
        return False  # "i love tracks 3 and 4": those tracks
    return after[0].endswith("s") or (hit[0] > 0 and words[hit[0] - 1] in _KIND_LEADS)


def _praise(c: Clause) -> Plan | None:
    """ "the 4th one is fire", "track 2 slaps", "this one goes hard": praise after the track it is about likes it;
    said of the playlist ("this playlist is fire") it keeps the playlist."""
    hit, short = find(c.words, _PRAISE), find(c.words, _PRAISE_CONTRACTED)
    said = hit or short
    if not c.has or not said or any(not said[0] <= m.start < sum(said) for m in c.matches(*_CONTENT_KINDS)):
        return None  # "banger" in "it's a banger" is praise; "the 4th one is fire, more rock" names music
    if short and c.focus and all(w in V.ACK_WORDS or w in _EXCLAMATIONS for w in c.words[: short[0]]):
        return Plan([call("feedback", positions=[c.focus], liked=True)])
    if not hit:
        return None
    pos = positions(c.words[: hit[0]], [p["title"] for p in c.playlist])
    if pos:
        return _positional("feedback", pos, c.n, liked=True)
    if {"playlist", "mix", "list", "all", "everything"} & set(c.words[: hit[0]]):
        return Plan([call("keep_playlist")])
    pre = list(c.words[: hit[0]])
    while pre and pre[-1] in ("one", "song", "track", "tune"):
        pre.pop()
    said_alone = all(w in V.ACK_WORDS or w in _EXCLAMATIONS for w in pre[:-1])  # not "songs that slap"
    if pre and pre[-1] in V.PRONOUNS and said_alone and c.focus:
        return Plan([call("feedback", positions=[c.focus], liked=True)])
    return None


_EXCLAMATIONS = frozenset({"omg", "oh", "ok", "okay", "yo", "wow", "damn", "dang", "lol", "man", "yes", "yeah", "ooh",
                           "!", ",", "."})  # fmt: skip


def rule_skip(c: Clause) -> Plan | None:
    """ "skip track 3", "skip this one": recorded, removed and replaced."""
    if "skip" not in c.words or not c.has:
        return None
    pos = _refer(c)
    if pos is None and c.focus and [w for w in c.words if w not in ("?", "!", ".", "please", "pls")] == ["skip"]:
        pos = [c.focus]  # "why #3?" - "skip": that one
    if pos is None and c.pronoun():
        return Plan.ask('Which one should I skip? Say "skip track 3".')
    return _positional("feedback", pos, c.n, liked=False) if pos else None


_NEXT_TO = _keys(("before", "after", "ahead of", "behind", "in front of", "antes de", "despues de"))
_NUDGE_SPOTS = frozenset({"spot", "spots", "place", "places", "position", "positions", "slot",
                          "slots", "lugar", "lugares"})  # fmt: skip
_NUDGE_VERBS = frozenset({"move", "bring", "bump", "push", "shift", "nudge", "put", "take", "mueve", "sube", "baja"})
_ENDS = {"first": "top", "opener": "top", "top": "top", "1st": "top", "start": "top", "last": "end", "closer": "end",
         "end": "end", "finale": "end", "bottom": "end"}  # fmt: skip


_OTHER_EDITS = (_REMOVE, _GROW, _keys(("replace", "add", "drop", "delete", "remove", "cut")))


def rule_nudge(c: Clause) -> Plan | None:
    """A move said by its neighbour or by how far: "put track 3 after track 8", "can 5 go before 4", "move 10 up two
    spots", "switch places of 1 and 2", "make the last song the first" (before: a resize to 3 tracks, or a question)."""
    if not c.has or c.matches("years", "genre", "artist", "mood") or any(find(c.words, v) for v in _OTHER_EDITS):
        return None  # "remove 3 after you add 5": not a move
    words = [w for w in c.words if w not in ("?", "!", ".", ",", "please", "pls")]
    titles = [p["title"] for p in c.playlist]

    def track(part: Sequence[str]) -> list[int] | None:  # "can 5 go", "move it", "put track 3"
        part = [w for w in part if w not in _ASK_LEADS | _NUDGE_VERBS | {"go", "come", "play", "right", "just"}]
        if c.focus and part and all(w in V.PRONOUNS or w in ("that", "this", "one") for w in part):
            return [c.focus]
        return positions(part, titles, verb=True) if part else None

    if hit := find(words, _NEXT_TO):
        a, b = track(words[: hit[0]]), track(words[sum(hit) :])
        if a and b and len(a) == len(b) == 1 and a != b and all(1 <= k <= c.n for k in a + b):
            after = words[sum(hit) - 1] in ("after", "behind", "de") and words[hit[0]] != "antes"
            x, y = a[0], b[0]
            to = (y if x < y else y + 1) if after else (y - 1 if x < y else y)
            return Plan([call("move", position=x, to=to)])
    for i, w in enumerate(words):
        if w in ("up", "down") and i and _NUDGE_VERBS & set(words[:i]) and "to" not in words[i + 1 :]:
            named = positions(words[:i], titles, verb=True) is not None or any(x.isdigit() for x in words[:i])
            if not (named or _NUDGE_SPOTS & set(words[i + 1 :])) or {"notch", "notches"} & set(words):
                continue  # "take it down a notch", "bump it up": the energy, not a place
            a = track(words[:i])
            rest = [x for x in words[i + 1 :] if x not in _NUDGE_SPOTS and x not in ("by", "a", "the")]
            k = amount_in(rest) if rest else 1
            if a and len(a) == 1 and k and 1 <= a[0] <= c.n:
                to = min(c.n, max(1, a[0] - k if w == "up" else a[0] + k))
                return Plan([call("move", position=a[0], to=to)]) if to != a[0] else None
    if words and words[0] in V.SWAP_PLACES_VERBS and len(words) > 2 and words[1] in _AROUND and words[2] == "of":
        pair = positions(words[3:], titles, verb=True)  # "switch places of 1 and 2"
        if pair and len(pair) == 2 and all(1 <= k <= c.n for k in pair) and pair[0] != pair[1]:
            x, y = sorted(pair)
            return Plan([call("move", position=x, to=y), call("move", position=y, to=x)])
    if words and words[0] in ("make", "have") and len(words) > 3 and words[-2] == "the" and words[-1] in _ENDS:
        a = track(words[1:-2])  # "make the last song the first"
        if a and len(a) == 1 and 1 <= a[0] <= c.n:
            to = 1 if _ENDS[words[-1]] == "top" else c.n
            return Plan([call("move", position=a[0], to=to)]) if to != a[0] else None
    return None


_SWAP_FOR_NEW = re.compile(
    r"\b(?:swap|replace|switch|trade|change)\b.*\b(?:for|with)\s+(?:something|anything|a|an|one)\b"
)  # "swap the last one for something more upbeat": a new track in its place


def rule_move(c: Clause) -> Plan | None:
    """ "move track 5 to the top", "put song 6 first", "bump track 3 to the end", "move it to position 2"."""
    if not c.has or _SWAP_FOR_NEW.search(" ".join(c.words)):
        return None  # "swap the last one for something more upbeat to end on": a replacement (rule_replace)
    words = c.words
    top, end = find(words, _TO_TOP), find(words, _TO_END)
    hit = find(words, _MOVE)
    if top and (not hit or top[0] <= hit[0]):  # "start with track 3", "open with the 2nd one"
        hit, dest = top, (1, len(words))
    elif end and (not hit or end[0] <= hit[0]):  # "end with something chill"
        hit, dest = end, (c.n, len(words))
    elif hit:
        dest = _destination(words, hit[0] + hit[1], c.n)
    if not hit or dest is None:  # "tracks 2-4 to the bottom", "move 3 to the middle", "the slowest one first"
        return _to_the_middle(c, sum(hit)) if hit else (_verbless_pick(c) or _verbless_move(c))
    to, cut = dest
    pos = positions(words[hit[0] + hit[1] : cut], [p["title"] for p in c.playlist], verb=True)
    if pos is None and c.focus and any(w in V.PRONOUNS for w in words[hit[0] : cut]):
        pos = [c.focus]
    table = _PICKS if not {"songs", "tracks", "ones"} & set(words) else _SUPERLATIVES  # "the sad songs": not one
    if pos is None and (pick := _picked(c, hit[0] + hit[1], cut, table)):  # "put the oldest song first"
        if pick == to:
            return Plan.ask(f'"{c.playlist[pick - 1]["title"]}" is already at {to}. Nothing changed.')
        pos = [pick]
    if pos is None and to in (1, c.n) and (song := _song_to_place(c, to == 1)) is not None:
        return song  # "put Dancing Queen at the top": a catalog song by its title, not yet in the playlist
    if pos is None and (kind := _mood_picked(c, hit[0] + hit[1], cut, to)) is not None:
        if isinstance(kind, Plan):
            return kind
        pos = [kind]  # "can you put a love song first": the playlist's first track of that mood
    if not pos and (top or words[hit[0]] in _WEAK_MOVE_VERBS):
        return None  # "play some rock first" names no track: not a move
    if not pos or len(pos) != 1:
        return _not_one_moved(c, pos, to, hit[0] + hit[1])
    if not 1 <= to <= c.n:
        return Plan.ask(f"The playlist has {c.n} tracks, so there is no position {to}.")
    return _positional("move", pos, c.n, to=to)


def _verbless_pick(c: Clause) -> Plan | None:
    """ "and the slowest one first", "the most energetic song last so we end on a high": the one track a superlative
    picks, moved to that end without a move verb (before: a question about track 1, or a new playlist)."""
    words = c.words
    lead = 0
    while lead < len(words) and words[lead] in _BRING | _KEEP_N_LEADS:
        lead += 1
    dest = _destination(words, lead, c.n)
    if dest is None or dest[0] not in (1, c.n) or words[lead : lead + 1] != ["the"]:
        return None
    head = words[lead : dest[1]]
    if not (find(head, _SUPERLATIVE) or _MOST & set(head)) or {"songs", "tracks", "ones"} & set(head):
        return None
    pick = _picked(c, lead, dest[1], _PICKS)
    if pick is None:
        return None
    if pick == dest[0]:
        return Plan.ask(f'"{c.playlist[pick - 1]["title"]}" is already at {pick}. Nothing changed.')
    return _positional("move", [pick], c.n, to=dest[0])


_TRACK_LIST_WORDS = frozenset({"track", "tracks", "song", "songs", "number", "numbers", "#", "and", ",", "&", "-",
                               "to", "through", "thru", "the", "both", "also", "y", "cancion",
                               "canciones"})  # fmt: skip


_BRING = frozenset({"bring", "take", "get", "send", "can", "could", "you", "u", "just", "now"})


def _verbless_move(c: Clause) -> Plan | None:
    """ "tracks 2-4 to the bottom", "track 4 to the top", "4 and 5 to the top", "bring 10 and 12 to the front": a
    move said without a move verb, when everything before the destination names tracks by number."""
    words = [w for w in c.words if w not in ("?", "!", ".", "please", "pls")]
    while words and words[0] in _BRING:
        words = words[1:]
    dest = _destination(words, 0, c.n)
    if dest is None or not dest[1] or words[dest[1]] not in ("to", "at"):
        return None
    head = words[: dest[1]]
    if not any(w.isdigit() for w in head) or any(not w.isdigit() and w not in _TRACK_LIST_WORDS for w in head):
        return None
    pos = positions(head, [p["title"] for p in c.playlist], verb=True)
    if not pos:
        return None
    return _block_moved(pos, dest[0], c.n) if len(pos) > 1 else _positional("move", pos, c.n, to=dest[0])


_MIDDLE = _keys(("in the middle", "to the middle", "into the middle", "in the center", "to the center",
                 "in the centre", "to the centre", "en el medio", "al medio", "en medio"))  # fmt: skip


def _to_the_middle(c: Clause, start: int) -> Plan | None:
    """ "move track 3 to the middle", "put 4 and 5 in the middle": those tracks together, in their order, around
    the playlist's middle, the rest in theirs."""
    words = c.words
    mid = find(words, _MIDDLE, start)
    if mid is None or [w for w in words[sum(mid) :] if w not in ("?", "!", ".", "please", "pls", "of", "it")]:
        return None
    pos = positions(words[start : mid[0]], [p["title"] for p in c.playlist], verb=True)
    if not pos or not all(1 <= k <= c.n for k in pos):
        return None
    return _into_middle(sorted(set(pos)), c.n)


def _into_middle(block: list[int], n: int) -> Plan:
    """Moves that set ``block`` (places as seen) together around the middle of ``n`` tracks, in order."""
    plan = _block_placed(block, max(1, (n - len(block)) // 2), n)
    return plan if plan.actions else Plan.ask("Those are in the middle already. Nothing changed.")


def _block_placed(block: Sequence[int], at: int, n: int) -> Plan:
    """The moves that set the tracks at ``block`` (places as the user saw them) together, in that order, after
    ``at`` of the other tracks, the rest keeping theirs: each block track moves in turn to just after the one before
    it (a move names its track by the place the user saw, and where it goes as the earlier moves left the list)."""
    rest = [k for k in range(1, n + 1) if k not in set(block)]
    now, moves = list(range(1, n + 1)), []
    for j, b in enumerate(block):
        was = list(now)
        now.remove(b)
        prev = block[j - 1] if j else (rest[at - 1] if at > 0 else None)
        i = now.index(prev) + 1 if prev is not None else 0
        now.insert(i, b)
        if now != was:
            moves.append(call("move", position=b, to=i + 1))
    return Plan(moves)


def rule_move_picked(c: Clause) -> Plan | None:
    """ "move the 2 slowest to the end", "put the 3 oldest songs at the top": that many tracks a superlative picks go
    there, in playlist order, the rest in theirs (before: the whole playlist sorted)."""
    hit = find(c.words, _MOVE)
    dest = _destination(c.words, sum(hit), c.n) if c.has and hit else None
    if dest is None or dest[0] not in (1, c.n):
        return None
    said = c.words[sum(hit) : dest[1]]
    sup = find(said, _SUPERLATIVE)
    counted = sup and ((number_at(said, sup[0] - 1) if sup[0] else None) or number_at(said, sum(sup)))
    if not counted or counted[0] < 2:
        return None
    picked = _picked_many(c, sum(hit), dest[1])
    return _block_moved(picked, dest[0], c.n) if picked else None


def _not_one_moved(c: Clause, pos: Sequence[int] | None, to: int, start: int) -> Plan:
    """A move that names no single track: several to one end ("move the first two to the end"), or each its own
    place ("move 3 to 1 and 5 to 2", "move 2 to 5 and 9 to 1": pairs, not the range 2-5), or a question."""
    if pairs := _moves(c, start):
        return pairs
    if pos and to in (1, c.n):
        return _block_moved(pos, to, c.n)
    return Plan.ask('Which track should move where? Say "move track 5 to the top".')


def _block_moved(pos: Sequence[int], to: int, n: int) -> Plan:
    """ "move the first two to the end", "put tracks 4 and 5 at the top": each track moves there, the block keeping
    its order (positions are read as the playlist was at the start of the turn)."""
    if bad := sorted({p for p in pos if not 1 <= p <= n}):
        return _positional("move", list(bad), n, to=to)
    order = sorted(set(pos)) if to == n else sorted(set(pos), reverse=True)
    return Plan([call("move", position=p, to=to) for p in order])


def _mood_picked(c: Clause, start: int, cut: int, to: int) -> "int | Plan | None":
    """ "put a love song first", "end with a chill one": the first track of the playlist (the nearest to ``to``)
    whose catalog moods hold the one mood said in ``words[start:cut]``; a Plan when the track there has it already
    or none has it."""
    moods = [m for m in c.matches("mood", negated=False) if start <= m.start < cut]
    if len(moods) != 1 or c.matches("genre", "artist", "years", negated=False):
        return None
    mood = str(moods[0].value)
    catalog = c.vocab.catalog
    order = list(range(1, c.n + 1)) if to == 1 else list(range(c.n, 0, -1))
    having = [k for k in order if mood in getattr(catalog.get(c.playlist[k - 1]["track_id"]), "moods", ())]
    if not having:
        return Plan.ask(f'No track here is {mood}; say "more {mood}" to bring some in. Nothing changed.')
    if having[0] == to:
        return Plan.ask(f'"{c.playlist[to - 1]["title"]}" at {to} is {mood} already. Nothing changed.')
    return having[0]


_MOVE_PAIR = re.compile(
    r"(?:track\s+|song\s+|#\s*)?(\d+)\s+to\s+(?:the\s+)?(?:position\s+|#\s*)?(top|start|end|bottom|\d+)"
)


def _moves(c: Clause, start: int) -> Plan | None:
    """ "move 3 to 1 and 5 to 2", "move 3 to the top and 8 to the end": each pair a move, in order; the track moved
    is the one the user saw at that place (the tools read every position so), its destination the place as the
    earlier moves left it."""
    rest = " ".join(w for w in c.words[start:] if w not in (",", "and", "then", "y"))
    pairs = [(int(a), 1 if b in ("top", "start") else c.n if b in ("end", "bottom") else int(b))
             for a, b in _MOVE_PAIR.findall(rest)]  # fmt: skip
    if len(pairs) < 2 or _MOVE_PAIR.sub("", rest).strip() or not all(1 <= k <= c.n for pair in pairs for k in pair):
        return None
    return Plan([call("move", position=seen, to=to) for seen, to in pairs])


_REASON_MARKS = frozenset({"for", "so", "because", "cause", "since", "para", "porque"})


def _destination(words: list[str], start: int, n: int) -> tuple[int, int] | None:
    """(position, index where the destination phrase begins) of "to the top", "first", "to 3", "to the end",
    "to the third place"; the destination ends the clause, or comes before a reason ("at the end for the last set",
    "first so we start slow")."""
    found = _tail_destination(words, start, n)
    for k in range(len(words) - 1, start, -1):
        if found is not None:
            break
        if words[k] in _REASON_MARKS:
            found = _tail_destination(words[:k], start, n)
    return found


def _tail_destination(words: list[str], start: int, n: int) -> tuple[int, int] | None:
    """:func:`_destination` when it ends the clause."""
    end = len(words)
    while end > start and words[end - 1] in ("?", "!", ",", "please", "pls", "place", "spot", "position", "one"):
        end -= 1
    if end <= start:
        return None
    w = words[end - 1]
    lead = end - 1
    while lead - 1 >= start and words[lead - 1] in (
        "to",
        "very",
        "for",
        "till",
        "until",
        "the",
        "at",
        "on",
        "al",
        "a",
        "el",
        "position",
        "spot",
        "number",
        "#",
    ):
        lead -= 1
    led = lead < end - 1
    if w in V.MOVE_TOP and (led or w in ("first", "top", "primero", "primera")):
        return 1, lead
    if w in V.MOVE_END and (led or w in ("last", "end")):
        return n, lead
    if w.isdigit() and led:
        return int(w[:12]), lead
    if _ordinal(w) and led:  # "to the third place", "to the 1st spot"
        return _ordinal(w), lead  # type: ignore[return-value]
    return None


_WEAK_MOVE_VERBS = frozenset({"play", "put", "stick", "pon"})
_AROUND = frozenset({"around", "round", "places", "positions", "spots", "order"})


def rule_replace(c: Clause) -> Plan | None:
    """ "replace track 1", "swap #2", "swap it out", "replace that", "swap it for something by Sade"."""
    hit = find(c.words, _REPLACE)
    if hit and not c.has and _names_a_track(c.words[sum(hit) :]):
        return _need_playlist()  # "swap #4 for something slower" before any playlist: no track 4 yet
    if hit and c.has and (swapped := _replace_with(c, hit[0] + hit[1])):
        return swapped
    named = c.matches("genre", "mood", "artist", "years", "relative_years")
    if hit and c.has and not named and (sounds := _swapped_sounds(c, hit[0] + hit[1])):
        return Plan([call("exclude", features=sounds)])  # "switch out the slow ones": those go, others take their place
    if hit and c.has and named and not _COMES_IN & set(c.words[sum(hit) :]):
        found, _ = names_in(c.reading, c.vocab, negated=False, start=sum(hit))
        if any(found.values()) and _refer(c, sum(hit), verb=True) is None:  # "replace the rap songs": those go
            return Plan([call("exclude", **_nonempty(found))])
    if not hit or not c.has or named or c.matches("feature"):
        return None
    pos = _refer(c, hit[0] + hit[1], verb=True)
    if pos is None and not c.pronoun(sum(hit)) and (who := _object_artist(c, sum(hit))):
        return Plan([call("exclude", artists=[who])])  # "swap the drake song": the verb says a name is meant
    rest = c.words[hit[0] + hit[1] :]
    trade = c.words[hit[0]] in V.SWAP_PLACES_VERBS and hit[1] == 1 and not V.REPLACE_WORDS & set(rest)
    paired = any(w in ("and", "with", "&", "y", "con") for w in rest) or _AROUND & set(rest)  # "swap 1 and 2 around"
    if trade and not pos and _AROUND & set(rest):  # "can the 4th and 5th swap places": the tracks before the verb
        pos = positions(c.words[: hit[0]], [p["title"] for p in c.playlist], verb=True)
    if trade and pos and len(pos) == 1 and (other := _with_track(c.words, c.playlist)):
        if other == pos[0] and "with" in rest:  # "swap 2 with the last one": a bare number before "with"
            said = _bare_list(rest[: rest.index("with")], c.n)
            pos = said if said and len(said) == 1 else pos
        pos = sorted({pos[0], other})  # "swap track 2 with track 9"
    if pos and len(pos) == 2 and trade and paired:
        a, b = sorted(pos)  # "swap 2 and 5": each takes the other's place (positions mean the playlist seen)
        if not 1 <= a < b <= c.n:
            return _positional("move", [b], c.n, to=a)
        return Plan([call("move", position=a, to=b), call("move", position=b, to=a)])
    return _positional("replace", pos, c.n) if pos else None


_MAKE_VERBS = frozenset({"make", "turn", "change"})
_ASK_LEADS = frozenset({"can", "could", "would", "will", "you", "u", "ya", "please", "pls", "plz", "maybe", "just"})
_MAKE_INTO = frozenset({"something", "into", "a", "an", "some", "more"})


def rule_make_track(c: Clause) -> Plan | None:
    """ "make the last song something chill", "turn track 3 into some rock": those tracks give way to tracks of
    what follows (the rest of the playlist stays)."""
    v = next((i for i, w in enumerate(c.words[:4]) if w not in _ASK_LEADS), 0)  # "can you make ..."
    if not c.has or not c.words or c.words[v] not in _MAKE_VERBS:
        return None
    if (moved := _made_an_end(c, v)) is not None:
        return moved
    k = next((i for i, w in enumerate(c.words) if i > v + 1 and w in _MAKE_INTO), None)
    pos = positions(c.words[v + 1 : k], [p["title"] for p in c.playlist]) if k else None
    if not pos and k is None and (said := _said_after_tracks(c, v)):  # "make the last 2 chill for cooldown"
        return _replaced_as_said(c, said[1], said[0])
    if not pos:
        return _half_toward(c, v, k)
    found, _ = names_in(c.reading, c.vocab, negated=False, start=k)
    if not any(found.values()):  # "make #6 something happier": that track, swapped in that direction
        return _replace_toward(c, v + 1, k)
    return _positional("replace", pos, c.n, **_nonempty(found))


def _said_after_tracks(c: Clause, v: int) -> tuple[int, list[int]] | None:
    """ "make the last 2 chill", "make track 5 chill": a mood, genre or sound said right after tracks named by place
    (where it starts, the places)."""
    k = next((m.start for m in c.matches("mood", "genre", "feature", negated=False) if m.start > v + 1), None)
    pos = positions(c.words[v + 1 : k], [p["title"] for p in c.playlist]) if k else None
    return (k, pos) if k and pos else None


def _half_toward(c: Clause, v: int, k: int | None) -> Plan | None:
    """ "make the second half more upbeat", "make the first half calmer": that half's tracks give way to tracks of
    what follows, or past them in that direction."""
    k = k or next((m.start for m in c.matches("feature", "mood") if m.start > v + 2), None)
    pos = _half(c.words[v + 1 :], c.n) if k else None  # the whole ask: "... and the second half / the rest hype"
    return _replaced_as_said(c, pos, k) if pos and k else None


def _replaced_as_said(c: Clause, pos: list[int], k: int) -> Plan | None:
    """Those tracks give way to tracks of what is said from ``k`` on (a mood, a genre), or past them in the
    direction it says ("faster")."""
    found, _ = names_in(c.reading, c.vocab, negated=False, start=k)
    if any(found.values()):
        return _positional("replace", pos, c.n, **_nonempty(found))
    plan = read_clause(make_clause(" ".join(t.orig for t in c.reading.tokens[k:]), c.playlist, c.vocab))
    moves = [a["args"] for a in plan.actions if a["name"] == "adjust" and a["args"]["feature"] in _SWAP_FEATURES]
    if plan.question or not moves or len(moves) != len(plan.actions):
        return None
    return _positional("replace", pos, c.n, feature=moves[0]["feature"], direction=moves[0]["direction"])


_HALVES = {"first": 0, "1st": 0, "front": 0, "opening": 0, "primera": 0, "second": 1, "2nd": 1, "last": 1, "back": 1,
           "final": 1, "latter": 1, "segunda": 1, "ultima": 1}  # fmt: skip


def _half(words: Sequence[str], n: int) -> list[int] | None:
    """The positions of one half said alone ("make the second half more upbeat": tracks 11-20 of 20)."""
    said = [_HALVES[w] for i, w in enumerate(words[:-1]) if w in _HALVES and words[i + 1] in ("half", "mitad")]
    if len(said) != 1 or n < 2 or {"rest", "end", "others", "else"} & set(words):
        return None
    return list(range(1, n // 2 + 1)) if said[0] == 0 else list(range(n // 2 + 1, n + 1))


_END_NOUNS = frozenset({"one", "song", "track", "tune", "cancion"})


def _made_an_end(c: Clause, v: int) -> Plan | None:
    """ "make track 1 the last one", "make the 3rd song the opener": that track moves to that end."""
    words = [w for w in c.words if w not in _PUNCT]
    tail = words[-3:] if words[-1:] and words[-1] in _END_NOUNS else words[-2:]
    if len(tail) < 2 or tail[0] != "the" or tail[1] not in _ENDS or len(words) - len(tail) <= v + 1:
        return None
    pos = positions(words[v + 1 : len(words) - len(tail)], [p["title"] for p in c.playlist])
    if not pos or len(pos) != 1:
        return None
    return _positional("move", pos, c.n, to=1 if _ENDS[tail[1]] == "top" else c.n)


def _with_track(words: Sequence[str], playlist: Sequence[dict[str, Any]]) -> int | None:
    """The one track named after "with" ("swap track 2 with track 9", "switch 3 with the last one")."""
    k = next((i for i, w in enumerate(words) if w in ("with", "con")), None)
    if k is None:
        return None
    pos = positions(words[k + 1 :], [p["title"] for p in playlist], verb=True)
    return pos[0] if pos and len(pos) == 1 else None


# after a swap verb, the words before what comes in: "replace track 2 with something faster", "switch it to rock"
_COMES_IN = frozenset({"for", "with", "por", "con", "to", "into"})


def _swapped_sounds(c: Clause, start: int) -> list[dict[str, str]]:
    """The sides of features that "switch out the slow ones" names as what goes; none when the words point at
    tracks or say what comes in ("replace track 2 with something faster")."""
    if _COMES_IN & set(c.words[start:]) or _refer(c, start, verb=True) is not None:
        return []
    return _sounds(c, start)


def _replace_with(c: Clause, start: int) -> Plan | None:
    """ "swap it for something by Sade", "replace track 4 with a Drake song", "change #2 for some rock": those
    tracks out, tracks of what follows "for" / "with" in (the request itself stays)."""
    k = next((i for i in range(start, len(c.words)) if c.words[i] in ("for", "with", "w", "w/", "por", "con")), None)
    if k is None or _numbered_at(c.words, k + 1):
        return None  # "swap track 2 with track 9" trades places
    if find(c.words[k + 1 :], _SOMEONE_ELSE) and not _content(c.words[k + 1 :], _SOMEONE_ELSE):
        # "swap the kanye for someone else": nothing asked in their place, so a plain swap of what comes before
        head = make_clause(" ".join(t.orig for t in c.reading.tokens[:k]), c.playlist, c.vocab)
        return rule_replace(head) if head.words[sum(find(head.words, _REPLACE)) :] else None
    found, _ = names_in(c.reading, c.vocab, negated=False, start=k + 1)
    lacked = [m for m in c.matches("other_genre", negated=False) if m.start > k]
    if lacked and not any(found.values()):  # "swap the rap for something jazzy": a genre the catalog lacks
        said = " ".join(t.orig for t in c.reading.tokens[lacked[0].start : lacked[0].end])
        note = c.reading.query.unsupported[:1] or [f"{said}: not a genre of this catalog"]
        return Plan.ask(f"{note[0][:1].upper()}{note[0][1:]}. Your playlist is unchanged.")
    sound = any(m.start > k for m in c.matches("feature"))  # "something faster" is a sound, not Faster Pussycat
    if not any(found.values()) and not sound and (named := _object_artist(c, k + 1)):
        found["artists"] = [named]  # "swap it for some drake"
    if not any(found.values()):
        return _replace_toward(c, start, k)
    out = {kind: [v for v in vals if v not in found[kind]] for kind, vals in names_in(c.reading, c.vocab)[0].items()}
    who = None if any(out.values()) or c.pronoun(start) else _object_artist(c, start, k)
    if who:  # "swap drake for future": the verb says a name is meant, so a lower-case word may be one
        out["artists"] = [who]
    if any(out.values()):  # "swap drake for kendrick", "swap the rock for some r&b": that out, this in
        return Plan([call("exclude", **_nonempty(out)), call("widen", **_nonempty(found))])
    pos = _swapped(c, start, k)
    return pos if isinstance(pos, Plan) or pos is None else _positional("replace", pos, c.n, **_nonempty(found))


_SOMEONE_ELSE = _keys(("someone else", "somebody else", "something else", "anything else", "anyone else",
                       "another artist", "a different artist", "different artists", "other artists", "another one",
                       "a different one", "something different", "other stuff", "otra cosa", "otro artista",
                       "alguien mas", "algo mas", "algo diferente"))  # fmt: skip


def _swapped(c: Clause, start: int, k: int) -> "list[int] | Plan | None":
    """The tracks between the swap verb and "for" (``start``..``k``), the one in focus for "it", or a question."""
    pos = positions(c.words[start:k], [p["title"] for p in c.playlist], verb=True)
    if pos is None and c.pronoun(start) and c.focus:
        pos = [c.focus]
    if not pos and c.pronoun(start):  # "swap it for ..." with no track in focus
        return Plan.ask(f'Which track should I swap? Say "swap track 3 for {" ".join(c.words[k + 1 :])}".')
    return pos or None


_SWAP_FEATURES = frozenset({"energy", "valence", "tempo", "danceability", "acousticness", "popularity", "year"})


def _replace_toward(c: Clause, start: int, k: int) -> Plan | None:
    """ "swap the 2nd one for something happier", "replace #5 with a slower one": those tracks out, and in their
    place tracks past them in that direction (the playlist's other tracks stay)."""
    rest = " ".join(t.orig for t in c.reading.tokens[k + 1 :])
    plan = read_clause(make_clause(rest, c.playlist, c.vocab)) if rest else None
    if plan is None or plan.question or not plan.actions:
        return None
    args = _swap_args(plan.actions)
    if args is None:
        return None
    pos = _swapped(c, start, k)
    if isinstance(pos, Plan) or pos is None:
        return pos
    return _positional("replace", pos, c.n, **args)


_SWAP_LIMITS = frozenset({"year_start", "year_end", "bounds"})


def _swap_args(actions: list[dict[str, Any]]) -> dict[str, Any] | None:
    """What a swapped-in track is to be, read from what follows "for"/"with"/"to": a direction ("something
    happier": an adjust) or years and bounds ("something from the 90s", "something over 120 bpm": a narrow)."""
    if all(a["name"] == "adjust" for a in actions):
        move = actions[0]["args"]
        return (
            {"feature": move["feature"], "direction": move["direction"]} if move["feature"] in _SWAP_FEATURES else None
        )
    if len(actions) == 1 and actions[0]["name"] == "narrow" and set(actions[0]["args"]) <= _SWAP_LIMITS:
        return {k: v for k, v in actions[0]["args"].items() if v not in (None, [])} or None
    return None


_INCOMING = frozenset({"with", "for", "in", "into", "by", "con", "por"})


def rule_bound(c: Clause) -> Plan | None:
    """ "take out anything under 120 bpm", "nothing under 120 bpm", "only songs over 120 bpm", "keep it above 0.7
    energy": a numeric bound every track keeps from now on (narrow), on a playlist with nothing else asked."""
    bounds = [
        m for m in c.matches("feature") if isinstance(m.value, tuple) and m.value[1][0] in ("min", "max", "range")
    ]
    if not c.has or not bounds or c.matches("genre", "mood", "activity", "artist", "years", "other_genre"):
        return None
    if _asking(c):  # "how many tracks over 125 bpm?": a count asked (rule_question), not a bound set
        return None
    out = []
    for m in bounds:
        feature, (side, value) = m.value  # type: ignore[misc]
        if side == "range":  # "keep the bpm between 125 and 130": both sides at once
            out.append({"feature": feature, "min": value[0], "max": value[1]})
            continue
        lo, hi = FEATURE_RANGE[feature]
        if not lo <= value <= hi:
            unit = " BPM" if feature == "tempo" else ""
            return Plan.ask(
                f"The catalog's {feature} runs from {lo:g} to {hi:g}{unit}; {value:g} is outside it. Nothing changed."
            )
        # what is said goes ("take out", "swap out anything under 120 bpm"): the other side stays; what a swap
        # brings in ("replace the slow ones with songs over 120 bpm", "swap in ...") stays
        swap = find(c.words[: m.start], _REPLACE)
        brought = swap and bool(_INCOMING & set(c.words[swap[0] + swap[1] : m.start]))
        goes = m.negated or bool(find(c.words[: m.start], _REMOVE)) or bool(swap and not brought)
        out.append({"feature": feature, ("max" if (side == "min") == goes else "min"): value})
    return Plan([call("narrow", bounds=out)])


_UNHEARD = frozenset(" ".join(k) for k in _keys(V.UNHEARD_PHRASES))
# songs a listener knows, said of the playlist there is ("something they can sing along to"): the better known
_KNOWN_SONGS = frozenset(" ".join(k) for k in _keys(V.POPULAR_PHRASES) if {"sing", "singalong", "singalongs", "know",
                                                                           "knows"} & set(k))  # fmt: skip


_CHEESY = frozenset({"cheesy", "cheezy", "corny", "cringe", "cringey", "cringy", "sappy", "saccharine", "sugary",
                     "schmaltzy", "tacky", "kitschy", "cheese"})  # fmt: skip
_CHEESY_AROUND = frozenset({"less", "too", "so", "kinda", "kind", "of", "way", "bit", "a", "little", "it", "its",
                            "is", "this", "that", "thats", "these", "are", "very", "super", "much", "more", "extra",
                            "make", "the", "lol", "tbh", "sounds", "feels", "bit", "getting", "all", "how", "abit",
                            "slightly", "lot", "alot", "and"})  # fmt: skip


def rule_cheesy(c: Clause) -> Plan | None:
    """ "less cheesy", "too cheesy", "kinda corny tbh": the playlist's sugary side toned down (valence lowered, the
    rest kept); "more cheesy" the other way. A clause that says more than that is left to the other rules."""
    words = [w for w in c.words if w not in _PUNCT and w not in V.CHAT_FILLER]
    said = [w for w in words if w in _CHEESY]
    if not c.has or len(said) != 1 or not set(words) - set(said) <= _CHEESY_AROUND or "not" in words:
        return None  # "happy but not cheesy": a hedge on the ask before it, not a change of its own
    at = words.index(said[0])
    up = bool({"more", "extra"} & set(words[:at])) and not {"less", "too"} & set(words[:at])
    return Plan([call("adjust", feature="valence", direction="up" if up else "down")])


# "this is so basic", "these are kinda mainstream", "its pretty obscure": a verdict on the playlist, as "too" is
_ABOUT_THESE = frozenset({"this", "these", "its", "it", "they", "theyre", "thats", "that", "those", "all"})
_SO_WORDS = frozenset({"so", "kinda", "pretty", "really", "very", "super", "way", "soo", "sooo"})


def _popularity_move(direction: str, words: Sequence[str]) -> dict:
    """The popularity move, with its amount when one is said ("a bit less mainstream": a smaller swap)."""
    amount = _amount_word(words)
    return call(
        "adjust", feature="popularity", direction=direction, **({} if amount == "normal" else {"amount": amount})
    )


def rule_popularity(c: Clause) -> Plan | None:
    """ "more popular stuff", "more hits", "less mainstream", "more deep cuts", "fewer hits": the mix moves toward
    or away from the hits (popularity is a sound-like preference, not a filter)."""
    said = _one_popularity(c)
    if not c.has or len(said) != 1 or len(c.matches(*_CONTENT_KINDS)) != len(c.matches("popularity")):
        return None
    m, words = said[0], c.words
    said = " ".join(words[m.start : m.end])
    unheard = said in _UNHEARD
    known = unheard and "already" in said  # "the ones i already know" are the well known
    lead = set(words[max(0, m.start - 2) : m.start])
    before = words[: m.start]
    if _counted_end(words, c.n) or _one_at_edge(words, c.n):  # "drop the top 3", "the song at the top": places
        return None
    verdict = bool(c.words[:1]) and c.words[0] in _ABOUT_THESE and bool(lead & _SO_WORDS)  # "this is so basic"
    if find(before, _REMOVE) or find(before, _REPLACE) or "too" in lead or verdict:  # "drop the ones i dont know"
        up = (unheard and not known) or (not unheard and str(m.value) != "popular")
        return Plan([_popularity_move("up" if up else "down", words)])
    if unheard:  # "i already know these songs": the lesser known
        return Plan([_popularity_move("down", words)])
    less = bool(lead & {"less", "fewer", "menos"}) or (m.negated and m.cue in ("less", "fewer"))
    if (grow := _grow_leaning(c, m, less)) is not None:
        return grow
    if said in _KNOWN_SONGS and not less and not m.negated:  # "something they can sing along to": the known ones
        return Plan([call("adjust", feature="popularity", direction="up")])
    if less == bool(lead & {"more", "mas"}):
        return None
    up = (str(m.value) == "popular") != less  # "less mainstream" and "more deep cuts" both go down
    return Plan([_popularity_move("up" if up else "down", words)])


def _one_popularity(c: Clause) -> list[Any]:
    """The popularity words said, one where several say the same ("songs the kids know, popular ones"): the known
    songs' words first, as they say the most."""
    said = c.matches("popularity")
    if len(said) < 2 or len({str(m.value) for m in said}) != 1 or any(m.negated for m in said):
        return said
    known = [m for m in said if " ".join(c.words[m.start : m.end]) in _KNOWN_SONGS]
    return known[:1] or said[:1]


_LEAN_NOUNS = frozenset({"songs", "song", "tracks", "track", "music", "stuff", "ones", "tunes", "canciones"})
_KIND_WORDS = frozenset({"ish", "esque", "type", "style", "kind", "of", "a", "few", "couple", "more", "like"})


def _grow_leaning(c: Clause, m: Any, less: bool) -> Plan | None:
    """ "add some popular songs", "can we add a few singalongs": a few tracks leaning that way join the playlist,
    which stays; a word the catalog cannot read in what is added ("some Disney-ish songs") is said to be missing."""
    hit = find(c.words[: m.start], _GROW)
    if not hit or less or m.negated or find(c.words, _REMOVE) or find(c.words, _REPLACE):
        return None
    if c.matches("years", "relative_years"):  # "add some older hits": the years lead, as rule_widen reads them
        return None
    lean = "popular" if str(m.value) == "popular" else "obscure"
    plan = Plan([call("more", count=_added_count(c) or 5, lean=lean)])
    start = hit[0] + hit[1]
    end = next((k for k in range(start, len(c.words)) if c.words[k] in _LEAN_NOUNS), m.start)
    _, unknown = names_in(c.reading, c.vocab, negated=False)
    lacks = [w for w in c.words[start:end] if w in unknown and w not in _KIND_WORDS | _VAGUE]
    if lacks:
        kind = "better-known" if lean == "popular" else "lesser-known"
        plan.notes.append(f'This catalog has nothing labelled "{" ".join(lacks)}", so I added {kind} ones instead.')
    return plan


def rule_track_length(c: Clause) -> Plan | None:
    """ "get rid of anything over 5 minutes", "no songs longer than 4 min", "only keep the tracks under 4 minutes":
    a bound on each track's length (a few minutes beside a track word), not the playlist's listening time."""
    durations = c.matches("duration")
    if not c.has or len(durations) != 1 or float(durations[0].value) > V.TRACK_MINUTES_MAX:  # type: ignore[arg-type]
        return None
    words, k = c.words, durations[0].start
    near = set(words[max(0, k - 3) : k])
    longer, shorter = bool(near & V.TRACK_LONGER_WORDS), bool(near & V.TRACK_SHORTER_WORDS)
    if longer == shorter or not set(words[:k]) & V.TRACK_LENGTH_NOUNS:
        return None
    if _asking(c) and not find(words, _REMOVE) and not find(words, _ONLY):
        return _length_answer(c, float(durations[0].value), longer)  # type: ignore[arg-type]
    keep = (find(words, _ONLY) or "keep" in words[:k]) and not find(words, _REMOVE)
    drop_long = longer != bool(keep)  # "remove anything over 5" and "only the ones under 5" both drop the long
    minutes = float(durations[0].value)  # type: ignore[arg-type]
    bound = minutes * 60_000
    gone = [i for i, p in enumerate(c.playlist, 1) if (p["duration_ms"] > bound) == drop_long]
    said = f"{'over' if drop_long else 'under'} {minutes:g} min"
    if not gone:
        return Plan.ask(f"No track here is {said}; nothing changed.")
    if len(gone) == c.n and not drop_long:
        return Plan.ask(f"Every track here is {said}, so that would empty the playlist; nothing changed.")
    if drop_long and minutes >= 1:  # a bound from now on: the long ones are replaced, and later additions keep it
        return Plan([call("narrow", track_minutes_max=min(minutes, float(V.TRACK_MINUTES_MAX)))])
    return Plan([call("remove", positions=gone)])


def _length_answer(c: Clause, minutes: float, longer: bool) -> Plan:
    """ "is song 3 longer than 4 minutes?", "are any of these over 5 min?": answered from the tracks' lengths; a
    question never bounds the playlist."""
    bound = minutes * 60_000

    def over(p: dict[str, Any]) -> bool:
        return p["duration_ms"] > bound if longer else p["duration_ms"] < bound

    said = f"{'over' if longer else 'under'} {minutes:g} min"
    pos = _refer(c)
    if pos and len(pos) == 1 and 1 <= pos[0] <= c.n:
        p = c.playlist[pos[0] - 1]
        secs = round(p["duration_ms"] / 1000)
        return Plan.ask(
            f'{"Yes" if over(p) else "No"}: #{pos[0]} "{p["title"]}" by {p["artist"]} is {secs // 60}:{secs % 60:02d} '
            "long. Nothing changed."
        )
    hits = [(i, p) for i, p in enumerate(c.playlist, 1) if over(p)]
    if not hits:
        return Plan.ask(f"No track here is {said}. Nothing changed.")
    verb = "is" if len(hits) == 1 else "are"
    return Plan.ask(f"{len(hits)} of {c.n} tracks {verb} {said}: {_listing(hits)}. Nothing changed.")


_SHORTER_SIDE = frozenset({"shorter", "short", "cortas", "cortos", "corta", "corto"})
_LONG_SIDE = frozenset({"long", "largas", "largos"})  # said with "too": "the songs are too long"
_SHORT_WORDS = _SHORTER_SIDE | _LONG_SIDE
# words that make "shorter" or "too long" the playlist's ("make the playlist shorter", "too many songs"): fewer tracks
_WHOLE_LENGTH = frozenset({"playlist", "list", "mix", "it", "lista", "fewer", "less", "menos", "many", "much",
                           "number"})  # fmt: skip


def rule_shorter_tracks(c: Clause) -> Plan | None:
    """ "shorter songs please", "the songs are too long", "canciones mas cortas": each track shorter (a bound under
    the playlist's median length; the long ones are replaced), not fewer tracks."""
    if not c.has or c.matches("duration", "length", *_CONTENT_KINDS) or _WHOLE_LENGTH & set(c.words):
        return None
    words = c.words
    said = [k for k, w in enumerate(words) if w in _SHORT_WORDS]
    nouns = [k for k, w in enumerate(words) if w in V.TRACK_NOUNS - {"number", "numbers", "no", "num", "#", "numero"}]
    if not said or not nouns or not any(abs(k - j) <= 3 for k in said for j in nouns):
        return None
    short = {words[k] for k in said} & _SHORTER_SIDE
    too_long = any(words[k] in _LONG_SIDE and k and words[k - 1] in ("too", "to", "muy", "demasiado")
                   for k in said)  # fmt: skip
    durations = sorted(p["duration_ms"] for p in c.playlist if p.get("duration_ms"))
    if not (short or too_long) or not durations:
        return None
    median = durations[len(durations) // 2] / 60_000
    bound = max(2.0, int(median * 2) / 2)  # the half minute at or under the median: about half the tracks go
    return Plan([call("narrow", track_minutes_max=bound)])


def _only_before_count(words: Sequence[str]) -> bool:
    """ "just 5 songs", "only 10 tracks": a count right after "just"/"only" and before a track word."""
    return any(
        words[k] in ("just", "only") and words[k + 1].isdigit() and words[k + 2] in V.TRACK_LENGTH_NOUNS
        for k in range(len(words) - 2)
    )


def _timed_length(c: Clause, said: "Match", grow: bool) -> Plan | None:
    """A listening time: "make it an hour"; "add 20 minutes" and "5 minutes shorter" change it by that much."""
    words, minutes = c.words, float(said.value)  # type: ignore[arg-type]
    after = words[said.end] if said.end < len(words) else ""
    cut = find(words[: said.start], _REMOVE)
    if cut is None and said.start and words[said.start - 1] in ("trim", "shave"):  # "trim 8 minutes"
        cut = (said.start - 1, 1)
    if after in ("shorter", "longer") or (cut and not {"to", "down"} & set(words[cut[0] : said.start])):
        # "make it 5 minutes shorter", "cut the last 10 minutes": a change, not the length
        step = minutes if after == "longer" else -minutes
        return Plan([call("resize", minutes=max(1.0, round(listening_minutes(c.playlist) + step, 1)))])
    if not grow:
        bound = _time_bound(words[: said.start], words[said.end :]) or _said_way(
            words, minutes, listening_minutes(c.playlist)
        )
        return Plan([call("resize", minutes=minutes, **({bound: True} if bound else {}))])
    if find(words, _GROW):  # "add 20 minutes": that much longer
        return Plan([call("resize", minutes=round(listening_minutes(c.playlist) + minutes, 1))])
    return None


# "less than 3 hours", "no more than 2 hours", "at least an hour": a bound on the time a playlist within it meets
_AT_MOST_TIME = ("less than", "under", "no more than", "not more than", "max", "at most", "up to", "below",
                 "shorter than", "no longer than", "not longer than", "not over", "nothing over", "within",
                 "tops")  # fmt: skip
_AT_LEAST_TIME = ("at least", "more than", "over", "no less than", "not less than", "longer than", "minimum", "min")
# "2 hours max", "90 minutes or more": the same bound said after the time
_AT_MOST_AFTER = ("max", "maximum", "tops", "at most", "at the most", "or less", "or under", "or shorter", "or below")
_AT_LEAST_AFTER = ("minimum", "min", "at least", "at the least", "or more", "or longer", "or over", "plus")


def _said_way(words: Sequence[str], said: float, now: float) -> str | None:
    """ "make it longer, like an hour" on a longer playlist: the length said is a floor ("at_least") it meets, so
    nothing is cut; "shorter, like 2 hours" on a shorter one a ceiling ("at_most")."""
    if said < now and find(words, _LONGER) and not find(words, _SHORTER):
        return "at_least"
    if said > now and find(words, _SHORTER) and not find(words, _LONGER):
        return "at_most"
    return None


def _time_bound(before: Sequence[str], after: Sequence[str] = ()) -> str | None:
    """ "at_most" or "at_least" where the words just before a listening time bound it ("keep it under 3 hours"), or
    those just after it ("2 hours max")."""
    said, then = " " + " ".join(before[-3:]), " ".join(after[:3]) + " "
    if any(said.endswith(" " + w) for w in _AT_MOST_TIME) or any(then.startswith(w + " ") for w in _AT_MOST_AFTER):
        return "at_most"
    if any(said.endswith(" " + w) for w in _AT_LEAST_TIME) or any(then.startswith(w + " ") for w in _AT_LEAST_AFTER):
        return "at_least"
    return None


_MUSIC_NOUNS = frozenset({"music", "songs", "tracks", "tunes", "playlist", "mix", "musica", "canciones", "bangers",
                          "jams", "beats", "stuff", "hits"})  # fmt: skip


def _time_budget(c: Clause) -> bool:
    """ "i have a 20 minute commute", "my drive is like an hour": to a playlist, an activity said with how long it
    lasts and no music asked for is the time to fill, not a new request."""
    acts = {(m.start, m.end) for m in c.matches("activity")}  # "party" is an activity and its mood
    moods = [m for m in c.matches("mood", negated=False) if (m.start, m.end) not in acts]
    if not c.playlist or moods or c.matches("genre", "artist", "years", "other_genre", "feature", negated=False):
        return False
    return not _MUSIC_NOUNS & set(c.words)


def _names_music(c: Clause) -> bool:
    """Whether the clause names music (so a number in it is no length), save an activity that says how long the
    playlist should last ("i want it to last my whole commute, like 40 min")."""
    kinds = ["genre", "mood", "artist", "years", "activity", "other_genre"]
    if c.matches("duration") and _THIS_PLAYLIST & set(c.words):
        kinds.remove("activity")
    elif c.matches("duration") and _time_budget(c):
        kinds = ["genre", "artist", "years", "other_genre"]  # the activity (and its mood) only says how long
    # "fewer slow songs": fewer of the slow ones (rule_relative), not a shorter playlist
    fewer = any(m.start >= 1 and c.words[m.start - 1] in ("fewer", "less") for m in c.matches("feature"))
    return fewer or bool(c.matches(*kinds, negated=False))


_LIKE_THESE_LEAD = frozenset({"name", "list", "show", "me", "give", "gimme", "suggest", "recommend", "find", "get",
                              "cool", "ok", "okay", "nice", "now", "can", "you", "u", "could", "pls", "please", "maybe",
                              "just", "another", "other", "more", "similar"})  # fmt: skip


def rule_count_like_these(c: Clause) -> Plan | None:
    """ "3 songs like this", "cool. name 3 songs like this", "list 5 tracks like these": that many more like the
    playlist, added (never the playlist cut to that many)."""
    words = [w for w in c.words if w not in _PUNCT]
    like = find(words, _LIKE_THESE)
    if not c.has or not like or like[0] < 2:
        return None
    if any(w not in _LIKE_THESE_LEAD and w not in V.CHAT_FILLER for w in words[like[0] + like[1] :]):
        return None  # "3 songs like this but faster": more is asked than a count
    said = [w for w in words[: like[0]] if w not in _LIKE_THESE_LEAD]
    if len(said) != 2 or not _is_track_noun(said[1]) or not (num := number_at(said, 0)) or num[1] != 1:
        return None
    return Plan([call("more", count=num[0])]) if num[0] > 0 else None


_TEMPO_SAID = frozenset(w for w, (field, _) in V.SORT_FIELDS.items() if field == "tempo") | {"pace", "bpms"}


def _bounds_tempo(words: Sequence[str], k: int, size: int) -> bool:
    """Whether the words around the number at ``k`` bound a tempo ("slower than like 90", "under 120", "150 or
    less", "120 max"): the extractor's cues before it (hedges passed over), the listening time's after it."""
    said = " " + " ".join(w for w in words[max(0, k - 5) : k] if w not in V.ABOUT_WORDS)
    if any(said.endswith(" " + cue) for cues, _ in V.BPM_BOUND_CUES for cue in cues):
        return True
    return _time_bound((), words[k + size :]) is not None


def rule_tempo_number(c: Clause) -> Plan | None:
    """ "too fast, like 160", "bit slower, like 150 bpm", "slower, 140ish": a tempo word and one number a tempo can
    be: the tempo kept near that number (the window "around 160 bpm" reads), never a length."""
    words = c.words
    if not c.has or not _TEMPO_SAID & set(words) or c.matches(*_CONTENT_KINDS, "duration"):
        return None
    nums = [(k, n) for k in range(len(words)) if (n := number_at(words, k)) and (k == 0 or not number_at(words, k - 1))]
    if len(nums) != 1 or not 40 <= nums[0][1][0] <= 220 or find(words, _REMOVE):
        return None
    k, (bpm, size) = nums[0]
    if _bounds_tempo(words, k, size):
        return None  # "nothing slower than like 90", "150 or less": a bound, read elsewhere
    after = words[k + size : k + size + 1]
    if (after and (after[0] in V.TIME_UNITS or _is_track_noun(after[0]))) or (k and _is_track_noun(words[k - 1])):
        return None  # "slower songs, 40 minutes", "track 45 is too slow"
    return Plan(
        [call("narrow", bounds=[{"feature": "tempo", "min": float(max(40, bpm - 8)), "max": float(min(220, bpm + 8))}])]
    )


def rule_length(c: Clause) -> Plan | None:
    """ "make it 30 tracks", "cut it to 12", "10 is enough", "make it an hour", "shorter", "half as long",
    "lose a few tracks", "longer", "make it longer, like 30 songs"."""
    words = c.words
    if fit := _only_have_time(c):
        return fit
    if not c.has or _names_music(c) or find(words, _SAME_ARTIST):
        return None  # "less songs by the same artist": variety (rule_cap), not a length
    sized = [find(words, _LONGER), find(words, _SHORTER)]  # "más larga": "más" says longer, not "add more"
    said_more = [w for k, w in enumerate(words) if not any(h and h[0] <= k < h[0] + h[1] for h in sized)]
    # "add 3 songs", "throw in 10 tracks": a count to add, not the length ("make it 30 tracks")
    grow = (find(said_more, _MORE_COUNT) or find(words, _GROW) or find(words, _ALSO)) and not find(words, _NO_MORE)
    if grow and _only_before_count(words) and not {"add", "more"} & set(words):  # "give me just 5 songs": the length
        grow = None
    if fresh := _new_count(words):  # "5 new songs", "a few fresh tracks": that many added
        return Plan([call("more", count=fresh)])
    durations = c.matches("duration")
    if durations and (timed := _timed_length(c, durations[0], bool(grow))):
        return timed
    remove = find(words, _REMOVE)
    if changed := _length_change(c) or _complained_length(c):
        return changed
    said = _said_length(words) if not remove or "to" in words else None  # "lose a few tracks" is a removal
    if said is None and not remove and (find(words, _LONGER) or find(words, _SHORTER)):
        said = _length_beside(words)  # "make it longer, like 25"
    if said is not None and not grow:
        way = _said_way(words, said, c.n)  # "make it longer, like 15" on 20 tracks: nothing to do
        return Plan([call("resize", length=said, **({way: True} if way else {}))])
    if factor := _factor(words):
        return Plan([call("resize", factor=factor)])
    if find(words, _SHORTER):
        return Plan([call("resize", factor=_VAGUE_SHRINK[1] if find(words, _BIT) else _VAGUE_SHRINK[0])])
    if remove:  # "lose a few tracks", "cut a couple": a count of tracks, not which ones
        end = remove[0] + remove[1]
        rest = words[end:]
        pointed = not _count_of_tracks(rest) and (
            positions(rest, [p["title"] for p in c.playlist], verb=True) is not None
            or c.pronoun(end)
            or any(w in rest for w in ("the", "these", "those", "#"))
        )
        k = amount_in(rest) if not pointed else None
        if k is not None and not [w for w in _content(rest) if w not in _AMOUNT_WORDS]:
            return Plan([call("resize", length=max(1, c.n - k))])
        return None
    lengths = c.matches("length")
    if lengths and not grow:
        return Plan([call("resize", length=int(lengths[0].value))])  # type: ignore[arg-type]
    if find(words, _LONGER):
        return Plan([call("more", count=max(5, round(c.n * (0.25 if find(words, _BIT) else 0.5))))])
    return None


def _factor(words: Sequence[str]) -> float | None:
    """The factor "half as many", "double it", "triple it" scale the length by."""
    return next((f for phrases, f in ((_HALF, 0.5), (_DOUBLE, 2.0), (_TRIPLE, 3.0)) if find(words, phrases)), None)


_ARTIST_NOUNS = frozenset({"artist", "artists", "band", "bands", "singer", "singers", "artista", "artistas"})
_SAME_ARTIST = _keys((*(f"same {n}" for n in sorted(V.ARTIST_NOUNS)), "mismo artista", "mismo grupo", "misma banda",
                      "mesmo artista", "mesma banda"))  # fmt: skip


def _new_count(words: Sequence[str]) -> int | None:
    """The count of "5 new songs", "a couple fresh tracks": songs not on the playlist yet, added to it."""
    for k, w in enumerate(words[1:-1], start=1):
        if w in ("new", "fresh") and _is_track_noun(words[k + 1]) and not find(words[:k], _REMOVE):
            n = amount_in(words[:k])
            return n if n is not None and 0 < n <= MAX_LENGTH else None
    return None


def _length_change(c: Clause) -> Plan | None:
    """A change of length by a count: "longer by 5 songs", "shorter by like 5", "a few shorter", "5 songs longer"."""
    words = c.words
    step = _count_then_comparative(words)
    if step is None and (by := _by_amount(words)):
        step = (by, 1) if find(words, _LONGER) else (by, -1) if find(words, _SHORTER) else None
    if step is None:
        return None
    if step[1] < 0:
        return Plan([call("resize", length=max(1, c.n - step[0]))])
    return Plan([call("more", count=step[0])])


_SMALL_AMOUNTS = _keys(("a few", "few", "a couple", "couple", "a couple of", "a handful", "handful"))


def _count_then_comparative(words: Sequence[str]) -> tuple[int, int] | None:
    """(count, -1 | +1) of "a few shorter", "5 songs longer", "a couple less songs": a change by that many, not a
    length ("a lot less" is no count)."""
    for j, w in enumerate(words):
        sign = -1 if w in ("shorter", "less", "fewer") else 1 if w == "longer" else 0
        if not sign:
            continue
        k = j - 1 - (j > 1 and _is_track_noun(words[j - 1]))  # "5 songs shorter"
        num = number_at(words, k) if k >= 0 else None
        if num and num[1] == 1 and (words[k].isdigit() or k == 0 or words[k - 1] not in ("a", "an")):
            return (num[0], sign) if 0 < num[0] <= MAX_LENGTH else None
        for n in (2, 1):
            if k - n + 1 >= 0 and tuple(words[k - n + 1 : k + 1]) in _SMALL_AMOUNTS:
                return _AMOUNTS[tuple(words[k - n + 1 : k + 1])], sign
    return None


def _by_amount(words: Sequence[str]) -> int | None:
    """The count in "shorter by 5", "longer by like ten songs" (a hedge may stand between "by" and the number)."""
    for i, w in enumerate(words[:-1]):
        j = i + 1 + (words[i + 1] in V.ABOUT_WORDS)
        if w == "by" and (num := number_at(words, j)):
            return num[0]
    return None


_LENGTH_LEADS = frozenset((w,) for w in ("only", "just", "solo", "solamente", "sean", "son"))


def _length_beside(words: list[str]) -> int | None:
    """The one bare number said beside "longer"/"shorter" ("longer, like 25", "shorter, maybe 12"): the new length;
    "longer by 5" is a change, not a length."""
    found: list[int] = []
    i = -1
    while (i := i + 1) < len(words):
        num = number_at(words, i)
        if not num or not (words[i].isdigit() or num[0] >= 5):  # "shorter, like fifteen"; not "a few shorter"
            continue
        after = words[i + num[1] : i + num[1] + 1]
        lead = words[i - 2] if i > 1 and words[i - 1] in V.ABOUT_WORDS else words[i - 1] if i else ""
        if lead in ("by", "x") or (after and after[0] in V.TIME_UNITS):
            return None
        found.append(num[0])
        i += num[1] - 1  # "twenty five" is one number
    return found[0] if len(found) == 1 and 1 <= found[0] <= MAX_LENGTH else None


# "10 is enough", "like 10 is fine", "12 would do": the length wanted
_ENOUGH = frozenset(
    [(a, b) for a in ("is", "would", "will", "should", "seems") for b in
     ("enough", "plenty", "fine", "good", "ok", "okay", "perfect", "better", "do", "be", "max")]
    + [("are", "enough"), ("are", "plenty")]
)  # fmt: skip


def _said_length(words: list[str]) -> int | None:
    """A length said without a track noun: "make it 30", "cut it to 12", "10 is enough", "only 15"."""
    for i in range(len(words)):
        num = number_at(words, i)
        if not num or not words[i].isdigit() and words[i] in ("one",):
            continue
        before = tuple(words[max(0, i - 3) : i])
        after = tuple(words[i + num[1] : i + num[1] + 2])
        if after[:1] and after[0] in V.TIME_UNITS:
            continue  # "make it 99999 hours" is a listening time, read (and bounded) by the extractor
        if before[-1:] and _numbered_at(words, i - 1):
            continue  # "track 1 should be the calmest" names a track, not a length
        if (
            before[-2:] in (("make", "it"), ("cut", "to"), ("it", "to"), ("down", "to"), ("trim", "to"))
            or before[-1:] in (("to",),)
            and any(v in before for v in ("cut", "trim", "make", "keep", "bring"))
            or after[:2] in _ENOUGH
            or before[-2:] in (("the", "best"), ("the", "top"))
            and any(v in words for v in ("cut", "trim", "keep", "down", "only", "just", "shorten"))
            or after[:1] in (("tracks",), ("songs",), ("canciones",))
            and not _complaint_of_many(words[i + num[1] :])
            or before[-1:] in _LENGTH_LEADS
            or after[:2] in _OF_THESE
        ):
            return num[0]
    return None


def _complained_length(c: Clause) -> Plan | None:
    """ "20 songs is too many, 12": the count said before "too many" is the length now; another count is the one
    wanted, else a shorter playlist."""
    words = c.words
    for i in range(len(words)):
        num = number_at(words, i)
        if not num or not _complaint_of_many(words[i + num[1] :]):
            continue
        rest = [n[0] for k in range(len(words)) if not i <= k < i + num[1] and (n := number_at(words, k))]
        if len(rest) == 1 and 1 <= rest[0] <= MAX_LENGTH:
            return Plan([call("resize", length=rest[0], at_most=True)])
        return Plan([call("resize", factor=0.66)]) if not rest else None
    return None


def _complaint_of_many(after: Sequence[str]) -> bool:
    """ "20 songs is too many", "30 tracks are way too long": the length complained about, not the one wanted."""
    return "too" in after[:5] and bool({"many", "much", "long"} & set(after[:6]))


# "i need like 30 of these": that many tracks like the ones there are, in all
_OF_THESE = frozenset(("of", w) for w in ("these", "those", "them", "em", "this", "estas", "estos"))


_KEEP_CUES = _keys(("dont", "do not", "don't", "never", "no need to", "dont need to", "do not need to", "please dont",
                    "pls dont", "no hace falta", "no"))  # fmt: skip


_SHOULD_I = _keys(("should i", "should we", "do you think i should", "do you think we should"))


def rule_should_i_remove(c: Clause) -> Plan | None:
    """ "should i remove the first one?": asked for advice, not told to; the track stays and the reply says how."""
    hit = find(c.words, _REMOVE) if c.has else None
    said = find(c.words[: hit[0]], _SHOULD_I) if hit else None
    if not said or said[0] > 1 or not (pos := _refer(c, hit[0] + hit[1])) or len(pos) != 1 or not 1 <= pos[0] <= c.n:
        return None
    p = c.playlist[pos[0] - 1]
    return Plan.ask(
        "That's your call: "
        f'#{pos[0]} is "{p["title"]}" by {p["artist"]}. Say "remove track {pos[0]}" and it goes, '
        f'or "why track {pos[0]}?" to hear why it is here. Nothing changed.'
    )


def rule_not_removed(c: Clause) -> Plan | None:
    """ "don't remove track 3", "never delete the first one": a removal said with a negation right before its verb
    removes nothing."""
    hit = find(c.words, _REMOVE) if c.has else None
    before = c.words[max(0, hit[0] - 4) : hit[0]] if hit else []
    if not any(tuple(before[k:]) in _KEEP_CUES for k in range(len(before))):
        return None
    return Plan([], notes=["OK, nothing removed: the playlist stays as it is."])


_PLURAL_TRACKS = frozenset({"songs", "tracks", "tunes", "canciones", "temas"})


def _count_of_tracks(rest: Sequence[str]) -> bool:
    """ "3 songs", "two tracks please": a number of tracks, with nothing saying which."""
    num = number_at(rest, 0)
    if not num or num[0] < 2 or rest[num[1] : num[1] + 1] not in ([w] for w in _PLURAL_TRACKS):
        return False
    return all(w in V.CHAT_FILLER or w in _PUNCT for w in rest[num[1] + 1 :])


def rule_remove(c: Clause) -> Plan | None:
    """ "drop track 3", "remove 4 and 7", "kill the last 3", "remove it", "quita la canción 3";
    "drop Martin Garrix", "get rid of everything by Queen" exclude them."""
    hit = find(c.words, _REMOVE)
    end = len(c.words)
    if not hit:
        hit, end = _split_verb(c.words)
    if not hit and c.matches("years") and not c.matches("genre", "mood", "artist", "feature"):
        hit, end = find(c.words, _SWAP_OUT), len(c.words)  # "swap out anything older than 2010": those go
    if not hit and (goes := find(c.words, _GOES)) and not _content(c.words[goes[0] + goes[1] :]):
        hit, end = (0, 0), goes[0]  # "anything older than 2017 has to go": the object comes first
    if not hit and _gone_tail(c):
        hit, end = (0, 0), len(c.words) - 1  # "tracks 3-5 out", "the last two gone": no verb, the places go
    if not hit or _count_of_tracks(c.words[hit[0] + hit[1] : end]):
        return None  # "remove 3 songs": a count, which rule_length cuts; "remove song 3" is a place
    if not c.has:
        return _need_playlist()
    start = hit[0] + hit[1]
    span = (
        make_clause(" ".join(t.orig for t in c.reading.tokens[:end]), c.playlist, c.vocab, c.focus)
        if end < len(c.words)
        else c
    )
    # "the longest song, remove it", "lose the sad one in the middle": one track described
    pos = _described_one(c, hit[0], start, end) or _removed_places(c, span, start)
    if pos is None:  # "drop the slowest one", "get rid of the 3 oldest songs"
        pos = _picked_many(c, start, end) or _object_first(c, hit[0], start, end)
    if pos is None and any(w in ("them", "those", "these", "both", "em") for w in c.words[start:end]):
        pre = [w for w in c.words[: hit[0]] if w not in V.CHAT_FILLER and w not in ("the",)]
        pre = pre[1:] if pre and _is_track_noun(pre[0]) else pre
        pos = _number_list(pre, 0, c.n) or positions(
            c.words[: hit[0]], [p["title"] for p in c.playlist]
        )  # "3 and 5 are awful, get them out"
    if pos:
        named = {fold(a) for a in names_in(span.reading, c.vocab, negated=False, start=start)[0]["artists"]}
        theirs = [k for k, p in enumerate(c.playlist, 1) if fold(str(p.get("artist", ""))) in named]
        pos = sorted({*pos, *theirs}) if theirs else pos  # "kick out the 3rd one and the eminem song"
        return _positional("remove", pos, c.n)
    found, _ = names_in(span.reading, c.vocab, start=start)
    if any(found.values()):
        return Plan([call("exclude", **_nonempty(found))])
    named = _object_artist(span, start)
    if named:  # "take queen out": the object of a removal is a name even in lower case
        return Plan([call("exclude", artists=[named])])
    sounds = _sounds(span, start)
    if sounds:  # "get rid of anything slow": tracks on that side of the feature go
        return Plan([call("exclude", features=sounds)])
    years = [m.value for m in span.matches("years") if m.start >= start]
    if years:  # "remove anything older than 2015" keeps 2015 on; "drop the 80s stuff" leaves the 80s out
        lo, hi = years[0]  # type: ignore[misc]
        if lo is not None and hi is not None:
            return Plan([call("exclude", years=[{"start": lo, "end": hi}])])
        return Plan(
            [call("narrow", year_start=hi + 1 if lo is None else None, year_end=lo - 1 if hi is None else None)]
        )
    return _older_half_out(span, start) or _which_to_remove(c, start)


def _older_half_out(c: Clause, start: int) -> Plan | None:
    """ "lose the old stuff", "get rid of the older songs", "drop the oldies": the playlist's older tracks (those
    before its middle year) go and newer ones take their places, the size kept; None unless old is all it names."""
    said = [m for m in c.matches("relative_years", negated=False) if m.start >= start]
    if not said or str(said[0].value) not in ("old", "oldies") or c.matches("genre", "artist", "mood", "feature"):
        return None
    years = sorted(int(p["year"]) for p in c.playlist if p.get("year"))
    if not years:
        return None
    middle = years[(len(years) - 1) // 2]
    if middle <= years[0]:
        return Plan.ask(
            f"Half the tracks are from {years[0]}, the oldest year here, so none is older than the rest. Say "
            f'"only after {years[0]}" or "only the 2010s" to move it on. Nothing changed.'
        )
    return Plan(
        [call("narrow", year_start=middle, year_end=None)],
        notes=[f"{_OLDER_HALF} (before {middle}, the playlist's middle year) went; newer ones took their places."],
    )


_OLDER_HALF = "The older ones"


def _older_half(plan: Plan) -> bool:
    """Whether the plan is :func:`_older_half_out`'s ("lose the old stuff, only 2015 and up": the years said later
    say which are old)."""
    return bool(plan.notes) and plan.notes[0].startswith(_OLDER_HALF)


def _which_to_remove(c: Clause, start: int) -> Plan:
    """The question a removal that names nothing gets; "remove anything with drums" gets why it can't be done."""
    if played := [w for w in c.words[start:] if w in V.INSTRUMENT_WORDS]:
        return _no_instruments(played[0])
    return Plan.ask(f'Which tracks should I remove? Say a number (1-{c.n}), "the last two", a title or an artist.')


def _object_first(c: Clause, verb: int, start: int, end: int) -> list[int] | None:
    """ "the first one is a bit cringe lol remove": nothing follows the verb, so the track said before it goes;
    never where the verb is negated ("the first one is fine, don't remove", "no need to delete")."""
    if _content(c.words[start:end], [("it", "this", "that")]) or not _names_a_track(c.words[:verb]):
        return None
    if _NOT_REMOVED & set(c.words[max(0, verb - 3) : verb]):
        return None
    return _refer(make_clause(" ".join(t.orig for t in c.reading.tokens[:verb]), c.playlist, c.vocab, c.focus))


_NOT_REMOVED = frozenset({"dont", "don't", "not", "never", "need", "wouldnt", "shouldnt", "cant", "no"})


def _described_one(c: Clause, verb: int, start: int, end: int) -> list[int] | None:
    """The one track a removal describes by a pick word and a track noun in the singular, before the verb with only
    "it" after it ("the longest song, remove it", "the sad one in the middle, lose it") or after the verb ("lose the
    sad one"): the track furthest that way, among the middle third's when "in the middle" is said."""
    words = c.words
    rest = [w for w in words[start:end] if w not in V.PRONOUNS and w not in _IT_TAIL]
    said = (0, verb) if not rest and verb else (start, end)
    if _NOT_REMOVED & set(words[max(0, verb - 3) : verb]):
        return None
    part = words[said[0] : said[1]]
    hit = find(part, _PICK)
    if not hit or hit[0] == 0 or part[hit[0] - 1] not in ("the", "that", "this"):
        return None
    after = part[hit[0] + hit[1] : hit[0] + hit[1] + 1]
    if not after or after[0] not in _ONE_NOUN:
        return None
    field_name, largest = _PICKS[" ".join(part[hit[0] : hit[0] + hit[1]])]
    places = range(1, c.n + 1)
    if find(part, _MIDDLE):
        third = c.n // 3
        places = range(third + 1, c.n - third + 1)
    values = [(c.playlist[k - 1].get(field_name), k) for k in places]
    values = [(v, k) for v, k in values if v is not None]
    if not values:
        return None
    return [(max(values) if largest else min(values, key=lambda v: (v[0], -v[1])))[1]]


_ONE_NOUN = frozenset({"one", "song", "track", "tune", "cancion", "tema"})


def _removed_places(c: Clause, span: Clause, start: int) -> list[int] | None:
    """The places a removal names: "take 2 off the end", "drop track 3"; none where its numbers are years ("quita
    las de los 90", "drop the 2000s stuff")."""
    dated = [m for m in span.matches("years") if m.start >= start]
    digits = [i for i in range(start, len(span.words)) if span.words[i][:1].isdigit()]
    if dated and digits and all(any(m.start <= i < m.end for m in dated) for i in digits):
        return None
    said = c.words[start:]
    numbered = any(_is_track_noun(w) and said[k + 1 : k + 2] and said[k + 1][:1].isdigit() for k, w in enumerate(said))
    if not numbered:  # "remove 2 at the end": 2 off the end ("track 2 at the end" is #2)
        said = [("off" if w == "at" else w) for w in said]
    return _counted_end(said, c.n) or _one_at_edge(said, c.n) or _refer(span, start, verb=True)


_GONE_TAIL = frozenset({"out", "gone", "away"})


def _gone_tail(c: Clause) -> bool:
    """A message of places ending in "out" or "gone" ("tracks 3-5 out", "2 and 7 gone")."""
    words = [w for w in c.words if w not in _PUNCT]
    if len(words) < 2 or words[-1] not in _GONE_TAIL or not c.playlist:
        return False
    return positions(words[:-1], [p["title"] for p in c.playlist], verb=True) is not None


_SWAP_OUT = _keys(("swap out", "switch out", "trade out", "swap", "replace", "cambia", "reemplaza"))
_GOES = _keys(("has to go", "have to go", "has got to go", "have got to go", "gotta go", "can go", "must go",
               "needs to go", "need to go", "should go", "got to go"))  # fmt: skip
_OBJECT_FILLER = frozenset({"the", "some", "something", "all", "any", "more", "of", "songs", "song", "tracks",
                            "track", "stuff", "by", "from", "everything", "anything", "music", "please", "pls", "out",
                            "off", "either", "too", "anymore", "though", "tbh", "now", "ok", "so", "much", "many",
                            "really", "ones", "for", "good", "forever", "again", "ever", "me", "lol", "de", "la",
                            "las", "los", "el", "canciones", "a", "bit", "little", "?", "!", ",", ".", "in",
                            "there", "here", "thx", "kthx", "thanks", "ty", "tysm", "plz", "thnx"})  # fmt: skip


def _object_artist(c: Clause, start: int, end: int | None = None) -> str | None:
    """The artist that the words from ``start`` name exactly, once filler is trimmed ("more future", "the ac dc
    songs"): the verb or cue before them says a name is meant, so a lower-case everyday word may be one."""
    toks = c.reading.tokens[start:end]
    while toks and toks[0].text in _OBJECT_FILLER:
        toks = toks[1:]
    while toks and toks[-1].text in _OBJECT_FILLER:
        toks = toks[:-1]
    if not toks or len(toks) > 6 or any(t.used and t.text.isdigit() for t in toks):
        return None
    if len(toks) == 1 and toks[0].text in V.ARTIST_PRONOUNS and not toks[0].orig.isupper():
        return None  # "less of him" with no one in mind is not the band HIM
    name = " ".join(t.orig for t in toks)
    hit = c.vocab.artists.get(fold(name))
    if hit:
        return hit
    if len(toks) == 1 and not toks[0].orig[:1].isupper() and _everyday(toks[0].text):
        return _playlist_artist(
            c, (toks[0].text,), anywhere=False
        )  # "no skips ever" is not Skip Mahoney  # "nothing too heavy" is not The Heavy; "no more drake" is exact
    found = [m for m in c.vocab.read(f"by {name}").matches if m.kind == "artist"]
    if len(found) == 1 and found[0].start == 1 and found[0].end == len(toks) + 1:
        return str(found[0].value)
    return _playlist_artist(c, tuple(t.text for t in toks))


def _everyday(word: str) -> bool:
    """A dictionary word, or its plural ("skips", "queens"): never a name unless the playlist has it exactly."""
    words = V.dictionary_words()
    return word in words or (len(word) > 3 and word.endswith("s") and (word[:-1] in words or word[:-2] in words))


def _playlist_artist(c: Clause, words: tuple[str, ...], anywhere: bool = True) -> str | None:
    """The one artist of the playlist a first or last name means ("less taylor" with Taylor Swift playing), else
    (``anywhere``) the catalog artist a first name means on this playlist ("throw some stevie in there" on
    old-school r&b: Stevie Wonder, whose tracks share its genres most)."""
    if sum(map(len, words)) < 4 or any(w in V.COMMON_WORDS or w in V.STOPWORDS or w.isdigit() for w in words):
        return None
    n = len(words)
    names = {
        p["artist"]
        for p in c.playlist
        if (key := tuple(t.text for t in V.tokenize(p["artist"])))[:n] == words or key[-n:] == words
    }
    if len(names) == 1:
        return names.pop()
    if names or n != 1 or not c.playlist or not anywhere:
        return None
    opened = c.vocab.first_names.get(words[0], [])
    held = _genre_counts(c.playlist)

    def fit(name: str) -> float:
        mine = c.vocab.genres_of(name)
        total = sum(mine.values()) or 1
        return sum(k * held.get(g, 0) for g, k in mine.items()) / total

    ranked = sorted(((fit(a), a) for a in opened), reverse=True)
    if len(ranked) == 1 or (len(ranked) > 1 and ranked[0][0] > 0 and ranked[0][0] > 1.5 * ranked[1][0]):
        return ranked[0][1]
    return None


def _split_verb(words: Sequence[str]) -> tuple[tuple[int, int] | None, int]:
    """A removal verb whose particle follows its object ("take Beyonce out", "get them out", "cross it off"):
    ((verb index, 1), index of the particle), or (None, 0)."""
    for i, w in enumerate(words):
        if w in V.SPLIT_REMOVE_VERBS:
            for k in range(i + 2, min(len(words), i + 7)):
                if words[k] in V.SPLIT_REMOVE_PARTICLES:
                    return (i, 1), k
                if words[k] in V.CLAUSE_JOINERS and words[k] != ",":
                    break
    return None, 0


def _sounds(c: Clause, start: int = 0) -> list[dict[str, str]]:
    """The sides of features a removal names ("anything slow" -> tempo low), as exclusions."""
    out = []
    for m in c.matches("feature"):
        if m.start < start or not isinstance(m.value[1], str):  # type: ignore[index]
            continue
        feat, way = m.value  # type: ignore[misc]
        side = "high" if way in ("high", "not_low") else "low"
        if {"feature": feat, "side": side} not in out:
            out.append({"feature": feat, "side": side})
    return out


_AT_END = re.compile(r"\b(?:at|to|on)\s+the\s+(?:end|bottom)\b|\bal\s+final\b"
                     r"|\b(?:for|para)\s+(?:when|cuando|after)\b.*$"
                     r"|\b(?:but|and)?\s*keep\s+(?:(?:it|them|em|'em)\s+in\s+(?:that|the\s+same|this)\s+order|the\s+order)\b",
                     re.IGNORECASE)  # fmt: skip


def rule_grow(c: Clause) -> Plan | None:
    """ "add 10 more", "5 more like these", "a few more songs please", "another 6", "add 5", "agrega 5 más"."""
    words = c.words
    if find(words, _GROW) and (trimmed := _AT_END.sub(" ", c.raw)) != c.raw and trimmed.strip():
        # "add some sad ones at the end for when i calm down": added tracks go at the end anyway; what the
        # time after "for when" holds is no part of the ask
        plan = read_clause(make_clause(trimmed, c.playlist, c.vocab, c.focus, c.last))
        placed = re.search(r"\b(?:end|bottom|final)\b", c.raw, re.IGNORECASE)
        for a in plan.actions:  # "add some sad ones at the end": said where they go, they come on top of the rest
            if placed and a["name"] == "widen" and not a["args"].get("count"):
                a["args"]["count"] = amount_in(V.key(trimmed)) or V.AMOUNT_WORDS["some"]
        return plan if plan.actions else None
    more = find(words, _MORE_COUNT)
    grow = find(words, _GROW)
    if more and find(words, _NEGATION) and find(words, _NEGATION)[0] < more[0]:  # "no more Drake"
        return None
    going = find(words, _GOING)
    if not (more or grow or going):
        return None
    like = find(words, _LIKE_THESE)
    drop = [p for p in (more, grow, like, going) if p]
    rest = _content(
        words,
        [words[i : i + k] for i, k in drop]
        + [
            (
                "keep",
                "going",
                "give",
                "me",
                "throw",
                "in",
                "how",
                "what",
                "about",
                "new",
                "fresh",
                "different",
                "other",
                "exactly",
                "precisely",
                "just",
            )
        ],
    )
    rest = [w for w in rest if w not in _AMOUNT_WORDS]
    named = c.matches("genre", "mood", "artist", "years", "feature", "activity", "other_genre")
    if named and c.has and not find(words, _NEGATION) and (count := _added_count(c)):
        # "add a few more chill ones", "3 more latin songs": that many of it at the end, every track stays
        inside = {k for m in named for k in range(m.start, m.end)}
        found, unknown = names_in(c.reading, c.vocab, negated=False)
        unknown = [w for w in unknown if not (find([w], _GROW) or find([w], _MORE_COUNT))]
        left = [w for k, w in enumerate(words) if k not in inside and w in rest]
        if any(found.values()) and not unknown and not left and not c.matches("years"):
            return Plan([call("widen", **_nonempty(found), count=count)])
        counted = more and "another" not in words[more[0] : sum(more)]  # "another slow one" is a gripe (x58)
        if (grow or counted) and (toward := _toward_said(named)) and not any(found.values()):
            # "add 3 faster songs" (conv5), "a few more slow ones": that many more of that sound
            return Plan([call("more", count=count, toward=toward)])
    if not named and rest and c.has and not find(words, _NEGATION) and (count := _added_count(c)):
        if moods := _situation_moods(c, rest):  # "a few more girl power songs": the mood the words suggest
            return Plan([call("widen", moods=moods, count=count)])
    if rest or named:
        return None
    count = amount_in(words)
    if count is None and not more and not going and grow and not like:
        return None  # "add" alone: add what?
    if not c.has:
        return _need_playlist()
    return Plan([call("more", count=count if count is not None else MORE_DEFAULT)])


def _situation_moods(c: Clause, rest: Sequence[str]) -> list[str]:
    """The moods the words of a situation suggest ("girl power", "empowering", "rainy day"), when the clause's other
    words are only music nouns: what "a few more girl power songs" asks more of."""
    moods: list[str] = []
    said: set[str] = set()
    k = 0
    while hit := find(c.words, _SITUATION_KEYS, k):
        cue = tuple(c.words[hit[0] : hit[0] + hit[1]])
        if set(cue) & V.HOLIDAY_WORDS:
            return []  # "christmas songs": the season's own tracks, which a mood would leave out
        moods += [m for m in V.CONTEXT_CUES[_SITUATIONS[cue]][0] if m not in moods]
        said |= set(cue)
        k = hit[0] + hit[1]
    left = [w for w in rest if w not in said and w not in V.MUSIC_NOUNS and w not in _MOOD_ALONE_FILLER]
    return [] if [w for w in left if w not in V.COMMON_WORDS] else moods  # ("rainy day": "day" is common)


_SITUATIONS = {V.key(k): k for k in V.CONTEXT_CUES}
_SITUATION_KEYS = sorted(_SITUATIONS, key=len, reverse=True)


_VERSION_OF = _keys(("version of this", "version of it", "version of that", "version of the playlist",
                     "version of this playlist", "version of these", "version", "versión", "version de esta",
                     "take on this", "take on it", "edit of this"))  # fmt: skip


_VERSION_KEYS = {V.key(k): v for k, v in V.VERSION_WORDS.items()}
_VERSION_CUES = _keys(("no", "not", "without", "sin", "skip", "none of the", "nothing", "hate", "dont like",
                       "dont want", "sick of", "tired of", "cant stand", "enough", "fewer", "less", "odio",
                       "ugh", "too many", "so many")) + _REMOVE  # fmt: skip


_THE_REST = _keys(("the rest", "the others", "everything else", "all the rest", "all the others", "anything else",
                    "the other ones", "the other songs", "the remaining ones", "all else", "lo demas",
                    "las demas"))  # fmt: skip


def rule_drop_rest(c: Clause) -> Plan | None:
    """ "more of the acoustic ones, drop the rest", "keep the rock ones and lose the others": only what was named
    before the removal stays (a narrowing), never a removal of what was named."""
    rest, verb = find(c.words, _THE_REST), find(c.words, _REMOVE)
    if not c.has or not rest or not verb or verb[0] > rest[0] or _refer(c) is not None:
        return None
    head = make_clause(" ".join(t.orig for t in c.reading.tokens[: verb[0]]), c.playlist, c.vocab)
    found, _ = names_in(head.reading, c.vocab, negated=False)
    if "acoustic" in head.words and "acoustic" not in found["moods"]:
        found["moods"].append("acoustic")  # "the acoustic ones": the mood, said as a version
    years = head.reading.query.years if head.matches("years", negated=False) else None
    span = {"year_start": years.start, "year_end": years.end} if years else {}
    if not any(found.values()) and not span:
        return None
    return Plan([call("narrow", **_nonempty(found), **span)])


_LIVE_NOUNS = frozenset({"songs", "tracks", "stuff", "performances", "recordings", "shows", "concerts"})


def rule_versions(c: Clause) -> Plan | None:
    """ "no remixes please", "no live versions", "get rid of the remixes", "only the originals": versions that a
    title's tail names leave the playlist (replaced); "live" or "acoustic" alone stays a sound, not a version."""
    if not c.has:
        return None
    words = c.words
    originals = "originals" in words or ("original" in words and find(words, _ONLY))
    kinds = []
    for i, w in enumerate(words):
        kind = _VERSION_KEYS.get((w,))
        if w == "feature" and i and words[i - 1] in ("a", "with"):  # "anything with a feature" (a verb elsewhere)
            kind = "feature"
        # "no collabs", "no feat. tracks", "no intros or interludes": those words name nothing but a version
        plural = (w.endswith(("es", "ed", "s")) and kind in ("remix", "remaster")) or kind in ("feature", "interlude")
        nxt = words[i + 1] if i + 1 < len(words) else ""
        noun = nxt in V.VERSION_NOUNS or (kind == "live" and nxt in _LIVE_NOUNS)  # "no live songs": recordings
        if kind and (plural or noun) and kind not in kinds:
            kinds.append(kind)
    if originals:
        kinds = kinds or ["remix", "live"]  # a remaster is the original recording
    if not kinds or not (originals or find(words, _VERSION_CUES)):
        return None
    return Plan([call("exclude", versions=kinds)])


def rule_english(c: Clause) -> Plan | None:
    """ "only english songs", "english only please", "solo en inglés": the catalog knows no language, but its Latin
    genre is its Spanish-language music, so that goes (the reply says so)."""
    said = [i for i, w in enumerate(c.words) if w in V.ENGLISH_WORDS]
    if not c.has or not said or c.matches(negated=True) or "latin" not in c.vocab.genres:
        return None
    near = c.words[max(0, said[0] - 3) : said[0] + 2]
    gone = set(near) & {"no", "without", "sin", "nothing", "zero"} or find(c.words[: said[0]], _REMOVE)
    if gone:  # "no english songs", "quita las canciones en ingles": the Spanish-language ones
        return Plan([call("narrow", genres=["latin"])], notes=[_NO_LANGUAGE])
    if set(near) & {"less", "fewer", "menos"}:
        return Plan([call("widen", genres=["latin"])], notes=[_NO_LANGUAGE])
    if set(near) & {"more", "mas"}:
        return Plan([call("lessen", genres=["latin"])], notes=[_NO_LANGUAGE])
    if not (set(near) & {"only", "just", "solo", "solamente", "all"} or find(near, _ONLY)):
        return None
    return Plan([call("exclude", genres=["latin"])])


_NO_LANGUAGE = "The catalog doesn't know the language a song is sung in; its latin genre is its Spanish-language music."


def rule_other_language(c: Clause) -> Plan | None:
    """ "is possible to have more of french songs?", "no german songs": the catalog knows no language, so it says
    so rather than failing to read the ask or making a playlist of the word (probe20)."""
    said = [V.OTHER_LANGUAGES[w] for w in c.words if w in V.OTHER_LANGUAGES]
    if not c.has or not said or c.matches(*_CONTENT_KINDS, "other_genre"):
        return None  # "french montana", "german techno": a name or a genre said with it
    return Plan.ask(
        f"The catalog doesn't know the language a song is sung in, so I can't pick {said[0]} songs; its latin genre "
        "is its Spanish-language music. Nothing changed."
    )


def rule_version(c: Clause) -> Plan | None:
    """ "can you make a workout version of this", "a chill version of it", "una versión más tranquila": the same
    playlist moved the way that mood or activity sounds, never a new playlist that forgets what it was."""
    hit = find(c.words, _VERSION_OF)
    if not c.has or not hit or c.matches("genre", "artist", "years", "length", "duration", "other_genre"):
        return None
    if find(c.words, _keys(V.REMOVE_VERBS)) or c.matches(negated=True):
        return None  # "no live versions", "drop the remix version": about a track's version
    moves: dict[str, int] = {}
    for m in c.matches("mood", "activity", "feature", negated=False):
        mood = V.ACTIVITY_MOODS.get(str(m.value)) if m.kind == "activity" else m.value
        ways = _directions(m) if m.kind == "feature" else V.MOOD_DIRECTIONS.get(str(mood), ())
        for feature, way in ways:
            moves.setdefault(feature, 1 if way == "high" else -1)
    if not moves:
        return None
    return Plan([call("adjust", feature=f, direction="up" if d > 0 else "down") for f, d in moves.items()])


_COPULAS = frozenset({"is", "s", "feels", "sounds", "seems", "are", "r", "was", "its"})


def rule_track_too(c: Clause) -> Plan | None:
    """ "the 5th song is too upbeat", "track 3 is way too slow", "the first one is too long": that track gives way
    to another, the rest stays (the playlist as a whole is not moved or cut)."""
    if not c.has or "too" not in c.words or c.matches("genre", "artist", "years", "length", "duration"):
        return None
    cop = next((i for i, w in enumerate(c.words) if w in _COPULAS), None)
    if cop is None or cop + 1 >= len(c.words):
        return None
    said = c.words[:cop]
    pos = positions(said, [p["title"] for p in c.playlist], verb=len(said) == 1 and said[0].isdigit())  # "3 is too"
    if not pos or len(pos) > 3 or "too" not in c.words[cop:]:
        return None
    # "track 3 is too slow": its replacement is faster, as "too slow" alone moves the playlist
    tail = read_clause(make_clause(" ".join(t.orig for t in c.reading.tokens[cop + 1 :]), c.playlist, c.vocab))
    moves = [a["args"] for a in tail.actions if a["name"] == "adjust" and a["args"]["feature"] in _SWAP_FEATURES]
    steer = {"feature": moves[0]["feature"], "direction": moves[0]["direction"]} if moves else {}
    return _positional("replace", pos, c.n, **steer)


def rule_relative(c: Clause) -> Plan | None:
    """ "more upbeat", "a bit slower", "calmer", "less sad", "newer stuff", "algo más tranquilo",
    "too many slow ones, pick up the pace": features moved from where the playlist is."""
    if not c.has or c.matches(
        "genre", "artist", "years", "activity", "length", "duration", "other_genre", negated=False
    ):
        return None
    words = c.words
    recent = [m for m in c.matches("relative_years", negated=False) if words[m.start : m.end] != ["new"]]
    if find(words, _ALSO) and recent and not c.matches("feature", "mood"):
        return None  # "throw in some oldies", "add some recent stuff": some of those years join (rule_widen)
    oldies = [m for m in c.matches("relative_years") if m.value == "oldies" and m.negated]
    if oldies and len(c.reading.matches) == len(oldies):  # "no oldies": an exclusion of what the word means
        lo, hi = V.OLDIES_YEARS
        return Plan([call("exclude", years=[{"start": lo, "end": hi}])])
    moves = _relative_moves(c)
    if not moves:
        only = find(words, _ONLY)
        if only and _filler_before(words, only[0]) or "keep only" in " ".join(words):
            return None  # "only the happy ones", "keep only the chill ones": rule_narrow keeps just those
        moves = _mood_alone(c)
    if not moves:
        moves = _situation_moves(c)
    if not moves:
        return None
    amount = _amount_word(words)
    return Plan(
        [call("adjust", feature=f, direction="up" if d > 0 else "down", amount=amount) for f, d in moves.items()]
    )


def _relative_moves(c: Clause) -> dict[str, int]:
    """Each feature's way (+1 up, -1 down) of the relative words said; where two disagree, the one said as a change
    wins ("these are very loud, find some softer ones": "softer"), else the first said."""
    words = c.words
    moves: dict[str, tuple[int, int]] = {}
    spans = [(m.start, m.end) for m in c.matches("feature")]
    for m in c.reading.matches:
        sign = _relative_sign(m, words, spans)
        if sign is None or (m.kind == "relative_years" and _new_songs(words, m.start, m.end)):
            continue
        change = _said_as_change(words, m.start, m.end)
        for feature, way in _directions(m):
            if feature not in moves or change > moves[feature][1]:
                moves[feature] = (sign * (1 if way == "high" else -1), change)
    return {f: d for f, (d, _) in moves.items()}


_CHANGE_LEADS = frozenset({"more", "less", "fewer", "mas", "menos", "too", "bit", "little", "lil", "way", "tad"})


def _said_as_change(words: Sequence[str], start: int, end: int) -> int:
    """1 when a relative word is said as a change ("softer", "newer", "more chill", "too old"), 0 when it only
    describes ("these are very loud")."""
    last = words[end - 1] if end > start else ""
    command = " ".join(words[start:end]) in V.DIRECTION_COMMANDS  # "speed it up", "tone it down"
    return int(command or (len(last) > 4 and last.endswith("er")) or (start > 0 and words[start - 1] in _CHANGE_LEADS))


_MOOD_ALONE_FILLER = frozenset(
    {
        "whole",
        "thing",
        "entire",
        "if",
        "possible",
        "make",
        "it",
        "go",
        "keep",
        "get",
        "something",
        "bit",
        "little",
        "rather",
        "somewhat",
        "way",
        "more",
        "mas",
        "algo",
        "hazla",
        "ponla",
        "vibe",
        "vibes",
        "feel",
        "ponme",
        "pon",
        "dame",
        "give",
        "me",
        "put",
        "play",
        "want",
        "need",
        "quiero",
    }
)


def _alone_moods(c: Clause) -> list[str]:
    """The moods of a clause that says a mood and nothing else ("make it chill", "no vocals if possible")."""
    moods = c.matches("mood", negated=False)
    if not c.has or not moods or len(c.reading.matches) != len(moods):
        return []
    said = {k for m in moods for k in range(m.start, m.end)}
    rest = _content([w for k, w in enumerate(c.words) if k not in said])
    return [] if [w for w in rest if w not in _MOOD_ALONE_FILLER] else [str(m.value) for m in moods]


def _mood_alone(c: Clause) -> dict[str, int]:
    """ "make it chill", "happy please": a playlist and a mood, and nothing else said, move the playlist toward
    the mood rather than start another one."""
    moods = c.matches("mood", negated=False) if _alone_moods(c) else []
    moves: dict[str, int] = {}
    for m in moods:
        if str(m.value) in V.BINARY_MOODS:
            return {}  # "no vocals": a track has them or not, so the playlist narrows (rule_narrow)
        for feature, way in V.MOOD_DIRECTIONS.get(str(m.value), ()):
            moves.setdefault(feature, 1 if way == "high" else -1)
    return moves


def _situation_moves(c: Clause) -> dict[str, int]:
    """ "more like background music", "less party vibes": more (less) of the moods a situation's words suggest, said
    of a playlist, move its sound that way rather than start another one."""
    more, less = find(c.words, _MORE), find(c.words, _LESS)
    lead = more or less
    if c.has and not c.reading.matches and (state := _sound_state(c.words)):
        sign = -1 if less and not more else 1  # "angry songs", "less angry": the sound the state has
        return {feature: sign * (1 if way == "high" else -1) for feature, way in state}
    if not c.has or not lead or c.reading.matches:
        return {}
    rest = [w for w in c.words if w not in _MORE_LESS[0] | _MORE_LESS[1] and w not in ("like", "hmm", "ok", "please")]
    sign = -1 if less and not more else 1
    moves: dict[str, int] = {}
    for mood in _situation_moods(c, rest):
        for feature, way in V.MOOD_DIRECTIONS.get(mood, ()):
            moves.setdefault(feature, sign * (1 if way == "high" else -1))
    return moves


_STATE_FILLER = frozenset({"like", "hmm", "ok", "okay", "please", "pls", "ones", "stuff", "now", "instead", "some"})


def _sound_state(words: Sequence[str]) -> tuple[tuple[str, str], ...]:
    """The sound of a state said alone ("angry songs", "more rage"): vocab.CONTEXT_SOUNDS' directions, else ()."""
    rest = [
        w
        for w in words
        if w not in _MORE_LESS[0] | _MORE_LESS[1]
        and w not in _MOOD_ALONE_FILLER
        and w not in V.MUSIC_NOUNS
        and w not in _STATE_FILLER
    ]
    return V.CONTEXT_SOUNDS.get(" ".join(rest), ())


def _directions(m: "Match") -> tuple[tuple[str, str], ...]:
    if m.kind == "feature" and isinstance(m.value[1], str):  # type: ignore[index]
        feat, way = m.value  # type: ignore[misc]
        return ((feat, "high" if way in ("high", "not_low") else "low"),)
    if m.kind == "mood":
        return V.MOOD_DIRECTIONS.get(str(m.value), ())
    if m.kind == "relative_years" and m.value in ("recent", "old", "oldies"):
        return (("year", "high" if m.value == "recent" else "low"),)
    if m.kind == "popularity":
        return (("popularity", "high" if m.value == "popular" else "low"),)
    return ()


def _relative_sign(m: "Match", words: list[str], feature_spans: list[tuple[int, int]]) -> int | None:
    """+1 to move the way the phrase says, -1 the other way ("less sad", "too many slow ones"), None if not relative."""
    lo = max(0, m.start - 3)
    lo = max([lo] + [k + 1 for k in range(lo, m.start) if words[k] in _PUNCT])  # "too old, newer": a new ask
    before = words[lo : m.start]
    less = bool(find(before, _LESS) or find(before, _NOT_SO))  # "less sad", "no tan viejo"
    more = bool(find(before, _MORE))
    # "the slow ones are boring", "sick of sad songs": less of what is complained about
    less = less or bool(find(before, _COMPLAINT) or find(words[m.end : m.end + 4], _COMPLAINT))
    if m.kind == "mood":
        if any(s <= m.start < e for s, e in feature_spans):  # "upbeat" is read as its features
            return None
        # "not that sad", "not so sad": a degree of the mood, so less of it; "no more sad songs" is an exclusion
        degree = m.negated and m.cue == "not" and m.start > 0 and words[m.start - 1] in ("so", "that", "too", "as")
        if m.negated and m.cue not in ("less", "menos") and not degree:
            return None
        if not (more or less or m.negated):
            return None
        return -1 if less or m.negated else 1
    if m.kind == "feature":
        if not isinstance(m.value[1], str):  # type: ignore[index]
            return None  # a BPM bound is a new constraint, not a move
        if " ".join(words[m.start : m.end]) in V.DIRECTION_COMMANDS:  # "too much now, tone it down"
            return -1 if m.negated and m.cue in ("dont", "don't", "not", "never") else 1
        flip = m.negated or less
        return -1 if flip else 1
    if m.kind == "relative_years":
        return -1 if m.negated or less else 1
    if m.kind == "popularity" and (more or less or m.negated):  # "less popular n more chill": beside other moves
        return -1 if less or m.negated else 1
    return None


def rule_lessen(c: Clause) -> Plan | None:
    """ "less rap", "a bit less latin", "too much Drake", "fewer edm songs", "menos reggaeton": about half of those
    tracks give way to others that fit the request (unlike "no rap", some stay)."""
    if not c.has:
        return None
    names = [
        m
        for m in c.matches("genre", "artist", "years")
        if (m.negated and m.cue in ("less", "menos", "fewer"))
        or find(c.words[max(0, m.start - 4) : m.start], _LESS_THAN)
        or _less_sounding(c.words, m.start)
        or _too_much(c.words[m.end : m.end + 5])  # "the weeknd is too much"
    ]
    if not names or len(names) != len(c.matches("genre", "artist", "years", "mood", "activity")):
        return None
    found: dict[str, list[Any]] = {"artists": [], "genres": [], "subgenres": [], "years": []}
    for m in names:
        if m.kind == "artist":
            found["artists"].append(str(m.value))
        elif m.kind == "years":  # "less 2010s stuff": some of that decade stays
            lo, hi = m.value  # type: ignore[misc]
            if lo is None or hi is None:
                return None
            found["years"].append({"start": lo, "end": hi})
        else:
            g, sub = m.value  # type: ignore[misc]
            if sub and sub in c.vocab.subgenres:
                found["subgenres"].append(sub)
            elif g in c.vocab.genres:
                found["genres"].append(g)
    if found["artists"] and set(c.words) & _SOUND_WORDS:  # "too much usher vibes": their sound too
        return Plan([call("lessen", **_nonempty(found), sound=True)])
    return Plan([call("lessen", **_nonempty(found))]) if any(found.values()) else None


_SOUND_WORDS = frozenset({"vibes", "vibe", "sound", "sounds", "sounding", "similar", "type", "kinda", "style"})
_SOUNDING_LIKE = frozenset(
    {
        "songs",
        "song",
        "tracks",
        "stuff",
        "ones",
        "music",
        "that",
        "which",
        "sound",
        "sounds",
        "like",
        "of",
        "the",
        "similar",
        "to",
        "kinda",
        "kind",
        "type",
        "vibes",
        "sounding",
    }
)


def _less_sounding(words: Sequence[str], start: int) -> bool:
    """ "fewer songs that sound like drake", "less stuff similar to usher": "less" said of the name, past the words
    of what sounds like it."""
    k = next((i for i in range(start - 1, -1, -1) if words[i] not in _SOUNDING_LIKE), None)
    return k is not None and k < start - 1 and words[k] in ("less", "fewer", "menos")


_TOO_MUCH = _keys(("is too much", "is a bit much", "is way too much", "is a lot", "is overkill", "are too much",
                    "is too repetitive", "is getting old", "too much", "overload"))  # fmt: skip


def _too_much(after: Sequence[str]) -> bool:
    """Whether the words right after a name say there is too much of it ("the weeknd is too much")."""
    hit = find(after, _TOO_MUCH)
    return bool(hit) and hit[0] <= 1


_LESS_THAN = _keys(("too much", "too many", "fewer", "less", "menos", "not so much", "not as much", "way too much",
                    "thats a lot of", "theres a lot of", "its a lot of", "thats so much", "so much", "so many",
                    "sick of", "tired of", "enough of", "demasiado", "demasiada",
                    # "pero no tanto daddy yankee", "not that much drake": some stay, fewer of them
                    "no tanto", "no tanta", "no tantos", "no tantas", "not that much", "not that many"))  # fmt: skip


def rule_years_not_years(c: Clause) -> Plan | None:
    """ "make that 2000s not 2010s": the years said first, not the ones denied after them."""
    if not c.has:
        return None
    said = [m for m in c.matches("years") if not m.negated]
    denied = [m for m in c.matches("years") if m.negated]
    if not said or not denied or said[0].start > denied[0].start:
        return None
    lo, hi = said[0].value  # type: ignore[misc]
    return Plan([call("narrow", year_start=lo, year_end=hi)])


def rule_exclude(c: Clause) -> Plan | None:
    """ "no Drake", "no rap or edm", "sin reggaeton", "anything but the 70s", "nothing from the nineties",
    "no songs from before 2000" (open years said negatively narrow instead)."""
    if not c.has:
        return None
    negated = c.matches(negated=True)
    if not negated:
        cue = find(c.words, _NEGATION)
        if cue and any(c.reading.tokens[k].used for k in range(cue[0], cue[0] + cue[1])):
            cue = None  # "no vocals" is a mood, "no more than 2 per artist" a cap
        if cue and c.words[cue[0] : cue[0] + 2] in (["no", "wait"], ["no", "sorry"], ["no", "actually"], ["no", ","]):
            return None  # "no wait i meant r&b": a correction, not an exclusion
        pointed = cue and c.words[cue[0]] != "no" and _filler_before(c.words, cue[0])  # "no 5" may be a number
        pos = _refer(c, cue[0] + cue[1]) if pointed else None
        if pos:  # "nope, not #5", "not the last one": that track goes
            return _positional("remove", pos, c.n)
        named = _object_artist(c, cue[0] + cue[1]) if cue else None
        if named:  # "no more future", "less drake": an exact name after the cue
            less = c.words[cue[0]] in ("less", "menos", "fewer")
            return Plan([call("lessen" if less else "exclude", artists=[named])])
        if cue and _filler_before(c.words, cue[0]) and c.words[cue[0]] != "less":
            rest = " ".join(t.orig for t in c.reading.tokens[cue[0] + cue[1] :]).strip()
            if rest and not c.matches("feature", "relative_years"):
                return _unknown_gone(c, cue[0], rest)
        return None
    found, _ = names_in(c.reading, c.vocab, negated=True)
    years = [m.value for m in negated if m.kind == "years"]
    closed = [{"start": lo, "end": hi} for lo, hi in years if lo is not None and hi is not None]  # type: ignore[misc]
    acts: list[dict[str, Any]] = []
    if any(found.values()) or closed:
        acts.append(call("exclude", **_nonempty(found), **({"years": closed} if closed else {})))
    q = c.reading.query
    if q.years is not None and any(lo is None or hi is None for lo, hi in years):  # type: ignore[misc]
        acts.append(call("narrow", year_start=q.years.start, year_end=q.years.end))
    styles = [m for m in negated if m.kind == "genre" and _style_only(c.reading, m, c.vocab.subgenres)]
    if not acts and styles and c.matches("genre", negated=False):
        return None  # "no bachata, mejor reggaeton": the genre asked for is the ask
    if not acts and styles:
        said = " ".join(t.orig for t in c.reading.tokens[styles[0].start : styles[0].end])
        return Plan.ask(
            f"This catalog has no {said} label, so I can't leave {said} out by style; name its artists instead "
            '("no <artist>"). Nothing changed.'
        )
    other = [m for m in negated if m.kind == "other_genre"]
    if not acts and other:
        said = " ".join(t.orig for t in c.reading.tokens[other[0].start : other[0].end])
        return Plan.ask(f"There is no {said} in this catalog, so none will play. Nothing changed.")
    if not acts:
        what = " ".join(t.orig for t in c.reading.tokens if not t.used and t.text not in V.STOPWORDS).strip()
        return Plan.ask(
            f'I don\'t know "{what or c.raw}" as an artist, genre, mood or years in the catalog; who or what should go?'
        )
    return Plan(acts)


def _unknown_gone(c: Clause, cue: int, rest: str) -> Plan:
    """The question an exclusion of nothing known gets; "no drums" gets why it can't be done."""
    if played := [w for w in c.words[cue:] if w in V.INSTRUMENT_WORDS]:
        return _no_instruments(played[0])
    return Plan.ask(f'I don\'t know "{rest}" as an artist, genre, mood or years in the catalog; who or what should go?')


def _more_of_years(words: Sequence[str], start: int) -> bool:
    """ "more 90s", "more of the 2000s stuff", "mas de los 2000": "more" right before the years ("prefer more old songs,
    from the 90s" asks for the 90s, not more of them)."""
    k = start - 1
    while k >= 0 and words[k] in ("of", "from", "the", "de", "los", "las", "del"):
        k -= 1
    return k >= 0 and words[k] in ("more", "mas") and "than" not in words


def _counted_more(words: Sequence[str]) -> int | None:
    """How many "a few more from the 80s", "a couple more 2000s songs", "3 more from the 90s" add: an amount said
    right before "more"."""
    k = next((i for i, w in enumerate(words) if w in ("more", "mas")), None)
    if k is None or k == 0 or not (words[k - 1] in _AMOUNT_WORDS or number_at(words, k - 1)):
        return None
    return amount_in(words[max(0, k - 3) : k]) or MORE_DEFAULT


def _filler_before(words: Sequence[str], k: int) -> bool:
    return all(w in V.CHAT_FILLER or w == "," for w in words[:k])


_SUBJECTS = frozenset({"i", "we", "you", "he", "she", "they", "ive", "weve", "theyve", "im", "were", "shes", "hes"})
_ONLY_HAVE = frozenset({"have", "got", "get", "need", "tenemos", "temos", "hay", "tengo", "tenho"})


def _only_have_time(c: Clause) -> Plan | None:
    """ "so we only have about two hours of music", "we just have room for 20 songs": the length to fit, said in
    a story whose other words (the dinner, the venue) are no ask; None unless a time or count follows the cue."""
    words = c.words
    cue = next(
        (k for k, w in enumerate(words) if k and w in _ONLY_HAVE and words[k - 1] in ("only", "just", "solo")), None
    )
    said = [m for m in c.matches("duration", "length") if cue is not None and m.start > cue]
    if not c.has or not said:
        return None
    m = said[0]
    return Plan([call("resize", **({"minutes": float(m.value)} if m.kind == "duration" else {"length": int(m.value)}))])


def rule_narrow(c: Clause) -> Plan | None:
    """ "only 90s", "only rock", "just stuff from before 2000", "from 2012 on", "hmm actually the 2000s",
    "solo de los 2000": keep only these; years alone narrow too."""
    if not c.has:
        return None
    words = c.words
    only = find(words, _ONLY)
    if only and words[only[0]] == "just" and find(words[sum(only) : sum(only) + 2], _ALSO):
        only = None  # "just add 2 more from the 2000s": "just" is filler before the verb, no "only"
    if only and words[only[0]] == "just" and only[0] and words[only[0] - 1] in _SUBJECTS:
        only = None  # "we just found out the venue ...": "just" says when, after its subject
    if only and _only_have_time(c):
        return None  # "so we only have about two hours of music": a listening time (rule_length), not "only X"
    years = [m for m in c.matches("years", negated=False)]
    if years and not only and (find(words, _ALSO) or _some_too(c)):  # "add some 80s", "put some 80s in there"
        return None
    q = c.reading.query
    if years and not only and q.years is not None and (more := _counted_more(words)):
        return Plan([call("widen", year_start=q.years.start, year_end=q.years.end, count=more)])
    if years and not only and q.years is not None and _more_of_years(words, years[0].start):
        return Plan([call("widen", year_start=q.years.start, year_end=q.years.end)])  # "more 90s": some swapped in
    found, unknown = names_in(c.reading, c.vocab, negated=False)
    binary = [m for m in _alone_moods(c) if m in V.BINARY_MOODS]
    if binary and not only and not years:  # "no vocals if possible", "acoustic please"
        return Plan([call("narrow", moods=binary)])
    if not only and (not years or any(found.values()) or c.matches("feature", "activity", "popularity")):
        return None
    acts: list[dict[str, Any]] = []
    clash = [u for u in q.unsupported if u.startswith(("conflicting years", "an empty year range"))]
    if clash:
        return Plan.ask(f"Those years contradict each other ({clash[0]}); which do you want? Nothing changed.")
    if years and q.years is not None:
        acts.append(call("narrow", year_start=q.years.start, year_end=q.years.end))
    if any(found.values()):
        if acts:
            acts[0]["args"].update(_nonempty(found))
        else:
            acts.append(call("narrow", **_nonempty(found)))
    unknown = [w for w in unknown if w not in ("old", "new", "ones", "later", "earlier", "stuff")]
    if unknown and not acts:
        return Plan.ask(
            f'Only what? I don\'t know "{" ".join(unknown)}" as an artist, genre, mood or years in the catalog.'
        )
    return Plan(acts) if acts else None


# "actually make it rap", "how about hip hop instead", "switch it to latin": another genre for the same occasion
_SWITCH_LEADS = _keys(("make it", "make this", "make that", "switch to", "switch it to", "switch it up to",
                       "change it to", "change to", "change that to", "change this to", "turn it into", "go with",
                       "how about", "what about", "how bout", "lets do", "let us do", "do", "try", "rather",
                       "id rather have", "cambialo a", "mejor", "i meant", "meant", "i mean"))  # fmt: skip
_SWITCH_TAILS = _keys(("instead", "instead then", "then instead", "rather", "en vez", "mejor"))
_SWITCH_FILLER = frozenset({"actually", "ok", "okay", "nah", "no", "hmm", "wait", "um", "maybe", "just", "then", "so",
                            "well", "a", "the", "songs", "music", "stuff", "tracks", "please", "pls", "genre",
                            "same", "but", "vibes", "kind", "of", "version"})  # fmt: skip


_INSTEAD_OF = _keys(("instead of", "rather than", "in place of", "en vez de", "en lugar de"))


def rule_instead_of(c: Clause) -> Plan | None:
    """ "can we do 90s instead of 80s", "rock rather than pop": what comes before the cue replaces what follows it
    (before: only the second was left out)."""
    hit = find(c.words, _INSTEAD_OF) if c.has else None
    if not hit:
        return None
    before = [m for m in c.reading.matches if m.end <= hit[0]]
    pos = positions(c.words[sum(hit) :], [p["title"] for p in c.playlist], verb=True)
    if pos and all(m.kind in ("genre", "artist", "mood") for m in before):  # "something else instead of the 2nd song"
        found, _ = names_in(c.reading, c.vocab, negated=False)
        return _positional("replace", pos, c.n, **_nonempty(found))
    if not before or any(m.kind not in ("genre", "years") for m in before):
        return None
    genres, subgenres, span = [], [], None
    for m in before:
        if m.kind == "years":
            span = m.value
            continue
        g, sub = m.value  # type: ignore[misc]
        (subgenres if sub and sub in c.vocab.subgenres else genres).append(sub if sub in c.vocab.subgenres else g)
    years = {"year_start": span[0], "year_end": span[1]} if span else {}  # type: ignore[index]
    return Plan([call("narrow", **_nonempty({"genres": genres, "subgenres": subgenres}), **years)])


def rule_switch(c: Clause) -> Plan | None:
    """ "actually make it rap", "how about hip hop instead", "switch it to latin" on a playlist: another genre, its
    years, mood, activity, length and exclusions kept (a new playlist of the genre alone lost the occasion). A genre
    the catalog lacks gets a clear answer and the playlist stays."""
    if not c.has or c.matches(negated=True) or {"more", "less", "mas", "menos"} & set(c.words) or find(c.words, _SOME):
        return None  # "how about some rap", "how about more rock": some joins (rule_widen)
    words = [w for w in c.words if w not in ("?", "!", ".", ",")]
    while words and words[0] in _SWITCH_FILLER - {"the", "a", "same"}:
        words = words[1:]
    lead = find(words[:1] + words[1:3], _SWITCH_LEADS)
    tail = find(words, _SWITCH_TAILS)
    if not ((lead and lead[0] == 0) or (tail and sum(tail) == len(words))):
        return None
    named = c.matches("genre", "other_genre", "years")
    if not c.matches("genre", "other_genre") or len(named) != len(c.reading.matches):
        return None
    said = {c.reading.tokens[k].text for m in named for k in range(m.start, m.end)}
    cue = {w for p in _SWITCH_LEADS + _SWITCH_TAILS for w in p}
    if [w for w in words if w not in said and w not in cue and w not in _SWITCH_FILLER]:
        return None
    found, _ = names_in(c.reading, c.vocab, negated=False)
    if not (found["genres"] or found["subgenres"]):
        other = c.matches("other_genre")[0]
        lacked = " ".join(t.orig for t in c.reading.tokens[other.start : other.end])
        note = c.reading.query.unsupported[:1] or [f"{lacked}: not a genre of this catalog"]
        return Plan.ask(f"{note[0][:1].upper()}{note[0][1:]}. Your playlist is unchanged.")
    q = c.reading.query
    years = {"year_start": q.years.start, "year_end": q.years.end} if q.years is not None else {}
    return Plan([call("narrow", genres=found["genres"], subgenres=found["subgenres"], **years)])


_MORE_LEADS = frozenset({"a", "bit", "little", "lil", "some", "way", "lot", "much", "even", "and", "y", "but", "pero",
                         "ok", "okay", "un", "poco", "then", "now"})  # fmt: skip


def rule_more_named(c: Clause) -> Plan | None:
    """ "more lana", "a bit more billie" with Lana Del Rey and Billie Eilish playing: a first or last name after
    "more" that no catalog name matches means the one playlist artist it starts or ends."""
    if not c.has or c.matches():
        return None
    words = [w for w in c.words if w not in ("please", "pls", "porfa", "?", "!", ".", ",")]
    while words and words[0] in _MORE_LEADS:
        words = words[1:]
    if len(words) < 2 or words[0] not in ("more", "mas"):
        return None
    rest = tuple(words[2:] if words[1] in ("of", "de") else words[1:])
    name = _playlist_artist(c, rest) if 1 <= len(rest) <= 2 else None
    return Plan([call("widen", artists=[name])]) if name else None


_MORE_UNKNOWN_LEADS = _MORE_LEADS | frozenset({"i", "id", "would", "should", "like", "love", "to", "hear", "want",
                                                "wanna", "get", "have", "very", "much", "rather", "could", "we",
                                                "please", "can", "you", "play", "give", "me", "us", "quiero",
                                                "queremos"})  # fmt: skip


def rule_more_unknown(c: Clause) -> Plan | None:
    """ "I should very much like to hear rather more of Elvis Presley", "more of frank sinatra": a name after "more"
    that nothing in the catalog matches is said to be unknown, the playlist unchanged (conv6: it made a new playlist
    of those words, or moved toward the track last talked about)."""
    if not c.has or c.matches():
        return None
    words = [w for w in c.words if w not in (",", ".", "!", "?")]
    k = next((i for i, w in enumerate(words) if w in ("more", "mas")), None)
    if k is None or not all(w in _MORE_UNKNOWN_LEADS for w in words[:k]):
        return None
    rest = words[k + 1 :]
    rest = rest[1:] if rest[:1] in (["of"], ["from"], ["by"], ["de"]) else rest
    if not 1 <= len(rest) <= 4 or any(not w.isalpha() or w in V.STOPWORDS or w in V.COMMON_WORDS for w in rest):
        return None
    name = " ".join(rest).title()
    return Plan.ask(
        f"I don't know {name} as an artist, genre or mood in this catalog, so I can't add more of it. "
        "Your playlist is unchanged."
    )


def rule_widen(c: Clause) -> Plan | None:
    """ "also some rock", "add some Drake", "throw in some latin", "more pop", "a bit more Drake"; a genre the
    catalog lacks gets a clear answer."""
    if not c.has or not (find(c.words, _ALSO) or _more_of(c) or _some_too(c) or _fine_now(c)):
        return None
    if V.INSTRUMENT_WORDS & set(c.words) and find(c.words, _MORE) and not c.matches(*_CONTENT_KINDS):
        return None  # "it needs more bass": an instrument, which rule_instrument answers
    other = c.matches("other_genre", negated=False)
    found, unknown = names_in(c.reading, c.vocab, negated=False)
    if other and not any(found.values()):
        said = " ".join(t.orig for t in c.reading.tokens[other[0].start : other[0].end])
        near = V.NEAREST_GENRE.get(str(other[0].value))
        near = near if near in c.vocab.genres else sorted(c.vocab.genres)[0]  # "more jazz": r&b is nearest
        return Plan.ask(
            f"This catalog has no {said}: its genres are {', '.join(sorted(c.vocab.genres))}. "
            f'Try "add some {near}". Nothing changed.'
        )
    q = c.reading.query
    # "mix in a few older tracks", "add some recent stuff": the years the word reaches, as for a request
    rel = [m for m in c.matches("relative_years", negated=False) if c.words[m.start : m.end] != ["new"]]
    years = q.years if (c.matches("years", negated=False) or rel) and q.years is not None else None
    hit = find(c.words, _ALSO) or (find(c.words, (("some",),)) if "some" in c.words else None)
    if not any(found.values()) and not years and hit:
        # "bring back the drake songs", "throw some stevie in there": the verb or "some" says a name is meant
        named = _object_artist(c, hit[0] + hit[1])
        if named:
            found["artists"] = [named]
    unknown = [u for u in unknown if u not in _ADD_VERB_WORDS]
    if not any(found.values()) and not years:
        if unknown:
            # "throw some stevie in there": not "throw"; "that is lovely. might you also add ...": not "lovely"
            said = " ".join(w for w in unknown if w not in _PUT_IN and w not in V.ACK_WORDS)
            if exact := c.vocab.artists.get(fold(said)):  # "add 3 drake songs": a name that is also a word
                count = _widen_count(c)
                return Plan([call("widen", artists=[exact], **({"count": count} if count else {}))])
            if moods := _situation_moods(c, unknown):  # "add a few rainy day songs": the mood it suggests
                count = _widen_count(c)
                return Plan([call("widen", moods=moods, **({"count": count} if count else {}))])
            if len(opened := c.vocab.first_names.get(said, [])) > 1:  # "add some stevie" on 90s rock
                return Plan.ask(f"Which {said.title()}: {', '.join(sorted(opened)[:6])}? Say the whole name.")
            return Plan.ask(f'Add what? I don\'t know "{said}" as an artist, genre or mood in the catalog.')
        return None
    span = {k: v for k, v in (("year_start", years.start), ("year_end", years.end)) if v} if years else {}
    count = _widen_count(c)  # "add a couple of frank ocean songs", "add some drake"
    return Plan([call("widen", **_nonempty(found), **span, **({"count": count} if count else {}))])


_ADD_SOME = V.AMOUNT_WORDS["some"]  # "add some 80s", "add some love songs": a handful more (conv5)


_ADD_SAID = _keys(V.ADD_VERBS)  # "add", "añade", "agrega": the playlist grows (conv6)


def _widen_count(c: Clause) -> int | None:
    """How many tracks an add brings at the end: the count said ("add 2 adele songs", "throw in 3 latin songs");
    with the verb "add" / "añade" / "agrega" and no count ("add some drake", "add some rock songs", "add some 80s") a
    handful, since a person who says "add" expects the playlist to grow. Without it ("also some rock", "throw in some
    latin", "maybe some adele") some tracks are swapped in instead, the size kept."""
    added = find(c.words, _ADD_SAID)
    if not (added or find(c.words, _GROW)):
        return None
    return _added_count(c) or (_ADD_SOME if added else None)


def _toward_said(named: Sequence[Any]) -> list[dict[str, str]]:
    """The sound an add asks of its new tracks ("add 3 faster songs": tempo up), as ``more``'s ``toward``; empty
    unless every word named is a sound word."""
    sounds = [m.value for m in named if m.kind == "feature" and isinstance(m.value, tuple) and len(m.value) == 2]
    if len(sounds) != len(named) or any(f not in _TOWARD_FEATURES or way not in ("high", "low") for f, way in sounds):
        return []
    return [{"feature": f, "direction": "up" if way == "high" else "down"} for f, way in sounds]


_ADD_VERB_WORDS = frozenset({w for p in _ALSO for w in p} | set(V.GROW_VERBS))  # never what is to be added
_VAGUE = frozenset({"some", "lots", "lot", "plenty", "many", "ton", "tons", "heaps", "loads", "bunch", "algunas",
                    "algunos", "muchas", "muchos", "varias", "varios"})  # fmt: skip


def _added_count(c: Clause) -> int | None:
    """How many tracks "add 3 Drake songs" / "add a couple of frank ocean songs" asks for; none for a vague "some"
    or a number inside a name ("add some maroon 5")."""
    named = {k for m in c.matches("artist") for k in range(m.start, m.end)}
    # "after track 5", "at number 3": a place in the playlist, not a count
    named |= {k for k in range(1, len(c.words)) if _is_track_noun(c.words[k - 1]) or c.words[k - 1] in _PLACE_WORDS}
    words = [w for k, w in enumerate(c.words) if k not in named]
    if find(words, _ONE_SONG):  # "add a song by taylor swift": one; "something by queen and something by abba": two
        return max(1, sum(w == "something" for w in words))
    n = amount_in(words)
    return None if n is None or _VAGUE & set(words) and not any(w.isdigit() for w in words) else n


_ONE_SONG = _keys(
    (
        "a song",
        "one song",
        "a track",
        "one track",
        "a tune",
        "una cancion",
        "un tema",
        "a single song",
        "something by",
        "something from",
        "something of",
    )
)


_PLACE_WORDS = frozenset({"#", "number", "no", "after", "before", "spot", "position", "slot"})
_SOME = _keys(("some", "a few", "a couple", "a bit of", "a little", "a little bit of", "algo de", "unas", "unos"))


_FINE = _keys(("is fine", "is ok", "is okay", "is cool", "is alright", "are fine", "are ok", "are okay", "is allowed",
                "are allowed", "can stay", "can come back", "is fine too", "is ok too"))  # fmt: skip


def _fine_now(c: Clause) -> bool:
    """ "wait actually rap is fine", "drake is ok": what was left out (or never asked for) may play, beside the rest."""
    names = c.matches("genre", "artist", "mood", negated=False)
    if not names or c.matches(negated=True):
        return False
    hit = find(c.words[names[-1].end : names[-1].end + 4], _FINE)
    return bool(hit) and hit[0] == 0


_IN_THERE = _keys(("in there", "in here", "in it", "in the mix", "into the mix", "in the playlist", "in too",
                    "in as well", "in there too", "in there as well", "in the middle", "in somewhere",
                    "somewhere in there", "somewhere"))  # fmt: skip
_NEXT = _keys(("next", "up next", "after this", "after that", "afterwards", "after this one"))
_PUT_IN = frozenset({"throw", "chuck", "stick", "put", "sprinkle", "toss", "slip", "sneak", "mix", "get", "pop"})


def _some_too(c: Clause) -> bool:
    """ "ok now some aerosmith too", "a bit of funk as well", "gimme something by coldplay too" (an amount of
    something, or an artist, then "too"), "throw some stevie in there": added beside, never a new playlist."""
    if c.matches(negated=True):
        return False
    words = [w for w in c.words if w not in ("?", "!", ".")]
    tail = find(words, _keys(_ELLIPSIS_TAILS))
    if tail and sum(tail) == len(words) and (find(words, _SOME) or c.matches("artist", "genre")):
        return True
    some = find(words[1:], _SOME)
    if words[:1] and words[0] in _ELLIPSIS_LEADS and some and some[0] == 0 and c.matches("artist", "genre", "years"):
        return True  # "and some phoebe bridgers", "plus some rock": beside what plays
    if _hedged_some(c, words):
        return True
    nxt = find(words, _NEXT)
    if nxt and sum(nxt) == len(words) and c.matches("artist", "genre"):  # "put on something by avicii next"
        return True
    into = find(words, _IN_THERE) or ((len(words) - 1, 1) if words[-1:] == ["in"] else None)  # "throw some 80s in"
    return bool(into and sum(into) == len(words) and _PUT_IN & set(words[: into[0]]))


_MORE_OF_NOUNS = frozenset({"songs", "stuff", "tracks", "music", "tunes", "canciones", "temas", "musica", "rolas"})
_HEDGES = _keys(("maybe", "perhaps", "how about", "what about", "possibly", "quizas", "tal vez"))


def _hedged_some(c: Clause, words: Sequence[str]) -> bool:
    """ "maybe some adele", "what about some 80s stuff", or "some coldplay" alone: a portion of something, offered
    beside what plays (never the whole playlist replaced)."""
    hedge = find(words, _HEDGES)
    start = hedge[1] if hedge and hedge[0] == 0 else 0
    some = find(words[start:], _SOME)
    if not some or some[0] != 0:
        return False
    said = c.matches("artist", "genre", "years") if hedge else c.matches("artist")
    if not said or c.matches("mood", "activity", "feature"):
        return False
    named = {k for m in said for k in range(m.start, m.end)}
    rest = [w for k, w in enumerate(words[start + some[1] :], start + some[1]) if k not in named]
    return all(w in _MORE_OF_NOUNS or w in V.CHAT_FILLER for w in rest)


def _more_of(c: Clause) -> bool:
    """ "more pop", "bit more Drake", "más reggaeton": a genre or artist just after "more", nothing else said."""
    named = c.matches("genre", "artist", "other_genre")
    spans = {(m.start, m.end) for m in named}  # "más perreo": the word's mood comes with its genre
    if not named or c.matches(negated=True) or any((m.start, m.end) not in spans for m in c.reading.matches):
        return False
    lead = c.words[max(0, named[0].start - 3) : named[0].start]
    lead = c.words[max(0, named[0].start - 4) : named[0].start]
    if lead[-1:] in (["the"], ["those"], ["these"], ["los"], ["las"]):  # "more of the drake ones"
        lead = lead[:-1]
    if lead[-1:] in (["of"], ["de"], ["like"], ["by"], ["from"]):  # "more of them", "más de Bad Bunny", "more like X"
        lead = lead[:-1]
    if lead[-1:] and lead[-1] in _MORE_OF_NOUNS:  # "more songs like drake", "más canciones de bad bunny"
        lead = lead[:-1]
    if not lead or lead[-1] not in ("more", "mas"):
        return False
    said = {k for m in named for k in range(m.start, m.end)}
    rest = _content([w for k, w in enumerate(c.words) if k not in said])
    filler = _MOOD_ALONE_FILLER | _SUGGEST_FILLER | _MORE_OF_NOUNS
    return not [w for w in rest if w not in filler]


# "how about more rock", "maybe more drake", "can we get more latin", "it needs more beyonce", "the mix could use more
# drake": a suggestion of more, not a new request
_SUGGEST_FILLER = frozenset({"how", "about", "what", "maybe", "can", "could", "we", "get", "have", "perhaps", "try",
                             "lets", "let", "us", "needs", "use", "playlist", "mix", "list"})  # fmt: skip


def rule_track_reference(c: Clause) -> Plan | None:
    """A bare "track 5": out of range is refused, in range asks what to do with it."""
    if not c.has:
        return None
    for i, w in enumerate(c.words):
        if _is_track_noun(w) and w != "no" and i + 1 < len(c.words) and c.words[i + 1].lstrip("#").isdigit():
            k = int(c.words[i + 1].lstrip("#")[:12])
            if not 1 <= k <= c.n:
                return Plan.ask(f"There is no track {k}: the playlist has {c.n} tracks (1-{c.n}). Nothing changed.")
            return _what_to_do(k)
    said = _refer(c) if not c.matches(*_CONTENT_KINDS, "feature", "length", "duration") else None
    if said and len(said) == 1 and 1 <= said[0] <= c.n and _names_a_track(c.words):
        return _what_to_do(said[0])  # "the third song is mid": a track named, nothing asked of it yet
    return None


_AFTER_ORDINAL = frozenset({"one", "ones", "is", "s", "are", "was", ",", "?", "!", "."})


def _names_a_track(words: Sequence[str]) -> bool:
    """Whether the words name a track of the playlist by its place: "track 5", "the third song", "the last one",
    "the 5th is mid", "the opener is boring" (not "the last day of summer")."""
    for i, w in enumerate(words):
        nxt = words[i + 1] if i + 1 < len(words) else ""
        if _numbered_at(words, i) and nxt[:1].isdigit():
            return True
        if _end_track(words, i) and (not nxt or nxt in _AFTER_ORDINAL):  # not "the closer the better"
            return True
        if (w in _ORDINALS or w in _LAST_WORDS or _ordinal_digits(w)) and (
            not nxt or nxt in _AFTER_ORDINAL or _is_track_noun(nxt)
        ):
            return True
    return False


def _what_to_do(k: int) -> Plan:
    return Plan.ask(
        f'What should I do with track {k}? You can say "drop track {k}", "replace track {k}", '
        f'"why track {k}?" or "I love track {k}".'
    )


_IS_IT = _keys(("is it", "is this", "is the playlist", "is that", "will it", "does it", "would it", "will this",
                 "does this", "es", "dura"))  # fmt: skip


def _time_question(c: Clause) -> Plan | None:
    """ "is it over an hour?", "will it last my 40 minute commute?": the playlist's time against the one said."""
    hit = find(c.words, _IS_IT)
    durations = c.matches("duration")
    words = set(c.words)
    if not hit or hit[0] > 2 or len(durations) != 1:
        return None
    if _TIME_ASKS & words or _names_a_track(c.words) or {"song", "track", "cancion"} & words:
        return None  # "is it ok if you make it an hour?" asks for it; "is this song over 4 minutes" is one track
    said, have = float(durations[0].value), listening_minutes(c.playlist)  # type: ignore[arg-type]
    if not _TIME_COMPARE & words:  # "is that 2 hours?": about that long, asked, not a length to cut to
        about = abs(have - said) <= max(5.0, 0.1 * said)
        offer = "" if about else f'; to fit it, say "yes" or "make it {said:g} minutes"'
        return Plan.ask(
            f"{'Yes' if about else 'No'}: it's {len(c.playlist)} tracks, about {round(have)} min "
            f"(you said {said:g} min). Nothing changed{offer}."
        )
    if {"under", "less", "shorter", "below", "menos"} & words:
        yes, wants_less = have < said, True
    elif {"over", "more", "longer", "above", "least", "mas"} & words:
        yes, wants_less = have > said, False
    else:  # "will it last a 40 minute commute"
        yes, wants_less = have >= said, False
    verdict = "yes" if yes else "no"
    fits = have <= said if wants_less or {"over", "above", "longer", "mas"} & words else have >= said
    tail = (
        "Nothing changed."
        if fits
        else f'Nothing changed; to fit it, say "yes" or "make it {said:g} minutes".'  # an offer a yes takes up
    )
    return Plan.ask(
        f"{verdict.capitalize()}: it's {len(c.playlist)} tracks, about {round(have)} min (you said {said:g} min). "
        + tail
    )


_TOO_LONG_ASKED = _keys(("is it", "is this", "is the playlist", "is that", "isnt it", "isnt this", "es"))
_TOO_LONG_TAIL = frozenset({"long", "short", "much", "little", "larga", "corta", "?", "or", "what", "overall", "now",
                            "too", "a", "bit", "way", "kinda", "enough", "muy", "demasiado", "lo", "suficiente",
                            "suficientemente"})  # fmt: skip


def _too_long_asked(c: Clause) -> Plan | None:
    """ "is this too long?", "is it too short?", "is it long enough": its size and time, and how to change them;
    nothing changes (a question is never a cut)."""
    hit = find(c.words, _TOO_LONG_ASKED)
    if not hit or hit[0] > 1:
        return None
    rest = [w for w in c.words[sum(hit) :] if w not in V.CHAT_FILLER]
    if not rest or not set(rest) <= _TOO_LONG_TAIL or not {"long", "short", "larga", "corta"} & set(rest):
        return None
    minutes = round(listening_minutes(c.playlist))
    return Plan.ask(
        f'It\'s {len(c.playlist)} tracks, about {minutes} min. That\'s your call: say "shorter", "make it 45 '
        f'minutes" or "add 5 more" to change it. Nothing changed.'
    )


# "is it too loud?", "isn't it a bit slow?", "are these too sad": asked, so answered with the playlist's own
# figures and an offer a "yes" takes up; never an edit (conv5). Feature -> (the word for lower, the word for higher).
_SOUND_ASKED = _keys(
    (
        "is it",
        "is this",
        "is the playlist",
        "is that",
        "isnt it",
        "isnt this",
        "are they",
        "are these",
        "are the songs",
        "are the tracks",
        "arent they",
        "arent these",
        "is the music",
        "is the mix",
    )
)
_SOUND_ASKED_TAIL = frozenset(
    {
        "too",
        "a",
        "bit",
        "way",
        "kinda",
        "kind",
        "of",
        "little",
        "so",
        "really",
        "very",
        "overall",
        "now",
        "?",
        "maybe",
        "getting",
        "gotten",
        "lil",
        "tad",
        "sorta",
        "sort",
    }
)
_SOUND_FIX = {"energy": ("calmer", "more upbeat"), "tempo": ("slower", "faster"), "valence": ("sadder", "happier"),
              "danceability": ("less danceable", "more danceable")}  # fmt: skip


def _sound_asked(c: Clause) -> Plan | None:
    """ "is it too loud?", "isn't it a bit slow?": the feature's range and mean over the playlist, and the change a
    "yes" makes (the other way from the word said); nothing changes (a question is never an edit)."""
    hit = find(c.words, _SOUND_ASKED)
    if not hit or hit[0] > 1:
        return None
    rest = [w for w in c.words[sum(hit) :] if w not in V.CHAT_FILLER and w not in _SOUND_ASKED_TAIL]
    field, sign = V.SORT_FIELDS.get(rest[0], ("", 0)) if len(rest) == 1 else ("", 0)
    if field not in _SOUND_FIX or not sign:
        return None
    values = [float(p[field]) for p in c.playlist if p.get(field) is not None]
    if not values:
        return None
    lo, hi, mean = min(values), max(values), sum(values) / len(values)
    if field == "tempo":
        said = f"Tempo runs from {lo:.0f} to {hi:.0f} BPM, {mean:.0f} on average"
        level = "fast" if mean >= 125 else "slow" if mean < 100 else "middling"
    else:
        said = f"{field.title()} runs from {lo:.2f} to {hi:.2f} (0 to 1), {mean:.2f} on average"
        level = "high" if mean >= 0.66 else "low" if mean <= 0.33 else "middling"
    fix = _SOUND_FIX[field][0 if sign > 0 else 1]
    return Plan.ask(f'{said}: {level}. Nothing changed; to make it {fix.removeprefix("more ")}, say "yes" or "{fix}".')


_TIME_ASKS = frozenset({"make", "cut", "trim", "if", "hacer", "hazla", "set", "change", "better", "mejor"})


_TIME_COMPARE = frozenset({"over", "under", "more", "less", "longer", "shorter", "above", "below", "least", "last",
                           "enough", "cover", "fill", "menos", "mas"})  # fmt: skip


def rule_status(c: Clause) -> Plan | None:
    """ "how long is it?", "how many songs are in there": the playlist's size, time, years and genres; no change.
    "is it over an hour?": yes or no, with its time."""
    if c.has and (timed := _time_question(c) or _too_long_asked(c) or _sound_asked(c)):
        return timed
    if not c.has or not find(c.words, _STATUS) or c.matches(*_CONTENT_KINDS, "feature") or _names_a_track(c.words):
        return None  # "how long is track 4": that track (rule_feature_range)
    if {"artist", "artists", "genre", "genres"} & set(c.words):
        return None  # "how many different artists are there": rule_question breaks it down
    items = c.playlist
    years = sorted(int(p["year"]) for p in items if p.get("year"))
    top = list(_genre_counts(items))[:2]
    parts = [f"{len(items)} tracks", f"about {round(listening_minutes(items))} min"]
    parts += [f"{years[0]}-{years[-1]}" if years[0] != years[-1] else str(years[0])] if years else []
    parts += [f"mostly {' and '.join(top)}"] if top else []
    return Plan.ask("It's " + ", ".join(parts) + '. Say "make it an hour" or "add 5 more" to change its length.')


_WHAT_CHANGED = _keys(("what did you change", "what did u change", "what changed", "whats changed", "what has changed",
                       "what did you do", "what did u do", "what did you just do", "what did u just do",
                       "whats different", "what is different", "which ones are new", "which songs are new",
                       "which tracks are new", "what did you add", "what did u add", "what got added",
                       "what did you remove", "what did u remove", "what did you take out", "what got removed",
                       "what did you swap", "que cambiaste", "que has cambiado", "que cambio",
                       "what was the last change", "what was your last change", "whats the last change",
                       "what was the change", "what was that change"))  # fmt: skip


_JUST_WORDS = frozenset({"just", "exactly", "actually", "even", "really", "now"})


def rule_what_changed(c: Clause) -> Plan | None:
    """ "what did you change?", "which ones are new": what the last change did; nothing changes."""
    hit = find([w for w in c.words if w not in _JUST_WORDS], _WHAT_CHANGED)  # "what did you just change"
    if not c.has or not hit or hit[0] > 3 or c.matches(*_CONTENT_KINDS):
        return None
    return Plan([call("last_change")])


_ASKED_FIRST = _keys(("what did i ask for", "what did i ask", "what did i request", "what was my request",
                      "what was my first request", "what was my original request", "what was the original request",
                      "what did i want", "what did i say at the start", "what i asked for", "what i first asked",
                      "what did i first ask", "what did i originally ask", "que pedi", "que te pedi"))  # fmt: skip


def rule_first_request(c: Clause) -> Plan | None:
    """ "what did I ask for at the start?", "remind me what I asked for": the playlist's first request and what it
    is for now; nothing changes."""
    hit = find(c.words, _ASKED_FIRST)
    said = set(c.words)
    asking = bool({"what", "whats", "remind", "recuerdame"} & set(c.words[:3]))
    first = asking and said & {"request", "ask", "asked", "requested"} and said & _START_WORDS
    if not c.has or not (hit and hit[0] <= 3 or first) or c.matches(*_CONTENT_KINDS):
        return None
    return Plan([call("first_request")])


# "whats the tempo range", "how fast is it overall", "what years does it cover": a feature across the playlist
_SPREAD_FIELDS = {**dict.fromkeys(("tempo", "bpm", "bpms", "speed", "fast"), "tempo"),
                  **dict.fromkeys(("energy", "energetic", "intense"), "energy"),
                  **dict.fromkeys(("years", "year", "era", "eras", "decade", "decades", "old"), "year"),
                  **dict.fromkeys(("danceable", "danceability"), "danceability"),
                  **dict.fromkeys(("popular", "popularity"), "popularity"),
                  **dict.fromkeys(("happy", "positive", "valence"), "valence")}  # fmt: skip
_TRACK_FACTS = frozenset({"genre", "genres", "style", "kind", "mood", "vibe", "artist", "singer", "sings", "sang",
                          "length", "long", "key", "album"})  # fmt: skip
# words that make "it" the playlist, not the track in focus ("how fast is it overall")
_WHOLE_PLAYLIST = frozenset({"overall", "playlist", "range", "average", "avg", "songs", "tracks", "they", "these",
                             "music", "mix", "list"})  # fmt: skip
_SPREAD_CUES = _keys(("range", "average", "avg", "overall", "on average", "spread", "cover", "span", "go from",
                      "is it", "is this", "is the playlist", "are they", "are these", "are the songs",
                      "of the playlist", "of this playlist",
                      # "what r the bpms lol", "whats the tempo of these": the playlist's, no track named
                      "the bpm", "the bpms", "the tempo", "the tempos", "of these", "of them",
                      "of the songs"))  # fmt: skip


_BARE_FIELD_ASK = frozenset({"what", "whats", "how", "hows", "hw", "is", "the", "like", "?", "its", "s", "overall",
                             "so", "and", "ok", "now", "here", "there"})  # fmt: skip


def rule_feature_range(c: Clause) -> Plan | None:
    """ "whats the tempo range", "how fast is it overall", "what years does it cover", "average bpm?": the
    feature's range and mean over the playlist; nothing changes (a track named is rule_explain's)."""
    words = c.words
    if not c.has or not {"what", "whats", "how", "?", "hw", "hows"} & set(words):
        return None
    fields = [_SPREAD_FIELDS[w] for w in words if w in _SPREAD_FIELDS]
    facts = _TRACK_FACTS & set(words)  # "what genre is track 7": one track's facts, explained
    said_words = {c.reading.tokens[k].text for m in c.matches(*_CONTENT_KINDS) for k in range(m.start, m.end)}
    if not (fields or facts) or said_words - set(_SPREAD_FIELDS) - _TRACK_FACTS or find(words, _SUPERLATIVE):
        return None
    whole = _WHOLE_PLAYLIST & set(words)
    pos = _refer(c) if _names_a_track(words) or (c.focus and c.pronoun() and not whole) else None
    if pos:  # "how fast is the 3rd one", "how old is it" after "why #3?": that track, explained
        return Plan([call("explain", position=pos[0])]) if len(pos) == 1 else None
    bare = set(words) <= _BARE_FIELD_ASK | set(_SPREAD_FIELDS)  # "whats the bpm", "hows the energy"
    if not fields or _names_a_track(words) or not (find(words, _SPREAD_CUES) or bare):
        return None
    field_name = fields[0]
    values = [float(p[field_name]) for p in c.playlist if p.get(field_name) is not None]
    if not values:
        return None
    lo, hi, mean = min(values), max(values), sum(values) / len(values)
    if field_name == "year":
        median = sorted(values)[len(values) // 2]
        said = f"The tracks run from {lo:.0f} to {hi:.0f}; half are from {median:.0f} or later"
    elif field_name == "tempo":
        said = f"Tempo runs from {lo:.0f} to {hi:.0f} BPM, {mean:.0f} on average"
    else:
        said = f"{field_name.title()} runs from {lo:.2f} to {hi:.2f} (0 to 1), {mean:.2f} on average"
    return Plan.ask(f'{said}. Say "more upbeat", "slower" or "only after 2010" to change it.')


# "whats the oldest song on here": the track at one end of the playlist, explained (field, largest first?)
_SUPERLATIVES = {"oldest": ("year", False), "earliest": ("year", False), "newest": ("year", True),
                 "latest": ("year", True), "most recent": ("year", True), "longest": ("duration_ms", True),
                 "shortest": ("duration_ms", False), "most popular": ("popularity", True),
                 "least popular": ("popularity", False), "fastest": ("tempo", True), "slowest": ("tempo", False),
                 "happiest": ("valence", True), "saddest": ("valence", False), "most energetic": ("energy", True),
                 "calmest": ("energy", False), "most danceable": ("danceability", True),
                 **dict.fromkeys(("mas vieja", "mas viejo", "mas antigua", "mas antiguo"), ("year", False)),
                 **dict.fromkeys(("mas nueva", "mas nuevo", "mas reciente"), ("year", True)),
                 **dict.fromkeys(("mas larga", "mas largo"), ("duration_ms", True)),
                 **dict.fromkeys(("mas corta", "mas corto"), ("duration_ms", False)),
                 **dict.fromkeys(("mas rapida", "mas rapido"), ("tempo", True)),
                 **dict.fromkeys(("mas lenta", "mas lento"), ("tempo", False)),
                 **dict.fromkeys(("mas feliz", "mas alegre"), ("valence", True)), "mas triste": ("valence", False),
                 "mas popular": ("popularity", True),
                 # "put the two most chill songs last" (conv5): the words of a mood said as a superlative
                 **dict.fromkeys(("most chill", "chillest", "most mellow", "mellowest", "most relaxed",
                                  "most relaxing", "most laid back", "most laidback", "quietest", "softest",
                                  "least energetic", "least intense", "most low key", "most lowkey"),
                                 ("energy", False)),
                 **dict.fromkeys(("most upbeat", "loudest", "most intense", "most hype", "most hyped",
                                  "least chill", "highest energy", "most energy", "biggest energy"), ("energy", True)),
                 **dict.fromkeys(("lowest energy", "least energy"), ("energy", False)),
                 **dict.fromkeys(("highest bpm", "highest tempo", "most bpm"), ("tempo", True)),
                 **dict.fromkeys(("lowest bpm", "lowest tempo"), ("tempo", False)),
                 **dict.fromkeys(("most dancey", "danciest", "mas bailable", "mas bailables"), ("danceability", True)),
                 **dict.fromkeys(("mas energica", "mas energico", "mas movida", "mas movido", "mas fuerte"),
                                 ("energy", True)),
                 **dict.fromkeys(("mas tranquila", "mas tranquilo", "mas suave", "mas calmada", "mas relajada"),
                                 ("energy", False)),
                 **dict.fromkeys(("most sad", "most depressing", "most melancholic", "least happy"),
                                 ("valence", False)),
                 **dict.fromkeys(("most happy", "most cheerful", "most uplifting", "least sad"),
                                 ("valence", True))}  # fmt: skip
_SUPERLATIVE = _keys(tuple(_SUPERLATIVES))
_QUESTION_CUES = frozenset({"whats", "what", "which", "whos", "who", "?", "show", "tell", "cual", "cuales"})
_ON_HERE = _keys(("on here", "in here", "in there", "on there", "on this", "in this", "in it", "on it",
                  "on the playlist", "in the playlist", "on the list", "of these", "of them", "en la lista",
                  "en esta lista", "en la playlist", "aqui"))  # fmt: skip


def rule_superlative(c: Clause) -> Plan | None:
    """ "whats the oldest song on here?", "which one is the longest": that track, explained; nothing changes."""
    hit = find(c.words, _SUPERLATIVE)
    if not hit or not c.has or not (_QUESTION_CUES & set(c.words) or find(c.words, _ON_HERE)):
        return None
    best = _picked(c, table=_SUPERLATIVES)
    field_name, largest = _SUPERLATIVES[" ".join(c.words[hit[0] : hit[0] + hit[1]])]
    said = next(w for w, v in _SUPERLATIVES.items() if v == (field_name, largest))  # in English: "oldest"
    return Plan([call("explain", position=best, picked=said, field=field_name)]) if best else None


_MOST = frozenset({"most", "mas"})
_MOOD_KEYS = {V.key(k): v for k, v in V.MOOD_PHRASES.items()}


def rule_most_mood(c: Clause) -> Plan | None:
    """ "which is the most romantic", "cual es la mas romantica": the one track of that mood nearest its sound
    (:data:`tools.tags.MOOD_TARGETS`), explained; a mood has no single feature to rank by, and a count of the
    tracks with it answers another question. Superlatives of one feature ("most chill": the calmest) stay
    rule_superlative's."""
    words = c.words
    at = next((i for i, w in enumerate(words) if w in _MOST), None)
    if not c.has or at is None or find(words, _SUPERLATIVE):
        return None
    if not (_QUESTION_CUES & set(words) or find(words, _ON_HERE)) or number_at(words, at - 1 if at else 0):
        return None
    width = next((n for n in (3, 2, 1) if tuple(words[at + 1 : at + 1 + n]) in _MOOD_KEYS), 0)
    mood = _MOOD_KEYS.get(tuple(words[at + 1 : at + 1 + width])) if width else None
    if mood not in MOOD_TARGETS:
        return None
    best = _nearest_mood(c, mood)
    return Plan([call("explain", position=best, picked=mood, field="mood")]) if best else None


def _nearest_mood(c: Clause, mood: str) -> int | None:
    """The playlist's track of ``mood`` nearest the mood's sound (any track when none has the mood), 1-based."""
    target = MOOD_TARGETS[mood]
    tracks = [(i, c.vocab.catalog.get(p["track_id"])) for i, p in enumerate(c.playlist, 1)]
    tracks = [(i, t) for i, t in tracks if t is not None]
    tagged = [(i, t) for i, t in tracks if mood in t.moods] or tracks

    def gap(t: Any) -> float:
        return sum((float(getattr(t, f)) / (200.0 if f == "tempo" else 1.0) - v) ** 2 for f, v in target.items())

    return min(tagged, key=lambda it: (gap(it[1]), it[0]))[0] if tagged else None


# "save the best for last", "end with something chill": a word that picks one track by a field (largest first?)
_PICKS = {**_SUPERLATIVES, "best": ("popularity", True), "biggest": ("popularity", True), "chill": ("energy", False),
          "chillest": ("energy", False), "calm": ("energy", False), "mellow": ("energy", False),
          "soft": ("energy", False), "slow": ("tempo", False), "quiet": ("energy", False), "upbeat": ("energy", True),
          "energetic": ("energy", True), "hype": ("energy", True), "loud": ("energy", True), "fast": ("tempo", True),
          "happy": ("valence", True), "sad": ("valence", False), "danceable": ("danceability", True),
          # probe20: a DJ's "end on a peak", "open on a high", "end with a bang"
          "peak": ("energy", True), "high": ("energy", True), "high note": ("energy", True),
          "banger": ("energy", True), "bang": ("energy", True)}  # fmt: skip
_PICK = _keys(tuple(_PICKS))
_TO_END = _keys(("end with", "end on", "finish with", "finish on", "close with", "close on", "close out with",
                 "finish it off with", "finish off with", "round it off with", "round off with", "end it off with",
                 "close it out with", "wrap it up with", "ending with", "ending on", "finishing with",
                 "wrap up with", "end it with", "finish it with", "close it with", "end it on"))  # fmt: skip


def _picked(
    c: Clause, start: int = 0, stop: int | None = None, table: dict[str, tuple[str, bool]] = _PICKS
) -> int | None:
    """The position of the one track a superlative in ``words[start:stop]`` picks ("the slowest one": the lowest
    tempo), else None."""
    words = c.words[start:stop]
    hit = find(words, _keys(tuple(table)))
    if not hit:
        return None
    field_name, largest = table[" ".join(words[hit[0] : hit[0] + hit[1]])]
    values = [(p.get(field_name), i) for i, p in enumerate(c.playlist, 1) if p.get(field_name) is not None]
    if not values:
        return None
    return (max(values) if largest else min(values, key=lambda v: (v[0], -v[1])))[1]


def _picked_many(c: Clause, start: int = 0, stop: int | None = None) -> list[int] | None:
    """ "the 3 oldest songs", "the slowest two": that many tracks a superlative picks, in playlist order."""
    words = c.words[start:stop]
    hit = find(words, _SUPERLATIVE)
    if not hit:
        return None
    num = number_at(words, hit[0] - 1) if hit[0] else None
    num = num or number_at(words, hit[0] + hit[1])
    k = num[0] if num else 1
    field_name, largest = _SUPERLATIVES[" ".join(words[hit[0] : hit[0] + hit[1]])]
    values = [(p.get(field_name), i) for i, p in enumerate(c.playlist, 1) if p.get(field_name) is not None]
    ranked = sorted(values, key=lambda v: (-v[0], v[1]) if largest else (v[0], -v[1]))
    return sorted(i for _, i in ranked[:k]) if values and 1 <= k < c.n else None


# A question about the playlist starts with one of these (after "and", "ok", "thanks"); "can you ..." asks for a change
_ASKS = frozenset({"how", "hw", "is", "are", "does", "do", "did", "any", "anything", "anyone", "which", "what",
                   "whats", "who", "whos", "got", "have", "cuantas", "cuantos", "cuales", "hay", "alguna",
                   "alguno", "tiene", "quien", "quienes"})  # fmt: skip
_ASK_OPENERS = frozenset({"and", "so", "ok", "okay", "thanks", "thank", "you", "cool", "hey", "hmm", "also", "but",
                          "oh", "wait", "btw", "quick", "question", "nice", "great", "just", "curious", "!", ",",
                          ".", "y", "pero", "oye", "entonces"})  # fmt: skip
_NOT_ASKS = _keys(("how about", "what about", "how bout", "any more", "anything else", "anything more",
                   "is it possible", "do you have", "have you got", "got anything", "do me"))  # fmt: skip
# "is track 3 newer than track 5?": the comparative -> (field, larger means yes)
_COMPARATIVES = {"newer": ("year", True), "older": ("year", False), "later": ("year", True), "earlier": ("year", False),
                 "longer": ("duration_ms", True), "shorter": ("duration_ms", False), "faster": ("tempo", True),
                 "slower": ("tempo", False), "happier": ("valence", True), "sadder": ("valence", False),
                 "more popular": ("popularity", True), "less popular": ("popularity", False),
                 "more energetic": ("energy", True), "calmer": ("energy", False),
                 "more danceable": ("danceability", True)}  # fmt: skip
_COMPARATIVE = _keys(tuple(_COMPARATIVES))


_MUCH_OF = frozenset({"it", "this", "these", "them", "the", "that", "my", "your"})


def _how_much_of(words: Sequence[str]) -> bool:
    """ "how much of it is rock?", "how much rap is in here?", "how much of the playlist is from the 90s?": a share
    asked about, as "how many" asks a count (not "how much longer is it", a length)."""
    if words[1:2] != ["much"] or len(words) < 4:
        return False
    return (words[2] == "of" and words[3] in _MUCH_OF) or bool(find(words, _ON_HERE)) or "there" in words[3:]


def _asking(c: Clause) -> bool:
    """Whether the clause asks about the playlist ("how many are rap?", "is 50 cent on here?", "any queen?")
    rather than for a change ("can you add rock?", "how about some rock", "is there anything slower?")."""
    words = [w for w in c.words]
    k = 0
    while k < len(words) and words[k] in _ASK_OPENERS:
        k += 1
    words = words[k:]
    if not words or words[0] not in _ASKS or find(words, _NOT_ASKS):
        return False
    if words[0] in ("how", "hw") and words[1:2] not in (["many"], ["mny"], ["manny"]) and not _how_much_of(words):
        return False
    return not (
        words[0] in ("any", "anything", "anyone", "got", "have") and "?" not in words and not find(words, _ON_HERE)
    )


def _listing(items: list[tuple[int, dict[str, Any]]]) -> str:
    shown = ", ".join(f'#{i} "{p["title"]}" by {p["artist"]}' for i, p in items[:5])
    return shown + (f" and {len(items) - 5} more" if len(items) > 5 else "")


def _track_test(c: Clause) -> tuple[str, Callable[[dict[str, Any]], bool]] | None:
    """What a count question asks about ("rap", "by Usher", "from before 2010") as a label and a test, else None."""
    found, _ = names_in(c.reading, c.vocab, negated=False)
    years = [m.value for m in c.matches("years", negated=False)]
    tests: list[tuple[str, Callable[[dict[str, Any]], bool]]] = []
    for a in found["artists"]:
        tests.append((f"by {a}", lambda p, a=a: fold(p["artist"]) == fold(a)))
    for g in found["genres"] + found["subgenres"]:
        tests.append((g, lambda p, g=g: g in (p.get("genres") or []) or g in (p.get("subgenres") or [])))
    for m in found["moods"]:
        tests.append((m, lambda p, m=m: m in (p.get("moods") or [])))
    for lo, hi in years:  # type: ignore[misc]
        label = (
            f"{lo}-{hi}"
            if lo is not None and hi is not None
            else f"before {hi + 1}"
            if lo is None
            else f"after {lo - 1}"
        )
        label = "from " + (str(lo) if lo == hi else label)
        tests.append(
            (label, lambda p, lo=lo, hi=hi: p.get("year") is not None and (lo is None or p["year"] >= lo)
             and (hi is None or p["year"] <= hi))
        )  # fmt: skip
    tests += [_bound_test(m) for m in c.matches("feature", negated=False) if _is_bound(m)]
    if not tests:  # "any intros in here?", "how many songs have features?": a kind of version a title says
        kinds = {_VERSION_KEYS[(w,)] for w in c.words if (w,) in _VERSION_KEYS and _VERSION_KEYS[(w,)] in _ASKED_KINDS}
        for kind in kinds:
            tests.append((_ASKED_KINDS[kind], lambda p, kind=kind: kind in version_kinds(p["title"])))
    if len(tests) != 1:
        return None
    return tests[0]


def _is_bound(m: Any) -> bool:
    return isinstance(m.value, tuple) and isinstance(m.value[1], tuple) and m.value[1][0] in ("min", "max", "range")


def _bound_test(m: Any) -> tuple[str, Callable[[dict[str, Any]], bool]]:
    """ "over 125 bpm", "under 0.5 energy", "between 120 and 126 bpm" asked about (probe20's DJ): a label and a test."""
    feature, (side, value) = m.value
    lo, hi = value if side == "range" else (value, None) if side == "min" else (None, value)
    unit = " BPM" if feature == "tempo" else f" {feature}"
    label = f"{lo:g}-{hi:g}{unit}" if side == "range" else f"{'over' if side == 'min' else 'under'} {value:g}{unit}"

    def ok(p: dict[str, Any]) -> bool:
        v = p.get(feature)
        return v is not None and (lo is None or v >= lo) and (hi is None or v <= hi)

    return ("at " + label if side == "range" else label), ok


_ASKED_KINDS = {"remix": "a remix", "feature": "a song with a feature", "interlude": "an intro, interlude or skit"}


def _compare(c: Clause, comp: tuple[int, int]) -> Plan | None:
    """ "is track 3 newer than track 5?": both tracks' values and the answer."""
    words = c.words
    word = " ".join(words[comp[0] : comp[0] + comp[1]])
    field_name, larger = _COMPARATIVES[word]
    a = _refer(make_clause(" ".join(words[: comp[0]]), c.playlist, c.vocab))
    b = _refer(make_clause(" ".join(words[comp[0] + comp[1] :]), c.playlist, c.vocab))
    if not a or not b or len(a) != 1 or len(b) != 1 or not all(1 <= k <= c.n for k in a + b):
        return None
    pa, pb = c.playlist[a[0] - 1], c.playlist[b[0] - 1]
    va, vb = pa.get(field_name), pb.get(field_name)
    if va is None or vb is None:
        return Plan.ask("I don't know that for one of those tracks. Nothing changed.")
    yes = va > vb if larger else va < vb
    answer = "Yes" if yes else "No, they're level" if va == vb else "No"

    def shown(p: dict[str, Any]) -> str:
        v = p[field_name]
        v = f"{v / 60_000:.1f} min" if field_name == "duration_ms" else f"{v:.0f} BPM" if field_name == "tempo" else v
        return f'"{p["title"]}" by {p["artist"]} ({v})'

    which = "" if va == vb else f"; #{a[0] if yes else b[0]} is {word}"
    return Plan.ask(f"{answer}: #{a[0]} {shown(pa)}, #{b[0]} {shown(pb)}{which}. Nothing changed.")


def _genre_counts(items: Sequence[dict[str, Any]]) -> dict[str, int]:
    """Tracks per genre in ``items``, the most common first (a track may count for several)."""
    counts: dict[str, int] = {}
    for p in items:
        for g in p.get("genres") or []:
            counts[g] = counts.get(g, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: -kv[1]))


_KIND_OF = _keys(("kind of music", "kind of songs", "type of music", "style of music", "what style", "what genre"))
_VIBE_OF = _keys(("the vibe", "what vibe", "whats the vibe", "what mood", "the mood", "the feel", "how does it feel",
                  "how would you describe", "describe it", "describe this", "describe the playlist"))  # fmt: skip


def rule_vibe(c: Clause) -> Plan | None:
    """ "whats the vibe of this playlist", "how would you describe it": its moods, energy and genres; no change."""
    hit = find(c.words, _VIBE_OF)
    if not c.has or not hit or c.matches(*_CONTENT_KINDS, "feature") or _names_a_track(c.words):
        return None
    if _VIBE_CHANGES & set(c.words) or not ({"what", "whats", "how", "describe", "?"} & set(c.words)):
        return None  # "keep the vibe", "change the mood": a change, not a question
    return _vibe(c)


_VIBE_CHANGES = frozenset({"more", "less", "keep", "change", "make", "same", "switch", "different", "set"})


def _vibe(c: Clause) -> Plan:
    """ "whats the vibe of this playlist": its commonest moods, its energy and mood on average, its genres."""
    moods: dict[str, int] = {}
    for p in c.playlist:
        for m in p.get("moods") or []:
            moods[m] = moods.get(m, 0) + 1
    top = sorted(moods.items(), key=lambda kv: -kv[1])[:3]
    parts = [("mostly " + ", ".join(f"{m} ({n})" for m, n in top)) if top else "no one mood stands out"]
    for feat, low, high in (("energy", "calm", "energetic"), ("valence", "dark", "bright")):
        vals = [float(p[feat]) for p in c.playlist if p.get(feat) is not None]
        if vals:
            mean = sum(vals) / len(vals)
            word = low if mean < 0.4 else high if mean > 0.65 else "middling"
            parts.append(f"{feat} {mean:.2f} on average ({word})")
    genres = list(_genre_counts(c.playlist))[:2]
    parts += [f"{' and '.join(genres)}"] if genres else []
    return Plan.ask(f"Of {c.n} tracks: " + "; ".join(parts) + ". Nothing changed.")


def _breakdown(c: Clause) -> Plan | None:
    """ "which artist shows up the most?", "what's the split between pop and latin?": counts, or None."""
    words = c.words
    counts: dict[str, int] = {}
    who = next((w for w in words if w not in _ASK_OPENERS), "") in ("who", "whos", "quien", "quienes")
    if {"artist", "artists", "artista", "artistas"} & set(words) or who and ("most" in words or find(words, _ON_HERE)):
        for p in c.playlist:
            counts[p["artist"]] = counts.get(p["artist"], 0) + 1
        ranked = sorted(counts.items(), key=lambda kv: -kv[1])
        if "most" in words:
            said = ", ".join(f"{a} ({n})" for a, n in ranked[:3])
            return Plan.ask(f"Most tracks by one artist: {said}; {len(counts)} artists in all. Nothing changed.")
        # "who's on this playlist", "what artists are in here": every artist, the most frequent first
        said = ", ".join(f"{a} ({n})" if n > 1 else a for a, n in ranked[:15])
        more = f" and {len(ranked) - 15} more" if len(ranked) > 15 else ""
        return Plan.ask(f"{len(counts)} artists on the {c.n} tracks: {said}{more}. Nothing changed.")
    if _DECADE_WORDS & set(words):  # "which decade has more now", "what decades are in here"
        decades: dict[int, int] = {}
        for p in c.playlist:
            if p.get("year"):
                decades[p["year"] // 10 * 10] = decades.get(p["year"] // 10 * 10, 0) + 1
        said = ", ".join(f"{d}s {n}" for d, n in sorted(decades.items())) or "no years known"
        return Plan.ask(f"Of {c.n} tracks: {said}. Nothing changed.")
    genres = names_in(c.reading, c.vocab)[0]["genres"]
    if not ({"genre", "genres", "split", "mix", "breakdown"} & set(words) or find(words, _KIND_OF) or len(genres) > 1):
        return None
    counts = _genre_counts(c.playlist)
    keys = genres or list(counts)
    said = ", ".join(f"{g} {counts.get(g, 0)}" for g in keys[:6])
    return Plan.ask(f"Of {c.n} tracks: {said} (a track can have several genres). Nothing changed.")


def _asked_artist(c: Clause) -> tuple[str, Callable[[dict[str, Any]], bool]] | None:
    """ "any queen?", "is usher on here": a lower-case name after the question's lead."""
    words = c.words
    lead = max((i for i, w in enumerate(words[:4]) if w in ("any", "by", "is", "got", "have", "there")), default=-1)
    here = find(words, _ON_HERE)
    stop = here[0] if here else next((i for i, w in enumerate(words) if w in ("?", "in", "on")), len(words))
    named = _object_artist(c, lead + 1, stop) if lead >= 0 else None
    said = [t.text for t in c.reading.tokens[lead + 1 : stop] if t.text not in _OBJECT_FILLER]
    if named is None and lead >= 0 and len(said) == 1:
        named = c.vocab.artists.get(f"the {said[0]}")  # "any beatles?": The Beatles, said without its "the"
    return (f"by {named}", lambda p: fold(p["artist"]) == fold(named)) if named else None


_THIS_TRACK = _keys(("this song", "this track", "this tune", "this one", "this artist", "this singer", "this band",
                     "that song", "that track", "that one", "that artist", "esta cancion", "este tema"))  # fmt: skip
_PLAYING = frozenset({"playing", "sonando", "on"})
_WHO_WORDS = frozenset({"who", "whos", "artist", "singer", "band", "sings", "sang", "quien"})
_CANT_HEAR = (
    "I can't see what your player is on, so I can't tell which song you mean. Ask about a track by its place: "
    '"what\'s track 3?", "who sings track 4?", "what year is the last one from?"; or about the whole playlist: '
    '"what\'s it called?", "how long is it?". Nothing changed.'
)


def rule_this_song(c: Clause) -> Plan | None:
    """ "what song is this", "what's the name of this song", "who's this artist", "what's playing": the track in focus
    (the one the last answer was about) named, else that the bot cannot see the player; never a new playlist."""
    words = c.words
    if not c.has or not words or words[0] not in _QUESTION_OPENERS or _names_a_track(words) or find(words, _ON_HERE):
        return None  # "whos on this": the playlist's artists (rule_question)
    # "this song", "what song is this", "who's this artist"
    this = find(words, _THIS_TRACK) or (
        {"this", "that"} & set(words[-2:]) and (_TRACK_NOUNS & set(words) or words[0] in ("who", "whos"))
    )
    playing = "playing" in words or (words[-2:] == ["on", "now"])  # "what's playing", "what's on now"
    if not (this or playing) or c.matches(*_CONTENT_KINDS) or _content(words, (_THIS_ASK_WORDS,)):
        return None
    if this and c.focus and 1 <= c.focus <= c.n:
        k, p = c.focus, c.playlist[c.focus - 1]
        year = f" ({p['year']})" if p.get("year") else ""
        said = (
            f'#{k} "{p["title"]}" is by {p["artist"]}{year}.'
            if _WHO_WORDS & set(words)
            else f'#{k} is "{p["title"]}" by {p["artist"]}{year}.'
        )
        return Plan.ask(f'{said} Say "why track {k}?" for more. Nothing changed.')
    return Plan.ask(_CANT_HEAR)


_QUESTION_OPENERS = frozenset({"what", "whats", "who", "whos", "which", "how", "hows", "when", "where", "why",
                               "que", "cual", "quien", "como"})  # fmt: skip
_THIS_ASK_WORDS = ("name", "called", "title", "song", "track", "tune", "one", "artist", "singer", "band", "sings",
                   "sang", "playing", "now", "right", "rn", "currently", "who", "whos", "what", "whats", "which",
                   "this", "that", "is", "it", "the", "of", "by", "on", "cancion", "tema", "esta", "este", "que",
                   "quien", "canta", "?")  # fmt: skip


def _unread_question(c: Clause) -> Plan | None:
    """A question about the playlist no rule could answer and that names no music ("whats teh vibe called?"): what
    the bot can answer and do, the playlist kept; None for anything else."""
    words = c.words
    asked = bool(words) and (words[0] in _QUESTION_OPENERS or words[-1] == "?")
    if not c.has or not asked:
        return None
    text = c.raw.strip()
    return Plan.ask(
        f'I can\'t answer "{text}" from the playlist, and it names no music, so nothing changed. I can tell you its '
        'name ("what\'s it called?"), its length ("how long is it?") or about a track ("who sings track 4?", "what '
        'year is track 3 from?"), and change it ("more upbeat", "no Drake", "add 5 more"). To start a new playlist '
        f'from those words, say "new playlist: {text}".'
    )


def rule_question(c: Clause) -> Plan | None:
    """A question about the playlist answered from it, nothing changed: "is track 3 newer than track 5?",
    "how many rap songs are there?", "is 50 cent on here?", "which artist shows up the most?",
    "what's the split between pop and latin?"."""
    if not c.has:
        return None
    if (on_here := _title_on_here(c)) is not None:  # before _asking: "do you have shape of you in there?"
        return on_here
    if not _asking(c):
        return None
    comp = find(c.words, _COMPARATIVE)
    if comp:
        return _compare(c, comp)
    if find(c.words, _KIND_OF) and not _names_a_track(c.words):  # "what kind of music is this": the genres
        return _breakdown(c)
    lead = next((w for w in c.words if w not in _ASK_OPENERS), "")
    who = lead in ("who", "whos", "quien", "quienes")
    if who and positions(c.words, [p["title"] for p in c.playlist]) is None and (listed := _breakdown(c)):
        return listed  # "quien esta en la playlist": "esta" is no track pointed at here
    # "how much of it is rock": "it" is the playlist, not the track in focus
    pointed = None if _how_much_of([w for w in c.words if w not in _ASK_OPENERS]) else _refer(c)
    if pointed and len(pointed) == 1 and 1 <= pointed[0] <= c.n and (test := _track_test(c)):
        k, p = pointed[0], c.playlist[pointed[0] - 1]  # "is track 3 from the 2000s?": that track's answer
        label, ok = test
        return Plan.ask(f'#{k} "{p["title"]}" by {p["artist"]} is {"" if ok(p) else "not "}{label}. Nothing changed.')
    if pointed is not None or any(_directions(m) for m in c.matches("feature", "relative_years")):
        return None  # "what year is the first one from" is rule_explain's; "is there anything slower?" a change
    if (nobody := _unknown_by(c)) is not None:
        return nobody  # "is there anything by lofi girl": "lofi" is no mood asked about here
    test = _track_test(c) or (_asked_artist(c) if not c.matches() else None)
    if test is None:
        return _breakdown(c)
    label, ok = test
    hits = [(i, p) for i, p in enumerate(c.playlist, 1) if ok(p)]
    if not hits:
        return Plan.ask(f"None of the {c.n} tracks is {label}. Nothing changed.")
    return Plan.ask(
        f"{len(hits)} of {c.n} tracks {'are' if len(hits) > 1 else 'is'} {label}: {_listing(hits)}. Nothing changed."
    )


_TITLE_ASKS = frozenset(
    {
        "is",
        "s",
        "got",
        "have",
        "does",
        "do",
        "did",
        "you",
        "u",
        "we",
        "it",
        "the",
        "song",
        "track",
        "tune",
        "there",
        "esta",
        "tiene",
        "hay",
    }
)


def _title_on_here(c: Clause) -> Plan | None:
    """ "is bohemian rhapsody on here?", "do we have hotel california in it": the song's place, or that it is not
    there (and how to add it). None unless the words before "on here" are a song title of the catalog."""
    here = find(c.words, _ON_HERE)
    words = list(c.words[: here[0] if here else 0])
    words = words[next((i for i, w in enumerate(words) if w not in _ASK_OPENERS), len(words)) :]
    if not words or words[0] not in _ASKS:
        return None
    lead = next((i for i, w in enumerate(words[1:], 1) if w not in _TITLE_ASKS), len(words))
    # only the asking words before the title go: "shake it off", "under the bridge" keep their own "it", "the"
    keys = [tuple(words[lead:]), tuple(words[lead - 1 :]), tuple(w for w in words[1:] if w not in _TITLE_ASKS)]
    key, rows = next(((k, c.vocab.titles[k]) for k in keys if len(k) >= 2 and c.vocab.titles.get(k)), ((), None))
    if not rows:
        return None
    ids = {c.vocab.catalog.tracks[r].track_id for r in rows}
    hits = [(i, p) for i, p in enumerate(c.playlist, 1) if p["track_id"] in ids]
    if hits:
        return Plan.ask(f"Yes: {_listing(hits)}. Nothing changed.")
    song = c.vocab.catalog.tracks[rows[0]]
    return Plan.ask(f'No, "{song.title}" by {song.artist} is not in the playlist. Say "add {" ".join(key)}" to add it.')


def _unknown_by(c: Clause) -> Plan | None:
    """The answer to "anything by X?" where X is no artist of the catalog."""
    by = c.words.index("by") if "by" in c.words else None
    if by is None or any(m.kind == "artist" and m.start > by for m in c.matches()):
        return None
    said = " ".join(t.orig for t in c.reading.tokens[by + 1 :] if any(ch.isalnum() for ch in t.text)).strip()
    if not said or len(said) > 60 or c.vocab.artist(said) is not None:
        return None
    return Plan.ask(f'There is no artist called "{said}" in this catalog, so nothing here is by them. Nothing changed.')


_REDO_VERBS = frozenset({"redo", "replace", "change", "swap", "refresh", "reroll", "switch", "rework", "fix",
                         # "la 3 no me gusta, cambiala" ("cambia esa" once its object is split off), "reemplazala"
                         "cambia", "cambiala", "cambialo", "cambiar", "reemplaza", "reemplazala", "reemplazalo",
                         "reemplazar"})  # fmt: skip
_REDO = _REDO_VERBS | {"new", "different", "rest", "others", "fresh"}
_DISLIKE = _keys(("dont like", "do not like", "not like", "no like", "didnt like", "dont really like",
                  "not feeling", "not really feeling", "not a fan of", "not into", "not loving", "not digging",
                  "dont love", "dont dig", "not liking", "not vibing with", "no me gusta",
                  "not doing it for me", "isnt doing it for me", "doesnt do it for me", "dont do it for me",
                  "is not it", "not for me", "isnt for me", "is not for me", "is not doing it"))  # fmt: skip


def _part(words: Sequence[str], n: int) -> tuple[str, int] | None:
    """ "the first 5" / "the top 10" / "the first half" / "the second half": ("first"|"last", how many), else None."""
    for i, w in enumerate(words):
        if w in ("first", "top", "second", "last", "back", "bottom"):
            nxt = words[i + 1 : i + 2]
            if nxt == ["half"]:
                return ("first" if w in ("first", "top") else "last", n // 2)
            if w in ("first", "top", "last", "bottom") and (num := number_at(words, i + 1)):
                return ("first" if w in ("first", "top") else "last", num[0])
    return None


_GENDER_WORDS = frozenset({"female", "male", "woman", "women", "womens", "girl", "girls", "guy", "guys", "man", "men",
                           "lady", "ladies", "mujer", "mujeres", "hombre", "hombres", "chica", "chicas", "femenina",
                           "femeninas", "femenino", "masculino", "masculina", "feminine", "masculine"})  # fmt: skip
_VOICE_WORDS = frozenset({"singer", "singers", "vocals", "vocal", "vocalist", "vocalists", "voice", "voices", "artist",
                          "artists", "rapper", "rappers", "sung", "sings", "singing", "led", "fronted", "cantante",
                          "cantantes", "voz", "voces", "cantando", "artista", "artistas", "leads", "lead"})  # fmt: skip


_WHERE_WORDS = frozenset({"where", "wheres", "donde", "onde"})
# what may follow the name in "where is X at?", "where's X on here", "donde esta X en la lista"
_WHERE_TAIL = frozenset({"at", "on", "in", "here", "there", "this", "it", "the", "playlist", "list", "mix", "lista",
                         "en", "la", "?", "!", ".", "tho", "though", "lol", "bro", "fr", "pls", "please"})  # fmt: skip


def rule_where_is(c: Clause) -> Plan | None:
    """ "wheres the bts??", "where's drake?", "donde esta bad bunny": the listener misses an artist. On the
    playlist, where their tracks are is said; missing, some of theirs are added (the playlist stays)."""
    if not c.has:
        return None
    words = c.words
    k = next((i for i, w in enumerate(words) if w in _WHERE_WORDS and (i == 0 or words[i - 1] in _PUNCT)), None)
    if k is None:
        return None
    start = k + 1 + (words[k + 1 : k + 2] in (["is"], ["are"], ["s"], ["esta"], ["estan"], ["my"]))
    end = len(words)
    while end > start and words[end - 1] in _WHERE_TAIL:
        end -= 1
    named = _object_artist(c, start, end)
    if not named:
        return None
    hits = [(i, p) for i, p in enumerate(c.playlist, 1) if fold(str(p.get("artist", ""))) == fold(named)]
    if hits:
        return Plan.ask(
            f"{len(hits)} of {c.n} tracks {'are' if len(hits) > 1 else 'is'} by {named}: {_listing(hits)}. "
            "Nothing changed."
        )
    return Plan([call("widen", artists=[named])])


def rule_voice_gender(c: Clause) -> Plan | None:
    """ "songs with a female singer", "only women artists", "male vocals only": the catalog has no singer's gender,
    which is said plainly (read as words to search by, it made an unrelated playlist)."""
    words = c.words
    g = [k for k, w in enumerate(words) if w in _GENDER_WORDS]
    v = [k for k, w in enumerate(words) if w in _VOICE_WORDS]
    named = {k for m in c.matches("artist") for k in range(m.start, m.end)}  # "Men at Work", "Spice Girls"
    g = [k for k in g if k not in named]
    cue = {"by", "from", "por"}
    by = any((words[k - 1] in cue or (k > 1 and words[k - 1] in ("a", "the") and words[k - 2] in cue)) for k in g if k)
    if not by and not any(abs(a - b) <= 3 for a in g for b in v):
        return None
    if not c.has and c.matches(*_CONTENT_KINDS, negated=False):
        return None  # a first request that names music too: made from the rest, the gender noted by the extractor
    unchanged = " Your playlist is unchanged." if c.has else ""
    return Plan.ask(
        "The catalog doesn't say who sings a song or their gender, so I can't choose by a female or male singer."
        f'{unchanged} Name singers you like instead ("more like Dua Lipa"), or a genre, mood or era.'
    )


_OPENING = _keys(("first half", "start", "beginning", "begin", "first part", "opening", "primera mitad",
                  "principio", "inicio", "empieza", "empiece", "first few", "first songs", "early part"))  # fmt: skip
_CLOSING = _keys(("second half", "end", "ending", "last part", "finish", "segunda mitad", "final", "termina",
                  "last few", "last songs", "later part"))  # fmt: skip
_LOW_WORDS = frozenset({"chill", "calm", "slow", "mellow", "soft", "warm", "tranquila", "tranquilo", "relaxed",
                        "easy", "quiet", "low", "lento", "lenta", "suave", "chilled", "gentle", "lowkey",
                        "relajada"})  # fmt: skip
_HIGH_WORDS = frozenset({"hype", "fast", "crazy", "hard", "energy", "energetic", "intense", "banger", "bangers",
                         "loud", "wild", "lit", "energia", "upbeat", "high", "party", "rapido", "rapida", "heavy",
                         "turnt", "pumped", "prendida", "fuerte", "peak"})  # fmt: skip
_TEMPO_WORDS = frozenset({"slow", "fast", "bpm", "tempo", "rapido", "rapida", "lento", "lenta", "speed"})
_ARC_JOINERS = frozenset({"and", "y", ",", "then", "luego", "but", "pero", ";", "while"})


def rule_arc(c: Clause) -> Plan | None:
    """ "make the first half chill and the second half hype", "start it slow and end it fast", "calm at the start,
    crazy by the end", "la primera mitad tranquila y la segunda con más energía": the playlist's own tracks in an
    order that rises (or falls) from one end to the other. Read by parts, each said of one end."""
    if not c.has:
        return None
    chunks: list[list[str]] = [[]]
    for w in c.words:
        if w in _ARC_JOINERS:
            chunks.append([])
        else:
            chunks[-1].append(w)
    sides = {}
    for chunk in chunks:
        side = "open" if find(chunk, _OPENING) else "close" if find(chunk, _CLOSING) else None
        level = sum(w in _HIGH_WORDS for w in chunk) - sum(w in _LOW_WORDS for w in chunk)
        if side and level and side not in sides:
            sides[side] = level
    if len(sides) != 2 or (sides["open"] > 0) == (sides["close"] > 0):
        return None
    feature = "tempo" if _TEMPO_WORDS & set(c.words) else "energy"
    return Plan([call("sort", by=feature, descending=sides["open"] > 0)])


_WARM_UP = _keys(("warm up", "warmup", "warming up", "ease in", "ease into it", "calentamiento", "calentar"))
_COOL_DOWN = _keys(("cool down", "cooldown", "cooling down", "wind down", "winddown", "come down", "comedown",
                    "enfriamiento", "bajar"))  # fmt: skip
_OPENER_WORDS = frozenset({"first", "start", "begin", "beginning", "opening", "open", "opener", "intro", "primeras",
                           "primeros", "principio", "inicio"})  # fmt: skip
_CLOSER_WORDS = frozenset({"last", "end", "ending", "finish", "close", "closing", "outro", "ultimas", "ultimos",
                           "final"})  # fmt: skip
_RAMP = 4  # tracks a warm-up or a cool-down spans when no number is said


def rule_warm_up(c: Clause) -> Plan | None:
    """ "make the first few a warmup", "end with a cooldown", "start with a warm up, 3 songs": the playlist's own
    tracks in a ramp at that end (energy rising from low-mid over the first few, or falling to low over the last
    few), the rest in their order; where the playlist has nothing calm enough, the softest end track is swapped for
    a calmer one. Not "first half warm up, second half go hard" (rule_arc orders the whole playlist)."""
    words = c.words
    warm, cool = find(words, _WARM_UP), find(words, _COOL_DOWN)
    if not c.has or bool(warm) == bool(cool) or {"half", "mitad"} & set(words):
        return None
    cue = warm or cool
    if any(not cue[0] <= m.start < sum(cue) for m in c.matches(*_CONTENT_KINDS)):  # "warm up with some rock"
        return None
    reason = next((i for i in range(cue[0] - 1, 0, -1) if words[i] in _REASON_MARKS), None)
    if reason is not None and (find(words[:reason], _SUPERLATIVE) or _MOST & set(words[:reason])):
        return None  # "the slowest one first so we warm up": that track moves (rule_move), the warm-up its reason
    ends = _OPENER_WORDS if warm else _CLOSER_WORDS
    if not ends & set(words) and not (cool and find(words, _TO_END)) and not (warm and find(words, _TO_TOP)):
        return None
    energy = [float(p.get("energy") or 0.0) for p in c.playlist]
    k = max(2, min(amount_in([w for w in words if w not in ("a", "an")]) or _RAMP, c.n // 2))
    if c.n < 4 or not any(energy):
        return None
    ranked = sorted(range(1, c.n + 1), key=lambda i: (energy[i - 1], i))
    lo, hi = (0.15, 0.6) if warm else (0.1, 0.6)
    picks = list(dict.fromkeys(ranked[round((lo + (hi - lo) * j / (k - 1)) * (c.n - 1))] for j in range(k)))
    block = picks if warm else picks[::-1]
    plan = _block_placed(block, 0 if warm else c.n - len(block), c.n)
    calm_end = block[0] if warm else block[-1]
    if energy[calm_end - 1] > 0.6 and max(energy) - min(energy) < 0.2:  # nothing calm enough here: swap one in
        plan.actions.append(call("replace", positions=[calm_end], feature="energy", direction="down"))
    if not plan.actions:
        return Plan.ask(f"The {'first' if warm else 'last'} {len(block)} tracks already "
                        f"{'build up' if warm else 'wind down'}. Nothing changed.")  # fmt: skip
    return plan


_GENRE_NOUNS = frozenset({"genre", "genres", "style", "styles", "genero", "generos", "estilos", "estilo"})
_VARIETY = frozenset({"same", "variety", "varied", "vary", "mix", "diverse", "diversity", "different", "other",
                      "diversify", "otros", "otro", "otra", "otras", "distintos", "variedad", "variado", "mismo",
                      "wise", "mezcla", "more"})  # fmt: skip
_TOO_MUCH_WORDS = frozenset({"too", "much", "all", "always", "so", "many", "mucho", "demasiado"})
_ONLY_CUES = frozenset({"only", "just", "no", "nothing", "sin", "solo", "without", "not"})


def rule_genre_variety(c: Clause) -> Plan | None:
    """ "too much of the same genre", "its all rap, mix in some other genres", "more variety genre wise": about
    half the tracks of the genre most of the playlist shares give way to tracks of other genres that fit."""
    if not c.has or _ONLY_CUES & set(c.words):
        return None
    words = c.words
    said = c.matches("genre", negated=False)
    all_of = any(w == "all" and k + 1 < len(words) and any(m.start == k + 1 for m in said) for k, w in enumerate(words))
    variety = set(_VARIETY & set(words)) - {"same", "mismo"}
    if {"same", "mismo"} & set(words) and _TOO_MUCH_WORDS & set(words):
        variety.add("same")  # "too much of the same genre" (not "same genre but for running")
    if not ((_GENRE_NOUNS & set(words) and variety) or (all_of and variety)):
        return None
    if c.matches("artist", "years", "mood", negated=False):
        return None
    counts: dict[str, int] = {}
    tracks = [c.vocab.catalog[p["track_id"]] for p in c.playlist if p.get("track_id") in c.vocab.catalog.index]
    for t in tracks:
        for g in t.genres:
            counts[g] = counts.get(g, 0) + 1
    if not counts:
        return None
    top = max(counts.values())
    # the genre most tracks share gives way (tracks carry several genres, so adding others alone may change nothing)
    return Plan([call("lessen", genres=sorted(g for g, k in counts.items() if k == top))])


_SAME_WORDS = frozenset({"same", "mismo", "misma", "igual"})
_KEPT_KINDS = frozenset({"genre", "genres", "style", "styles", "music", "artists", "sound", "vibe", "era", "genero",
                         "estilo"})  # fmt: skip
_PURPOSE = frozenset({"for", "para", "pa", "while", "when", "during", "mientras"})
_LIKE_THIS = _keys(("like this", "like that", "like this one", "this but", "this one but", "como esta", "asi pero"))


def rule_same_for(c: Clause) -> Plan | None:
    """ "same but for running", "same vibe but for a run", "keep the genre but make it for studying", "lo mismo
    pero para el gym": the playlist's music (genres, years, artists, exclusions) for another occasion. Read alone,
    the occasion made a playlist of any genre."""
    if not c.has or find(c.words, _SAME_ARTIST):
        return None
    words = c.words
    same = next((k for k, w in enumerate(words) if w in _SAME_WORDS), None)
    if same is None and "keep" in words and _KEPT_KINDS & set(words[words.index("keep") :]):
        same = words.index("keep")
    if same is None and (at := find(words, _LIKE_THIS)):  # "this but for running", "one like this for sleeping"
        same = at[0]
    if same is None or c.matches("genre", "other_genre", "artist", "years", negated=False):
        return None
    purpose = next((k for k, w in enumerate(words) if (w in _PURPOSE or w in _BUT) and k > same), None)
    occasion = [m for m in c.matches("activity", "mood", negated=False) if m.start > same]
    if purpose is None or not any(m.kind == "activity" or m.start > purpose for m in occasion):
        return None
    return Plan([call("new_playlist", text=c.raw.strip(), same_music=True)])


_SAMEY = frozenset({"samey", "repetitive", "monotonous", "same", "alike", "similar", "varied", "variety", "diverse",
                    "boring", "repetitivo", "repetitiva", "igual", "iguales"})  # fmt: skip
_SOUND_KEYS = ("energy", "valence", "danceability", "acousticness")


_OFF_AFTER = frozenset({"is", "s", "feels", "seems", "sounds", "kinda", "bit", "little", "totally", "way", "sorta",
                        "so", "just", "kind", "feel", "seem", "sound", "are", "was", "lil"})  # fmt: skip


def _feels_off(words: Sequence[str]) -> bool:
    """ "the vibe is off on the second half", "the 2nd half feels a bit off": a complaint, not "cut off"."""
    return any(w == "off" and k and words[k - 1] in _OFF_AFTER for k, w in enumerate(words))


def rule_samey_part(c: Clause) -> Plan | None:
    """ "the 2nd half is kinda samey", "make the first half more varied": the tracks of that half most like another
    of it (in artist or sound) give way to others that fit the request."""
    pos = _half(c.words, c.n) if c.has and (_SAMEY & set(c.words) or _feels_off(c.words)) else None
    if not pos or c.matches(*_CONTENT_KINDS, "feature", negated=False) or len(pos) < 4:
        return None
    part = [c.playlist[k - 1] for k in pos]

    def nearest(i: int) -> float:
        a = part[i]
        if any(fold(str(b.get("artist", ""))) == fold(str(a.get("artist", ""))) for j, b in enumerate(part) if j != i):
            return -1.0  # an artist said twice in the half is the samest of all
        return min(
            sum((float(a.get(f, 0) or 0) - float(b.get(f, 0) or 0)) ** 2 for f in _SOUND_KEYS)
            + ((float(a.get("tempo", 0) or 0) - float(b.get("tempo", 0) or 0)) / 100) ** 2
            for j, b in enumerate(part)
            if j != i
        )

    samest = sorted(range(len(part)), key=lambda i: (nearest(i), i))[: len(part) // 2]
    return _positional("replace", sorted(pos[i] for i in samest), c.n)


def _cut_of_the_rest(c: Clause, redo: bool) -> tuple[int, int] | None:
    """Where "drop the rest" cuts in "track 1 is great, drop the rest"; None for "keep the first 3, get rid of the
    rest" (a part kept, read below) and "more of the acoustic ones, drop the rest" (music named: rule_drop_rest)."""
    if redo or "keep" in c.words or c.matches(*_CONTENT_KINDS, "feature", negated=False):
        return None
    return find(c.words, _REMOVE)


def rule_keep_part(c: Clause) -> Plan | None:
    """ "keep the first 5 and redo the rest", "keep only the top 10", "i like the first 5, change the rest",
    "replace everything except the first 3", "redo everything after track 5", "change the second half": the kept
    part stays in place and the rest is replaced (or dropped when nothing asks for new ones)."""
    if not c.has:
        return None
    words = c.words
    if (spared := _keep_all_but(c)) is not None:
        return spared
    redo = bool(_REDO_VERBS & set(words))
    cut_at = _cut_of_the_rest(c, redo)
    if (redo or cut_at) and {"rest", "others", "else"} & set(words) and (kept := _kept_named(c, cut_at)):
        # "i like 2 and 7, change the rest" swaps the others; "track 1 is great, drop the rest" leaves it alone
        return Plan([call("replace" if redo else "remove", positions=[i for i in range(1, c.n + 1) if i not in kept])])
    but = find(words, _EXCEPT)
    if "keep" in words or (redo and but) or (redo and ({"rest", "others"} & set(words))):
        at = words.index("keep") if "keep" in words else but[0] if but else 0
        part = _part(words[at : at + 6] if at or "keep" in words or but else words, c.n)
        if part is None and "keep" in words and not redo:  # "keep only tracks 1-10": the others go
            named = positions(words[at + 1 :], [p["title"] for p in c.playlist], verb=True)
            named = named or _picked_many(c, at + 1)  # "keep the 5 most popular"
            wide = len(named or []) >= 3 or "only" in words  # "keep track 3" alone may be praise: not a cut
            if named and wide and all(1 <= i <= c.n for i in named) and len(named) < c.n:
                return Plan([call("remove", positions=[i for i in range(1, c.n + 1) if i not in named])])
        if part is None or not 1 <= part[1] < c.n:
            return None
        side, k = part
        keep = range(1, k + 1) if side == "first" else range(c.n - k + 1, c.n + 1)
        rest = [i for i in range(1, c.n + 1) if i not in keep]
        redone = _REDO & set(words)
        if redone and not (find(words, _REMOVE) and redone <= {"rest", "others"}):  # "get rid of the rest": gone
            return Plan([call("replace", positions=rest)])
        return Plan([call("resize", length=k)]) if side == "first" else Plan([call("remove", positions=rest)])
    cut = find(words, _REMOVE)  # "remove everything after 10": those go, nothing comes in
    if not redo and not (cut and _ALL_OF & set(words[cut[0] + cut[1] : cut[0] + cut[1] + 3])):
        return None
    verb = next(i for i, w in enumerate(words) if w in _REDO_VERBS) if redo else cut[0]
    edge = next((i for i, w in enumerate(words) if w in ("after", "past", "before") and i > verb), None)
    bare = number_at(words, edge + 1) if edge is not None else None  # "after 10": a place, as the verb's object
    if bare and all(w in V.CHAT_FILLER or not any(ch.isalnum() for ch in w) for w in words[edge + 1 + bare[1] :]):
        pos: list[int] | None = [bare[0]]
    else:
        pos = _refer(make_clause(" ".join(words[edge + 1 :]), c.playlist, c.vocab)) if edge is not None else None
    if pos:
        if len(pos) != 1 or not 1 <= pos[0] <= c.n:  # "redo everything after track 5"
            return None
        after = words[edge] != "before"
        span = range(pos[0] + 1, c.n + 1) if after else range(1, pos[0])
        if _one_track(words[verb + 1 : edge]):  # "swap the song after track 3": that one
            span = range(pos[0] + 1, pos[0] + 2) if after else range(pos[0] - 1, pos[0])
            span = span if 1 <= span.start <= c.n else range(0)
        return Plan([call("replace" if redo else "remove", positions=list(span))]) if span else None
    if not redo or "half" not in words[verb:] or (part := _part(words[verb:], c.n)) is None:
        return None  # "change the first 5" is rule_replace's
    side, k = part
    span = range(1, k + 1) if side == "first" else range(k + 1 if c.n % 2 == 0 else k + 2, c.n + 1)
    return Plan([call("replace", positions=list(span))]) if k else None


def _one_track(words: Sequence[str]) -> bool:
    """Whether the words say one track ("the song", "the one"), not several ("the songs", "everything")."""
    said = set(words)
    return bool(said & {"song", "one", "track", "tune", "cancion"}) and not said & (_ALL_OF | {"songs", "tracks"})


_KEEP_ALL = frozenset({"keep", "leave", "deja", "manten"})
_ALL_ELSE = frozenset({"else", "the", "rest", "of", "it", "songs", "tracks", "on", "there", "here"})


def _keep_all_but(c: Clause) -> Plan | None:
    """ "keep everything except the 3 slowest", "leave it all but track 4": what the exception names goes."""
    words = c.words
    k = next((i for i, w in enumerate(words) if w in _KEEP_ALL), None)
    ex = find(words, _EXCEPT, k + 1) if k is not None else None
    if k is None or ex is None or ex[0] + ex[1] >= len(words):
        return None
    between = words[k + 1 : ex[0]]
    if not _ALL_OF & set(between) or not all(w in _ALL_OF | _ALL_ELSE for w in between):
        return None
    said = c.raw[c.reading.tokens[ex[0] + ex[1]].start :]
    plan = read_clause(make_clause(f"remove {said}", c.playlist, c.vocab, c.focus, c.last))
    return plan if plan.actions and not plan.question and plan.actions[0]["name"] in ("remove", "exclude") else None


_EXCEPT = _keys(("except", "except for", "but", "other than", "apart from", "besides", "aside from", "excluding"))
_ALL_OF = frozenset({"everything", "anything", "all", "every", "whatever", "todo", "todas", "todos"})


def _kept_named(c: Clause, cut: tuple[int, int] | None = None) -> list[int] | None:
    """The tracks named before "redo the rest" (or the ``cut`` verb of "drop the rest") that stay ("the fourth and
    fifth ones are great, keep those and redo everything else"), when they are not a first/last part ("keep the
    first 5" is ``_part``'s, but for a cut: "the last 3 are perfect, drop the rest")."""
    verb = cut[0] if cut else next(i for i, w in enumerate(c.words) if w in _REDO_VERBS)
    said = c.words[:verb]
    if (part := _part(said, c.n)) is not None:
        if not cut or not 1 <= part[1] < c.n:
            return None
        return list(range(1, part[1] + 1)) if part[0] == "first" else list(range(c.n - part[1] + 1, c.n + 1))
    kept = _picked_many(c, 0, verb) or positions(said, [p["title"] for p in c.playlist])  # "keep the 3 oldest"
    if kept is None and {"keep", "like", "love"} & set(said):  # "i like 2 and 7, change the rest"
        kept = next((_number_list(said, j, c.n) for j, w in enumerate(said) if w.isdigit()), None)
    return kept if kept and all(1 <= k <= c.n for k in kept) and len(kept) < c.n else None


def rule_dislike(c: Clause) -> Plan | None:
    """ "i don't like the 4th one", "not feeling track 2", "not a fan of that one": those tracks go."""
    hit = find(c.words, _DISLIKE)
    if not hit or not c.has:
        return None
    before = make_clause(" ".join(c.words[: hit[0]]), c.playlist, c.vocab, c.focus)
    pos = _refer(c, hit[0] + hit[1], verb=True) or _refer(before)  # "not feeling 4 and 6": bare places too
    redo = _REDO_VERBS & set(c.words[hit[0] + hit[1] :])  # "the number 3 i dont like, change it": swapped, not cut
    return _positional("replace" if redo else "remove", pos, c.n) if pos else None


_PUNCT = frozenset({"!", ".", "?", ","})
_JUDGED_FILLER = frozenset({"so", "kinda", "kind", "of", "really", "pretty", "lowkey", "honestly", "tbh", "ngl",
                            "just", "straight", "total", "totally", "complete", "a", "bit", "little",
                            "too"})  # fmt: skip


# gripes that leave no doubt a track should go; a mild one ("mid", "meh") is asked about
_DAMNING = frozenset({"trash", "garbage", "sucks", "suck", "terrible", "awful", "horrible", "bad", "crap", "wack",
                      "ass", "basura", "malisima", "malisimo"})  # fmt: skip


def rule_judged(c: Clause) -> Plan | None:
    """ "4 and 9 are trash", "7 is garbage", "the 2nd one sucks": tracks damned with no verb are swapped for others
    that fit the same request (the length stays), not met with a question."""
    words = c.words
    k = next((i for i, w in enumerate(words) if w in _COPULAS or w in _DAMNING), None)
    if not k:
        return None
    after = [w for w in words[k + (words[k] in _COPULAS) :] if w not in _JUDGED_FILLER | V.CHAT_FILLER | _PUNCT]
    mild = bool(after) and set(after) <= V.GRIPE_WORDS and not set(after) & _DAMNING
    if not after or not (set(after) <= _DAMNING or mild):
        return None
    if not c.has:  # "the closer's mid" before any playlist: a track judged, not music to play
        return _need_playlist() if _names_a_track(words[:k] + words[k : k + 1]) else None
    pos = positions([w for w in words[:k] if w not in V.CHAT_FILLER], [p["title"] for p in c.playlist], verb=True)
    if not pos and (kind := _judged_kind(c, k, mild)) is not None:
        return kind  # "the 80s ones are bad", "the rap songs are trash": those tracks go (not: only the 80s)
    if pos and mild and len(pos) > 1 and all(1 <= i <= c.n for i in pos):  # "6 and 9 are mid": asked, not done
        listed = ", ".join(str(i) for i in pos[:-1]) + f" and {pos[-1]}"
        return Plan.ask(
            f'What should I do with tracks {listed}? You can say "drop them", "replace them" or "why track {pos[0]}?".'
        )
    return _positional("replace", pos, c.n) if pos and not mild else None


_KIND_NOUNS = frozenset({"the", "ones", "one", "songs", "song", "tracks", "stuff", "music", "tunes", "all",
                         "those", "these", "las", "los", "canciones", "de", "from", "by", "of", "that", "are",
                         "is"})  # fmt: skip


def _judged_kind(c: Clause, k: int, mild: bool) -> Plan | None:
    """ "the 80s ones are bad", "the rap stuff sucks", "the 80s songs are boring": a kind of track (a genre, years
    or an artist) judged with no verb. Damned, those tracks go as "no 80s" would take them; a mild gripe asks."""
    kinds = [m for m in c.matches("genre", "years", "artist", negated=False) if m.end <= k]
    if not kinds or c.matches(negated=True) or c.matches("mood", "feature", "length", "activity"):
        return None
    inside = {i for m in kinds for i in range(m.start, m.end)}
    rest = [w for i, w in enumerate(c.words[:k]) if i not in inside]
    if not set(rest) <= _KIND_NOUNS | V.CHAT_FILLER | _PUNCT:
        return None
    spans = [[t.orig for t in c.reading.tokens[m.start : m.end]] for m in kinds]
    said = " and ".join(" ".join(w[1:] if len(w) > 1 and fold(w[0]) in ("the", "los", "las") else w) for w in spans)
    if mild:
        return Plan.ask(
            f'Should the {said} tracks go? Say "no {said}" to take them out or "less {said}" for fewer. '
            "Nothing changed."
        )
    plan = read_clause(make_clause(f"no {said}", c.playlist, c.vocab, c.focus))
    return plan if plan.actions else None


def rule_artist_ends(c: Clause) -> Plan | None:
    """ "put the bad bunny songs first", "move all the Drake tracks to the end": that artist's tracks, in order;
    "start with something by usher", "end with some queen": the place said before them, as "put ... first"."""
    words = c.words
    move, lead_top, lead_end = find(words, _MOVE), find(words, _TO_TOP), find(words, _TO_END)
    lead = None if move else lead_top or lead_end
    if not c.has or not (move or lead):
        return None
    top = any(w in ("first", "top", "start", "front", "beginning") for w in words) if move else bool(lead_top)
    end = any(w in ("last", "end", "bottom") for w in words) if move else bool(lead_end)
    if top == end:
        return None
    found, _ = names_in(c.reading, c.vocab)
    kinds = found["genres"] + found["subgenres"] + found["moods"]
    one = _SOME_OF.intersection(words) - {"song", "track", "tune"} and not c.matches("feature")  # not "calm": by sound
    one = one and not _MANY_OF.intersection(words)  # "put some rock songs first": all of them, as "the rock songs"
    if lead and not found["artists"]:
        return None  # "end with something chill", "start with the sad songs": rule_move picks by sound or mood
    if not found["artists"] and len(kinds) == 1 and one and not (_MOST & set(words) or find(words, _SUPERLATIVE)):
        return _one_of_kind(c, kinds[0], found, top)  # "put something romantic first"; "the most ...": rule_move
    if not found["artists"] and len(kinds) == 1 and {"songs", "tracks", "ones", "stuff"} & set(words):
        what = kinds[0]  # "put the sad songs at the end", "move the rock tracks to the top"
        mine = [i for i, p in enumerate(c.playlist, 1) if what in (p.get("genres") or []) + (p.get("moods") or [])]
        if not mine or len(mine) == c.n:
            return Plan.ask(f"{'No' if not mine else 'Every'} track in the playlist is {what}, so nothing moved.")
        return _to_ends(mine, top, c.n)
    if not found["artists"] and not kinds and (era := _era_to_ends(c, top)):
        return era  # "put the 80s ones at the end"
    after, stop = (move[0] + move[1], _first_end(words)) if move else (lead[0] + lead[1], len(words))
    artists = found["artists"] or [a for a in [_object_artist(c, after, stop)] if a]
    if len(artists) != 1 or found["genres"] or found["subgenres"]:
        return None
    mine = [i for i, p in enumerate(c.playlist, 1) if fold(p["artist"]) == fold(artists[0])]
    if not mine and (song := _song_to_place(c, top)) is not None:
        return song  # "put Blinding Lights at the top": a song of the catalog, by its title, there
    if not mine and _SOME_OF.intersection(words):  # "put something by rihanna at the start": one of theirs, there
        added = call("widen", artists=[artists[0]], count=1)
        return Plan([added, call("move", position=c.n + 1, to=1)] if top else [added])
    if not mine:
        return Plan.ask(f"There is no {artists[0]} in the playlist to move. Nothing changed.")
    return _to_ends(mine, top, c.n)


def _era_to_ends(c: Clause, top: bool) -> Plan | None:
    """ "put the 80s ones at the end", "move the songs from before 2000 to the top": the playlist's tracks of those
    years go there, in order (it kept only the 80s)."""
    years = c.reading.query.years
    if (
        years is None
        or not c.matches("years", negated=False)
        or not {"songs", "tracks", "ones", "stuff"} & set(c.words)
    ):
        return None
    lo, hi = years.start or 0, years.end or 9999
    mine = [i for i, p in enumerate(c.playlist, 1) if p.get("year") is not None and lo <= int(p["year"]) <= hi]
    if not mine or len(mine) == c.n:
        return Plan.ask(
            f"{'No' if not mine else 'Every'} track in the playlist is from {years.source or 'then'}, so nothing moved."
        )
    return _to_ends(mine, top, c.n)


def _one_of_kind(c: Clause, what: str, found: dict[str, list[str]], top: bool) -> Plan:
    """ "put something romantic first", "end with something chill": the playlist's first track of that kind goes
    there; with none, one comes in there."""

    def labels(p: dict[str, Any]) -> list[str]:  # the item's own labels, else the catalog's
        if "genres" in p or "moods" in p:
            return list(p.get("genres") or []) + list(p.get("moods") or [])
        tr = c.vocab.catalog.get(p["track_id"])
        return list(tr.genres + tr.subgenres + tr.moods) if tr is not None else []

    mine = [i for i, p in enumerate(c.playlist, 1) if what in labels(p)]
    if mine:
        k, to = (mine[0], 1) if top else (mine[-1], c.n)
        if k == to:
            p = c.playlist[k - 1]
            return Plan.ask(f'#{k} "{p["title"]}" by {p["artist"]} is {what} already. Nothing changed.')
        return Plan([call("move", position=k, to=to)])
    kind = next(k for k in ("genres", "subgenres", "moods") if what in found[k])
    added = call("widen", **{kind: [what]}, count=1)
    return Plan([added, call("move", position=c.n + 1, to=1)] if top else [added])


_SOME_OF = frozenset({"something", "some", "a", "one", "song", "track", "tune", "algo"})
_MANY_OF = frozenset({"songs", "tracks", "tunes", "ones", "stuff", "few", "couple", "all", "canciones"})


def _song_to_place(c: Clause, top: bool) -> Plan | None:
    """A catalog song named by its title between the verb and the end it goes to, not in the playlist yet."""
    words = c.words
    verb = find(words, _MOVE)
    if verb is None:
        return None
    key = tuple(w for w in words[sum(verb) : _first_end(words)] if w not in ("at", "to", "the", "on"))
    if len(key) < 2 or not c.vocab.titles.get(key):
        return None
    return Plan([call("add_song", title=" ".join(key), first=top)])


def _to_ends(mine: list[int], top: bool, n: int) -> Plan:
    """Moves that bring the tracks at ``mine`` to the top (in order) or to the end."""
    if mine == (list(range(1, len(mine) + 1)) if top else list(range(n - len(mine) + 1, n + 1))):
        listed = ", ".join(f"#{k}" for k in mine)
        return Plan.ask(
            f"{'Those are' if len(mine) > 1 else 'That is'} {listed}, {'first' if top else 'last'} already."
        )
    if top:
        return Plan([call("move", position=p, to=k) for k, p in enumerate(mine, 1)])
    return Plan([call("move", position=p, to=n) for p in mine])


def _first_end(words: Sequence[str]) -> int:
    """Where "first" / "to the end" begins: the end of an artist's name in "put the cnco songs first"."""
    for i, w in enumerate(words):
        if w in ("first", "top", "start", "front", "beginning", "last", "end", "bottom", "to", "at"):
            return i
    return len(words)


_ADD_SONG = _keys(("add", "get", "put", "include", "throw in", "stick", "can we get", "can you add",
                   "can we have", "play", "we need", "i want", "agrega", "pon", "ponme", "i want to hear",
                   "i wanna hear", "let me hear", "can i hear", "can you play", "quiero escuchar"))  # fmt: skip
_SONG_TAIL = frozenset({"in", "there", "too", "please", "pls", "it", "to", "the", "playlist", "list", "mix", "as",
                        "well", "also", "somewhere", "?", "!", ",", ".", "on", "here", "y", "por",
                        "favor"})  # fmt: skip


def rule_add_song(c: Clause) -> Plan | None:
    """ "can we get Dancing Queen in there", "add Blinding Lights by The Weeknd": that song, by its title."""
    hit = find(c.words, _ADD_SONG)
    if not hit:
        return None
    words, start = c.words, hit[0] + hit[1]
    if words[start : start + 1] == ["some"]:  # "add some love songs": an amount of music, not one song's title
        return None
    middle = _middle_said(words)  # "put hotel california somewhere in the middle": the title ends there
    if not c.has and (middle is None or c.matches(*_CONTENT_KINDS, negated=False)):
        return None  # before a playlist, only "put <a title> in the middle" is a song to build around
    stop = len(words) if middle is None else middle
    place = {} if middle is None else {"at": c.n // 2 + 1} if c.has else {"middle": True}
    if middle is None and (edge := _edge_said(words)) is not None:  # "add uptown funk at the very end"
        stop, place = edge[0], ({"first": True} if edge[1] else {})
    for end in range(stop, start, -1):
        tail = words[end:stop]
        by = tail.index("by") if "by" in tail else None
        rest = [w for w in (tail[:by] if by is not None else tail) if w not in _SONG_TAIL]
        key = tuple(w for w in words[start:end])
        while key and key[0] in ("the", "song", "track", "some", "to", "hear"):
            key = key[1:]
        owner = None
        for k in range(len(key) - 1) if by is None else ():  # "add the weeknd's blinding lights": their song
            if key[k].endswith("s") and (owner := c.vocab.artist(" ".join((*key[:k], key[k][:-1])))):
                key = key[k + 1 :]
                break
        rows = c.vocab.titles.get(key) if len(key) >= (1 if owner else 2) and not rest else None
        if rows:
            artist = c.vocab.artist(" ".join(tail[by + 1 :])) if by is not None else owner
            if by is not None and not artist:
                return None
            start = end - len(key)
            title = " ".join(t.orig for t in c.reading.tokens[start:end])
            song = call("add_song", title=title, **({"artist": artist} if artist else {}), **place)
            if not c.has:  # "put hotel california in the middle" as a first message: a playlist around that song
                around = f"songs like {title}" + (f" by {artist}" if artist else "")
                return Plan([call("new_playlist", text=around), song])
            return Plan([song])
    return None


_IN_THE_MIDDLE = _keys(("in the middle", "somewhere in the middle", "in the middle somewhere", "halfway through",
                        "en medio", "en el medio", "a la mitad"))  # fmt: skip


_SONG_EDGES = _keys(("at the end", "at the very end", "to the end", "at the bottom", "as the last one", "last",
                     "at the start", "at the very start", "at the beginning", "at the very beginning", "at the top",
                     "to the top", "first", "al final", "al principio"))  # fmt: skip
_FIRST_EDGE = frozenset({"start", "beginning", "top", "first", "principio"})


def _edge_said(words: Sequence[str]) -> tuple[int, bool] | None:
    """Where "at the (very) end" / "at the top" starts when it ends the message (chat filler aside), and whether it
    is the first place: a song's title ends there ("add uptown funk at the very end")."""
    k = 1
    while k < len(words) and (hit := find(words[k:], _SONG_EDGES)) is not None:
        at = k + hit[0]
        if not _content(words[at + hit[1] :], [("of", "the", "playlist", "list", "mix", "night")]):
            return at, bool(_FIRST_EDGE & set(words[at : at + hit[1]]))
        k = at + 1
    return None


def _middle_said(words: Sequence[str]) -> int | None:
    """Where "(somewhere) in the middle" starts when it ends the message (chat filler aside), else None."""
    hit = find(words, _IN_THE_MIDDLE)
    if hit is None or _content(words[sum(hit) :], [("of", "the", "playlist", "list", "mix")]):
        return None
    return hit[0]


def rule_content_filter(c: Clause) -> Plan | None:
    """ "no explicit stuff": the catalog has no explicit flag, so tracks whose titles are explicit go (the reply says
    some explicit songs may remain)."""
    if not c.has or not c.matches("content") or c.matches(*_CONTENT_KINDS, "feature", "length", "duration"):
        return None
    return Plan([call("exclude", clean_titles=True)])


_DUPLICATES = frozenset({"duplicate", "duplicates", "dupes", "dupe", "duplicated", "repeats", "repeated",
                         "repetidas", "repetidos", "repetida", "duplicadas"})  # fmt: skip


_REROLL = _keys(("try again", "different songs", "different tracks", "other songs", "other tracks", "new songs",
                  "new tracks", "reroll", "re roll", "refresh", "regenerate", "something else", "give me others",
                  "another batch", "a new batch", "fresh batch", "otra vez", "otras canciones", "canciones diferentes",
                  "different ones", "other ones", "new ones", "replace everything", "redo everything", "redo it all",
                  "swap out everything", "swap everything", "replace all of them", "replace them all",
                  "change all the songs", "cambia todas", "fresh ones", "fresh songs", "fresh tracks",
                  "canciones nuevas", "nuevas canciones", "otras nuevas"))  # fmt: skip
# "redo the whole thing", "redo it" (not right after an undo: rule_redo): the same request, every track picked afresh
_REDO_ALL = _keys(("redo the whole thing", "redo the whole playlist", "redo the playlist", "redo the whole list",
                   "redo the list", "redo the mix", "redo the whole mix", "redo it", "redo this", "redo it all over",
                   "do it over", "do the whole thing again", "do it all again", "do the whole thing over",
                   "hazla de nuevo", "rehazla"))  # fmt: skip
# "do it again" right after a new playlist (or a fresh batch): the same request, fresh picks
_AGAIN = _keys(("do it again", "do that again", "again please", "one more time", "otra vez", "de nuevo",
                "try that again", "try it again"))  # fmt: skip
_GRIPES = V.GRIPE_WORDS
_GRIPE_ANSWER = (
    'Sorry about that. Say what\'s off, for example "more upbeat", "no rap", "only 2000s", or "try again" for '
    "different songs that fit the same request. Nothing changed."
)
# a gripe about the whole playlist in other words: "hmm not quite", "not feeling it" (with no track in focus)
_NOT_QUITE = _keys(("not quite", "not feeling it", "not feeling this", "not vibing with it", "not vibing with this",
                    "not really feeling it", "im not feeling it", "not into it", "not into this"))  # fmt: skip
_NOT_QUITE_WORDS = ("this", "is", "it", "so", "kinda", "not", "quite", "feeling", "vibing", "with", "really", "im",
                    "into", "hmm")  # fmt: skip


def _new_songs(words: Sequence[str], start: int, end: int) -> bool:
    """Whether words[start:end] is "new" or "fresh" said of the tracks themselves ("new ones", "fresh songs")."""
    if words[start:end] in (["new"], ["fresh"]):
        return end < len(words) and words[end] in _SONG_NOUNS
    return words[start:end] in (["nuevas"], ["nuevos"]) and start > 0 and words[start - 1] in _SONG_NOUNS


_SONG_NOUNS = frozenset({"one", "ones", "song", "songs", "tracks", "tunes", "picks", "canciones"})
_SHAKE_UP = _keys(("switch it up", "change it up", "shake it up", "switch things up", "change things up",
                   "shake things up", "switch this up", "change this up", "shake this up", "freshen it up",
                   "freshen this up", "freshen things up"))  # fmt: skip
_SHAKE_HEDGES = frozenset({"bit", "little", "lil", "slightly", "tad", "some", "somewhat", "poco", "a"})


_REROLL_ASKS = ("give", "me", "just", "dame", "quiero", "pon", "ponme", "want", "need", "get")


def rule_reroll(c: Clause) -> Plan | None:
    """ "try again", "give me different songs", "reroll": every track swapped for another that fits the same
    request; a bare gripe ("this sucks", "nah") gets the ways to say what is off."""
    words = c.words
    # "new ones", "give me new songs": other songs, not newer years (which "newer" and "new music from..." still are)
    rel = [m for m in c.matches("relative_years") if not _new_songs(words, m.start, m.end)]
    if not c.has or c.matches(*_CONTENT_KINDS, "feature", "popularity") or rel:
        return None
    if "new" in words and {"one", "song"} & set(words) and not _content(words, [("new", "one", "song", "a", "get")]):
        # "new one please": the track in focus swapped ("why #3?" - "new one please"), else one more song
        return Plan([call("replace", positions=[c.focus])]) if c.focus else Plan([call("more", count=1)])
    redo = find(words, _REDO_ALL) and not _content(words, _REDO_ALL)  # "redo it" with a track in focus: all of it
    again = c.last in (None, "new_playlist", "replace") and find(words, _AGAIN) and not _content(words, _AGAIN)
    if redo or again:
        return Plan([call("replace", positions=list(range(1, c.n + 1)))])
    if (pos := _refer(c)) is not None:  # "something different for the last 5": those swapped
        return _positional("replace", pos, c.n) if _OTHER_FOR & set(words) and "for" in words else None
    if find(words, _REROLL) and amount_in(words) is None and not _content(words, _REROLL + [_REROLL_ASKS]):
        return Plan([call("replace", positions=list(range(1, c.n + 1)))])
    if (shake := find(words, _SHAKE_UP)) and not _content(words, [*_SHAKE_UP, _REROLL_ASKS, _SHAKE_HEDGES]):
        # "switch it up", "change things up a bit": fresh picks for the same request; hedged, a third of them
        step = 3 if set(words[sum(shake) :]) & _SHAKE_HEDGES else 1
        return Plan([call("replace", positions=list(range(2 if step > 1 else 1, c.n + 1, step)))])
    griped = set(words) & _GRIPES or find(words, _NOT_QUITE)  # "hmm not quite", "not feeling it"
    if griped and not _content(words, [tuple(_GRIPES), _NOT_QUITE_WORDS]):
        return Plan.ask(_GRIPE_ANSWER)
    return None


_OTHER_FOR = frozenset({"different", "else", "other", "fresh"})


_ALL_BUT = _keys(("all but", "everything but", "all except", "everything except", "all of them except",
                  "all of them but", "everything other than", "all other than", "everything apart from",
                  "all apart from", "everything besides", "all the rest but", "todo menos", "todas menos",
                  "todo excepto", "todas excepto", "todas salvo", "todo salvo"))  # fmt: skip


def rule_all_but(c: Clause) -> Plan | None:
    """ "remove all but track 3", "drop everything except the first 5", "quita todas menos la 2": the rest go, those
    tracks stay (never a start over, never the named ones removed)."""
    hit = find(c.words, _ALL_BUT) if c.has else None
    if not hit or not find(c.words[: hit[0]], _REMOVE):
        return None
    pos = positions(c.words[sum(hit) :], [p["title"] for p in c.playlist], verb=True)
    keep = {k for k in pos or () if 1 <= k <= c.n}
    if not keep:
        return None
    gone = [k for k in range(1, c.n + 1) if k not in keep]
    return Plan([call("remove", positions=gone)]) if gone else Plan.ask("That is every track. Nothing changed.")


def rule_duplicates(c: Clause) -> Plan | None:
    """ "get rid of the duplicates", "any dupes?", "is anything on here twice": the later copies of a song (any
    version of it) go; none there is said."""
    words = c.words
    twice = any(w == "twice" and words[i + 1 : i + 2] != ["as"] for i, w in enumerate(words))  # not "twice as many"
    twice = twice and not find(words, _IN_A_ROW) and not c.matches("artist_cap")  # "the same artist twice in a row"
    if not c.has or not (twice or _DUPLICATES & set(words)) or c.matches(*_CONTENT_KINDS) or _refer(c) is not None:
        return None
    if find(words, _SAME_ARTIST) or _ARTIST_NOUNS & set(words):  # "no repeats of the same artist": one each
        return Plan([call("cap_artists", per_artist=1)])
    seen: set[str] = set()
    later = []
    for i, p in enumerate(c.playlist, 1):
        key = song_key(str(p.get("title", "")), str(p.get("artist", "")))
        if key in seen:
            later.append(i)
        seen.add(key)
    if not later:
        return Plan.ask(f"No song is on it twice: the {c.n} tracks are {c.n} different songs. Nothing changed.")
    return Plan([call("remove", positions=later)])


_PLAY = _keys(("play it", "play this", "play the playlist", "start playing", "hit play", "can you play", "ponla",
               "reproducela", "reproduce"))  # fmt: skip


# said alone, what a music player's buttons do
_PLAYER_WORDS = frozenset({("next",), ("skip",), ("pause",), ("stop",), ("resume",), ("previous",), ("prev",),
                           ("volume", "up"), ("next", "song"), ("next", "one"), ("next", "track"),
                           ("siguiente",)})  # fmt: skip


def rule_play(c: Clause) -> Plan | None:
    """ "play it": PlayGenie makes playlists and does not play audio; it says where they can be played."""
    hit = find(c.words, _PLAY)
    said = tuple(w for w in c.words if w not in ("?", "!", ".", "please", "pls"))
    player = said in _PLAYER_WORDS and not (said == ("skip",) and c.focus)  # "skip" after "why #3" skips #3
    if not c.has or not (hit or player):
        return None
    if hit and _content(c.words[hit[0] + hit[1] :], (("please", "pls", "now", "for", "me"),)):
        return None
    return Plan.ask(
        'I make the playlist but don\'t play audio: "export it as m3u" (or xspf, jspf, csv) gives a file your '
        "player opens, with each track's Spotify link. Nothing changed."
    )


def rule_shuffle(c: Clause) -> Plan | None:
    """ "shuffle it", "mix up the order", "randomize": the same tracks in another order ("too much edm, mix it up"
    asks for other music: rule_lessen)."""
    if not find(c.words, _SHUFFLE) or (find(c.words, _MIX_IT_UP) and c.matches(*_CONTENT_KINDS)):
        return None
    return Plan([call("shuffle")]) if c.has else _need_playlist()


_MIX_IT_UP = _keys(("mix it up", "mix things up", "switch it up"))
_SHUFFLE = _keys(("shuffle", "randomize", "randomise", "mix up the order", "mix it up", "random order", "mezcla",
                  "mezclalas", "en orden aleatorio"))  # fmt: skip


_SORT_VERBS = frozenset(V.SORT_VERBS)
_BUILD_UP, _WIND_DOWN, _FLOW = _keys(V.BUILD_UP_PHRASES), _keys(V.WIND_DOWN_PHRASES), _keys(V.FLOW_PHRASES)
_REVERSE = _keys(V.REVERSE_PHRASES)
_REVERSE_ONLY = frozenset({w for p in V.REVERSE_PHRASES for w in p.split()} | {"it", "the", "order", "playlist",
                           "list", "can", "you", "u", "please", "pls", "just", "play", "?", "!", "."}
                          | V.WHOLE_PLAYLIST_WORDS)  # fmt: skip
_IN_A_ROW = _keys(("back to back", "back-to-back", "in a row", "next to each other", "one after another",
                   "one after the other", "space out the artists", "spread out the artists", "spread the artists",
                   "space the artists", "seguidas", "seguidos"))  # fmt: skip
_PLACE_VERBS = _keys(("put", "place", "move", "stick", "pon", "mueve"))
_TOP_WORDS = frozenset({"first", "top", "start", "front", "beginning", "primero", "primeras", "primeros", "primera"})
_END_WORDS = frozenset({"last", "end", "bottom", "final", "ultimo", "ultimas", "ultimos", "ultima"})
_TO_WORDS = frozenset({"to", "a", "into", "hasta", "then", "->"})
_GROUP_NOUNS = frozenset({"ones", "songs", "tracks", "stuff", "tunes", "bangers", "canciones", "temas", "music"})
_PLACED_ARTICLES = frozenset({"the", "las", "los", "la", "el", "mas", "most", "ones", "al", "at"})


def rule_middle(c: Clause) -> Plan | None:
    """ "put the bangers in the middle": the sort tool puts tracks first or last, so say that and change nothing."""
    words = c.words
    polar = [w for w in words if V.SORT_FIELDS.get(w, ("", 0))[1]]
    if not c.has or not polar or not {"middle", "medio"} & set(words) or not find(words, _PLACE_VERBS):
        return None
    said = polar[0] if polar[0] in _GROUP_NOUNS else f"{polar[0]} ones"
    return Plan.ask(
        f'I can put the {said} first or at the end ("put the {said} first"), or let the energy build up ("start '
        'slow and build up"). Nothing changed.'
    )


def rule_spread_or_reverse(c: Clause) -> Plan | None:
    """ "no back to back songs by the same artist": artists spaced out; "reverse it", "flip the order": the
    order turned around. The same tracks either way."""
    words = c.words
    if not c.has:
        return None
    if find(words, _TOGETHER) and not c.matches(negated=True) and (grouped := _grouped(c)):
        return grouped
    content = c.matches(*_CONTENT_KINDS)  # "dont put rihanna songs back to back": spaced out, not gone
    if find(words, _IN_A_ROW) and all(m.kind == "artist" and m.negated for m in content):
        return Plan([call("sort", by="spread")])
    if find(words, _REVERSE) and not [w for w in words if w not in _REVERSE_ONLY]:
        return Plan([call("sort", by="reverse")])
    return _part_reversed(c) if find(words, _REVERSE) else None


def _part_reversed(c: Clause) -> Plan | None:
    """ "reverse the last 5", "flip the order of tracks 3-6": those tracks in the other order, where they stand."""
    hit = find(c.words, _REVERSE)
    rest = [w for w in c.words if w not in _REVERSE_ONLY - {"the"} and w not in ("of",)]
    pos = positions(rest, [p["title"] for p in c.playlist], verb=True) if hit else None
    if not pos or len(pos) < 2 or pos != list(range(pos[0], pos[0] + len(pos))) or pos[-1] > c.n:
        return None
    return _block_placed(pos[::-1], pos[0] - 1, c.n)


_TOGETHER = _keys(("together", "next to each other", "back to back", "juntas", "juntos", "seguidas"))
_GROUP_VERBS = frozenset({"group", "put", "keep", "cluster", "bunch", "have", "place", "play", "pon", "junta"})


def _grouped(c: Clause) -> Plan | None:
    """ "group the rihanna songs together", "put the rap songs back to back": each of those tracks moves up to
    follow the first of them, the rest keep their order (before: a new playlist of the words)."""
    found, _ = names_in(c.reading, c.vocab, negated=False)
    said = " " + " ".join(c.words) + " "  # "the drake songs": a lower-case name of an artist on the playlist
    here = {fold(p.get("artist", "")) for p in c.playlist}
    found["artists"] += [a for a in here if a and f" {' '.join(V.key(a))} " in said]
    if not c.words or c.words[0] not in _GROUP_VERBS or not (found["artists"] or found["genres"]):
        return None
    if c.words[1:2] == ["together"] or find(c.words, _TO_TOP) or find(c.words, _TO_END) or "end" in c.words:
        return None  # "put together a rock playlist" makes one; "... at the end together" is a move
    artists, genres = {fold(a) for a in found["artists"]}, set(found["genres"])
    hits = [
        i
        for i, p in enumerate(c.playlist, 1)
        if fold(p.get("artist", "")) in artists or genres & set(p.get("genres") or [])
    ]
    if len(hits) < 2:
        return Plan.ask(
            f"Only {len(hits)} of the {c.n} tracks {'is' if len(hits) == 1 else 'are'} that. Nothing changed."
        )
    moves = [call("move", position=p, to=hits[0] + k) for k, p in enumerate(hits[1:], 1) if p != hits[0] + k]
    return Plan(moves) if moves else Plan.ask(f"Those {len(hits)} tracks are together already. Nothing changed.")


_ASCENDING = _keys(("low to high", "lowest to highest", "ascending", "smallest to largest", "least to most",
                    "small to big", "lowest first", "de menor a mayor", "ascendente"))  # fmt: skip
_DESCENDING = _keys(("high to low", "highest to lowest", "descending", "largest to smallest", "most to least",
                     "big to small", "highest first", "de mayor a menor", "descendente"))  # fmt: skip


def _sort_way(words: Sequence[str], f: str) -> int:
    """A field's order said with no end of it: "low to high" (up) or "high to low"; else "sort by year" and
    "chronological" are oldest first (unless reversed) and "sort by energy" highest first."""
    if find(words, _ASCENDING) or find(words, _DESCENDING):  # "sort by bpm low to high"
        return -1 if find(words, _ASCENDING) else 1
    return -1 if f == "year" and not find(words, _REVERSE) else 1


_RAMP_ENDS = {"low": False, "lowest": False, "least": False, "high": True, "highest": True, "most": True}


def _ramp(words: Sequence[str]) -> tuple[str, bool] | None:
    """(field, descending) of "low energy to high energy", "from high bpm to low bpm": one field's two ends with
    the field said between them or after."""
    for i, w in enumerate(words):
        if w not in _RAMP_ENDS:
            continue
        to = next((j for j in range(i + 1, min(len(words), i + 4)) if words[j] in ("to", "->", "into")), None)
        if to is None or to + 1 >= len(words) or _RAMP_ENDS.get(words[to + 1], _RAMP_ENDS[w]) == _RAMP_ENDS[w]:
            continue
        field = next((V.SORT_FIELDS[x][0] for x in words[i + 1 : to + 4] if x in V.SORT_FIELDS), None)
        if field:
            return field, _RAMP_ENDS[w]
    return None


def _sort_field(words: Sequence[str], i: int) -> tuple[str, int]:
    """The field ``words[i]`` names and its end: "upbeat" is energy's high end; "energy" alone has none, "highest
    energy" and "lowest bpm" the end said before it."""
    field, end = V.SORT_FIELDS[words[i]]
    if not end and i and words[i - 1] in _RAMP_ENDS:
        end = 1 if _RAMP_ENDS[words[i - 1]] else -1
    return field, end


def _placed_group(words: Sequence[str], polar: Sequence[tuple[int, str, int]]) -> tuple[str, int] | None:
    """ "newest first", "the upbeat ones at the end", "pon primero las más populares": a quality of many tracks and
    the end it goes to, as (field, +1 for its high end first / -1 for its low end first)."""
    for i, f, s in polar if not {"something", "one", "song", "track", "a"} & set(words) else ():
        after = words[i + 1 : i + 5]  # "slow ones at the end"
        if after and after[0] in _GROUP_NOUNS:
            after = after[1:]
        if after and after[0] in ("at", "on", "to", "al", "a", "the", "la", "el"):
            after = [w for w in after if w not in ("at", "on", "to", "al", "a", "the", "la", "el")]
        if after and (after[0] in _TOP_WORDS or after[0] in _END_WORDS):
            return f, s if after[0] in _TOP_WORDS else -s
        ahead = [w for w in words[max(0, i - 4) : i] if w not in _PLACED_ARTICLES]
        if ahead and ahead[-1] in _TOP_WORDS | _END_WORDS and find(words[:i], _PLACE_VERBS):
            return f, s if ahead[-1] in _TOP_WORDS else -s  # the end said first
    return None


_ONE_NOUNS = _END_NOUNS | {"la", "el", "tema"}  # "put the slowest one last", "pon la mas tranquila al final"


def rule_sort(c: Clause) -> Plan | None:
    """ "sort by energy", "chronological order pls", "slowest to fastest", "newest first", "put the upbeat ones
    first", "start slow and build up", "make it flow better": the same tracks in another order, none replaced."""
    words = c.words
    if not c.has or (find(words, _GROW) and not find(words, _PLACE_VERBS)):
        return None  # "add some sad ones at the end": new tracks join (rule_grow/rule_widen), none reordered
    if (ramp := _ramp(words)) is not None:  # "make it flow, low energy to high energy"
        return Plan([call("sort", by=ramp[0], descending=ramp[1])])
    if find(words, _SUPERLATIVE) and _ONE_NOUNS & set(words) and find(words, _PLACE_VERBS):
        return None  # "pon la mas tranquila al final": one track moved (rule_move), not the playlist sorted
    if find(words, _FLOW) and not find(words, _SHUFFLE):
        return Plan([call("sort", by="flow")])
    if find(words, _BUILD_UP):
        return Plan([call("sort", by="energy", descending=False)])
    if find(words, _WIND_DOWN):
        return Plan([call("sort", by="energy", descending=True)])
    fields = [(i, *_sort_field(words, i)) for i, w in enumerate(words) if w in V.SORT_FIELDS]
    verb = bool(_SORT_VERBS & set(words))
    polar = [(i, f, s) for i, f, s in fields if s]
    # "newest first", "the upbeat ones at the end": a quality of many tracks said before where they go
    placed = _placed_group(words, polar)
    names, _ = names_in(c.reading, c.vocab)
    if placed is None and not verb:
        # "from slowest to fastest", "oldest to newest": two ends of one field
        pair = [
            (i, f, s)
            for i, f, s in polar
            if any(f == g and s == -t and i < j <= i + 4 and _TO_WORDS & set(words[i + 1 : j]) for j, g, t in polar)
        ]
        if not pair or names["artists"]:
            return None
        placed = (pair[0][1], pair[0][2])
    if placed is None:
        if not fields:
            # "reverse the order of the songs": the order turned around, as "reverse it" (rule_spread_or_reverse)
            return None if not find(words, _REVERSE) else Plan([call("sort", by="reverse")])
        f, s = (polar[0][1], polar[0][2]) if len(polar) >= 2 else (fields[0][1], 0)
        placed = (f, s or _sort_way(words, f))
    if names["artists"] or names["genres"] or names["subgenres"]:
        return None  # "put the drake songs first", "rock ones at the end": rule_artist_ends moves those
    return Plan([call("sort", by=placed[0], descending=placed[1] > 0)])


def rule_vocals(c: Clause) -> Plan | None:
    """ "less vocals", "fewer lyrics", "more singing": instrumentalness moved from where the playlist is."""
    words = c.words
    if not c.has or not V.VOCAL_WORDS & set(words) or c.matches(*_CONTENT_KINDS, "feature"):
        return None
    less, more = find(words, _LESS), find(words, _MORE)
    if not (less or more) or _content(words, [tuple(V.VOCAL_WORDS), ("less", "more", "fewer", "a", "bit", "way")]):
        return None
    way = "up" if less else "down"  # fewer vocals: more instrumental
    return Plan([call("adjust", feature="instrumentalness", direction=way, amount=_amount_word(words))])


def rule_instrument(c: Clause) -> Plan | None:
    """ "more bass", "less guitar", "more piano": the catalog has no instruments, so say what it can change."""
    said = [w for w in c.words if w in V.INSTRUMENT_WORDS]
    if not c.has or not said or not (find(c.words, _MORE) or find(c.words, _LESS)) or c.matches(*_CONTENT_KINDS):
        return None
    return _no_instruments(said[0])


def _no_instruments(word: str) -> Plan:
    return Plan.ask(
        f"The catalog describes each track's sound by energy, tempo, mood, danceability, acousticness and "
        f'instrumentalness, not by instrument, so I can\'t pick out {word}. Try "more energy", "more acoustic" '
        f'or "more instrumental". Nothing changed.'
    )


def rule_tempo_target(c: Clause) -> Plan | None:
    """ "more like 160 bpm", "make it around 160 bpm" said to a playlist: its tempo kept near that (the range the
    extractor reads), the rest of the request kept; a new playlist needs more words than a tempo."""
    if not c.has or c.matches(*_CONTENT_KINDS, "length", "duration"):
        return None
    tempo = [f for f in c.reading.query.features if f.feature == "tempo" and f.explicit]
    if len(tempo) != 1 or tempo[0].min is None or tempo[0].max is None or len(c.reading.query.features) != 1:
        return None
    return Plan([call("narrow", bounds=[{"feature": "tempo", "min": tempo[0].min, "max": tempo[0].max}])])


def rule_new_request(c: Clause) -> Plan | None:
    """Anything that names music (a genre, mood, era, artist, activity, or a few words to search by)."""
    q = c.reading.query
    if not c.has and any(ch in V.EMOJI_CUES for ch in c.raw):  # "😴" alone: a sleep playlist, as `playlist` reads it
        return Plan([call("new_playlist", text=c.raw.strip())])
    named = c.matches(*_CONTENT_KINDS, "feature", "length", "duration")
    content = _content(c.words)
    if not (named or len(content) >= 2 or (not c.has and content)):
        return None
    if q.is_empty() and not c.matches("other_genre") and len(content) < (2 if c.has else 1):
        return None
    understood = named or c.matches("other_genre") or not q.model_copy(update={"free_text": ""}).is_empty()
    if not understood and (answer := _unread_question(c)) is not None:
        return answer  # "whats teh name of this playlist": a question that reads no music never replaces the playlist
    few = len(content) < 4 and not V.REQUEST_CUES & set(c.words)
    griped = bool(find(c.words, _COMPLAINT))  # "too boring, something with more melody": of this playlist
    if c.has and not understood and (few or griped or _names_a_track(c.words)):
        # "how long is it?", "is this any good", "more like the 3rd one but less like the 5th": words that name no
        # music (a few, or tracks of this playlist) do not replace the playlist
        text = c.raw.strip()
        return Plan.ask(
            f'I found no music in "{text}". To start a new playlist from those words, say '
            f'"new playlist: {text}"; to change this one, try {EXAMPLES}.'
        )
    return Plan([call("new_playlist", text=c.raw.strip())])


_THAN_NAMES = ("genre", "subgenre", "years", "artist")


def rule_more_than(c: Clause) -> Plan | None:
    """ "more 70s than 80s", "more rock than pop": more of the first, in place of tracks without it (it kept both as
    they were, or made a new playlist of both)."""
    words = c.words
    if not c.has or "than" not in words or not words.count("more") == 1:
        return None
    i, j = words.index("more"), words.index("than")
    first = [m for m in c.matches(*_THAN_NAMES, negated=False) if i < m.start and m.end <= j]
    second = [m for m in c.matches(*_THAN_NAMES, negated=False) if m.start > j]
    if j <= i + 1 or not first or not second:
        return None
    toks = c.reading.tokens
    said = lambda ms: " ".join(t.orig for m in ms for t in toks[m.start : m.end])  # noqa: E731
    # the first swapped in for tracks without it, which the second's are where both were asked
    more = read_clause(make_clause(f"more {said(first)}", c.playlist, c.vocab, c.focus))
    return more if more.actions and len(more.actions) == 1 and more.actions[0]["name"] == "widen" else None


_KEEP_ONE_TAIL = frozenset({"one", "ones", "song", "track", "tho", "though", "please", "pls", "at", "least", "in",
                             "there", "it", "for", "sure", "?", "!", "."})  # fmt: skip
_BACK_VERBS = _keys(("keep", "bring back", "put back", "i want back"))


def rule_keep_one(c: Clause) -> Plan | None:
    """ "keep the adele one tho", "bring back the adele song", "put the adele one back": that artist's track stays
    through later changes (liked) or, gone since, comes back from the earlier version (before: a new playlist of
    that artist)."""
    words = [w for w in c.words if w not in _KEEP_LEADS and w not in V.CHAT_FILLER and w not in _ASK_LEADS]
    hit = find(words, _BACK_VERBS)
    back = hit is None and words[-1:] == ["back"] and find(words, _keys(("put", "bring")))
    if not c.has or not (hit and hit[0] == 0 or back) or {"songs", "ones", "tracks"} & set(c.words):
        return None  # "bring back the drake songs": more of them (rule_widen)
    start = sum(hit) if hit else 1
    rest = [w for w in words[start:] if w not in ("back",)]
    while rest and rest[-1] in _KEEP_ONE_TAIL:
        rest = rest[:-1]
    if not rest or rest[0] != "the" or len(rest) < 2:
        return None  # "keep it", "keep going", "keep the first 5": other rules
    name = " ".join(rest[1:])
    who = c.vocab.artists.get(fold(name)) or _object_artist(make_clause(f"by {name}", c.playlist, c.vocab), 1)
    if not who:
        return None
    there = [i for i, p in enumerate(c.playlist, 1) if fold(p["artist"]) == fold(who)]
    if there:
        return Plan([call("feedback", positions=there[:1], liked=True)])
    return Plan([call("restore", artists=[who])])


_SLEEPY = _keys(V.SLEEPY_GRIPES)


def rule_sleepy(c: Clause) -> Plan | None:
    """ "its putting me to sleep lol", "this is making me sleepy": said of a playlist, too calm: more energy (before:
    a new playlist of sleep music). A request ("songs for falling asleep") has no playlist or names music."""
    hit = find(c.words, _SLEEPY) if c.has else None
    if not hit:
        return None
    said = c.matches(*_CONTENT_KINDS, "feature", negated=False)
    if any(m.end <= hit[0] or m.start >= sum(hit) for m in said):
        return None  # music named beside it: a request or an edit of its own
    return Plan([call("adjust", feature="energy", direction="up", amount="normal")])


_SHOULD_BE = _keys(("should be", "shoud be", "shuld be", "shld be", "should go", "should come", "should play",
                     "has to be", "needs to be", "must be", "could be", "can be", "would be better", "deberia ir",
                     "deberia ser", "tiene que ir"))  # fmt: skip
_GONE_WORDS = frozenset({"removed", "gone", "deleted", "cut", "dropped", "out", "taken", "eliminada", "quitada"})
_PLACE_FILLER = frozenset({"the", "at", "very", "on", "in", "to", "song", "track", "one", "please", "pls", "al", "de",
                           "la", "el", "final", "?", "!", ".", "instead", "imo", "tbh"})  # fmt: skip


def rule_should_be(c: Clause) -> Plan | None:
    """ "the saddest one should be last", "track 4 should go first", "track 2 should be removed", "the first one should
    be chill": a track named by position or by a superlative, moved to that end, removed or swapped for one of what
    is said (before: a question about the track, or a new playlist)."""
    hit = find(c.words, _SHOULD_BE)
    if not c.has or not hit or not hit[0]:
        return None
    tail = [w for w in c.words[sum(hit) :] if w not in _PLACE_FILLER]
    said = [m.start for m in c.matches("mood", "genre", "feature", negated=False) if m.start >= sum(hit)]
    pos = positions(c.words[: hit[0]], [p["title"] for p in c.playlist], verb=True)
    if said and pos:
        return _replaced_as_said(c, pos, said[0])  # "the first one should be chill": that track swapped for one
    if len(tail) != 1 or (tail[0] not in _ENDS and tail[0] not in _GONE_WORDS):
        return None
    to = 1 if _ENDS.get(tail[0]) == "top" else c.n
    if pos is None and c.focus and any(w in V.PRONOUNS for w in c.words[: hit[0]]):
        pos = [c.focus]  # "why #3?" - "it should go last"
    if pos is None and (pick := _picked(c, 0, hit[0], _SUPERLATIVES)):
        pos = [pick]
    if tail[0] in _GONE_WORDS and pos and all(1 <= k <= c.n for k in pos):
        return _positional("remove", pos, c.n)  # "track 2 should be removed", "the slowest one should go"
    if not pos or len(pos) != 1 or not 1 <= pos[0] <= c.n:
        return None
    if pos[0] == to:
        return Plan.ask(f'"{c.playlist[to - 1]["title"]}" is already {tail[0]}. Nothing changed.')
    return Plan([call("move", position=pos[0], to=to)])


Rule = Callable[[Clause], "Plan | None"]
# The order matters: whole-thread commands first, then edits that name tracks, then sizes, changes of
# direction, exclusions, narrowing and widening, and a new request last.
RULES: tuple[Rule, ...] = (
    rule_undo,
    rule_redo,
    rule_restore,
    rule_all_but,
    rule_start_over,
    rule_retract,
    rule_export,
    rule_greeting,
    rule_status,
    rule_what_changed,
    rule_first_request,
    rule_playlist_name,
    rule_fine_as_is,
    rule_unblock,
    rule_track_link,
    rule_vibe,
    rule_voice_gender,
    rule_feature_range,
    rule_should_be,
    rule_keep_one,
    rule_sleepy,
    rule_most_mood,
    rule_superlative,
    rule_where_is,
    rule_this_song,
    rule_question,
    rule_same_for,
    rule_genre_variety,
    rule_warm_up,
    rule_arc,
    rule_should_i_remove,
    rule_not_removed,
    rule_samey_part,
    rule_keep_part,
    rule_duplicates,
    rule_play,
    rule_judged,
    rule_reroll,
    rule_shuffle,
    rule_move_picked,
    rule_middle,
    rule_spread_or_reverse,
    rule_sort,
    rule_content_filter,
    rule_drop_rest,
    rule_versions,
    rule_english,
    rule_other_language,
    rule_ellipsis,
    rule_decade_cap,
    rule_cap,
    rule_artist_max,
    rule_decade_shift,
    rule_block,
    rule_dislike,
    rule_artist_ends,
    rule_explain,
    rule_praised_music,
    rule_taste,
    rule_love,
    rule_skip,
    rule_like,
    rule_add_song,
    rule_nudge,
    rule_move,
    rule_replace,
    rule_make_track,
    rule_track_too,
    rule_bound,
    rule_cheesy,
    rule_popularity,
    rule_track_length,
    rule_shorter_tracks,
    rule_count_like_these,
    rule_tempo_number,
    rule_length,
    rule_remove,
    rule_grow,
    rule_version,
    rule_relative,
    rule_more_than,
    rule_lessen,
    rule_instead_of,
    rule_years_not_years,
    rule_exclude,
    rule_switch,
    rule_narrow,
    rule_more_named,
    rule_more_unknown,
    rule_widen,
    rule_track_reference,
    rule_vocals,
    rule_instrument,
    rule_tempo_target,
    rule_new_request,
)


_LABEL_STANDS_IN = re.compile(r"this catalog has no .+ label, so .+ instead$")


def _with_stand_ins(plan: Plan, c: Clause) -> Plan:
    """``plan`` saying which label stood in for a style the catalog lacks ("tech house only": edm, and the reply says
    so, as a new request's does); a new request's own notes say it already."""
    said = [u for u in c.reading.query.unsupported if _LABEL_STANDS_IN.search(u) and u not in plan.notes]
    if not said or not plan.actions or any(a["name"] in ("new_playlist", "add_song") for a in plan.actions):
        return plan  # "add uptown funk": the words were a song's title, no style
    return Plan(plan.actions, question=plan.question, notes=[*plan.notes, *said])


def read_clause(c: Clause) -> Plan:
    """The first rule's answer for one clause, or a question."""
    for rule in RULES:
        plan = rule(c)
        if plan is not None:
            return _with_stand_ins(plan, c)
    if c.has:
        return Plan.ask(f"I'm not sure what to change. You can say things like {EXAMPLES}.")
    return Plan.ask(f"Tell me a bit more about what you'd like to hear, for example {EXAMPLES}.")


# ----- several asks in one message -------------------------------------------------------------------------
_STARTERS = _keys(V.REMOVE_VERBS + V.MOVE_VERBS + V.REPLACE_VERBS + V.GROW_VERBS + V.ONLY_WORDS + V.BLOCK_PHRASES
                  + V.UNDO_PHRASES + V.SHORTER_PHRASES + V.LONGER_PHRASES + V.ALSO_WORDS
                  + ("make", "no", "not", "without", "sin", "nothing", "never", "except", "minus", "why", "explain",
                     "more", "less", "a bit", "a little", "slightly", "give me", "keep", "skip", "mas", "menos",
                     "pick up", "speed up", "slow it down", "tone it down", "turn it up", "another",
                     "export", "shorter songs", "canciones mas cortas", "canciones cortas", "the songs are too long",
                     "songs are too long", "sort", "order", "reorder", "arrange", "shuffle", "ordena", "i want",
                     "i need", "i wanna", "id like", "i would like", "can i get", "can i have", "gimme",
                     "a couple more", "a few more", "some more", "a bunch more", "a handful more",
                     "que no sean", "que no sea"))  # fmt: skip
_DIRECTION_WORDS = frozenset(k for k in V.DIRECTIONS if " " not in k)


def _ends_on(words: list[str], j: int) -> tuple[int, int] | None:
    """ "cut it to 12 and end on something happy": "end on" opens an ask of its own, unless what comes before says
    how the playlist starts ("start slow and end with something hype" is one arc)."""
    hit = find(words[j : j + 4], _TO_END)
    return hit if hit and not find(words[:j], _OPENING) else None


_SKIP_AFTER_JOINER = frozenset(
    {"then", "also", "and", ",", "please", "pls", "can", "you", "could", "maybe", "y", "luego", "we", "now", "so"}
)


def split_clauses(text: str) -> list[str]:
    """The asks of one message: split at a joiner ("and", "but", ",", "then", "y") that a new ask follows."""
    toks = V.tokenize(text)
    words = [t.text for t in toks]
    cuts: list[tuple[int, int]] = []
    i = 0
    while i < len(words):
        start = cuts[-1][1] if cuts else 0
        # "less rap more r&b": two asks with no joiner between them
        said = words[start + 1 : i]  # ("more like track 3 less like track 5": a track's number is what is said)
        numbered = any(w.isdigit() and _is_track_noun(said[k - 1]) for k, w in enumerate(said) if k)
        if i > start + 1 and _opposite(words[start], words[i]) and (_content(said) or numbered):
            cuts.append((i, i))
            i += 1
            continue
        # "drop track 2. add some rock": a new sentence that starts an ask (the tokens keep no full stop)
        ended = _SENTENCE_END.fullmatch(text[toks[i - 1].end : toks[i].start]) if i else None
        ended = ended or (i - 1 > start and words[i - 1] in ("!", "?"))  # "!" and "?" are tokens of their own
        if i > start and ended and _starts(words, i):
            cuts.append((i, i))
            i += 1
            continue
        # "cut it to 12 n no remixes", "2000s is fine & no usher": "n" and "&" typed for "and"
        joiner = words[i] in V.CLAUSE_JOINERS or words[i] in ("n", "&")
        if joiner and i > 0 and (not cuts or i > cuts[-1][1]):
            j = i + 1
            while j < len(words) and words[j] in _SKIP_AFTER_JOINER and j - i < 4:
                j += 1
            # "... and the 4th song is kinda annoying": a track named after "and" opens an ask about it
            track = words[i] in ("and", "y", "plus") and _track_at(words, j)
            moves = ("more", "less")
            ahead = j < len(words) and (words[j] in _DIRECTION_WORDS or words[j] in moves)
            behind = {*_DIRECTION_WORDS, *moves} & set(words[(cuts[-1][1] if cuts else 0) : i])
            if words[i] == "n" and ahead and behind:
                i += 1  # "less popular n more chill": one move of the sound, read whole as before
                continue
            fresh = "now" in words[i + 1 : j] and words[i] in (",", "and", "then")  # "enough crying, now angry songs"
            if (
                j < len(words)
                and (_starts(words, j) or track or fresh)
                and _content(words[(cuts[-1][1] if cuts else 0) : i] + ["x"])
                and not (words[i] == "," and words[start : start + 1] == ["the"] and _acts_on_it(words[j:]))
            ):
                cuts.append((i, j))
                i = j
                continue
        i += 1
    if not cuts:
        return [text]
    out, prev = [], 0
    for a, b in cuts + [(len(toks), len(toks))]:
        if prev < a:
            out.append(text[toks[prev].start : toks[a - 1].end])
        prev = b
    return [c for c in out if c.strip()]


def _acts_on_it(words: Sequence[str]) -> bool:
    """Whether ``words`` are only an edit of "it" ("lose it", "get rid of it", "swap that one out"): after "the
    longest song, remove it" the track described before the comma is the one meant, one ask."""
    hit = find(words, _EDIT_ASKS)
    if not hit or hit[0] != 0 or len(words) <= hit[1] or words[hit[1]] not in V.PRONOUNS:
        return False
    return all(w in _IT_TAIL for w in words[hit[1] + 1 :])


_IT_TAIL = frozenset({"one", "song", "track", "out", "off", "please", "pls", "plz", "now", "for", "me", "too", "!", "?",
                      ".", "por", "favor"})  # fmt: skip
_MORE_LESS = (frozenset({"more", "mas"}), frozenset({"less", "fewer", "menos"}))


def _opposite(first: str, word: str) -> bool:
    """Whether ``word`` turns the other way from the clause's first word ("less rap more r&b", "más pop menos rap")."""
    more, less = _MORE_LESS
    return (first in more and word in less) or (first in less and word in more)


def _track_at(words: list[str], j: int) -> bool:
    """Whether ``words[j:]`` opens with a track of the playlist named by place: "the 4th song", "track 3", "#2"."""
    w = words[j : j + 3]
    if len(w) == 3 and w[0] == "the" and _ordinal(w[1]) is not None and _is_track_noun(w[2]):
        return True
    return len(w) >= 2 and w[0] in ("track", "song", "#") and w[1].isdigit()


_ONLY_LISTED = frozenset({"and", "or", "&", "plus", "y", "n", ","})


def _kept_only(tail: Sequence[str]) -> bool:
    """Whether ``tail`` is a short list of words and then "only" ("rock only", "rock and pop only please")."""
    end = len(tail) - (tail[-1:] in (["please"], ["pls"]))
    if end < 2 or tail[end - 1] != "only" or end > 6:
        return False
    said = tail[: end - 1]
    return said[0] not in _ONLY_LISTED and all(w in _ONLY_LISTED or w not in V.STOPWORDS for w in said)


def _about_length(said: Sequence[str]) -> bool:
    """ "make it longer, like 30 songs", "i want it to last my commute, like 40 min": the length after the comma says
    how much of what came before."""
    return bool(find(said, _LONGER) or find(said, _SHORTER) or {"last", "long", "length", "lasts"} & set(said))


# an hour said with no digit: "an hour", "half an hour", "an hour and a half", "a couple hours", "una hora y media"
_SPELLED_HOURS = re.compile(
    r"(?:(?:an?|one|una|1)\s+(?:hour|hr|hora)(?:\s+(?:and|y|n|&)\s+(?:a\s+)?(?:half|media))?"
    r"|(?:half\s+an?|media)\s+(?:hour|hr|hora)|(?:a\s+)?couple(?:\s+of)?\s+(?:hours|hrs)|(?:an?\s+)?hour\s+and\s+a\s+half)"
    r"(?:\s+(?:long|total|max|or\s+so|ish))?"
)


def _length_alone(rest: Sequence[str]) -> bool:
    """ "40 minutes", "30 songs", "like 25 tracks total": nothing but a length."""
    k = 1 if rest[:1] and rest[0] in V.ABOUT_WORDS else 0
    if _SPELLED_HOURS.fullmatch(" ".join(w for w in rest[k:] if w not in V.CHAT_FILLER and w not in _PUNCT)):
        return True  # "chill stuff, about an hour", "mas tranqui, como una hora": an hour with no digit
    num = number_at(rest, k)
    if not num or not 1 <= num[0] <= MAX_LENGTH * 10:
        return False
    unit = rest[k + num[1] : k + num[1] + 1]
    if not unit or not (unit[0] in V.TIME_UNITS or unit[0] in _PLURAL_TRACKS):
        return False
    return all(w in V.CHAT_FILLER or w in _PUNCT or w in ("total", "long", "max") for w in rest[k + num[1] + 1 :])


# "2000s is fine", "the 90s r ok", "los 2000s estan bien", "2010s works": a decade said to be what will do
_YEARS_FINE = re.compile(
    r"(?:(?:the|los|las|lo|de)\s+)?(?:(?:early|late|mid)\s+)?(?:\d{2}s|\d{4}s?)(?:\s+(?:music|stuff|songs|ones|tracks))?"
    r"\s+(?:is|s|are|r|would\s+be|works|work|esta|estan|es|son|seria|serian)\s+(?:(?:totally|just|also|perfectly|"
    r"more\s+than|muy|mas\s+que)\s+)?(?:fine|ok|okay|good|great|cool|better|perfect|enough|bien|mejor|perfecto)\b"
)


def _starts(words: list[str], j: int) -> bool:
    if words[j : j + 2] == ["more", "like"] and number_at(words, j + 2) and not _track_at(words, j + 2):
        return False  # "way too fast, more like 150": the number said before, corrected; never "add 150 more"
    hit = find(words[j : j + 4], _STARTERS) or _ends_on(words, j)
    if hit and hit[0] == 0:
        return True
    if (
        _kept_only(words[j:])
        and j > 1
        and words[j - 1] not in _ONLY_LISTED - {","}
        and (words[0] in ("less", "fewer") or find(words[:j], _NEGATION))
    ):
        return True  # "no rap, rock only", "no rap, rock and pop only": a narrowing said after what it leaves out
    if _REPORTED.match(" ".join(words[j:])):
        return True  # "add some queen and my wife hates rap": what someone else said is an ask of its own
    if _length_alone(words[j:]) and not _about_length(words[:j]):
        return True  # "slower songs, 40 minutes", "more upbeat, 30 songs": the length is an ask of its own
    if _YEARS_FINE.match(" ".join(words[j:])):
        return True  # "nah not that old, 2000s is fine": the decade said is an ask of its own, not more of "old"
    return words[j] in _DIRECTION_WORDS and (j + 1 == len(words) or words[j + 1] in V.CLAUSE_JOINERS | V.CHAT_FILLER)


def _after_retraction(
    raw: str,
    parts: list[str],
    playlist: Sequence[dict[str, Any]],
    vocab: Vocabulary,
    focus: int | None,
    last: str | None,
) -> Plan | None:
    """ "scratch that, undo" is one undo; "never mind, give me soul instead" a fresh start with that request;
    "scratch that, make it calmer" the last change taken back, then calmer."""
    first = make_clause(parts[0], playlist, vocab, focus, last)
    hit = _retraction(first.words)
    if not hit or _content(first.words[hit[0] + hit[1] :]):
        return None
    plan = parse(raw[raw.index(parts[1], len(parts[0])) :], playlist, vocab, focus, last)
    names = [a["name"] for a in plan.actions]
    if plan.question or not names:
        return None
    if names[0] in ("undo", "start_over"):
        return plan
    if names[0] == "new_playlist":
        return Plan([call("start_over"), *plan.actions])
    return Plan([call("undo", if_any=True), *plan.actions])


def _pointed(actions: list[dict[str, Any]]) -> int | None:
    """The one track a clause's actions point at and leave in place (liked, explained, replaced), else None."""
    pos: list[int] = []
    for a in actions:
        args = a["args"]
        if a["name"] in ("explain", "replace", "more_like") or (a["name"] == "feedback" and args.get("liked")):
            pos += [args["position"]] if "position" in args else list(args.get("positions") or [])
    return pos[0] if len(pos) == 1 else None


_IDEMPOTENT = frozenset({"lessen", "exclude", "narrow", "block", "widen", "cap_artists", "cap_decades", "resize"})
_POLITE = re.compile(
    r"[\s,;:.!-]*\b(?:"
    + "|".join(re.escape(p).replace("'", "['’]?") for p in sorted(V.POLITE_WRAPPERS, key=len, reverse=True))
    + r")\b[\s,;:.!-]*",
    re.IGNORECASE,
)


# "if there's any Eminem, take it out" -> "take out Eminem"; "remove drake if he's on there" -> "remove drake"
_IF_ANY = re.compile(
    r"^\s*if\s+(?:there(?:['’]?s|\s+is|\s+are|\s+re)|you\s+(?:see|find|spot)|it\s+has|we\s+have|you['’]?ve\s+got)"
    r"\s+(?P<what>.+?)\s*(?:,|\bthen\b|(?=\s(?:take|remove|drop|delete|cut|ditch|lose|kill|swap|replace|get\s+rid)\b))"
    r"\s*(?:then\s+)?(?P<verb>.+?)\s+(?:it|them|those|that|em|him|her)\b"
    r"\s*(?P<rest>.*)$",
    re.IGNORECASE,
)
# "is there anything from before 2000 on here? if so get rid of it" -> "get rid of anything from before 2000"
_ASK_IF_SO = re.compile(
    r"^\s*(?:is|are)\s+there\s+(?P<what>(?:any|anything|some|something)\b.+?)\s*(?:(?:on|in)\s+(?:here|there|it"
    r"|the\s+playlist|the\s+list|this\s+playlist))?\s*\?*\s*[.,;]?\s*(?:if\s+so|if\s+yes|if\s+there\s+(?:is|are)"
    r"|if\s+any)\s*,?\s*(?:then\s+)?(?P<verb>.+?)\s+(?:it|them|those|that|em|him|her)\b\s*(?P<rest>.*)$",
    re.IGNORECASE,
)
# "some phoebe bridgers if u have her", "add some jazz if you've got any": the tools say when there is none
_IF_HAVE = re.compile(
    r"\s*,?\s*(?:if|if\s+you|if\s+u|if\s+ya)\s*(?:have|got|['’]ve\s+got|ve\s+got|has|find|can\s+find)\s+"
    r"(?:her|him|them|em|any|some|it|one|those|anything|something)(?:\s+(?:by\s+)?(?:her|him|them))?\s*[.!?]*\s*$",
    re.IGNORECASE,
)
_IF_THERE = re.compile(
    r"\s*,?\s*if\s+(?:(?:he|she|they|it|there)(?:['’]?s|['’]?re|\s+is|\s+are)\s+(?:any\s+)?(?:on|in)\s+"
    r"(?:there|here|it|the\s+playlist|the\s+list)|(?:he|she|they|it)(?:['’]?s|['’]?re|\s+is|\s+are)\s+there)"
    r"\s*[.!?]*\s*$",
    re.IGNORECASE,
)


_WORD = re.compile(r"[A-Za-z]+")
# command verbs, and the words that carry an ask's sense and scope ("ad a few mroe", "nothng to loud")
_TYPO_VERBS = tuple(v for v in V.COMMAND_VERBS if len(v) >= 4) + ("more", "nothing", "without", "anything")
_TYPO_VERBS += tuple(k for k in list(V.ORDINALS)[:20] if len(k) >= 5)  # "the secnd one", "thrid" (not "quita")
_TYPO_VERBS += ("couple",)  # "add a cuple more": an amount, typed as fast as the verb
_TYPO_VERBS += tuple(w for w in V.QUESTION_WORDS if len(w) >= 4)  # "whats the nmae of this playlsit"


# "toss in a few rock songs", "put in some queen": a verb with "in" right after it adds ("toss" alone removes)
_IN_ADDS = re.compile(
    r"\b(?:toss|chuck|stick|put|throw|sprinkle|pop|slip|sneak)\s+in\b(?!\s+(?:order|there|here|it|the\s+mix|"
    r"the\s+playlist|place|front|the\s+middle)\b)",
    re.IGNORECASE,
)


# Spanish verbs with their object joined on ("quitala", "sácalo", "bórralas"): the verb, then the object pronoun
_CLITIC = re.compile(
    r"\b(qu[ií]t|s[aá]c|b[oó]rr|elim[ií]n|c[aá]mbi|mu[eé]ve|p[oó]n)[aá]?(l[ao]s?|me|nos)\b", re.IGNORECASE
)
_CLITIC_VERB = {"quit": "quita", "sac": "saca", "borr": "borra", "elimin": "elimina", "cambi": "cambia",
                "mueve": "mueve", "pon": "pon"}  # fmt: skip


def _clitic(m: re.Match[str]) -> str:
    verb = _CLITIC_VERB[fold(m.group(1))]
    if m.group(2).lower() in ("me", "nos"):  # "quítame las dos últimas": "me" is for whom, the object follows
        return verb
    return f"{verb} {'esas' if m.group(2).lower().endswith('s') else 'esa'}"


def _english_genre(text: str, vocab: Vocabulary) -> str:
    """ "please not put more of english rap", "no english pop": the genre is what is meant ("english" says which, and
    the catalog knows no language), so the word goes; "no english songs" still means the Spanish-language ones."""
    if not V.ENGLISH_WORDS & set(V.key(text)):
        return text
    names = "|".join(re.escape(g) for g in sorted(vocab.genres | vocab.subgenres, key=len, reverse=True))
    langs = "|".join(re.escape(w) for w in sorted(V.ENGLISH_WORDS, key=len, reverse=True))
    return re.sub(rf"\b(?:{langs})\s+(?=(?:{names})\b)", "", text, flags=re.IGNORECASE)


_VAGUE_NEXT = re.compile(r"\s+(?:some|sum|a\s+bit|a\s+little|a\s+lil)\b", re.IGNORECASE)  # "sum": as typed


def _in_adds(m: re.Match[str]) -> str:
    """ "throw in 3 latin songs" adds; "throw in some latin" mixes some in, the size kept (only "add" grows by a
    handful: conv6)."""
    return "mix in" if _VAGUE_NEXT.match(m.string, m.end()) else "add"


def _fix_verbs(text: str, vocab: Vocabulary) -> str:
    """A command verb typed with one slip ("remoev", "mvoe", "delte", "ad 3 more") said right, "toss in" as
    "add", and a Spanish verb with its object joined on ("quitala") as the verb and the object ("quita esa"); a
    word that is a real word or part of an artist's name is left as it is."""
    text = _CLITIC.sub(_clitic, _IN_ADDS.sub(_in_adds, text))
    text = _english_genre(text, vocab)

    def fix(m: re.Match[str]) -> str:
        w = m.group(0)
        low = w.lower()
        if low == "ad" and re.match(r"\s+(?:\d|a\b|an\b|some\b|more\b|another\b|few\b|couple\b)", text[m.end() :]):
            return "add"
        if len(low) < 4 or low in V.known_words() or low in vocab.artist_words:
            return w
        hit = next((v for v in _TYPO_VERBS if OSA.distance(low, v) <= 1), None)
        return hit or w

    text = _PLACE_FIRST.sub(r"\g<verb> \g<place>\g<rest>", _TWO_TO.sub(r"\g<verb> to ", text))
    return _FOUR_FOR.sub(_four_for, _LES.sub(_less_typo, _END_TYPO.sub(_end_word, _WORD.sub(fix, text))))


# "cut it 2 30 min", "trim it 2 10 songs": "2" typed for "to" between a resize and the size said (probe20)
_TWO_TO = re.compile(
    r"\b(?P<verb>(?:cut|trim|shorten|chop|bring|get|make|take)\s+(?:it|this|that|them|the\s+playlist)(?:\s+down)?)"
    r"\s+2\s+(?=\d+\s*(?:min|mins|minutes|m|hr|hrs|hour|hours|h|songs|tracks|tunes)\b)",
    re.IGNORECASE,
)


# "swap #4 4 somethin slower", "cambia la 4 x algo mas lento": "4" typed for "for" (and "x" for "por") between a swap
# verb and the new track it asks for ("swap 4 for something slower" then swaps track 4, not the playlist's tempo)
_FOUR_FOR = re.compile(
    r"\b(?P<verb>swap|swp|replace|switch|trade|change|sub|exchange|cambia|cambiame|cambiar|reemplaza|sustituye)\b"
    r"(?P<mid>[^,;.!?]*?)\s(?P<four>4|x)\s+(?=(?:something|somethin|sumthin|sumthing|smth|sth|smthn|sumn|anything|"
    r"anythin|one|a|an|some|sum|algo|otra|otro|una|uno|alguna|alguna)\b)",
    re.IGNORECASE,
)


# "#4 swap 4 something slower", "track 2, replace with something chill": the track said before the swap verb
_PLACE_FIRST = re.compile(
    r"^\s*(?P<place>(?:#\s*|track\s+|song\s+|number\s+|no\.?\s*)\d+)\s*[,:-]?\s+"
    r"(?P<verb>swap|swp|replace|switch|change|sub|cambia)\b(?:\s+(?:it|that|this|la|lo))?(?P<rest>\s+(?:for|with|4|x|por)\s)",
    re.IGNORECASE,
)


_FOUR_FOR_PLACE = re.compile(r"\d|\b(?:it|that|this|last|first|opener|closer|one|ultima|primera|esa|esta)\b", re.I)


def _four_for(m: re.Match[str]) -> str:
    if not _FOUR_FOR_PLACE.search(m["mid"]):
        return m[0]  # "change track 4 something slower": the 4 is the track, no "for" was typed
    spanish = m["verb"].lower().startswith(("cambi", "reempl", "sustit"))
    return f"{m['verb']}{m['mid']} {'por' if spanish else 'for'} "


# "les loud", "lss sad": "less" typed short before a word of the sound or mood ("a mis hijos les gusta" stays)
_LES = re.compile(r"\b(?:les|lss|lees)\s+(?=([a-z]+))")
_LES_NEXT = frozenset(k for k in (*V.DIRECTIONS, *V.MOOD_PHRASES) if " " not in k) | {"songs", "tracks", "of"}


def _less_typo(m: re.Match[str]) -> str:
    return "less " if m.group(1) in _LES_NEXT else m.group(0)


# "the lsat one", "the frist two": a word of an end typed with one slip, where a place is said ("the ... one")
_END_TYPO = re.compile(r"\b(the\s+)([A-Za-z]{4,6})(?=\s+(?:one|ones|song|songs|track|tracks|two|three|four|five|\d))",
                       re.IGNORECASE)  # fmt: skip


def _end_word(m: re.Match[str]) -> str:
    low = m.group(2).lower()
    if low in V.known_words():
        return m.group(0)
    hit = next((w for w in ("last", "first") if OSA.distance(low, w) <= 1), None)
    return m.group(1) + (hit or m.group(2))


# "drop 3 n 5", "swap first n last": "n" typed for "and" between two places in the playlist ("rock n roll" stays)
_PLACE = r"(?:#?\d+(?:st|nd|rd|th)?|last|" + "|".join(sorted(V.ORDINALS, key=len, reverse=True)) + ")"
_N_AND = re.compile(rf"(?<![\w#])({_PLACE})\s+n\s+(?=(?:track\s+|song\s+|the\s+)?{_PLACE}\b)", re.IGNORECASE)


def _n_and(text: str) -> str:
    """ "n" said as "and" between two tracks' places, and "2" as "too" before a word of excess ("2 many slow
    songs")."""
    # "take a few off": "take off a few"; "take 3 songs off": a count of three (a digit alone after the verb is a place)
    text = _TAKE_OFF.sub(lambda m: f"{m[1]} off {_SMALL_WORDS.get(m[2], m[2])}{m[3]}", text)
    text = _LIKE_N.sub(r"\1 ", text)  # "cut it to like 12": a hedge on the number, not a likeness
    return _TWO_TOO.sub("too ", _N_AND.sub(r"\1 and ", text))


_LIKE_N = re.compile(r"\b(to|it|be|just|maybe|about|only)\s+like\s+(?=\d+\b(?!\s*(?:st|nd|rd|th)\b))", re.IGNORECASE)


_TAKE_OFF = re.compile(
    r"\b(take|knock|chop|shave)\s+((?:a\s+)?(?:few|couple|handful|bunch)|some|one|two|three|four|five|ten"
    r"|[1-9](?=\s+(?:songs|tracks)))((?:\s+(?:more|songs|tracks|of\s+them))?)\s+off\b(?!\s+(?:of|the)\b)",
    re.IGNORECASE,
)
_SMALL_WORDS = dict(zip("123456789", "one two three four five six seven eight nine".split(), strict=True))


_TWO_TOO = re.compile(
    r"(?<![\w#])2\s+(?=(?:many|much)\b)|(?:(?<=\bis\s)|(?<=\bare\s)|(?<=\br\s)|(?<=\bits\s)|(?<=\bway\s)|(?<=\bbit\s))2\s+"
    r"(?=(?:slow|fast|loud|quiet|long|short|sad|happy|chill|mellow|hype|old|soft|hard|heavy|depressing)\b)",
    re.IGNORECASE,
)


_BUT = frozenset({"but", "pero", "though", "tho", "although", "except", "just", "only", ","})
_PRAISE_WORDS = (
    V.ACK_WORDS | {w for p in V.LOVE_PHRASES for w in V.key(p)} | V.CHAT_FILLER | _EXCLAMATIONS | V.PRONOUNS
    | _COPULAS | {"the", "playlist", "mix", "list", "all", "pretty", "super", "quite", "honestly", "overall", "like",
                  "la", "gusta", "fire", "solid", "decent", "banger", "lit", "sick"}
)  # fmt: skip


_I_LIKE = _keys(("i like", "i really like", "we like", "i dig", "i liked"))


# Someone else's wish or dislike, passed on: "she said it needs more beyonce" asks "it needs more beyonce"; "my wife
# hates the killers" and "the kids can't stand anything slow" leave that out of this playlist ("i hate X" blocks X for
# good: a block is the person's own taste)
_REPORTED = re.compile(
    r"^\s*(?:(?:ok|okay|so|and|but|also|oh|hey|btw|fyi|pues|oye|y)\s*,?\s+)*(?:a\s+)?"
    r"(?:(?:my|our|the|his|her|their|mi|mis|nuestra|nuestro|nuestras|nuestros|su|sus|la|los|las)\s+"
    r"(?!(?:song|track|playlist|list|mix|one|last|first|second|third|cancion|canción|lista)\b)"
    r"(?:[\w'’-]+\s+){0,2}?[\w'’-]+|she|he|they|everyone|everybody|people|someone|somebody|ella|él|ellos|ellas)\s+"
    r"(?:(?:will|would|might|also|really|totally|probably|definitely|just|también|tambien)\s+)*"
    r"(?:(?P<say>said|says|thinks|reckons|told\s+me|tells\s+me|asked\s+for|asks\s+for|wants|want|would\s+like"
    r"|dice\s+que|dicen\s+que|dijo\s+que|quiere|quieren|pide|piden)"
    r"|(?P<hate>hates|hate|can'?t\s+stand|cannot\s+stand|doesn'?t\s+like|don'?t\s+like|dislikes|dislike"
    r"|(?:is|are)\s+(?:sick|tired)\s+of|(?:isn'?t|aren'?t|is\s+not|are\s+not)\s+into"
    r"|odia|odian|no\s+soporta|no\s+soportan|no\s+(?:le|les)\s+gustan?))\s+"
    r"(?:that\s+(?!(?:one|song|track|tune)\b)|a\s+)?",
    re.IGNORECASE,
)
_ONLY_POINTER = re.compile(r"^\s*(?:it|this|that|this\s+one|that\s+one|them|these|those)\s*[.!?]*\s*$", re.IGNORECASE)


def _reported(text: str) -> str:
    """The ask inside what someone else said ("she said it needs more beyonce" -> "it needs more beyonce"), and what
    someone else dislikes as an exclusion ("my wife hates the killers" -> "no the killers"); else ``text``."""
    m = _REPORTED.match(text)
    rest = _STILL_WANTS.sub("", text[m.end() :]) if m else ""  # "mi mamá dice que quiere más pop"
    if not m or not rest.strip() or _ONLY_POINTER.match(rest):
        return text
    if m["hate"] and _ONE_TRACK.match(rest):
        return f"drop {rest}"  # "my wife hates the third song": that track goes
    if m["say"] and _WISHED.match(m["say"]) and _WISH_SOME.match(rest) and not re.search(r"[,.;]", rest):
        return f"also {rest}"  # "the kids want some disney": a wish for some beside, not a new playlist (nor "add")
    return f"no {rest}" if m["hate"] else rest


# "no le gusta", "no me gusta nada", "lo odia": a dislike said in Spanish without its subject
_DISLIKED_ES = re.compile(
    r"^\s*(?:(?:y|pues|porque|ya\s+que)\s+)?(?:(?:a\s+)?(?:ella|él|el|ellos|ellas|mi\s+[\w'’-]+)\s+)?"
    r"(?:no\s+(?:le|les|me|nos)\s+gustan?(?:\s+nada)?|(?:la|lo|las|los)\s+(?:odia|odian|odio)"
    r"|no\s+(?:la|lo|las|los)\s+(?:soporta|soportan|soporto|aguanta|aguantan|aguanto))\s*[.!]*\s*$",
    re.IGNORECASE,
)


def _dislike_of_it(part: str) -> bool:
    """Whether a clause only says someone dislikes "it" ("she hates it", "my bf cant stand it", "no le gusta"):
    beside an edit, the reason for it."""
    if _DISLIKED_ES.match(part):
        return True
    m = _REPORTED.match(part)
    return bool(m and m["hate"] and _ONLY_POINTER.match(part[m.end() :]))


_ONE_TRACK = re.compile(
    r"^\s*(?:(?:the|that|this)\s+(?:[\w'’-]+\s+)?(?:one|song|track|tune)\b|(?:track|song|#|number)\s*\d+\b)", re.I
)
_WISHED = re.compile(r"(?:want|wants|would\s+like|asked\s+for|asks\s+for|quiere|quieren|pide|piden)$", re.I)
_WISH_SOME = re.compile(r"^\s*(?:some|a\s+few|a\s+couple|a\s+bit\s+of|a\s+little|algo\s+de|unas|unos)\b", re.I)
_STILL_WANTS = re.compile(r"^\s*(?:she|he|they|ella|él|ellos)?\s*(?:wants|want|quiere|quieren)\s+", re.IGNORECASE)


# "the last 3 are perfect, keep them and redo the rest": "them" are the tracks just praised
_KEEP_THOSE = re.compile(
    r"^\s*(?P<ref>(?:the\s+)?(?:first|last|top|bottom|final)\s+(?:\w+\s+)?(?:songs|tracks|ones|\d+|two|three|four"
    r"|five|six|seven|eight|nine|ten)|(?:tracks?|songs?|#|numbers?)?\s*\d+(?:\s*(?:,|and|&|\+)\s*\d+)*)\s+"
    r"(?:are|r|were|is|sound|sounds|look|looks)\b[^,.;!]*[,.;!]+\s*(?:so\s+|just\s+|please\s+|pls\s+)?"
    r"keep\s+(?:them|those|these|em|'em)\b(?=\s*(?:,|;|\.|and|then|but|&)*\s*(?:please\s+|pls\s+|just\s+)?"
    r"(?:redo|replace|swap|change|reroll|refresh|switch|get\s+rid\s+of|drop|remove|ditch|lose)\s+"
    r"(?:the\s+rest|the\s+others|everything\s+else|all\s+the\s+rest|all\s+the\s+others)\b)",
    re.IGNORECASE,
)


def _retold(raw: str) -> str:
    """What others said read as the ask ("she said they want more queen"), praised tracks as those kept, and what
    to add before how many ("some motown, can you add a few")."""
    while (told := _reported(raw)) != raw:
        raw = told
    raw = _PUT_NEXT_TO.sub(_next_to, _NEXT_N.sub(r"add \g<n> more", _what_then_count(_keep_those(raw))))
    return raw


# "put track 3 next to track 5": track 3 moves just after track 5 (before it when it came from below)
_PUT_NEXT_TO = re.compile(
    r"^\s*(?:put|move|place|stick)\s+(?:track\s+|song\s+|#|number\s+)?(?P<a>\d{1,3})\s+(?:right\s+)?next\s+to\s+"
    r"(?:track\s+|song\s+|#|number\s+)?(?P<b>\d{1,3})\b",
    re.IGNORECASE,
)


def _next_to(m: re.Match) -> str:
    a, b = int(m["a"]), int(m["b"])
    return f"move track {a} to {b if a < b else b + 1}"


# "next 5", "nxt 10 pls": that many more, as a listener scrolling on says it
_NEXT_N = re.compile(
    r"^\s*(?:the\s+)?(?:next|nxt)\s+(?P<n>\d{1,3}|few|couple)(?=(?:\s+(?:songs?|tracks?|pls|please))*[\s.!]*$)",
    re.IGNORECASE,
)


def _keep_those(text: str) -> str:
    m = _KEEP_THOSE.match(text)
    return f"keep {m['ref']}{text[m.end() :]}" if m else text


# "some motown, can you add a few": what to add, then how many
_WHAT_THEN_COUNT = re.compile(
    r"^\s*(?:some|a\s+few|a\s+couple(?:\s+of)?)\s+(?![^,.;!?]*\b(?:are|is|was|were|repeat|repeats|sound|sounds"
    r"|of\s+(?:these|those|them|it|this))\b)(?P<what>[^,.;!?]+?)\s*[,.;]\s*(?:so\s+|and\s+)?"
    r"(?:(?:can|could|would)\s+you\s+)?(?:please\s+|pls\s+)?(?:add|throw\s+in|put\s+in|include)\s+"
    r"(?P<n>a\s+few|a\s+couple|some|\d+|two|three|four|five)(?:\s+more)?"
    r"(?:\s+(?:of\s+(?:them|those)|in|there|please|pls))*\s*[?.!]*\s*$",
    re.IGNORECASE,
)


def _what_then_count(text: str) -> str:
    m = _WHAT_THEN_COUNT.match(text)
    return f"add {m['n']} {m['what']}" if m else text


# "actually no lyrics would be better", "rock would work better tbh": a wish said as a comparison is "make it ..."
_WOULD_BE_BETTER = re.compile(
    r"^\s*(?P<lead>(?:(?:actually|ok|okay|nah|hmm+|maybe|honestly|i think|i feel like|tbh)[\s,]+)*)"
    r"(?P<what>(?!(?:what|which|who|how|would|it|that|this|nothing)\b).+?)\s+(?:would|will|might|could|'d|’d)\s*"
    r"(?:be|work|sound|fit)\s+(?:a\s+(?:lot|bit|little)\s+|way\s+|much\s+|even\s+)?"
    r"(?:better|nicer|good|great|ideal|perfect|best)(?:\s+(?:i think|tbh|imo|honestly|here|for this|for me))?"
    r"[\s.!?]*$",
    re.IGNORECASE,
)


def _would_be_better(text: str) -> str:
    """ "actually no lyrics would be better" -> "actually make it no lyrics" (before: a new playlist of the words
    alone, losing the occasion and the length)."""
    m = _WOULD_BE_BETTER.match(text)
    return f"{m['lead']}make it {m['what']}".strip() if m else text


# "love the 90s ones", "i really like the rock songs, more of those": the praise said before the music it names
_LOVED_GROUP = re.compile(
    r"^\W*(?:i\s+|i'?m\s+|im\s+)?(?:really\s+|so\s+|totally\s+)?(?:love|like|dig|adore|loving|digging|liking)\s+"
    r"(?P<group>the\s+(?:[^,.!?]+?\s+)?(?:ones|songs|tracks|tunes|stuff|bits))\b(?P<tail>.*)$",
    re.IGNORECASE | re.DOTALL,
)


def _loved_group(text: str, playlist: Sequence[dict[str, Any]], vocab: Vocabulary) -> str:
    """ "love the 90s ones", "i love the 2000s songs, more of those": read as "the 90s ones are great" (some more of
    that decade, genre or artist join, every track kept), where rule_praised_music reads it so; else as said. Before
    another ask ("love the 90s ones, drop track 3") the praise is only a like of those tracks, and the ask is done."""
    m = _LOVED_GROUP.match(text)
    if not m:
        return text
    if (ask := _PRAISE_THEN_ASK.match(m["tail"])) and _asks_an_edit(ask["ask"], vocab):
        liked = _group_places(m["group"], playlist, vocab)
        return f"i love {_said_places(liked)}, {ask['ask']}" if liked else ask["ask"]
    said = f"{m['group']} are great{m['tail']}"
    return said if rule_praised_music(make_clause(said, playlist, vocab)) is not None else text


_SOUND_ADJECTIVES = sorted({k for k in (*V.DIRECTIONS, *V.MOOD_PHRASES) if " " not in k and k.isalpha()}, key=len)
# "its a bit slow", "this is kinda sad", "the songs are a little loud", "its ok but a bit slow": the playlist described
# with a mild hedge is a complaint (as "a bit too slow"), not an ask for more of it ("a bit slow please" stays an ask)
_DESCRIBED = re.compile(
    r"\b(?P<said>(?:it'?s|it\s+is|this\s+is|that'?s|these\s+are|they'?re|they\s+are|it\s+(?:feels|sounds|seems)"
    r"|the\s+(?:songs|tracks|playlist|music|mix|list)\s+(?:is|are|feels?|sounds?|seems?)"
    r"|(?:ok|okay|fine|good|nice|great|decent|alright|cool)\s*,?\s*but)\s+"
    r"(?:a\s+bit|a\s+little|a\s+tad|kinda|kind\s+of|sorta|sort\s+of|somewhat|little|bit))\s+"
    rf"(?=(?:{'|'.join(reversed(_SOUND_ADJECTIVES))})\b)",
    re.IGNORECASE,
)


def _described_as_too(text: str) -> str:
    """ "its a bit slow" read as "its a bit too slow" (faster, not slower)."""
    return _DESCRIBED.sub(lambda m: f"{m['said']} too ", text)


_PRAISE_THEN_ASK = re.compile(r"^\s*(?:[,;.!]+\s*|\s+)(?:and\s+|but\s+|so\s+|just\s+)*(?P<ask>\S.*)$", re.DOTALL)
_EDIT_ASKS = _keys(V.REMOVE_VERBS + V.MOVE_VERBS + V.REPLACE_VERBS + ("skip", "swap"))


def _asks_an_edit(ask: str, vocab: Vocabulary) -> bool:
    """Whether what follows a praise is an edit of its own (a removal, a move, a swap, a track by number), not more
    of what was praised ("more of those", "add some more")."""
    words = [t.text for t in V.tokenize(ask)]
    return bool(find(words, _EDIT_ASKS)) and not {"those", "them", "these", "em"} & set(words)


def _group_places(group: str, playlist: Sequence[dict[str, Any]], vocab: Vocabulary) -> list[int]:
    """The places of the playlist's tracks of the genre, years or artist that ``group`` names ("the 90s ones")."""
    c = make_clause(group, playlist, vocab)
    kinds = c.matches("genre", "years", "artist", negated=False)
    if not kinds or c.matches("mood", "feature", "activity", negated=None):
        return []

    def has(p: dict[str, Any], m: "Match") -> bool:
        if m.kind == "artist":
            return fold(str(p.get("artist", ""))) == fold(str(m.value))
        if m.kind == "genre":
            return m.value[0] in (p.get("genres") or [])  # type: ignore[index]
        lo, hi = m.value  # type: ignore[misc]
        return bool(p.get("year")) and (lo is None or p["year"] >= lo) and (hi is None or p["year"] <= hi)

    return [k for k, p in enumerate(playlist, 1) if all(has(p, m) for m in kinds)]


def _said_places(places: Sequence[int]) -> str:
    """ "track 4", "tracks 2, 5 and 9"."""
    if len(places) == 1:
        return f"track {places[0]}"
    return f"tracks {', '.join(map(str, places[:-1]))} and {places[-1]}"


def _past_praise(text: str) -> str:
    """ "love it but its way too long", "perfect but too many songs", "perfect, add 5 more", "love it. drop track 2":
    praise before "but" (or a comma, or the end of a sentence) is politeness, the ask is what follows (read whole,
    the praise liked the track in focus or was taken for what to add)."""
    toks = V.tokenize(text)
    words = [t.text for t in toks]
    b = next((k for k, w in enumerate(words) if w in _BUT), None)
    ask = None if b is None else b + 1  # the first word of the ask
    stop = _SENTENCE_END.search(text)  # the tokens keep no full stop: where the first sentence ends
    after = stop and next((k for k, t in enumerate(toks) if t.start >= stop.end()), None)
    if after and (b is None or after <= b):
        b = ask = after
    if not b or ask is None or ask >= len(words) or not all(w in _PRAISE_WORDS or w in _PUNCT for w in words[:b]):
        return text
    praised = any(
        w in V.ACK_WORDS - {"you", "a", "so", "very", "much", "lot", "that", "for", "me", "thats"}
        or w in {"love", "great", "fire", "gusta", "encanta"}
        for w in words[:b]
    )
    if not praised and not find(words[:b], _I_LIKE):  # "like this but for running" is no praise
        return text
    if all(w in _PRAISE_WORDS or w in _PUNCT for w in words[ask:]):  # "thanks, that's all": politeness only
        return text
    return text[toks[ask].start :] if words[b] not in ("only", "just") else text[toks[b].start :]


_SENTENCE_END = re.compile(r"\s*[.!]+\s+")


def _hedges(words: Sequence[str]) -> str:
    return "|".join(re.escape(h).replace(r"\ ", r"\s+") for h in sorted(words, key=len, reverse=True))


# "lowkey want some drake too fr" -> "want some drake too": a hedge said for tone before a want, or at the end
_SLANG_LEAD = re.compile(
    rf"^\s*(?:(?:{_hedges(V.SLANG_HEDGES)})\b[\s,]*)+(?=(?:i\s+|we\s+|i['’]?d\s+)?"
    r"(?:want|wanna|need|needs|would|could|gotta|prefer|feel|feeling|"
    # probe20: "lowkey add sum drake": a hedge before an edit's verb as well
    r"add|throw|toss|mix|bring|include|put|make|give|gimme|swap|drop|remove|play|get|take)\b)",
    re.IGNORECASE,
)
_SLANG_TAIL = re.compile(
    rf"(?:[\s,]+(?:{_hedges([h for h in V.SLANG_HEDGES if 'key' not in h])}))+\s*[.!?]*\s*$", re.IGNORECASE
)


# "could the first few songs be more energetic?", "can the last ones be a bit calmer": the ask "make them so"
_COULD_BE = re.compile(
    r"\b(?:could|can|would|should|cud|cn)\s+(?P<what>(?:the|those|these)\s+(?:[\w#']+\s+){1,4}?)be\s+"
    r"(?P<how>(?:a\s+(?:bit|little|lot)\s+|way\s+|much\s+)?(?:more|less)\s+\w+|(?:a\s+(?:bit|little)\s+)?\w+er)\b",
    re.IGNORECASE,
)


# "make the end calmer", "the ending should be more chill": the end of the playlist as its last few tracks (probe20)
_THE_END_AS_TRACKS = re.compile(
    r"\bthe\s+(?:end|ending|last\s+part|end\s+part)\b(?=\s+(?:(?:a\s+(?:bit|little|lot)\s+|way\s+|much\s+)?"
    r"(?:more|less)\s+\w+|(?:a\s+(?:bit|little|lot)\s+)?\w+er\b|should\s+be\b|needs\s+to\s+be\b))",
    re.IGNORECASE,
)


def _unwrap(text: str) -> str:
    """``text`` without polite wrappers ("if you don't mind, drop track 2" -> "drop track 2") and with a condition
    on what the playlist holds said as the plain ask ("if there's any Eminem, take it out" -> "take out Eminem",
    the tools say when there is none); unchanged when nothing else would be left."""
    out = _POLITE.sub(" ", text).strip()
    out = _SLANG_TAIL.sub("", _SLANG_LEAD.sub("", out)).strip()
    out = _COULD_BE.sub(lambda m: f"make {m['what'].strip()} {m['how']}", out)
    out = _THE_END_AS_TRACKS.sub("the last few", out)
    cond = _IF_ANY.match(out) or _ASK_IF_SO.match(out)
    if cond:
        what = re.sub(r"^(?:any|some)\s+", "", cond["what"], flags=re.IGNORECASE)
        out = f"{cond['verb']} {what} {cond['rest']}".strip()
    out = _IF_THERE.sub("", out).strip()
    out = _IF_HAVE.sub("", out).strip()
    return out if any(ch.isalnum() for ch in out) else text


_PRONOUN = re.compile(
    r"\b(?P<lead>"
    + "|".join(re.escape(p).replace("'", "['’]?") for p in sorted(V.ARTIST_PRONOUN_LEADS, key=len, reverse=True))
    + r")\s+(?P<pro>"
    + "|".join(V.ARTIST_POINTERS + V.ARTIST_PRONOUNS)
    + r")\b",
    re.IGNORECASE,
)


def _pronoun_artist(playlist: Sequence[dict[str, Any]], focus: int | None, artists: Sequence[str]) -> str | None:
    """Who "him", "her" or "them" means: the artist of the track just talked about, else the one artist the
    request named, else the artist the playlist holds clearly most of; None when no one stands out."""
    if focus and 1 <= focus <= len(playlist):
        return str(playlist[focus - 1]["artist"])
    if len({fold(a) for a in artists}) == 1:
        return artists[0]
    counts: dict[str, int] = {}
    for p in playlist:
        counts[p["artist"]] = counts.get(p["artist"], 0) + 1
    top = sorted(counts.items(), key=lambda kv: -kv[1])[:2]
    if top and top[0][1] >= max(3, len(playlist) / 5) and (len(top) == 1 or top[0][1] > top[1][1]):
        return top[0][0]
    return None


_SHARE_LEADS = frozenset({"more", "less", "fewer", "else", "like"})


# "more of track 2's artist", "drop song 3s singer": that track's artist, by name
_TRACKS_ARTIST = re.compile(
    r"\b(?:the\s+)?(?:track|song|number|#)\s*(?P<k>\d{1,3})(?:'s|’s|s)\s+(?:artist|singer|band|rapper|guy|girl)\b",
    re.IGNORECASE,
)


def _artist_at(playlist: Sequence[dict[str, Any]], k: int) -> str | None:
    return str(playlist[k - 1].get("artist") or "") or None if 1 <= k <= len(playlist) else None


# what may come right before "track 3's artist" for it to be said as the name: an ask about the playlist ("more of",
# "no more", "not a fan of", "who is"); "tell me about track 3's artist", "name track 3's artist" or the artist said
# first ("track 3's artist is great") ask about them, and a new playlist of their name would replace the playlist
_TRACKS_ARTIST_LEADS = frozenset(
    "more less fewer no not drop remove cut skip ban block exclude without add like love hate fan only some any "
    "else is has by from".split()
)


def _tracks_artist(playlist: Sequence[dict[str, Any]], text: str, m: re.Match[str]) -> str:
    before = [w for w in re.findall(r"[\w']+", text[: m.start()].lower()) if w not in ("of", "the", "to", "with")]
    if not before or before[-1] not in _TRACKS_ARTIST_LEADS:
        return m[0]
    return _artist_at(playlist, int(m["k"])) or m[0]


_KINDS_OF_TRACKS = frozenset({"years", "genre", "mood", "relative_years", "feature"})


def _name_pronoun(
    text: str,
    playlist: Sequence[dict[str, Any]],
    focus: int | None,
    artists: Sequence[str],
    vocab: Vocabulary | None = None,
) -> str:
    """ "drop him", "less of her", "more of them": the pronoun said as the artist it means: the one artist named
    earlier in the message ("the weeknd is too much, less of him"), else the playlist's (unchanged when no one
    stands out, and "them" after a track is pointed at stays the tracks)."""
    text = _TRACKS_ARTIST.sub(lambda m: _tracks_artist(playlist, text, m), text) if playlist else text
    if not playlist or not (hit := _PRONOUN.search(text)):
        return text
    earlier = vocab.read(text[: hit.start()]).matches if vocab else []
    said = [str(m.value) for m in earlier if m.kind == "artist"]
    tracks = hit["pro"].lower() in ("them", "em") and not _SHARE_LEADS & set(hit["lead"].lower().split())  # "drop them"
    if tracks and not said and {m.kind for m in earlier} & _KINDS_OF_TRACKS:
        return text  # "i don't like the ones from the 80s, get rid of them": "them" are the tracks just named
    pointed = positions(V.key(text[: hit.start()]), [p["title"] for p in playlist]) if not (said or tracks) else None
    if pointed and len(pointed) == 1 and 1 <= pointed[0] <= len(playlist):
        focus = pointed[0]  # "who sings track 2? more from them": the artist of the track just named
    who = said[0] if len(set(said)) == 1 else _pronoun_artist(playlist, focus, artists)
    # "like HER", "no HIM": written in capitals, the pronoun is the artist's own name
    return _PRONOUN.sub(lambda m: m[0] if m["pro"].isupper() else f"{m['lead']} {who}", text) if who else text


def _both_ways(plan: Plan) -> Plan | None:
    """ "alternate fast and slow": a feature moved up and down by the same message cancels out; asked instead."""
    ways: dict[str, set[str]] = {}
    for a in plan.actions:
        if a["name"] == "adjust" and a["args"].get("amount", "normal") == "normal":
            ways.setdefault(a["args"]["feature"], set()).add(a["args"]["direction"])
    both = sorted(f for f, d in ways.items() if d == {"up", "down"})
    if not both:
        return None
    return Plan.ask(
        f'That asks for more and less {both[0]} at once. Say which way ("faster", "calmer"), or ask for an '
        'order: "start slow and build up", "make it flow better". Nothing changed.'
    )


def _one_year_ask(plan: Plan) -> Plan:
    """ "newer stuff, only from 2015 on", "mas nuevas, solo del 2015 para adelante": the years said bound the way the
    vague "newer" (or "older") points, so the bound alone is the change: one action, one reply."""
    bound = {"up": "year_start", "down": "year_end"}
    said = [
        a for a in plan.actions if a["name"] == "narrow" and (a["args"].get("year_start") or a["args"].get("year_end"))
    ]

    def vague(a: dict[str, Any]) -> bool:
        way = bound.get(a["args"].get("direction", ""))
        return (a["name"], a["args"].get("feature")) == ("adjust", "year") and any(n["args"].get(way) for n in said)

    return Plan([a for a in plan.actions if not vague(a)], plan.question, plan.notes) if said else plan


def parse(
    text: str,
    playlist: Sequence[dict[str, Any]],
    vocab: Vocabulary,
    focus: int | None = None,
    last: str | None = None,
    artists: Sequence[str] = (),
    request: str = "",
    asked: str | None = None,
    pointed: Sequence[int] = (),
    previous: dict[str, Any] | None = None,
    changed: tuple[Sequence[int], int] = ((), 0),
    said: str = "",
    again: Sequence[dict[str, Any]] = (),
) -> Plan:
    """The plan for one message given the current playlist (empty before the first request), the tool the
    previous turn ran last (``last``), which a message that only adds to it ("and the 70s") repeats, the
    artists the request named (``artists``), whom "him" or "her" may mean, the playlist's request (``request``),
    which "no I meant the 90s" corrects, the question the bot asked last (``asked``), which a bare "the 3rd
    one" answers, the tracks the last turn explained (``pointed``), which "them" then means, and the last
    turn's last action (``previous``), which "a lil less" or "even more" scales, what the last change did
    (``changed``: the places of the tracks it brought in, how many it took out), which "remove those" means, and
    what the bot said last (``said``), whose suggestion "ok something similar then" takes, and the last turn's
    actions (``again``), which "do it again" after an edit repeats."""
    if (offer := _NEAREST_OFFER.search(said)) and _takes_the_nearest(text):
        return Plan([call("new_playlist", text=_with_nearest(request, offer["missing"], offer["near"]))])
    if playlist and (repeated := _done_again(text, again, last)) is not None:
        return repeated
    plan = _read_message(text, playlist, vocab, focus, last, artists, request, asked, pointed, previous, changed)
    return (_scaled_together(text, plan, previous, again) if playlist else None) or plan


def _scaled_together(
    text: str, plan: Plan, previous: dict[str, Any] | None, again: Sequence[dict[str, Any]]
) -> Plan | None:
    """ "more upbeat" (energy and valence up) - "halfway back pls": an amount alone scales every feature the last
    turn moved, not only its last action's."""
    moved = [a for a in again if a.get("name") == "adjust"]
    if len(moved) < 2 or previous is None or previous.get("name") != "adjust":
        return None
    alone = _scaled_again(text, previous)
    if alone is None or alone.actions != plan.actions:
        return None  # the message is no bare amount ("more energy" after "more upbeat" says its own feature)
    steps: list[dict[str, Any]] = []
    for a in moved:
        step = _scaled_again(text, a)
        if step is not None and all(s["args"]["feature"] != step.actions[0]["args"]["feature"] for s in steps):
            steps += step.actions
    return Plan(steps, notes=plan.notes)


# "more upbeat" - "do it again": the last turn's edit made once more (conv5); after a new playlist or a fresh batch
# "do it again" is another fresh batch (rule_reroll)
_AGAIN_EDIT = _keys(("again", "do it again", "do that again", "again please", "one more time", "once more",
                     "same again", "repeat that", "repeat it", "try that again", "otra vez", "de nuevo",
                     "hazlo de nuevo", "hazlo otra vez"))  # fmt: skip
_DONE_AGAIN = frozenset({"adjust", "more", "more_like", "widen", "shuffle", "replace"})


def _done_again(text: str, again: Sequence[dict[str, Any]], last: str | None) -> Plan | None:
    """ "do it again" / "again" right after an edit: that turn's actions once more (each is relative to the playlist
    now: energy up again, 5 more again); None for anything else, or after an edit that repeats to nothing new."""
    words = list(V.key(text))
    if last in (None, "new_playlist", "replace") or not find(words, _AGAIN_EDIT) or _content(words, _AGAIN_EDIT):
        return None
    acts = [a for a in again if isinstance(a, dict) and isinstance(a.get("args"), dict)]
    if not acts or any(a.get("name") not in _DONE_AGAIN for a in acts):
        return None
    return Plan([call(str(a["name"]), **a["args"]) for a in acts])


# "add 5 more but not by X", "agrega 5 más pero que no sean de X", "add 5 more that aren't X": the new ones only
_NEW_NOT_BY = re.compile(
    r"\b(?:add|agrega|añade|anade|agregame|añademe|pon|ponme|mete|throw\s+in|give\s+me|get\s+me|put\s+in)\b"
    r"(?:\s+(?:like|maybe|another|otras?|otros?))*\s+(?P<n>\d+|[a-z]+)\s+(?:more|m[aá]s)\b"
    r"(?:\s+(?:songs?|tracks?|canciones|temas))?\s*,?\s*(?:but|pero|that|which|who|y)?\s*(?:que\s+)?"
    r"(?:not|none|no|aren'?t|are\s+not|isn'?t|sean)\b",
    re.IGNORECASE,
)


def _new_ones_not_by(plan: Plan, text: str) -> Plan:
    """ "add 5 more but not by X": five more, none of them X's, and X's tracks already there stay (an exclusion
    would take them out too); a plan that only excludes ("add 5 more that aren't X") gets its five."""
    names = [a["name"] for a in plan.actions]
    if plan.question or names not in (["more", "exclude"], ["exclude"]) or not (m := _NEW_NOT_BY.search(text)):
        return plan
    out = plan.actions[-1]["args"]
    if set(out) != {"artists"} or not out["artists"]:
        return plan
    count = plan.actions[0]["args"].get("count") if names[0] == "more" else None
    word = m["n"].lower()
    count = count or (int(word) if word.isdigit() else _NUMBERS.get(V.key(word)))
    if not count:
        return plan
    return Plan([call("more", count=int(count), not_artists=list(out["artists"]))])


# "add 4 more, not too upbeat", "5 more but nothing too sad", "a few more that aren't so loud": the mood said after
# the add, with no verb of its own, is of the new tracks
_NEW_ONES_LIKE = re.compile(
    r"\bmore(?:\s+(?:songs?|tracks?|ones|tunes))?\s*(?:,\s*|\s+)(?:but\s+|that\s+are\s+|which\s+are\s+)?"
    r"(?:(?:make|keep)\s+(?:them|those|these|em|the\s+new\s+ones)\s+)?"
    r"(?:(?:not|nothing|none|no)\s+(?:too|that|so|very|overly|super)\s+|that\s+aren'?t\s+(?:too\s+|so\s+)?|"
    r"(?:kinda|a\s+bit|a\s+little|slightly|more|less)\s+)?[a-z]+(?:\s+ones)?(?:\s+(?:please|pls|though|tho))?"
    r"\s*[.!]*\s*$",
    re.IGNORECASE,
)
_TOWARD_FEATURES = frozenset({"energy", "valence", "tempo", "danceability", "acousticness"})
_ADDED_NOUNS = frozenset({"songs", "song", "tracks", "ones", "tunes", "bangers", "jams", "canciones", "temas"})


def _added_sound(plan: Plan, text: str) -> Plan:
    """ "add some upbeat songs", "add a few chill ones": tracks of that sound join the playlist (the new ones past
    its mean that way, ``more``'s ``toward``), which stays; read alone the words moved the whole playlist's sound
    and swapped most of it (conv5)."""
    words = list(V.key(text))
    hit = find(words, _GROW)
    adjusts = [a for a in plan.actions if a["name"] == "adjust" and a["args"].get("feature") in _TOWARD_FEATURES]
    if plan.question or not adjusts or len(adjusts) != len(plan.actions) or not hit or hit[0] > 3:
        return plan
    if not _ADDED_NOUNS & set(words[sum(hit) :]) or find(words, _LESS):
        return plan  # "add more energy", "add some energy": the sound of the playlist, moved
    toward = [{"feature": a["args"]["feature"], "direction": a["args"]["direction"]} for a in adjusts]
    return Plan([call("more", count=amount_in(words[sum(hit) :]) or _ADD_SOME, toward=toward)], notes=plan.notes)


def _new_ones_scoped(plan: Plan, text: str) -> Plan:
    """ "remove all but the first 8 and add 4 more, not too upbeat": the sound said after an add is of the tracks it
    brings (``more``'s ``toward``), not a change to the whole playlist."""
    names = [a["name"] for a in plan.actions]
    if plan.question or "more" not in names or not _NEW_ONES_LIKE.search(text):
        return plan
    k = len(names) - 1 - names[::-1].index("more")
    tail = plan.actions[k + 1 :]
    if not tail or not all(_of_the_new(a) for a in tail):
        return plan
    toward = [
        {"feature": a["args"]["feature"], "direction": a["args"]["direction"]} for a in tail if a["name"] == "adjust"
    ]
    moods = [m for a in tail if a["name"] == "exclude" for m in a["args"]["moods"]]
    add = call("more", **plan.actions[k]["args"], **({"toward": toward} if toward else {}),
               **({"not_moods": moods} if moods else {}))  # fmt: skip
    return Plan(plan.actions[:k] + [add], notes=plan.notes)


def _of_the_new(action: dict[str, Any]) -> bool:
    """Whether an action said after an add can be of the new tracks alone: a change of sound, or moods left out."""
    if action["name"] == "adjust":
        return action["args"].get("feature") in _TOWARD_FEATURES
    return action["name"] == "exclude" and set(action["args"]) == {"moods"} and bool(action["args"]["moods"])


_BESIDE_GONE = re.compile(
    r"\b(?:the\s+)?(?:one|song|track|tune)\s+(?:right\s+|just\s+)?(?P<way>after|before)\s+(?:it|that|that\s+one)\b",
    re.IGNORECASE,
)


def _beside_the_removed(text: str, focus: int | None, previous: dict[str, Any] | None, n: int) -> str:
    """ "remove it" - "and the one after it too": "it" is gone, so the one after it now stands where it stood (the
    one before it just before); said as that track's number."""
    if focus is not None or not previous or previous.get("name") != "remove" or not (m := _BESIDE_GONE.search(text)):
        return text
    gone = (previous.get("args") or {}).get("positions") or []
    if len(gone) != 1 or not isinstance(gone[0], int):
        return text
    place = gone[0] if m["way"].lower() == "after" else gone[0] - 1
    if not 1 <= place <= n:
        return text
    return text[: m.start()] + f"track {place}" + text[m.end() :]


# "lose the old stuff but keep track 3", "drop the slow ones except song 3": that track stays whatever goes
_KEEP_TRACK_SAID = re.compile(
    r"\s*[,;]?\s*(?:\bbut\s+|\band\s+|\bjust\s+)?\b(?:keep|except(?:\s+for)?|apart\s+from)\s+"
    r"(?:the\s+)?(?:track|song|number|no\.?|#)\s*(?P<n>\d+)\b(?:\s+(?:though|tho|please|pls))?\s*[.!]*\s*$",
    re.IGNORECASE,
)


def _kept_track_spared(
    plan: Plan,
    text: str,
    playlist: Sequence[dict[str, Any]],
    vocab: Vocabulary,
    focus: int | None,
    last: str | None,
    artists: Sequence[str],
) -> Plan:
    """``plan``, unless it would take out the very track the message keeps ("... but keep track 3"): then the
    message read without that part, the track left out of what goes; a question (saying it stays) when the rest
    names nothing."""
    m = _KEEP_TRACK_SAID.search(text)
    if not m or not playlist or not m.start():
        return plan
    kept = int(m["n"])
    touched = [a for a in plan.actions if a["name"] in ("remove", "replace")]
    if not touched or not any(kept in (a["args"].get("positions") or []) for a in touched):
        return plan
    rest = _parse(text[: m.start()], playlist, vocab, focus, last, artists)
    for a in rest.actions:
        if a["name"] in ("remove", "replace") and "positions" in a["args"]:
            a["args"]["positions"] = [p for p in a["args"]["positions"] if p != kept]
    if rest.question or not rest.actions or any(a["args"].get("positions") == [] for a in rest.actions):
        q = rest.question or 'Which tracks should go? Say a number, "the last two", a title or an artist.'
        return Plan.ask(f"Track {kept} stays. {q}")
    return rest


def _read_message(
    text: str,
    playlist: Sequence[dict[str, Any]],
    vocab: Vocabulary,
    focus: int | None,
    last: str | None,
    artists: Sequence[str],
    request: str,
    asked: str | None,
    pointed: Sequence[int],
    previous: dict[str, Any] | None,
    changed: tuple[Sequence[int], int],
) -> Plan:
    """:func:`parse` once no offer of the bot's is taken."""
    # German, French and Portuguese basics read as the English the rules know ("ohne Drake", "sem rock"); catalog
    # names kept as said ("Eli & Fur", "Zum Zum")
    text = _judged_possessive(V.from_basics(text, getattr(vocab.reader, "german_names", ())))
    if playlist:
        text = _beside_the_removed(text, focus, previous, len(playlist))
        text, focus, pointed = _in_context(text, asked, playlist, vocab, focus, pointed, previous, artists)
    if not pointed and playlist and (redone := _those_changed(text, playlist, vocab, *changed)) is not None:
        return redone  # "add 3 more" - "nah remove those"; "remove the first two" - "swap them for something else"
    if len(pointed) > 1 and playlist:
        text = _those_tracks(text, pointed)
    if asked and playlist and _PRONOUN.search(text) and len(named := _named_in(asked, playlist)) == 1:
        text = _name_pronoun(text, playlist, None, named, vocab)  # "is there any j balvin?" - "ok take him out"
    text = _GENRE_ER.sub(r"more \1", _era_named(text, request, playlist, focus))  # "jazzier": "more jazz"
    plan = _new_ones_scoped(_new_ones_not_by(_parse(text, playlist, vocab, focus, last, artists), text), text)
    plan = _added_sound(plan, text)
    plan = _kept_track_spared(plan, text, playlist, vocab, focus, last, artists)
    if (both := _both_ways(plan)) is not None:
        return both
    plan = _one_year_ask(plan)
    if not playlist and plan.question == _need_playlist().question and _describes_music(text, vocab):
        return Plan([call("new_playlist", text=text.strip())])  # "warm up set, electro house, no big room trash"
    if not playlist and len(plan.actions) == 1 and plan.actions[0]["name"] == "new_playlist":
        said = plan.actions[0]["args"]["text"]
        return _ordered_request(said, vocab) or _share_beside(said, vocab) or plan
    if playlist and request and (fixed := _corrected(text, request, playlist, vocab)) is not None:
        return Plan([call("new_playlist", text=fixed)])
    if plan.question and asked and playlist and (offer := _OFFER.search(asked)) and _YES.match(text or ""):
        return _parse(offer["ask"], playlist, vocab, focus, last, artists)  # "to fit it, say yes" - "yes please"
    if plan.question and asked and playlist and _OFFER.search(asked) and _NO.match(text or ""):
        return Plan.ask("OK, it stays as it is.")
    if plan.question and asked and playlist:
        verb = next((v for q, v in _ASKED_VERBS.items() if asked.startswith(q)), None)
        answer = _parse(f"{verb} {text}", playlist, vocab, focus, last, artists) if verb else None
        if answer is not None and answer.actions and not answer.question:
            return answer  # "which tracks should I remove?" - "the 3rd one"
    vague = plan.question or [a["name"] for a in plan.actions] == ["more"]  # "add some then": some of whom?
    if vague and playlist and asked and (added := _add_the_missing(text, asked, playlist, vocab)):
        return added
    if plan.question and playlist and (bare := _bare_follow_up(text, previous)) is not None:
        return bare
    return (_by_sentence(text, playlist, vocab, focus, last, artists) if plan.question and playlist else None) or plan


# "the closer's mid", "last song's kinda trash", "the closers mid fr": a track named by its place, then "'s" (or an
# "s" typed without the apostrophe) for "is" before a verdict on it, read as "the closer is mid"
_VERDICTS = {*V.GRIPE_WORDS, *_DAMNING, *(x[3:] for x in V.PRAISE_PHRASES if x.startswith("is "))}
_GRIPE_AFTER = "|".join(re.escape(w) for w in sorted(_VERDICTS - {"nah", "nope", "ugh", "bleh"}, key=len, reverse=True))
_JUDGED_POSSESSIVE = re.compile(
    r"\b(?P<track>(?:the|this|that|your|my|last|first|\w+(?:st|nd|rd|th))\s+(?:opener|closer|song|track|tune|one)|"
    r"(?:the\s+)?(?:opener|closer)|(?:song|track|number|#)\s*\d+)['’]?s\s+"
    r"(?=(?:(?:kinda|kind of|so|pretty|lowkey|really|a bit|lil|a lil|honestly|"
    rf"straight|totally|tbh|ngl|lowkey)\s+)*(?:{_GRIPE_AFTER})\b)",
    re.IGNORECASE,
)


def _judged_possessive(text: str) -> str:
    return _JUDGED_POSSESSIVE.sub(lambda m: f"{m['track']} is ", text)


# the reply's note on a genre the catalog lacks (tools.extract's take_other_genre)
_NEAREST_OFFER = re.compile(r'(?P<missing>[^:;.]+): not a genre of this catalog \([^)]*\); the nearest it has is '
                            r'[^;"]*?, so try "(?P<near>[^"]+)"')  # fmt: skip
_NEAREST_FILLER = frozenset({"ok", "okay", "k", "sure", "fine", "alright", "yes", "yeah", "yep", "then", "so",
                             "please", "pls", "lets", "let", "us", "go", "with", "try", "do", "use", "instead", "one",
                             "just", "the", "give", "me", "play", "some", "thats", "that", "it", "is",
                             "works"})  # fmt: skip
_NEAREST_WORDS = frozenset({"similar", "close", "closer", "closest", "nearest", "suggestion", "suggested",
                            "parecido", "mas", "cercano"})  # fmt: skip


def _takes_the_nearest(text: str) -> bool:
    """Whether a message only takes the nearest genre offered ("ok something similar then", "try the nearest one",
    "do that then")."""
    words = [fold(w) for w in re.findall(r"[\w']+", text.replace("'", ""))]
    rest = [w for w in words if w not in _NEAREST_FILLER]
    if not words:
        return False
    if not rest:  # "ok try that", "do that then": only words that take what was offered
        return bool({"try", "do", "go", "use"} & set(words)) and "that" in words
    return set(rest) <= _NEAREST_WORDS | {"something", "anything", "stuff", "music", "genre", "like"} and bool(
        _NEAREST_WORDS & set(rest)
    )


def _with_nearest(request: str, missing: str, near: str) -> str:
    """The request said again with the nearest genre for the one the catalog lacks ("some jazz for dinner": "some
    r&b for dinner"); the genre alone when the request is unknown."""
    said = re.compile(rf"\b{re.escape(missing.strip())}\b", re.IGNORECASE)
    if request and said.search(request):
        return said.sub(near, request, count=1)
    return f"{near} {request}".strip()


_GENRE_ER = re.compile(r"\b(jazz|funk|rock|pop|blues|punk|folk|soul|metal|disco|emo)p?ier\b", re.IGNORECASE)
_THAT_ERA = re.compile(
    r"\b(?:(?:that|this|its|the\s+song'?s)\s+(?:era|decade|period)|the\s+same\s+(?:era|period))\b", re.IGNORECASE
)  # not "no more than 2 songs from the same decade", a cap


_ERA_OF = re.compile(r"\s+(?:as|of|like)\s+(?:track|song|number|#)\s*#?(\d+)\b", re.IGNORECASE)


def _era_named(text: str, request: str, playlist: Sequence[dict[str, Any]], focus: int | None) -> str:
    """ "more of that era" said as the decade it means: the track in focus's, else that of the song the request
    named ("songs like mr brightside"), else the playlist's middle year's; "the same era as track 3" is track 3's."""
    if not playlist or not (m := _THAT_ERA.search(text or "")):
        return text
    begin, stop = m.start(), m.end()
    if (of := _ERA_OF.match(text, stop)) and 1 <= int(of[1]) <= len(playlist):
        focus, stop = int(of[1]), of.end()
    year = _era_year(request, playlist, focus)
    return text if year is None else f"{text[:begin]}the {year // 10 * 10}s{text[stop:]}"


def _era_year(request: str, playlist: Sequence[dict[str, Any]], focus: int | None) -> int | None:
    """The year "that era" stands for: the track in focus's, else the request's named song's, else the middle one."""
    if focus is not None and 1 <= focus <= len(playlist) and playlist[focus - 1].get("year"):
        return int(playlist[focus - 1]["year"])
    said = fold(request or "")
    for p in playlist:
        title = fold(song_key(str(p.get("title", "")), "")).strip()
        if len(title) > 3 and title in said and p.get("year"):  # "songs like mr brightside"
            return int(p["year"])
    years = sorted(int(p["year"]) for p in playlist if p.get("year"))
    return years[len(years) // 2] if years else None


_LONE_FACTORS = {"half": 0.5, "double": 2.0, "twice": 2.0, "triple": 3.0, "doble": 2.0, "mitad": 0.5}


def _lone_factor(text: str) -> float | None:
    """ "now half", "double pls": a factor said alone, after a playlist, scales its length."""
    words = [t.text for t in V.tokenize(text) if t.text not in V.CHAT_FILLER and t.text not in _PUNCT]
    words = [w for w in words if w not in ("la", "el", "it")]
    return _LONE_FACTORS.get(words[0]) if len(words) == 1 else None


def _bare_follow_up(text: str, previous: dict[str, Any] | None) -> Plan | None:
    """What a message no rule read means to a playlist: "15" alone that many tracks, "a lil less" the last change
    scaled."""
    if (length := _lone_number(text)) is not None:
        return Plan([call("resize", length=length)])
    if (factor := _lone_factor(text)) is not None:  # "now half", "double pls"
        return Plan([call("resize", factor=factor)])
    pointed = previous is not None and previous.get("name") in _POINTED_ASKS  # "drop 4" - "no wait, 5": track 5
    if not pointed and (length := _lone_number(_LENGTH_CORRECTION.sub("", text))) is not None:
        return Plan([call("resize", length=length)])  # "make it 10" - "no wait, 12": the length said again
    return _scaled_again(text, previous)


def _by_sentence(
    text: str,
    playlist: Sequence[dict[str, Any]],
    vocab: Vocabulary,
    focus: int | None,
    last: str | None,
    artists: Sequence[str],
) -> Plan | None:
    """A message of several sentences not read as a whole, read sentence by sentence: the asks of those that ask
    for a change, chatter around them dropped ("ok better. couple more like these")."""
    said = [p for p in _SENTENCE.split(text.strip()) if p.strip()]
    if len(said) < 2:
        return None
    plans = [_parse(p, playlist, vocab, focus, last, artists) for p in said]
    actions = [a for p in plans for a in p.actions]
    if not actions or any(a["name"] in _WHOLE_THREAD for a in actions):
        return None
    return Plan(actions)


_AGAIN_MORE = frozenset({"more", "mas", "further", "harder"})
# "too much", "too far", "dial it back", "somewhere in between", "halfway"
_AGAIN_LESS = frozenset({"less", "menos", "much", "far", "overboard", "back", "between", "halfway", "half"})
_AGAIN_FILLER = V.CHAT_FILLER | V.GRIPE_WORDS | frozenset(
    {"a", "bit", "lil", "little", "tad", "touch", "even", "way", "no", "not", "that", "so", "its", "it", "s", "is",
     "was", "lot", "slightly", "somewhat", "go", "went", "dial", "notch", "than", "this", "!", ",", "?", "un", "poco",
     "algo", "aun", "todavia", "like", "somewhere", "in", "thats", "now"}
)  # fmt: skip
_AGAIN_LOT = frozenset({"way", "lot", "lots", "much", "mucho", "far"})  # "way more", "a lot more": a bigger step


def _scaled_again(text: str, previous: dict[str, Any] | None) -> Plan | None:
    """A message of only an amount, said after a change ("way more energy" - "a lil less"; "even more"; "ugh no too
    much"): the same feature again, that way or back a bit. "too much" said of a playlist no change made yet is its
    intensity: the energy comes down."""
    words = [t.text for t in V.tokenize(text)]
    if not words or any(w not in _AGAIN_FILLER | _AGAIN_MORE | _AGAIN_LESS for w in words):
        return None
    less = bool(set(words) & _AGAIN_LESS) or "too" in words
    if not less and not set(words) & _AGAIN_MORE:
        return None
    if not previous or previous.get("name") != "adjust":
        if less and "too" in words and "much" in words:
            return Plan([call("adjust", feature="energy", direction="down", amount="normal")])
        return None
    args = previous.get("args") or {}
    way = str(args.get("direction", "up"))
    if less:
        way = "down" if way == "up" else "up"
    amount = "bit" if less or set(words) & {"bit", "lil", "little", "tad", "touch", "slightly"} else "normal"
    if not less and set(words) & _AGAIN_LOT:
        amount = "lot"
    return Plan([call("adjust", feature=str(args.get("feature", "energy")), direction=way, amount=amount)])


_NAME_IT = re.compile(
    r"^\W*(?:(?:ok|okay|now|and|also|so|pls|please|lets|let's|can|could|would|will|you|u|maybe|just|perfect|great"
    r"|nice|cool|awesome|good|thanks|thx|yes|yeah|yep|alright|sure|love\s+it)\W+)*"
    r"(?:(?P<es>ll[aá]mala|n[oó]mbrala|ponle\s+(?:de\s+|un\s+|el\s+)?(?:nombre|t[ií]tulo)(?:\s+de)?"
    r"|c[aá]mbia(?:le)?\s+el\s+nombre(?:\s+a)?)|(?P<verb>call|name|title|rename|label|save(?=\s+\S+\s+as\s))"
    r"\s+(?P<what>the\s+(?:playlist|mix|list)|this\s+(?:playlist|mix)|my\s+(?:playlist|mix)|la\s+playlist|it|this|that))"
    r"\s*(?:\bto\b|\bas\b|(?P<colon>:)|-)?\s*(?P<name>.+?)\s*[.!]*\s*(?:\b(?:pls|please|thanks|thx)\b)?[.!]*\s*$",
    re.IGNORECASE,
)
_QUOTES = "\"'“”‘’«»`"
# What follows "call it" that is a verdict or an idiom, not a name ("call it done", "call this one mid")
_NOT_NAMES = frozenset({"a day", "a night", "quits", "off", "even", "done", "good", "ok", "okay", "a wrap", "mid",
                        "trash", "fire", "one", "song", "tune", "track", "for me", "whatever", "whatever you want",
                        "what you want", "anything", "something"})  # fmt: skip
# A second ask after the name ("call it Sunday Jams and add more drake"): the name ends where it starts
_AFTER_NAME = re.compile(
    r"\s*(?:,|;|\band\b|\bthen\b|\by\b)\s+(?=(?:also\s+)?(?:add|remove|drop|make|no|more|less|put|take|swap|replace|"
    r"only|play|shuffle|sort|export|save|keep|give|agrega|quita|pon)\b)",
    re.IGNORECASE,
)
NAME_MAX = 80
# "give it a name: X", "give the playlist the title X": the same as "name it X"
_GIVE_NAME = re.compile(
    r"\bgive\s+(it|this|that|the\s+(?:playlist|mix|list)|this\s+(?:playlist|mix)|my\s+(?:playlist|mix))\s+"
    r"(?:a|the)\s+(?:name|title)(?:\s+of)?\b",
    re.IGNORECASE,
)


def _playlist_name(text: str) -> tuple[str, str] | None:
    """(name, what the message asks after it) in "call it Sunday Slow Jams", "name the playlist 'gym 2024'",
    "llámala Noche", "call it Chill and add more drake"; None for a verdict or idiom ("call it a day", "call this one
    mid", "call it done"), for "name some songs like this" or "name this song" (a name needs the playlist, or "it",
    as what is named), and for a name said in lowercase that is one word or opens with "a"."""
    m = _NAME_IT.match(_GIVE_NAME.sub(r"name \1", text or ""))
    if not m:
        return None
    said, rest = m["name"], ""
    if (after := _AFTER_NAME.search(said)) is not None:
        said, rest = said[: after.start()], said[after.end() :]
    quoted = said[:1] in _QUOTES or bool(m["colon"])  # "call it: commute" says a name follows
    if _GIVE_NAME.search(text or "") and re.match(r"(?i)(?:like|such\s+as)\s+\S", said):
        said = said.split(None, 2 if said[:1].lower() == "s" else 1)[-1]  # "give it a name like 'sunday mood'"
        quoted = quoted or said[:1] in _QUOTES
    name = said.strip(_QUOTES + " ")
    words = fold(name).split()
    if not words or fold(name) in _NOT_NAMES or words[0] in ("something", "whatever", "anything", "for"):
        return None
    if fold(m["what"] or "") in ("this", "that") and words[0] in ("one", "song", "track", "tune"):
        return None  # "call this one mid", "name this song": a track, not the playlist
    # "call it good", "call that a banger": a verdict; a name is quoted, capitalised, or several words
    plain = not quoted and not m["es"] and name == name.lower() and (len(words) == 1 or words[0] in ("a", "an"))
    if plain and fold(m["verb"] or "") == "call":
        return None
    if fold(m["verb"] or "") == "save":  # "save it as Road Trip": named and saved; "save it as csv" is a format
        said_as = plain and (words[0] in ("a", "an") or words[0] in ("is", "well", "usual", "before", "such"))
        # "save it as it is", "as we said": a clause; "save it as mp3": a file kind; neither is a name
        said_as = said_as or (not quoted and words[0] in _AS_CLAUSE)
        if set(words) & _SAVE_KINDS or said_as:
            return None
        rest = f"export {rest}".strip()
    if len(name) > NAME_MAX:  # cut at a word, never refused
        name = name[:NAME_MAX].rsplit(" ", 1)[0]
    return name, rest.strip()


_AS_CLAUSE = frozenset({"it", "they", "we"})
_SAVE_KINDS = frozenset({"csv", "json", "m3u", "m3u8", "xspf", "jspf", "file", "playlist", "spotify", "mp3",
                         "pdf", "txt", "text", "excel", "xlsx", "xls", "spreadsheet", "wav", "flac", "doc",
                         "docx"})  # fmt: skip


_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def _named_later(text: str) -> tuple[str, tuple[str, str]] | None:
    """(what comes before, the name) where a later sentence names the playlist ("lol this slaps. name it vibes")."""
    said = _SENTENCE.split(text.strip())
    for i in range(1, len(said)):
        if (named := _playlist_name(" ".join(said[i:]))) is not None:
            return " ".join(said[:i]), named
    return None


def _renamed(
    named: tuple[str, str],
    playlist: Sequence[dict[str, Any]],
    vocab: Vocabulary,
    focus: int | None,
    last: str | None,
    artists: Sequence[str],
) -> Plan:
    """The rename, then what the message asks after the name."""
    if not playlist:
        return Plan.ask('There is no playlist to name yet: tell me what you\'d like to hear first, then "call it ...".')
    name, rest = named
    name = _named_after_track(name, playlist) or name
    then = _parse(rest, playlist, vocab, focus, last, artists) if rest else Plan()
    return Plan(
        [call("rename", title=name), *then.actions], notes=then.notes + ([then.question] if then.question else [])
    )


_AFTER_TRACK = re.compile(r"^(?:after|for)\s+(?P<which>.+)$", re.IGNORECASE)


def _named_after_track(name: str, playlist: Sequence[dict[str, Any]]) -> str | None:
    """The title of the track a name points at: "name it after track 3", "call it after the first song" (a name that
    points at no track, "after hours", stays as said)."""
    m = _AFTER_TRACK.match(name.strip())
    if m is None:
        return None
    words = [t.text for t in V.tokenize(m["which"])]
    if not words or not (_is_track_noun(words[-1]) or words[-1] == "one" or any(w.isdigit() for w in words)):
        return None  # a place or a track must be said: "after midnight" is a name
    pos = positions(words, [str(p["title"]) for p in playlist])
    if not pos or len(pos) != 1 or not 1 <= pos[0] <= len(playlist):
        return None
    return str(playlist[pos[0] - 1]["title"])


_SWAP_THOSE = re.compile(
    r"\b(?:swap|switch|change|cambia)(?=\s+(?:em|them|those|both|these|esas|esos)\b)", re.IGNORECASE
)


_THEIR_SONGS = re.compile(r"\b(?:her|his|their)\s+(?P<what>songs?|tracks?|stuff|ones|music|tunes)\b", re.IGNORECASE)


def _last_artist(previous: dict[str, Any] | None, artists: Sequence[str], focused: str | None = None) -> str | None:
    """The one artist the last action named ("add beyonce"), else the artist of the track in focus ("who sings
    track 7?"), else the one the request named: whom "her songs" means."""
    said = [str(a) for a in ((previous or {}).get("args") or {}).get("artists") or []]
    said = said or ([focused] if focused else list(artists))
    return said[0] if len(set(said)) == 1 else None


def _in_context(
    text: str,
    asked: str | None,
    playlist: Sequence[dict[str, Any]],
    vocab: Vocabulary,
    focus: int | None,
    pointed: Sequence[int],
    previous: dict[str, Any] | None,
    artists: Sequence[str],
) -> tuple[str, int | None, Sequence[int]]:
    """The message, focus and tracks pointed at, read after the bot's last answer and the last action."""
    if asked:
        text, focus, pointed = _after_answer(text, asked, len(playlist), focus, pointed)
        # "is there anything from before 1995?" - "5 of 20 tracks are ..." - "get rid of those"
        pointed = pointed or _listed_in(asked, playlist, vocab)
    focused = str(playlist[focus - 1]["artist"]) if focus and 1 <= focus <= len(playlist) else None
    if said := _last_artist(previous, artists, focused):
        text = _THEIR_SONGS.sub(rf"{said} \g<what>", text)  # "add beyonce" - "move her songs to the end"
        text = _PUT_THEM.sub(rf"\g<verb> {said}", text)  # "add the weeknd" - "put him first"
    if _bounded(previous, "tempo"):  # "make it 160 bpm or more" - "actually 150 and up is fine"
        text = _BARE_TEMPO.sub(r"\g<n> bpm \g<way>", text)
    return text, focus, pointed


# "put him first", "move her to the end": the artist the last action named, whose tracks are meant
_PUT_THEM = re.compile(
    r"\b(?P<verb>put|move|bring|stick|place|shift)\s+(?:him|her)\b"
    r"(?=\s+(?:first|last|(?:at|to|on)\s+(?:the\s+)?(?:top|start|front|end|bottom|beginning)|up\s+top)\b)",
    re.IGNORECASE,
)  # "put him back" is no move
# a number with a bound and no unit, said right after a tempo change: a tempo
_BARE_TEMPO = re.compile(
    r"(?<![\d.:])(?P<n>\d{2,3})\s+(?P<way>(?:or|and)\s+(?:up|more|faster|higher|above|over|slower|less|lower|below|under))\b",
    re.IGNORECASE,
)


_SAID_BPM = re.compile(r"\d\s*bpm\b", re.IGNORECASE)


def _bounded(previous: dict[str, Any] | None, feature: str) -> bool:
    """Whether the last action set a bound on ``feature``, or was a new playlist whose request said a tempo ("study
    music under 90 bpm" - "actually 100 or less")."""
    args = (previous or {}).get("args") or {}
    bounds = args.get("bounds") or []
    if any(isinstance(b, dict) and b.get("feature") == feature for b in bounds):
        return True
    said = str(args.get("text") or "") if (previous or {}).get("name") == "new_playlist" else ""
    return feature == "tempo" and bool(_SAID_BPM.search(said))


def _after_answer(
    text: str, asked: str, n: int, focus: int | None, pointed: Sequence[int]
) -> tuple[str, int | None, Sequence[int]]:
    """The message, focus and tracks pointed at, read after the bot's last question or answer (``asked``)."""
    if named_tracks := _ASKED_TRACKS.match(asked):  # "6 and 9 are mid" - "swap em"
        pointed = [int(k) for k in re.findall(r"\d+", named_tracks["which"])]
        if len(pointed) == 1 and focus is None:
            focus = pointed[0]
        # "swap em", said of tracks just judged, swaps them for others (as "swap it" does), not with each other
        return _SWAP_THOSE.sub("replace", text, count=1), focus, pointed
    if len(set(hit := _ONE_TRACK_SAID.findall(asked))) == 1 and int(hit[0]) <= n:
        focus = int(hit[0])  # "any beatles?" - '1 of 20 is by The Beatles: #19 "Let It Be"' - "put it first"
    return text, focus, pointed


_ONE_TRACK_SAID = re.compile(r'#(\d+) "')  # a track the bot's last answer named by place and title
# a count the bot's last answer gave: "5 of 20 tracks are from before 1995: #5 "Thunderstruck" by AC/DC, ..."
_COUNT_ANSWER = re.compile(r"^(?P<k>\d+) of (?P<n>\d+) tracks (?:is|are) (?P<label>[^:]+): #\d+ \"")


def _listed_in(asked: str, playlist: Sequence[dict[str, Any]], vocab: Vocabulary) -> list[int]:
    """The places of every track the bot's last answer counted (two or more), whom "those" or "them" next means: the
    ones it listed, or, when it listed five and "N more", the ones its question picks when asked again."""
    m = _COUNT_ANSWER.match(asked)
    if m is None or int(m["n"]) != len(playlist) or int(m["k"]) < 2 or m["label"].startswith("by "):
        return []  # "2 of 20 tracks are by Eminem" - "more of them": the artist (_named_in), as "drop them" is
    listed = [int(k) for k in _ONE_TRACK_SAID.findall(asked)]
    if len(listed) == int(m["k"]):
        return listed if all(1 <= k <= len(playlist) for k in listed) else []
    c = make_clause(f"how many tracks are {m['label']}?", playlist, vocab)
    found = _track_test(c) or _asked_artist(c)
    hits = [i for i, p in enumerate(playlist, 1) if found[1](p)] if found else []
    return hits if len(hits) == int(m["k"]) and hits[: len(listed)] == listed else []


_ASKED_TRACKS = re.compile(r"What should I do with tracks? (?P<which>\d+(?:(?:, | and )\d+)*)\?")


def _named_in(reply: str, playlist: Sequence[dict[str, Any]]) -> list[str]:
    """The playlist's artists that the bot's last reply named (whom a "him" or "her" that follows it means)."""
    said = fold(reply)
    names = {p["artist"] for p in playlist if len(p["artist"]) > 2}
    return sorted(a for a in names if re.search(rf"(?<!\w){re.escape(fold(a))}(?!\w)", said))


_NONE_BY = re.compile(r"None of the \d+ tracks is by (?P<who>.+?)\. Nothing changed")
_ADD_WORDS = frozenset({"add", "put", "throw", "get", "include", "some", "ponle", "agrega", "pon", "mete"})


def _add_the_missing(text: str, asked: str, playlist: Sequence[dict[str, Any]], vocab: Vocabulary) -> Plan | None:
    """ "is outkast on here?" - "None of the 20 tracks is by OutKast." - "add some if not": the artist just found
    missing is the one to add, when the message names no one else."""
    missing = _NONE_BY.match(asked)
    c = make_clause(text, playlist, vocab)
    # "add 5 more": a count of any tracks; "add one", "add a couple": that many of theirs
    counted = "more" in c.words and any(number_at(c.words, i) for i in range(len(c.words)))
    if not missing or c.matches(*_CONTENT_KINDS) or not _ADD_WORDS & set(c.words) or counted:
        return None
    count = _added_count(c) or (1 if find(c.words, _ONE_OF_THEM) else None)
    return Plan([call("widen", artists=[missing["who"]], **({"count": count} if count else {}))])


_ONE_OF_THEM = _keys(("add one", "add 1", "put one", "one of hers", "one of his", "one of theirs", "a song"))


_THOSE = re.compile(r"\b(?:both\s+of\s+them|all\s+of\s+them|those\s+two|these\s+two|those|them|both|em)\b",
                    re.IGNORECASE)  # fmt: skip


def _those_tracks(text: str, pointed: Sequence[int]) -> str:
    """ "why are the last two there?" - "swap them for something more upbeat": "them" is those tracks, said by
    number, not the artist the playlist is about."""
    listed = ", ".join(str(k) for k in pointed[:-1]) + f" and {pointed[-1]}"
    return _THOSE.sub(f"tracks {listed}", text, count=1)


_THOSE_ONLY = frozenset(
    {
        "those",
        "them",
        "these",
        "em",
        "all",
        "of",
        "both",
        "ones",
        "new",
        "the",
        "with",
        "for",
        "something",
        "some",
        "else",
        "similar",
        "different",
        "other",
        "others",
        "instead",
        "no",
    }
)


_NEW_ONES = re.compile(
    r"\b(?:the\s+)?(?:new|added)\s+(?:ones|songs|tracks|tunes|additions)\b|"
    r"\bthe\s+(?:ones|songs|tracks)\s+(?:you\s+)?(?:just\s+)?added\b",
    re.IGNORECASE,
)


def _those_changed(
    text: str, playlist: Sequence[dict[str, Any]], vocab: Vocabulary, added: Sequence[int], removed: int
) -> Plan | None:
    """ "those", "them" said right after a change, of the tracks it touched: the ones it brought in are removed or
    swapped ("add 3 more" - "nah remove those"), the ones it took out are made up for with as many new ones
    ("remove the first two" - "swap them for something else"). None when the message names anything else. "The new
    ones" after an add are those too ("put the new ones at the start")."""
    text = _NEW_ONES.sub("those", text) if added else text
    c = make_clause(text, playlist, vocab)
    words = [w for w in c.words if w not in _LONE_FILLER and w not in ("?", "!", ".", ",")]
    if not {"those", "them", "these", "em"} & set(words) or not 0 < len(added) + removed < len(playlist):
        return None
    if added and (said := _those_added(words, list(added), len(playlist))) is not None:
        return said  # "add 3 more" - "move those to the top", "keep those", "those are great, more like them"
    if c.matches():
        return None
    remove, replace = find(words, _REMOVE), find(words, _REPLACE)
    verb = remove or replace
    if verb is None or (set(words[: verb[0]]) | set(words[verb[0] + verb[1] :])) - _THOSE_ONLY - V.REPLACE_WORDS:
        return None
    if added and remove and not replace:
        return Plan([call("remove", positions=list(added))])
    if added and replace:
        return Plan([call("replace", positions=list(added))])
    return Plan([call("more", count=removed)]) if removed and replace and not added else None


def _those_added(words: Sequence[str], added: list[int], n: int) -> Plan | None:
    """ "those" said of the tracks the last change brought in, by another verb than a removal: "move those to the
    top" / "put them last" moves them there, in order; "those are great, more like them" leans the playlist toward
    them as "more like tracks 21, 22 and 23" does; "keep those", "i love them" likes them. None for anything else."""
    words = [w for w in words if number_at([w], 0) != (len(added), 1)]  # "move those 3 to the top"
    move = find(words, _MOVE)
    lead = None if move else find(words, _TO_TOP) or find(words, _TO_END)
    if move or lead:
        verb = move or lead
        rest = set(words[: verb[0]]) | set(words[verb[0] + verb[1] :])
        if move and (mid := find(words, _MIDDLE)):  # "put those in the middle"
            rest -= set(words[mid[0] : sum(mid)])
            return None if rest - _THOSE_ADDED_WORDS - _THOSE_PLACES else _into_middle(added, n)
        top = bool(find(words, _TO_TOP)) if lead else bool(_TOP_WORDS & rest) or rest & {"up", "higher"} == {"up"}
        end = bool(find(words, _TO_END)) if lead else bool(_END_WORDS & rest)
        if top == end or rest - _THOSE_ADDED_WORDS - _TOP_WORDS - _END_WORDS - _THOSE_PLACES:
            return None
        return _to_ends(added, top, n)
    like = find(words, (("more", "like"),))
    rest = set(words) - _THOSE_ADDED_WORDS - _THOSE_PRAISE - (set(words[like[0] : sum(like)]) if like else set())
    if rest:
        return None
    if like:
        return Plan([call("more_like", position=added[0], count=0, also=added[1:])] if len(added) > 1 else [
            call("more_like", position=added[0], count=0)])  # fmt: skip
    if _THOSE_LIKED & set(words):
        return Plan([call("feedback", positions=added, liked=True)])
    return None


_THOSE_ADDED_WORDS = frozenset({"those", "them", "these", "em", "all", "of", "both", "ones", "new", "the", "songs",
                                "tracks", "tunes", "?", "!", ".", ",", "please", "pls", "and"})  # fmt: skip
_THOSE_PLACES = frozenset({"to", "at", "up", "very", "place", "places", "spot", "spots", "playlist", "list", "mix"})
_THOSE_LIKED = frozenset({"keep", "love", "like", "great", "fire", "amazing", "awesome", "perfect", "good", "nice",
                          "dig", "cool", "lovely", "brilliant", "excellent", "dope", "goated", "banger",
                          "bangers"})  # fmt: skip
_THOSE_PRAISE = _THOSE_LIKED | frozenset({"i", "we", "they", "are", "were", "is", "really", "so", "very", "pretty",
                                          "sound", "sounds", "ok", "okay", "yes", "yeah", "yep", "wow", "oh", "omg",
                                          "thanks", "thank", "you", "those", "actually", "totally", "super",
                                          "do"})  # fmt: skip


# the words around a lone count that say nothing of their own ("k now 15", "15 nada mas", "15 tops")
# "no wait, 12", "sorry i meant 12", "nah make that 12": a correction's cue before the number said again
_LENGTH_CORRECTION = re.compile(
    r"^\W*(?:(?:no+|nah|nope|wait|actually|sorry|oops|ugh|i\s+mean|i\s+meant|meant|make\s+(?:it|that)|or\s+rather)\W+)+",
    re.IGNORECASE,
)
_POINTED_ASKS = frozenset({"remove", "move", "replace", "explain", "swap", "feedback", "restore", "add_song"})
_LONE_FILLER = (
    V.CHAT_FILLER | {"?", "!", ".", ",", "porfa", "k", "kk", "nada", "mas", "max", "tops", "total", "que", "sean"}
) - {
    "one", "ones", "some", "also", "too", "again", "from", "there", "here", "at", "in", "as", "either", "ever", "track",
    "tracks", "song", "songs",
}  # fmt: skip


def _lone_number(text: str) -> int | None:
    """A message that is one number and nothing else ("15", "twenty", "12?", "k now 15"), as a count of tracks."""
    words = [w for w in V.key(text) if w not in _LONE_FILLER]
    said = number_at(words, 0) if words else None
    if said is None or said[1] != len(words) or not 1 <= said[0] <= MAX_LENGTH:
        return None
    return said[0]


_STAND_IN = [{"title": "", "artist": "", "year": None}] * 2  # a playlist to read an order against before one exists


def _ordered_request(text: str, vocab: Vocabulary) -> Plan | None:
    """ "progressive house, newest first", "house party, start chill and build up to bangers, 3 hours": a first
    request with the order said beside it, as the request (less the order's words, so "newest" is no year) and
    then the order; None when no part of it says an order."""
    parts = [p.strip() for p in text.split(",")]
    if len(parts) < 2:
        return None
    sorts = [(k, plan) for k, p in enumerate(parts) if p and (plan := rule_sort(make_clause(p, _STAND_IN, vocab)))]
    if len(sorts) != 1 or not sorts[0][1].actions:
        return None
    k, order = sorts[0]
    rest = ", ".join(p for i, p in enumerate(parts) if i != k and p)
    if not _describes_music(rest, vocab) and not make_clause(rest, [], vocab).matches():
        return None
    return Plan([call("new_playlist", text=rest), *order.actions])


# "some songs I can tolerate too", "plus some", "with some ... as well": a part asking for a share beside the main ask
_SHARE_PART = re.compile(r"^(?:(?:and|plus|with|but)\s+)?(?:also\s+)?some\b.*\b(?:too|also|as\s+well)\b|^plus\s+some\b")
_EXAMPLE_PART = re.compile(r"^(?:like|e\.?g\.?|such\s+as|say)\b")


def _share_beside(text: str, vocab: Vocabulary) -> Plan | None:
    """ "road trip with my kids, some songs I can tolerate too, like 80s stuff": a first request whose era is a share
    beside the main ask, not its filter: the request less that part, then the era mixed in."""
    parts = [p.strip() for p in text.split(",")]
    for k, part in enumerate(parts):
        if not _SHARE_PART.search(part.lower()):
            continue
        share = [part] + ([parts[k + 1]] if k + 1 < len(parts) and _EXAMPLE_PART.search(parts[k + 1].lower()) else [])
        years = make_clause(" ".join(share), [], vocab).reading.query.years
        rest = ", ".join(p for i, p in enumerate(parts) if p and not k <= i < k + len(share))
        main = make_clause(rest, [], vocab)
        if years is None or not rest or main.reading.query.years is not None or main.reading.query.is_empty():
            return None
        span = {key: v for key, v in (("year_start", years.start), ("year_end", years.end)) if v}
        return Plan([call("new_playlist", text=rest), call("widen", **span)])
    return None


def _describes_music(text: str, vocab: Vocabulary) -> bool:
    """Whether a first message describes music to play (a genre, mood, artist or years not refused), so that an
    edit's word in it ("warm up", "trash", "cut") cannot make it wait for a playlist that does not exist."""
    c = make_clause(text, [], vocab)
    return bool(c.matches("genre", "mood", "artist", "years", negated=False)) and _refer(c) is None


# An answer that offers one change ('to fit it, say "yes" or "make it 60 minutes"'), and a yes to it.
_OFFER = re.compile(r'say "yes" or "(?P<ask>[^"]+)"\.?$')
_YES = re.compile(
    r"^\W*(?:(?:ok(?:ay)?|k)\W+)?(?:yes+|yeah|yep|yup|ya|sure|do it|go ahead|please do|si|sí|dale|claro)"
    r"(?:\W+(?:please|pls|do it|go ahead|thanks|thank you|por favor))*\W*$",
    re.IGNORECASE,
)

_NO = re.compile(r"^\W*(?:no+|nope|nah|no thanks|no thank you|leave it|its fine|it's fine|all good)\W*$", re.IGNORECASE)


# The bot's questions that a bare reference answers, and the verb that answer completes.
_ASKED_VERBS = {"Which tracks should I remove?": "remove", "Which track do you mean?": "why",
                "Which track should I swap?": "swap"}  # fmt: skip
_CORRECTION = re.compile(
    r"^\W*(?:(?:no+|nah|nope|sorry|oops|wait|ugh|ok|uh)\W+)*(?:i\s+meant|i\s+mean|meant|i\s+said|i\s+asked\s+for"
    r"|quise\s+decir|quer[ií]a\s+decir|dije)\b\s*(?P<rest>.+)$",
    re.IGNORECASE,
)


def _corrected(text: str, request: str, playlist: Sequence[dict[str, Any]], vocab: Vocabulary) -> str | None:
    """ "no i meant the 90s", "sorry i meant r&b not rap": the playlist's request said again with the correction
    after it, which the reader's correction cue applies (the 90s in place of the 80s, r&b in place of rap).
    A correction that points at tracks ("no i meant track 4") is not one of the request."""
    m = _CORRECTION.match(text or "") or _instead_of_request(text or "", request, playlist, vocab)
    if not m:
        return None
    c = make_clause(m["rest"], playlist, vocab)
    if not c.matches(*_CONTENT_KINDS) or _refer(c) is not None or any(_is_track_noun(w) for w in c.words):
        return None
    return f"{request.strip().rstrip('.!?,')}, I meant {m['rest'].strip()}"


_AMOUNT_SAID = frozenset({"more", "less", "fewer", "add", "some", "mas", "menos", "only", "extra"})
_X_NOT_Y = re.compile(
    r"^\W*(?:(?:no+|nah|nope|ugh|uh|oops|wait)\W+)*(?P<rest>(?P<x>[^,.!?]+?)\s+(?:not|instead\s+of|rather\s+than"
    r"|en\s+vez\s+de|no)\s+(?P<y>[^,.!?]+?))\W*$",
    re.IGNORECASE,
)


def _instead_of_request(
    text: str, request: str, playlist: Sequence[dict[str, Any]], vocab: Vocabulary
) -> "re.Match[str] | None":
    """ "ugh no, 90s not 80s", "r&b not rap": what the request named (the 80s), said again as another thing of its
    kind, is the request corrected (not an exclusion that would leave nothing)."""
    m = _X_NOT_Y.match(text)
    if not m or _AMOUNT_SAID & set(V.key(m["x"])):  # "more 90s not 80s" is a change of share, no correction
        return None
    said = {(k.kind, str(k.value)) for k in make_clause(request, playlist, vocab).matches(*_CONTENT_KINDS)}
    x = make_clause(m["x"], playlist, vocab).matches(*_CONTENT_KINDS)
    y = make_clause(m["y"], playlist, vocab).matches(*_CONTENT_KINDS)
    named = y and all((k.kind, str(k.value)) in said for k in y)
    return m if named and x and {k.kind for k in x} == {k.kind for k in y} else None


# "drop the rap ones but keep Eminem", "no 80s except Queen": an exclusion with artists who stay
_EXCEPTION = re.compile(
    r"^(?P<main>.+?)[\s,;]+(?:but\s+(?:keep|leave|not|spare)|except(?:\s+for)?|apart\s+from|other\s+than"
    r"|save\s+for|excepto|salvo)\s+(?P<who>.+?)(?:\s+(?:in|on|there|in\s+there|on\s+there|alone))?[\s.!]*$",
    re.IGNORECASE,
)
_EXCLUDED_KINDS = ("genres", "subgenres", "moods", "years", "features", "versions")


def _kept_artists(text: str, playlist: Sequence[dict[str, Any]], vocab: Vocabulary) -> list[str]:
    """The artists an exception names ("eminem", "the queen songs", "drake and future"); empty unless each is one."""
    whole = _object_artist(make_clause(text, playlist, vocab), 0)
    if whole:
        return [whole]
    out = []
    for part in re.split(r"\s*(?:,|\band\b|\by\b)\s*", text):
        name = _object_artist(make_clause(part, playlist, vocab), 0) if part.strip() else None
        if not name:
            return []
        out.append(name)
    return out


def _excepted(
    raw: str, playlist: Sequence[dict[str, Any]], vocab: Vocabulary, focus: int | None, last: str | None
) -> Plan | None:
    """ "drop the rap ones but keep eminem", "remove all the 80s except queen": the exclusion, with the named
    artists' tracks staying; None unless the ask is an exclusion of a kind and the exception names artists."""
    m = _EXCEPTION.match(raw)
    if not m or not playlist:
        return None
    kept = _kept_artists(m["who"], playlist, vocab)
    if not kept:
        return _spared(m["main"], m["who"], playlist, vocab, focus, last)
    plan = _parse(m["main"], playlist, vocab, focus, last)
    folded = {fold(k) for k in kept}
    if [a["name"] for a in plan.actions] in (["replace"], ["remove"]) and "positions" in plan.actions[0]["args"]:
        # "replace everything except the drake song": every place but that artist's
        left = [k for k in plan.actions[0]["args"]["positions"] if fold(playlist[k - 1]["artist"]) not in folded]
        return Plan([call(plan.actions[0]["name"], **{**plan.actions[0]["args"], "positions": left})]) if left else None
    if plan.actions and all(a["name"] == "adjust" for a in plan.actions):
        # "make it more chill but keep the rihanna songs": those are kept (a liked track stays through a move)
        pos = [k for k, p in enumerate(playlist, 1) if fold(p["artist"]) in folded]
        return Plan([call("feedback", positions=pos, liked=True), *plan.actions]) if pos else None
    if plan.question or not plan.actions or any(a["name"] != "exclude" for a in plan.actions):
        return None
    acts = []
    for a in plan.actions:
        args = dict(a["args"])
        args["artists"] = [x for x in args.get("artists", []) if fold(x) not in folded]
        if not any(args.get(k) for k in _EXCLUDED_KINDS):
            return None
        acts.append(call("exclude", **{k: v for k, v in args.items() if v}, except_artists=kept))
    return Plan(acts)


_POSITION_WORDS = V.TRACK_NOUNS | _FIRST_WORDS | _LAST_WORDS | {"one", "ones", "two", "three", "four", "five", "couple"}


def _spared(
    main: str, who: str, playlist: Sequence[dict[str, Any]], vocab: Vocabulary, focus: int | None, last: str | None
) -> Plan | None:
    """ "remove everything before 2010 except the first song", "get rid of the 90s ones but keep the first two":
    the tracks the exclusion holds go, but for the tracks named by position (the exclusion alone replaced them)."""
    words = list(V.key(who))
    if not words:
        return None
    if set(_content(words)) <= _POSITION_WORDS:  # "the first song", "the last two", "track 3"
        kept = positions(words, [p["title"] for p in playlist], verb=True)
    else:  # "everything by eminem except lose yourself": the tracks of that title
        kept = _titled(who, playlist)
    plan = _parse(main, playlist, vocab, focus, last)
    if not kept or plan.question or [a["name"] for a in plan.actions] not in (["exclude"], ["narrow"]):
        return None
    name, args = plan.actions[0]["name"], plan.actions[0]["args"]
    if set(args) - {"years", "genres", "subgenres", "artists", "year_start", "year_end"}:
        return None
    spans = [(y["start"], y["end"]) for y in args.get("years", [])]
    if name == "narrow" and (args.get("year_start") or args.get("year_end")):  # "remove everything before 2010"
        spans = [(0, (args.get("year_start") or 1) - 1), ((args.get("year_end") or 9998) + 1, 9999)]
    labels = {*args.get("genres", []), *args.get("subgenres", [])}
    artists = {fold(a) for a in args.get("artists", [])}

    def held(p: dict[str, Any]) -> bool:
        """Whether the exclusion takes track ``p`` (for a narrowing: whether it falls outside)."""
        year, row = p.get("year"), vocab.catalog.index.get(p.get("track_id", ""))
        tags = set(vocab.catalog.tracks[row].genres + vocab.catalog.tracks[row].subgenres) if row is not None else set()
        if name == "narrow" and labels:
            return not labels & tags or any(year is not None and lo <= year <= hi for lo, hi in spans)
        return (
            any(year is not None and lo <= year <= hi for lo, hi in spans)
            or bool(labels & tags)
            or fold(p.get("artist", "")) in artists
        )

    gone = [i for i, p in enumerate(playlist, 1) if i not in kept and held(p)]
    if not gone:
        return Plan.ask("Apart from the tracks you keep, nothing here is left out by that; nothing changed.")
    if _older_half(plan):  # "lose the old stuff but keep track 3": newer ones take the places, the size kept
        return Plan([call("replace", positions=gone, year_start=args["year_start"])], notes=plan.notes)
    return Plan([call("remove", positions=gone)])


_VERSION_TAIL = re.compile(r"\s+-\s+.*$|\s*[(\[].*$")


def _titled(said: str, playlist: Sequence[dict[str, Any]]) -> list[int] | None:
    """The positions of the tracks whose title (less a version tail) is what was said ("lose yourself", "the song
    lose yourself"), else None."""
    key = " ".join(w for w in V.key(said) if w not in ("the", "song", "track", "one", "la", "cancion"))
    hits = [i for i, p in enumerate(playlist, 1) if key and " ".join(V.key(_VERSION_TAIL.sub("", p["title"]))) == key]
    return hits or None


_WANT = _keys(("i want", "i need", "i wanna", "i would like", "id like", "looking for", "make me", "give me",
               "can you make", "can i get", "quiero", "necesito"))  # fmt: skip
_THIS_PLAYLIST = frozenset({"it", "this", "these", "them", "those", "esta", "estas"})


# probe20: where in the playlist there is ("at the end", "at the start"): an edit of it, never a request afresh
_AT_AN_END = _keys(("at the end", "at the very end", "at the start", "at the beginning", "at the top",
                    "at the bottom", "towards the end", "toward the end", "near the end"))  # fmt: skip


def _fresh_request(c: Clause) -> bool:
    """A long message that asks for music afresh ("ugh just got dumped. i want sad songs but not depressing, mostly
    pop, 15 songs"): a want, two or more things it names, a length or many words, and nothing that points at the
    playlist there is; read whole as a new request, never as edits clause by clause."""
    words = c.words
    if len(words) < 12 or not find(words, _WANT) or _THIS_PLAYLIST & set(words) or _refer(c) is not None:
        return False
    if find(words, _AT_AN_END):  # "i want calmer songs at the end, for the end of the party": a place in this one
        return False
    named = {m.kind for m in c.matches("genre", "mood", "activity", "years", "artist", "length", "duration")}
    edits = any(find(words, v) for v in (_REMOVE, _REPLACE)) or {"add", "agrega", "undo", "move", "mueve"} & set(words)
    return len(named) >= 2 and not edits


_NOT_SO = _keys(V.NOT_SO)
_NOT_TOO_MUCH = _keys(("not too much", "not too far", "not by much", "not too crazy", "dont overdo it",
                       "don't overdo it", "without overdoing it", "not overboard", "no demasiado", "sin pasarse",
                       "sin pasarte"))  # fmt: skip
_BOUND_LEADS = frozenset({"but", "just", "and", "ok", "though", "tho", "pero", "y", "please", "pls", "!", ".", ","})


def _only_a_bit(acts: list[dict[str, Any]], words: Sequence[str]) -> bool:
    """ "a bit more lively but not too much", "faster, don't overdo it": a clause that only bounds the change before
    it makes that change a small step (True), instead of an exclusion of "too much" nobody can act on."""
    hit = find(words, _NOT_TOO_MUCH)
    adjusts = [a for a in acts if a["name"] == "adjust"]
    if hit is None or not adjusts or set(words[: hit[0]]) | set(words[sum(hit) :]) - _BOUND_LEADS:
        return False
    for a in adjusts:
        a["args"]["amount"] = "bit"
    return True


def _hedged(acts: list[dict[str, Any]], new: list[dict[str, Any]], part: str) -> bool:
    """ "happier but not too happy", "faster, but not too fast": the second ask bounds the first, which becomes a
    small step the same way (True: ``new`` is taken in by it), instead of two steps that undo each other."""
    if len(new) != 1 or new[0]["name"] != "adjust" or not find(V.key(part), _NOT_SO):
        return False
    args = new[0]["args"]
    for a in acts:
        if (
            a["name"] == "adjust"
            and a["args"]["feature"] == args["feature"]
            and a["args"]["direction"] != args["direction"]
        ):
            a["args"]["amount"] = "bit"
            return True
    return False


_KEEP_LEADS = frozenset({"but", "and", "though", "still", "just", "pero", "y"})


def _kept_through(acts: list[dict[str, Any]], part: str, n: int) -> bool:
    """ "make it 10 songs but keep the first 3", "cut it to 12 but keep the last one": after a cut, "keep" says
    which tracks the cut must spare, not a second cut. True when the cut (changed to spare them) takes it in."""
    words = list(V.key(part))
    while words and words[0] in _KEEP_LEADS | V.CHAT_FILLER:
        words = words[1:]
    if not acts or acts[-1]["name"] != "resize" or not words or words[0] != "keep" or {"only", "just"} & set(words):
        return False
    length, kept = acts[-1]["args"].get("length"), _part(words[1:7], n)
    if not length or kept is None or _REDO & set(words) or not 0 < kept[1] < length < n:
        return False
    if kept[0] == "last":  # the first tracks up to the length, less the kept ones at the end, which stay
        acts[-1] = call("remove", positions=list(range(length - kept[1] + 1, n - kept[1] + 1)))
    return True  # the first ones: a cut keeps the first tracks anyway


_ASKED_IN = frozenset({"add", "put", "throw", "include", "give", "get", "need", "want", "more", "some", "mas",
                       "agrega", "pon", "ponle", "mete", "please", "pls", "can", "could"})  # fmt: skip


def _sized_once(acts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """ "its too long, cut it to like 12": a vague resize ("too long", "shorter") that a later ask of the message
    gives a length to is that same resize, done once (not cut by a third, then to 12); a listening time said ("its
    too long, we only need about an hour") gives it too."""
    sized = [k for k, a in enumerate(acts) if a["name"] == "resize" and {"length", "minutes"} & set(a["args"])]
    return [
        a
        for k, a in enumerate(acts)
        if not (
            a["name"] == "resize"
            and "factor" in a["args"]
            and sized
            and (sized[-1] > k or a["args"]["factor"] in _VAGUE_SHRINK)  # "we only have two hours, trim it"
        )
    ]


_VAGUE_SHRINK = (0.66, 0.8)  # the factors of "shorter" and "a bit shorter" (rule_length), no amount said


def _uncontradicted(acts: list[dict[str, Any]], said_only: Sequence[int]) -> list[dict[str, Any]]:
    """ "wow great, another sad one. make it happier": a mood said with no verb that asks, which a later ask of the
    message turns away from (sad against happier, chill against more energy), was a complaint; the later ask stands."""
    out = []
    for k, a in enumerate(acts):
        moods = a["args"].get("moods") or [] if a["name"] == "widen" and id(a) in said_only else []
        later = [(b["args"]["feature"], b["args"]["direction"]) for b in acts[k + 1 :] if b["name"] == "adjust"]
        against = any(
            f in MOOD_TARGETS.get(m, {}) and (MOOD_TARGETS[m][f] < 0.5) == (d == "up") for m in moods for f, d in later
        )
        if not against:
            out.append(a)
    return out


def _replaced_years(acts: list[dict[str, Any]], playlist: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """ "scrap the 90s, make it the 70s" on a 90s playlist: years left out that hold the whole playlist, beside a
    narrowing to other years, are replaced by it (the exclusion alone would leave nothing, and is refused)."""
    years_held = {p.get("year") for p in playlist} - {None}
    spans = [(a["args"].get("year_start"), a["args"].get("year_end")) for a in acts if a["name"] == "narrow"]
    spans = [(lo or 0, hi or 9999) for lo, hi in spans if lo or hi]
    if not spans:
        return acts

    def outside(a: dict[str, Any]) -> bool:
        years = a["args"].get("years") or []
        only_years = a["name"] == "exclude" and years and set(a["args"]) == {"years"}
        everything = all(any(y["start"] <= v <= y["end"] for y in years) for v in years_held)
        apart = all(y["end"] < lo or y["start"] > hi for y in years for lo, hi in spans)
        return bool(only_years) and bool(years_held) and everything and apart

    return [a for a in acts if not outside(a)]


def _unreadable_plan(raw: str, playlist: Sequence[dict[str, Any]], vocab: Vocabulary) -> Plan | None:
    """The answer to a message the vocabulary cannot read (tools.vocab.unreadable), or to an emoji alone after a
    playlist ("🔥", "👎👎": how it landed); None when it is read (an emoji it reads alone starts a playlist)."""
    unread = V.unreadable(raw, vocab.foreign_names)
    if unread == "language":  # "我想听一些安静的音乐": no word of it is read; never "anything"
        return Plan.ask(V.UNREAD_LANGUAGE)
    if not any(ch.isalnum() for ch in raw) and (playlist or unread):
        return _emoji_verdict(raw, playlist) or Plan.ask(
            f"I can't read that as a request. Try words, for example {EXAMPLES}."
        )
    return None


def _parse(
    text: str,
    playlist: Sequence[dict[str, Any]],
    vocab: Vocabulary,
    focus: int | None = None,
    last: str | None = None,
    artists: Sequence[str] = (),
) -> Plan:
    raw = text or ""
    if len(raw) > MAX_MESSAGE:
        return Plan.ask(
            f"That message is {len(raw):,} characters long; I read requests of up to {MAX_MESSAGE:,}. "
            "Please say what you'd like in a sentence or two."
        )
    if not raw.strip():
        return Plan.ask(f"I didn't get a message. Tell me what you'd like to hear, for example {EXAMPLES}.")
    if (unread := _unreadable_plan(raw, playlist, vocab)) is not None:
        return unread
    if (named := _playlist_name(raw)) is not None:  # "call it Sunday Slow Jams": a name, never a request
        return _renamed(named, playlist, vocab, focus, last, artists)
    if playlist and (later := _named_later(raw)) is not None:  # "lol this slaps. name it vibes"
        first = _parse(later[0], playlist, vocab, focus, last, artists)
        plan = _renamed(later[1], playlist, vocab, focus, last, artists)
        if any(a["name"] in _WHOLE_THREAD for a in first.actions):
            return plan
        return Plan([*first.actions, *plan.actions], notes=first.notes + plan.notes)
    raw = _name_pronoun(_unwrap(_fix_verbs(_n_and(raw), vocab)), playlist, focus, artists, vocab)
    if playlist:
        raw = _retold(raw)
        raw = _past_praise(_described_as_too(raw))
        raw = _loved_group(raw, playlist, vocab)
        if (wish := _would_be_better(raw)) != raw:
            plan = _parse(wish, playlist, vocab, focus, last, artists)
            if plan.actions and all(a["name"] != "new_playlist" for a in plan.actions):
                return plan  # "actually no lyrics would be better": an edit; "going back would be better" is not
    if (kept := _excepted(raw, playlist, vocab, focus, last)) is not None:
        return kept
    if playlist and _fresh_request(make_clause(raw, playlist, vocab, focus, last)):
        return Plan([call("new_playlist", text=raw.strip())])
    if playlist and (
        fixed := _self_corrected(raw, playlist, vocab, focus, last) or _mind_changed(raw, playlist, vocab)
    ):
        return fixed
    parts = split_clauses(raw) if playlist else [raw]
    if len(parts) > 1 and (retracted := _after_retraction(raw, parts, playlist, vocab, focus, last)):
        return retracted
    if len(parts) > 1:
        return _thanked(text, _several(raw, parts, playlist, vocab, focus, last))
    plan = _read_part(make_clause(raw, playlist, vocab, focus, last))[0]
    return _thanked(text, plan) if playlist else plan


def _thanked(text: str, plan: Plan) -> Plan:
    """ "Thank you so much, you have literally saved my life": a message that opens with thanks and whose other
    words ask nothing that can be read is thanks, not a request the bot failed to read."""
    if plan.actions or not plan.question or not plan.question.startswith(_NOT_UNDERSTOOD):
        return plan
    opening = [t.text for t in V.tokenize(text)][:3]
    return Plan.ask(_GLAD) if V.THANKS_WORDS & set(opening) else plan


_GLAD = "Glad you like it! Say what to change whenever you want: more upbeat, no rap, add 5 more, ..."
_EMOJI_MARKS = re.compile("[\\s\ufe0e\ufe0f\u200d\U0001f3fb-\U0001f3ff!.?]")


def _emoji_verdict(raw: str, playlist: Sequence[dict[str, Any]]) -> Plan | None:
    """The reply to emoji alone: praise ("🔥", "👍👍") is thanked, a gripe ("👎", "🥱") asks what is off; the playlist
    stays as it is. Emoji of both kinds, or of neither, are no verdict."""
    said = set(_EMOJI_MARKS.sub("", raw))
    if not said or not playlist:
        return None
    if said <= V.PRAISE_EMOJI:
        return Plan.ask(_GLAD)
    if said <= V.GRIPE_EMOJI:
        return Plan.ask(_GRIPE_ANSWER)
    return None


# An ask corrected as it is typed ("remove 4 actually no i meant 5", "add 5 more, wait no make that 3", "drop the
# last two, sorry, the first two"): the cues of the extractor's corrections, less those that open asks of their own
_SELF_CUES = sorted(
    [k for k in _keys(V.CORRECTION_CUES) if k not in (("wait",), ("actually",), ("i", "mean"))]
    + [("actually", "no"), ("actually", "nah"), ("no", "sorry"), ("no", "i", "meant")],
    key=len,
    reverse=True,
)
_CUE_TAIL = _keys(("make that", "make it", "i meant", "i mean", "meant", "no", "nah", "wait", "sorry", "oops", ",",
                   # probe20: "remove track 2. no wait, keep it, remove track 3 instead": the first ask taken back
                   "keep it", "keep that", "keep that one", "keep them", "keep those"))  # fmt: skip
_CORRECTION_ADDS = frozenset(w for k in _keys(V.CORRECTION_ADDS) for w in k)


_NO_BETWEEN = frozenset({"no", "nah", "nope"})


def _counted(words: Sequence[str], i: int) -> bool:
    """Whether the word at ``i`` stands between a number said as digits and another ("12 no 14")."""
    return words[i - 1].isdigit() and words[i + 1].isdigit()


# "add 3 songs, more like 5", "añade 3, mejor 5", "add 3 more... no make it 5": words that take a number back when
# only another number (and a track noun) follows them, after a pause or a "no"
_RETOLD_CUES = frozenset({"more", "like", "actually", "make", "it", "that", "no", "nah", "nope", "or", "maybe",
                          "well", "mejor", "o", "bueno", "i", "mean", "meant", "rather", "prob", "probably",
                          "hmm", "sorry", "lets", "say", "mas", "bien", "digamos", "wait"})  # fmt: skip
_RETOLD_PAUSES = frozenset({",", ".", ";", "-", "–", "!", "no", "nah", "nope"})


def _number_retold(words: Sequence[str]) -> list[tuple[int, int]]:
    """ "add 3 songs, more like 5": the cue after a number's ask that only says another number, as ``(start, length)``
    (the cue's words up to the number), or nothing. The message ends on the number (a track noun may follow) and a
    pause or a "no" opens the cue, so "add 3 more like track 5", "remove track 3, 5" and "3 more like the first one"
    stay asks."""
    said = [k for k in range(len(words)) if number_at(words, k) and not (k and number_at(words, k - 1))]
    if len(said) < 2:
        return []
    k = said[-1]
    rest = words[k + number_at(words, k)[1] :]  # type: ignore[index]
    if not all(_is_track_noun(w) or w in V.CHAT_FILLER or w in _PUNCT for w in rest):
        return []
    pauses = [i for i in range(said[-2] + 1, k) if words[i] in _RETOLD_PAUSES]
    if not pauses:
        return []
    i = pauses[-1] + (words[pauses[-1]] in _PUNCT)
    cue = words[i:k]
    return [(i, k - i)] if cue and all(w in _RETOLD_CUES for w in cue) else []


def _self_corrected(
    raw: str, playlist: Sequence[dict[str, Any]], vocab: Vocabulary, focus: int | None, last: str | None
) -> Plan | None:
    """The ask before a correction cue, with what follows the cue in place of its like ("track 5" for "track 4", "3"
    for "5", "the first two" for "the last two"), or what follows read alone when it is the same kind of change
    ("calmer... actually no, more energetic"); None when the message holds no such correction."""
    toks = V.tokenize(raw)
    words = [t.text for t in toks]
    cues = [(i, h[1]) for i in range(1, len(words)) if (h := find(words[i : i + 3], _SELF_CUES)) and h[0] == 0]
    if not cues:  # "make it 12 no 14", "remove 4 nah 5": a bare "no" between two numbers takes the first back
        cues = [(i, 1) for i in range(1, len(words) - 1) if words[i] in _NO_BETWEEN and _counted(words, i)][:1]
    cues = cues or _number_retold(words)
    if not cues or all(w in V.CHAT_FILLER or w in _PUNCT for w in words[: cues[0][0]]):
        return None
    i, j = cues[0][0], sum(cues[0])
    while (
        j < len(words)
        and (tail := find(words[j : j + 3], _CUE_TAIL))
        and tail[0] == 0
        and (words[j : j + 2] != ["make", "it"] or number_at(words, j + 2))
    ):
        j += tail[1]
    if j >= len(words) and "keep" in words[cues[0][0] :]:  # "remove track 2, no wait, keep it": all taken back
        return Plan.ask("Okay, I'll leave it as it is. Nothing changed.")
    if j >= len(words) or _CORRECTION_ADDS & set(words[j:]):
        return None  # "drop 2, sorry": nothing said in its place; "actually add rock too": an addition
    before, after = raw[: toks[i].start].rstrip(" ,.;:!-"), raw[toks[j].start :].strip()
    first = read_clause(make_clause(before, playlist, vocab, focus, last))
    kind = [a["name"] for a in first.actions]
    if first.question or not kind or "new_playlist" in kind:
        return None  # "90s hip hop, wait no, 2000s" is a request, which the extractor corrects
    for text in _corrections(before, after):
        plan = _parse(text, playlist, vocab, focus, last)
        if not plan.question and plan.actions and [a["name"] for a in plan.actions][:1] == kind[:1]:
            return plan
    return None


_CHANGED_MIND = _keys(("actually no", "actually nah", "no wait", "wait no", "no actually", "on second thought",
                        "scratch that", "never mind", "nevermind", "nvm", "forget that", "hmm no"))  # fmt: skip


def _mind_changed(raw: str, playlist: Sequence[dict[str, Any]], vocab: Vocabulary) -> Plan | None:
    """ "add some grunge, actually no, make it 2000s instead": an ask taken back mid-message by a cue set off by a
    comma (or followed by "instead") is dropped, and only what follows is done; None when what follows asks nothing
    ("more upbeat, actually no rap either" has no comma after the cue: "no rap" is an ask of its own)."""
    toks = V.tokenize(raw)
    words = [t.text for t in toks]
    for i in range(1, len(words)):
        hit = find(words[i : i + 4], _CHANGED_MIND)
        if not hit or hit[0] != 0:
            continue
        j = i + hit[1]
        closed = j < len(words) and words[j] in _PUNCT or "instead" in words[j:]
        if not closed or all(w in V.CHAT_FILLER or w in _PUNCT for w in words[:i]):
            return None
        while j < len(words) and words[j] in _PUNCT:
            j += 1
        if j >= len(words):
            return None
        plan = _parse(raw[toks[j].start :], playlist, vocab)
        return plan if plan.actions and not plan.question else None
    return None


def _corrections(before: str, after: str) -> list[str]:
    """What the ask may have meant: its last number as the one said after the cue, its words from the one the
    correction opens with ("the first two" from "the"), or the correction alone."""
    btoks, atoks = V.tokenize(before), V.tokenize(after)
    bw, aw = [t.text for t in btoks], [t.text for t in atoks]
    out = []
    said = number_at(aw, 0)
    if said and all(_is_track_noun(w) or w in V.CHAT_FILLER for w in aw[said[1] :]):
        at = [k for k in range(1, len(bw)) if number_at(bw, k) and not number_at(bw, k - 1)]
        if at:
            k, width = at[-1], number_at(bw, at[-1])[1]  # type: ignore[index]
            head, tail = before[: btoks[k].start], before[btoks[k + width - 1].end :]
            out.append(f"{head}{after[: atoks[said[1] - 1].end]}{tail}")
    elif aw and aw[0] in bw[1:]:
        k = len(bw) - 1 - bw[::-1].index(aw[0])
        out.append(f"{before[: btoks[k].start]}{after}")
    out.append(after)
    return out


def _join(acts: list[dict[str, Any]], new: list[dict[str, Any]]) -> None:
    """``new`` after ``acts``: an ask said twice once, and a second swap of the same tracks one swap, the fuller
    ("track 3 is too slow, swap it for something faster": not track 3 swapped, then its place swapped again)."""
    for a in new:
        same = next(
            (
                b
                for b in acts
                if b["name"] == a["name"] == "replace" and b["args"].get("positions") == a["args"].get("positions")
            ),
            None,
        )
        if same is None and a["name"] == "widen" and a["args"].get("count"):
            names = {k: v for k, v in a["args"].items() if k != "count"}
            same = next((b for b in acts if b["name"] == "widen" and b["args"] == names), None)
            # "the queen songs are great, add 3 more of them": the 3 added, not some swapped in besides
        if same is not None:
            acts.remove(same)
            a = a if len(a["args"]) >= len(same["args"]) else same
        if not (a["name"] in _IDEMPOTENT and a in acts):
            acts.append(a)


_CUT_ARTIST = frozenset({"lessen", "exclude", "block"})
_ECHO_WORDS = frozenset({"less", "fewer", "of", "it", "them", "those", "that", "this", "these", "em", "a", "bit",
                         "lot", "lil", "little", "way", "much", "please", "pls", "plz", "thanks", "then",
                         "so"})  # fmt: skip


_VIBE_NOUNS = frozenset({"vibe", "vibes", "mood", "feel", "feeling", "style", "sound", "flow", "theme", "onda"})
_VIBE_KEPT = _VIBE_NOUNS | {"keep", "the", "same", "it", "its", "that", "this", "overall", "general", "still", "but",
                            "please", "pls", "mantén", "manten", "la", "misma", "el", "mismo"}  # fmt: skip


def _kept_vibe(words: Sequence[str]) -> bool:
    """Whether a clause only says to keep the playlist's feel ("keep the vibe", "same mood tho")."""
    said = {w for w in words if any(ch.isalnum() for ch in w)} - {"tho", "though"}
    return (
        bool(said & _VIBE_NOUNS)
        and bool(said & {"keep", "same", "manten", "mantén", "misma", "mismo"})
        and said <= _VIBE_KEPT
    )


_SCALE_WORDS = frozenset({"bit", "lil", "little", "lot", "way", "much"})


def _echoes(acts: Sequence[dict[str, Any]], words: Sequence[str]) -> bool:
    """Whether a clause only says again the ask of an earlier clause: the cut in "too much rock, less of it", the
    more in "the queen songs are great, more of those"."""
    said = {w for w in words if any(ch.isalnum() for ch in w)}
    if _cut_them(words) and any(a["name"] in _CUTS_TRACKS for a in acts):
        return True  # "i don't like the ones from the 80s, get rid of them": "them" are the tracks just cut
    if not said or not said <= _ECHO_WORDS | {"more"}:
        return False
    if {"less", "fewer"} & said:
        if said & _SCALE_WORDS and any(a["name"] == "adjust" for a in acts):
            return False  # "it's too slow, a bit less": the amount scales the change (read as before)
        return any(a["name"] in ("lessen", "adjust") for a in acts)
    return "more" in said and any(a["name"] == "widen" for a in acts)


_CUTS_TRACKS = frozenset({"exclude", "remove", "narrow", "lessen"})
_CUT_PRONOUNS = frozenset({"them", "those", "it", "em", "these", "all", "of", "please", "pls", "too", "then"})


def _cut_them(words: Sequence[str]) -> bool:
    """Whether a clause only asks to remove "them" or "it", naming nothing else: "get rid of them", "take em out",
    "drop those", "quitalas"."""
    said = [w for w in words if any(ch.isalnum() for ch in w)]
    hit = find(said, _REMOVE)
    if hit is not None:
        rest = said[: hit[0]] + said[hit[0] + hit[1] :]
    elif said and said[0] in V.SPLIT_REMOVE_VERBS and said[-1] in V.SPLIT_REMOVE_PARTICLES:
        rest = said[1:-1]  # "take them out", "get em out"
    else:
        return False
    return bool(rest) and set(rest) <= _CUT_PRONOUNS and bool(set(rest) & (V.PRONOUNS | {"them", "those", "em"}))


def _rhetorical(acts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """ "why is there so much drake in here?? less drake": a why said of an artist the same message then cuts is a
    complaint, not a question to answer."""
    cut = {fold(a) for x in acts if x["name"] in _CUT_ARTIST for a in x["args"].get("artists", [])}
    return [x for x in acts if not (x["name"] == "explain_playlist" and fold(x["args"].get("artist") or "") in cut)]


def _years_said_later(
    clause: Clause, later: Sequence[str], playlist: Sequence[dict[str, Any]], vocab: Vocabulary
) -> bool:
    """Whether a clause that names its tracks only by a relative age ("the old songs", "las canciones viejas",
    "the newer stuff") is followed by a clause that says the years ("only 2015 and up"): those years say which."""
    said = {m.kind for m in clause.matches()}
    if said != {"relative_years"}:
        return False
    return any(make_clause(part, playlist, vocab, None, None).matches("years", negated=False) for part in later)


def _several(
    raw: str,
    parts: list[str],
    playlist: Sequence[dict[str, Any]],
    vocab: Vocabulary,
    focus: int | None,
    last: str | None,
) -> Plan:
    """A message of several asks, each clause read in turn (their actions in order); an ask not understood leaves
    the others done, with a note, where the message read whole says no better."""
    acts: list[dict[str, Any]] = []
    said_only: list[int] = []  # the actions of clauses with no verb that asks
    current: Sequence[dict[str, Any]] = playlist
    ok = True
    missed: list[tuple[str, str | None]] = []  # asks not understood: (the words, why)
    for k, part in enumerate(parts):
        clause = make_clause(_reported(part), current, vocab, focus, last)
        if k + 1 < len(parts) and _ack_only(clause):
            continue  # "thats good and take out track 1 and ...": the thanks asks nothing (before "but", a comma or
            # a full stop, _past_praise has taken it off already)
        plan, clause = _read_part(clause)
        if (
            (plan.question == _GRIPE_ANSWER and k + 1 < len(parts))
            or (plan.notes and not plan.actions and plan.question is None)
            or ((plan.question or _older_half(plan)) and _years_said_later(clause, parts[k + 1 :], current, vocab))
        ):
            continue  # "hmm not feeling it, switch to 2000s": what is off follows the gripe; "dont remove track 3,
            # remove track 4 instead": nothing asked of track 3, on purpose; "remove the old songs, only 2015 and
            # up": the years that follow say which are old
        named = _refer(clause) if plan.question and k + 1 < len(parts) else None
        if named and len(named) == 1:  # "the third song is mid, swap it": the track the next ask calls "it"
            focus = named[0]
            continue
        if acts and _only_a_bit(acts, clause.words):
            continue  # "a bit more lively but not too much": the change before it, a small step
        if (acts and _kept_vibe(clause.words)) or _echoes(acts, clause.words) or _dislike_of_it(part):
            continue  # "a bit faster but keep the vibe": what the change keeps anyway (the request stays); "the
            # grunge stuff is too much, less of it": the second clause says the first again; "can u swap the first
            # song, she hates it": why the edit beside it, not an ask of its own
        if (
            (k and acts or k + 1 < len(parts) and playlist)
            and [a["name"] for a in plan.actions] == ["new_playlist"]
            and not _names_said(clause)
        ):
            missed.append((part, None))  # "remove 2 and 5 and make it smell like coffee": no new playlist; "these
            continue  # aren't 170, many are like 120. only 160 to 180 bpm": the gripe before the ask is no request
        if plan.question and _moved_before_cut(acts, part, playlist, current, vocab, focus, last):
            continue  # "cut it to 12 and move track 15 to the top": the move first, so the track is among the 12
        if plan.question or not plan.actions:
            ok = False
            if not _unread(plan.question):
                missed = []  # a real question ("which one?", "I can't do that: say ..."): asked of the whole
                break
            missed.append((part, plan.question))
            continue
        if _hedged(acts, plan.actions, part) or _kept_through(acts, part, len(playlist)):
            continue
        if not _ASKED_IN & set(clause.words):  # "wow great, another sad one.": said, not asked for
            said_only += [id(a) for a in plan.actions]
        _join(acts, plan.actions)
        focus = _pointed(plan.actions) or focus  # "the 4th one is fire, more like that": "that" is track 4
        current = _left_after(current, plan.actions)
    acts = _sized_once(_rhetorical(_uncontradicted(acts, said_only)))
    acts = _placed_wins(acts, said_only, missed, vocab)
    if ok and not missed:
        return Plan(_replaced_years(acts, playlist))
    whole = read_clause(make_clause(raw, playlist, vocab, focus, last))
    # edits the other asks name ("remove 2 and 5", "no drake"), not a whole-thread step ("never mind, keep it")
    edits = acts and not any(a["name"] in _WHOLE_THREAD for a in acts)
    subset = bool(whole.actions) and all(a in acts for a in whole.actions)
    if edits and missed and (whole.question or subset or any(a["name"] == "new_playlist" for a in whole.actions)):
        # one ask not understood no longer drops the others: they are done, and the reply says what was not
        return Plan(_replaced_years(acts, playlist), notes=[_not_done(part, why) for part, why in missed])
    return whole


def _placed_wins(
    acts: list[dict[str, Any]], said_only: Sequence[int], missed: list[tuple[str, str | None]], vocab: Vocabulary
) -> list[dict[str, Any]]:
    """A story with an ask of some tracks by place in it ("she said it feels sleepy at the start, she wants people
    dancing right away, so make the first few songs more energetic"): the places name this playlist, so a vibe the
    story tells around them (no genre, artist or years: "people dancing right away") is no new playlist (noted as
    not done; "rock songs and drop track 2" still is), and a gripe said without asking (an adjust) before a placed
    replace is what that replace already does."""
    placed = [
        k for k, a in enumerate(acts) if a["name"] in _PLACED_TOOLS and {"positions", "position"} & set(a["args"])
    ]
    if not placed:
        return acts
    told = [
        a
        for a in acts
        if a["name"] == "new_playlist"
        and not any(m.kind in _MUSIC_NAMED and not m.negated for m in vocab.read(a["args"]["text"]).matches)
    ]
    missed += [(a["args"]["text"], None) for a in told]
    return [
        a
        for k, a in enumerate(acts)
        if not any(a is t for t in told)
        and not (
            a["name"] == "adjust" and id(a) in said_only and k < placed[-1] and acts[placed[-1]]["name"] == "replace"
        )
    ]


_MUSIC_NAMED = frozenset({"genre", "artist", "years", "other_genre"})
_PLACED_TOOLS = frozenset({"replace", "remove", "move", "swap"})


def _moved_before_cut(
    acts: list[dict[str, Any]],
    part: str,
    playlist: Sequence[dict[str, Any]],
    current: Sequence[dict[str, Any]],
    vocab: Vocabulary,
    focus: int | None,
    last: str | None,
) -> bool:
    """ "cut it to 12 and move track 15 to the top": a move of a track the cut before it leaves out, into the places
    the cut keeps, is done first (positions mean the playlist the user saw), so the cut keeps it; True when it is put
    there (the actions changed)."""
    cuts = [k for k, a in enumerate(acts) if a["name"] == "resize" and a["args"].get("length")]
    if not cuts or len(current) >= len(playlist):
        return False
    plan, _ = _read_part(make_clause(_reported(part), playlist, vocab, focus, last))
    length = acts[cuts[-1]]["args"]["length"]
    moves = plan.actions if not plan.question and plan.actions else []
    if not moves or any(a["name"] != "move" or not a["args"]["to"] <= length for a in moves):
        return False
    acts[cuts[-1] : cuts[-1]] = moves
    return True


def _left_after(current: Sequence[dict[str, Any]], actions: list[dict[str, Any]]) -> Sequence[dict[str, Any]]:
    """The tracks the next ask of a message reads: none after "scrap that" (a new request follows); the first N
    after a cut to N ("cut it to 12 and end on something happy": the happy one is among those 12)."""
    if any(a["name"] == "start_over" for a in actions):
        return []
    sizes = [a["args"]["length"] for a in actions if a["name"] == "resize" and a["args"].get("length")]
    return current[: sizes[-1]] if sizes and sizes[-1] < len(current) else current


# what a clause says after its ask: a reason ("since thats her favorite", "because theyre a bit much") or chat after
# a comma ("..., i keep zoning out")
_REASON_TAIL = re.compile(r"\s*,?\s*\b(?:since|because|cause|cuz|coz|cos|bc|porque|ya\s+que)\b.*$", re.IGNORECASE)
_COMMA_TAIL = re.compile(r"\s*,[^,]*$")
# a verdict said after the ask with no cue word ("delete 2 and 5 theyre so cringe", "get rid of 3 and 7 lol they're
# mid", "drop the last one its boring"): why, not what
_VERDICT_TAIL = re.compile(
    r"\s*[,.!]?\s*(?:\b(?:lol|lmao|ngl|tbh|honestly|omg|ugh)\b\s*)*"
    r"\b(?:they\s*['’]?\s*re|they\s+are|theyre|they|it\s*['’]?\s*s|its|it\s+is|that\s*['’]?\s*s|thats|those\s+are|"
    r"these\s+are|both\s+are|both)\b\s+(?:so|too|really|rly|rlly|kinda|lowkey|just|literally|very|mad|hella|"
    r"such|pure|a\s+bit|way|super|mid|cringe|trash|boring|bad|awful|terrible|annoying|corny|wack|meh|garbage|"
    r"not|no|kind|sort)\b.*$",
    re.IGNORECASE,
)


def _read_part(c: Clause) -> tuple[Plan, Clause]:
    """A clause read, with "it" meaning the one track it named before ("track 2 is a downer so take it out"); one
    not understood is read again without what follows its ask (a reason, or chat after a comma)."""
    if c.focus is None and c.has and c.pronoun() and (named := _refer(c)) and len(named) == 1:
        c = Clause(c.raw, c.reading, c.playlist, c.vocab, named[0], c.last)
    plan = read_clause(c)
    if not c.has or not (plan.question or [a["name"] for a in plan.actions] == ["new_playlist"]):
        return plan, c
    tails = (_REASON_TAIL, _COMMA_TAIL, _VERDICT_TAIL) + ((_PURPOSE_TAIL,) if _MAKE_IT.match(c.raw) else ())
    for tail in tails:
        head = tail.sub("", c.raw).strip()
        if head and head != c.raw.strip():
            shorter = make_clause(head, c.playlist, c.vocab, c.focus, c.last)
            again = read_clause(shorter)
            if again.actions and not again.question and not {a["name"] for a in again.actions} & _WHOLE_THREAD:
                return again, shorter  # ("undo that, i meant 7" is no undo alone)
    return plan, c


# "make it hype for my dance practice", "hazla más tranquila para la cena": what the playlist is for, said after a
# change of this playlist ("make it ..."), is no new request
_MAKE_IT = re.compile(
    r"^\s*(?:(?:pls|please|plz|can\s+you|could\s+you|cn\s+u|can\s+u|now|ok|okay|ahora)\s+)*"
    r"(?:make|get|turn|hazla|hazlo|ponla|ponlo|dejala|dejalo)\s+(?:it|this|this\s+playlist|the\s+playlist|them|em)?\b",
    re.IGNORECASE,
)
_PURPOSE_TAIL = re.compile(
    r"\s*,?\s*\b(?:for|para)\s+(?:my|our|the|a|an|mi|mis|la|el|una|un|when|while|cuando|tonight|today)\b.*$",
    re.IGNORECASE,
)
_WHOLE_THREAD = frozenset({"undo", "start_over", "new_playlist", "keep_playlist", "feedback"})
# the openings of a clause's question that say it was not understood (said in a note as "couldn't read it"), and of
# those that name what the catalog lacks (said in a note as themselves)
_NOT_UNDERSTOOD = ("I found no music", "I'm not sure what", "Tell me a bit more")
_UNREAD = _NOT_UNDERSTOOD + ("This catalog has no", "I don't know")


def _unread(question: str | None) -> bool:
    """Whether a clause's question says it was not understood (or names what the catalog lacks), rather than asks
    which of several things was meant: only then do the message's other asks go ahead without it."""
    return not question or question.startswith(_UNREAD)


def _names_said(c: Clause) -> bool:
    """Whether a clause names music outright (a genre, artist, years, mood said), not only a situation's cue; a
    situation told without a want ("the dinner starts at ten") names none."""
    if _situation_music(c.words):
        return True  # "now angry breakup songs": music asked for by the situation it is for
    said = [m for m in c.matches(*_CONTENT_KINDS, negated=False) if getattr(m, "explicit", True)]
    told = [m for m in said if m.kind == "activity" or (m.kind == "mood" and m.value in V.OCCASION_MOODS)]
    if said and len(told) == len(said) and not find(c.words, _WANT):
        return False  # "the party starts at ten": when, not what to play
    return bool(said)


def _situation_music(words: Sequence[str]) -> bool:
    """Whether a situation's words stand right before a music noun ("angry breakup songs", "rainy day music"):
    music named by what it is for, not a situation told ("the party starts at ten")."""
    k = 0
    while hit := find(words, _SITUATION_KEYS, k):
        end = hit[0] + hit[1]
        while (more := find(words, _SITUATION_KEYS, end)) and more[0] == end:
            end += more[1]
        if end < len(words) and words[end] in V.MUSIC_NOUNS:
            return True
        k = end
    return False


def _not_done(part: str, why: str | None) -> str:
    """The reply's note on an ask of the message that was not acted on."""
    reason = (why or "").split(". ")[0].rstrip(".")
    said = part.strip(" ,.!?")
    if not reason or reason.startswith(_NOT_UNDERSTOOD):
        return f"I didn't act on \"{said}\": I couldn't read it as a change to make."
    return f'I didn\'t act on "{said}": {reason[:1].lower()}{reason[1:]}.'
