"""Schema loading (the space-named import, caching) and schema-validity of what opendcc builds."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml import etree

from opendcc.duis.build import (
    acknowledgement,
    dcc_alert_message,
    device_alert_message,
    dsp_schedule_id,
    dsp_scheduled_message,
    gbcs_payload,
    local_command,
    pre_command,
    request_document,
    response_document,
    service_response,
    signed_pre_command,
    sr,
    to_bytes,
)
from opendcc.duis.codes import DccAlertCode, ResponseCode
from opendcc.duis.command_variant import CommandVariant
from opendcc.duis.errors import DuisError, DuisErrorKind
from opendcc.duis.ids import RequestId
from opendcc.duis.matrix import REQUEST_MATRIX
from opendcc.duis.messages import RequestHeader, ResponseHeader
from opendcc.duis.parsing import parse_document
from opendcc.duis.schema import DuisSchema, load_schema, validate
from opendcc.duis.signature import sign_to_bytes
from tests.duis.conftest import read_registers, read_registers_header
from tests.duis.pki import DCC, DEVICE, SUPPLIER, TestCa
from tests.reference import require_reference

pytestmark = pytest.mark.conformance

AT = datetime(2025, 6, 1, 12, 0, 0, 123_000, tzinfo=UTC)


@pytest.fixture(scope="module")
def schema_dir() -> Path:
    return require_reference("duis", "xsd")


@pytest.fixture(scope="module")
def schema(schema_dir: Path) -> DuisSchema:
    loaded = load_schema(schema_dir)
    assert isinstance(loaded, DuisSchema), loaded
    return loaded


def test_the_schema_is_loaded_once_per_directory(schema_dir: Path, schema: DuisSchema) -> None:
    assert load_schema(schema_dir) is schema
    assert load_schema(str(schema_dir) + "/") is schema


def test_the_configured_directory_is_used(
    schema_dir: Path, schema: DuisSchema, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENDCC_DUIS_SCHEMA_DIR", str(schema_dir))
    assert load_schema() is schema
    assert validate(read_registers()) is None


def test_a_directory_without_the_mmc_import_is_unavailable(
    schema_dir: Path, tmp_path: Path
) -> None:
    for name in ("DUIS Schema V5.4.xsd", "xmldsig-core-schema.xsd"):
        shutil.copy(schema_dir / name, tmp_path / name)
    broken = load_schema(tmp_path)
    assert isinstance(broken, DuisError) and broken.kind is DuisErrorKind.SCHEMA_UNAVAILABLE
    assert isinstance(load_schema(tmp_path / "absent"), DuisError)


def test_the_first_error_is_reported(schema: DuisSchema) -> None:
    root = read_registers()
    root[0][2].text = "4.99"
    problem = schema.validate(root)
    assert problem is not None and problem.kind is DuisErrorKind.SCHEMA_INVALID
    assert "ServiceReference" in problem.message


def _header(code: str, cv: int) -> RequestHeader:
    variant = REQUEST_MATRIX[code]
    return RequestHeader(
        RequestId(SUPPLIER, DEVICE, 5), CommandVariant(cv), variant.service_reference, variant
    )


def _documents() -> dict[str, etree._Element]:
    request = read_registers_header(5)
    inventory = sr(
        "DSPInventory",
        children=[
            sr(
                "Device",
                children=[
                    sr("DeviceID", str(DEVICE)),
                    sr("DeviceType", "ESME"),
                    sr("DeviceStatus", "Commissioned"),
                    sr("DeviceManufacturer", "MFG1"),
                    sr("DeviceModel", "9001"),
                ],
            )
        ],
    )
    outage = sr(
        "PowerOutageEvent",
        children=[
            sr("CommsHubDeviceID", "00-DB-12-34-56-78-90-A2"),
            sr("StartDateTime", "2025-06-01T11:00:00Z"),
            sr("MPxN", "1234567890123"),
        ],
    )
    alert_id = RequestId(SUPPLIER, DEVICE, 9).response_id()
    return {
        "request": read_registers(),
        "signed pre-command request": request_document(
            _header("1.6", 5), signed_pre_command(b"\xde\x00", AT)
        ),
        "acknowledgement I99": acknowledgement(request, ResponseCode.I99, AT),
        "acknowledgement E12": acknowledgement(request, ResponseCode.E12, AT),
        "GBCSPayload": service_response(request, ResponseCode.I0, AT, gbcs_payload(b"\xdd\x00")),
        "PreCommand": service_response(
            _header("1.6", 4), ResponseCode.I0, AT, pre_command("4.0", b"\xde\x00")
        ),
        "LocalCommand": service_response(
            _header("4.1.1", 2), ResponseCode.I0, AT, local_command(b"\xdd\x00")
        ),
        "DSPScheduleID": service_response(
            _header("5.1", 8), ResponseCode.I0, AT, dsp_schedule_id(42), with_response_id=False
        ),
        "DSPScheduledMessage": service_response(
            _header("4.1.1", 1), ResponseCode.I0, AT, dsp_scheduled_message(b"\xdd", 42)
        ),
        "DSPInventory": service_response(
            _header("8.2", 8), ResponseCode.I0, AT, inventory, with_response_id=False
        ),
        "DeviceAlertMessage": response_document(
            ResponseHeader(ResponseCode.I0, AT, response_id=alert_id),
            device_alert_message(0x8F66, b"\xdd\x00", throttled_sequence_id=1, throttled_count=3),
        ),
        "DCCAlertMessage": response_document(
            ResponseHeader(
                ResponseCode.I0, AT, response_id=RequestId(SUPPLIER, DCC, 9).response_id()
            ),
            dcc_alert_message(DccAlertCode.N24, outage),
        ),
    }


@pytest.mark.parametrize("name", list(_documents()))
def test_built_documents_are_schema_valid_signed_or_not(name: str, schema: DuisSchema) -> None:
    root = _documents()[name]
    assert schema.validate(root) is None
    ca = TestCa()
    party = ca.issue(SUPPLIER if name.endswith("request") else DCC)
    signed = parse_document(sign_to_bytes(root, party.identity))
    assert isinstance(signed, etree._Element), signed
    assert schema.validate(signed) is None
    assert isinstance(parse_document(to_bytes(root)), etree._Element)
