"""The web page in a real headless Chromium (Debian's, driven by Playwright): type a request, see the
playlist, refine it, watch the chart change, use the track buttons, export. Screenshots go to tmp_path."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from xml.etree import ElementTree as ET

import httpx
import pytest

from bots.asgi import BackgroundServer
from bots.http_api import create_app
from tools.settings import Settings

CHROMIUM = os.environ.get("PLAYGENIE_CHROMIUM", "/usr/bin/chromium")
# Without the background-networking flags Chromium keeps dialling out, which this closed network refuses.
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip
TIMEOUT_MS = 60_000


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        message = f"no Chromium at {CHROMIUM}: `make browser` installs Debian's"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


def serve(tiny_csv, tiny_pipeline, home: Path, **extra):
    from agent.service import ChatService

    settings = Settings(data=tiny_csv, home=home, **extra)
    service = ChatService(settings, pipeline=tiny_pipeline)
    return service, BackgroundServer(create_app(settings, service))


@pytest.fixture(scope="module")
def server(tiny_csv, tiny_pipeline, tmp_path_factory):
    service, srv = serve(tiny_csv, tiny_pipeline, tmp_path_factory.mktemp("web_home"))
    with srv:
        yield srv
    service.close()


def chart_digest(page) -> str:
    """SHA-256 of the PNG the page shows as the chart."""
    return page.evaluate("""async () => {
        const img = document.querySelector('#chart');
        const bytes = await (await fetch(img.src)).arrayBuffer();
        const digest = await crypto.subtle.digest('SHA-256', bytes);
        return Array.from(new Uint8Array(digest)).map((b) => b.toString(16).padStart(2, '0')).join('');
    }""")


def shown_ids(page) -> list[str]:
    return page.eval_on_selector_all("#tracks li", "els => els.map(e => e.dataset.trackId)")


def send(page, text: str) -> None:
    """Type a message, press Enter, and wait for PlayGenie's answer in the chat log."""
    answers = page.locator("#log li.bot, #log li.error").count()
    page.fill("#message", text)
    page.press("#message", "Enter")
    page.wait_for_function(
        f"document.querySelectorAll('#log li.bot, #log li.error').length > {answers}", timeout=TIMEOUT_MS
    )
    page.wait_for_function("!document.querySelector('#send').disabled", timeout=TIMEOUT_MS)


def wait_chart(page, after: str | None = None) -> str:
    page.wait_for_function(
        "document.querySelector('#chart').complete && document.querySelector('#chart').naturalWidth > 0"
        + (" && document.querySelector('#chart').src !== " + json.dumps(after) if after else ""),
        timeout=TIMEOUT_MS,
    )
    return page.eval_on_selector("#chart", "img => img.src")


