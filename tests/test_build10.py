"""``playgenie build`` runs the steps of ``build.APART`` in a process of their own beside the others: their summary,
wall and CPU come back to the report (the total's CPU counts theirs), and their failure fails the build."""

import argparse

import pytest

from tools import build


def test_a_step_apart_reports_what_its_process_built_and_its_cpu(monkeypatch, capsys, settings):
    # The catalog step is the cheapest real step: the apart process runs the module's own STEPS, not a patched list.
    monkeypatch.setattr(build, "STEPS", [("catalog", build.step_catalog), ("idle", lambda ctx: None)])
    monkeypatch.setattr(build, "APART", {"catalog": "idle"})
    assert build.run(argparse.Namespace(quiet=True, force=False), settings) == 0
    out = capsys.readouterr().out.splitlines()
    steps = [line.strip() for line in out if line.startswith("  ")]
    assert steps[0].startswith("idle  [") and steps[1].startswith("catalog: ")  # the apart step ends last
    assert "tracks" in steps[1] and "playlists" in steps[1]
    cpu = float(steps[1].split(", ")[-1].removesuffix("s CPU]"))
    assert cpu > 0.0
    total = float(out[-1].split("(")[1].split("s CPU")[0])
    assert total >= cpu  # the parent's own CPU plus the apart process's


def test_a_step_apart_that_fails_fails_the_build(monkeypatch, settings):
    monkeypatch.setattr(build, "STEPS", [("no such step", lambda ctx: None)])
    monkeypatch.setattr(build, "APART", {"no such step": "catalog"})
    with pytest.raises(RuntimeError, match="build step no such step failed: KeyError"):
        build.build(settings, progress=False)


def test_only_leaves_steps_apart_out_unless_named(monkeypatch, settings):
    started = []
    monkeypatch.setattr(build, "Apart", lambda name, ctx: started.append(name))
    monkeypatch.setattr(build, "STEPS", [("a", lambda ctx: "a"), ("vae", lambda ctx: "v"), ("b", lambda ctx: "b")])
    monkeypatch.setattr(build, "APART", {"vae": "a"})
    ctx = build.build(settings, progress=False, only={"a", "b"})
    assert set(ctx.report) == {"a", "b"} and started == []
