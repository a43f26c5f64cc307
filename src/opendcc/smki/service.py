"""The SMKI certificate service of DCC Boxed (its port 8083), as pure request/response code.

DCC Boxed answers two XML requests, posted as ``application/xml`` (clients add the query
parameter ``apikey``, which DCC Boxed uses as a shared test key):

``POST /services/certificatesearch``::

    <CertificateSearchRequest>
      <CertificateSubjectName>90-B3-D5-1F-30-01-00-00</CertificateSubjectName>
    </CertificateSearchRequest>

naming an Organisation by ``CertificateSubjectName`` or a Device by
``CertificateSubjectAltName`` (EUI-64 as ``a1-a2-...-a8``). The answer lists one ``Result``
per certificate: ``CertificateSerial`` (upper-case hex), ``CertificateSubjectName`` or
``CertificateSubjectAltName``, ``CertificateStatus`` (P pending, I in use, N not in use,
E expired, R revoked), ``CertificateRole`` (organisation certificates only, decimal:
2 supplier, 127 other, 135 XML signing, ...), ``CertificateUsage`` (DS or KA) and
``ManufacturingFlag``, after ``ResponseCode`` 200, ``ResponseMessage`` and
``AuditReference``. Clients filter on usage, status and role themselves; this service
also honours ``CertificateUsage``, ``CertificateStatus`` and ``CertificateRole`` when a
request carries them.

``POST /services/retrievecertificate``::

    <CertificateDataRequest><CertificateSerial>4FBC5252...</CertificateSerial></CertificateDataRequest>

with the serial in hex, answered by a ``CertificateDataResponse`` whose
``CertificateResponse`` holds the same fields plus ``CertificateBody``, the DER
certificate in base64.

HTTP status 402 means nothing was found and 401 that the request is not valid; both come
with a small XML body. These facts come from the public DCC Boxed client
SmartDCCInnovation/dccboxed-keystore (``src/certificateSearch.ts``, its tests and
README) and SEC Appendix M, which it cites. The functions below take the request body
and return status, content type and body, so the hub mounts them on any HTTP server.
"""

from __future__ import annotations

import base64
import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from cryptography.hazmat.primitives import serialization
from lxml import etree

from opendcc.eui import Eui64
from opendcc.smki.directory import CertificateDirectory, CertificateRecord
from opendcc.smki.identity import KeyUsage, RemotePartyRole

SEARCH_PATH: Final = "/services/certificatesearch"
RETRIEVE_PATH: Final = "/services/retrievecertificate"
CONTENT_TYPE: Final = "application/xml; charset=utf-8"
MAX_REQUEST_BYTES: Final = 16 * 1024
"""Requests are a few hundred bytes; anything larger is refused before parsing."""

STATUS_FOUND: Final = 200
STATUS_INVALID: Final = 401
STATUS_NOT_FOUND: Final = 402
STATUS_TOO_LARGE: Final = 413

_DECLARATION: Final = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_USAGE_CODES: Final = {KeyUsage.DIGITAL_SIGNING: "DS", KeyUsage.KEY_AGREEMENT: "KA"}
_USAGE_BY_CODE: Final = {code: usage for usage, code in _USAGE_CODES.items()}
_MAX_SERIAL_HEX: Final = 40  # RFC 5280 allows serials of up to 20 octets
_PARSER: Final = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
)


class CertificateStatus(enum.Enum):
    """The SMKI status of a certificate, with the service's one-letter codes."""

    PENDING = "P"
    IN_USE = "I"
    NOT_IN_USE = "N"
    EXPIRED = "E"
    REVOKED = "R"


@dataclass(frozen=True, slots=True)
class CertificateSearchRequest:
    """A search by Organisation (``subject_name``) or Device (``subject_alt_name``) EUI."""

    subject_name: Eui64 | None = None
    subject_alt_name: Eui64 | None = None
    role: RemotePartyRole | None = None
    usage: KeyUsage | None = None
    status: CertificateStatus | None = None


@dataclass(frozen=True, slots=True)
class CertificateDataRequest:
    """A retrieval of one certificate by serial number."""

    serial: int


@dataclass(frozen=True, slots=True)
class ServiceError:
    """A request the service refuses: the HTTP status and why."""

    status: int
    message: str


@dataclass(frozen=True, slots=True)
class ServiceResponse:
    """What the HTTP layer sends back."""

    status: int
    body: bytes
    content_type: str = CONTENT_TYPE


@dataclass(frozen=True, slots=True)
class CertificateSummary:
    """One certificate as the service describes it."""

    record: CertificateRecord
    status: CertificateStatus

    @property
    def is_device(self) -> bool:
        return self.record.role is None


# --- requests ----------------------------------------------------------------------------------


