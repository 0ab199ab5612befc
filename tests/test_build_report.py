"""``playgenie build`` says each step's CPU time beside its wall time (a busy machine stretches only the latter)."""

import argparse

from tools import build


def test_each_step_reports_wall_and_cpu_seconds(monkeypatch, capsys, tmp_path):
    def busy(ctx):
        sum(i * i for i in range(200_000))  # some CPU, whatever it takes
        return "busy: done"

    monkeypatch.setattr(build, "STEPS", [("busy", busy), ("idle", lambda ctx: None)])
    from tools.settings import Settings

    settings = Settings(home=tmp_path)
    assert build.run(argparse.Namespace(quiet=True, force=False), settings) == 0
    out = capsys.readouterr().out.splitlines()
    steps = [line for line in out if line.startswith("  ")]
    assert [s.split("  [")[0].strip() for s in steps] == ["busy: done", "idle"]
    assert all(s.endswith("s CPU]") and "s, " in s for s in steps)
    assert out[-1].startswith("done in ") and "s CPU; load average " in out[-1]
