"""Text that is safe to store, show and send on: no control characters, escapes or lone surrogates.

Users type (and paste) terminal escapes, NULs and bidirectional overrides; catalog titles can carry
them too. Stored, they replay into every terminal that shows the thread ("\\x1b[31m" was even read
as "31 min"); sent to a model, they are invisible instructions. :func:`clean_text` keeps what a
person can see: printable characters, newlines and tabs (as spaces), and the zero-width joiners
emoji need.

    clean_text("chill \\x1b[31mjazz\\x1b[0m\\x07")   # 'chill jazz'
"""

from __future__ import annotations

import re

# CSI (ESC [ ... final), OSC (ESC ] ... BEL or ESC \\), and two-character escapes.
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]?")
# C0 except \n and \t, DEL, C1, bidirectional embeddings/overrides/isolates, LRM/RLM/ALM, BOM, interlinear marks.
_INVISIBLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff\ufff9-\ufffb]")


def clean_text(text: str, *, newlines: bool = True) -> str:
    """``text`` without terminal escapes, control and bidi-override characters, or lone surrogates.

    Line and paragraph separators become newlines (or spaces with ``newlines=False``), tabs spaces.
    """
    if not isinstance(text, str):
        text = str(text or "")
    if not text.isprintable() or "\x1b" in text:
        text = text.encode("utf-8", "replace").decode("utf-8")  # lone surrogates (from JSON "\ud800") -> '?'
        text = _ANSI.sub("", text)
        text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n")
        text = text.replace("\t", " ")
        text = _INVISIBLE.sub("", text)
    if not newlines and "\n" in text:
        text = text.replace("\n", " ")
    return text


def has_control(text: str) -> bool:
    """Whether ``text`` holds anything :func:`clean_text` would remove."""
    return clean_text(text) != text
