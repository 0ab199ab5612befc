"""The Telegram bot: a thin adapter from Telegram updates to the conversation service.

Usage:
    PLAYGENIE_TELEGRAM_TOKEN=... playgenie telegram                      # long polling (development)
    PLAYGENIE_TELEGRAM_TOKEN=... playgenie telegram --webhook-url https://bot.example.com/tg \\
        --listen 0.0.0.0 --port 8443 [--secret-token S]                  # webhook (deployment)

One chat is one conversation thread (``tg:<chat id>``); one Telegram user is one user
(``tg:<user id>``) for long-term memory. Plain text is a turn; /new, /more, /why N, /undo,
/export, /chart, /forget, /help and /start are commands; inline buttons give thumbs up/down on the
playlist and on each track, and send the playlist's energy/valence/BPM arc as a picture. Sends are
paced (about one message a second per chat) and retried on RetryAfter, so no reply is dropped. The
token is never logged. In a group chat the thread is the chat's and each turn is recorded under the
member who spoke.

The webhook server is this module's (:func:`run_webhook`): it compares the secret token in constant
time, refuses bodies over 1 MB before reading them, and an update Telegram delivers twice (same
``update_id``, in either mode) is handled once.
"""

from __future__ import annotations

import argparse
import asyncio
import hmac
import json
import logging
import secrets
import sys
import threading
from typing import TYPE_CHECKING, Any, Sequence

if TYPE_CHECKING:
    from telegram import InlineKeyboardMarkup, Update
    from telegram.ext import Application, ContextTypes

    from tools.schema import PlaylistItem
    from tools.settings import Settings

log = logging.getLogger(__name__)

MAX_TRACK_BUTTONS = 20  # per-track thumbs for the first 20 tracks: 42 buttons, under Telegram's 100
MAX_BODY = 1024 * 1024  # one update is a few KB
ALLOWED_UPDATES = ["message", "callback_query"]
COMMANDS = [
    ("start", "What I can do, with examples"),
    ("new", "Start a new playlist"),
    ("more", "Add more tracks like these"),
    ("why", "Why a track is there: /why 3"),
    ("undo", "Go back to the previous playlist"),
    ("export", "Get the playlist as M3U and CSV files"),
    ("chart", "See the playlist's energy, mood and BPM arc"),
    ("forget", "Erase what I remember about you"),
    ("help", "How to talk to me"),
]
HELP = (
    "Tell me what you want to hear, in your own words, and I'll make a playlist. Then reshape it by talking.\n\n"
    "Try:\n"
    "• chill 90s r&b for a rainy evening\n"
    "• upbeat rock for a road trip, 15 songs\n"
    "• then: more upbeat · no Drake · only 90s · drop track 3 · add 10 more · why track 4?\n\n"
    "Commands: /new start over · /more more like these · /why N explain track N · /undo go back · "
    "/export get the playlist as files · /chart its energy and mood arc · /forget erase what I know about you · "
    "/help this message.\n"
    "Tap 👍/👎 under a playlist to tell me what you like; I remember it for next time."
)
SORRY = "Sorry, something went wrong on my side and I couldn't answer that. Please try again, or /new to start over."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--webhook-url", help="Public HTTPS URL Telegram posts updates to (webhook mode). Without it: polling."
    )
    parser.add_argument("--listen", default="0.0.0.0", help="Interface the webhook server listens on.")
    parser.add_argument("--port", type=int, default=8443, help="Port the webhook server listens on.")
    parser.add_argument("--url-path", default="telegram", help="Path of the webhook on this server.")
    parser.add_argument(
        "--secret-token",
        help="Secret Telegram must send in X-Telegram-Bot-Api-Secret-Token (default: a fresh random one per start).",
    )


