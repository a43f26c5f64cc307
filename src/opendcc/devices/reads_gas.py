"""GSME and GPF answers to the gas reads (GBZ), and the ZigBee event logs.

Use cases (GBCS; DUIS variant): GCS13a (4.1.1), GCS13c (4.1.2), GCS13b (4.1.4), GCS15b-e
(4.4.2-4.4.5), GCS16a (4.6.1), GCS17 (4.8.1), GCS18 (4.10), GCS61 (4.17), GCS31 (14.1),
GCS36 (9.1) and CS10a/b (6.13) on a GSME or GPF.

The GPF answers the gas reads from its mirror of the GSME (GBCS: the GPF holds the data
the GSME sends it every half hour): it builds the GSME's ``Meter`` from the GSME's state
(``DeviceContext.peer``) as of the latest half-hour boundary. Which GSME a GPF mirrors is
``reads_state.attach_gsme`` (a GSME links itself to its GPF, ``Device.parent_id``, the
first time it answers a read). A GPF that mirrors no GSME answers its gas reads with a
hardware failure, as does any Device with a read fault injected.

Answers follow the reference Responses: register reads are a Read Attributes Response
(Divisor 1000, Multiplier 1, unit m3, summations in litres) in an encrypted component;
each snapshot request gets a Publish (Prepay) Snapshot, encrypted, or a Default Response
NOT_FOUND when no snapshot of that cause is at that offset of the range (offset 0 the
oldest), the GSME holding only what it has captured by then (a 4.4.3 snapshot per billing
date, a 4.6.1 one per midnight, a 4.4.2 one per change of tariff or payment mode);
sampled data (profile, daily consumption, network data) a Get Sampled Data Response,
encrypted, or NOT_FOUND when no sample is in the range; the debt log is encrypted, the
top-up log and the event logs are not. Encrypted components are sealed for the User (or
the supplementary remote party of an ACB Command) with invocation counter 0 and the
component's position as additional frame counter.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from opendcc.devices.consumption import EPOCH
from opendcc.devices.reads_billing import (
    floor_day,
    midnights,
    prepare_meter,
    recent_billing_dates,
)
from opendcc.devices.reads_dlms import encryptor_for
from opendcc.devices.reads_metering import DAY, SLOT, Meter, ceil_to, floor_to
from opendcc.devices.reads_state import (
    BILLING_LOG_CAPACITY,
    BillingData,
    CustomerIdentification,
    EventLogs,
    GasProxyMirror,
    LogKind,
    NetworkDataLog,
    attach_gsme,
    take_read_fault,
)
from opendcc.devices.simulator import DeviceCommand, DeviceContext, DeviceReply, handles
from opendcc.gbcs.context import GbcsEncodeError
from opendcc.gbcs.dlms.datetimes import from_gbcs_seconds, to_gbcs_seconds
from opendcc.gbcs.gbz import builders as z
from opendcc.gbcs.gbz import encode as encode_gbz
from opendcc.gbcs.gbz.payload import Component, EncryptedGbzComponent, GbzComponent, GbzPayload
from opendcc.gbcs.gbz.status import ZclStatus
from opendcc.gbcs.gbz.timefmt import utc_seconds
from opendcc.gbcs.gbz.zcl import (
    ClusterCommand,
    DefaultResponse,
    GeneralCommand,
    ReadAttributes,
    ZclFrame,
    ZclHeader,
)
from opendcc.gbcs.security import MissingKeyError
from opendcc.inventory.model import DeviceType, Fuel

METERING, PREPAYMENT, EVENTS = 0x0702, 0x0705, 0x0709
UNIT_M3: Final = 1
DIVISOR: Final = 1000
"""Registers count litres: Divisor 1000 gives m3 (the reference GCS13a Responses)."""
PROFILE_CAPACITY_DAYS: Final = 395
DAILY_CONSUMPTION_CAPACITY: Final = 731
DAILY_SNAPSHOT_CAPACITY: Final = 31
MAX_SAMPLES: Final = 4_800
DAILY_INTERVAL: Final = 0xFFFF
"""A Sample Request Interval of 0xFFFF means daily (GBCS GCS61)."""
TIERS_AND_BLOCKS: Final = 0x14
"""One tier, four blocks: a GSME's block registers have no TOU dimension."""
EVENT_LOG_ID, SECURITY_LOG_ID = 3, 4
_LOGS: Final = {EVENT_LOG_ID: LogKind.EVENT, SECURITY_LOG_ID: LogKind.SECURITY}
CAUSE_GENERAL, CAUSE_BILLING = 0x0000_0001, 0x0000_0002
NOT_ATTEMPTED: Final = 0xFF
"""The command id of the Default Response to a component not attempted after a failure."""


