"""CPU per warm request and per chat turn, stage by stage, and a fingerprint of what they answer.

Usage:
    python -m evals.warm_cpu cpu [--n 200] [--passes 3]    # CPU ms per stage (process time, best of the passes)
    python -m evals.warm_cpu profile [--n 200] [--top 40]  # cProfile of requests and of chat turns
    python -m evals.warm_cpu answers OUT.json               # the track ids every fixed request and dialogue answers
    python -m evals.warm_cpu compare A.json B.json          # exit 1 when two answer files differ
    python -m evals.warm_cpu http [--n 120] [--workers 1,4] [--clients 1,8]  # served turn CPU, thread by thread
    python -m evals.warm_cpu http-floor [--n 1000] [--clients 1,4] [--burn-ms 0,15]  # the HTTP layer alone
    python -m evals.warm_cpu memory [--size 30000]         # resident MB a synthetic catalog adds, step by step
    python -m evals.warm_cpu queue [--n 100] [--served-ms 1.3] [--processes 1,2]  # the paced bench's p95 from CPU

Wall-clock timings on a shared machine move with the load; CPU time per request barely does, so a speed change is
judged here by process time, and ``answers``/``compare`` prove it changed nothing a user sees (same tracks, same
order, same reasons, same replies) over ~110 requests (some personal, some with a length) and 12 dialogues.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import sys
import tempfile
import time
import types
from pathlib import Path
from typing import Any

from evals.bench import conversation, sample_requests

EXTRA_REQUESTS = [  # beyond the bench's sentences: filters, exclusions, lengths, artists beside the rest
    "90s hip hop with some 2pac",
    "classic rock with some queen, no ballads",
    "chill lofi to study to, 30 songs",
    "upbeat latin for a party, nothing before 2010",
    "sad acoustic songs from the 2000s without taylor swift",
    "an hour of energetic edm for running",
    "instrumental music for focus",
    "songs like daft punk but more recent",
    "happy pop, no remixes, 15 tracks",
    "dark trap, less popular stuff",
]


def _pipeline_cpu_clock() -> None:
    """The pipeline's stage timings read process CPU time instead of wall-clock (this process only)."""
    import tools.pipeline
    import tools.retrieve

    clock = types.SimpleNamespace(perf_counter=time.process_time)
    tools.pipeline.time = tools.retrieve.time = clock  # type: ignore[attr-defined]


def _clear_caches(pipe: Any) -> None:
    """Empty what a repeated text would take from a cache: the query vectors and their name neighbours."""
    pipe.encoder.clear_cache()
    if hasattr(pipe.retriever, "clear_cache"):
        pipe.retriever.clear_cache()


def _requests(catalog: Any, n: int) -> list[str]:
    return sample_requests(n, catalog, seed=0) + EXTRA_REQUESTS


def _service(pipe: Any, folder: Path) -> Any:
    from agent.service import ChatService
    from memory.checkpoint import open_checkpointer
    from memory.store import open_store

    saver, _ = open_checkpointer(folder, None)
    store, _ = open_store(folder, None)
    service = ChatService(pipe.settings, pipeline=pipe, checkpointer=saver, store=store)
    if WARM_UP and hasattr(service, "warm_up"):
        service.warm_up()
    return service


WARM_UP = True  # --no-warm-up: leave the tables a server loads at start (Pipeline.warm_up) to the first requests


def _load() -> Any:
    from tools.pipeline import Pipeline
    from tools.settings import Settings

    pipe = Pipeline.load(Settings())
    if WARM_UP and hasattr(pipe, "warm_up"):
        pipe.warm_up()
    return pipe


def cmd_cpu(n: int, passes: int = 3) -> dict[str, Any]:
    """CPU milliseconds per stage over ``n`` requests, and per chat turn over ``n`` turns: the best of ``passes``
    passes (the least disturbed by other processes; the query embedding cache is emptied before each)."""
    _pipeline_cpu_clock()
    pipe = _load()
    texts = _requests(pipe.catalog, n + 10)
    for t in texts[:10]:
        pipe.run(t)
    runs: list[dict[str, float]] = []
    for _ in range(passes):
        _clear_caches(pipe)
        stages: dict[str, float] = {}
        t0 = time.process_time()
        for t in texts[10 : 10 + n]:
            pipe.run(t)
            for k, v in pipe.last_timings.items():
                stages[k] = stages.get(k, 0.0) + v / n
        stages["whole"] = (time.process_time() - t0) * 1000 / n
        runs.append(stages)
    turn_runs: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        service = _service(pipe, Path(tmp))
        for i in range(-5, 0):  # warm-up: lazy tables (titles, the continuation model) load on first use
            for text in conversation(i, pipe.catalog):
                service.turn(f"warm{i}", "warm-user", text)
        for p in range(passes):
            _clear_caches(pipe)
            turns, i, t0 = 0, 0, time.process_time()
            while turns < n:
                for text in conversation(i, pipe.catalog):
                    service.turn(f"cpu-{p}-{i}", f"user-{i % 7}", text)
                    turns += 1
                i += 1
            turn_runs.append((time.process_time() - t0) * 1000 / turns)
        service.close()
    keys = sorted({k for r in runs for k in r})
    return {
        "request_cpu_ms": {k: round(min(r.get(k, 0.0) for r in runs), 2) for k in keys},
        "chat_turn_cpu_ms": round(min(turn_runs), 2),
        "passes": passes,
    }


def cmd_profile(n: int, top: int) -> str:
    pipe = _load()
    texts = _requests(pipe.catalog, n + 10)
    for t in texts[:10]:
        pipe.run(t)
    out = io.StringIO()
    prof = cProfile.Profile(time.process_time)
    prof.enable()
    for t in texts[10 : 10 + n]:
        pipe.run(t)
    prof.disable()
    out.write(f"=== {n} requests ===\n")
    pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(top)
    pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(top)
    with tempfile.TemporaryDirectory() as tmp:
        service = _service(pipe, Path(tmp))
        for i in range(-5, 0):
            for text in conversation(i, pipe.catalog):
                service.turn(f"warm{i}", "warm-user", text)
        prof = cProfile.Profile(time.process_time)
        turns, i = 0, 0
        prof.enable()
        while turns < n:
            for text in conversation(i, pipe.catalog):
                service.turn(f"prof-{i}", f"user-{i % 7}", text)
                turns += 1
            i += 1
        prof.disable()
        service.close()
    out.write(f"=== {turns} chat turns ===\n")
    pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(top)
    pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(top)
    return out.getvalue()


def _item(p: Any) -> list[Any]:
    return [p.track_id, p.reason]


def cmd_answers() -> dict[str, Any]:
    """What ~110 requests (a few with a length, a few personal) and 12 four-turn dialogues answer."""
    pipe = _load()
    texts = _requests(pipe.catalog, 100)
    requests: dict[str, Any] = {}
    history: list[str] = []
    for i, t in enumerate(texts):
        n = 40 if i % 9 == 4 else None
        r = pipe.run(t, n=n, history=history if i % 5 == 3 else ())
        requests[t] = {"tracks": [_item(p) for p in r.playlist], "notes": r.notes, "query": r.query.model_dump()}
        if not history and len(r.playlist) >= 10:
            history = [p.track_id for p in r.playlist[:10]]
    dialogues: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        service = _service(pipe, Path(tmp))
        for i in range(12):
            turns = []
            for text in conversation(i, pipe.catalog, turns=5):
                r = service.turn(f"d-{i}", f"u-{i % 3}", text)
                turns.append({"text": text, "reply": r.reply, "tracks": [_item(p) for p in r.playlist]})
            dialogues[str(i)] = turns
        service.close()
    return {"requests": requests, "dialogues": dialogues}


def cmd_compare(a: Path, b: Path) -> int:
    x, y = json.loads(a.read_text()), json.loads(b.read_text())
    bad = 0
    for part in ("requests", "dialogues"):
        for key in sorted(set(x[part]) | set(y[part])):
            if x[part].get(key) != y[part].get(key):
                bad += 1
                print(f"{part} differ: {key!r}")
    n = len(x["requests"]) + len(x["dialogues"])
    print(f"{n - bad}/{n} identical ({len(x['requests'])} requests, {len(x['dialogues'])} dialogues)")
    return 1 if bad else 0


