"""`playgenie playlist` on good and bad input: a table or stable JSON, clear messages, never a traceback."""

from __future__ import annotations

import json

import pytest

from bots.cli import main

FIELDS = {"track_id", "title", "artist", "year", "genres", "moods", "energy", "valence", "danceability", "tempo",
          "popularity", "duration_ms", "reason"}  # fmt: skip


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    return tmp_path_factory.mktemp("cli-home")


@pytest.fixture
def cli(tiny_csv, home, capsys):
    def call(*args: str) -> tuple[int, str, str]:
        code = main(["--data", str(tiny_csv), "--home", str(home), "playlist", *args])
        out, err = capsys.readouterr()
        assert "Traceback" not in out + err
        return code, out, err

    return call


def test_json_has_the_stable_fields(cli):
    code, out, _ = cli("chill r&b for a rainy afternoon", "-n", "5", "--json")
    assert code == 0
    obj = json.loads(out)
    assert set(obj) == {"query", "playlist", "notes"}
    assert len(obj["playlist"]) == 5
    assert all(set(item) == FIELDS for item in obj["playlist"])
    assert obj["query"]["text"] == "chill r&b for a rainy afternoon"


def test_table_shows_titles_artists_years_and_why(cli, tiny_catalog):
    code, out, _ = cli("classic rock road trip", "-n", "4")
    assert code == 0
    assert "Title" in out and "Artist" in out and "Why" in out
    rock_artists = {t.artist for t in tiny_catalog.tracks if "rock" in t.genres}
    assert any(a in out for a in rock_artists)


def test_empty_request_is_refused_with_a_message(cli):
    for text in ("", "   "):
        code, out, err = cli(text)
        assert code == 2 and out == ""
        assert "empty" in err


def test_very_long_request_is_answered_with_a_note(cli):
    code, out, _ = cli("chill " * 2000, "--json")
    assert code == 0
    obj = json.loads(out)
    assert obj["playlist"] and any("first 2000 characters" in n for n in obj["notes"])


def test_emoji_only_is_refused_as_chat_refuses_it(cli):
    code, out, err = cli("🎵🔥", "--json")  # no mood in them (💃 reads as dance: tools.vocab.EMOJI_CUES)
    assert code == 2 and not out  # probe18: were popular tracks, where chat said it can't read that
    assert "can't read that as a request" in err


def test_unknown_artist_still_answers(cli):
    code, out, _ = cli("songs by Zyxwquv Plorkington", "-n", "5", "--json")
    assert code == 0
    obj = json.loads(out)
    assert len(obj["playlist"]) == 5
    assert not any("Plorkington" in i["artist"] for i in obj["playlist"])


def test_contradictory_years_explain_themselves(cli):
    code, out, _ = cli("90s music from 2015", "-n", "5", "--json")
    assert code == 0
    obj = json.loads(out)
    assert obj["playlist"]
    assert any("2015" in n or "1990s" in n for n in obj["notes"]), "the conflict or a relaxation is reported"


def test_bad_length_is_a_usage_error(cli):
    with pytest.raises(SystemExit) as exc:
        cli("rap", "-n", "0")
    assert exc.value.code == 2


def test_batch_answers_every_line_in_one_process(cli, tmp_path):
    batch = tmp_path / "requests.txt"
    batch.write_text("90s rap\n\nreggaeton fiesta\n🎵\n", encoding="utf-8")
    code, out, _ = cli("--batch", str(batch), "--json", "-n", "3")
    assert code == 0
    lines = [json.loads(line) for line in out.splitlines()]
    assert [o["query"]["text"] for o in lines] == ["90s rap", "", "reggaeton fiesta", "🎵"]
    assert lines[1]["playlist"] == [] and "empty" in lines[1]["notes"][0]
    assert all(len(o["playlist"]) == 3 for o in (lines[0], lines[2]))
    assert lines[3]["playlist"] == [] and "can't read" in lines[3]["notes"][0]  # as chat says it (probe18)


def test_missing_batch_file_is_a_clear_error(cli, tmp_path):
    code, _, err = cli("--batch", str(tmp_path / "nope.txt"), "--json")
    assert code == 2 and "cannot read" in err
