"""A newcomer at the front doors: what `playgenie telegram` and `playgenie slack` say when the service cannot
be reached or refuses the token (a clear line and a non-zero exit, never a traceback)."""

from __future__ import annotations

import argparse
import functools
import logging
import socket

import pytest
from fake_slack import FakeSlack
from fake_telegram import FakeTelegram


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
