"""The GSME (and the GPF for it) answering the reads of tariff and prepayment state (GBZ).

Use cases: GCS14 (prepayment registers, DUIS 4.3), GCS21f (tariff, 4.11.1), GCS21b
(prepayment configuration and friendly credit calendar, 4.13), GCS16b (prepayment daily
snapshots, 4.14), GCS60 and GCS60a (meter balances, 4.18), GCS21j (payment mode, 6.2.9).

As the reference Responses show: Read Attributes are answered attribute by attribute
(the Price cluster's tariff read with the disable-default-response bit set); a calendar
"Get" is answered by one Publish command per day profile, week profile, the seasons and the
special days (Default Response NOT_FOUND when the calendar holds none); GetCurrentPrice by
PublishPrice; each GetPrepaySnapshot by a PublishPrepaySnapshot for the snapshot at that
offset of the period (offset 0 the oldest) or NOT_FOUND. Prepayment values (GCS14 and the
snapshots) are personal data: those components are encrypted for the Remote Party.

A GPF answers GCS14, GCS16b and GCS60a from the GSME it mirrors (``tariffs_state.GpfMirror``,
linked when the GSME first handles a tariff Command), projected to the instant of the read
without changing the GSME's state; a GPF that mirrors no GSME answers HARDWARE_FAILURE.
The GSME's own reads bring its money up to the read (``tariffs_links.look_at_money``) and
raise the money events that brings to light (0x81A7-0x81AB) with the Response.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from functools import lru_cache
from typing import Final

from opendcc.devices.simulator import (
    DeviceCommand,
    DeviceContext,
    DeviceReply,
    DiscardCommandError,
    handles,
)
from opendcc.devices.state import DeviceState
from opendcc.devices.tariffs_billing import gas_calendar, projected
from opendcc.devices.tariffs_gsme import not_attempted
from opendcc.devices.tariffs_links import look_at_money
from opendcc.devices.tariffs_state import GasTariffs, GpfMirror, Prepayment, fault_index
from opendcc.gbcs.context import GbcsEncodeError
from opendcc.gbcs.dlms.datetimes import to_gbcs_seconds
from opendcc.gbcs.gbz import builders as z
from opendcc.gbcs.gbz import encode as encode_gbz
from opendcc.gbcs.gbz.builders import PlainValue
from opendcc.gbcs.gbz.clusters import cluster as cluster_def
from opendcc.gbcs.gbz.payload import Component, EncryptedGbzComponent, GbzComponent, GbzPayload
from opendcc.gbcs.gbz.status import ZclStatus
from opendcc.gbcs.gbz.zcl import ClusterCommand, ReadAttributes, ZclFrame
from opendcc.inventory.model import DeviceType

PRICE_TRAILING_DIGIT: Final = 0x50
THRESHOLD_DIVISOR: Final = 1000
GSME_READS: Final = ("GCS14", "GCS21f", "GCS21b", "GCS16b", "GCS60", "GCS60a", "GCS21j")
ENCRYPTED: Final = frozenset({"PublishPrepaySnapshot"})
"""Answers always sealed; GCS14's Prepayment read is sealed too (``_sealed``)."""
WEEKDAYS: Final = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class _Gas:
    """What a read answers from: the GSME's configuration and money at the read's instant."""

    def __init__(self, gas: GasTariffs, money: Prepayment, now: datetime) -> None:
        self.gas = gas
        self.money = money
        self.now = now

    def attributes(self, cluster: int) -> dict[int | str, PlainValue]:
        """The values this device holds for the attributes of ``cluster``."""
        known = _attribute_names(cluster)
        return {
            name: value
            for name, value in self._values().items()
            if isinstance(name, int) or name in known
        }

    def _values(self) -> dict[int | str, PlainValue]:
        gas, money, tariff = self.gas, self.money, self.gas.tariff
        thresholds = list(tariff.get("thresholds", [])) + [0] * 3
        blocks = list(tariff.get("block_prices", [0] * 4))
        tiers = list(tariff.get("tou_prices", [0] * 4))
        values: dict[int | str, PlainValue] = {
            "PriceTrailingDigit": PRICE_TRAILING_DIGIT,
            "Currency": int(tariff.get("currency", 826)),
            "ThresholdDivisor": THRESHOLD_DIVISOR,
            "ThresholdMultiplier": 1,
            "UnitOfMeasure": 0,
            "StandingCharge": int(tariff.get("standing_charge", 0)),
            "AccumulatedDebt": money.accumulated_debt,
            "EmergencyCreditRemaining": money.emergency_credit if money.emergency_active else 0,
            "CreditRemaining": money.meter_balance,
            "DebtAmount1": max(money.time_debt[0], 0),
            "DebtAmount2": max(money.time_debt[1], 0),
            "DebtAmount3": max(money.payment_debt, 0),
            "BillToDateDelivered": max(money.bill_to_date, 0) & 0xFFFF_FFFF,
            "PaymentControlConfiguration": gas.payment_control_configuration,
            "DebtRecoveryTopUpPercentage3": gas.debt_recovery_top_up_percentage,
            "OverallDebtCap": min(gas.overall_debt_cap, 2**31 - 1),
            "DebtRecoveryFrequency1": gas.debt_recovery_frequency[0],
            "DebtRecoveryFrequency2": gas.debt_recovery_frequency[1],
            "DebtRecoveryAmount1": gas.debt_recovery_amount[0],
            "DebtRecoveryAmount2": gas.debt_recovery_amount[1],
            "CutOffValue": gas.cut_off_value,
            "EmergencyCreditLimitAllowance": gas.emergency_credit_limit,
            "EmergencyCreditThreshold": gas.emergency_credit_threshold,
            "LowCreditWarningLevel": gas.low_credit_warning_level,
            "MaxCreditLimit": gas.max_credit_limit,
            "MaxCreditPerTopUp": gas.max_credit_per_top_up,
        }
        for n in range(1, 4):
            values[f"Block{n}Threshold"] = int(thresholds[n - 1])
        for n in range(1, 5):
            values[f"NoTierBlock{n}Price"] = int(blocks[n - 1]) if n <= len(blocks) else 0
            values[f"Tier{n}Block1Price"] = int(tiers[n - 1]) if n <= len(tiers) else 0
        return values


