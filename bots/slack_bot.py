"""The Slack bot (slack-bolt): a thin adapter from Slack events to the conversation service.

Usage:
    PLAYGENIE_SLACK_BOT_TOKEN=xoxb-... PLAYGENIE_SLACK_APP_TOKEN=xapp-... playgenie slack
        # Socket Mode: the bot dials out to Slack over a websocket; no public URL needed
    PLAYGENIE_SLACK_BOT_TOKEN=xoxb-... PLAYGENIE_SLACK_SIGNING_SECRET=... \\
        playgenie slack --host 0.0.0.0 --port 3000      # HTTP: Request URL https://<host>/slack/events

It answers direct messages and @mentions. A Slack thread is one conversation
(``slack:<channel>:<thread ts>``): once PlayGenie answers in a thread, replies there need no
mention (with the ``message.channels`` event subscribed). Top-level direct messages share one
conversation per DM.
Bolt acknowledges every event at once and runs the turn afterwards in its worker threads, so
Slack always gets its answer within 3 seconds; an event Slack redelivers (same ``event_id``) is
handled once, and so is a button press delivered twice (or double-clicked within seconds);
requests with a bad or stale signature are refused with 401, those with no signature headers or a
body over 1 MB before their body is read. The "📈 Chart" button under a playlist posts its
energy/valence/BPM arc (tools.chart) into the thread as an image.
"""

from __future__ import annotations

import argparse
import logging
import re
import sys
import threading
import time
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from slack_bolt import App
    from slack_sdk import WebClient

    from tools.settings import Settings

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
MAX_BODY = 1024 * 1024  # Slack's event and interaction payloads are a few KB
PRESS_WINDOW_S = 10.0  # the same button on the same message by the same person, again within this: one press
# Slack's markup in a message's text: <@U1|name> mentions, <#C1|general> channels, <!here>, <https://x|label> links;
# "&", "<" and ">" the person typed arrive as &amp;, &lt; and &gt;
_ANGLED = re.compile(r"<([^<>]*)>")
_ESCAPED = {"&lt;": "<", "&gt;": ">", "&amp;": "&"}


def as_typed(text: str) -> str:
    """The words the person typed in a Slack message ("chill r&amp;b" is "chill r&b"), the bot's mention left out:
    a link reads as its label (or its address), a channel as #name, another mention or <!here> as nothing."""

    def plain(m: re.Match[str]) -> str:
        inner, _, label = m.group(1).partition("|")
        if inner.startswith(("@", "!")):
            return ""
        if inner.startswith("#"):
            return "#" + (label or inner[1:])
        return label or inner

    text = _ANGLED.sub(plain, text)
    return re.sub("&(?:lt|gt|amp);", lambda m: _ESCAPED[m.group(0)], text)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="Interface to listen on (default 127.0.0.1).")
    parser.add_argument("--port", type=int, default=3000, help="Port to listen on (default 3000).")


def run(args: argparse.Namespace, settings: "Settings") -> int:
    import uvicorn

    from agent.service import ChatService

    if not (settings.slack_bot_token and (settings.slack_app_token or settings.slack_signing_secret)):
        print(
            "playgenie slack: set PLAYGENIE_SLACK_BOT_TOKEN, and PLAYGENIE_SLACK_APP_TOKEN (Socket Mode) "
            "or PLAYGENIE_SLACK_SIGNING_SECRET (HTTP events)."
        )
        return 2
    from slack_bolt.error import BoltError
    from slack_sdk.errors import SlackApiError

    logging.getLogger("httpx").setLevel(logging.WARNING)
    service = ChatService(settings)
    try:
        service.warm_up()  # the first message costs what later ones do (Slack redelivers after 3 s)
        try:  # the tokens are checked as the app is built (auth.test) and Socket Mode connects
            app = build_app(settings, service)
            if settings.slack_app_token:
                socket_mode_handler(app, settings.slack_app_token).start()  # blocks; reconnects on its own
            else:
                uvicorn.run(asgi_app(app), host=args.host, port=args.port, log_level="warning")
        except (BoltError, SlackApiError) as exc:  # auth.test or apps.connections.open refused a token
            print(
                f"playgenie slack: Slack refused the token ({_why(exc)}); check PLAYGENIE_SLACK_BOT_TOKEN and "
                "PLAYGENIE_SLACK_APP_TOKEN.",
                file=sys.stderr,
            )
            return 1
        except OSError as exc:  # no network, no DNS, a proxy in the way (urllib's URLError is an OSError)
            print(f"playgenie slack: could not reach Slack ({_why(exc)}); check the network.", file=sys.stderr)
            return 1
    finally:
        service.close()
    return 0


def _why(exc: BaseException) -> str:
    """The error's own words, one line: Slack's error code when it answered, else the reason."""
    response = getattr(exc, "response", None)
    if response is not None and hasattr(response, "get"):
        return str(response.get("error") or exc)
    return str(getattr(exc, "reason", None) or exc).splitlines()[0]


