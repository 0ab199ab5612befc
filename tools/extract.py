"""Stage 1, offline: free text -> a typed :class:`PlaylistQuery`.

Explicit tags come from the vocabulary (:mod:`tools.vocab`), regular expressions for years,
lengths and tempo, and the catalog's artist names. Implicit moods and activities come from the
similarity between the request's sentence embedding and a few context descriptions per label,
with a threshold so that nothing is inferred from nothing. Negation ("no rap", "without Drake",
"anything but rock", "not too fast") turns a tag into an exclusion or flips a direction.

Usage::

    extractor = TagExtractor(catalog, encoder)
    query = extractor.extract("chill 90s hip hop for a rainy afternoon, no Eminem")
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING, Callable

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import OSA  # edit distance where a swap of two letters counts once

from tools import vocab
from tools.catalog import Catalog, fold
from tools.schema import FEATURE_RANGE, MAX_LENGTH, FeatureBound, PlaylistQuery, Tag, YearRange

if TYPE_CHECKING:
    from pathlib import Path

    from tools.embed import Encoder

log = logging.getLogger(__name__)

IMPLICIT_THRESHOLD = (
    0.55  # cosine similarity to a context description needed to infer a label (odd-id half of evals/queries/tags.jsonl)
)
IMPLICIT_MARGIN = 0.12  # only labels this close to the best one: "late night drive" is driving, not party
IMPLICIT_MAX_MOODS = 2
IMPLICIT_MAX_ACTIVITIES = 1
MAX_NGRAM = 6
ALONE_MIN_TRACKS = 20  # a one-word name that is also a word ("drake", "queen") is the artist when said alone
ALIAS_MIN_TRACKS = 3  # an artist called by part of their name is one people know: a few tracks at least
SEED_GENRE_CONFIDENCE = 0.8  # a seed song's genre label, which most of its artist's tracks share: a filter
SEED_LABEL_LEAN = 0.4  # one its artist's other tracks do not share: below FILTER_CONFIDENCE, scored, never a filter
SEED_FEATURES = ("energy", "valence", "danceability", "tempo", "acousticness")  # a seed song's sound, as targets
SIMILAR_CONFIDENCE = 0.3  # an artist asked for by likeness (scope "like"): below FILTER_CONFIDENCE, never a filter
MAX_TITLE = 8  # words of a song title read before "by <artist>"
MAX_FUZZY_WORDS = 8  # typo look-ups per request, so a pasted essay stays fast

_DIGITS = re.compile(r"^\d+$")
_Tok = vocab.Token
tokenize = vocab.tokenize
_key = vocab.key


@dataclass(slots=True)
class Match:
    """One thing the text names: its kind, its value, the token span and whether a negation governs it."""

    kind: str  # genre, mood, activity, artist, feature, popularity, relative_years, years, length, duration, ...
    value: object
    start: int  # token span [start, end)
    end: int
    explicit: bool = True
    confidence: float = 1.0
    negated: bool = False
    cue: str = ""  # the negation cue that governs it ("no", "less", "without"), when negated

    @property
    def length(self) -> int:
        return self.end - self.start


_Match = Match


@dataclass(slots=True)
class Reading:
    """A text as the language layer reads it: its tokens, what they name, and the typed query; ``contexts`` are
    the phrases of situation it names ("a rainy afternoon", "friday night"), which suggest tags without naming
    them (only a first request infers from them: :meth:`TagExtractor.extract`)."""

    text: str
    tokens: list[vocab.Token]
    matches: list[Match]
    query: PlaylistQuery
    contexts: list[Match] = field(default_factory=list)


_PHRASES = vocab.PHRASES
_NEGATION = {_key(c) for c in vocab.NEGATION_CUES}
_NEGATION_WIDTH = max(len(k) for k in _NEGATION)
_NUMBER_WORDS = {_key(k): v for k, v in vocab.NUMBER_WORDS.items()}


@lru_cache(maxsize=4)
def _prototype_matrix(encoder: "Encoder", folder: Path | None = None) -> tuple[list[str], np.ndarray]:
    """Labels and the (n_prototypes, 384) matrix of their context descriptions: one batch encode, cached (in
    ``folder`` too, when given: tools.embed.fixed_vectors)."""
    from tools.embed import fixed_vectors

    labels, texts = [], []
    for label, phrases in vocab.PROTOTYPES.items():
        for p in phrases:
            labels.append(label)
            texts.append(p)
    return labels, fixed_vectors(encoder, texts, folder)


class TagExtractor:
    """Offline extraction of a :class:`PlaylistQuery` from text, against one catalog's vocabulary."""

    def __init__(self, catalog: Catalog, encoder: "Encoder | None" = None, vectors_folder: Path | None = None):
        """``vectors_folder``: where the prototypes' vectors are kept between processes (none: encoded here)."""
        self.catalog = catalog
        self.encoder = encoder
        self.genres = set(catalog.genres)
        self.subgenres = set(catalog.subgenres)
        years = catalog.years[catalog.years > 0]
        self.max_year = int(years.max()) if len(years) else 2020
        self.min_year = int(years.min()) if len(years) else 1950
        self.thresholds = catalog.thresholds
        self._build_artists()
        self._dictionary = vocab.dictionary_words()
        # catalog names with a word the German reader would read ("Eli & Fur", "Zum Zum", "Die Atzen"): kept as said
        names = {*catalog.artists, *(re.split(r" - | \(", t.title)[0] for t in catalog.tracks)}
        self.german_names = frozenset(
            tuple(vocab._german_key(w) for w in vocab._GERMAN_WORD.findall(n)) for n in names if vocab.german_named(n)
        )
        self._known = vocab.known_words() | _CONTEXT_WORDS  # "noche" is night, no typo of "niche"
        self._vocab_words = {k[0]: k for k in _PHRASES if len(k) == 1 and len(k[0]) >= 5 and k[0].isalpha()}
        self._vocab_list = list(self._vocab_words)
        # two-word genres and moods as written ("hip hop", "classic rock"), for typos of one of the two words
        self._pair_words = {" ".join(k): k for k in _PHRASES if len(k) == 2 and all(w.isalpha() for w in k)}
        self._pair_list = list(self._pair_words)
        self._labels: list[str] = []
        self._protos: np.ndarray | None = None
        if encoder is not None:
            self._labels, self._protos = _prototype_matrix(encoder, vectors_folder)

    # ----- artists -------------------------------------------------------------------------------
    def _build_artists(self) -> None:
        """Artist names by token key: exact keys, "the"-less and squashed aliases, and a fuzzy list by length."""
        self.artist_keys: dict[tuple[str, ...], tuple[str, int]] = {}
        spelling: dict[str, str] = {}
        for t in self.catalog.tracks:
            spelling.setdefault(fold(t.artist), t.artist)

        def put(key: tuple[str, ...], name: str, count: int) -> None:
            if key and len(key) <= MAX_NGRAM and (key not in self.artist_keys or self.artist_keys[key][1] < count):
                self.artist_keys[key] = (name, count)

        for folded, rows in self.catalog.by_artist.items():
            if not folded:
                continue
            name, count = spelling.get(folded, folded), len(rows)
            for key in _name_keys(_key(name)):
                put(key, name, count)
        # A rare first word that starts one artist's name only ("anuel" for Anuel AA) names them when cued
        # or capitalised: people shorten the names they know.
        dictionary = vocab.dictionary_words()
        firsts: dict[str, list[tuple[str, int]]] = {}
        for key, (name, count) in list(self.artist_keys.items()):
            w = key[0]
            plain = w in dictionary or w in vocab.COMMON_WORDS or w in _CONTEXT_WORDS  # "lluvia" is rain, not a name
            plain = plain or (w,) in _NEGATION  # "nada de reggaeton" refuses reggaeton: no Nada Surf
            if len(key) >= 2 and len(w) >= 4 and w.isalpha() and not plain:
                firsts.setdefault(w, []).append((name, count))
        self._alias_keys = set()
        for w, names in firsts.items():
            if len({n for n, _ in names}) == 1 and (w,) not in self.artist_keys and (w,) not in _PHRASES:
                self.artist_keys[(w,)] = names[0]
                self._alias_keys.add((w,))
        self._surname_aliases(dictionary)
        self._add_name_parts(spelling, dictionary)
        # by length, only artists with a few tracks: people mistype the artists they know
        self._fuzzy: dict[int, dict[str, tuple[str, int]]] = {}
        for key, (name, count) in self.artist_keys.items():
            s = " ".join(key)
            if len(s) >= 5 and count >= 3 and key not in self._alias_keys:
                self._fuzzy.setdefault(len(s), {})[s] = (name, count)
        self._fuzzy_lists = {n: list(c) for n, c in self._fuzzy.items()}

    def _add_name_parts(self, spelling: dict[str, str], dictionary: frozenset[str]) -> None:
        """People also call an artist by part of the name ("chili peppers", "the stones"), by initials ("rhcp",
        "ccr") or by a nickname ("biggie", "weezy"): each part that names one artist only is an alias too (a cue, a
        capital or a list needed); a nickname of five letters or more that is no word stands alone."""
        parts: dict[tuple[str, ...], set[str]] = {}
        best: dict[str, int] = {}
        self._nicknames: set[tuple[str, ...]] = set()  # what fans call an artist: a name wherever it stands
        for folded, rows in self.catalog.by_artist.items():
            name = spelling.get(folded, folded)
            key = _key(name)
            best[name] = len(rows)
            words = [w for w in key if w.isalnum()]
            if len(words) < 2 or len(rows) < ALIAS_MIN_TRACKS:
                continue
            for part in _name_parts(words):
                parts.setdefault(part, set()).add(name)
        for part, names in parts.items():
            if len(names) != 1 or part in self.artist_keys or part in _PHRASES:
                continue
            if len(part) == 1 and (part[0] in dictionary or part[0] in vocab.COMMON_WORDS):
                continue
            if all(w in vocab.STOPWORDS or w in vocab.COMMON_WORDS or w in _VOCAB_WORDS for w in part if w != "the"):
                continue
            name = next(iter(names))
            self.artist_keys[part] = (name, best[name])
            self._alias_keys.add(part)
        for nick, name in vocab.ARTIST_NICKNAMES.items():
            key = _key(nick)
            if name not in best or key in _PHRASES or (key in self.artist_keys and key not in self._alias_keys):
                continue
            self.artist_keys[key] = (name, best[name])
            if len(nick) >= 5 and not (len(key) == 1 and key[0] in dictionary):
                self._alias_keys.discard(key)
                self._nicknames.add(key)
            else:
                self._alias_keys.add(key)

    def _surname_aliases(self, dictionary: frozenset[str]) -> None:
        """A rare last word of one known artist's name ("springsteen", "zeppelin") names them as a rare first word
        does: people call artists by their surname; a word two artists end with ("floyd") names neither."""
        lasts: dict[str, dict[str, int]] = {}
        for key, (name, count) in list(self.artist_keys.items()):
            w = key[-1]
            if len(key) >= 2 and len(w) >= 5 and w.isalpha() and w not in dictionary and w not in vocab.COMMON_WORDS:
                lasts.setdefault(w, {})[name] = count
        for w, names in lasts.items():
            (name, count), *others = names.items()
            # a surname, not a band's noun: "The Smashing Pumpkins", "Arctic Monkeys" are not called "pumpkins"
            noun = _key(name)[0] == "the" or (w.endswith("s") and (w[:-1] in dictionary or w[:-2] in dictionary))
            if not others and count >= 5 and not noun and (w,) not in self.artist_keys and (w,) not in _PHRASES:
                self.artist_keys[(w,)] = (name, count)
                self._alias_keys.add((w,))

    def _listed_before(self, toks: list[_Tok], j: int) -> bool:
        """Whether tokens from ``j`` are a list word and then a full artist's name ("kendrick and j cole", "drake and
        some future")."""
        if j + 1 >= len(toks) or toks[j].text not in _LIST_WORDS:
            return False
        a = j + 1 + (toks[j + 1].text in vocab.ARTIST_CUES and toks[j + 1].text not in _LIST_WORDS)
        keys = (tuple(t.text for t in toks[a : a + w]) for w in range(4, 0, -1))
        return any(k in self.artist_keys and k not in self._alias_keys and len(" ".join(k)) >= 4 for k in keys)

    def _name_ends(self, toks: list[_Tok], k: int) -> bool:
        """Whether a catalog artist's name ends just before token ``k``: four letters or more, three tracks or more,
        and not everyday words alone ("the past and future" lists no names)."""
        keys = (tuple(t.text for t in toks[s:k]) for s in range(max(0, k - 4), k))
        return any(
            key in self.artist_keys
            and len(" ".join(key)) >= 4
            and self.artist_keys[key][1] >= 3
            and not all(w in vocab.COMMON_WORDS or w in vocab.STOPWORDS or w in _VOCAB_WORDS for w in key)
            for key in keys
        )

    def _artist_signal(self, toks: list[_Tok], i: int, j: int, key: tuple[str, ...], count: int, titled: bool) -> float:
        """How sure we are that tokens [i, j) name this artist; 0 means not at all."""
        # "i don't like the ones from the 80s": which tracks, not the band The Ones
        if (
            all(k in vocab.STOPWORDS for k in key)
            or len("".join(key)) < 2
            or _on_route(toks, i, j)
            or _ones_that(toks, i, j, key)
        ):
            return 0.0
        # "something like her", "like... idk": a pronoun, shorthand; "H.E.R.", "HIM", "IDK" are names, and shorthand
        # written as a name past the message's first word ("more Yall") is one too
        orig = toks[i].orig
        named = orig.isupper() or (key[0] in vocab.TEXTING and i > 0 and orig[:1].isupper())
        if len(key) == 1 and (key[0] in vocab.ARTIST_PRONOUNS or key[0] in vocab.TEXTING) and not named:
            return 0.0
        if key in self._alias_keys:  # a shortened name needs a cue, a capital, or a name listed before it
            prev = toks[i - 1].text if i > 0 else ""
            listed = prev in _LIST_WORDS and any(
                tuple(t.text for t in toks[k : i - 1]) in self.artist_keys for k in range(max(0, i - 5), i - 1)
            )  # "without drake or kanye"
            listed = listed or self._listed_before(toks, j)  # "kendrick and j cole"
            cued = prev in vocab.ARTIST_CUES or _cue_after(toks, j, _SIMILAR_AFTER) is not None  # "kendrick vibes"
            return 0.8 if cued or listed or (toks[i].orig[:1].isupper() and not titled) else 0.0
        prev = toks[i - 1].text if i > 0 and not (toks[i - 1].used and toks[i - 1].text in vocab.ARTIST_NOUNS) else ""
        prev2 = toks[i - 2].text if i > 1 else ""  # ("the same artist twice": "artist" is the cap's, no cue)
        strong = prev in vocab.STRONG_ARTIST_CUES or (prev in ("to", "as") and prev2 in ("similar", "same"))
        strong = strong or key in self._nicknames  # "the stones", "biggie smalls": what fans call them
        after = j + (j < len(toks) and toks[j].text in vocab.ARTIST_WORK_ARTICLES)  # "Queen - La Discografia Completa"
        strong = strong or any(tuple(t.text for t in toks[after : after + w]) in vocab.ARTIST_WORKS for w in (1, 2))
        # "drake type beat", "kendrick vibes", "sza-esque": a taste cue after the name counts as one before it
        weak = prev in vocab.ARTIST_CUES or _cue_after(toks, j, _SIMILAR_AFTER) is not None
        # "skip the eagles": a name written with "the" it lacks, after a cue
        weak = weak or (prev == "the" and key[0] != "the" and prev2 in vocab.ARTIST_CUES)
        weak = weak or _negation_before(toks, i)  # "anything but drake", "not a fan of future"
        common = [k in self._dictionary or k in vocab.COMMON_WORDS or k in vocab.STOPWORDS for k in key]
        everyday = [
            k in vocab.COMMON_WORDS or k in vocab.STOPWORDS or k in _NEG_WORDS or k in _VOCAB_WORDS for k in key
        ]
        capitalised = all(t.orig[:1].isupper() for t in toks[i:j]) and not titled
        if strong:
            return 0.95
        if len(key) >= 2:
            # "Norah Jones" and "bad bunny" are names; "nothing more" and "all time low" are phrases first
            if all(everyday):
                return 0.9 if capitalised else 0.0
            if not all(common):
                return 0.95
            if capitalised:
                return 0.9
            if key[0] not in vocab.STOPWORDS and count >= 3:
                return 0.8
            return 0.7 if weak else 0.0
        word = key[0]
        if len(word) < 3 and not (capitalised or weak):
            return 0.0
        if not common[0] and (count >= 3 or capitalised or weak):
            return 0.9  # a rare word: "avicii"; an artist with one track needs more than that ("Trap Rewind")
        if everyday[0]:
            return self._everyday_name(toks, i, j, count, prev, capitalised)
        if capitalised:
            return 0.85
        if weak and count >= 3:
            return 0.7
        return self._word_name(toks, i, j, count, prev)

    def _everyday_name(self, toks: list[_Tok], i: int, j: int, count: int, prev: str, capitalised: bool) -> float:
        """How sure we are that the everyday word at [i, j) ("future", "game") names an artist."""
        # "without Drake or Future": a capitalised everyday word listed after a capitalised name is a name too
        listed = prev in _LIST_WORDS and i > 1 and toks[i - 2].orig[:1].isupper()
        # "future type beat": a well-known name before a taste cue
        typed = count >= ALONE_MIN_TRACKS and _cue_after(toks, j, _TYPE_BEAT) is not None
        # "no drake no future", "drake or future", "some prince and some future": a well-known name listed after
        # another name, the list's cue said again or not
        k = i - 1 - (prev in vocab.ARTIST_CUES and prev not in _AND_WORDS and prev not in _NEG_WORDS)
        lister = toks[k].text if k >= 0 else ""
        paired = (
            count >= ALONE_MIN_TRACKS and (lister in _AND_WORDS or lister in _NEG_WORDS) and self._name_ends(toks, k)
        )
        return 0.8 if capitalised and listed or typed or paired else 0.0

    def _word_name(self, toks: list[_Tok], i: int, j: int, count: int, prev: str) -> float:
        """How sure we are that the uncued, lowercase dictionary word at [i, j) ("drake", "logic") names an artist."""
        if prev in _NOUN_LEADS and not (j < len(toks) and toks[j].text in vocab.MUSIC_NOUNS | vocab.TRACK_NOUNS):
            return 0.0  # "songs for a queen", "for my prince": the noun; "a queen song" is still the band's
        listed = prev in _AND_WORDS and self._name_ends(toks, i - 1) or self._listed_before(toks, j)
        if listed and count >= 3:
            return 0.7  # "logic and j cole", "j cole and logic": a name among names
        # "workout mix with drake": a well-known name that ends the message after "with" is the name
        closing = prev in ("with", "plus", "con") and all(t.text in _ALONE_WORDS for t in toks[j:])
        alone = _alone(toks, i, j) or _heads(toks, i, j) or closing
        return 0.8 if count >= ALONE_MIN_TRACKS and alone else 0.0

    def fuzzy_artist(self, text: str, min_len: int = 6) -> tuple[str, int, float] | None:
        """The catalog artist within a small edit distance of ``text`` (a typo), most tracks first; names
        shorter than ``min_len`` are too easily another word (a cue like "by" lowers it)."""
        n = len(text)
        if n < min_len:
            return None
        max_d = 1 if n < 10 else 2
        best: tuple[int, int, str] | None = None
        for length in range(n - max_d, n + max_d + 1):
            choices = self._fuzzy.get(length)
            if not choices:
                continue
            for cand, d, _ in process.extract(
                text, self._fuzzy_lists[length], scorer=OSA.distance, score_cutoff=max_d, limit=5
            ):
                name, count = choices[cand]
                if cand[0] != text[0]:  # typos keep the first letter
                    continue
                if cand in self._dictionary and min_len >= 6:  # "chicano" is a word, not a typo of "Chicago" (uncued)
                    continue
                if best is None or (d, -count) < (best[0], -best[1]):
                    best = (int(d), count, name)
        if best is None:
            return None
        return best[2], best[1], 0.8 if best[0] == 1 else 0.7

    # ----- the pass --------------------------------------------------------------------------------
    def extract(self, text: str, query_vector: np.ndarray | Callable[[], np.ndarray] | None = None) -> PlaylistQuery:
        """The typed query for ``text``; ``query_vector`` (its embedding, or a function giving it, called only when
        the text is compared with the prototypes) saves one encode when given."""
        reading = self.read(text)
        query = reading.query
        cued = _context_tags(query, reading)
        self._sound_tags(query, reading)
        # "no heartbreak songs": what a refused situation suggests is never guessed back from its words
        refused = frozenset(m for c in reading.contexts if c.negated for m in c.value[0])  # type: ignore[index]
        if self._protos is not None and query.free_text:
            before = (len(query.moods), len(query.activities))
            self._implicit(query, query.text, query_vector, cued, refused)
            if (len(query.moods), len(query.activities)) == before and query.exclude_moods:
                # "rainy day vibes, nothing too sad": the excluded mood's words pull the whole text toward it;
                # the words left over say what is wanted
                self._implicit(query, query.free_text, None, cued, refused)
        if log.isEnabledFor(logging.DEBUG):
            log.debug("extracted %r -> %s", query.text[:80], query.describe())
        return query

    def _sound_tags(self, query: PlaylistQuery, reading: Reading) -> None:
        """What a style ("lofi": vocab.STYLE_MOODS) or a state ("angry": vocab.CONTEXT_SOUNDS) says of the sound
        beyond its mood, as inferred tags: moods the query neither holds, refuses nor opposes, and soft bounds on
        features it bounds nowhere. A refused word ("but not lofi") adds nothing."""
        texts = [t.text for t in reading.tokens]
        refused = {t.value for t in query.exclude_moods}
        styles = vocab.STYLE_MOODS.keys() | vocab.STYLE_BOUNDS.keys()
        said_mood = any(t.filters for t in query.moods)  # "sad emo rock": the mood said rules the sound
        for i in range(len(texts)):
            style = next((k for w in (2, 1) if (k := " ".join(texts[i : i + w])) in styles), None)
            if style is None or _negated_at(texts, i):
                continue
            for mood in vocab.STYLE_MOODS.get(style, ()):
                if mood not in {t.value for t in query.moods} and mood not in refused and not _opposed(mood, query):
                    query.moods.append(Tag(value=mood, explicit=False, confidence=CONTEXT_CONFIDENCE, source=style))
            for feat, lo, hi in vocab.STYLE_BOUNDS.get(style, ()):
                if query.feature(feat) is None and not said_mood:
                    bound = FeatureBound(feature=feat, min=lo, max=hi, explicit=False, confidence=CONTEXT_CONFIDENCE)
                    query.features.append(bound.model_copy(update={"source": style}))
        for c in reading.contexts:
            key = " ".join(texts[c.start : c.end])
            for feat, way in vocab.CONTEXT_SOUNDS.get(key, ()) if not c.negated else ():
                happy = feat == "valence" and any(t.value == "happy" for t in query.moods)
                fb = self.feature_bound(Match("feature", (feat, way), c.start, c.end))
                if fb is not None and query.feature(feat) is None and not happy:
                    update = {"explicit": False, "confidence": CONTEXT_CONFIDENCE, "source": key}
                    query.features.append(fb.model_copy(update=update))

    def read(self, text: str) -> Reading:
        """The explicit reading of ``text``: tokens, matches (with negation and its cue) and the query,
        nothing inferred. The conversation's intent rules read follow-ups through this too."""
        text = vocab.rephrased(vocab.bpm_ranges(vocab.from_basics((text or "")[:2000], self.german_names)))
        toks = vocab.spoken_years(text, tokenize(text))
        words = [t for t in toks if t.orig[:1].isalpha()]
        titled = len(words) >= 2 and sum(t.orig[:1].isupper() for t in words) >= 0.7 * len(words)
        unsupported: list[str] = []
        matches: list[Match] = []
        _slang_hedges(toks)
        _diminutives(toks)
        self._artist_cap(toks, matches)
        self._numbers(toks, matches, unsupported)
        _aside_counts(text, toks, matches)
        self._seed_songs(toks, matches)
        self._phrases_and_artists(toks, matches, titled)
        titles = self._song_titles(toks, matches)
        self._names_running_on(toks, matches)
        _artist_counts(toks, matches)
        self._context_typos(toks)
        self._fuzzy_pass(toks, matches)
        self._cued_names(text, toks, matches, unsupported)
        self._listed_names(text, toks, matches, unsupported)
        contexts = _contexts(toks, matches, titles)
        _corrections(toks, matches)
        self._negate(toks, matches)
        _inferred(toks, matches)
        query = self._assemble(text, toks, matches, unsupported)
        return Reading(text, toks, matches, query, contexts)

    def _numbers(self, toks: list[_Tok], out: list[_Match], unsupported: list[str]) -> None:
        """Years, decades, lengths, durations and BPM: the forms regular expressions read best. Each reader
        looks at position ``i``; the first that reads something there says where to go on."""
        texts = [t.text for t in toks]
        readers = (self._year_span, self._decade, self._single_year, self._years_back, _short_duration, _counted)
        i = 0
        while i < len(toks):
            if toks[i].used or self._ends_a_name(texts, i):
                i += 1
                continue
            for reader in readers:
                j = reader(toks, texts, i, out, unsupported)
                if j is not None:
                    i = j
                    break
            else:
                i += 1

    def _ends_a_name(self, texts: list[str], i: int) -> bool:
        """Whether the number at ``i`` ends an artist's name whose other words are no everyday words ("maroon 5
        songs", "eiffel 65 songs"): the name's, not a count ("take 6 songs out", "the last 60" stay counts)."""
        if not texts[i].isdigit():
            return False
        for s in range(max(0, i - MAX_NGRAM + 1), i):
            words = texts[s:i]
            if tuple(texts[s : i + 1]) in self.artist_keys and not any(
                w in self._dictionary or w in vocab.COMMON_WORDS or w in vocab.STOPWORDS or w.isdigit() for w in words
            ):
                return True
        return False

    @staticmethod
    def _year_span(toks: list[_Tok], texts: list[str], i: int, out: list[_Match], unsupported: list[str]) -> int | None:
        """ "2015-2018", "2015 to 2018", "between 2015 and 2018", "2015-18", "2001 thru 2004", "del 2001 al 2004"."""
        y, n = _year(texts[i]), len(texts)
        if y is None or i + 2 >= n or texts[i + 1] not in _SPAN_JOINERS:
            return None
        y2 = _year(texts[i + 2]) or (_two_digit(texts[i + 2], y) if texts[i + 1] == "-" else None)
        if y2 is None:
            return None
        lo, hi = sorted((y, y2))
        start = i - 1 if i and texts[i - 1] in ("between", "from", "entre", "de", "del", "desde") else i
        out.append(_Match("years", (lo, hi), start, i + 3))
        _mark(toks, start, i + 3)
        return i + 3

    def _decade(
        self, toks: list[_Tok], texts: list[str], i: int, out: list[_Match], unsupported: list[str]
    ) -> int | None:
        """Decades, written every way, with early/mid/late and after/before: "late 90s", "after the 80s"."""
        dec, width = self._decade_at(texts, i)
        if dec is None:
            return None
        end = i + width
        if _an_age(texts, i):  # "we're mostly late 20s": the listeners' age, no years of music
            _mark(toks, i - (i > 0 and texts[i - 1] in ("early", "mid", "late")), end)
            return end
        lo, hi, start = dec, dec + 9, i
        prev = texts[i - 1] if i else ""
        if prev in ("early", "mid", "late") and not toks[i - 1].used:
            lo, hi = {"early": (dec, dec + 3), "mid": (dec + 3, dec + 6), "late": (dec + 6, dec + 9)}[prev]
            start = i - 1
        while start and texts[start - 1] in vocab.DECADE_ARTICLES and not toks[start - 1].used:
            start -= 1  # "after the 90s", "de los 90"
        mode = texts[start - 1] if start else ""
        mode2 = " ".join(texts[start - 2 : start]) if start >= 2 and not toks[start - 2].used else ""
        if mode in ("after", "since", "post", "past") and not toks[start - 1].used:
            lo, hi, start = (hi + 1 if mode != "since" else lo), None, start - 1
        elif mode in ("before", "pre", "until", "till") and not toks[start - 1].used:
            lo, hi, start = None, lo - 1, start - 1
        elif mode2 in _DECADE_AFTER or mode2 in _DECADE_BEFORE:  # "newer than the 90s", "older than the 2000s"
            lo, hi = (hi + 1, None) if mode2 in _DECADE_AFTER else (None, lo - 1)
            start -= 2
        out.append(_Match("years", (lo, hi), start, end))
        _mark(toks, start, end)
        return end

    def _single_year(
        self, toks: list[_Tok], texts: list[str], i: int, out: list[_Match], unsupported: list[str]
    ) -> int | None:
        """ "after 2010", "before 2000", "since 2015", "2017 or later", "from 2012 on", single years."""
        y = _year(texts[i])
        if y is None:  # "no 2020 songs", "1999 songs": a year before a count noun too (no playlist holds that many)
            return None
        prev = texts[i - 1] if i else ""
        if prev == "the" and ("the", texts[i]) in self.artist_keys:
            return None  # "something like the 1975": a band, not a year
        rng, start, end = _year_range(texts, i, y)
        # A bare year is how playlists are titled ("2016 summer hits"): the songs of that year.
        # Said with a cue ("from 2015", "in 2015") it is a filter; bare it is one too (retrieval
        # widens it by a year or two when the catalog has too few, and says so), less surely. The
        # catalog's last year is partial (the data ends in it): "Reggaeton 2020" means the songs of
        # now, many from the year before, so there a bare year is a preference, nearest first.
        cued = start < i or end > i + 1 or prev in _YEAR_CUES
        firm = cued or y < self.max_year
        out.append(_Match("years", rng, start, end, explicit=firm, confidence=1.0 if cued else 0.7))
        _mark(toks, start, end)
        return end

    def _years_back(
        self, toks: list[_Tok], texts: list[str], i: int, out: list[_Match], unsupported: list[str]
    ) -> int | None:
        """ "the last 5 years", "past decade", "ultimos 10 anos": the years up to the catalog's last, counted back."""
        if texts[i] not in _BACK_WORDS:
            return None
        k = i + 1
        n = _number(texts, k) if k < len(texts) else None
        k += _number_width(texts, k) if n is not None else 0
        unit = texts[k] if k < len(texts) else ""
        years = {"decade": 10, "decades": 10, "decada": 10, "decadas": 10}.get(unit, 1 if unit in _YEAR_UNITS else 0)
        if not years or (n is None and unit not in ("year", "decade", "decada", "ano")):
            return None
        back = int((n or 1) * years)
        start = i - 1 if i and texts[i - 1] in ("the", "los", "las") else i
        # "the last couple years", "past few years": a vague count names no year, inferred like "recent"
        vague = i + 1 < len(texts) and texts[i + 1] in _VAGUE_COUNTS
        out.append(_Match("years", (self.max_year - back, None), start, k + 1, explicit=not vague,
                          confidence=0.8 if vague else 1.0))  # fmt: skip
        _mark(toks, start, k + 1)
        return k + 1

    @staticmethod
    def _decade_at(texts: list[str], i: int) -> tuple[int | None, int]:
        """(decade, tokens it spans) for a decade written at ``texts[i]``: "90s", "nineties", "ninetys",
        "nineteen nineties", "twenty tens", or after an article "los 90", "los ochenta", "los 2000"."""
        for width in (3, 2):
            words = " ".join(texts[i : i + width])
            if len(texts) >= i + width and words in vocab.DECADE_WORDS:
                if words not in vocab.SPANISH_DECADES or (i and texts[i - 1] in vocab.DECADE_ARTICLES):
                    return vocab.DECADE_WORDS[words], width
        t = texts[i]
        dec = vocab.decade_of(t)
        if dec is not None:
            return dec, 1
        after_article = i > 0 and texts[i - 1] in ("los", "anos", "decada")
        if after_article and t in vocab.SPANISH_DECADES:
            return vocab.DECADE_WORDS[t], 1
        if after_article and re.fullmatch(r"[0-9]0", t):  # "los 90", "los 80"
            return (2000 if t in ("00", "10", "20") else 1900) + int(t), 1
        if after_article and re.fullmatch(r"(19|20)[0-9]0", t):  # "los 2000", "los 1990"
            return int(t), 1
        # "from the 90 years", "in the years 80": the decade as French, Spanish, Italian or German say it in English
        nxt = texts[i + 1] if i + 1 < len(texts) else ""
        if i and texts[i - 1] == "the" and re.fullmatch(r"[5-9]0", t) and nxt == "years":
            return 1900 + int(t), 2
        if i and texts[i - 1] == "the" and t == "years" and re.fullmatch(r"[5-9]0", nxt):
            return 1900 + int(nxt), 2
        nxt = texts[i + 1] if i + 1 < len(texts) else ""
        counted = (
            nxt in vocab.TRACK_LENGTH_NOUNS
            or nxt in vocab.TIME_UNITS
            or nxt in ("bpm", "percent", "%")
            or nxt.isdigit()
        )
        if not counted and t in ("60", "70", "80", "90") and i and texts[i - 1] in vocab.GENRE_PHRASES:
            return 1900 + int(t), 1  # "rock 80. no queen": a genre's decade said tersely; a count has its noun
        return None, 1

    def _phrases_and_artists(self, toks: list[_Tok], out: list[_Match], titled: bool) -> None:
        """Vocabulary phrases and artist names, longest first; vocabulary wins ties ("Chill" the word)."""
        cands: list[tuple[int, int, int, list[_Match]]] = []  # (-length, priority, start, matches)
        n = len(toks)
        for i in range(n):
            if toks[i].used:
                continue
            for j in range(min(n, i + MAX_NGRAM), i, -1):
                if any(t.used for t in toks[i:j]):
                    continue
                key = tuple(t.text for t in toks[i:j])
                meanings = _PHRASES.get(key)
                if meanings and not _everyday_noun(toks, i, j):
                    cands.append((-(j - i), 0, i, [_Match(k, v, i, j) for k, v in meanings]))
                hit = self.artist_keys.get(key)
                owner = None if hit else self._possessive(toks, i, j, key)
                if owner:  # "drake's sad songs": the "'s" before their songs is the cue
                    cands.append((-(j - i), 1, i, [_Match("artist", owner[0], i, j, confidence=0.9)]))
                if (
                    hit
                    and not any(c.isalnum() for w in key for c in w)
                    and (not i or toks[i - 1].text not in vocab.STRONG_ARTIST_CUES)
                ):
                    hit = None  # a name of punctuation alone ("!!!") is emphasis unless an artist cue comes before it
                if hit:
                    conf = self._artist_signal(toks, i, j, key, hit[1], titled)
                    if conf > 0:
                        cands.append((-(j - i), 1, i, [_Match("artist", hit[0], i, j, confidence=conf)]))
        taken = [False] * n
        for _, _, _, ms in sorted(cands, key=lambda c: (c[0], c[1], c[2])):
            s, e = ms[0].start, ms[0].end
            if any(taken[s:e]):
                continue
            for k in range(s, e):
                taken[k] = True
                toks[k].used = True
            out.extend(ms)
        self._listed_artists(toks, out)

    def _possessive(self, toks: list[_Tok], i: int, j: int, key: tuple[str, ...]) -> tuple[str, int] | None:
        """ "drake's sad songs", "queen's greatest hits": a name with "'s" before what is theirs to play (songs, hits,
        an album) is the name; "my little prince's party" is no one's music."""
        last = toks[j - 1].orig
        if not last.endswith(("'s", "’s")) or not key[-1].endswith("s"):
            return None
        base = (*key[:-1], key[-1][:-1])
        hit = self.artist_keys.get(base)
        if not hit or not any(t.text in _THEIRS for t in toks[j : j + 3]):
            return None
        if all(w in vocab.COMMON_WORDS or w in vocab.STOPWORDS or w in _VOCAB_WORDS or w in _ASK_WORDS for w in base):
            return hit if toks[i].orig[:1].isupper() else None  # "the game's best songs" is about a game
        return hit

    def _song_titles(self, toks: list[_Tok], out: list[_Match]) -> list[tuple[int, int]]:
        """ "songs like Blinding Lights by The Weeknd": words naming a song of the artist after "by" are that song's
        title, words to search by, not an artist ("Lights") or a genre of their own. Returns the titles' spans."""
        spans: list[tuple[int, int]] = []
        for a in [m for m in out if m.kind == "artist" and m.start >= 2 and toks[m.start - 1].text == "by"]:
            titles = self._titles.get(fold(str(a.value)))
            by = a.start - 1
            span = next(
                (s for s in range(max(0, by - MAX_TITLE), by) if tuple(t.text for t in toks[s:by]) in (titles or ())),
                None,
            )
            if span is None:
                # "like Survivor by Destiny's Child": a name right before "by <artist>" is a title the catalog lacks
                named = next((m for m in out if m.kind == "artist" and m.end == by and m.value != a.value), None)
                if named is not None and (named.start == 0 or toks[named.start - 1].text != "by"):
                    out.remove(named)
                    if _similar_to(toks, named.start) is not None:
                        a.confidence = SIMILAR_CONFIDENCE
                continue
            spans.append((span, by))
            inside = [m for m in out if span <= m.start and m.end <= by]
            for m in inside:
                out.remove(m)
            for t in toks[span:by]:
                t.used = False
            if _similar_to(toks, span) is not None:  # songs LIKE that one: its artist is a taste, not a filter
                a.confidence = SIMILAR_CONFIDENCE
        return spans

    def _seed_songs(self, toks: list[_Tok], out: list[_Match]) -> None:
        """ "based on Mr. Brightside", "songs that go with Uptown Funk": a song's title after a seed cue is that song,
        read before its words can mean a genre ("Funk"): its artist is a taste to search by (as "like Drake") and
        its genre, when it has only one, the playlist's genre. A title followed by "by <artist>" is left to
        ``_song_titles``."""
        texts = [t.text for t in toks]
        n = len(toks)
        for cue in _SEED_CUES + _LIKE_SONG_CUES:
            for i in range(n - len(cue)):
                if tuple(texts[i : i + len(cue)]) != cue or any(t.used for t in toks[i : i + len(cue)]):
                    continue
                s = i + len(cue)
                # after "songs like" one word is as often an artist the catalog lacks ("songs like Nirvana")
                shortest = s + (2 if cue in _LIKE_SONG_CUES else 1)
                for e in range(min(n, s + MAX_TITLE), shortest - 1, -1):
                    key = tuple(texts[s:e])
                    rows = self.title_rows.get(key)
                    if not rows or any(t.used for t in toks[s:e]) or not self._titled(toks, s, e):
                        continue
                    if e < n and texts[e] == "by":
                        break
                    if cue in _LIKE_SONG_CUES and key in self._name_runs:  # "songs like bob marley": the man
                        break
                    tr = self.catalog.tracks[rows[0]]
                    _mark(toks, i, e)
                    out.append(_Match("artist", tr.artist, s, e, confidence=SIMILAR_CONFIDENCE))
                    for feat in SEED_FEATURES:  # its sound, which words said about the sound override
                        way = ("like", (getattr(tr, feat), tr.title))
                        out.append(_Match("feature", (feat, way), s, e, confidence=SIMILAR_CONFIDENCE))
                    if len(tr.genres) == 1:
                        sub = tr.subgenres[0] if len(tr.subgenres) == 1 else None
                        sure = self._artist_labelled(tr.artist, tr.genres[0])
                        conf = SEED_GENRE_CONFIDENCE if sure else SEED_LABEL_LEAN
                        out.append(_Match("genre", (tr.genres[0], sub), s, e, confidence=conf))
                    break

    def _names_running_on(self, toks: list[_Tok], out: list[_Match]) -> None:
        """ "Trance Party by FUTURE TRANCE": an artist after "by" whose name runs on into a genre word that none of
        their tracks carries names someone the catalog lacks (a label, a series), not the artist: the rapper Future
        has no trance. "rap by Future" and "drake rap" keep their artist."""
        for a in [m for m in out if m.kind == "artist" and m.start >= 1 and toks[m.start - 1].text == "by"]:
            rows = self.catalog.by_artist.get(fold(str(a.value)), ())
            after = [m for m in out if m.kind == "genre" and m.start == a.end]
            if (
                rows
                and after
                and all(
                    not any(m.value[0] in self.catalog.tracks[r].genres for r in rows)  # type: ignore[index]
                    for m in after
                )
            ):
                out.remove(a)

    def _artist_labelled(self, artist: str, genre: str) -> bool:
        """Whether most of an artist's tracks (two or more) carry ``genre``: a seed song's label is then theirs, not
        one playlist's (ABBA's one track, Dancing Queen, is labelled latin hip hop by a school-dance playlist)."""
        rows = self.catalog.by_artist.get(fold(artist), ())
        return len(rows) >= 2 and sum(genre in self.catalog.tracks[r].genres for r in rows) * 2 >= len(rows)

    def _titled(self, toks: list[_Tok], s: int, e: int) -> bool:
        """Whether tokens [s, e) stand as a song's title: capitalised as one, or words that are not all everyday
        words, music words or an artist's name ("mr brightside", not "summer vibes" nor "drake")."""
        key = tuple(t.text for t in toks[s:e])
        if key in self.artist_keys or key in _PHRASES:
            return False
        if toks[s].orig[:1].isupper() and (e - s > 1 or toks[s].orig.isupper() is False):
            return any(t.text not in vocab.STOPWORDS for t in toks[s:e])
        plain = vocab.STOPWORDS | vocab.COMMON_WORDS | _VOCAB_WORDS
        return e - s >= 2 and any(t.text not in plain for t in toks[s:e])

    @cached_property
    def _five_letter_words(self) -> dict[str, list[str]]:
        """The vocabulary's five-letter words by first letter (what a dropped letter of a four-letter word leaves)."""
        out: dict[str, list[str]] = {}
        for v in self._vocab_list:
            if len(v) == 5:
                out.setdefault(v[0], []).append(v)
        return out

    @cached_property
    def _name_runs(self) -> frozenset[tuple[str, ...]]:
        """Runs of two words or more inside an artist's name ("bob marley" of Bob Marley & The Wailers)."""
        out: set[tuple[str, ...]] = set()
        for folded in self.catalog.by_artist:
            key = _key(folded)
            out.update(key[i:j] for i in range(len(key)) for j in range(i + 2, min(len(key), i + MAX_TITLE) + 1))
        return frozenset(out)

    @cached_property
    def title_rows(self) -> dict[tuple[str, ...], list[int]]:
        """Song titles as token keys, without " - Remastered" / "(feat. ...)" tails -> catalog rows, most popular
        first."""
        out: dict[tuple[str, ...], list[int]] = {}
        for row in np.argsort(-self.catalog.popularity, kind="stable").tolist():
            title = re.split(r"\s[-(\[]|\s-\s|\(", self.catalog.tracks[row].title)[0]
            key = tuple(k.text for k in tokenize(title))
            if 0 < len(key) <= MAX_TITLE:
                out.setdefault(key, []).append(row)
        return out

    @cached_property
    def _titles(self) -> dict[str, set[tuple[str, ...]]]:
        """Per folded artist: their songs' titles as token keys."""
        out: dict[str, set[tuple[str, ...]]] = {}
        for key, rows in self.title_rows.items():
            for row in rows:
                out.setdefault(fold(self.catalog.tracks[row].artist), set()).add(key)
        return out

    def _listed_artists(self, toks: list[_Tok], out: list[_Match]) -> None:
        """Names listed with a name read surely ("drake and the weeknd", "future and young thug"): an artist's
        exact name joined to another artist by "and", "&", "or", "," is a name too, even a word in lower case."""
        n = len(toks)
        grew = True
        while grew:
            grew = False
            for m in [m for m in out if m.kind == "artist" and m.confidence >= 0.8]:
                for side in (-1, 1):
                    joint = m.start - 1 if side < 0 else m.end
                    if not 0 <= joint < n or toks[joint].text not in _LIST_JOINERS:
                        continue
                    for width in (3, 2, 1):
                        i, j = (joint - width, joint) if side < 0 else (joint + 1, joint + 1 + width)
                        if i < 0 or j > n or any(t.used for t in toks[i:j]):
                            continue
                        key = tuple(t.text for t in toks[i:j])
                        hit = self.artist_keys.get(key)
                        if (
                            not hit
                            or key in self._alias_keys
                            or all(k in vocab.STOPWORDS or k in _NEG_WORDS for k in key)
                        ):
                            continue
                        everyday = all(k in vocab.COMMON_WORDS or k in _VOCAB_WORDS for k in key)
                        if hit[1] < (LISTED_EVERYDAY_MIN if everyday else LISTED_MIN):
                            continue
                        out.append(_Match("artist", hit[0], i, j, confidence=0.75))
                        for t in toks[i:j]:
                            t.used = True
                        grew = True
                        break

    def _artist_cap(self, toks: list[_Tok], out: list[_Match]) -> None:
        """A cap on tracks per artist, said any of the ways people say it: "one per artist", "max 2 songs per
        band", "don't repeat artists", "each artist only once", "too many songs by the same guy", "una por artista"."""
        texts = [t.text for t in toks]
        for i in range(len(texts)):
            if toks[i].used:
                continue
            for reader in (_cap_per_artist, _cap_once, _cap_no_repeats, _cap_same_artist):
                found = reader(texts, i)
                if found is not None:
                    value, start, end = found
                    out.append(_Match("artist_cap", value, start, end))
                    _mark(toks, start, end)
                    break
        low = " " + " ".join(texts) + " "
        for p in vocab.VARIETY_PHRASES:
            at = low.find(f" {p} ")
            if at >= 0:
                i = low[:at].count(" ")
                if not any(t.used for t in toks[i : i + len(p.split())]):
                    out.append(_Match("artist_cap", 1, i, i + len(p.split())))
                    _mark(toks, i, i + len(p.split()))

    def _context_typos(self, toks: list[_Tok]) -> None:
        """A leftover word that is no word at all, one edit from a word of context ("raniy day"), is that word."""
        tries = 0
        for tok in toks:
            w = tok.text
            if tok.used or len(w) < 5 or not w.isalpha() or w in self._known or tries >= MAX_FUZZY_WORDS:
                continue
            tries += 1
            near = process.extractOne(w, _CONTEXT_TYPO_LIST, scorer=OSA.distance, score_cutoff=1)
            if near and near[0][0] == w[0]:
                tok.text = near[0]

    def _fuzzy_pass(self, toks: list[_Tok], out: list[_Match]) -> None:
        """Typos: a leftover unusual word close to a vocabulary word or, failing that, an artist."""
        tries = self._fuzzy_pairs(toks, out)
        for i, tok in enumerate(toks):
            w = tok.text
            short = len(w) == 4 and not tok.used and w.isalpha() and w not in self._known and w not in self._dictionary
            if not short and (tok.used or len(w) < 5 or not w.isalpha() or w in self._known):
                continue
            tries += 1
            if tries > MAX_FUZZY_WORDS:
                break
            if short:
                self._dropped_letter(tok, i, out)  # "hapy", "chil": too short to fuzz freely
                continue
            filler = process.extractOne(w, _FILLER_LIST, scorer=OSA.distance, score_cutoff=1)
            if filler and filler[0][0] == w[0]:
                tok.text = filler[0]  # "actualy": a slip of a word that says nothing, not of "actual" (recent)
                continue
            near = process.extractOne(w, self._vocab_list, scorer=OSA.distance, score_cutoff=1 if len(w) < 8 else 2)
            # people rarely slip on a word's first letter; a word that differs there is another word the encoder's
            # vocabulary lacks ("sappy" is not "happy", an "all nighter" not "lighter")
            if near and near[0][0] == w[0]:
                for kind, value in _PHRASES[self._vocab_words[near[0]]]:
                    out.append(_Match(kind, value, i, i + 1, confidence=0.8))
                tok.used = True
                continue
            # two-word names first ("dua lipaa"), then one word
            if i + 1 < len(toks) and not toks[i + 1].used and toks[i + 1].text.isalpha():
                hit = self.fuzzy_artist(f"{w} {toks[i + 1].text}")
                if hit:
                    out.append(_Match("artist", hit[0], i, i + 2, confidence=hit[2]))
                    tok.used = toks[i + 1].used = True
                    continue
            if i > 0 and not toks[i - 1].used and toks[i - 1].text.isalpha():
                hit = self.fuzzy_artist(f"{toks[i - 1].text} {w}")
                if hit:
                    out.append(_Match("artist", hit[0], i - 1, i + 1, confidence=hit[2]))
                    tok.used = toks[i - 1].used = True
                    continue
            hit = self.fuzzy_artist(w)
            if hit:
                out.append(_Match("artist", hit[0], i, i + 1, confidence=hit[2]))
                tok.used = True

    def _dropped_letter(self, tok: _Tok, i: int, out: list[_Match]) -> None:
        """A four-letter non-word that is a five-letter word of the vocabulary with one letter left out ("hapy",
        "chil", "funy"), or a three-letter one with a letter typed twice ("rapp"): that word. Only these slips, with
        the first letter kept: other slips of so short a word are too often another word."""
        w = tok.text
        near = [v for v in self._five_letter_words.get(w[0], ()) if OSA.distance(w, v) == 1]
        # a letter typed twice: "rapp", "popp" ("no rapp" is no rap)
        singles = [(w[:k] + w[k + 1 :],) for k in range(1, len(w)) if w[k] == w[k - 1]]
        near = [self._vocab_words[v] for v in near] or [v for v in singles if v in _PHRASES]
        if len(near) == 1:
            for kind, value in _PHRASES[near[0]]:
                out.append(_Match(kind, value, i, i + 1, confidence=0.8))
            tok.used = True

    def _fuzzy_pairs(self, toks: list[_Tok], out: list[_Match]) -> int:
        """Typos inside a two-word genre or mood ("hip hopp", "progresive house", "hard rok"): one word of the pair
        is no word at all (the other may have matched alone: "house"), and the pair is a small edit from the
        phrase, which replaces that match. Returns the look-ups made (they count toward MAX_FUZZY_WORDS)."""
        tries = 0
        for a in range(len(toks) - 1):
            pair = (toks[a].text, toks[a + 1].text)
            unknown = [w not in self._known and w not in self._dictionary for w in pair]
            if not all(w.isalpha() for w in pair) or not any(unknown) or tries >= MAX_FUZZY_WORDS:
                continue
            alone = [m for m in out if m.end - m.start == 1 and m.start in (a, a + 1) and m.kind in ("genre", "mood")]
            if any(toks[k].used for k in (a, a + 1) if not any(m.start == k for m in alone)):
                continue  # a word of the pair is part of a longer match
            tries += 1
            said = " ".join(pair)
            near = process.extractOne(
                said, self._pair_list, scorer=OSA.distance, score_cutoff=1 if len(said) < 10 else 2
            )
            if not near or near[0][0] != said[0] or not _word_slips(pair, near[0]):
                continue
            for m in alone:
                out.remove(m)
            for kind, value in _PHRASES[self._pair_words[near[0]]]:
                out.append(_Match(kind, value, a, a + 2, confidence=0.8))
            toks[a].used = toks[a + 1].used = True
        return tries

    def _cued_names(self, text: str, toks: list[_Tok], out: list[_Match], unsupported: list[str]) -> None:
        """Words after "by"/"featuring" that name no artist: a near name ("songs by Drak") or a plain "not in
        the catalog" note, so an unknown artist is never silently read as anything."""
        for i in range(1, len(toks)):
            taste = _taste_cue(toks, i)  # "i like portishead": a name, when nothing else follows it
            if not (toks[i - 1].text in _NAME_CUES or taste) or toks[i].used or not toks[i].text.isalpha():
                continue
            j = self._name_end(toks, i)
            if j == i or taste and not _item_ends(text, toks, j):
                continue
            self._name_or_note(toks, i, j, out, unsupported)

    def _name_or_note(
        self, toks: list[_Tok], i: int, j: int, out: list[_Match], unsupported: list[str], listed: bool = False
    ) -> None:
        """Tokens ``i:j`` where a name stands: the artist they name (a near name; in a list of names an exact one
        first, "abba"), else a plain "not in the catalog" note; a name found, or any name of a list, is read."""
        words = tuple(t.text for t in toks[i:j])
        exact = self.artist_keys.get(words) if listed else None
        hit = (exact[0], exact[1], 0.9) if exact else self.fuzzy_artist(" ".join(words), min_len=4)
        if hit:
            out.append(_Match("artist", hit[0], i, j, confidence=hit[2]))
        else:
            unsupported.append(f'"{" ".join(t.orig for t in toks[i:j])}": no artist of that name in this catalog')
        if hit or listed:
            for t in toks[i:j]:
                t.used = True

    def _name_end(self, toks: list[_Tok], i: int, listed: bool = False) -> int:
        """Where the unread words from ``i`` that may be a name end (at most 4: no stopword, no known word unless
        the name stands in a list of names, "radiohead and massive attack")."""
        j = i
        while (
            j < len(toks)
            and j - i < 4
            and not toks[j].used
            and toks[j].text.isalpha()
            and toks[j].text not in vocab.STOPWORDS
            and (listed or toks[j].text not in self._known)
        ):
            j += 1
        return j

    def _listed_names(self, text: str, toks: list[_Tok], out: list[_Match], unsupported: list[str]) -> None:
        """ "i like radiohead, portishead and massive attack": the names listed after one a cue led, each an
        artist (a near name) or a plain "not in the catalog" note, never left as words of the request."""
        named = {m.start: m.end for m in out if m.kind == "artist"}
        for start, end in sorted(named.items()):
            if start == 0 or not (toks[start - 1].text in _LIST_LEADS or _taste_cue(toks, start)):
                continue
            while end < len(toks) and toks[end].text in (",", "and", "&"):
                i = end + 1 + (end + 1 < len(toks) and toks[end].text == "," and toks[end + 1].text == "and")
                if i in named:  # the next name is a known one
                    end = named[i]
                    continue
                j = self._name_end(toks, i, listed=True)
                if j == i or not _item_ends(text, toks, j):
                    break
                self._name_or_note(toks, i, j, out, unsupported, listed=True)
                end = j

    def _negate(self, toks: list[_Tok], matches: list[_Match]) -> None:
        """Mark the matches a negation governs: the first after the cue, and same-kind ones joined by or/and/"/"."""
        by_start: dict[int, list[_Match]] = {}
        for m in matches:
            by_start.setdefault(m.start, []).append(m)
        n = len(toks)
        i = 0
        while i < n:
            cue = 0
            for k in range(min(_NEGATION_WIDTH, n - i), 0, -1):  # "not in the mood for anything sad"
                if not any(t.used for t in toks[i : i + k]) and tuple(t.text for t in toks[i : i + k]) in _NEGATION:
                    cue = k
                    break
            if not cue:
                i = self._not_so_list(toks, by_start, i)
                continue
            j = i + cue
            said = " ".join(t.text for t in toks[i : i + cue])
            skip = _FILLER | _EFFECT_WORDS if said in _EFFECT_CUES else _FILLER  # "that won't make me sad"
            while j < n and j not in by_start and toks[j].text in skip:
                j += 1
            j = _past_describing(toks, by_start, j)
            if j in by_start:
                kinds = {m.kind for m in by_start[j]}
                while True:
                    for m in by_start[j]:
                        m.negated = True
                        m.cue = said
                    j = max(m.end for m in by_start[j])
                    if j < n and toks[j].text in ("or", "nor", "/", "&", "and") and j + 1 in by_start:
                        if {m.kind for m in by_start[j + 1]} & kinds:
                            j += 1
                            continue
                    break
            i = max(j, i + 1)

    @staticmethod
    def _not_so_list(toks: list[_Tok], by_start: dict[int, list[_Match]], i: int) -> int:
        """Past token ``i``; a "not too X" there also refuses what "or" lists after it ("nothing too slow or sad")."""
        heads = [m for m in by_start.get(i, []) if m.kind == "feature" and str(m.value[1]).startswith("not_")]  # type: ignore[index]
        if not heads:
            return i + 1
        j = max(m.end for m in heads)
        while j + 1 < len(toks) and toks[j].text in ("or", "nor") and j + 1 in by_start:
            for m in by_start[j + 1]:
                m.negated, m.cue = True, "not"
            j = max(m.end for m in by_start[j + 1])
        return j

    # ----- assembling the query ------------------------------------------------------------------
    def _short_of_extreme(self, d: "_Draft", moods: set[str]) -> None:
        """ "sad songs but not too depressing": the mood kept, its far end left out (valence above the catalog's
        lowest tenth)."""
        for mood in sorted(moods):
            if (said := vocab.MOOD_DEGREE.get(mood)) is None or said[0] in d.features:
                continue
            feature, side, p = said
            d.features[feature] = FeatureBound(
                feature=feature, **{side: round(self.thresholds(feature, p), 3)}, source=f"not too {mood}"
            )

    def _assemble(self, text: str, toks: list[_Tok], matches: list[_Match], unsupported: list[str]) -> PlaylistQuery:
        d = _Draft(self, toks, unsupported)
        for m in sorted(matches, key=lambda m: m.start):
            take = getattr(d, f"take_{m.kind}", None)
            if take is not None:
                take(m)
        q = d.q
        # An artist both asked for and excluded: the exclusion wins, and the user is told.
        for inc, exc in (
            ("artists", "exclude_artists"),
            ("genres", "exclude_genres"),
            ("subgenres", "exclude_subgenres"),
            ("moods", "exclude_moods"),
        ):
            # "like Drake but not Drake himself": his sound is the taste, his own tracks are left out; no clash
            clash = {t.value for t in q[inc] if t.scope != "like"} & {t.value for t in q[exc]}
            if inc == "genres":
                # "latin but no bachata": a style with no label of its own stands for its genre; refused beside
                # that genre, it leaves nothing out (the genre stays), and the user is told
                # "no bachata, reggaeton instead": a style of the genre a subgenre asked for belongs to, the same
                asked = clash | {_SUBGENRE_OF.get(t.value) for t in q["subgenres"] if t.scope != "like"}
                styles = [t for t in q[exc] if t.value in asked and fold(t.source) in vocab.NARROWER_STYLES]
                q[exc] = [t for t in q[exc] if t not in styles]
                clash -= {t.value for t in styles}
                unsupported += [
                    f"no {t.source}: this catalog has no {t.source} label, so I can't leave it out by style; "
                    "name the artists instead"
                    for t in styles
                ]
            if inc == "moods":
                # "sad songs but not like depressing": the mood said one way and refused another is a degree of it,
                # kept; refused in the words it was asked in ("chill, no wait, not chill"), the refusal wins
                said = {t.value: fold(t.source) for t in q[inc]}
                degree = {t.value for t in q[exc] if t.value in clash and fold(t.source) not in said[t.value]}
                q[exc] = [t for t in q[exc] if t.value not in degree]
                clash -= degree
                self._short_of_extreme(d, degree)
            if clash:
                q[inc] = [t for t in q[inc] if t.value not in clash]
                unsupported.append(f"both asked for and excluded: {', '.join(sorted(clash))} (excluded)")

        year_range = self._years(d.years, unsupported)
        exclude_years = d.exclude_years + _listed_gaps(d.years, year_range, d.exclude_years)
        # "chill but not boring", "happy, not cheesy": the words a "but not" refuses ("no diggity" is a title)
        cues = [i for i, t in enumerate(toks) if t.text in ("not", "nothing") and (i == 0 or toks[i - 1].text in
                ("but", ",", "and", "though", "just", "yet"))]  # fmt: skip
        refused = {k for i in cues for k in range(i + 1, min(len(toks), i + 3))}
        free = [
            t.orig
            for k, t in enumerate(toks)
            if not t.used
            and t.text not in vocab.STOPWORDS
            and t.text not in _NEG_WORDS
            and k not in refused  # "chill but not boring": a word refused is never searched for
            and any(c.isalnum() for c in t.text)
        ]
        duration = d.duration if d.length is None else None
        if lasting := vocab.occasion_minutes(text):  # "a long drive": "long" is no title word (its length: below)
            free = [w for w in free if fold(w) not in lasting[1].split()]
        return PlaylistQuery(
            text=text,
            **q,
            years=year_range,
            exclude_years=exclude_years,
            features=list(d.features.values()),
            popularity=d.popularity,  # type: ignore[arg-type]
            length=d.length,
            duration_min=duration,
            max_per_artist=d.cap,
            track_minutes_max=d.track_max,
            free_text=" ".join(free),
            unsupported=list(dict.fromkeys(unsupported)),
            clean=d.clean or vocab.clean_cue(text),
        )

    def feature_bound(self, m: Match) -> FeatureBound | None:
        """The bound a feature match asks for: a tempo in BPM, or the catalog's terciles for high/low."""
        feat, way = m.value  # type: ignore[misc]
        if isinstance(way, tuple) and way[0] == "like":  # ("like", (value, title)): near a seed song's sound
            lo, hi = FEATURE_RANGE[feat]
            v = min(hi, max(lo, float(way[1][0])))
            return FeatureBound(feature=feat, target=round(v, 3), explicit=False, confidence=m.confidence,
                                source=f"like {way[1][1]}")  # fmt: skip
        if isinstance(way, tuple) and way[0] == "range":  # ("range", (lo, hi)) BPM
            lo, hi = (min(220.0, max(40.0, float(b))) for b in way[1])
            return FeatureBound(feature="tempo", target=(lo + hi) / 2, min=lo, max=hi)
        if isinstance(way, tuple):  # ("min" | "max" | "target", bpm)
            bound, bpm = way[0], min(220.0, max(40.0, way[1]))
            if m.negated:  # "nothing slower than 120 bpm" is a floor, "no songs over 140 bpm" a ceiling
                bound = {"min": "max", "max": "min"}.get(bound, bound)
            if bound == "min":
                return FeatureBound(feature="tempo", min=bpm)
            if bound == "max":
                return FeatureBound(feature="tempo", max=bpm)
            return FeatureBound(feature="tempo", target=bpm, min=max(40.0, bpm - 8), max=min(220.0, bpm + 8))
        if m.negated:
            way = {"high": "not_high", "low": "not_low", "not_high": "high", "not_low": "low"}[way]
        if feat == "tempo":
            bounds = {
                "high": dict(min=120.0, target=130.0),
                "low": dict(max=100.0, target=85.0),
                "not_high": dict(max=120.0),
                "not_low": dict(min=90.0),
            }[way]
        else:
            q = self.thresholds.q.get(feat) if feat in self.thresholds.q else None
            hi_q = q[0.67] if q else 0.67
            lo_q = q[0.33] if q else 0.33
            bounds = {
                "high": dict(min=round(hi_q, 3)),
                "low": dict(max=round(lo_q, 3)),
                "not_high": dict(max=round(hi_q, 3)),
                "not_low": dict(min=round(lo_q, 3)),
            }[way]
        return FeatureBound(feature=feat, explicit=True, confidence=m.confidence, **bounds)

    def _years(
        self, spans: list[tuple[int | None, int | None, bool, float, str, str]], unsupported: list[str]
    ) -> YearRange | None:
        """One year range: explicit beats inferred; adjacent or joined ranges merge; far-apart ones contradict."""
        explicit = [s for s in spans if s[2]] or spans
        if not explicit:
            return None
        valid = []
        for lo, hi, exp, conf, src, joined in explicit:
            if (lo is not None and not 1900 <= lo <= 2100) or (hi is not None and not 1900 <= hi <= 2100):
                unsupported.append(f"years outside 1900-2100 ({src})")
                continue
            valid.append((lo, hi, exp, conf, src, joined))
        if not valid:
            return None
        lo, hi, exp, conf, src, _ = valid[0]
        for lo2, hi2, exp2, _, src2, joined in valid[1:]:
            a_lo, a_hi = lo if lo is not None else -(10**6), hi if hi is not None else 10**6
            b_lo, b_hi = lo2 if lo2 is not None else -(10**6), hi2 if hi2 is not None else 10**6
            if not joined and exp and exp2 and _narrows((lo, hi), (lo2, hi2)):
                # "pop from the 2000s, nothing past 2005": a bound said apart narrows the range, not widens it
                lo = max(v for v in (lo, lo2) if v is not None)
                hi = min(v for v in (hi, hi2) if v is not None)
                src = f"{src}, {src2}"
            elif joined or (b_lo <= a_hi + 1 and a_lo <= b_hi + 1) or _one_decade((lo, hi), (lo2, hi2)):
                lo = None if lo is None or lo2 is None else min(lo, lo2)
                hi = None if hi is None or hi2 is None else max(hi, hi2)
                src = f"{src}, {src2}"
            else:
                unsupported.append(f"conflicting years: '{src}' and '{src2}' (kept '{src}')")
        if lo is None and hi is None:
            return None  # "a mix of old and new": ranges joined that reach every year ask for none
        if lo is not None and hi is not None and lo > hi:
            unsupported.append(f"an empty year range ({src})")
            return None
        if (lo is not None and lo > self.max_year) or (hi is not None and hi < self.min_year):
            unsupported.append(f"years the catalog does not have ({src}; it spans {self.min_year}-{self.max_year})")
        return YearRange(start=lo, end=hi, explicit=exp, confidence=conf, source=src[:200])

    def _implicit(
        self,
        query: PlaylistQuery,
        text: str,
        query_vector: np.ndarray | Callable[[], np.ndarray] | None,
        cued: tuple[int, int] = (0, 0),
        refused: frozenset[str] = frozenset(),
    ) -> None:
        """Moods and activities inferred from context, by similarity to the prototype descriptions; ``cued`` is
        how many moods and activities the request's words of context gave (those kinds are not guessed again);
        ``refused``: moods a negated phrase of context suggests, never guessed."""
        assert self._protos is not None and self.encoder is not None
        residual = query.free_text
        if not any(len(w) >= 3 and w.isalpha() for w in fold(residual).split()):
            return  # nothing left to infer from ("hello" is a stopword; "asdfgh" is handled by the threshold)
        if callable(query_vector):
            query_vector = query_vector()
        vec = query_vector if query_vector is not None else self.encoder.encode_one(text)
        sims = self._protos @ np.asarray(vec, dtype=np.float32).reshape(-1)
        best: dict[str, float] = {}
        for label, s in zip(self._labels, sims.tolist()):
            best[label] = max(best.get(label, -1.0), s)
        have_moods = {t.value for t in query.moods + query.exclude_moods}
        have_acts = {t.value for t in query.activities}
        # An activity said outright is the occasion: a second one guessed from the rest only adds noise
        # ("doing the dishes" is cleaning, not cooking too).
        n_acts_max = 0 if query.activities or cued[1] else IMPLICIT_MAX_ACTIVITIES
        # Likewise a said activity that implies a mood ("dinner" -> chill) is the evidence for the mood; the
        # rest of the text guessing another one ("christmas dinner" -> romantic) is weaker than that.
        implied = any(vocab.ACTIVITY_MOODS.get(t.value) for t in query.activities)
        n_moods_max = 0 if implied or cued[0] else IMPLICIT_MAX_MOODS
        # A mood the request excludes ("nothing too sad") is close to its text for being named: it sets no bar.
        excluded = {f"mood:{t.value}" for t in query.exclude_moods}
        ranked = sorted(((k, v) for k, v in best.items() if k not in excluded), key=lambda kv: -kv[1])
        if not ranked:
            return
        floor = max(IMPLICIT_THRESHOLD, ranked[0][1] - IMPLICIT_MARGIN)
        n_moods = n_acts = 0
        for label, s in ranked:
            if s < floor:
                break
            kind, value = label.split(":", 1)
            conf = round(min(0.95, float(s)), 3)
            tag = Tag(value=value, explicit=False, confidence=conf, source=residual[:200])
            if kind == "mood" and value in refused:
                continue
            if kind == "mood" and value not in have_moods and n_moods < n_moods_max and not _opposed(value, query):
                query.moods.append(tag)
                have_moods.add(value)
                n_moods += 1
            elif kind == "activity" and value not in have_acts and n_acts < n_acts_max:
                query.activities.append(tag)
                have_acts.add(value)
                n_acts += 1


