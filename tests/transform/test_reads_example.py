"""4.1.1 on an ESME end to end at the GBCS level: transform byte-exact, device answer real."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from lxml import etree

from opendcc.devices import esme_reads  # noqa: F401  (registers the ECS17b handler)
from opendcc.devices.consumption import ConsumptionModel
from opendcc.devices.simulator import DeviceSimulator, Outcome
from opendcc.devices.state import DeviceState
from opendcc.eui import Eui64
from opendcc.gbcs import build
from opendcc.gbcs.codec import decode
from opendcc.gbcs.security import GbcsSecurity
from opendcc.inventory.model import CspRegion, Device, DeviceType, Fuel, SmiStatus
from opendcc.roles import UserRole
from opendcc.smki.keystore import Keystore
from opendcc.transform import reads  # noqa: F401
from opendcc.transform.registry import CommandSpec, TransformInput, transform
from tests.reference import require_reference

SR = "{http://www.dccinterface.co.uk/ServiceUserGateway}"
ESME = Device(
    Eui64.parse("00-DB-12-34-56-78-90-A0"),
    DeviceType.ESME,
    SmiStatus.COMMISSIONED,
    datetime(2020, 1, 1, tzinfo=UTC),
    CspRegion.CENTRAL,
    mpxn="1100000000001",
)


def _input(template: str, counter: int | None = None) -> TransformInput:
    root = etree.parse(str(require_reference("duis", "templates", template))).getroot()
    originator, target, count = root.findtext(f"{SR}Header/{SR}RequestID").split(":")
    body = root.find(f"{SR}Body")[0]
    return TransformInput(
        variant=root.findtext(f"{SR}Header/{SR}ServiceReferenceVariant"),
        body=body,
        originator=Eui64.parse(originator),
        target=Eui64.parse(target),
        counter=int(count) if counter is None else counter,
        device=ESME,
        role=UserRole.IMPORT_SUPPLIER,
        now=datetime(2026, 1, 1, tzinfo=UTC),
    )


@pytest.mark.conformance
def test_transform_matches_the_reference_command_byte_for_byte() -> None:
    security = GbcsSecurity(Keystore.load(require_reference("gbcs", "keystore")))
    spec = transform(_input("ECS17b_4.1.1_REQUEST_DUIS.XML"))
    assert isinstance(spec, CommandSpec)
    command = build.command(
        spec.payload,
        originator=_input("ECS17b_4.1.1_REQUEST_DUIS.XML").originator,
        recipient=spec.recipient,
        counter=1000,
        message_code=spec.message_code,
        security=security,
    )
    expected = (
        require_reference(
            "gbcs", "rtds", "4.1.1_ECS17b", "ECS17b_4.1.1_SINGLE_SUCCESS_COMMAND_GBCS.HEX"
        )
        .read_text()
        .strip()
    )
    assert command.encode().hex().upper() == expected


@pytest.mark.conformance
def test_simulated_esme_answers_with_advancing_encrypted_registers() -> None:
    security = GbcsSecurity(Keystore.load(require_reference("gbcs", "keystore")))
    simulator = DeviceSimulator(security)
    state = DeviceState(ESME)
    request = _input("ECS17b_4.1.1_REQUEST_DUIS.XML")
    readings = []
    for counter, when in (
        (2000, datetime(2026, 1, 1, tzinfo=UTC)),
        (2001, datetime(2026, 1, 2, tzinfo=UTC)),
    ):
        spec = transform(_input("ECS17b_4.1.1_REQUEST_DUIS.XML", counter))
        assert isinstance(spec, CommandSpec)
        command = build.command(
            spec.payload,
            originator=request.originator,
            recipient=ESME.device_id,
            counter=counter,
            message_code=spec.message_code,
            security=security,
        )
        result = simulator.process(command.encode(), state, when)
        assert result.outcome is Outcome.RESPONDED and result.response is not None
        decoded = decode(result.response, security)
        assert decoded.mac.valid is True
        assert decoded.message.originator == ESME.device_id and decoded.message.counter == counter
        values = decoded.payload.to_json()["values"]
        readings.append(values["ActiveImportRegister"]["value"])
        model = ConsumptionModel.for_meter(ESME.device_id, Fuel.ELECTRICITY)
        assert values["ActiveImportRegister"]["value"] == int(model.register_wh(when))
        assert values["ActiveImportRegister"]["unit"] == "Wh"
    assert readings[1] > readings[0]
    # Replaying the last Command is discarded by the Device (GBCS anti-replay).
    assert simulator.process(command.encode(), state, when).outcome is Outcome.DISCARDED


@pytest.mark.conformance
def test_a_command_with_a_forged_mac_is_discarded() -> None:
    security = GbcsSecurity(Keystore.load(require_reference("gbcs", "keystore")))
    spec = transform(_input("ECS17b_4.1.1_REQUEST_DUIS.XML"))
    assert isinstance(spec, CommandSpec)
    command = build.command(
        spec.payload,
        originator=_input("ECS17b_4.1.1_REQUEST_DUIS.XML").originator,
        recipient=ESME.device_id,
        counter=5000,
        message_code=spec.message_code,
        security=security,
    ).encode()
    forged = command[:-1] + bytes([command[-1] ^ 1])
    result = DeviceSimulator(security).process(
        forged, DeviceState(ESME), datetime(2026, 1, 1, tzinfo=UTC)
    )
    assert result.outcome is Outcome.DISCARDED and "MAC" in (result.reason or "")
