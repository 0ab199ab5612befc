"""Who is calling the HTTP API: credentials that name a user, as one FastAPI dependency every route uses.

Usage:
    export PLAYGENIE_AUTH_SECRET=$(openssl rand -hex 32)
    playgenie token ana.lopez@example.com --days 90        # prints a token for that user
    curl -H "Authorization: Bearer <token>" ...             # (or X-API-Key: <token>)

Three modes, from the settings:

- ``PLAYGENIE_AUTH_SECRET``: every request carries a user token. The user is the token's: a body that
  names another ``user_id`` is refused (403), and a thread belongs to the user who created it.
- ``PLAYGENIE_API_KEY``: the admin key, for a trusted back end that authenticates people itself. It acts
  for the ``user_id`` a request names, reads any thread and forgets any user.
- neither: open, for development on loopback. The API trusts the ``user_id`` it is sent.

A token is ``pg1.<payload>.<signature>``: base64url JSON ``{"sub": user, "exp": unix time}`` and its
HMAC-SHA256 under the secret. Rotating the secret revokes every token.

A route added elsewhere gets the caller with ``who: Principal = Depends(request.app.state.authenticate)``
(or builds its own with :func:`authenticator`), then ``who.acting_as(body_user)`` and
``who.may_use(service.owner(thread_id))``.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import re
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    from tools.settings import Settings

PREFIX = "pg1"
USER_RE = re.compile(r"^[A-Za-z0-9_.:@\-]{1,200}$")  # the HTTP API's user id pattern


class TokenError(ValueError):
    """A token that is malformed, signed with another secret, or expired; the message says which."""


class Forbidden(PermissionError):
    """The credential does not allow this request; the message says why."""


@dataclass(frozen=True)
class Principal:
    """The caller: a user named by a token, or a trusted caller (admin key, or open mode) with no user."""

    user_id: str | None = None
    admin: bool = False

    @property
    def trusted(self) -> bool:
        """Acts for the user a request names (admin key, or no credentials configured)."""
        return self.user_id is None

    def acting_as(self, requested: str | None) -> str | None:
        """The user this request acts for: the token's (another requested id is Forbidden), else the requested one."""
        if self.user_id is None:
            return requested
        if requested is not None and requested != self.user_id:
            raise Forbidden(f"this token is for {self.user_id!r}; it cannot act as {requested!r}")
        return self.user_id

    def may_use(self, owner: str | None) -> bool:
        """Whether a thread owned by ``owner`` (None: nobody yet) is this caller's to read and write."""
        return self.trusted or owner is None or owner == self.user_id


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(secret: str, message: str) -> str:
    return _b64(hmac.new(secret.encode(), message.encode(), hashlib.sha256).digest())


def mint_token(secret: str, user_id: str, *, days: float = 90.0, now: float | None = None) -> str:
    """A token naming ``user_id`` that expires after ``days``."""
    if not USER_RE.match(user_id):
        raise ValueError(f"user ids are 1-200 of A-Z a-z 0-9 _ . : @ -, not {user_id!r}")
    exp = int((time.time() if now is None else now) + days * 86400)
    payload = _b64(json.dumps({"sub": user_id, "exp": exp}, separators=(",", ":")).encode())
    return f"{PREFIX}.{payload}.{_sign(secret, f'{PREFIX}.{payload}')}"


def verify_token(secret: str, token: str, *, now: float | None = None) -> str:
    """The user a valid token names; raises TokenError otherwise."""
    parts = token.split(".")
    if len(parts) != 3 or parts[0] != PREFIX:
        raise TokenError("not a PlayGenie token")
    if not hmac.compare_digest(parts[2].encode(), _sign(secret, f"{PREFIX}.{parts[1]}").encode()):
        raise TokenError("token signature does not match")
    try:
        claims = json.loads(_unb64(parts[1]))
        user, exp = str(claims["sub"]), float(claims["exp"])
    except (ValueError, KeyError, TypeError) as exc:
        raise TokenError("malformed token") from exc
    if exp < (time.time() if now is None else now):
        raise TokenError("token expired; mint a new one with `playgenie token USER`")
    if not USER_RE.match(user):
        raise TokenError("malformed token")
    return user


def authenticator(settings: "Settings") -> Callable[..., Principal]:
    """The FastAPI dependency that turns a request's credential into a :class:`Principal` (401 when none fits)."""
    from fastapi import Depends, HTTPException
    from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

    key_header = APIKeyHeader(
        name="X-API-Key", auto_error=False, description="The admin key (PLAYGENIE_API_KEY), or a user token."
    )
    bearer = HTTPBearer(auto_error=False, description="A user token from `playgenie token USER`.")
    admin_key = (settings.api_key or "").encode()
    secret = settings.auth_secret
    open_mode = not admin_key and not secret

    # async: a check of a few microseconds runs on the event loop, not queued for a worker thread behind turns
    async def authenticate(
        key: str | None = Depends(key_header), auth: HTTPAuthorizationCredentials | None = Depends(bearer)
    ) -> Principal:
        presented = auth.credentials if auth is not None else key
        if open_mode:
            return Principal()
        if presented and admin_key and hmac.compare_digest(presented.encode(), admin_key):
            return Principal(admin=True)
        if presented and secret:
            try:
                return Principal(user_id=verify_token(secret, presented))
            except TokenError as exc:
                raise HTTPException(status_code=401, detail=str(exc)) from None
        what = "Authorization: Bearer <token>" if secret else "X-API-Key"
        raise HTTPException(status_code=401, detail=f"missing or wrong credentials: send {what}")

    return authenticate


# --- `playgenie token` ----------------------------------------------------------------------------------
def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("user", help="The user id the token names (what the API records turns and memory under).")
    parser.add_argument("--days", type=float, default=90.0, help="Days until it expires (default 90).")


def run(args: argparse.Namespace, settings: Any) -> int:
    if not settings.auth_secret:
        print("playgenie token: set PLAYGENIE_AUTH_SECRET (e.g. `openssl rand -hex 32`) here and on the server.")
        return 2
    try:
        print(mint_token(settings.auth_secret, args.user, days=args.days))
    except ValueError as exc:
        print(f"playgenie token: {exc}")
        return 2
    return 0
