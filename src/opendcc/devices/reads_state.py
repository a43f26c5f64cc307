"""The state the reads family keeps on a simulated Device, and the small API other families
use to add to it.

Sections (all JSON, all bounded):

- ``reads_meter`` (ESME): the ESME variant (A single element, B twin, C polyphase...);
- ``reads_gpf_mirror`` (GPF): the GSME whose data the GPF mirrors;
- ``event_logs`` (every Device): Event, Security, Power Event, Auxiliary Controller logs;
- ``reads_billing`` (meters): event-driven billing data (change of mode / tariff
  snapshots, debt payments, prepayment credits) and the prepayment half of billing
  calendar snapshots;
- ``reads_tou_history`` (meters, in ``reads_metering``): when each TOU / block tariff came
  into force, with the registers then;
- ``reads_max_demand`` (ESME): maximum demand resets and the configurable window;
- ``reads_network_data`` (GSME): the network data log GCS31 started;
- ``reads_cin`` (meters): the Customer Identification Number last sent (9.1);
- ``reads_faults`` (any): read faults injected for testing (answered as the RTDS ERROR
  Responses are).

Logs hold at most ``LOG_CAPACITY`` entries (GBCS / SMETS2 event and security logs hold
100); the oldest entry goes first.

API for other families (import this module; it imports none of theirs):

- ``log_event(context, code, at=None, other_information=b"", log=None)``: append a log
  entry (the log defaults from the code: GBCS security events to the Security Log, the
  rest to the Event Log);
- ``record_billing_snapshot(context, at, cause)``: a change of payment mode or of tariff
  happened (4.4.2 log entry; the registers at ``at`` are captured);
- ``record_debt_payment(context, amount, at, outstanding=0)`` (4.4.4);
- ``record_prepayment_credit(context, amount, at, utrn=b"")`` (4.4.5);
- ``reads_billing.note_tariff_change(context, at)``: the tariff section changed at ``at``
  (TOU registers switch rates from then on);
- ``set_esme_variant(state, variant)``, ``attach_gsme(gpf_state, gsme_eui)``: seeding;
- ``inject_read_fault(state, use_case, times=1, place=EVERY_REQUEST, attribute=None)``:
  make the next reads fail (testing): every request, or at the reference's place
  (``REFERENCE_POSITION``, DLMS) or an index (a DLMS request or a GBZ component; those
  after it are not attempted), or one ZigBee attribute's record.

Other families' state is read by section NAME through ``DeviceState.peek`` (never by
importing their modules); the conventions are in ``reads_foreign`` and
``docs/catalogue-reads.md``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any, Final

from opendcc.devices.reads_foreign import prepayment_registers
from opendcc.devices.simulator import DeviceContext
from opendcc.devices.state import DeviceState, Section
from opendcc.eui import Eui64
from opendcc.gbcs.dlms.datetimes import from_gbcs_seconds, to_gbcs_seconds

LOG_CAPACITY: Final = 100
BILLING_LOG_CAPACITY: Final = 12
"""Entries of the event-driven billing data logs (one year of monthly bills)."""
DEBT_LOG_CAPACITY: Final = 10
CREDIT_LOG_CAPACITY: Final = 10


class LogKind(enum.StrEnum):
    """The Device logs 6.13 reads."""

    EVENT = "event"
    SECURITY = "security"
    POWER_EVENT = "power_event"
    AUXILIARY_CONTROLLER = "auxiliary_controller_event"


# GBCS event codes kept in the Security Log rather than the Event Log (the codes the
# reference Security Log reads carry: ECS35b, CS10b).
SECURITY_LOG_CODES: Final = frozenset(
    {
        0x8F0C, 0x8F1B, 0x8F1C, 0x8F1E, 0x8F3E, 0x8F3F, 0x8F43, 0x8F47, 0x8F48, 0x8F49,
        0x8F4A, 0x8F4B, 0x8F4C, 0x8F4D, 0x8F4E, 0x8F4F, 0x8F51, 0x8F52, 0x8F53, 0x8F5B,
        0x8F60, 0x8F63, 0x8F64, 0x8F70, 0x8F72, 0x8F73, 0x8F74, 0x8F75, 0x8F76, 0x8F77,
        0x8F78, 0x8F82,
    }
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One log entry. ``outcome`` and ``han_command_time`` belong to the Auxiliary
    Controller log (GBCS columns: time, code, outcome, time of the HAN command)."""

    at: datetime
    code: int
    other_information: bytes = b""
    outcome: int = 0
    han_command_time: int = 0

    def to_row(self) -> list[Any]:
        return [
            to_gbcs_seconds(self.at),
            self.code,
            self.other_information.hex(),
            self.outcome,
            self.han_command_time,
        ]

    @classmethod
    def from_row(cls, row: list[Any]) -> LogEntry:
        return cls(
            from_gbcs_seconds(int(row[0])), int(row[1]), bytes.fromhex(row[2]), row[3], row[4]
        )


