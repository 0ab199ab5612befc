"""The quick probes of `playgenie eval faults`, run against the tiny catalog through a real HTTP server.

The eval runs the same probe functions against `playgenie serve` subprocesses on a copy of the
built home, plus the ones that kill, restart or corrupt a server; these are the ones that need
neither. Inputs that allocate per track position when actions are unbounded (``HUGE_POSITIONS``)
run only in the eval, whose server is watched and killed past a memory cap.
"""

from __future__ import annotations

import json
import sqlite3

import httpx
import numpy as np
import pytest
from test_memory import postgres_url  # noqa: F401 - the throwaway Postgres server fixture

from bots.asgi import BackgroundServer
from bots.http_api import create_app
from evals.faults import (
    ABUSE,
    ADMIN_KEY,
    AUTH_SECRET,
    HUGE_POSITIONS,
    Target,
    _crafted_npz,
    probe_abuse,
    probe_auth,
    probe_control_characters,
    probe_crafted_checkpoint,
    probe_export_names,
    probe_group_chat,
    probe_slack,
    probe_storage,
    probe_telegram,
    probe_two_writers,
    thread_bytes,
)
from tools.settings import Settings


@pytest.fixture(scope="module")
def served(tiny_csv, tiny_pipeline, tmp_path_factory):
    """(target, settings, service): the API on the tiny catalog, with an admin key and per-user tokens."""
    from agent.service import ChatService

    home = tmp_path_factory.mktemp("faults_home")
    settings = Settings(data=tiny_csv, home=home, api_key=ADMIN_KEY, auth_secret=AUTH_SECRET)
    service = ChatService(settings, pipeline=tiny_pipeline)
    with BackgroundServer(create_app(settings, service)) as server:
        yield Target(server.url, home), settings, service
    service.close()


def passed(outcome) -> bool:
    assert outcome.passed, outcome.failures
    return True


def test_abuse_inputs_are_answered_cleanly(served):
    target, _, _ = served
    out = probe_abuse(target, [a for a in ABUSE if a not in HUGE_POSITIONS], seed_text="rock")
    assert passed(out) and out.bad_inputs == out.clean == len(ABUSE) - len(HUGE_POSITIONS)


def test_credentials_name_the_user(served):
    target, _, _ = served
    out = probe_auth(target)
    assert passed(out) and out.bad_inputs >= 10


def test_a_group_chat_records_each_turn_under_its_speaker(served):
    assert passed(probe_group_chat(served[0]))


def test_control_characters_are_neither_stored_nor_read_as_words(served):
    assert passed(probe_control_characters(served[0]))


def test_export_names_never_collide_and_replies_show_no_server_path(served):
    assert passed(probe_export_names(served[0]))


def test_a_crafted_checkpoint_runs_nothing(served, tmp_path):
    out = probe_crafted_checkpoint(served[0], tmp_path)
    assert passed(out) and out.faults == out.survived == 1


def test_two_servers_on_one_home_lose_no_turn(served, tiny_pipeline):
    from agent.service import ChatService

    target, settings, _ = served
    second = ChatService(settings, pipeline=tiny_pipeline)  # its own database connections, as another process has
    try:
        with BackgroundServer(create_app(settings, second)) as other:
            out = probe_two_writers(target, other.url, rounds=8)
    finally:
        second.close()
    assert passed(out) and out.lost == 0 and out.turns >= 8


def test_a_long_conversation_keeps_one_small_thread(served):
    target, _, _ = served
    out = probe_storage(target, turns=45)
    assert passed(out) and out.turns == 45 and out.lost == 0
    assert out.figures["bytes_per_thread"] < 1_000_000 and out.figures["checkpoints"] <= 2


def test_slack_refuses_big_unsigned_bodies_and_counts_a_press_once(served):
    _, settings, service = served
    assert passed(probe_slack(settings, service))


