"""LangGraph conventions: `langgraph dev` (the in-memory server) serves agent/studio.py from
langgraph.json on loopback, and two turns run through langgraph_sdk, as Studio would send them."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def langgraph_dev(tiny_csv, tmp_path_factory):
    exe = Path(sys.executable).with_name("langgraph")
    if not exe.exists():
        message = "langgraph-cli is not installed (the [test] or [studio] extra)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    work = tmp_path_factory.mktemp("langgraph_dev")
    port = free_port()
    env = {
        **os.environ,
        "PLAYGENIE_DATA": str(tiny_csv),
        "PLAYGENIE_HOME": str(work / "home"),
        "LANGSMITH_TRACING": "false",
        "LANGCHAIN_TRACING_V2": "false",
        "LANGGRAPH_CLI_NO_ANALYTICS": "1",
    }
    log_path = work / "server.log"
    cmd = [
        str(exe),
        "dev",
        "--config",
        str(REPO / "langgraph.json"),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-browser",
        "--no-reload",
    ]
    with open(log_path, "wb") as log:
        # From the repository, as a developer runs it: langgraph.json's paths are relative to the working directory.
        proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    try:
        while True:
            if proc.poll() is not None:
                pytest.fail(f"langgraph dev exited ({proc.returncode}):\n{log_path.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{url}/ok", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"langgraph dev did not answer in 180 s:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.5)
        yield url, log_path
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def test_two_turns_through_langgraph_sdk(langgraph_dev):
    from langgraph_sdk import get_sync_client

    url, log_path = langgraph_dev
    client = get_sync_client(url=url, timeout=120)
    assert [a["graph_id"] for a in client.assistants.search(graph_id="playgenie")] == ["playgenie"]
    thread = client.threads.create()["thread_id"]
    first = client.runs.wait(
        thread,
        "playgenie",
        input={"messages": [{"role": "human", "content": "90s hip hop for the gym"}], "user_id": "ana"},
    )
    assert isinstance(first, dict) and first.get("playlist"), f"{first}\n{log_path.read_text()[-3000:]}"
    assert all("rap" in t["genres"] and 1990 <= t["year"] <= 1999 for t in first["playlist"])
    assert f"Your playlist ({len(first['playlist'])} tracks)" in first["messages"][-1]["content"]
    gone = first["playlist"][0]["artist"]
    second = client.runs.wait(thread, "playgenie", input={"messages": [{"role": "human", "content": f"no {gone}"}]})
    assert second["playlist"] and gone not in {t["artist"] for t in second["playlist"]}
    state = client.threads.get_state(thread)["values"]
    assert [t["track_id"] for t in state["playlist"]] == [t["track_id"] for t in second["playlist"]]
    assert [m["type"] for m in state["messages"]].count("human") == 2
    # A run's context may set plain fields (Studio's configuration); the runtime clients stay the loaded ones.
    third = client.runs.wait(
        client.threads.create()["thread_id"],
        "playgenie",
        context={"default_length": 5},
        input={"messages": [{"role": "human", "content": "classic rock road trip"}]},
    )
    assert len(third["playlist"]) == 5