@lru_cache(maxsize=64)
def _attribute_names(cluster: int) -> frozenset[str]:
    return frozenset(a.name for a in z.cluster_def(cluster).attributes.values())


def _publishes(
    gas: GasTariffs, name: str, fields: Mapping[str, object], tsn: int, now: datetime
) -> list[ZclFrame] | None:
    """The Publish commands answering a calendar Get (None: nothing to publish)."""
    friendly = fields.get("issuer_calendar_id") == 0xFFFF_FFFE or fields.get("calendar_type") == 3
    table = gas.friendly_credit if friendly else gas.calendar
    calendar_id = gas.friendly_credit_id if friendly else gas.calendar_id
    kind = 3 if friendly else 0
    event = gas.friendly_credit_event_id if friendly else gas.calendar_event_id
    ids = {
        "provider_id": 0,
        "issuer_event_id": event or gas.last_issuer_event_id,
        "issuer_calendar_id": calendar_id,
    }

    def publish(command: str, **values: object) -> ZclFrame:
        return z.cluster_command(
            "Calendar", command, tsn=tsn, disable_default_response=True, **ids, **values
        )

    days = table.get("days", {})
    weeks = table.get("weeks", {})
    if name == "GetDayProfiles" and days:
        return [
            publish(
                "PublishDayProfile",
                day_id=int(day),
                total_number_of_schedule_entries=len(rows),
                command_index=0,
                total_number_of_commands=1,
                calendar_type=kind,
                schedule_entries=[{"start_time": m, "action": a} for m, a in rows],
            )
            for day, rows in sorted(days.items(), key=lambda item: int(item[0]))
        ]
    if name == "GetWeekProfiles" and weeks:
        return [
            publish(
                "PublishWeekProfile",
                week_id=int(week),
                **{f"day_id_ref_{d}": r for d, r in zip(WEEKDAYS, refs, strict=True)},
            )
            for week, refs in sorted(weeks.items(), key=lambda item: int(item[0]))
        ]
    seasons = table.get("seasons", [])
    if name == "GetSeasons" and seasons:
        rows = [{"season_start_date": bytes.fromhex(d), "week_id_ref": w} for d, w in seasons]
        return [
            publish("PublishSeasons", command_index=0, total_number_of_commands=1, seasons=rows)
        ]
    specials = table.get("special_days", [])
    if name == "GetSpecialDays" and specials:
        rows = [{"special_day_date": bytes.fromhex(d), "day_id_ref": i} for d, i in specials]
        return [
            publish(
                "PublishSpecialDays",
                start_time=0,
                calendar_type=kind,
                total_number_of_special_days=len(rows),
                command_index=0,
                total_number_of_commands=1,
                special_days=rows,
            )
        ]
    return None


