"""A local HTTP server that speaks the Telegram Bot API methods PlayGenie's bot uses.

It is a real server on a free port, not a mock object: python-telegram-bot talks to it over
HTTP through ``ApplicationBuilder().base_url(...)``. It queues updates for ``getUpdates``,
records every call it receives, and checks what Telegram checks: the token in the path, the
4096 UTF-16-unit limit on a message's parsed text, well-formed HTML. It can answer 429 with
``retry_after`` to exercise flood control.
"""

from __future__ import annotations

import email.parser
import email.policy
import html.parser
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from fake_recorder import CallRecorder

BOT_ID = 4242
LIMIT = 4096


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class _HTMLCheck(html.parser.HTMLParser):
    """Parses Telegram HTML the strict way: only known tags, properly nested; collects the text."""

    ALLOWED = {
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "a",
        "code",
        "pre",
        "tg-spoiler",
        "blockquote",
        "span",
    }

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.text: list[str] = []
        self.error: str | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag not in self.ALLOWED:
            self.error = self.error or f'Unsupported start tag "{tag}"'
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.error = self.error or f'Can\'t find end tag corresponding to start tag "{tag}"'
        else:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parsed_text(text: str, parse_mode: str | None) -> tuple[str, str | None]:
    """The text Telegram would display, and a parse error if the markup is broken."""
    if (parse_mode or "").upper() != "HTML":
        return text, None
    checker = _HTMLCheck()
    checker.feed(text)
    checker.close()
    if checker.stack and not checker.error:
        checker.error = f'Can\'t find end tag corresponding to start tag "{checker.stack[-1]}"'
    return "".join(checker.text), checker.error


@dataclass
class Call:
    """One Bot API call the server received."""

    method: str
    params: dict[str, Any]
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # field -> (filename, content)
    status: int = 0  # the HTTP status the server answered with
    result: Any = None  # what the server returned (a Message for sends)
    at: float = field(default_factory=time.monotonic)  # when it arrived


