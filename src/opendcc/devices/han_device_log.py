"""HAN Device Logs of meters, GPFs and Type 1 HAN Devices: join, unjoin, read, restore.

GBCS 13.7 and 13.8. Each Device keeps a Device Log of the HAN Devices it may talk to
(Entity Identifier and device type, with the join method used):

- CS03A1 / CS03A2 / CS03B / CS03C Join (DUIS 8.7.1, 8.7.2): checks, in GBCS order, that
  the message code fits the join method and role (``invalidMessageCodeForJoinMethodAndRole``),
  the method fits this Device and the other one (``invalidJoinMethodAndRole``, e.g. a GSME
  asked to join a PPMID by method B), a method C join carries the other Device's Key
  Agreement certificate (``invalidOrMissingCertificate``), an existing entry for the other
  Device has the same type (``incompatibleWithExistingEntry``; the same again is success),
  the log has room (``deviceLogFull``), and the other Device is on the HAN: when the
  Communications Hub's whitelist is managed (8.11) and does not list the other Device,
  key establishment cannot start (``noCBKEResponse`` for methods A and C,
  ``noPartnerLinkKeyReceived`` for method B).
- CS04AC / CS04B Unjoin (8.8): ``notInDeviceLog``, or ``otherFailure`` when the message
  code does not fit how the entry joined.
- Each join and unjoin the Device is asked to carry out goes in its Security Log (GBCS
  alert codes 0x8F48 Device joining failed, 0x8F49 Device joining succeeded, 0x8F4A
  Device Unjoining failed, 0x8F4B Device Unjoining succeeded; ``device_logs``): a join
  that finds the other Device already in the log answers success and logs 0x8F49. The
  GPF's mirrored copy of a GSME's change is not a join the GPF carried out: not logged.
- CS07 Read Device Join Details (8.9) lists the log.
- The GPF keeps the GSME's partners too: a join or unjoin on a GSME is mirrored into its
  GPF's log (``DeviceContext.peer``), and a GPF whose log changed sends its backup, GCS62
  (Alert 0x8071), when next woken. GCS59 (8.12.2) restores a backup on a new GPF.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from opendcc.devices.device_logs import Change, record
from opendcc.devices.han_chf import whitelisted
from opendcc.devices.security_common import (
    der_body,
    der_bytes,
    der_reply,
    family_handles,
    planned_fault,
)
from opendcc.devices.simulator import (
    AlertSpec,
    DeviceCommand,
    DeviceContext,
    DeviceReply,
    on_wake,
)
from opendcc.devices.state import DeviceState, Section
from opendcc.eui import DCC_ACCESS_CONTROL_BROKER, Eui64
from opendcc.gbcs.der import (
    DeviceLogEntry,
    GpfDeviceLogBackupAlert,
    GpfDeviceLogRestoreCommand,
    GpfDeviceLogRestoreResponse,
    JoinDeviceCommand,
    JoinDeviceResponse,
    JoinMethodAndRole,
    JoinResponseCode,
    ReadDeviceJoinDetailsResponse,
    ReadDeviceJoinDetailsResponseCode,
    RestoreOutcome,
    UnjoinDeviceCommand,
    UnjoinDeviceResponse,
    UnjoinResponseCode,
)
from opendcc.gbcs.der import DeviceType as HanType
from opendcc.gbcs.der.common import CERTIFICATE_READ_ERRORS
from opendcc.inventory.model import DeviceType
from opendcc.smki.identity import KeyUsage, certificate_eui, certificate_usage

Method = JoinMethodAndRole
GCS62: Final = 0x00B2
GPF_DEVICE_LOG_BACKUP: Final = 0x8071

USE_CASE_METHOD: Final[dict[str, Method]] = {
    "CS03A1": Method.METHOD_A_INITIATOR,
    "CS03A2": Method.METHOD_A_RESPONDER,
    "CS03B": Method.METHOD_B,
    "CS03C": Method.METHOD_C,
}
"""The join method and role each join message code carries (GBCS 13.7.3)."""

VALID_JOINS: Final[dict[Method, dict[DeviceType, frozenset[HanType]]]] = {
    Method.METHOD_A_INITIATOR: {DeviceType.ESME: frozenset({HanType.PPMID, HanType.HCALCS})},
    Method.METHOD_A_RESPONDER: {
        DeviceType.PPMID: frozenset({HanType.ESME}),
        DeviceType.HCALCS: frozenset({HanType.ESME}),
    },
    Method.METHOD_B: {
        DeviceType.ESME: frozenset({HanType.TYPE_2}),
        DeviceType.GSME: frozenset({HanType.TYPE_2, HanType.GPF}),
        DeviceType.GPF: frozenset({HanType.TYPE_2, HanType.PPMID}),
    },
    Method.METHOD_C: {
        DeviceType.GSME: frozenset({HanType.PPMID}),
        DeviceType.PPMID: frozenset({HanType.GSME}),
    },
}
"""Which Devices may join which, by method (GBCS 13.7.2)."""

METHOD_B_UNJOIN: Final = "CS04B"
CAPACITY: Final[dict[DeviceType, int]] = {
    DeviceType.ESME: 12,
    DeviceType.GSME: 12,
    DeviceType.GPF: 12,
    DeviceType.PPMID: 4,
    DeviceType.HCALCS: 4,
}
"""Device Log sizes are the manufacturer's; these are opendcc's."""


@dataclass(slots=True)
class DeviceLog(Section):
    """The Device's HAN partners, oldest first; a GPF's pending backup."""

    NAME = "device_log"
    entries: list[dict[str, Any]] = field(default_factory=list)
    backup_due: bool = False

    def find(self, device: Eui64) -> dict[str, Any] | None:
        return next((e for e in self.entries if e["device"] == device.hex), None)

    def add(self, device: Eui64, kind: int, method: int, now: datetime) -> None:
        self.entries.append(
            {"device": device.hex, "type": int(kind), "method": int(method), "joined_at": now}
        )

    def remove(self, device: Eui64) -> bool:
        before = len(self.entries)
        self.entries = [e for e in self.entries if e["device"] != device.hex]
        return len(self.entries) != before

    def log_entries(self) -> tuple[DeviceLogEntry, ...]:
        return tuple(
            DeviceLogEntry(Eui64.from_bytes(bytes.fromhex(e["device"])), _han_type(e["type"]))
            for e in self.entries
        )


def _han_type(value: int) -> HanType | int:
    try:
        return HanType(value)
    except ValueError:
        return value


def joined(state: DeviceState, device: Eui64) -> bool:
    """Whether ``device`` is in the Device's log."""
    return state.get(DeviceLog).find(device) is not None


