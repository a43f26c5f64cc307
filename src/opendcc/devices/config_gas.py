"""Simulated GSME and GPF (ZigBee/GBZ) answering the configuration family's Commands, and
the GSME's GCS28 Set Clock (DER).

One answer per Command component, in order (GBCS 7.2.10): a Default Response for a
publication or a set (SUCCESS, or the failure the state calls for), a Read Attributes
Response from the Device's attributes, or the cluster's own response command
(ClearEventLogResponse, PublishBillingPeriod, ReportEventConfiguration). The GSME's writes
also update the mirror its GPF holds (``Device.parent_id`` names the GPF), which answers
the GPF reads (6.2.3, 6.2.4, 6.2.7 to a GPF).

Failures: an unknown event code or an unconfigurable one NOT_FOUND; a value out of range
INVALID_VALUE (a trailing digit over 7, a zero measurement period); an injected fault
(``DeviceFaults``, ``<cluster>:<command>`` or ``<cluster>:<attribute>``) the status it
names, HARDWARE_FAILURE in the reference ERROR vectors.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Final

from opendcc.devices import device_logs
from opendcc.devices.config_alerts import SUPPLIER_GSME, default_event_configuration
from opendcc.devices.config_cosem import device_time, record_reset
from opendcc.devices.config_state import (
    ClockState,
    DeviceFaults,
    EventConfiguration,
    GasConfiguration,
)
from opendcc.devices.reads_state import LogKind
from opendcc.devices.simulator import (
    DeviceCommand,
    DeviceContext,
    DeviceReply,
    DiscardCommandError,
    handles,
)
from opendcc.gbcs.context import GbcsEncodeError
from opendcc.gbcs.der import DerPayload, DeviceTimeStatus, SetTimeCommand, SetTimeResponse
from opendcc.gbcs.der import encode as encode_der
from opendcc.gbcs.gbz import GbzPayload, ZclFrame, ZclStatus
from opendcc.gbcs.gbz import builders as z
from opendcc.gbcs.gbz import encode as encode_gbz
from opendcc.gbcs.gbz.builders import PlainValue
from opendcc.gbcs.gbz.clusters import attribute as attribute_def
from opendcc.gbcs.gbz.clusters import cluster as cluster_by_id
from opendcc.gbcs.gbz.fields import Record
from opendcc.gbcs.gbz.timefmt import utc_datetime, utc_seconds
from opendcc.gbcs.gbz.zcl import (
    ClusterCommand,
    DefaultResponse,
    GeneralCommand,
    ReadAttributes,
    ReadAttributesResponse,
    ZclHeader,
)
from opendcc.inventory.model import DeviceType

UNTIL_CHANGED: Final = 0xFFFF
ZSE_LOG_BITS: Final = {0: 0x01, 1: 0x02, 2: 0x04, 3: 0x08, 4: 0x10, 5: 0x20, 6: 0x40, 7: 0x80}
"""ZSE Events log id -> its bit in ClearEventLogResponse's Cleared Events Logs."""
CLEARABLE_LOGS: Final = frozenset({0, 3})
"""What a GBCS Device lets CS11 clear: all logs or the general event log (its security log
is not the User's to clear)."""
ZIGBEE_EVENT_LOG: Final = "zigbee-event-log"
ALL_EVENTS: Final = 0x81FF


def gbz_command(command: DeviceCommand) -> GbzPayload:
    payload = command.payload
    if not isinstance(payload, GbzPayload) or any(c.frame is None for c in payload.components):
        raise DiscardCommandError(f"{command.use_case} Commands are plain GBZ payloads")
    return payload


def gas(context: DeviceContext) -> GasConfiguration:
    return context.state.get(GasConfiguration)


def mirror(context: DeviceContext) -> None:
    """Copy a GSME's configuration to its GPF, whose reads answer from the mirror."""
    context.state.touch()
    parent = context.device.parent_id
    if context.device.device_type is not DeviceType.GSME or parent is None:
        return
    peer = context.peer(parent)
    if peer is None or peer.device.device_type is not DeviceType.GPF:
        return
    section = peer.get(GasConfiguration)
    for f in dataclasses.fields(GasConfiguration):
        setattr(section, f.name, getattr(gas(context), f.name))
    peer.touch()


