"""Pairing of HAN Devices: join, unjoin and the Device Logs they change (GBCS 13.7, 13.8).

- CS03A1, CS03A2, CS03B, CS03C Join Device (DUIS 8.7): the Command gives the join method
  and role, the other Device's Entity Identifier and type and, for a GSME joining a PPMID,
  the other Device's Key Agreement certificate. The Response is a join response code.
- CS04AC, CS04B Unjoin Device (DUIS 8.8): the Command is the other Device's Entity
  Identifier alone; the Response an unjoin response code.
- CS07 Read Device Join Details (DUIS 8.9): the Command is NULL; the Response a code and
  the Device Log entries.
- GCS59 Restore GPF Device Log (DUIS 8.12.2) and GCS62 Backup GPF Device Log (an Alert).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from opendcc.eui import Eui64
from opendcc.gbcs.der import tlv
from opendcc.gbcs.der.common import (
    Certificate,
    DeviceLogEntry,
    DeviceType,
    alert_code_text,
    read_alert_code,
    read_eui,
    read_sequence_of,
    write_alert_code,
    write_eui,
    write_int,
    write_sequence_of,
)
from opendcc.gbcs.der.naming import coded, eui_text, gbcs_name, spell, time_text
from opendcc.gbcs.der.tlv import Reader


class JoinMethodAndRole(enum.IntEnum):
    METHOD_A_INITIATOR = 0
    METHOD_A_RESPONDER = 1
    METHOD_B = 2
    METHOD_C = 3


class JoinResponseCode(enum.IntEnum):
    SUCCESS = 0
    INVALID_MESSAGE_CODE_FOR_JOIN_METHOD_AND_ROLE = 1
    INVALID_JOIN_METHOD_AND_ROLE = 2
    INCOMPATIBLE_WITH_EXISTING_ENTRY = 3
    DEVICE_LOG_FULL = 4
    WRITE_FAILURE = 5
    KEY_AGREEMENT_NO_RESOURCES = 6
    KEY_AGREEMENT_UNKNOWN_ISSUER = 7
    KEY_AGREEMENT_UNSUPPORTED_SUITE = 8
    KEY_AGREEMENT_BAD_MESSAGE = 9
    KEY_AGREEMENT_BAD_KEY_CONFIRM = 10
    INVALID_OR_MISSING_CERTIFICATE = 11
    NO_PARTNER_LINK_KEY_RECEIVED = 12
    NO_CBKE_RESPONSE = 13


class UnjoinResponseCode(enum.IntEnum):
    SUCCESS = 0
    NOT_IN_DEVICE_LOG = 1
    OTHER_FAILURE = 2


class ReadDeviceJoinDetailsResponseCode(enum.IntEnum):
    SUCCESS = 0
    READ_FAILURE = 1


spell((JoinResponseCode.NO_CBKE_RESPONSE, "noCBKEResponse"))


@dataclass(frozen=True, slots=True)
class JoinDeviceCommand:
    """``@JoinDevice.CommandPayload``: whom to add to this Device's Device Log, and how.

    ``other_device_certificate`` is present if and only if a GSME joins a PPMID (the
    other Device's Key Agreement certificate, GBCS 13.7.5).
    """

    join_method_and_role: JoinMethodAndRole | int
    other_device_entity_id: Eui64
    other_device_type: DeviceType | int
    other_device_certificate: Certificate | None = None

    @classmethod
    def read(cls, reader: Reader) -> JoinDeviceCommand:
        inner = reader.constructed()
        method = coded(JoinMethodAndRole, inner.integer())
        entity = read_eui(inner)
        kind = coded(DeviceType, inner.integer())
        certificate = Certificate.read(inner) if inner.next_is(tlv.SEQUENCE) else None
        inner.finish()
        return cls(method, entity, kind, certificate)

    def write(self) -> bytes:
        parts = [
            write_int(self.join_method_and_role),
            write_eui(self.other_device_entity_id),
            write_int(self.other_device_type),
        ]
        if self.other_device_certificate is not None:
            parts.append(self.other_device_certificate.write())
        return tlv.encode_constructed(tlv.SEQUENCE, *parts)

    def named_values(self) -> dict[str, object]:
        values: dict[str, object] = {
            "join_method_and_role": gbcs_name(self.join_method_and_role),
            "other_device_entity_id": eui_text(self.other_device_entity_id),
            "other_device_type": gbcs_name(self.other_device_type),
        }
        if self.other_device_certificate is not None:
            values["other_device_certificate"] = self.other_device_certificate.named_values()
        return values


@dataclass(frozen=True, slots=True)
class JoinDeviceResponse:
    response_code: JoinResponseCode | int

    @property
    def succeeded(self) -> bool:
        return self.response_code == JoinResponseCode.SUCCESS

    @classmethod
    def read(cls, reader: Reader) -> JoinDeviceResponse:
        return cls(coded(JoinResponseCode, reader.integer()))

    def write(self) -> bytes:
        return write_int(self.response_code)

    def named_values(self) -> dict[str, object]:
        return {"response_code": gbcs_name(self.response_code), "succeeded": self.succeeded}


@dataclass(frozen=True, slots=True)
class UnjoinDeviceCommand:
    """The Entity Identifier of the Device to remove from this Device's Device Log."""

    other_device_entity_id: Eui64

    @classmethod
    def read(cls, reader: Reader) -> UnjoinDeviceCommand:
        return cls(read_eui(reader))

    def write(self) -> bytes:
        return write_eui(self.other_device_entity_id)

    def named_values(self) -> dict[str, object]:
        return {"other_device_entity_id": eui_text(self.other_device_entity_id)}


@dataclass(frozen=True, slots=True)
class UnjoinDeviceResponse:
    response_code: UnjoinResponseCode | int

    @property
    def succeeded(self) -> bool:
        return self.response_code == UnjoinResponseCode.SUCCESS

    @classmethod
    def read(cls, reader: Reader) -> UnjoinDeviceResponse:
        return cls(coded(UnjoinResponseCode, reader.integer()))

    def write(self) -> bytes:
        return write_int(self.response_code)

    def named_values(self) -> dict[str, object]:
        return {"response_code": gbcs_name(self.response_code), "succeeded": self.succeeded}


@dataclass(frozen=True, slots=True)
class ReadDeviceJoinDetailsCommand:
    """NULL: the Command has no parameters."""

    @classmethod
    def read(cls, reader: Reader) -> ReadDeviceJoinDetailsCommand:
        reader.null()
        return cls()

    def write(self) -> bytes:
        return tlv.encode_null()

    def named_values(self) -> dict[str, object]:
        return {}


@dataclass(frozen=True, slots=True)
class ReadDeviceJoinDetailsResponse:
    """``SEQUENCE { responseCode, deviceLogEntries SEQUENCE OF DeviceLogEntry OPTIONAL }``."""

    response_code: ReadDeviceJoinDetailsResponseCode | int
    device_log_entries: tuple[DeviceLogEntry, ...] | None = None

    @classmethod
    def read(cls, reader: Reader) -> ReadDeviceJoinDetailsResponse:
        inner = reader.constructed()
        code = coded(ReadDeviceJoinDetailsResponseCode, inner.integer())
        entries = (
            read_sequence_of(inner, DeviceLogEntry.read) if inner.next_is(tlv.SEQUENCE) else None
        )
        inner.finish()
        return cls(code, entries)

    def write(self) -> bytes:
        parts = [write_int(self.response_code)]
        if self.device_log_entries is not None:
            parts.append(write_sequence_of(self.device_log_entries))
        return tlv.encode_constructed(tlv.SEQUENCE, *parts)

    def named_values(self) -> dict[str, object]:
        values: dict[str, object] = {"response_code": gbcs_name(self.response_code)}
        if self.device_log_entries is not None:
            values["device_log_entries"] = [e.named_values() for e in self.device_log_entries]
        return values


@dataclass(frozen=True, slots=True)
class GpfDeviceLogRestoreCommand:
    """``SEQUENCE { deviceLogEntries SEQUENCE OF DeviceLogEntry }`` to restore on a GPF."""

    device_log_entries: tuple[DeviceLogEntry, ...]

    @classmethod
    def read(cls, reader: Reader) -> GpfDeviceLogRestoreCommand:
        inner = reader.constructed()
        entries = read_sequence_of(inner, DeviceLogEntry.read)
        inner.finish()
        return cls(entries)

    def write(self) -> bytes:
        return tlv.encode_constructed(tlv.SEQUENCE, write_sequence_of(self.device_log_entries))

    def named_values(self) -> dict[str, object]:
        return {"device_log_entries": [e.named_values() for e in self.device_log_entries]}


@dataclass(frozen=True, slots=True)
class RestoreOutcome:
    """One restored Device Log entry and the join response code its restoration gave."""

    device_log_entry: DeviceLogEntry
    join_response_code: JoinResponseCode | int

    @classmethod
    def read(cls, reader: Reader) -> RestoreOutcome:
        inner = reader.constructed()
        entry = DeviceLogEntry.read(inner)
        code = coded(JoinResponseCode, inner.integer())
        inner.finish()
        return cls(entry, code)

    def write(self) -> bytes:
        return tlv.encode_constructed(
            tlv.SEQUENCE, self.device_log_entry.write(), write_int(self.join_response_code)
        )

    def named_values(self) -> dict[str, object]:
        return {
            **self.device_log_entry.named_values(),
            "join_response_code": gbcs_name(self.join_response_code),
        }


@dataclass(frozen=True, slots=True)
class GpfDeviceLogRestoreResponse:
    """``SEQUENCE { restoreOutcomes SEQUENCE OF RestoreOutcome }``."""

    restore_outcomes: tuple[RestoreOutcome, ...]

    @classmethod
    def read(cls, reader: Reader) -> GpfDeviceLogRestoreResponse:
        inner = reader.constructed()
        outcomes = read_sequence_of(inner, RestoreOutcome.read)
        inner.finish()
        return cls(outcomes)

    def write(self) -> bytes:
        return tlv.encode_constructed(tlv.SEQUENCE, write_sequence_of(self.restore_outcomes))

    def named_values(self) -> dict[str, object]:
        return {"restore_outcomes": [o.named_values() for o in self.restore_outcomes]}


@dataclass(frozen=True, slots=True)
class GpfDeviceLogBackupAlert:
    """GCS62: the GPF's Device Log, sent as an Alert whenever it changes."""

    alert_code: int
    backup_date_time: datetime
    device_log_entries: tuple[DeviceLogEntry, ...]

    @classmethod
    def read(cls, reader: Reader) -> GpfDeviceLogBackupAlert:
        inner = reader.constructed()
        code = read_alert_code(inner)
        when = inner.generalized_time()
        entries = read_sequence_of(inner, DeviceLogEntry.read)
        inner.finish()
        return cls(code, when, entries)

    def write(self) -> bytes:
        return tlv.encode_constructed(
            tlv.SEQUENCE,
            write_alert_code(self.alert_code),
            tlv.encode_generalized_time(self.backup_date_time),
            write_sequence_of(self.device_log_entries),
        )

    def named_values(self) -> dict[str, object]:
        return {
            "alert_code": alert_code_text(self.alert_code),
            "backup_date_time": time_text(self.backup_date_time),
            "device_log_entries": [e.named_values() for e in self.device_log_entries],
        }
