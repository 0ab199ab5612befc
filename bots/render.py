"""Rendering shared by the front ends: playlist text, Telegram-sized chunks, Slack Block Kit.

Only presentation lives here; what the playlist holds comes from the conversation service.
Every text shown (reply, titles, artists) passes :func:`tools.clean.clean_text` first: catalog
and user text may carry control characters or terminal escapes, and they are never rendered.
Telegram counts a message's length in UTF-16 code units of the text after its HTML is parsed,
so the splitter counts the same way and only cuts between lines (or, for one over-long line,
between characters of its plain text), never inside a tag, an entity or a surrogate pair.
"""

from __future__ import annotations

import html
import re
from typing import Any, Iterable, Sequence

from tools.clean import clean_text
from tools.schema import PlaylistItem

TELEGRAM_LIMIT = 4096  # UTF-16 code units of a message's parsed text
SLACK_SECTION_LIMIT = 3000  # characters in one section block's text
SLACK_MAX_BLOCKS = 50

_TAG = re.compile(r"<[^>]+>")


def utf16_len(text: str) -> int:
    """Length as Telegram counts it: characters outside the BMP (most emoji) count twice."""
    return len(text.encode("utf-16-le")) // 2


def visible(html_text: str) -> str:
    """The text a reader sees once Telegram has parsed the HTML."""
    return html.unescape(_TAG.sub("", html_text))


def split_reply(reply: str, items: Sequence[PlaylistItem]) -> tuple[str, bool]:
    """(the reply's message, whether the service's playlist listing was cut off its end).

    The service's reply ends with the playlist as plain numbered lines; a front end that renders
    the playlist itself (bold titles, Block Kit) keeps only the words before it.
    """
    from agent.prompts import render_playlist

    listing = render_playlist([t.model_dump() for t in items]) if items else ""
    if listing and reply.rstrip().endswith(listing):
        return reply.rstrip()[: -len(listing)].rstrip(), True
    return reply.strip(), False


def telegram_html(reply: str, items: Sequence[PlaylistItem]) -> str:
    """The reply and the playlist as Telegram HTML (titles in bold); every line self-contained, all text escaped."""
    message, cut = split_reply(reply, items)
    lines = [html.escape(line) for line in clean_text(message).splitlines()]
    if cut:
        for i, t in enumerate(items, 1):
            year = f" ({t.year})" if t.year else ""
            title, artist = clean_text(t.title, newlines=False), clean_text(t.artist, newlines=False)
            lines.append(f"{i}. <b>{html.escape(title)}</b> — {html.escape(artist)}{html.escape(year)}")
    return "\n".join(lines)


def _cut_plain(text: str, limit: int) -> list[str]:
    """Cut plain text into pieces of at most ``limit`` UTF-16 units, at spaces where possible."""
    pieces: list[str] = []
    rest = text
    while utf16_len(rest) > limit:
        units, cut = 0, 0
        for i, ch in enumerate(rest):  # iterating code points never splits a surrogate pair
            units += 2 if ord(ch) > 0xFFFF else 1
            if units > limit:
                break
            cut = i + 1
        space = rest.rfind(" ", 0, cut)
        if space > cut // 2:
            cut = space + 1
        pieces.append(rest[:cut])
        rest = rest[cut:]
    if rest:
        pieces.append(rest)
    return pieces


def split_html(text: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Split Telegram HTML into messages whose parsed text is at most ``limit`` UTF-16 units.

    Cuts fall between lines, so tags (which never span lines in our rendering) stay whole. A
    single line longer than the limit loses its markup and is cut as escaped plain text.
    """
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    for line in text.split("\n"):
        n = utf16_len(visible(line))
        if n > limit:
            if current:
                chunks.append("\n".join(current))
                current, size = [], 0
            chunks.extend(html.escape(p) for p in _cut_plain(visible(line), limit))
            continue
        extra = n + (1 if current else 0)  # the newline joining it to the chunk
        if current and size + extra > limit:
            chunks.append("\n".join(current))
            current, size = [line], n
        else:
            current.append(line)
            size += extra
    if current:
        chunks.append("\n".join(current))
    chunks = [c.strip("\n") for c in chunks]
    return [c for c in chunks if visible(c).strip()]


def slack_blocks(
    reply: str, items: Sequence[PlaylistItem], *, feedback_value: str | None = None
) -> list[dict[str, Any]]:
    """The reply and the playlist as Block Kit: sections of numbered tracks, then thumbs and chart buttons
    whose value (``feedback_value``, the conversation id) tells the action handler which thread they act on."""

    def esc(s: str, newlines: bool = True) -> str:  # Slack mrkdwn needs only &, < and > escaped
        return clean_text(s, newlines=newlines).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    message, cut = split_reply(reply, items)
    blocks: list[dict[str, Any]] = []
    if message:
        for piece in _cut_plain(esc(message), SLACK_SECTION_LIMIT):
            blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": piece}})
    if items:
        if cut:
            lines = []
            for i, t in enumerate(items, 1):
                year = f" ({t.year})" if t.year else ""
                lines.append(f"{i}. *{esc(t.title, False)}* — {esc(t.artist, False)}{year}")
            for group in _group_lines(lines, SLACK_SECTION_LIMIT):
                blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": group}})
        if feedback_value:
            blocks.append(
                {
                    "type": "actions",
                    "block_id": "playlist_feedback",
                    "elements": [
                        {
                            "type": "button",
                            "action_id": "fb_up",
                            "value": feedback_value,
                            "text": {"type": "plain_text", "text": "👍 Like"},
                        },
                        {
                            "type": "button",
                            "action_id": "fb_down",
                            "value": feedback_value,
                            "text": {"type": "plain_text", "text": "👎 Not for me"},
                        },
                        {
                            "type": "button",
                            "action_id": "chart",
                            "value": feedback_value,
                            "text": {"type": "plain_text", "text": "📈 Chart"},
                        },
                    ],
                }
            )
    return blocks[:SLACK_MAX_BLOCKS]


def _group_lines(lines: Iterable[str], limit: int) -> list[str]:
    groups: list[str] = []
    current = ""
    for line in lines:
        if current and len(current) + 1 + len(line) > limit:
            groups.append(current)
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    if current:
        groups.append(current)
    return groups
