"""Typed inputs and outputs shared by the pipeline stages: the query, and the playlist.

Units: energy, valence, danceability, acousticness, instrumentalness and speechiness are 0-1;
tempo is BPM; popularity is 0-100. These field names are a stable interface (CLI ``--json``,
HTTP API, bots).
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dc_field
from collections.abc import Iterable, Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from tools import vocab

Feature = Literal[
    "energy", "valence", "danceability", "tempo", "acousticness", "instrumentalness", "speechiness", "popularity"
]
FEATURE_RANGE: dict[str, tuple[float, float]] = {
    "energy": (0.0, 1.0),
    "valence": (0.0, 1.0),
    "danceability": (0.0, 1.0),
    "acousticness": (0.0, 1.0),
    "instrumentalness": (0.0, 1.0),
    "speechiness": (0.0, 1.0),
    "tempo": (40.0, 220.0),
    "popularity": (0.0, 100.0),
}
MAX_LENGTH = 200  # longest playlist PlayGenie makes in one answer


FILTER_CONFIDENCE = 0.5  # an explicit tag at least this sure is a filter, not a preference
Scope = Literal["prefer", "only", "also", "like"]


class Tag(BaseModel):
    """One extracted tag: its value, whether it was said or inferred, and how sure we are."""

    model_config = ConfigDict(frozen=True)

    value: str
    explicit: bool = True
    confidence: float = Field(default=1.0, ge=0.0, le=1.0)
    source: str | None = Field(default=None, description="The words it came from.")
    scope: Scope = Field(
        default="prefer",
        description="prefer: as asked; only: every track has it ('only rock'); also: added beside the rest "
        "('also rap'); like: a taste to search by, never a filter ('music like Drake').",
    )

    @model_validator(mode="before")
    @classmethod
    def _scope_from_old_source(cls, data: Any) -> Any:
        """Tags saved before ``scope`` existed said "only" as a prefix of ``source``: read it as the scope."""
        if isinstance(data, dict) and "scope" not in data and str(data.get("source") or "").startswith("only"):
            return {**data, "scope": "only"}
        return data

    @property
    def filters(self) -> bool:
        """Said, and read surely enough to filter (retrieval and the refiner); otherwise it only scores."""
        return self.explicit and self.confidence >= FILTER_CONFIDENCE

    def __deepcopy__(self, memo: dict[int, Any] | None = None) -> "Tag":
        """A frozen tag of immutable fields is its own deep copy: a query's deep copy (the agent makes a few per
        turn) then copies its lists, not every tag in them."""
        return self


class YearRange(BaseModel):
    """Inclusive range of release years; either end may be open."""

    start: int | None = Field(default=None, ge=1900, le=2100)
    end: int | None = Field(default=None, ge=1900, le=2100)
    explicit: bool = True
    confidence: float = Field(default=1.0, ge=0.0, le=1.0)
    source: str | None = None

    @model_validator(mode="after")
    def _ordered(self) -> "YearRange":
        if self.start is not None and self.end is not None and self.start > self.end:
            raise ValueError(f"year range {self.start}-{self.end} ends before it starts")
        return self

    def contains(self, year: int | None) -> bool:
        if year is None:
            return False
        return (self.start is None or year >= self.start) and (self.end is None or year <= self.end)

    def label(self) -> str:
        if self.start and self.end and self.start <= 1900:  # "no oldies": every year up to the end
            return f"before {self.end + 1}"
        if self.start and self.end:
            if self.start == self.end:
                return str(self.start)
            if self.end - self.start == 9 and self.start % 10 == 0:
                return f"{self.start}s"
            return f"{self.start}-{self.end}"
        if self.start:
            return f"from {self.start}"
        if self.end:
            return f"up to {self.end}"
        return "any year"


class FeatureBound(BaseModel):
    """A target and/or hard bounds on one audio feature ("not too fast" -> tempo max)."""

    feature: Feature
    target: float | None = None
    min: float | None = None
    max: float | None = None
    explicit: bool = True
    confidence: float = Field(default=1.0, ge=0.0, le=1.0)
    source: str | None = None

    @model_validator(mode="after")
    def _in_range(self) -> "FeatureBound":
        lo, hi = FEATURE_RANGE[self.feature]
        for name in ("target", "min", "max"):
            v = getattr(self, name)
            if v is not None and not lo <= v <= hi:
                raise ValueError(f"{self.feature} {name}={v} is outside {lo}-{hi}")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"{self.feature} min {self.min} is above max {self.max}")
        return self


def _seeded(f: FeatureBound) -> bool:
    """Whether a bound only aims at a seed song's sound ("songs like Blinding Lights"), with no bound of its own."""
    return not f.explicit and (f.source or "").startswith("like ") and f.target is not None and f.min is f.max is None


