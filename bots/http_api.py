"""The HTTP API: a thin FastAPI adapter over the conversation service.

Usage:
    playgenie serve --host 127.0.0.1 --port 8080
    playgenie serve --processes 2        # two processes on one port, sharing the conversations (default auto:
                                         # one per core, at most 2)
    curl -s localhost:8080/v1/chat -H 'content-type: application/json' \\
        -d '{"thread_id": "t1", "user_id": "u1", "text": "90s hip hop for the gym"}'

Endpoints: the web page at ``/`` (``bots/web``), ``POST /v1/chat/completions`` and ``GET /v1/models``
(OpenAI-compatible, ``bots/openai_api.py``), ``GET /metrics`` (Prometheus, ``bots/metrics.py``),
``POST /v1/chat`` (one turn; same JSON as ``playgenie chat --json``),
``GET /v1/threads/{id}`` (the current playlist), ``GET /v1/threads/{id}/export``,
``POST /v1/feedback``, ``DELETE /v1/users/{id}`` (forget), ``GET /healthz`` (alive),
``GET /readyz`` (ready once a real search has answered). Bodies over 64 KB are refused with 413.

Who may do what (:mod:`bots.auth`): with ``PLAYGENIE_AUTH_SECRET`` every request carries a user
token and acts as that user only (a thread belongs to its creator; ``user_id`` in a body may be left
out); ``PLAYGENIE_API_KEY`` is the admin key (acts for the ``user_id`` a request names); with
neither, the API trusts the ``user_id`` it is sent (development on loopback). A route added in
another module gets the caller with ``Depends(app.state.authenticate)``.
"""

# No `from __future__ import annotations`: FastAPI reads the endpoints' annotations at runtime.
import argparse
import json
import logging
import math
import os
import sys
import threading
import time
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from bots.asgi import (
    with_export_route,
    KEEP_ALIVE_S,
    TooLarge,
    read_body,
    refuse,
    replaying,
    turn_limiter,
    turn_or_refusal,
)
from tools.schema import PUBLIC_TRACK_FIELDS, PlaylistItem

if TYPE_CHECKING:
    from fastapi import FastAPI

    from tools.settings import Settings

log = logging.getLogger(__name__)

MAX_BODY = 64 * 1024  # bytes; a chat message is at most 10,000 characters
MAX_TEXT = 10_000
ID_PATTERN = r"^[A-Za-z0-9_.:@\-]{1,200}$"
USER_PATTERN = ID_PATTERN  # e.g. "ana.lopez@example.com"; the store escapes what its namespaces can't hold


class ThreadUser(BaseModel):
    """Which thread, and who in it: what every write to a thread names."""

    model_config = ConfigDict(extra="forbid")
    thread_id: str = Field(min_length=1, max_length=200, pattern=ID_PATTERN)
    user_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        pattern=USER_PATTERN,
        description="Who speaks or rates; with a user token, the token's user (may be left out).",
    )


class ChatRequest(ThreadUser):
    """One user message in one thread."""

    text: str = Field(min_length=1, max_length=MAX_TEXT, description="What the user said.")


# One track as every front end shows it (tools.schema.PUBLIC_TRACK_FIELDS), typed for the OpenAPI docs.
Track = create_model(
    "Track",
    __doc__="One track of a playlist, with why it is there (the fields of ``playgenie chat --json``).",
    **{k: (PlaylistItem.model_fields[k].annotation, ...) for k in PUBLIC_TRACK_FIELDS},
)


class ThreadResponse(BaseModel):
    """A thread's current playlist."""

    thread_id: str
    reply: str
    playlist: list[Track]
    query: dict[str, Any]


class ChatResponse(ThreadResponse):
    """The turn's answer: same fields as `playgenie chat --json`."""

    changed: str = ""
    export: str = Field(
        default="",
        description="The format this turn asked for ('export it as xspf'); the reply names the route serving the file.",
    )


class FeedbackRequest(ThreadUser):
    """Thumbs up or down on a playlist or one of its tracks."""

    track_id: str | None = Field(default=None, min_length=1, max_length=64, description="None: the whole playlist.")
    liked: bool


class Message(BaseModel):
    """A short human-readable answer."""

    message: str


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="Interface to listen on (default 127.0.0.1).")
    parser.add_argument("--port", type=int, default=8080, help="Port to listen on (default 8080).")
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="Turns computed at once per process; more queue (default 1 offline, 4 with an LLM: see default_workers).",
    )
    parser.add_argument(
        "--processes",
        type=process_count,
        default="auto",
        metavar="N|auto",
        help=f"Server processes accepting on the one port (default auto: one per core this server may use, at most "
        f"{MAX_AUTO_PROCESSES}). Each loads its own catalog, index and models (its memory is printed when it is "
        "ready); all share the conversations (the home's SQLite files, or Postgres).",
    )


