"""Build time without a quality cut (issue 15): the VAE's content documents are embedded by the int8 graph beside the
float one the index and every query use, and a step apart embeds on one thread."""

import multiprocessing

import numpy as np

from tools import build, embed
from tools.build import dense_text
from tools.continuation import data as cdata


def test_the_vae_content_documents_never_enter_the_served_vectors_cache(tiny_catalog, tmp_path):
    cdata.content_features(tiny_catalog, tmp_path, progress=False)
    served = embed.EmbeddingCache(tmp_path / "embeddings", embed.DEFAULT_VARIANT)
    content = embed.EmbeddingCache(tmp_path / "embeddings", cdata.CONTENT_VARIANT)
    assert embed.DEFAULT_VARIANT == "onnx" and cdata.CONTENT_VARIANT != embed.DEFAULT_VARIANT
    assert not (tmp_path / "embeddings" / served.FILE).exists()
    docs = [t.document() for t in tiny_catalog.tracks]
    keys = np.load(tmp_path / "embeddings" / content.FILE)["keys"]
    assert len(keys) == len(set(docs))


def test_the_int8_content_vectors_point_where_the_float_ones_do(tiny_catalog):
    docs = [t.document() for t in tiny_catalog.tracks[:24]] + [dense_text(t) for t in tiny_catalog.tracks[:8]]
    exact = embed.get_encoder(embed.DEFAULT_VARIANT).encode(docs)
    fast = embed.get_encoder(cdata.CONTENT_VARIANT).encode(docs)
    cos = (exact * fast).sum(1)
    assert cos.min() > 0.97 and cos.mean() > 0.985
    others = exact @ fast.T  # each text's int8 vector is nearest to its own float vector
    assert (others.argmax(1) == np.arange(len(docs))).all()


def test_a_step_apart_embeds_on_one_thread(monkeypatch, settings):
    seen = []
    monkeypatch.setattr(build, "STEPS", [("probe", lambda ctx: seen.append(embed.batch_threads()) or "probe")])
    monkeypatch.setattr(embed, "BATCH_THREADS", None)
    parent, child = multiprocessing.Pipe(duplex=False)
    build._run_apart("probe", settings, False, child)  # in this process: the body an apart process runs
    assert parent.recv()[:2] == ("ok", "probe") and seen == [1]