class PlaylistQuery(BaseModel):
    """What a request asks for, typed. Hard constraints filter; soft ones score."""

    text: str = Field(default="", description="The request as written.")
    genres: list[Tag] = Field(default_factory=list)
    subgenres: list[Tag] = Field(default_factory=list)
    moods: list[Tag] = Field(default_factory=list)
    activities: list[Tag] = Field(default_factory=list, description="workout, study, party, sleep, driving...")
    years: YearRange | None = None
    artists: list[Tag] = Field(default_factory=list, description="Artists to include (catalog names).")
    exclude_genres: list[Tag] = Field(default_factory=list)
    exclude_subgenres: list[Tag] = Field(default_factory=list)
    exclude_artists: list[Tag] = Field(default_factory=list)
    exclude_moods: list[Tag] = Field(default_factory=list)
    exclude_years: list[YearRange] = Field(default_factory=list, description="Years to leave out ('no 80s').")
    exclude_versions: list[Literal["remix", "live", "acoustic", "remaster", "feature", "interlude"]] = Field(
        default_factory=list, description="Versions to leave out, as a title's tail says them ('no remixes')."
    )
    keep_artists: list[Tag] = Field(
        default_factory=list,
        description="Artists whose tracks stay in spite of an exclusion ('drop the rap ones but keep Eminem').",
    )
    features: list[FeatureBound] = Field(default_factory=list, description="Energy/tempo/valence targets and bounds.")
    popularity: Literal["popular", "obscure"] | None = None
    length: int | None = Field(default=None, ge=1, le=MAX_LENGTH, description="Number of tracks.")
    duration_min: float | None = Field(default=None, gt=0, le=24 * 60, description="Length as listening time.")
    track_minutes_max: float | None = Field(
        default=None, gt=0, le=60, description="Each track's length at most, in minutes ('nothing over 3 min')."
    )
    max_per_artist: int | None = Field(
        default=None,
        ge=1,
        le=MAX_LENGTH,
        description="Tracks per artist at most, when the user said so ('one per artist').",
    )
    max_per_decade: int | None = Field(
        default=None,
        ge=1,
        le=MAX_LENGTH,
        description="Tracks per decade of release at most, when the user said so ('max 2 from each decade').",
    )
    free_text: str = Field(default="", description="Words no tag took; used for similarity search.")
    name: str | None = Field(
        default=None, max_length=80, description="The playlist's name, as the person called it ('call it Sunday Jams')."
    )
    unsupported: list[str] = Field(default_factory=list, description="Asked-for things the data cannot honour.")
    clean: Literal["only", "prefer"] | None = Field(
        default=None,
        description="Titles that swear left out ('only': 'no explicit', for kids) or put last ('prefer': sleep, work).",
    )

    @field_validator("text", "free_text")
    @classmethod
    def _bounded(cls, v: str) -> str:
        return v[:2000]

    def is_empty(self) -> bool:
        """True when nothing at all was understood."""
        return not (
            self.genres
            or self.subgenres
            or self.moods
            or self.activities
            or self.years
            or self.artists
            or self.exclude_genres
            or self.exclude_subgenres
            or self.exclude_artists
            or self.exclude_moods
            or self.exclude_years
            or self.exclude_versions
            or self.features
            or self.popularity
            or self.free_text.strip()
        )

    def feature(self, name: str) -> FeatureBound | None:
        return next((f for f in self.features if f.feature == name), None)

    def describe(self) -> str:
        """A short human-readable summary ("rap, 1990s, workout; not Eminem; 20 tracks")."""
        parts: list[str] = []
        # a word can be both a mood and an activity ("party", "workout"): say it once
        parts += list(dict.fromkeys(t.value for t in self.genres + self.subgenres + self.moods + self.activities))
        if self.years:
            y = self.years
            soft = not y.explicit and not (y.start and y.end)  # "throwback": a lean the ranker weighs, no filter
            parts.append(f"leaning {'older' if y.end else 'newer'} ({y.label()})" if soft else y.label())
        parts += [f"{'like' if t.scope == 'like' else 'by'} {t.value}" for t in self.artists]
        seeds = [str(f.source)[5:] for f in self.features if _seeded(f)]
        parts += [f'the sound of "{s}"' for s in dict.fromkeys(seeds)]
        for f in self.features:
            if _seeded(f):
                continue
            if f.target is not None:
                parts.append(f"{f.feature}~{f.target:g}")
            if f.min is not None:
                parts.append(f"{f.feature}>={f.min:g}")
            if f.max is not None:
                parts.append(f"{f.feature}<={f.max:g}")
        if self.popularity:
            parts.append(self.popularity)
        excl = [
            t.value for t in self.exclude_genres + self.exclude_subgenres + self.exclude_artists + self.exclude_moods
        ]
        excl += [y.label() for y in self.exclude_years] + [vocab.version_label(v) for v in self.exclude_versions]
        out = ", ".join(parts) or "anything"
        if excl:
            out += "; not " + ", ".join(excl)
        if self.keep_artists:
            out += "; keeping " + ", ".join(t.value for t in self.keep_artists)
        caps = [(self.max_per_artist, "artist"), (self.max_per_decade, "decade")]
        out += "".join(f"; {n} per {what}" for n, what in caps if n)
        if self.clean == "only":
            out += "; clean titles"
        if self.track_minutes_max:
            out += f"; each track under {self.track_minutes_max:g} min"
        if self.length:
            out += f"; {self.length} tracks"
        elif self.duration_min:
            out += f"; {self.duration_min:g} min"
        return out


