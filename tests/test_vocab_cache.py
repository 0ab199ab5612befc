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