# `serve --processes auto` (the default): one process per usable core, at most this many. One process's GIL computes
# one offline turn at a time, so 50 people pausing 1 s between turns (~47 turns/s at ~17 ms of CPU each) keep it ~80%
# busy and the paced p95 is the queue: 358 ms with one process on an idle 2-core machine against 156 ms with two
# (`playgenie bench --sections http --users 50 --processes 1,2`). Each further process costs its own memory (README).
MAX_AUTO_PROCESSES = 2


def process_count(text: str) -> "int | str":
    """``--processes``: a count of at least 1, or ``auto``."""
    if text.strip().lower() == "auto":
        return "auto"
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"a count of at least 1 or 'auto', not {text!r}")
    return n


CGROUP_ROOT = Path("/sys/fs/cgroup")


def cpu_quota_cores(root: Path = CGROUP_ROOT) -> int | None:
    """The cores a CPU quota allows, rounded up (``docker run --cpus 1``, compose's ``cpus:``, Kubernetes' CPU limit:
    cgroup v2's ``cpu.max``, v1's ``cpu.cfs_quota_us``); None without a quota. A quota leaves the affinity at every
    core of the host, so the affinity alone would start a process per host core in a one-CPU container."""
    try:
        if (root / "cpu.max").exists():
            quota, period = (root / "cpu.max").read_text().split()[:2]
        else:
            quota = (root / "cpu" / "cpu.cfs_quota_us").read_text().strip()
            period = (root / "cpu" / "cpu.cfs_period_us").read_text().strip()
        if quota == "max" or int(quota) <= 0:
            return None
        return max(1, math.ceil(int(quota) / int(period)))
    except (OSError, ValueError):
        return None


