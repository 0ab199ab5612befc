"""A newcomer at the front doors: what `playgenie telegram` and `playgenie slack` say when the service cannot
be reached or refuses the token (a clear line and a non-zero exit, never a traceback)."""

from __future__ import annotations

import argparse
import functools
import json
import logging
import socket

import pytest
from fake_slack import FakeSlack
from fake_telegram import FakeTelegram
from test_slack import slack  # noqa: F401 - fixture
from test_web import browser, server  # noqa: F401 - fixtures


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def offline_service(monkeypatch, tiny_pipeline):
    """`run` builds its own ChatService; give it the tiny pipeline instead of loading a home."""
    import agent.service

    real = agent.service.ChatService
    monkeypatch.setattr(agent.service, "ChatService", lambda settings: real(settings, pipeline=tiny_pipeline))


@pytest.fixture
def fresh_loop():
    """`run_polling` closes the event loop it ran on (the CLI runs it once a process); each test gets its own."""
    import asyncio

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    yield
    asyncio.set_event_loop(None)
    loop.close()


def _slack_at(monkeypatch, api_url: str) -> None:
    """`playgenie slack` talks to ``api_url`` instead of slack.com."""
    import slack_sdk

    monkeypatch.setattr(slack_sdk, "WebClient", functools.partial(slack_sdk.WebClient, base_url=api_url))


def _no_traceback(caplog) -> None:
    assert not [r for r in caplog.records if r.exc_info], "a traceback was logged"


def test_slack_with_a_wrong_token_says_so(settings, offline_service, monkeypatch, capsys, caplog):
    from bots import slack_bot

    with FakeSlack("xoxb-right", app_token="xapp-right") as fake:
        _slack_at(monkeypatch, fake.api_url)
        wrong = settings.model_copy(update={"slack_bot_token": "xoxb-wrong", "slack_app_token": "xapp-right"})
        code = slack_bot.run(argparse.Namespace(host="127.0.0.1", port=0), wrong)
    out = capsys.readouterr()
    assert code == 1
    said = out.out + out.err
    assert "playgenie slack:" in said and "invalid_auth" in said and "PLAYGENIE_SLACK_BOT_TOKEN" in said
    assert "Traceback" not in said
    _no_traceback(caplog)


def test_slack_unreachable_says_so(settings, offline_service, monkeypatch, capsys, caplog):
    from bots import slack_bot

    _slack_at(monkeypatch, f"http://127.0.0.1:{_closed_port()}/api/")
    s = settings.model_copy(update={"slack_bot_token": "xoxb-x", "slack_app_token": "xapp-x"})
    caplog.set_level(logging.CRITICAL, logger="slack_sdk")  # the SDK's own one-line error log is fine
    code = slack_bot.run(argparse.Namespace(host="127.0.0.1", port=0), s)
    out = capsys.readouterr()
    said = out.out + out.err
    assert code == 1
    assert "playgenie slack: could not reach Slack" in said and "Traceback" not in said


def test_telegram_with_a_wrong_token_says_so(settings, offline_service, fresh_loop, monkeypatch, capsys, caplog):
    from bots import telegram_bot

    with FakeTelegram("123:right") as fake:
        monkeypatch.setattr(
            telegram_bot,
            "build_application",
            functools.partial(telegram_bot.build_application, base_url=fake.base_url),
        )
        wrong = settings.model_copy(update={"telegram_token": "123:wrong"})
        code = telegram_bot.run(argparse.Namespace(webhook_url=None), wrong)
    out = capsys.readouterr()
    said = out.out + out.err
    assert code == 1
    assert "playgenie telegram:" in said and "PLAYGENIE_TELEGRAM_TOKEN" in said and "Traceback" not in said
    _no_traceback(caplog)