@dataclass(slots=True)
class GasRead:
    """One gas read: the Command, the Device's context, the meter (None when the GPF
    mirrors no GSME) and the instant its data stands at."""

    command: DeviceCommand
    context: DeviceContext
    meter: Meter | None
    at: datetime
    encrypt: Callable[[bytes], bytes] | None = None
    failing_attribute: str | None = None
    """An injected fault on one attribute: its record answers HARDWARE_FAILURE."""

    def seal(self, component: GbzComponent, position: int, answered: ZclFrame) -> Component:
        """The component encrypted for the User; a Device without a key to do it answers
        FAILURE rather than send personal data in clear."""
        if self.encrypt is None:
            try:
                self.encrypt = encryptor_for(self.command, self.context)
            except (MissingKeyError, GbcsEncodeError):
                return _not_found(component.cluster_id, answered, ZclStatus.FAILURE)
        return EncryptedGbzComponent.seal(
            component, self.encrypt, additional_frame_counter=position
        )


def _gas_meter(context: DeviceContext) -> tuple[Meter | None, datetime]:
    device = context.device
    if device.device_type is DeviceType.GSME:
        if device.parent_id is not None:
            gpf = context.peer(device.parent_id)
            if gpf is not None and gpf.device.device_type is DeviceType.GPF:
                attach_gsme(gpf, device.device_id)
        meter = Meter(device.device_id, Fuel.GAS, context.state)
        prepare_meter(meter, context.now)
        return meter, context.now
    gsme = context.state.get(GasProxyMirror).gsme_eui()
    peer = context.peer(gsme) if gsme is not None else None
    if peer is None:
        return None, context.now
    at = floor_to(context.now, SLOT)
    meter = Meter(peer.device.device_id, Fuel.GAS, peer)
    prepare_meter(meter, at)
    return meter, at


def _payload(command: DeviceCommand) -> GbzPayload:
    payload = command.payload
    if not isinstance(payload, GbzPayload):
        raise GbcsEncodeError(f"{command.use_case} is a GBZ Command")
    return payload


def _reply(command: DeviceCommand, components: list[Component]) -> DeviceReply:
    payload = _payload(command)
    response = z.response_payload(
        *components, use_case=payload.use_case, message_code=payload.message_code
    )
    return DeviceReply(encode_gbz(response))


def _fields(frame: ZclFrame) -> dict[str, object]:
    payload = frame.payload
    return dict(payload.fields.items()) if isinstance(payload, ClusterCommand) else {}


def _int(fields: dict[str, object], name: str) -> int:
    value = fields.get(name)
    return value if isinstance(value, int) else 0


def _not_found(
    cluster: int, frame: ZclFrame, status: ZclStatus = ZclStatus.NOT_FOUND
) -> GbzComponent:
    return GbzComponent(cluster, z.default_response(cluster, frame, status), False)


def _not_attempted(answered: ZclFrame) -> ZclFrame:
    """A component after the one that failed, not attempted (GBCS 7.2.10): a Default
    Response FAILURE for command 0xFF, as the reference ERROR Responses give (GCS15b,
    GCS15c, GCS16a)."""
    header = ZclHeader.build(
        GeneralCommand.DEFAULT_RESPONSE,
        cluster_specific=False,
        server_to_client=not answered.header.server_to_client,
        transaction_sequence_number=answered.header.transaction_sequence_number,
    )
    return ZclFrame(header, DefaultResponse(NOT_ATTEMPTED, int(ZclStatus.FAILURE)))


