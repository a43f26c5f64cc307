"""Who may use the admin API: a bearer token, required whenever the hub can be reached from
other machines.

The admin API changes what the DCC holds (Users and their callback URLs, Devices and their
status, registrations, suspensions, held deliveries), so it must not be open to whoever can
reach the DUIS port. DUIS itself needs no such guard: every Service Request is signed by its
originator and checked against the SMKI.

The rule (``resolve_admin_token``):

- a token given to the hub (``opendcc serve --admin-token``, or ``OPENDCC_ADMIN_TOKEN``) is
  always required;
- with no token given, a hub listening on a loopback address (127.0.0.0/8, ``::1``,
  ``localhost``: the default) leaves the admin API open, as it can only be reached from the
  machine it runs on;
- with no token given, a hub listening on any other address (``0.0.0.0`` included) requires
  the token kept in ``DATA/admin-token`` (made on first use, readable by its owner only, and
  kept across restarts), so that a hub opened to the network is never open by accident.

A request without the right token gets 401 with ``WWW-Authenticate: Bearer`` and changes
nothing, and is refused before its body is read (``RequireToken``). The OpenAPI document
names the scheme on every admin operation when a token is required. Clients send
``Authorization: Bearer TOKEN``; opendcc's own client (``opendcc send``) takes the token from
``OPENDCC_ADMIN_TOKEN``.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import Depends, HTTPException
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

TOKEN_FILE = "admin-token"
TOKEN_ENV = "OPENDCC_ADMIN_TOKEN"

UNAUTHORISED: dict[int | str, dict[str, Any]] = {
    401: {"description": "No bearer token, or not the hub's admin token."}
}


def is_loopback(host: str) -> bool:
    """Whether ``host`` (an address to listen on) can be reached from this machine only."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to any interface


def resolve_admin_token(host: str, given: str | None, data_dir: Path) -> str | None:
    """The token the admin API requires, or None for an open admin API (module docstring)."""
    if given is not None:
        if not given.strip():
            raise ValueError("the admin token is empty")
        return given
    if is_loopback(host):
        return None
    path = data_dir / TOKEN_FILE
    if path.exists():
        token = path.read_text(encoding="utf-8").strip()
        if token:
            return token
    data_dir.mkdir(parents=True, exist_ok=True)
    token = secrets.token_urlsafe(32)
    # Created readable by its owner only, and written whole before anyone can read it.
    temporary = path.with_name(f".{TOKEN_FILE}.{os.getpid()}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(token + "\n")
    os.replace(temporary, path)
    return token


_REFUSAL = "the admin API needs the hub's admin token (Authorization: Bearer ...)"


def _offered(scheme: str, credentials: str) -> bytes:
    return credentials.encode("utf-8", "surrogateescape") if scheme.lower() == "bearer" else b""


class RequireToken:
    """ASGI middleware: a request under ``prefix`` without the token is answered 401 before
    the application reads its body (so a malformed body is no clue to the caller)."""

    def __init__(self, app: ASGIApp, *, token: str, prefix: str = "/admin/") -> None:
        self.app = app
        self.expected = token.encode("utf-8")
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and str(scope.get("path", "")).startswith(self.prefix):
            header = b""
            for name, value in scope.get("headers", ()):
                if name == b"authorization":
                    header = value
                    break
            scheme, _, credentials = header.decode("latin-1").partition(" ")
            if not hmac.compare_digest(_offered(scheme, credentials.strip()), self.expected):
                refusal = JSONResponse(
                    {"detail": _REFUSAL}, status_code=401, headers={"WWW-Authenticate": "Bearer"}
                )
                await refusal(scope, receive, send)
                return
        await self.app(scope, receive, send)


_bearer = HTTPBearer(auto_error=False, description="The hub's admin token.")


def token_dependency(token: str) -> Callable[..., Any]:
    """A FastAPI dependency that refuses every request not carrying ``token`` (401): what the
    OpenAPI document shows of the scheme, and a second check behind ``RequireToken``."""
    expected = token.encode("utf-8")

    def require(
        credentials: HTTPAuthorizationCredentials | None = Depends(_bearer),  # noqa: B008
    ) -> None:
        offered = (
            b"" if credentials is None else _offered(credentials.scheme, credentials.credentials)
        )
        if not hmac.compare_digest(offered, expected):
            raise HTTPException(401, _REFUSAL, headers={"WWW-Authenticate": "Bearer"})

    return require
