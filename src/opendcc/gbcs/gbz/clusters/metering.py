"""Metering cluster (0x0702, SE D.3): registers, snapshots, profiles, supply control.

GBCS reads gas registers with Read Attributes (GCS13a/b/c, GCS60), billing and daily logs
with Get Snapshot / Publish Snapshot (GCS15b/c, GCS16a, GCS53), profile and network data
with Start Sampling / Get Sampled Data (GCS17, GCS18, GCS31, GCS61), and drives the valve
with Change Supply and Set Supply Status (GCS24, GCS32, GCS39).
"""

from __future__ import annotations

from typing import Final

from opendcc.gbcs.gbz.clusters import AttributeDef, ClusterDef, Meaning, attributes, commands
from opendcc.gbcs.gbz.clusters.units import UNITS_OF_MEASURE
from opendcc.gbcs.gbz.datatypes import ZclDataType as T
from opendcc.gbcs.gbz.fields import (
    BITMAP8,
    BITMAP32,
    ENUM8,
    U8,
    U16,
    U24,
    U32,
    U48,
    UTC,
    Command,
    Element,
    Field,
    Repeat,
    Switch,
)

SUPPLY_STATUS: Final = {0x00: "Off", 0x01: "Armed", 0x02: "On"}
"""SupplyStatus (0x0014) and Change Supply's proposed status: the valve as GBCS sees it."""

SUPPLY_STATE_CHANGES: Final = {0x00: "Off", 0x01: "Armed", 0x02: "On", 0x03: "Unchanged"}
"""The supply states Set Supply Status and the supply-state attributes (0x0605-0x0609) use."""

SNAPSHOT_PAYLOAD_TYPES: Final = {
    0x00: "TOUInformationSetDeliveredRegisters",
    0x01: "TOUInformationSetReceivedRegisters",
    0x02: "BlockTierInformationSetDelivered",
    0x03: "BlockTierInformationSetReceived",
    0x04: "TOUInformationSetDeliveredRegistersNoBilling",
    0x05: "TOUInformationSetReceivedRegistersNoBilling",
    0x06: "BlockTierInformationSetDeliveredNoBilling",
    0x07: "BlockTierInformationSetReceivedNoBilling",
    0x80: "DataUnavailable",
}

SAMPLE_TYPES: Final = {0x00: "ConsumptionDelivered"}


def _summations() -> list[AttributeDef]:
    rows = []
    for n in range(1, 49):
        rows.append(
            AttributeDef(
                0x0100 + 2 * (n - 1),
                f"CurrentTier{n}SummationDelivered",
                T.UINT48,
                Meaning.SUMMATION,
            )
        )
        rows.append(
            AttributeDef(
                0x0101 + 2 * (n - 1),
                f"CurrentTier{n}SummationReceived",
                T.UINT48,
                Meaning.SUMMATION,
            )
        )
    return rows


def _block_summations(base: int, direction: str) -> list[AttributeDef]:
    rows = [
        AttributeDef(
            base + m - 1,
            f"CurrentNoTierBlock{m}Summation{direction}",
            T.UINT48,
            Meaning.SUMMATION,
        )
        for m in range(1, 17)
    ]
    for n in range(1, 16):
        rows += [
            AttributeDef(
                base + 16 * n + m - 1,
                f"CurrentTier{n}Block{m}Summation{direction}",
                T.UINT48,
                Meaning.SUMMATION,
            )
            for m in range(1, 17)
        ]
    return rows


def _previous_days() -> list[AttributeDef]:
    rows = []
    for day in range(2, 9):
        base = 0x0420 + 2 * (day - 2)
        rows.append(
            AttributeDef(base, f"PreviousDay{day}ConsumptionDelivered", T.UINT24, Meaning.SUMMATION)
        )
        rows.append(
            AttributeDef(
                base + 1, f"PreviousDay{day}ConsumptionReceived", T.UINT24, Meaning.SUMMATION
            )
        )
    return rows


