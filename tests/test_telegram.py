"""The Telegram bot end to end: python-telegram-bot talks over HTTP to a local Bot API server.

The bot runs as in production (``run_polling``, or this project's ``run_webhook``, with its rate limiter) in a
thread; the real conversation service runs on the tiny catalog; the user's side is scripted by
queueing updates on the fake server, and the checks read what the server received.
"""

from __future__ import annotations

import asyncio
import csv
import logging
import socket
import threading

import httpx
import pytest
from fake_telegram import LIMIT, FakeTelegram, parsed_text

from bots.render import split_html, utf16_len, visible
from bots.telegram_bot import build_application, run_webhook
from tools.settings import Settings

TOKEN = "123456789:AAH-test-token-never-logged"
CHAT, USER = 5001, 7001


class RunningBot:
    """``application.run_polling`` (or ``run_webhook``) in a thread with its own event loop."""

    def __init__(self, app, **webhook) -> None:
        self.app, self.webhook = app, webhook
        self.loop: asyncio.AbstractEventLoop | None = None
        self.error: BaseException | None = None
        self.stop = threading.Event()  # ends the webhook server
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        self.loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self.loop)
        try:
            if self.webhook:
                run_webhook(self.app, stop=self.stop, **self.webhook)
            else:
                self.app.run_polling(poll_interval=0.0, timeout=1, stop_signals=None, close_loop=False)
        except BaseException as exc:  # surfaced by __exit__
            self.error = exc

    def __enter__(self) -> "RunningBot":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        if not self.webhook and self.loop is not None and self.app.running:
            self.loop.call_soon_threadsafe(self.app.stop_running)
        self.thread.join(timeout=30)
        assert not self.thread.is_alive(), "the bot did not stop"
        if self.error:
            raise self.error


@pytest.fixture
def service(settings, tiny_pipeline):
    from agent.service import ChatService

    svc = ChatService(settings, pipeline=tiny_pipeline)
    yield svc
    svc.close()


def bot_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"telegram_token": TOKEN})


def texts(fake: FakeTelegram, since: int = 0) -> list[str]:
    """Texts the bot delivered (parsed, as the user sees them), oldest first."""
    return [
        parsed_text(c.params["text"], c.params.get("parse_mode"))[0]
        for c in fake.of("sendMessage")[since:]
        if c.status == 200
    ]


def delivered(fake: FakeTelegram, method: str = "sendMessage"):
    return [c for c in fake.of(method) if c.status == 200]


