"""Preparing Service Requests: re-address a template, give it a fresh counter, sign it."""

from __future__ import annotations

from datetime import datetime

from lxml import etree

from opendcc.client.identity import UserIdentity
from opendcc.duis import build
from opendcc.duis.ids import RequestId, time_based_counter
from opendcc.duis.messages import RequestHeader
from opendcc.duis.parsing import parse_document
from opendcc.duis.signature import sign_to_bytes
from opendcc.eui import Eui64

SR = "{http://www.dccinterface.co.uk/ServiceUserGateway}"
DS = "{http://www.w3.org/2000/09/xmldsig#}"


class RequestError(ValueError):
    """Not a DUIS request this client can prepare."""


class Counter:
    """Strictly increasing RequestID counters, time-based like DCC Boxed's signing tool."""

    def __init__(self) -> None:
        self._last: int | None = None

    def next(self, now: datetime) -> int:
        self._last = time_based_counter(now, self._last)
        return self._last


def prepare(
    document: bytes | etree._Element,
    *,
    originator: Eui64 | None = None,
    target: Eui64 | None = None,
    counter: int | None = None,
) -> etree._Element:
    """A copy of the request with its RequestID re-addressed and any signature removed."""
    if isinstance(document, bytes):
        root = parse_document(document)
        if not isinstance(root, etree._Element):
            raise RequestError(str(root))
    else:
        root = etree.fromstring(etree.tostring(document))
    request_id = root.find(f"{SR}Header/{SR}RequestID")
    if root.tag != f"{SR}Request" or request_id is None:
        raise RequestError("not a DUIS Request (no sr:Header/sr:RequestID)")
    try:
        current = RequestId.parse((request_id.text or "").strip())
    except ValueError as exc:
        raise RequestError(f"bad RequestID: {exc}") from None
    request_id.text = str(
        RequestId(
            originator or current.originator,
            target or current.target,
            current.counter if counter is None else counter,
        )
    )
    for signature in root.findall(f"{DS}Signature"):
        root.remove(signature)
    return root


def sign(root: etree._Element, identity: UserIdentity) -> bytes:
    return sign_to_bytes(root, identity.xml)


def signed_pre_command_request(
    header: RequestHeader, signed_gbcs: bytes, command_variant: int = 5
) -> etree._Element:
    """The request returning a signed Pre-Command: same RequestID, same references; CV 5
    (over the SM WAN) unless ``command_variant`` says 6 (local delivery) or 7 (both)."""
    from opendcc.duis.command_variant import CommandVariant  # noqa: PLC0415

    signed = RequestHeader(
        header.request_id,
        CommandVariant(command_variant),
        header.service_reference,
        header.variant,
    )
    return build.request_document(signed, build.signed_pre_command(signed_gbcs))