@dataclass(slots=True)
class EventLogs(Section):
    """Rows ``[seconds since 2000, code, other information hex, outcome, HAN time]``."""

    NAME = "event_logs"
    logs: dict[str, list[list[Any]]] = field(default_factory=dict)

    def entries(self, kind: LogKind) -> list[LogEntry]:
        return [LogEntry.from_row(row) for row in self.logs.get(kind.value, [])]


def _state(target: DeviceContext | DeviceState) -> DeviceState:
    return target.state if isinstance(target, DeviceContext) else target


def _now(target: DeviceContext | DeviceState, at: datetime | None) -> datetime:
    if at is not None:
        return at
    if isinstance(target, DeviceContext):
        return target.now
    raise ValueError("give the time of the event when logging outside a Command")


def log_event(
    target: DeviceContext | DeviceState,
    code: int,
    at: datetime | None = None,
    *,
    other_information: bytes = b"",
    log: LogKind | None = None,
    outcome: int = 0,
    han_command_time: int = 0,
) -> None:
    """Append an entry to one of the Device's logs (the oldest goes beyond capacity)."""
    if not 0 <= code <= 0xFFFF:
        raise ValueError(f"an event code is 16 bits, not {code:#x}")
    state = _state(target)
    kind = log or (LogKind.SECURITY if code in SECURITY_LOG_CODES else LogKind.EVENT)
    entry = LogEntry(_now(target, at), code, bytes(other_information), outcome, han_command_time)
    section = state.get(EventLogs)
    rows = section.logs.setdefault(kind.value, [])
    rows.append(entry.to_row())
    rows.sort(key=lambda row: row[0])
    del rows[:-LOG_CAPACITY]
    state.touch()


# --- meter configuration ---------------------------------------------------------------


@dataclass(slots=True)
class MeterConfiguration(Section):
    """What kind of ESME this is: DUIS ``ESMEVariant`` (A single element, B twin element,
    C polyphase, with letters for optional parts)."""

    NAME = "reads_meter"
    esme_variant: str = "A"

    @property
    def twin_element(self) -> bool:
        return self.esme_variant.upper().startswith("B")

    @property
    def polyphase(self) -> bool:
        return self.esme_variant.upper().startswith("C")


def set_esme_variant(state: DeviceState, variant: str) -> None:
    if not variant or variant[0].upper() not in "ABC":
        raise ValueError(f"not a DUIS ESMEVariant: {variant!r}")
    state.get(MeterConfiguration).esme_variant = variant.upper()
    state.touch()


@dataclass(slots=True)
class GasProxyMirror(Section):
    """The GSME a GPF mirrors (its EUI-64 as hex), set when the pair is known."""

    NAME = "reads_gpf_mirror"
    gsme: str | None = None

    def gsme_eui(self) -> Eui64 | None:
        return None if self.gsme is None else Eui64.parse(self.gsme)


def attach_gsme(gpf_state: DeviceState, gsme: Eui64) -> None:
    section = gpf_state.get(GasProxyMirror)
    if section.gsme != gsme.hex:
        section.gsme = gsme.hex
        gpf_state.touch()


