"""`playgenie serve` picks its process count from the machine (`--processes auto`, the default: one per usable core,
at most two) and says at start how many it runs and, per process once ready, how much memory it holds; a user's
blocklist applies to every thread without being written into any thread's own request."""

from __future__ import annotations

import os
import re

import pytest

from bots import cli
from bots.http_api import MAX_AUTO_PROCESSES, auto_processes, process_count, ready_line
from evals.bench import ServeProcess
from tools.settings import Settings


@pytest.mark.parametrize(("cores", "expected"), [(1, 1), (2, 2), (3, 2), (16, 2)])
def test_auto_is_one_process_per_core_at_most_two(cores, expected):
    assert MAX_AUTO_PROCESSES == 2
    assert auto_processes(cores) == expected


def test_processes_takes_a_count_or_auto():
    assert process_count("auto") == "auto" and process_count("3") == 3
    parser = cli.build_parser(["serve"])
    assert parser.parse_args(["serve"]).processes == "auto"  # the default
    assert parser.parse_args(["serve", "--processes", "1"]).processes == 1


@pytest.mark.parametrize("bad", ["0", "-1", "two"])
def test_a_bad_process_count_is_refused(bad, capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["serve", "--processes", bad])
    assert exit_.value.code == 2
    assert "--processes" in capsys.readouterr().err


def test_the_ready_line_gives_the_process_memory():
    line = ready_line(1.25)
    assert line.startswith(f"playgenie serve: process {os.getpid()} ready in 1.2s")
    if os.path.exists("/proc/self/smaps_rollup"):
        rss, own = (int(x) for x in re.search(r"(\d+) MB resident \((\d+) MB of it not shared", line).groups())
        assert 0 < own <= rss


def _tiny_home(tiny_csv, tmp_path) -> Settings:
    from tools.pipeline import Pipeline

    settings = Settings(data=tiny_csv, home=tmp_path / "home")
    Pipeline.load(settings).close()  # built once here, so the server's processes only load it
    return settings


def test_serve_says_how_many_processes_it_runs_and_what_each_holds(tiny_csv, tmp_path):
    """The default `serve` (no --processes): its first line names the count auto chose on this machine, and each of
    its processes says, once ready, its resident memory."""
    settings = _tiny_home(tiny_csv, tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLAYGENIE_")}
    env["PLAYGENIE_CHAT_PATH"] = str(tmp_path / "chat")
    log = tmp_path / "serve.log"
    server = ServeProcess(settings, processes=auto_processes(), env=env, log_path=log, cwd=tmp_path)
    at = server.cmd.index("--processes")
    del server.cmd[at : at + 2]  # serve's own default
    with server:
        pass
    text = log.read_text()
    n = auto_processes()
    assert f"with {n} process{'es' if n > 1 else ''} (--processes auto: " in text
    ready = re.findall(r"playgenie serve: process \d+ ready in [\d.]+s(?:, \d+ MB resident)?", text)
    assert len(ready) == n, text


def test_the_blocklist_applies_in_every_thread_but_is_not_saved_in_one(chat):
    """A blocked artist stays out of another thread's playlists turn after turn, and that thread's own request never
    gains the exclusion: unblocked, the artist may come back there."""
    chat.turn("t1", "alice", "never play Queen")
    asked = []
    for text in ["rock", "add 5 more", "more energetic", "no remixes"]:
        r = chat.turn("t2", "alice", text)
        asked.append(r.query)
        assert r.playlist and not any(p.artist == "Queen" for p in r.playlist), text
    assert all("queen" not in str(q.get("exclude_artists") or []).lower() for q in asked)
    chat.turn("t1", "alice", "unblock queen")
    assert chat.memory.get("alice").blocked_artists == []