def run(args: argparse.Namespace, settings: "Settings") -> int:
    from agent.service import ChatService

    if not settings.telegram_token:
        print("playgenie telegram: set PLAYGENIE_TELEGRAM_TOKEN to the bot's token from @BotFather.")
        return 2
    from telegram.error import InvalidToken, NetworkError

    service = ChatService(settings)
    quiet = _StartupTraceback()
    logging.getLogger("telegram.ext").addFilter(quiet)
    try:
        service.warm_up()  # the first message costs what later ones do
        app = build_application(settings, service)
        if args.webhook_url:
            run_webhook(
                app,
                listen=args.listen,
                port=args.port,
                url_path=args.url_path,
                webhook_url=args.webhook_url,
                secret_token=args.secret_token or secrets.token_urlsafe(32),
            )
        else:
            app.run_polling(allowed_updates=ALLOWED_UPDATES)
    except InvalidToken:  # before NetworkError: Telegram answered, and refused the token
        print(
            "playgenie telegram: Telegram refused the token; check PLAYGENIE_TELEGRAM_TOKEN (from @BotFather).",
            file=sys.stderr,
        )
        return 1
    except NetworkError as exc:
        print(f"playgenie telegram: could not reach Telegram ({exc.message}); check the network.", file=sys.stderr)
        return 1
    finally:
        logging.getLogger("telegram.ext").removeFilter(quiet)
        service.close()
    return 0


class _StartupTraceback(logging.Filter):
    """The library logs a failed start (no network, a refused token) with its traceback before it raises;
    ``run`` tells it in one line, so the record keeps its message and loses the traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.getMessage().startswith("Network Retry Loop (Bootstrap"):
            record.exc_info = None
            record.exc_text = None
        return True


# ---- keeping the token out of the logs -------------------------------------------------------
_REDACTED: set[str] = set()


def redact_in_logs(secret: str) -> None:
    """Replace ``secret`` in every log record, whoever logs it (the library logs its API URL at DEBUG)."""
    if not secret or secret in _REDACTED:
        return
    _REDACTED.add(secret)
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        if secret in str(record.msg) or any(secret in str(a) for a in (record.args or ()) if not isinstance(a, dict)):
            record.msg, record.args = record.getMessage().replace(secret, "<token>"), None
        return record

    logging.setLogRecordFactory(factory)
    # httpx logs every request URL, which carries the token, at INFO.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)


# ---- flood control ---------------------------------------------------------------------------
def make_rate_limiter(per_chat_per_second: float = 1.0, max_retries: int = 5):
    """AIORateLimiter (30/s overall, 20/min per group, retries on RetryAfter) plus a per-chat pace."""
    from aiolimiter import AsyncLimiter
    from telegram.ext import AIORateLimiter

    class PerChatRateLimiter(AIORateLimiter):
        """Adds about ``per_chat_per_second`` sends per private chat, the pace Telegram asks for."""

        def __init__(self) -> None:
            super().__init__(max_retries=max_retries)
            self._chats: dict[int, AsyncLimiter] = {}

        async def process_request(self, callback, args, kwargs, endpoint, data, rate_limit_args):  # type: ignore[no-untyped-def]
            chat_id = data.get("chat_id")
            try:
                chat = int(chat_id) if chat_id is not None else None
            except (TypeError, ValueError):
                chat = None
            paced = endpoint.startswith(("send", "edit", "copy", "forward")) and endpoint != "sendChatAction"
            if chat is None or chat < 0 or not paced or not per_chat_per_second:  # groups: the parent paces them
                return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
            if len(self._chats) > 4096:
                self._chats = {k: v for k, v in self._chats.items() if not v.has_capacity(v.max_rate)}
            limiter = self._chats.setdefault(chat, AsyncLimiter(max_rate=per_chat_per_second, time_period=1))
            async with limiter:
                return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)

    return PerChatRateLimiter()


# ---- rendering -------------------------------------------------------------------------------
def keyboard(items: Sequence["PlaylistItem"]) -> "InlineKeyboardMarkup | None":
    """Thumbs for the whole playlist, then per track: callback data ``fb:u:<track id>`` (< 64 bytes)."""
    from telegram import InlineKeyboardButton, InlineKeyboardMarkup

    if not items:
        return None
    rows = [
        [
            InlineKeyboardButton("👍 playlist", callback_data="fb:u:*"),
            InlineKeyboardButton("👎 playlist", callback_data="fb:d:*"),
            InlineKeyboardButton("📈 chart", callback_data="chart"),
        ]
    ]
    row: list[Any] = []
    for n, item in enumerate(items[:MAX_TRACK_BUTTONS], 1):
        row += [
            InlineKeyboardButton(f"{n} 👍", callback_data=f"fb:u:{item.track_id}"),
            InlineKeyboardButton(f"{n} 👎", callback_data=f"fb:d:{item.track_id}"),
        ]
        if len(row) == 4:
            rows.append(row)
            row = []
    if row:
        rows.append(row)
    return InlineKeyboardMarkup(rows)


async def send_chart(bot: Any, chat_id: int, service: Any, thread_id: str) -> bool:
    """The playlist's energy/valence/BPM arc (tools.chart) as a photo; False when the chat has no playlist."""
    from tools.chart import arc_png
    from tools.schema import PlaylistQuery

    current = await asyncio.to_thread(service.current, thread_id)
    if current is None or not current.playlist:
        return False
    title = PlaylistQuery.model_validate(current.query or {}).describe()
    png = await asyncio.to_thread(arc_png, current.playlist, title)
    caption = f"Energy and mood (valence) track by track, with BPM: {len(current.playlist)} tracks"
    await bot.send_photo(chat_id, photo=png, caption=caption, filename="playgenie-arc.png")
    return True