def test_a_conversation_in_the_browser(browser, server, tmp_path):
    api = httpx.Client(base_url=server.url, timeout=60)
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(server.url + "/")
    assert page.title() == "PlayGenie"
    assert page.evaluate("document.activeElement.id") == "message"  # type at once

    # A request: the playlist, its details and the chart appear.
    send(page, "classic rock road trip")
    thread = page.evaluate("localStorage.getItem('playgenie.thread')")
    state = api.get(f"/v1/threads/{thread}").json()
    assert shown_ids(page) == [t["track_id"] for t in state["playlist"]] and len(state["playlist"]) == 20
    first = page.locator("#tracks li").first
    t0 = state["playlist"][0]
    assert t0["title"] in first.inner_text() and t0["artist"] in first.inner_text()
    assert f"energy {t0['energy']:.2f}" in first.inner_text() and f"{round(t0['tempo'])} BPM" in first.inner_text()
    assert t0["reason"] and t0["reason"] in first.inner_text()
    assert page.locator("#log li.me").last.inner_text() == "classic rock road trip"
    assert "Your playlist (" not in page.locator("#log li.bot").last.inner_text()  # the list is on the right
    src = wait_chart(page)
    before = chart_digest(page)
    assert before == hashlib.sha256(api.get(f"/v1/threads/{thread}/chart.png").content).hexdigest()
    page.screenshot(path=str(tmp_path / "1-playlist.png"), full_page=True)

    # Refine it: the playlist and the chart change.
    send(page, "more upbeat")
    after_state = api.get(f"/v1/threads/{thread}").json()
    assert (
        shown_ids(page)
        == [t["track_id"] for t in after_state["playlist"]]
        != [t["track_id"] for t in state["playlist"]]
    )
    mean = lambda s: sum(t["energy"] for t in s["playlist"]) / len(s["playlist"])
    assert mean(after_state) > mean(state)
    wait_chart(page, after=src)
    assert chart_digest(page) != before
    page.screenshot(path=str(tmp_path / "2-refined.png"), full_page=True)

    # The track buttons: remove, move, thumbs.
    ids = shown_ids(page)
    page.get_by_role("button", name="Remove track 2:", exact=False).click()
    page.wait_for_function(f"document.querySelectorAll('#tracks li').length === {len(ids) - 1}", timeout=TIMEOUT_MS)
    assert shown_ids(page) == ids[:1] + ids[2:]
    ids = shown_ids(page)
    page.get_by_role("button", name="Move track 3 up:", exact=False).click()
    page.wait_for_function(
        f"document.querySelector('#tracks li:nth-child(2)').dataset.trackId === {json.dumps(ids[2])}",
        timeout=TIMEOUT_MS,
    )
    assert shown_ids(page) == [ids[0], ids[2], ids[1], *ids[3:]]
    page.get_by_role("button", name="I like track 1:", exact=False).click()
    page.wait_for_selector("#log li.note", timeout=TIMEOUT_MS)
    assert "you love" in page.locator("#log li.note").last.inner_text()

    # Export: a real XSPF download with the playlist on screen.
    with page.expect_download(timeout=TIMEOUT_MS) as download:
        page.get_by_role("button", name="XSPF").click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    ns = {"x": "http://xspf.org/ns/0/"}
    locations = [e.text for e in ET.parse(path).getroot().iterfind("x:trackList/x:track/x:location", ns)]
    assert locations == [f"https://open.spotify.com/track/{i}" for i in shown_ids(page)]

    # A reload keeps the conversation (one thread per browser); "New conversation" starts another.
    shown = shown_ids(page)
    page.reload()
    page.wait_for_function(f"document.querySelectorAll('#tracks li').length === {len(shown)}", timeout=TIMEOUT_MS)
    assert shown_ids(page) == shown and page.locator("#log li.me").count() >= 2
    page.get_by_role("button", name="New conversation").click()
    assert shown_ids(page) == [] and page.evaluate("localStorage.getItem('playgenie.thread')") != thread
    assert page.locator("#log li.me").count() == 0
    assert not errors, errors
    ctx.close()
    api.close()


def test_readable_on_a_phone_and_keyboard_only(browser, server, tmp_path):
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = ctx.new_page()
    page.goto(server.url + "/")
    page.keyboard.type("edm bangers")
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelectorAll('#tracks li').length > 0", timeout=TIMEOUT_MS)
    wait_chart(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing runs off the side
    # Tab reaches the first track's buttons, and Enter on "remove" works without a mouse.
    count = page.locator("#tracks li").count()
    page.focus("#tracks li:first-child .actions button:nth-child(3)")
    assert page.evaluate("document.activeElement.getAttribute('aria-label')").startswith("Remove track 1:")
    page.keyboard.press("Enter")
    page.wait_for_function(f"document.querySelectorAll('#tracks li').length === {count - 1}", timeout=TIMEOUT_MS)
    page.screenshot(path=str(tmp_path / "3-phone.png"), full_page=True)
    ctx.close()


def test_the_page_asks_for_the_api_key(browser, tiny_csv, tiny_pipeline, tmp_path):
    service, srv = serve(tiny_csv, tiny_pipeline, tmp_path / "home", api_key="s3cret")
    with srv:
        page = browser.new_page()
        page.goto(srv.url + "/")
        page.fill("#message", "chill pop afternoon")
        page.press("#message", "Enter")
        page.wait_for_selector("#api-key", state="visible", timeout=TIMEOUT_MS)
        page.fill("#api-key", "s3cret")
        page.press("#api-key", "Enter")
        page.wait_for_function("document.querySelectorAll('#tracks li').length > 0", timeout=TIMEOUT_MS)
        assert page.locator("#log li.me").count() == 1  # the message was sent once, after the key
        page.close()
    service.close()
