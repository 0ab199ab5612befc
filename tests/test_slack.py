"""The Slack bot end to end: signed requests to the Bolt app over HTTP, its Web API calls to a local server."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from urllib.parse import urlencode

import httpx
import pytest
from fake_slack import FakeSlack

from bots.asgi import BackgroundServer
from bots.slack_bot import EVENTS_PATH, asgi_app, build_app

BOT_TOKEN = "xoxb-test-token"
SECRET = "8f742231b10e8888abcd99yyyzzz85a5"


def sign(body: str, ts: int, secret: str = SECRET) -> str:
    base = f"v0:{ts}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


@pytest.fixture
def slack(settings, tiny_pipeline):
    """(bolt app URL, fake Web API, service)."""
    from slack_sdk import WebClient

    from agent.service import ChatService

    settings = settings.model_copy(update={"slack_bot_token": BOT_TOKEN, "slack_signing_secret": SECRET})
    service = ChatService(settings, pipeline=tiny_pipeline)
    with FakeSlack(BOT_TOKEN) as fake:
        app = build_app(settings, service, client=WebClient(token=BOT_TOKEN, base_url=fake.api_url))
        with BackgroundServer(asgi_app(app)) as server:
            yield server.url + EVENTS_PATH, fake, service
    service.close()


def post(url: str, payload: dict, *, ts: int | None = None, secret: str = SECRET, form: bool = False, **headers: str):
    body = urlencode({"payload": json.dumps(payload)}) if form else json.dumps(payload)
    ts = int(time.time()) if ts is None else ts
    ctype = "application/x-www-form-urlencoded" if form else "application/json"
    hdrs = {
        "X-Slack-Request-Timestamp": str(ts),
        "X-Slack-Signature": sign(body, ts, secret),
        "Content-Type": ctype,
        **headers,
    }
    started = time.monotonic()
    r = httpx.post(url, content=body, headers=hdrs, timeout=10)
    return r, time.monotonic() - started


def event(event_id: str, **ev) -> dict:
    return {
        "type": "event_callback",
        "team_id": "T1",
        "api_app_id": "A1",
        "event_id": event_id,
        "event_time": int(time.time()),
        "event": ev,
    }


def press(actions: dict, action_id: str, *, channel: str, thread_ts: str, message_ts: str, trigger_id: str) -> dict:
    """The block_actions payload Slack sends when user U2 presses button ``action_id`` of an actions block."""
    button = next(e for e in actions["elements"] if e["action_id"] == action_id)
    return {
        "type": "block_actions",
        "user": {"id": "U2"},
        "channel": {"id": channel},
        "team": {"id": "T1"},
        "container": {"type": "message", "channel_id": channel, "message_ts": message_ts, "thread_ts": thread_ts},
        "message": {"ts": message_ts, "thread_ts": thread_ts},
        "trigger_id": trigger_id,
        "api_app_id": "A1",
        "actions": [
            {
                "action_id": action_id,
                "block_id": actions["block_id"],
                "value": button["value"],
                "type": "button",
                "action_ts": "1",
            }
        ],
    }


def blocks_text(call) -> str:
    blocks = call.params.get("blocks") or []
    blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
    return "\n".join(b.get("text", {}).get("text", "") for b in blocks if b["type"] == "section")


def test_signatures_are_verified(slack):
    url, fake, _ = slack
    challenge = {"type": "url_verification", "challenge": "abc123", "token": "x"}
    assert post(url, challenge)[0].json() == {"challenge": "abc123"}
    assert post(url, challenge, secret="wrong-secret")[0].status_code == 401
    assert post(url, challenge, ts=int(time.time()) - 10 * 60)[0].status_code == 401  # stale: replayed
    assert httpx.post(url, json=challenge, timeout=10).status_code == 401  # unsigned
    dm = event("EvBad", type="message", channel_type="im", channel="D1", user="U1", text="rock", ts="1.1")
    assert post(url, dm, secret="wrong-secret")[0].status_code == 401
    time.sleep(0.5)
    assert not fake.of("chat.postMessage")  # nothing unsigned was acted on


def test_direct_messages_are_a_conversation_acked_at_once(slack):
    url, fake, service = slack
    dm = event(
        "Ev1", type="message", channel_type="im", channel="D1", user="U1", text="90s hip hop for the gym", ts="100.1"
    )
    r, took = post(url, dm)
    acked_at = time.monotonic()
    assert r.status_code == 200 and took < 3.0
    fake.wait_for(lambda: len(fake.of("chat.postMessage")) >= 1)
    reply = fake.of("chat.postMessage")[0]
    assert reply.at >= acked_at - took  # the turn ran after the acknowledgement, not before it
    playlist = service.current("slack:D1:dm").playlist
    assert playlist and all("rap" in t.genres for t in playlist)
    shown = blocks_text(reply)
    for n, t in enumerate(playlist, 1):
        assert f"{n}. *{t.title}* — {t.artist} ({t.year})" in shown
    assert reply.params["channel"] == "D1" and reply.params.get("thread_ts") is None

    # Slack redelivers the same event (it thought we timed out): acknowledged, handled once.
    again, _ = post(url, dm, **{"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
    assert again.status_code == 200
    follow = event("Ev2", type="message", channel_type="im", channel="D1", user="U1", text="add 2 more", ts="100.2")
    post(url, follow)
    fake.wait_for(lambda: len(fake.of("chat.postMessage")) >= 2)
    time.sleep(0.5)
    assert len(fake.of("chat.postMessage")) == 2
    assert fake.of("chat.postMessage")[1].params["text"].startswith("Added")
    assert len(service.current("slack:D1:dm").playlist) > len(playlist)

    # The bot's own messages and edits are not turns.
    post(
        url,
        event("Ev3", type="message", channel_type="im", channel="D1", bot_id="B1", text="Your playlist", ts="100.3"),
    )
    post(url, event("Ev4", type="message", subtype="message_changed", channel_type="im", channel="D1", ts="100.4"))
    time.sleep(0.5)
    assert len(fake.of("chat.postMessage")) == 2


def test_a_slack_thread_is_a_conversation(slack):
    url, fake, service = slack
    post(url, event("EvM1", type="app_mention", channel="C1", user="U2", text="<@UBOT> Queen", ts="200.1"))
    fake.wait_for(lambda: len(fake.of("chat.postMessage")) >= 1)
    first = fake.of("chat.postMessage")[0]
    assert first.params["channel"] == "C1" and first.params["thread_ts"] == "200.1"
    assert {t.artist for t in service.current("slack:C1:200.1").playlist} == {"Queen"}

    # A follow-up in the same Slack thread changes that conversation; another thread is another one.
    post(
        url,
        event(
            "EvM2",
            type="app_mention",
            channel="C1",
            user="U2",
            text="<@UBOT> also AC/DC",
            ts="200.5",
            thread_ts="200.1",
        ),
    )
    post(url, event("EvM3", type="app_mention", channel="C1", user="U3", text="<@UBOT> Drake", ts="300.1"))
    fake.wait_for(lambda: len(fake.of("chat.postMessage")) >= 3)
    artists = {t.artist for t in service.current("slack:C1:200.1").playlist}
    assert "AC/DC" in artists and "Drake" not in artists
    assert {t.artist for t in service.current("slack:C1:300.1").playlist} == {"Drake"}
    replies = {c.params["thread_ts"]: c for c in fake.of("chat.postMessage")[1:]}
    assert set(replies) == {"200.1", "300.1"} and "Drake" in blocks_text(replies["300.1"])

    # In a thread PlayGenie is part of, a plain reply (no mention) continues the conversation...
    before = len(service.current("slack:C1:200.1").playlist)
    plain = dict(type="message", channel_type="channel", channel="C1", user="U2", ts="200.7", thread_ts="200.1")
    post(url, event("EvP1", **plain, text="add 2 more"))
    fake.wait_for(lambda: len(fake.of("chat.postMessage")) >= 4)
    assert len(service.current("slack:C1:200.1").playlist) > before
    # ...while chatter in other threads and mentions (answered as app_mention) are not turns here.
    post(url, event("EvP2", **{**plain, "thread_ts": "999.1", "ts": "999.2"}, text="lunch?"))
    post(url, event("EvP3", **{**plain, "ts": "200.8"}, text="<@UBOT> add 2 more"))
    time.sleep(0.5)
    assert len(fake.of("chat.postMessage")) == 4

    # The thumbs buttons under a playlist feed long-term memory and answer the presser only.
    actions = next(b for b in json.loads(json.dumps(first.params["blocks"])) if b["type"] == "actions")
    down = press(actions, "fb_down", channel="C1", thread_ts="200.1", message_ts="200.2", trigger_id="1.2")
    r, took = post(url, down, form=True)
    assert r.status_code == 200 and took < 3.0
    fake.wait_for(lambda: len(fake.of("chat.postEphemeral")) >= 1)
    note = fake.of("chat.postEphemeral")[0].params
    assert note["user"] == "U2" and note["channel"] == "C1" and "won't shape" in note["text"]


def test_block_kit_stays_within_slack_limits(tiny_catalog):
    """A 200-track playlist with long titles: sections under 3000 characters, under 50 blocks, buttons kept."""
    from agent.prompts import reply as service_reply
    from bots.render import slack_blocks
    from tools.schema import PlaylistItem

    items = []
    for i in range(200):
        t = tiny_catalog.tracks[i % len(tiny_catalog.tracks)]
        items.append(
            PlaylistItem(
                track_id=f"{t.track_id}-{i}",
                title=t.title + " & <the> " + "long " * 12,
                artist=t.artist,
                year=t.year,
                genres=t.genres,
                moods=[],
                energy=t.energy,
                valence=t.valence,
                danceability=t.danceability,
                tempo=t.tempo,
                popularity=t.popularity,
                duration_ms=t.duration_ms,
            )
        )
    text = service_reply("new playlist for everything", [p.model_dump() for p in items])
    blocks = slack_blocks(text, items, feedback_value="slack:C1:1.2")
    sections = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    assert len(blocks) <= 50 and all(len(s) <= 3000 for s in sections)
    assert blocks[-1]["type"] == "actions" and blocks[-1]["elements"][0]["value"] == "slack:C1:1.2"
    shown = "\n".join(sections)
    assert "&amp; &lt;the&gt;" in shown and "<the>" not in shown  # escaped for mrkdwn
    assert all(f"{n}. *" in shown for n in (1, 100, 200)) and shown.count("Your playlist (200 tracks)") == 1


def test_the_chart_button_uploads_the_arc_into_the_thread(slack):
    from tools.chart import arc_png
    from tools.schema import PlaylistQuery

    url, fake, service = slack
    mention = event("EvC1", type="app_mention", channel="C9", user="U2", text="<@UBOT> classic rock", ts="500.1")
    post(url, mention)
    fake.wait_for(lambda: len(fake.of("chat.postMessage")) >= 1)
    actions = next(b for b in fake.of("chat.postMessage")[0].params["blocks"] if b["type"] == "actions")
    chart = press(actions, "chart", channel="C9", thread_ts="500.1", message_ts="500.2", trigger_id="1.3")
    r, took = post(url, chart, form=True)
    assert r.status_code == 200 and took < 3.0
    fake.wait_for(lambda: len(fake.of("files.completeUploadExternal")) >= 1)
    done = fake.of("files.completeUploadExternal")[0].params
    assert done["channel_id"] == "C9" and done["thread_ts"] == "500.1"
    (file_id,) = [f["id"] for f in json.loads(done["files"])]
    current = service.current("slack:C9:500.1")
    assert fake.uploads[file_id] == arc_png(current.playlist, PlaylistQuery.model_validate(current.query).describe())


def test_socket_mode_needs_no_public_url(settings, tiny_pipeline):
    """Bolt's Socket Mode handler dials the (local) websocket Slack hands out; events come down it, acks go up."""
    from slack_sdk import WebClient

    from agent.service import ChatService
    from bots.slack_bot import socket_mode_handler

    app_token = "xapp-1-test"
    settings = settings.model_copy(update={"slack_bot_token": BOT_TOKEN, "slack_app_token": app_token})
    assert settings.slack_signing_secret is None  # Socket Mode alone needs none
    service = ChatService(settings, pipeline=tiny_pipeline)
    with FakeSlack(BOT_TOKEN, app_token=app_token) as fake:
        app = build_app(settings, service, client=WebClient(token=BOT_TOKEN, base_url=fake.api_url))
        handler = socket_mode_handler(app, app_token)
        handler.connect()
        try:
            fake.wait_for(fake.connected)
            assert fake.of("apps.connections.open")
            dm = event("EvS1", type="message", channel_type="im", channel="D7", user="U7", text="Bad Bunny", ts="1.1")
            envelope = fake.push("events_api", dm)
            fake.wait_for(lambda: any(a.get("envelope_id") == envelope for a in fake.acks))
            fake.wait_for(lambda: len(fake.of("chat.postMessage")) >= 1)
            playlist = service.current("slack:D7:dm").playlist
            assert playlist and {t.artist for t in playlist} == {"Bad Bunny"}
            assert f"1. *{playlist[0].title}*" in blocks_text(fake.of("chat.postMessage")[0])
            # A button press arrives as an "interactive" envelope.
            press = {
                "type": "block_actions",
                "user": {"id": "U7"},
                "channel": {"id": "D7"},
                "team": {"id": "T1"},
                "container": {"type": "message", "channel_id": "D7", "message_ts": "1.2"},
                "message": {"ts": "1.2"},
                "trigger_id": "1.4",
                "api_app_id": "A1",
                "actions": [
                    {
                        "action_id": "fb_up",
                        "block_id": "playlist_feedback",
                        "value": "slack:D7:dm",
                        "type": "button",
                        "action_ts": "1",
                    }
                ],
            }
            fake.push("interactive", press)
            fake.wait_for(lambda: len(fake.of("chat.postEphemeral")) >= 1)
            assert "shape your next" in fake.of("chat.postEphemeral")[0].params["text"]
        finally:
            handler.close()
    service.close()
