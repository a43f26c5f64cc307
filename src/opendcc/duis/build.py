"""Building DUIS Requests and Responses from typed values, as compact XML.

DCC systems emit compact XML (no whitespace between elements), the form XML signatures are
computed over; everything built here is compact, and ``to_bytes`` writes it with a UTF-8
declaration. Builders cover every Response shape the hub sends (PROTOCOL.md): the
acknowledgement carrying only the RequestID, ResponseMessage with GBCSPayload, PreCommand,
LocalCommand, DSPScheduleID or DSPScheduledMessage, Device Alerts and DCC Alerts. The
catalogue has many more body types (DSPInventory, DSPWANMatrix, the 24 DCC Alert bodies,
request bodies); ``sr`` builds any element in the DUIS namespace for the caller to assemble
and pass where a body or content element is expected.

Arguments are trusted values from the caller's code; a value DUIS cannot carry (an alert
code over 16 bits, a naive datetime) is a programming error and raises ``ValueError``.
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Iterable
from datetime import datetime
from typing import Final

from lxml import etree

from opendcc.duis.codes import DccAlertCode, ResponseCode
from opendcc.duis.errors import DuisError, DuisErrorKind
from opendcc.duis.ids import RequestId
from opendcc.duis.matrix import ServiceReferenceVariant
from opendcc.duis.messages import SR_NS, RequestHeader, ResponseHeader
from opendcc.duis.timestamps import format_response_datetime, format_xs_datetime

SCHEMA_VERSION: Final = "5.4"
XML_DECLARATION: Final = b'<?xml version="1.0" encoding="UTF-8"?>'
_SR: Final = "{" + SR_NS + "}"
_NSMAP: Final = {"sr": SR_NS}
_MAX_SCHEDULE_ID: Final = 10**12


def sr(
    name: str,
    text: str | None = None,
    children: Iterable[etree._Element] = (),
    attributes: dict[str, str] | None = None,
) -> etree._Element:
    """An element ``sr:<name>`` with optional text, children and (unqualified) attributes.

    The escape hatch for bodies this module has no builder for, e.g.
    ``sr("ReadInventory", children=[sr("DeviceID", "00-DB-12-34-56-78-90-A0")])``.
    """
    element = etree.Element(_SR + name, attributes, nsmap=_NSMAP)
    if text is not None:
        element.text = text
    for child in children:
        element.append(child)
    return element


def _child(parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
    element = etree.SubElement(parent, _SR + name)
    if text is not None:
        element.text = text
    return element


def _b64(payload: bytes) -> str:
    return base64.b64encode(payload).decode("ascii")


def _escape(text: str) -> str:
    if "&" in text or "<" in text or ">" in text or '"' in text:
        return (
            text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;")
        )  # fmt: skip
    return text


def _leaf(name: str, text: str) -> str:
    return f"<sr:{name}>{_escape(text)}</sr:{name}>"


_local = threading.local()


def _from_template(text: str) -> etree._Element:
    """Parse XML this module wrote: one libxml2 call is several times faster than building
    the same elements one by one through the lxml API."""
    parser: etree.XMLParser | None = getattr(_local, "parser", None)
    if parser is None:
        parser = _local.parser = etree.XMLParser(
            resolve_entities=False, no_network=True, load_dtd=False
        )
    return etree.fromstring(text.encode(), parser)


# --- whole documents -------------------------------------------------------------------------


def request_document(
    header: RequestHeader, body: etree._Element, *, schema_version: str = SCHEMA_VERSION
) -> etree._Element:
    """``sr:Request`` with ``header`` and ``body`` (the one element inside ``sr:Body``)."""
    parts = [_leaf("RequestID", str(header.request_id))]
    if header.first_in_sequence is not None:
        parts.append(_leaf("FirstInSequence", "true" if header.first_in_sequence else "false"))
    if header.preceding_request_id is not None:
        parts.append(_leaf("PrecedingServiceRequestID", str(header.preceding_request_id)))
    parts.append(_leaf("CommandVariant", str(int(header.command_variant))))
    parts.append(_leaf("ServiceReference", header.service_reference))
    parts.append(_leaf("ServiceReferenceVariant", header.variant.code))
    root = _from_template(
        f'<sr:Request xmlns:sr="{SR_NS}" schemaVersion="{_escape(schema_version)}">'
        f"<sr:Header>{''.join(parts)}</sr:Header><sr:Body/></sr:Request>"
    )
    root[1].append(body)
    return root


def response_document(
    header: ResponseHeader, body: etree._Element, *, schema_version: str = SCHEMA_VERSION
) -> etree._Element:
    """``sr:Response`` with ``header`` and ``body`` (ResponseMessage, DeviceAlertMessage, ...)."""
    root = _from_template(_response_text(header, "", schema_version))
    root[1].append(body)
    return root


def _response_text(header: ResponseHeader, body: str, schema_version: str) -> str:
    request_id = "" if header.request_id is None else _leaf("RequestID", str(header.request_id))
    response_id = "" if header.response_id is None else _leaf("ResponseID", str(header.response_id))
    return (
        f'<sr:Response xmlns:sr="{SR_NS}" schemaVersion="{_escape(schema_version)}"><sr:Header>'
        f"{request_id}{response_id}<sr:ResponseCode>{header.response_code.value}</sr:ResponseCode>"
        f"<sr:ResponseDateTime>{format_response_datetime(header.response_datetime)}"
        f"</sr:ResponseDateTime></sr:Header><sr:Body>{body}</sr:Body></sr:Response>"
    )


def _response_message_text(reference: str, code: str) -> str:
    return (
        f"<sr:ResponseMessage>{_leaf('ServiceReference', reference)}"
        f"{_leaf('ServiceReferenceVariant', code)}</sr:ResponseMessage>"
    )


def acknowledgement(
    request: RequestHeader,
    code: ResponseCode,
    at: datetime,
    *,
    schema_version: str = SCHEMA_VERSION,
) -> etree._Element:
    """The synchronous answer carrying only the RequestID: I99, or an error such as E12."""
    header = ResponseHeader(code, at, request_id=request.request_id)
    variant = request.variant
    body = _response_message_text(variant.service_reference, variant.code)
    return _from_template(_response_text(header, body, schema_version))


def service_response(
    request: RequestHeader,
    code: ResponseCode,
    at: datetime,
    content: etree._Element | None = None,
    *,
    with_response_id: bool = True,
    schema_version: str = SCHEMA_VERSION,
) -> etree._Element:
    """A ResponseMessage answering ``request``.

    With ``with_response_id`` (device responses) the header carries the ResponseID derived
    from the RequestID (EUIs swapped, same counter); DCC Boxed leaves it out of responses the
    DCC answers itself (non-device requests such as 8.2 Read Inventory).
    """
    header = ResponseHeader(
        code,
        at,
        request_id=request.request_id,
        response_id=request.request_id.response_id() if with_response_id else None,
    )
    variant = request.variant
    body = _response_message_text(variant.service_reference, variant.code)
    root = _from_template(_response_text(header, body, schema_version))
    if content is not None:
        root[1][0].append(content)
    return root


def set_request_counter(root: etree._Element, counter: int) -> DuisError | None:
    """Give a Request's RequestID the counter ``counter`` (e.g. ``time_based_counter(now)``)."""
    element = root.find(f"{_SR}Header/{_SR}RequestID")
    if root.tag != _SR + "Request" or element is None:
        return DuisError(DuisErrorKind.NOT_DUIS, "not a Request with a RequestID")
    try:
        request_id = RequestId.parse(element.text or "").with_counter(counter)
    except ValueError as exc:
        return DuisError(DuisErrorKind.INVALID_VALUE, str(exc))
    element.text = str(request_id)
    return None


