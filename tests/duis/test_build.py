"""Builders: every Response shape the hub sends, read back through the parser."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta, timezone

import pytest
from lxml import etree

from opendcc.duis.build import (
    acknowledgement,
    dcc_alert_message,
    device_alert_message,
    dsp_schedule_id,
    dsp_scheduled_message,
    local_command,
    pre_command,
    request_document,
    response_document,
    service_response,
    set_request_counter,
    sr,
    to_bytes,
)
from opendcc.duis.codes import DccAlertCode, ResponseCode
from opendcc.duis.errors import DuisError
from opendcc.duis.ids import RequestId
from opendcc.duis.messages import (
    ResponseBodyKind,
    ResponseHeader,
    ServiceRequest,
    ServiceResponse,
    parse_request,
    parse_response,
)
from opendcc.duis.timestamps import format_response_datetime, parse_xs_datetime
from tests.duis.conftest import read_registers, read_registers_header
from tests.duis.pki import DCC, DEVICE, SUPPLIER

AT = datetime(2025, 3, 4, 5, 6, 7, 891_234, tzinfo=UTC)


def _response(root: etree._Element) -> ServiceResponse:
    parsed = parse_response(to_bytes(root))
    assert isinstance(parsed, ServiceResponse), parsed
    return parsed


def test_acknowledgement_carries_only_the_request_id() -> None:
    response = _response(acknowledgement(read_registers_header(12), ResponseCode.I99, AT))
    assert response.header == ResponseHeader(
        ResponseCode.I99, AT.replace(microsecond=891_000), RequestId(SUPPLIER, DEVICE, 12)
    )
    assert response.header.response_id is None
    assert response.body_kind is ResponseBodyKind.RESPONSE_MESSAGE
    assert (response.service_reference, response.service_reference_variant) == ("4.1", "4.1.1")
    assert response.content is None


def test_response_date_time_is_utc_with_milliseconds() -> None:
    local = AT.astimezone(timezone(timedelta(hours=5)))
    assert format_response_datetime(local) == "2025-03-04T05:06:07.891Z"
    assert parse_xs_datetime("2025-03-04T05:06:07.891Z") == AT.replace(microsecond=891_000)
    assert parse_xs_datetime("2025-03-04T10:06:07+05:00") == AT.replace(microsecond=0)
    assert parse_xs_datetime("2025-03-04T05:06:07") == AT.replace(microsecond=0)
    assert parse_xs_datetime("2025-02-30T00:00:00Z") is None
    with pytest.raises(ValueError):
        format_response_datetime(datetime(2025, 1, 1))


@pytest.mark.parametrize(
    ("content", "tag", "payload"),
    [
        (None, None, None),
        (pre_command("4.0", b"\x01\x02"), "PreCommand", b"\x01\x02"),
        (local_command(b"\x03"), "LocalCommand", b"\x03"),
        (dsp_schedule_id(123), "DSPScheduleID", None),
        (dsp_scheduled_message(b"\x04", 9), "DSPScheduledMessage", b"\x04"),
        (sr("DSPInventory", children=[sr("Device")]), "DSPInventory", None),
    ],
)
def test_response_messages(
    content: etree._Element | None, tag: str | None, payload: bytes | None
) -> None:
    response = _response(service_response(read_registers_header(3), ResponseCode.I0, AT, content))
    assert response.header.response_id == RequestId(SUPPLIER, DEVICE, 3).response_id()
    found = response.content
    assert (None if found is None else etree.QName(found).localname) == tag
    assert response.gbcs_payload() == payload


def test_non_device_responses_leave_out_the_response_id() -> None:
    response = _response(
        service_response(read_registers_header(), ResponseCode.I0, AT, with_response_id=False)
    )
    assert response.header.response_id is None


def test_device_alert() -> None:
    header = ResponseHeader(
        ResponseCode.I0, AT, response_id=RequestId(SUPPLIER, DEVICE, 77).response_id()
    )
    body = device_alert_message(0x8F66, b"\xdd\x00", throttled_sequence_id=4, throttled_count=2)
    response = _response(response_document(header, body))
    assert response.body_kind is ResponseBodyKind.DEVICE_ALERT_MESSAGE
    assert response.alert_code == "8F66"
    assert response.gbcs_payload() == b"\xdd\x00"
    assert [etree.QName(e).localname for e in response.body] == [
        "AlertCode",
        "ThrottledAlertSequenceId",
        "ThrottledAlertCount",
        "GBCSPayload",
    ]
    with pytest.raises(ValueError):
        device_alert_message(0x10000, b"")


def test_dcc_alert() -> None:
    header = ResponseHeader(
        ResponseCode.I0, AT, response_id=RequestId(SUPPLIER, DCC, 8).response_id()
    )
    event = sr("PowerOutageEvent", children=[sr("DeviceID", str(DEVICE))])
    response = _response(response_document(header, dcc_alert_message(DccAlertCode.N24, event)))
    assert response.body_kind is ResponseBodyKind.DCC_ALERT_MESSAGE
    assert response.alert_code == "N24"
    assert response.body.find("{*}DCCAlert/{*}PowerOutageEvent/{*}DeviceID") is not None


def test_built_documents_are_compact() -> None:
    data = to_bytes(
        service_response(read_registers_header(), ResponseCode.I0, AT, local_command(b"1"))
    )
    assert data.startswith(b'<?xml version="1.0" encoding="UTF-8"?><sr:Response ')
    assert b"\n" not in data and b"> <" not in data
    assert base64.b64encode(b"1") in data


def test_text_values_are_escaped() -> None:
    root = request_document(
        read_registers_header(), sr("ReadInstantaneousImportRegisters"), schema_version='5.4"&<'
    )
    assert root.get("schemaVersion") == '5.4"&<'


def test_set_request_counter() -> None:
    root = read_registers(counter=1)
    assert set_request_counter(root, 1655397248260) is None
    request = parse_request(to_bytes(root))
    assert isinstance(request, ServiceRequest)
    assert request.header.request_id.counter == 1655397248260
    assert isinstance(set_request_counter(sr("NotARequest"), 1), DuisError)
