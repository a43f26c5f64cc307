"""ESME and CHF answers to the DLMS reads: registers, logs, profiles, event logs, CIN.

Use cases handled (GBCS; DUIS variant): ECS17a (4.2), ECS17b (4.1.1), ECS17c (4.16),
ECS17d (4.1.2), ECS17e (4.1.3), ECS18a/b (4.12.2/4.12.1), ECS20a-d (4.4.4, 4.4.2, 4.4.3,
4.4.5), ECS21a (4.6.1), ECS21c (4.6.2), ECS22a-c (4.8.3, 4.8.1, 4.8.2), ECS23/ECS23b
(4.10), ECS27 (4.15), ECS35a/b/e/f/g (6.13 on the ESME), ECS66 (4.17), ECS50 (9.1); on a
CHF ECS35c/d (6.13).

``READERS`` is the ESME's object model: one reader per COSEM attribute the reads name
(registers, maximum demand, load limit and voltage here; logs and profiles in
``reads_esme_logs``),
returning the value in the layout GBCS fixes (the reference Responses show it) or a
Data-Access-Result. Values come from ``reads_metering.Meter`` (the consumption model),
``reads_state`` (logs, billing data, configuration) and, by section name, the tariff and
prepayment families' state. A twin-element ESME (variant B) answers with its secondary
element's registers too; the phase 2 and 3 voltage objects exist only on a polyphase ESME
(variant C). Profile and log reads return at most ``MAX_ENTRIES`` entries (from the start
of the range), which keeps a Response within a GBCS message.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time
from typing import Final

from opendcc.devices.consumption import EPOCH
from opendcc.devices.reads_billing import prepare_meter
from opendcc.devices.reads_dlms import ObjectReaders, ReadRequest, Selection, answer
from opendcc.devices.reads_esme_logs import (
    EVENT_LOG_READERS,
    MAX_ENTRIES,
    active_import_profile,
    billing_calendar_log,
    billing_calendar_prepayment_log,
    compact,
    config_of,
    daily_consumption_log,
    daily_read_log,
    debt_payment_log,
    dlu,
    dlus,
    event_log_reader,
    export_at,
    export_daily_read_log,
    export_profile,
    generation_of,
    meter_of,
    mode_tariff_log,
    prepayment_credit_log,
    reactive_import_profile,
    window_of,
)
from opendcc.devices.reads_foreign import load_limit
from opendcc.devices.reads_metering import (
    DAY,
    REACTIVE_EXPORT_SHARE,
    REACTIVE_IMPORT_SHARE,
    SLOT,
    Meter,
    VoltageModel,
    ceil_to,
    floor_to,
    month_start,
)
from opendcc.devices.reads_state import (
    CustomerIdentification,
    LogKind,
    MaxDemand,
)
from opendcc.devices.simulator import DeviceCommand, DeviceContext, DeviceReply, handles
from opendcc.devices.state import DeviceState
from opendcc.gbcs.dlms import builders as b
from opendcc.gbcs.dlms.apdu import DataAccessResult, Response, Set
from opendcc.gbcs.dlms.data import (
    BitString,
    Boolean,
    Data,
    LongUnsigned,
    OctetString,
    Structure,
)
from opendcc.gbcs.dlms.units import Unit
from opendcc.inventory.model import Fuel

VOLTAGE_PROFILE_CAPACITY_HOURS: Final = 24 * 31
VOLTAGE_PERIOD_S: Final = 3600
LOAD_LIMIT_HISTORY_DAYS: Final = 366
COUNT: Final = 255
"""The DLMS unit "count" (no unit) of counters."""


# --- registers ------------------------------------------------------------------------


def import_registers(request: ReadRequest, _: Selection | None) -> Data:
    meter, now = meter_of(request), request.now
    active = meter.register(now)
    items: list[Data] = [
        dlu(active),
        b.scaler_unit(0, Unit.WATT_HOUR),
        dlu(int(meter.energy(now) * REACTIVE_IMPORT_SHARE)),
        b.scaler_unit(0, Unit.VAR_HOUR),
    ]
    if config_of(request).twin_element:
        items.append(dlu(meter.secondary_import(now)))
    return b.structure(*items)


def tou_registers(request: ReadRequest, _: Selection | None) -> Data:
    meter, now = meter_of(request), request.now
    items: list[Data] = [dlus(meter.tou(now))]
    if config_of(request).twin_element:
        items.append(dlus(meter.secondary_tou(now)))
    return b.structure(*items)


def tou_block_registers(request: ReadRequest, _: Selection | None) -> Data:
    """32 TOU-block registers then the current block period's 32 block counters (block
    major, 8 rates per block)."""
    meter, now = meter_of(request), request.now
    return b.structure(dlus([*meter.tou_blocks(now), *meter.period_tou_blocks(now)]))


def active_power(request: ReadRequest, _: Selection | None) -> Data:
    return dlu(int(meter_of(request).model.demand_w(request.now)))


def _scaler(unit: Unit | int) -> Callable[[ReadRequest, Selection | None], Data]:
    return lambda _request, _selection: b.scaler_unit(0, unit)


def export_register(request: ReadRequest, _: Selection | None) -> Data:
    return dlu(export_at(request, request.now))


def reactive_export_register(request: ReadRequest, _: Selection | None) -> Data:
    return dlu(int(generation_of(request).register_wh(request.now) * REACTIVE_EXPORT_SHARE))


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
        meter, now = meter_of(request), request.now
        import_reset, configurable_reset, export_reset = _resets(request)
        if which == "import":
            found = meter.max_demand(import_reset, now)
            reset = import_reset
        elif which == "configurable":
            found = meter.max_demand(configurable_reset, now, _window_times(request))
            reset = configurable_reset
        else:
            found = meter.max_demand(export_reset, now, generation=generation_of(request))
            reset = export_reset
        cache[which] = (found[0], found[1] or reset)
    value = cache[which]
    assert isinstance(value, tuple)
    return value


def _demand_value(which: str) -> Callable[[ReadRequest, Selection | None], Data]:
    return lambda request, _selection: dlu(_demand(request, which)[0])


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
        return dlu(0)
    meter, now = meter_of(request), request.now
    since = settings.counter_reset_at or now - DAY * LOAD_LIMIT_HISTORY_DAYS
    since = max(since, now - DAY * LOAD_LIMIT_HISTORY_DAYS, EPOCH)
    count, slot = 0, floor_to(since, SLOT)
    while slot < now:
        if meter.model.slot_demand_w(slot) > settings.power_threshold_w:
            count += 1
        slot += SLOT
    return dlu(count)


def _load_limit_value(name: str) -> Callable[[ReadRequest, Selection | None], Data]:
    def read(request: ReadRequest, _: Selection | None) -> Data:
        settings = load_limit(request.context.state)
        if name == "supply_state":
            return Boolean(settings.supply_state_enabled)
        value = getattr(settings, name)
        assert isinstance(value, int)
        return dlu(value)

    return read


# --- voltage --------------------------------------------------------------------------


def _phase_model(request: ReadRequest, phase: int) -> VoltageModel | None:
    if phase > 1 and not config_of(request).polyphase:
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
            return dlu(model.under_count(request.now))
        if what == "over":
            return dlu(model.over_count(request.now))
        if what == "period":
            return dlu(VOLTAGE_PERIOD_S)
        if what == "scaler":
            return b.scaler_unit(0, COUNT)
        window = window_of(request, selection)
        hour = floor_to(request.now, SLOT * 2)
        oldest = hour - SLOT * 2 * VOLTAGE_PROFILE_CAPACITY_HOURS
        moment = ceil_to(max(window.start, oldest, EPOCH), SLOT * 2)
        rows: list[Structure] = []
        while moment <= min(window.end, hour) and len(rows) < MAX_ENTRIES:
            # An entry at the end of its hour holds that hour's average.
            rows.append(
                b.structure(b.gbcs_seconds(moment), dlu(model.average(model.hour_of(moment) - 1)))
            )
            moment += SLOT * 2
        return compact(rows, b.structure(b.gbcs_seconds(EPOCH), dlu(0)))

    return read


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
    (7, "0-0:99.98.4.255", 2): event_log_reader(LogKind.POWER_EVENT),
    (7, "0-17:99.98.2.255", 2): event_log_reader(LogKind.AUXILIARY_CONTROLLER),
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
