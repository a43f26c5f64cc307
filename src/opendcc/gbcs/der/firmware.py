"""Firmware use cases with DER payloads (GBCS Section 11).

- CS06 Activate Firmware (11.5, DUIS 11.3): the Command gives the Manufacturer Image Hash
  of the image to activate, the Command's own originator counter and, if future dated,
  the execution date-time. The Response is a CHOICE: ``commandAccepted NULL`` when future
  dated (the outcome follows in the 0x8F66 / 0x8F67 Alert), otherwise the execution
  outcome (activation response code and the firmware version now running).
- CS08 Read PPMID/HCALCS Firmware Version (11.8, DUIS 11.2): NULL Command; the Response
  is the firmware version and a read response code.
- CS09 PPMID Firmware Activation Alert (11.9): sent after a PPMID activates an image.
- CCS08 Firmware Transfer Alert (Section 11): the Communications Hub's report on passing
  an image to a HAN Device (discarded, hardware version mismatch, transfer failed, done).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from opendcc.eui import Eui64
from opendcc.gbcs.der import tlv
from opendcc.gbcs.der.common import (
    alert_code_text,
    read_alert_code,
    read_eui,
    read_seq_number,
    write_alert_code,
    write_bytes,
    write_eui,
    write_int,
    write_seq_number,
)
from opendcc.gbcs.der.naming import coded, eui_text, gbcs_name, time_text
from opendcc.gbcs.der.tlv import Reader


class ActivateImageResponseCode(enum.IntEnum):
    SUCCESS = 0
    NO_IMAGE_HELD = 1
    HASH_MISMATCH = 2
    ACTIVATION_FAILURE = 3


class ReadFirmwareVersionResponseCode(enum.IntEnum):
    READ_SUCCESS = 0
    READ_FAILURE = 1


class FirmwareActivationResult(enum.IntEnum):
    """The outcome a PPMID reports in its CS09 activation Alert."""

    SUCCESS = 0
    FAILURE = 1


class FirmwareTransferResponseCode(enum.IntEnum):
    SUCCESS = 0
    IMAGE_DISCARDED = 1
    HARDWARE_VERSION_MISMATCH = 2
    FILE_TRANSFER_FAILURE = 3


def _version_text(version: bytes) -> str:
    """Firmware versions are opaque octets; shown as hex, the way GBCS tables list them."""
    return version.hex().upper()


@dataclass(frozen=True, slots=True)
class ActivateFirmwareCommand:
    """``@ActivateFirmware.CommandPayload``."""

    manufacturer_image_hash: bytes
    originator_counter: int
    execution_date_time: datetime | None = None

    @classmethod
    def read(cls, reader: Reader) -> ActivateFirmwareCommand:
        inner = reader.constructed()
        image_hash = inner.octets()
        counter = read_seq_number(inner)
        when = inner.generalized_time() if inner.next_is(tlv.GENERALIZED_TIME) else None
        inner.finish()
        return cls(image_hash, counter, when)

    def write(self) -> bytes:
        parts = [
            write_bytes(self.manufacturer_image_hash),
            write_seq_number(self.originator_counter),
        ]
        if self.execution_date_time is not None:
            parts.append(tlv.encode_generalized_time(self.execution_date_time))
        return tlv.encode_constructed(tlv.SEQUENCE, *parts)

    def named_values(self) -> dict[str, object]:
        values: dict[str, object] = {
            "manufacturer_image_hash": self.manufacturer_image_hash.hex(),
            "originator_counter": self.originator_counter,
        }
        if self.execution_date_time is not None:
            values["execution_date_time"] = time_text(self.execution_date_time)
        return values


@dataclass(frozen=True, slots=True)
class ActivateFirmwareExecutionOutcome:
    """``SEQUENCE { activateImageResponseCode, firmwareVersion OCTET STRING }``."""

    activate_image_response_code: ActivateImageResponseCode | int
    firmware_version: bytes

    @classmethod
    def read(cls, reader: Reader) -> ActivateFirmwareExecutionOutcome:
        inner = reader.constructed()
        code = coded(ActivateImageResponseCode, inner.integer())
        version = inner.octets()
        inner.finish()
        return cls(code, version)

    def write(self) -> bytes:
        return tlv.encode_constructed(
            tlv.SEQUENCE,
            write_int(self.activate_image_response_code),
            write_bytes(self.firmware_version),
        )

    def named_values(self) -> dict[str, object]:
        return {
            "activate_image_response_code": gbcs_name(self.activate_image_response_code),
            "firmware_version": _version_text(self.firmware_version),
        }


@dataclass(frozen=True, slots=True)
class ActivateFirmwareResponse:
    """CHOICE: ``commandAccepted NULL`` (execution_outcome None) or the execution outcome."""

    execution_outcome: ActivateFirmwareExecutionOutcome | None = None

    @classmethod
    def read(cls, reader: Reader) -> ActivateFirmwareResponse:
        if reader.next_is(tlv.NULL):
            reader.null()
            return cls()
        return cls(ActivateFirmwareExecutionOutcome.read(reader))

    def write(self) -> bytes:
        if self.execution_outcome is None:
            return tlv.encode_null()
        return self.execution_outcome.write()

    def named_values(self) -> dict[str, object]:
        if self.execution_outcome is None:
            return {"command_accepted": True}
        return self.execution_outcome.named_values()


@dataclass(frozen=True, slots=True)
class ActivateFirmwareAlert:
    """The Alert a future-dated CS06 raises when it executes."""

    alert_code: int
    execution_date_time: datetime
    originator_counter: int
    execution_outcome: ActivateFirmwareExecutionOutcome

    @classmethod
    def read(cls, reader: Reader) -> ActivateFirmwareAlert:
        inner = reader.constructed()
        code = read_alert_code(inner)
        when = inner.generalized_time()
        counter = read_seq_number(inner)
        outcome = ActivateFirmwareExecutionOutcome.read(inner)
        inner.finish()
        return cls(code, when, counter, outcome)

    def write(self) -> bytes:
        return tlv.encode_constructed(
            tlv.SEQUENCE,
            write_alert_code(self.alert_code),
            tlv.encode_generalized_time(self.execution_date_time),
            write_seq_number(self.originator_counter),
            self.execution_outcome.write(),
        )

    def named_values(self) -> dict[str, object]:
        return {
            "alert_code": alert_code_text(self.alert_code),
            "execution_date_time": time_text(self.execution_date_time),
            "originator_counter": self.originator_counter,
            **self.execution_outcome.named_values(),
        }


@dataclass(frozen=True, slots=True)
class ReadFirmwareVersionCommand:
    """NULL: the Command has no parameters."""

    @classmethod
    def read(cls, reader: Reader) -> ReadFirmwareVersionCommand:
        reader.null()
        return cls()

    def write(self) -> bytes:
        return tlv.encode_null()

    def named_values(self) -> dict[str, object]:
        return {}


@dataclass(frozen=True, slots=True)
class ReadFirmwareVersionResponse:
    """``SEQUENCE { firmwareVersion OCTET STRING, responseCode }``."""

    firmware_version: bytes
    response_code: ReadFirmwareVersionResponseCode | int

    @classmethod
    def read(cls, reader: Reader) -> ReadFirmwareVersionResponse:
        inner = reader.constructed()
        version = inner.octets()
        code = coded(ReadFirmwareVersionResponseCode, inner.integer())
        inner.finish()
        return cls(version, code)

    def write(self) -> bytes:
        return tlv.encode_constructed(
            tlv.SEQUENCE, write_bytes(self.firmware_version), write_int(self.response_code)
        )

    def named_values(self) -> dict[str, object]:
        return {
            "firmware_version": _version_text(self.firmware_version),
            "response_code": gbcs_name(self.response_code),
        }


@dataclass(frozen=True, slots=True)
class FirmwareActivationAlert:
    """CS09: ``SEQUENCE { alertCode, executionDateTime, firmwareVersion, activateImage }``."""

    alert_code: int
    execution_date_time: datetime
    firmware_version: bytes
    activate_image: FirmwareActivationResult | int

    @classmethod
    def read(cls, reader: Reader) -> FirmwareActivationAlert:
        inner = reader.constructed()
        code = read_alert_code(inner)
        when = inner.generalized_time()
        version = inner.octets()
        result = coded(FirmwareActivationResult, inner.integer())
        inner.finish()
        return cls(code, when, version, result)

    def write(self) -> bytes:
        return tlv.encode_constructed(
            tlv.SEQUENCE,
            write_alert_code(self.alert_code),
            tlv.encode_generalized_time(self.execution_date_time),
            write_bytes(self.firmware_version),
            write_int(self.activate_image),
        )

    def named_values(self) -> dict[str, object]:
        return {
            "alert_code": alert_code_text(self.alert_code),
            "execution_date_time": time_text(self.execution_date_time),
            "firmware_version": _version_text(self.firmware_version),
            "activate_image": gbcs_name(self.activate_image),
        }


@dataclass(frozen=True, slots=True)
class FirmwareTransferAlert:
    """CCS08: which HAN Device the image was for, its version and how the transfer went."""

    alert_code: int
    execution_date_time: datetime
    entity_id: Eui64
    firmware_version: bytes
    response_code: FirmwareTransferResponseCode | int

    @classmethod
    def read(cls, reader: Reader) -> FirmwareTransferAlert:
        inner = reader.constructed()
        code = read_alert_code(inner)
        when = inner.generalized_time()
        entity = read_eui(inner)
        version = inner.octets()
        result = coded(FirmwareTransferResponseCode, inner.integer())
        inner.finish()
        return cls(code, when, entity, version, result)

    def write(self) -> bytes:
        return tlv.encode_constructed(
            tlv.SEQUENCE,
            write_alert_code(self.alert_code),
            tlv.encode_generalized_time(self.execution_date_time),
            write_eui(self.entity_id),
            write_bytes(self.firmware_version),
            write_int(self.response_code),
        )

    def named_values(self) -> dict[str, object]:
        return {
            "alert_code": alert_code_text(self.alert_code),
            "execution_date_time": time_text(self.execution_date_time),
            "entity_id": eui_text(self.entity_id),
            "firmware_version": _version_text(self.firmware_version),
            "response_code": gbcs_name(self.response_code),
        }