# The public shape of a track, one for every front end: `playgenie chat --json`, `playgenie playlist --json`,
# the HTTP API and the web page (PlaylistItem's internal ``score`` stays inside).
PUBLIC_TRACK_FIELDS = ("track_id", "title", "artist", "year", "genres", "moods", "energy", "valence", "danceability",
                       "tempo", "popularity", "duration_ms", "reason")  # fmt: skip


class PlaylistItem(BaseModel):
    """One track of an answered playlist, with why it is there."""

    track_id: str
    title: str
    artist: str
    year: int | None
    genres: list[str]
    moods: list[str]
    energy: float
    valence: float
    danceability: float
    tempo: float
    popularity: int
    duration_ms: int
    reason: str = ""
    score: float = 0.0

    def public(self) -> dict[str, Any]:
        """The track as every front end shows it (:data:`PUBLIC_TRACK_FIELDS`)."""
        return {k: getattr(self, k) for k in PUBLIC_TRACK_FIELDS}


def listening_minutes(items: Iterable[Mapping[str, Any]]) -> float:
    """The listening time of playlist items (``PlaylistItem`` dicts), in minutes."""
    return sum(int(p.get("duration_ms") or 0) for p in items) / 60_000


class PlaylistResult(BaseModel):
    """The answer to one request: the typed query, the playlist, and notes on what was relaxed."""

    query: PlaylistQuery
    playlist: list[PlaylistItem]
    notes: list[str] = Field(default_factory=list, description="Relaxed filters, fallbacks, cold start.")
    cold_start: bool = False


@dataclass(slots=True)
class Candidate:
    """A track on its way through retrieval, rerank and refinement (internal, not an interface)."""

    track_id: str
    idx: int  # row in the catalog
    score: float  # retrieval score, higher is better
    matched: list[str] = dc_field(default_factory=list)  # tags it matched, for reasons
    affinity: float | None = None  # personal CF affinity, set by the rerank
    final: float = 0.0  # blended score the refiner orders by
    # channel -> (rank from 0, score) in each retrieval channel that found it ("tags", "dense", "bm25",
    # "names"; see tools.retrieve), for the ranker's features and the track's reason
    channels: dict[str, tuple[int, float]] = dc_field(default_factory=dict)
    tier: int = 0  # relaxation tier: 0 passed the strictest filter retrieval tried, 1 the next, ...
    ranker: float | None = None  # the learned ranker's score (tools.ranker), None when none ran
    ranker_place: tuple[int, int] | None = None  # (its place from 1, of how many) in the ranker's order
    # the ranker's largest feature contributions for this track, (feature, contribution), biggest first
    contributions: list[tuple[str, float]] = dc_field(default_factory=list)