# ---- the application -------------------------------------------------------------------------
# ---- handlers: module level, as in python-telegram-bot's examples; the service and the per-chat locks
# live in ``context.bot_data`` ("service", "locks"), set by build_application.


def ids(update: "Update") -> tuple[str, str]:
    """(thread id, user id): the chat is the thread, the member who spoke the user."""
    return f"tg:{update.effective_chat.id}", f"tg:{update.effective_user.id}"


def per_chat(handler: Any) -> Any:
    """Updates run concurrently across chats; within one chat they run one at a time, in order."""

    async def wrapped(update: "Update", context: "ContextTypes.DEFAULT_TYPE") -> None:
        chat = update.effective_chat.id if update.effective_chat else 0
        async with context.bot_data["locks"].hold(chat):
            await handler(update, context)

    return wrapped


async def send(update: "Update", context: "ContextTypes.DEFAULT_TYPE", text: str, items: Sequence[Any] = ()) -> None:
    """The reply as Telegram HTML, split under the message limit; the buttons go under the last part."""
    from telegram.constants import ParseMode

    from bots.render import split_html, telegram_html

    chunks = split_html(telegram_html(text, items)) or ["…"]
    markup = keyboard(items)
    for i, chunk in enumerate(chunks):
        last = i == len(chunks) - 1
        await context.bot.send_message(
            update.effective_chat.id, chunk, parse_mode=ParseMode.HTML, reply_markup=markup if last else None
        )


async def turn(update: "Update", context: "ContextTypes.DEFAULT_TYPE", text: str) -> None:
    service = context.bot_data["service"]
    thread_id, user_id = ids(update)
    await context.bot.send_chat_action(update.effective_chat.id, "typing")
    if hasattr(service, "aturn"):
        result = await service.aturn(thread_id, user_id, text)
    else:
        result = await asyncio.to_thread(service.turn, thread_id, user_id, text)
    await send(update, context, result.reply, result.playlist)
    if getattr(result, "export", "") and result.playlist:  # "export it as xspf": the file, here in the chat
        filename, data = await asyncio.to_thread(service.export, thread_id, result.export)
        await context.bot.send_document(
            update.effective_chat.id, document=data, filename=filename, caption=f"{result.export.upper()} playlist"
        )


async def on_text(update: "Update", context: "ContextTypes.DEFAULT_TYPE") -> None:
    await turn(update, context, update.effective_message.text)


async def on_start(update: "Update", context: "ContextTypes.DEFAULT_TYPE") -> None:
    name = update.effective_user.first_name if update.effective_user else "there"
    await send(update, context, f"Hi {name}! I'm PlayGenie. " + HELP)


async def on_help(update: "Update", context: "ContextTypes.DEFAULT_TYPE") -> None:
    await send(update, context, HELP)


async def on_new(update: "Update", context: "ContextTypes.DEFAULT_TYPE") -> None:
    thread_id, user_id = ids(update)
    service = context.bot_data["service"]
    had = await asyncio.to_thread(service.current, thread_id)
    await asyncio.to_thread(service.reset, thread_id, user_id)
    rest = " ".join(context.args or [])
    if rest:  # "/new chill jazz" starts over with that request
        await turn(update, context, rest)
    else:  # as "start over" in the chat, /undo brings the playlist before back
        back = " (/undo brings the last playlist back.)" if had is not None and had.playlist else ""
        await send(update, context, "Fresh start. What would you like to hear?" + back)


