"""The SMKI certificate service over HTTP, as DCC Boxed offers it on port 8083.

``POST /services/certificatesearch``, ``POST /services/retrievecertificate`` and
``GET /assets/crypto/org-crypto.zip`` (with HEAD, which DCC Boxed clients send first). The
exchanges themselves are ``opendcc.smki.service``; this is only the HTTP envelope.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

from opendcc.api.duis_http import HttpAnswer, Receive, Scope, Send, plain, send_answer
from opendcc.clock import Clock
from opendcc.smki import orgcrypto, service
from opendcc.smki.directory import CertificateDirectory


class SmkiApp:
    def __init__(
        self, directory: CertificateDirectory, clock: Clock, org_crypto: Callable[[], bytes]
    ) -> None:
        self.directory = directory
        self.clock = clock
        self.org_crypto = org_crypto
        self._sequence = itertools.count(1)
        self._zip: bytes | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            if scope["type"] == "lifespan":
                while (await receive())["type"] != "lifespan.shutdown":
                    await send({"type": "lifespan.startup.complete"})
                await send({"type": "lifespan.shutdown.complete"})
            return
        path, method = scope["path"], scope["method"]
        if path == orgcrypto.PATH:
            if method not in ("GET", "HEAD"):
                await send_answer(
                    send, plain(405, f"{path} accepts GET and HEAD only"), allow=b"GET, HEAD"
                )
                return
            if self._zip is None:
                self._zip = self.org_crypto()
            # HEAD: the same headers as GET (Content-Length the archive's, RFC 9110 9.3.2);
            # the server sends no body to a HEAD.
            await send_answer(send, HttpAnswer(200, self._zip, orgcrypto.CONTENT_TYPE))
            return
        exchange = {
            service.SEARCH_PATH: service.certificate_search,
            service.RETRIEVE_PATH: service.retrieve_certificate,
        }.get(path)
        if exchange is None:
            await send_answer(send, plain(404, f"no such SMKI service: {path}"))
            return
        if method != "POST":
            await send_answer(send, plain(405, "the SMKI services accept POST only"), allow=b"POST")
            return
        body = await _read(receive, service.MAX_REQUEST_BYTES)
        if body is None:
            await send_answer(send, plain(413, "SMKI service requests are at most 16 KiB"))
            return
        now = self.clock.now()
        result = exchange(
            self.directory,
            body,
            at=now,
            audit_reference=service.make_audit_reference(now, next(self._sequence)),
        )
        await send_answer(send, HttpAnswer(result.status, result.body, result.content_type))


async def _read(receive: Receive, limit: int) -> bytes | None:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return b"".join(chunks)
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)
