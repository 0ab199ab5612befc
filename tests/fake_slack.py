"""A local HTTP server for the Slack Web API methods PlayGenie's Slack bot calls, and Socket Mode.

A real server on a free port: ``slack_sdk.WebClient(base_url=...)`` talks to it over HTTP. It
checks the bearer token, records every call (JSON or form body), and answers like Slack does,
file uploads included (``files.getUploadURLExternal``, the upload URL, ``files.completeUploadExternal``).
With an ``app_token`` it also serves Socket Mode: ``apps.connections.open`` hands out the URL of a
local websocket server that says hello, pushes envelopes (:meth:`FakeSlack.push`) and records the acks.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
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

    def __init__(self, token: str, app_token: str | None = None) -> None:
        self.token = token
        self.app_token = app_token
        self.calls: list[Call] = []
        self.uploads: dict[str, bytes] = {}  # file id -> the bytes posted to its upload URL
        self.acks: list[dict[str, Any]] = []  # Socket Mode acknowledgements the bot sent
        self._sockets: list[Any] = []  # open Socket Mode connections
        self._cond = threading.Condition()
        self._ts = 1_700_000_000.0
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.api_url = f"{self.url}/api/"
        self._thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.ws = None
        if app_token:
            from websockets.sync.server import serve

            self.ws = serve(self._socket_mode, "127.0.0.1", 0)
            self.ws_url = f"ws://127.0.0.1:{self.ws.socket.getsockname()[1]}/link/"
            self._ws_thread = threading.Thread(target=self.ws.serve_forever, daemon=True)

    def __enter__(self) -> "FakeSlack":
        self._thread.start()
        if self.ws is not None:
            self._ws_thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.ws is not None:
            self.ws.shutdown()
        self.httpd.shutdown()
        self.httpd.server_close()

    # ---- Socket Mode ----------------------------------------------------------------------
    def _socket_mode(self, conn: Any) -> None:
        conn.send(
            json.dumps(
                {
                    "type": "hello",
                    "num_connections": 1,
                    "connection_info": {"app_id": "A1"},
                    "debug_info": {"host": "fake"},
                }
            )
        )
        with self._cond:
            self._sockets.append(conn)
            self._cond.notify_all()
        try:
            for raw in conn:
                with self._cond:
                    self.acks.append(json.loads(raw))
                    self._cond.notify_all()
        except Exception:  # the bot hung up
            pass
        finally:
            with self._cond:
                self._sockets.remove(conn)

    def connected(self) -> bool:
        with self._cond:
            return bool(self._sockets)

    def push(self, kind: str, payload: dict[str, Any]) -> str:
        """Send one envelope (``events_api`` or ``interactive``) down the bot's websocket; returns its id."""
        envelope_id = uuid.uuid4().hex
        with self._cond:
            conn = self._sockets[-1]
        conn.send(
            json.dumps(
                {
                    "envelope_id": envelope_id,
                    "type": kind,
                    "payload": payload,
                    "accepts_response_payload": False,
                    "retry_attempt": 0,
                    "retry_reason": "",
                }
            )
        )
        return envelope_id

    def _answer(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        if method == "apps.connections.open":
            return {"ok": True, "url": self.ws_url} if self.ws is not None else {"ok": False, "error": "not_allowed"}
        if method == "files.getUploadURLExternal":
            if not params.get("filename") or not int(params.get("length") or 0):
                return {"ok": False, "error": "invalid_arguments"}
            file_id = f"F{len(self.uploads) + len(self.calls)}"
            return {"ok": True, "file_id": file_id, "upload_url": f"{self.url}/upload/{file_id}"}
        if method == "files.completeUploadExternal":
            files = json.loads(params.get("files") or "[]")
            if not files or any(f["id"] not in self.uploads for f in files):
                return {"ok": False, "error": "file_not_found"}
            if not (params.get("channel_id") or params.get("channels")):
                return {"ok": False, "error": "invalid_arguments"}
            return {"ok": True, "files": [{"id": f["id"], "title": f.get("title", "")} for f in files]}
        if method == "auth.test":
            return {
                "ok": True,
                "url": "https://example.slack.com/",
                "team": "Test",
                "user": "playgenie",
                "team_id": "T1",
                "user_id": BOT_USER,
                "bot_id": "B1",
            }
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
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.path.startswith("/upload/"):  # the upload URL takes the file's bytes, no token
                    with server._cond:
                        server.uploads[self.path.removeprefix("/upload/")] = body
                        server._cond.notify_all()
                    return self._send_text(f"OK - {len(body)}")
                method, _, query = self.path.removeprefix("/api/").partition("?")
                allowed = {f"Bearer {server.token}"} | ({f"Bearer {server.app_token}"} if server.app_token else set())
                if self.headers.get("Authorization") not in allowed:
                    return self._send({"ok": False, "error": "invalid_auth"})
                app_level = self.headers["Authorization"] == f"Bearer {server.app_token}"
                if (method == "apps.connections.open") != app_level:  # each token for its own methods
                    return self._send({"ok": False, "error": "not_allowed_token_type"})
                ctype = self.headers.get("Content-Type", "")
                params = {k: v[0] for k, v in parse_qs(query).items()}
                if ctype.startswith("application/json"):
                    params.update(json.loads(body or b"{}"))
                else:
                    params.update({k: v[0] for k, v in parse_qs(body.decode("utf-8")).items()})
                with server._cond:
                    server.calls.append(Call(method, params))
                    answer = server._answer(method, params)
                    server._cond.notify_all()
                self._send(answer)

            def _send_text(self, text: str) -> None:
                data = text.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _send(self, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler
