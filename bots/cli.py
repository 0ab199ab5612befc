"""The ``playgenie`` command line: one entry point, one module per command.

Usage:
    playgenie build                                  # catalog, embeddings, index, models
    playgenie playlist "chill vibes for a rainy afternoon" -n 20 [--json] [--chart arc.png]
    playgenie chat [--thread ID --user ID --json "message"]
    playgenie export --thread ID --format m3u|xspf|jspf|csv|json [-o FILE]
    playgenie eval text2playlist|personalized|continuation|dialogue|tags|faults [--json]
    playgenie train vae|cf|ranker
    playgenie bench [--json]
    playgenie serve | telegram | slack
    playgenie token USER [--days 90]                 # a user token for the HTTP API

Each command's module defines ``add_arguments(parser)`` and ``run(args, settings) -> int``.
Settings are read here, once, and passed in.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from pathlib import Path
from typing import NoReturn, Sequence

COMMANDS: dict[str, tuple[str, str]] = {
    "build": ("tools.build", "Build the catalog, embeddings, Qdrant index and models."),
    "playlist": ("bots.terminal_playlist", "Answer one request (or a batch file) with a playlist."),
    "chat": ("bots.terminal_chat", "Talk to PlayGenie in the terminal, or run one turn with --json."),
    "export": ("bots.terminal_export", "Write a conversation's playlist as M3U, XSPF, JSPF, CSV or JSON."),
    "bench": ("evals.bench", "Measure latency of every stage and whole requests."),
    "serve": ("bots.http_api", "Run the HTTP API: the web page, /v1/chat, OpenAI-compatible /v1/chat/completions."),
    "telegram": ("bots.telegram_bot", "Run the Telegram bot."),
    "slack": ("bots.slack_bot", "Run the Slack bot."),
    "token": ("bots.auth", "Mint a user token for the HTTP API (needs PLAYGENIE_AUTH_SECRET)."),
}
EVALS: dict[str, tuple[str, str]] = {
    "text2playlist": ("evals.text2playlist", "Text-to-playlist on held-out playlists, against baselines."),
    "personalized": ("evals.personalized", "Personalized text-to-playlist (CF rerank) and the cold-start ladder."),
    "continuation": ("evals.continuation", "Playlist continuation: PlayGenie VAE against baselines."),
    "dialogue": ("evals.dialogue", "Scripted multi-turn dialogues with checks on every turn."),
    "tags": ("evals.tags", "Tag extraction against labeled requests: explicit and implicit, per family."),
    "faults": ("evals.faults", "Hostile inputs and injected faults against a real server on loopback."),
}
TRAINERS: dict[str, tuple[str, str]] = {
    "vae": ("tools.continuation.train", "Train the PlayGenie continuation VAE."),
    "cf": ("tools.cf", "Train the surprise CF model and graph embeddings."),
    "ranker": ("tools.ranker", "Train the learned ranker of retrieval's candidates (LightGBM or torch)."),
}


def _add_group(
    sub: argparse._SubParsersAction, table: dict[str, tuple[str, str]], chosen: Sequence[str] | None = None
) -> None:
    """One subcommand per entry; its module is imported for its flags only when it is ``chosen`` (every one
    when ``chosen`` is None): a command pays for its own imports, not for every other command's."""
    for name, (module, help_text) in table.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(_module=module)
        if chosen is not None and name not in chosen:
            continue
        try:
            importlib.import_module(module).add_arguments(p)
        except ModuleNotFoundError as exc:  # a front end whose optional dependency is missing
            p.set_defaults(_missing=str(exc))


GLOBAL_VALUES = {"--data", "--home"}  # the global options that take a value


def chosen_commands(argv: Sequence[str]) -> list[str]:
    """The command words of ``argv`` (``["playlist"]``, ``["eval", "tags"]``): the positionals before the
    command's own arguments, skipping the global options and their values."""
    words: list[str] = []
    args = iter(argv)
    for arg in args:
        if arg in GLOBAL_VALUES:
            next(args, None)
        elif not arg.startswith("-"):
            words.append(arg)
            if len(words) == 2 or arg not in ("eval", "train"):
                break
    return words


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The whole command line; with ``argv``, only the command it names imports its module for its flags."""
    chosen = None if argv is None else chosen_commands(argv)
    parser = argparse.ArgumentParser(
        prog="playgenie", description="Playlists from plain language, reshaped by talking."
    )
    parser.add_argument("--data", type=Path, help="spotify_songs.csv (default: $PLAYGENIE_DATA or ../shared/data).")
    parser.add_argument(
        "--home", type=Path, help="Folder for built artifacts (default: $PLAYGENIE_HOME or ~/.playgenie)."
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="Log progress and decisions.")
    sub = parser.add_subparsers(dest="command", required=True)
    _add_group(sub, COMMANDS, chosen)
    ev = sub.add_parser("eval", help="Evaluations that print numbers.").add_subparsers(dest="eval_task", required=True)
    _add_group(ev, EVALS, chosen)
    tr = sub.add_parser("train", help="Train a model.").add_subparsers(dest="model", required=True)
    _add_group(tr, TRAINERS, chosen)
    return parser


def settings_from(args: argparse.Namespace):
    """Explicit flags beat the environment, which beats ``./.env``, which beats the defaults."""
    from tools.settings import Settings

    overrides = {k: v for k, v in {"data": args.data, "home": args.home}.items() if v is not None}
    return Settings(_env_file=".env", **overrides)


def leave(code: int) -> NoReturn:
    """End the process now, output flushed, without the interpreter's teardown.

    A command that only read its artifacts gains nothing from it: the embedded Qdrant shard flushes every
    memory-mapped file when it is dropped (0.3-0.4 s on this catalog) though nothing was written."""
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (| head): nothing more can be said
            pass
    os._exit(code)


def main(argv: list[str] | None = None) -> int:
    """Run the command ``argv`` names. Run as the program (no ``argv``), a command whose module sets
    ``LEAVE_WHEN_DONE`` (it wrote its output and holds nothing to save) ends through :func:`leave`."""
    as_program = argv is None
    argv = sys.argv[1:] if argv is None else argv
    args = build_parser(argv).parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if getattr(args, "_missing", None):
        print(f"playgenie: this command needs a package that is not installed: {args._missing}", file=sys.stderr)
        return 2
    from pydantic import ValidationError

    from tools.artifacts import ArtifactError
    from tools.catalog import CatalogUnavailable

    try:
        settings = settings_from(args)
        module = importlib.import_module(args._module)
        code = int(module.run(args, settings) or 0)
        if as_program and getattr(module, "LEAVE_WHEN_DONE", False):
            leave(code)
        return code
    except (CatalogUnavailable, ArtifactError) as exc:
        print(f"playgenie: {exc}", file=sys.stderr)
        return 2
    except ValidationError as exc:
        print(f"playgenie: invalid settings: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
