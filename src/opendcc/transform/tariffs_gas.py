"""Transforms of the GSME tariff and prepayment Service Requests (ZigBee / GBZ).

| DUIS variant | use case | components (cluster command) |
|---|---|---|
| 1.1.1 Update Import Tariff | GCS01a | Calendar: PublishCalendar, a PublishDayProfile per day, |
| | | a PublishWeekProfile per week, PublishSeasons, PublishSpecialDays; Price: |
| | | PublishTariffInformation, PublishBlockThresholds (block tariff), PublishPriceMatrix |
| 1.2.1 Update Price | GCS01b | Price: PublishTariffInformation, PublishPriceMatrix |
| 1.5 Update Meter Balance | GCS40a-d | Prepayment CreditAdjustment (see ``ADJUSTMENTS``) |
| 1.6 Update Payment Mode | GCS02 / GCS03 | Prepayment ChangePaymentMode |
| 2.1 Update Prepay Configuration | GCS05 | Prepayment EmergencyCreditSetup, SetOverallDebtCap, |
| | | SetLowCreditWarningLevel, SetMaximumCreditLimit; the friendly credit Calendar |
| 2.2 Top Up Device | CS01b | Prepayment ConsumerTopUp with the UTRN |
| 2.3 Update Debt | GCS04 | three Prepayment ChangeDebt (time debts 1 and 2, payment debt) |
| 2.5 Activate Emergency Credit | GCS06 | Prepayment SelectAvailableEmergencyCredit |

Conventions the reference Commands show: each component's ZCL sequence number is its
position; the Issuer Event ID (and Issuer Calendar ID) is the DCC's clock in ZigBee UTC
(``tariffs_common.issuer_event_id``); the tariff is issuer tariff 1, prices carry five
decimal places (price trailing digit 0x50), block thresholds a divisor of 1000; a block
tariff's day profiles carry action 0, a TOU tariff's the tier (1-4).

Future dating ('Device' pattern): the start or implementation times carry the execution
time (0 immediate); on cancellation the Price cluster's PublishTariffInformation and the
Prepayment cluster's commands take 0xFFFFFFFF, the calendar, special days, thresholds and
price matrix 0xFFFFFFFE. SetLowCreditWarningLevel has no time field: the component's GBZ
from-date-time carries it.

Payment control configuration (1.6, ZSE bitmap): credit mode 0x0C94; prepayment 0x0097
with bit 10 when ``SuspendDebtDisabled`` and bit 11 unless ``SuspendDebtEmergency``, the
cut-off value being the disablement threshold (-1 in credit mode).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from opendcc.gbcs.gbz import builders as z
from opendcc.gbcs.gbz import encode as encode_gbz
from opendcc.gbcs.gbz.payload import Component
from opendcc.inventory.model import DeviceType
from opendcc.transform import duisxml as x
from opendcc.transform import tariffs_duis as d
from opendcc.transform.duisxml import BodyValueError
from opendcc.transform.registry import CommandSpec, TransformInput, TransformRefusal, transforms
from opendcc.transform.tariffs_common import (
    ZIGBEE_INVALID,
    ZIGBEE_LATEST,
    Components,
    FutureDating,
    issuer_event_id,
    refuse,
    spec,
)

GSME = DeviceType.GSME
CURRENCIES: Final = {"GBP": 826, "ECB": 978}
"""ISO 4217 numeric codes (DUIS writes the euro as ``ECB``)."""
PRICE_TRAILING_DIGIT: Final = 0x50
THRESHOLD_DIVISOR: Final = 1000
ISSUER_TARIFF_ID: Final = 1
BLOCK_CHARGING_SCHEME: Final = 0x10
TOU_CHARGING_SCHEME: Final = 0x00
DELIVERED_CALENDAR: Final = 0
FRIENDLY_CREDIT_CALENDAR: Final = 3
CREDIT_MODE_CONFIGURATION: Final = 0x0C94
PREPAYMENT_CONFIGURATION: Final = 0x0097
SUSPEND_DEBT_DISABLED_BIT: Final = 0x0400
COLLECT_DEBT_IN_EMERGENCY_BIT: Final = 0x0800
CREDIT_MODE_CUT_OFF: Final = -1
ADJUSTMENTS: Final[dict[tuple[bool, bool], tuple[str, int]]] = {
    # (prepayment mode, adjust) -> (use case, ZSE credit adjustment type)
    (True, True): ("GCS40a", 0),  # credit incremental
    (True, False): ("GCS40b", 1),  # credit absolute (reset to 0)
    (False, False): ("GCS40d", 2),  # BillToDate absolute
    (False, True): ("GCS40c", 3),  # BillToDate incremental
}
DEBT_TYPES: Final = {1: 1, 2: 3, 3: 5}
"""ZSE Debt Amount Type of DUIS's adjustments: Debt 1, 2 and 3 incremental."""
TIME_BASED: Final = 0
PERCENTAGE_BASED: Final = 1
FREQUENCY: Final = {True: 0, False: 1}
"""ZSE debt recovery frequency: per hour, per day."""