class _Draft:
    """The query being assembled from the matches, in reading order: ``take_<kind>`` reads one match."""

    def __init__(self, ex: "TagExtractor", toks: list[_Tok], unsupported: list[str]) -> None:
        self.ex, self.toks, self.unsupported = ex, toks, unsupported
        self.similar_end: int | None = None  # where the last artist asked for by likeness ends
        self.also_end: int | None = None  # where the last artist asked for beside the rest ends
        self.genre_spans: list[tuple[int, int]] = []  # where each genre said (not refused) stands
        self.q: dict[str, list[Tag]] = {
            k: []
            for k in (
                "genres",
                "subgenres",
                "moods",
                "activities",
                "artists",
                "exclude_genres",
                "exclude_subgenres",
                "exclude_artists",
                "exclude_moods",
            )
        }
        # (start, end, explicit, confidence, words, joined to the one before: "span", "list" or "")
        self.years: list[tuple[int | None, int | None, bool, float, str, str]] = []
        self.exclude_years: list[YearRange] = []
        self.last_years_end = -1
        self.last_years_start = -1
        self.features: dict[str, FeatureBound] = {}
        self.bpm_said: set[str] = set()
        self.like_said: set[str] = set()  # features set by a seed song's sound ("songs like Blinding Lights")
        self.carried: set[str] = set()  # features a mood word said holds ("calm": energy), with no bound of their own
        self.popularity: str | None = None
        self.length: int | None = None
        self.duration: float | None = None
        self.track_max: float | None = None
        self.cap: int | None = None
        self.clean: str | None = None  # "only" when a clean playlist was asked for outright

    def described(self) -> bool:
        """Whether the music was described (a genre, mood, activity or years) before the current match."""
        return bool(self.years or any(self.q[k] for k in ("genres", "subgenres", "moods", "activities")))

    def src(self, m: _Match) -> str:
        return " ".join(t.orig for t in self.toks[m.start : m.end])[:200]

    def said(self, m: _Match) -> str:
        return " ".join(t.text for t in self.toks[m.start : m.end])

    def add(
        self,
        field_: str,
        value: str,
        m: _Match,
        explicit: bool = True,
        conf: float | None = None,
        scope: str = "prefer",
    ) -> None:
        held = next((t for t in self.q[field_] if t.value == value), None)
        if held is not None:
            surer = (conf if conf is not None else m.confidence) > held.confidence  # "emo songs, sad ones"
            if explicit and m.explicit and (not held.explicit or surer):  # said outright later: "dinner ... mellow"
                self.q[field_].remove(held)
            else:
                return
        self.q[field_].append(
            Tag(
                value=value,
                explicit=explicit and m.explicit,
                confidence=round(conf if conf is not None else m.confidence, 3),
                source=self.src(m),
                scope=scope,
            )
        )

    def take_genre(self, m: _Match) -> None:
        genre, sub = m.value  # type: ignore[misc]
        if not m.negated:
            self.genre_spans.append((m.start, m.end))
        said, subgenres, genres = self.said(m), self.ex.subgenres, self.ex.genres
        if not m.negated and self._a_little_beside_mostly(m):
            # "mostly pop, maybe some r&b": the second genre joins by score, never as an equal filter
            self.add("subgenres" if sub in subgenres else "genres", sub if sub in subgenres else genre, m, False)
            return
        if said in vocab.NARROWER_STYLES and not m.negated and (sub in subgenres or genre in genres):
            wider = sub if sub in subgenres else genre
            self.unsupported.append(f"{self.src(m)}: this catalog has no {self.src(m)} label, so {wider} instead")
        if sub in subgenres:
            self.add("exclude_subgenres" if m.negated else "subgenres", sub, m)
            # a style said in other words ("metal"); a typo of the label itself ("regaeton") is the label
            other_words = said in vocab.GENRE_PHRASES and not set(said.split()) & set(sub.split())
            stand_in = said in vocab.NARROWER_STYLES or other_words
            if stand_in and not m.negated and genre in genres:
                self.add("genres", genre, m)  # "metal", "alt rock": the catalog's label stands in; the genre was said
        elif genre in genres:
            self.add("exclude_genres" if m.negated else "genres", genre, m)

    def _a_little_beside_mostly(self, m: _Match) -> bool:
        """Whether a genre is said as a little of it ("some", "a bit of") after another was said as most of it."""
        texts = [t.text for t in self.toks]
        before = texts[max(0, m.start - 3) : m.start]
        mostly = [i for i, w in enumerate(texts[: m.start]) if w in _MOSTLY]
        if not mostly or not set(before) & _A_LITTLE:
            return False
        spans = [tuple(texts[k : k + w]) for k in range(mostly[0] + 1, m.start) for w in (1, 2)]
        return any(kind == "genre" for key in spans for kind, _ in _PHRASES.get(key, []))

    def take_mood(self, m: _Match) -> None:
        unsure = None if m.negated else vocab.UNSURE_MOODS.get(self.said(m))  # "emo": sad, but not as the catalog is
        self.add("exclude_moods" if m.negated else "moods", str(m.value), m, conf=unsure)

    def take_activity(self, m: _Match) -> None:
        if not m.negated and _done_before(self.toks, m.start):
            return  # "after work", "post workout", "just finished my exam": that is over, not what the music is for
        if m.value == "running" and _runs_something(self.toks, m):
            return  # "I run a small coffee shop": run with an object that is no course is not running
        mood = vocab.ACTIVITY_MOODS.get(str(m.value))
        if m.negated:
            if mood:
                self.add("exclude_moods", mood, m)
            return
        self.add("activities", str(m.value), m)
        if mood:
            self.add("moods", mood, m, explicit=False, conf=0.8 * m.confidence)

    def take_artist(self, m: _Match) -> None:
        cue = None if m.negated else _similar_to(self.toks, m.start)
        tail = None if m.negated or cue is not None else _cue_after(self.toks, m.end, _SIMILAR_AFTER)
        if tail is not None:  # "the weeknd type vibe", "sza and similar stuff": the name is a taste
            for t in self.toks[m.end : tail]:
                t.used = True
            cue = m.start
        also = _cue_before(self.toks, m.start, _SOME_OF) or (
            self.described() and (_cue_before(self.toks, m.start, _WITH_ARTIST) or _counted_beside(self.toks, m.start))
        )
        if self.also_end is not None:  # the rest of the list: "with eminem, 50 cent and nas"
            also = also or all(t.text in (",", "and", "&", "y") for t in self.toks[self.also_end : m.start])
        # "he loves motown and the beatles": a taste listing a genre and then the name is both, his songs among it
        beside_genre = cue is not None and not m.negated and self._listed_after_genre(cue, m.start)
        if not m.negated and ((cue is None and also) or beside_genre):
            # "90s hip hop with some 2pac", "2000s rap with eminem and 50 cent": some of that artist beside the rest,
            # never a filter; the cap holds
            self.also_end = m.end
            self.add("artists", str(m.value), m, explicit=False, scope="also")
            return
        listed = self.similar_end is not None and all(
            t.text in (",", "or", "and", "&", "/", "the") for t in self.toks[self.similar_end : m.start]
        )  # "like Travis Scott or Migos", "into abba and the bee gees": the whole list is a taste
        if cue is not None or listed or m.confidence == SIMILAR_CONFIDENCE:
            self.similar_end = m.end
            # "music like Drake", "sounds like Sade": a taste to search by, not a filter; the cap still holds
            for t in self.toks[cue or m.start : m.start]:
                t.used = True
            self.add("artists", str(m.value), m, conf=SIMILAR_CONFIDENCE, scope="like")
            return
        self.add("exclude_artists" if m.negated else "artists", str(m.value), m)

    def _listed_after_genre(self, cue: int, start: int) -> bool:
        """Whether a genre said after the taste cue at ``cue`` is listed just before the name at ``start``."""
        return any(
            cue <= a and all(t.text in (",", "and", "&", "y", "the", "plus") for t in self.toks[b:start])
            for a, b in self.genre_spans
        )

    def take_feature(self, m: _Match) -> None:
        fb = self.ex.feature_bound(m)
        way = m.value[1]  # type: ignore[index]
        if _a_few_before(self.toks, m.start):  # "mostly dance but a few slow ones": a share, never every track
            return
        if isinstance(way, tuple) and way[0] == "like":  # a seed song's sound yields to any word said about it
            if fb is not None and fb.feature not in self.features:
                self.features[fb.feature] = fb
                self.like_said.add(fb.feature)
            return
        bpm = isinstance(way, tuple)
        if not bpm and not m.negated and self._mood_carries(m):
            # "upbeat", "calm": the mood said holds its own direction; a bound on top would filter by it twice. The
            # feature stays taken, as a bound would hold it: "calm stuff, loud music distracts me" is no loud ask
            self.carried.add(m.value[0])  # type: ignore[index]
            return
        if not bpm and m.value[0] in self.carried:  # type: ignore[index]
            return
        if fb is not None and not bpm and _hedged(self.toks, m.start):
            fb = fb.model_copy(update={"explicit": False})  # "kinda slow", "a little faster": a lean, not a limit
        if fb is not None and fb.feature in self.like_said:
            self.like_said.discard(fb.feature)
            del self.features[fb.feature]
        if fb is not None and (fb.feature not in self.features or (bpm and fb.feature not in self.bpm_said)):
            self.features[fb.feature] = fb  # a BPM said is surer than a word ("fast ... around 160 bpm")
            if bpm:
                self.bpm_said.add(fb.feature)

    def _mood_carries(self, m: _Match) -> bool:
        """Whether the words of a feature match also name a mood whose own direction is this feature's."""
        feat, way = m.value  # type: ignore[misc]
        moods = [v for kind, v in _PHRASES.get(tuple(t.text for t in self.toks[m.start : m.end]), []) if kind == "mood"]
        return any((feat, way) in vocab.MOOD_DIRECTIONS.get(str(mood), ()) for mood in moods)

    def take_popularity(self, m: _Match) -> None:
        value = str(m.value)
        if m.negated:
            value = "obscure" if value == "popular" else "popular"
        self.popularity = self.popularity or value

    def take_relative_years(self, m: _Match) -> None:
        if m.negated and m.value not in ("old", "oldies"):
            return
        if _years_of_age(self.toks, m.start, m.end):  # "my 15 year old daughter": a person's age, no era
            return
        back = vocab.PHRASE_YEARS_BACK.get(self.said(m)) or vocab.YEARS_BACK.get(str(m.value), 0)
        max_year = self.ex.max_year
        lo, hi = {
            "recent": (max_year - back, None),
            "old": (None, max_year - back),
            "oldies": (None, vocab.OLDIES_YEARS[1]),
        }[str(m.value)]
        if m.negated:  # "nothing old", "no oldies": the years the word reaches are left out
            self.exclude_years.append(YearRange(start=None, end=hi, source=self.src(m)))
            return
        self.add_years(m, lo, hi, False, 0.6)

    def take_years(self, m: _Match) -> None:
        lo, hi = m.value  # type: ignore[misc]
        if m.negated and lo is not None and hi is not None:  # "anything but the 70s"
            if 1900 <= lo <= hi <= 2100:
                self.exclude_years.append(YearRange(start=lo, end=hi, source=self.src(m)))
            return
        if m.negated:  # "nothing before 2000" is "from 2000"; "nothing newer than 2010" is "up to 2010"
            lo, hi = (hi + 1, None) if lo is None else (None, lo - 1)
        if (youth := _born_in(self.toks, m.start, lo, hi)) is not None:  # "i was born in 1950": a birth year
            self.add_years(m, *youth, True, CONTEXT_CONFIDENCE)  # said outright, the era it pins is a filter
            return
        if m.start and self.toks[m.start - 1].text in vocab.AGE_OWNERS and lo is not None and hi is not None:
            # "i'm 68 and i'd like what i danced to in my twenties": the years of those ages; with no age said,
            # no years at all (never the 2020s)
            if (lived := _years_at_ages(self.toks, lo % 100, hi % 100)) is not None:
                self.add_years(m, *lived, True, CONTEXT_CONFIDENCE)
            return
        self.add_years(m, lo, hi, m.explicit, m.confidence)

    def add_years(self, m: _Match, lo: int | None, hi: int | None, explicit: bool, confidence: float) -> None:
        """A year span; spans joined by a connector make one range ("early 90s to mid 2000s", "80s/90s", "a mix of
        oldies and current hits")."""
        gap = {t.text for t in self.toks[self.last_years_end : m.start]} if self.last_years_end >= 0 else {"?"}
        span = gap & _YEAR_SPAN_WORDS or self._between(self.last_years_start)  # "between the 80s and the 2000s"
        joined = "" if not gap <= _YEAR_JOINERS else "span" if span else "list"
        self.years.append((lo, hi, explicit, confidence, self.src(m), joined))
        self.last_years_start, self.last_years_end = m.start, m.end

    def _between(self, start: int) -> bool:
        """Whether the years at ``start`` follow "between" ("between the 80s and ..."): the first end of a span."""
        k = start - 1
        while k >= 0 and self.toks[k].text in ("the", "los", "las"):
            k -= 1
        return k >= 0 and self.toks[k].text in ("between", "entre")

    def take_length(self, m: _Match) -> None:
        v = int(m.value)  # type: ignore[arg-type]
        if v > MAX_LENGTH:
            self.unsupported.append(f"{v} tracks: a playlist has at most {MAX_LENGTH}, made {MAX_LENGTH}")
            v = MAX_LENGTH
        self.length = self.length or v

    def take_duration(self, m: _Match) -> None:
        v = float(m.value)  # type: ignore[arg-type]
        if (cue := _per_track(self.toks, m.start, v)) is not None:  # "nothing over 3 min": each track's length
            self.track_max = min(self.track_max or v, v)
            _mark(self.toks, cue, m.start)
            return
        if v <= 0 or v > 24 * 60:
            self.unsupported.append(f"a listening time of {self.src(m)} (at most 24 hours)")
        else:
            self.duration = self.duration or v

    def take_other_genre(self, m: _Match) -> None:
        if m.negated:
            return
        genres = self.ex.genres
        near = vocab.NEAREST_GENRE.get(str(m.value))
        hint = f'; the nearest it has is {near}, so try "{near}"' if near in genres else ""
        self.unsupported.append(f"{m.value}: not a genre of this catalog (it has {', '.join(sorted(genres))}){hint}")

    def take_artist_cap(self, m: _Match) -> None:
        self.cap = min(self.cap or MAX_LENGTH, int(m.value))  # type: ignore[call-overload]

    def take_content(self, m: _Match) -> None:
        # "no explicit", "clean versions", "kid friendly": titles that swear are left out (the catalog has no lyrics
        # flag; the reply says so); a bare "explicit" or "profanity" said without a negation asks for nothing
        if m.negated or str(m.value) not in _BARE_CONTENT:
            self.clean = "only"