def _current_price(read: _Gas, tsn: int) -> ZclFrame | None:
    """The PublishPrice in force; None (NOT_FOUND) with no switching table at all, the
    reference GCS21f NOT_FOUND scenario (a GSME without a tariff)."""
    gas, tariff = read.gas, read.gas.tariff
    if not gas.calendar.get("seasons"):
        return None
    calendar = gas_calendar(gas.calendar)
    tier = calendar.action_at(read.now) or 1
    block = int(tariff.get("charging_scheme", 0)) == 0x10
    prices = list(tariff.get("block_prices" if block else "tou_prices", [0]))
    price = prices[0] if block else prices[tier - 1] if 1 <= tier <= len(prices) else 0
    tiers_in_use = int(tariff.get("tiers_in_use", 1))
    return z.cluster_command(
        "Price",
        "PublishPrice",
        tsn=tsn,
        disable_default_response=True,
        provider_id=0,
        rate_label=b"",
        issuer_event_id=gas.last_issuer_event_id,
        current_time=to_gbcs_seconds(read.now),
        unit_of_measure=0,
        currency=int(tariff.get("currency", 826)),
        price_trailing_digit_and_price_tier=PRICE_TRAILING_DIGIT | (0 if block else tier),
        number_of_price_tiers_and_register_tier=(tiers_in_use << 4) | (0 if block else tier),
        start_time=0,
        duration_in_minutes=1440,
        price=price,
    )


def _snapshot(read: _Gas, fields: Mapping[str, object], tsn: int) -> ZclFrame | None:
    earliest = fields.get("earliest_start_time")
    latest = fields.get("latest_end_time")
    offset = fields.get("snapshot_offset")
    if not all(isinstance(v, int) for v in (earliest, latest, offset)):
        return None
    assert isinstance(earliest, int) and isinstance(latest, int) and isinstance(offset, int)
    found = [row for row in read.money.snapshots if earliest <= row[0] <= latest]
    if offset >= len(found):
        return None
    row = found[offset]
    return z.cluster_command(
        "Prepayment",
        "PublishPrepaySnapshot",
        tsn=tsn,
        disable_default_response=True,
        snapshot_id=offset,
        snapshot_time=row[0],
        total_snapshots_found=len(found),
        command_index=0,
        total_number_of_commands=1,
        snapshot_cause=1,
        snapshot_payload_type=0,
        accumulated_debt=row[3],
        type1_debt_remaining=max(row[5], 0),
        type2_debt_remaining=max(row[6], 0),
        type3_debt_remaining=max(row[4], 0),
        emergency_credit_remaining=row[2],
        credit_remaining=row[1],
    )


def _source(context: DeviceContext) -> tuple[GasTariffs, Prepayment] | None:
    """The GSME's configuration and money at the read (a GPF's: its mirrored GSME's)."""
    if context.device.device_type is DeviceType.GSME:
        return context.state.get(GasTariffs), look_at_money(context)
    gsme = context.state.get(GpfMirror).gsme_eui()
    peer: DeviceState | None = context.peer(gsme) if gsme is not None else None
    if peer is None:
        return None
    return peer.get(GasTariffs), projected(peer, context.now)


def _sealed(use_case: str | None, cluster_id: int, frame: ZclFrame) -> bool:
    payload = frame.payload
    if isinstance(payload, ClusterCommand) and payload.name in ENCRYPTED:
        return True
    return use_case == "GCS14" and cluster_id == z.cluster_id("Prepayment")


