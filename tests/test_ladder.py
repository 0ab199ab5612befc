"""The cold-start ladder (``playgenie eval personalized --ladder``): its JSON on the tiny catalog."""

from __future__ import annotations

import json

import pytest

from evals.personalized import (
    LADDER_SYSTEMS,
    SHARES,
    Stages,
    choose_policy,
    format_ladder,
    ladder_cases,
    ladder_report,
    ladder_table,
    prepare,
)

SIZES = (0, 1, 3, 5)


@pytest.fixture(scope="module")
def ladder(tiny_pipeline, tiny_catalog):
    stages = Stages(tiny_catalog, tiny_pipeline, tiny_pipeline.cf_model(), {})
    cases = ladder_cases(list(tiny_catalog.playlists.values()), tiny_catalog, top=SIZES[-1])
    prepared = prepare(stages, cases, 8)
    validation = ladder_table(stages, prepared, 8, 0.8, sizes=SIZES, grid=True)
    test = ladder_table(stages, prepared, 8, 0.8, sizes=SIZES)
    return json.loads(json.dumps(ladder_report("tiny", 8, SIZES, 0.8, validation, test, 1.0))), len(cases)


def test_ladder_json_has_every_size_system_and_metric(ladder):
    report, n_cases = ladder
    assert n_cases >= 5 and report["task"] == "cold-start-ladder" and report["sizes"] == list(SIZES)
    assert set(report["chosen_policy"]) == {str(h) for h in SIZES}
    assert all(s in SHARES for s in report["chosen_policy"].values())
    for part in ("validation", "test"):
        assert report[part]["n_queries"] == n_cases
        for h in SIZES:
            row = report[part]["systems"][str(h)]
            assert set(row) == set(LADDER_SYSTEMS)
            for figures in row.values():
                assert 0.0 <= figures["ndcg@8"] <= 1.0 and 0.0 <= figures["artist_repetition"] <= 1.0
    grid = report["validation"]["grid_ndcg"]
    assert set(grid) == {str(h) for h in SIZES} and all(set(r) == {f"{s:g}" for s in SHARES} for r in grid.values())
    assert "grid_ndcg" not in report["test"]


def test_ladder_rows_mean_what_they_say(ladder):
    report, _ = ladder
    rows = report["test"]["systems"]
    # With no history the fixed rerank is the prior's; share 0 of the grid is no rerank at all.
    assert rows["0"]["cf_fixed"] == rows["0"]["popularity"]
    grid = report["validation"]["grid_ndcg"]
    assert all(grid[str(h)]["0"] == report["validation"]["systems"][str(h)]["none"]["ndcg@8"] for h in SIZES)
    text = format_ladder(report)
    assert all(f"\n{h:>7}  " in text for h in SIZES) and "shipped" in text


def test_policy_skips_a_rerank_that_does_not_beat_none():
    grid = {"0": {"0": 0.30, "0.25": 0.301, "1": 0.29}, "3": {"0": 0.30, "0.5": 0.35, "1": 0.35}, "10": {"0": None}}
    assert choose_policy(grid) == {"0": 0.0, "3": 0.5, "10": 0.0}
