"""A User's Receive Response Service: where the DCC POSTs responses and alerts.

It checks each document as a User's system must (parse, schema when given, the DCC's XML
signature) and answers 204, or 400 when a check fails, as DUIS defines. Accepted documents
are kept by RequestID (responses) or in arrival order (alerts) for the caller to wait on.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from aiohttp import web

from opendcc.clock import Clock, SystemClock
from opendcc.duis.messages import ResponseBodyKind, ServiceResponse, parse_response
from opendcc.duis.schema import DuisSchema
from opendcc.duis.signature import SignatureFailure, SignatureVerifier


@dataclass(frozen=True, slots=True)
class Received:
    at: datetime
    body: bytes
    response: ServiceResponse


@dataclass(slots=True)
class CallbackReceiver:
    verifier: SignatureVerifier
    schema: DuisSchema | None = None
    clock: Clock = field(default_factory=SystemClock)
    host: str = "127.0.0.1"
    port: int = 0
    responses: dict[str, list[Received]] = field(default_factory=lambda: defaultdict(list))
    alerts: list[Received] = field(default_factory=list)
    rejected: list[tuple[bytes, str]] = field(default_factory=list)
    _runner: web.AppRunner | None = None
    _arrived: asyncio.Condition | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/rrs"

    async def start(self) -> CallbackReceiver:
        self._arrived = asyncio.Condition()
        app = web.Application(client_max_size=4 << 20)
        app.router.add_post("/rrs", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        for address in self._runner.addresses:
            if isinstance(address, tuple) and len(address) >= 2:
                self.port = int(address[1])
                break
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        problem = self.check(body)
        if isinstance(problem, str):
            self.rejected.append((body, problem))
            return web.Response(status=400, text=problem)
        received = Received(self.clock.now(), body, problem)
        header = problem.header
        if problem.body_kind is ResponseBodyKind.RESPONSE_MESSAGE and header.request_id:
            self.responses[str(header.request_id)].append(received)
        else:
            self.alerts.append(received)
        assert self._arrived is not None
        async with self._arrived:
            self._arrived.notify_all()
        return web.Response(status=204)

    def check(self, body: bytes) -> ServiceResponse | str:
        """The parsed response, or why a User's system would refuse it."""
        parsed = parse_response(body)
        if not isinstance(parsed, ServiceResponse):
            return f"not a DUIS response: {parsed}"
        if self.schema is not None:
            invalid = self.schema.validate(parsed.root)
            if invalid is not None:
                return f"schema-invalid: {invalid}"
        verified = self.verifier.verify_response(parsed, self.clock.now())
        if isinstance(verified, SignatureFailure):
            return f"signature: {verified}"
        return parsed

    async def response_for(self, request_id: str, timeout: float = 10.0) -> Received | None:
        """The first response to ``request_id`` (waiting up to ``timeout`` seconds)."""
        assert self._arrived is not None
        async with self._arrived:
            try:
                await asyncio.wait_for(
                    self._arrived.wait_for(lambda: bool(self.responses.get(request_id))), timeout
                )
            except TimeoutError:
                return None
        return self.responses[request_id][0]

    async def alert_count(self, count: int, timeout: float = 10.0) -> bool:
        assert self._arrived is not None
        async with self._arrived:
            try:
                await asyncio.wait_for(
                    self._arrived.wait_for(lambda: len(self.alerts) >= count), timeout
                )
            except TimeoutError:
                return False
        return True
