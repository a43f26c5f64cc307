"""The ESME answering the reads of tariff and prepayment state (DLMS).

Use cases: ECS24 and ECS24b (tariff, DUIS 4.11.1/4.11.2), ECS26a (prepayment
configuration, 4.13), ECS26j (payment mode, 6.2.9), ECS82 (meter balance, 4.18), and the
protected reads ECS19 (prepayment registers, 4.3) and ECS21b (prepayment daily read log,
4.14), whose values the ESME encrypts for the requesting Remote Party (GBCS 7.3.2).

Configuration attributes answer what was last made active (``EsmeTariffs``, A-XDR as
written: a write followed by a read returns what was written, except the block threshold
arrays, which the ESME answers three long, padding with 0xFFFFFFFF "no threshold" as the
reference Responses show). The active price registers (0-0:94.44.1.7 and .8) answer the
price the switching table selects now, with the price matrix's scale. Money values are
brought up to the instant of the read (``tariffs_links.look_at_money``), which raises the
money events that brings to light (0x81A7-0x81AB) with the Response.

An attribute the ESME does not hold answers ``object-undefined``; a read after a fault the
ESME cannot answer at all is not simulated (no reference ERROR Response shows a cause).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Final

from opendcc.devices.dlms_access import access_reply, access_request
from opendcc.devices.simulator import (
    DeviceCommand,
    DeviceContext,
    DeviceReply,
    handles,
)
from opendcc.devices.tariffs_billing import esme_calendar
from opendcc.devices.tariffs_links import look_at_money
from opendcc.devices.tariffs_state import EsmeTariffs, Prepayment, decoded, fault_index, key
from opendcc.gbcs.context import GbcsEncodeError
from opendcc.gbcs.dlms import builders as b
from opendcc.gbcs.dlms.apdu import (
    Action,
    ActionResult,
    DataAccessResult,
    Get,
    Response,
)
from opendcc.gbcs.dlms.axdr import encode_data
from opendcc.gbcs.dlms.data import (
    Array,
    CompactArray,
    Data,
    DoubleLong,
    DoubleLongUnsigned,
    EncryptedOctetString,
    Enum,
    Integer,
    Long,
    OctetString,
    Structure,
    describe,
)
from opendcc.gbcs.dlms.datetimes import CosemDateTime
from opendcc.transform import tariffs_cosem as c

CURRENCY_UNIT: Final = 254
"""The unit of the price registers' scaler_unit (Blue Book: "other unit"), as the
reference ECS24 Response gives it."""
NO_THRESHOLD: Final = 0xFFFF_FFFF
PREPAY_REGISTERS: Final = "0-0:94.44.34.30"
PREPAYMENT_DAILY_LOG: Final = "0-0:98.1.8.255"


def _charge_table(value: Data | None) -> tuple[int, dict[int, int]]:
    """(price scale, index -> price) of a Charge unit_charge."""
    if not isinstance(value, Structure) or len(value.items) != 3:
        return 0, {}
    scaling, _, table = value.items
    scale = scaling.items[1] if isinstance(scaling, Structure) and len(scaling.items) == 2 else None
    prices: dict[int, int] = {}
    for entry in table.items if isinstance(table, Array) else ():
        if isinstance(entry, Structure) and len(entry.items) == 2:
            index, price = entry.items
            if isinstance(index, OctetString) and index.value and isinstance(price, Long):
                prices[index.value[0]] = price.value
    return (scale.value if isinstance(scale, Integer) else 0), prices


def active_price(
    tariffs: EsmeTariffs, money: Prepayment, at: datetime, *, secondary: bool
) -> tuple[int, int]:
    """(price, scale) the switching table selects at ``at``."""
    scale, prices = _charge_table(tariffs.value(113, c.PRICE_MATRIX[secondary], 5))
    action = esme_calendar(tariffs, secondary=secondary).action_at(at)
    if action is None:
        return 0, scale
    if secondary:
        return prices.get(action - 200, 0), scale
    if 101 <= action <= 108:
        rate = action - 100
        used = sum(money.block_counters[rate - 1])
        thresholds = [
            v.value
            for v in getattr(tariffs.value(21, c.THRESHOLDS_ACTIVE[rate - 1], 2), "items", ())
            if isinstance(v, DoubleLongUnsigned)
        ]
        block = min(next((i + 1 for i, t in enumerate(thresholds) if used < t), 4), 4)
        return prices.get(c.block_index(rate, block), 0), scale
    return prices.get(action, 0), scale


def _padded_thresholds(value: Data) -> Data:
    if not isinstance(value, Array):
        return value
    items = list(value.items)[:3]
    items += [DoubleLongUnsigned(NO_THRESHOLD)] * (3 - len(items))
    return Array(tuple(items))


def _get(context: DeviceContext, tariffs: EsmeTariffs, money: Prepayment, item: Get) -> Response:
    descriptor = item.attribute
    obis, attribute = str(descriptor.instance), descriptor.attribute_id
    secondary = obis == c.ACTIVE_PRICE[True]
    if descriptor.class_id == 3 and obis in c.ACTIVE_PRICE.values():
        price, scale = active_price(tariffs, money, context.now, secondary=secondary)
        if attribute == 2:
            return b.get_ok(DoubleLongUnsigned(max(price, 0)))
        if attribute == 3:
            return b.get_ok(b.structure(Integer(scale), Enum(CURRENCY_UNIT)))
    if descriptor.class_id == 112 and obis == c.METER_BALANCE and attribute == 2:
        return b.get_ok(DoubleLong(money.meter_balance))
    if descriptor.class_id == 112 and obis == c.EMERGENCY_CREDIT and attribute == 2:
        return b.get_ok(DoubleLong(money.emergency_credit if money.emergency_active else 0))
    raw = tariffs.active.get(key(descriptor.class_id, obis, attribute))
    if raw is None:
        return b.get_error(DataAccessResult.OBJECT_UNDEFINED)
    value = decoded(raw)
    if descriptor.class_id == 21 and obis in c.THRESHOLDS_ACTIVE:
        value = _padded_thresholds(value)
    return b.get_ok(value)


@handles("ECS24", "ECS24b", "ECS26a", "ECS26j", "ECS82")
def esme_read(command: DeviceCommand, context: DeviceContext) -> DeviceReply:
    """Answer each get from the ESME's tariff and prepayment state."""
    request = access_request(command)
    money = look_at_money(context)
    tariffs = context.state.get(EsmeTariffs)
    results: list[Response] = []
    fault = fault_index(context.state, command.use_case, len(request.requests))
    for index, item in enumerate(request.requests):
        if fault is not None and index >= fault:
            code = (
                DataAccessResult.HARDWARE_FAULT if index == fault else DataAccessResult.OTHER_REASON
            )
            results.append(b.get_error(code))
        elif isinstance(item, Get):
            results.append(_get(context, tariffs, money, item))
        elif isinstance(item, Action):
            results.append(b.action_error(ActionResult.OBJECT_UNDEFINED))
        else:
            results.append(b.set_error(DataAccessResult.READ_WRITE_DENIED))
    return access_reply(request, results)