def socket_mode_handler(app: "App", app_token: str) -> Any:
    """Bolt's Socket Mode handler: events arrive over a websocket the bot opens (``apps.connections.open``
    with the app-level token, through ``app.client``), so the bot needs no public URL."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    return SocketModeHandler(app, app_token, web_client=app.client)


class SeenEvents:
    """The last ``size`` keys, thread-safe, each remembered for ``window_s`` (None: until pushed out).

    Slack redelivers an event it thinks timed out; Telegram an update its webhook did not confirm."""

    def __init__(self, size: int = 10_000, window_s: float | None = None) -> None:
        self._ids: OrderedDict[Any, float] = OrderedDict()
        self._lock = threading.Lock()
        self.size, self.window_s = size, window_s

    def first_time(self, key: Any) -> bool:
        now = time.monotonic()
        with self._lock:
            seen = self._ids.get(key)
            if seen is not None and (self.window_s is None or now - seen < self.window_s):
                return False
            self._ids[key] = now
            self._ids.move_to_end(key)
            if len(self._ids) > self.size:
                self._ids.popitem(last=False)
            return True


def thread_of(event: dict[str, Any]) -> tuple[str, str | None]:
    """(conversation id, ts to reply under). A Slack thread is a conversation; a DM's top level is one too."""
    channel = event["channel"]
    if event.get("thread_ts"):
        return f"slack:{channel}:{event['thread_ts']}", event["thread_ts"]
    if event.get("channel_type") == "im" and event.get("type") == "message":
        return f"slack:{channel}:dm", None
    return f"slack:{channel}:{event['ts']}", event["ts"]  # a mention starts a thread under itself


class Listeners:
    """Bolt's listeners for one service (Bolt passes each the arguments its parameters name)."""

    def __init__(self, service: Any, client: "WebClient") -> None:
        self.service, self.client = service, client
        self.seen = SeenEvents()  # events Slack delivered again
        self.presses = SeenEvents(window_s=PRESS_WINDOW_S)  # a button double-clicked or delivered twice

    def once_per_event(self, body: dict, next: Any) -> Any:  # noqa: A002 - bolt names it so
        """Runs after bolt verified the signature; a redelivered event is acknowledged and dropped."""
        from slack_bolt import BoltResponse

        event_id = body.get("event_id")
        if event_id and not self.seen.first_time(event_id):
            log.info("event %s redelivered; already handled", event_id)
            return BoltResponse(status=200, body="")
        return next()

    def answer(self, event: dict[str, Any], say: Any) -> None:
        from bots.render import slack_blocks

        thread_id, reply_ts = thread_of(event)
        user_id = f"slack:{event.get('user', 'unknown')}"
        text = as_typed(event.get("text") or "").strip()
        if not text:
            say(text="Tell me what you'd like to hear, e.g. “chill 90s r&b for a rainy evening”.", thread_ts=reply_ts)
            return
        result = self.service.turn(thread_id, user_id, text)
        blocks = slack_blocks(result.reply, result.playlist, feedback_value=thread_id)
        say(text=result.reply[:3000], blocks=blocks, thread_ts=reply_ts)  # text: notifications and old clients
        if getattr(result, "export", "") and result.playlist:  # "export it as csv": the file, in the conversation
            name, data = self.service.export(thread_id, result.export)
            self.client.files_upload_v2(
                channel=event.get("channel"),
                thread_ts=reply_ts,
                content=data,
                filename=name,
                title=f"{result.export.upper()} playlist",
            )

    def on_mention(self, event: dict[str, Any], say: Any) -> None:
        self.answer(event, say)

    def on_message(self, event: dict[str, Any], say: Any, context: Any) -> None:
        # Only people's messages: edits, joins and bots' own messages carry a subtype or bot_id.
        if event.get("subtype") or event.get("bot_id"):
            return
        if event.get("channel_type") != "im":
            # In a channel, a reply in a thread PlayGenie is already talking in continues that conversation
            # without a mention; a message that mentions it arrives as app_mention too and is answered there.
            mentioned = f"<@{context.bot_user_id}>" in (event.get("text") or "")
            if not event.get("thread_ts") or mentioned or self.service.current(thread_of(event)[0]) is None:
                return
        self.answer(event, say)

    def on_feedback(self, liked: bool) -> Any:
        def handler(ack: Any, body: dict[str, Any], action: dict[str, Any], client: "WebClient") -> None:
            ack()
            thread_id = action.get("value") or ""
            user_id = f"slack:{body['user']['id']}"
            message_ts = (body.get("container") or {}).get("message_ts") or (body.get("message") or {}).get("ts")
            if not self.presses.first_time((user_id, action.get("action_id"), thread_id, message_ts)):
                log.info(
                    "button %s pressed again by %s within %.0fs; counted once",
                    action.get("action_id"),
                    user_id,
                    PRESS_WINDOW_S,
                )
                return
            message = self.service.feedback(user_id, thread_id, None, liked)
            channel, thread_ts = _where(body)
            client.chat_postEphemeral(channel=channel, user=body["user"]["id"], text=message, thread_ts=thread_ts)

        return handler

    def on_chart(self, ack: Any, body: dict[str, Any], action: dict[str, Any], client: "WebClient") -> None:
        ack()
        channel, thread_ts = _where(body)
        if not post_chart(client, self.service, action.get("value") or "", channel, thread_ts):
            client.chat_postEphemeral(
                channel=channel,
                user=body["user"]["id"],
                thread_ts=thread_ts,
                text="There's no playlist to chart in this conversation yet.",
            )

    def on_error(self, error: Exception, body: dict[str, Any], logger: logging.Logger) -> None:
        event = body.get("event") or {}
        log.error(
            "error handling Slack %s (event %s, channel %s, user %s)",
            body.get("type"),
            body.get("event_id"),
            event.get("channel"),
            event.get("user"),
            exc_info=error,
        )
        if event.get("channel"):
            try:
                _, reply_ts = thread_of(event)
                self.client.chat_postMessage(
                    channel=event["channel"],
                    thread_ts=reply_ts,
                    text="Sorry, something went wrong on my side. Please try again.",
                )
            except Exception:  # telling the user failed too; the log above has the cause
                log.warning("could not tell the user about the error", exc_info=True)


