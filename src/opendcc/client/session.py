"""Talking to a hub: POST a signed request, check the signed answer, run the CV 4 -> 5 round.

``DuisClient.send`` posts to the endpoint the Command Variant names and returns the
synchronous answer, checked (signature by the DCC; refusals read). ``DuisClient.critical``
performs the whole critical exchange: CV 4 to get the Pre-Command, the correlation check
(never sign a Pre-Command that does not do what was asked), the User's GBCS signature, and
CV 5 returning it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import aiohttp
from lxml import etree

from opendcc.client.identity import UserIdentity
from opendcc.client.requests import sign, signed_pre_command_request
from opendcc.clock import Clock, SystemClock
from opendcc.duis.command_variant import CommandVariant
from opendcc.duis.messages import ServiceRequest, ServiceResponse, parse_request, parse_response
from opendcc.duis.signature import SignatureFailure, SignatureVerifier
from opendcc.gbcs import build as gbcs_build
from opendcc.smki.identity import RemotePartyRole


class ClientError(RuntimeError):
    """The exchange could not go on (the message says why)."""


@dataclass(frozen=True, slots=True)
class SyncAnswer:
    status: int
    body: bytes
    response: ServiceResponse | None
    problem: str | None = None

    @property
    def code(self) -> str | None:
        return self.response.header.response_code.value if self.response else None


Correlator = Callable[[ServiceRequest, bytes], str | None]
"""Given the request and the Pre-Command returned for it, None when they correlate, else
the difference found (``opendcc.correlate``)."""


class DuisClient:
    def __init__(
        self,
        base_url: str,
        identity: UserIdentity,
        verifier: SignatureVerifier,
        *,
        clock: Clock | None = None,
        session: aiohttp.ClientSession | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.identity = identity
        self.verifier = verifier
        self.clock = clock or SystemClock()
        self._session = session
        self._own_session = session is None
        self.timeout = timeout

    async def __aenter__(self) -> DuisClient:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout))
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._own_session and self._session is not None:
            await self._session.close()
            self._session = None

    async def post(self, path: str, body: bytes) -> SyncAnswer:
        assert self._session is not None, "use DuisClient as an async context manager"
        async with self._session.post(
            f"{self.base_url}{path}", data=body, headers={"Content-Type": "application/xml"}
        ) as reply:
            data = await reply.read()
            if reply.status != 200 or not reply.content_type.endswith("xml"):
                return SyncAnswer(reply.status, data, None, data.decode("utf-8", "replace"))
        parsed = parse_response(data)
        if not isinstance(parsed, ServiceResponse):
            return SyncAnswer(200, data, None, f"not a DUIS response: {parsed}")
        verified = self.verifier.verify_response(parsed, self.clock.now())
        if isinstance(verified, SignatureFailure):
            return SyncAnswer(200, data, parsed, f"the answer's signature fails: {verified}")
        return SyncAnswer(200, data, parsed)

    async def send(self, root: etree._Element) -> tuple[ServiceRequest, SyncAnswer]:
        """Sign and send ``root`` to the endpoint of its Command Variant."""
        signed = sign(root, self.identity)
        request = parse_request(signed)
        if not isinstance(request, ServiceRequest):
            raise ClientError(f"the request is not valid DUIS: {request}")
        endpoint = request.header.command_variant.endpoint
        return request, await self.post(endpoint.path, signed)

    async def critical(
        self,
        root: etree._Element,
        correlate: Correlator | None,
        role: RemotePartyRole | None = None,
        *,
        signed_variant: CommandVariant = CommandVariant.SIGNED_PRE_COMMAND_SM_WAN,
    ) -> tuple[ServiceRequest, SyncAnswer, SyncAnswer | None]:
        """CV 4, correlate, sign, CV 5 (or ``signed_variant``: CV 6 for local delivery, 7
        for both). Returns the request, the CV 4 answer and the answer to the signed
        Pre-Command (None when the CV 4 answer was not a Pre-Command or did not
        correlate)."""
        request, transformed = await self.send(root)
        if transformed.code != "I0" or transformed.response is None:
            return request, transformed, None
        payload = transformed.response.gbcs_payload()
        if not isinstance(payload, bytes):
            raise ClientError("the CV 4 answer carries no Pre-Command")
        if correlate is not None:
            difference = correlate(request, payload)
            if difference is not None:
                raise ClientError(f"the Pre-Command does not correlate: {difference}")
        signature = gbcs_build.sign_pre_command(payload, self.identity.gbcs_key(role))
        signed = (
            gbcs_build.pre_command_with_signature(payload, signature)
            if hasattr(gbcs_build, "pre_command_with_signature")
            else payload + b"\x40" + signature
        )
        returned = signed_pre_command_request(request.header, signed, int(signed_variant))
        _, sent = await self.send(returned)
        return request, transformed, sent


def is_critical_variant(command_variant: CommandVariant) -> bool:
    return command_variant is CommandVariant.CRITICAL_TRANSFORM