# --- event-driven billing data ---------------------------------------------------------


@dataclass(slots=True)
class BillingData(Section):
    """Event-driven billing entries (rows keyed by seconds since 2000), each list bounded.

    ``mode_tariff``: ``[seconds, cause, registers..., prepayment...]`` snapshots;
    ``calendar_prepayment``: prepayment registers captured at billing dates (materialised
    when first seen, ``calendar_seen`` is the last date done); ``debt_payments``:
    ``[seconds, amount, outstanding]``; ``credits``: ``[seconds, amount, utrn hex]``.
    """

    NAME = "reads_billing"
    mode_tariff: list[list[Any]] = field(default_factory=list)
    calendar_prepayment: list[list[int]] = field(default_factory=list)
    calendar_seen: int | None = None
    calendar_next: int | None = None
    """The next billing date after ``calendar_seen`` (nothing to capture before it)."""
    debt_payments: list[list[int]] = field(default_factory=list)
    credits: list[list[Any]] = field(default_factory=list)
    payment_mode: str | None = None
    """The payment mode last seen, to notice a change of mode."""


def _append(rows: list[Any], row: list[Any], capacity: int) -> None:
    rows.append(row)
    rows.sort(key=lambda r: r[0])
    del rows[:-capacity]


CAUSE_CHANGE_OF_TARIFF: Final = 0x0000_0008
CAUSE_CHANGE_OF_PAYMENT_MODE: Final = 0x0000_2000


def record_billing_snapshot(
    target: DeviceContext | DeviceState, at: datetime, cause: int = CAUSE_CHANGE_OF_TARIFF
) -> None:
    """Note a change of payment mode or tariff at ``at``: the Device captures its billing
    registers then (the 4.4.2 log). The values are computed when the log is read, from the
    registers at ``at`` and the prepayment registers noted now."""
    state = _state(target)
    row: list[Any] = [to_gbcs_seconds(at), cause, *prepayment_registers(state)]
    _append(state.get(BillingData).mode_tariff, row, BILLING_LOG_CAPACITY)
    state.touch()


def record_debt_payment(
    target: DeviceContext | DeviceState, amount: int, at: datetime, outstanding: int = 0
) -> None:
    """A payment-based debt collection (4.4.4): ``amount`` and the debt then outstanding,
    in the Device's currency units."""
    state = _state(target)
    row = [to_gbcs_seconds(at), int(amount), int(outstanding)]
    _append(state.get(BillingData).debt_payments, row, DEBT_LOG_CAPACITY)
    state.touch()


def record_prepayment_credit(
    target: DeviceContext | DeviceState, amount: int, at: datetime, utrn: bytes = b""
) -> None:
    """A top-up credited to the meter (4.4.5), with its UTRN when it came as one."""
    state = _state(target)
    row = [to_gbcs_seconds(at), int(amount), bytes(utrn).hex()]
    _append(state.get(BillingData).credits, row, CREDIT_LOG_CAPACITY)
    state.touch()


# --- the rest ---------------------------------------------------------------------------


@dataclass(slots=True)
class NetworkDataLog(Section):
    """The gas network data log GCS31 started: when, how often, how many samples."""

    NAME = "reads_network_data"
    started: int | None = None
    """Seconds since 2000 of the first sample."""
    interval_s: int = 360
    max_samples: int = 41
    sample_id: int = 2


@dataclass(slots=True)
class CustomerIdentification(Section):
    NAME = "reads_cin"
    cin: str | None = None
    set_at: datetime | None = None


EVERY_REQUEST: Final = -2
"""A read fault that fails every request (every record, every component)."""
REFERENCE_POSITION: Final = -1
"""A read fault where the reference ERROR Responses put it (GBCS RTDS): the next-to-last
DLMS request (the only one of a single-request Command) answers hardware-fault, those
before it are answered, those after it other-reason (not attempted)."""