# --- protected reads -------------------------------------------------------------------------


def prepayment_registers(money: Prepayment) -> Structure:
    """0-0:94.44.34.30: meter balance, emergency credit balance, accumulated debt, payment
    debt, time debts 1 and 2 (``gbcs.dlms.objects.PREPAYMENT_COLUMNS``)."""
    return b.structure(
        DoubleLong(money.meter_balance),
        DoubleLong(money.emergency_credit if money.emergency_active else 0),
        DoubleLong(money.accumulated_debt),
        DoubleLong(money.payment_debt),
        DoubleLong(money.time_debt[0]),
        DoubleLong(money.time_debt[1]),
    )


def _range(item: Action) -> tuple[datetime, datetime]:
    """The date-time range of a protected log read's selective access (else all time)."""
    earliest = datetime(2000, 1, 1, tzinfo=UTC)
    latest = datetime(9999, 12, 31, tzinfo=UTC)
    try:
        descriptors = item.parameters.items[0]  # type: ignore[attr-defined]
        selection = descriptors.items[0].items[4].items[1].items
        start = CosemDateTime.from_bytes(selection[0].value).to_datetime() or earliest
        end = CosemDateTime.from_bytes(selection[1].value).to_datetime() or latest
    except (AttributeError, IndexError, TypeError, ValueError):
        return earliest, latest
    return start, end


def daily_log(money: Prepayment, start: datetime, end: datetime) -> CompactArray:
    """The prepayment daily read log entries stamped within [start, end]."""
    first = int((start - datetime(2000, 1, 1, tzinfo=UTC)).total_seconds())
    last = int((end - datetime(2000, 1, 1, tzinfo=UTC)).total_seconds())
    rows = [
        b.structure(DoubleLongUnsigned(row[0]), *(DoubleLong(v) for v in row[1:]))
        for row in money.snapshots
        if first <= row[0] <= last
    ]
    if rows:
        return CompactArray(describe(rows[0]), tuple(rows))
    template = b.structure(DoubleLongUnsigned(0), *(DoubleLong(0),) * 6)
    return CompactArray(describe(template), ())


@handles("ECS19", "ECS21b")
def esme_protected_read(command: DeviceCommand, context: DeviceContext) -> DeviceReply:
    """The prepayment registers (ECS19) or daily read log (ECS21b), encrypted for the
    Remote Party."""
    request = access_request(command)
    money = look_at_money(context)
    item = request.requests[0] if request.requests else None
    if not isinstance(item, Action):
        return access_reply(request, [b.action_error(ActionResult.OBJECT_UNDEFINED)])
    if fault_index(context.state, command.use_case, len(request.requests)) is not None:
        return access_reply(request, [b.action_error(ActionResult.HARDWARE_FAULT)])
    if command.use_case == "ECS19":
        plaintext: Data = b.structure(prepayment_registers(money))
    else:
        plaintext = b.structure(daily_log(money, *_range(item)))
    try:
        block = context.encrypt_for(command.remote_party, command.counter, encode_data(plaintext))
    except GbcsEncodeError:
        # No key to protect personal data for this party: the ESME does not answer in clear.
        return access_reply(request, [b.action_error(ActionResult.HARDWARE_FAULT)])
    parameters = b.protection_parameters(
        command.counter, context.device.device_id, command.remote_party
    )
    result = b.protected_read_result(parameters, EncryptedOctetString.parse(block))
    results: list[Response] = [result]
    results += [b.action_error(ActionResult.OTHER_REASON) for _ in request.requests[1:]]
    return access_reply(request, results)