Answer = Callable[[DeviceContext, ZclFrame, str], ZclFrame]
"""The Device's answering frame to one command component (cluster name given)."""


NOT_PROCESSED: Final = 0xFF
"""The command id a GBCS Device's Default Response names for a component it did not process
because an earlier one failed (the reference GCS20 and GCS21e ERROR Responses)."""


def failed(frame: ZclFrame) -> bool:
    """Whether an answering frame reports a failure (a Default Response other than
    SUCCESS, or an attribute that could not be read)."""
    payload = frame.payload
    if isinstance(payload, DefaultResponse):
        return payload.status != ZclStatus.SUCCESS
    if isinstance(payload, ReadAttributesResponse):
        return any(r.status != ZclStatus.SUCCESS for r in payload.records)
    if isinstance(payload, ClusterCommand) and payload.name == "ClearEventLogResponse":
        return payload.fields.number("cleared_event_logs") == 0
    return False


def not_processed(frame: ZclFrame) -> ZclFrame:
    header = ZclHeader.build(
        GeneralCommand.DEFAULT_RESPONSE,
        cluster_specific=False,
        server_to_client=not frame.header.server_to_client,
        transaction_sequence_number=frame.header.transaction_sequence_number,
    )
    return ZclFrame(header, DefaultResponse(NOT_PROCESSED, ZclStatus.FAILURE))


def respond(
    command: DeviceCommand,
    context: DeviceContext,
    answer: Answer,
    *,
    reports_faults: frozenset[str] = frozenset(),
) -> DeviceReply:
    """One answer per component, in order; after a failed component the Device processes
    no more and answers each remaining one FAILURE (GBCS 7.2.10 processing of GBZ). An
    injected fault is answered with a Default Response of its status, except for the
    commands in ``reports_faults`` (``<cluster>:<command>``), whose own response says what
    could not be done (``answer`` looks the fault up itself)."""
    payload = gbz_command(command)
    faults = context.state.get(DeviceFaults).failing
    stopped = False
    position = 0

    def one(cluster_id: int, frame: ZclFrame) -> ZclFrame:
        nonlocal stopped, position
        position += 1
        if stopped:
            return not_processed(frame)
        definition = cluster_by_id(cluster_id)
        name = definition.name if definition else str(cluster_id)
        command_name = (
            frame.payload.name if isinstance(frame.payload, ClusterCommand) else "ReadAttributes"
        )
        key = f"{name}:{command_name}"
        fault = faults.get(f"{key}#{position}", faults.get(key))
        if fault is not None and key not in reports_faults:
            result = z.default_response(cluster_id, frame, _status(fault))
        else:
            try:
                result = answer(context, frame, name)
            except (KeyError, TypeError, ValueError, GbcsEncodeError):
                # A component its use case does not carry, or a field out of range.
                result = z.default_response(cluster_id, frame, ZclStatus.MALFORMED_COMMAND)
        stopped = failed(result)
        return result

    return DeviceReply(encode_gbz(z.respond(payload, one)))


def _status(code: int) -> ZclStatus | int:
    try:
        return ZclStatus(code)
    except ValueError:
        return code


def fields(frame: ZclFrame) -> Record:
    if not isinstance(frame.payload, ClusterCommand):
        raise TypeError("a cluster command was expected")
    return frame.payload.fields


def ok(frame: ZclFrame, cluster: str) -> ZclFrame:
    return z.default_response(cluster, frame, ZclStatus.SUCCESS)


def when(seconds: int, now: datetime) -> datetime:
    """A ZigBee start/implementation time: 0 is now."""
    return now if seconds == 0 else (utc_datetime(seconds) or now)


# --- 3.x --------------------------------------------------------------------------------


