"""Transforms of the firmware Service Requests (GBCS Section 11).

- 11.2 Read Firmware Version: ECS52 (0x0059, DLMS get of ``0-0:0.2.1.255``) on an ESME
  or the CHF; GCS38 (0x0084, GBZ read of Metering CurrentMeterID) on a GSME or the GPF;
  CS08 (0x0129, DER NULL) on a PPMID or HCALCS. Commands to Communications Hub functions
  and Type 1 HAN Devices are the ACB's, naming the User as supplementary remote party.
  Future dating is 'DSP': the hub holds the request.
- 11.3 Activate Firmware: CS06 (0x0012) with the manufacturer image hash and the Command's
  own originator counter; critical; future dating 'Device' (the execution date-time in
  the payload, 9999-12-31T23:59:59Z cancelling).

11.1 Update Firmware and 11.4 Update PPMID Firmware are non-device requests: the hub
distributes the image and hands it to the Devices with
``opendcc.devices.security_firmware.receive_firmware_image``.
"""

from __future__ import annotations

from typing import Final

from opendcc.eui import DCC_ACCESS_CONTROL_BROKER
from opendcc.gbcs.der import ActivateFirmwareCommand, DerPayload, ReadFirmwareVersionCommand
from opendcc.gbcs.der import encode as encode_der
from opendcc.gbcs.dlms import builders as b
from opendcc.gbcs.dlms.payload import encode as encode_dlms
from opendcc.gbcs.gbz import builders as gbz
from opendcc.gbcs.gbz import encode as encode_gbz
from opendcc.inventory.model import DeviceType
from opendcc.transform import duisxml
from opendcc.transform.registry import (
    CommandSpec,
    TransformInput,
    TransformRefusal,
    dcc_origination,
    transforms,
)
from opendcc.transform.security_common import RefusalError, execution_time, run

_E, _G, _C, _P = DeviceType.ESME, DeviceType.GSME, DeviceType.CHF, DeviceType.GPF
_PP, _H = DeviceType.PPMID, DeviceType.HCALCS

ECS52: Final = 0x0059
GCS38: Final = 0x0084
CS08: Final = 0x0129
CS06: Final = 0x0012
FIRMWARE_VERSION: Final = "0-0:0.2.1.255"
IMAGE_HASH_BYTES: Final = 32
"""A manufacturer image hash is a SHA-256 digest (DUIS ``FirmwareHash``: 32 octets)."""

_HUB_OR_HAN: Final = frozenset({_C, _P, _PP, _H})
"""Devices whose non-critical Commands the ACB sends on the User's behalf."""


def _spec(request: TransformInput, use_case: str, code: int, payload: bytes) -> CommandSpec:
    if request.device.device_type not in _HUB_OR_HAN:
        return CommandSpec(use_case, code, request.target, payload)
    origination = dcc_origination(request, DCC_ACCESS_CONTROL_BROKER)
    own = request.originator == DCC_ACCESS_CONTROL_BROKER
    return CommandSpec(
        use_case,
        code,
        request.target,
        payload,
        supplementary_remote_party=None if own else request.originator,
        supplementary_remote_party_counter=None if own else request.counter,
        dcc_origination=origination,
    )


@transforms("11.2", _E, _G, _C, _P, _PP, _H)
def read_firmware_version(request: TransformInput) -> CommandSpec | TransformRefusal:
    """11.2: the firmware version the Device runs."""

    def build(request: TransformInput) -> CommandSpec:
        kind = request.device.device_type
        if kind in (_PP, _H):
            payload = encode_der(DerPayload(ReadFirmwareVersionCommand()))
            return _spec(request, "CS08", CS08, payload)
        if kind in (_G, _P):
            command = gbz.command_payload(
                gbz.component("Metering", gbz.read_attributes("Metering", "CurrentMeterID")),
                use_case="GCS38",
            )
            return _spec(request, "GCS38", GCS38, encode_gbz(command))
        if kind is _C:
            origination = dcc_origination(request, DCC_ACCESS_CONTROL_BROKER)
            apdu = b.access_request(origination.counter, [b.get(1, FIRMWARE_VERSION, 2)])
            own = request.originator == DCC_ACCESS_CONTROL_BROKER
            return CommandSpec(
                "ECS52",
                ECS52,
                request.target,
                encode_dlms(b.payload(apdu)),
                supplementary_remote_party=None if own else request.originator,
                supplementary_remote_party_counter=None if own else request.counter,
                dcc_origination=origination,
            )
        apdu = b.access_request(request.counter, [b.get(1, FIRMWARE_VERSION, 2)])
        return CommandSpec("ECS52", ECS52, request.target, encode_dlms(b.payload(apdu)))

    return run(request, build)


@transforms("11.3", _E, _G, _C, _P, _PP, _H)
def activate_firmware(request: TransformInput) -> CommandSpec | TransformRefusal:
    """11.3: activate the image with this hash, now or at the execution date-time."""

    def build(request: TransformInput) -> CommandSpec:
        image_hash = duisxml.hex_bytes(request.body, "FirmwareHash")
        if len(image_hash) != IMAGE_HASH_BYTES:
            raise RefusalError(f"FirmwareHash must be {IMAGE_HASH_BYTES} octets")
        command = ActivateFirmwareCommand(image_hash, request.counter, execution_time(request))
        return CommandSpec("CS06", CS06, request.target, encode_der(DerPayload(command)))

    return run(request, build)