def usable_cores(cgroup_root: Path = CGROUP_ROOT) -> int:
    """The cores this process may run on: its CPU affinity (e.g. a container's cpuset), else the machine's, and no
    more than its CPU quota allows (:func:`cpu_quota_cores`)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        cores = os.cpu_count() or 1
    quota = cpu_quota_cores(cgroup_root)
    return min(cores, quota) if quota else cores


def auto_processes(cores: int | None = None) -> int:
    """How many processes ``--processes auto`` starts: one per usable core, at most :data:`MAX_AUTO_PROCESSES`."""
    return max(1, min(usable_cores() if cores is None else cores, MAX_AUTO_PROCESSES))


def resident_mb() -> "tuple[float, float] | None":
    """(resident MB, MB of it not shared with another process) of this process, from /proc; None elsewhere."""
    try:
        rows = dict(line.split(":", 1) for line in open("/proc/self/smaps_rollup").read().splitlines()[1:])
        kb = {k: int(v.split()[0]) for k, v in rows.items()}
        return kb["Rss"] / 1024, (kb.get("Private_Clean", 0) + kb.get("Private_Dirty", 0)) / 1024
    except (OSError, ValueError, KeyError):
        return None


def run(args: argparse.Namespace, settings: "Settings") -> int:
    import uvicorn

    logging.getLogger("httpx").setLevel(logging.WARNING)
    if args.host not in ("127.0.0.1", "localhost", "::1") and not (settings.api_key or settings.auth_secret):
        log.warning(
            "serving on %s with no credentials: anyone who reaches it can act as any user. Set "
            "PLAYGENIE_AUTH_SECRET (user tokens) or PLAYGENIE_API_KEY (an admin key).",
            args.host,
        )
    if args.workers is None:
        args.workers = default_workers(settings)
    if args.workers < 1:
        print("playgenie: --workers must be at least 1", file=sys.stderr)
        return 2
    how = "--processes"
    if args.processes == "auto":
        cores = usable_cores()
        args.processes = auto_processes(cores)
        how = f"--processes auto: {cores} core{'s' if cores != 1 else ''}, at most {MAX_AUTO_PROCESSES}"
    plural = "es" if args.processes != 1 else ""
    print(
        f"playgenie serve: http://{args.host}:{args.port} with {args.processes} process{plural} ({how}), "
        f"{args.workers} turn{'s' if args.workers != 1 else ''} at a time each; each process loads its own catalog, "
        "index and models and prints its memory when ready",
        file=sys.stderr,
        flush=True,
    )
    level = "info" if args.verbose else "warning"
    options: dict[str, Any] = {
        "host": args.host,
        "port": args.port,
        "log_level": level,
        "timeout_keep_alive": KEEP_ALIVE_S,
    }
    if args.processes == 1:
        uvicorn.run(create_app(settings, workers=args.workers, announce=True), **options)
        return 0
    # uvicorn's supervisor binds the port once and starts the processes, each accepting on it (and replaces one
    # that dies). A process builds its app by name from the environment: the settings this command was given.
    os.environ.update(
        {
            "PLAYGENIE_HOME": str(settings.home),
            "PLAYGENIE_DATA": str(settings.data),
            WORKER_ENV: json.dumps({"workers": args.workers, "verbose": bool(args.verbose)}),
        }
    )
    # A worker whose turns hold the GIL answers the supervisor's ping late: give it 30 s, not 5, before a restart.
    uvicorn.run(
        f"{__name__}:worker_app", factory=True, workers=args.processes, timeout_worker_healthcheck=30, **options
    )
    return 0


WORKER_ENV = "PLAYGENIE_SERVE_WORKER"  # set by `serve --processes N` for the processes it starts


def worker_app() -> "FastAPI":
    """The app of one of ``serve --processes N``'s processes: the settings from the environment, as the command
    read them (its --home and --data exported), and its --workers and --verbose from :data:`WORKER_ENV`."""
    from tools.settings import Settings

    options = json.loads(os.environ.get(WORKER_ENV) or "{}")
    logging.basicConfig(
        level=logging.INFO if options.get("verbose") else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)
    settings = Settings(_env_file=".env")
    return create_app(settings, workers=int(options.get("workers") or default_workers(settings)), announce=True)


class BodyLimit:
    """ASGI middleware: refuse request bodies over ``limit`` bytes with 413, before any parsing."""

    def __init__(self, app: Any, limit: int = MAX_BODY) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None:
            try:
                if int(declared) > self.limit:
                    await refuse(send, 413, f"request body over {self.limit} bytes")
                    return
            except ValueError:
                await refuse(send, 400, "invalid Content-Length")
                return
        # Read the body here, bounded, so a chunked upload cannot grow past the limit either.
        try:
            body = await read_body(receive, self.limit)
        except TooLarge:
            await refuse(send, 413, f"request body over {self.limit} bytes")
            return
        if body is not None:
            await self.app(scope, replaying(body, receive), send)


class Gate:
    """The service behind the routes (loaded in the background when none is given) and the caller checks
    every route shares: who a request acts for, and whether it may use a thread."""

    def __init__(self, settings: "Settings", service: Any = None, announce: bool = False) -> None:
        from bots.metrics import Metrics

        self.settings, self.announce = settings, announce
        self.service, self.error, self.owned = service, None, service is None
        self.metrics = Metrics()

    def load(self) -> None:
        """Build the ChatService (a fresh home's build shows in the log); a failure is kept for /readyz."""
        from tools.artifacts import ArtifactError

        try:
            from agent.service import ChatService

            started = time.perf_counter()
            service = ChatService(self.settings, progress=True)
            # tables loaded on first use, loaded before the first turn rather than during it; then what is loaded is
            # frozen for the collector (tools.pipeline.settle_heap)
            service.warm_up()
            self.service = service
            log.info("service ready in %.1fs", time.perf_counter() - started)
            if self.announce:  # `playgenie serve`: what each process costs, said where its operator reads
                print(ready_line(time.perf_counter() - started), file=sys.stderr, flush=True)
            for notice in self.service.notices:  # a missing model, said once with the command that fixes it
                log.warning(notice)
        except Exception as exc:  # reported by /readyz; the process stays up for the operator to see why
            log.error("could not load the conversation service", exc_info=exc)
            # A client sees a line of ours, never the exception's text (paths, hosts, internals).
            self.error = exc.public if isinstance(exc, ArtifactError) else "loading failed; see the server log"

    def svc(self) -> Any:
        """The service with its turns counted for /metrics; 503 while loading or after a failed load."""
        from fastapi import HTTPException

        from bots.metrics import Metered

        if self.service is None:
            raise HTTPException(status_code=503, detail=self.error or "still loading the catalog and index")
        return Metered(self.service, self.metrics)

    def acting_as(self, who: Any, requested: str | None) -> str:
        """The user a request acts for: the token's, or the one it names (admin key, open mode)."""
        from fastapi import HTTPException
        from fastapi.exceptions import RequestValidationError

        from bots.auth import Forbidden

        try:
            user = who.acting_as(requested)
        except Forbidden as exc:
            raise HTTPException(status_code=403, detail=str(exc)) from None
        if user is None:
            raise RequestValidationError(
                [
                    {
                        "type": "missing",
                        "loc": ("body", "user_id"),
                        "input": None,
                        "msg": "Field required (or send a user token)",
                    }
                ]
            )
        return user

    def own(self, who: Any, thread_id: str) -> Any:
        """The service, once the caller may use this thread (403 when it is another user's)."""
        from fastapi import HTTPException

        service = self.svc()
        if not who.trusted and not who.may_use(service.owner(thread_id)):
            raise HTTPException(status_code=403, detail=f"thread {thread_id!r} belongs to another user")
        return service


def ready_line(seconds: float) -> str:
    """What a `serve` process says once it answers turns: its load time and memory."""
    line = f"playgenie serve: process {os.getpid()} ready in {seconds:.1f}s"
    mb = resident_mb()
    if mb is not None:
        line += f", {mb[0]:.0f} MB resident ({mb[1]:.0f} MB of it not shared with other processes)"
    return line


def default_workers(settings: "Settings") -> int:
    """Turns one process computes at once unless ``--workers`` says: offline, 1. An offline turn is CPU-bound Python
    under one GIL, so turns at once only take turns on it and each costs more (`playgenie bench --sections http --users
    50`, busy 2-core box, two runs each: 4 workers 33-40 ms of CPU a turn, 25.3-25.4 turns/s, paced p95 1.25-1.69 s;
    1 worker 28-29 ms, 34 turns/s, p95 0.92-1.0 s). With an LLM, 4: a turn then mostly waits on the network."""
    return 4 if settings.llm_base_url else 1


def create_app(
    settings: "Settings", service: Any = None, *, workers: int | None = None, announce: bool = False
) -> "FastAPI":
    """The FastAPI app. Without a ``service`` it builds ``ChatService(settings)`` in the background,
    so ``/healthz`` answers at once and ``/readyz`` says when a real search works; ``announce`` (`serve`): say on
    stderr when it is ready and how much memory the process holds."""
    from fastapi import FastAPI

    from bots import openai_api, web
    from bots.auth import authenticator

    gate = Gate(settings, service, announce=announce)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        import anyio

        # Turns are CPU-bound (encoder, retrieval): a few at a time beat forty fighting over the cores. They have
        # their own limiter: the short blocking work of other routes (a thread's playlist, /readyz, the page's files)
        # keeps anyio's default pool and never waits behind the queue of turns.
        app.state.turns = anyio.CapacityLimiter(workers or default_workers(settings))
        loader = None
        if gate.service is None:
            loader = threading.Thread(target=gate.load, name="playgenie-load", daemon=True)
            loader.start()
        yield
        if loader is not None:
            loader.join()
        if gate.owned and gate.service is not None:
            gate.service.close()

    app = FastAPI(
        title="PlayGenie",
        version="0.1.0",
        description="Playlists from plain language, reshaped by talking. One thread per conversation.",
        lifespan=lifespan,
    )
    app.add_middleware(BodyLimit, limit=MAX_BODY)
    authenticate = authenticator(settings)
    app.state.authenticate = authenticate  # for routes other modules add: Depends(app.state.authenticate)
    _ops_routes(app, gate)
    _conversation_routes(app, gate, authenticate)
    _error_handlers(app)
    # The web page at /, the OpenAI-compatible routes and /metrics (bots/web, bots/openai_api, bots/metrics),
    # each route with the same caller check as the API's own.
    web.mount(app, gate.own, authenticate, ID_PATTERN)
    openai_api.mount(app, gate.svc, authenticate, gate.acting_as)
    gate.metrics.mount(app)
    return app


def _ops_routes(app: "FastAPI", gate: Gate) -> None:
    from fastapi import Response

    @app.get("/healthz", tags=["ops"])
    async def healthz() -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["ops"], responses={503: {"description": "Still loading, or a search does not work."}})
    async def readyz(response: Response) -> dict[str, str]:
        """Readiness: the service is loaded and a real search answers (re-checked every few seconds)."""
        import anyio.to_thread

        service = gate.service
        if service is None:
            response.status_code = 503
            return {"status": "error" if gate.error else "loading", "detail": gate.error or ""}
        problem = await anyio.to_thread.run_sync(service.ready_check)
        if problem:
            response.status_code = 503
            return {"status": "error", "detail": problem}
        return {"status": "ready", "detail": ""}