@dataclass(frozen=True, slots=True)
class ReadFault:
    """A planned fault: where it strikes (``EVERY_REQUEST``, ``REFERENCE_POSITION`` or a
    0-based index of a DLMS request or a GBZ component) and, for ZigBee Read Attributes,
    the one attribute (by ZCL name) whose record fails (None: every record)."""

    place: int = EVERY_REQUEST
    attribute: str | None = None

    def status_of(self, index: int, count: int) -> str:
        """``ok``, ``fault`` or ``not-attempted`` for DLMS request (or GBZ component)
        ``index`` of ``count``."""
        if self.place == EVERY_REQUEST:
            return "fault"
        at = max(count - 2, 0) if self.place == REFERENCE_POSITION else min(self.place, count - 1)
        return "ok" if index < at else "fault" if index == at else "not-attempted"


@dataclass(slots=True)
class ReadFaults(Section):
    """Reads that will fail (use case -> how many more times), for testing error paths,
    and where (use case -> [place, attribute]; absent: every request)."""

    NAME = "reads_faults"
    pending: dict[str, int] = field(default_factory=dict)
    places: dict[str, list[Any]] = field(default_factory=dict)


def inject_read_fault(
    state: DeviceState,
    use_case: str,
    times: int = 1,
    *,
    place: int = EVERY_REQUEST,
    attribute: str | None = None,
) -> None:
    """Make the Device's next ``times`` answers to ``use_case`` report a hardware fault:
    on every request (default), at ``place`` (``REFERENCE_POSITION`` or an index), and for
    a ZigBee Read Attributes on ``attribute``'s record only when given."""
    if times < 1:
        raise ValueError("inject at least one fault")
    if place < EVERY_REQUEST:
        raise ValueError(f"no request at {place}")
    section = state.get(ReadFaults)
    section.pending[use_case] = section.pending.get(use_case, 0) + times
    if place == EVERY_REQUEST and attribute is None:
        section.places.pop(use_case, None)
    else:
        section.places[use_case] = [place, attribute]
    state.touch()


def take_read_fault(context: DeviceContext, use_case: str | None) -> ReadFault | None:
    """The fault planned for this answer to ``use_case`` (one fewer pending), or None."""
    section = context.state.get(ReadFaults)
    name = use_case or ""
    left = section.pending.get(name, 0)
    if left <= 0:
        return None
    place, attribute = section.places.get(name, [EVERY_REQUEST, None])
    if left == 1:
        del section.pending[name]
        section.places.pop(name, None)
    else:
        section.pending[name] = left - 1
    context.state.touch()
    return ReadFault(int(place), attribute)


def take_fault(context: DeviceContext, use_case: str | None) -> bool:
    """True (and one fewer pending) when a fault is pending for ``use_case``."""
    return take_read_fault(context, use_case) is not None


@dataclass(slots=True)
class MaxDemand(Section):
    """When each maximum demand register was last reset (None: the start of the current
    month, the default billing period) and the configurable time-of-day window."""

    NAME = "reads_max_demand"
    import_reset: datetime | None = None
    configurable_reset: datetime | None = None
    export_reset: datetime | None = None
    window_start: str = "16:00"
    window_end: str = "19:00"


def reset_max_demand(state: DeviceState, at: datetime, *, export: bool = False) -> None:
    """Reset the import (both) or export maximum demand registers at ``at`` (ECS57-style)."""
    section = state.get(MaxDemand)
    if export:
        section.export_reset = at
    else:
        section.import_reset = section.configurable_reset = at
    state.touch()


def set_max_demand_window(state: DeviceState, start: str, end: str) -> None:
    """The configurable maximum demand window, ``"HH:MM"`` times of day (start < end)."""
    first, last = time.fromisoformat(start), time.fromisoformat(end)
    if not first < last:
        raise ValueError("the window must start before it ends")
    section = state.get(MaxDemand)
    section.window_start, section.window_end = first.strftime("%H:%M"), last.strftime("%H:%M")
    state.touch()