class FakeTelegram(CallRecorder):
    """The server. Use as a context manager; ``base_url``/``base_file_url`` go to ApplicationBuilder."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.calls: list[Call] = []
        self.updates: list[dict[str, Any]] = []
        self.flood: dict[str, int] = {}  # method -> how many more times to answer 429
        self.rejected: list[tuple[str, str]] = []  # (method, description) of 400 answers
        self._next_update = 1
        self._next_message = 100
        self._cond = threading.Condition()
        handler = self._handler()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{port}"
        self.base_url = f"{self.url}/bot"
        self.base_file_url = f"{self.url}/file/bot"
        self._thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self) -> "FakeTelegram":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        with self._cond:
            self._cond.notify_all()
        self.httpd.shutdown()
        self.httpd.server_close()

    # ---- scripting the user's side -------------------------------------------------------
    def _push(self, update: dict[str, Any]) -> int:
        with self._cond:
            update["update_id"] = self._next_update
            self._next_update += 1
            self.updates.append(update)
            self._cond.notify_all()
            return update["update_id"]

    @staticmethod
    def _user(user_id: int) -> dict[str, Any]:
        return {"id": user_id, "is_bot": False, "first_name": f"User{user_id}", "language_code": "en"}

    def send_text(self, chat_id: int, user_id: int, text: str) -> int:
        """The user types ``text`` in a private chat; commands get their bot_command entity."""
        msg: dict[str, Any] = {
            "message_id": self._new_message_id(),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": f"User{user_id}"},
            "from": self._user(user_id),
            "text": text,
        }
        if text.startswith("/"):
            length = len(text.split()[0])
            msg["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        return self._push({"message": msg})

    def edit_text(self, chat_id: int, user_id: int, message_id: int, text: str) -> int:
        """The user edits an earlier message of theirs."""
        msg = {
            "message_id": message_id,
            "date": int(time.time()) - 60,
            "edit_date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": f"User{user_id}"},
            "from": self._user(user_id),
            "text": text,
        }
        return self._push({"edited_message": msg})

    def press(self, chat_id: int, user_id: int, message: dict[str, Any], data: str) -> int:
        """The user presses an inline button whose callback data is ``data`` on ``message``."""
        return self._push(
            {
                "callback_query": {
                    "id": f"cq{self._next_update}",
                    "from": self._user(user_id),
                    "chat_instance": str(chat_id),
                    "data": data,
                    "message": message,
                }
            }
        )

    # ---- inspecting the bot's side -------------------------------------------------------
    def wait_count(self, method: str, n: int, timeout: float = 30.0) -> list[Call]:
        self.wait_for(lambda: sum(c.method == method for c in self.calls) >= n, timeout)
        return self.of(method)

    def consumed(self) -> bool:
        """True when the bot has fetched every queued update (its offset moved past them)."""
        return not self.updates

    # ---- the server ---------------------------------------------------------------------
    def _new_message_id(self) -> int:
        self._next_message += 1
        return self._next_message

    def _bot_user(self) -> dict[str, Any]:
        return {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "PlayGenie",
            "username": "playgenie_test_bot",
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    def _message(self, params: dict[str, Any], **extra: Any) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        out = {
            "message_id": self._new_message_id(),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"},
            "from": self._bot_user(),
            **extra,
        }
        if "reply_markup" in params:
            out["reply_markup"] = params["reply_markup"]
        return out

    def _answer(self, call: Call) -> tuple[int, dict[str, Any]]:
        m, p = call.method, call.params
        if self.flood.get(m, 0) > 0:
            self.flood[m] -= 1
            return 429, {
                "ok": False,
                "error_code": 429,
                "description": "Too Many Requests: retry after 1",
                "parameters": {"retry_after": 1},
            }
        if m == "getUpdates":
            offset = int(p.get("offset") or 0)
            timeout = min(float(p.get("timeout") or 0), 0.5)
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
            deadline = time.monotonic() + timeout
            while not self.updates and time.monotonic() < deadline:
                self._cond.wait(deadline - time.monotonic())
            return 200, {"ok": True, "result": list(self.updates)}
        if m == "getMe":
            return 200, {"ok": True, "result": self._bot_user()}
        if m in {
            "deleteWebhook",
            "setWebhook",
            "setMyCommands",
            "deleteMyCommands",
            "answerCallbackQuery",
            "sendChatAction",
        }:
            return 200, {"ok": True, "result": True}
        if m in {"sendMessage", "editMessageText"}:
            text, error = parsed_text(str(p.get("text", "")), p.get("parse_mode"))
            if error:
                return 400, {
                    "ok": False,
                    "error_code": 400,
                    "description": f"Bad Request: can't parse entities: {error}",
                }
            if not text.strip():
                return 400, {"ok": False, "error_code": 400, "description": "Bad Request: message text is empty"}
            if utf16_len(text) > LIMIT:
                return 400, {"ok": False, "error_code": 400, "description": "Bad Request: message is too long"}
            msg = self._message(p, text=text)
            if m == "editMessageText":
                msg["message_id"] = int(p["message_id"])
                msg["edit_date"] = int(time.time())
            return 200, {"ok": True, "result": msg}
        if m == "sendDocument":
            if "document" not in call.files:
                return 400, {
                    "ok": False,
                    "error_code": 400,
                    "description": "Bad Request: there is no document in the request",
                }
            name, content = call.files["document"]
            doc = {
                "file_id": f"doc{len(self.calls)}",
                "file_unique_id": f"u{len(self.calls)}",
                "file_name": name,
                "file_size": len(content),
            }
            return 200, {"ok": True, "result": self._message(p, document=doc, caption=p.get("caption"))}
        if m == "sendPhoto":
            name, content = call.files.get("photo", ("", b""))
            if content[:8] != b"\x89PNG\r\n\x1a\n":  # what Telegram says of bytes it cannot read as a picture
                return 400, {"ok": False, "error_code": 400, "description": "Bad Request: IMAGE_PROCESS_FAILED"}
            width, height = int.from_bytes(content[16:20], "big"), int.from_bytes(content[20:24], "big")
            photo = [
                {
                    "file_id": f"ph{len(self.calls)}",
                    "file_unique_id": f"p{len(self.calls)}",
                    "width": width,
                    "height": height,
                    "file_size": len(content),
                }
            ]
            return 200, {"ok": True, "result": self._message(p, photo=photo, caption=p.get("caption"))}
        return 404, {"ok": False, "error_code": 404, "description": f"Not Found: method {m} is not served here"}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def handle(self) -> None:
                try:
                    super().handle()
                except (BrokenPipeError, ConnectionResetError):  # the bot hung up a long poll at shutdown
                    pass

            def do_POST(self) -> None:
                prefix = f"/bot{server.token}/"
                if not self.path.startswith(prefix):
                    return self._send(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
                method = self.path[len(prefix) :]
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                params, files = _decode(self.headers.get("Content-Type", ""), body)
                call = Call(method, params, files)
                with server._cond:
                    if method != "getUpdates":
                        server.calls.append(call)
                    status, payload = server._answer(call)
                    call.status, call.result = status, payload.get("result")
                    if status == 400:
                        server.rejected.append((method, payload["description"]))
                    server._cond.notify_all()
                self._send(status, payload)

            do_GET = do_POST

            def _send(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler


_TEXT_KEYS = {"text", "caption", "callback_query_id", "parse_mode", "url", "secret_token"}


def _value(key: str, raw: str) -> Any:
    # The library JSON-encodes every non-string parameter; plain strings come as they are.
    if key in _TEXT_KEYS:
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def _decode(content_type: str, body: bytes) -> tuple[dict[str, Any], dict[str, tuple[str, bytes]]]:
    """Form, JSON or multipart body -> (params, files)."""
    params: dict[str, Any] = {}
    files: dict[str, tuple[str, bytes]] = {}
    if content_type.startswith("application/json"):
        params = json.loads(body or b"{}")
    elif content_type.startswith("multipart/form-data"):
        msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body
        )
        for part in msg.iter_parts():
            name = part.get_param("name", header="content-disposition")
            filename = part.get_filename()
            payload = part.get_payload(decode=True) or b""
            if filename:
                files[name] = (filename, payload)
            else:
                params[name] = _value(name, payload.decode("utf-8"))
    elif body:
        for k, v in parse_qs(body.decode("utf-8"), keep_blank_values=True).items():
            params[k] = _value(k, v[0])
    return params, files