def test_scripted_conversation(settings, service, caplog):
    caplog.set_level(logging.DEBUG)
    with FakeTelegram(TOKEN) as fake:
        app = build_application(bot_settings(settings), service, base_url=fake.base_url, per_chat_per_second=20)
        with RunningBot(app):
            fake.wait_count("deleteWebhook", 1)
            assert fake.of("setMyCommands"), "the command menu is set at start-up"
            commands = {c["command"] for c in fake.of("setMyCommands")[0].params["commands"]}
            assert commands >= {"start", "new", "more", "why", "undo", "export", "forget", "help"}

            def say(text: str, replies: int = 1) -> list[str]:
                before = len(delivered(fake))
                fake.send_text(CHAT, USER, text)
                fake.wait_for(lambda: len(delivered(fake)) >= before + replies)
                return [parsed_text(c.params["text"], c.params.get("parse_mode"))[0] for c in delivered(fake)[before:]]

            start = say("/start")[0]
            assert "/new" in start and "/export" in start and "chill 90s r&b" in start

            first = say("90s hip hop for the gym")[0]
            playlist = service.current(f"tg:{CHAT}").playlist
            assert playlist and all("rap" in t.genres for t in playlist)
            for n, t in enumerate(playlist, 1):  # numbered, title, artist, year
                assert f"{n}. {t.title} — {t.artist} ({t.year})" in first
            markup = delivered(fake)[-1].params["reply_markup"]["inline_keyboard"]
            data = [b["callback_data"] for row in markup for b in row]
            assert "fb:u:*" in data and "fb:d:*" in data
            assert all(len(d.encode()) <= 64 for d in data)
            assert f"fb:d:{playlist[1].track_id}" in data

            gone = playlist[0].artist
            follow = say(f"no {gone}")[0]
            after = service.current(f"tg:{CHAT}").playlist
            assert after and gone not in {t.artist for t in after}
            assert after[0].title in follow and f"— {gone} (" not in follow

            # Thumbs down on track 2 of the shown playlist: a button press answered with what was noted.
            shown = delivered(fake)[-1]
            second = after[1]
            fake.press(CHAT, USER, shown.result, f"fb:d:{second.track_id}")
            answer = fake.wait_count("answerCallbackQuery", 1)[0]
            assert second.title in answer.params["text"]
            assert second.track_id in service.memory.get(f"tg:{USER}").skipped

            why = say("/why 2")[0]
            assert second.title in why

            before_docs = len(delivered(fake, "sendDocument"))
            fake.send_text(CHAT, USER, "/export")
            fake.wait_for(lambda: len(delivered(fake, "sendDocument")) >= before_docs + 2)
            docs = {c.files["document"][0]: c.files["document"][1].decode() for c in delivered(fake, "sendDocument")}
            m3u = next(v for k, v in docs.items() if k.endswith(".m3u"))
            rows = list(csv.DictReader(next(v for k, v in docs.items() if k.endswith(".csv")).splitlines()))
            assert m3u.startswith("#EXTM3U") and all(t.track_id in m3u for t in after)
            assert [r["track_id"] for r in rows] == [t.track_id for t in after]

            undo = say("/undo")[0]
            assert "undid" in undo.lower()
            assert [t.track_id for t in service.current(f"tg:{CHAT}").playlist] == [t.track_id for t in playlist]

            # Flood control: Telegram answers 429 once; the reply is retried, not dropped.
            fake.flood["sendMessage"] = 1
            more = say("/more")[0]
            assert "more" in more.lower()
            assert [c.status for c in fake.of("sendMessage")][-2:] == [429, 200]

            forget = say("/forget")[0]
            assert "forgotten" in forget
            assert not service.memory.get(f"tg:{USER}").skipped

            before = [p.track_id for p in service.current(f"tg:{CHAT}").playlist]
            new = say("/new")[0]
            assert "Fresh start" in new and not service.current(f"tg:{CHAT}").playlist
            assert "/undo" in new  # as "start over" in the chat: the playlist before comes back
            say("/undo")
            assert [p.track_id for p in service.current(f"tg:{CHAT}").playlist] == before

        assert not fake.rejected, fake.rejected  # Telegram would have accepted every call
    assert TOKEN not in caplog.text and TOKEN.split(":")[1] not in caplog.text
    assert "<token>" in caplog.text  # the library logged its URL, redacted


def test_two_chats_never_mix(settings, service):
    with FakeTelegram(TOKEN) as fake:
        app = build_application(bot_settings(settings), service, base_url=fake.base_url, per_chat_per_second=20)
        with RunningBot(app):
            fake.send_text(1, 11, "Bad Bunny")
            fake.send_text(2, 22, "AC/DC")
            fake.send_text(1, 11, "add 2 more")
            fake.edit_text(2, 22, 1, "Drake")  # an edit is not a new turn
            fake.wait_for(lambda: len(delivered(fake)) >= 3)
            fake.wait_for(fake.consumed)
            threading.Event().wait(0.5)
        by_chat: dict[int, list[str]] = {}
        for c in delivered(fake):
            by_chat.setdefault(int(c.params["chat_id"]), []).append(parsed_text(c.params["text"], "HTML")[0])
        assert "Bad Bunny" in by_chat[1][0] and "AC/DC" not in by_chat[1][0]
        assert "AC/DC" in by_chat[2][0] and "Bad Bunny" not in by_chat[2][0]
        assert len(by_chat[1]) == 2 and "more" in by_chat[1][1].lower()  # in order within the chat
        assert len(by_chat[2]) == 1


