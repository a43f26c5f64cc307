"""ESME and CHF answers to the DLMS reads: registers, logs, profiles, event logs, CIN.

Use cases handled (GBCS; DUIS variant): ECS17a (4.2), ECS17b (4.1.1), ECS17c (4.16),
ECS17d (4.1.2), ECS17e (4.1.3), ECS18a/b (4.12.2/4.12.1), ECS20a-d (4.4.4, 4.4.2, 4.4.3,
4.4.5), ECS21a (4.6.1), ECS21c (4.6.2), ECS22a-c (4.8.3, 4.8.1, 4.8.2), ECS23/ECS23b
(4.10), ECS27 (4.15), ECS35a/b/e/f/g (6.13 on the ESME), ECS66 (4.17), ECS50 (9.1); on a
CHF ECS35c/d (6.13).

``READERS`` is the ESME's object model: one reader per COSEM attribute the reads name,
returning the value in the layout GBCS fixes (the reference Responses show it) or a
Data-Access-Result. Values come from ``reads_metering.Meter`` (the consumption model),
``reads_state`` (logs, billing data, configuration) and, by section name, the tariff and
prepayment families' state. A twin-element ESME (variant B) answers with its secondary
element's registers too; the phase 2 and 3 voltage objects exist only on a polyphase ESME
(variant C). Profile and log reads return at most ``MAX_ENTRIES`` entries (from the start
of the range), which keeps a Response within a GBCS message.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, time
from typing import Final

from opendcc.devices.consumption import EPOCH
from opendcc.devices.reads_billing import midnights, prepare_meter, recent_billing_dates
from opendcc.devices.reads_dlms import ObjectReaders, ReadRequest, Selection, answer
from opendcc.devices.reads_foreign import load_limit
from opendcc.devices.reads_metering import (
    DAY,
    REACTIVE_EXPORT_SHARE,
    REACTIVE_IMPORT_SHARE,
    SLOT,
    GenerationModel,
    Meter,
    VoltageModel,
    ceil_to,
    floor_to,
    month_start,
)
from opendcc.devices.reads_state import (
    BILLING_LOG_CAPACITY,
    BillingData,
    CustomerIdentification,
    EventLogs,
    LogEntry,
    LogKind,
    MaxDemand,
    MeterConfiguration,
)
from opendcc.devices.simulator import DeviceCommand, DeviceContext, DeviceReply, handles
from opendcc.devices.state import DeviceState
from opendcc.gbcs.dlms import builders as b
from opendcc.gbcs.dlms.apdu import DataAccessResult, Response, Set
from opendcc.gbcs.dlms.data import (
    Array,
    BitString,
    Boolean,
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
from opendcc.gbcs.dlms.units import Unit
from opendcc.inventory.model import Fuel

MAX_ENTRIES: Final = 4_800
PROFILE_CAPACITY_DAYS: Final = 395
"""Half-hourly profiles keep 13 months."""
DAILY_READ_CAPACITY: Final = 31
DAILY_CONSUMPTION_CAPACITY: Final = 731
VOLTAGE_PROFILE_CAPACITY_HOURS: Final = 24 * 31
VOLTAGE_PERIOD_S: Final = 3600
LOAD_LIMIT_HISTORY_DAYS: Final = 366
COUNT: Final = 255
"""The DLMS unit "count" (no unit) of counters."""


def _dlu(value: int) -> DoubleLongUnsigned:
    return DoubleLongUnsigned(max(0, min(int(value), 0xFFFF_FFFF)))


def _dl(value: int) -> DoubleLong:
    return DoubleLong(max(-(2**31), min(int(value), 2**31 - 1)))


def _dlus(values: Iterable[int]) -> Array:
    return b.array(_dlu(v) for v in values)


def compact(rows: list[Structure], prototype: Structure) -> CompactArray:
    """A compact-array of profile entries (the prototype types an empty one)."""
    return CompactArray(describe(rows[0] if rows else prototype), tuple(rows))


def _meter(request: ReadRequest) -> Meter:
    meter = request.extra["meter"]
    assert isinstance(meter, Meter)
    return meter


def _config(request: ReadRequest) -> MeterConfiguration:
    return request.context.state.get(MeterConfiguration)


def _window(request: ReadRequest, selection: Selection | None) -> Selection:
    """The range asked, or everything up to now when the read has none."""
    return selection or Selection(EPOCH, request.now)


def _capped(moments: Iterable[datetime]) -> list[datetime]:
    out = []
    for moment in moments:
        out.append(moment)
        if len(out) >= MAX_ENTRIES:
            break
    return out


# --- registers ------------------------------------------------------------------------


def _generation(request: ReadRequest) -> GenerationModel:
    return GenerationModel.for_meter(request.context.device.device_id)


def _export(request: ReadRequest, at: datetime) -> int:
    return int(_generation(request).register_wh(at))


def import_registers(request: ReadRequest, _: Selection | None) -> Data:
    meter, now = _meter(request), request.now
    active = meter.register(now)
    items: list[Data] = [
        _dlu(active),
        b.scaler_unit(0, Unit.WATT_HOUR),
        _dlu(int(meter.energy(now) * REACTIVE_IMPORT_SHARE)),
        b.scaler_unit(0, Unit.VAR_HOUR),
    ]
    if _config(request).twin_element:
        items.append(_dlu(meter.secondary_import(now)))
    return b.structure(*items)


def tou_registers(request: ReadRequest, _: Selection | None) -> Data:
    meter, now = _meter(request), request.now
    items: list[Data] = [_dlus(meter.tou(now))]
    if _config(request).twin_element:
        items.append(_dlus(meter.secondary_tou(now)))
    return b.structure(*items)


def tou_block_registers(request: ReadRequest, _: Selection | None) -> Data:
    """32 TOU-block registers then the current block period's 32 block counters (block
    major, 8 rates per block)."""
    meter, now = _meter(request), request.now
    return b.structure(_dlus([*meter.tou_blocks(now), *meter.period_tou_blocks(now)]))


def active_power(request: ReadRequest, _: Selection | None) -> Data:
    return _dlu(int(_meter(request).model.demand_w(request.now)))


def _scaler(unit: Unit | int) -> Callable[[ReadRequest, Selection | None], Data]:
    return lambda _request, _selection: b.scaler_unit(0, unit)


def export_register(request: ReadRequest, _: Selection | None) -> Data:
    return _dlu(_export(request, request.now))


def reactive_export_register(request: ReadRequest, _: Selection | None) -> Data:
    return _dlu(int(_generation(request).register_wh(request.now) * REACTIVE_EXPORT_SHARE))


# --- maximum demand -------------------------------------------------------------------


def _resets(request: ReadRequest) -> tuple[datetime, datetime, datetime]:
    section = request.context.state.get(MaxDemand)
    default = month_start(request.now)
    return (
        section.import_reset or default,
        section.configurable_reset or default,
        section.export_reset or default,
    )


def _window_times(request: ReadRequest) -> tuple[time, time]:
    section = request.context.state.get(MaxDemand)
    return time.fromisoformat(section.window_start), time.fromisoformat(section.window_end)


def _demand(request: ReadRequest, which: str) -> tuple[int, datetime]:
    cache = request.extra.setdefault("demand", {})
    assert isinstance(cache, dict)
    if which not in cache:
        meter, now = _meter(request), request.now
        import_reset, configurable_reset, export_reset = _resets(request)
        if which == "import":
            found = meter.max_demand(import_reset, now)
            reset = import_reset
        elif which == "configurable":
            found = meter.max_demand(configurable_reset, now, _window_times(request))
            reset = configurable_reset
        else:
            found = meter.max_demand(export_reset, now, generation=_generation(request))
            reset = export_reset
        cache[which] = (found[0], found[1] or reset)
    value = cache[which]
    assert isinstance(value, tuple)
    return value


def _demand_value(which: str) -> Callable[[ReadRequest, Selection | None], Data]:
    return lambda request, _selection: _dlu(_demand(request, which)[0])


def _demand_time(which: str) -> Callable[[ReadRequest, Selection | None], Data]:
    return lambda request, _selection: b.date_time(_demand(request, which)[1])


def _reset_time(index: int) -> Callable[[ReadRequest, Selection | None], Data]:
    return lambda request, _selection: b.date_time(_resets(request)[index])


_SCRIPT: Final = "0-0:10.128.100.255"


def _switch(index: int, selector: int, at: time) -> Structure:
    return b.structure(
        LongUnsigned(index),
        Boolean(True),
        b.obis(_SCRIPT),
        LongUnsigned(selector),
        OctetString(bytes((at.hour, at.minute, 0, 0))),
        LongUnsigned(0xFFFF),
        BitString.from_bits("1111111"),
        BitString(0, b""),
        OctetString(bytes.fromhex("000001ffff")),
        OctetString(bytes.fromhex("ffffffffff")),
    )


def demand_schedule(request: ReadRequest, _: Selection | None) -> Data:
    """The configurable maximum demand period as a schedule: script 2 opens the window,
    script 1 closes it (the layout of the reference ECS18b Response)."""
    start, end = _window_times(request)
    return b.array((_switch(1, 1, end), _switch(2, 2, start)))


# --- load limit -----------------------------------------------------------------------


def load_limit_counter(request: ReadRequest, _: Selection | None) -> Data:
    """Half hours whose average demand exceeded the load limit threshold since the counter
    was reset (at most a year back; none while no threshold is set)."""
    settings = load_limit(request.context.state)
    if settings.power_threshold_w <= 0:
        return _dlu(0)
    meter, now = _meter(request), request.now
    since = settings.counter_reset_at or now - DAY * LOAD_LIMIT_HISTORY_DAYS
    since = max(since, now - DAY * LOAD_LIMIT_HISTORY_DAYS, EPOCH)
    count, slot = 0, floor_to(since, SLOT)
    while slot < now:
        if meter.model.demand_w(slot) > settings.power_threshold_w:
            count += 1
        slot += SLOT
    return _dlu(count)


def _load_limit_value(name: str) -> Callable[[ReadRequest, Selection | None], Data]:
    def read(request: ReadRequest, _: Selection | None) -> Data:
        settings = load_limit(request.context.state)
        if name == "supply_state":
            return Boolean(settings.supply_state_enabled)
        value = getattr(settings, name)
        assert isinstance(value, int)
        return _dlu(value)

    return read


# --- consumption logs -----------------------------------------------------------------


def _consumption_row(request: ReadRequest, at: datetime) -> list[Data]:
    """The consumption capture objects of the billing and daily read logs at ``at``."""
    meter = _meter(request)
    twin = _config(request).twin_element
    row: list[Data] = [b.gbcs_seconds(at), _dlu(meter.register(at))]
    if twin:
        row.append(_dlu(meter.secondary_import(at)))
    row.append(_dlus(meter.tou(at)))
    if twin:
        row.append(_dlus(meter.secondary_tou(at)))
    blocks = meter.tou_blocks(at)
    row.extend(_dlus(blocks[block * 8 : block * 8 + 8]) for block in range(4))
    return row


def _prepayment(values: Iterable[int]) -> list[Data]:
    return [_dl(v) for v in values]


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
    window = _window(request, selection)
    dates = recent_billing_dates(request.context.state, request.now, BILLING_LOG_CAPACITY)
    return _consumption_log(request, _capped(d for d in dates if window.holds(d)))


def billing_calendar_prepayment_log(request: ReadRequest, selection: Selection | None) -> Data:
    window = _window(request, selection)
    billing = request.context.state.get(BillingData)
    rows = [
        b.structure(b.gbcs_seconds(_at(row[0])), *_prepayment(row[1:7]))
        for row in billing.calendar_prepayment
        if window.holds(_at(row[0]))
    ]
    return compact(rows[:MAX_ENTRIES], b.structure(b.gbcs_seconds(EPOCH), *_prepayment([0] * 6)))


def mode_tariff_log(request: ReadRequest, selection: Selection | None) -> Data:
    window = _window(request, selection)
    billing = request.context.state.get(BillingData)
    kept = [row for row in billing.mode_tariff if window.holds(_at(row[0]))][:MAX_ENTRIES]
    return _consumption_log(request, [_at(row[0]) for row in kept], [row[2:8] for row in kept])


def daily_read_log(request: ReadRequest, selection: Selection | None) -> Data:
    return _consumption_log(request, _daily_moments(request, selection, DAILY_READ_CAPACITY))


def _daily_moments(
    request: ReadRequest, selection: Selection | None, capacity: int
) -> list[datetime]:
    window = _window(request, selection)
    oldest = floor_to(request.now, DAY) - DAY * (capacity - 1)
    return _capped(midnights(max(window.start, oldest), min(window.end, request.now)))


def export_daily_read_log(request: ReadRequest, selection: Selection | None) -> Data:
    rows = [
        b.structure(b.gbcs_seconds(at), _dlu(_export(request, at)))
        for at in _daily_moments(request, selection, DAILY_READ_CAPACITY)
    ]
    return compact(rows, b.structure(b.gbcs_seconds(EPOCH), _dlu(0)))


def daily_consumption_log(request: ReadRequest, selection: Selection | None) -> Data:
    meter = _meter(request)
    rows = [
        b.structure(b.gbcs_seconds(at), _dlu(meter.interval(at - DAY, at)))
        for at in _daily_moments(request, selection, DAILY_CONSUMPTION_CAPACITY)
    ]
    return compact(rows, b.structure(b.gbcs_seconds(EPOCH), _dlu(0)))


def _at(seconds: int) -> datetime:
    return from_gbcs_seconds(int(seconds))


def _log_rows(request: ReadRequest, selection: Selection | None, kind: LogKind) -> list[LogEntry]:
    window = _window(request, selection)
    entries = request.context.state.get(EventLogs).entries(kind)
    return [e for e in entries if window.holds(e.at)][:MAX_ENTRIES]


def debt_payment_log(request: ReadRequest, selection: Selection | None) -> Data:
    window = _window(request, selection)
    rows = [
        b.structure(b.gbcs_seconds(_at(row[0])), _dlu(row[1]))
        for row in request.context.state.get(BillingData).debt_payments
        if window.holds(_at(row[0]))
    ]
    return compact(rows, b.structure(b.gbcs_seconds(EPOCH), _dlu(0)))


def prepayment_credit_log(request: ReadRequest, selection: Selection | None) -> Data:
    window = _window(request, selection)
    rows = [
        b.structure(b.gbcs_seconds(_at(row[0])), _dlu(row[1]))
        for row in request.context.state.get(BillingData).credits
        if window.holds(_at(row[0]))
    ]
    return compact(rows, b.structure(b.gbcs_seconds(EPOCH), _dlu(0)))


# --- profiles -------------------------------------------------------------------------


def _half_hours(request: ReadRequest, selection: Selection | None) -> list[datetime]:
    """Capture times (half-hour ends) in the range, up to now and within 13 months."""
    window = _window(request, selection)
    oldest = floor_to(request.now, SLOT) - DAY * PROFILE_CAPACITY_DAYS
    moment = ceil_to(max(window.start, oldest, EPOCH + SLOT), SLOT)
    end = min(window.end, request.now)
    out: list[datetime] = []
    while moment <= end and len(out) < MAX_ENTRIES:
        out.append(moment)
        moment += SLOT
    return out


def active_import_profile(request: ReadRequest, selection: Selection | None) -> Data:
    meter = _meter(request)
    twin = _config(request).twin_element
    rows = []
    for at in _half_hours(request, selection):
        items: list[Data] = [b.gbcs_seconds(at), _dlu(meter.interval(at - SLOT, at))]
        if twin:
            items.append(_dlu(meter.secondary_import(at) - meter.secondary_import(at - SLOT)))
        rows.append(b.structure(*items))
    prototype = [b.gbcs_seconds(EPOCH), _dlu(0)] + ([_dlu(0)] if twin else [])
    return compact(rows, b.structure(*prototype))


def reactive_import_profile(request: ReadRequest, selection: Selection | None) -> Data:
    meter = _meter(request)

    def reactive(at: datetime) -> int:
        return int(meter.energy(at) * REACTIVE_IMPORT_SHARE)

    rows = [
        b.structure(b.gbcs_seconds(at), _dlu(reactive(at) - reactive(at - SLOT)))
        for at in _half_hours(request, selection)
    ]
    return compact(rows, b.structure(b.gbcs_seconds(EPOCH), _dlu(0)))


def export_profile(request: ReadRequest, selection: Selection | None) -> Data:
    generation = _generation(request)

    def active(at: datetime) -> int:
        return int(generation.register_wh(at))

    def reactive(at: datetime) -> int:
        return int(generation.register_wh(at) * REACTIVE_EXPORT_SHARE)

    rows = [
        b.structure(
            b.gbcs_seconds(at),
            _dlu(active(at) - active(at - SLOT)),
            _dlu(reactive(at) - reactive(at - SLOT)),
        )
        for at in _half_hours(request, selection)
    ]
    return compact(rows, b.structure(b.gbcs_seconds(EPOCH), _dlu(0), _dlu(0)))


# --- voltage --------------------------------------------------------------------------


def _phase_model(request: ReadRequest, phase: int) -> VoltageModel | None:
    if phase > 1 and not _config(request).polyphase:
        return None
    return VoltageModel.for_phase(request.context.device.device_id, phase)


def _voltage_reader(
    phase: int, what: str
) -> Callable[[ReadRequest, Selection | None], Data | DataAccessResult]:
    def read(request: ReadRequest, selection: Selection | None) -> Data | DataAccessResult:
        model = _phase_model(request, phase)
        if model is None:
            return DataAccessResult.OBJECT_UNDEFINED
        if what == "under":
            return _dlu(model.under_count(request.now))
        if what == "over":
            return _dlu(model.over_count(request.now))
        if what == "period":
            return _dlu(VOLTAGE_PERIOD_S)
        if what == "scaler":
            return b.scaler_unit(0, COUNT)
        window = _window(request, selection)
        hour = floor_to(request.now, SLOT * 2)
        oldest = hour - SLOT * 2 * VOLTAGE_PROFILE_CAPACITY_HOURS
        moment = ceil_to(max(window.start, oldest, EPOCH), SLOT * 2)
        rows: list[Structure] = []
        while moment <= min(window.end, hour) and len(rows) < MAX_ENTRIES:
            # An entry at the end of its hour holds that hour's average.
            rows.append(
                b.structure(b.gbcs_seconds(moment), _dlu(model.average(model.hour_of(moment) - 1)))
            )
            moment += SLOT * 2
        return compact(rows, b.structure(b.gbcs_seconds(EPOCH), _dlu(0)))

    return read


# --- event logs -----------------------------------------------------------------------


def _event_log(kind: LogKind) -> Callable[[ReadRequest, Selection | None], Data]:
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
                    _dlu(e.han_command_time),
                )
                for e in entries
            ]
            prototype = b.structure(b.gbcs_seconds(EPOCH), LongUnsigned(0), Enum(0), _dlu(0))
        else:
            rows = [b.structure(b.gbcs_seconds(e.at), LongUnsigned(e.code)) for e in entries]
            prototype = b.structure(b.gbcs_seconds(EPOCH), LongUnsigned(0))
        return compact(rows, prototype)

    return read


EVENT_LOG_READERS: Final[ObjectReaders] = {
    (7, "0-0:99.98.0.255", 2): _event_log(LogKind.EVENT),
    (7, "0-0:99.98.1.255", 2): _event_log(LogKind.SECURITY),
}

READERS: Final[ObjectReaders] = {
    # registers
    (1, "0-0:94.44.34.10", 2): import_registers,
    (1, "0-0:94.44.34.1", 2): tou_registers,
    (1, "0-0:94.44.34.2", 2): tou_block_registers,
    (1, "0-0:94.44.34.20", 2): active_power,
    (3, "1-0:2.8.0.255", 2): export_register,
    (3, "1-0:2.8.0.255", 3): _scaler(Unit.WATT_HOUR),
    (3, "1-0:4.8.0.255", 2): reactive_export_register,
    (3, "1-0:4.8.0.255", 3): _scaler(Unit.VAR_HOUR),
    # maximum demand
    (1, "0-0:94.44.5.0", 2): _reset_time(0),
    (1, "0-0:94.44.5.1", 2): _reset_time(1),
    (1, "0-0:94.44.5.2", 2): _reset_time(2),
    (4, "1-0:1.6.0.255", 2): _demand_value("import"),
    (4, "1-0:1.6.0.255", 3): _scaler(Unit.WATT),
    (4, "1-0:1.6.0.255", 5): _demand_time("import"),
    (4, "1-0:1.6.1.255", 2): _demand_value("configurable"),
    (4, "1-0:1.6.1.255", 3): _scaler(Unit.WATT),
    (4, "1-0:1.6.1.255", 5): _demand_time("configurable"),
    (4, "1-0:2.6.0.255", 2): _demand_value("export"),
    (4, "1-0:2.6.0.255", 3): _scaler(Unit.WATT),
    (4, "1-0:2.6.0.255", 5): _demand_time("export"),
    (10, "0-0:12.0.0.255", 2): demand_schedule,
    # load limit
    (9000, "0-0:94.44.0.3", 2): _load_limit_value("supply_state"),
    (3, "0-0:94.44.42.255", 2): load_limit_counter,
    (3, "0-0:94.44.42.255", 3): _scaler(COUNT),
    (71, "0-0:17.0.0.255", 4): _load_limit_value("power_threshold_w"),
    (71, "0-0:17.0.0.255", 6): _load_limit_value("period_s"),
    (71, "0-0:17.0.0.255", 7): _load_limit_value("restoration_period_s"),
    # billing data and daily logs
    (7, "0-0:98.1.0.255", 2): billing_calendar_log,
    (7, "0-0:98.1.1.255", 2): billing_calendar_prepayment_log,
    (7, "0-0:98.1.2.255", 2): mode_tariff_log,
    (7, "0-0:98.1.4.255", 2): debt_payment_log,
    (7, "0-0:98.1.5.255", 2): prepayment_credit_log,
    (7, "0-0:98.1.9.255", 2): daily_read_log,
    (7, "0-0:98.1.10.255", 2): export_daily_read_log,
    # profiles
    (7, "0-0:99.1.0.255", 2): active_import_profile,
    (7, "0-0:99.1.1.255", 2): export_profile,
    (7, "0-0:99.1.2.255", 2): reactive_import_profile,
    (7, "0-0:99.1.3.255", 2): daily_consumption_log,
    # event logs
    **EVENT_LOG_READERS,
    (7, "0-0:99.98.4.255", 2): _event_log(LogKind.POWER_EVENT),
    (7, "0-17:99.98.2.255", 2): _event_log(LogKind.AUXILIARY_CONTROLLER),
    # network data: average RMS voltage, per phase
    **{
        key: reader
        for phase, c in ((1, 32), (2, 52), (3, 72))
        for key, reader in (
            ((3, f"1-0:{c}.32.0.4", 2), _voltage_reader(phase, "under")),
            ((3, f"1-0:{c}.32.0.4", 3), _voltage_reader(phase, "scaler")),
            ((3, f"1-0:{c}.36.0.4", 2), _voltage_reader(phase, "over")),
            ((3, f"1-0:{c}.36.0.4", 3), _voltage_reader(phase, "scaler")),
            ((7, f"1-0:{c}.24.0.255", 2), _voltage_reader(phase, "profile")),
            ((7, f"1-0:{c}.24.0.255", 4), _voltage_reader(phase, "period")),
        )
    },
}

ESME_READ_USE_CASES: Final = (
    "ECS17a", "ECS17b", "ECS17c", "ECS17d", "ECS17e", "ECS18a", "ECS18b",
    "ECS20a", "ECS20b", "ECS20c", "ECS20d", "ECS21a", "ECS21c", "ECS22a", "ECS22b", "ECS22c",
    "ECS23", "ECS23b", "ECS27", "ECS35a", "ECS35b", "ECS35e", "ECS35f", "ECS35g", "ECS66",
)  # fmt: skip


def _prepared(context: DeviceContext) -> dict[str, object]:
    meter = Meter(context.device.device_id, Fuel.ELECTRICITY, context.state)
    prepare_meter(meter, context.now)
    return {"meter": meter}


@handles(*ESME_READ_USE_CASES)
def esme_read(command: DeviceCommand, context: DeviceContext) -> DeviceReply:
    """Every ESME DLMS read (see the module docstring) from ``READERS``."""
    return answer(command, context, READERS, _prepared(context))


@handles("ECS35c", "ECS35d")
def chf_log_read(command: DeviceCommand, context: DeviceContext) -> DeviceReply:
    """The CHF's Event and Security Logs (ECS35c, ECS35d)."""
    return answer(command, context, EVENT_LOG_READERS)


CIN_KEY: Final = (1, "0-3:96.13.1.255", 2)


def _set_cin(request: ReadRequest, item: Set) -> Response:
    attribute = item.attribute
    key = (attribute.class_id, str(attribute.instance), attribute.attribute_id)
    if key != CIN_KEY:
        return b.set_error(DataAccessResult.OBJECT_UNDEFINED)
    value = item.value
    if not isinstance(value, OctetString):
        return b.set_error(DataAccessResult.TYPE_UNMATCHED)
    text = value.value
    if len(text) != 4 or not text.isdigit():
        return b.set_error(DataAccessResult.OTHER_REASON)
    section = request.context.state.get(CustomerIdentification)
    section.cin, section.set_at = text.decode("ascii"), request.now
    request.context.state.touch()
    return b.set_ok()


@handles("ECS50")
def send_cin(command: DeviceCommand, context: DeviceContext) -> DeviceReply:
    """ECS50: the ESME stores the CIN for display to the consumer (four digits)."""
    return answer(command, context, {}, on_set=_set_cin)


def current_cin(state: DeviceState) -> str | None:
    """The CIN the meter shows (9.1), or None before one was sent."""
    return state.get(CustomerIdentification).cin
