"""A DUIS Response or Alert as a record: header facts, the body by kind, the GBCS inside.

The DUIS document is read by ``opendcc.duis.parse_response`` (size and depth limits, no
DTDs, UTF-8 only), so hostile XML is refused there. The body is then read by kind:

- ``ResponseMessage``: the Service Reference Variant and its name; a content holding a
  ``GBCSPayload`` (``GBCSPayload`` itself, ``PreCommand``, ``LocalCommand``,
  ``FutureDatedDeviceAlertMessage``...) is decoded as GBCS; any other content (a DSP body
  such as ``DSPInventory`` or ``DSPScheduleID``) is read as named values by element path;
  no content is an acknowledgement or an error, whose meaning the response code gives;
- ``DeviceAlertMessage``: the alert code and its GBCS name, the GBCS Alert, and the body's
  other fields (throttling);
- ``DCCAlertMessage``: the DCC alert code, the alert body's element name and its fields.

The XML signature is checked when a verifier is given (against the DCC's XML signing
certificate in the User's keystore); a response that fails it is still parsed, and the
record says so.
"""

from __future__ import annotations

import base64
import binascii
from typing import Final

from lxml import etree

from opendcc.duis.matrix import service_reference_variant
from opendcc.duis.messages import ResponseBodyKind, ServiceResponse
from opendcc.duis.signature import SignatureFailure, SignatureVerifier
from opendcc.gbcs.context import GbcsDecodeError
from opendcc.gbcs.security import GbcsSecurity

from .gbcs_record import gbcs_record
from .records import (
    Check,
    DccAlertRecord,
    DeviceAlertRecord,
    GbcsRecord,
    NamedValue,
    Record,
    ResponseHeaderFacts,
    ServiceResponseRecord,
)
from .units import DEFAULT_CURRENCY, alert_name, scalar

_SR: Final = "{http://www.dccinterface.co.uk/ServiceUserGateway}"
MAX_DSP_VALUES: Final = 50_000


def duis_record(
    response: ServiceResponse,
    security: GbcsSecurity | None,
    verifier: SignatureVerifier | None,
) -> Record:
    problems: list[str] = []
    header = _header(response)
    signature = _signature(response, verifier)
    kind = response.body_kind
    if kind is ResponseBodyKind.DEVICE_ALERT_MESSAGE:
        gbcs = _gbcs(response.body, security, problems)
        code = (response.alert_code or "").strip().upper()
        details = _fields(response.body, skip=("AlertCode", "GBCSPayload"))
        return DeviceAlertRecord(
            "device_alert", header, gbcs, signature, tuple(problems),
            alert_code=code, alert_name=alert_name(code), details=details,
        )  # fmt: skip
    if kind is ResponseBodyKind.DCC_ALERT_MESSAGE:
        wrapper = response.body.find(_SR + "DCCAlert")
        inner = [c for c in wrapper if isinstance(c.tag, str)] if wrapper is not None else []
        body = inner[0] if inner else None
        gbcs = _gbcs(body, security, problems) if body is not None else None
        details = _fields(response.body, skip=("DCCAlertCode", "DCCAlert"))
        if body is not None:
            details += _fields(body, skip=("GBCSPayload",), prefix=etree.QName(body).localname)
        return DccAlertRecord(
            "dcc_alert", header, gbcs, signature, tuple(problems),
            alert_code=(response.alert_code or "").strip(),
            body=etree.QName(body).localname if body is not None else None,
            details=details,
        )  # fmt: skip
    variant_code = response.service_reference_variant
    variant = service_reference_variant(variant_code) if variant_code else None
    content = response.content if kind is ResponseBodyKind.RESPONSE_MESSAGE else None
    if kind is ResponseBodyKind.SMETS1_RESPONSE_MESSAGE:
        items = [c for c in response.body if isinstance(c.tag, str)]
        content = items[2] if len(items) > 2 else None
    gbcs = None
    dsp: tuple[NamedValue, ...] = ()
    if content is not None:
        if _holds_gbcs(content):
            gbcs = _gbcs(content, security, problems)
        else:
            dsp = _fields(content, skip=(), prefix=etree.QName(content).localname)
    return ServiceResponseRecord(
        "service_response", header, gbcs, signature, tuple(problems),
        service_reference=response.service_reference,
        service_reference_variant=variant_code,
        service_request_name=variant.name if variant else None,
        content=etree.QName(content).localname if content is not None else None,
        dsp=dsp,
    )  # fmt: skip


def _header(response: ServiceResponse) -> ResponseHeaderFacts:
    header = response.header
    rid = header.request_id
    code = header.response_code
    return ResponseHeaderFacts(
        request_id=str(rid) if rid else None,
        response_id=str(header.response_id) if header.response_id else None,
        originator=str(rid.originator) if rid else None,
        target=str(rid.target) if rid else None,
        counter=rid.counter if rid else None,
        response_code=code.value,
        response_code_meaning=code.meaning,
        response_category=code.category,
        response_datetime=header.response_datetime,
    )


def _signature(response: ServiceResponse, verifier: SignatureVerifier | None) -> Check | None:
    present = response.signature is not None
    if verifier is None:
        return Check(present, None, "no keystore given" if present else "not signed")
    if not present:
        return Check(False, None, "not signed")
    try:
        verified = verifier.verify_response(response, response.header.response_datetime)
    except ValueError as exc:  # a malformed signature the verifier cannot even read
        return Check(True, False, str(exc))
    if isinstance(verified, SignatureFailure):
        return Check(True, False, str(verified))
    return Check(True, True, f"signed by {verified.signer} (serial {verified.record.serial})")


def _holds_gbcs(element: etree._Element) -> bool:
    return element.tag == _SR + "GBCSPayload" or element.find(_SR + "GBCSPayload") is not None


def _gbcs(
    holder: etree._Element, security: GbcsSecurity | None, problems: list[str]
) -> GbcsRecord | None:
    node = holder if holder.tag == _SR + "GBCSPayload" else holder.find(_SR + "GBCSPayload")
    if node is None:
        return None
    try:
        data = base64.b64decode("".join((node.text or "").split()), validate=True)
    except (binascii.Error, ValueError) as exc:
        problems.append(f"GBCSPayload is not base64: {exc}")
        return None
    try:
        return gbcs_record(data, security)
    except GbcsDecodeError as exc:
        problems.append(f"GBCSPayload is not a GBCS message: {exc}")
        return None


def _fields(
    element: etree._Element, *, skip: tuple[str, ...], prefix: str = ""
) -> tuple[NamedValue, ...]:
    """The leaf elements under ``element`` as named values, by element path."""
    out: list[NamedValue] = []

    def visit(node: etree._Element, path: str) -> None:
        children = [c for c in node if isinstance(c.tag, str)]
        counts: dict[str, int] = {}
        for child in children:
            name = etree.QName(child).localname
            counts[name] = counts.get(name, 0) + 1
        seen: dict[str, int] = {}
        for child in children:
            if len(out) >= MAX_DSP_VALUES:
                return
            name = etree.QName(child).localname
            if name in skip and node is element:
                continue
            seen[name] = seen.get(name, 0) + 1
            step = f"{name}[{seen[name]}]" if counts[name] > 1 else name
            sub = f"{path}/{step}" if path else step
            if [c for c in child if isinstance(c.tag, str)]:
                visit(child, sub)
            else:
                out.append(scalar(sub, (child.text or "").strip(), DEFAULT_CURRENCY))

    visit(element, prefix)
    return tuple(out)