_NEG_WORDS = {w for k in _NEGATION for w in k}
_BARE_CONTENT = frozenset({"explicit", "profanity"})  # content words that ask for a clean list only when negated
_DONE_CUES = sorted((_key(c) for c in vocab.ACTIVITY_DONE_CUES), key=len, reverse=True)
_DONE_SKIP = frozenset({"my", "the", "our", "his", "her", "their", "a", "last", "final", "big", "first", "mi", "el",
                        "la", "of"})  # fmt: skip  # "after a long day of hiking"


# what people run that is running: "run a 5k", "running the half marathon", "run my usual loop"
_RUN_COURSES = frozenset({"5k", "10k", "15k", "21k", "42k", "marathon", "race", "mile", "miles", "lap", "laps", "km",
                          "trail", "half", "loop", "route", "track", "sprint", "sprints", "stairs", "hills",
                          "hill"})  # fmt: skip


def _runs_something(toks: list[_Tok], m: Match) -> bool:
    """Whether a word of running at ``m`` takes an object that is no course ("run a shop", "running the show")."""
    if m.end - m.start != 1 or toks[m.start].text not in ("run", "runs", "running") or m.end >= len(toks):
        return False
    if toks[m.end].text not in vocab.DETERMINERS:
        return False
    return not any(t.text in _RUN_COURSES or t.text.isdigit() for t in toks[m.end + 1 : m.end + 4])