def _payload(request: TransformInput, use_case: str, components: list[Component]) -> CommandSpec:
    payload = z.command_payload(*components, use_case=use_case)
    return spec(request, use_case, encode_gbz(payload))


def _calendar(
    parts: Components,
    request: TransformInput,
    table: d.SwitchingTable,
    special_days: tuple[d.SpecialDay, ...],
    calendar_type: int,
    dating: FutureDating,
) -> None:
    event = issuer_event_id(request)
    ids: Mapping[str, int] = {
        "provider_id": 0,
        "issuer_event_id": event,
        "issuer_calendar_id": event,
    }
    start = dating.zigbee(ZIGBEE_LATEST)
    parts.add(
        "Calendar",
        "PublishCalendar",
        **ids,
        start_time=start,
        calendar_type=calendar_type,
        calendar_time_reference=0,
        calendar_name=b"",
        number_of_seasons=len(table.seasons),
        number_of_week_profiles=len(table.weeks),
        number_of_day_profiles=len(table.days),
    )
    for day in table.days:
        parts.add(
            "Calendar",
            "PublishDayProfile",
            **ids,
            day_id=day.day_id,
            total_number_of_schedule_entries=len(day.entries),
            command_index=0,
            total_number_of_commands=1,
            calendar_type=calendar_type,
            schedule_entries=[
                {"start_time": e.start.minutes, "action": e.action} for e in day.entries
            ],
        )
    names = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    for week in table.weeks:
        refs = {f"day_id_ref_{n}": v for n, v in zip(names, week.days, strict=True)}
        parts.add("Calendar", "PublishWeekProfile", **ids, week_id=week.week_id, **refs)
    parts.add(
        "Calendar",
        "PublishSeasons",
        **ids,
        command_index=0,
        total_number_of_commands=1,
        seasons=[
            {"season_start_date": s.start.zigbee(), "week_id_ref": s.week_id} for s in table.seasons
        ],
    )
    parts.add(
        "Calendar",
        "PublishSpecialDays",
        **ids,
        start_time=start,
        calendar_type=calendar_type,
        total_number_of_special_days=len(special_days),
        command_index=0,
        total_number_of_commands=1,
        special_days=[
            {"special_day_date": s.date.zigbee(), "day_id_ref": s.day_id} for s in special_days
        ],
    )


def _prices(
    parts: Components,
    request: TransformInput,
    prices: d.GasPrices,
    thresholds: tuple[int, ...] | None,
    dating: FutureDating,
) -> None:
    """PublishTariffInformation, [PublishBlockThresholds,] PublishPriceMatrix.

    ``thresholds`` are the tariff's (1.1.1); a price update (1.2.1) has none and names
    how many thresholds its block prices use."""
    event = issuer_event_id(request)
    if prices.is_block:
        in_use = len(thresholds) if thresholds is not None else prices.number_of_thresholds or 0
    else:
        in_use = 0
    parts.add(
        "Price",
        "PublishTariffInformation",
        provider_id=0,
        issuer_event_id=event,
        issuer_tariff_id=ISSUER_TARIFF_ID,
        start_time=dating.zigbee(ZIGBEE_INVALID),
        tariff_type_charging_scheme=BLOCK_CHARGING_SCHEME
        if prices.is_block
        else TOU_CHARGING_SCHEME,
        tariff_label=b"",
        number_of_price_tiers_in_use=0 if prices.is_block else len(prices.tou_prices),
        number_of_block_thresholds_in_use=in_use,
        unit_of_measure=0,
        currency=CURRENCIES[prices.currency],
        price_trailing_digit=PRICE_TRAILING_DIGIT,
        standing_charge=prices.standing_charge,
        tier_block_mode=0xFF,
        block_threshold_multiplier=1,
        block_threshold_divisor=THRESHOLD_DIVISOR,
    )
    common = {
        "provider_id": 0,
        "issuer_event_id": event,
        "start_time": dating.zigbee(ZIGBEE_LATEST),
        "issuer_tariff_id": ISSUER_TARIFF_ID,
        "command_index": 0,
        "total_number_of_commands": 1,
    }
    if thresholds is not None and prices.is_block:
        parts.add(
            "Price",
            "PublishBlockThresholds",
            **common,
            sub_payload_control=1,
            tiers=[
                {
                    "tier_number_of_block_thresholds": len(thresholds),
                    "block_thresholds": [{"block_threshold": t} for t in thresholds],
                }
            ],
        )
    if prices.is_block:
        matrix = [{"tier_block_id": block - 1, "price": p} for block, p in prices.block_prices]
    else:
        matrix = [{"tier_block_id": tier, "price": p} for tier, p in prices.tou_prices]
    parts.add(
        "Price",
        "PublishPriceMatrix",
        **common,
        sub_payload_control=0 if prices.is_block else 1,
        prices=matrix,
    )


