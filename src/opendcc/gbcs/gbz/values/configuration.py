"""Named values of the gas configuration, tariff, identity and event-log reads, of the
prepayment responses, and of the ZigBee alerts.

Names follow the DUIS response schema (MMC 5.4) where it has one; where a GBZ field has no
DUIS counterpart it keeps its ZigBee Smart Energy name.
"""

from __future__ import annotations

from opendcc.gbcs.gbz.alerts import INTEGRITY_ISSUE_WARNINGS, alert_name
from opendcc.gbcs.gbz.clusters import cluster, cluster_name
from opendcc.gbcs.gbz.clusters.calendar import CALENDAR_TYPES
from opendcc.gbcs.gbz.clusters.prepayment import (
    DEBT_RECOVERY_FREQUENCIES,
    ORIGINATING_DEVICES,
    TOP_UP_RESULTS,
)
from opendcc.gbcs.gbz.clusters.units import (
    CURRENCIES,
    decimal_text,
    scaled,
    trailing_digits,
    unit_label,
    with_digits,
)
from opendcc.gbcs.gbz.fields import Record
from opendcc.gbcs.gbz.payload import (
    FirmwareImageHash,
    FutureDatedOutcome,
    GbzAlert,
    IntegrityIssueWarning,
    RawAlertBody,
)
from opendcc.gbcs.gbz.timefmt import minutes_text, zcl_date_text
from opendcc.gbcs.gbz.values.view import (
    BASIC,
    CALENDAR,
    METERING,
    PREPAYMENT,
    PRICE,
    Json,
    PayloadView,
    compact,
    iso,
)

Values = dict[str, Json] | None

_TAMPER_STATES = {0x00: "Locked", 0x03: "Unchanged"}
"""Supply tamper / depletion state as DUIS names them (SE Supply OFF = locked)."""

_TIMEBASES = {0x0: "minutes", 0x1: "days", 0x2: "weeks", 0x3: "months"}
"""Billing Period Duration Type, low nibble: the unit of the duration (SE D.4.2.4.9)."""

_PERIODICITY = {
    ("days", 1): "Daily",
    ("weeks", 1): "Weekly",
    ("months", 1): "Monthly",
    ("months", 3): "Quarterly",
    ("months", 6): "SixMonthly",
    ("months", 12): "Yearly",
}
"""Duration and timebase as the DUIS billing calendar periodicities."""


def _records(fields: Record, key: str) -> tuple[Record, ...]:
    value = fields.get(key)
    return value if isinstance(value, tuple) else ()


def _scaled_trailing(raw: int | None, trailing: int | None) -> str | None:
    if raw is None:
        return None
    return with_digits(raw, trailing_digits(trailing or 0))


def gas_configuration(v: PayloadView) -> Values:
    """GCS21a: calorific value, conversion factor and uncontrolled gas flow settings."""
    flow = v.number(METERING, 0x0B10)
    multiplier = v.number(METERING, 0x0B12)
    divisor = v.number(METERING, 0x0B13)
    rate = None
    if flow is not None:
        rate = decimal_text(scaled(flow, multiplier or 1, divisor or 1))
    unit = v.number(PRICE, 0x0305)
    return (
        compact(
            {
                "CalorificValue": _scaled_trailing(
                    v.number(PRICE, 0x0304), v.number(PRICE, 0x0306)
                ),
                "CalorificValueUnit": None
                if unit is None
                else {1: "MJ/m3", 2: "MJ/kg"}.get(unit, unit),
                "ConversionFactor": _scaled_trailing(
                    v.number(PRICE, 0x0302), v.number(PRICE, 0x0303)
                ),
                "UncontrolledGasFlowRate": rate,
                "FlowStabilisationPeriod": v.number(METERING, 0x0B14),
                "FlowMeasurementPeriod": v.number(METERING, 0x0B15),
            }
        )
        or None
    )


