"""A local HTTP server that speaks the few Qdrant REST calls of creating a collection, and records them.

No Qdrant server runs on this machine (a binary download is out of reach), so this is how a test
sees what qdrant-client really sends when PlayGenie creates the collection on a server or cluster:
the collection's layout (shards, replicas) and one payload index per declared field. It is a real
server on a free port, not a mock object: qdrant-client talks to it over HTTP with ``url=...``.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from fake_recorder import CallRecorder


@dataclass
class Call:
    method: str  # "create_collection", "create_payload_index", "delete_collection"
    collection: str
    body: dict[str, Any]


class FakeQdrant(CallRecorder):
    """``with FakeQdrant() as q: QdrantClient(url=q.url)``; ``q.calls`` lists what the client asked for."""

    VERSION = "1.15.0"

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self._cond = threading.Condition()
        self.collections: set[str] = set()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def _answer(self, result: Any, status: int = 200) -> None:
                payload = json.dumps({"result": result, "status": "ok", "time": 0.0}).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def _body(self) -> dict[str, Any]:
                n = int(self.headers.get("content-length") or 0)
                return json.loads(self.rfile.read(n) or b"{}")

            def do_GET(self) -> None:  # noqa: N802 - the http.server API
                path = self.path.split("?")[0]
                if path == "/":
                    payload = json.dumps({"title": "qdrant - vector search engine", "version": fake.VERSION})
                    self.send_response(200)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload.encode())
                elif m := re.fullmatch(r"/collections/([^/]+)/exists", path):
                    self._answer({"exists": m.group(1) in fake.collections})
                else:
                    self._answer(None, 404)

            def do_PUT(self) -> None:  # noqa: N802
                path = self.path.split("?")[0]
                if m := re.fullmatch(r"/collections/([^/]+)", path):
                    fake._record(Call("create_collection", m.group(1), self._body()))
                    fake.collections.add(m.group(1))
                    self._answer(True)
                elif m := re.fullmatch(r"/collections/([^/]+)/index", path):
                    fake._record(Call("create_payload_index", m.group(1), self._body()))
                    self._answer({"operation_id": len(fake.calls), "status": "completed"})
                else:
                    self._answer(None, 404)

            def do_DELETE(self) -> None:  # noqa: N802
                path = self.path.split("?")[0]
                if m := re.fullmatch(r"/collections/([^/]+)", path):
                    fake._record(Call("delete_collection", m.group(1), {}))
                    fake.collections.discard(m.group(1))
                    self._answer(True)
                else:
                    self._answer(None, 404)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def _record(self, call: Call) -> None:
        with self._cond:
            self.calls.append(call)
            self._cond.notify_all()

    def __enter__(self) -> "FakeQdrant":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