def parse_search_request(body: bytes) -> CertificateSearchRequest | ServiceError:
    """Read a ``CertificateSearchRequest``; a ``ServiceError`` (401) says what is wrong."""
    fields = _fields(body, "CertificateSearchRequest")
    if isinstance(fields, ServiceError):
        return fields
    try:
        subject = _eui(fields.get("CertificateSubjectName"))
        alt = _eui(fields.get("CertificateSubjectAltName"))
        role = _role(fields.get("CertificateRole"))
        usage = _usage(fields.get("CertificateUsage"))
        status = _status(fields.get("CertificateStatus"))
    except ValueError as exc:
        return ServiceError(STATUS_INVALID, str(exc))
    if (subject is None) == (alt is None):
        return ServiceError(
            STATUS_INVALID,
            "exactly one of CertificateSubjectName and CertificateSubjectAltName is required",
        )
    if alt is not None and role is not None:
        return ServiceError(STATUS_INVALID, "Device Certificates have no CertificateRole")
    return CertificateSearchRequest(subject, alt, role, usage, status)


def parse_data_request(body: bytes) -> CertificateDataRequest | ServiceError:
    """Read a ``CertificateDataRequest``; a ``ServiceError`` (401) says what is wrong."""
    fields = _fields(body, "CertificateDataRequest")
    if isinstance(fields, ServiceError):
        return fields
    text = fields.get("CertificateSerial")
    if text is None:
        return ServiceError(STATUS_INVALID, "CertificateSerial is required")
    cleaned = text.strip()
    if not 0 < len(cleaned) <= _MAX_SERIAL_HEX or any(
        c not in "0123456789abcdefABCDEF" for c in cleaned
    ):
        return ServiceError(STATUS_INVALID, "CertificateSerial must be hexadecimal")
    return CertificateDataRequest(int(cleaned, 16))


def _fields(body: bytes, root_name: str) -> dict[str, str] | ServiceError:
    """The text of each child of the request's root element, by local name."""
    if len(body) > MAX_REQUEST_BYTES:
        return ServiceError(STATUS_TOO_LARGE, f"request larger than {MAX_REQUEST_BYTES} bytes")
    if b"<!DOCTYPE" in body:
        # Requests never need a DTD; refusing one closes entity-expansion attacks outright.
        return ServiceError(STATUS_INVALID, "a document type declaration is not allowed")
    try:
        root = etree.fromstring(body, _PARSER)
    except etree.XMLSyntaxError as exc:
        return ServiceError(STATUS_INVALID, f"not well-formed XML: {exc}")
    if root is None:
        return ServiceError(STATUS_INVALID, "empty request")
    if etree.QName(root).localname != root_name:
        return ServiceError(STATUS_INVALID, f"expected a {root_name}")
    fields: dict[str, str] = {}
    for child in root:
        if not isinstance(child.tag, str):
            continue  # comments and processing instructions
        name = etree.QName(child).localname
        if name in fields:
            return ServiceError(STATUS_INVALID, f"{name} given twice")
        if len(child):
            return ServiceError(STATUS_INVALID, f"{name} must be text")
        fields[name] = (child.text or "").strip()
    return fields


def _eui(text: str | None) -> Eui64 | None:
    if text is None:
        return None
    try:
        return Eui64.parse(text)
    except ValueError:
        raise ValueError(f"not an EUI-64: {text[:40]!r}") from None


def _role(text: str | None) -> RemotePartyRole | None:
    if text is None:
        return None
    if not text.isdigit() or len(text) > 3:
        raise ValueError(f"CertificateRole must be a decimal role code: {text[:40]!r}")
    try:
        return RemotePartyRole(int(text))
    except ValueError:
        raise ValueError(f"unknown CertificateRole {text}") from None


def _usage(text: str | None) -> KeyUsage | None:
    if text is None:
        return None
    usage = _USAGE_BY_CODE.get(text.upper())
    if usage is None:
        raise ValueError(f"CertificateUsage must be DS or KA: {text[:40]!r}")
    return usage


def _status(text: str | None) -> CertificateStatus | None:
    if text is None:
        return None
    try:
        return CertificateStatus(text.upper())
    except ValueError:
        raise ValueError(f"CertificateStatus must be one of P, I, N, E, R: {text[:40]!r}") from None


# --- answers -----------------------------------------------------------------------------------


def certificate_status(record: CertificateRecord, at: datetime) -> CertificateStatus:
    """Revoked, expired, pending (not yet valid) or in use, at ``at``."""
    if record.revoked_by(at):
        return CertificateStatus.REVOKED
    if at > record.not_after:
        return CertificateStatus.EXPIRED
    if at < record.not_before:
        return CertificateStatus.PENDING
    return CertificateStatus.IN_USE


def search(
    directory: CertificateDirectory, request: CertificateSearchRequest, at: datetime
) -> list[CertificateSummary]:
    """Every certificate matching ``request``: Digital Signing first, newest first."""
    device = request.subject_alt_name is not None
    eui = request.subject_alt_name if device else request.subject_name
    assert eui is not None
    usages = (request.usage,) if request.usage else tuple(KeyUsage)
    found = []
    for usage in usages:
        for record in directory.for_eui(eui, usage):
            if (record.role is None) != device or record.eui != eui:
                continue
            if request.role is not None and record.role is not request.role:
                continue
            status = certificate_status(record, at)
            if request.status is not None and status is not request.status:
                continue
            found.append(CertificateSummary(record, status))
    return found


