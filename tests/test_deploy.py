"""Deployment as a self-hoster meets it: one .env for every setting, compose and the Dockerfile wired to
commands and Makefile targets that exist, and a first start that says what it builds and what is missing.

No Docker engine runs here, so the image itself is not built by these tests (see README)."""

from __future__ import annotations

import logging
import re
import subprocess
import time
from pathlib import Path

import httpx
import yaml

from bots.cli import build_parser, main, settings_from
from tools.settings import Settings

REPO = Path(__file__).resolve().parents[1]


def env_example_names() -> set[str]:
    text = (REPO / ".env.example").read_text()
    return set(re.findall(r"^#?\s*(PLAYGENIE_[A-Z0-9_]+)=", text, flags=re.MULTILINE))


def test_env_example_lists_every_setting():
    fields = {f"PLAYGENIE_{name.upper()}" for name in Settings.model_fields}
    assert env_example_names() == fields


def test_the_cli_reads_dotenv_and_the_environment_beats_it(tmp_path, monkeypatch):
    (tmp_path / ".env").write_text(
        "PLAYGENIE_DEFAULT_LENGTH=7\nPLAYGENIE_API_KEY=from-dotenv\nCOMPOSE_PROFILES=slack\n"
    )
    monkeypatch.chdir(tmp_path)
    for name in ("PLAYGENIE_DEFAULT_LENGTH", "PLAYGENIE_API_KEY", "PLAYGENIE_HOME"):
        monkeypatch.delenv(name, raising=False)
    s = settings_from(build_parser().parse_args(["--home", str(tmp_path / "h"), "build"]))
    assert (s.default_length, s.api_key, s.home) == (7, "from-dotenv", tmp_path / "h")
    monkeypatch.setenv("PLAYGENIE_DEFAULT_LENGTH", "9")
    assert settings_from(build_parser().parse_args(["build"])).default_length == 9


def test_compose_runs_real_commands_from_one_env_file():
    compose = yaml.safe_load((REPO / "compose.yaml").read_text())
    services = compose["services"]
    assert set(services) == {"api", "telegram", "slack", "postgres"}
    for name in ("api", "telegram", "slack"):
        svc = services[name]
        assert svc["build"] == "." and svc["env_file"] == [{"path": ".env", "required": False}]
        assert "playgenie-home:/data" in svc["volumes"]
        if "command" in svc:
            assert svc["command"][0] == "playgenie"
            build_parser().parse_args(svc["command"][1:])  # a real subcommand
    assert services["telegram"]["depends_on"]["api"]["condition"] == "service_healthy"
    assert services["api"]["depends_on"]["postgres"]["required"] is False  # optional
    assert {"telegram", "slack", "postgres"} == {n for n, s in services.items() if s.get("profiles")}


def test_dockerfile_uses_the_makefile_and_real_commands():
    text = (REPO / "Dockerfile").read_text()
    (setup,) = re.findall(r"^RUN (make .+)$", text, flags=re.MULTILINE)
    dry = subprocess.run([*setup.split(), "-n", "-B"], cwd=REPO, capture_output=True, text=True, check=False)
    assert dry.returncode == 0, dry.stderr
    assert "torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu" in dry.stdout  # CPU torch
    copied = set(re.findall(r"^COPY (\w+) \./\w+$", text, flags=re.MULTILINE))
    packages = set(re.findall(r'"(\w+)\*"', (REPO / "pyproject.toml").read_text()))
    assert packages <= copied
    cmd = re.search(r'^CMD \["sh", "-c", "(.+)"\]$', text, flags=re.MULTILINE).group(1)
    for part in cmd.split("&&"):
        args = part.replace("exec ", "").split()
        assert args[0] == "playgenie"
        build_parser().parse_args(args[1:])
    assert "/readyz" in re.search(r"HEALTHCHECK[\s\S]+?\n(?!\s)", text).group(0)
    assert "VOLUME /data" in text and "PLAYGENIE_HOME=/data" in text


def test_chat_on_a_fresh_home_shows_progress_and_the_missing_model_once(tiny_csv, tmp_path, capsys):
    home = tmp_path / "fresh"
    args = ["--data", str(tiny_csv), "--home", str(home), "chat", "--thread", "f", "--user", "u", "--json"]
    assert main([*args, "rock"]) == 0
    err = capsys.readouterr().err
    assert "indexing tracks in Qdrant" in err  # the index being built, not a silent wait
    assert err.count("continuation model is not trained yet") == 1 and "playgenie build" in err
    assert main([*args, "add 2 more"]) == 0
    assert "indexing tracks" not in capsys.readouterr().err  # built once


def test_serve_on_a_fresh_home_logs_the_missing_model(tiny_csv, tmp_path, caplog):
    from bots.asgi import BackgroundServer
    from bots.http_api import create_app

    caplog.set_level(logging.WARNING)
    settings = Settings(data=tiny_csv, home=tmp_path / "fresh")
    with BackgroundServer(create_app(settings)) as srv, httpx.Client(base_url=srv.url, timeout=30) as c:
        deadline = time.monotonic() + 120
        while c.get("/readyz").status_code != 200:
            assert time.monotonic() < deadline, "the service did not load"
            time.sleep(0.2)
    said = [r.getMessage() for r in caplog.records if "continuation model is not trained" in r.getMessage()]
    assert len(said) == 1 and "playgenie build" in said[0]