def _answer(
    command: DeviceCommand,
    context: DeviceContext,
    answer: Callable[[GasRead, int, int, ZclFrame], Component],
    *,
    needs_meter: bool = True,
) -> DeviceReply:
    """Answer each command component in order (``answer(read, position, cluster, frame)``);
    a fault or a GPF without a GSME answers every component with a hardware failure (a
    fault on one attribute: that attribute's record of a register read only; a fault
    placed at a component index: the components before it answered, that one a hardware
    failure, every later one not attempted). A payload that is not GBZ gets an empty
    Response (nothing done)."""
    if not isinstance(command.payload, GbzPayload):
        return DeviceReply(encode_gbz(z.response_payload()))
    components = _payload(command).components
    fault = take_read_fault(context, command.use_case)
    attribute = fault.attribute if fault is not None else None
    faulty = fault is not None and attribute is None and fault.place < 0
    placed = fault if fault is not None and attribute is None and fault.place >= 0 else None
    meter, at = _gas_meter(context) if needs_meter else (None, context.now)
    read = GasRead(command, context, meter, at, failing_attribute=attribute)
    out: list[Component] = []
    count = len(components)
    for position, component in enumerate(components):
        frame = component.frame
        if frame is None:
            continue
        status = "ok" if placed is None else placed.status_of(position, count)
        if status == "not-attempted":
            out.append(GbzComponent(component.cluster_id, _not_attempted(frame), False))
            continue
        if faulty or status == "fault" or (needs_meter and meter is None):
            if isinstance(frame.payload, ReadAttributes):
                statuses = [(a, ZclStatus.HARDWARE_FAILURE) for a in frame.payload.attribute_ids]
                reply = z.read_attributes_response(
                    component.cluster_id,
                    statuses,
                    tsn=frame.header.transaction_sequence_number,
                    disable_default_response=True,
                )
                out.append(
                    read.seal(GbzComponent(component.cluster_id, reply, False), position, frame)
                )
            else:
                out.append(_not_found(component.cluster_id, frame, ZclStatus.HARDWARE_FAILURE))
            continue
        out.append(answer(read, position, component.cluster_id, frame))
    return _reply(command, out)


# --- registers (GCS13a/b/c) ------------------------------------------------------------


_FORMATTING: Final[dict[str, int]] = {"Divisor": DIVISOR, "Multiplier": 1, "UnitOfMeasure": UNIT_M3}
_ATTRIBUTE_IDS: Final[dict[str, int]] = {
    name: z.attribute_id("Metering", name)
    for name in (
        *_FORMATTING,
        "CurrentSummationDelivered",
        *(f"CurrentTier{n}SummationDelivered" for n in range(1, 5)),
        *(f"CurrentNoTierBlock{n}SummationDelivered" for n in range(1, 5)),
    )
}


def _registers(read: GasRead, wanted: tuple[int, ...]) -> dict[int | str, int | bytes | str | None]:
    """The Metering attributes the GSME holds, of those asked for (by attribute id)."""
    meter, at = read.meter, read.at
    assert meter is not None
    ids = _ATTRIBUTE_IDS
    values: dict[int | str, int | bytes | str | None] = {
        ids[name]: value for name, value in _FORMATTING.items() if ids[name] in wanted
    }
    if ids["CurrentSummationDelivered"] in wanted:
        values[ids["CurrentSummationDelivered"]] = meter.register(at)
    tiers = [ids[f"CurrentTier{n}SummationDelivered"] for n in range(1, 5)]
    if any(t in wanted for t in tiers):
        values.update(zip(tiers, meter.tou(at), strict=True))
    blocks = [ids[f"CurrentNoTierBlock{n}SummationDelivered"] for n in range(1, 5)]
    if any(block in wanted for block in blocks):
        values.update(zip(blocks, meter.block_counters(at), strict=True))
    return values


