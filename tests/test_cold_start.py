"""A start reuses what the last one verified only while every input is unchanged (tools.build.open_served),
and the index's files are read again whenever they may have changed (tools.artifacts.manifest_problem)."""

import logging
import os

import numpy as np
import pytest

from tools.settings import Settings


def _start(settings):
    """One start over the settings' catalog: (catalog, index, vectors), the index closed."""
    from tools.build import load_catalog, open_served

    catalog = load_catalog(settings)
    index, vectors = open_served(settings, catalog, settings.home, progress=False)
    index.close()
    return catalog, index, np.array(vectors)


def _stamped(settings, catalog):
    from tools.build import stamped_start, start_key

    key = start_key(settings, catalog)
    return None if key is None else stamped_start(settings.home, key, len(catalog))


def _truth(settings, catalog):
    """What a start must serve, computed the long way: the checked vectors and their index fingerprint."""
    from tools.build import dense_vectors
    from tools.index import fingerprint

    vectors = dense_vectors(settings, catalog, progress=False)
    return vectors, fingerprint(catalog, vectors)


def test_a_second_start_serves_the_stamped_vectors_and_reopens_the_index(settings, caplog):
    catalog, first, vectors = _start(settings)
    assert first.build_s is not None  # the first start built the index
    truth, fp = _truth(settings, catalog)
    stamped = _stamped(settings, catalog)
    assert stamped is not None and np.array_equal(stamped[0], truth) and stamped[1] == fp
    with caplog.at_level(logging.INFO, logger="tools.build"):
        _, second, again = _start(settings)
    assert "as stamped" in caplog.text
    assert second.build_s is None and np.array_equal(again, truth)


def _edit_csv(settings, tmp_path):
    from conftest import write_tiny_csv

    return Settings(data=write_tiny_csv(tmp_path / "other.csv", seed=8), home=settings.home)


def _reembed_a_document(settings, tmp_path):
    """The embedding cache replaced with one document's vector changed a little (an encoder rebuilt alike)."""
    from tools.build import dense_text, embedding_cache, load_catalog
    from tools.embed import _key

    cache = embedding_cache(settings)
    path = cache.folder / cache.FILE
    with np.load(path, allow_pickle=False) as z:
        keys, vecs = z["keys"], z["vectors"].copy()
    (row,) = np.flatnonzero(keys == _key(dense_text(load_catalog(settings).tracks[0])))
    vecs[row, 0] += 0.05
    vecs[row] /= np.linalg.norm(vecs[row])
    tmp = path.with_name("replacement.npz")
    np.savez(tmp, keys=keys, vectors=vecs)
    tmp.replace(path)
    return settings


def _rewrite_vectors_keeping_times(settings, tmp_path):
    from tools.build import MAPPED_VECTORS

    path = settings.home / MAPPED_VECTORS
    st = path.stat()
    data = bytearray(path.read_bytes())
    data[-7] ^= 0x40  # one changed byte in the last vector, same size
    path.write_bytes(bytes(data))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))  # the modification time put back
    return settings


@pytest.mark.parametrize("change", [_edit_csv, _reembed_a_document, _rewrite_vectors_keeping_times])
def test_a_start_after_a_change_never_serves_the_stale_stamp(settings, tmp_path, change, caplog):
    _start(settings)
    changed = change(settings, tmp_path)
    from tools.build import load_catalog

    catalog = load_catalog(changed)
    assert _stamped(changed, catalog) is None
    with caplog.at_level(logging.INFO, logger="tools.build"):
        _, index, served = _start(changed)
    assert "as stamped" not in caplog.text
    truth, fp = _truth(changed, catalog)
    assert np.array_equal(served, truth) and index.backend.fingerprint() == fp
    assert _stamped(changed, catalog) is not None  # stamped again for the next start


