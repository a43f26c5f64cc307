"""The ESME's log and profile readers, and the value helpers every ESME reader shares.

Readers (``reads_dlms.ObjectReaders`` entries) for the billing data logs (ECS20a-d: change
of mode / tariff, billing calendar, payment-based debt payments, prepayment credits), the
daily read logs (ECS21a, ECS21c), the daily consumption log (ECS66), the half-hourly
profiles (ECS22a-c) and the event logs (ECS35a-g on the ESME, ECS35c/d on the CHF). Each
entry's columns are the capture objects GBCS fixes (the reference Responses show them);
twin-element ESMEs add their secondary element's columns. Entries are those whose capture
time falls in the range asked, that the log still holds (its capacity), up to now and at
most ``MAX_ENTRIES`` of them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Final

from opendcc.devices.consumption import EPOCH
from opendcc.devices.reads_billing import midnights, recent_billing_dates
from opendcc.devices.reads_dlms import ObjectReaders, ReadRequest, Selection
from opendcc.devices.reads_metering import (
    DAY,
    REACTIVE_EXPORT_SHARE,
    REACTIVE_IMPORT_SHARE,
    SLOT,
    GenerationModel,
    Meter,
    ceil_to,
    floor_to,
)
from opendcc.devices.reads_state import (
    BILLING_LOG_CAPACITY,
    BillingData,
    EventLogs,
    LogEntry,
    LogKind,
    MeterConfiguration,
)
from opendcc.gbcs.dlms import builders as b
from opendcc.gbcs.dlms.data import (
    Array,
    CompactArray,
    Data,
    DoubleLong,
    DoubleLongUnsigned,
    Enum,
    LongUnsigned,
    OctetString,
    Structure,
    describe,
)
from opendcc.gbcs.dlms.datetimes import from_gbcs_seconds

MAX_ENTRIES: Final = 4_800
PROFILE_CAPACITY_DAYS: Final = 395
"""Half-hourly profiles keep 13 months."""
DAILY_READ_CAPACITY: Final = 31
DAILY_CONSUMPTION_CAPACITY: Final = 731


def dlu(value: int) -> DoubleLongUnsigned:
    return DoubleLongUnsigned(max(0, min(int(value), 0xFFFF_FFFF)))


def dl(value: int) -> DoubleLong:
    return DoubleLong(max(-(2**31), min(int(value), 2**31 - 1)))


def dlus(values: Iterable[int]) -> Array:
    return b.array(dlu(v) for v in values)


def compact(rows: list[Structure], prototype: Structure) -> CompactArray:
    """A compact-array of profile entries (the prototype types an empty one)."""
    return CompactArray(describe(rows[0] if rows else prototype), tuple(rows))


def meter_of(request: ReadRequest) -> Meter:
    meter = request.extra["meter"]
    assert isinstance(meter, Meter)
    return meter


def config_of(request: ReadRequest) -> MeterConfiguration:
    return request.context.state.get(MeterConfiguration)


def window_of(request: ReadRequest, selection: Selection | None) -> Selection:
    """The range asked, or everything up to now when the read has none."""
    return selection or Selection(EPOCH, request.now)


def capped(moments: Iterable[datetime]) -> list[datetime]:
    out = []
    for moment in moments:
        out.append(moment)
        if len(out) >= MAX_ENTRIES:
            break
    return out


def generation_of(request: ReadRequest) -> GenerationModel:
    return GenerationModel.for_meter(request.context.device.device_id)


def export_at(request: ReadRequest, at: datetime) -> int:
    return int(generation_of(request).register_wh(at))


# --- consumption logs -----------------------------------------------------------------


def _consumption_row(request: ReadRequest, at: datetime) -> list[Data]:
    """The consumption capture objects of the billing and daily read logs at ``at``."""
    meter = meter_of(request)
    twin = config_of(request).twin_element
    row: list[Data] = [b.gbcs_seconds(at), dlu(meter.register(at))]
    if twin:
        row.append(dlu(meter.secondary_import(at)))
    row.append(dlus(meter.tou(at)))
    if twin:
        row.append(dlus(meter.secondary_tou(at)))
    blocks = meter.tou_blocks(at)
    row.extend(dlus(blocks[block * 8 : block * 8 + 8]) for block in range(4))
    return row


def _prepayment(values: Iterable[int]) -> list[Data]:
    return [dl(v) for v in values]


def _consumption_log(
    request: ReadRequest, moments: list[datetime], extra: list[list[int]] | None = None
) -> CompactArray:
    rows = [
        b.structure(*_consumption_row(request, at), *_prepayment(extra[i] if extra else ()))
        for i, at in enumerate(moments)
    ]
    prototype = b.structure(
        *_consumption_row(request, EPOCH), *_prepayment([0] * 6 if extra is not None else ())
    )
    return compact(rows, prototype)


def billing_calendar_log(request: ReadRequest, selection: Selection | None) -> Data:
    window = window_of(request, selection)
    dates = recent_billing_dates(request.context.state, request.now, BILLING_LOG_CAPACITY)
    return _consumption_log(request, capped(d for d in dates if window.holds(d)))


def billing_calendar_prepayment_log(request: ReadRequest, selection: Selection | None) -> Data:
    window = window_of(request, selection)
    billing = request.context.state.get(BillingData)
    rows = [
        b.structure(b.gbcs_seconds(_at(row[0])), *_prepayment(row[1:7]))
        for row in billing.calendar_prepayment
        if window.holds(_at(row[0]))
    ]
    return compact(rows[:MAX_ENTRIES], b.structure(b.gbcs_seconds(EPOCH), *_prepayment([0] * 6)))


def mode_tariff_log(request: ReadRequest, selection: Selection | None) -> Data:
    window = window_of(request, selection)
    billing = request.context.state.get(BillingData)
    kept = [row for row in billing.mode_tariff if window.holds(_at(row[0]))][:MAX_ENTRIES]
    return _consumption_log(request, [_at(row[0]) for row in kept], [row[2:8] for row in kept])


def daily_read_log(request: ReadRequest, selection: Selection | None) -> Data:
    return _consumption_log(request, _daily_moments(request, selection, DAILY_READ_CAPACITY))


def _daily_moments(
    request: ReadRequest, selection: Selection | None, capacity: int
) -> list[datetime]:
    window = window_of(request, selection)
    oldest = floor_to(request.now, DAY) - DAY * (capacity - 1)
    return capped(midnights(max(window.start, oldest), min(window.end, request.now)))


def export_daily_read_log(request: ReadRequest, selection: Selection | None) -> Data:
    rows = [
        b.structure(b.gbcs_seconds(at), dlu(export_at(request, at)))
        for at in _daily_moments(request, selection, DAILY_READ_CAPACITY)
    ]
    return compact(rows, b.structure(b.gbcs_seconds(EPOCH), dlu(0)))


def daily_consumption_log(request: ReadRequest, selection: Selection | None) -> Data:
    meter = meter_of(request)
    rows = [
        b.structure(b.gbcs_seconds(at), dlu(meter.interval(at - DAY, at)))
        for at in _daily_moments(request, selection, DAILY_CONSUMPTION_CAPACITY)
    ]
    return compact(rows, b.structure(b.gbcs_seconds(EPOCH), dlu(0)))


def _at(seconds: int) -> datetime:
    return from_gbcs_seconds(int(seconds))


def _log_rows(request: ReadRequest, selection: Selection | None, kind: LogKind) -> list[LogEntry]:
    window = window_of(request, selection)
    entries = request.context.state.get(EventLogs).entries(kind)
    return [e for e in entries if window.holds(e.at)][:MAX_ENTRIES]


def debt_payment_log(request: ReadRequest, selection: Selection | None) -> Data:
    window = window_of(request, selection)
    rows = [
        b.structure(b.gbcs_seconds(_at(row[0])), dlu(row[1]))
        for row in request.context.state.get(BillingData).debt_payments
        if window.holds(_at(row[0]))
    ]
    return compact(rows, b.structure(b.gbcs_seconds(EPOCH), dlu(0)))


def prepayment_credit_log(request: ReadRequest, selection: Selection | None) -> Data:
    window = window_of(request, selection)
    rows = [
        b.structure(b.gbcs_seconds(_at(row[0])), dlu(row[1]))
        for row in request.context.state.get(BillingData).credits
        if window.holds(_at(row[0]))
    ]
    return compact(rows, b.structure(b.gbcs_seconds(EPOCH), dlu(0)))


# --- profiles -------------------------------------------------------------------------


def _half_hours(request: ReadRequest, selection: Selection | None) -> list[datetime]:
    """Capture times (half-hour ends) in the range, up to now and within 13 months."""
    window = window_of(request, selection)
    oldest = floor_to(request.now, SLOT) - DAY * PROFILE_CAPACITY_DAYS
    moment = ceil_to(max(window.start, oldest, EPOCH + SLOT), SLOT)
    end = min(window.end, request.now)
    out: list[datetime] = []
    while moment <= end and len(out) < MAX_ENTRIES:
        out.append(moment)
        moment += SLOT
    return out


def active_import_profile(request: ReadRequest, selection: Selection | None) -> Data:
    meter = meter_of(request)
    twin = config_of(request).twin_element
    rows = []
    for at in _half_hours(request, selection):
        items: list[Data] = [b.gbcs_seconds(at), dlu(meter.interval(at - SLOT, at))]
        if twin:
            items.append(dlu(meter.secondary_import(at) - meter.secondary_import(at - SLOT)))
        rows.append(b.structure(*items))
    prototype = [b.gbcs_seconds(EPOCH), dlu(0)] + ([dlu(0)] if twin else [])
    return compact(rows, b.structure(*prototype))


def reactive_import_profile(request: ReadRequest, selection: Selection | None) -> Data:
    meter = meter_of(request)

    def reactive(at: datetime) -> int:
        return int(meter.energy(at) * REACTIVE_IMPORT_SHARE)

    rows = [
        b.structure(b.gbcs_seconds(at), dlu(reactive(at) - reactive(at - SLOT)))
        for at in _half_hours(request, selection)
    ]
    return compact(rows, b.structure(b.gbcs_seconds(EPOCH), dlu(0)))


def export_profile(request: ReadRequest, selection: Selection | None) -> Data:
    generation = generation_of(request)

    def active(at: datetime) -> int:
        return int(generation.register_wh(at))

    def reactive(at: datetime) -> int:
        return int(generation.register_wh(at) * REACTIVE_EXPORT_SHARE)

    rows = [
        b.structure(
            b.gbcs_seconds(at),
            dlu(active(at) - active(at - SLOT)),
            dlu(reactive(at) - reactive(at - SLOT)),
        )
        for at in _half_hours(request, selection)
    ]
    return compact(rows, b.structure(b.gbcs_seconds(EPOCH), dlu(0), dlu(0)))


# --- event logs -----------------------------------------------------------------------


def event_log_reader(kind: LogKind) -> Callable[[ReadRequest, Selection | None], Data]:
    def read(request: ReadRequest, selection: Selection | None) -> Data:
        entries = _log_rows(request, selection, kind)
        if kind is LogKind.EVENT:
            rows = [
                b.structure(
                    b.gbcs_seconds(e.at), LongUnsigned(e.code), OctetString(e.other_information)
                )
                for e in entries
            ]
            prototype = b.structure(b.gbcs_seconds(EPOCH), LongUnsigned(0), OctetString(b""))
        elif kind is LogKind.AUXILIARY_CONTROLLER:
            rows = [
                b.structure(
                    b.gbcs_seconds(e.at),
                    LongUnsigned(e.code),
                    Enum(e.outcome & 0xFF),
                    dlu(e.han_command_time),
                )
                for e in entries
            ]
            prototype = b.structure(b.gbcs_seconds(EPOCH), LongUnsigned(0), Enum(0), dlu(0))
        else:
            rows = [b.structure(b.gbcs_seconds(e.at), LongUnsigned(e.code)) for e in entries]
            prototype = b.structure(b.gbcs_seconds(EPOCH), LongUnsigned(0))
        return compact(rows, prototype)

    return read


EVENT_LOG_READERS: Final[ObjectReaders] = {
    (7, "0-0:99.98.0.255", 2): event_log_reader(LogKind.EVENT),
    (7, "0-0:99.98.1.255", 2): event_log_reader(LogKind.SECURITY),
}
