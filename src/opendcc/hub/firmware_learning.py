"""The firmware version the Smart Metering Inventory learns from a Device's Responses.

SEC modification MP105 ("Sending SR11.2 to Devices in Suspended State", implemented
November 2021): "When firmware is successfully activated ... the DSP updates the firmware
version in the SMI if the response is 'success'", and MP105 has the SMI updated from an
11.2 Read Firmware Version Response too. A ``Suspended`` Device (its Device Model /
firmware no longer on the Certified Products List, SEC Section F) whose recorded version so
changes returns to the status it held immediately before its suspension
(``store.inventory.SqliteInventory.record_firmware_step``, ``REINSTATE`` in
``inventory.transitions``).

What is read (``reported``), from the Device's Response, never from the request:

| variant | use case | the version | when |
|---|---|---|---|
| 11.3 | CS06 (DER) | ``executionOutcome.firmwareVersion`` | the outcome is success |
| 11.2 | ECS52 (DLMS: ESME, CHF) | the ``0-0:0.2.1.255`` octet string | the get succeeded |
| 11.2 | GCS38 (GBZ: GSME, GPF) | Metering CurrentMeterID, as GBCS maps it | the read succeeded |
| 11.2 | CS08 (DER: PPMID, HCALCS) | ``firmwareVersion`` | ``readSuccess`` |

A future-dated 11.3 is answered ``commandAccepted``, which carries no version: its outcome
comes when the Device executes it, in the CS06 Alert (message code 0x00CA; GBCS alert code
0x8F66 "Future dated ... executed" with the execution outcome, 0x8F67 not executed), from
which the version is learned as from a Response (``alert_reported``, ``alert_recording``).

The versions are the Device's octets as upper-case hex, as the inventory holds them.

The hub writes what it learns in the same write job as the Response's own record, as
``hub.joins`` does for HAN associations: over the SM WAN (``hub.processor``) a refusal or
a fault in this step is rolled back alone (a savepoint) and the Response is recorded and
delivered regardless; for a Response returned with 8.13 (``hub.local_delivery``) the step
is part of the all-or-nothing change. Each change logs an ``inventory_changed`` event
(``change``: ``firmware_version``), and a reinstatement a second one (``change``:
``status_reinstated``, ``from`` / ``to``), with the status-history row.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from opendcc.estate.records import EstateRefusal
from opendcc.eui import Eui64
from opendcc.gbcs.codec import decode
from opendcc.gbcs.context import Cra, GbcsDecodeError
from opendcc.gbcs.der import (
    ActivateFirmwareAlert,
    ActivateFirmwareResponse,
    ActivateImageResponseCode,
    DerPayload,
    ReadFirmwareVersionResponse,
    ReadFirmwareVersionResponseCode,
)
from opendcc.gbcs.der.tlv import Reader
from opendcc.gbcs.dlms.payload import DlmsPayload
from opendcc.gbcs.frame import decode_message
from opendcc.gbcs.gbz import GbzPayload
from opendcc.gbcs.gbz.values.configuration import firmware_version
from opendcc.gbcs.gbz.values.view import PayloadView
from opendcc.hub.learned import LearnedStep
from opendcc.store.events import Event, EventKind, append_events
from opendcc.store.inventory import FirmwareRecorded, SqliteInventory, WriteStep

log = logging.getLogger("opendcc.hub.firmware_learning")

FIRMWARE_VARIANTS: Final = frozenset({"11.2", "11.3"})
"""The Service Reference Variants whose Responses report a Device's firmware version."""
CS06: Final = 0x0012
ECS52: Final = 0x0059
GCS38: Final = 0x0084
CS08: Final = 0x0129
_READS: Final = frozenset({ECS52, GCS38, CS08})
CS06_ALERT: Final = 0x00CA
"""The message code of the Alert a future-dated CS06 raises when its time comes."""
EXECUTED: Final = 0x8F66
"""GBCS alert code: the future-dated activation was executed (0x8F67: it was not)."""
_MAX_VERSION_OCTETS: Final = 4
"""The inventory's FirmwareVersion is up to eight hex digits (``estate.rules``)."""