# --- join -------------------------------------------------------------------------------------


@family_handles("CS03A1", "CS03A2", "CS03B", "CS03C")
def join_device(command: DeviceCommand, context: DeviceContext) -> DeviceReply:
    request = der_body(command, JoinDeviceCommand)
    code = _join(command.use_case or "", request, context)
    joined = code == JoinResponseCode.SUCCESS
    record(context, Change.HAN_JOINED if joined else Change.HAN_JOIN_FAILED)
    return der_reply(JoinDeviceResponse(code))


def _join(use_case: str, request: JoinDeviceCommand, context: DeviceContext) -> JoinResponseCode:
    method = request.join_method_and_role
    if USE_CASE_METHOD.get(use_case) != method:
        return JoinResponseCode.INVALID_MESSAGE_CODE_FOR_JOIN_METHOD_AND_ROLE
    this = context.device.device_type
    partners = VALID_JOINS.get(Method(method), {}).get(this, frozenset())
    if request.other_device_type not in partners:
        return JoinResponseCode.INVALID_JOIN_METHOD_AND_ROLE
    other = request.other_device_entity_id
    if method == Method.METHOD_C and not _partner_certificate_fits(request):
        return JoinResponseCode.INVALID_OR_MISSING_CERTIFICATE
    log = context.state.get(DeviceLog)
    existing = log.find(other)
    if existing is not None:
        if existing["type"] != int(request.other_device_type):
            return JoinResponseCode.INCOMPATIBLE_WITH_EXISTING_ENTRY
        return JoinResponseCode.SUCCESS
    if len(log.entries) >= CAPACITY.get(this, 0):
        return JoinResponseCode.DEVICE_LOG_FULL
    if request.other_device_type != HanType.GPF and not _on_the_han(context, other):
        if method == Method.METHOD_B:
            return JoinResponseCode.NO_PARTNER_LINK_KEY_RECEIVED
        return JoinResponseCode.NO_CBKE_RESPONSE
    log.add(other, request.other_device_type, method, context.now)
    context.state.touch()
    _mirror_to_gpf(context, other, int(request.other_device_type), int(method), joining=True)
    return JoinResponseCode.SUCCESS


def _partner_certificate_fits(request: JoinDeviceCommand) -> bool:
    """Method C: the other Device's Key Agreement certificate, naming that Device."""
    if request.other_device_certificate is None:
        return False
    try:
        certificate = request.other_device_certificate.x509()
        return (
            certificate_eui(certificate) == request.other_device_entity_id
            and certificate_usage(certificate) is KeyUsage.KEY_AGREEMENT
        )
    except CERTIFICATE_READ_ERRORS:
        return False


def hub_of(context: DeviceContext) -> Eui64 | None:
    """The Communications Hub Function this Device's HAN belongs to."""
    device = context.device
    if device.chf_id is not None:
        return device.chf_id
    parent_id = device.parent_id
    if parent_id is not None and context.inventory is not None:
        parent = context.inventory.get_device(parent_id)
        if parent is not None:
            return parent.chf_id
    return None