@handles("GCS07")
def display_message(command: DeviceCommand, context: DeviceContext) -> DeviceReply:
    """GCS07: show the supplier's message from its start time for its duration."""

    def answer(context: DeviceContext, frame: ZclFrame, cluster: str) -> ZclFrame:
        values = fields(frame)
        text = values["message"]
        if not isinstance(text, bytes):
            return z.default_response(cluster, frame, ZclStatus.INVALID_VALUE)
        section = gas(context)
        start = when(values.number("start_time"), context.now)
        minutes = values.number("duration_in_minutes")
        section.display_message = text.decode("latin-1")
        section.display_message_id = values.number("message_id")
        section.display_message_from = start
        section.display_message_until = (
            None if minutes == UNTIL_CHANGED else start + timedelta(minutes=minutes)
        )
        mirror(context)
        return ok(frame, cluster)

    return respond(command, context, answer)


@handles("GCS09")
def change_of_tenancy(command: DeviceCommand, context: DeviceContext) -> DeviceReply:
    """GCS09: record the change of tenancy date (the GPF restricts earlier data from it)."""

    def answer(context: DeviceContext, frame: ZclFrame, cluster: str) -> ZclFrame:
        gas(context).change_of_tenancy = when(
            fields(frame).number("implementation_date_time"), context.now
        )
        mirror(context)
        return ok(frame, cluster)

    return respond(command, context, answer)


@handles("CS11")
def clear_event_log(command: DeviceCommand, context: DeviceContext) -> DeviceReply:
    """CS11: clear the general event log; answer which logs were cleared (none when the
    log asked for may not be cleared, or when the log store fails: an injected fault on
    ``Events:ClearEventLogRequest``, as the reference CS11 ERROR Response's GSME, which answers
    ClearEventLogResponse with Cleared Events Logs 0 rather than a Default Response)."""

    def answer(context: DeviceContext, frame: ZclFrame, cluster: str) -> ZclFrame:
        log = fields(frame).number("log_id")
        cleared = 0
        broken = f"{cluster}:ClearEventLogRequest" in context.state.get(DeviceFaults).failing
        if log in CLEARABLE_LOGS and not broken:
            record_reset(context.state, ZIGBEE_EVENT_LOG, context.now)
            # The general event log is emptied (the Security Log cannot be): 0x8F52.
            device_logs.clear(context, LogKind.EVENT)
            cleared = ZSE_LOG_BITS[log]
        return z.cluster_command(
            cluster,
            "ClearEventLogResponse",
            tsn=frame.header.transaction_sequence_number,
            cleared_event_logs=cleared,
        )

    return respond(
        command, context, answer, reports_faults=frozenset({"Events:ClearEventLogRequest"})
    )


@handles("GCS44")
def supplier_details(command: DeviceCommand, context: DeviceContext) -> DeviceReply:
    """GCS44: the supplier's name and contact details."""

    def answer(context: DeviceContext, frame: ZclFrame, cluster: str) -> ZclFrame:
        values = fields(frame)
        name, contact = (
            values["proposed_provider_name"],
            values["proposed_provider_contact_details"],
        )
        if not isinstance(name, bytes) or not isinstance(contact, bytes) or len(name) > 16:
            return z.default_response(cluster, frame, ZclStatus.INVALID_VALUE)
        section = gas(context)
        section.supplier_name = name.decode("latin-1")
        section.supplier_contact = contact.decode("latin-1")
        mirror(context)
        return ok(frame, cluster)

    return respond(command, context, answer)


CONSUMER_PASSWORD: Final = 2


@handles("GCS11")
def privacy_pin(command: DeviceCommand, context: DeviceContext) -> DeviceReply:
    """GCS11: an empty consumer password disables PIN protection."""

    def answer(context: DeviceContext, frame: ZclFrame, cluster: str) -> ZclFrame:
        values = fields(frame)
        if values.number("password_type") != CONSUMER_PASSWORD:
            return z.default_response(cluster, frame, ZclStatus.INVALID_VALUE)
        gas(context).privacy_pin_enabled = values["password"] not in (b"", None)
        mirror(context)
        return ok(frame, cluster)

    return respond(command, context, answer)


# --- 6.x writes --------------------------------------------------------------------------