async def on_more(update: "Update", context: "ContextTypes.DEFAULT_TYPE") -> None:
    count = context.args[0] if context.args and context.args[0].isdigit() else "10"
    await turn(update, context, f"add {count} more")


async def on_why(update: "Update", context: "ContextTypes.DEFAULT_TYPE") -> None:
    if not context.args or not context.args[0].isdigit():
        await send(update, context, "Which track? Say /why 3 for the third one.")
        return
    await turn(update, context, f"why track {int(context.args[0])}?")


async def on_undo(update: "Update", context: "ContextTypes.DEFAULT_TYPE") -> None:
    await turn(update, context, "undo")


async def on_export(update: "Update", context: "ContextTypes.DEFAULT_TYPE") -> None:
    service = context.bot_data["service"]
    thread_id, _ = ids(update)
    current = await asyncio.to_thread(service.current, thread_id)
    if current is None or not current.playlist:
        await send(update, context, "There's no playlist to export yet. Tell me what you'd like to hear first.")
        return
    for fmt, caption in (("m3u", "M3U playlist"), ("csv", "CSV with Spotify track ids")):
        filename, data = await asyncio.to_thread(service.export, thread_id, fmt)
        await context.bot.send_document(update.effective_chat.id, document=data, filename=filename, caption=caption)


async def on_chart(update: "Update", context: "ContextTypes.DEFAULT_TYPE") -> None:
    if not await send_chart(context.bot, update.effective_chat.id, context.bot_data["service"], ids(update)[0]):
        await send(update, context, "There's no playlist to chart yet. Tell me what you'd like to hear first.")


async def on_chart_button(update: "Update", context: "ContextTypes.DEFAULT_TYPE") -> None:
    await update.callback_query.answer()
    await on_chart(update, context)


async def on_forget(update: "Update", context: "ContextTypes.DEFAULT_TYPE") -> None:
    _, user_id = ids(update)
    await asyncio.to_thread(context.bot_data["service"].forget, user_id)
    await send(update, context, "Done: I've forgotten your likes and dislikes. This chat's playlist stays until /new.")


async def on_button(update: "Update", context: "ContextTypes.DEFAULT_TYPE") -> None:
    query = update.callback_query
    parts = (query.data or "").split(":", 2)
    if len(parts) != 3 or parts[0] != "fb" or parts[1] not in {"u", "d"}:
        await query.answer("That button is from an older version of me.")
        return
    thread_id, user_id = ids(update)
    liked, track = parts[1] == "u", (None if parts[2] == "*" else parts[2])
    message = await asyncio.to_thread(context.bot_data["service"].feedback, user_id, thread_id, track, liked)
    await query.answer(message[:200])  # a toast for the presser; the playlist message stays as it is


async def on_error(update: object, context: "ContextTypes.DEFAULT_TYPE") -> None:
    from telegram import Update as TgUpdate

    where = ""
    if isinstance(update, TgUpdate):
        chat = update.effective_chat.id if update.effective_chat else None
        user = update.effective_user.id if update.effective_user else None
        where = f" (update {update.update_id}, chat {chat}, user {user})"
    log.error("error while handling an update%s", where, exc_info=context.error)
    if isinstance(update, TgUpdate):
        try:
            if update.callback_query:
                await update.callback_query.answer("Sorry, that didn't work. Please try again.")
            elif update.effective_chat:
                await context.bot.send_message(update.effective_chat.id, SORRY)
        except Exception:  # telling the user failed too; the log above has the cause
            log.warning("could not tell the user about the error", exc_info=True)


async def once(update: "Update", context: "ContextTypes.DEFAULT_TYPE") -> None:
    """Group -1 runs first; a redelivered update (a webhook Telegram thinks failed) stops here."""
    from telegram.ext import ApplicationHandlerStop

    if not context.bot_data["seen"].first_time(update.update_id):
        log.info("update %s delivered again; already handled", update.update_id)
        raise ApplicationHandlerStop


async def post_init(app: "Application") -> None:
    from telegram import BotCommand

    await app.bot.set_my_commands([BotCommand(c, d) for c, d in COMMANDS])


