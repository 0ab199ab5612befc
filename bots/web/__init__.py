"""The web page at ``/``: a chat on the left, the current playlist and its arc on the right.

No build step: ``static/`` holds one HTML page, one script and one stylesheet, served by the API
app. The page talks to the same endpoints as any client (``/v1/chat``, ``/v1/threads/{id}``,
``/v1/feedback``, ``/v1/threads/{id}/export``) plus the chart this module adds,
``GET /v1/threads/{id}/chart.png``. One thread id and one user id per browser live in local
storage; "New conversation" makes a new thread id. When the API wants a key, the page asks once
and keeps it in local storage: the admin key (the page names its user) or a user token (the token
names the user, so the page sends none).
"""

# No `from __future__ import annotations`: FastAPI reads the endpoints' annotations at runtime.
from collections.abc import Callable
from pathlib import Path
from typing import Any

STATIC = Path(__file__).parent / "static"


def mount(app: Any, own: Callable[[Any, str], Any], authenticate: Callable[..., Any], id_pattern: str) -> None:
    """Serve the page at ``/``, its files under ``/static``, and each thread's chart PNG; ``own(caller,
    thread_id)`` is the service once the caller (``authenticate``'s Principal) may read that thread."""
    from fastapi import APIRouter, Depends, HTTPException
    from fastapi import Path as PathParam
    from fastapi.responses import FileResponse, Response
    from fastapi.staticfiles import StaticFiles
    from starlette.concurrency import run_in_threadpool

    from tools.chart import arc_png
    from tools.schema import PlaylistQuery

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})

    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    router = APIRouter(tags=["web"])

    @router.get(
        "/v1/threads/{thread_id}/chart.png",
        response_class=Response,
        responses={200: {"content": {"image/png": {}}}, 401: {}, 403: {}, 404: {}},
    )
    async def chart(
        thread_id: str = PathParam(max_length=200, pattern=id_pattern), who: Any = Depends(authenticate)
    ) -> Response:
        """The thread's playlist arc (energy, valence, BPM per track) as a PNG; 404 when it has no playlist."""
        current = await run_in_threadpool(own(who, thread_id).current, thread_id)
        if current is None or not current.playlist:
            raise HTTPException(status_code=404, detail="There is no playlist in this conversation yet.")
        title = PlaylistQuery.model_validate(current.query or {}).describe()
        png = await run_in_threadpool(arc_png, current.playlist, title)
        return Response(png, media_type="image/png", headers={"Cache-Control": "no-store"})

    app.include_router(router)
