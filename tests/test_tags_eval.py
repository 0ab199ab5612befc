"""The tags evaluation's scoring: alternatives, neutral tags, tolerances, explicitness, and the labels themselves."""

from __future__ import annotations

import csv
import re

from evals.tags import FAMILIES, LABELS, load_labels, query_tags, score_request, select_ids
from tools.schema import FeatureBound, PlaylistQuery, Tag, YearRange
from tools.tags import MOODS


def counts(label, q):
    s = score_request(label, query_tags(q))
    return {k: (c.tp, c.fp, c.fn) for k, c in s.counts.items() if c.tp or c.fp or c.fn}


def test_alternatives_ok_tags_and_explicitness():
    label = {
        "explicit": {"activity": ["workout"]},
        "implicit": {"mood": ["workout|energetic"]},
        "ok": {"mood": ["happy"]},
    }
    q = PlaylistQuery(
        activities=[Tag(value="workout")],
        moods=[
            Tag(value="energetic", explicit=False),
            Tag(value="workout", explicit=False),
            Tag(value="happy", explicit=False),
        ],
    )
    # one alternative matches; the other alternative and the ok tag are neither right nor wrong
    assert counts(label, q) == {("explicit", "activity"): (1, 0, 0), ("implicit", "mood"): (1, 0, 0)}
    # the same mood marked explicit is missed as implicit and extra as explicit
    q2 = PlaylistQuery(activities=[Tag(value="workout")], moods=[Tag(value="energetic")])
    assert counts(label, q2) == {
        ("explicit", "activity"): (1, 0, 0),
        ("explicit", "mood"): (0, 1, 0),
        ("implicit", "mood"): (0, 0, 1),
    }


def test_years_bounds_lengths_and_exclusions_match_by_meaning():
    label = {
        "explicit": {
            "years": ["2001-"],
            "bounds": ["tempo:low", "tempo:120"],
            "length": ["60min"],
            "exclude": ["artist:Drake"],
        }
    }
    q = PlaylistQuery(
        years=YearRange(start=2000),
        duration_min=60.0,
        exclude_artists=[Tag(value="Drake")],
        features=[FeatureBound(feature="tempo", max=100), FeatureBound(feature="tempo", target=124)],
    )
    assert all(fp == fn == 0 for _, fp, fn in counts(label, q).values())
    wrong = PlaylistQuery(years=YearRange(start=2000, end=2009), length=60, artists=[Tag(value="Drake")])
    c = counts(label, wrong)
    assert c[("explicit", "years")] == (0, 1, 1) and c[("explicit", "length")] == (0, 1, 1)
    assert c[("explicit", "artist")] == (0, 1, 0) and c[("explicit", "exclude")] == (0, 0, 1)


def test_excluded_years_are_scored_as_exclusions():
    label = {"explicit": {"exclude": ["years:1980-1989"]}}
    assert counts(label, PlaylistQuery(exclude_years=[YearRange(start=1980, end=1989)])) == {
        ("explicit", "exclude"): (1, 0, 0)
    }
    # the decade asked for instead of left out is missed as an exclusion and extra as years
    c = counts(label, PlaylistQuery(years=YearRange(start=1980, end=1989)))
    assert c == {("explicit", "exclude"): (0, 0, 1), ("explicit", "years"): (0, 1, 0)}


def test_labels_use_only_the_catalogs_values(real_data):
    with open(real_data, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    values = {
        "genre": {r["playlist_genre"] for r in rows},
        "subgenre": {r["playlist_subgenre"] for r in rows},
        "artist": {r["track_artist"] for r in rows},
        "mood": set(MOODS),
    }
    labels = load_labels(LABELS)
    assert len(labels) >= 300 and len({lab["id"] for lab in labels}) == len(labels)
    assert sum(not any(lab["implicit"].values()) for lab in labels) >= 50  # requests that should infer nothing
    for lab in labels:
        for part in ("explicit", "implicit", "ok"):
            for fam, tags in lab.get(part, {}).items():
                assert fam in FAMILIES, (lab["id"], fam)
                for tag in tags:
                    for alt in tag.split("|"):
                        if fam == "exclude":
                            fam_, alt = alt.split(":", 1)
                            if fam_ == "years":  # "anything but 80s": a range of years, either end open
                                assert re.fullmatch(r"(\d{4})?-(\d{4})?", alt) and alt != "-", (lab["id"], tag)
                            else:
                                assert alt in values[fam_], (lab["id"], tag)
                        elif fam in values:
                            assert alt in values[fam], (lab["id"], tag)


def test_select_ids_takes_ranges_and_single_ids():
    labels = [{"id": f"t{k:03d}"} for k in range(1, 21)]
    assert [lab["id"] for lab in select_ids(labels, "t003-t005, t019")] == ["t003", "t004", "t005", "t019"]
    assert select_ids(labels, "t030-t040") == []


def test_an_artist_asked_beside_the_rest_counts_as_said():
    """ "he loves motown and the beatles": The Beatles are a share beside r&b (scope "also", inexplicit so that they
    never filter), but they were said: the eval scores them as an explicit artist."""
    label = {"explicit": {"artist": ["The Beatles"]}, "implicit": {}}
    q = PlaylistQuery(artists=[Tag(value="The Beatles", explicit=False, scope="also")])
    assert counts(label, q) == {("explicit", "artist"): (1, 0, 0)}
    q = PlaylistQuery(artists=[Tag(value="The Beatles", explicit=False, confidence=0.6)])  # inferred: not said
    assert counts(label, q) == {("explicit", "artist"): (0, 0, 1), ("implicit", "artist"): (0, 1, 0)}
