"""A playlist's arc as a picture: energy and valence per track (0-1, left axis) and BPM (right axis).

One function, :func:`arc_png`, draws it with matplotlib's Agg backend (no screen, no pyplot state,
safe in a server's worker threads). The web page, the Telegram bot, the Slack bot and
``playgenie playlist --chart FILE`` all show this same PNG.

Usage:
    png = arc_png(result.playlist, title="rap, 1990s, workout")
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

ENERGY, VALENCE, BPM = "#e4572e", "#2e86ab", "#6c757d"  # colours a reader tells apart, also in greyscale
WIDTH_IN, HEIGHT_IN, DPI = 8.0, 3.4, 100


def _get(item: Any, key: str) -> float:
    return float(item[key] if isinstance(item, dict) else getattr(item, key))


def arc_png(
    items: Sequence[Any], title: str = "", *, width_in: float = WIDTH_IN, height_in: float = HEIGHT_IN
) -> bytes:
    """The PNG (bytes) of the playlist's energy/valence arc and BPM; ``items`` are PlaylistItems or their dicts."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    fig = Figure(figsize=(width_in, height_in), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    xs = list(range(1, len(items) + 1))
    energy = [_get(p, "energy") for p in items]
    valence = [_get(p, "valence") for p in items]
    tempo = [_get(p, "tempo") for p in items]
    ax.plot(xs, energy, color=ENERGY, marker="o", markersize=4, linewidth=2.2, label="energy")
    ax.plot(xs, valence, color=VALENCE, marker="s", markersize=4, linewidth=2.2, label="valence (mood)")
    ax.set_ylim(0, 1)
    ax.set_xlim(0.5, max(len(items), 1) + 0.5)
    ax.set_xlabel("track")
    ax.set_ylabel("energy / valence")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=20))
    ax.grid(axis="y", alpha=0.3)
    bpm = ax.twinx()
    bpm.plot(xs, tempo, color=BPM, linestyle="--", linewidth=1.4, label="BPM")
    low, high = (min(tempo), max(tempo)) if tempo else (60.0, 180.0)
    bpm.set_ylim(max(0.0, min(60.0, low - 10)), max(180.0, high + 10))
    bpm.set_ylabel("BPM", color=BPM)
    bpm.tick_params(axis="y", colors=BPM)
    lines = ax.get_lines() + bpm.get_lines()
    ax.legend(
        lines,
        [ln.get_label() for ln in lines],
        loc="lower right",
        ncol=3,
        frameon=False,
        bbox_to_anchor=(1.0, 1.0),
        fontsize=9,
        borderaxespad=0.2,
    )
    if not items:
        ax.text(0.5, 0.5, "no tracks yet", transform=ax.transAxes, ha="center", va="center", color=BPM)
    if title:
        ax.set_title(title if len(title) <= 50 else title[:49] + "…", loc="left", fontsize=10, pad=20)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()