def _done_before(toks: list[_Tok], start: int) -> bool:
    """Whether words saying it is over come right before token ``start`` ("after work", "finished my last exam",
    "just finished a 10 hour shift": an amount of time between them is part of what is over)."""
    k = start
    while k > 0 and start - k < 5 and (toks[k - 1].text in _DONE_SKIP or _DONE_TIME.match(toks[k - 1].text)):
        k -= 1
    return _cue_before(toks, k, _DONE_CUES)


_DONE_TIME = re.compile(r"^(?:\d+|hours?|hrs?|h|minutes?|mins?|long|day|week)$")


_TRAVEL = frozenset({"drive", "driving", "drove", "road", "roadtrip", "trip", "flight", "fly", "flying", "travel",
                     "traveling", "travelling", "heading", "commute", "train", "bus", "ride", "viaje", "manejando",
                     "carretera", "vuelo"})  # fmt: skip


def _on_route(toks: list[_Tok], i: int, j: int) -> bool:
    """ "driving from Madrid to Lisbon": the ends of a route in a message about travel are places, not artists; and
    "my commute by train" says how one goes."""
    if not _TRAVEL & {t.text for k, t in enumerate(toks) if not i <= k < j}:
        return False
    before = [t.text for t in toks[max(0, i - 5) : i]]
    if before[-1:] == ["by"] and j - i == 1 and toks[i].text in vocab.TRANSPORT_NOUNS:
        return True
    if before[-1:] in (["to"], ["a"]) and ({"from", "de", "desde"} & set(before[:-1])):
        return True
    return before[-1:] in (["from"], ["desde"]) and any(t.text in ("to", "a", "hasta") for t in toks[j : j + 4])


