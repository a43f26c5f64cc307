"""Prepayment cluster (0x0705, SE D.7): credit, debt, emergency credit and top-ups.

GBCS uses it for the gas prepayment use cases: top-ups (CS01b, PCS01), emergency credit
(GCS06, PCS02), debt (GCS04), configuration (GCS05, GCS21b), payment mode (GCS02, GCS03,
GCS21j), meter balance (GCS14, GCS40*, GCS60) and the prepayment logs (GCS15d/e, GCS16b).
"""

from __future__ import annotations

from typing import Final

from opendcc.gbcs.gbz.clusters import AttributeDef, ClusterDef, Meaning, attributes, commands
from opendcc.gbcs.gbz.datatypes import ZclDataType as T
from opendcc.gbcs.gbz.fields import (
    BITMAP8,
    BITMAP16,
    BITMAP32,
    ENUM8,
    I32,
    OCTETS,
    U8,
    U16,
    U32,
    UTC,
    Command,
    Element,
    Field,
    Repeat,
    Switch,
)

PAYMENT_CONTROL_CONFIGURATION_BITS: Final = {
    0: "DisconnectionEnabled",
    1: "PrepaymentEnabled",
    2: "CreditManagementEnabled",
    4: "CreditDisplayEnabled",
    6: "AccountBase",
    7: "ContactorFitted",
    8: "StandingChargeConfiguration",
    9: "EmergencyStandingChargeConfiguration",
    10: "DebtConfiguration",
    11: "EmergencyDebtConfiguration",
}
"""PaymentControlConfiguration (0x0000) bits; bit 1 set means prepayment mode."""

ORIGINATING_DEVICES: Final = {0x00: "EnergyServiceInterface", 0x01: "Meter", 0x02: "InHomeDisplay"}
DEBT_RECOVERY_METHODS: Final = {0x00: "TimeBased", 0x01: "PercentageBased", 0x02: "CatchUpBased"}
DEBT_RECOVERY_FREQUENCIES: Final = {
    0x00: "PerHour",
    0x01: "PerDay",
    0x02: "PerWeek",
    0x03: "PerMonth",
    0x04: "PerQuarter",
}
DEBT_TYPES: Final = {0x00: "Debt1", 0x01: "Debt2", 0x02: "Debt3"}
CREDIT_ADJUSTMENT_TYPES: Final = {0x00: "CreditIncremental", 0x01: "CreditAbsolute"}
TOP_UP_RESULTS: Final = {
    0x00: "Accepted",
    0x01: "RejectedInvalid",
    0x02: "RejectedDuplicate",
    0x03: "RejectedError",
    0x04: "RejectedMaxCreditReached",
    0x05: "RejectedKeypadLock",
    0x06: "RejectedTopUpValueTooLarge",
    0x10: "AcceptedSupplyEnabled",
    0x11: "AcceptedSupplyDisabled",
    0x12: "AcceptedSupplyArmed",
}


def _top_ups() -> list[AttributeDef]:
    rows = []
    for n in range(1, 6):
        base = 0x0100 + 0x10 * (n - 1)
        rows += [
            AttributeDef(base, f"TopUpDateTime{n}", T.UTC_TIME, Meaning.TIMESTAMP),
            AttributeDef(base + 1, f"TopUpAmount{n}", T.INT32, Meaning.MONEY),
            AttributeDef(
                base + 2, f"OriginatingDevice{n}", T.ENUM8, Meaning.ENUMERATION, ORIGINATING_DEVICES
            ),
            AttributeDef(base + 3, f"TopUpCode{n}", T.OCTET_STRING, Meaning.TEXT),
        ]
    return rows


