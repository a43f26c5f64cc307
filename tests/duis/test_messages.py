from __future__ import annotations

from datetime import UTC, datetime

import pytest
from lxml import etree

from opendcc.duis.build import (
    request_document,
    service_response,
    signed_pre_command,
    sr,
    to_bytes,
)
from opendcc.duis.codes import ResponseCode
from opendcc.duis.command_variant import CommandVariant
from opendcc.duis.errors import DuisError, DuisErrorKind
from opendcc.duis.ids import RequestId
from opendcc.duis.matrix import REQUEST_MATRIX
from opendcc.duis.messages import (
    RequestHeader,
    ResponseBodyKind,
    ServiceRequest,
    ServiceResponse,
    check_request,
    parse_message,
    parse_request,
    parse_response,
)
from tests.duis.conftest import read_registers, read_registers_header
from tests.duis.pki import DEVICE, SUPPLIER

SR = "http://www.dccinterface.co.uk/ServiceUserGateway"


def _request(data: bytes) -> ServiceRequest:
    parsed = parse_request(data)
    assert isinstance(parsed, ServiceRequest), parsed
    return parsed


def _error(result: object) -> DuisError:
    assert isinstance(result, DuisError), result
    return result


def test_a_request_header_is_read_into_typed_values() -> None:
    request = _request(to_bytes(read_registers(counter=42)))
    header = request.header
    assert header.request_id == RequestId(SUPPLIER, DEVICE, 42)
    assert header.command_variant is CommandVariant.NON_CRITICAL_SM_WAN
    assert header.command_variant.endpoint.value == "serviceS"
    assert header.service_reference == "4.1"
    assert header.variant is REQUEST_MATRIX["4.1.1"]
    assert header.service_reference_variant == "4.1.1"
    assert request.body_name == "ReadInstantaneousImportRegisters"
    assert request.schema_version == "5.4"
    assert request.signature is None
    assert check_request(request) is None


def test_pretty_printed_and_compact_requests_parse_to_the_same_tree() -> None:
    compact = to_bytes(read_registers())
    pretty = etree.tostring(etree.fromstring(compact), pretty_print=True)
    a, b = _request(compact), _request(pretty)
    assert etree.tostring(a.root, method="c14n") == etree.tostring(b.root, method="c14n")


def test_optional_header_fields_and_execution_datetime() -> None:
    variant = REQUEST_MATRIX["4.1.1"]
    header = RequestHeader(
        request_id=RequestId(SUPPLIER, DEVICE, 7),
        command_variant=CommandVariant.NON_CRITICAL_SM_WAN,
        service_reference="4.1",
        variant=variant,
        first_in_sequence=True,
        preceding_request_id=RequestId(SUPPLIER, DEVICE, 6),
    )
    body = sr(
        "ReadInstantaneousImportRegisters",
        children=[sr("ExecutionDateTime", "3000-12-31T00:00:00Z")],
    )
    request = _request(to_bytes(request_document(header, body)))
    assert request.header == header
    assert request.execution_datetime == datetime(3000, 12, 31, tzinfo=UTC)
    assert request.cancels_future_dated


def test_signed_pre_command_bodies_carry_the_gbcs_payload() -> None:
    variant = REQUEST_MATRIX["1.6"]
    header = RequestHeader(
        RequestId(SUPPLIER, DEVICE, 9), CommandVariant.SIGNED_PRE_COMMAND_SM_WAN, "1.6", variant
    )
    when = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
    request = _request(to_bytes(request_document(header, signed_pre_command(b"\xde\x01", when))))
    assert request.body_name == "SignedPreCommand"
    assert request.signed_pre_command() == b"\xde\x01"
    assert request.execution_datetime == when
    assert check_request(request) is None
    other = _request(to_bytes(read_registers()))
    assert _error(other.signed_pre_command()).kind is DuisErrorKind.BODY_MISMATCH


