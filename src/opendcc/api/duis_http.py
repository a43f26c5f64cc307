"""The DCC User Interface over HTTP: ``POST /api/v1/serviceS``, ``serviceT``, ``serviceD``.

A deliberately small ASGI application on the hot path (no framework routing, no
middleware): it checks the HTTP envelope, reads at most ``max_body`` bytes and hands the
body to the hub's ``DuisService``, which answers with a DUIS document (or, for input that
is not a DUIS request at all, a short plain-text reason with a 4xx). Anything else on the
port goes to ``fallback`` (the admin API).

HTTP rules, as DCC Boxed applies them: only POST (else 405), ``application/xml`` or
``text/xml`` bodies (else 415), a body too large is refused with 413 before it is read in
full. The hub's storage failing (disk full, I/O error: ``sqlite3.Error``) is answered 503
with ``Retry-After``: nothing of the request was kept, and the User may send it again with a
new counter. Any other exception escaping the service is a bug: it is logged and answered
with 500 so the client is never left hanging, and the failure is visible in the logs.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any, Protocol

from opendcc.duis.command_variant import ServiceEndpoint as Endpoint

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Asgi = Callable[[Scope, Receive, Send], Awaitable[None]]

log = logging.getLogger("opendcc.api.duis")


_PATHS = {e.path: e for e in Endpoint}
_XML_TYPES = {b"application/xml", b"text/xml"}


@dataclass(frozen=True, slots=True)
class HttpAnswer:
    status: int
    body: bytes
    content_type: str = "application/xml"
    retry_after: int | None = None
    """Seconds, for a 503: when the User may try again."""


class DuisService(Protocol):
    async def submit(self, endpoint: Endpoint, body: bytes) -> HttpAnswer: ...

    def ready(self) -> bool: ...


def plain(status: int, reason: str) -> HttpAnswer:
    return HttpAnswer(status, reason.encode() + b"\n", "text/plain; charset=utf-8")


class DuisApp:
    """ASGI application for the DUIS endpoints and ``/healthz``."""

    def __init__(
        self, service: DuisService, fallback: Asgi | None = None, max_body: int = 1 << 20
    ) -> None:
        self.service = service
        self.fallback = fallback
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        path = scope["path"]
        endpoint = _PATHS.get(path)
        if endpoint is None:
            if path == "/healthz":
                ok = self.service.ready()
                await send_answer(send, plain(200 if ok else 503, "ok" if ok else "starting"))
            elif self.fallback is not None:
                await self.fallback(scope, receive, send)
            else:
                await send_answer(send, plain(404, f"no such endpoint: {path}"))
            return
        if scope["method"] != "POST":
            await send_answer(send, plain(405, "DUIS endpoints accept POST only"), allow=b"POST")
            return
        headers = dict(scope["headers"])
        content_type = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
        if content_type not in _XML_TYPES:
            await send_answer(send, plain(415, "DUIS requests are application/xml"))
            return
        declared = headers.get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_body):
            await send_answer(send, plain(413, f"request body larger than {self.max_body} bytes"))
            return
        body = await self._read(receive)
        if body is None:
            await send_answer(send, plain(413, f"request body larger than {self.max_body} bytes"))
            return
        try:
            answer = await self.service.submit(endpoint, body)
        except sqlite3.Error:
            log.exception("the hub's storage failed on a request to %s", path)
            reason = b"storage unavailable: the request was not accepted; retry later\n"
            answer = HttpAnswer(503, reason, "text/plain; charset=utf-8", retry_after=5)
        except Exception:
            log.exception("the DUIS service failed on a request to %s", path)
            answer = plain(500, "internal error: the request was not accepted")
        await send_answer(send, answer)

    async def _read(self, receive: Receive) -> bytes | None:
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return b"".join(chunks)
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return


async def send_answer(send: Send, answer: HttpAnswer, allow: bytes | None = None) -> None:
    headers = [
        (b"content-type", answer.content_type.encode()),
        (b"content-length", str(len(answer.body)).encode()),
    ]
    if allow is not None:
        headers.append((b"allow", allow))
    if answer.retry_after is not None:
        headers.append((b"retry-after", str(answer.retry_after).encode()))
    await send({"type": "http.response.start", "status": answer.status, "headers": headers})
    await send({"type": "http.response.body", "body": answer.body})