@handles(*GSME_READS)
def gas_read(command: DeviceCommand, context: DeviceContext) -> DeviceReply:
    """Answer a tariff or prepayment read (see the module docstring)."""
    payload = command.payload
    if not isinstance(payload, GbzPayload):
        raise DiscardCommandError(f"{command.use_case}: not a GBZ payload")
    source = _source(context)
    answers: list[Component] = []
    failed = source is None
    read = _Gas(*source, context.now) if source is not None else None
    encrypt: Callable[[bytes], bytes] = lambda plain: context.encrypt_for(  # noqa: E731
        command.remote_party, command.counter, plain
    )
    fault = fault_index(context.state, command.use_case, len(payload.components))
    for position, component in enumerate(payload.components):
        frame = component.frame if isinstance(component, GbzComponent) else None
        cluster = component.cluster_id
        if frame is None:
            failed = True
            continue
        if cluster_def(cluster) is None:
            # A cluster the meter does not implement (ZCL 2.5.12.5).
            unsupported = z.default_response(cluster, frame, ZclStatus.UNSUPPORTED_CLUSTER)
            answers.append(GbzComponent(cluster, unsupported))
            continue
        if position == fault and read is not None and not failed:
            answers.append(GbzComponent(cluster, _faulty(read, cluster, frame)))
            failed = True
            continue
        if read is None or failed:
            status = ZclStatus.HARDWARE_FAILURE if not answers else None
            reply = (
                z.default_response(cluster, frame, status)
                if status is not None
                else not_attempted(cluster, frame)
            )
            answers.append(GbzComponent(cluster, reply))
            continue
        for reply in _answer(read, cluster, frame, command.use_case):
            plain = GbzComponent(cluster, reply)
            if _sealed(command.use_case, cluster, reply):
                try:
                    answers.append(
                        EncryptedGbzComponent.seal(
                            plain, encrypt, additional_frame_counter=position
                        )
                    )
                except GbcsEncodeError:
                    answers.append(
                        GbzComponent(cluster, z.default_response(cluster, frame, ZclStatus.FAILURE))
                    )
            else:
                answers.append(plain)
    response = z.response_payload(*answers, use_case=payload.use_case)
    return DeviceReply(encode_gbz(response))


def _answer(read: _Gas, cluster: int, frame: ZclFrame, use_case: str | None) -> list[ZclFrame]:
    payload = frame.payload
    tsn = frame.header.transaction_sequence_number
    if isinstance(payload, ReadAttributes):
        # The tariff read's Price answer sets disable-default-response (reference GCS21f).
        quiet = use_case == "GCS21f" and cluster == z.cluster_id("Price")
        return [
            z.answer_read(cluster, frame, read.attributes(cluster), disable_default_response=quiet)
        ]
    if isinstance(payload, ClusterCommand):
        if payload.name.startswith("Get") and cluster == z.cluster_id("Calendar"):
            found = _publishes(read.gas, payload.name, payload.fields, tsn, read.now)
            if found:
                return found
        elif payload.name == "GetCurrentPrice":
            price = _current_price(read, tsn)
            if price is not None:
                return [price]
        elif payload.name == "GetPrepaySnapshot":
            snapshot = _snapshot(read, payload.fields, tsn)
            if snapshot is not None:
                return [snapshot]
    return [z.default_response(cluster, frame, ZclStatus.NOT_FOUND)]


def _faulty(read: _Gas, cluster: int, frame: ZclFrame) -> ZclFrame:
    """An injected hardware fault: on the first attribute of a read (the rest answered, as
    the reference ERROR Responses show), else on the whole command."""
    if isinstance(frame.payload, ReadAttributes) and frame.payload.attribute_ids:
        values = read.attributes(cluster)
        ids = frame.payload.attribute_ids
        answers: list[tuple[int | str, PlainValue | ZclStatus]] = [
            (ids[0], ZclStatus.HARDWARE_FAILURE)
        ]
        by_id = {z.attribute_id(cluster, k): v for k, v in values.items()}
        answers += [(a, by_id.get(a, ZclStatus.UNSUPPORTED_ATTRIBUTE)) for a in ids[1:]]
        return z.read_attributes_response(
            cluster, answers, tsn=frame.header.transaction_sequence_number
        )
    return z.default_response(cluster, frame, ZclStatus.HARDWARE_FAILURE)