def _debts() -> list[AttributeDef]:
    rows = []
    for n in range(1, 4):
        base = 0x0210 + 0x10 * (n - 1)
        rows += [
            AttributeDef(base, f"DebtLabel{n}", T.OCTET_STRING, Meaning.TEXT),
            AttributeDef(base + 1, f"DebtAmount{n}", T.UINT32, Meaning.MONEY),
            AttributeDef(
                base + 2,
                f"DebtRecoveryMethod{n}",
                T.ENUM8,
                Meaning.ENUMERATION,
                DEBT_RECOVERY_METHODS,
            ),
            AttributeDef(base + 3, f"DebtRecoveryStartTime{n}", T.UTC_TIME, Meaning.TIMESTAMP),
            AttributeDef(base + 4, f"DebtRecoveryCollectionTime{n}", T.UINT16),
            AttributeDef(
                base + 6,
                f"DebtRecoveryFrequency{n}",
                T.ENUM8,
                Meaning.ENUMERATION,
                DEBT_RECOVERY_FREQUENCIES,
            ),
            AttributeDef(base + 7, f"DebtRecoveryAmount{n}", T.UINT32, Meaning.MONEY),
            AttributeDef(
                base + 9, f"DebtRecoveryTopUpPercentage{n}", T.UINT16, Meaning.HUNDREDTHS_PERCENT
            ),
        ]
    return rows


ATTRIBUTES: Final = attributes(
    AttributeDef(0x0000, "PaymentControlConfiguration", T.BITMAP16, Meaning.FLAGS),
    AttributeDef(0x0001, "CreditRemaining", T.INT32, Meaning.MONEY),
    AttributeDef(0x0002, "EmergencyCreditRemaining", T.INT32, Meaning.MONEY),
    AttributeDef(0x0003, "CreditStatus", T.BITMAP8, Meaning.FLAGS),
    AttributeDef(0x0004, "CreditRemainingTimeStamp", T.UTC_TIME, Meaning.TIMESTAMP),
    AttributeDef(0x0005, "AccumulatedDebt", T.INT32, Meaning.MONEY),
    AttributeDef(0x0006, "OverallDebtCap", T.INT32, Meaning.MONEY),
    AttributeDef(0x0010, "EmergencyCreditLimitAllowance", T.UINT32, Meaning.MONEY),
    AttributeDef(0x0011, "EmergencyCreditThreshold", T.UINT32, Meaning.MONEY),
    AttributeDef(0x0020, "TotalCreditAdded", T.UINT48, Meaning.MONEY),
    AttributeDef(0x0021, "MaxCreditLimit", T.UINT32, Meaning.MONEY),
    AttributeDef(0x0022, "MaxCreditPerTopUp", T.UINT32, Meaning.MONEY),
    AttributeDef(0x0030, "FriendlyCreditWarning", T.UINT8),
    AttributeDef(0x0031, "LowCreditWarningLevel", T.UINT32, Meaning.MONEY),
    AttributeDef(0x0032, "IHDLowCreditWarningLevel", T.UINT32, Meaning.MONEY),
    AttributeDef(0x0033, "InterruptSuspendTime", T.UINT8),
    AttributeDef(0x0034, "RemainingFriendlyCreditTime", T.UINT16),
    AttributeDef(0x0035, "NextFriendlyCreditPeriod", T.UTC_TIME, Meaning.TIMESTAMP),
    AttributeDef(0x0040, "CutOffValue", T.INT32, Meaning.MONEY),
    AttributeDef(0x0080, "TokenCarrierID", T.OCTET_STRING, Meaning.TEXT),
    _top_ups(),
    _debts(),
)

SNAPSHOT_PAYLOADS: Final[dict[int, tuple[Element, ...]]] = {
    0x00: (
        Field("accumulated_debt", I32),
        Field("type1_debt_remaining", U32),
        Field("type2_debt_remaining", U32),
        Field("type3_debt_remaining", U32),
        Field("emergency_credit_remaining", I32),
        Field("credit_remaining", I32),
    ),
}
SNAPSHOT_PAYLOAD_TYPES: Final = {0x00: "DebtCreditStatus"}

