"""Stage 1 with an LLM: the same typed query from an OpenAI-compatible model, validated and merged.

The offline extractor always runs first (it is cheap) and its explicit tags and exclusions are
never lost. The model may add what the vocabulary missed; every value it returns is checked
against the catalog (genres, subgenres, moods, activities), artists must be named in the request
(no invented names), numbers must be in range, and anything else is dropped. Tags the model added
are marked inferred (``explicit=False``, source ``"llm"``). On any error, timeout or junk the
offline query is returned unchanged and :attr:`LLMTagExtractor.last_note` says why.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import numpy as np
from pydantic import BaseModel, ConfigDict, field_validator

from tools import vocab
from tools.catalog import Catalog, fold
from tools.extract import Match as _Match
from tools.extract import TagExtractor
from tools.vocab import PHRASES as _PHRASES
from tools.vocab import key as _key
from tools.vocab import tokenize
from tools.schema import MAX_LENGTH, PlaylistQuery, Tag, YearRange
from tools.tags import MOODS

if TYPE_CHECKING:
    from tools.llm import LLMClient

log = logging.getLogger(__name__)

LLM_CONFIDENCE = 0.7  # confidence of a tag only the model saw
MAX_PER_LIST = 5


def _strings(v: Any) -> list[str]:
    """A list of short strings from whatever the model wrote (a string, dicts with a name, numbers)."""
    if v is None:
        return []
    if not isinstance(v, list):
        v = [v]
    out = []
    for x in v:
        if isinstance(x, dict):
            x = x.get("name") or x.get("value") or next(iter(x.values()), None) if x else None
        if isinstance(x, (str, int, float)) and str(x).strip():
            out.append(str(x).strip()[:100])
    return out[:20]


def _int_or_none(v: Any) -> int | None:
    try:
        return None if v is None or isinstance(v, bool) else int(float(v))
    except (TypeError, ValueError):
        return None


class LLMQuery(BaseModel):
    """What the model is asked to fill in: lenient on types, strict later on values."""

    model_config = ConfigDict(extra="ignore")

    genres: list[str] = []
    moods: list[str] = []
    activities: list[str] = []
    artists: list[str] = []
    exclude_genres: list[str] = []
    exclude_artists: list[str] = []
    exclude_moods: list[str] = []
    year_start: int | None = None
    year_end: int | None = None
    energy: str | None = None
    tempo: str | None = None
    popularity: str | None = None
    length: int | None = None
    duration_min: int | None = None

    @field_validator("genres", "moods", "activities", "artists", "exclude_genres", "exclude_artists",
                     "exclude_moods", mode="before")  # fmt: skip
    @classmethod
    def _lists(cls, v: Any) -> list[str]:
        return _strings(v)

    @field_validator("year_start", "year_end", "length", "duration_min", mode="before")
    @classmethod
    def _ints(cls, v: Any) -> int | None:
        return _int_or_none(v)

    @field_validator("energy", "tempo", "popularity", mode="before")
    @classmethod
    def _word(cls, v: Any) -> str | None:
        return str(v).strip().lower()[:20] if isinstance(v, (str, int, float)) and str(v).strip() else None


def _system_prompt(catalog: Catalog) -> str:
    return (
        "You turn a music playlist request into JSON. Reply with one JSON object only, with these keys "
        "(leave a key out when the request does not say it):\n"
        f'"genres": list from {", ".join(catalog.genres + catalog.subgenres)}\n'
        f'"moods": list from {", ".join(MOODS)}\n'
        f'"activities": list from {", ".join(sorted(set(vocab.ACTIVITY_MOODS)))}\n'
        '"artists": artist names written in the request\n'
        '"exclude_genres", "exclude_artists", "exclude_moods": what the request says to leave out\n'
        '"year_start", "year_end": release years (e.g. "90s" is 1990 and 1999)\n'
        '"energy": "low" or "high"; "tempo": "slow" or "fast"; "popularity": "popular" or "obscure"\n'
        '"length": number of songs; "duration_min": listening time in minutes'
    )


class LLMTagExtractor:
    """Tag extraction by an LLM, validated against the catalog, with the offline extractor as the floor."""

    def __init__(self, llm: "LLMClient", fallback: TagExtractor, catalog: Catalog):
        self.llm = llm
        self.fallback = fallback
        self.catalog = catalog
        self.system = _system_prompt(catalog)
        self.last_note: str | None = None  # why the last request used the offline query alone, if it did

    def extract(self, text: str, query_vector: np.ndarray | None = None) -> PlaylistQuery:
        """The offline query, improved by the model's answer where that answer checks out."""
        offline = self.fallback.extract(text, query_vector=query_vector)
        self.last_note = None
        if not (text or "").strip() or not any(c.isalnum() for c in text):
            return offline  # nothing for a model to read
        answer = self.llm.complete_json(self.system, text[:1500], LLMQuery, max_tokens=300)
        if answer is None:
            self.last_note = f"LLM tag extraction unavailable ({self.llm.last_error or 'no answer'}); used the offline extractor"
            return offline
        try:
            return self.merge(offline, answer, text)
        except Exception as exc:  # noqa: BLE001 - a bad answer must never cost the request
            log.warning("could not merge the LLM query: %s", exc)
            self.last_note = "LLM tag extraction returned unusable values; used the offline extractor"
            return offline

    # ----- validation ----------------------------------------------------------------------------
    def _genre(self, value: str) -> tuple[str, str] | None:
        """("genres" | "subgenres", name) for a catalog genre or a vocabulary synonym of one."""
        f = fold(value)
        if f in self.fallback.genres:
            return "genres", f
        # the vocabulary first, so a model's "hip hop" reads as the offline extractor reads it: rap
        for kind, meaning in _PHRASES.get(_key(value), []):
            if kind == "genre":
                genre, sub = meaning  # type: ignore[misc]
                if sub in self.fallback.subgenres:
                    return "subgenres", sub
                if genre in self.fallback.genres:
                    return "genres", genre
        if f in self.fallback.subgenres:
            return "subgenres", f
        return None

    def _mood(self, value: str) -> str | None:
        f = fold(value)
        if f in MOODS:
            return f
        m = vocab.MOOD_PHRASES.get(" ".join(_key(value)))
        return m if m in MOODS else None

    def _activity(self, value: str) -> str | None:
        f = fold(value)
        if f in vocab.ACTIVITY_MOODS:
            return f
        return vocab.ACTIVITY_PHRASES.get(" ".join(_key(value)))

    def _artist(self, value: str, text_tokens: list[str]) -> str | None:
        """The catalog artist for ``value``, only when the request itself names it (no invented artists)."""
        key = _key(value)
        hit = self.fallback.artist_keys.get(key)
        name = hit[0] if hit else None
        if name is None:
            fuzzy = self.fallback._fuzzy_artist(" ".join(key))
            name = fuzzy[0] if fuzzy else None
        if name is None:
            return None
        # grounded: every word of the name (or of what the model wrote) is in the request, give or take a typo
        for words in (_key(name), key):
            if words and all(any(w == t or (len(w) >= 5 and _close(w, t)) for t in text_tokens) for w in words):
                return name
        return None

    # ----- merging -------------------------------------------------------------------------------
    def merge(self, offline: PlaylistQuery, answer: LLMQuery, text: str) -> PlaylistQuery:
        """Offline tags stay; validated model tags are added where they do not contradict them."""
        q = offline.model_copy(deep=True)
        text_tokens = [t.text for t in tokenize(text)]
        excluded = {t.value for t in q.exclude_genres + q.exclude_subgenres + q.exclude_artists + q.exclude_moods}
        included = {t.value for t in q.genres + q.subgenres + q.artists + q.moods}

        def add(target: list[Tag], value: str, *, exclusion: bool = False) -> None:
            if value in {t.value for t in target} or len(target) >= MAX_PER_LIST:
                return
            if (value in included) if exclusion else (value in excluded):
                return  # the offline reading of the same words wins
            target.append(Tag(value=value, explicit=False, confidence=LLM_CONFIDENCE, source="llm"))

        # The model fills gaps: where the user named a genre (or a mood, an activity) it adds none of its own.
        said_genre = any(t.explicit for t in q.genres + q.subgenres)
        said_mood = any(t.explicit for t in q.moods)
        said_activity = any(t.explicit for t in q.activities)
        for g in [] if said_genre else answer.genres:
            hit = self._genre(g)
            if hit:
                add(q.genres if hit[0] == "genres" else q.subgenres, hit[1])
        for g in answer.exclude_genres:
            hit = self._genre(g)
            if hit:
                add(q.exclude_genres if hit[0] == "genres" else q.exclude_subgenres, hit[1], exclusion=True)
        for m in [] if said_mood else answer.moods:
            v = self._mood(m)
            if v is not None and not _OPPOSITE.get(v, set()) & {t.value for t in q.moods}:
                add(q.moods, v)
        for m in answer.exclude_moods:
            if (v := self._mood(m)) is not None:
                add(q.exclude_moods, v, exclusion=True)
        for a in [] if said_activity else answer.activities:
            if (v := self._activity(a)) is not None:
                add(q.activities, v)
        for a in answer.artists:
            if (v := self._artist(a, text_tokens)) is not None:
                add(q.artists, v)
        for a in answer.exclude_artists:
            if (v := self._artist(a, text_tokens)) is not None:
                add(q.exclude_artists, v, exclusion=True)

        # Numbers only when the request has some: a small model invents years and lengths otherwise.
        numeric = any(ch.isdigit() for ch in text) or bool(set(text_tokens) & _NUMBER_HINTS)
        if q.years is None and (numeric or set(text_tokens) & _TIME_HINTS):
            q.years = self._years(answer)
        have = {f.feature for f in q.features}
        for feat, word in (("energy", answer.energy), ("tempo", answer.tempo)):
            way = {"low": "low", "slow": "low", "high": "high", "fast": "high"}.get(word or "")
            if way and feat not in have:
                fb = self.fallback._feature(_Match("feature", (feat, way), 0, 0, confidence=LLM_CONFIDENCE))
                if fb is not None:
                    q.features.append(fb.model_copy(update={"explicit": False, "source": "llm"}))
        if q.popularity is None and answer.popularity in ("popular", "obscure"):
            q.popularity = answer.popularity  # type: ignore[assignment]
        if q.length is None and q.duration_min is None and numeric:
            if answer.length is not None and 1 <= answer.length <= MAX_LENGTH:
                q.length = answer.length
            elif answer.duration_min is not None and 0 < answer.duration_min <= 24 * 60:
                q.duration_min = float(answer.duration_min)
        return PlaylistQuery.model_validate(q.model_dump())

    def _years(self, answer: LLMQuery) -> YearRange | None:
        lo, hi = answer.year_start, answer.year_end
        top = self.fallback.max_year + 1
        lo = lo if lo is not None and 1900 <= lo <= top else None
        hi = hi if hi is not None and 1900 <= hi <= 2100 else None
        if lo is None and hi is None or (lo is not None and hi is not None and lo > hi):
            return None
        return YearRange(start=lo, end=hi, explicit=False, confidence=LLM_CONFIDENCE, source="llm")


# Moods that cannot both describe one playlist: a model's mood never joins its opposite.
_OPPOSITE: dict[str, set[str]] = {
    "happy": {"sad"}, "sad": {"happy", "party", "dance"}, "chill": {"energetic", "workout", "party"},
    "energetic": {"chill", "sleep", "sad"}, "sleep": {"energetic", "party", "workout", "dance"},
    "party": {"sleep", "sad", "chill"}, "workout": {"sleep", "chill"}, "dance": {"sleep", "sad"},
    "focus": {"party"}, "romantic": set(), "acoustic": set(), "instrumental": set(),
}  # fmt: skip

_TIME_HINTS = frozenset({"year", "years", "era", "decade", "decades", "century", "old", "new", "recent", "classic",
                         "classics", "throwback", "retro", "vintage", "oldies", "modern", "current", "latest",
                         "childhood", "grew", "school", "college"})  # fmt: skip
_NUMBER_HINTS = frozenset(vocab.NUMBER_WORDS) - {"a", "an", "few", "couple", "half"} | {"hour", "hours", "minutes"}


def _close(a: str, b: str) -> bool:
    from rapidfuzz.distance import Levenshtein

    return Levenshtein.distance(a, b, score_cutoff=1) <= 1