_TRACK_BOUND_LEADS = frozenset({"no", "nothing", "none", "not", "without", "nada", "sin", "never", "avoid"})


def _per_track(toks: list[_Tok], start: int, minutes: float) -> int | None:
    """ "nothing over 3 min", "no songs longer than 4 minutes", "only songs under 3 min": a few minutes said as a
    bound (over/under) after a refusal or a track word bound each track, not the listening time ("under an hour").
    The index of the bound's word, or None."""
    if not 0 < minutes <= vocab.TRACK_MINUTES_MAX:
        return None
    first = max(0, start - 7)
    before = [t.text for t in toks[first:start]]
    cue = next((k for k in range(len(before) - 1, max(-1, len(before) - 4), -1)
                if before[k] in vocab.TRACK_LONGER_WORDS | vocab.TRACK_SHORTER_WORDS), None)  # fmt: skip
    if cue is None:
        return None
    if before[cue] in vocab.TRACK_LONGER_WORDS:
        ok = bool(set(before[:cue]) & _TRACK_BOUND_LEADS)
    else:
        ok = bool(set(before[max(0, cue - 3) : cue]) & (vocab.TRACK_LENGTH_NOUNS - {"nothing", "none"}))
    return first + cue if ok else None


_LIST_JOINERS = frozenset({"and", "&", ",", "or", "nor", "y", "ni", "plus", "n", "with", "vs", "x", "/"})
LISTED_MIN = 5  # tracks an artist needs for a lower-case name listed beside another name to count
LISTED_EVERYDAY_MIN = 10  # the same for an everyday word ("future")
_PER_KEYS = sorted((tuple(p.split()) for p in vocab.PER_WORDS), key=len, reverse=True)
_CAP_NEGATIONS = frozenset(
    {
        "no",
        "dont",
        "don't",
        "not",
        "never",
        "without",
        "stop",
        "avoid",
        "sin",
        "nunca",
        "ni",
        "zero",
        "less",
        "fewer",
        "any",
    }
)
# "dont let it go over 130 bpm": the words between the cue and the bound
_FILLER = vocab.NEGATION_FILLER | {"want", "like", "need", "go", "going", "get", "gets", "let", "it"}
# After "won't" or "doesn't", the words of what the music would do to the listener: "songs that won't make me sad",
# "nothing that'll put me to sleep", "music that doesn't get me down"
_EFFECT_CUES = frozenset({"wont", "will not", "wouldnt", "would not", "shouldnt", "doesnt", "dont", "dont want"})
_EFFECT_WORDS = frozenset({"make", "makes", "me", "us", "be", "get", "gets", "feel", "leave", "leaves", "too", "so"})
_YEAR_CUES = frozenset({"from", "in", "of", "during", "year", "released", "circa", "around", "del", "de"})
# words between the two years of a span ("2001 thru 2004", "entre 2000 y 2005", "del 2001 al 2004")
_SPAN_JOINERS = frozenset({"-", "to", "through", "thru", "till", "til", "until", "and", "y", "al", "a", "hasta"})
_YEAR_JOINERS = frozenset({"to", "-", "through", "till", "until", "and", "or", "&", "/", ",", "the", "into",
                           "y", "o", "los", "las", "a", "hasta"})  # fmt: skip