def test_telegram_unreachable_says_so(settings, offline_service, fresh_loop, monkeypatch, capsys, caplog):
    from bots import telegram_bot

    monkeypatch.setattr(
        telegram_bot,
        "build_application",
        functools.partial(telegram_bot.build_application, base_url=f"http://127.0.0.1:{_closed_port()}/bot"),
    )
    code = telegram_bot.run(argparse.Namespace(webhook_url=None), settings.model_copy(update={"telegram_token": "1:x"}))
    out = capsys.readouterr()
    said = out.out + out.err
    assert code == 1
    assert "playgenie telegram: could not reach Telegram" in said and "Traceback" not in said
    _no_traceback(caplog)


@pytest.fixture
def api(tiny_csv, tiny_pipeline, tmp_path):
    """(client, service) for a real server on the tiny catalog."""
    import httpx

    from agent.service import ChatService
    from bots.asgi import BackgroundServer
    from bots.http_api import create_app
    from tools.settings import Settings

    service = ChatService(Settings(data=tiny_csv, home=tmp_path / "home"), pipeline=tiny_pipeline)
    with BackgroundServer(create_app(service.settings, service)) as srv:
        with httpx.Client(base_url=srv.url, timeout=60) as client:
            yield client, service
    service.close()


def test_an_export_asked_in_the_chat_over_http_says_where_to_get_it(api):
    """ "export it as xspf" over HTTP: the file was written on the server, which the caller cannot reach; the answer
    names the format and the route that serves it, and that route serves the same playlist."""
    client, _ = api
    first = client.post("/v1/chat", json={"thread_id": "ex1", "user_id": "ana", "text": "edm bangers, 6 songs"})
    assert first.status_code == 200 and first.json()["export"] == ""
    r = client.post("/v1/chat", json={"thread_id": "ex1", "user_id": "ana", "text": "export it as xspf"})
    assert r.status_code == 200
    out = r.json()
    assert out["export"] == "xspf"
    assert "/v1/threads/ex1/export?fmt=xspf" in out["reply"]
    got = client.get("/v1/threads/ex1/export", params={"fmt": "xspf"})
    assert got.status_code == 200 and got.text.count("<track>") == len(out["playlist"]) == 6


def test_an_export_asked_through_the_openai_endpoint_says_where_to_get_it(api):
    client, _ = api
    msgs = [{"role": "user", "content": "edm bangers, 6 songs"}]
    r = client.post("/v1/chat/completions", json={"messages": msgs, "user": "bo"})
    tid = r.headers["x-playgenie-thread-id"]
    msgs += [{"role": "assistant", "content": "..."}, {"role": "user", "content": "export it as csv"}]
    r = client.post("/v1/chat/completions", json={"messages": msgs, "user": "bo"})
    assert r.headers["x-playgenie-thread-id"] == tid
    assert f"/v1/threads/{tid}/export?fmt=csv" in r.json()["choices"][0]["message"]["content"]


def test_an_export_asked_in_a_telegram_chat_sends_the_file(settings, tiny_pipeline):
    """ "export it as xspf" in Telegram: the chat gets the file, not the name of one saved on the server."""
    from test_telegram import CHAT, TOKEN, USER, RunningBot, delivered

    from agent.service import ChatService
    from bots.telegram_bot import build_application

    service = ChatService(settings.model_copy(update={"telegram_token": TOKEN}), pipeline=tiny_pipeline)
    with FakeTelegram(TOKEN) as fake:
        app = build_application(service.settings, service, base_url=fake.base_url, per_chat_per_second=20)
        with RunningBot(app):
            fake.wait_count("deleteWebhook", 1)
            fake.send_text(CHAT, USER, "edm bangers, 6 songs")
            fake.wait_for(lambda: len(delivered(fake)) >= 1)
            fake.send_text(CHAT, USER, "export it as xspf")
            fake.wait_for(lambda: len(delivered(fake, "sendDocument")) >= 1)
            name, body = delivered(fake, "sendDocument")[0].files["document"]
    playlist = service.current(f"tg:{CHAT}").playlist
    service.close()
    assert name.endswith(".xspf") and body.decode().count("<track>") == len(playlist) == 6


