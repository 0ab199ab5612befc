"""The playlist arc picture: a real PNG whose lines sit where the playlist's energy, valence and BPM are."""

from __future__ import annotations

import io

import numpy as np
import pytest

from bots.cli import main
from tools.chart import DPI, ENERGY, HEIGHT_IN, VALENCE, WIDTH_IN, arc_png


def pixels(png: bytes) -> np.ndarray:
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)


def mask(img: np.ndarray, colour: str, tol: int = 30) -> np.ndarray:
    rgb = np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)])
    return np.abs(img - rgb).sum(axis=2) < tol


def rows_of(img: np.ndarray, colour: str) -> np.ndarray:
    """Row indexes (0 = top) of the plot's pixels in ``colour``, legend excluded (it sits above the axes)."""
    m = mask(img, colour)
    m[: int(img.shape[0] * 0.15)] = False
    return np.nonzero(m)[0]


def items(energy: float, valence: float, tempo: float = 120.0, n: int = 12) -> list[dict]:
    return [{"energy": energy, "valence": valence, "tempo": tempo} for _ in range(n)]


def test_a_png_of_the_expected_size():
    png = arc_png(items(0.5, 0.5), title="rock, 1990s")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    img = pixels(png)
    assert img.shape[:2] == (round(HEIGHT_IN * DPI), round(WIDTH_IN * DPI))


def test_lines_sit_at_the_playlists_energy_and_valence():
    high_energy_low_mood = pixels(arc_png(items(0.8, 0.1)))
    e, v = rows_of(high_energy_low_mood, ENERGY), rows_of(high_energy_low_mood, VALENCE)
    assert len(e) > 100 and len(v) > 100
    assert np.median(e) < np.median(v) - 80  # energy near the top, valence near the bottom
    flipped = pixels(arc_png(items(0.1, 0.8)))
    assert np.median(rows_of(flipped, ENERGY)) > np.median(rows_of(flipped, VALENCE)) + 80


def test_an_empty_playlist_still_draws():
    assert pixels(arc_png([], title="nothing yet")).shape[0] > 0


@pytest.mark.parametrize("batch", [False, True])
def test_playlist_chart_flag_writes_the_png(tiny_csv, tmp_path, capsys, batch):
    home = tmp_path / "home"
    chart = tmp_path / "arc.png"
    if batch:
        requests = tmp_path / "requests.txt"
        requests.write_text("classic rock road trip\nedm bangers\n")
        args = ["--batch", str(requests), "--json"]
    else:
        args = ["classic rock road trip", "-n", "6"]
    assert main(["--data", str(tiny_csv), "--home", str(home), "playlist", *args, "--chart", str(chart)]) == 0
    capsys.readouterr()
    written = [tmp_path / "arc-1.png", tmp_path / "arc-2.png"] if batch else [chart]
    for path in written:
        assert (
            path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
            and len(mask(pixels(path.read_bytes()), ENERGY).nonzero()[0]) > 50
        )
