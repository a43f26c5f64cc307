"""Firmware carried by the Devices: the hub hands over an image, 11.3 activates it, 11.2
reads the version the Device now runs; future dating, cancellation and the HAN alerts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from opendcc.devices.security_firmware import (
    Firmware,
    manufacturer_image_hash,
    receive_firmware_image,
)
from opendcc.eui import Eui64
from tests.catalogue.security.estate import Hub
from tests.catalogue.security.reference import (
    ACB,
    CHF_ID,
    ESME_ID,
    GSME_ID,
    PPMID_ID,
    SUPPLIER,
    request_document,
)

NOW = datetime(2025, 4, 1, 12, 0, tzinfo=UTC)
IMAGE = b"ESME firmware 1.2.3 " * 64
NEW_VERSION = bytes.fromhex("0123ABCE")


def read_version(target: Eui64, counter: int) -> object:
    return request_document("11.2", SUPPLIER, target, counter, "<sr:ReadFirmwareVersion/>")


def activate(target: Eui64, counter: int, image_hash: bytes, when: str = "") -> object:
    execution = f"<sr:ExecutionDateTime>{when}</sr:ExecutionDateTime>" if when else ""
    body = (
        f"<sr:ActivateFirmware>{execution}"
        f"<sr:FirmwareHash>{image_hash.hex().upper()}</sr:FirmwareHash></sr:ActivateFirmware>"
    )
    return request_document("11.3", SUPPLIER, target, counter, body)


def _values(hub: Hub, document: object, now: datetime = NOW) -> dict[str, object]:
    values = hub.response(hub.send(document, now)).payload.to_json()["values"]
    assert isinstance(values, dict)
    return values


@pytest.mark.conformance
def test_activation_changes_the_version_a_later_read_returns() -> None:
    hub = Hub()
    assert _values(hub, read_version(ESME_ID, 1))["FirmwareVersion"] == "0123abcd"
    assert _values(hub, activate(ESME_ID, 2, manufacturer_image_hash(IMAGE)))[
        "activate_image_response_code"
    ] == ("noImageHeld")

    receive_firmware_image(hub.state(ESME_ID), version=NEW_VERSION, now=NOW, image=IMAGE)
    mismatch = _values(hub, activate(ESME_ID, 3, bytes(32)))
    assert mismatch == {
        "activate_image_response_code": "hashMismatch",
        "firmware_version": "0123ABCD",
    }
    done = _values(hub, activate(ESME_ID, 4, manufacturer_image_hash(IMAGE)))
    assert done == {"activate_image_response_code": "success", "firmware_version": "0123ABCE"}
    assert _values(hub, read_version(ESME_ID, 5))["FirmwareVersion"] == "0123abce"
    assert hub.state(ESME_ID).get(Firmware).activated_at == NOW


@pytest.mark.conformance
def test_future_dated_activation_runs_at_its_time_and_can_be_cancelled() -> None:
    hub = Hub()
    receive_firmware_image(hub.state(ESME_ID), version=NEW_VERSION, now=NOW, image=IMAGE)
    accepted = _values(
        hub, activate(ESME_ID, 10, manufacturer_image_hash(IMAGE), "2025-04-02T03:00:00Z")
    )
    assert accepted == {"command_accepted": True}
    assert _values(hub, read_version(ESME_ID, 11))["FirmwareVersion"] == "0123abcd"
    due = datetime(2025, 4, 2, 3, 0, tzinfo=UTC)
    assert hub.state(ESME_ID).next_wake == due
    assert hub.wake(ESME_ID, due - timedelta(minutes=1)) == []
    [alert] = hub.wake(ESME_ID, due)
    assert alert.message.message_code == 0x00CA and alert.message.recipient == SUPPLIER
    assert alert.signature.valid is True
    values = alert.payload.to_json()["values"]
    assert values["alert_code"] == "8F66" and values["originator_counter"] == 10
    assert values["firmware_version"] == "0123ABCE"
    assert _values(hub, read_version(ESME_ID, 12), due)["FirmwareVersion"] == "0123abce"

    other = Hub()
    receive_firmware_image(other.state(ESME_ID), version=NEW_VERSION, now=NOW, image=IMAGE)
    other.send(activate(ESME_ID, 10, manufacturer_image_hash(IMAGE), "2025-04-02T03:00:00Z"), NOW)
    cancelled = _values(
        other, activate(ESME_ID, 11, manufacturer_image_hash(IMAGE), "3000-12-31T00:00:00Z")
    )
    assert cancelled == {"command_accepted": True}
    assert other.wake(ESME_ID, due) == []
    assert other.state(ESME_ID).get(Firmware).active_version == "0123ABCD"

    # The image changes before the time: the held activation fails with 0x8F67.
    third = Hub()
    receive_firmware_image(third.state(ESME_ID), version=NEW_VERSION, now=NOW, image=IMAGE)
    third.send(activate(ESME_ID, 10, manufacturer_image_hash(IMAGE), "2025-04-02T03:00:00Z"), NOW)
    receive_firmware_image(third.state(ESME_ID), version=NEW_VERSION, now=NOW, image=b"other")
    [failed] = third.wake(ESME_ID, due)
    failure = failed.payload.to_json()["values"]
    assert failure["alert_code"] == "8F67"
    assert failure["activate_image_response_code"] == "hashMismatch"


@pytest.mark.conformance
def test_gas_and_han_devices_read_and_report_firmware() -> None:
    hub = Hub()
    gas = _values(hub, read_version(GSME_ID, 1))
    assert gas["outcome"] == {"success": True, "errors": []}
    assert gas["data"] == {"FirmwareVersion": "0123abcd"}
    assert _values(hub, read_version(PPMID_ID, 2))["firmware_version"] == "0123ABCD"

    # The PPMID's image goes through the Communications Hub, which reports the transfer.
    image = b"PPMID image" * 100
    receive_firmware_image(
        hub.state(PPMID_ID), version=NEW_VERSION, now=NOW, image=image, via=hub.state(CHF_ID)
    )
    assert hub.state(CHF_ID).next_wake == NOW
    [transfer] = hub.wake(CHF_ID, NOW)
    assert transfer.message.message_code == 0x0128 and transfer.message.recipient == ACB
    reported = transfer.payload.to_json()["values"]
    assert reported["entity_id"] == str(PPMID_ID) and reported["firmware_version"] == "0123ABCE"
    assert hub.wake(CHF_ID, NOW) == []

    result = hub.send(activate(PPMID_ID, 3, manufacturer_image_hash(image)), NOW)
    assert hub.response(result).payload.to_json()["values"]["activate_image_response_code"] == (
        "success"
    )
    [cs09] = [hub.decode(message) for _, message in result.alerts]
    assert cs09.message.message_code == 0x012B
    assert cs09.payload.to_json()["values"]["firmware_version"] == "0123ABCE"
    assert _values(hub, read_version(PPMID_ID, 4))["firmware_version"] == "0123ABCE"


def test_a_firmware_image_must_be_described_correctly() -> None:
    hub_state = Hub().state(ESME_ID)
    with pytest.raises(ValueError, match="octets"):
        receive_firmware_image(hub_state, version=b"\x01", now=NOW, image=IMAGE)
    with pytest.raises(ValueError, match="not both"):
        receive_firmware_image(hub_state, version=NEW_VERSION, now=NOW)
    with pytest.raises(ValueError, match="32"):
        receive_firmware_image(hub_state, version=NEW_VERSION, now=NOW, image_hash=b"short")