def _threads_cpu(pid: int) -> dict[str, float]:
    """CPU seconds per thread name of process ``pid`` (threads of one name summed), and its context switches.

    Each thread's time is the scheduler's own count (``/proc/.../schedstat``, nanoseconds) where the kernel keeps it,
    rather than ``stat``'s ticks (each charged whole to the thread running when it fires: right on average, coarse for
    threads that run in short bursts). Threads that ended meanwhile (LangGraph starts one per turn) are missing here;
    ``ended_threads`` is their share of ``server_cpu_ms_per_turn``."""
    import os

    tick = os.sysconf("SC_CLK_TCK")
    out: dict[str, float] = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            name = "main" if task.name == str(pid) else (task / "comm").read_text().strip()
            try:
                seconds = int((task / "schedstat").read_text().split()[0]) / 1e9
            except (OSError, ValueError, IndexError):  # a kernel without schedstats: the ticks
                fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
                seconds = (int(fields[11]) + int(fields[12])) / tick
            out[name] = out.get(name, 0.0) + seconds
            for line in (task / "status").read_text().splitlines():
                if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")):
                    key = "switches_" + line.split("_")[0]
                    out[key] = out.get(key, 0.0) + int(line.split()[1])
        except (OSError, ValueError):
            continue
    return out


def cmd_http(n: int, workers: list[int], clients: list[int], think: float = 0.0) -> dict[str, Any]:
    """Server CPU per ``POST /v1/chat`` turn, by thread, for each ``--workers`` (turns one process computes at
    once) and each number of clients sending turns back to back (``think``: seconds each waits after a reply)."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    import httpx

    from evals.bench import ServeProcess
    from tools.build import load_catalog
    from tools.settings import Settings

    settings = Settings()
    catalog = load_catalog(settings)
    results: dict[str, Any] = {}
    for w in workers:
        with tempfile.TemporaryDirectory() as tmp:
            env = {**__import__("os").environ, "PLAYGENIE_CHAT_PATH": tmp, "PLAYGENIE_POSTGRES_URL": ""}
            with ServeProcess(settings, processes=1, env=env, workers=w) as server, httpx.Client(timeout=120) as client:
                url = server.url + "/v1/chat"
                lock = threading.Lock()

                def run(tag: str, c: int, turns: int) -> float:
                    """``turns`` turns from ``c`` clients, each its own conversations; server CPU ms per turn."""
                    left = [turns]

                    def person(u: int) -> None:
                        i = 0
                        while True:
                            for text in conversation(1000 * u + i, catalog):
                                with lock:
                                    if left[0] <= 0:
                                        return
                                    left[0] -= 1
                                body = {"thread_id": f"{tag}-{u}-{i}", "user_id": f"user-{u % 7}", "text": text}
                                r = client.post(url, json=body)
                                r.raise_for_status()
                                time.sleep(think)
                            i += 1

                    cpu0 = server.cpu_s()
                    with ThreadPoolExecutor(c) as pool:
                        list(pool.map(person, range(c)))
                    return (server.cpu_s() - cpu0) * 1000 / turns

                run("warm", 2, 40)
                for c in clients:
                    before, cpu0 = _threads_cpu(server.proc.pid), server.cpu_s()
                    per_turn = min(run(f"c{c}p{p}", c, n) for p in range(2))
                    after, cpu = _threads_cpu(server.proc.pid), server.cpu_s() - cpu0
                    scale = {k: 1.0 if k.startswith("switches") else 1000.0 for k in after}  # counts; ms of CPU
                    threads = {k: round((after[k] - before.get(k, 0)) * scale[k] / (2 * n), 2) for k in after}
                    living = sum(after[k] - before.get(k, 0) for k in after if not k.startswith("switches"))
                    threads["ended_threads"] = round(max(0.0, cpu - living) * 1000 / (2 * n), 2)
                    results[f"workers={w} clients={c}"] = {"server_cpu_ms_per_turn": round(per_turn, 2), **threads}
                    print(json.dumps({f"workers={w} clients={c}": results[f"workers={w} clients={c}"]}), flush=True)
    return results


class _CannedService:
    """A conversation service whose turn answers a fixed 25-track playlist after holding the GIL ``burn_ms`` of
    thread CPU (0: at once): what is left of a served turn's cost is the HTTP layer's own."""

    notices: list[str] = []

    def __init__(self, result: Any, burn_ms: float) -> None:
        self.result, self.burn_s = result, burn_ms / 1000

    def turn(self, thread_id: str, user_id: str, text: str, **_: Any) -> Any:
        end = time.thread_time() + self.burn_s
        while time.thread_time() < end:  # pure Python: holds the GIL as a turn's own work does
            pass
        return self.result.model_copy(update={"thread_id": thread_id})

    def owner(self, thread_id: str) -> None:
        return None

    def ready_check(self) -> None:
        return None

    def close(self) -> None:
        pass


def _serve_canned(port: int, burn_ms: float) -> None:
    """``create_app`` over :class:`_CannedService`, as `playgenie serve` runs it (uvicorn, one worker thread)."""
    import uvicorn

    from agent.service import TurnResult
    from bots.asgi import KEEP_ALIVE_S
    from bots.http_api import create_app
    from tools.build import load_catalog
    from tools.refine import item_from
    from tools.settings import Settings

    settings = Settings()
    tracks = list(load_catalog(settings).tracks)[:25]
    result = TurnResult(
        reply="Here is a playlist of 25 tracks.\n" + "\n".join(f"{t.title} by {t.artist}" for t in tracks),
        playlist=[item_from(t, reason="a canned reason of about this length, as turns give") for t in tracks],
        query={"text": "upbeat 90s rock", "genres": [{"value": "rock", "explicit": True}], "length": 25},
        changed="made a new playlist",
        thread_id="",
    )
    app = create_app(settings, _CannedService(result, burn_ms), workers=1)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", timeout_keep_alive=KEEP_ALIVE_S)


def cmd_http_floor(n: int, clients: list[int], burns: list[float]) -> dict[str, Any]:
    """Server CPU per ``POST /v1/chat`` whose turn costs nothing (or ``burn_ms`` of pure Python): the HTTP layer's
    own cost (uvicorn, the ASGI stack, FastAPI, the hop to the worker thread and back, the JSON answer), thread by
    thread, for each number of clients sending back to back. Best of 3 passes of ``n`` requests."""
    import multiprocessing
    import threading
    from concurrent.futures import ThreadPoolExecutor

    import httpx

    from evals.bench import _free_port, process_tree_cpu_s

    results: dict[str, Any] = {}
    for burn in burns:
        port = _free_port()
        proc = multiprocessing.get_context("spawn").Process(target=_serve_canned, args=(port, burn), daemon=True)
        proc.start()
        url = f"http://127.0.0.1:{port}"
        try:
            with httpx.Client(timeout=60, limits=httpx.Limits(max_connections=max(clients))) as client:
                deadline = time.monotonic() + 120
                while True:
                    try:
                        if client.get(url + "/readyz").status_code == 200:
                            break
                    except httpx.HTTPError:
                        pass
                    if time.monotonic() > deadline or not proc.is_alive():
                        raise RuntimeError("the canned server did not start")
                    time.sleep(0.1)

                def send(c: int, total: int, tag: str) -> None:
                    left, lock = [total], threading.Lock()

                    def person(u: int) -> None:
                        while True:
                            with lock:
                                if left[0] <= 0:
                                    return
                                left[0] -= 1
                                k = left[0]
                            body = {"thread_id": f"{tag}-{u}-{k}", "user_id": f"user-{u % 7}", "text": "more energetic"}
                            client.post(url + "/v1/chat", json=body).raise_for_status()

                    with ThreadPoolExecutor(c) as pool:
                        list(pool.map(person, range(c)))

                send(max(clients), 200, "warm")
                for c in clients:
                    best: dict[str, float] | None = None
                    for p in range(3):
                        before, cpu0 = _threads_cpu(proc.pid), process_tree_cpu_s(proc.pid)
                        send(c, n, f"c{c}p{p}")
                        after, cpu = _threads_cpu(proc.pid), process_tree_cpu_s(proc.pid) - cpu0
                        row = {"server_cpu_ms_per_request": round(cpu * 1000 / n, 3)}
                        for k in after:
                            scale = 1.0 if k.startswith("switches") else 1000.0
                            row[k] = round((after[k] - before.get(k, 0)) * scale / n, 3)
                        if best is None or row["server_cpu_ms_per_request"] < best["server_cpu_ms_per_request"]:
                            best = row
                    key = f"burn_ms={burn:g} clients={c}"
                    results[key] = best
                    print(json.dumps({key: best}), flush=True)
        finally:
            proc.terminate()
            proc.join(10)
    return results


def simulate_queue(
    costs_ms: list[list[float]],
    users: int = 50,
    think_s: float = 1.0,
    seconds: float = 60.0,
    servers: int = 1,
    scale: float = 1.0,
    seed: int = 0,
) -> dict[str, float]:
    """The bench's paced phase as a queue: ``users`` people start together, each sends a conversation's turns one
    after another, ``think_s`` after each reply; ``servers`` turns are computed at once (one per process: a turn holds
    its process's GIL), first come first served. A turn at position k of its conversation costs a draw from
    ``costs_ms[k % len(costs_ms)]`` (CPU ms, times ``scale``). What it leaves out (the client's own CPU, other
    processes on the cores, the event loop's hand-offs) only adds: a quiet machine's p95 is at least this."""
    import heapq
    import random

    rng = random.Random(seed)
    arrivals = [(rng.uniform(0.0, 0.05), u, 0) for u in range(users)]  # together, as the bench's threads start
    heapq.heapify(arrivals)
    free = [0.0] * servers  # when each server is next free
    waits: list[float] = []
    while arrivals:
        t, u, k = heapq.heappop(arrivals)
        cost = rng.choice(costs_ms[k % len(costs_ms)]) * scale / 1000
        start = max(t, heapq.heappop(free))
        heapq.heappush(free, start + cost)
        waits.append(start + cost - t)
        if start + cost + think_s < seconds:
            heapq.heappush(arrivals, (start + cost + think_s, u, k + 1))
    waits.sort()
    return {
        "turns_per_s": round(len(waits) / seconds, 1),
        "p50_ms": round(waits[len(waits) // 2] * 1000, 1),
        "p95_ms": round(waits[int(len(waits) * 0.95)] * 1000, 1),
    }


def cmd_queue(n: int, served_ms: float, processes: list[int], users: int, think: float) -> dict[str, Any]:
    """Each turn's CPU (thread time) over ``n`` of the bench's conversations in this process, by position in its
    conversation, plus ``served_ms`` (the HTTP layer's share of a served turn: ``http``'s main thread), put through
    :func:`simulate_queue` for each process count: the paced bench's p50/p95 on an otherwise idle machine, from
    figures that hold on a busy one, and the mean CPU a turn may cost for the paced p95 to stay under 300 ms."""
    import statistics

    pipe = _load()
    costs: list[list[float]] = [[], [], [], []]
    with tempfile.TemporaryDirectory() as tmp:
        service = _service(pipe, Path(tmp))
        for i in range(-5, 0):
            for text in conversation(i, pipe.catalog):
                service.turn(f"warm{i}", "warm-user", text)
        for i in range(n):
            for k, text in enumerate(conversation(5000 + i, pipe.catalog)):
                t0 = time.thread_time()
                service.turn(f"q-{i}", f"user-{i % 7}", text)
                costs[k].append((time.thread_time() - t0) * 1000 + served_ms)
        service.close()
    mean = statistics.fmean(c for row in costs for c in row)
    out: dict[str, Any] = {
        "turn_cpu_ms": {
            "mean": round(mean, 2),
            **{f"turn{k + 1}": round(statistics.fmean(r), 2) for k, r in enumerate(costs)},
        },
        "users": users,
        "think_s": think,
    }
    for p in processes:  # the median of 5 runs of 60 s
        runs = [simulate_queue(costs, users, think, servers=p, seed=s) for s in range(5)]
        out[f"processes={p}"] = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
    for target in [m / 2 for m in range(60, 12, -1)]:  # the largest mean whose one-process p95 stays under 300 ms
        runs = [simulate_queue(costs, users, think, scale=target / mean, seed=s) for s in range(5)]
        if statistics.median(r["p95_ms"] for r in runs) <= 300:
            out["one_process_p95_300_at_mean_ms"] = target
            break
    return out


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS"):
            return int(line.split()[1]) / 1024
    return 0.0


def cmd_memory(size: int) -> dict[str, Any]:
    """Resident memory a synthetic catalog of ``size`` tracks adds, step by step: its Python objects, its vectors,
    and the pipeline's own tables after a first request (no ranker; the index in this process's arrays, measured
    apart). Run once per size, each in a fresh process: the growth between two sizes is the cost per track."""
    import gc

    import numpy as np

    from evals import synth
    from tools import build
    from tools.embed import get_encoder
    from tools.index import MemoryBackend, TrackIndex
    from tools.pipeline import Pipeline
    from tools.settings import Settings

    settings = Settings()
    real = build.load_catalog(settings)
    real_vectors = np.asarray(build.document_vectors(settings, real, progress=False))
    encoder = get_encoder()
    gc.collect()
    steps = {"start": _rss_mb()}
    catalog = synth.synth_catalog(real, size, seed=0)
    gc.collect()
    steps["catalog"] = _rss_mb()
    vectors = synth.synth_vectors(real_vectors, catalog.template)
    steps["vectors"] = _rss_mb()
    index = TrackIndex(MemoryBackend())
    index.ensure(catalog.catalog, vectors, progress=False)
    steps["index_in_arrays"] = _rss_mb()
    with tempfile.TemporaryDirectory() as tmp:
        pipe = Pipeline(settings, catalog.catalog, encoder, index, home=Path(tmp), vectors=vectors, ranker=None)
        pipe.run("upbeat 90s rock for a road trip")
        gc.collect()
        steps["pipeline_tables"] = _rss_mb()
    names = list(steps)
    return {"size": size, "mb": {b: round(steps[b] - steps[a], 1) for a, b in zip(names, names[1:])}}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "command", choices=["cpu", "profile", "answers", "compare", "http", "http-floor", "memory", "queue"]
    )
    ap.add_argument("paths", nargs="*", type=Path)
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--top", type=int, default=40)
    ap.add_argument("--passes", type=int, default=3)
    ap.add_argument("--workers", default="1,4", help="http: --workers values of the server")
    ap.add_argument("--clients", default="1,8", help="http: clients sending turns back to back")
    ap.add_argument(
        "--think", type=float, default=0.0, help="http: seconds a client waits after each reply (queue: default 1)"
    )
    ap.add_argument("--burn-ms", default="0,15", help="http-floor: ms of pure Python each canned turn holds the GIL")
    ap.add_argument("--size", type=int, default=30_000, help="memory: synthetic tracks")
    ap.add_argument("--served-ms", type=float, default=1.3, help="queue: the HTTP layer's CPU ms added to each turn")
    ap.add_argument("--processes", default="1,2", help="queue: process counts (turns computed at once)")
    ap.add_argument("--users", type=int, default=50, help="queue: people, as the bench's --users")
    ap.add_argument("--no-warm-up", action="store_true", help="Leave Pipeline/ChatService.warm_up's tables to use.")
    args = ap.parse_args(argv)
    global WARM_UP
    WARM_UP = not args.no_warm_up
    if args.command == "cpu":
        print(json.dumps(cmd_cpu(args.n, args.passes), indent=1))
    elif args.command == "http":
        ints = [int(x) for x in args.workers.split(",")], [int(x) for x in args.clients.split(",")]
        print(json.dumps(cmd_http(args.n, *ints, think=args.think), indent=1))
    elif args.command == "http-floor":
        burns = [float(x) for x in args.burn_ms.split(",")]
        print(json.dumps(cmd_http_floor(args.n, [int(x) for x in args.clients.split(",")], burns), indent=1))
    elif args.command == "queue":
        procs = [int(x) for x in args.processes.split(",")]
        think = args.think or 1.0
        print(json.dumps(cmd_queue(min(args.n, 400), args.served_ms, procs, args.users, think), indent=1))
    elif args.command == "memory":
        print(json.dumps(cmd_memory(args.size)))
    elif args.command == "profile":
        print(cmd_profile(args.n, args.top))
    elif args.command == "answers":
        args.paths[0].write_text(json.dumps(cmd_answers(), indent=0, sort_keys=True, default=str))
    else:
        return cmd_compare(*args.paths)
    return 0


if __name__ == "__main__":
    sys.exit(main())