# "80s to 2010s", "de los 80s a los 2000s": every year between
_YEAR_SPAN_WORDS = frozenset({"to", "-", "through", "till", "until", "into", "a", "hasta"})
_VOCAB_WORDS = {w for k in _PHRASES for w in k if w.isalpha()}
_CONTEXT_KEY_WORDS = {w for p in vocab.CONTEXT_CUES for w in _key(p)}
_DIMINUTIVE_BASES = _VOCAB_WORDS | vocab.STOPWORDS | vocab.MUSIC_NOUNS | _CONTEXT_KEY_WORDS
_LIST_WORDS = frozenset({"or", "nor", "and", "&", ",", "y", "ni"})  # words that list one name after another
# what a name with "'s" owns that people play: "drake's sad songs", "queen's greatest hits" (not "X's top picks")
# question words: "who's on track 4" is no one's music (not The Who's)
_ASK_WORDS = frozenset({"who", "what", "where", "when", "how", "which", "why", "that", "it", "there", "here"})
_THEIRS = frozenset({"songs", "song", "tracks", "track", "tunes", "canciones", "temas", "music", "hits", "album",
                     "albums", "discography", "stuff", "singles"})  # fmt: skip
_BACK_WORDS = frozenset({"last", "past", "ultimos", "ultimas", "pasados"})  # "the last 5 years"
_VAGUE_COUNTS = frozenset({"couple", "few", "several", "coupla", "cuantos", "pocos"})


def _listed_gaps(
    spans: list[tuple[int | None, int | None, bool, float, str, str]], merged: YearRange | None, out: list[YearRange]
) -> list[YearRange]:
    """The years between decades listed apart ("80s and 2010s", "the 70s, 90s"): the merged range holds them, the
    list leaves them out (a span said, "80s to 2010s", keeps them), unless ``out`` already does."""
    if merged is None or not merged.explicit or len(spans) < 2 or any(s[5] != "list" for s in spans[1:]):
        return []
    said = sorted((lo, hi) for lo, hi, exp, *_ in spans if exp and lo is not None and hi is not None)
    if len(said) != len(spans):
        return []
    return [
        YearRange(start=a_hi + 1, end=b_lo - 1, source="between the years listed")
        for (_, a_hi), (b_lo, _) in zip(said, said[1:])
        if b_lo - a_hi > 1 and not any((x.start or 0) <= a_hi + 1 and b_lo - 1 <= (x.end or 9999) for x in out)
    ]


def _years_at_ages(toks: list[_Tok], first: int, last: int) -> tuple[int, int] | None:
    """The calendar years a person said to be of some age ("i'm 68", "i am 70") lived at ages ``first``-``last``;
    None when no age is said."""
    words = [t.text for t in toks]
    age = next(
        (
            int(w)
            for k, w in enumerate(words)
            if k and w.isdigit() and words[k - 1] in vocab.AGE_LEADS and 5 <= int(w) <= 110
        ),
        None,
    )
    if age is None or not 0 <= first <= last < age:
        return None
    born = vocab.this_year() - age
    return born + first, born + last


def _born_in(toks: list[_Tok], start: int, lo: int | None, hi: int | None) -> tuple[int, int] | None:
    """The years of a person's youth (13 to 25 years old) where a year is when they were born ("i was born in 1950",
    "my dad was born in 1962"): the music of then; None for any other year."""
    before = [t.text for t in toks[max(0, start - 5) : start]]
    said = before[-2:] in (["born", "in"], ["naci", "en"]) or (before[-1:] == ["born"] and "year" not in before)
    if lo is None or lo != hi or not said:
        return None  # "songs from the year i was born (1994)": that year itself
    words = [t.text for t in toks]
    grams = {*words, *(" ".join(p) for p in zip(words, words[1:]))}
    # "my childhood", "college years": the ages that stage of life spans
    first, last = next((ages for stage, ages in vocab.LIFE_STAGE_AGES.items() if stage in grams), (13, 25))
    return lo + first, lo + last


_SUBGENRE_OF = {sub: genre for genre, sub in vocab.GENRE_PHRASES.values() if sub}  # "reggaeton": "latin"
_YEAR_UNITS = frozenset({"year", "years", "yr", "yrs", "ano", "anos"})
_AND_WORDS = _LIST_WORDS - {","}  # "no madonna, max 2 per artist": after a comma a word is rather a new ask
# words around a name said alone ("drake songs", "play some queen", "how about drake")
_ALONE_WORDS = vocab.STOPWORDS | vocab.CHAT_FILLER | frozenset(
    {"playlist", "vibes", "hits", "best", "greatest", "play", "give", "me", "how", "about", "what", "mix", "radio",
     "all", "only", "everything", "anything", "?", "!", ".", ",", "put", "on", "want", "i", "like", "love"}
)  # fmt: skip
_HEAD_BREAKS = frozenset({"but", ",", "-", "without", "except", "minus", "no", "not", "nothing"})
_NAME_CUES = frozenset({"by", "featuring", "feat", "ft"})  # words a name follows, and nothing else
# the words before a list of names ("i like radiohead, muse and blur", "songs by x, y and z"), and what ends an item
_LIST_LEADS = _NAME_CUES | {"like", "likes", "love", "loves", "loved", "adore", "adores", "adored", "think", "into"}
_LIST_ENDS = frozenset({",", "and", "&", ".", "!", "?", ";", ":"})
_TASTE_LEADS = frozenset({"i", "we", "really", "also", "both", "totally", "mostly"})


def _item_ends(text: str, toks: list["_Tok"], j: int) -> bool:
    """Whether an item of a list ends before token ``j``: the text ends, a comma or "and" follows, or a sentence
    mark stands between ("... and massive attack. make me something")."""
    return (
        j >= len(toks)
        or toks[j].text in _LIST_ENDS
        or bool(_SENTENCE_MARK.search(text[toks[j - 1].end : toks[j].start]))
    )


_SENTENCE_MARK = re.compile(r"[.!?;:]")


def _taste_cue(toks: list["_Tok"], i: int) -> bool:
    """Whether token ``i`` follows "i like" / "we love" / "i'm into": a taste, so a name may stand there."""
    return (
        i >= 2
        and toks[i - 1].text in ("like", "love", "dig", "into", "adore")
        and toks[i - 2].text in _TASTE_LEADS | {"im", "were"}
        and not {t.text for t in toks[max(0, i - 4) : i]} & {"dont", "didnt", "not", "never", "would", "wouldnt"}
    )


_CORRECTION_CUES = sorted((_key(c) for c in vocab.CORRECTION_CUES), key=len, reverse=True)
_CORRECTION_ADDS = {_key(c) for c in vocab.CORRECTION_ADDS}
_FAMILY = {"other_genre": "genre", "subgenre": "genre", "relative_years": "years", "duration": "length"}


_MOSTLY = frozenset({"mostly", "mainly", "largely", "primarily", "principalmente", "mayormente"})
_A_LITTLE = frozenset({"some", "bit", "little", "few", "touch", "sprinkle", "dash", "algo", "poco", "pocas"})
_SEED_CUES = sorted((_key(c) for c in vocab.SEED_SONG_CUES), key=len, reverse=True)
_LIKE_SONG_CUES = sorted((_key(c) for c in vocab.LIKE_SONG_CUES), key=len, reverse=True)
_SIMILAR_AFTER = sorted((_key(c) for c in vocab.SIMILAR_AFTER), key=len, reverse=True)
_TYPE_BEAT = [("type", "beat"), ("type", "beats"), ("type", "song"), ("type", "songs"), ("type", "music")]
_SOME_OF = sorted((_key(c) for c in vocab.SOME_OF_CUES), key=len, reverse=True)
_WITH_ARTIST = sorted((_key(c) for c in vocab.WITH_ARTIST_CUES), key=len, reverse=True)


_HEDGE_WORDS = sorted(
    (
        _key(w)
        for w in (*vocab.BIT_WORDS, "sorta", "sort of", "a little bit", "little bit", "lil", "a lil")
        if w not in ("algo", "bit")
    ),  # "algo lento" is something slow; "bit" alone is rather "a bit" cut short
    key=len,
    reverse=True,
)
_HEDGE_SKIP = frozenset({"more", "less", "mas", "menos", "on", "the", "of"})  # "slightly more upbeat", "a bit of.."


def _hedged(toks: list[_Tok], start: int) -> bool:
    """Whether a hedge ("kinda", "a little", "slightly") comes just before token ``start``, "more" allowed between."""
    texts = [t.text for t in toks[max(0, start - 6) : start]]
    for skipped in range(4):  # "kind of slow", "a bit on the slow side": a hedge may end in a word skipped here
        head = texts[: len(texts) - skipped]
        if any(tuple(head[-len(h) :]) == h for h in _HEDGE_WORDS if len(h) <= len(head)):
            return True
        if skipped == len(texts) or texts[len(texts) - skipped - 1] not in _HEDGE_SKIP:
            return False
    return False


def _negation_before(toks: list[_Tok], i: int) -> bool:
    """Whether a negation cue of several words ends just before token ``i`` ("anything but", "sick of")."""
    texts = [t.text for t in toks[max(0, i - _NEGATION_WIDTH) : i]]
    return any(len(k) > 1 and tuple(texts[-len(k) :]) == k for k in _NEGATION)


def _cue_after(toks: list[_Tok], end: int, cues: list[tuple[str, ...]]) -> int | None:
    """Where the cue that starts at token ``end`` ends, or None."""
    texts = tuple(t.text for t in toks[end : end + 5])
    return next((end + len(c) for c in cues if texts[: len(c)] == c), None)


def _cue_before(toks: list[_Tok], start: int, cues: list[tuple[str, ...]]) -> bool:
    """Whether a cue ends right before token ``start``."""
    texts = tuple(t.text for t in toks[max(0, start - 5) : start])
    return any(texts[len(texts) - len(c) :] == c for c in cues if len(c) <= len(texts))


_HEDGES = frozenset({"lowkey", "highkey"})
_AFTER_HEDGE = frozenset({"too", "so", "kinda", "really", "want", "need", "love", "hate", "like", "think", "feel",
                          "wish", "miss", "prefer", "i", "im", "its", "this", "that", "these", "those", "the", "a",
                          "getting", "sick", "tired", "obsessed", "dont", "not"})  # fmt: skip


def _slang_hedges(toks: list[_Tok]) -> None:
    """ "lowkey too many by future", "lowkey love this": slang for "kind of" before a statement is no mood; "lowkey
    vibes" or "something lowkey" still is (marked used, so no phrase reads it)."""
    for i, t in enumerate(toks[:-1]):
        if t.text in _HEDGES and toks[i + 1].text in _AFTER_HEDGE:
            t.used = True


_DIMINUTIVE = re.compile(r"^([a-z]{3,}?)(c)?it([oa])(s?)$")


def _diminutives(toks: list[_Tok]) -> None:
    """Spanish diminutives read as their word: "musiquita tranquilita" is "musica tranquila", "rolitas" are
    "rolas", "suavecito" is "suave"; only where the word under the ending is one the vocabulary reads."""
    for tok in toks:
        m = _DIMINUTIVE.match(tok.text)
        if m is None or tok.text in _VOCAB_WORDS:
            continue
        stem, c, vowel, plural = m.groups()
        stems = [stem]
        if stem.endswith(("qu", "gu")):  # "musiquita", "amiguito": the spelling kept the sound of c, g
            stems.append(stem[:-2] + stem[-2].replace("q", "c"))
        if c:  # "suavecito", "cancioncita": the ending may hold the word's own c
            stems.append(stem + "c")
        for base in stems:
            forms = (base + vowel + plural, base + plural, base + "e" + plural)
            hit = next((w for w in forms if w in _DIMINUTIVE_BASES), None)
            if hit:
                tok.text = hit
                break


def _similar_to(toks: list[_Tok], i: int) -> int | None:
    """Where the words asking for music like token ``i`` begin ("songs like", "similar to", not "i like"), or None."""
    before = [t.text for t in toks[max(0, i - 3) : i]]
    if before[-2:] in (["similar", "to"], ["style", "of"], ["vein", "of"]):
        return i - 2
    if before[-1:] == ["like"] and not (set(before[:-1]) & {"i", "we", "really", "you", "u", "dont", "would"}):
        return i - 1
    if _taste_cue(toks, i) and before[-1:] != ["into"]:  # "i like radiohead": a taste, music like theirs
        return i - 1
    if before[-1:] == ["into"] and before[-2:-1] and before[-2] in _INTO_LEADS:  # "she's into abba and the bee gees"
        return i - 1
    if before[-1:] in (["think"], ["eg"]) or before[-2:] in (["such", "as"], ["think", "like"]):
        return i - (2 if before[-1:] == ["as"] or before[-2:] == ["think", "like"] else 1)  # "r&b, think marvin gaye"
    lead = before[:-1] if before[-1:] == ["the"] else before  # "and loved the Beatles": the name's own "the" left out
    if lead[-1:] in (["loved"], ["loves"], ["adored"], ["adores"]) and lead[-2:-1] and lead[-2] in _LOVERS:
        return i - 1 - (lead is not before)  # "he loved the beatles": his taste, for a playlist that is not only theirs
    # "think whitney and marvin gaye": a name the catalog lacks, then this one, after the cue
    back = [t.text for t in toks[max(0, i - 6) : i]]
    cue = _list_cue(back)
    listed = cue is not None and back[-1:] in (["and"], [","], ["&"]) and "i" not in back[cue + 1 :]
    return i - len(back) + cue if listed else None


def _list_cue(words: list[str]) -> int | None:
    """Where a cue that makes a list of names a taste ("think", "he loved", "such as") is in ``words``, or None."""
    for k, w in enumerate(words[:-1]):
        if w in _LIST_CUES or (w == "as" and words[k - 1 : k] == ["such"]):
            return k
    return None


_LIST_CUES = frozenset(
    {"think", "loved", "loves", "adored", "adores", "like", "love"}
)  # a list of names after them is a taste
_LOVERS = frozenset({"he", "she", "they", "mom", "mum", "dad", "grandad", "granddad", "grandpa", "grandma", "nan",
                     "wife", "husband", "gf", "bf", "girlfriend", "boyfriend", "sister", "brother",
                     "friend", "i", "we", "and", "always", "really", "also"})  # fmt: skip
_INTO_LEADS = frozenset({"shes", "hes", "im", "theyre", "were", "is", "am", "are", "was", "really", "totally", "also",
                         "mostly", "big", "been", "all"})  # fmt: skip


def _family(m: Match) -> object:
    """What a later match of the same family replaces: genres, years, a length, one audio feature, ..."""
    if m.kind == "feature":
        return ("feature", m.value[0])  # type: ignore[index]
    return _FAMILY.get(m.kind, m.kind)


def _corrections(toks: list[_Tok], matches: list[Match]) -> None:
    """ "90s hip hop, wait no, 2000s hip hop": after a correction cue, what is named replaces the same family named
    before the cue (the 90s go, the hip hop stays); a cue with nothing of the same family on both sides is no cue."""
    texts = [t.text for t in toks]
    cues = []
    for i in range(len(texts)):
        hit = next((c for c in _CORRECTION_CUES if tuple(texts[i : i + len(c)]) == c), None)
        if hit and not any(t.used for t in toks[i : i + len(hit)]) and (not cues or i >= cues[-1][1]):
            cues.append((i, i + len(hit)))
    for k, (a, b) in enumerate(cues):
        end = cues[k + 1][0] if k + 1 < len(cues) else len(toks)
        after = [m for m in matches if b <= m.start < end]
        tail = texts[b:end]
        if any(tuple(tail[j : j + len(c)]) == c for c in _CORRECTION_ADDS for j in range(len(tail))):
            continue  # "rock, actually some pop too" adds
        families = {_family(m) for m in after}
        replaced = [m for m in matches if m.end <= a and _family(m) in families]
        if replaced:
            matches[:] = [m for m in matches if m not in replaced]
            for t in toks[a:b]:
                t.used = True


