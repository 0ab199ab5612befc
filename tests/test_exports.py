"""Exports that land in players: each format read back by a real parser, from the service and the CLI."""

from __future__ import annotations

import csv
import io
import json
import re
from xml.etree import ElementTree as ET

import pytest

from agent.exports import EXTENSION, FORMATS, XSPF_NS
from bots.cli import main

NS = {"x": XSPF_NS, "pg": EXTENSION}


@pytest.fixture(scope="module")
def chat(tiny_csv, tiny_pipeline, tmp_path_factory):
    from agent.service import ChatService
    from tools.settings import Settings

    service = ChatService(Settings(data=tiny_csv, home=tmp_path_factory.mktemp("exports")), pipeline=tiny_pipeline)
    service.turn("ex", "ana", "classic rock road trip, 8 songs")
    yield service
    service.close()


@pytest.fixture(scope="module")
def playlist(chat):
    items = chat.current("ex").playlist
    assert len(items) == 8
    return items


def test_m3u_has_extinf_and_spotify_links(chat, playlist):
    name, data = chat.export("ex", "m3u")
    lines = data.decode().splitlines()
    assert (
        re.fullmatch(r"playgenie-ex-[0-9a-f]{8}\.m3u", name)
        and lines[0] == "#EXTM3U"
        and lines[1].startswith("#PLAYLIST:")
    )
    entries = lines[2:]
    assert len(entries) == 2 * len(playlist)
    for p, (info, url) in zip(playlist, zip(entries[::2], entries[1::2])):
        assert info == f"#EXTINF:{round(p.duration_ms / 1000)},{p.artist} - {p.title}"
        assert url == f"https://open.spotify.com/track/{p.track_id}"


def test_xspf_parses_as_xspf(chat, playlist, tiny_catalog):
    name, data = chat.export("ex", "xspf")
    assert name.endswith(".xspf")
    root = ET.fromstring(data)
    assert root.tag == f"{{{XSPF_NS}}}playlist" and root.get("version") == "1"
    assert "rock" in root.findtext("x:title", namespaces=NS)
    tracks = root.findall("x:trackList/x:track", NS)
    assert len(tracks) == len(playlist)
    for p, t in zip(playlist, tracks):
        assert t.findtext("x:location", namespaces=NS) == f"https://open.spotify.com/track/{p.track_id}"
        assert t.findtext("x:identifier", namespaces=NS) == f"spotify:track:{p.track_id}"
        assert t.findtext("x:title", namespaces=NS) == p.title
        assert t.findtext("x:creator", namespaces=NS) == p.artist
        assert t.findtext("x:album", namespaces=NS) == tiny_catalog[p.track_id].album
        assert int(t.findtext("x:duration", namespaces=NS)) == p.duration_ms
        ext = t.find("x:extension", NS)
        assert ext.get("application") == EXTENSION
        assert float(ext.findtext("pg:energy", namespaces=NS)) == pytest.approx(p.energy, abs=1e-3)
        assert float(ext.findtext("pg:bpm", namespaces=NS)) == pytest.approx(p.tempo, abs=0.05)


def test_jspf_parses_as_jspf(chat, playlist):
    name, data = chat.export("ex", "jspf")
    assert name.endswith(".jspf")
    doc = json.loads(data)["playlist"]
    assert doc["creator"] == "PlayGenie" and doc["date"]
    assert [t["identifier"] for t in doc["track"]] == [[f"spotify:track:{p.track_id}"] for p in playlist]
    first, p = doc["track"][0], playlist[0]
    assert first["location"] == [f"https://open.spotify.com/track/{p.track_id}"]
    assert (first["title"], first["creator"], first["duration"]) == (p.title, p.artist, p.duration_ms)
    assert first["extension"][EXTENSION][0]["valence"] == pytest.approx(p.valence, abs=1e-3)


def test_csv_and_json(chat, playlist):
    _, data = chat.export("ex", "csv")
    rows = list(csv.DictReader(io.StringIO(data.decode())))
    assert [r["track_id"] for r in rows] == [p.track_id for p in playlist]
    assert rows[0]["spotify_url"] == f"https://open.spotify.com/track/{playlist[0].track_id}"
    _, data = chat.export("ex", "json")
    doc = json.loads(data)
    assert [t["track_id"] for t in doc["playlist"]] == [p.track_id for p in playlist]
    assert "rock" in doc["title"] and doc["query"]


def test_asking_in_the_chat_exports_xspf(chat, tmp_path):
    r = chat.turn("ex", "ana", "export it as xspf")
    assert "Saved as XSPF: " in r.reply and "/" not in r.reply.split("Saved as XSPF: ")[1].split()[0]
    path = chat.settings.home / "exports" / r.reply.split("Saved as XSPF: ")[1].split()[0]
    assert len(ET.parse(path).getroot().findall("x:trackList/x:track", NS)) == 8


def test_export_command(tiny_csv, tmp_path, capsys):
    base = ["--data", str(tiny_csv), "--home", str(tmp_path / "home")]
    assert main(base + ["chat", "--thread", "cli-x", "--user", "ana", "--json", "edm bangers, 6 songs"]) == 0
    ids = [p["track_id"] for p in json.loads(capsys.readouterr().out)["playlist"]]
    out = tmp_path / "mix.xspf"
    assert main(base + ["export", "--thread", "cli-x", "--format", "xspf", "-o", str(out)]) == 0
    assert f"wrote {out}" in capsys.readouterr().out
    locations = [e.text for e in ET.parse(out).getroot().iterfind("x:trackList/x:track/x:location", NS)]
    assert locations == [f"https://open.spotify.com/track/{i}" for i in ids]
    assert main(base + ["export", "--thread", "cli-x", "--format", "jspf", "-o", "-"]) == 0
    assert len(json.loads(capsys.readouterr().out)["playlist"]["track"]) == 6
    assert main(base + ["export", "--thread", "nobody", "--format", "m3u"]) == 1
    assert "no playlist" in capsys.readouterr().err
    assert set(FORMATS) == {"m3u", "xspf", "jspf", "csv", "json"}
