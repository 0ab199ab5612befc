"""The offline brain: turn one chat message into tool calls on the current playlist, or a question.

It reads the message against the current playlist (ordinals, titles, artists in it) and the
catalog's vocabulary (genres, subgenres, moods, artist names). Relative changes ("more upbeat",
"a bit slower") become feature adjustments from where the playlist is; "only", "no", "also"
narrow, exclude or widen; anything it cannot read with confidence becomes a clarifying question,
never a guess. The output is the same action list the LLM brain produces, so both share one graph.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Sequence

from rapidfuzz import fuzz, process

from tools.catalog import Catalog, fold
from tools.tags import MOODS

MAX_MESSAGE = 2000  # characters; longer messages are refused with a clear reply
EXAMPLES = (
    '"chill 90s r&b for a rainy evening", then "more upbeat", "no Drake", "only 90s", '
    '"drop track 3", "add 10 more", "why track 4?", "undo", "start over"'
)

_ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
    "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14, "fifteenth": 15,
    "sixteenth": 16, "seventeenth": 17, "eighteenth": 18, "nineteenth": 19, "twentieth": 20,
}  # fmt: skip
_NUMBERS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30, "a couple": 2, "a few": 3, "couple": 2,
}  # fmt: skip
_NUM = r"(\d+|" + "|".join(sorted(_NUMBERS, key=len, reverse=True)) + ")"

GENRE_SYNONYMS = {
    "hip hop": "rap", "hip-hop": "rap", "hiphop": "rap", "rap": "rap", "rnb": "r&b", "r and b": "r&b", "r&b": "r&b",
    "rhythm and blues": "r&b", "electronic": "edm", "electro": "edm", "edm": "edm", "house": "edm", "techno": "edm",
    "rock": "rock", "pop": "pop", "latin": "latin", "reggaeton": "latin",
}  # fmt: skip
MOOD_SYNONYMS = {
    "chill": "chill", "chilled": "chill", "relaxing": "chill", "mellow": "chill", "happy": "happy", "sad": "sad",
    "energetic": "energetic", "party": "party", "focus": "focus", "study": "focus", "romantic": "romantic",
    "workout": "workout", "gym": "workout", "sleep": "sleep", "acoustic": "acoustic", "instrumental": "instrumental",
    "dance": "dance", "danceable": "dance", "upbeat": "happy", "melancholic": "sad",
}  # fmt: skip
assert set(MOOD_SYNONYMS.values()) <= set(MOODS)

# Relative changes: phrase -> [(feature, direction)], checked longest first.
RELATIVE: dict[str, list[tuple[str, int]]] = {
    "more upbeat": [("energy", 1), ("valence", 1)], "upbeat": [("energy", 1), ("valence", 1)],
    "less upbeat": [("energy", -1), ("valence", -1)], "more energy": [("energy", 1)],
    "more energetic": [("energy", 1)], "higher energy": [("energy", 1)], "less energy": [("energy", -1)],
    "less energetic": [("energy", -1)], "lower energy": [("energy", -1)], "more intense": [("energy", 1)],
    "calmer": [("energy", -1), ("tempo", -1)], "more calm": [("energy", -1), ("tempo", -1)],
    "chiller": [("energy", -1)], "more chill": [("energy", -1)], "mellower": [("energy", -1)],
    "more mellow": [("energy", -1)], "softer": [("energy", -1)], "quieter": [("energy", -1)],
    "harder": [("energy", 1)], "louder": [("energy", 1)], "livelier": [("energy", 1), ("valence", 1)],
    "more lively": [("energy", 1), ("valence", 1)], "faster": [("tempo", 1)], "quicker": [("tempo", 1)],
    "slower": [("tempo", -1)], "less fast": [("tempo", -1)], "happier": [("valence", 1)],
    "more happy": [("valence", 1)], "more cheerful": [("valence", 1)], "more positive": [("valence", 1)],
    "brighter": [("valence", 1)], "sadder": [("valence", -1)], "more sad": [("valence", -1)],
    "darker": [("valence", -1)], "moodier": [("valence", -1)], "more melancholic": [("valence", -1)],
    "more danceable": [("danceability", 1)], "more dancey": [("danceability", 1)], "less danceable": [("danceability", -1)],
    "more acoustic": [("acousticness", 1)], "less acoustic": [("acousticness", -1)],
    "less intense": [("energy", -1)], "more relaxed": [("energy", -1), ("tempo", -1)], "more relaxing": [("energy", -1)],
    "pick up the pace": [("tempo", 1), ("energy", 1)], "slow it down": [("tempo", -1), ("energy", -1)],
    "tone it down": [("energy", -1)], "turn it up": [("energy", 1)], "more hype": [("energy", 1), ("danceability", 1)],
}  # fmt: skip
_RELATIVE_RE = re.compile(r"\b(" + "|".join(re.escape(k) for k in sorted(RELATIVE, key=len, reverse=True)) + r")\b")
_BIT = re.compile(r"\b(a (little )?bit|a little|slightly|a touch|somewhat|little)\b")
_LOT = re.compile(r"\b(much|way|a lot|lots|really|far|very|super)\b")


_FILLER = set(
    "a bit little lot make it the playlist please can you slightly much way more less and but still even some somewhat "
    "touch very really be should could i want something go get mix songs tracks music too so just now kinda lets let's "
    "vibe vibes turn up down far super tad".split()
)


@dataclass
class Plan:
    """What the brain decided: tool calls to run, or a question/reply that changes nothing."""

    actions: list[dict[str, Any]] = field(default_factory=list)
    question: str | None = None  # a clarifying question or a refusal; the playlist stays as it is

    @classmethod
    def ask(cls, question: str) -> "Plan":
        return cls(question=question)


def call(name: str, **args: Any) -> dict[str, Any]:
    return {"name": name, "args": args}


class Vocabulary:
    """Names the parser resolves words against, built once per catalog."""

    def __init__(self, catalog: Catalog):
        self.genres = {fold(g): g for g in catalog.genres}
        self.subgenres = {fold(s): s for s in catalog.subgenres}
        self.artists = {fold(a): a for a in catalog.artists}
        self._artist_keys = list(self.artists)

    def artist(self, span: str) -> str | None:
        """The catalog artist a span names: exact (folded) match, else a close fuzzy match."""
        key = fold(span).strip(" .!?'\"")
        key = re.sub(r"^(the songs? by|songs? by|tracks? by|anything by|any|the|more)\s+", "", key)
        key = re.sub(r"\s+(songs?|tracks?|stuff|music)$", "", key)
        if not key or len(key) < 2:
            return None
        if key in self.artists:
            return self.artists[key]
        if len(key) < 4:
            return None
        hit = process.extractOne(key, self._artist_keys, scorer=fuzz.ratio, score_cutoff=90)
        return self.artists[hit[0]] if hit else None

    def term(self, span: str) -> dict[str, str] | None:
        """Resolve one span to {"genre"|"subgenre"|"mood"|"artist": name}, or None."""
        key = fold(span).strip(" .!?'\"")
        key = re.sub(r"^(any|some|the|more|of|anything|any more)\s+", "", key)
        key = re.sub(r"\s+(songs?|tracks?|stuff|music|vibes?|tunes)$", "", key).strip()
        if not key:
            return None
        if key in self.subgenres and key not in GENRE_SYNONYMS:
            return {"subgenre": self.subgenres[key]}
        g = GENRE_SYNONYMS.get(key) or self.genres.get(key)
        if g and g in self.genres.values():
            return {"genre": g}
        if key in self.subgenres:
            return {"subgenre": self.subgenres[key]}
        if key in MOOD_SYNONYMS:
            return {"mood": MOOD_SYNONYMS[key]}
        a = self.artist(key)
        return {"artist": a} if a else None

    def terms(self, span: str) -> tuple[dict[str, list[str]], list[str]]:
        """Resolve a list ("Drake and Eminem", "rap or edm") to grouped names, plus the parts not understood."""
        out: dict[str, list[str]] = {"genres": [], "subgenres": [], "moods": [], "artists": []}
        whole = self.term(span)
        parts = [span] if whole else [p for p in re.split(r"\s*(?:,|\band\b|\bor\b|\bnor\b|&|/|\+)\s*", span) if p.strip()]
        unknown: list[str] = []
        for p in parts:
            p = re.sub(r"^\s*(no more|no|not|without|nor|also|some|only|just)\s+", "", p)
            hit = self.term(p)
            if not hit:
                unknown.append(p.strip())
                continue
            kind, name = next(iter(hit.items()))
            out[kind + "s"].append(name)
        return out, unknown


def _num(word: str) -> int:
    return int(word) if word.isdigit() else _NUMBERS[word]


def positions(text: str, titles: Sequence[str], artists: Sequence[str] = ()) -> list[int] | None:
    """1-based positions a message refers to ("track 3", "the third one", "the last two", "3 and 5",
    a title or an artist in the playlist); None when it names none. Positions may be out of range."""
    t = fold(text)
    n = len(titles)
    # An exact title wins over ordinals inside it ("The Last Time", "First Class").
    exact = [(len(k), i) for i, k in enumerate(fold(x) for x in titles) if len(k) >= 4 and re.search(rf"(?<!\w){re.escape(k)}(?!\w)", t)]
    if exact:
        return [max(exact)[1] + 1]
    m = re.search(r"\b(?:the )?last " + _NUM + r"\b", t)
    if m:
        k = _num(m.group(1))
        return list(range(max(1, n - k + 1), n + 1))
    m = re.search(r"\b(?:the )?first " + _NUM + r"\b(?! more)", t)
    if m and not re.search(r"\bfirst (one|track|song)\b", t):
        return list(range(1, _num(m.group(1)) + 1))
    m = re.search(r"\b(?:tracks?|songs?|numbers?|nos?\.?|#)\s*#?\s*(\d+)\s*(?:-|to|through)\s*(\d+)\b", t)
    if m:
        a, b = int(m.group(1)), int(m.group(2))
        return list(range(min(a, b), max(a, b) + 1))
    m = re.search(r"\b(?:tracks?|songs?|numbers?|nos?\.?|#)\s*#?\s*(\d+(?:\s*(?:,|and|&)\s*#?\d+)*)", t)
    if m:
        return [int(x) for x in re.findall(r"\d+", m.group(1))]
    found: list[int] = []
    for word, k in _ORDINALS.items():
        for _ in re.finditer(rf"\b{word}\b", t):
            found.append(k)
    for m in re.finditer(r"\b(\d+)(?:st|nd|rd|th)\b", t):
        found.append(int(m.group(1)))
    if re.search(r"\b(the )?last (one|track|song)\b|\bthe last\b", t):
        found.append(n)
    if found:
        return sorted(set(found))
    # A bare number after a verb: "remove 3", "drop 3 and 7".
    m = re.match(r"^\s*(?:remove|drop|delete|cut|skip|lose|ditch|kill|replace|swap|explain|why)\s+(\d+(?:\s*(?:,|and|&)\s*\d+)*)\s*$", t)
    if m:
        return [int(x) for x in re.findall(r"\d+", m.group(1))]
    # A title in the playlist.
    keys = [fold(x) for x in titles]
    best, best_score = None, 0.0
    for i, k in enumerate(keys):
        if len(k) >= 3 and re.search(rf"(?<!\w){re.escape(k)}(?!\w)", t):
            score = 100 + len(k)
        else:
            score = fuzz.partial_ratio(k, t) if len(k) >= 6 else 0
        if score > best_score:
            best, best_score = i, score
    if best is not None and best_score >= 90:
        return [best + 1]
    return None


_YEARS = [
    (re.compile(r"\b(?:the )?(?:19)?([2-9])0'?s\b"), lambda m: (1900 + int(m.group(1)) * 10, 1909 + int(m.group(1)) * 10)),
    (re.compile(r"\b(?:the )?20([0-2])0'?s\b"), lambda m: (2000 + int(m.group(1)) * 10, 2009 + int(m.group(1)) * 10)),
    (re.compile(r"\b(?:the )?(?:two thousands|noughties|aughts)\b"), lambda m: (2000, 2009)),
    (re.compile(r"\b(?:the )?(eighties|nineties|seventies|sixties)\b"),
     lambda m: {"sixties": (1960, 1969), "seventies": (1970, 1979), "eighties": (1980, 1989), "nineties": (1990, 1999)}[m.group(1)]),
    (re.compile(r"\b(?:after|since|from|post)\s+((?:19|20)\d\d)(?:\s+on(?:wards?)?)?\b"),
     lambda m: (int(m.group(1)) + (1 if m.group(0).startswith(("after", "post")) else 0), None)),
    (re.compile(r"\b(?:before|until|up to|pre)\s+((?:19|20)\d\d)\b"),
     lambda m: (None, int(m.group(1)) - (1 if m.group(0).startswith(("before", "pre")) else 0))),
    (re.compile(r"\b((?:19|20)\d\d)\s*(?:-|to|through|until)\s*((?:19|20)\d\d)\b"), lambda m: (int(m.group(1)), int(m.group(2)))),
    (re.compile(r"\b(?:from |in )?((?:19|20)\d\d)\b"), lambda m: (int(m.group(1)), int(m.group(1)))),
]  # fmt: skip


def years_in(text: str) -> tuple[list[tuple[int | None, int | None]], str]:
    """Year ranges a message names, and the message with them removed."""
    t = fold(text)
    found: list[tuple[int | None, int | None]] = []
    for pattern, make in _YEARS:
        for m in pattern.finditer(t):
            found.append(make(m))
        t = pattern.sub(" ", t)
    return found, " ".join(t.split())


def _intersect(ranges: list[tuple[int | None, int | None]]) -> tuple[int | None, int | None] | None:
    lo = max((a for a, _ in ranges if a is not None), default=None)
    hi = min((b for _, b in ranges if b is not None), default=None)
    if lo is not None and hi is not None and lo > hi:
        return None
    return lo, hi


def _strip_filler(span: str) -> str:
    span = re.sub(r"\b(please|pls|thanks|thank you|anymore|any more|either|too|as well|in there|in it|at all|from now on|"
                  r"ever again|again|songs?|tracks?|music|stuff)\b", " ", span)
    span = re.sub(r"^\s*(more|any|the|some)\s+", " ", span)
    return " ".join(span.split()).strip(" .,!?")


def _count(t: str, default: int) -> int:
    m = re.search(_NUM + r"\s+(?:more|extra|additional|new|others?)\b", t) or re.search(
        r"\b(?:add|another|plus)\s+" + _NUM + r"\b", t
    )
    return _num(m.group(1)) if m else default


def _amount(t: str) -> str:
    if _BIT.search(t):
        return "bit"
    if _LOT.search(t):
        return "lot"
    return "normal"


def parse(text: str, playlist: Sequence[dict[str, Any]], vocab: Vocabulary, focus: int | None = None) -> Plan:
    """The plan for one message given the current playlist (empty before the first request)."""
    raw = text or ""
    if len(raw) > MAX_MESSAGE:
        return Plan.ask(
            f"That message is {len(raw):,} characters long; I read requests of up to {MAX_MESSAGE:,}. "
            "Please say what you'd like in a sentence or two."
        )
    if not raw.strip():
        return Plan.ask(f"I didn't get a message. Tell me what you'd like to hear, for example {EXAMPLES}.")
    if not re.search(r"[A-Za-z0-9À-ɏ]", raw):
        return Plan.ask(f"I can't read that as a request. Try words, for example {EXAMPLES}.")
    t = fold(raw).strip()
    t = re.sub(r"\s+", " ", t)
    has = bool(playlist)
    titles = [p["title"] for p in playlist]
    artists = [p["artist"] for p in playlist]

    def need_playlist() -> Plan:
        return Plan.ask("There is no playlist yet. Tell me what you'd like to hear first, for example \"upbeat 80s rock\".")

    # --- whole-thread commands -------------------------------------------------------------
    if re.fullmatch(r"(undo|undo that|go back|back|revert( that)?|previous( one| playlist| version)?|"
                    r"(go )?back to the (previous|last) (one|playlist|version)|that was better|put it back)[.! ]*", t):
        return Plan([call("undo")])
    m = re.match(r"^(start over|start again|reset|clear( it| everything)?|from scratch|new playlist)\b[ ,.:!-]*(with |:)?(.*)$", t)
    if m:
        rest = m.group(4).strip()
        acts = [call("start_over")]
        if len(re.findall(r"\w+", rest)) >= 1:
            acts.append(call("new_playlist", text=raw[len(raw) - len(rest):] if rest else rest))
        return Plan(acts)
    if re.search(r"\b(export|download|save)\b", t) and not re.search(r"\bsave (it )?for later\b", t):
        fmt = next((f for f in ("xspf", "jspf", "csv", "json", "m3u") if f in t), "m3u")
        return Plan([call("export", fmt=fmt)]) if has else need_playlist()
    if re.fullmatch(r"(hi|hello|hey|yo|hiya|help|what can you do\??|\?+|thanks|thank you|ok|okay|cool|nice|great)[.! ]*", t):
        return Plan.ask(f"Tell me what you'd like to hear, and then reshape it by talking: {EXAMPLES}.")

    # --- long-term memory ------------------------------------------------------------------
    m = re.search(r"\b(?:never (?:play|again|want)|block|ban|blocklist|i (?:hate|can'?t stand|despise))\s+(?:to hear\s+)?(.+)$", t)
    if m:
        span = _strip_filler(m.group(1))
        pos = positions(m.group(1), titles) if has and re.search(r"\b(track|song|number|#|\d|one)\b", m.group(1)) else None
        if pos:
            return _positional("block", pos, len(playlist), positions_key="positions")
        if re.fullmatch(r"(this|that|it|this one|that one)", span) and focus:
            return Plan([call("block", positions=[focus])])
        found, unknown = vocab.terms(span)
        if unknown or not (found["artists"] or found["genres"] or found["subgenres"]):
            return Plan.ask(f"Who should I never play? I don't know \"{span}\" as an artist or genre in the catalog.")
        return Plan([call("block", artists=found["artists"], genres=found["genres"] + found["subgenres"])])
    m = re.search(r"\b(i (?:really )?(?:love|like|dig|adore)|love|great pick|keep)\b", t)
    if m and has and not re.search(r"\b(more|also|add|songs like|tracks like)\b", t):
        pos = positions(t, titles)
        if pos is None and re.search(r"\b(this|that|it)\b", t) and focus:
            pos = [focus]
        if pos is None and re.search(r"\b(this|the|it|playlist|all)\b", t) and re.search(r"\bplaylist\b|\b(love|like) (it|this)\b", t):
            return Plan([call("keep_playlist")])
        if pos:
            return _positional("feedback", pos, len(playlist), liked=True)
    if re.search(r"\bskip\b", t) and has:
        pos = positions(t, titles)
        if pos is None and re.search(r"\b(this|that|it)\b", t):
            if not focus:
                return Plan.ask("Which one should I skip? Say \"skip track 3\".")
            pos = [focus]
        if pos:
            return _positional("feedback", pos, len(playlist), liked=False)

    # --- explain ---------------------------------------------------------------------------
    if re.search(r"\bwhy\b|\bexplain\b|\bhow come\b", t):
        if not has:
            return need_playlist()
        pos = positions(t, titles)
        if pos is None and re.search(r"\b(this|that|it)\b", t) and focus:
            pos = [focus]
        if pos is None:
            return Plan.ask(f"Which track do you mean? Say \"why track 4?\" (1-{len(playlist)}).")
        return _positional("explain", pos, len(playlist))

    # --- moving and replacing ----------------------------------------------------------------
    m = re.search(r"\bmove\b(.+?)\b(?:to|at)\s+(?:the\s+)?(top|start|beginning|front|end|bottom|position\s*\d+|#?\d+|\w+ place)\b", t)
    if m and has:
        pos = positions(m.group(1), titles)
        dest = m.group(2)
        to = 1 if dest in ("top", "start", "beginning", "front") else len(playlist) if dest in ("end", "bottom") else None
        if to is None:
            dm = re.search(r"\d+", dest)
            to = int(dm.group(0)) if dm else _ORDINALS.get(dest.split()[0])
        if not pos or len(pos) != 1 or to is None:
            return Plan.ask("Which track should move where? Say \"move track 5 to the top\".")
        if not 1 <= to <= len(playlist):
            return Plan.ask(f"The playlist has {len(playlist)} tracks, so there is no position {to}.")
        return _positional("move", pos, len(playlist), to=to)
    if re.search(r"\b(replace|swap( out)?|change|switch( out)?)\b", t) and has and not _RELATIVE_RE.search(t):
        pos = positions(t, titles)
        if pos is None and re.search(r"\b(this|that|it)\b", t) and focus:
            pos = [focus]
        if pos:
            return _positional("replace", pos, len(playlist))

    # --- removal ---------------------------------------------------------------------------
    rm = re.search(r"\b(remove|drop|delete|cut|lose|ditch|get rid of|take out|kill|kick out|throw out)\b(.*)$", t)
    if rm:
        if not has:
            return need_playlist()
        rest = rm.group(2)
        pos = positions(rest, titles)
        if pos is None and re.search(r"\b(this|that|it)( one)?\b", rest) and focus:
            pos = [focus]
        if pos:
            return _positional("remove", pos, len(playlist))
        span = _strip_filler(re.sub(r"\b(all|every|the|songs? by|tracks? by|anything by)\b", " ", rest))
        found, unknown = vocab.terms(span) if span else ({}, [span])
        if span and not unknown and any(found.values()):
            return Plan([call("exclude", **_nonempty(found))])
        return Plan.ask(f"Which tracks should I remove? Say a number (1-{len(playlist)}), \"the last two\", a title or an artist.")

    # --- length ----------------------------------------------------------------------------
    m = re.search(r"\b(?:an?|one) hour\b|\b(\d+(?:\.\d+)?)\s*(?:hours?|hrs?|h)\b|\b(\d+)\s*(?:minutes?|mins?)\b|\bhalf an hour\b|\bhour and a half\b", t)
    if m and (has or re.search(r"\b(make it|make the playlist|long|length)\b", t)) and re.search(r"\b(make|it|long|length|playlist|only|just|about|around)\b", t):
        if "half an hour" in t:
            minutes = 30.0
        elif "hour and a half" in t:
            minutes = 90.0
        elif m.group(1):
            minutes = float(m.group(1)) * 60
        elif m.group(2):
            minutes = float(m.group(2))
        else:
            minutes = 60.0
        if has:
            return Plan([call("resize", minutes=minutes)])
    m = re.search(r"\b(?:make it|only|just|cut it to|trim it to|keep|i want|give me)\s+(?:the\s+)?(?:top\s+)?" + _NUM + r"\s*(?:tracks?|songs?)\b", t)
    if m and has and not re.search(r"\bmore\b", t):
        return Plan([call("resize", length=_num(m.group(1)))])
    m = re.search(r"\bmake it (\d+)\b$", t)
    if m and has:
        return Plan([call("resize", length=int(m.group(1)))])
    if has and re.search(r"\b(shorter|too long|trim it|cut it down|fewer (tracks|songs))\b", t):
        return Plan([call("resize", factor=0.66 if not _BIT.search(t) else 0.8)])
    if has and re.search(r"\b(longer|too short|extend it|make it bigger)\b", t):
        return Plan([call("more", count=max(5, round(len(playlist) * (0.25 if _BIT.search(t) else 0.5))))])

    # --- relative audio changes --------------------------------------------------------------
    rel = _RELATIVE_RE.findall(t)
    neg = re.search(r"\bless (upbeat|energetic|energy|intense|danceable|acoustic|fast|happy|sad)\b", t)
    stripped = _RELATIVE_RE.sub(" ", t)
    if neg:
        stripped = stripped.replace(neg.group(0), " ")
    # Relative only when nothing else is said: "upbeat latin pop from the 2010s" is a new request.
    only_relative = not [x for x in re.findall(r"[a-z0-9&']+", stripped) if x not in _FILLER]
    if (rel or neg) and has and only_relative:
        amount = _amount(t)
        adj: dict[str, int] = {}
        for phrase in rel:
            for feature, direction in RELATIVE[phrase]:
                adj[feature] = direction
        if neg:
            feature, direction = {"happy": ("valence", -1), "sad": ("valence", 1), "fast": ("tempo", -1),
                                  "danceable": ("danceability", -1), "acoustic": ("acousticness", -1)}.get(
                neg.group(1), ("energy", -1))  # fmt: skip
            adj[feature] = direction
        return Plan([call("adjust", feature=f, direction="up" if d > 0 else "down", amount=amount) for f, d in adj.items()])

    # --- grow ------------------------------------------------------------------------------
    if has and re.search(r"\b(\d+|" + "|".join(_NUMBERS) + r")\s+more\b|\bmore like (these|this|that|them)\b|\badd (some )?more\b|"
                         r"\bkeep (it )?going\b|\bgive me more\b|\bmore (songs|tracks) like\b|\banother \d+\b|^more[.!]*$", t):
        return Plan([call("more", count=_count(t, 10))])

    # --- narrow, exclude, widen --------------------------------------------------------------
    ranges, rest = years_in(t)
    only = re.search(r"\b(only|just|nothing but|exclusively|stick to|keep it to)\b", t)
    excl = re.search(r"\b(?:no more|no|not|without|none of|nothing by|nothing from|less|fewer|stop playing|enough)\b\s+(.+)$", t)
    also = re.search(r"\b(?:also|add|throw in|mix in|include|plus|some more|more|with)\b\s+(.+)$", t)
    if has and (only or excl or also or ranges) and not re.search(r"\bplaylist (of|for|with)\b", t):
        acts: list[dict[str, Any]] = []
        if ranges and not excl:
            # Years alone narrow ("from the 90s"); years with other words are a new request.
            if only or not [x for x in re.findall(r"[a-z0-9&']+", rest) if x not in _FILLER | {"from", "in", "of", "only", "just", "stuff"}]:
                years = _intersect(ranges)
                if years is None:
                    return Plan.ask("Those years contradict each other; which do you want?")
                acts.append(call("narrow", year_start=years[0], year_end=years[1]))
        if excl:
            span = _strip_filler(excl.group(1))
            found, unknown = vocab.terms(span) if span else ({}, [span])
            if unknown or not any(found.values()):
                return Plan.ask(f"I don't know \"{span}\" as an artist, genre or mood in the catalog; who or what should go?")
            acts.append(call("exclude", **_nonempty(found)))
        elif only:
            span = _strip_filler(re.sub(r"^.*?\b(only|just|nothing but|exclusively|stick to|keep it to)\b", " ", rest))
            span = re.sub(r"\b(from|by|the|songs?|tracks?|music|stuff|in|old|new|ones?)\b", " ", span).strip()
            span = " ".join(span.split())
            if span:
                found, unknown = vocab.terms(span)
                if unknown and not acts:
                    return Plan.ask(f"Only what? I don't know \"{span}\" as an artist, genre or mood in the catalog.")
                if any(found.values()):
                    acts.append(call("narrow", **_nonempty(found)))
        elif also and not acts:
            span = _strip_filler(also.group(1))
            found, unknown = vocab.terms(span) if span else ({}, [span])
            if unknown or not any(found.values()):
                return Plan.ask(f"Add what? I don't know \"{span}\" as an artist, genre or mood in the catalog.")
            acts.append(call("widen", **_nonempty(found)))
        if acts:
            narrows = [a for a in acts if a["name"] == "narrow"]
            if len(narrows) > 1:  # "only 90s rap": one narrowing, one refill
                merged = call("narrow", **{k: v for a in narrows for k, v in a["args"].items()})
                acts = [merged] + [a for a in acts if a["name"] != "narrow"]
            return Plan(acts)

    # --- a bare reference to a track: out of range is refused, in range asks what to do --------
    m = re.search(r"\b(?:track|song|number|no\.?|#)\s*#?(\d+)\b", t)
    if has and m:
        k = int(m.group(1))
        if not 1 <= k <= len(playlist):
            return Plan.ask(f"There is no track {k}: the playlist has {len(playlist)} tracks (1-{len(playlist)}). Nothing changed.")
        return Plan.ask(f"What should I do with track {k}? You can say \"drop track {k}\", \"replace track {k}\", "
                        f"\"why track {k}?\" or \"I love track {k}\".")

    # --- a new request, or a question --------------------------------------------------------
    words = re.findall(r"[a-z0-9&']+", t)
    if len(words) >= 2 or vocab.term(t) or ranges:
        return Plan([call("new_playlist", text=raw.strip())])
    if has:
        return Plan.ask(f"I'm not sure what to change. You can say things like {EXAMPLES}.")
    return Plan.ask(f"Tell me a bit more about what you'd like to hear, for example {EXAMPLES}.")


def _nonempty(found: dict[str, list[str]]) -> dict[str, list[str]]:
    return {k: v for k, v in found.items() if v}


def _positional(name: str, pos: list[int], n: int, positions_key: str = "positions", **extra: Any) -> Plan:
    """A tool call on positions, or a clear refusal when one is out of range."""
    bad = [p for p in pos if not 1 <= p <= n]
    if bad:
        which = ", ".join(str(b) for b in bad)
        return Plan.ask(f"There is no track {which}: the playlist has {n} tracks (1-{n}). Nothing changed.")
    if name in ("explain", "move"):
        if len(pos) != 1 and name == "move":
            return Plan.ask("Which single track should move? Say \"move track 5 to the top\".")
        return Plan([call(name, position=pos[0], **extra)] if name == "move" else [call("explain", position=p) for p in pos])
    if name == "replace":
        return Plan([call("replace", positions=pos)])
    return Plan([call(name, **{positions_key: pos}, **extra)])