def _gas_prices(request: TransformInput) -> d.GasPrices:
    node = x.child(x.require(request.body, "PriceElements"), "GasPriceElements")
    if node is None:
        raise BodyValueError("a GSME takes GasPriceElements")
    return d.gas_prices(node)


@transforms("1.1.1", GSME)
def update_import_tariff(request: TransformInput) -> CommandSpec | TransformRefusal:
    """1.1.1 on a GSME: GBCS GCS01a Set Tariff and Price."""
    try:
        node = x.child(request.body, "GasTariffElements")
        if node is None:
            raise BodyValueError("a GSME takes GasTariffElements")
        tariff = d.gas_tariff_elements(node)
        prices = _gas_prices(request)
    except BodyValueError as exc:
        return refuse(request, str(exc))
    dating = FutureDating.of(request)
    parts = Components()
    _calendar(parts, request, tariff.switching, tariff.special_days, DELIVERED_CALENDAR, dating)
    _prices(parts, request, prices, tariff.thresholds, dating)
    return _payload(request, "GCS01a", parts.items)


@transforms("1.2.1", GSME)
def update_price(request: TransformInput) -> CommandSpec | TransformRefusal:
    """1.2.1 on a GSME: GBCS GCS01b Set Price."""
    try:
        prices = _gas_prices(request)
    except BodyValueError as exc:
        return refuse(request, str(exc))
    parts = Components()
    _prices(parts, request, prices, None, FutureDating.of(request))
    return _payload(request, "GCS01b", parts.items)


@transforms("1.5", GSME)
def update_meter_balance(request: TransformInput) -> CommandSpec | TransformRefusal:
    """1.5 on a GSME: GCS40a-d adjust or reset the prepayment (CreditRemaining) or credit
    mode (BillToDateDelivered) meter balance."""
    try:
        update = d.meter_balance_update(request.body)
    except BodyValueError as exc:
        return refuse(request, str(exc))
    use_case, kind = ADJUSTMENTS[(update.prepayment_mode, update.adjustment is not None)]
    parts = Components()
    parts.add(
        "Prepayment",
        "CreditAdjustment",
        issuer_event_id=issuer_event_id(request),
        start_time=0,
        credit_adjustment_type=kind,
        credit_adjustment_value=update.adjustment or 0,
    )
    return _payload(request, use_case, parts.items)


def payment_control_configuration(mode: d.PaymentMode) -> int:
    if not mode.prepayment:
        return CREDIT_MODE_CONFIGURATION
    value = PREPAYMENT_CONFIGURATION
    if mode.suspend_debt_disabled:
        value |= SUSPEND_DEBT_DISABLED_BIT
    if not mode.suspend_debt_emergency:
        value |= COLLECT_DEBT_IN_EMERGENCY_BIT
    return value


@transforms("1.6", GSME)
def update_payment_mode(request: TransformInput) -> CommandSpec | TransformRefusal:
    """1.6 on a GSME: GCS02 (to credit) or GCS03 (to prepayment) ChangePaymentMode."""
    try:
        mode = d.payment_mode(request.body)
    except BodyValueError as exc:
        return refuse(request, str(exc))
    parts = Components()
    parts.add(
        "Prepayment",
        "ChangePaymentMode",
        provider_id=0,
        issuer_event_id=issuer_event_id(request),
        implementation_date_time=FutureDating.of(request).zigbee(ZIGBEE_INVALID),
        proposed_payment_control_configuration=payment_control_configuration(mode),
        cut_off_value=mode.disablement_threshold if mode.prepayment else CREDIT_MODE_CUT_OFF,
    )
    return _payload(request, "GCS03" if mode.prepayment else "GCS02", parts.items)