def _calendar(v: PayloadView) -> dict[str, Json]:
    days = [
        compact(
            {
                "DayID": f.get("day_id"),
                "CalendarType": _label(CALENDAR_TYPES, f.get("calendar_type")),
                "Schedule": [
                    {"StartTime": minutes_text(e.number("start_time")), "Action": e.get("action")}
                    for e in _records(f, "schedule_entries")
                ],
            }
        )
        for f in v.commands(CALENDAR, "PublishDayProfile")
    ]
    weeks = [
        {
            "WeekID": f.get("week_id"),
            "Days": [f.get(f"day_id_ref_{d}") for d in _WEEKDAYS],
        }
        for f in v.commands(CALENDAR, "PublishWeekProfile")
    ]
    seasons = [
        {"SeasonStartDate": _date(s.get("season_start_date")), "WeekID": s.get("week_id_ref")}
        for f in v.commands(CALENDAR, "PublishSeasons")
        for s in _records(f, "seasons")
    ]
    special_days = [
        {"Date": _date(s.get("special_day_date")), "DayID": s.get("day_id_ref")}
        for f in v.commands(CALENDAR, "PublishSpecialDays")
        for s in _records(f, "special_days")
    ]
    return compact(
        {
            "DayProfiles": days,
            "WeekProfiles": weeks,
            "Seasons": seasons,
            "SpecialDays": special_days,
        }
    )


_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _date(value: object) -> str | None:
    return zcl_date_text(value) if isinstance(value, bytes) else None


def _label(table: dict[int, str], value: object) -> object:
    return table.get(value, value) if isinstance(value, int) else value


def prepayment_configuration(v: PayloadView) -> Values:
    """GCS21b: prepayment configuration and the non-disablement (friendly credit) calendar."""
    top_up_percentage = v.number(PREPAYMENT, 0x0239)
    out: dict[str, Json] = compact(
        {
            "DebtRecoveryPerPayment": None
            if top_up_percentage is None
            else with_digits(top_up_percentage, 2),
            "DebtRecoveryRateCap": v.number(PREPAYMENT, 0x0006),
            "DisablementThreshold": v.number(PREPAYMENT, 0x0040),
            "EmergencyCreditLimit": v.number(PREPAYMENT, 0x0010),
            "EmergencyCreditThreshold": v.number(PREPAYMENT, 0x0011),
            "LowCreditThreshold": v.number(PREPAYMENT, 0x0031),
            "CreditMaxCreditThreshold": v.number(PREPAYMENT, 0x0022),
            "MaxCreditMaxMeterBalance": v.number(PREPAYMENT, 0x0021),
        }
    )
    for n, base in ((1, 0x0210), (2, 0x0220)):
        recovery = compact(
            {
                "DebtRecoveryRate": v.number(PREPAYMENT, base + 7),
                "DebtRecoveryRatePeriod": _label(
                    DEBT_RECOVERY_FREQUENCIES, v.number(PREPAYMENT, base + 6)
                ),
            }
        )
        if recovery:
            out[f"DebtRecovery{n}"] = recovery
    calendar = _calendar(v)
    if calendar:
        out["NonDisablementCalendar"] = calendar
    return out or None


def billing_calendar(v: PayloadView) -> Values:
    """GCS21d/GCS21k: the billing calendar (Publish Billing Period)."""
    for f in v.commands(PRICE, "PublishBillingPeriod"):
        duration_type = f.get("billing_period_duration_type")
        duration = f.get("billing_period_duration")
        timebase = _TIMEBASES.get(duration_type & 0x0F) if isinstance(duration_type, int) else None
        periodicity = _PERIODICITY.get(
            (timebase or "", duration if isinstance(duration, int) else -1)
        )
        if periodicity is None and timebase is not None and isinstance(duration, int):
            periodicity = f"every {duration} {timebase}"
        return {
            "GasBillingCalendar": compact(
                {
                    "BillingPeriodStart": iso(f.get("billing_period_start_time")),
                    "Periodicity": periodicity,
                }
            )
        }
    return None