def _read_registers(read: GasRead, position: int, cluster: int, frame: ZclFrame) -> Component:
    if cluster != METERING or not isinstance(frame.payload, ReadAttributes):
        return _not_found(cluster, frame, ZclStatus.UNSUP_CLUSTER_COMMAND)
    values = _registers(read, frame.payload.attribute_ids)
    failing = _ATTRIBUTE_IDS.get(read.failing_attribute or "")
    answers: list[tuple[int, int | bytes | str | ZclStatus | None]] = [
        (
            aid,
            ZclStatus.HARDWARE_FAILURE
            if aid == failing
            else values.get(aid, ZclStatus.UNSUPPORTED_ATTRIBUTE),
        )
        for aid in frame.payload.attribute_ids
    ]
    reply = z.read_attributes_response(
        cluster,
        answers,
        tsn=frame.header.transaction_sequence_number,
        disable_default_response=True,
    )
    return read.seal(GbzComponent(cluster, reply, False), position, frame)


@handles("GCS13a", "GCS13b", "GCS13c")
def gas_registers(command: DeviceCommand, context: DeviceContext) -> DeviceReply:
    """GCS13a/b/c: the consumption register, TOU (tier) registers and block counters."""
    return _answer(command, context, _read_registers)


# --- snapshots (GCS15b, GCS15c, GCS16a) ------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Snapshot:
    at: datetime
    cause: int
    prepayment: tuple[int, ...]


def _snapshots(read: GasRead, cause: int, low: datetime, high: datetime) -> list[_Snapshot]:
    """The snapshots of ``cause`` from ``low`` to ``high``, oldest first."""
    meter = read.meter
    assert meter is not None
    state, at = meter.state, read.at
    billing = state.get(BillingData)
    found: list[_Snapshot] = []
    if cause & CAUSE_GENERAL:
        oldest = floor_day(at) - DAY * (DAILY_SNAPSHOT_CAPACITY - 1)
        found += [
            _Snapshot(m, CAUSE_GENERAL, ()) for m in midnights(max(low, oldest), min(high, at))
        ]
    if cause & CAUSE_BILLING:
        prepaid = {row[0]: tuple(row[1:7]) for row in billing.calendar_prepayment}
        for moment in recent_billing_dates(state, at, BILLING_LOG_CAPACITY):
            if low <= moment <= high:
                seconds = to_gbcs_seconds(moment)
                found.append(_Snapshot(moment, CAUSE_BILLING, prepaid.get(seconds, (0,) * 6)))
    for row in billing.mode_tariff:
        moment = from_gbcs_seconds(row[0])
        if int(row[1]) & cause and low <= moment <= min(high, at):
            found.append(_Snapshot(moment, int(row[1]), tuple(row[2:8])))
    found.sort(key=lambda s: s.at)
    return found


_GBZ_EPOCH: Final = datetime(2000, 1, 1, tzinfo=EPOCH.tzinfo)