@dataclass(frozen=True, slots=True)
class FirmwareReport:
    """The firmware version a Device's Response reports it runs."""

    version: str
    """Upper-case hex, as the inventory holds it."""
    activated: bool
    """True for a successful 11.3 activation, False for an 11.2 read."""

    @property
    def learned_from(self) -> str:
        return "activation" if self.activated else "read"


def activated_version(payload: bytes) -> str | None:
    """The version a CS06 Activate Firmware Response's payload reports the Device now runs,
    when its outcome is success; None otherwise (``commandAccepted``, a failure, or a
    payload that cannot be read)."""
    try:
        outcome = ActivateFirmwareResponse.read(Reader(payload)).execution_outcome
    except (GbcsDecodeError, ValueError):
        return None
    if outcome is None or outcome.activate_image_response_code != (
        ActivateImageResponseCode.SUCCESS
    ):
        return None
    return _hex(outcome.firmware_version)


def reported(response: bytes) -> FirmwareReport | None:
    """The firmware version ``response`` (a GBCS Response) reports, if it reports one."""
    try:
        message = decode_message(response)
        if message.cra is not Cra.RESPONSE:
            return None
        code = message.message_code
        if code == CS06:
            version = activated_version(message.payload)
            return None if version is None else FirmwareReport(version, activated=True)
        if code not in _READS:
            return None
        version = _read_version(decode(response).payload)
    except (GbcsDecodeError, ValueError):
        return None  # a damaged frame: nothing is learned from it
    return None if version is None else FirmwareReport(version, activated=False)


def alert_reported(alert: bytes) -> FirmwareReport | None:
    """The version a CS06 Alert (a future-dated activation executed, 0x8F66, with outcome
    success) reports the Device now runs; None for any other message or outcome."""
    try:
        message = decode_message(alert)
        if message.cra is not Cra.ALERT or message.message_code != CS06_ALERT:
            return None
        body = ActivateFirmwareAlert.read(Reader(message.payload))
    except (GbcsDecodeError, ValueError):
        return None
    outcome = body.execution_outcome
    if body.alert_code != EXECUTED or outcome.activate_image_response_code != (
        ActivateImageResponseCode.SUCCESS
    ):
        return None
    version = _hex(outcome.firmware_version)
    return None if version is None else FirmwareReport(version, activated=True)


def _read_version(payload: object) -> str | None:
    """The version an 11.2 Response's decoded payload reports (None: a failed read)."""
    if isinstance(payload, DerPayload):
        body = payload.body
        if (
            isinstance(body, ReadFirmwareVersionResponse)
            and body.response_code == ReadFirmwareVersionResponseCode.READ_SUCCESS
        ):
            return _hex(body.firmware_version)
        return None
    if isinstance(payload, DlmsPayload):
        value = payload.values.to_json().get("FirmwareVersion")
    elif isinstance(payload, GbzPayload):
        found = firmware_version(PayloadView(payload))
        value = found.get("FirmwareVersion") if found else None
    else:
        return None
    if isinstance(value, str):
        try:
            return _hex(bytes.fromhex(value))
        except ValueError:
            return None
    return _hex(value) if isinstance(value, bytes) else None


def _hex(octets: bytes) -> str | None:
    if not 1 <= len(octets) <= _MAX_VERSION_OCTETS:
        return None
    return octets.hex().upper()