def to_bytes(root: etree._Element) -> bytes:
    """Compact UTF-8 XML with a declaration, as DCC systems send it."""
    return XML_DECLARATION + etree.tostring(root, encoding="UTF-8", xml_declaration=False)


# --- ResponseMessage and its contents --------------------------------------------------------


def response_message(
    variant: ServiceReferenceVariant | tuple[str, str], content: etree._Element | None = None
) -> etree._Element:
    """``ResponseMessage{ServiceReference, ServiceReferenceVariant[, content]}``.

    ``variant`` is a request-matrix row or a ``(service reference, variant)`` pair.
    """
    if isinstance(variant, ServiceReferenceVariant):
        reference, code = variant.service_reference, variant.code
    else:
        reference, code = variant
    message = sr("ResponseMessage")
    _child(message, "ServiceReference", reference)
    _child(message, "ServiceReferenceVariant", code)
    if content is not None:
        message.append(content)
    return message


def gbcs_payload(payload: bytes) -> etree._Element:
    """``GBCSPayload``: a GBCS Response, Alert or Command, base64."""
    return sr("GBCSPayload", _b64(payload))


def pre_command(gbcs_version: str, payload: bytes) -> etree._Element:
    """``PreCommand{GBCSVersion, GBCSPayload}``: the answer to a Command Variant 4 request."""
    element = sr("PreCommand")
    _child(element, "GBCSVersion", gbcs_version)
    _child(element, "GBCSPayload", _b64(payload))
    return element


