"""Transforms of the configuration writes (DUIS 6.4 to 6.27, but 6.14 and 6.22).

- 6.4.1 Load Limiting General Settings: ECS28a (critical, Device future dated), the passive
  values (class 9000 attribute 4) of the load limit supply state, power threshold, period
  and restoration period, and their activation date-time (attribute 6).
- 6.4.2 Load Limiting Counter Reset: ECS28b (class 3 method 1 on the counter).
- 6.5 Voltage: ECS29a/b/c/d: average RMS capture periods, RMS limiters (threshold and
  period), average RMS thresholds, then the counter resets unless
  ``RMSVoltageCountersNotReset`` (ECS29c/d); b and d for a polyphase ESME.
- 6.6 Gas Conversion: GCS23 (critical): Price PublishConversionFactor, PublishCalorificValue.
- 6.7 Gas Flow: GCS24 / GCS24a (critical): Metering SetUncontrolledFlowThreshold and
  SetSupplyStatus.
- 6.8 Billing Calendar: ECS30 / ECS30a (the billing single action schedule), GCS25 / GCS25a
  (Price PublishBillingPeriod and PublishBlockPeriod), all critical.
- 6.11 Synchronise Clock: ECS70 (ESME) and GCS28 (GSME, DER), critical: the Device takes
  the Communications Hub's time if it lies within the validity interval.
- 6.12 Instantaneous Power Threshold: ECS34, the register monitor's two thresholds.
- 6.18.1 Maximum Demand Configurable Time Period: ECS37, start and end schedule entries.
- 6.18.2 Reset Maximum Demand Registers: ECS57.
- 6.20.1 Import MPxN: ECS39a (import MPAN(s)), GCS41 (DeviceManagement UpdateSiteID).
- 6.20.2 Export MPAN: ECS39b (sent by the ACB for the Export Supplier).
- 6.25 Electricity Supply Tamper State: ECS81 (critical), whether a tamper locks supply.
- 6.27 RMS Voltage Counter Reset: ECS29e / ECS29f (polyphase).

Time periods and thresholds are DUIS ``unsignedInt`` and go out as GBCS double-long-
unsigned. The DCC checks what it can know of the Device first: polyphase settings for a
single-phase ESME (and the reverse) are refused (E060501, E060502).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Final

from lxml import etree

from opendcc.gbcs.der import SetTimeCommand
from opendcc.gbcs.dlms import builders as b
from opendcc.gbcs.dlms.apdu import Request
from opendcc.gbcs.dlms.data import (
    BitString,
    Boolean,
    Data,
    DoubleLongUnsigned,
    Enum,
    Integer,
    LongUnsigned,
    OctetString,
)
from opendcc.gbcs.dlms.datetimes import NOT_SPECIFIED, YEAR_NOT_SPECIFIED, CosemDate
from opendcc.gbcs.gbz import builders as z
from opendcc.gbcs.gbz.timefmt import utc_seconds
from opendcc.inventory.model import DeviceType
from opendcc.transform import duisxml as x
from opendcc.transform.config_common import (
    CANCELLED,
    ZIGBEE_IMMEDIATE,
    RefusalError,
    action,
    activation_time,
    cosem_time,
    der_spec,
    dlms_spec,
    gbz_spec,
    get,
    guarded,
    issuer_event_id,
    set_,
)
from opendcc.transform.config_select import esme_variant, is_polyphase
from opendcc.transform.registry import CommandSpec, TransformInput, transforms

E, G = DeviceType.ESME, DeviceType.GSME
U32_MAX: Final = 0xFFFF_FFFF


def _u32(body: etree._Element, name: str) -> DoubleLongUnsigned:
    return DoubleLongUnsigned(x.integer(body, name, low=0, high=U32_MAX))


# --- 6.4 load limiting ------------------------------------------------------------------

_LOAD_LIMIT: Final = (
    ("0-0:94.44.0.3", "LoadLimitSupplyState"),
    ("0-0:94.44.128.7", "LoadLimitPowerThreshold"),
    ("0-0:94.44.128.6", "LoadLimitPeriod"),
    ("0-0:94.44.128.8", "LoadLimitRestorationPeriod"),
)


@transforms("6.4.1", E)
@guarded
def load_limiting_general_settings(request: TransformInput) -> CommandSpec:
    """6.4.1: ECS28a. Each value is written passive with its activation date-time: at once,
    at ``ExecutionDateTime`` (the Device holds it and raises 8F66/8F67), or cancelled."""
    body = request.body
    state = x.text(body, "LoadLimitSupplyState")
    if state not in ("Disable", "Unchanged"):
        raise x.BodyValueError(f"LoadLimitSupplyState {state!r} is neither Disable nor Unchanged")
    values: dict[str, Data] = {
        "LoadLimitSupplyState": Boolean(state == "Disable"),
        "LoadLimitPowerThreshold": _u32(body, "LoadLimitPowerThreshold"),
        "LoadLimitPeriod": _u32(body, "LoadLimitPeriod"),
        "LoadLimitRestorationPeriod": _u32(body, "LoadLimitRestorationPeriod"),
    }
    when = activation_time(request.execution_at)
    requests: list[Request] = [set_(9000, obis, 4, values[name]) for obis, name in _LOAD_LIMIT]
    requests += [set_(9000, obis, 6, when) for obis, _ in _LOAD_LIMIT]
    return dlms_spec(request, "ECS28a", requests)


@transforms("6.4.2", E)
@guarded
def load_limiting_counter_reset(request: TransformInput) -> CommandSpec:
    """6.4.2: ECS28b, reset the Load Limit Counter."""
    return dlms_spec(request, "ECS28b", [action(3, "0-0:94.44.42.255", 1, Integer(0))])


# --- 6.5 voltage and 6.27 counters --------------------------------------------------------

_LIMITERS: Final = (
    ("0-0:17.0.1.255", "RMSExtremeOverVoltageThreshold", "RMSExtremeOverVoltageMeasurementPeriod"),
    (
        "0-0:17.0.2.255",
        "RMSExtremeUnderVoltageThreshold",
        "RMSExtremeUnderVoltageMeasurementPeriod",
    ),
    ("0-0:17.0.3.255", "RMSVoltageSagThreshold", "RMSVoltageSagMeasurementPeriod"),
    ("0-0:17.0.4.255", "RMSVoltageSwellThreshold", "RMSVoltageSwellMeasurementPeriod"),
)
_PHASE_CODE: Final = {1: 32, 2: 52, 3: 72}
"""OBIS C of the per-phase voltage objects (L1 32, L2 52, L3 72)."""


def _phase(phase: int, d: int, e: int) -> str:
    return f"1-0:{_PHASE_CODE[phase]}.{d}.0.{e}"


def _counter_resets(phases: Sequence[int]) -> Iterator[Request]:
    for p in phases:
        yield action(3, _phase(p, 32, 4), 1, Integer(0))  # under-voltage counter
        yield action(3, _phase(p, 36, 4), 1, Integer(0))  # over-voltage counter


@transforms("6.5", E)
@guarded
def update_voltage(request: TransformInput) -> CommandSpec:
    """6.5: ECS29a (single phase) / ECS29b (polyphase), with the average RMS voltage
    counters reset; ECS29c / ECS29d without the resets (``RMSVoltageCountersNotReset``)."""
    body = request.body
    rms = x.require(body, "RMSVoltageSettings")
    single = x.child(body, "SinglePhaseVoltageSettings")
    poly = x.children(body, "PolyPhaseVoltageSettings")
    known = esme_variant(request) is not None
    if poly and known and not is_polyphase(request):
        raise RefusalError("polyphase voltage settings for a single-phase ESME", "E060501")
    if single is not None and is_polyphase(request):
        raise RefusalError("single-phase voltage settings for a polyphase ESME", "E060502")
    settings: dict[int, etree._Element] = {}
    if single is not None:
        settings[1] = single
    for item in poly:
        phase = x.integer(item, "Phase", low=1, high=3)
        if phase in settings:
            raise x.BodyValueError(f"phase {phase} is given twice")
        settings[phase] = x.require(item, "PhaseVoltageSettings")
    if set(settings) not in ({1}, {1, 2, 3}):
        raise x.BodyValueError("voltage settings need phase 1, or phases 1, 2 and 3")
    phases = sorted(settings)
    reset = x.child(body, "RMSVoltageCountersNotReset") is None

    def over(p: int) -> Request:
        return set_(1, _phase(p, 35, 4), 2, _u32(settings[p], "AverageRMSOverVoltageThreshold"))

    def under(p: int) -> Request:
        return set_(1, _phase(p, 31, 4), 2, _u32(settings[p], "AverageRMSUnderVoltageThreshold"))

    captures = [
        set_(7, _phase(p, 24, 255), 4, _u32(settings[p], "AverageRMSVoltageMeasurementPeriod"))
        for p in phases
    ]
    limiters: list[Request] = []
    for obis, threshold, period in _LIMITERS:
        limiters.append(set_(71, obis, 4, _u32(rms, threshold)))
        limiters.append(set_(71, obis, 6, _u32(rms, period)))
    # GBCS orders phase 1 over-then-under, later phases under-then-over (ECS29b/ECS29d).
    averages = [over(1), under(1)] + [r for p in phases[1:] for r in (under(p), over(p))]
    polyphase = len(phases) == 3
    if reset:
        requests = captures + limiters + averages + list(_counter_resets(phases))
        use_case = "ECS29b" if polyphase else "ECS29a"
    else:
        first = [under(1), over(1), *averages[2:]]
        requests = first + captures + limiters
        use_case = "ECS29d" if polyphase else "ECS29c"
    return dlms_spec(request, use_case, requests)


@transforms("6.27", E)
@guarded
def reset_rms_voltage_counters(request: TransformInput) -> CommandSpec:
    """6.27: ECS29e, or ECS29f for the three phases of a polyphase ESME."""
    phases = (1, 2, 3) if is_polyphase(request) else (1,)
    use_case = "ECS29f" if len(phases) == 3 else "ECS29e"
    return dlms_spec(request, use_case, _counter_resets(phases))


# --- 6.6, 6.7 gas -------------------------------------------------------------------------

CALORIFIC_VALUE_UNIT_MJ_PER_M3: Final = 1
"""ZSE Calorific Value Unit 1: MJ/m3."""
CUBIC_METRES: Final = 1
"""ZSE unit of measure 1: m3 (the uncontrolled flow threshold's unit)."""
SUPPLY_UNCHANGED: Final = 3
SUPPLY_OFF: Final = 0
"""ZSE supply status values GBCS GCS24 uses: 3 leaves a state unchanged, 0 locks."""
_LOCKABLE: Final = {"Unchanged": SUPPLY_UNCHANGED, "Locked": SUPPLY_OFF}


def _scaled(value: Decimal, digits: int, what: str) -> tuple[int, int]:
    """A ZSE value with its trailing-digit field (digits after the point in the high
    nibble): 40.0 with one digit is (400, 0x10)."""
    scaled = value.scaleb(digits)
    if scaled != scaled.to_integral_value() or not 0 <= scaled <= U32_MAX:
        raise x.BodyValueError(f"{what} {value} does not fit {digits} decimal places")
    return int(scaled), digits << 4


@transforms("6.6", G)
@guarded
def update_gas_conversion(request: TransformInput) -> CommandSpec:
    """6.6: GCS23, conversion factor (5 decimals) then calorific value (1 decimal, MJ/m3)."""
    factor, factor_digits = _scaled(
        x.decimal(request.body, "ConversionFactor"), 5, "ConversionFactor"
    )
    cv, cv_digits = _scaled(x.decimal(request.body, "CalorificValue"), 1, "CalorificValue")
    event = issuer_event_id(request)
    conversion = z.cluster_command(
        "Price",
        "PublishConversionFactor",
        issuer_event_id=event,
        start_time=ZIGBEE_IMMEDIATE,
        conversion_factor=factor,
        conversion_factor_trailing_digit=factor_digits,
    )
    calorific = z.cluster_command(
        "Price",
        "PublishCalorificValue",
        tsn=1,
        issuer_event_id=event,
        start_time=ZIGBEE_IMMEDIATE,
        calorific_value=cv,
        calorific_value_unit=CALORIFIC_VALUE_UNIT_MJ_PER_M3,
        calorific_value_trailing_digit=cv_digits,
    )
    return gbz_spec(
        request, "GCS23", [z.component("Price", conversion), z.component("Price", calorific)]
    )


FLOW_DIVISOR_DECIMAL: Final = 10_000
"""GCS24a carries the flow rate in ten-thousandths of m3/h (DUIS UncontrolledGasFlowRateDecimal
has four decimals)."""


@transforms("6.7", G)
@guarded
def update_gas_flow(request: TransformInput) -> CommandSpec:
    """6.7: GCS24 (whole m3/h) or GCS24a (``UncontrolledGasFlowRateDecimal``)."""
    body = request.body
    decimal_rate = x.child(body, "UncontrolledGasFlowRateDecimal")
    if decimal_rate is not None:
        rate, _ = _scaled(x.decimal(decimal_rate), 4, "UncontrolledGasFlowRateDecimal")
        divisor, use_case = FLOW_DIVISOR_DECIMAL, "GCS24a"
    else:
        rate = x.integer(body, "UncontrolledGasFlowRate", low=0, high=0xFFFF)
        divisor, use_case = 1, "GCS24"
    if rate > 0xFFFF:
        raise x.BodyValueError("the uncontrolled gas flow rate does not fit 16 bits")
    states = {}
    for name in ("SupplyTamperState", "SupplyDepletionState"):
        value = x.text(body, name)
        if value not in _LOCKABLE:
            raise x.BodyValueError(f"{name} {value!r} is neither Unchanged nor Locked")
        states[name] = _LOCKABLE[value]
    event = issuer_event_id(request)
    threshold = z.cluster_command(
        "Metering",
        "SetUncontrolledFlowThreshold",
        provider_id=0,
        issuer_event_id=event,
        uncontrolled_flow_threshold=rate,
        unit_of_measure=CUBIC_METRES,
        multiplier=1,
        divisor=divisor,
        stabilisation_period=x.integer(body, "StabilisationPeriod", low=1, high=0xFF),
        measurement_period=x.integer(body, "MeasurementPeriod", low=1, high=0xFFFF),
    )
    supply = z.cluster_command(
        "Metering",
        "SetSupplyStatus",
        tsn=1,
        issuer_event_id=event,
        supply_tamper_state=states["SupplyTamperState"],
        supply_depletion_state=states["SupplyDepletionState"],
        supply_uncontrolled_flow_state=0,
        load_limit_supply_state=SUPPLY_UNCHANGED,
    )
    return gbz_spec(
        request, use_case, [z.component("Metering", threshold), z.component("Metering", supply)]
    )


# --- 6.8 billing calendar -------------------------------------------------------------------

# Periodicity -> (ZSE billing period duration, duration type: timebase in the low nibble
# (1 days, 2 weeks, 3 months), "not specified" control in the high nibble).
GAS_PERIODS: Final[dict[str, tuple[int, int]]] = {
    "Daily": (1, 0x21),
    "Weekly": (1, 0x22),
    "Monthly": (1, 0x23),
    "Quarterly": (3, 0x23),
    "SixMonthly": (6, 0x23),
    "Yearly": (12, 0x23),
}
_MONTH_STEP: Final = {"Quarterly": 3, "SixMonthly": 6, "Yearly": 12}
BLOCK_PERIOD_REPEATING: Final = 2
"""ZSE Block Period Control as GBCS GCS25 sets it: the period repeats."""


def _any() -> int:
    return NOT_SPECIFIED


def electricity_billing_dates(calendar: etree._Element) -> tuple[str, list[CosemDate]]:
    """The periodicity and the execution dates of an ElectricityBillingCalendar."""
    for name in ("Daily", "Weekly", "Monthly", "Quarterly", "SixMonthly", "Yearly"):
        node = x.child(calendar, name)
        if node is None:
            continue
        if name == "Daily":
            return name, [CosemDate(YEAR_NOT_SPECIFIED, _any(), _any(), _any())]
        if name == "Weekly":
            dow = x.integer(node, low=1, high=7)
            return name, [CosemDate(YEAR_NOT_SPECIFIED, _any(), _any(), dow)]
        if name == "Monthly":
            day = x.integer(node, low=1, high=28)
            return name, [CosemDate(YEAR_NOT_SPECIFIED, _any(), day, _any())]
        day = x.integer(node, "DayOfMonth", low=1, high=28)
        start = x.integer(node, "BillingPeriodStartMonth", low=1, high=12)
        step = _MONTH_STEP[name]
        months = sorted((start - 1 + k) % 12 + 1 for k in range(0, 12, step))
        return name, [CosemDate(YEAR_NOT_SPECIFIED, m, day, _any()) for m in months]
    raise x.BodyValueError("ElectricityBillingCalendar has no periodicity")


@transforms("6.8", E, G)
@guarded
def update_billing_calendar(request: TransformInput) -> CommandSpec:
    """6.8: ECS30 (monthly) / ECS30a (any periodicity) on an ESME; GCS25 (monthly) /
    GCS25a (any periodicity) on a GSME."""
    if request.device.device_type is E:
        calendar = x.require(request.body, "ElectricityBillingCalendar")
        time = cosem_time(_time_of_day(x.text(calendar, "BillingTime")))
        periodicity, dates = electricity_billing_dates(calendar)
        entries = b.array(b.structure(time, OctetString(bytes(d))) for d in dates)
        use_case = "ECS30" if periodicity == "Monthly" else "ECS30a"
        return dlms_spec(request, use_case, [set_(22, "0-0:15.0.0.255", 4, entries)])
    calendar = x.require(request.body, "GasBillingCalendar")
    start = utc_seconds(x.timestamp(calendar, "BillingPeriodStart"))
    periodicity = x.text(calendar, "Periodicity")
    if periodicity not in GAS_PERIODS:
        raise x.BodyValueError(f"unknown Periodicity {periodicity!r}")
    duration, duration_type = GAS_PERIODS[periodicity]
    event = issuer_event_id(request)
    billing = z.cluster_command(
        "Price",
        "PublishBillingPeriod",
        provider_id=0,
        issuer_event_id=event,
        billing_period_start_time=start,
        billing_period_duration=duration,
        billing_period_duration_type=duration_type,
        tariff_type=0,
    )
    block = z.cluster_command(
        "Price",
        "PublishBlockPeriod",
        tsn=1,
        provider_id=0,
        issuer_event_id=event,
        block_period_start_time=start,
        block_period_duration=duration,
        block_period_control=BLOCK_PERIOD_REPEATING,
        block_period_duration_type=duration_type,
        tariff_type=0,
        tariff_resolution_period=1,
    )
    use_case = "GCS25" if periodicity == "Monthly" else "GCS25a"
    return gbz_spec(request, use_case, [z.component("Price", billing), z.component("Price", block)])


def _time_of_day(text: str) -> timedelta:
    """An ``xs:time`` (``12:00:00.00Z``) as the time since midnight; DUIS times are UTC."""
    raw = text.strip().rstrip("Z")
    for suffix in ("+00:00", "-00:00"):
        raw = raw.removesuffix(suffix)
    try:
        hours, minutes, seconds = raw.split(":")
        return timedelta(hours=int(hours), minutes=int(minutes), seconds=float(seconds))
    except ValueError:
        raise x.BodyValueError(f"not a UTC time of day: {text!r}") from None


# --- 6.11 clock ---------------------------------------------------------------------------

CLOCK_BASE_RADIO: Final = 5
"""Clock attribute 9 (clock_base) 5: synchronised by an external signal, here the CH."""


def _validity(request: TransformInput) -> tuple[datetime, datetime]:
    """DUIS CurrentDateTime and TolerancePeriod give the interval within which the CH's time
    must lie: [CurrentDateTime, CurrentDateTime + TolerancePeriod] (the reference ECS70)."""
    start = x.timestamp(request.body, "CurrentDateTime")
    tolerance = x.integer(request.body, "TolerancePeriod", low=0, high=86_400)
    return start, start + timedelta(seconds=tolerance)


@transforms("6.11", E, G)
@guarded
def synchronise_clock(request: TransformInput) -> CommandSpec:
    """6.11: ECS70 on an ESME (preset the adjusting time with the validity interval, adjust,
    read the clock back); GCS28 (SetTime) on a GSME."""
    start, end = _validity(request)
    if request.device.device_type is G:
        return der_spec(request, "GCS28", SetTimeCommand(start, end))
    window = b.structure(OctetString(bytes(CANCELLED)), b.date_time(start), b.date_time(end))
    requests: list[Request] = [
        set_(8, "0-0:1.0.0.255", 9, Enum(CLOCK_BASE_RADIO)),
        action(8, "0-0:1.0.0.255", 5, window),
        action(8, "0-0:1.0.0.255", 4, Integer(0)),
        get(8, "0-0:1.0.0.255", 2),
        get(8, "0-0:1.0.0.255", 4),
    ]
    return dlms_spec(request, "ECS70", requests)


# --- 6.12, 6.18, 6.20, 6.25 ---------------------------------------------------------------


@transforms("6.12", E)
@guarded
def update_power_threshold(request: TransformInput) -> CommandSpec:
    """6.12: ECS34, the low/medium and medium/high instantaneous power thresholds (W)."""
    low = _u32(request.body, "LowMediumPowerThreshold")
    high = _u32(request.body, "MediumHighPowerThreshold")
    if low.value > high.value:
        raise x.BodyValueError("LowMediumPowerThreshold exceeds MediumHighPowerThreshold")
    return dlms_spec(request, "ECS34", [set_(21, "0-0:16.0.0.255", 2, b.array((low, high)))])


MAX_DEMAND_SCRIPT: Final = "0-0:10.128.100.255"
"""The script table whose scripts 1 and 2 start and end the configurable maximum demand
period (ECS37)."""
_ALL_WEEK: Final = BitString.from_bits("1111111")
_NO_SPECIAL_DAYS: Final = BitString(0, b"")
_SCHEDULE_BEGIN: Final = CosemDate(0, 1, NOT_SPECIFIED, NOT_SPECIFIED)
"""ECS37's begin date as GBCS gives it (year 0, month 1: in force from any date)."""
_ANY_DATE: Final = CosemDate(YEAR_NOT_SPECIFIED, NOT_SPECIFIED, NOT_SPECIFIED, NOT_SPECIFIED)
NO_VALIDITY_WINDOW: Final = 0xFFFF


@transforms("6.18.1", E)
@guarded
def set_max_demand_period(request: TransformInput) -> CommandSpec:
    """6.18.1: ECS37, two schedule entries (start, end) running the period scripts daily."""
    schedule = x.require(request.body, "MaximumDemandTimePeriodSchedule")
    start = _time_of_day(x.text(schedule, "StartTime"))
    end = _time_of_day(x.text(schedule, "EndTime"))
    if start == end:
        raise x.BodyValueError("the maximum demand period starts and ends at the same time")
    entries = b.array(
        b.structure(
            LongUnsigned(index),
            Boolean(True),
            b.obis(MAX_DEMAND_SCRIPT),
            LongUnsigned(index + 1),
            cosem_time(at),
            LongUnsigned(NO_VALIDITY_WINDOW),
            _ALL_WEEK,
            _NO_SPECIAL_DAYS,
            OctetString(bytes(_SCHEDULE_BEGIN)),
            OctetString(bytes(_ANY_DATE)),
        )
        for index, at in enumerate((start, end))
    )
    return dlms_spec(request, "ECS37", [set_(10, "0-0:12.0.0.255", 2, entries)])


# DUIS element -> maximum demand register; the Command resets them in OBIS order.
_MAX_DEMAND: Final = (
    ("MaxDemandActivePowerImportValue", "1-0:1.6.0.255"),
    ("MaxDemandConfigTimeActivePowerImportValue", "1-0:1.6.1.255"),
    ("MaxDemandActivePowerExportValue", "1-0:2.6.0.255"),
)


@transforms("6.18.2", E)
@guarded
def reset_max_demand(request: TransformInput) -> CommandSpec:
    """6.18.2: ECS57, reset (class 4 method 1) each register the body names."""
    requests = [
        action(4, obis, 1, Integer(0))
        for name, obis in _MAX_DEMAND
        if x.child(request.body, name) is not None
    ]
    if not requests:
        raise x.BodyValueError("no maximum demand register to reset")
    return dlms_spec(request, "ECS57", requests)


def _mpan(node: etree._Element) -> str:
    value = x.text(node)
    if len(value) != 13 or not value.isdigit():
        raise x.BodyValueError(f"an MPAN is 13 digits: {value!r}")
    return value


@transforms("6.20.1", E, G)
@guarded
def set_import_mpxn(request: TransformInput) -> CommandSpec:
    """6.20.1: ECS39a (the import MPAN, followed by the secondary MPAN of a twin element
    ESME in the same octet-string) or GCS41 (the MPRN as the Metering Site ID)."""
    if request.device.device_type is E:
        mpans = x.require(request.body, "ImportMPANs")
        value = _mpan(x.require(mpans, "ImportMPAN"))
        secondary = x.child(mpans, "SecondaryImportMPAN")
        if secondary is not None:
            value += _mpan(secondary)
        data = OctetString(value.encode("ascii"))
        return dlms_spec(request, "ECS39a", [set_(1, "0-0:94.44.34.11", 2, data)])
    mprn = x.text(request.body, "ImportMPRN")
    if not 1 <= len(mprn) <= 10 or not mprn.isdigit():
        raise x.BodyValueError(f"an MPRN is 1 to 10 digits: {mprn!r}")
    frame = z.cluster_command(
        "DeviceManagement",
        "UpdateSiteID",
        issuer_event_id=issuer_event_id(request),
        site_id_time=ZIGBEE_IMMEDIATE,
        provider_id=0,
        site_id=mprn.encode("ascii"),
    )
    return gbz_spec(request, "GCS41", [z.component("DeviceManagement", frame)])


@transforms("6.20.2", E)
@guarded
def set_export_mpan(request: TransformInput) -> CommandSpec:
    """6.20.2: ECS39b, the export MPAN (the ACB sends it for the Export Supplier)."""
    value = _mpan(x.require(request.body, "ExportMPAN"))
    data = OctetString(value.encode("ascii"))
    return dlms_spec(request, "ECS39b", [set_(1, "1-0:0.0.2.255", 2, data)])


@transforms("6.25", E)
@guarded
def set_supply_tamper_state(request: TransformInput) -> CommandSpec:
    """6.25: ECS81, TRUE when a detected tamper is to lock the supply."""
    state = x.text(request.body, "SupplyTamperState")
    if state not in ("Locked", "Unchanged"):
        raise x.BodyValueError(f"SupplyTamperState {state!r} is neither Locked nor Unchanged")
    return dlms_spec(request, "ECS81", [set_(1, "0-0:94.44.0.4", 2, Boolean(state == "Locked"))])
