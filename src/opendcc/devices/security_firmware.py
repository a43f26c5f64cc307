"""Firmware on a Device: the version it runs, the image it holds, activation (GBCS 11).

State (``Firmware``): the active firmware version, the image the Device received (its
manufacturer image hash, SHA-256, and the version it carries), and the last activation.

- The hub distributes images (DUIS 11.1, 11.4: non-device requests) and hands each Device
  its image with ``receive_firmware_image``. A PPMID or HCALCS receives its image through
  its Communications Hub, which reports the transfer in a CCS08 Alert (0x8F8A).
- 11.2 Read Firmware Version: ECS52 (ESME, CHF; DLMS ``0-0:0.2.1.255``), GCS38 (GSME,
  GPF; GBZ Metering CurrentMeterID), CS08 (PPMID, HCALCS; DER) answer the active version.
- 11.3 Activate Firmware, CS06: the image whose hash the Command names becomes the active
  version. "noImageHeld" when the Device holds no image, "hashMismatch" when it holds
  another. Future dated: ``commandAccepted``, then at the time the 0x8F66 / 0x8F67 Alert
  (0x00CA) with the outcome; a PPMID also raises CS09 (0x8F8B) after it activates.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from opendcc.devices.device_logs import Change, record
from opendcc.devices.future_dated import executes
from opendcc.devices.security_common import (
    der_body,
    der_bytes,
    der_reply,
    family_handles,
    hold_or_cancel,
)
from opendcc.devices.simulator import (
    AlertSpec,
    DeviceCommand,
    DeviceContext,
    DeviceReply,
    DiscardCommandError,
    on_wake,
)
from opendcc.devices.state import DeviceState, Section
from opendcc.eui import DCC_ACCESS_CONTROL_BROKER, Eui64
from opendcc.gbcs.der import (
    ActivateFirmwareAlert,
    ActivateFirmwareCommand,
    ActivateFirmwareExecutionOutcome,
    ActivateFirmwareResponse,
    ActivateImageResponseCode,
    FirmwareActivationAlert,
    FirmwareActivationResult,
    FirmwareTransferAlert,
    FirmwareTransferResponseCode,
    ReadFirmwareVersionResponse,
    ReadFirmwareVersionResponseCode,
)
from opendcc.gbcs.dlms import builders as b
from opendcc.gbcs.dlms.apdu import AccessRequest
from opendcc.gbcs.dlms.data import OctetString
from opendcc.gbcs.dlms.payload import DlmsPayload
from opendcc.gbcs.dlms.payload import encode as encode_dlms
from opendcc.gbcs.gbz import GbzPayload
from opendcc.gbcs.gbz import builders as gbz
from opendcc.gbcs.gbz import encode as encode_gbz
from opendcc.inventory.model import Device, DeviceType

EXECUTED: Final = 0x8F66
NOT_EXECUTED: Final = 0x8F67
CS06_ALERT: Final = 0x00CA
CS09: Final = 0x012B
PPMID_FIRMWARE_ACTIVATED: Final = 0x8F8B
CCS08: Final = 0x0128
FIRMWARE_TRANSFERRED: Final = 0x8F8A
VERSION_BYTES: Final = 4
"""Firmware versions as the reference Devices report them: four octets (``0123ABCD``)."""

HAN_TYPE1: Final = frozenset({DeviceType.PPMID, DeviceType.HCALCS})


@dataclass(slots=True)
class Firmware(Section):
    """The firmware a Device runs and the image it holds (versions and hashes as hex)."""

    NAME = "firmware"
    active_version: str = "00000001"
    image_hash: str = ""
    image_version: str = ""
    image_received_at: datetime | None = None
    activated_at: datetime | None = None
    transfers: list[dict[str, Any]] = field(default_factory=list)
    """On a CHF: images passed to HAN Devices, to report in CCS08 when it next wakes."""

    @classmethod
    def initial(cls, device: Device) -> Firmware:
        return cls(active_version=initial_version(device))


def initial_version(device: Device) -> str:
    """The inventory's firmware version as the Device's octets (hex, four octets), or a
    stable value derived from the Device when the inventory's text is not hex."""
    text = device.firmware_version.strip()
    try:
        raw = bytes.fromhex(text)
    except ValueError:
        raw = hashlib.sha256(text.encode() + bytes(device.device_id)).digest()[:VERSION_BYTES]
    return raw.hex().upper()


def manufacturer_image_hash(image: bytes) -> bytes:
    """GBCS 11.2: the Manufacturer Image Hash is the SHA-256 of the image."""
    return hashlib.sha256(image).digest()


def receive_firmware_image(
    state: DeviceState,
    *,
    version: bytes,
    now: datetime,
    image: bytes | None = None,
    image_hash: bytes | None = None,
    via: DeviceState | None = None,
) -> None:
    """Give a Device a firmware image (the hub's side of 11.1 and 11.4).

    Pass the ``image`` (its SHA-256 is taken) or its ``image_hash``. ``via`` is the
    Communications Hub a PPMID or HCALCS receives it through: the CHF records the transfer
    and reports it in a CCS08 Alert when woken (it asks to be woken at ``now``). Raises
    ``ValueError`` for a version that is not four octets or a hash that is not 32.
    """
    if (image is None) == (image_hash is None):
        raise ValueError("give the image or its hash, not both")
    digest = manufacturer_image_hash(image) if image is not None else image_hash
    assert digest is not None
    if len(digest) != 32:
        raise ValueError("a manufacturer image hash is 32 octets")
    if len(version) != VERSION_BYTES:
        raise ValueError(f"a firmware version is {VERSION_BYTES} octets")
    firmware = state.get(Firmware)
    firmware.image_hash = digest.hex()
    firmware.image_version = version.hex().upper()
    firmware.image_received_at = now
    state.touch()
    if via is not None:
        hub = via.get(Firmware)
        hub.transfers.append(
            {"device": state.device_id.hex, "version": version.hex().upper(), "at": now}
        )
        via.touch()
        if via.next_wake is None or now < via.next_wake:
            via.next_wake = now