def local_command(payload: bytes) -> etree._Element:
    """``LocalCommand{GBCSPayload}``: a Command returned for local delivery (CV 2 and 6)."""
    element = sr("LocalCommand")
    _child(element, "GBCSPayload", _b64(payload))
    return element


def dsp_schedule_id(schedule_id: int) -> etree._Element:
    """``DSPScheduleID``: the schedule the DCC created (5.1)."""
    return sr("DSPScheduleID", str(_schedule_id(schedule_id)))


def dsp_scheduled_message(payload: bytes, schedule_id: int) -> etree._Element:
    """``DSPScheduledMessage{GBCSPayload, DSPScheduleID}``: a response to a DCC-run schedule."""
    element = sr("DSPScheduledMessage")
    _child(element, "GBCSPayload", _b64(payload))
    _child(element, "DSPScheduleID", str(_schedule_id(schedule_id)))
    return element


def cin_message(payload: bytes, cin: str) -> etree._Element:
    """``CINMessage{GBCSPayload, CustomerIdentificationNumber}``: the Response to 9.1
    Request Customer Identification Number (DUIS schema ``sr:CINMessage``: four digits)."""
    if len(cin) != 4 or not cin.isdigit():
        raise ValueError(f"a Customer Identification Number is four digits, not {cin!r}")
    element = sr("CINMessage")
    _child(element, "GBCSPayload", _b64(payload))
    _child(element, "CustomerIdentificationNumber", cin)
    return element


def _schedule_id(value: int) -> int:
    if not 0 <= value <= _MAX_SCHEDULE_ID:
        raise ValueError(f"DSPScheduleID out of range: {value}")
    return value


# --- Alerts ----------------------------------------------------------------------------------


def device_alert_message(
    alert_code: int,
    payload: bytes,
    *,
    throttled_sequence_id: int | None = None,
    throttled_count: int | None = None,
) -> etree._Element:
    """``DeviceAlertMessage{AlertCode, [throttling], GBCSPayload}``; the code is 16 bits."""
    if not 0 <= alert_code <= 0xFFFF:
        raise ValueError(f"a Device Alert code is 16 bits: {alert_code:#x}")
    element = sr("DeviceAlertMessage")
    _child(element, "AlertCode", f"{alert_code:04X}")
    _throttling(element, throttled_sequence_id, throttled_count)
    _child(element, "GBCSPayload", _b64(payload))
    return element


def dcc_alert_message(
    code: DccAlertCode,
    alert: etree._Element,
    *,
    throttled_sequence_id: int | None = None,
    throttled_count: int | None = None,
) -> etree._Element:
    """``DCCAlertMessage{DCCAlertCode, [throttling], DCCAlert{alert}}``.

    ``alert`` is one of the DCCAlert bodies (``PowerOutageEvent``, ``QuarantinedRequest``,
    ``ChangeOfSupplier``, ...), built with ``sr``.
    """
    element = sr("DCCAlertMessage")
    _child(element, "DCCAlertCode", code.value)
    _throttling(element, throttled_sequence_id, throttled_count)
    _child(element, "DCCAlert").append(alert)
    return element


def _throttling(element: etree._Element, sequence_id: int | None, count: int | None) -> None:
    for name, value in (("ThrottledAlertSequenceId", sequence_id), ("ThrottledAlertCount", count)):
        if value is not None:
            if not 0 <= value <= 0xFFFFFFFF:
                raise ValueError(f"{name} is an unsigned 32-bit value: {value}")
            _child(element, name, str(value))