def _snapshot(read: GasRead, position: int, cluster: int, frame: ZclFrame) -> Component:
    fields = _fields(frame)
    name = frame.payload.name if isinstance(frame.payload, ClusterCommand) else ""
    if name not in ("GetSnapshot", "GetPrepaySnapshot"):
        return _not_found(cluster, frame, ZclStatus.UNSUP_CLUSTER_COMMAND)
    low = _GBZ_EPOCH + timedelta(seconds=_int(fields, "earliest_start_time"))
    high = _GBZ_EPOCH + timedelta(seconds=_int(fields, "latest_end_time"))
    found = _snapshots(read, _int(fields, "snapshot_cause"), low, high)
    offset = _int(fields, "snapshot_offset")
    if offset >= len(found):
        return _not_found(cluster, frame)
    snapshot = found[offset]
    tsn = frame.header.transaction_sequence_number
    common = {
        "snapshot_id": position,
        "snapshot_time": utc_seconds(snapshot.at),
        "total_snapshots_found": min(len(found), 0xFF),
        "command_index": 0,
        "total_number_of_commands": 1,
        "snapshot_cause": snapshot.cause,
    }
    if name == "GetPrepaySnapshot":
        balance, emergency, accumulated, payment, time1, time2 = snapshot.prepayment or (0,) * 6
        reply = z.cluster_command(
            "Prepayment",
            "PublishPrepaySnapshot",
            tsn=tsn,
            disable_default_response=True,
            **common,
            snapshot_payload_type=0,
            accumulated_debt=accumulated,
            type1_debt_remaining=max(0, time1),
            type2_debt_remaining=max(0, time2),
            type3_debt_remaining=max(0, payment),
            emergency_credit_remaining=emergency,
            credit_remaining=balance,
        )
    else:
        meter = read.meter
        assert meter is not None
        reply = z.cluster_command(
            "Metering",
            "PublishSnapshot",
            tsn=tsn,
            disable_default_response=True,
            **common,
            snapshot_payload_type=6,
            current_summation_delivered=meter.register(snapshot.at),
            tier_summations=[{"summation": v} for v in meter.tou(snapshot.at)],
            number_of_tiers_and_block_thresholds_in_use=TIERS_AND_BLOCKS,
            tier_block_summations=[{"summation": v} for v in meter.tou_blocks(snapshot.at)],
        )
    return read.seal(GbzComponent(cluster, reply, False), position, frame)


@handles("GCS15b", "GCS15c", "GCS16a")
def gas_snapshots(command: DeviceCommand, context: DeviceContext) -> DeviceReply:
    """GCS15b/c (billing data logs) and GCS16a (daily read log): one snapshot per request."""
    return _answer(command, context, _snapshot)


# --- debt and top-up logs (GCS15d, GCS15e) ---------------------------------------------


def _component_start(read: GasRead, position: int) -> datetime:
    component = _payload(read.command).components[position]
    start = component.from_date_time or 0
    return _GBZ_EPOCH + timedelta(seconds=start)


def _debt_log(read: GasRead, position: int, cluster: int, frame: ZclFrame) -> Component:
    fields = _fields(frame)
    meter = read.meter
    assert meter is not None
    low = _component_start(read, position)
    high = _GBZ_EPOCH + timedelta(seconds=_int(fields, "latest_end_time"))
    rows = [
        row
        for row in meter.state.get(BillingData).debt_payments
        if low <= from_gbcs_seconds(row[0]) <= high
    ][: max(1, _int(fields, "number_of_debts"))]
    if not rows:
        return _not_found(cluster, frame)
    reply = z.cluster_command(
        "Prepayment",
        "PublishDebtLog",
        tsn=frame.header.transaction_sequence_number,
        disable_default_response=True,
        command_index=0,
        total_number_of_commands=1,
        debts=[
            {
                "collection_time": utc_seconds(from_gbcs_seconds(row[0])),
                "amount_collected": max(0, row[1]),
                "debt_type": 2,
                "outstanding_debt": max(0, row[2]),
            }
            for row in rows
        ],
    )
    return read.seal(GbzComponent(cluster, reply, False), position, frame)


def _top_up_log(read: GasRead, position: int, cluster: int, frame: ZclFrame) -> Component:
    fields = _fields(frame)
    meter = read.meter
    assert meter is not None
    low = _component_start(read, position)
    high = _GBZ_EPOCH + timedelta(seconds=_int(fields, "latest_end_time"))
    rows = sorted(
        (
            row
            for row in meter.state.get(BillingData).credits
            if low <= from_gbcs_seconds(row[0]) <= high
        ),
        key=lambda row: -row[0],
    )[: max(1, _int(fields, "number_of_records"))]
    if not rows:
        return _not_found(cluster, frame)
    reply = z.cluster_command(
        "Prepayment",
        "PublishTopUpLog",
        tsn=frame.header.transaction_sequence_number,
        disable_default_response=True,
        command_index=0,
        total_number_of_commands=1,
        top_ups=[
            {
                "top_up_code": bytes.fromhex(row[2]),
                "top_up_amount": row[1],
                "top_up_time": utc_seconds(from_gbcs_seconds(row[0])),
            }
            for row in rows
        ],
    )
    return GbzComponent(cluster, reply, False)


