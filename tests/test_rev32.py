"""Review of set lead32 (rev32): phrasings near its fixes that read otherwise than meant.

"rock from between the 80s and the 2000s" is a span said with "between ... and": every year of it, the 90s too (the
listed-decades gap read it as "80s and 2000s, not the 90s").
"""

from __future__ import annotations

import pytest

from tools.extract import TagExtractor


@pytest.fixture(scope="module")
def ex(tiny_catalog) -> TagExtractor:
    return TagExtractor(tiny_catalog)


def span(q) -> tuple[int | None, int | None, list[tuple[int | None, int | None]]]:
    return q.years.start, q.years.end, [(x.start, x.end) for x in q.exclude_years]


@pytest.mark.parametrize(
    "text, said",
    [
        ("rock from between the 80s and the 2000s", (1980, 2009, [])),
        ("songs between the 80s and 2000s", (1980, 2009, [])),
        ("rock from the 80s and the 2000s", (1980, 2009, [(1990, 1999)])),  # listed apart: still a gap
    ],
)
def test_decades_said_between_and_are_a_span(ex, text, said):
    assert span(ex.extract(text)) == said
