"""Transforms of the ESME tariff Service Requests (DLMS), DUIS 1.1 to 1.7 and 6.26.

| DUIS variant | use case | what the Command writes |
|---|---|---|
| 1.1.1 Update Import Tariff (Primary) | ECS01a | passive switching table, special days, |
| | | threshold matrix, currency, standing charge, price matrix; activation |
| 1.1.2 Update Import Tariff (Secondary) | ECS01c | secondary price matrix, switching |
| | | table and special days; activation |
| 1.2.1 Update Price (Primary) | ECS01b | standing charge and price matrix; activation |
| 1.2.2 Update Price (Secondary) | ECS01d | secondary price matrix; activation |
| 1.5 Update Meter Balance | ECS04a / ECS04b | Credit (class 112) adjust / reset |
| 1.6 Update Payment Mode | ECS02 / ECS03 | passive Account mode and credit charge |
| | | configuration (and disablement threshold); activation |
| 1.7 Reset Tariff Block Counter Matrix | ECS05 | tariffication script 99 |
| 6.26 Daily reset of the block counters | ECS48 | the daily reset single action schedule |

All are critical: the hub makes the Pre-Command. 1.1, 1.2 and 1.6 are
future-dated with DUIS pattern 'Device': ``ExecutionDateTime`` becomes every activation
date-time of the Command (``tariffs_common.FutureDating``); 3000-12-31 cancels.

Price elements: the primary price matrix always carries 48 TOU prices then 32 block
prices (4 blocks of 8 rates, charge table indexes 0xA1-0xD8), zero where the request sets
none; a TOU tariff's day profiles name scripts 1-48, a block tariff's 101-108 (block tariff
rate n), the secondary element's 201-204.

Credit charge configuration (1.6), as the reference Commands show it: credit mode charges
the meter balance with the price matrix and the standing charge; prepayment mode also
charges time debts 1 and 2 and the payment debt to the meter balance and to emergency
credit, time debts collected with bits ``110`` when ``SuspendDebtDisabled`` (else ``111``),
and, when ``SuspendDebtEmergency``, the third credit (0-0:19.10.2) with the standing charge
and time debts. A twin element ESME adds the secondary price matrix to each credit.
"""

from __future__ import annotations

from typing import Final

from lxml import etree

from opendcc.gbcs.dlms import builders as b
from opendcc.gbcs.dlms.apdu import Request
from opendcc.gbcs.dlms.data import Boolean, DoubleLong, Enum, LongUnsigned, OctetString
from opendcc.gbcs.dlms.payload import encode as encode_dlms
from opendcc.inventory.model import DeviceType
from opendcc.transform import duisxml as x
from opendcc.transform import tariffs_cosem as c
from opendcc.transform import tariffs_duis as d
from opendcc.transform.duisxml import BodyValueError
from opendcc.transform.registry import CommandSpec, TransformInput, TransformRefusal, transforms
from opendcc.transform.tariffs_common import FutureDating, is_twin_element, refuse, spec

ESME = DeviceType.ESME
_ALL_SET: Final = "111"


def _command(request: TransformInput, use_case: str, requests: list[Request]) -> CommandSpec:
    apdu = b.access_request(request.counter, requests)
    return spec(request, use_case, encode_dlms(b.payload(apdu)))


def _calendar_sets(table: d.SwitchingTable, *, secondary: bool) -> list[Request]:
    seasons, weeks, days = c.calendar_values(table)
    calendar = c.CALENDAR[secondary]
    return [
        b.set_(20, calendar, 7, seasons),
        b.set_(20, calendar, 8, weeks),
        b.set_(20, calendar, 9, days),
    ]


def _primary_price_sets(prices: d.ElecPrices) -> list[Request]:
    return [
        b.set_(
            113,
            c.STANDING_CHARGE,
            6,
            c.fixed_charge(prices.standing_charge, prices.standing_charge_scale),
        ),
        b.set_(113, c.PRICE_MATRIX[False], 6, c.price_matrix(prices)),
    ]


def _elec_prices(body: etree._Element) -> d.ElecPrices:
    prices = x.require(body, "PriceElements")
    elec = x.child(prices, "ElectricityPriceElements")
    if elec is None:
        raise BodyValueError("an ESME takes ElectricityPriceElements")
    return d.elec_prices(elec)


@transforms("1.1.1", ESME)
def update_import_tariff_primary(request: TransformInput) -> CommandSpec | TransformRefusal:
    """1.1.1 on an ESME: GBCS ECS01a Set Tariff and Price."""
    try:
        elements = x.child(request.body, "ElecTariffElements")
        if elements is None:
            raise BodyValueError("an ESME takes ElecTariffElements")
        tariff = d.elec_tariff_elements(elements)
        prices = _elec_prices(request.body)
    except BodyValueError as exc:
        return refuse(request, str(exc))
    when = c.activation(FutureDating.of(request).cosem())
    requests = _calendar_sets(tariff.switching, secondary=False)
    requests.append(
        b.set_(11, c.SPECIAL_DAYS_PASSIVE[False], 2, c.special_days(tariff.special_days))
    )
    requests += [
        b.set_(21, obis, 2, c.thresholds(rate))
        for obis, rate in zip(c.THRESHOLDS_PASSIVE, tariff.thresholds, strict=True)
    ]
    requests.append(b.set_(9000, c.CURRENCY, 4, Boolean(tariff.currency == "GBP")))
    requests += _primary_price_sets(prices)
    requests += [
        b.set_(20, c.CALENDAR[False], 10, when),
        b.set_(9000, c.SPECIAL_DAYS_ACTIVATION[False], 6, when),
        b.set_(9000, c.CURRENCY, 6, when),
        b.set_(113, c.STANDING_CHARGE, 7, when),
        b.set_(113, c.PRICE_MATRIX[False], 7, when),
        b.set_(9000, c.THRESHOLD_ACTIVATION, 6, when),
    ]
    return _command(request, "ECS01a", requests)


@transforms("1.2.1", ESME)
def update_price_primary(request: TransformInput) -> CommandSpec | TransformRefusal:
    """1.2.1 on an ESME: GBCS ECS01b Set Price."""
    try:
        prices = _elec_prices(request.body)
    except BodyValueError as exc:
        return refuse(request, str(exc))
    when = c.activation(FutureDating.of(request).cosem())
    requests = _primary_price_sets(prices)
    requests += [
        b.set_(113, c.STANDING_CHARGE, 7, when),
        b.set_(113, c.PRICE_MATRIX[False], 7, when),
    ]
    return _command(request, "ECS01b", requests)


@transforms("1.1.2", ESME)
def update_import_tariff_secondary(request: TransformInput) -> CommandSpec | TransformRefusal:
    """1.1.2 on an ESME: GBCS ECS01c Set Tariff and Price on the secondary element."""
    try:
        tariff = d.secondary_tariff(request.body)
    except BodyValueError as exc:
        return refuse(request, str(exc))
    when = c.activation(FutureDating.of(request).cosem())
    requests: list[Request] = [
        b.set_(113, c.PRICE_MATRIX[True], 6, c.secondary_price_matrix(tariff.prices))
    ]
    requests += _calendar_sets(tariff.switching, secondary=True)
    requests += [
        b.set_(11, c.SPECIAL_DAYS_PASSIVE[True], 2, c.special_days(tariff.special_days)),
        b.set_(20, c.CALENDAR[True], 10, when),
        b.set_(113, c.PRICE_MATRIX[True], 7, when),
        b.set_(9000, c.SPECIAL_DAYS_ACTIVATION[True], 6, when),
    ]
    return _command(request, "ECS01c", requests)


@transforms("1.2.2", ESME)
def update_price_secondary(request: TransformInput) -> CommandSpec | TransformRefusal:
    """1.2.2 on an ESME: GBCS ECS01d Set Price on the secondary element."""
    try:
        prices = d.secondary_prices(x.require(request.body, "PriceElements"))
    except BodyValueError as exc:
        return refuse(request, str(exc))
    when = c.activation(FutureDating.of(request).cosem())
    return _command(
        request,
        "ECS01d",
        [
            b.set_(113, c.PRICE_MATRIX[True], 6, c.secondary_price_matrix(prices)),
            b.set_(113, c.PRICE_MATRIX[True], 7, when),
        ],
    )


@transforms("1.5", ESME)
def update_meter_balance(request: TransformInput) -> CommandSpec | TransformRefusal:
    """1.5 on an ESME: ECS04a adjusts the meter balance (the ESME keeps one balance for
    both payment modes), ECS04b resets it with the other credits to zero."""
    try:
        update = d.meter_balance_update(request.body)
    except BodyValueError as exc:
        return refuse(request, str(exc))
    if update.adjustment is not None:
        return _command(
            request, "ECS04a", [b.action(112, c.METER_BALANCE, 1, DoubleLong(update.adjustment))]
        )
    return _command(
        request,
        "ECS04b",
        [
            b.action(112, credit, 2, DoubleLong(0))
            for credit in (c.METER_BALANCE, c.EMERGENCY_CREDIT, c.CREDIT_2)
        ],
    )