@handles("GCS41")
def set_mprn(command: DeviceCommand, context: DeviceContext) -> DeviceReply:
    """GCS41: the MPRN as the Metering Site ID."""

    def answer(context: DeviceContext, frame: ZclFrame, cluster: str) -> ZclFrame:
        site = fields(frame)["site_id"]
        if not isinstance(site, bytes) or not site.isdigit() or not 1 <= len(site) <= 10:
            return z.default_response(cluster, frame, ZclStatus.INVALID_VALUE)
        gas(context).mprn = site.decode("ascii")
        mirror(context)
        return ok(frame, cluster)

    return respond(command, context, answer)


@handles("GCS23")
def gas_conversion(command: DeviceCommand, context: DeviceContext) -> DeviceReply:
    """GCS23: conversion factor and calorific value."""

    def answer(context: DeviceContext, frame: ZclFrame, cluster: str) -> ZclFrame:
        values = fields(frame)
        section = gas(context)
        name = frame.payload.name if isinstance(frame.payload, ClusterCommand) else ""
        if name == "PublishConversionFactor":
            digits = values.number("conversion_factor_trailing_digit") >> 4
            if digits > 7 or values.number("conversion_factor") == 0:
                return z.default_response(cluster, frame, ZclStatus.INVALID_VALUE)
            section.conversion_factor = values.number("conversion_factor")
            section.conversion_factor_digits = digits
        elif name == "PublishCalorificValue":
            digits = values.number("calorific_value_trailing_digit") >> 4
            if digits > 7 or values.number("calorific_value_unit") not in (1, 2):
                return z.default_response(cluster, frame, ZclStatus.INVALID_VALUE)
            section.calorific_value = values.number("calorific_value")
            section.calorific_value_digits = digits
        else:
            return z.default_response(cluster, frame, ZclStatus.UNSUP_CLUSTER_COMMAND)
        mirror(context)
        return ok(frame, cluster)

    return respond(command, context, answer)


@handles("GCS24", "GCS24a")
def gas_flow(command: DeviceCommand, context: DeviceContext) -> DeviceReply:
    """GCS24/GCS24a: the uncontrolled flow threshold and periods; the supply tamper and
    depletion states (0 locks, 3 leaves unchanged)."""

    def answer(context: DeviceContext, frame: ZclFrame, cluster: str) -> ZclFrame:
        values = fields(frame)
        section = gas(context)
        name = frame.payload.name if isinstance(frame.payload, ClusterCommand) else ""
        if name == "SetUncontrolledFlowThreshold":
            if values.number("measurement_period") == 0 or values.number("divisor") == 0:
                return z.default_response(cluster, frame, ZclStatus.INVALID_VALUE)
            section.uncontrolled_flow_threshold = values.number("uncontrolled_flow_threshold")
            section.uncontrolled_flow_divisor = values.number("divisor")
            section.flow_stabilisation_period = values.number("stabilisation_period")
            section.flow_measurement_period = values.number("measurement_period")
        elif name == "SetSupplyStatus":
            for field, attribute in (
                ("supply_tamper_state", "supply_tamper_state"),
                ("supply_depletion_state", "supply_depletion_state"),
            ):
                state = values.number(field)
                if state not in (0, 3):
                    return z.default_response(cluster, frame, ZclStatus.INVALID_VALUE)
                if state == 0:
                    setattr(section, attribute, 0)
        else:
            return z.default_response(cluster, frame, ZclStatus.UNSUP_CLUSTER_COMMAND)
        mirror(context)
        return ok(frame, cluster)

    return respond(command, context, answer)


