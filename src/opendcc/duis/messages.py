"""DUIS Service Requests and Service Responses: typed headers over the parsed XML.

``parse_request`` and ``parse_response`` read untrusted bytes with the hardened parser and
return a ``ServiceRequest`` / ``ServiceResponse`` or a ``DuisError``; they never raise for bad
input. The header is read into typed values; the body stays the lxml element it is (the
catalogue has over a hundred body types, which the hub and the GBCS layer read as they need
them). The parsed tree is kept on the message so that signature verification and schema
validation work on it without parsing again. The tree belongs to the message: mutate it only
through this package.

Parsing checks the structure DUIS fixes (root, header sequence, one body element, an optional
trailing ``ds:Signature``) and the header values, not the body against the schema; that is
``opendcc.duis.schema``'s job. ``check_request`` applies the request matrix: the Service
Reference matches the variant, the Command Variant is allowed for it, and the body element is
the one the variant (or ``SignedPreCommand`` for Command Variants 5 to 7) prescribes.
"""

from __future__ import annotations

import base64
import binascii
import enum
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from lxml import etree

from opendcc.duis.codes import ResponseCode
from opendcc.duis.command_variant import CommandVariant
from opendcc.duis.errors import DuisError, DuisErrorKind
from opendcc.duis.ids import RequestId, ResponseId
from opendcc.duis.matrix import ServiceReferenceVariant, service_reference_variant
from opendcc.duis.parsing import DEFAULT_LIMITS, ParseLimits, parse_document
from opendcc.duis.timestamps import CANCELLATION_DATE, parse_xs_datetime

SR_NS: Final = "http://www.dccinterface.co.uk/ServiceUserGateway"
DS_NS: Final = "http://www.w3.org/2000/09/xmldsig#"
_SR: Final = "{" + SR_NS + "}"
SIGNATURE_TAG: Final = "{" + DS_NS + "}Signature"
_DECIMAL: Final = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$")
_BOOLEAN: Final = {"true": True, "1": True, "false": False, "0": False}


@dataclass(frozen=True, slots=True)
class RequestHeader:
    """The header of a Service Request."""

    request_id: RequestId
    command_variant: CommandVariant
    service_reference: str
    variant: ServiceReferenceVariant
    first_in_sequence: bool | None = None
    preceding_request_id: RequestId | None = None

    @property
    def service_reference_variant(self) -> str:
        return self.variant.code


@dataclass(frozen=True, slots=True, eq=False)
class ServiceRequest:
    """A parsed Service Request: typed header, the body element and the tree it came from."""

    header: RequestHeader
    schema_version: str
    body: etree._Element
    root: etree._Element
    execution_datetime: datetime | None = None

    @property
    def body_name(self) -> str:
        """The body element's local name (``ReadInstantaneousImportRegisters``)."""
        return etree.QName(self.body).localname

    @property
    def signature(self) -> etree._Element | None:
        last = self.root[-1]
        return last if last.tag == SIGNATURE_TAG else None

    @property
    def cancels_future_dated(self) -> bool:
        """True when ``ExecutionDateTime`` is 3000-12-31, which cancels a future-dated request."""
        when = self.execution_datetime
        return when is not None and when.date() == CANCELLATION_DATE

    def signed_pre_command(self) -> bytes | DuisError:
        """The GBCS payload of a ``SignedPreCommand`` body (Command Variants 5 to 7)."""
        if self.body_name != "SignedPreCommand":
            return DuisError(DuisErrorKind.BODY_MISMATCH, "the body is not a SignedPreCommand")
        payload = self.body.find(_SR + "GBCSPayload")
        if payload is None:
            return DuisError(DuisErrorKind.MISSING_ELEMENT, "SignedPreCommand has no GBCSPayload")
        return _base64(payload)


class ResponseBodyKind(enum.Enum):
    """The four kinds of Response body DUIS defines."""

    RESPONSE_MESSAGE = "ResponseMessage"
    DEVICE_ALERT_MESSAGE = "DeviceAlertMessage"
    DCC_ALERT_MESSAGE = "DCCAlertMessage"
    SMETS1_RESPONSE_MESSAGE = "SMETS1ResponseMessage"


_BODY_KINDS: Final = {_SR + kind.value: kind for kind in ResponseBodyKind}


@dataclass(frozen=True, slots=True)
class ResponseHeader:
    """The header of a Service Response, Device Alert or DCC Alert."""

    response_code: ResponseCode
    response_datetime: datetime
    request_id: RequestId | None = None
    response_id: ResponseId | None = None


@dataclass(frozen=True, slots=True, eq=False)
class ServiceResponse:
    """A parsed Response: typed header, the body's kind and element, and the tree."""

    header: ResponseHeader
    schema_version: str
    body_kind: ResponseBodyKind
    body: etree._Element
    root: etree._Element
    service_reference: str | None = None
    service_reference_variant: str | None = None
    alert_code: str | None = None

    @property
    def signature(self) -> etree._Element | None:
        last = self.root[-1]
        return last if last.tag == SIGNATURE_TAG else None

    @property
    def content(self) -> etree._Element | None:
        """A ResponseMessage's payload element (``GBCSPayload``, ``PreCommand``, ...)."""
        if self.body_kind is not ResponseBodyKind.RESPONSE_MESSAGE:
            return None
        elements = _elements(self.body)
        return elements[2] if len(elements) > 2 else None

    def gbcs_payload(self) -> bytes | DuisError | None:
        """The decoded GBCSPayload of the body, wherever DUIS puts it, or None."""
        holder = self.content if self.body_kind is ResponseBodyKind.RESPONSE_MESSAGE else self.body
        if holder is None:
            return None
        if holder.tag == _SR + "GBCSPayload":
            return _base64(holder)
        payload = holder.find(_SR + "GBCSPayload")
        return None if payload is None else _base64(payload)


# --- parsing ---------------------------------------------------------------------------------


def parse_request(data: bytes, limits: ParseLimits = DEFAULT_LIMITS) -> ServiceRequest | DuisError:
    """A Service Request from untrusted bytes, or why not."""
    root = parse_document(data, limits)
    if isinstance(root, DuisError):
        return root
    return request_from_root(root)


def parse_response(
    data: bytes, limits: ParseLimits = DEFAULT_LIMITS
) -> ServiceResponse | DuisError:
    """A Service Response or Alert from untrusted bytes, or why not."""
    root = parse_document(data, limits)
    if isinstance(root, DuisError):
        return root
    return response_from_root(root)


def parse_message(
    data: bytes, limits: ParseLimits = DEFAULT_LIMITS
) -> ServiceRequest | ServiceResponse | DuisError:
    """A Request or a Response, whichever ``data`` holds."""
    root = parse_document(data, limits)
    if isinstance(root, DuisError):
        return root
    if root.tag == _SR + "Response":
        return response_from_root(root)
    return request_from_root(root)


def request_from_root(root: etree._Element) -> ServiceRequest | DuisError:
    """A Service Request from an already parsed (trusted-parser) tree."""
    if root.tag != _SR + "Request":
        return DuisError(DuisErrorKind.NOT_DUIS, f"root element is {_name(root)}, not sr:Request")
    parts = _envelope(root)
    if isinstance(parts, DuisError):
        return parts
    header_el, body_el, version = parts
    fields = _sequence(header_el, _REQUEST_HEADER)
    if isinstance(fields, DuisError):
        return fields
    try:
        request_id = RequestId.parse(_text(fields["RequestID"]))
        preceding = fields.get("PrecedingServiceRequestID")
        preceding_id = None if preceding is None else RequestId.parse(_text(preceding))
    except ValueError as exc:
        return DuisError(DuisErrorKind.INVALID_VALUE, str(exc), _line(header_el))
    first: bool | None = None
    if (first_el := fields.get("FirstInSequence")) is not None:
        first = _BOOLEAN.get(_text(first_el))
        if first is None:
            return _invalid(first_el, "FirstInSequence is not a boolean")
    cv_text = _text(fields["CommandVariant"])
    if cv_text not in _COMMAND_VARIANTS:
        return _invalid(fields["CommandVariant"], f"CommandVariant {cv_text[:20]!r} is not 1 to 8")
    srv_text = _text(fields["ServiceReferenceVariant"])
    variant = service_reference_variant(srv_text)
    if variant is None:
        return _invalid(
            fields["ServiceReferenceVariant"],
            f"ServiceReferenceVariant {srv_text[:20]!r} is not in the request matrix",
        )
    bodies = _elements(body_el)
    if len(bodies) != 1:
        return DuisError(
            DuisErrorKind.MISSING_ELEMENT if not bodies else DuisErrorKind.UNEXPECTED_ELEMENT,
            f"Body must hold exactly one element, found {len(bodies)}",
            _line(body_el),
        )
    body = bodies[0]
    if not body.tag.startswith(_SR):
        return DuisError(DuisErrorKind.UNEXPECTED_ELEMENT, f"{_name(body)} in Body", _line(body))
    execution: datetime | None = None
    execution_el = body.find(_SR + "ExecutionDateTime")
    if execution_el is not None:
        execution = parse_xs_datetime(_text(execution_el))
        if execution is None:
            return _invalid(execution_el, "ExecutionDateTime is not an xs:dateTime")
    header = RequestHeader(
        request_id=request_id,
        command_variant=_COMMAND_VARIANTS[cv_text],
        service_reference=_text(fields["ServiceReference"]),
        variant=variant,
        first_in_sequence=first,
        preceding_request_id=preceding_id,
    )
    return ServiceRequest(header, version, body, root, execution)


