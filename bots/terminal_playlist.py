"""``playgenie playlist``: one request (or a file of them) answered with a playlist in the terminal.

Usage:
    playgenie playlist "chill vibes on a rainy afternoon" -n 20
    playgenie playlist "90s hip hop for the gym, no Eminem" --json
    playgenie playlist --batch requests.txt --json          # one request a line, one JSON object a line
    playgenie playlist "road trip rock" --chart arc.png      # also the energy/valence/BPM arc as a PNG

``--json`` prints one object per request, a stable interface for scripts::

    {"query": {...the typed PlaylistQuery...},
     "playlist": [{"track_id", "title", "artist", "year", "genres", "moods", "energy", "valence",
                   "danceability", "tempo", "popularity", "duration_ms", "reason"}, ...],
     "notes": ["relaxed filters, fallbacks, ..."]}

Exit codes: 0 when an answer was given (notes say what could not be honoured; a batch always
answers every line), 2 for an empty request or unusable arguments, 1 when a single request failed.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tools.catalog import Catalog
    from tools.schema import PlaylistResult
    from tools.settings import Settings

log = logging.getLogger(__name__)

LEAVE_WHEN_DONE = True  # bots.cli.leave: the answer is printed and nothing is left to save
EMPTY = 'The request is empty: say what you would like to hear, e.g. "chill vibes on a rainy afternoon".'
MAX_N = 200


def _length(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
    if not 1 <= n <= MAX_N:
        raise argparse.ArgumentTypeError(f"the playlist length must be between 1 and {MAX_N}")
    return n


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("text", nargs="?", default=None, help="What you want to hear, in plain words.")
    parser.add_argument(
        "-n", "--length", type=_length, default=None, help="Number of tracks (default: what the request says, else 20)."
    )
    parser.add_argument("--json", action="store_true", help="Print JSON (field names are a stable interface).")
    parser.add_argument("--batch", type=Path, metavar="FILE", help="Answer every line of FILE, one request a line.")
    parser.add_argument(
        "--chart",
        type=Path,
        metavar="FILE",
        help="Also draw the playlist's energy/valence/BPM arc as a PNG (a batch numbers them: FILE-1.png...).",
    )


def result_json(result: "PlaylistResult") -> dict[str, Any]:
    """The ``--json`` object for one answered request."""
    return {
        "query": result.query.model_dump(mode="json"),
        "playlist": [item.public() for item in result.playlist],
        "notes": list(result.notes),
    }


def failed_result(text: str, note: str) -> "PlaylistResult":
    """An answer with no tracks, in the same shape as any other, saying why."""
    from tools.schema import PlaylistQuery, PlaylistResult

    return PlaylistResult(query=PlaylistQuery(text=text), playlist=[], notes=[note])


def unread_note(text: str, catalog: "Catalog") -> str | None:
    """What chat says of a request the vocabulary cannot read (tools.vocab.unreadable), else None."""
    from tools import vocab

    kind = vocab.unreadable(text)
    if kind == "language":  # unless it names a catalog artist or title written in that script
        kind = vocab.unreadable(text, vocab.foreign_names({*catalog.artists, *(t.title for t in catalog.tracks)}))
    return {"language": vocab.UNREAD_LANGUAGE, "symbols": vocab.UNREAD_SYMBOLS}.get(kind or "")


def print_table(result: "PlaylistResult", out=None) -> None:
    """A readable table: title, artist, year, and why each track is there; then the notes."""
    from rich.console import Console
    from rich.table import Table

    console = Console(file=out or sys.stdout, soft_wrap=False)
    table = Table(title=f"PlayGenie: {result.query.describe()}", title_justify="left", show_lines=False)
    table.add_column("#", justify="right", style="dim")
    table.add_column("Title", overflow="fold", max_width=40)
    table.add_column("Artist", overflow="fold", max_width=24)
    table.add_column("Year", justify="right")
    table.add_column("Why", overflow="fold", max_width=50, style="italic")
    for i, item in enumerate(result.playlist, 1):
        table.add_row(str(i), item.title, item.artist, str(item.year or ""), item.reason)
    if result.playlist:
        console.print(table)
        minutes = sum(item.duration_ms for item in result.playlist) / 60_000
        console.print(f"{len(result.playlist)} tracks, {minutes:.0f} min")
    else:
        console.print("No tracks.")
    for note in result.notes:
        console.print(f"[yellow]note:[/yellow] {note}", highlight=False)


def write_chart(result: "PlaylistResult", path: Path) -> None:
    """The playlist's arc (tools.chart) as a PNG at ``path``."""
    from tools.chart import arc_png

    path.write_bytes(arc_png(result.playlist, result.query.describe()))
    log.info("chart written to %s", path)


def run(args: argparse.Namespace, settings: "Settings") -> int:
    if args.batch is None and (args.text is None or not args.text.strip()):
        print(f"playgenie: {EMPTY}", file=sys.stderr)
        return 2
    lines: list[str] = [args.text] if args.batch is None else []
    if args.batch is not None:
        try:
            lines = args.batch.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError as exc:
            print(f"playgenie: cannot read the batch file {args.batch}: {exc.strerror or exc}", file=sys.stderr)
            return 2
        if args.text:
            lines.insert(0, args.text)

    from tools import vocab

    if args.batch is None and vocab.unreadable(args.text) == "symbols":  # "🎸": refused as chat refuses it
        print(f"playgenie: {vocab.UNREAD_SYMBOLS}", file=sys.stderr)
        return 2

    from tools.pipeline import Pipeline

    pipe = Pipeline.load(settings, progress=not args.json)
    failed = 0
    for number, line in enumerate(lines, 1):
        text = line.strip()
        if not text:
            result = failed_result("", EMPTY)
        elif (unread := unread_note(text, pipe.catalog)) is not None:
            if args.batch is None:
                print(f"playgenie: {unread}", file=sys.stderr)
                return 2
            result = failed_result(text, unread)
        else:
            try:
                result = pipe.run(text, n=args.length)
            except Exception as exc:  # one bad line must not end a batch: say which, and go on
                log.debug("request %r failed", text, exc_info=True)
                failed += 1
                result = failed_result(text, f"This request could not be answered ({type(exc).__name__}: {exc}).")
        if args.json:
            print(json.dumps(result_json(result), ensure_ascii=False), flush=True)
        else:
            print_table(result)
        if args.chart is not None and result.playlist:
            write_chart(
                result, args.chart if args.batch is None else args.chart.with_stem(f"{args.chart.stem}-{number}")
            )
    if failed:
        print(f"playgenie: {failed} request(s) could not be answered", file=sys.stderr)
    return 1 if failed and args.batch is None else 0
