"""The sentence encoder and its on-disk cache."""

import numpy as np

from tools.embed import DIM, EmbeddingCache, get_encoder


def test_similar_requests_are_closer_than_unrelated_ones():
    enc = get_encoder()
    a, b, c = enc.encode(["calm music for studying", "quiet songs to focus on homework", "loud party bangers"])
    assert a.shape == (DIM,)
    assert np.isclose(np.linalg.norm(a), 1.0, atol=1e-4)
    assert a @ b > a @ c


def test_two_caches_on_one_folder_keep_each_others_vectors(tmp_path):
    first, second = EmbeddingCache(tmp_path), EmbeddingCache(tmp_path)
    v1 = first.embed(["track one by someone"], progress=False)
    v2 = second.embed(["track two by someone else"], progress=False)  # saved after first: must merge
    third = EmbeddingCache(tmp_path)
    assert np.allclose(third.embed(["track one by someone"], progress=False), v1)
    assert np.allclose(third.embed(["track two by someone else"], progress=False), v2)
    assert len(third._vectors) == 2


def test_damaged_cache_is_rebuilt_not_fatal(tmp_path):
    (tmp_path / EmbeddingCache.FILE).write_bytes(b"not a zip file")
    out = EmbeddingCache(tmp_path).embed(["some text"], progress=False)
    assert out.shape == (1, DIM)