def active_version(state: DeviceState) -> bytes:
    return bytes.fromhex(state.get(Firmware).active_version)


# --- 11.2 ---------------------------------------------------------------------------------------


@family_handles("ECS52")
def read_firmware_version_dlms(command: DeviceCommand, context: DeviceContext) -> DeviceReply:
    payload = command.payload
    if not (isinstance(payload, DlmsPayload) and isinstance(payload.apdu, AccessRequest)):
        raise DiscardCommandError("ECS52 without an access-request")
    version = OctetString(active_version(context.state))
    results = [b.get_ok(version) for _ in payload.apdu.requests]
    return DeviceReply(encode_dlms(b.payload(b.access_response_for(payload.apdu, results))))


@family_handles("GCS38")
def read_firmware_version_gbz(command: DeviceCommand, context: DeviceContext) -> DeviceReply:
    payload = command.payload
    if not isinstance(payload, GbzPayload):
        raise DiscardCommandError("GCS38 without a GBZ payload")
    version = active_version(context.state)
    response = gbz.respond(
        payload, lambda cluster, frame: gbz.answer_read(cluster, frame, {"CurrentMeterID": version})
    )
    return DeviceReply(encode_gbz(response))


@family_handles("CS08")
def read_firmware_version_der(command: DeviceCommand, context: DeviceContext) -> DeviceReply:
    version = active_version(context.state)
    return der_reply(
        ReadFirmwareVersionResponse(version, ReadFirmwareVersionResponseCode.READ_SUCCESS)
    )


# --- 11.3 ---------------------------------------------------------------------------------------


@family_handles("CS06")
def activate_firmware(command: DeviceCommand, context: DeviceContext) -> DeviceReply:
    request = der_body(command, ActivateFirmwareCommand)
    if request.execution_date_time is not None:
        hold_or_cancel(command, context, request.execution_date_time, "firmware-activation")
        return der_reply(ActivateFirmwareResponse())
    return der_reply(ActivateFirmwareResponse(activate(request, context)))


@executes("CS06")
def execute_held_activation(command: DeviceCommand, context: DeviceContext) -> Iterable[AlertSpec]:
    request = der_body(command, ActivateFirmwareCommand)
    outcome = activate(request, context)
    succeeded = outcome.activate_image_response_code == ActivateImageResponseCode.SUCCESS
    alert = ActivateFirmwareAlert(
        EXECUTED if succeeded else NOT_EXECUTED,
        request.execution_date_time or context.now,
        request.originator_counter,
        outcome,
    )
    return [AlertSpec(CS06_ALERT, der_bytes(alert), command.remote_party, critical=True)]


def activate(
    request: ActivateFirmwareCommand, context: DeviceContext
) -> ActivateFirmwareExecutionOutcome:
    """Activate the held image if its hash is the one named; the outcome and the version
    the Device now runs."""
    firmware = context.state.get(Firmware)
    if not firmware.image_hash:
        code = ActivateImageResponseCode.NO_IMAGE_HELD
    elif bytes.fromhex(firmware.image_hash) != request.manufacturer_image_hash:
        code = ActivateImageResponseCode.HASH_MISMATCH
    else:
        code = ActivateImageResponseCode.SUCCESS
        firmware.active_version = firmware.image_version
        firmware.activated_at = context.now
        context.state.touch()
        record(context, Change.FIRMWARE_ACTIVATED)  # GBCS 0x8F43 in the Security Log
        if context.device.device_type in HAN_TYPE1:
            _report_activation(context)
    return ActivateFirmwareExecutionOutcome(code, active_version(context.state))


def _report_activation(context: DeviceContext) -> None:
    """CS09: a HAN Device tells the DCC it runs the new image (GBCS 11.9)."""
    alert = FirmwareActivationAlert(
        PPMID_FIRMWARE_ACTIVATED,
        context.now,
        active_version(context.state),
        FirmwareActivationResult.SUCCESS,
    )
    context.raise_alert(AlertSpec(CS09, der_bytes(alert), DCC_ACCESS_CONTROL_BROKER, critical=True))


@on_wake
def report_transfers(context: DeviceContext) -> None:
    """CCS08: the Communications Hub reports each image it passed to a HAN Device."""
    if context.device.device_type is not DeviceType.CHF:
        return
    firmware = context.state.get(Firmware)
    if not firmware.transfers:
        return
    for transfer in firmware.transfers:
        alert = FirmwareTransferAlert(
            FIRMWARE_TRANSFERRED,
            context.now,
            Eui64.from_bytes(bytes.fromhex(transfer["device"])),
            bytes.fromhex(transfer["version"]),
            FirmwareTransferResponseCode.SUCCESS,
        )
        context.raise_alert(
            AlertSpec(CCS08, der_bytes(alert), DCC_ACCESS_CONTROL_BROKER, critical=True)
        )
    firmware.transfers = []
    context.state.touch()