@transforms("2.1", GSME)
def update_prepay_configuration(request: TransformInput) -> CommandSpec | TransformRefusal:
    """2.1 on a GSME: GBCS GCS05 Update Prepayment Configurations."""
    try:
        node = x.child(request.body, "UpdatePrepayConfigGas")
        if node is None:
            raise BodyValueError("a GSME takes UpdatePrepayConfigGas")
        config = d.gas_prepay_configuration(node)
    except BodyValueError as exc:
        return refuse(request, str(exc))
    dating = FutureDating.of(request)
    when = dating.zigbee(ZIGBEE_INVALID)
    event = issuer_event_id(request)
    parts = Components()
    parts.add(
        "Prepayment",
        "EmergencyCreditSetup",
        issuer_event_id=event,
        start_time=when,
        emergency_credit_limit=config.emergency_credit_limit,
        emergency_credit_threshold=config.emergency_credit_threshold,
    )
    parts.add(
        "Prepayment",
        "SetOverallDebtCap",
        provider_id=0,
        issuer_event_id=event,
        implementation_date_time=when,
        overall_debt_cap=config.debt_recovery_rate_cap,
    )
    parts.add(
        "Prepayment",
        "SetLowCreditWarningLevel",
        from_date_time=when,
        low_credit_warning_level=config.low_credit_threshold,
    )
    parts.add(
        "Prepayment",
        "SetMaximumCreditLimit",
        provider_id=0,
        issuer_event_id=event,
        implementation_date_time=when,
        maximum_credit_level=config.max_meter_balance,
        maximum_credit_per_top_up=config.max_credit_threshold,
    )
    _calendar(
        parts, request, config.calendar, config.special_days, FRIENDLY_CREDIT_CALENDAR, dating
    )
    return _payload(request, "GCS05", parts.items)


@transforms("2.2", GSME)
def top_up(request: TransformInput) -> CommandSpec | TransformRefusal:
    """2.2 on a GSME: GBCS CS01b ConsumerTopUp with the UTRN's twenty digits."""
    try:
        utrn = d.utrn(request.body)
    except BodyValueError as exc:
        return refuse(request, str(exc))
    parts = Components()
    parts.add("Prepayment", "ConsumerTopUp", originating_device=0, top_up_code=utrn.encode())
    return _payload(request, "CS01b", parts.items)


@transforms("2.3", GSME)
def update_debt(request: TransformInput) -> CommandSpec | TransformRefusal:
    """2.3 on a GSME: GBCS GCS04, one incremental ChangeDebt per debt register. ZSE debt
    amounts are unsigned, so a negative DUIS adjustment cannot be carried and is refused."""
    try:
        debt = d.debt_update(request.body)
        if not debt.gas:
            raise BodyValueError("a GSME takes GasDebtRecovery1 and GasDebtRecovery2")
        for name, value in (
            ("TimeDebtRegister1", debt.time_debt_1),
            ("TimeDebtRegister2", debt.time_debt_2),
            ("PaymentDebtRegister", debt.payment_debt),
            ("DebtRecoveryRate", debt.recovery_1.rate),
            ("DebtRecoveryRate", debt.recovery_2.rate),
        ):
            if value < 0:
                raise BodyValueError(f"{name} {value} is negative: a GSME adds debt only")
    except BodyValueError as exc:
        return refuse(request, str(exc))
    event = issuer_event_id(request)
    parts = Components()
    common: dict[str, Any] = {
        "issuer_event_id": event,
        "debt_label": b"",
        "debt_recovery_start_time": 0,
        "debt_recovery_collection_time": 0,
    }
    for n, amount, recovery in (
        (1, debt.time_debt_1, debt.recovery_1),
        (2, debt.time_debt_2, debt.recovery_2),
    ):
        parts.add(
            "Prepayment",
            "ChangeDebt",
            **common,
            debt_amount=amount,
            debt_recovery_method=TIME_BASED,
            debt_amount_type=DEBT_TYPES[n],
            debt_recovery_frequency=FREQUENCY[recovery.hourly],
            debt_recovery_amount=recovery.rate,
            debt_recovery_balance_percentage=0,
        )
    parts.add(
        "Prepayment",
        "ChangeDebt",
        **common,
        debt_amount=debt.payment_debt,
        debt_recovery_method=PERCENTAGE_BASED,
        debt_amount_type=DEBT_TYPES[3],
        debt_recovery_frequency=FREQUENCY[False],
        debt_recovery_amount=0,
        debt_recovery_balance_percentage=debt.recovery_per_payment,
    )
    return _payload(request, "GCS04", parts.items)


@transforms("2.5", GSME)
def activate_emergency_credit(request: TransformInput) -> CommandSpec:
    """2.5 on a GSME: GBCS GCS06 SelectAvailableEmergencyCredit."""
    parts = Components()
    parts.add(
        "Prepayment",
        "SelectAvailableEmergencyCredit",
        command_issue_date_time=0,
        originating_device=0,
    )
    return _payload(request, "GCS06", parts.items)
