"""`playgenie chat`: talk to PlayGenie in the terminal, or run one scripted turn with --json.

Usage:
    playgenie chat                                   # interactive; the playlist shows as a table
    playgenie chat --thread mix1 --user ana          # pick the conversation and the user
    playgenie chat --thread mix1 --user ana --json "chill 90s r&b"
    playgenie chat --thread mix1 --user ana --json "no Sade"      # continues the same conversation

One-turn mode (--json MESSAGE) is the stable interface for scripts: it prints one JSON object
    {"reply": str, "changed": str, "thread_id": str,
     "playlist": [{"track_id", "title", "artist", "year", "genres", "moods", "energy", "valence",
                   "tempo", "reason"}, ...],
     "query": {...}}            # the active typed query (PlaylistQuery fields that are set)
and exits 0. Conversations persist in <home>/chat.sqlite (or Postgres when PLAYGENIE_POSTGRES_URL
is set), so consecutive calls with the same --thread continue where the last one stopped, and a
user's blocklist and likes (<home>/memory.sqlite) apply in all their threads.

Interactive commands: /export [m3u|csv|json], /new (start over), /forget (erase my memory), /help, /quit.
Everything shown is printed as plain text (no Rich markup, no terminal escapes from titles or replies).
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from typing import Any

_LEAVE_WORDS = frozenset({"quit", "exit", "bye", "goodbye", "q", "adios", "chao"})
COMMANDS_HELP = (
    "Commands: /export [m3u|xspf|jspf|csv|json] saves the playlist to a file, /new starts over, "
    "/forget erases your blocklist and likes, /help shows this, /quit leaves. "
    'Anything else is a message: "chill 90s r&b", then "more upbeat", "no Drake", "drop track 3", "undo".'
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--thread", default=None, help="Conversation id (default: terminal-<user>).")
    parser.add_argument("--user", default=None, help="User id for long-term memory (default: your login name).")
    parser.add_argument("--json", metavar="MESSAGE", default=None, help="Run one turn with MESSAGE and print JSON.")


def _plain(text: Any) -> Any:
    """A Rich Text of ``text`` with control characters removed: never read as markup or escapes."""
    from rich.text import Text

    from tools.clean import clean_text

    return Text(clean_text(str(text), newlines=False))


def _table(result: Any):
    from rich.table import Table

    name = (result.query or {}).get("name")  # "call it Neon Nights"
    title = f"{len(result.playlist)} tracks"
    table = Table(title=_plain(f"{name} · {title}" if name else title), show_lines=False, header_style="bold")
    for col, kw in (
        ("#", {"justify": "right"}),
        ("Title", {}),
        ("Artist", {}),
        ("Year", {"justify": "right"}),
        ("Energy", {"justify": "right"}),
        ("Valence", {"justify": "right"}),
        ("BPM", {"justify": "right"}),
        ("Why", {"overflow": "fold", "max_width": 40}),
    ):
        table.add_column(col, **kw)
    for i, p in enumerate(result.playlist, 1):
        table.add_row(
            str(i),
            _plain(p.title),
            _plain(p.artist),
            str(p.year or ""),
            f"{p.energy:.2f}",
            f"{p.valence:.2f}",
            f"{p.tempo:.0f}",
            _plain(p.reason),
        )
    return table


def _interactive(service: Any, thread: str, user: str) -> int:
    from rich.console import Console
    from rich.text import Text

    from agent.exports import FORMATS
    from tools.clean import clean_text

    console = Console()
    console.print(
        "[bold]PlayGenie[/bold]: tell me what you'd like to hear. "
        'Then reshape it: "more upbeat", "no Drake", "drop track 3", "undo"... (/quit to leave)'
    )
    cur = service.current(thread)
    if cur and cur.playlist:  # the thread goes on where it stopped: say so, and how to begin afresh
        console.print(Text(f"Where we left off ({len(cur.playlist)} tracks); say /new to start afresh:"))
        console.print(_table(cur))
    while True:
        try:
            text = console.input("[bold cyan]you>[/bold cyan] ")
        except EOFError:
            return 0
        cmd = text.strip().split()
        if cmd and (cmd[0] in ("/quit", "/exit") or text.strip().lower().strip("!. ") in _LEAVE_WORDS):
            return 0  # "quit" or "bye" said alone leaves too: no one means it as a playlist
        if cmd and cmd[0] == "/new":
            service.reset(thread, user)
            console.print("Started over.")
            continue
        if cmd and cmd[0] == "/forget":
            service.forget(user)
            console.print("Forgot your blocklist, likes and kept playlists.")
            continue
        if cmd and cmd[0] in ("/help", "/?", "/commands"):
            console.print(Text(COMMANDS_HELP))
            continue
        if cmd and cmd[0] == "/export":
            fmt = cmd[1].lower().lstrip(".") if len(cmd) > 1 else "m3u"
            if fmt not in FORMATS:
                console.print(Text(f"There is no {cmd[1]} export: say /export and one of {', '.join(FORMATS)}."))
                continue
            _save(console, service, thread, fmt)
            continue
        if cmd and cmd[0].startswith("/") and len(cmd[0]) > 1 and cmd[0][1:].isalpha():
            console.print(Text(f"{cmd[0]} is not a command here. {COMMANDS_HELP}"))
            continue
        result = service.turn(thread, user, text)
        head = result.reply.split("\n\nYour playlist")[0]
        console.print(Text("playgenie> ", style="bold magenta") + Text(clean_text(head)), highlight=False)
        if result.playlist:
            console.print(_table(result))
        if result.export:  # "export it as csv": the file where the user is, as /export saves it
            _save(console, service, thread, result.export)


def _save(console: Any, service: Any, thread: str, fmt: str) -> None:
    """Write the thread's playlist as ``fmt`` into the working folder and say its name."""
    from rich.text import Text

    try:
        name, data = service.export(thread, fmt)
    except LookupError as exc:
        console.print(Text(str(exc)))
        return
    with open(name, "wb") as fh:
        fh.write(data)
    console.print(Text(f"Saved {name}"))


def run(args: argparse.Namespace, settings: Any) -> int:
    from agent.service import ChatService, turn_json

    user = args.user or getpass.getuser() or "me"
    thread = args.thread or f"terminal-{user}"
    service = ChatService(settings, progress=True)  # a fresh home shows what it builds, on stderr
    try:
        for notice in service.notices:  # a missing model, said once with the command that fixes it
            print(f"playgenie: {notice}", file=sys.stderr)
        if args.json is not None:
            result = service.turn(thread, user, args.json)
            json.dump(turn_json(result), sys.stdout, ensure_ascii=False)
            sys.stdout.write("\n")
            return 0
        return _interactive(service, thread, user)
    finally:
        service.close()