SERVER_COMMANDS: Final = commands(
    Command(
        0x01,
        "PublishPrepaySnapshot",
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
        0x02,
        "ChangePaymentModeResponse",
        (
            Field("friendly_credit", BITMAP8),
            Field("friendly_credit_calendar_id", U32),
            Field("emergency_credit_limit", U32),
            Field("emergency_credit_threshold", U32),
        ),
        True,
    ),
    Command(
        0x03,
        "ConsumerTopUpResponse",
        (
            Field("result_type", ENUM8),
            Field("top_up_value", I32),
            Field("source_of_top_up", ENUM8),
            Field("credit_remaining", I32),
        ),
        True,
    ),
    Command(
        0x05,
        "PublishTopUpLog",
        (
            Field("command_index", U8),
            Field("total_number_of_commands", U8),
            Repeat(
                "top_ups",
                (
                    Field("top_up_code", OCTETS),
                    Field("top_up_amount", I32),
                    Field("top_up_time", UTC),
                ),
            ),
        ),
        True,
    ),
    Command(
        0x06,
        "PublishDebtLog",
        (
            Field("command_index", U8),
            Field("total_number_of_commands", U8),
            Repeat(
                "debts",
                (
                    Field("collection_time", UTC),
                    Field("amount_collected", U32),
                    Field("debt_type", ENUM8),
                    Field("outstanding_debt", U32),
                ),
            ),
        ),
        True,
    ),
)

CLIENT_COMMANDS: Final = commands(
    Command(
        0x00,
        "SelectAvailableEmergencyCredit",
        (Field("command_issue_date_time", UTC), Field("originating_device", ENUM8)),
        False,
    ),
    Command(
        0x02,
        "ChangeDebt",
        (
            Field("issuer_event_id", U32),
            Field("debt_label", OCTETS),
            Field("debt_amount", U32),
            Field("debt_recovery_method", ENUM8),
            Field("debt_amount_type", ENUM8),
            Field("debt_recovery_start_time", UTC),
            Field("debt_recovery_collection_time", U16),
            Field("debt_recovery_frequency", ENUM8),
            Field("debt_recovery_amount", U32),
            Field("debt_recovery_balance_percentage", U16),
        ),
        False,
    ),
    Command(
        0x03,
        "EmergencyCreditSetup",
        (
            Field("issuer_event_id", U32),
            Field("start_time", UTC),
            Field("emergency_credit_limit", U32),
            Field("emergency_credit_threshold", U32),
        ),
        False,
    ),
    Command(
        0x04,
        "ConsumerTopUp",
        (Field("originating_device", ENUM8), Field("top_up_code", OCTETS)),
        False,
    ),
    Command(
        0x05,
        "CreditAdjustment",
        (
            Field("issuer_event_id", U32),
            Field("start_time", UTC),
            Field("credit_adjustment_type", ENUM8),
            Field("credit_adjustment_value", I32),
        ),
        False,
    ),
    Command(
        0x06,
        "ChangePaymentMode",
        (
            Field("provider_id", U32),
            Field("issuer_event_id", U32),
            Field("implementation_date_time", UTC),
            Field("proposed_payment_control_configuration", BITMAP16),
            Field("cut_off_value", I32),
        ),
        False,
    ),
    Command(
        0x07,
        "GetPrepaySnapshot",
        (
            Field("earliest_start_time", UTC),
            Field("latest_end_time", UTC),
            Field("snapshot_offset", U8),
            Field("snapshot_cause", BITMAP32),
        ),
        False,
    ),
    Command(
        0x08,
        "GetTopUpLog",
        (Field("latest_end_time", UTC), Field("number_of_records", U8)),
        False,
    ),
    Command(0x09, "SetLowCreditWarningLevel", (Field("low_credit_warning_level", U32),), False),
    Command(
        0x0A,
        "GetDebtRepaymentLog",
        (Field("latest_end_time", UTC), Field("number_of_debts", U8), Field("debt_type", ENUM8)),
        False,
    ),
    Command(
        0x0B,
        "SetMaximumCreditLimit",
        (
            Field("provider_id", U32),
            Field("issuer_event_id", U32),
            Field("implementation_date_time", UTC),
            Field("maximum_credit_level", U32),
            Field("maximum_credit_per_top_up", U32),
        ),
        False,
    ),
    Command(
        0x0C,
        "SetOverallDebtCap",
        (
            Field("provider_id", U32),
            Field("issuer_event_id", U32),
            Field("implementation_date_time", UTC),
            Field("overall_debt_cap", U32),
        ),
        False,
    ),
)

CLUSTER: Final = ClusterDef(0x0705, "Prepayment", ATTRIBUTES, CLIENT_COMMANDS, SERVER_COMMANDS)
