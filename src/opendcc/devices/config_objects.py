"""The COSEM object table of the configuration family: which objects an ESME, CHF or HAN
auxiliary controller holds, their initial values and what writing them does.

Rows register into ``config_cosem.ATTRIBUTES`` and ``METHODS`` (the engine that answers
Commands from them); checks are in ``config_checks``. Initial values are plausible for a
freshly installed Device and derive from its identity only: the GB statutory voltage
limits around 230 V, a monthly billing date on the 1st, the evening peak as the maximum
demand period, every lower-band sub-GHz channel allowed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Final

from opendcc.devices import device_logs
from opendcc.devices.config_alerts import (
    BEHAVIOUR_BITS,
    BEHAVIOUR_OBJECTS,
    SETTING_TO_BEHAVIOUR,
    default_behaviour,
)
from opendcc.devices.config_checks import (
    DIGITS,
    PRINTABLE,
    activation,
    billing_calendar,
    bits,
    date_time_value,
    import_mpan,
    instant,
    octets,
    pin,
    schedule,
    special_days,
    structure_of,
    thresholds,
    typed,
    visible,
)
from opendcc.devices.config_cosem import (
    DAR,
    CosemAttribute,
    CosemContext,
    CosemMethod,
    MethodRun,
    device_time,
    record_reset,
    register_attribute,
    register_method,
)
from opendcc.devices.config_state import ClockState, SubGhz, identity_number
from opendcc.devices.reads_state import LogKind
from opendcc.devices.supply_auxiliary_state import AuxiliaryLoadControl
from opendcc.gbcs.dlms import builders as b
from opendcc.gbcs.dlms.apdu import ActionResult
from opendcc.gbcs.dlms.cosem import SelectiveAccess
from opendcc.gbcs.dlms.data import (
    BitString,
    Boolean,
    Data,
    DoubleLongUnsigned,
    Enum,
    Integer,
    LongUnsigned,
    OctetString,
    Structure,
    Unsigned,
    VisibleString,
)
from opendcc.gbcs.dlms.datetimes import to_gbcs_seconds
from opendcc.inventory.model import Device, DeviceType
from opendcc.transform.supply_objects import RANDOMISED_OFFSET_LIMIT_MAX

E, C, H = DeviceType.ESME, DeviceType.CHF, DeviceType.HCALCS

# --- defaults -----------------------------------------------------------------------------


def _const(value: Data) -> Callable[[Device], Data]:
    return lambda _device: value


def _ascii(text: str) -> OctetString:
    return OctetString(text.encode("ascii", "replace"))


def _dlu(value: int) -> Callable[[Device], Data]:
    return _const(DoubleLongUnsigned(value))


UNSET_DATE_TIME: Final = OctetString(b"\xff" * 9 + b"\x80\x00\xff")
NO_ACTIVATION: Final = UNSET_DATE_TIME
CLOCK_STATUS_INVALID: Final = 0x01
"""COSEM clock status bit 0, invalid value: set when an adjustment fails (the ECS70
ClockStatus read then answers 1)."""
_BILLING_DEFAULT: Final = b.array(
    [b.structure(OctetString(bytes(4)), OctetString(bytes.fromhex("ffffff01ff")))]
)
"""Monthly on the 1st at 00:00 UTC."""


def _max_demand_default(_device: Device) -> Data:
    """The configurable maximum demand period: the GB evening peak, 16:00 to 19:00 UTC."""
    entries = []
    for index, hour in enumerate((16, 19)):
        entries.append(
            b.structure(
                LongUnsigned(index),
                Boolean(True),
                b.obis("0-0:10.128.100.255"),
                LongUnsigned(index + 1),
                OctetString(bytes((hour, 0, 0, 0))),
                LongUnsigned(0xFFFF),
                BitString.from_bits("1111111"),
                BitString(0, b""),
                OctetString(bytes.fromhex("000001ffff")),
                OctetString(b"\xff" * 5),
            )
        )
    return b.array(entries)


def _pin_default(device: Device) -> Data:
    return _ascii(f"{identity_number(device, 'pin', 10_000):04d}")


def _variant_default(device: Device) -> Data:
    return _ascii(str(getattr(device, "esme_variant", None) or "A"))


# The sub-GHz configuration a dual-band CH starts with (GBCS DBCH defaults as opendcc
# chooses them): every lower-band channel allowed, duty cycle thresholds 1.0 % and 2.0 %.
_SUBGHZ_DEFAULT: Final = b.structure(
    BitString(32, ((28 << 27) | 0x07FF_FFFF).to_bytes(4, "big")),
    BitString(32, ((29 << 27) | 0xFF).to_bytes(4, "big")),
    BitString(32, ((30 << 27) | 0x07FF_FFFF).to_bytes(4, "big")),
    BitString(32, (31 << 27).to_bytes(4, "big")),
    LongUnsigned(100),
    LongUnsigned(200),
    Unsigned(3),
    LongUnsigned(60),
    Unsigned(6),
    Unsigned(10),
    LongUnsigned(5000),
    Unsigned(96),
    LongUnsigned(900),
    LongUnsigned(5000),
    LongUnsigned(3000),
)
_SUBGHZ_SHAPE: Final = (BitString,) * 4 + (
    LongUnsigned,
    LongUnsigned,
    Unsigned,
    LongUnsigned,
    Unsigned,
    Unsigned,
    LongUnsigned,
    Unsigned,
    LongUnsigned,
    LongUnsigned,
    LongUnsigned,
)


def _subghz_configuration(value: Data, _ctx: CosemContext) -> DAR | None:
    if not structure_of(value, _SUBGHZ_SHAPE):
        return DAR.TYPE_UNMATCHED
    assert isinstance(value, Structure)
    masks = value.items[:4]
    for page, mask in zip((28, 29, 30, 31), masks, strict=True):
        assert isinstance(mask, BitString)
        if mask.length != 32 or int.from_bytes(mask.data, "big") >> 27 != page:
            return DAR.OTHER_REASON
    normal, critical = value.items[4], value.items[5]
    assert isinstance(normal, LongUnsigned) and isinstance(critical, LongUnsigned)
    if not normal.value < critical.value:
        return DAR.OTHER_REASON
    return None


def _operating_channel_default(device: Device) -> Data:
    channel = identity_number(device, "subghz", 27)
    return BitString(32, ((28 << 27) | (1 << channel)).to_bytes(4, "big"))


# --- computed values and effects ----------------------------------------------------------


def _clock_value(ctx: CosemContext) -> Data:
    return b.date_time(device_time(ctx.state, ctx.now).replace(microsecond=0))


def _clock_status(ctx: CosemContext) -> Data:
    return Unsigned(ctx.state.get(ClockState).status)


def _clock_base(ctx: CosemContext) -> Data:
    return Enum(ctx.state.get(ClockState).clock_base)


def _set_clock_base(ctx: CosemContext, value: Data) -> None:
    assert isinstance(value, Enum)
    ctx.state.get(ClockState).clock_base = value.value


def _preset_adjusting_time(ctx: CosemContext, parameters: Data) -> ActionResult:
    """Clock method 5: remember the validity interval the next adjustment must meet."""
    if not structure_of(parameters, (OctetString,) * 3):
        return ActionResult.TYPE_UNMATCHED
    assert isinstance(parameters, Structure)
    start = date_time_value(parameters.items[1])
    end = date_time_value(parameters.items[2])
    start_at = start.to_datetime() if start else None
    end_at = end.to_datetime() if end else None
    if start_at is None or end_at is None or end_at < start_at:
        return ActionResult.OTHER_REASON
    clock = ctx.state.get(ClockState)
    clock.window_start, clock.window_end = start_at, end_at
    ctx.state.touch()
    return ActionResult.SUCCESS


def _adjust_to_preset_time(ctx: CosemContext, _parameters: Data) -> ActionResult:
    """Clock method 4: take the Communications Hub's time (the hub's) if it lies within
    the preset window (GBCS ECS70); otherwise leave the clock and fail."""
    clock = ctx.state.get(ClockState)
    start, end = clock.window_start, clock.window_end
    clock.window_start = clock.window_end = None
    ctx.state.touch()
    if start is None or end is None or not start <= ctx.now <= end:
        clock.status |= CLOCK_STATUS_INVALID
        device_logs.record(ctx.state, device_logs.Change.CLOCK_NOT_ADJUSTED, ctx.now)
        return ActionResult.OTHER_REASON
    clock.synchronise(ctx.now)
    clock.status = 0
    device_logs.record(ctx.state, device_logs.Change.CLOCK_ADJUSTED, ctx.now)
    return ActionResult.SUCCESS


def _behaviour_default(obis: str) -> Callable[[Device], Data]:
    return lambda _device: default_behaviour(obis)


def _apply_setting(setting_obis: str) -> Callable[[CosemContext, Data], None]:
    """A 6.22 setting (mask, values) changes the matching behaviour object."""

    def apply(ctx: CosemContext, value: Data) -> None:
        assert isinstance(value, BitString)
        key = f"1/{SETTING_TO_BEHAVIOUR[setting_obis]}/2"
        current = ctx.value(key)
        assert isinstance(current, BitString)
        bits = value.bits
        mask, new = bits[:BEHAVIOUR_BITS], bits[BEHAVIOUR_BITS:]
        merged = "".join(
            n if m == "1" else c for m, n, c in zip(mask, new, current.bits, strict=True)
        )
        ctx.store(key, BitString.from_bits(merged))

    return apply


def _reset_to_zero(key: str) -> MethodRun:
    def run(ctx: CosemContext, parameters: Data) -> ActionResult:
        if type(parameters) is not Integer:
            return ActionResult.TYPE_UNMATCHED
        ctx.store(key, DoubleLongUnsigned(0))
        record_reset(ctx.state, key.split("/")[1], ctx.now)
        return ActionResult.SUCCESS

    return run


_CLEARED_LOGS: Final = {
    "0-0:99.98.0.255": LogKind.EVENT,
    "0-17:99.98.2.255": LogKind.AUXILIARY_CONTROLLER,
}
"""The logs 3.3 may clear (DLMS profile reset) -> the log the Device empties; the Security
Log cannot be cleared (GBCS)."""


def _clear_log(log_obis: str) -> MethodRun:
    def run(ctx: CosemContext, parameters: Data) -> ActionResult:
        if type(parameters) is not Integer:
            return ActionResult.TYPE_UNMATCHED
        record_reset(ctx.state, log_obis, ctx.now)
        # The log is emptied; 0x8F52 Event Log Cleared goes in the Security Log.
        device_logs.clear(ctx.state, _CLEARED_LOGS[log_obis], ctx.now)
        return ActionResult.SUCCESS

    return run


def _channel_log(ctx: CosemContext, access: SelectiveAccess) -> Data | DAR:
    """The sub-GHz channel log entries {time (seconds since 2000), channel} in range."""
    window = _range(access)
    if window is None:
        return DAR.OTHER_REASON
    start, end = window
    entries = []
    for item in ctx.state.get(SubGhz).channel_log:
        at = datetime.fromisoformat(item["at"])
        if start <= to_gbcs_seconds(at) <= end:
            channel = int(item["channel"]).to_bytes(4, "big")
            entries.append(b.structure(b.gbcs_seconds(at), BitString(32, channel)))
    return b.array(entries)


def _range(access: SelectiveAccess) -> tuple[int, int] | None:
    parameters = access.parameters
    if access.selector != 1 or type(parameters) is not Structure or len(parameters.items) < 3:
        return None
    start, end = parameters.items[1], parameters.items[2]
    if type(start) is not DoubleLongUnsigned or type(end) is not DoubleLongUnsigned:
        return None
    return start.value, end.value


def _polyphase(ctx: CosemContext) -> bool:
    return ctx.polyphase


# --- the tables ---------------------------------------------------------------------------

ESME_ONLY: Final = frozenset({E})
IDENTITY_HOLDERS: Final = frozenset({E, C, H})
AUX_CONTROLLERS: Final = frozenset({E, H})

_attribute, _method = register_attribute, register_method


def _build_tables() -> None:
    ident = IDENTITY_HOLDERS
    _attribute(
        1,
        "0-0:96.1.1.255",
        2,
        CosemAttribute("DeviceIdentifier", ident, lambda d: OctetString(bytes(d.device_id))),
    )
    _attribute(1, "0-0:96.1.2.255", 2, CosemAttribute("MeterVariant", ESME_ONLY, _variant_default))
    _attribute(
        1, "0-0:96.1.4.255", 2, CosemAttribute("ModelType", ident, lambda d: _ascii(d.model))
    )
    _attribute(
        1,
        "0-0:96.1.6.255",
        2,
        CosemAttribute("ManufacturerIdentifier", ident, lambda d: _ascii(d.manufacturer)),
    )
    _attribute(
        1,
        "0-0:94.44.0.4",
        2,
        CosemAttribute("SupplyTamperState", ESME_ONLY, _const(Boolean(False)), typed(Boolean)),
    )
    # 3.x messages and access
    message = CosemAttribute(
        "DisplayMessage", ESME_ONLY, _const(OctetString(b"")), octets(116, PRINTABLE)
    )
    _attribute(1, "0-2:96.13.1.255", 2, message)
    _attribute(
        1,
        "0-0:94.44.3.2",
        2,
        CosemAttribute("ChangeOfTenancyDate", ESME_ONLY, _const(UNSET_DATE_TIME), instant),
    )
    _attribute(1, "0-0:94.44.3.1", 2, CosemAttribute("CustomerPIN", ESME_ONLY, _pin_default, pin))
    _attribute(
        9000,
        "0-0:96.13.0.255",
        2,
        CosemAttribute(
            "SupplierTelephoneNumber",
            ESME_ONLY,
            _const(OctetString(b"")),
            octets(18, DIGITS + " "),
        ),
    )
    _attribute(
        9000,
        "0-0:96.13.1.255",
        2,
        CosemAttribute("SupplierName", ESME_ONLY, _const(OctetString(b"")), octets(15, PRINTABLE)),
    )
    _method(
        7,
        "0-0:99.98.0.255",
        1,
        CosemMethod("EventLog.reset", ESME_ONLY, _clear_log("0-0:99.98.0.255")),
    )
    _method(
        7,
        "0-17:99.98.2.255",
        1,
        CosemMethod("AuxiliaryControllerEventLog.reset", ESME_ONLY, _clear_log("0-17:99.98.2.255")),
    )
    # 6.2.1, 6.5, 6.27 voltage (RMS limiters class 71; average RMS per phase)
    limiters = (
        ("0-0:17.0.1.255", "RMSExtremeOverVoltage", 287),
        ("0-0:17.0.2.255", "RMSExtremeUnderVoltage", 184),
        ("0-0:17.0.3.255", "RMSVoltageSag", 207),
        ("0-0:17.0.4.255", "RMSVoltageSwell", 264),
    )
    for obis, name, volts in limiters:
        _attribute(
            71,
            obis,
            4,
            CosemAttribute(f"{name}Threshold", ESME_ONLY, _dlu(volts), typed(DoubleLongUnsigned)),
        )
        _attribute(
            71,
            obis,
            6,
            CosemAttribute(
                f"{name}MeasurementPeriod", ESME_ONLY, _dlu(30), typed(DoubleLongUnsigned, 1)
            ),
        )
    for phase, c in ((1, 32), (2, 52), (3, 72)):
        present = None if phase == 1 else _polyphase
        u32 = typed(DoubleLongUnsigned)
        _attribute(
            1,
            f"1-0:{c}.35.0.4",
            2,
            CosemAttribute(
                f"AverageRMSOverVoltageThresholdPhase{phase}",
                ESME_ONLY,
                _dlu(253),
                u32,
                present=present,
            ),
        )
        _attribute(
            1,
            f"1-0:{c}.31.0.4",
            2,
            CosemAttribute(
                f"AverageRMSUnderVoltageThresholdPhase{phase}",
                ESME_ONLY,
                _dlu(216),
                u32,
                present=present,
            ),
        )
        _attribute(
            7,
            f"1-0:{c}.24.0.255",
            4,
            CosemAttribute(
                f"AvgRMSVoltageProfileDataLogPhase{phase}.capture_period",
                ESME_ONLY,
                _dlu(1800),
                typed(DoubleLongUnsigned, 1),
                present=present,
            ),
        )
        for d, what in ((32, "Under"), (36, "Over")):
            key = f"3/1-0:{c}.{d}.0.4/2"
            _attribute(
                3,
                f"1-0:{c}.{d}.0.4",
                2,
                CosemAttribute(
                    f"AvgRMS{what}VoltageCounterPhase{phase}", ESME_ONLY, _dlu(0), present=present
                ),
            )
            _method(
                3,
                f"1-0:{c}.{d}.0.4",
                1,
                CosemMethod(
                    f"AvgRMS{what}VoltageCounterPhase{phase}.reset",
                    ESME_ONLY,
                    _reset_to_zero(key),
                    present,
                ),
            )
    # 6.2.2 randomisation
    _attribute(
        1,
        "0-0:94.44.0.1",
        2,
        CosemAttribute(
            "RandomisedOffsetLimit",
            ESME_ONLY,
            _const(LongUnsigned(0)),
            typed(LongUnsigned, 0, RANDOMISED_OFFSET_LIMIT_MAX),
            compute=_randomised_offset_limit,
            after_write=_write_randomised_offset_limit,
        ),
    )
    _attribute(
        1,
        "0-0:94.44.0.2",
        2,
        CosemAttribute(
            "RandomisedOffsetNumber",
            ESME_ONLY,
            lambda d: LongUnsigned(identity_number(d, "randomise", 0x10000)),
        ),
    )
    _attribute(
        1,
        "0-0:94.44.0.0",
        2,
        CosemAttribute(
            "RandomisedOffset", ESME_ONLY, _const(LongUnsigned(0)), compute=_randomised_offset
        ),
    )
    # 6.2.3, 6.8 billing calendar
    _attribute(
        22,
        "0-0:15.0.0.255",
        4,
        CosemAttribute(
            "BillingCalendar.execution_time", ESME_ONLY, _const(_BILLING_DEFAULT), billing_calendar
        ),
    )
    # 6.2.5, 6.12 instantaneous power thresholds (W)
    _attribute(
        21,
        "0-0:16.0.0.255",
        2,
        CosemAttribute(
            "InstantaneousPowerThresholds",
            ESME_ONLY,
            _const(b.array((DoubleLongUnsigned(3000), DoubleLongUnsigned(6000)))),
            thresholds,
        ),
    )
    # 6.4 load limiting: passive values (9000 attr 4), activation (attr 6); the active
    # values are the limiter 0-0:17.0.0.255 (threshold 4, period 6, restoration 7) and the
    # supply-state object's attribute 2.
    _attribute(
        9000,
        "0-0:94.44.0.3",
        2,
        CosemAttribute("LoadLimitSupplyState", ESME_ONLY, _const(Boolean(False))),
    )
    load_limits = (
        ("0-0:94.44.0.3", "LoadLimitSupplyState", Boolean(False), typed(Boolean)),
        (
            "0-0:94.44.128.7",
            "LoadLimitPowerThreshold",
            DoubleLongUnsigned(0),
            typed(DoubleLongUnsigned),
        ),
        ("0-0:94.44.128.6", "LoadLimitPeriod", DoubleLongUnsigned(300), typed(DoubleLongUnsigned)),
        (
            "0-0:94.44.128.8",
            "LoadLimitRestorationPeriod",
            DoubleLongUnsigned(30),
            typed(DoubleLongUnsigned),
        ),
    )
    for obis, name, default, accept in load_limits:
        _attribute(
            9000, obis, 4, CosemAttribute(f"{name}.passive", ESME_ONLY, _const(default), accept)
        )
        _attribute(
            9000,
            obis,
            6,
            CosemAttribute(f"{name}.activation", ESME_ONLY, _const(NO_ACTIVATION), activation),
        )
    for attr, name, initial in (
        (4, "LoadLimitPowerThreshold", 0),
        (6, "LoadLimitPeriod", 300),
        (7, "LoadLimitRestorationPeriod", 30),
    ):
        _attribute(71, "0-0:17.0.0.255", attr, CosemAttribute(name, ESME_ONLY, _dlu(initial)))
    _attribute(
        3, "0-0:94.44.42.255", 2, CosemAttribute("LoadLimitCounterValue", ESME_ONLY, _dlu(0))
    )
    _method(
        3,
        "0-0:94.44.42.255",
        1,
        CosemMethod("LoadLimitCounter.reset", ESME_ONLY, _reset_to_zero("3/0-0:94.44.42.255/2")),
    )
    # 6.11 clock
    _attribute(
        8,
        "0-0:1.0.0.255",
        2,
        CosemAttribute("Clock", ESME_ONLY, _const(UNSET_DATE_TIME), compute=_clock_value),
    )
    _attribute(
        8,
        "0-0:1.0.0.255",
        4,
        CosemAttribute("ClockStatus", ESME_ONLY, _const(Unsigned(0)), compute=_clock_status),
    )
    _attribute(
        8,
        "0-0:1.0.0.255",
        9,
        CosemAttribute(
            "Clock.clock_base",
            ESME_ONLY,
            _const(Enum(1)),
            typed(Enum, 0, 5),
            compute=_clock_base,
            after_write=_set_clock_base,
        ),
    )
    _method(
        8,
        "0-0:1.0.0.255",
        5,
        CosemMethod("Clock.preset_adjusting_time", ESME_ONLY, _preset_adjusting_time),
    )
    _method(
        8,
        "0-0:1.0.0.255",
        4,
        CosemMethod("Clock.adjust_to_preset_time", ESME_ONLY, _adjust_to_preset_time),
    )
    # 6.18 maximum demand
    md_scripts = frozenset({"00000a8064ff"})
    _attribute(
        10,
        "0-0:12.0.0.255",
        2,
        CosemAttribute(
            "MaxDemandConfigurableTimePeriod",
            ESME_ONLY,
            _max_demand_default,
            schedule(2, md_scripts),
        ),
    )
    for obis, name in (
        ("1-0:1.6.0.255", "MaxDemandActiveEnergyImport"),
        ("1-0:1.6.1.255", "MaxDemandConfigurableTimeActivePowerImport"),
        ("1-0:2.6.0.255", "MaxDemandActiveEnergyExport"),
    ):
        _attribute(4, obis, 2, CosemAttribute(name, ESME_ONLY, _dlu(0)))
        _method(4, obis, 1, CosemMethod(f"{name}.reset", ESME_ONLY, _reset_to_zero(f"4/{obis}/2")))
    # 6.20 MPxN
    _attribute(
        1,
        "0-0:94.44.34.11",
        2,
        CosemAttribute("ImportMPAN", ESME_ONLY, lambda d: _ascii(d.mpxn or ""), import_mpan),
    )
    _attribute(
        1,
        "1-0:0.0.2.255",
        2,
        CosemAttribute(
            "ExportMPAN", ESME_ONLY, _const(OctetString(b"")), octets(13, DIGITS, exact=(13,))
        ),
    )
    # 6.14 auxiliary load control
    for n in range(1, 6):
        _attribute(
            1,
            f"0-0:94.44.0.{10 + n}",
            2,
            CosemAttribute(
                f"AuxiliaryControllerDescription{n}",
                ESME_ONLY,
                _const(VisibleString("")),
                visible(22),
            ),
        )
        _attribute(
            1,
            f"0-0:94.44.0.{20 + n}",
            2,
            CosemAttribute(
                f"AuxiliaryControllerHCALCSID{n}",
                ESME_ONLY,
                _const(OctetString(bytes(8))),
                octets(8, exact=(8,)),
            ),
        )
    aux_scripts = frozenset({"00000a0067ff"})
    for b_field, kind in ((0, "active"), (1, "passive")):
        writable = b_field == 1
        _attribute(
            11,
            f"0-{b_field}:11.0.3.255",
            2,
            CosemAttribute(
                f"AuxiliaryControllerSpecialDayDefinitions.{kind}",
                AUX_CONTROLLERS,
                _const(b.array([])),
                special_days if writable else None,
            ),
        )
        _attribute(
            10,
            f"0-{b_field}:12.0.2.255",
            2,
            CosemAttribute(
                f"AuxiliaryControllerSchedule.{kind}",
                AUX_CONTROLLERS,
                _const(b.array([])),
                schedule(120, aux_scripts) if writable else None,
            ),
        )
    for obis, name in (
        ("0-0:94.44.128.26", "AuxiliaryLoadControlCalendarActivation"),
        ("0-0:94.44.128.35", "AuxiliaryLoadControlSpecialDaysActivation"),
    ):
        _attribute(
            9000, obis, 6, CosemAttribute(name, AUX_CONTROLLERS, _const(NO_ACTIVATION), activation)
        )
    # 6.22, 6.2.10 alert behaviours: settings are write-only, behaviours read-only
    for setting, target in SETTING_TO_BEHAVIOUR.items():
        if target not in BEHAVIOUR_OBJECTS.values():
            continue
        _attribute(
            1,
            setting,
            2,
            CosemAttribute(
                f"BehaviourSetting {setting}",
                ESME_ONLY,
                _const(BitString(0, b"")),
                bits(2 * BEHAVIOUR_BITS),
                readable=False,
                after_write=_apply_setting(setting),
            ),
        )
        _attribute(
            1,
            target,
            2,
            CosemAttribute(f"Behaviour {target}", ESME_ONLY, _behaviour_default(target)),
        )
    # 6.28 to 6.32 sub-GHz (dual-band CHF)
    chf = frozenset({C})
    _attribute(
        1,
        "0-0:94.44.10.0",
        2,
        CosemAttribute(
            "CHFSubGHzConfiguration", chf, _const(_SUBGHZ_DEFAULT), _subghz_configuration
        ),
    )
    _attribute(
        1,
        "0-0:94.44.10.1",
        2,
        CosemAttribute(
            "CHFSubGHzChannelScanRequest", chf, _const(Unsigned(0)), typed(Unsigned, 0, 0)
        ),
    )
    _attribute(
        1,
        "0-0:94.44.10.2",
        2,
        CosemAttribute("OperatingSubGHzChannel", chf, _operating_channel_default),
    )
    _attribute(
        7,
        "0-0:94.44.10.3",
        2,
        CosemAttribute("CHFSubGHzChannelLog", chf, _const(b.array([])), select=_channel_log),
    )


def _randomised_offset_limit(ctx: CosemContext) -> Data:
    """The ESME's one Randomised Offset Limit: the supply family's (ECS38 writes it, its
    auxiliary load control switching is delayed by it), read here for 6.2.2 (ECS26c), so
    a write through either family is what both read."""
    return LongUnsigned(ctx.state.get(AuxiliaryLoadControl).randomised_offset_limit)


def _write_randomised_offset_limit(ctx: CosemContext, value: Data) -> None:
    assert isinstance(value, LongUnsigned)  # the attribute's check has passed
    ctx.state.get(AuxiliaryLoadControl).randomised_offset_limit = value.value
    ctx.state.touch()


def _randomised_offset(ctx: CosemContext) -> Data:
    """The randomised offset the ESME applies: its random number modulo the limit."""
    limit = _randomised_offset_limit(ctx)
    number = ctx.value("1/0-0:94.44.0.2/2")
    assert isinstance(limit, LongUnsigned) and isinstance(number, LongUnsigned)
    return LongUnsigned(number.value % (limit.value + 1))


_build_tables()