def test_the_terminal_chat_exports_every_format_into_the_working_folder(tiny_csv, tmp_path, capsys, monkeypatch):
    """/export takes the five formats the README lists (xspf was saved as .m3u, unsaid); "export it as csv"
    said in the chat saves the file where the user is, as /export does, and says where."""
    import io

    from bots.cli import main

    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    said = "songs for a party\n/export xspf\nexport it as csv\n/export pdf\nquit\n"
    monkeypatch.setattr("sys.stdin", io.StringIO(said))
    base = ["--data", str(tiny_csv), "--home", str(tmp_path / "home"), "chat", "--thread", "x", "--user", "ana"]
    assert main(base) == 0
    out = capsys.readouterr().out
    xspf, csv = sorted(here.glob("*.xspf")), sorted(here.glob("*.csv"))
    assert len(xspf) == 1 and xspf[0].read_text().count("<track>") > 0
    assert len(csv) == 1 and csv[0].read_text().startswith("position,track_id")
    assert f"Saved {csv[0].name}" in out.replace("\n", "")
    assert not list(here.glob("*.m3u"))
    assert "pdf" in out and "m3u, xspf, jspf, csv, json" in out


def test_an_export_asked_in_a_slack_chat_uploads_the_file(slack):  # noqa: F811
    """ "export it as csv" in Slack: the file is uploaded into the conversation, not saved on the server unsaid."""
    from test_slack import event, post

    url, fake, service = slack
    post(url, event("Ex1", type="message", channel_type="im", channel="D5", user="U5", text="edm, 6 songs", ts="1.1"))
    fake.wait_for(lambda: len(fake.of("chat.postMessage")) >= 1)
    post(
        url, event("Ex2", type="message", channel_type="im", channel="D5", user="U5", text="export it as csv", ts="1.2")
    )
    fake.wait_for(lambda: len(fake.of("files.completeUploadExternal")) >= 1)
    done = fake.of("files.completeUploadExternal")[0].params
    (file_id,) = [f["id"] for f in json.loads(done["files"])]
    body = fake.uploads[file_id].decode()
    playlist = service.current("slack:D5:dm").playlist
    assert done["channel_id"] == "D5"
    assert body.startswith("position,track_id") and [r.split(",")[1] for r in body.splitlines()[1:]] == [
        t.track_id for t in playlist
    ]


@pytest.mark.parametrize(
    "body",
    [
        b'{"messages":[{"role":"user","content":"rock \\ud800 roll"}]}',
        b'{"messages":[{"role":"user","content":"rock \\ud800 roll"}],"stream":true}',
        b'{"messages":[{"role":"user","content":[{"type":"text","text":"rock \\udfff"}]}]}',
        b'{"messages":[{"role":"user","content":"rock"}],"user":"ana \\ud800"}',
    ],
)
def test_a_lone_surrogate_through_the_openai_endpoint_is_a_clear_422(api, body):
    """JSON may escape half of a UTF-16 pair ("\\ud800"); /v1/chat answered 422, the OpenAI route a 500."""
    client, _ = api
    r = client.post("/v1/chat/completions", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 422, r.text
    assert "unicode" in r.text.lower() or "surrogate" in r.text.lower()


def test_an_export_asked_in_the_web_page_downloads_the_file(browser, server, tmp_path):  # noqa: F811
    """ "export it as csv" typed in the web page downloads the file, as the page's CSV button does."""
    from test_web import TIMEOUT_MS, send

    ctx = browser.new_context(accept_downloads=True)
    page = ctx.new_page()
    page.goto(server.url + "/")
    send(page, "classic rock road trip")
    shown = page.evaluate("[...document.querySelectorAll('#tracks li')].map((li) => li.dataset.trackId)")
    with page.expect_download(timeout=TIMEOUT_MS) as download:
        send(page, "export it as csv")
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    rows = path.read_text().splitlines()
    ctx.close()
    assert path.suffix == ".csv" and [r.split(",")[1] for r in rows[1:]] == shown