ATTRIBUTES: Final = attributes(
    AttributeDef(0x0000, "CurrentSummationDelivered", T.UINT48, Meaning.SUMMATION),
    AttributeDef(0x0001, "CurrentSummationReceived", T.UINT48, Meaning.SUMMATION),
    AttributeDef(0x0002, "CurrentMaxDemandDelivered", T.UINT48),
    AttributeDef(0x0003, "CurrentMaxDemandReceived", T.UINT48),
    AttributeDef(0x0004, "DFTSummation", T.UINT48, Meaning.SUMMATION),
    AttributeDef(0x0005, "DailyFreezeTime", T.UINT16),
    AttributeDef(0x0006, "PowerFactor", T.INT8),
    AttributeDef(0x0007, "ReadingSnapShotTime", T.UTC_TIME, Meaning.TIMESTAMP),
    AttributeDef(0x0008, "CurrentMaxDemandDeliveredTime", T.UTC_TIME, Meaning.TIMESTAMP),
    AttributeDef(0x0009, "CurrentMaxDemandReceivedTime", T.UTC_TIME, Meaning.TIMESTAMP),
    AttributeDef(0x000A, "DefaultUpdatePeriod", T.UINT8),
    AttributeDef(0x000B, "FastPollUpdatePeriod", T.UINT8),
    AttributeDef(0x000C, "CurrentBlockPeriodConsumptionDelivered", T.UINT48, Meaning.SUMMATION),
    AttributeDef(0x000D, "DailyConsumptionTarget", T.UINT24),
    AttributeDef(0x000E, "CurrentBlock", T.ENUM8, Meaning.ENUMERATION),
    AttributeDef(0x000F, "ProfileIntervalPeriod", T.ENUM8, Meaning.ENUMERATION),
    AttributeDef(0x0010, "IntervalReadReportingPeriod", T.UINT16),
    AttributeDef(0x0011, "PresetReadingTime", T.UINT16),
    AttributeDef(0x0012, "VolumePerReport", T.UINT16),
    AttributeDef(0x0013, "FlowRestriction", T.UINT8),
    AttributeDef(0x0014, "SupplyStatus", T.ENUM8, Meaning.ENUMERATION, SUPPLY_STATUS),
    AttributeDef(0x001C, "PreviousBlockPeriodConsumptionDelivered", T.UINT48, Meaning.SUMMATION),
    AttributeDef(0x0020, "ActiveRegisterTierDelivered", T.ENUM8, Meaning.ENUMERATION),
    AttributeDef(0x0021, "ActiveRegisterTierReceived", T.ENUM8, Meaning.ENUMERATION),
    AttributeDef(0x0022, "LastBlockSwitchTime", T.UTC_TIME, Meaning.TIMESTAMP),
    _summations(),
    AttributeDef(0x0200, "Status", T.BITMAP8, Meaning.FLAGS),
    AttributeDef(0x0201, "RemainingBatteryLife", T.UINT8),
    AttributeDef(0x0202, "HoursInOperation", T.UINT24),
    AttributeDef(0x0203, "HoursInFault", T.UINT24),
    AttributeDef(0x0204, "ExtendedStatus", T.BITMAP64, Meaning.FLAGS),
    AttributeDef(0x0205, "RemainingBatteryLifeInDays", T.UINT16),
    AttributeDef(0x0206, "CurrentMeterID", T.OCTET_STRING, Meaning.TEXT),
    AttributeDef(0x0207, "AmbientConsumptionIndicator", T.ENUM8, Meaning.ENUMERATION),
    AttributeDef(0x0300, "UnitOfMeasure", T.ENUM8, Meaning.UNIT_OF_MEASURE, UNITS_OF_MEASURE),
    AttributeDef(0x0301, "Multiplier", T.UINT24),
    AttributeDef(0x0302, "Divisor", T.UINT24),
    AttributeDef(0x0303, "SummationFormatting", T.BITMAP8, Meaning.FLAGS),
    AttributeDef(0x0304, "DemandFormatting", T.BITMAP8, Meaning.FLAGS),
    AttributeDef(0x0305, "HistoricalConsumptionFormatting", T.BITMAP8, Meaning.FLAGS),
    AttributeDef(0x0306, "MeteringDeviceType", T.BITMAP8, Meaning.FLAGS),
    AttributeDef(0x0307, "SiteID", T.OCTET_STRING, Meaning.TEXT),
    AttributeDef(0x0308, "MeterSerialNumber", T.OCTET_STRING, Meaning.TEXT),
    AttributeDef(0x030E, "ModuleSerialNumber", T.OCTET_STRING, Meaning.TEXT),
    AttributeDef(0x030F, "OperatingTariffLabelDelivered", T.OCTET_STRING, Meaning.TEXT),
    AttributeDef(0x0311, "CustomerIDNumber", T.OCTET_STRING, Meaning.TEXT),
    AttributeDef(
        0x0312, "AlternativeUnitOfMeasure", T.ENUM8, Meaning.UNIT_OF_MEASURE, UNITS_OF_MEASURE
    ),
    AttributeDef(0x0400, "InstantaneousDemand", T.INT24),
    AttributeDef(0x0401, "CurrentDayConsumptionDelivered", T.UINT24, Meaning.SUMMATION),
    AttributeDef(0x0402, "CurrentDayConsumptionReceived", T.UINT24, Meaning.SUMMATION),
    AttributeDef(0x0403, "PreviousDayConsumptionDelivered", T.UINT24, Meaning.SUMMATION),
    AttributeDef(0x0404, "PreviousDayConsumptionReceived", T.UINT24, Meaning.SUMMATION),
    AttributeDef(
        0x0405, "CurrentPartialProfileIntervalStartTimeDelivered", T.UTC_TIME, Meaning.TIMESTAMP
    ),
    AttributeDef(
        0x0407, "CurrentPartialProfileIntervalValueDelivered", T.UINT24, Meaning.SUMMATION
    ),
    _previous_days(),
    AttributeDef(0x0430, "CurrentWeekConsumptionDelivered", T.UINT24, Meaning.SUMMATION),
    AttributeDef(0x0432, "PreviousWeekConsumptionDelivered", T.UINT24, Meaning.SUMMATION),
    AttributeDef(0x0440, "CurrentMonthConsumptionDelivered", T.UINT32, Meaning.SUMMATION),
    AttributeDef(0x0442, "PreviousMonthConsumptionDelivered", T.UINT32, Meaning.SUMMATION),
    AttributeDef(0x0500, "MaxNumberOfPeriodsDelivered", T.UINT8),
    AttributeDef(0x0600, "CurrentDemandDelivered", T.UINT24),
    AttributeDef(0x0601, "DemandLimit", T.UINT24),
    AttributeDef(0x0602, "DemandIntegrationPeriod", T.UINT8),
    AttributeDef(0x0603, "NumberOfDemandSubintervals", T.UINT8),
    AttributeDef(0x0604, "DemandLimitArmDuration", T.UINT16),
    AttributeDef(
        0x0605, "LoadLimitSupplyState", T.ENUM8, Meaning.ENUMERATION, SUPPLY_STATE_CHANGES
    ),
    AttributeDef(0x0606, "LoadLimitCounter", T.UINT8),
    AttributeDef(0x0607, "SupplyTamperState", T.ENUM8, Meaning.ENUMERATION, SUPPLY_STATE_CHANGES),
    AttributeDef(
        0x0608, "SupplyDepletionState", T.ENUM8, Meaning.ENUMERATION, SUPPLY_STATE_CHANGES
    ),
    AttributeDef(
        0x0609, "SupplyUncontrolledFlowState", T.ENUM8, Meaning.ENUMERATION, SUPPLY_STATE_CHANGES
    ),
    _block_summations(0x0700, "Delivered"),
    AttributeDef(0x0800, "GenericAlarmMask", T.BITMAP16, Meaning.FLAGS),
    AttributeDef(0x0A00, "BillToDateDelivered", T.UINT32, Meaning.MONEY),
    AttributeDef(0x0A01, "BillToDateTimeStampDelivered", T.UTC_TIME, Meaning.TIMESTAMP),
    AttributeDef(0x0A02, "ProjectedBillDelivered", T.UINT32, Meaning.MONEY),
    AttributeDef(0x0A03, "ProjectedBillTimeStampDelivered", T.UTC_TIME, Meaning.TIMESTAMP),
    AttributeDef(0x0A04, "BillDeliveredTrailingDigit", T.BITMAP8, Meaning.TRAILING_DIGIT),
    AttributeDef(0x0B00, "ProposedChangeSupplyImplementationTime", T.UTC_TIME, Meaning.TIMESTAMP),
    AttributeDef(0x0B01, "ProposedChangeSupplyStatus", T.ENUM8, Meaning.ENUMERATION, SUPPLY_STATUS),
    AttributeDef(0x0B10, "UncontrolledFlowThreshold", T.UINT16),
    AttributeDef(
        0x0B11,
        "UncontrolledFlowThresholdUnitOfMeasure",
        T.ENUM8,
        Meaning.UNIT_OF_MEASURE,
        UNITS_OF_MEASURE,
    ),
    AttributeDef(0x0B12, "UncontrolledFlowMultiplier", T.UINT16),
    AttributeDef(0x0B13, "UncontrolledFlowDivisor", T.UINT16),
    AttributeDef(0x0B14, "FlowStabilisationPeriod", T.UINT8),
    AttributeDef(0x0B15, "FlowMeasurementPeriod", T.UINT16),
)