@handles("GCS25", "GCS25a")
def billing_calendar(command: DeviceCommand, context: DeviceContext) -> DeviceReply:
    """GCS25/GCS25a: the billing period (and the matching block period)."""

    def answer(context: DeviceContext, frame: ZclFrame, cluster: str) -> ZclFrame:
        values = fields(frame)
        name = frame.payload.name if isinstance(frame.payload, ClusterCommand) else ""
        prefix = {"PublishBillingPeriod": "billing", "PublishBlockPeriod": "block"}.get(name)
        if prefix is None:
            return z.default_response(cluster, frame, ZclStatus.UNSUP_CLUSTER_COMMAND)
        duration = values.number(f"{prefix}_period_duration")
        kind = values.number(f"{prefix}_period_duration_type")
        if duration == 0 or kind & 0x0F > 3:
            return z.default_response(cluster, frame, ZclStatus.INVALID_VALUE)
        if prefix == "billing":
            section = gas(context)
            section.billing_issuer_event_id = values.number("issuer_event_id")
            section.billing_period_start = values.number("billing_period_start_time")
            section.billing_period_duration = duration
            section.billing_period_duration_type = kind
            mirror(context)
        return ok(frame, cluster)

    return respond(command, context, answer)


EVENT_CONFIGURATION_MASK: Final = 0x5F
"""The ZSE event configuration bits a GSME accepts: logging (0-2), WAN (3), HAN (4),
alarm (6)."""


@handles("GCS20")
def set_event_configuration(command: DeviceCommand, context: DeviceContext) -> DeviceReply:
    """GCS20: the ZSE event configuration of each listed event."""

    def answer(context: DeviceContext, frame: ZclFrame, cluster: str) -> ZclFrame:
        values = fields(frame)
        config = values.number("event_configuration")
        listed = values["event_ids"]
        if values.number("configuration_control") != 0 or not isinstance(listed, tuple):
            return z.default_response(cluster, frame, ZclStatus.INVALID_FIELD)
        if config & ~EVENT_CONFIGURATION_MASK:
            return z.default_response(cluster, frame, ZclStatus.INVALID_VALUE)
        codes = [entry.number("event_id") for entry in listed if isinstance(entry, Record)]
        if any(code not in SUPPLIER_GSME for code in codes):
            return z.default_response(cluster, frame, ZclStatus.NOT_FOUND)
        section = context.state.get(EventConfiguration)
        for code in codes:
            section.configurations[f"{code:04X}"] = config
        context.state.touch()
        return ok(frame, cluster)

    return respond(command, context, answer)


# --- 6.2.x reads -----------------------------------------------------------------------


@handles("GCS20r")
def read_event_configuration(command: DeviceCommand, context: DeviceContext) -> DeviceReply:
    """GCS20r: every configurable event's configuration (event id 0x81FF asks for all)."""

    def answer(context: DeviceContext, frame: ZclFrame, cluster: str) -> ZclFrame:
        wanted = fields(frame).number("event_id")
        stored = context.state.get(EventConfiguration).configurations
        codes = sorted(SUPPLIER_GSME) if wanted == ALL_EVENTS else [wanted]
        if any(code not in SUPPLIER_GSME for code in codes):
            return z.default_response(cluster, frame, ZclStatus.NOT_FOUND)
        events = [
            {
                "event_id": code,
                "event_configuration": stored.get(f"{code:04X}", default_event_configuration(code)),
            }
            for code in codes
        ]
        return z.cluster_command(
            cluster,
            "ReportEventConfiguration",
            tsn=frame.header.transaction_sequence_number,
            command_index=0,
            total_commands=1,
            events=events,
        )

    return respond(command, context, answer)


@handles("GCS21d", "GCS21k")
def read_billing_calendar(command: DeviceCommand, context: DeviceContext) -> DeviceReply:
    """GCS21d/GCS21k: the current billing period, published back."""

    def answer(context: DeviceContext, frame: ZclFrame, cluster: str) -> ZclFrame:
        section = gas(context)
        start = section.billing_period_start or utc_seconds(_installation_month(context))
        return z.cluster_command(
            cluster,
            "PublishBillingPeriod",
            tsn=frame.header.transaction_sequence_number,
            provider_id=0,
            issuer_event_id=section.billing_issuer_event_id,
            billing_period_start_time=start,
            billing_period_duration=section.billing_period_duration,
            billing_period_duration_type=section.billing_period_duration_type,
            tariff_type=0,
        )

    return respond(command, context, answer)


