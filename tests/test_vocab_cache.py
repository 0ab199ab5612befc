"""tools.vocab caches ``key`` and ``norm`` (every turn keys the playlist's titles again): the cache never answers
differently from the tokenizer, also for keys made while the vocabulary was being built."""

from tools import vocab as V


def test_cached_keys_match_the_tokenizer():
    texts = ["workin out", "runnin", "R.E.M", "90ies hip-hop", "w/o vocals", "Beyoncé", "80's", "2000ish", "mor hapy"]
    texts += [" ".join(k) for k in list(V.PHRASES)[:500]]
    for text in texts:
        fresh = tuple(t.text for t in V.tokenize(text))
        assert V.key(text) == fresh
        assert V.key(text) == fresh  # the second time from the cache


def test_dropped_g_reads_as_the_ing_word():
    assert V.key("workin out") == ("working", "out")
    assert V.key("runnin") == ("running",)


def test_long_messages_are_never_kept_in_the_cache():
    # a public bot's users choose the texts: only short phrases (titles, names, asks) and tokens are cached
    V._short_key.cache_clear()
    for k in range(50):
        V.key(f"{k} " + "really " * 200)
    assert V._short_key.cache_info().currsize == 0
    assert V.key("drop track 3") == ("drop", "track", "3") and V._short_key.cache_info().currsize == 1
    V._short_norm.cache_clear()
    for k in range(50):
        V.norm("x" * 500 + str(k))
    assert V._short_norm.cache_info().currsize == 0