# Snapshot payloads (SE D.3.2.4.x, Publish Snapshot): the register sets a snapshot holds.
_DELIVERED_BILLING: Final[tuple[Element, ...]] = (
    Field("current_summation_delivered", U48),
    Field("bill_to_date_delivered", U32),
    Field("bill_to_date_time_stamp_delivered", UTC),
    Field("projected_bill_delivered", U32),
    Field("projected_bill_time_stamp_delivered", UTC),
    Field("bill_delivered_trailing_digit", BITMAP8),
)
_RECEIVED_BILLING: Final[tuple[Element, ...]] = (
    Field("current_summation_received", U48),
    Field("bill_to_date_received", U32),
    Field("bill_to_date_time_stamp_received", UTC),
    Field("projected_bill_received", U32),
    Field("projected_bill_time_stamp_received", UTC),
    Field("bill_received_trailing_digit", BITMAP8),
)
_TIERS: Final[tuple[Element, ...]] = (
    Field("number_of_tiers_in_use", U8, counts="tier_summations"),
    Repeat("tier_summations", (Field("summation", U48),), "number_of_tiers_in_use"),
)
_BLOCKS: Final[tuple[Element, ...]] = (
    Field("number_of_tiers_and_block_thresholds_in_use", U8),
    Repeat("tier_block_summations", (Field("summation", U48),)),
)
SNAPSHOT_PAYLOADS: Final[dict[int, tuple[Element, ...]]] = {
    0x00: (*_DELIVERED_BILLING, *_TIERS),
    0x01: (*_RECEIVED_BILLING, *_TIERS),
    0x02: (*_DELIVERED_BILLING, *_TIERS, *_BLOCKS),
    0x03: (*_RECEIVED_BILLING, *_TIERS, *_BLOCKS),
    0x04: (Field("current_summation_delivered", U48), *_TIERS),
    0x05: (Field("current_summation_received", U48), *_TIERS),
    0x06: (Field("current_summation_delivered", U48), *_TIERS, *_BLOCKS),
    0x07: (Field("current_summation_received", U48), *_TIERS, *_BLOCKS),
    0x80: (),
}