def recorder(
    event: Event, report: FirmwareReport, change: str = "firmware_version", **detail: Any
) -> Callable[[sqlite3.Connection, FirmwareRecorded], None]:
    """The ``record`` callback of ``record_firmware_step``: the ``inventory_changed``
    events (the new version, named ``change``; a reinstatement) in the same job, with
    ``event``'s request."""

    def record(conn: sqlite3.Connection, result: FirmwareRecorded) -> None:
        device = result.details.device
        events = [
            _like(
                event,
                change=change,
                device=str(device.device_id),
                firmware_version=device.firmware_version,
                previous=result.previous,
                learned_from=report.learned_from,
                **detail,
            )
        ]
        if result.reinstated is not None:
            back = result.reinstated
            events.append(
                _like(
                    event,
                    change="status_reinstated",
                    device=str(device.device_id),
                    **{"from": back.old.value if back.old else None, "to": back.new.value},
                    reason="a new firmware version for a Suspended Device (SEC MP105)",
                )
            )
        elif result.refused is not None:
            log.info("%s stays Suspended: %s", device.device_id, result.refused)
        append_events(conn, events)

    return record


def _like(event: Event, **detail: Any) -> Event:
    return Event(
        EventKind.INVENTORY_CHANGED,
        event.at,
        event.request_id,
        event.originator,
        event.target,
        event.variant,
        None,
        {**event.detail, **detail},
    )


class Recording(LearnedStep):
    """Records one ``FirmwareReport`` inside a write job (``hub.learned``), as
    ``hub.joins.Recording`` does for a HAN association."""

    def __init__(
        self,
        device: Eui64,
        report: FirmwareReport,
        step: WriteStep[FirmwareRecorded | EstateRefusal],
    ) -> None:
        self.device = device
        self.report = report
        super().__init__(step, "firmware_version", f"{device}'s firmware {report.version}")


def alert_recording(
    device: Eui64, alert: bytes, inventory: SqliteInventory, *, at: datetime
) -> Recording | None:
    """A ``Recording`` of the version a Device's CS06 Alert reports (``alert_reported``), or
    None when it reports none or the inventory already holds it. The Alert answers no
    request: its events carry the Device as target and ``alert`` (the alert code)."""
    try:
        report = alert_reported(alert)
        known = inventory.get_device(device)
    except Exception:  # a fault in learning must not stop the Alert being recorded
        log.exception("reading the firmware of a CS06 Alert from %s failed", device)
        return None
    if report is None or known is None or known.firmware_version == report.version:
        return None
    event = Event(EventKind.INVENTORY_CHANGED, at, None, None, str(device), "11.3", None, {})
    step = inventory.record_firmware_step(
        device,
        report.version,
        at,
        f"0x{EXECUTED:04X} Alert: firmware {report.version} activated",
        record=recorder(event, report, alert=f"{EXECUTED:04X}"),
    )
    if isinstance(step, EstateRefusal):
        log.info("%s's firmware %s is not recorded: %s", device, report.version, step.message)
        return None
    return Recording(device, report, step)


def recording(
    variant: str,
    device: Eui64,
    response: bytes,
    inventory: SqliteInventory,
    *,
    at: datetime,
    request_id: str | None,
    originator: str | None,
    **detail: Any,
) -> Recording | None:
    """A ``Recording`` of the firmware version ``response`` reports (an 11.2 or 11.3
    Response over the SM WAN), or None when it reports none or the inventory already
    holds it."""
    if variant not in FIRMWARE_VARIANTS:
        return None
    try:
        report = reported(response)
        known = inventory.get_device(device)
    except Exception:  # a fault in learning must not stop the Response being recorded
        log.exception("reading the firmware of a %s Response failed", variant)
        return None
    if report is None or known is None or known.firmware_version == report.version:
        return None
    event = Event(
        EventKind.INVENTORY_CHANGED, at, request_id, originator, str(device), variant, None, {}
    )
    step = inventory.record_firmware_step(
        device,
        report.version,
        at,
        request_id or f"{variant}: firmware {report.version}",
        record=recorder(event, report, **detail),
    )
    if isinstance(step, EstateRefusal):
        log.info("%s's firmware %s is not recorded: %s", device, report.version, step.message)
        return None
    return Recording(device, report, step)