def retrieve(
    directory: CertificateDirectory, request: CertificateDataRequest, at: datetime
) -> CertificateSummary | None:
    """The certificate with the requested serial, if it is an SMKI certificate."""
    record = directory.by_serial(request.serial)
    if record is None or record.eui is None or record.usage is None:
        return None
    return CertificateSummary(record, certificate_status(record, at))


def render_search_response(
    results: Iterable[CertificateSummary], audit_reference: str
) -> ServiceResponse:
    """A ``CertificateSearchResponse``: 200 with results, 402 with none."""
    listed = list(results)
    if not listed:
        return _answer("CertificateSearchResponse", STATUS_NOT_FOUND, audit_reference)
    root = _response_root("CertificateSearchResponse", STATUS_FOUND, audit_reference)
    for summary in listed:
        _describe(etree.SubElement(root, "Result"), summary, with_body=False)
    return ServiceResponse(STATUS_FOUND, _serialise(root))


def render_data_response(
    summary: CertificateSummary | None, audit_reference: str
) -> ServiceResponse:
    """A ``CertificateDataResponse``: 200 with the certificate, 402 without one."""
    if summary is None:
        return _answer("CertificateDataResponse", STATUS_NOT_FOUND, audit_reference)
    root = _response_root("CertificateDataResponse", STATUS_FOUND, audit_reference)
    _describe(etree.SubElement(root, "CertificateResponse"), summary, with_body=True)
    return ServiceResponse(STATUS_FOUND, _serialise(root))


def render_error(error: ServiceError, root_name: str, audit_reference: str) -> ServiceResponse:
    return _answer(root_name, error.status, audit_reference, error.message)


def certificate_search(
    directory: CertificateDirectory, body: bytes, *, at: datetime, audit_reference: str
) -> ServiceResponse:
    """``POST /services/certificatesearch``: the whole exchange, body in, response out."""
    request = parse_search_request(body)
    if isinstance(request, ServiceError):
        return render_error(request, "CertificateSearchResponse", audit_reference)
    return render_search_response(search(directory, request, at), audit_reference)


def retrieve_certificate(
    directory: CertificateDirectory, body: bytes, *, at: datetime, audit_reference: str
) -> ServiceResponse:
    """``POST /services/retrievecertificate``: the whole exchange, body in, response out."""
    request = parse_data_request(body)
    if isinstance(request, ServiceError):
        return render_error(request, "CertificateDataResponse", audit_reference)
    return render_data_response(retrieve(directory, request, at), audit_reference)


def make_audit_reference(at: datetime, sequence: int) -> str:
    """An AuditReference in DCC Boxed's shape: seconds since the epoch, dash, a sequence."""
    return f"{int(at.timestamp())}-{sequence & 0xFFFFFFFFF:09x}"


_MESSAGES: Final = {
    STATUS_FOUND: "Success",
    STATUS_INVALID: "Invalid request",
    STATUS_NOT_FOUND: "No certificates found",
    STATUS_TOO_LARGE: "Request too large",
}


def _response_root(
    name: str, status: int, audit_reference: str, detail: str = ""
) -> etree._Element:
    root = etree.Element(name)
    etree.SubElement(root, "ResponseCode").text = str(status)
    message = _MESSAGES.get(status, "Error")
    etree.SubElement(root, "ResponseMessage").text = f"{message}: {detail}" if detail else message
    etree.SubElement(root, "AuditReference").text = audit_reference
    return root


def _answer(name: str, status: int, audit_reference: str, detail: str = "") -> ServiceResponse:
    return ServiceResponse(
        status, _serialise(_response_root(name, status, audit_reference, detail))
    )


def _describe(parent: etree._Element, summary: CertificateSummary, *, with_body: bool) -> None:
    record = summary.record
    assert record.eui is not None and record.usage is not None
    subject = "CertificateSubjectAltName" if summary.is_device else "CertificateSubjectName"
    # Element order as DCC Boxed writes them in each response.
    if with_body:
        etree.SubElement(parent, subject).text = str(record.eui)
        etree.SubElement(parent, "CertificateSerial").text = f"{record.serial:X}"
    else:
        etree.SubElement(parent, "CertificateSerial").text = f"{record.serial:X}"
        etree.SubElement(parent, subject).text = str(record.eui)
    etree.SubElement(parent, "CertificateStatus").text = summary.status.value
    if with_body:
        der = record.certificate.public_bytes(serialization.Encoding.DER)
        etree.SubElement(parent, "CertificateBody").text = _base64_lines(der)
    if record.role is not None:
        etree.SubElement(parent, "CertificateRole").text = str(record.role.value)
    etree.SubElement(parent, "CertificateUsage").text = _USAGE_CODES[record.usage]
    etree.SubElement(parent, "ManufacturingFlag").text = "false"


def _base64_lines(der: bytes) -> str:
    # 64-character lines, the PEM body layout, which every client's PEM wrapper accepts.
    text = base64.b64encode(der).decode("ascii")
    return "\n".join(text[i : i + 64] for i in range(0, len(text), 64))


def _serialise(root: etree._Element) -> bytes:
    return _DECLARATION + etree.tostring(root, encoding="UTF-8", xml_declaration=False)