SERVER_COMMANDS: Final = commands(
    Command(
        0x00,
        "GetProfileResponse",
        (
            Field("end_time", UTC),
            Field("status", ENUM8),
            Field("profile_interval_period", ENUM8),
            Field("number_of_periods_delivered", U8, counts="intervals"),
            Repeat("intervals", (Field("value", U24),), "number_of_periods_delivered"),
        ),
        True,
    ),
    Command(
        0x04,
        "ScheduleSnapshotResponse",
        (
            Field("issuer_event_id", U32),
            Repeat("responses", (Field("snapshot_schedule_id", U8), Field("confirmation", ENUM8))),
        ),
        True,
    ),
    Command(
        0x05,
        "TakeSnapshotResponse",
        (Field("snapshot_id", U32), Field("snapshot_confirmation", ENUM8)),
        True,
    ),
    Command(
        0x06,
        "PublishSnapshot",
        (
            Field("snapshot_id", U32),
            Field("snapshot_time", UTC),
            Field("total_snapshots_found", U8),
            Field("command_index", U8),
            Field("total_number_of_commands", U8),
            Field("snapshot_cause", BITMAP32),
            Field("snapshot_payload_type", ENUM8),
            Switch("snapshot_payload_type", SNAPSHOT_PAYLOADS, "snapshot_payload"),
        ),
        True,
    ),
    Command(
        0x07,
        "GetSampledDataResponse",
        (
            Field("sample_id", U16),
            Field("sample_start_time", UTC),
            Field("sample_type", ENUM8),
            Field("sample_request_interval", U16),
            Field("number_of_samples", U16, counts="samples"),
            Repeat("samples", (Field("value", U24),), "number_of_samples"),
        ),
        True,
    ),
    Command(
        0x0C,
        "SupplyStatusResponse",
        (
            Field("provider_id", U32),
            Field("issuer_event_id", U32),
            Field("implementation_date_time", UTC),
            Field("supply_status", ENUM8),
        ),
        True,
    ),
    Command(0x0D, "StartSamplingResponse", (Field("sample_id", U16),), True),
)

