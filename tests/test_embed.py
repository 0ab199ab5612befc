"""The sentence encoder and its on-disk cache."""

import logging

import numpy as np
import pytest

from tools.embed import DIM, EmbeddingCache, get_encoder


def test_similar_requests_are_closer_than_unrelated_ones():
    enc = get_encoder()
    a, b, c = enc.encode(["calm music for studying", "quiet songs to focus on homework", "loud party bangers"])
    assert a.shape == (DIM,)
    assert np.isclose(np.linalg.norm(a), 1.0, atol=1e-4)
    assert a @ b > a @ c


def test_two_caches_on_one_folder_keep_each_others_vectors(tmp_path, caplog):
    first, second = EmbeddingCache(tmp_path), EmbeddingCache(tmp_path)
    v1 = first.embed(["track one by someone"], progress=False)
    v2 = second.embed(["track two by someone else"], progress=False)  # saved after first: must merge
    with caplog.at_level(logging.INFO, logger="tools.embed"):
        both = EmbeddingCache(tmp_path).embed(["track two by someone else", "track one by someone"], progress=False)
    assert np.allclose(both, np.vstack([v2, v1]))
    assert "new documents" not in caplog.text  # both read back from disk, neither embedded again


def test_damaged_cache_is_rebuilt_not_fatal(tmp_path):
    (tmp_path / EmbeddingCache(tmp_path).FILE).write_bytes(b"not a zip file")
    out = EmbeddingCache(tmp_path).embed(["some text"], progress=False)
    assert out.shape == (1, DIM)


TEXTS = [
    "calm music for studying",
    "Bohemian Rhapsody by Queen; album A Night at the Opera; 1970s (1975); genres rock",
    "reggaeton para la fiesta del viernes",
    "sad songs after a breakup",
    "x" * 3000,
]


def test_onnx_variants_agree_with_the_torch_encoder():
    from tools.embed import make_encoder

    reference = make_encoder("torch").encode(TEXTS)
    # float32 matches torch on anything, 256 tokens of 'x' included; int8 holds 0.99 on real sentences
    # (the catalog's documents: `playgenie bench --sections encoders`), 0.987 on that degenerate one.
    for variant, floor, texts in (("onnx", 0.9999, len(TEXTS)), ("onnx-int8", 0.99, len(TEXTS) - 1)):
        vectors = make_encoder(variant).encode(TEXTS)
        assert vectors.shape == (len(TEXTS), DIM)
        cos = np.einsum("ij,ij->i", vectors, reference)[:texts]
        assert cos.min() >= floor, (variant, cos)


def test_batching_does_not_change_a_vector():
    enc = get_encoder()
    alone = np.stack([enc.encode([t])[0] for t in TEXTS])
    assert np.allclose(enc.encode(TEXTS, batch_size=2), alone, atol=1e-5)


def test_vectors_of_two_variants_never_mix(tmp_path):
    from tools.embed import make_encoder

    fp32, int8 = EmbeddingCache(tmp_path, "onnx"), EmbeddingCache(tmp_path, "onnx-int8")
    assert fp32.FILE != int8.FILE
    a = fp32.embed(TEXTS[:2], progress=False)
    b = int8.embed(TEXTS[:2], progress=False)
    assert not np.array_equal(a, b)  # each variant computed its own
    assert np.array_equal(EmbeddingCache(tmp_path, "onnx").embed(TEXTS[:2], progress=False), a)
    with pytest.raises(ValueError, match="cannot fill"):
        EmbeddingCache(tmp_path, "onnx").embed(["new text"], make_encoder("onnx-int8"), progress=False)


def test_mapped_vectors_equal_the_vectors_and_a_damaged_file_is_rewritten(tmp_path):
    from tools.build import MAPPED_VECTORS, mapped_vectors

    vectors = np.random.default_rng(0).standard_normal((50, DIM)).astype(np.float32)
    mapped = mapped_vectors(tmp_path, vectors)
    assert isinstance(mapped, np.memmap) and np.array_equal(mapped, vectors)
    path = tmp_path / MAPPED_VECTORS
    written = path.stat().st_mtime_ns
    del mapped
    assert np.array_equal(mapped_vectors(tmp_path, vectors), vectors) and path.stat().st_mtime_ns == written
    data = bytearray(path.read_bytes())
    data[-5] ^= 0xFF  # one flipped byte in the last vector
    path.write_bytes(bytes(data))
    assert np.array_equal(mapped_vectors(tmp_path, vectors), vectors)
    other = vectors[:10] * 2  # another catalog's vectors replace the file
    assert np.array_equal(mapped_vectors(tmp_path, other), other)


def test_mapped_vectors_where_no_file_can_be_written_stay_in_memory(tmp_path):
    from tools.build import mapped_vectors

    home = tmp_path / "home"
    home.write_text("a file where the home folder should be")  # (root ignores a read-only folder's mode)
    vectors = np.ones((4, DIM), dtype=np.float32)
    out = mapped_vectors(home, vectors)
    assert not isinstance(out, np.memmap) and np.array_equal(out, vectors)