def _where(body: dict[str, Any]) -> tuple[str, str | None]:
    """(channel, thread ts) of a button press."""
    channel = (body.get("channel") or {}).get("id") or body.get("container", {}).get("channel_id")
    thread_ts = (body.get("message") or {}).get("thread_ts") or (body.get("container") or {}).get("thread_ts")
    return channel, thread_ts


def build_app(settings: "Settings", service: Any, *, client: "WebClient | None" = None) -> "App":
    """The Bolt app with its listeners wired to ``service``. ``client`` points the Web API elsewhere (tests)."""
    from slack_bolt import App
    from slack_sdk import WebClient

    if not (settings.slack_signing_secret or settings.slack_app_token):
        raise ValueError("set PLAYGENIE_SLACK_SIGNING_SECRET (HTTP events) or PLAYGENIE_SLACK_APP_TOKEN (Socket Mode)")
    client = client or WebClient(token=settings.slack_bot_token)
    # Socket Mode alone needs no signing secret: events arrive over the bot's own authenticated websocket.
    app = App(
        client=client,
        signing_secret=settings.slack_signing_secret or "",
        process_before_response=False,
        request_verification_enabled=bool(settings.slack_signing_secret),
    )
    on = Listeners(service, client)
    app.middleware(on.once_per_event)
    app.event("app_mention")(on.on_mention)
    app.event("message")(on.on_message)
    app.action("fb_up")(on.on_feedback(True))
    app.action("fb_down")(on.on_feedback(False))
    app.action("chart")(on.on_chart)
    app.error(on.on_error)
    return app


def post_chart(client: "WebClient", service: Any, thread_id: str, channel: str, thread_ts: str | None) -> bool:
    """Upload the conversation's energy/valence/BPM arc (tools.chart) into its thread; False when it has no playlist."""
    from tools.chart import arc_png
    from tools.schema import PlaylistQuery

    current = service.current(thread_id) if thread_id else None
    if current is None or not current.playlist:
        return False
    title = PlaylistQuery.model_validate(current.query or {}).describe()
    client.files_upload_v2(
        channel=channel,
        thread_ts=thread_ts,
        content=arc_png(current.playlist, title),
        filename="playgenie-arc.png",
        title=f"Playlist arc: {title}",
        alt_txt="Energy and valence (0-1) and BPM of each track, in playlist order",
    )
    return True


def asgi_app(app: "App") -> Any:
    """Starlette app serving Slack's Request URL at ``/slack/events``, plus ``/healthz``; requests without
    Slack's signature headers, or with a body over :data:`MAX_BODY`, are refused before the body is read."""
    from slack_bolt.adapter.starlette import SlackRequestHandler
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route

    handler = SlackRequestHandler(app)

    async def events(request: Request) -> Response:
        return await handler.handle(request)

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    from bots.http_api import BodyLimit

    inner = Starlette(
        routes=[Route(EVENTS_PATH, events, methods=["POST"]), Route("/healthz", healthz, methods=["GET"])]
    )
    return SignedOnly(BodyLimit(inner, limit=MAX_BODY))


class SignedOnly:
    """ASGI middleware: a POST without Slack's signature headers is refused (401) before its body is read."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope.get("method") == "POST":
            headers = dict(scope.get("headers") or [])
            if not (headers.get(b"x-slack-signature") and headers.get(b"x-slack-request-timestamp")):
                from bots.asgi import refuse

                await refuse(send, 401, "unsigned request")
                return
        await self.app(scope, receive, send)