CLIENT_COMMANDS: Final = commands(
    Command(
        0x00,
        "GetProfile",
        (Field("interval_channel", ENUM8), Field("end_time", UTC), Field("number_of_periods", U8)),
        False,
    ),
    Command(
        0x04,
        "ScheduleSnapshot",
        (
            Field("issuer_event_id", U32),
            Field("command_index", U8),
            Field("total_number_of_commands", U8),
            Repeat(
                "schedules",
                (
                    Field("snapshot_schedule_id", U8),
                    Field("snapshot_start_time", UTC),
                    Field("snapshot_schedule", U24),
                    Field("snapshot_payload_type", ENUM8),
                    Field("snapshot_cause", BITMAP32),
                ),
            ),
        ),
        False,
    ),
    Command(0x05, "TakeSnapshot", (Field("snapshot_cause", BITMAP32),), False),
    Command(
        0x06,
        "GetSnapshot",
        (
            Field("earliest_start_time", UTC),
            Field("latest_end_time", UTC),
            Field("snapshot_offset", U8),
            Field("snapshot_cause", BITMAP32),
        ),
        False,
    ),
    Command(
        0x07,
        "StartSampling",
        (
            Field("issuer_event_id", U32),
            Field("start_sampling_time", UTC),
            Field("sample_type", ENUM8),
            Field("sample_request_interval", U16),
            Field("max_number_of_samples", U16),
        ),
        False,
    ),
    Command(
        0x08,
        "GetSampledData",
        (
            Field("sample_id", U16),
            Field("earliest_sample_time", UTC),
            Field("sample_type", ENUM8),
            Field("number_of_samples", U16),
        ),
        False,
    ),
    Command(
        0x0A,
        "ResetLoadLimitCounter",
        (Field("provider_id", U32), Field("issuer_event_id", U32)),
        False,
    ),
    Command(
        0x0B,
        "ChangeSupply",
        (
            Field("provider_id", U32),
            Field("issuer_event_id", U32),
            Field("request_date_time", UTC),
            Field("implementation_date_time", UTC),
            Field("proposed_supply_status", ENUM8),
            Field("supply_control_bits", BITMAP8),
        ),
        False,
    ),
    Command(0x0C, "LocalChangeSupply", (Field("proposed_supply_status", ENUM8),), False),
    Command(
        0x0D,
        "SetSupplyStatus",
        (
            Field("issuer_event_id", U32),
            Field("supply_tamper_state", ENUM8),
            Field("supply_depletion_state", ENUM8),
            Field("supply_uncontrolled_flow_state", ENUM8),
            Field("load_limit_supply_state", ENUM8),
        ),
        False,
    ),
    Command(
        0x0E,
        "SetUncontrolledFlowThreshold",
        (
            Field("provider_id", U32),
            Field("issuer_event_id", U32),
            Field("uncontrolled_flow_threshold", U16),
            Field("unit_of_measure", ENUM8),
            Field("multiplier", U16),
            Field("divisor", U16),
            Field("stabilisation_period", U8),
            Field("measurement_period", U16),
        ),
        False,
    ),
)

CLUSTER: Final = ClusterDef(0x0702, "Metering", ATTRIBUTES, CLIENT_COMMANDS, SERVER_COMMANDS)