@handles("GCS15d")
def gas_debt_log(command: DeviceCommand, context: DeviceContext) -> DeviceReply:
    """GCS15d: payment-based debt collections (encrypted)."""
    return _answer(command, context, _debt_log)


@handles("GCS15e")
def gas_top_up_log(command: DeviceCommand, context: DeviceContext) -> DeviceReply:
    """GCS15e: the top-up log, most recent first (not encrypted)."""
    return _answer(command, context, _top_up_log)


# --- sampled data (GCS17, GCS61, GCS18) ------------------------------------------------

PROFILE_SAMPLE, DAILY_SAMPLE, NETWORK_SAMPLE = 0, 1, 2


def _samples(read: GasRead, frame: ZclFrame) -> tuple[datetime, int, list[int]] | None:
    """(first sample time, interval in seconds as the Response states it, values)."""
    fields = _fields(frame)
    meter = read.meter
    assert meter is not None
    sample_id = _int(fields, "sample_id")
    wanted = min(_int(fields, "number_of_samples"), MAX_SAMPLES)
    earliest = _GBZ_EPOCH + timedelta(seconds=_int(fields, "earliest_sample_time"))
    if sample_id == NETWORK_SAMPLE:
        log = meter.state.get(NetworkDataLog)
        if log.started is None:
            return None
        step = timedelta(seconds=log.interval_s)
        origin = from_gbcs_seconds(log.started)
        start = ceil_to_step(earliest, origin, step)
        end = min(start + step * wanted, origin + step * log.max_samples)
        oldest, stated = origin, log.interval_s
    elif sample_id == PROFILE_SAMPLE:
        step, stated = SLOT, 1800
        start = floor_to(earliest, SLOT)
        end = start + step * wanted
        oldest = floor_to(read.at, SLOT) - DAY * PROFILE_CAPACITY_DAYS
    elif sample_id == DAILY_SAMPLE:
        step, stated = DAY, DAILY_INTERVAL
        start = floor_to(earliest, DAY)
        end = start + step * wanted
        oldest = floor_to(read.at, DAY) - DAY * DAILY_CONSUMPTION_CAPACITY
    else:
        return None
    # Only samples inside the window asked for (from the earliest time, as many as asked),
    # that the log still holds and that are complete.
    first = max(start, oldest, EPOCH)
    values: list[int] = []
    moment = first
    while moment + step <= min(end, read.at):
        values.append(meter.interval(moment, moment + step))
        moment += step
    return (first, stated, values) if values else None


