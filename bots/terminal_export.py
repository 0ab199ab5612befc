"""``playgenie export``: a conversation's current playlist as a file players and spreadsheets open.

Usage:
    playgenie export --thread mix1 --format xspf            # writes playgenie-mix1.xspf here
    playgenie export --thread mix1 --format m3u -o road.m3u
    playgenie export --thread mix1 --format jspf -o -       # to standard output

Formats: m3u (``#EXTINF`` with duration and "artist - title", then the Spotify link), xspf, jspf,
csv, json (see ``agent/exports.py``). The thread is any conversation id: ``playgenie chat --thread``,
the API's ``thread_id``, ``tg:<chat>`` for Telegram. Exit codes: 0 written, 1 no playlist in that thread.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

FORMATS = ("m3u", "xspf", "jspf", "csv", "json")  # agent.exports.FORMATS, kept here so --help stays fast


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--thread", required=True, help="The conversation's id (e.g. the one given to `chat --thread`)."
    )
    parser.add_argument("--format", choices=FORMATS, default="m3u", help="File format (default m3u).")
    parser.add_argument(
        "-o",
        "--output",
        type=Path,
        default=None,
        help="Where to write it ('-' for standard output; default: its own name, here).",
    )


def run(args: argparse.Namespace, settings: Any) -> int:
    from agent.service import ChatService

    service = ChatService(settings)
    try:
        try:
            name, data = service.export(args.thread, args.format)
        except LookupError as exc:
            print(f"playgenie: thread {args.thread!r}: {exc}", file=sys.stderr)
            return 1
    finally:
        service.close()
    if str(args.output) == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return 0
    path = args.output or Path(name)
    path.write_bytes(data)
    print(f"wrote {path} ({args.format.upper()})")
    return 0