def _on_the_han(context: DeviceContext, other: Eui64) -> bool:
    """Whether ``other`` may be on this HAN: listed in a managed CHF whitelist (a CHF whose
    whitelist nobody set up, in a seeded estate, is taken to list every Device)."""
    hub = hub_of(context)
    hub_state = context.peer(hub) if hub is not None else None
    return hub_state is None or whitelisted(hub_state, other)


def _mirror_to_gpf(
    context: DeviceContext, other: Eui64, kind: int, method: int, *, joining: bool
) -> None:
    """A GSME's partners are also its GPF's (the GPF answers for the GSME on the HAN)."""
    if context.device.device_type is not DeviceType.GSME or context.device.parent_id is None:
        return
    if other == context.device.parent_id:
        return
    gpf = context.peer(context.device.parent_id)
    if gpf is None or gpf.device.device_type is not DeviceType.GPF:
        return
    log = gpf.get(DeviceLog)
    changed = False
    if joining and log.find(other) is None and len(log.entries) < CAPACITY[DeviceType.GPF]:
        log.add(other, kind, method, context.now)
        changed = True
    elif not joining:
        changed = log.remove(other)
    if changed:
        _backup_due(gpf, context.now)


def _backup_due(gpf: DeviceState, now: datetime) -> None:
    gpf.get(DeviceLog).backup_due = True
    gpf.touch()
    if gpf.next_wake is None or now < gpf.next_wake:
        gpf.next_wake = now


# --- unjoin -----------------------------------------------------------------------------------


@family_handles("CS04AC", "CS04B")
def unjoin_device(command: DeviceCommand, context: DeviceContext) -> DeviceReply:
    request = der_body(command, UnjoinDeviceCommand)
    log = context.state.get(DeviceLog)
    other = request.other_device_entity_id
    entry = log.find(other)
    if entry is None:
        record(context, Change.HAN_UNJOIN_FAILED)
        return der_reply(UnjoinDeviceResponse(UnjoinResponseCode.NOT_IN_DEVICE_LOG))
    method_b = entry["method"] == Method.METHOD_B
    if method_b != (command.use_case == METHOD_B_UNJOIN):
        record(context, Change.HAN_UNJOIN_FAILED)
        return der_reply(UnjoinDeviceResponse(UnjoinResponseCode.OTHER_FAILURE))
    record(context, Change.HAN_UNJOINED)
    log.remove(other)
    context.state.touch()
    _mirror_to_gpf(context, other, entry["type"], entry["method"], joining=False)
    if context.device.device_type is DeviceType.GPF:
        _backup_due(context.state, context.now)
    return der_reply(UnjoinDeviceResponse(UnjoinResponseCode.SUCCESS))


# --- read, restore, backup --------------------------------------------------------------------


@family_handles("CS07")
def read_device_join_details(command: DeviceCommand, context: DeviceContext) -> DeviceReply:
    if planned_fault(context, command.use_case) is not None:
        # GBCS CS07: a Device that cannot read its Device Log answers readFailure, no entries.
        return der_reply(
            ReadDeviceJoinDetailsResponse(ReadDeviceJoinDetailsResponseCode.READ_FAILURE)
        )
    entries = context.state.get(DeviceLog).log_entries()
    return der_reply(
        ReadDeviceJoinDetailsResponse(ReadDeviceJoinDetailsResponseCode.SUCCESS, entries)
    )


@family_handles("GCS59")
def restore_gpf_device_log(command: DeviceCommand, context: DeviceContext) -> DeviceReply:
    request = der_body(command, GpfDeviceLogRestoreCommand)
    log = context.state.get(DeviceLog)
    outcomes = []
    for entry in request.device_log_entries:
        existing = log.find(entry.device_id)
        if existing is not None:
            code = (
                JoinResponseCode.SUCCESS
                if existing["type"] == int(entry.device_type)
                else JoinResponseCode.INCOMPATIBLE_WITH_EXISTING_ENTRY
            )
        elif len(log.entries) >= CAPACITY[DeviceType.GPF]:
            code = JoinResponseCode.DEVICE_LOG_FULL
        else:
            method = Method.METHOD_B if entry.device_type == HanType.TYPE_2 else Method.METHOD_C
            log.add(entry.device_id, entry.device_type, method, context.now)
            code = JoinResponseCode.SUCCESS
        outcomes.append(RestoreOutcome(entry, code))
    _backup_due(context.state, context.now)
    return der_reply(GpfDeviceLogRestoreResponse(tuple(outcomes)))


@on_wake
def send_gpf_backup(context: DeviceContext) -> None:
    """GCS62: a GPF whose Device Log changed sends the DCC its backup."""
    if context.device.device_type is not DeviceType.GPF:
        return
    log = context.state.get(DeviceLog)
    if not log.backup_due:
        return
    alert = GpfDeviceLogBackupAlert(GPF_DEVICE_LOG_BACKUP, context.now, log.log_entries())
    context.raise_alert(
        AlertSpec(GCS62, der_bytes(alert), DCC_ACCESS_CONTROL_BROKER, critical=False)
    )
    log.backup_due = False
    context.state.touch()
