"""The device log backups the DCC keeps, for restoring them on a replacement Device.

A CHF sends its whitelist (CHF Device Log: the PAN's extended id and each Device with the
hash of its TC link key) in a CS14 Alert (0x8F12) whenever it changes; a GPF sends its
Device Log in a GCS62 Alert (0x8071). The DCC keeps the latest of each, and when a
Communications Hub is replaced restores them on the new one (DUIS 8.12.1, CCS03; 8.12.2,
GCS59).

The hub records backups from the Alerts it receives (``backup_from_alert``) and offers them
to transforms by giving its inventory view a ``device_log_backup(device)`` method
(``DeviceLogBackups``); ``chf_backup`` and ``gpf_backup`` read them, tolerating a view
without the method (no backup known).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final, Protocol, runtime_checkable

from opendcc.eui import Eui64
from opendcc.gbcs.der import DerPayload, DeviceLogEntry, GpfDeviceLogBackupAlert
from opendcc.gbcs.dlms.apdu import DataNotification
from opendcc.gbcs.dlms.data import Array, Data, LongUnsigned, OctetString, Structure
from opendcc.gbcs.dlms.datetimes import CosemDateTime
from opendcc.gbcs.dlms.payload import DlmsPayload
from opendcc.gbcs.payload import Payload

CHF_DEVICE_LOG_CHANGED: Final = 0x8F12
GPF_DEVICE_LOG_BACKUP: Final = 0x8071
EXTENDED_PAN_ID_BYTES: Final = 8


@dataclass(frozen=True, slots=True)
class ChfBackupEntry:
    """One Device of a CHF Device Log backup: its EUI-64 and hashed TC link key (empty
    while no link key is established)."""

    device_id: Eui64
    hashed_link_key: bytes


@dataclass(frozen=True, slots=True)
class ChfDeviceLogBackup:
    """The PAN a CHF last reported in CS14."""

    extended_pan_id: bytes
    devices: tuple[ChfBackupEntry, ...]
    backed_up_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class GpfDeviceLogBackup:
    """The Device Log a GPF last reported in GCS62."""

    entries: tuple[DeviceLogEntry, ...]
    backed_up_at: datetime | None = None


DeviceLogBackup = ChfDeviceLogBackup | GpfDeviceLogBackup


@runtime_checkable
class DeviceLogBackups(Protocol):
    """What an inventory view offers when the hub keeps device log backups."""

    def device_log_backup(self, device: Eui64) -> DeviceLogBackup | None: ...


def _backup(inventory: object, device: Eui64) -> DeviceLogBackup | None:
    if isinstance(inventory, DeviceLogBackups):
        return inventory.device_log_backup(device)
    return None


def chf_backup(inventory: object, device: Eui64) -> ChfDeviceLogBackup | None:
    found = _backup(inventory, device)
    return found if isinstance(found, ChfDeviceLogBackup) else None


def gpf_backup(inventory: object, device: Eui64) -> GpfDeviceLogBackup | None:
    found = _backup(inventory, device)
    return found if isinstance(found, GpfDeviceLogBackup) else None


def backup_from_alert(payload: Payload) -> DeviceLogBackup | None:
    """The backup a decoded CS14 or GCS62 Alert payload carries, or None if it is not one
    (or is malformed: an Alert never makes the hub fail)."""
    if isinstance(payload, DerPayload) and isinstance(payload.body, GpfDeviceLogBackupAlert):
        body = payload.body
        if body.alert_code != GPF_DEVICE_LOG_BACKUP:
            return None
        return GpfDeviceLogBackup(body.device_log_entries, body.backup_date_time)
    if isinstance(payload, DlmsPayload) and isinstance(payload.apdu, DataNotification):
        return _chf_backup(payload.apdu.body)
    return None


def _chf_backup(body: Data) -> ChfDeviceLogBackup | None:
    """``structure {alert code, date-time, structure {timestamp, extended PAN id,
    array of structure {EUI-64, hashed TC link key}}}`` (GBCS CS14)."""
    if not isinstance(body, Structure) or len(body.items) != 3:
        return None
    code, _, log = body.items
    if not isinstance(code, LongUnsigned) or code.value != CHF_DEVICE_LOG_CHANGED:
        return None
    if not isinstance(log, Structure) or len(log.items) != 3:
        return None
    stamp, pan, devices = log.items
    if not isinstance(pan, OctetString) or len(pan.value) != EXTENDED_PAN_ID_BYTES:
        return None
    if not isinstance(devices, Array):
        return None
    entries = []
    for item in devices.items:
        if not isinstance(item, Structure) or len(item.items) != 2:
            return None
        eui, key = item.items
        if not isinstance(eui, OctetString) or len(eui.value) != 8:
            return None
        if not isinstance(key, OctetString):
            return None
        entries.append(ChfBackupEntry(Eui64.from_bytes(eui.value), key.value))
    when = None
    if isinstance(stamp, OctetString) and len(stamp.value) == 12:
        try:
            when = CosemDateTime.from_bytes(stamp.value).to_datetime()
        except ValueError:
            when = None
    return ChfDeviceLogBackup(pan.value, tuple(entries), when)
