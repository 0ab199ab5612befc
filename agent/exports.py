"""A playlist as a file a player or a spreadsheet opens: M3U, XSPF, JSPF, CSV and JSON.

Every format carries the Spotify track id, as a web link (``https://open.spotify.com/track/ID``,
which opens in the app or the browser) and, where the format has a field for it, as the
``spotify:track:ID`` URI. XSPF and JSPF follow xspf.org's version 1 (durations in milliseconds);
PlayGenie's own fields (energy, valence, BPM, year, genres, why) ride in an ``extension``.

Usage:
    name, data = render("xspf", items, title="rap, 1990s, workout", stem="playgenie-mix1")
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, Literal
from xml.etree import ElementTree as ET

from tools.schema import PlaylistItem

Format = Literal["m3u", "xspf", "jspf", "csv", "json"]
FORMATS: tuple[str, ...] = ("m3u", "xspf", "jspf", "csv", "json")
MEDIA_TYPES = {
    "m3u": "audio/x-mpegurl",
    "xspf": "application/xspf+xml",
    "jspf": "application/jspf+json",
    "csv": "text/csv",
    "json": "application/json",
}
XSPF_NS = "http://xspf.org/ns/0/"
# Names PlayGenie's extension block (XSPF's application, JSPF's key) and its XML namespace.
EXTENSION = "urn:playgenie:1"
CREATOR = "PlayGenie"


def web_link(track_id: str) -> str:
    """The track's page on Spotify's web player (opens the app where installed)."""
    return f"https://open.spotify.com/track/{track_id}"


def uri(track_id: str) -> str:
    return f"spotify:track:{track_id}"


def _extra(p: PlaylistItem) -> dict[str, Any]:
    return {
        "year": p.year,
        "genres": list(p.genres),
        "energy": round(p.energy, 3),
        "valence": round(p.valence, 3),
        "bpm": round(p.tempo, 1),
        "why": p.reason,
    }


def m3u(items: Sequence[PlaylistItem], title: str) -> bytes:
    """Extended M3U: ``#EXTINF:<seconds>,<artist> - <title>`` then the track's web link."""
    lines = ["#EXTM3U", f"#PLAYLIST:{CREATOR}: {title}"]
    for p in items:
        lines += [f"#EXTINF:{round(p.duration_ms / 1000)},{p.artist} - {p.title}", web_link(p.track_id)]
    return ("\n".join(lines) + "\n").encode()


def xspf(items: Sequence[PlaylistItem], title: str, date: str, album: Callable[[str], str]) -> bytes:
    ET.register_namespace("", XSPF_NS)
    ET.register_namespace("pg", EXTENSION)
    q = f"{{{XSPF_NS}}}"
    root = ET.Element(q + "playlist", version="1")
    for tag, text in (("title", f"{CREATOR}: {title}"), ("creator", CREATOR), ("date", date)):
        ET.SubElement(root, q + tag).text = text
    tracks = ET.SubElement(root, q + "trackList")
    for p in items:
        tr = ET.SubElement(tracks, q + "track")
        fields = [
            ("location", web_link(p.track_id)),
            ("identifier", uri(p.track_id)),
            ("title", p.title),
            ("creator", p.artist),
            ("album", album(p.track_id)),
            ("annotation", p.reason),
            ("duration", str(int(p.duration_ms))),
        ]
        for tag, text in fields:
            if text:
                ET.SubElement(tr, q + tag).text = text
        ext = ET.SubElement(tr, q + "extension", application=EXTENSION)
        for k, v in _extra(p).items():
            ET.SubElement(ext, f"{{{EXTENSION}}}{k}").text = (
                "/".join(v) if isinstance(v, list) else ("" if v is None else str(v))
            )
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def jspf(items: Sequence[PlaylistItem], title: str, date: str, album: Callable[[str], str]) -> bytes:
    tracks = []
    for p in items:
        t: dict[str, Any] = {
            "location": [web_link(p.track_id)],
            "identifier": [uri(p.track_id)],
            "title": p.title,
            "creator": p.artist,
            "duration": int(p.duration_ms),
        }
        if album(p.track_id):
            t["album"] = album(p.track_id)
        if p.reason:
            t["annotation"] = p.reason
        t["extension"] = {EXTENSION: [_extra(p)]}
        tracks.append(t)
    doc = {"playlist": {"title": f"{CREATOR}: {title}", "creator": CREATOR, "date": date, "track": tracks}}
    return json.dumps(doc, ensure_ascii=False, indent=2).encode()


def csv_bytes(items: Sequence[PlaylistItem]) -> bytes:
    buf = io.StringIO()
    wr = csv.writer(buf)
    wr.writerow(
        [
            "position",
            "track_id",
            "title",
            "artist",
            "year",
            "genres",
            "energy",
            "valence",
            "tempo",
            "duration_s",
            "spotify_url",
            "reason",
        ]
    )
    for i, p in enumerate(items, 1):
        wr.writerow(
            [
                i,
                p.track_id,
                p.title,
                p.artist,
                p.year or "",
                "/".join(p.genres),
                f"{p.energy:.3f}",
                f"{p.valence:.3f}",
                f"{p.tempo:.1f}",
                round(p.duration_ms / 1000),
                web_link(p.track_id),
                p.reason,
            ]
        )
    return buf.getvalue().encode()


def render(
    fmt: str,
    items: Sequence[PlaylistItem],
    *,
    title: str = "playlist",
    stem: str = "playgenie",
    query: dict[str, Any] | None = None,
    album: Callable[[str], str] = lambda _tid: "",
    now: datetime | None = None,
) -> tuple[str, bytes]:
    """(filename, content) of ``items`` in ``fmt``; ``album`` looks up a track's album name by id."""
    date = (now or datetime.now(UTC)).replace(microsecond=0).isoformat()
    if fmt == "m3u":
        return f"{stem}.m3u", m3u(items, title)
    if fmt == "xspf":
        return f"{stem}.xspf", xspf(items, title, date, album)
    if fmt == "jspf":
        return f"{stem}.jspf", jspf(items, title, date, album)
    if fmt == "csv":
        return f"{stem}.csv", csv_bytes(items)
    if fmt == "json":
        data = {"title": title, "query": query or {}, "playlist": [p.model_dump() for p in items]}
        return f"{stem}.json", json.dumps(data, ensure_ascii=False, indent=2).encode()
    raise ValueError(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")
