"""`playgenie chat --json`: one turn per call, consecutive calls continue the conversation."""

from __future__ import annotations

import json

from bots.cli import main

# the same track shape as `playgenie playlist --json` and the HTTP API
FIELDS = {"track_id", "title", "artist", "year", "genres", "moods", "energy", "valence", "danceability", "tempo",
          "popularity", "duration_ms", "reason"}  # fmt: skip


def test_consecutive_json_turns_continue_one_conversation(tiny_csv, tmp_path, capsys):
    base = ["--data", str(tiny_csv), "--home", str(tmp_path / "home"), "chat", "--thread", "mix", "--user", "ana"]
    assert main(base + ["--json", "songs for a party"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert set(first) >= {"reply", "playlist", "query"}
    assert len(first["playlist"]) == 20 and set(first["playlist"][0]) == FIELDS
    assert main(base + ["--json", "drop track 2"]) == 0
    second = json.loads(capsys.readouterr().out)
    ids = [p["track_id"] for p in first["playlist"]]
    assert [p["track_id"] for p in second["playlist"]] == ids[:1] + ids[2:]
    assert "removed" in second["reply"].lower()
    assert main(base + ["--json", "track 99"]) == 0
    third = json.loads(capsys.readouterr().out)
    assert "no track 99" in third["reply"] and len(third["playlist"]) == 19


def test_typing_quit_leaves_the_terminal_chat(tiny_csv, tmp_path, capsys, monkeypatch):
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("songs for a party\nquit\nnever read\n"))
    base = ["--data", str(tiny_csv), "--home", str(tmp_path / "home"), "chat", "--thread", "t", "--user", "ana"]
    assert main(base) == 0
    out = capsys.readouterr().out
    assert "20 tracks" in out and "not sure what to change" not in out  # before: "quit" was read as a request


def test_a_chat_started_again_says_it_goes_on_where_it_left_off(tiny_csv, tmp_path, capsys, monkeypatch):
    # was: the last playlist of the thread was printed bare, as if it answered nothing
    import io

    base = ["--data", str(tiny_csv), "--home", str(tmp_path / "home"), "chat", "--thread", "t", "--user", "ana"]
    monkeypatch.setattr("sys.stdin", io.StringIO("songs for a party\nquit\n"))
    assert main(base) == 0
    assert "left off" not in capsys.readouterr().out  # a new thread has nothing to go on with
    monkeypatch.setattr("sys.stdin", io.StringIO("quit\n"))
    assert main(base) == 0
    out = capsys.readouterr().out
    assert "Where we left off (20 tracks); say /new to start afresh" in out and "20 tracks" in out


def test_why_that_one_after_more_like_a_track_means_that_track(tiny_csv, tmp_path, capsys):
    base = ["--data", str(tiny_csv), "--home", str(tmp_path / "home"), "chat", "--thread", "like", "--json"]
    assert main(base + ["songs for a party"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert main(base + ["more like the 2nd one"]) == 0
    capsys.readouterr()
    assert main(base + ["why that one?"]) == 0
    reply = json.loads(capsys.readouterr().out)["reply"]
    assert reply.startswith(f'#2 "{first["playlist"][1]["title"]}"'), reply  # was: "Which track do you mean?"


def test_slash_help_lists_the_commands_and_keeps_the_playlist(tiny_csv, tmp_path, capsys, monkeypatch):
    # was: "/help" and "/foo" were read as playlist edits ("I'm not sure what to change")
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("songs for a party\n/help\n/foo\nquit\n"))
    base = ["--data", str(tiny_csv), "--home", str(tmp_path / "home"), "chat", "--thread", "h", "--user", "ana"]
    assert main(base) == 0
    out = capsys.readouterr().out
    assert out.count("Commands: /export") == 2 and "/foo is not a command here" in out
    assert "not sure what to change" not in out


def test_a_named_playlist_shows_its_name_over_the_table(tiny_csv, tmp_path, capsys, monkeypatch):
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("songs for a party\ncall it Neon Nights\nquit\n"))
    base = ["--data", str(tiny_csv), "--home", str(tmp_path / "home"), "chat", "--thread", "n", "--user", "ana"]
    assert main(base) == 0
    assert "Neon Nights · 20 tracks" in capsys.readouterr().out