def device_identity(v: PayloadView) -> Values:
    """GCS21e/GCS21m: manufacturer, model, hardware version, supply tamper/depletion state."""
    tamper = v.number(METERING, 0x0607)
    depletion = v.number(METERING, 0x0608)
    out = compact(
        {
            "ManufacturerIdentifier": v.text(BASIC, 0x0004),
            "ModelType": v.text(BASIC, 0x0005),
            "HardwareVersion": v.number(BASIC, 0x0003),
            "Gas": compact(
                {
                    "SupplyTamperState": _label(_TAMPER_STATES, tamper),
                    "SupplyDepletionState": _label(_TAMPER_STATES, depletion),
                }
            )
            or None,
        }
    )
    return out or None


def payment_mode(v: PayloadView) -> Values:
    """GCS21j: the payment mode, from PaymentControlConfiguration bit 1."""
    config = v.number(PREPAYMENT, 0x0000)
    if config is None:
        return None
    return {
        "PaymentMode": "Prepayment" if config & 0x02 else "Credit",
        "PaymentControlConfiguration": config,
    }


def mprn(v: PayloadView) -> Values:
    """GCS46: the MPRN (Metering SiteID)."""
    site = v.text(METERING, 0x0307)
    return None if site is None else {"Gas": {"MPRN": site}}


def firmware_version(v: PayloadView) -> Values:
    """GCS38: the firmware version (Metering CurrentMeterID, as GBCS maps it)."""
    version = v.text(METERING, 0x0206)
    return None if version is None else {"FirmwareVersion": version}


def tariff(v: PayloadView) -> Values:
    """GCS21f: the gas tariff (prices, thresholds, standing charge, switching table)."""
    digits = v.number(PRICE, 0x0617)
    multiplier = v.number(PRICE, 0x0202)
    divisor = v.number(PRICE, 0x0203)

    def price(attribute_id: int) -> str | None:
        return _scaled_trailing(v.number(PRICE, attribute_id), digits)

    thresholds = []
    for index in range(1, 16):
        raw = v.number(PRICE, 0x0100 + index - 1)
        if raw is not None:
            value = decimal_text(scaled(raw, multiplier or 1, divisor or 1))
            thresholds.append({"Index": index, "Raw": raw, "Value": value})
    tou = [
        {"Index": n, "Price": price(0x0410 + 16 * (n - 1))}
        for n in range(1, 5)
        if v.number(PRICE, 0x0410 + 16 * (n - 1)) is not None
    ]
    blocks = [
        {"Index": n, "Price": price(0x0400 + n - 1)}
        for n in range(1, 17)
        if v.number(PRICE, 0x0400 + n - 1) is not None
    ]
    currency = v.number(PRICE, 0x0616)
    unit = v.number(PRICE, 0x0615)
    out = compact(
        {
            "PrimaryActiveTariffPrice": _current_price(v),
            "CurrencyUnitsLabel": None if currency is None else CURRENCIES.get(currency, currency),
            "UnitOfMeasure": None if unit is None else unit_label(unit),
            "StandingCharge": price(0x0301),
            "TariffThresholds": {"BlockThreshold": thresholds} if thresholds else None,
            "TOUTariff": {"TariffTOUPrice": tou} if tou else None,
            "BlockTariff": {"BlockPrice": blocks} if blocks else None,
        }
    )
    calendar = _calendar(v)
    if calendar:
        out["TariffSwitchingTable"] = calendar
    return out or None


def _current_price(v: PayloadView) -> str | None:
    for f in v.commands(PRICE, "PublishPrice"):
        raw = f.get("price")
        digits = f.get("price_trailing_digit_and_price_tier")
        if isinstance(raw, int) and isinstance(digits, int):
            return with_digits(raw, trailing_digits(digits))
    return None