def _one_decade(a: tuple[int | None, int | None], b: tuple[int | None, int | None]) -> bool:
    """Whether two closed year ranges lie in one decade ("early 90s hip hop, late 90s r&b"): parts of it, not a
    contradiction."""
    ends = [a[0], a[1], b[0], b[1]]
    return None not in ends and len({y // 10 for y in ends}) == 1  # type: ignore[operator]


def _narrows(a: tuple[int | None, int | None], b: tuple[int | None, int | None]) -> bool:
    """Whether one of two overlapping year ranges is a closed span and the other a bound ("the 2000s" and "up to
    2005"): then the bound cuts the span."""
    closed = [lo is not None and hi is not None for lo, hi in (a, b)]
    bound = [(lo is None) != (hi is None) for lo, hi in (a, b)]
    if not (closed[0] and bound[1] or closed[1] and bound[0]):
        return False
    lo = max(v for v in (a[0], b[0]) if v is not None)
    hi = min(v for v in (a[1], b[1]) if v is not None)
    return lo <= hi


def _heads(toks: list[_Tok], i: int, j: int) -> bool:
    """Whether tokens [i, j) open the request and a constraint follows them ("drake after 2015 but no sad ones",
    "queen songs, no ballads"): a well-known name that is also a word is then the name, as when said alone."""
    if not all(t.text in _ALONE_WORDS for t in toks[:i]):
        return False
    k = j
    while k < len(toks) and toks[k].text in _ALONE_WORDS and toks[k].text not in _HEAD_BREAKS:
        k += 1
    if k >= len(toks):
        return False
    nxt = toks[k]  # a year read already, a year's cue before one, or a clause of what not to play
    return (
        nxt.used
        or nxt.text in _HEAD_BREAKS
        or (nxt.text in vocab.YEAR_CONTEXT and k + 1 < len(toks) and toks[k + 1].used)
    )


def _alone(toks: list[_Tok], i: int, j: int) -> bool:
    """Whether tokens [i, j) are all the message says ("drake", "queen songs", "how about drake"): a well-known
    name that is also a word is then the name."""
    return all(t.text in _ALONE_WORDS for k, t in enumerate(toks) if not i <= k < j)


def _name_parts(words: list[str]) -> list[tuple[str, ...]]:
    """The parts of a name of several words people say alone: "the" and the last word of a band ("the stones"),
    two words in a row of a longer name, and its initials ("rhcp"). A surname alone is
    :meth:`TagExtractor._surname_aliases`'."""
    out: list[tuple[str, ...]] = []
    core = words[1:] if words[0] == "the" else words
    last = core[-1]
    if words[0] == "the" and len(last) >= 4 and last.isalpha() and len(core) >= 2:
        out.append(("the", last))
    if len(core) >= 3:
        out += [tuple(core[k : k + 2]) for k in range(len(core) - 1) if not set(core[k : k + 2]) & vocab.STOPWORDS]
        out.append(("".join(w[0] for w in core),))
    return out


def _name_keys(key: tuple[str, ...]) -> list[tuple[str, ...]]:
    """A name's key and the keys that are the same name: other spellings, without "the", the leader of "X & The
    Ys", squashed ("acdc")."""
    out = [key, *_spellings(key)]  # "guns and roses", "ac dc", "wisin y yandel"
    if len(key) >= 2 and key[0] == "the":
        out.append(key[1:])
    lead = next((i for i in range(2, len(key) - 1) if key[i] in ("&", "and", "+") and key[i + 1] == "the"), 0)
    if lead:  # "bob marley" of Bob Marley & The Wailers, "tom petty" of Tom Petty and the Heartbreakers
        out.append(key[:lead])
    squashed = "".join(ch for ch in "".join(key) if ch.isalnum())
    if len(key) >= 2 and len(squashed) >= 4:
        out.append((squashed,))
    return out


def _spellings(key: tuple[str, ...]) -> list[tuple[str, ...]]:
    """Other ways people type a name: "&" / "and" / "n" / "y" / "+" for one another, punctuation left out."""
    out: list[tuple[str, ...]] = []
    joins = [i for i, k in enumerate(key) if k in ("&", "and", "n", "y", "+") and 0 < i < len(key) - 1]
    for i in joins:
        for alt in ("and", "&", "n", "y"):
            if alt != key[i]:
                out.append(key[:i] + (alt,) + key[i + 1 :])
    bare = tuple(k for k in key if any(ch.isalnum() for ch in k))
    if len(bare) >= 2 and bare != key:
        out.append(bare)
    spelled = tuple(w for k in key for w in (_SPELLED.get(k) or (k,)))
    if spelled != key:  # "fifty cent", "maroon five": a number in a name said in words
        out.append(spelled)
    return out


def _spelled_numbers() -> dict[str, tuple[str, ...]]:
    """ "50" -> ("fifty",), "21" -> ("twenty", "one"): whole numbers below 100 in English words."""
    words: dict[int, str] = {}
    for k, v in vocab.NUMBER_WORDS.items():
        if float(v).is_integer() and " " not in k and k.isascii():
            words.setdefault(int(v), k)
    out = {str(n): (w,) for n, w in words.items() if 0 < n < 100}
    for n in range(21, 100):
        if str(n) not in out and n // 10 * 10 in words and n % 10 in words:
            out[str(n)] = (words[n // 10 * 10], words[n % 10])
    return out


_SPELLED = _spelled_numbers()


def _year(t: str) -> int | None:
    return vocab.year_of(t)


def _two_digit(t: str, first: int) -> int | None:
    if re.fullmatch(r"\d\d", t):
        y = first // 100 * 100 + int(t)
        return y if y >= first else None
    return None


_AGE_DECADES = frozenset({"20s", "30s", "40s"})  # as years of music, the future or before the catalog
_AGE_CUES = frozenset({"our", "their", "my", "his", "her", "your", "aged", "age", "ages", "im", "i'm", "were", "we're",
                       "turning", "people", "folks", "crowd", "friends", "guests", "everyone", "ppl", "adults", "guys",
                       "mostly", "all", "couples", "women", "men", "moms", "dads"})  # fmt: skip


def _an_age(texts: list[str], i: int) -> bool:
    """Whether "20s" at ``i`` is an age: "late 20s" (music not yet made), "in our 30s", "friends in their 40s"."""
    if texts[i] not in _AGE_DECADES:
        return False
    part = i > 0 and texts[i - 1] in ("early", "mid", "late")
    if part and texts[i] == "20s" and texts[i - 1] != "early":
        return True
    start = i - part
    if _AGE_CUES & set(texts[max(0, start - 3) : start]):
        return True
    # "late 20s and early 30s crowd": an age joined to an age
    return any(texts[j] in _AGE_DECADES and _an_age(texts, j) for j in range(max(0, start - 3), start))


def _years_of_age(toks: list[_Tok], start: int, end: int) -> bool:
    """Whether "old" at ``start`` ends an age ("my 15 year old daughter", "a five-year-old") rather than saying how old
    the music is ("30 year old songs")."""
    if end - start != 1 or toks[start].text != "old" or start < 2 or toks[start - 1].text not in _YEAR_UNITS:
        return False
    n = toks[start - 2].text
    if not (n.isdigit() or _key(n) in _NUMBER_WORDS):
        return False
    if toks[start - 1].text in ("year", "yr"):  # "a 15 year old daughter", "30 yr old songs": the next word says
        return end >= len(toks) or toks[end].text not in vocab.MUSIC_NOUNS
    # "songs that are 20 years old" says how old the music is; "i'm 40 years old", "my dad who is 60 years old" an age
    before = {t.text for t in toks[max(0, start - 5) : start - 2]}
    return bool(before & _AGE_SUBJECTS) or not any(
        t.text in vocab.MUSIC_NOUNS or t.text in _MUSIC_THINGS for t in toks[: start - 2]
    )


_AGE_SUBJECTS = frozenset(
    {"i", "im", "i'm", "he", "hes", "she", "shes", "who", "turning", "turned", "turns", "was", "am"}
)
_MUSIC_THINGS = frozenset({"stuff", "ones", "anything", "something", "nothing", "throwbacks", "oldies"})


_A_FEW = (("a", "few"), ("a", "couple"), ("a", "couple", "of"), ("couple", "of"), ("one", "or", "two"))


def _a_few_before(toks: list[_Tok], start: int) -> bool:
    """Whether a word about the sound at ``start`` counts a few tracks beside the rest ("mostly dance but a few
    slow ones"): said of some of the playlist, not all of it ("a few slow songs" alone is the whole request)."""
    texts = [t.text for t in toks]
    lead = next((len(p) for p in _A_FEW if start >= len(p) and texts[start - len(p) : start] == list(p)), 0)
    if not lead or not any(t in ("ones", "songs", "tracks", "tunes") for t in texts[start + 1 : start + 3]):
        return False
    return bool({"but", "and", "with", "plus", "mostly", "also"} & set(texts[: start - lead]))


def _phrase_after(texts: list[str], i: int, phrases: tuple[str, ...]) -> int:
    """The length in tokens of the phrase among ``phrases`` that starts at ``texts[i]``, else 0."""
    for p in sorted(phrases, key=lambda x: -len(x.split())):
        words = p.split()
        if tuple(texts[i : i + len(words)]) == tuple(words):
            return len(words)
    return 0


_COUNT_NOUNS = frozenset({"songs", "song", "tracks", "track", "tunes", "canciones", "temas"})
_TRACK_NOUNS = frozenset({"songs", "song", "tracks", "track", "tunes", "jams", "bangers", "hits", "records",
                          "canciones", "temas", "cuts", "anthems", "classics", "joints"})  # fmt: skip


def _aside_counts(text: str, toks: list[_Tok], matches: list[Match]) -> None:
    """A count said inside brackets that close before its noun is an aside, not the playlist's length: "two kids (6
    and 9) - need fun singalong songs" names the kids' ages; "(about 20 songs)" and "20 songs (no rap)" stay."""
    if ")" not in text:
        return
    texts = [t.text for t in toks]
    for m in [m for m in matches if m.kind == "length"]:
        noun = _followed_by_track_noun(texts, m.end)
        if noun is not None and ")" in text[toks[m.end - 1].end : toks[noun].start]:
            matches.remove(m)
            for t in toks[m.start : m.end]:
                t.used = False


_ALSO_LEADS = frozenset({"with", "and", "plus", "including", "incl", "con", "y"})


def _artist_counts(toks: list[_Tok], matches: list[Match]) -> None:
    """ "90s rock with a few nirvana songs", "2000s rap with a couple of eminem songs": a count after "with" (and,
    plus, including) and right before an artist's name and a track noun counts that artist's tracks beside the rest,
    not the playlist's length (it made a 2-track playlist)."""
    texts = [t.text for t in toks]
    starts = {m.start: m for m in matches if m.kind == "artist" and not m.negated}
    for m in [m for m in matches if m.kind == "length"]:
        name = starts.get(m.end) or (starts.get(m.end + 1) if texts[m.end : m.end + 1] == ["of"] else None)
        lead = m.start - 1 - (m.start > 1 and texts[m.start - 1] in ("a", "an"))  # "with a couple of"
        if name is None or lead < 0 or texts[lead] not in _ALSO_LEADS:
            continue
        if name.end < len(texts) and texts[name.end] in _TRACK_NOUNS:
            matches.remove(m)


def _counted_beside(toks: list[_Tok], start: int) -> bool:
    """Whether a count after "with" (and, plus, including) comes right before the name at ``start``: "90s rock with 3
    nirvana songs" asks for three of theirs beside the rest."""
    texts = [t.text for t in toks[max(0, start - 3) : start]]
    return len(texts) >= 2 and texts[-1].isdigit() and texts[-2] in _ALSO_LEADS


def _followed_by_track_noun(texts: list[str], i: int) -> int | None:
    """Index of a track noun within the next few tokens ("20 chill r&b songs"), else None."""
    for k in range(i, min(len(texts), i + 5)):
        if texts[k] in _TRACK_NOUNS:
            return k
        if not texts[k].isalpha() and texts[k] != "&":
            return None
    return None


def _word_slips(pair: tuple[str, str], phrase: str) -> bool:
    """Whether each word of ``pair`` is at most one edit from its word of ``phrase``: "hapy songs" is one slip
    from "happy songs" but two from "hype songs", which a distance over the whole pair cannot tell apart."""
    words = phrase.split()
    return len(words) != 2 or all(OSA.distance(a, b) <= (1 if len(b) < 8 else 2) for a, b in zip(pair, words))


def _mark(toks: list[_Tok], i: int, j: int) -> None:
    for k in range(i, j):
        toks[k].used = True


def _number(texts: list[str], i: int) -> float | None:
    """The number written at ``texts[i]``: digits, or number words ("two", "twenty five")."""
    if i >= len(texts):
        return None
    if re.fullmatch(r"\d+(\.\d+)?", texts[i]):
        return float(texts[i])
    for k in (2, 1):
        v = _NUMBER_WORDS.get(tuple(texts[i : i + k]))
        if v is not None and i + k <= len(texts):
            return float(v)
    return None


def _number_width(texts: list[str], i: int) -> int:
    """How many tokens the number at ``texts[i]`` takes ("twenty five": 2; "fifteen" closing the text: 1)."""
    if i < len(texts) and re.fullmatch(r"\d+(\.\d+)?", texts[i]):
        return 1
    pair = tuple(texts[i : i + 2])
    return 2 if len(pair) == 2 and pair in _NUMBER_WORDS else 1


# two words before a decade that make it a bound: "newer than the 90s" is from 2000, "older than the 2010s" up to 2009
_DECADE_AFTER = frozenset({"newer than", "later than", "mas nuevas que", "mas nuevo que"})
_DECADE_BEFORE = frozenset({"older than", "earlier than", "mas viejas que", "mas viejo que"})


def _year_range(texts: list[str], i: int, y: int) -> tuple[tuple[int | None, int | None], int, int]:
    """(years, first token, end token) of the year ``y`` at ``i`` with the words around it; a hedge between a cue
    and the year ("since like 2015", "before around 2000") leaves the cue its meaning."""
    h = i
    while h > 0 and texts[h - 1] in _YEAR_HEDGES:
        h -= 1
    prev = texts[h - 1] if h else ""
    prev2 = " ".join(texts[max(0, h - 2) : h])
    start, end = i, i + 1
    onwards = _phrase_after(texts, i + 1, vocab.YEAR_ONWARDS)
    until = _phrase_after(texts, i + 1, vocab.YEAR_UNTIL)
    if prev in ("after", "post", "past") or prev2 in (
        "newer than",
        "later than",
        "mas nuevas que",
        "despues del",
        "despues de",
    ):
        return (y + 1, None), h - (1 if prev in ("after", "post", "past") else 2), end
    if prev == "since" or prev2 == "desde el" or prev == "desde":
        return (y, None), h - (2 if prev2 == "desde el" else 1), end
    if prev in ("before", "pre", "antes") or prev2 in ("older than", "earlier than", "antes de", "antes del"):
        return (None, y - 1), h - (1 if prev in ("before", "pre", "antes") else 2), end
    if prev in ("until", "till", "through", "hasta") or prev2 == "up to":
        return (None, y), h - (2 if prev2 == "up to" else 1), end
    if onwards or until:
        start = h - 1 if prev in ("from", "de", "del") else i
        return ((y, None) if onwards else (None, y)), start, i + 1 + (onwards or until)
    school = next((k for k in (2, 1) if " ".join(texts[max(0, i - k) : i]) in _SCHOOL_YEARS), 0)
    if school and "year" in texts[max(0, i - school - 3) : i - school]:
        return (y, y), i - school, end  # "the year i graduated (2016)": that one year
    if school:  # "i graduated in 2008", "class of 2012": the school years before it
        return (y - SCHOOL_YEARS, y), i - school, end
    return (y, y), start, end


_YEAR_HEDGES = frozenset({"like", "about", "around", "roughly", "approximately", "approx", "circa", "maybe"})
SCHOOL_YEARS = 4  # "class of 2012": the songs of the four years before
_SCHOOL_YEARS = frozenset({"graduated in", "graduated", "class of", "grad in", "graduating in", "graduation in",
                           "promocion", "me gradue en"})  # fmt: skip


_WHEN_CUES = frozenset({"in", "en", "dentro"})  # "in 20 min", "en una hora": how soon, not how long
_WHEN_HEDGES = frozenset({"like", "about", "around", "roughly", "maybe", "approx", "approximately", "just", "another",
                          "unos", "unas", "como", "de"})  # fmt: skip


# what is over "in 20 min" ("she falls asleep in 20 min", "the party is over in an hour"): how long to play, not when
# it starts ("guests arrive in an hour" is when)
_ENDS_IN = frozenset({"asleep", "done", "finished", "over", "dormida", "dormido"})


def _said_when(texts: list[str], i: int) -> bool:
    """Whether the amount of time at ``i`` says when ("leaving in like 20 min", "party in an hour"), not a length."""
    k = i - 1
    while k >= 0 and texts[k] in _WHEN_HEDGES and i - k <= 3:
        k -= 1
    return k >= 0 and texts[k] in _WHEN_CUES and not (k > 0 and texts[k - 1] in _ENDS_IN)


def _said_done(texts: list[str], i: int) -> bool:
    """Whether the amount of time at ``i`` measures something over ("just finished a 10 hour shift", "after a 3 hour
    flight"): how long that was, not how long the music should be."""
    k = i
    while k > 0 and i - k < 3 and texts[k - 1] in _DONE_SKIP:
        k -= 1
    return any(tuple(texts[max(0, k - len(c)) : k]) == c for c in _DONE_CUES)


def _short_duration(
    toks: list[_Tok], texts: list[str], i: int, out: list[_Match], unsupported: list[str]
) -> int | None:
    """ "90m", "2h", "45min", "half an hour"."""
    m = re.fullmatch(r"(\d+(?:\.\d+)?)(h|hr|hrs|min|mins|m)", texts[i])
    if m and _said_when(texts, i):
        _mark(toks, i, i + 1)
        return i + 1
    if m:
        minutes = float(m.group(1)) * (60 if m.group(2).startswith("h") else 1)
        out.append(_Match("duration", minutes, i, i + 1))
        _mark(toks, i, i + 1)
        return i + 1
    if tuple(texts[i : i + 3]) == ("half", "an", "hour") or tuple(texts[i : i + 2]) in (
        ("media", "hora"),
        ("meia", "hora"),
    ):
        end = i + (3 if texts[i] == "half" else 2)  # "y hazla de media hora"
        out.append(_Match("duration", 30.0, i, end))
        _mark(toks, i, end)
        return end
    return None


_MINUTE_UNITS = frozenset({"minute", "minutes", "min", "mins", "minutos"})


def _and_minutes(texts: list[str], hours: float, end: int) -> tuple[float, int]:
    """The hours said before ``end`` with what follows them: "and a half", "y media", "30 min" ("1 hour 30 min",
    "2 hours and 15 minutes"), and the token after all of it."""
    n = len(texts)
    if tuple(texts[end : end + 3]) == ("and", "a", "half"):
        return hours + 0.5, end + 3
    if tuple(texts[end : end + 2]) == ("y", "media"):  # "una hora y media"
        return hours + 0.5, end + 2
    m = end + (end < n and texts[end] in ("and", "y", "&"))
    extra = _number(texts, m) if m < n else None
    w = m + _number_width(texts, m) if extra is not None else m
    if extra is not None and 0 < extra < 60 and w < n and texts[w] in _MINUTE_UNITS:
        return hours + extra / 60, w + 1
    return hours, end


def _counted(toks: list[_Tok], texts: list[str], i: int, out: list[_Match], unsupported: list[str]) -> int | None:
    """A number and what it counts: hours ("an hour and a half"), minutes, BPM ("under 100 bpm"), tracks."""
    v = _number(texts, i)
    if v is None:
        return None
    n = len(texts)
    k = i + _number_width(texts, i)
    if k < n and texts[k] == "of":  # "a couple of hours"
        k += 1
    unit = texts[k] if k < n else ""
    if i and texts[i - 1] in vocab.AGE_LEADS and 5 <= v <= 110 and _followed_by_track_noun(texts, k) != k:
        _mark(toks, i, k)  # "i'm 68 and i'd like the songs ...": an age, not 68 tracks
        return k
    if unit in vocab.TIME_UNITS and (_said_when(texts, i) or _said_done(texts, i)):
        _mark(toks, i, k + 1)  # "heading to the gym in 20 min", "just finished a 10 hour shift": not how long
        return k + 1
    if unit in ("hour", "hours", "hr", "hrs", "h", "horas", "hora"):
        v, end = _and_minutes(texts, v, k + 1)
        out.append(_Match("duration", v * 60, i, end))
        _mark(toks, i, end)
        return end
    if unit in _MINUTE_UNITS:
        out.append(_Match("duration", v, i, k + 1))
        _mark(toks, i, k + 1)
        return k + 1
    if unit == "+" and k + 1 < n and texts[k + 1] == "bpm" and _DIGITS.match(texts[i]):  # "140+ bpm": a floor
        out.append(_Match("feature", ("tempo", ("min", v)), i, k + 2))
        _mark(toks, i, k + 2)
        return k + 2
    if unit == "bpm" and _DIGITS.match(texts[i]):
        # "at least 130 bpm" is a floor, "under 100 bpm" a ceiling, "128 bpm" a target
        if i > 1 and texts[i - 1] in ("-", "to", "a") and _DIGITS.match(texts[i - 2]) and 40 <= int(texts[i - 2]) < v:
            lo = float(texts[i - 2])  # "118-124 bpm", "120 to 128 bpm": both ends
            out.append(_Match("feature", ("tempo", ("range", (lo, v))), i - 2, k + 1))
            _mark(toks, i - 2, k + 1)
            return k + 1
        before = " ".join(texts[max(0, i - 2) : i])
        cue = next(((c, w) for cues, w in vocab.BPM_BOUND_CUES for c in cues if (" " + before).endswith(" " + c)), None)
        start = i - len(cue[0].split()) if cue else i
        out.append(_Match("feature", ("tempo", (cue[1] if cue else "target", v)), start, k + 1))
        _mark(toks, start, k + 1)
        return k + 1
    noun = _followed_by_track_noun(texts, k)
    hedged = i and texts[i - 1] in vocab.ABOUT_WORDS and (k == n or texts[k] in (".", "!", ",", "?"))
    hedged = hedged and not (i > 1 and texts[i - 2] in vocab.DESCRIBING_VERBS)  # "many are like 120": a comparison
    if hedged and 5 <= v <= MAX_LENGTH and v == int(v) and not toks[i].used:  # "fewer songs, like fifteen"
        out.append(_Match("length", int(v), i - 1, k))  # "songs that go with Uptown Funk, about 15"
        _mark(toks, i - 1, k)
        return k
    if noun is None or texts[i] in ("a", "an", "one") or toks[i].used:
        return None
    if i and texts[i - 1] == "same":  # "he keeps playing the same five songs": those songs, not a length
        _mark(toks, i, k)
        return k
    if v < 1 or v != int(v):
        unsupported.append(f"a playlist of {texts[i]} tracks")
    else:
        out.append(_Match("length", int(v), i, k))
        _mark(toks, i, k)
        if texts[noun] in _COUNT_NOUNS and noun == k:  # "20 love songs": the noun may end a phrase of its own
            _mark(toks, noun, noun + 1)
    return k


# Readers of a per-artist cap at ``texts[i]``: (cap, first token, end token), or None.
def _cap_per_artist(texts: list[str], i: int) -> tuple[int, int, int] | None:
    """ "one per artist", "max 2 songs per band", "1 track from each artist", "una canción por artista"."""
    n = len(texts)
    v = _NUMBER_WORDS.get((texts[i],)) if not texts[i].isdigit() else float(texts[i])
    if v is None or v < 1 or v != int(v) or texts[i] in ("a", "an"):
        return None
    k = i + 1
    while k < n and k - i <= 3 and (texts[k] in _COUNT_NOUNS or texts[k] in ("max", "maximum", "tops", "only")):
        k += 1
    w = next((len(p) for p in _PER_KEYS if tuple(texts[k : k + len(p)]) == p), 0) if k < n else 0
    if w and k + w < n and texts[k + w] in vocab.ARTIST_NOUNS:
        return int(v), i, k + w + 1
    return None


def _cap_once(texts: list[str], i: int) -> tuple[int, int, int] | None:
    """ "each artist only once", "every band just once"."""
    if texts[i] in vocab.ARTIST_NOUNS and "once" in texts[i + 1 : i + 4]:
        return 1, i, i + 1 + texts[i + 1 : i + 4].index("once") + 1
    return None


def _cap_no_repeats(texts: list[str], i: int) -> tuple[int, int, int] | None:
    """ "don't repeat artists", "no repeated artists", "no artist twice", "sin repetir artistas"."""
    if texts[i] not in vocab.REPEAT_WORDS:
        return None
    nouns = [k for k in range(max(0, i - 3), min(len(texts), i + 4)) if texts[k] in vocab.ARTIST_NOUNS]
    negs = [k for k in range(max(0, i - 4), i + 1) if texts[k] in _CAP_NEGATIONS]
    if nouns and negs:
        return 1, min(negs[-1], nouns[0]), max(i, nouns[0]) + 1
    return None


def _cap_same_artist(texts: list[str], i: int) -> tuple[int, int, int] | None:
    """ "too many songs by the same guy", "stop putting the same artist on", "no more than 2 songs by the same
    artist", "there aren't more than 2 from the same band", "max 3 tracks from the same artist"."""
    if texts[i] != "same" or i + 1 >= len(texts) or texts[i + 1] not in vocab.ARTIST_NOUNS:
        return None
    if (bound := _most_before(texts, i)) is not None:
        return bound[0], bound[1], i + 2
    before = " " + " ".join(texts[max(0, i - 10) : i]) + " "
    if any(f" {c} " in before for c in vocab.SAME_ARTIST_COMPLAINTS) or "twice" in texts[i + 2 : i + 4]:
        return 1, i, i + 2
    return None


# "no more than", "not more than", "aren't more than", "max", "at most", "up to", "no mas de": a bound on a count
_MOST_CUES = sorted(
    (tuple(p.split()) for p in ("max", "maximum", "at most", "up to", "tops", "no mas de", "maximo")), key=len
)
_MORE_THAN_NEGATIONS = _CAP_NEGATIONS | {"arent", "isnt", "wont", "shouldnt", "doesnt", "never"}


def _most_before(texts: list[str], i: int) -> tuple[int, int] | None:
    """The count bounded just before ``texts[i]`` ("no more than 2 songs by the same artist": 2) and where its cue
    starts: a number with an at-most cue, a count noun and "by"/"from" at most between it and ``i``."""
    for k in range(i - 1, max(-1, i - 6), -1):
        w = texts[k]
        if w in _COUNT_NOUNS or w in ("by", "from", "of", "per", "the", "de", "del", "mismo"):
            continue
        v = float(w) if w.isdigit() else _NUMBER_WORDS.get((w,))
        if v is None or v < 1 or v != int(v) or w in ("a", "an"):
            return None
        if k >= 2 and texts[k - 2 : k] == ["more", "than"] and k >= 3 and texts[k - 3] in _MORE_THAN_NEGATIONS:
            return int(v), k - 3
        for cue in _MOST_CUES:
            if tuple(texts[max(0, k - len(cue)) : k]) == cue:
                return int(v), k - len(cue)
        return None
    return None


_ONES_LEADS = frozenset({"the", "those", "these"})
_ONES = frozenset({"one", "ones", "other", "others"})
# what follows "the ones" that says which tracks: "the ones from the 80s", "the ones with sax", "the ones that drag"
_ONES_THAT = frozenset({"from", "with", "without", "by", "that", "which", "who", "in", "on", "of", "before", "after",
                        "you", "i", "we", "where", "over", "under", "at", "near", "around", "like"})  # fmt: skip


def _ones_that(toks: list[_Tok], i: int, j: int, key: tuple[str, ...]) -> bool:
    """Whether tokens ``i:j`` are "the ones" (or "those ones", "the other") pointing at tracks by what follows them,
    written in lower case: "i don't like the ones from the 80s" names no band."""
    if len(key) != 2 or key[0] not in _ONES_LEADS or key[1] not in _ONES:
        return False
    if all(t.orig[:1].isupper() for t in toks[i:j]):
        return False  # "no The Ones please": a name written as one
    return j < len(toks) and toks[j].text in _ONES_THAT


def _everyday_noun(toks: list[_Tok], i: int, j: int) -> bool:
    """A genre word used as the everyday noun it also is: "cleaning the house", "at my house", "a house party" (not
    "house music", "the house classics")."""
    if j - i != 1 or toks[i].text not in vocab.EVERYDAY_GENRE_NOUNS:
        return False
    after = toks[j].text if j < len(toks) else ""
    if after in ("party", "parties", "warming"):  # "house party", "garage party": where, not what plays
        return True
    if not i:
        return False
    # "minus the trap stuff", "the house side of things": a word of kind after it says a style is meant
    return toks[i - 1].text in vocab.DETERMINERS and after not in vocab.MUSIC_NOUNS and after not in _STYLE_NOUNS


_NOUN_LEADS = frozenset({"a", "an", "my", "your", "our", "his", "her", "their"})
_STYLE_NOUNS = frozenset({"stuff", "side", "sound", "sounds", "style", "kind", "type", "ones", "genre", "scene"})


# ----- context: what a request's situation suggests ------------------------------------------------------
_CONTEXT = {_key(p): v for p, v in vocab.CONTEXT_CUES.items()}
_CONTEXT_WIDTH = max(len(k) for k in _CONTEXT)
_CONTEXT_WORDS = frozenset(k[0] for k in _CONTEXT if len(k) == 1)
_FILLER_LIST = sorted(w for w in vocab.CHAT_FILLER if len(w) >= 5 and w.isalpha())
_CONTEXT_TYPO_LIST = sorted(w for w in _CONTEXT_WORDS if len(w) >= 5 and w.isalpha())
# what a phrase of context reads differently when it holds the word: "new years eve" is no recent year, "happy
# hour" and "calm down" no mood said of the music
_CONTEXT_OVERRIDES = frozenset({"relative_years", "mood"})
# what a phrase of context never overlaps: a name or a genre ("Summer Walker", "rain" in an artist's name)
_CONTEXT_BLOCKERS = frozenset({"artist", "genre", "other_genre", "years", "length", "duration"})
_STATE_LEADS = sorted((_key(c) for c in vocab.STATE_LEADS), key=len, reverse=True)
_INFERRED = {_key(p): frozenset(kinds) for p, kinds in vocab.INFERRED_PHRASES.items()}
MAX_CONTEXT_MOODS = 2
CONTEXT_CONFIDENCE = 0.7  # below a said tag, about as sure as a close prototype


def _contexts(toks: list[_Tok], matches: list[Match], titles: list[tuple[int, int]] = ()) -> list[Match]:
    """The phrases of situation in the text, longest first, as matches of kind "context" (value: the moods they
    suggest and the activity they imply). Each is read wherever it stands, beside the vocabulary's reading of its
    words, except inside a name, a genre or a song's title (``titles``: "Lazing On A Sunday Afternoon by Queen"); a
    mood or relative year read inside a longer one goes ("new years eve", "happy hour"). Negated ones ("no rainy
    day songs") are marked so."""
    n = len(toks)
    blocked = [False] * n
    spans = [(m.start, m.end) for m in matches if m.kind in _CONTEXT_BLOCKERS]
    for a, b in [*spans, *titles]:
        for k in range(a, b):
            blocked[k] = True
    texts = [t.text for t in toks]
    found: list[Match] = []
    taken = [False] * n
    for width in range(min(_CONTEXT_WIDTH, n), 0, -1):
        for i in range(n - width + 1):
            j = i + width
            value = _CONTEXT.get(tuple(texts[i:j]))
            if value is None or any(taken[i:j]) or any(blocked[i:j]):
                continue
            if j < n and tuple(texts[i : j + 1]) in _NEGATION:  # "so tired of him": a refusal, not how one feels
                continue
            for k in range(i, j):
                taken[k] = True
            found.append(Match("context", value, i, j, explicit=False, negated=_negated_at(texts, i)))
    for c in found:
        inside = [m for m in matches if m.kind in _CONTEXT_OVERRIDES and c.start <= m.start and m.end <= c.end]
        for m in inside:
            if m.length < c.length:
                matches.remove(m)
    return sorted(found, key=lambda m: m.start)


_NOUN_ENDS = frozenset({"songs", "song", "tracks", "tunes", "bangers", "jams", "anthems", "ballads", "music", "hits",
                        "stuff", "ones", "canciones", "temas"})  # fmt: skip


def _past_describing(toks: list[_Tok], by_start: dict[int, list[_Match]], j: int) -> int:
    """Where the thing a negation refuses starts, past up to two describing words no table knows ("no festival
    bangers", "no cheesy love songs"): only before a match that ends in a music noun; else ``j``."""
    for k in (j + 1, j + 2):
        if k >= len(toks) or j in by_start:
            return j
        if not all(t.text.isalpha() and not t.used for t in toks[j:k]):
            return j
        if k in by_start and any(toks[m.end - 1].text in _NOUN_ENDS for m in by_start[k]):
            for t in toks[j:k]:  # refused with it: no word to search by, nor to infer a mood from
                t.used = True
            return k
    return j


def _negated_at(texts: list[str], i: int) -> bool:
    """Whether a negation cue governs the words at ``i`` ("no rainy day songs", "nothing for the summer")."""
    k = i
    while k > 0 and (texts[k - 1] in vocab.NEGATION_FILLER or texts[k - 1] in _ABOUT):  # "no songs about breakups"
        k -= 1
    return any(tuple(texts[k - w : k]) in _NEGATION for w in (2, 1) if k - w >= 0)


_ABOUT = frozenset({"about", "sobre", "de"})


def _inferred(toks: list[_Tok], matches: list[Match]) -> None:
    """Moods and activities inferred rather than said: words that say how the listener is ("heartbroken"), a mood
    after words of the listener's state ("something to get me hyped", "for when I'm sad"), an occasion ("pregame")."""
    texts = [t.text for t in toks]
    for m in matches:
        if m.negated or m.kind not in ("mood", "activity"):
            continue
        kinds = _INFERRED.get(tuple(texts[m.start : m.end]))
        if (kinds and m.kind in kinds) or (m.kind == "mood" and _after_state_lead(texts, m.start)):
            m.explicit = False
            m.confidence = min(m.confidence, 0.8)


def _after_state_lead(texts: list[str], i: int) -> bool:
    k = i
    while k > 0 and i - k < 3 and texts[k - 1] in vocab.STATE_INTENSIFIERS:
        k -= 1
    return any(len(lead) <= k and tuple(texts[k - len(lead) : k]) == lead for lead in _STATE_LEADS)


def _opposed(mood: str, query: PlaylistQuery) -> bool:
    """Whether the query holds a mood no playlist shares with ``mood`` (sad beside party)."""
    held = {t.value for t in query.moods}
    return bool(held & vocab.OPPOSED_MOODS.get(mood, frozenset())) or any(
        mood in vocab.OPPOSED_MOODS.get(h, frozenset()) for h in held
    )


def _context_tags(query: PlaylistQuery, reading: Reading) -> tuple[int, int]:
    """Adds what the phrases of situation suggest, as inferred tags: per phrase, the first of its moods the query
    neither holds nor refuses and nothing it holds opposes, and its activity when none is named. A phrase whose
    moods are all opposed ("lonely on a friday night") adds nothing. Returns (moods, activities) added."""
    refused = {t.value for t in query.exclude_moods}
    moods = acts = 0
    tokens = reading.tokens
    for c in reading.contexts:
        if c.negated:
            continue
        suggested, activity = c.value  # type: ignore[misc]
        held = {t.value for t in query.moods}
        free = [v for v in suggested if v not in held and v not in refused]
        pick = next((v for v in free if not _opposed(v, query)), None)
        if suggested and free and pick is None:
            continue  # everything it suggests clashes with what was asked
        tag_source = " ".join(t.orig for t in tokens[c.start : c.end])[:200]
        done = _done_before(tokens, c.start)  # "after a long day of hiking": the hike's mood is over too
        if pick is not None and moods < MAX_CONTEXT_MOODS and not done:
            query.moods.append(Tag(value=pick, explicit=False, confidence=CONTEXT_CONFIDENCE, source=tag_source))
            moods += 1
        if activity and not query.activities and not done:  # "finished my shift"
            query.activities.append(
                Tag(value=activity, explicit=False, confidence=CONTEXT_CONFIDENCE, source=tag_source)
            )
            acts += 1
    return moods, acts


def occasion_length(query: PlaylistQuery) -> PlaylistQuery:
    """``query`` with the listening time an occasion that lasts implies ("music for a long flight": 180 minutes,
    :data:`tools.vocab.OCCASION_MINUTES`) when it says no length: a default of the answer, not a length the words
    said, so extraction leaves it out and the new playlist's makers (``Pipeline.run``, the agent's new playlist) add
    it."""
    if query.length or query.duration_min or not (lasting := vocab.occasion_minutes(query.text or "")):
        return query
    return query.model_copy(update={"duration_min": lasting[0]})
