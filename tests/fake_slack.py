"""A local HTTP server for the Slack Web API methods PlayGenie's Slack bot calls.

A real server on a free port: ``slack_sdk.WebClient(base_url=...)`` talks to it over HTTP. It
checks the bearer token, records every call (JSON or form body), and answers like Slack does.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from fake_recorder import CallRecorder

BOT_USER = "UBOT"


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.monotonic)


class FakeSlack(CallRecorder):
    """The Web API. Use as a context manager; ``api_url`` goes to ``WebClient(base_url=...)``."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.calls: list[Call] = []
        self._cond = threading.Condition()
        self._ts = 1_700_000_000.0
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.httpd.daemon_threads = True
        self.api_url = f"http://127.0.0.1:{self.httpd.server_address[1]}/api/"
        self._thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self) -> "FakeSlack":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def _answer(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        if method == "auth.test":
            return {"ok": True, "url": "https://example.slack.com/", "team": "Test", "user": "playgenie",
                    "team_id": "T1", "user_id": BOT_USER, "bot_id": "B1"}  # fmt: skip
        if method in {"chat.postMessage", "chat.postEphemeral", "chat.update"}:
            if not params.get("channel"):
                return {"ok": False, "error": "channel_not_found"}
            if not (params.get("text") or params.get("blocks")):
                return {"ok": False, "error": "no_text"}
            blocks = params.get("blocks")
            if isinstance(blocks, str):
                blocks = json.loads(blocks)
            if blocks and (len(blocks) > 50 or any(len(b.get("text", {}).get("text", "")) > 3000 for b in blocks)):
                return {"ok": False, "error": "invalid_blocks"}
            self._ts += 1
            ts = f"{self._ts:.6f}"
            if method == "chat.postEphemeral":
                return {"ok": True, "message_ts": ts}
            return {
                "ok": True,
                "channel": params["channel"],
                "ts": ts,
                "message": {"text": params.get("text"), "ts": ts},
            }
        return {"ok": False, "error": "unknown_method"}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                if self.headers.get("Authorization") != f"Bearer {server.token}":
                    return self._send({"ok": False, "error": "invalid_auth"})
                method = self.path.removeprefix("/api/").split("?")[0]
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                ctype = self.headers.get("Content-Type", "")
                if ctype.startswith("application/json"):
                    params = json.loads(body or b"{}")
                else:
                    params = {k: v[0] for k, v in parse_qs(body.decode("utf-8")).items()}
                with server._cond:
                    server.calls.append(Call(method, params))
                    answer = server._answer(method, params)
                    server._cond.notify_all()
                self._send(answer)

            def _send(self, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler
