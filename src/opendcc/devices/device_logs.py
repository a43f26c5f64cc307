"""What the simulated Devices write in their Event, Security and Power Event logs.

GBCS gives every event a code (the alert code list, GBCS section 16 / ``gbcs.alert_codes``)
and says which log a Device keeps it in; DUIS 6.13 Read Event Or Security Log (ECS35a-g,
CS10a/b) reads them back. This module is the one table from what happened on a Device to
the code and log GBCS gives it (``CHANGES``), and the calls the families make where each
change happens:

| change | where it happens | code | log |
|---|---|---|---|
| a Command carried out / not (*) | ``simulator`` (ESME, GSME) | 0x8154 / 0x8155 | Event |
| supply armed (7.3, or credit restored) | ``supply_state`` | 0x8F32 | Event |
| consumer restores an Armed supply | ``supply_state`` | 0x8161 | Event |
| load limit exceeded (supply armed) | ``supply_state`` | 0x8F01 | Event |
| tamper locks the supply | ``supply_state`` | 0x81BE | Event |
| uncontrolled gas flow arms the valve | ``supply_state`` | 0x81BF | Event |
| mains supply interrupted | ``supply_events`` | 0x8F57 | Power Event (CHF: Event) |
| firmware activated (11.3) | ``security_firmware`` | 0x8F43 | Security |
| trust anchors replaced (6.15, 6.21, 6.23) | ``security_credentials`` | 0x8F70 | Security |
| own DS or KA certificate replaced, CS02d | ``security_device_credentials`` | 0x8F4D/4F | Sec. |
| ... not replaced | ``security_device_credentials`` | 0x8F4C/4E | Sec. |
| clock set / not set (6.11) | ``config_objects``, ``config_gas`` | 0x8145 / 0x81C6 | Event |
| a log cleared (3.3) | ``config_objects``, ``config_gas`` | 0x8F52 | Security |
| a Command whose MAC, signature or format fails | ``simulator`` | 0x8F1E | Security |
| a Command from an originator not trusted | ``simulator`` | 0x8F53 | Security |
| a replayed counter (GBCS 4.3.2.2) | ``simulator`` | 0x8F3E | Security |
| a UTRN used before, or older than those remembered (2.2) | ``tariffs_*`` (**) | 0x8F51 | Sec. |
| a UTRN that does not authenticate | ``tariffs_*`` (**) | 0x8F63 | Sec. |
| a UTRN from a Supplier the meter shares no top-up key with | ``tariffs_*`` (**) | 0x8F64 | Sec. |
| a UTRN above the maximum credit (per top-up) | ``tariffs_*`` (**) | 0x8F5B | Sec. |
| a UTRN that would pass the maximum meter balance | ``tariffs_*`` (**) | 0x8F47 | Sec. |
| a HAN join carried out / not (8.7) | ``han_device_log`` | 0x8F49 / 0x8F48 | Security |
| a HAN unjoin carried out / not (8.8) | ``han_device_log`` | 0x8F4B / 0x8F4A | Security |
| every Alert the Device raises | ``simulator`` (``on_alert``) | its code | by code |

(*) with the Command's message code (2 bytes) as the entry's other information.
(**) ``tariffs_esme`` (``check_utrn``, which ``tariffs_gsme`` shares) and ``tariffs_gsme``.

Tariff, price, payment mode and debt changes and accepted top-ups reach the logs as the
0x8154 entry of the Command that made them: GBCS's alert code list has no event for a
tariff, price, payment mode or debt written remotely, nor for a remote top-up (0x810E
Credit Added Locally is a UTRN keyed in at the meter or a PPMID, which the simulation does
not model); the billing data logs, 4.4.x, hold their values. The GBCS events that follow
from money running out or debts being cleared (0x81A7-0x81A9 Debt Collection Completed,
0x81AA / 0x81AB emergency credit) are raised by the tariffs family
(``tariffs_links.raise_money_events``) and logged by code. A refused
top-up is logged with the code GBCS gives the refusal (the table above; ``check_utrn``
says which check maps to which), besides the Command's own 0x8154 / 0x8155 entry; 0x81C4
UTRN Manual Entry Suspended and 0x81C5 UTRN rejected as locked out concern UTRNs keyed in
at the Device (manual entry), not the remote 2.2 top-up, and are not modelled. GBCS gives no event
code for a remote enable or disable of supply either: the ESME's record of 7.1 / 7.2 is
0x8154 with the ECS42 / ECS43 message code (0x004F / 0x0050), or 0x8155 when the switch did
not move.

Alerts are logged by code: the power events (0x8F35-0x8F3C, 0x8F57-0x8F5A) in the Power
Event Log; the auxiliary load control outcomes (0x811A, 0x8131) in the Auxiliary
Controller log; the GBCS security events (``reads_state.SECURITY_LOG_CODES``) in the
Security Log; ``NOT_LOGGED`` (alerts GBCS sends but does not log: billing data log
updated, credit below disablement threshold, device commissioned ...) nowhere; every other
code in the Event Log.

Each entry carries the Device's own clock (``config_api.device_time``: the hub's time plus
the Device's drift, which 6.11 clears), goes through the Device's logging behaviour (6.22:
an event the Supplier switched logging off for is not logged) and into the reads family's
bounded logs (``reads_state.log_event``: 100 entries, the oldest goes first). The same
code at the same second in the same log is one event (an Alert for a change already
logged adds nothing).

The choices for the discarded Commands are opendcc's: GBCS names the events (Integrity
check of content or format of command failed; Failed Authentication or Authorisation not
covered by other codes; Unauthorised Communication Access attempted) without tying each to
one check.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from opendcc.devices import config_api
from opendcc.devices.config_alerts import BehaviourKind
from opendcc.devices.reads_state import SECURITY_LOG_CODES, EventLogs, LogKind, log_event
from opendcc.devices.simulator import (
    AlertSpec,
    DeviceCommand,
    DeviceContext,
    Discard,
    on_actioned,
    on_alert,
    on_discard,
)
from opendcc.devices.state import DeviceState
from opendcc.gbcs.alert_codes import alert_code_in
from opendcc.gbcs.dlms.datetimes import to_gbcs_seconds
from opendcc.gbcs.frame import GbcsMessage
from opendcc.inventory.model import DeviceType


class Change(enum.StrEnum):
    """Something that happened on a Device that GBCS has it log."""

    COMMAND_ACTIONED = "command-actioned"
    COMMAND_NOT_ACTIONED = "command-not-actioned"
    SUPPLY_ARMED = "supply-armed"
    CONSUMER_RESTORED_SUPPLY = "consumer-restored-supply"
    LOAD_LIMIT_EXCEEDED = "load-limit-exceeded"
    SUPPLY_LOCKED_BY_TAMPER = "supply-locked-by-tamper"
    VALVE_ARMED_GAS_FLOW = "valve-armed-gas-flow"
    FIRMWARE_ACTIVATED = "firmware-activated"
    CREDENTIALS_UPDATED = "credentials-updated"
    CLOCK_ADJUSTED = "clock-adjusted"
    CLOCK_NOT_ADJUSTED = "clock-not-adjusted"
    LOG_CLEARED = "log-cleared"
    COMMAND_INTEGRITY_FAILED = "command-integrity-failed"
    COMMAND_NOT_AUTHENTICATED = "command-not-authenticated"
    COMMAND_REPLAYED = "command-replayed"
    SUPPLY_INTERRUPTED = "supply-interrupted"
    DS_CERTIFICATE_REPLACED = "ds-certificate-replaced"
    DS_CERTIFICATE_NOT_REPLACED = "ds-certificate-not-replaced"
    KA_CERTIFICATE_REPLACED = "ka-certificate-replaced"
    KA_CERTIFICATE_NOT_REPLACED = "ka-certificate-not-replaced"
    UTRN_DUPLICATE = "utrn-duplicate"
    UTRN_NOT_AUTHENTIC = "utrn-not-authentic"
    UTRN_NOT_FOR_THIS_DEVICE = "utrn-not-for-this-device"
    UTRN_ABOVE_MAXIMUM_CREDIT = "utrn-above-maximum-credit"
    UTRN_ABOVE_MAXIMUM_BALANCE = "utrn-above-maximum-balance"
    HAN_JOIN_FAILED = "han-join-failed"
    HAN_JOINED = "han-joined"
    HAN_UNJOIN_FAILED = "han-unjoin-failed"
    HAN_UNJOINED = "han-unjoined"


@dataclass(frozen=True, slots=True)
class Logged:
    """The GBCS event code of a change and the log it goes in."""

    code: int
    log: LogKind


_E, _S = LogKind.EVENT, LogKind.SECURITY

CHANGES: Final[dict[Change, Logged]] = {
    Change.COMMAND_ACTIONED: Logged(0x8154, _E),
    Change.COMMAND_NOT_ACTIONED: Logged(0x8155, _E),
    Change.SUPPLY_ARMED: Logged(0x8F32, _E),
    Change.CONSUMER_RESTORED_SUPPLY: Logged(0x8161, _E),
    Change.LOAD_LIMIT_EXCEEDED: Logged(0x8F01, _E),
    Change.SUPPLY_LOCKED_BY_TAMPER: Logged(0x81BE, _E),
    Change.VALVE_ARMED_GAS_FLOW: Logged(0x81BF, _E),
    Change.FIRMWARE_ACTIVATED: Logged(0x8F43, _S),
    Change.CREDENTIALS_UPDATED: Logged(0x8F70, _S),
    Change.CLOCK_ADJUSTED: Logged(0x8145, _E),
    Change.CLOCK_NOT_ADJUSTED: Logged(0x81C6, _E),
    Change.LOG_CLEARED: Logged(0x8F52, _S),
    Change.COMMAND_INTEGRITY_FAILED: Logged(0x8F1E, _S),
    Change.COMMAND_NOT_AUTHENTICATED: Logged(0x8F53, _S),
    Change.COMMAND_REPLAYED: Logged(0x8F3E, _S),
    Change.SUPPLY_INTERRUPTED: Logged(0x8F57, LogKind.POWER_EVENT),
    Change.DS_CERTIFICATE_REPLACED: Logged(0x8F4D, _S),
    Change.DS_CERTIFICATE_NOT_REPLACED: Logged(0x8F4C, _S),
    Change.KA_CERTIFICATE_REPLACED: Logged(0x8F4F, _S),
    Change.KA_CERTIFICATE_NOT_REPLACED: Logged(0x8F4E, _S),
    Change.UTRN_DUPLICATE: Logged(0x8F51, _S),
    Change.UTRN_NOT_AUTHENTIC: Logged(0x8F63, _S),
    Change.UTRN_NOT_FOR_THIS_DEVICE: Logged(0x8F64, _S),
    Change.UTRN_ABOVE_MAXIMUM_CREDIT: Logged(0x8F5B, _S),
    Change.UTRN_ABOVE_MAXIMUM_BALANCE: Logged(0x8F47, _S),
    Change.HAN_JOIN_FAILED: Logged(0x8F48, _S),
    Change.HAN_JOINED: Logged(0x8F49, _S),
    Change.HAN_UNJOIN_FAILED: Logged(0x8F4A, _S),
    Change.HAN_UNJOINED: Logged(0x8F4B, _S),
}
"""Every change a Device logs: its GBCS event code and log (the module docstring's table)."""

DISCARDS: Final[dict[Discard, Change]] = {
    Discard.UNREADABLE: Change.COMMAND_INTEGRITY_FAILED,
    Discard.NOT_AUTHENTIC: Change.COMMAND_INTEGRITY_FAILED,
    Discard.REFUSED: Change.COMMAND_INTEGRITY_FAILED,
    Discard.NOT_AUTHORISED: Change.COMMAND_NOT_AUTHENTICATED,
    Discard.REPLAYED: Change.COMMAND_REPLAYED,
}
"""Why a Device dropped a Command -> what it logs (a Command for another Device, or one the
simulation has no model of, leaves no trace)."""

COMMAND_LOGGING_DEVICES: Final = frozenset({DeviceType.ESME, DeviceType.GSME})
"""The Devices that log each Command they carry out (0x8154 / 0x8155 are meter events)."""

POWER_EVENT_CODES: Final = frozenset(range(0x8F35, 0x8F3D)) | frozenset(range(0x8F57, 0x8F5B))
AUXILIARY_CONTROLLER_CODES: Final = frozenset({0x811A, 0x8131})
NOT_LOGGED: Final = frozenset(
    {0x8F0A, 0x8F0F, 0x8F34, 0x8F3D, 0x8F69, 0x8F83, 0x8168, 0x810D, 0x810E, 0x8119, 0x81A2,
     0x81A3}
)  # fmt: skip
"""Alerts GBCS raises without a log entry."""


def log_of(code: int) -> LogKind | None:
    """The log an Alert's code goes in, or None when GBCS does not log it."""
    if code in NOT_LOGGED:
        return None
    if code in POWER_EVENT_CODES:
        return LogKind.POWER_EVENT
    if code in AUXILIARY_CONTROLLER_CODES:
        return LogKind.AUXILIARY_CONTROLLER
    return LogKind.SECURITY if code in SECURITY_LOG_CODES else LogKind.EVENT


def record(
    target: DeviceContext | DeviceState,
    change: Change,
    now: datetime | None = None,
    *,
    other_information: bytes = b"",
) -> bool:
    """Log ``change`` on the Device (at ``now``, the hub's time; default the context's),
    stamped with the Device's clock. False when the Device's logging behaviour leaves it
    out or it is already logged."""
    logged = CHANGES[change]
    state = target.state if isinstance(target, DeviceContext) else target
    kind = logged.log
    if kind is LogKind.POWER_EVENT and state.device.device_type is not DeviceType.ESME:
        kind = LogKind.EVENT  # only the ESME keeps a Power Event Log (the CHF: its Event Log)
    return record_code(target, logged.code, now, log=kind, other_information=other_information)


def record_code(
    target: DeviceContext | DeviceState,
    code: int,
    now: datetime | None = None,
    *,
    log: LogKind | None = None,
    other_information: bytes = b"",
) -> bool:
    """Log event ``code`` (in ``log``, default by code: ``log_of``); see ``record``."""
    state = target.state if isinstance(target, DeviceContext) else target
    if now is None:
        if not isinstance(target, DeviceContext):
            raise ValueError("give the time of the event when logging outside a Command")
        now = target.now
    kind = log or log_of(code)
    if kind is None or not config_api.behaviour(state, code, BehaviourKind.LOG):
        return False
    at = config_api.device_time(state, now)
    rows = state.get(EventLogs).logs.get(kind.value) or []
    seconds = to_gbcs_seconds(at)
    info = other_information.hex()
    if any(r[0] == seconds and r[1] == code and r[2] == info for r in rows[-8:]):
        return False
    log_event(state, code, at, other_information=other_information, log=kind)
    return True


def clear(target: DeviceContext | DeviceState, kind: LogKind, now: datetime | None = None) -> None:
    """Empty one of the Device's logs (3.3 Clear Event Log) and note it in the Security
    Log (0x8F52 Event Log Cleared), so the clearing itself stays on record."""
    state = target.state if isinstance(target, DeviceContext) else target
    logs = state.get(EventLogs).logs
    if logs.get(kind.value):
        logs[kind.value] = []
        state.touch()
    record(target, Change.LOG_CLEARED, now)


# --- the simulator's observers ---------------------------------------------------------


@on_actioned
def _command_carried_out(command: DeviceCommand, context: DeviceContext, actioned: bool) -> None:
    """GBCS: a meter logs each Command it receives, 0x8154 when it acted on it and 0x8155
    when it could not, with the Command's message code as other information."""
    if context.device.device_type not in COMMAND_LOGGING_DEVICES:
        return
    change = Change.COMMAND_ACTIONED if actioned else Change.COMMAND_NOT_ACTIONED
    code = command.message.message_code.to_bytes(2, "big")
    record(context, change, other_information=code)


@on_discard
def _command_discarded(
    state: DeviceState, now: datetime, discard: Discard, _message: GbcsMessage | None
) -> None:
    change = DISCARDS.get(discard)
    if change is not None:
        record(state, change, now)


@on_alert
def _alert_raised(context: DeviceContext, spec: AlertSpec, gbcs: bytes) -> None:
    code = spec.alert_code if spec.alert_code is not None else alert_code_in(gbcs)
    if code is not None:
        record_code(context, code, spec.occurred_at)