@pytest.mark.parametrize("what", ["recipe", "schema"])
def test_a_new_encoder_recipe_or_index_schema_changes_the_key(settings, monkeypatch, what):
    from tools.build import load_catalog, start_key

    catalog = load_catalog(settings)
    before = start_key(settings, catalog)
    if what == "recipe":
        import tools.onnx_encoder

        monkeypatch.setattr(tools.onnx_encoder, "RECIPE", tools.onnx_encoder.RECIPE + 1)
    else:
        import tools.index

        monkeypatch.setattr(tools.index, "SCHEMA_VERSION", tools.index.SCHEMA_VERSION + 1)
    assert start_key(settings, catalog) != before


def test_a_catalog_made_in_code_is_never_stamped(settings, tiny_catalog):
    from tools.build import START_STAMP, open_served, start_key

    assert tiny_catalog.source is None and start_key(settings, tiny_catalog) is None
    index, vectors = open_served(settings, tiny_catalog, settings.home, progress=False)
    index.close()
    assert len(vectors) == len(tiny_catalog) and not (settings.home / START_STAMP).exists()


def test_a_shard_file_changed_in_place_is_found_though_its_time_was_put_back(settings, tiny_catalog):
    from tools.build import dense_vectors, open_index
    from tools.index import VERIFIED

    vectors = dense_vectors(settings, tiny_catalog, progress=False)
    open_index(settings, tiny_catalog, vectors, progress=False).close()
    reopened = open_index(settings, tiny_catalog, vectors, progress=False)  # reads every file, then stamps them
    reopened.close()
    assert reopened.build_s is None and (settings.shard_path / VERIFIED).exists()
    files = [p for p in (settings.shard_path / "shard").rglob("*") if p.is_file() and "vector" in str(p).lower()]
    path = max(files, key=lambda p: p.stat().st_size)
    st = path.stat()
    with open(path, "r+b") as fh:
        fh.write(b"\0" * st.st_size)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    index = open_index(settings, tiny_catalog, vectors, progress=False)
    try:
        assert index.build_s is not None  # found changed and rebuilt
        (hit, score), *_ = index.search_rows(vectors[3], limit=1)
        assert score > 0.99 and np.allclose(vectors[hit], vectors[3], atol=1e-5)
    finally:
        index.close()


def test_fixed_vectors_are_kept_per_text_list_and_a_damaged_file_is_encoded_again(tmp_path):
    from tools.embed import DIM, fixed_vectors, get_encoder

    encoder = get_encoder()
    texts = ["a long drive at night", "studying in a quiet library"]
    fresh = np.asarray(encoder.encode(texts), dtype=np.float32)
    assert np.array_equal(fixed_vectors(encoder, texts, tmp_path), fresh)
    (path,) = tmp_path.glob("fixed-*.npy")
    assert np.array_equal(fixed_vectors(encoder, texts, tmp_path), fresh)  # read back as written
    changed = [texts[0], "a workout at the gym"]
    assert np.array_equal(fixed_vectors(encoder, changed, tmp_path), np.asarray(encoder.encode(changed)))
    assert len(list(tmp_path.glob("fixed-*.npy"))) == 2  # another list, another file: never the old vectors
    np.save(path, np.zeros((len(texts), DIM), dtype=np.float32))  # damaged: not unit vectors
    assert np.array_equal(fixed_vectors(encoder, texts, tmp_path), fresh)
    path.write_bytes(b"garbage")
    assert np.array_equal(fixed_vectors(encoder, texts, tmp_path), fresh)


def test_the_program_prints_every_answer_and_its_exit_code_when_it_leaves_without_teardown(tiny_csv, tmp_path):
    import json
    import subprocess
    import sys

    from conftest import REPO

    base = [sys.executable, "-m", "bots.cli", "--data", str(tiny_csv), "--home", str(tmp_path / "home"), "playlist"]
    batch = tmp_path / "requests.txt"
    batch.write_text("chill r&b for a rainy afternoon\n\n90s rock\n")
    done = subprocess.run([*base, "--batch", str(batch), "-n", "4", "--json"], cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    answers = [json.loads(line) for line in done.stdout.splitlines()]
    assert [len(a["playlist"]) for a in answers] == [4, 0, 4] and answers[2]["query"]["text"] == "90s rock"
    empty = subprocess.run([*base, "  "], cwd=REPO, capture_output=True, text=True)
    assert empty.returncode == 2 and "The request is empty" in empty.stderr