def _installation_month(context: DeviceContext) -> datetime:
    since = context.device.status_since.astimezone(UTC)
    return datetime(since.year, since.month, 1, tzinfo=UTC)


def _attributes(context: DeviceContext) -> dict[str, Mapping[str, PlainValue]]:
    section = gas(context)
    device = context.device
    return {
        "Basic": {
            "ManufacturerName": device.manufacturer,
            "ModelIdentifier": device.model,
            "HWVersion": 1,
        },
        "Metering": {
            "SupplyDepletionState": section.supply_depletion_state,
            "SupplyTamperState": section.supply_tamper_state,
            "SiteID": section.mprn.encode("ascii"),
            "UncontrolledFlowDivisor": section.uncontrolled_flow_divisor,
            "UncontrolledFlowMultiplier": 1,
            "UncontrolledFlowThresholdUnitOfMeasure": 1,
            "UncontrolledFlowThreshold": section.uncontrolled_flow_threshold,
            "FlowStabilisationPeriod": section.flow_stabilisation_period,
            "FlowMeasurementPeriod": section.flow_measurement_period,
        },
        "Price": {
            "CalorificValueTrailingDigit": section.calorific_value_digits << 4,
            "CalorificValueUnit": 1,
            "CalorificValue": section.calorific_value,
            "ConversionFactorTrailingDigit": section.conversion_factor_digits << 4,
            "ConversionFactor": section.conversion_factor,
        },
    }


@handles("GCS21a", "GCS21e", "GCS21m", "GCS46")
def read_attributes(command: DeviceCommand, context: DeviceContext) -> DeviceReply:
    """GCS21a, GCS21e/GCS21m, GCS46: attributes from the Device's configuration."""
    gbz_command(command)  # a Command it cannot read is discarded before anything else
    attributes = _attributes(context)
    faults = context.state.get(DeviceFaults).failing

    def answer(context: DeviceContext, frame: ZclFrame, cluster: str) -> ZclFrame:
        if not isinstance(frame.payload, ReadAttributes):
            return z.default_response(cluster, frame, ZclStatus.UNSUP_GENERAL_COMMAND)
        held: dict[str, PlainValue | ZclStatus | int] = {**attributes.get(cluster, {})}
        for key, code in faults.items():
            prefix, _, name = key.partition(":")
            if prefix == cluster and name in held:
                held[name] = _status(code)
        answers = [
            (aid, held.get(_name(cluster, aid), ZclStatus.UNSUPPORTED_ATTRIBUTE))
            for aid in frame.payload.attribute_ids
        ]
        return z.read_attributes_response(
            cluster, answers, tsn=frame.header.transaction_sequence_number
        )

    return respond(command, context, answer)


def _name(cluster: str, attribute_id: int) -> str:
    definition = attribute_def(z.cluster_id(cluster), attribute_id)
    return definition.name if definition is not None else str(attribute_id)


# --- 6.11 GCS28 -------------------------------------------------------------------------


@handles("GCS28")
def set_clock(command: DeviceCommand, context: DeviceContext) -> DeviceReply:
    """GCS28: take the Communications Hub's time if it lies in the validity interval (time
    status reliable); otherwise keep the clock and report it unreliable."""
    payload = command.payload
    body = payload.body if isinstance(payload, DerPayload) else None
    if not isinstance(body, SetTimeCommand):
        raise DiscardCommandError("GCS28 Commands carry a SetTime payload")
    clock = context.state.get(ClockState)
    if body.validity_interval_start <= context.now <= body.validity_interval_end:
        clock.synchronise(context.now)
        clock.status = DeviceTimeStatus.RELIABLE
        device_logs.record(context, device_logs.Change.CLOCK_ADJUSTED)
    else:
        clock.status = DeviceTimeStatus.UNRELIABLE
        device_logs.record(context, device_logs.Change.CLOCK_NOT_ADJUSTED)
    context.state.touch()
    now = device_time(context.state, context.now).replace(microsecond=0)
    response = SetTimeResponse(now, DeviceTimeStatus(clock.status))
    return DeviceReply(encode_der(DerPayload(response)))