def test_sends_are_paced_per_chat(settings, service):
    """About one message a second per chat (Telegram's limit); other chats do not wait behind it."""
    with FakeTelegram(TOKEN) as fake:
        app = build_application(bot_settings(settings), service, base_url=fake.base_url)  # default pace: 1/s
        with RunningBot(app):
            for _ in range(3):
                fake.send_text(1, 11, "/help")
            fake.send_text(2, 22, "/help")
            fake.wait_for(lambda: len(delivered(fake)) >= 4)
        times = {chat: [c.at for c in delivered(fake) if int(c.params["chat_id"]) == chat] for chat in (1, 2)}
        gaps = [b - a for a, b in zip(times[1], times[1][1:])]
        assert len(times[1]) == 3 and all(g >= 0.8 for g in gaps), gaps
        assert times[2][0] - times[1][0] < 0.8  # chat 2 was not queued behind chat 1


def test_errors_are_logged_and_told_plainly(settings, tiny_pipeline, caplog):
    from agent.service import ChatService

    broken = ChatService(settings, pipeline=tiny_pipeline)
    broken.close()  # its database is gone: every turn fails inside the service
    with FakeTelegram(TOKEN) as fake:
        app = build_application(bot_settings(settings), broken, base_url=fake.base_url, per_chat_per_second=20)
        with RunningBot(app):
            fake.send_text(CHAT, USER, "rock")
            fake.wait_for(lambda: len(delivered(fake)) >= 1)
        assert "something went wrong" in delivered(fake)[0].params["text"]
    record = next(r for r in caplog.records if r.name == "bots.telegram_bot" and r.levelno == logging.ERROR)
    assert record.exc_info and f"chat {CHAT}" in record.getMessage()


def test_long_replies_split_within_telegram_limits(tiny_csv, tiny_pipeline, tmp_path):
    """A catalog with long emoji titles: a big playlist goes out in several messages, none too long."""
    from agent.service import ChatService
    from tools.catalog import Catalog
    from tools.pipeline import Pipeline

    rows = list(csv.DictReader(tiny_csv.open(encoding="utf-8")))
    for row in rows:
        row["track_name"] = row["track_name"] + " 🎸🎹 " + "Midnight Boulevard Serenade for the Open Road " * 3
    path = tmp_path / "long.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    settings = Settings(data=path, home=tmp_path / "home", telegram_token=TOKEN, max_per_artist=6)
    pipeline = Pipeline.from_catalog(settings, Catalog.from_csv(path), tmp_path / "idx")
    service = ChatService(settings, pipeline=pipeline)
    try:
        with FakeTelegram(TOKEN) as fake:
            app = build_application(settings, service, base_url=fake.base_url, per_chat_per_second=20)
            with RunningBot(app):
                fake.send_text(CHAT, USER, "rock and rap, 30 tracks")
                fake.wait_for(lambda: service.current(f"tg:{CHAT}") is not None and len(delivered(fake)) >= 2, 60)
                fake.wait_for(lambda: bool(delivered(fake)[-1].params.get("reply_markup")), 30)
            playlist = service.current(f"tg:{CHAT}").playlist
            sent = texts(fake)
            assert not fake.rejected, fake.rejected
            assert len(sent) >= 2 and all(utf16_len(t) <= LIMIT for t in sent)
            joined = "\n".join(sent)
            assert all(t.title in joined for t in playlist)  # every track shown, none cut in half
            assert "reply_markup" not in delivered(fake)[0].params  # the buttons ride on the last part
    finally:
        service.close()
        pipeline.close()