def ceil_to_step(moment: datetime, origin: datetime, step: timedelta) -> datetime:
    if moment <= origin:
        return origin
    return origin + step * -((origin - moment) // step)


def _sampled(read: GasRead, position: int, cluster: int, frame: ZclFrame) -> Component:
    found = _samples(read, frame)
    if found is None:
        return _not_found(cluster, frame)
    first, interval, values = found
    reply = z.cluster_command(
        "Metering",
        "GetSampledDataResponse",
        tsn=frame.header.transaction_sequence_number,
        disable_default_response=read.command.use_case != "GCS18",
        sample_id=_int(_fields(frame), "sample_id"),
        sample_start_time=utc_seconds(first),
        sample_type=0,
        sample_request_interval=interval,
        samples=[{"value": min(v, 0xFFFFFF)} for v in values],
    )
    return read.seal(GbzComponent(cluster, reply, False), position, frame)


@handles("GCS17", "GCS18", "GCS61")
def gas_sampled_data(command: DeviceCommand, context: DeviceContext) -> DeviceReply:
    """GCS17 half-hourly profile, GCS61 daily consumption, GCS18 network data log."""
    return _answer(command, context, _sampled)


# --- GCS31, GCS36 ----------------------------------------------------------------------


def _start_sampling(read: GasRead, position: int, cluster: int, frame: ZclFrame) -> Component:
    fields = _fields(frame)
    # The GSME keeps the log; a GPF passes the instruction to the GSME it mirrors.
    state = read.context.state
    if read.context.device.device_type is DeviceType.GPF:
        gsme = state.get(GasProxyMirror).gsme_eui()
        peer = read.context.peer(gsme) if gsme is not None else None
        if peer is None:
            return _not_found(cluster, frame, ZclStatus.HARDWARE_FAILURE)
        state = peer
    log = state.get(NetworkDataLog)
    start = _int(fields, "start_sampling_time")
    begin = read.context.now if start == 0 else _GBZ_EPOCH + timedelta(seconds=start)
    interval = _int(fields, "sample_request_interval")
    if interval <= 0:
        return _not_found(cluster, frame, ZclStatus.INVALID_FIELD)
    log.started = int((ceil_to(begin, timedelta(seconds=1)) - _GBZ_EPOCH).total_seconds())
    log.interval_s = interval
    log.max_samples = _int(fields, "max_number_of_samples")
    state.touch()
    reply = z.cluster_command(
        "Metering",
        "StartSamplingResponse",
        tsn=frame.header.transaction_sequence_number,
        sample_id=log.sample_id,
    )
    return GbzComponent(cluster, reply, False)


@handles("GCS31")
def start_network_data_log(command: DeviceCommand, context: DeviceContext) -> DeviceReply:
    """GCS31: the GSME starts sampling its network data log (read by GCS18)."""
    return _answer(command, context, _start_sampling, needs_meter=False)


def _update_cin(read: GasRead, position: int, cluster: int, frame: ZclFrame) -> Component:
    fields = _fields(frame)
    cin = fields.get("customer_id_number")
    if not isinstance(cin, bytes) or len(cin) != 4 or not cin.isdigit():
        return _not_found(cluster, frame, ZclStatus.INVALID_VALUE)
    section = read.context.state.get(CustomerIdentification)
    section.cin, section.set_at = cin.decode("ascii"), read.context.now
    read.context.state.touch()
    return _not_found(cluster, frame, ZclStatus.SUCCESS)


@handles("GCS36")
def update_cin(command: DeviceCommand, context: DeviceContext) -> DeviceReply:
    """GCS36: the GSME stores the CIN for display to the consumer."""
    return _answer(command, context, _update_cin, needs_meter=False)


# --- ZigBee event logs (CS10a, CS10b) --------------------------------------------------


def _event_log(read: GasRead, position: int, cluster: int, frame: ZclFrame) -> Component:
    fields = _fields(frame)
    log_id = _int(fields, "event_control_log_id") & 0x0F
    kind = _LOGS.get(log_id)
    if kind is None:
        return _not_found(cluster, frame)
    low = _GBZ_EPOCH + timedelta(seconds=_int(fields, "start_time"))
    high = _GBZ_EPOCH + timedelta(seconds=_int(fields, "end_time"))
    entries = [e for e in read.context.state.get(EventLogs).entries(kind) if low <= e.at <= high]
    offset, count = _int(fields, "event_offset"), _int(fields, "number_of_events")
    entries = entries[offset : offset + count] if count else entries[offset:]
    if not entries:
        return _not_found(cluster, frame)
    reply = z.cluster_command(
        "Events",
        "PublishEventLog",
        tsn=frame.header.transaction_sequence_number,
        disable_default_response=True,
        total_number_of_events=len(entries),
        command_index=0,
        total_commands=1,
        log_payload_control=0,
        events=[
            {
                "log_id": log_id,
                "event_id": e.code,
                "event_time": utc_seconds(e.at),
                "event_data": e.other_information,
            }
            for e in entries
        ],
    )
    return GbzComponent(cluster, reply, False)


@handles("CS10a", "CS10b")
def zigbee_event_log(command: DeviceCommand, context: DeviceContext) -> DeviceReply:
    """CS10a / CS10b: a GSME's or GPF's own Event or Security Log."""
    return _answer(command, context, _event_log, needs_meter=False)