def event_log(v: PayloadView) -> Values:
    """CS10a/CS10b: the event or security log (Publish Event Log)."""
    entries = []
    for f in v.commands(0x0709, "PublishEventLog"):
        for e in _records(f, "events"):
            code = e.get("event_id")
            data = e.get("event_data")
            entries.append(
                compact(
                    {
                        "Timestamp": iso(e.get("event_time")),
                        "LogCode": f"{code:04X}" if isinstance(code, int) else None,
                        "LogMeaning": alert_name(code) if isinstance(code, int) else None,
                        "OtherInformation": data.hex().upper()
                        if isinstance(data, bytes) and data
                        else None,
                    }
                )
            )
    return {"Log": {"LogEntry": entries}} if entries else None


def event_log_cleared(v: PayloadView) -> Values:
    """CS11: which logs the device cleared."""
    for f in v.commands(0x0709, "ClearEventLogResponse"):
        return {"ClearedEventLogs": f.get("cleared_event_logs")}
    return None


def event_behaviours(v: PayloadView) -> Values:
    """GCS20r: per event, its configuration bits (bit 3 = send as alert, 0..2 = logging)."""
    events = []
    for f in v.commands(0x0708, "ReportEventConfiguration"):
        for e in _records(f, "events"):
            code = e.number("event_id")
            config = e.number("event_configuration")
            events.append(
                {
                    "EventCode": f"{code:04X}",
                    "Meaning": alert_name(code),
                    "EventConfiguration": config,
                    "Alert": "Enable" if config & 0x08 else "Disable",
                }
            )
    return {"Events": events} if events else None


def top_up_outcome(v: PayloadView) -> Values:
    """CS01b/PCS01: the top-up result, value and resulting credit."""
    for f in v.commands(PREPAYMENT, "ConsumerTopUpResponse"):
        return compact(
            {
                "ResultType": _label(TOP_UP_RESULTS, f.get("result_type")),
                "TopUpValue": f.get("top_up_value"),
                "SourceOfTopUp": _label(ORIGINATING_DEVICES, f.get("source_of_top_up")),
                "CreditRemaining": f.get("credit_remaining"),
            }
        )
    return None


def payment_mode_changed(v: PayloadView) -> Values:
    """GCS02/GCS03: the emergency credit settings the meter applies in its new mode."""
    for f in v.commands(PREPAYMENT, "ChangePaymentModeResponse"):
        return compact(
            {
                "FriendlyCredit": f.get("friendly_credit"),
                "FriendlyCreditCalendarID": f.get("friendly_credit_calendar_id"),
                "EmergencyCreditLimit": f.get("emergency_credit_limit"),
                "EmergencyCreditThreshold": f.get("emergency_credit_threshold"),
            }
        )
    return None


def alert_values(alert: GbzAlert) -> dict[str, Json]:
    """The alert code, its GBCS name, when it was raised and its body, named."""
    out: dict[str, Json] = {
        "AlertCode": f"{alert.alert_code:04X}",
        "AlertMeaning": alert_name(alert.alert_code),
        "Timestamp": iso(alert.timestamp),
    }
    body = alert.body
    if isinstance(body, FutureDatedOutcome):
        d = cluster(body.cluster_id)
        server_to_client = bool(body.frame_control & 0x08)
        command = d.command(body.command_id, server_to_client) if d else None
        out["FutureDatedCommand"] = {
            "MessageCode": f"{body.message_code:04X}",
            "OriginatorCounter": body.originator_counter,
            "Cluster": cluster_name(body.cluster_id),
            "Command": command.name if command else f"0x{body.command_id:02X}",
        }
    elif isinstance(body, FirmwareImageHash):
        out["CalculatedImageHash"] = body.image_hash.hex().upper()
    elif isinstance(body, IntegrityIssueWarning):
        out["IntegrityIssueWarning"] = INTEGRITY_ISSUE_WARNINGS.get(
            body.warning, f"{body.warning:04X}"
        )
    elif isinstance(body, RawAlertBody):
        out["AlertData"] = body.data.hex().upper()
    return out