def response_from_root(root: etree._Element) -> ServiceResponse | DuisError:
    """A Service Response or Alert from an already parsed (trusted-parser) tree."""
    if root.tag != _SR + "Response":
        return DuisError(DuisErrorKind.NOT_DUIS, f"root element is {_name(root)}, not sr:Response")
    parts = _envelope(root)
    if isinstance(parts, DuisError):
        return parts
    header_el, body_el, version = parts
    fields = _sequence(header_el, _RESPONSE_HEADER)
    if isinstance(fields, DuisError):
        return fields
    try:
        request_el, response_el = fields.get("RequestID"), fields.get("ResponseID")
        request_id = None if request_el is None else RequestId.parse(_text(request_el))
        response_id = None if response_el is None else ResponseId.parse(_text(response_el))
    except ValueError as exc:
        return DuisError(DuisErrorKind.INVALID_VALUE, str(exc), _line(header_el))
    code_text = _text(fields["ResponseCode"])
    code = _RESPONSE_CODES.get(code_text)
    if code is None:
        return _invalid(fields["ResponseCode"], f"ResponseCode {code_text[:20]!r} is not DUIS")
    when = parse_xs_datetime(_text(fields["ResponseDateTime"]))
    if when is None:
        return _invalid(fields["ResponseDateTime"], "ResponseDateTime is not an xs:dateTime")
    bodies = _elements(body_el)
    kind = _BODY_KINDS.get(bodies[0].tag) if len(bodies) == 1 else None
    if kind is None:
        return DuisError(
            DuisErrorKind.UNEXPECTED_ELEMENT,
            "Body must hold one ResponseMessage, DeviceAlertMessage, DCCAlertMessage"
            " or SMETS1ResponseMessage",
            _line(body_el),
        )
    body = bodies[0]
    header = ResponseHeader(code, when, request_id, response_id)
    reference = variant = alert = None
    if kind in (ResponseBodyKind.RESPONSE_MESSAGE, ResponseBodyKind.SMETS1_RESPONSE_MESSAGE):
        items = _elements(body)
        if kind is ResponseBodyKind.RESPONSE_MESSAGE and (
            len(items) < 2
            or items[0].tag != _SR + "ServiceReference"
            or items[1].tag != _SR + "ServiceReferenceVariant"
        ):
            return DuisError(
                DuisErrorKind.MISSING_ELEMENT,
                "ResponseMessage must start with ServiceReference and ServiceReferenceVariant",
                _line(body),
            )
        reference_el = body.find(_SR + "ServiceReference")
        variant_el = body.find(_SR + "ServiceReferenceVariant")
        reference = None if reference_el is None else _text(reference_el)
        variant = None if variant_el is None else _text(variant_el)
    else:
        code_tag = "AlertCode" if kind is ResponseBodyKind.DEVICE_ALERT_MESSAGE else "DCCAlertCode"
        items = _elements(body)
        first = items[0] if items else None
        if first is None or first.tag != _SR + code_tag:
            return DuisError(
                DuisErrorKind.MISSING_ELEMENT, f"{kind.value} must start with {code_tag}"
            )
        alert = _text(first)
    return ServiceResponse(header, version, kind, body, root, reference, variant, alert)