def test_webhook_mode_checks_the_secret_token(settings, service):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with FakeTelegram(TOKEN) as fake:
        app = build_application(bot_settings(settings), service, base_url=fake.base_url, per_chat_per_second=20)
        hook = dict(
            listen="127.0.0.1",
            port=port,
            url_path="tg",
            webhook_url="https://bot.example.com/tg",
            secret_token="s3cr3t",
        )
        with RunningBot(app, **hook):
            set_hook = fake.wait_count("setWebhook", 1)[0]
            assert (
                set_hook.params["url"] == "https://bot.example.com/tg" and set_hook.params["secret_token"] == "s3cr3t"
            )
            chat = {"id": CHAT, "type": "private"}
            sender = {"id": USER, "is_bot": False, "first_name": "A"}
            update = {
                "update_id": 1,
                "message": {"message_id": 1, "date": 0, "text": "AC/DC", "chat": chat, "from": sender},
            }
            url = f"http://127.0.0.1:{port}/tg"
            for _ in range(100):
                try:
                    wrong = httpx.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "nope"}, timeout=5)
                    break
                except httpx.ConnectError:  # the webhook server is still starting
                    threading.Event().wait(0.1)
            assert wrong.status_code == 403
            assert httpx.post(url, json=update, timeout=5).status_code == 403  # no secret at all
            ok = httpx.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "s3cr3t"}, timeout=5)
            assert ok.status_code == 200
            fake.wait_for(lambda: len(delivered(fake)) >= 1)
        assert "AC/DC" in parsed_text(delivered(fake)[0].params["text"], "HTML")[0]
        assert len(delivered(fake)) == 1  # the refused updates did nothing


def test_split_counts_utf16_and_keeps_markup_whole():
    line = "7. <b>Fire 🔥 &amp; Rain 🌧</b> — Artist (1999)"
    text = "\n".join([line] * 400)
    chunks = split_html(text)
    assert len(chunks) > 1
    for chunk in chunks:
        shown, error = parsed_text(chunk, "HTML")
        assert error is None and utf16_len(shown) <= LIMIT
    assert "\n".join(visible(c) for c in chunks) == visible(text)
    # One line longer than the limit: cut between characters, never inside an emoji's surrogate pair.
    monster = "🎵" * 3000  # 6000 UTF-16 units
    parts = split_html(monster)
    assert [utf16_len(visible(p)) for p in parts] == [4096, 1904] and "".join(visible(p) for p in parts) == monster


def test_the_chart_button_sends_the_playlist_arc(settings, service):
    from tools.chart import arc_png

    with FakeTelegram(TOKEN) as fake:
        app = build_application(bot_settings(settings), service, base_url=fake.base_url, per_chat_per_second=20)
        with RunningBot(app):
            fake.send_text(CHAT, USER, "/chart")  # no playlist yet: said plainly, no picture
            fake.wait_for(lambda: len(delivered(fake)) >= 1)
            assert "no playlist to chart" in parsed_text(delivered(fake)[-1].params["text"], "HTML")[0]
            fake.send_text(CHAT, USER, "classic rock road trip")
            fake.wait_for(lambda: len(delivered(fake)) >= 2)
            shown = delivered(fake)[-1]
            buttons = [b["callback_data"] for row in shown.params["reply_markup"]["inline_keyboard"] for b in row]
            assert "chart" in buttons
            fake.press(CHAT, USER, shown.result, "chart")
            photo = fake.wait_count("sendPhoto", 1)[0]
            fake.send_text(CHAT, USER, "/chart")
            again = fake.wait_count("sendPhoto", 2)[1]
        assert not fake.rejected, fake.rejected
    playlist = service.current(f"tg:{CHAT}").playlist
    name, png = photo.files["photo"]
    assert name.endswith(".png") and photo.status == 200 and photo.result["photo"][0]["width"] == 800
    from tools.schema import PlaylistQuery

    assert png == arc_png(playlist, PlaylistQuery.model_validate(service.current(f"tg:{CHAT}").query).describe())
    assert f"{len(playlist)} tracks" in photo.params["caption"] and again.files["photo"][1] == png