def credit_charge_rows(mode: d.PaymentMode, *, twin: bool) -> list[tuple[str, str, str]]:
    """The credit charge configuration 1.6 writes (see the module docstring)."""
    balance, emergency, third = c.METER_BALANCE, c.EMERGENCY_CREDIT, c.CREDIT_2
    prices, standing = c.PRICE_MATRIX[False], c.STANDING_CHARGE
    debt1, debt2, payment = c.TIME_DEBT[1], c.TIME_DEBT[2], c.PAYMENT_DEBT
    rows = [(balance, prices, _ALL_SET), (balance, standing, _ALL_SET)]
    if mode.prepayment:
        time_bits = "110" if mode.suspend_debt_disabled else _ALL_SET
        rows += [
            (balance, debt1, time_bits),
            (balance, debt2, time_bits),
            (balance, payment, _ALL_SET),
            (emergency, payment, _ALL_SET),
            (emergency, prices, _ALL_SET),
            (emergency, standing, _ALL_SET),
            (emergency, debt1, time_bits),
            (emergency, debt2, time_bits),
        ]
        if mode.suspend_debt_emergency:
            rows += [
                (third, standing, _ALL_SET),
                (third, debt1, _ALL_SET),
                (third, debt2, _ALL_SET),
            ]
    if twin:
        rows.append((balance, c.PRICE_MATRIX[True], _ALL_SET))
        if mode.prepayment:
            rows.append((emergency, c.PRICE_MATRIX[True], _ALL_SET))
    return rows


CREDIT_MODE: Final = 1
PREPAYMENT_MODE: Final = 2


@transforms("1.6", ESME)
def update_payment_mode(request: TransformInput) -> CommandSpec | TransformRefusal:
    """1.6 on an ESME: ECS02 (to credit) or ECS03 (to prepayment, with the disablement
    threshold) on the passive Account, activated at the execution date-time."""
    try:
        mode = d.payment_mode(request.body)
    except BodyValueError as exc:
        return refuse(request, str(exc))
    when = c.activation(FutureDating.of(request).cosem())
    account = c.ACCOUNT_PASSIVE
    mode_value = b.structure(Enum(PREPAYMENT_MODE if mode.prepayment else CREDIT_MODE), Enum(1))
    configuration = c.credit_charge_configuration(
        credit_charge_rows(mode, twin=is_twin_element(request))
    )
    if not mode.prepayment:
        return _command(
            request,
            "ECS02",
            [
                b.set_(111, account, 2, mode_value),
                b.set_(111, account, 11, configuration),
                b.set_(111, account, 13, when),
            ],
        )
    return _command(
        request,
        "ECS03",
        [
            b.set_(111, account, 2, mode_value),
            b.set_(9000, c.DISABLEMENT_THRESHOLD, 4, DoubleLong(mode.disablement_threshold)),
            b.set_(111, account, 11, configuration),
            b.set_(9000, c.DISABLEMENT_THRESHOLD, 6, when),
            b.set_(111, account, 13, when),
        ],
    )


@transforms("1.7", ESME)
def reset_tariff_block_counter_matrix(request: TransformInput) -> CommandSpec:
    """1.7: GBCS ECS05, script 99 of the tariffication script table."""
    return _command(
        request,
        "ECS05",
        [b.action(9, c.TARIFF_SCRIPTS, 1, LongUnsigned(c.RESET_BLOCK_COUNTERS))],
    )


DAILY_AT_MIDNIGHT: Final = (bytes(4), b"\xff" * 5)
"""The execution time of the daily reset: 00:00:00.00 on every date."""


@transforms("6.26", ESME)
def daily_block_counter_reset(request: TransformInput) -> CommandSpec | TransformRefusal:
    """6.26: GBCS ECS48 sets the single action schedule that resets the Tariff Block
    Counter Matrix: every day at midnight when turned on; with no execution time (an
    empty list, opendcc's reading: the reference data has no 'off' Command) when off."""
    try:
        daily = x.boolean(request.body, "DailyTariffBlockCounterMatrixReset")
    except BodyValueError as exc:
        return refuse(request, str(exc))
    times = [b.structure(*(OctetString(v) for v in DAILY_AT_MIDNIGHT))] if daily else []
    return _command(request, "ECS48", [b.set_(22, c.BLOCK_COUNTER_RESET, 4, b.array(times))])