def check_request(request: ServiceRequest) -> DuisError | None:
    """The request matrix's rules for this request's header and body, or None when all hold."""
    header = request.header
    variant = header.variant
    if header.service_reference != variant.service_reference:
        return DuisError(
            DuisErrorKind.SERVICE_REFERENCE_MISMATCH,
            f"ServiceReference {header.service_reference!r} does not match"
            f" ServiceReferenceVariant {variant.code} (expected {variant.service_reference})",
        )
    if header.command_variant not in variant.command_variants:
        allowed = ", ".join(str(int(cv)) for cv in sorted(variant.command_variants))
        return DuisError(
            DuisErrorKind.COMMAND_VARIANT_NOT_ALLOWED,
            f"Command Variant {int(header.command_variant)} is not allowed for {variant.code}"
            f" (allowed: {allowed})",
        )
    expected = variant.body_element_for(header.command_variant)
    if request.body_name != expected:
        return DuisError(
            DuisErrorKind.BODY_MISMATCH,
            f"body is {request.body_name}; {variant.code} with Command Variant"
            f" {int(header.command_variant)} carries {expected}",
        )
    return None


# --- helpers ---------------------------------------------------------------------------------

_REQUEST_HEADER: Final = (
    ("RequestID", True),
    ("FirstInSequence", False),
    ("PrecedingServiceRequestID", False),
    ("CommandVariant", True),
    ("ServiceReference", True),
    ("ServiceReferenceVariant", True),
)
_RESPONSE_HEADER: Final = (
    ("RequestID", False),
    ("ResponseID", False),
    ("ResponseCode", True),
    ("ResponseDateTime", True),
)
_COMMAND_VARIANTS: Final = {str(int(cv)): cv for cv in CommandVariant}
_RESPONSE_CODES: Final = {code.value: code for code in ResponseCode}


def _elements(parent: etree._Element) -> list[etree._Element]:
    """Child elements, skipping comments and processing instructions."""
    return [child for child in parent if isinstance(child.tag, str)]


def _name(element: etree._Element) -> str:
    tag = element.tag
    return tag if isinstance(tag, str) else "a non-element node"


def _line(element: etree._Element) -> int | None:
    line = element.sourceline
    return line if isinstance(line, int) else None


def _text(element: etree._Element) -> str:
    return (element.text or "").strip()


def _invalid(element: etree._Element, message: str) -> DuisError:
    return DuisError(DuisErrorKind.INVALID_VALUE, message, _line(element))


def _base64(element: etree._Element) -> bytes | DuisError:
    text = "".join((element.text or "").split())
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return _invalid(element, f"{etree.QName(element).localname} is not base64")


def _envelope(root: etree._Element) -> tuple[etree._Element, etree._Element, str] | DuisError:
    """Header, Body and schemaVersion of a Request or Response; Signature may follow."""
    children = _elements(root)
    if len(children) < 2 or children[0].tag != _SR + "Header" or children[1].tag != _SR + "Body":
        return DuisError(DuisErrorKind.MISSING_ELEMENT, "expected Header then Body", _line(root))
    extra = children[2:]
    if len(extra) > 1 or (extra and extra[0].tag != SIGNATURE_TAG):
        return DuisError(
            DuisErrorKind.UNEXPECTED_ELEMENT,
            f"{_name(extra[-1])} after Body (only one ds:Signature may follow it)",
            _line(extra[-1]),
        )
    version = (root.get("schemaVersion") or "").strip()
    if not _DECIMAL.match(version):
        return DuisError(
            DuisErrorKind.INVALID_VALUE,
            "schemaVersion is missing or not a decimal",
            _line(root),
        )
    return children[0], children[1], version


def _sequence(
    parent: etree._Element, spec: tuple[tuple[str, bool], ...]
) -> dict[str, etree._Element] | DuisError:
    """The children of ``parent`` matched in order against ``spec`` (name, required)."""
    found: dict[str, etree._Element] = {}
    children = _elements(parent)
    index = 0
    for name, required in spec:
        if index < len(children) and children[index].tag == _SR + name:
            found[name] = children[index]
            index += 1
        elif required:
            return DuisError(
                DuisErrorKind.MISSING_ELEMENT,
                f"{etree.QName(parent).localname} lacks {name}",
                _line(children[index]) if index < len(children) else _line(parent),
            )
    if index < len(children):
        return DuisError(
            DuisErrorKind.UNEXPECTED_ELEMENT,
            f"unexpected {_name(children[index])} in {etree.QName(parent).localname}",
            _line(children[index]),
        )
    return found