# --- request bodies --------------------------------------------------------------------------


def signed_pre_command(
    payload: bytes, execution_datetime: datetime | None = None
) -> etree._Element:
    """``SignedPreCommand{[ExecutionDateTime], GBCSPayload}``: the body for CV 5 to 7."""
    element = sr("SignedPreCommand")
    if execution_datetime is not None:
        _child(element, "ExecutionDateTime", format_xs_datetime(execution_datetime))
    _child(element, "GBCSPayload", _b64(payload))
    return element


# --- canonical text: the hub's fast path ---------------------------------------------------
#
# The hub answers every request with one or two signed documents. Built as text in inclusive
# C14N form, a document can be digested and signed as it stands (``signature.sign_canonical
# _text``), with no tree, no canonicalisation and no second serialisation. These builders
# write exactly the C14N of what the tree builders above make (tests check it): elements
# open-and-closed, the only namespace declaration on the root, text escaped as C14N does.


def _c14n_text(text: str) -> str:
    """Text content escaped as inclusive C14N writes it."""
    if "&" in text or "<" in text or ">" in text or "\r" in text:
        return (
            text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("\r", "&#xD;")
        )  # fmt: skip
    return text


def _c14n_leaf(name: str, text: str) -> str:
    return f"<sr:{name}>{_c14n_text(text)}</sr:{name}>"


def response_text(
    request: RequestHeader,
    code: ResponseCode,
    at: datetime,
    content: str = "",
    *,
    with_response_id: bool = True,
    schema_version: str = SCHEMA_VERSION,
) -> str:
    """``service_response`` (or, with ``with_response_id=False`` and no content,
    ``acknowledgement``) as canonical text; ``content`` is canonical text too."""
    variant = request.variant
    response_id = (
        _c14n_leaf("ResponseID", str(request.request_id.response_id())) if with_response_id else ""
    )
    return (
        f'<sr:Response xmlns:sr="{SR_NS}" schemaVersion="{schema_version}"><sr:Header>'
        f"{_c14n_leaf('RequestID', str(request.request_id))}{response_id}"
        f"<sr:ResponseCode>{code.value}</sr:ResponseCode>"
        f"<sr:ResponseDateTime>{format_response_datetime(at)}</sr:ResponseDateTime></sr:Header>"
        f"<sr:Body><sr:ResponseMessage>{_c14n_leaf('ServiceReference', variant.service_reference)}"
        f"{_c14n_leaf('ServiceReferenceVariant', variant.code)}{content}"
        "</sr:ResponseMessage></sr:Body></sr:Response>"
    )


def gbcs_payload_text(payload: bytes) -> str:
    return _c14n_leaf("GBCSPayload", _b64(payload))


def pre_command_text(gbcs_version: str, payload: bytes) -> str:
    return (
        f"<sr:PreCommand>{_c14n_leaf('GBCSVersion', gbcs_version)}"
        f"{_c14n_leaf('GBCSPayload', _b64(payload))}</sr:PreCommand>"
    )


def local_command_text(payload: bytes) -> str:
    return f"<sr:LocalCommand>{_c14n_leaf('GBCSPayload', _b64(payload))}</sr:LocalCommand>"


def device_alert_text(
    alert_code: int, payload: bytes, at: datetime, *, schema_version: str = SCHEMA_VERSION
) -> str:
    """A Device Alert document (``ResponseCode`` I0, no RequestID) as canonical text."""
    if not 0 <= alert_code <= 0xFFFF:
        raise ValueError(f"a Device Alert code is 16 bits: {alert_code:#x}")
    return (
        f'<sr:Response xmlns:sr="{SR_NS}" schemaVersion="{schema_version}"><sr:Header>'
        f"<sr:ResponseCode>{ResponseCode.I0.value}</sr:ResponseCode>"
        f"<sr:ResponseDateTime>{format_response_datetime(at)}</sr:ResponseDateTime></sr:Header>"
        f"<sr:Body><sr:DeviceAlertMessage><sr:AlertCode>{alert_code:04X}</sr:AlertCode>"
        f"{_c14n_leaf('GBCSPayload', _b64(payload))}</sr:DeviceAlertMessage></sr:Body>"
        "</sr:Response>"
    )