COMMAND_HANDLERS = (
    ("start", on_start),
    ("help", on_help),
    ("new", on_new),
    ("more", on_more),
    ("why", on_why),
    ("undo", on_undo),
    ("export", on_export),
    ("chart", on_chart),
    ("forget", on_forget),
)


def build_application(
    settings: "Settings",
    service: Any,
    *,
    base_url: str | None = None,
    base_file_url: str | None = None,
    per_chat_per_second: float = 1.0,
) -> "Application":
    """The python-telegram-bot Application with every handler wired to ``service``."""
    from telegram import Update as TgUpdate
    from telegram.ext import (
        ApplicationBuilder,
        CallbackQueryHandler,
        CommandHandler,
        MessageHandler,
        TypeHandler,
        filters,
    )

    from bots.slack_bot import SeenEvents
    from memory.locks import AsyncKeyedLocks

    token = settings.telegram_token
    if not token:
        raise ValueError("PLAYGENIE_TELEGRAM_TOKEN is not set")
    redact_in_logs(token)

    builder = (
        ApplicationBuilder()
        .token(token)
        .rate_limiter(make_rate_limiter(per_chat_per_second))
        .concurrent_updates(True)
        .post_init(post_init)
    )
    if base_url:
        builder = builder.base_url(base_url).base_file_url(base_file_url or base_url.replace("/bot", "/file/bot"))
    app = builder.build()
    app.bot_data.update(service=service, locks=AsyncKeyedLocks(), seen=SeenEvents())

    app.add_handler(TypeHandler(TgUpdate, once), group=-1)
    for name, callback in COMMAND_HANDLERS:
        app.add_handler(CommandHandler(name, per_chat(callback), filters=filters.UpdateType.MESSAGE))
    app.add_handler(CallbackQueryHandler(per_chat(on_button), pattern=r"^fb:"))
    app.add_handler(CallbackQueryHandler(per_chat(on_chart_button), pattern=r"^chart$"))
    # New messages only: an edited message is not a new turn.
    app.add_handler(MessageHandler(filters.UpdateType.MESSAGE & filters.TEXT & ~filters.COMMAND, per_chat(on_text)))
    app.add_error_handler(on_error)
    return app


# ---- the webhook server -------------------------------------------------------------------------
def webhook_app(application: "Application", url_path: str, secret_token: str) -> Any:
    """The ASGI app Telegram posts updates to: the secret checked in constant time, bodies over
    :data:`MAX_BODY` refused before they are read, each update queued for ``application``."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route
    from telegram import Update

    from bots.http_api import BodyLimit

    expected = secret_token.encode()

    async def hook(request: Request) -> Response:
        given = request.headers.get("x-telegram-bot-api-secret-token", "").encode()
        if not hmac.compare_digest(given, expected):
            return JSONResponse({"detail": "wrong or missing secret token"}, status_code=403)
        try:
            update = Update.de_json(json.loads(await request.body()), application.bot)
        except (ValueError, TypeError, KeyError):
            return JSONResponse({"detail": "not a Telegram update"}, status_code=400)
        if update is None:
            return JSONResponse({"detail": "not a Telegram update"}, status_code=400)
        await application.update_queue.put(update)
        return Response(status_code=200)

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    path = "/" + url_path.strip("/")
    return BodyLimit(
        Starlette(routes=[Route(path, hook, methods=["POST"]), Route("/healthz", healthz)]), limit=MAX_BODY
    )


def run_webhook(
    application: "Application",
    *,
    listen: str,
    port: int,
    url_path: str,
    webhook_url: str,
    secret_token: str,
    stop: threading.Event | None = None,
) -> None:
    """Register the webhook with Telegram and serve it until interrupted (or ``stop`` is set)."""
    import uvicorn

    async def main() -> None:
        server = uvicorn.Server(
            uvicorn.Config(
                webhook_app(application, url_path, secret_token), host=listen, port=port, log_level="warning"
            )
        )
        async with application:
            await application.bot.set_webhook(
                url=webhook_url, secret_token=secret_token, allowed_updates=ALLOWED_UPDATES
            )
            await application.start()
            serving = asyncio.create_task(server.serve())
            while stop is not None and not stop.is_set() and not serving.done():
                await asyncio.sleep(0.1)
            if stop is not None:
                server.should_exit = True
            await serving
            await application.stop()

    asyncio.run(main())