def _conversation_routes(app: "FastAPI", gate: Gate, authenticate: Any) -> None:
    from fastapi import Depends, HTTPException, Path, Query, Request, Response

    from agent.service import turn_json
    from bots.auth import Principal

    denied = {401: {}, 403: {}}

    @app.post("/v1/chat", response_model=ChatResponse, responses={**denied, 409: {}, 413: {}, 503: {}})
    async def chat(req: ChatRequest, request: Request, who: Principal = Depends(authenticate)) -> dict[str, Any]:
        """One turn of a conversation: the reply, the playlist and the typed query."""
        user = gate.acting_as(who, req.user_id)
        # One hop to a worker thread, for the turn alone: a sync route would take a worker again after the turn
        # to check its answer, queueing a finished reply behind every turn waiting to start.
        result = await turn_or_refusal(
            gate.svc(), req.thread_id, user, req.text, owner_only=not who.trusted, limiter=turn_limiter(request.app)
        )
        return turn_json(with_export_route(result))

    @app.get("/v1/threads/{thread_id}", response_model=ThreadResponse, responses={**denied, 404: {}})
    def thread(
        thread_id: str = Path(max_length=200, pattern=ID_PATTERN), who: Principal = Depends(authenticate)
    ) -> dict[str, Any]:
        """The thread's current playlist; 404 when the thread has none."""
        result = gate.own(who, thread_id).current(thread_id)
        if result is None:
            raise HTTPException(status_code=404, detail=f"no thread {thread_id!r}")
        out = turn_json(result)
        out.pop("changed")
        return out

    @app.get("/v1/threads/{thread_id}/export", responses={**denied, 404: {}})
    def export(
        thread_id: str = Path(max_length=200, pattern=ID_PATTERN),
        fmt: Literal["m3u", "xspf", "jspf", "csv", "json"] = Query(default="m3u"),
        who: Principal = Depends(authenticate),
    ) -> Response:
        """The current playlist as a file (M3U, XSPF, JSPF, CSV or JSON, with Spotify links and track ids)."""
        from agent.exports import MEDIA_TYPES

        try:
            filename, data = gate.own(who, thread_id).export(thread_id, fmt)
        except LookupError as exc:  # no thread, or no playlist in it yet
            raise HTTPException(status_code=404, detail=str(exc)) from exc
        headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
        return Response(data, media_type=MEDIA_TYPES[fmt], headers=headers)

    @app.post("/v1/feedback", response_model=Message, responses={**denied, 404: {}})
    def feedback(req: FeedbackRequest, who: Principal = Depends(authenticate)) -> dict[str, str]:
        """Thumbs up/down on the playlist (no track_id) or on one of its tracks; feeds long-term memory."""
        user = gate.acting_as(who, req.user_id)
        service = gate.own(who, req.thread_id)
        current = service.current(req.thread_id)
        if current is None:
            raise HTTPException(status_code=404, detail=f"no thread {req.thread_id!r}")
        if req.track_id is not None and req.track_id not in {t.track_id for t in current.playlist}:
            raise HTTPException(status_code=404, detail=f"track {req.track_id!r} is not in this thread's playlist")
        return {"message": service.feedback(user, req.thread_id, req.track_id, req.liked)}

    @app.delete("/v1/users/{user_id}", response_model=Message, responses=denied)
    def forget(
        user_id: str = Path(max_length=200, pattern=USER_PATTERN), who: Principal = Depends(authenticate)
    ) -> dict[str, str]:
        """Erase everything remembered about this user: yourself with a user token, anyone with the admin key."""
        if not who.trusted and who.user_id != user_id:
            raise HTTPException(status_code=403, detail="a user token can only forget its own user")
        gate.svc().forget(user_id)
        return {"message": f"forgot everything about {user_id}"}


def _error_handlers(app: "FastAPI") -> None:
    from fastapi import Request, Response
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        # FastAPI's own answer echoes the input, which may not even encode (a lone surrogate): ours never does.
        from tools.clean import clean_text

        detail = [
            {
                "type": str(e.get("type", "")),
                "loc": [x if isinstance(x, int) else clean_text(str(x)) for x in e.get("loc", ())],
                "msg": clean_text(str(e.get("msg", ""))),
            }
            for e in exc.errors()
        ]
        return JSONResponse({"detail": detail}, status_code=422)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        # Logged with the request line; the client gets a plain message, never a traceback.
        log.error("error on %s %s", request.method, request.url.path, exc_info=exc)
        return JSONResponse({"detail": "internal error; it has been logged"}, status_code=500)