def test_telegram_webhook_checks_its_secret_and_handles_an_update_once(served):
    _, settings, service = served
    assert passed(probe_telegram(settings, service))


def test_idle_threads_expire(tiny_csv, tiny_pipeline, tmp_path):
    from agent.service import ChatService
    from evals.faults import probe_expiry

    ttl_s = 1.5
    settings = Settings(data=tiny_csv, home=tmp_path / "home", api_key=ADMIN_KEY, thread_ttl_hours=ttl_s / 3600)
    service = ChatService(settings, pipeline=tiny_pipeline)
    try:
        with BackgroundServer(create_app(settings, service)) as server:
            out = probe_expiry(Target(server.url, settings.home), ttl_s)
    finally:
        service.close()
    assert passed(out) and out.faults == out.survived == 1


# --- artifacts that check themselves ------------------------------------------------------------------
def _vector_file(shard):
    files = [p for p in shard.rglob("*") if p.is_file() and "vector" in str(p.relative_to(shard)).lower()]
    return max(files, key=lambda p: p.stat().st_size)


@pytest.mark.parametrize("damage", ["truncate", "zero"])
def test_a_damaged_index_is_rebuilt_at_load(tiny_csv, tiny_catalog, tmp_path, damage):
    from tools.build import dense_vectors, open_index

    settings = Settings(data=tiny_csv, home=tmp_path / "home")
    vectors = dense_vectors(settings, tiny_catalog, progress=False)
    open_index(settings, tiny_catalog, vectors, progress=False).close()
    reopened = open_index(settings, tiny_catalog, vectors, progress=False)
    reopened.close()
    assert reopened.build_s is None  # a whole shard passes its check: reopened, not rebuilt
    path = _vector_file(settings.shard_path)
    size = path.stat().st_size
    with open(path, "r+b") as fh:
        if damage == "truncate":
            fh.truncate(size // 2)
        else:
            fh.write(b"\0" * size)
    index = open_index(settings, tiny_catalog, vectors, progress=False)
    try:
        assert index.build_s is not None  # the damage was found and the index rebuilt
        for row in range(0, len(tiny_catalog), 7):
            (hit, score), *_ = index.search_rows(vectors[row], limit=1)
            assert score > 0.99 and np.allclose(vectors[hit], vectors[row], atol=1e-5)
    finally:
        index.close()


@pytest.mark.parametrize("damage", ["truncate", "swap_rows", "zero_rows"])
def test_a_damaged_embedding_cache_is_rebuilt(tiny_csv, tiny_catalog, tmp_path, damage):
    from tools.build import document_vectors, embeddings_folder

    settings = Settings(data=tiny_csv, home=tmp_path / "home")
    good = document_vectors(settings, tiny_catalog, progress=False)
    (path,) = embeddings_folder(settings).glob("*.npz")  # the one cache file (its name may carry the encoder)
    if damage == "truncate":
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    else:
        with np.load(path, allow_pickle=False) as z:
            keys, vecs = z["keys"], z["vectors"].copy()
        if damage == "swap_rows":
            vecs = vecs[::-1].copy()
        else:
            vecs[::3] = 0.0
        np.savez(path, keys=keys, vectors=vecs)
    from tools.build import _cache

    _cache.cache_clear()  # a new process: the cache is read from the damaged file
    again = document_vectors(settings, tiny_catalog, progress=False)
    assert again.shape == good.shape and np.allclose(again, good, atol=1e-4)


def _small_cf(tiny_catalog):
    from tools.cf import CFModel

    return CFModel.train(tiny_catalog, n_factors=4, n_epochs=3, graph_layers=0)


def test_the_cf_model_is_arrays_and_refuses_crafted_files(tiny_catalog, tmp_path):
    from tools.cf import CFModel, ensure_cf

    model = _small_cf(tiny_catalog)
    folder = tmp_path / "cf"
    model.save(folder)
    assert not list(folder.glob("*.pkl")), "the model is still a pickle"
    loaded = CFModel.load(folder, tiny_catalog)
    assert np.allclose(loaded.items, model.items) and loaded.track_ids == model.track_ids
    marker = tmp_path / "ran"
    _crafted_npz(folder, marker)
    with pytest.raises(Exception):
        CFModel.load(folder, tiny_catalog)
    assert not marker.exists()
    (folder / "cf.json").write_bytes(b"\x00garbage{")
    again = ensure_cf(tiny_catalog, folder, n_factors=4, n_epochs=3, graph_layers=0)  # rebuilt, not a traceback
    assert again.items.shape[0] == len(tiny_catalog)
    assert json.loads((folder / "cf.json").read_text())


def test_a_damaged_conversations_database_is_refused_with_the_fix(tiny_csv, tmp_path, capsys):
    from bots.cli import main

    home = tmp_path / "home"
    home.mkdir()
    (home / "chat.sqlite").write_bytes(b"not a database" * 200)
    code = main(
        ["--home", str(home), "--data", str(tiny_csv), "chat", "--thread", "t", "--user", "u", "--json", "rock"]
    )
    err = capsys.readouterr().err
    assert code != 0 and "chat.sqlite" in err and "mv " in err and "Traceback" not in err


def test_not_ready_until_a_search_works_and_no_internal_text(tmp_path):
    settings = Settings(data=tmp_path / "missing.csv", home=tmp_path / "home", data_url="http://127.0.0.1:9/x.csv")
    with BackgroundServer(create_app(settings)) as server, httpx.Client(base_url=server.url, timeout=30) as c:
        for _ in range(300):
            ready = c.get("/readyz")
            if ready.json()["status"] != "loading":
                break
        body = ready.json()
        assert ready.status_code == 503 and body["status"] == "error"
        assert "Error" not in body["detail"] and "/" not in body["detail"] and "127.0.0.1" not in body["detail"]


def test_thread_bytes_reads_the_database(tmp_path):
    db = tmp_path / "c.sqlite"
    conn = sqlite3.connect(str(db))
    conn.executescript(
        "CREATE TABLE checkpoints (thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, type, checkpoint,"
        " metadata);"
        "CREATE TABLE writes (thread_id, checkpoint_ns, checkpoint_id, task_id, idx, channel, type, value);"
    )
    conn.execute("INSERT INTO checkpoints VALUES ('t', '', '1', NULL, 'msgpack', ?, ?)", (b"x" * 100, b"{}"))
    conn.execute("INSERT INTO writes VALUES ('t', '', '1', 'k', 0, 'c', 'msgpack', ?)", (b"y" * 10,))
    conn.commit()
    conn.close()
    assert thread_bytes(db, "t") == (112, 1) and thread_bytes(db, "other") == (0, 0)


def test_postgres_threads_are_guarded_and_bounded(settings, tiny_pipeline, postgres_url):  # noqa: F811
    """The same guard on Postgres: two servers on one database lose no turn, and a thread stays one checkpoint."""
    from agent.service import ChatService

    pg = settings.model_copy(update={"postgres_url": postgres_url, "api_key": ADMIN_KEY})
    a, b = ChatService(pg, pipeline=tiny_pipeline), ChatService(pg, pipeline=tiny_pipeline)
    try:
        with BackgroundServer(create_app(pg, a)) as one, BackgroundServer(create_app(pg, b)) as two:
            out = probe_two_writers(Target(one.url, pg.home), two.url, rounds=6)
        sizes = []
        for text in ("rock", "add 3 more", "more upbeat", "drop track 2", "undo", "add 3 more", "calmer", "undo"):
            a.turn("pg-long", "ana", text)
            sizes.append(a.checkpointer.thread_bytes("pg-long"))
    finally:
        a.close()
        b.close()
    assert passed(out) and out.lost == 0 and out.turns >= 6
    assert sizes[-1] < 2 * max(sizes[:3]), sizes  # one checkpoint kept, not one per turn
