"""DUIS Responses and Alerts: one record per body kind, header facts, the response code's
meaning, the XML signature, DSP bodies, and the GBCS inside."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from opendcc.duis import build
from opendcc.duis.codes import DccAlertCode, ResponseCode
from opendcc.duis.messages import RequestHeader, ServiceRequest, parse_request
from opendcc.duis.signature import SigningIdentity, sign_to_bytes
from opendcc.eui import DCC_ACCESS_CONTROL_BROKER
from opendcc.parse import (
    DccAlertRecord,
    DeviceAlertRecord,
    ParseError,
    Parser,
    ServiceResponseRecord,
    ValueKind,
)
from opendcc.smki.identity import RemotePartyRole
from opendcc.smki.keystore import Keystore
from tests.reference import require_reference

AT = datetime(2015, 1, 1, 0, 0, 5, tzinfo=UTC)


@pytest.fixture(scope="module")
def keys() -> Keystore:
    """The User's keys (the RTDS supplier's, with the Devices' certificates) and the DCC's
    XML signing certificate (DCC Boxed)."""
    return Keystore.load(
        require_reference("gbcs", "keystore"), require_reference("keys", "dccboxed")
    )


@pytest.fixture(scope="module")
def parser(keys: Keystore) -> Parser:
    return Parser(keys)


@pytest.fixture(scope="module")
def dcc(keys: Keystore) -> SigningIdentity:
    entry = keys.signer(DCC_ACCESS_CONTROL_BROKER, roles=[RemotePartyRole.DSP_XML_SIGNING])
    assert entry is not None
    return SigningIdentity.from_entry(entry)


def _header(template: str) -> RequestHeader:
    path = require_reference("duis", "templates", template)
    request = parse_request(path.read_bytes())
    assert isinstance(request, ServiceRequest)
    return request.header


def _vector(folder: str, name: str) -> bytes:
    path = require_reference("gbcs", "rtds", folder, f"{name}_GBCS.HEX")
    return bytes.fromhex(path.read_text().strip())


@pytest.mark.conformance
def test_a_signed_service_response_with_a_protected_read(
    parser: Parser, dcc: SigningIdentity
) -> None:
    header = _header("ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS.XML")
    payload = _vector("4.1.1_ECS17b", "ECS17b_4.1.1_SINGLE_SUCCESS_RESPONSE")
    root = build.service_response(header, ResponseCode.I0, AT, build.gbcs_payload(payload))
    record = parser.parse(sign_to_bytes(root, dcc))
    assert isinstance(record, ServiceResponseRecord)
    assert record.kind == "service_response"
    assert record.duis_signature is not None and record.duis_signature.valid is True
    facts = record.header
    assert facts is not None
    assert facts.response_code == "I0" and facts.response_code_meaning == "Success"
    assert facts.originator == "90-B3-D5-1F-30-01-00-00"
    assert facts.target == "00-DB-12-34-56-78-90-A0" and facts.counter == 1000
    assert facts.response_datetime == AT
    assert record.service_reference_variant == "4.1.1"
    assert record.service_request_name == "Read Instantaneous Import Registers"
    assert record.content == "GBCSPayload"
    gbcs = record.gbcs
    assert gbcs is not None and gbcs.mac.valid is True and gbcs.decrypted_blocks == 1
    register = gbcs.value("ActiveImportRegister")
    assert register is not None
    assert (register.value, register.unit, register.kind) == (
        Decimal("0.01"),
        "kWh",
        ValueKind.ENERGY,
    )
    document = record.to_json()
    assert document["response"]["service_reference_variant"] == "4.1.1"
    assert document["gbcs"]["values"][0]["value"] == "0.01"


@pytest.mark.conformance
def test_a_tampered_response_still_parses_and_says_its_signature_fails(
    parser: Parser, dcc: SigningIdentity
) -> None:
    header = _header("ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS.XML")
    payload = _vector("4.1.1_ECS17b", "ECS17b_4.1.1_SINGLE_SUCCESS_RESPONSE")
    signed = sign_to_bytes(
        build.service_response(header, ResponseCode.I0, AT, build.gbcs_payload(payload)), dcc
    )
    tampered = signed.replace(b"<sr:ResponseCode>I0<", b"<sr:ResponseCode>I99<")
    record = parser.parse(tampered)
    assert record.duis_signature is not None and record.duis_signature.valid is False
    assert record.header is not None and record.header.response_code == "I99"


def _alert_document(message: etree._Element, response_id: str | None = None) -> bytes:
    """A DUIS alert: a header without RequestID, the alert message as the body."""
    identifier = f"<sr:ResponseID>{response_id}</sr:ResponseID>" if response_id else ""
    root = etree.fromstring(
        '<sr:Response xmlns:sr="http://www.dccinterface.co.uk/ServiceUserGateway" '
        f'schemaVersion="5.4"><sr:Header>{identifier}<sr:ResponseCode>I0</sr:ResponseCode>'
        "<sr:ResponseDateTime>2030-01-15T09:00:05.000Z</sr:ResponseDateTime></sr:Header>"
        "<sr:Body/></sr:Response>"
    )
    root[1].append(message)
    return build.to_bytes(root)


@pytest.mark.conformance
def test_a_device_alert(parser: Parser) -> None:
    payload = _vector(
        "1.1.1_ECS01a", "ECS01a_1.1.1_8F66_FUTURE_DATED_TOU_BLOCK_SUCCESS_ALERT_CURRENCY_UNIT"
    )
    message = build.device_alert_message(0x8F66, payload, throttled_count=3)
    record = parser.parse(
        _alert_document(message, "00-DB-12-34-56-78-90-A0:90-B3-D5-1F-30-01-00-00:1008")
    )
    assert isinstance(record, DeviceAlertRecord)
    assert record.alert_code == "8F66"
    assert record.alert_name and "Successfully Actioned" in record.alert_name
    assert any(d.name == "ThrottledAlertCount" and d.value == "3" for d in record.details)
    assert record.header is not None and record.header.request_id is None
    gbcs = record.gbcs
    assert gbcs is not None and gbcs.signature.valid is True
    when = gbcs.value("AlertDateTime")
    assert when is not None and when.value == datetime(2030, 1, 15, 9, tzinfo=UTC)
    assert record.to_json()["alert"]["source"] == "device"


def test_a_dcc_alert(parser: Parser) -> None:
    outage = build.sr("PowerOutageEvent")
    for name, text in (
        ("DeviceID", "00-DB-12-34-56-78-90-A2"),
        ("PowerOutageStart", "2015-01-01T00:00:00Z"),
    ):
        child = build.sr(name)
        child.text = text
        outage.append(child)
    record = parser.parse(_alert_document(build.dcc_alert_message(DccAlertCode.N24, outage)))
    assert isinstance(record, DccAlertRecord)
    assert record.alert_code == "N24" and record.body == "PowerOutageEvent"
    values = {d.name: d.value for d in record.details}
    assert values["PowerOutageEvent/DeviceID"] == "00-DB-12-34-56-78-90-A2"
    assert values["PowerOutageEvent/PowerOutageStart"] == datetime(2015, 1, 1, tzinfo=UTC)
    assert record.to_json()["alert"]["source"] == "dcc"


@pytest.mark.conformance
def test_an_error_response_without_payload_gives_the_codes_meaning(parser: Parser) -> None:
    header = _header("ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS.XML")
    root = build.service_response(header, ResponseCode.E19, AT)
    record = parser.parse(build.to_bytes(root))
    assert isinstance(record, ServiceResponseRecord)
    assert record.header is not None
    assert record.header.response_code_meaning == "The Device is not known"
    assert record.header.response_category == "error"
    assert record.gbcs is None and record.content is None
    assert record.duis_signature is not None and record.duis_signature.present is False


@pytest.mark.conformance
def test_an_unreadable_gbcs_payload_is_a_problem_not_a_failure(parser: Parser) -> None:
    header = _header("ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS.XML")
    root = build.service_response(header, ResponseCode.I0, AT, build.gbcs_payload(b"\xdd\x00junk"))
    record = parser.parse(build.to_bytes(root))
    assert record.gbcs is None
    assert record.problems and "not a GBCS message" in record.problems[0]


@pytest.mark.conformance
@pytest.mark.parametrize(
    ("sample", "valid"),
    [
        ("readfw-response.xml", True),
        ("readfw-response-badsignature.xml", False),
        ("readfw-response-invalid.xml", False),
        ("readfw-response-no-signature.xml", None),
    ],
)
def test_dcc_boxed_samples_and_their_signatures(
    sample: str, valid: bool | None, parser: Parser
) -> None:
    path: Path = require_reference("duis", "samples", sample)
    record = parser.parse(path.read_bytes())
    assert isinstance(record, ServiceResponseRecord)
    assert record.duis_signature is not None and record.duis_signature.valid is valid
    assert record.service_request_name == "Read Firmware Version"
    assert record.gbcs is not None and record.gbcs.value("FirmwareVersion") is not None


@pytest.mark.conformance
def test_a_dsp_inventory_is_read_by_element(parser: Parser) -> None:
    path = require_reference("duis", "samples", "read-inventory-response-5.4.xml")
    record = parser.parse(path.read_bytes())
    assert isinstance(record, ServiceResponseRecord)
    assert record.content == "DSPInventory" and record.gbcs is None
    values = {v.name: v.value for v in record.dsp}
    assert values["DSPInventory/Device[1]/DeviceType"] == "CHF"
    assert values["DSPInventory/Device[3]/DeviceStatus"] == "InstalledNotCommissioned"


@pytest.mark.conformance
def test_hostile_samples_are_refused_with_parse_error(parser: Parser) -> None:
    path = require_reference("duis", "samples", "duis-xxe.xml")
    with pytest.raises(ParseError, match="DTD"):
        parser.parse(path.read_bytes())


def test_input_forms() -> None:
    parser = Parser()
    with pytest.raises(ParseError, match="empty"):
        parser.parse(b"  \n")
    with pytest.raises(ParseError, match="odd number"):
        parser.parse(b"DD0")
    with pytest.raises(ParseError, match="not a GBCS message"):
        parser.parse(b"\x01\x02\x03")
    with pytest.raises(ParseError, match="not a DUIS"):
        parser.parse(b"<html/>")