@pytest.mark.parametrize(
    ("edit", "kind"),
    [
        (lambda r: r.remove(r[0]), DuisErrorKind.MISSING_ELEMENT),
        (lambda r: r[0].remove(r[0][0]), DuisErrorKind.MISSING_ELEMENT),
        (lambda r: r[0].insert(0, r[0][3]), DuisErrorKind.MISSING_ELEMENT),
        (lambda r: r[0].append(sr("Extra")), DuisErrorKind.UNEXPECTED_ELEMENT),
        (lambda r: r.append(sr("Extra")), DuisErrorKind.UNEXPECTED_ELEMENT),
        (lambda r: r[1].append(sr("Second")), DuisErrorKind.UNEXPECTED_ELEMENT),
        (lambda r: r[1].remove(r[1][0]), DuisErrorKind.MISSING_ELEMENT),
        (lambda r: setattr(r[0][0], "text", "nonsense"), DuisErrorKind.INVALID_VALUE),
        (lambda r: setattr(r[0][1], "text", "9"), DuisErrorKind.INVALID_VALUE),
        (lambda r: setattr(r[0][1], "text", "x"), DuisErrorKind.INVALID_VALUE),
        (lambda r: setattr(r[0][3], "text", "4.1.9"), DuisErrorKind.INVALID_VALUE),
        (lambda r: r.attrib.pop("schemaVersion"), DuisErrorKind.INVALID_VALUE),
        (lambda r: r.set("schemaVersion", "five"), DuisErrorKind.INVALID_VALUE),
        (lambda r: setattr(r, "tag", "{urn:other}Request"), DuisErrorKind.NOT_DUIS),
    ],
)
def test_structural_faults_are_typed_errors(edit: object, kind: DuisErrorKind) -> None:
    root = read_registers()
    edit(root)  # type: ignore[operator]
    assert _error(parse_request(to_bytes(root))).kind is kind


def test_matrix_rules_are_checked_separately() -> None:
    root = read_registers()
    root[0][2].text = "4.2"
    assert _error(check_request(_request(to_bytes(root)))).kind is (
        DuisErrorKind.SERVICE_REFERENCE_MISMATCH
    )
    root = read_registers()
    root[0][1].text = "4"
    assert _error(check_request(_request(to_bytes(root)))).kind is (
        DuisErrorKind.COMMAND_VARIANT_NOT_ALLOWED
    )
    root = read_registers()
    root[1][0].tag = f"{{{SR}}}ReadInstantaneousExportRegisters"
    assert _error(check_request(_request(to_bytes(root)))).kind is DuisErrorKind.BODY_MISMATCH


def test_the_6_20_variants_belong_to_service_reference_6_20() -> None:
    variant = REQUEST_MATRIX["6.20.1"]
    header = RequestHeader(RequestId(SUPPLIER, DEVICE, 1), CommandVariant(1), "6.2", variant)
    body = sr("SetDeviceConfigurationImportMPxN")
    request = _request(to_bytes(request_document(header, body)))
    assert _error(check_request(request)).kind is DuisErrorKind.SERVICE_REFERENCE_MISMATCH


def test_a_response_header_and_body_are_read() -> None:
    at = datetime(2022, 8, 17, 15, 45, 42, 790_000, tzinfo=UTC)
    root = service_response(
        read_registers_header(5), ResponseCode.I0, at, sr("GBCSPayload", "3QA=")
    )
    response = parse_response(to_bytes(root))
    assert isinstance(response, ServiceResponse), response
    assert response.header.response_code is ResponseCode.I0
    assert response.header.response_datetime == at
    assert response.header.request_id == RequestId(SUPPLIER, DEVICE, 5)
    assert response.header.response_id == RequestId(SUPPLIER, DEVICE, 5).response_id()
    assert response.body_kind is ResponseBodyKind.RESPONSE_MESSAGE
    assert (response.service_reference, response.service_reference_variant) == ("4.1", "4.1.1")
    assert response.gbcs_payload() == b"\xdd\x00"
    assert isinstance(parse_message(to_bytes(root)), ServiceResponse)


@pytest.mark.parametrize(
    ("edit", "kind"),
    [
        (lambda h: setattr(h[2], "text", "E999"), DuisErrorKind.INVALID_VALUE),
        (lambda h: setattr(h[3], "text", "yesterday"), DuisErrorKind.INVALID_VALUE),
        (lambda h: setattr(h[1], "text", "x:y:1"), DuisErrorKind.INVALID_VALUE),
        (lambda h: h.remove(h[2]), DuisErrorKind.MISSING_ELEMENT),
    ],
)
def test_response_header_faults_are_typed_errors(edit: object, kind: DuisErrorKind) -> None:
    at = datetime(2022, 8, 17, tzinfo=UTC)
    root = service_response(read_registers_header(), ResponseCode.I0, at)
    edit(root[0])  # type: ignore[operator]
    assert _error(parse_response(to_bytes(root))).kind is kind


def test_a_request_is_not_a_response() -> None:
    data = to_bytes(read_registers())
    assert _error(parse_response(data)).kind is DuisErrorKind.NOT_DUIS
    assert isinstance(parse_message(data), ServiceRequest)
